// Crashes of user-space programs: sanitizer reports (ASan, LSan, UBSan,
// MSan, TSan), glibc's heap-corruption aborts and assertion failures.
#pragma once

#include <optional>
#include <string_view>

#include "report/crash_report.h"

namespace culprit::report {

std::optional<CrashReport> find_user_space_crash(std::string_view log);

// A frame of the sanitizer runtime, the C library's memory and string
// functions or the allocator: where an error was noticed, not where it is.
// `location` is the frame's file or module as the report prints it.
bool is_runtime_frame(std::string_view function, std::string_view location);

}  // namespace culprit::report
