#include "cli/parse_args.h"

#include <cstdio>

#include "util/error.h"

namespace culprit::cli {

bool parse_args(CLI::App& app, const Args& args, const char* command) {
  // CLI11 takes the arguments last first.
  std::vector<std::string> argv(args.rbegin(), args.rend());
  try {
    app.parse(argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return false;
  } catch (const CLI::ParseError& e) {
    throw UserError(std::string(command) + ": " + e.what());
  }
  return true;
}

}  // namespace culprit::cli
