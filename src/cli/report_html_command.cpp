// Placeholder until the html module lands.
#include "cli/commands.h"
#include "util/error.h"

namespace culprit::cli {
int report_html_command(const Args&) { throw UserError("'report-html' is not available in this build"); }
}  // namespace culprit::cli
