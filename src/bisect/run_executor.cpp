#include "bisect/run_executor.h"

#include <fmt/format.h>

#include <map>
#include <mutex>

#include "bisect/slot_scheduler.h"
#include "util/error.h"
#include "util/process.h"

namespace culprit::bisect {

RunSummary run_from_record(const store::RunRecord& rec) {
  RunSummary s;
  s.status = rec.status == "ok"           ? run::RunStatus::ok
             : rec.status == "crashed"    ? run::RunStatus::crashed
             : rec.status == "untestable" ? run::RunStatus::untestable
                                          : run::RunStatus::infra_error;
  s.title = rec.title;
  s.type = rec.type;
  s.report = rec.report;
  s.seconds = rec.seconds;
  s.alt_titles = rec.alt_titles;
  s.inherited = rec.origin == store::Origin::earlier;
  s.job = rec.job;
  s.node = rec.node;
  return s;
}

RunExecutor::RunExecutor(run::TestRunner& runner, store::Journal& journal, Strategy& strategy,
                         const CrashMatcher& matcher, StepReporter& reporter, BuildCache& builds,
                         RunExecutorConfig config)
    : runner_(runner),
      journal_(journal),
      strategy_(strategy),
      matcher_(matcher),
      reporter_(reporter),
      builds_(builds),
      config_(config) {}

bool RunExecutor::crashed_since(const CommitResult& r, std::optional<int> from) const {
  if (!from || matcher_.target().empty()) return false;
  for (auto i = static_cast<std::size_t>(*from); i < r.runs.size(); ++i)
    if (matcher_.matches(r.runs[i])) return true;
  return false;
}

int RunExecutor::wanted(const CommitResult& r, const RunPlan& plan) const {
  if (crashed_since(r, plan.stop_from)) return 0;
  if (plan.target) return *plan.target - static_cast<int>(r.runs.size());
  return strategy_.more_runs(matcher_.tally(r.runs), plan.role);
}

void RunExecutor::run(Task& t, CommitResult& r, const RunPlan& plan) {
  // The commit's recorded runs beyond the counted ones: a resumed step
  // takes them first, and a parallel batch's runs past an earlier step's
  // end are this step's first runs.
  std::map<int, RunSummary> recorded;
  const int counted = static_cast<int>(r.runs.size());
  for (const auto& rec : journal_.runs(r.hash, t.runner_key))
    if (rec.index >= counted) recorded.emplace(rec.index, run_from_record(rec));
  std::map<int, int> attempts;  // machine failures per index, in this process
  for (;;) {
    // In index order, one run at a time, as if the runs were sequential.
    int want = wanted(r, plan);
    while (want > 0) {
      auto it = recorded.find(static_cast<int>(r.runs.size()));
      if (it == recorded.end()) break;
      r.runs.push_back(std::move(it->second));
      recorded.erase(it);
      want = wanted(r, plan);
    }
    if (want <= 0) break;
    const int next = static_cast<int>(r.runs.size());
    if (t.slot->built != r.hash && !builds_.artifacts_ready(t, runner_.needs_work_tree())) {
      // Resumed after the build was recorded, or another commit was built in
      // this work tree since, and the runs need the work tree (not only the
      // kept artifacts): build again before running.
      auto b = builds_.ensure_built(t, true);
      if (!b.ok)
        throw AbortError("commit " + r.hash + " built before but fails to build now: " + b.error);
      r.build_seconds += b.seconds;
    }
    builds_.touch(r.hash);
    // The missing indices among the next `want`, --jobs at a time and what
    // the round's finished steps lend.
    int borrowed = 0;
    if (config_.lent && !runner_.needs_work_tree() && want > config_.jobs)
      borrowed = config_.lent->borrow(want - config_.jobs);
    struct GiveBack {
      RunCapacity* to;
      int& n;
      ~GiveBack() {
        if (to && n > 0) to->give_back(n);
      }
    } give_back{config_.lent, borrowed};
    std::vector<int> todo;
    for (int i = next; i < next + want && static_cast<int>(todo.size()) < config_.jobs + borrowed;
         ++i)
      if (!recorded.count(i)) todo.push_back(i);
    reporter_.show(t, "testing", next, next + want,
                   fmt::format("testing {} (runs {}-{})", r.hash, todo.front(), todo.back()));
    const std::filesystem::path source_dir = t.slot->workspace->path();
    // The build normally made it; a build recorded without running here
    // (--minimize-config hands its last trial's build over) did not.
    std::filesystem::create_directories(builds_.log_dir(r.hash));
    std::mutex mu;
    std::optional<std::string> infra;  // the last machine failure, when one too many
    std::vector<std::function<void()>> work;
    for (int index : todo)
      work.push_back([&, index] {
        run::RunRequest req;
        req.commit = r.hash;
        req.source_dir = source_dir;
        req.out_dir = builds_.out_dir(r.hash);
        req.log_path = builds_.log_dir(r.hash) / fmt::format("run-{}.log", index);
        req.run_index = index;
        req.signature_file = builds_.log_dir(r.hash) / "signature";
        auto outcome = runner_.run(req);
        if (interrupt_requested()) return;  // killed by us: not a result
        std::lock_guard lock(mu);
        if (outcome.status == run::RunStatus::infra_error) {
          // The machine failed, not the commit: nothing recorded, the same
          // index runs again.
          reporter_.say(
              t, fmt::format("run #{} failed for a reason outside the commit (attempt {} of "
                             "{}): {}",
                             index, attempts[index] + 1, config_.infra_attempts, outcome.title));
          if (++attempts[index] >= config_.infra_attempts ||
              ++infra_errors_ > config_.max_infra_errors)
            infra = outcome.title;
          return;
        }
        store::RunRecord rec;
        rec.commit = r.hash;
        rec.runner_key = t.runner_key;
        rec.index = index;
        rec.status = run::to_string(outcome.status);
        rec.title = outcome.title;
        rec.type = outcome.type;
        rec.report = outcome.report.substr(0, 64 << 10);
        rec.log_path = req.log_path.string();
        rec.seconds = outcome.seconds;
        rec.alt_titles = outcome.alt_titles;
        rec.job = outcome.job;
        rec.node = outcome.node;
        journal_.save_run(rec);
        recorded.emplace(index, run_from_record(rec));
      });
    run_concurrently(work);
    throw_if_interrupted();
    if (infra)
      throw AbortError(fmt::format(
          "test runs on {} keep failing for reasons outside the commit (last: {}); fix the "
          "machine and run the same command again to resume",
          r.hash.substr(0, 12), *infra));
  }
  // The sum of run durations, so that a resumed bisection reports the same.
  r.test_seconds = 0;
  for (const auto& run : r.runs) r.test_seconds += run.seconds;
}

}  // namespace culprit::bisect
