// The stack frames of a crash report, for telling crashes apart: a kernel
// oops ("foo+0x1c/0x30", symbolized "foo lib/x.c:12 [inline]", "RIP:
// 0010:foo+0x..", arm's "(foo) from (bar)") or a user-space sanitizer
// report ("#3 0x55d0c0de in foo /src/x.c:42"). Unlike the title, which
// names one frame, this is the whole path, so two reports can be compared
// by what their stacks have in common.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace culprit::report {

struct ReportFrame {
  // Without offsets, argument lists, compiler suffixes (".isra.0",
  // ".constprop.0", ".cold") or syscall wrapper prefixes ("__x64_sys_").
  std::string function;
  std::string file;  // source file without its line; "" when the report does not say
  int stack = 0;     // 0: the report's first stack (where it crashed); 1: the next, ...
  // A frame of almost every report: sanitizer runtime, allocator, printing
  // and checking code, syscall and thread entry, main().
  bool generic = false;
};

// The frames in the order printed, unreliable ones ("? foo+0x..") left out.
// Never throws; linear in the size of the report.
std::vector<ReportFrame> report_frames(std::string_view report);

// The first `limit` distinct functions that are not generic, from the first
// stack that has any: what identifies the crash.
std::vector<ReportFrame> identifying_frames(std::string_view report, std::size_t limit = 8);

}  // namespace culprit::report
