#include "cli/commands.h"
#include "util/error.h"

namespace culprit::cli {
int log_command(const Args&) { throw UserError("'log' is not available in this build"); }
int status_command(const Args&) { throw UserError("'status' is not available in this build"); }
}  // namespace culprit::cli
