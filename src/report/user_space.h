// Crashes of user-space programs: sanitizer reports (ASan, LSan, UBSan,
// MSan, TSan), glibc's heap-corruption aborts and assertion failures.
#pragma once

#include <optional>
#include <string_view>

#include "report/crash_report.h"

namespace culprit::report {

std::optional<CrashReport> find_user_space_crash(std::string_view log);

}  // namespace culprit::report
