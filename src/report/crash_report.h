// Console log -> crash report. Finds the first crash in a kernel serial
// console log or in a user-space program's output, and names it the way the
// public syzbot dashboard does.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::report {

struct CrashReport {
  std::string title;                    // e.g. "KASAN: use-after-free Read in foo"
  std::vector<std::string> alt_titles;  // other names syzbot would accept for it
  std::string type;                     // syzbot crash type name, "" when unknown
  bool corrupted = false;               // the report is truncated or mangled
  std::string frame;                    // the reporting function
  std::string report;                   // the report text (cleaned lines)
  std::size_t start = 0;                // byte offsets of the report in the input
  std::size_t end = 0;
};

// The first crash in `log`, or nothing when the log shows no crash.
// Linear time in the size of the input; never throws on any bytes.
std::optional<CrashReport> find_crash(std::string_view log);

// syzbot's crash type for a kernel crash title ("" when unknown), e.g. for
// titles a runner makes itself ("lost connection to test machine").
std::string crash_type_for_title(std::string_view title);

}  // namespace culprit::report
