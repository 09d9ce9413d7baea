// CLI11 parsing shared by the subcommands: help goes to stdout, a parse error
// becomes a one-line UserError (exit 2) naming the subcommand.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace culprit::cli {

// False when help was asked for (and printed): the command then exits 0.
bool parse_args(CLI::App& app, const Args& args, const char* command);

}  // namespace culprit::cli
