#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "util/error.h"

namespace {

constexpr const char* kUsage =
    "usage: culprit <command> [options]\n"
    "\n"
    "commands:\n"
    "  bisect       find the commit that introduced (or, with --fix, fixed) a crash\n"
    "  report       find the first crash in a console log and print its title\n"
    "  maintainers  who to tell about a commit or files (MAINTAINERS, trailers)\n"
    "  log          print the log of the last bisection in a state directory\n"
    "  status       say what a bisection is doing and how far it is\n"
    "  report-html  write the last bisection as a self-contained HTML page\n"
    "  email        the last bisection's result as a mail message, written or sent\n"
    "  worker       one build or test run inside a cluster job (bisect --cluster)\n"
    "\n"
    "Run 'culprit <command> --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace culprit::cli;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  Args args(argv + 2, argv + argc);
  try {
    if (cmd == "bisect") return bisect_command(args);
    if (cmd == "report") return report_command(args);
    if (cmd == "maintainers") return maintainers_command(args);
    if (cmd == "log") return log_command(args);
    if (cmd == "status") return status_command(args);
    if (cmd == "report-html") return report_html_command(args);
    if (cmd == "email") return email_command(args);
    if (cmd == "worker") return worker_command(args);
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (cmd == "--version") {
      std::puts("culprit 0.1.0");
      return 0;
    }
    std::fprintf(stderr, "culprit: unknown command '%s' (see 'culprit --help')\n", argv[1]);
    return 2;
  } catch (const culprit::UserError& e) {
    std::fprintf(stderr, "culprit: %s\n", e.what());
    return 2;
  } catch (const culprit::AbortError& e) {
    std::fprintf(stderr, "culprit: aborted: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "culprit: internal error: %s\n", e.what());
    return 3;
  }
}
