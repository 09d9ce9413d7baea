#include "report/crash_report.h"

#include "report/kernel_oops.h"
#include "report/user_space.h"

namespace culprit::report {

std::optional<CrashReport> find_crash(std::string_view log) {
  // Whichever report comes first in the log is the crash; on the same line
  // the user-space parser's reading is the more specific one.
  auto kernel = find_kernel_crash(log);
  auto user = find_user_space_crash(log);
  if (kernel && user) return kernel->start < user->start ? kernel : user;
  return kernel ? kernel : user;
}

}  // namespace culprit::report
