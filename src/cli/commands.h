// The culprit subcommands. Each takes its arguments (without the program and
// subcommand names) and returns the process exit status.
#pragma once

#include <string>
#include <vector>

namespace culprit::cli {

using Args = std::vector<std::string>;

int bisect_command(const Args& args);       // bisect_command.cpp
int report_command(const Args& args);       // report_command.cpp
int maintainers_command(const Args& args);  // maintainers_command.cpp
int log_command(const Args& args);          // state_commands.cpp
int status_command(const Args& args);       // state_commands.cpp
int report_html_command(const Args& args);  // report_html_command.cpp
int email_command(const Args& args);        // email_command.cpp
int worker_command(const Args& args);       // worker_command.cpp (inside cluster jobs)

}  // namespace culprit::cli
