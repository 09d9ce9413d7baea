// culprit log / culprit status: read the state database without taking the
// lock, so they work while a bisection runs.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "store/state_store.h"
#include "util/error.h"
#include "util/text.h"
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
  // How far: verdicts given inside the DAG bisection, and git's estimate of
  // the steps left from the newest "Bisecting:" line.
  int steps = 0, left = -1;
  std::string current;
  for (auto line : split_lines(summary.log)) {
    if (starts_with(line, "# git bisect good") || starts_with(line, "# git bisect bad") ||
        starts_with(line, "# git bisect skip"))
      ++steps;
    auto pos = line.find("(roughly ");
    if (starts_with(line, "Bisecting: ") && pos != std::string_view::npos)
      left = std::atoi(std::string(line.substr(pos + 9)).c_str());
    if (starts_with(line, "testing ")) current = std::string(line);
  }
  std::printf("bisection #%lld: %s\n", static_cast<long long>(summary.id),
              summary.finished ? "finished" : summary.status.empty() ? "started" : summary.status.c_str());
  if (left >= 0) std::printf("step %d of about %d\n", steps + (summary.finished ? 0 : 1), steps + left + 1);
  std::printf("builds: %d, test runs: %d\n", summary.builds, summary.runs);
  if (!summary.finished && !current.empty()) std::printf("last: %s\n", current.c_str());
  return 0;
}

}  // namespace culprit::cli
