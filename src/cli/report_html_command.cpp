// culprit report-html: the last bisection of a state directory as a
// self-contained HTML page, finished or not.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/parse_args.h"
#include "html/collect.h"
#include "html/render.h"
#include "util/error.h"
#include "util/text.h"
#include "vcs/repository.h"

namespace culprit::cli {

int report_html_command(const Args& args) {
  std::string state, repo = ".", output;
  CLI::App app{
      "culprit report-html: write the last bisection recorded in a state directory as one "
      "self-contained HTML "
      "page (inline CSS and SVG, no scripts, no network): verdict and culprit, a picture of the "
      "range with "
      "every tested commit and the candidates left after each step, the steps with builds and "
      "runs, the crash "
      "report and the checks. An unfinished bisection is shown as far as it got, marked running or "
      "interrupted.\nOutput: FILE given with -o (written atomically), else standard output.",
      "culprit report-html"};
  app.add_option("--state", state, "state directory (default: <git dir>/culprit of --repo)");
  app.add_option("--repo", repo,
                 "git repository whose default state directory to read (default: .)");
  app.add_option("-o,--output", output, "write the page to FILE instead of standard output");
  if (!parse_args(app, args, "report-html")) return 0;
  std::filesystem::path dir = state.empty() ? vcs::Repository::open(repo).git_dir() / "culprit"
                                            : std::filesystem::path(state);
  if (!std::filesystem::is_directory(dir))
    throw UserError("state directory " + dir.string() + " does not exist");
  if (!output.empty()) {
    auto parent = std::filesystem::absolute(output).parent_path();
    if (!std::filesystem::is_directory(parent))
      throw UserError("-o " + output + ": directory " + parent.string() + " does not exist");
  }
  auto data = html::collect_report_data(dir);
  if (!data) throw UserError("no bisection recorded in " + dir.string());
  std::string page = html::render_report(*data);
  if (output.empty() || output == "-") {
    std::fwrite(page.data(), 1, page.size(), stdout);
  } else {
    try {
      write_file_atomic(output, page);
    } catch (const std::exception& e) {
      throw UserError(std::string("report-html: ") + e.what());
    }
  }
  return 0;
}

}  // namespace culprit::cli
