// Test runs for the commit tester. A commit's runs form one sequence by run
// index ($CULPRIT_RUN); a step counts the next runs of that sequence, in
// index order, until its stop rule holds: the runs it asked for, the
// strategy's "enough" after each run, or (posterior steps) the first crash
// with the bisected title. Runs are executed --jobs at a time, more with
// what the round's finished steps lend (run_capacity.h); a run that
// finishes beyond the step's stop point is recorded and becomes the first
// run of the commit's next step. So the runs a step counts depend only on
// the outcomes by index, not on --jobs, on timing or on kills: a resumed or
// replayed bisection counts exactly what the first process counted. Every
// index is recorded at most once (a plain insert); one lost to a kill or to
// a machine failure is a gap, run again under the same index. A run that
// fails because of the machine is never recorded and never a verdict: it
// is retried, and too many abort the bisection (exit 3, resumable).
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>

#include "bisect/build_cache.h"
#include "bisect/crash_matcher.h"
#include "bisect/run_capacity.h"
#include "bisect/step_reporter.h"
#include "bisect/strategy.h"
#include "bisect/verdict.h"
#include "bisect/work_slot.h"
#include "run/runner.h"
#include "store/journal.h"

namespace culprit::bisect {

// One commit's results as the tester keeps them.
struct CommitResult {
  std::string hash;
  std::string title;
  Verdict verdict = Verdict::skip;
  bool built = false;
  std::string build_error;
  std::vector<std::string> backports;  // fixes cherry-picked into its build (backports.h)
  std::string signature;
  std::string reused_from;  // a commit whose identical binary's result was reused
  Evidence evidence;
  // The counted runs: the first runs of the commit's sequence, by index
  // (or the runs of the commit whose result was reused).
  std::vector<RunSummary> runs;
  double build_seconds = 0;
  double test_seconds = 0;
  std::string job;  // where its build (else its first run) ran: a cluster job id
};

struct RunPlan {
  Role role = Role::bisect;
  std::optional<int> target;     // counted runs wanted in all; none: the strategy decides
  std::optional<int> stop_from;  // ends at the first matching crash at this index or later
};

struct RunExecutorConfig {
  int jobs = 1;  // runs at the same time (--jobs)
  // Capacity finished steps of a round lend (run_capacity.h); used only
  // when the runner's runs do not need the work tree.
  RunCapacity* lent = nullptr;
  int infra_attempts = 3;     // of one run index, then abort
  int max_infra_errors = 10;  // in the whole bisection, then abort
};

class RunExecutor {
 public:
  RunExecutor(run::TestRunner& runner, store::Journal& journal, Strategy& strategy,
              const CrashMatcher& matcher, StepReporter& reporter, BuildCache& builds,
              RunExecutorConfig config);
  // Counts runs into r.runs (its counted prefix so far) until the plan's
  // stop rule holds, replaying recorded runs and running the missing ones.
  // Needs t's build: rebuilds the work tree if the runner needs it and it
  // holds another commit. Throws AbortError when interrupted or when the
  // machine keeps failing the runs.
  void run(Task& t, CommitResult& r, const RunPlan& plan);
  // Does a matching crash sit among the runs from `from` on?
  bool crashed_since(const CommitResult& r, std::optional<int> from) const;

 private:
  // Runs still wanted before the step ends (0: its stop rule holds).
  int wanted(const CommitResult& r, const RunPlan& plan) const;

  run::TestRunner& runner_;
  store::Journal& journal_;
  Strategy& strategy_;
  const CrashMatcher& matcher_;
  StepReporter& reporter_;
  BuildCache& builds_;
  RunExecutorConfig config_;
  std::atomic<int> infra_errors_{0};
};

RunSummary run_from_record(const store::RunRecord& rec);

}  // namespace culprit::bisect
