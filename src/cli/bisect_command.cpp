#include "cli/commands.h"
#include "util/error.h"

namespace culprit::cli {
int bisect_command(const Args&) { throw UserError("'bisect' is not available in this build"); }
}  // namespace culprit::cli
