// culprit log / culprit status: read the state database without taking the
// lock, so they work while a bisection runs.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "store/state_store.h"
#include "util/error.h"
#include "vcs/repository.h"

namespace culprit::cli {
namespace {

std::filesystem::path state_dir(const Args& args, const char* name) {
  std::string state, repo = ".";
  CLI::App app{std::string("culprit ") + name, std::string("culprit ") + name};
  app.add_option("--state", state, "state directory (default: <git dir>/culprit of --repo)");
  app.add_option("--repo", repo, "git repository whose default state directory to read");
  std::vector<std::string> argv(args.rbegin(), args.rend());
  try {
    app.parse(argv);
  } catch (const CLI::ParseError& e) {
    throw UserError(std::string(name) + ": " + e.what());
  }
  if (!state.empty()) return state;
  return vcs::Repository::open(repo).git_dir() / "culprit";
}

store::BisectionSummary last_or_fail(const std::filesystem::path& dir) {
  auto last = store::StateStore::last(dir);
  if (!last) throw UserError("no bisection recorded in " + dir.string());
  return *last;
}

}  // namespace

int log_command(const Args& args) {
  auto summary = last_or_fail(state_dir(args, "log"));
  std::fputs(summary.log.c_str(), stdout);
  return 0;
}

int status_command(const Args& args) {
  auto summary = last_or_fail(state_dir(args, "status"));
  std::printf("bisection #%lld: %s\n", static_cast<long long>(summary.id),
              summary.finished ? "finished" : summary.status.empty() ? "started" : summary.status.c_str());
  // The last progress lines of the log say how far it is.
  std::string_view log = summary.log;
  size_t lines = 0, pos = log.size();
  while (pos > 0 && lines < 6) {
    pos = log.rfind('\n', pos - 1);
    if (pos == std::string_view::npos) {
      pos = 0;
      break;
    }
    ++lines;
  }
  std::string_view tail = log.substr(pos == 0 ? 0 : pos + 1);
  if (!tail.empty()) std::printf("%.*s", static_cast<int>(tail.size()), tail.data());
  return 0;
}

}  // namespace culprit::cli
