// Crash titles as the syzbot dashboard writes them: the template filled in,
// run-specific parts (addresses, line numbers, pids, CPUs) normalised, and
// the crash type and reporting frame derived from the title.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace culprit::report {

// Fills "{N}" (1-based) in `fmt` from `args`.
std::string fill_template(std::string_view fmt, const std::vector<std::string>& args);

// ADDR, LINE, NUM, IP, CPU and syz-executor normalisation, then printable
// ASCII only, single spaces, at most 120 characters.
std::string normalize_title(std::string_view title);

// syzbot's crash type for a (kernel) title, "" when unknown.
std::string crash_type_for_title(std::string_view title);

// The function after the last " in " of a title, "" if none.
std::string frame_from_title(std::string_view title);

}  // namespace culprit::report
