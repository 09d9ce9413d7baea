#include "report/unstable_titles.h"

#include <re2/re2.h>

#include <memory>

namespace culprit::report {

const std::vector<UnstableTitle>& unstable_titles() {
  static const std::vector<UnstableTitle> table = {
      {"stack overflow",
       R"(^(?:stack-overflow\b|BUG: (?:TASK )?stack guard page was hit|kernel stack overflow|)"
       R"(kernel panic: (?:corrupted stack end|stack is corrupted)))",
       0.6,
       "the stack runs out wherever the recursion happens to be when it reaches the guard page: "
       "the top frame is any function of the recursion, and a report cut short names none"},
      {"hang",
       R"(^(?:INFO: task hung\b|INFO: task .* blocked for more than|INFO: task can't die\b|)"
       R"(INFO: rcu(?:_\w+)? (?:self-)?detected(?: expedited)? stall|BUG: soft lockup\b|)"
       R"(watchdog: BUG: soft lockup\b|BUG: workqueue lockup\b|stall in ))",
       0.3,
       "the watchdog reports wherever the stuck task or CPU is when it fires, which is where it "
       "waits or loops, not always where the bug is; two hangs are as often two bugs, so a hang "
       "without a stack counts for little"},
      {"lost connection", R"(^lost connection to test machine$)", 0,
       "the machine went away without a report: any bug that takes it down, and any failure of "
       "the machine itself, looks like this"},
      {"no output", R"(^no output from test machine$)", 0,
       "the machine stopped printing: a hang anywhere, or a machine that stalls, looks like this"},
      {"timeout", R"(^timed out\b)", 0,
       "the run took too long: a hang of the program, or a slow machine, looks like this"},
  };
  return table;
}

const UnstableTitle* unstable_title(std::string_view title) {
  struct Compiled {
    const UnstableTitle* row;
    std::unique_ptr<RE2> re;
  };
  static const std::vector<Compiled> compiled = [] {
    std::vector<Compiled> out;
    for (const auto& row : unstable_titles())
      out.push_back({&row, std::make_unique<RE2>(row.pattern)});
    return out;
  }();
  for (const auto& c : compiled)
    if (RE2::PartialMatch(re2::StringPiece(title.data(), title.size()), *c.re)) return c.row;
  return nullptr;
}

}  // namespace culprit::report
