// Crash titles that vary from run to run by nature: the same bug gets
// another title depending on where it happened to be noticed. The table
// says which, and why; crash identity (bisect/crash_family.h) compares such
// crashes by their kind and their stacks rather than by the function their
// title names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace culprit::report {

struct UnstableTitle {
  std::string kind;     // e.g. "stack overflow": titles of one kind may be one crash
  std::string pattern;  // RE2, searched in the title (or an alternative title)
  // What a crash of this kind counts as the same crash when there are no
  // stacks to compare (a truncated report, a machine that went silent):
  // 0 when the kind alone says nothing about which bug it is.
  double weight_without_frames = 0;
  std::string reason;
};

const std::vector<UnstableTitle>& unstable_titles();

// The row for a title, or nullptr when its title is stable (the function it
// names is where the bug is).
const UnstableTitle* unstable_title(std::string_view title);

}  // namespace culprit::report
