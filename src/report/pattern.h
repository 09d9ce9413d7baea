// RE2 helpers for the report parser: kernel-log placeholders in patterns and
// leftmost-match lookups that give byte positions and captured groups.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::report {

using Pattern = std::shared_ptr<const RE2>;

// Expands the placeholders kernel oops patterns are written with:
// {{FUNC}} a function name followed by '.' or '+' (captured), {{PC}} a
// bracketed code address, {{SRC}} a source file:line (captured), {{ADDR}}.
std::string expand_pattern(std::string_view pattern);

// A compiled pattern; compile errors are programming errors and abort.
Pattern compile_pattern(std::string_view pattern);

struct PatternMatch {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::vector<std::string> groups;  // unmatched groups are empty
};

// The leftmost match of `re` in `text`, if any.
bool find_match(const RE2& re, std::string_view text, PatternMatch* out);
bool contains_match(const RE2& re, std::string_view text);

}  // namespace culprit::report
