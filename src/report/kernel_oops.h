// Linux kernel oopses in a serial console log, titled as syzbot does.
#pragma once

#include <optional>
#include <string_view>

#include "report/crash_report.h"

namespace culprit::report {

std::optional<CrashReport> find_kernel_crash(std::string_view log);

}  // namespace culprit::report
