// Placeholder until the report module lands.
#include "cli/commands.h"
#include "util/error.h"

namespace culprit::cli {
int report_command(const Args&) { throw UserError("'report' is not available in this build"); }
}  // namespace culprit::cli
