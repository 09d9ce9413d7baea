#include "report/crash_report.h"

#include "report/user_space.h"

namespace culprit::report {

std::optional<CrashReport> find_crash(std::string_view log) { return find_user_space_crash(log); }

}  // namespace culprit::report
