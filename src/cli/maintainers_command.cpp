// Placeholder until the maintainers module lands.
#include "cli/commands.h"
#include "util/error.h"

namespace culprit::cli {
int maintainers_command(const Args&) { throw UserError("'maintainers' is not available in this build"); }
}  // namespace culprit::cli
