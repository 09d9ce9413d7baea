// Tests commits for the bisection: check out, build (or reuse a recorded
// build), derive the signature, reuse the result of an identical binary,
// otherwise run the test as often as the step asks. A thin facade over its
// parts, each with one job:
//   crash_matcher.h   which runs show the bisected crash
//   build_cache.h     builds, their reuse, the work trees' markers, eviction
//   run_executor.h    the runs of one step: replay by index, the stop rule,
//                     --jobs at a time, machine failures retried
//   slot_scheduler.h  steps side by side in the work trees (the threads)
// Sequential testing is a batch of one step. A batch's log and results come
// out in step order, as if the steps had run one after another, so that a
// resumed batch logs the same.
#pragma once

#include <algorithm>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bisect/bisect_log.h"
#include "bisect/build_cache.h"
#include "bisect/crash_matcher.h"
#include "bisect/history.h"
#include "bisect/locked_journal.h"
#include "bisect/run_executor.h"
#include "bisect/slot_scheduler.h"
#include "bisect/step_reporter.h"
#include "bisect/strategy.h"
#include "bisect/verdict.h"
#include "build/builder.h"
#include "run/runner.h"
#include "store/journal.h"

namespace culprit::bisect {

struct TesterConfig {
  std::filesystem::path state_dir;  // out/ and logs/ go below it
  int jobs = 1;
  int max_infra_errors = 10;
  std::uintmax_t cache_bytes = 0;  // limit for build artifacts under out/ (0: none), LRU eviction
  // Steps of a batch run on threads, one per slot. Off, they run one after
  // another: the simulator's world is not thread-safe.
  bool concurrent = false;
  // The crash to bisect (--title); empty: the start commit's most frequent.
  std::string target_title;
  // Backported build fixes (backports.h); none: commits build as they are.
  Backporter* backporter = nullptr;
};

class CommitTester {
 public:
  CommitTester(History& history, Workspace& workspace, build::Builder& builder,
               run::TestRunner& runner, Strategy& strategy, store::Journal& journal, BisectLog& log,
               TesterConfig config);
  // One slot per work tree: slot 0 keeps the marker of a single-tree tester
  // (state/worktree-built), slot i > 0 uses worktree-built.<i>.
  CommitTester(History& history, std::vector<Workspace*> workspaces, build::Builder& builder,
               run::TestRunner& runner, Strategy& strategy, store::Journal& journal, BisectLog& log,
               TesterConfig config);

  // Builds and tests `hash` once, with the strategy's runs; later calls
  // return the same result.
  const CommitResult& test(const std::string& hash, Role role);
  // Runs the test on a commit whose result was reused from an identical
  // binary, so that the answer never rests on a reused result.
  const CommitResult& retest_reused(const std::string& hash);
  // Builds and tests `hash` with `runs` runs (an untested commit), or runs
  // it `runs` more times (a tested one): the posterior strategy's step. It
  // ends early at the first crash with the bisected title.
  const CommitResult& test_runs(const std::string& hash, int runs);
  // `runs` more runs on a commit tested and built before; never a new build
  // in the count (the work tree is rebuilt if it holds another commit). A
  // result reused from an identical binary becomes this commit's own runs.
  const CommitResult& run_more(const std::string& hash, int runs);
  // test_runs for each (hash, runs) step: with `concurrent` and more than one
  // slot, the steps run at the same time (see slot_scheduler.h). Results in
  // step order. With `start`, that commit is the first step, tested as by
  // test(start, Role::start): the round of the start commit.
  std::vector<const CommitResult*> test_batch(const std::vector<std::pair<std::string, int>>& steps,
                                              const std::string& start = "");
  // The posterior strategy judges commits itself: its verdicts go here, for
  // the steps of the result.
  void set_verdict(const std::string& hash, Verdict v);
  // Only the build's signature (for noop-change checks); builds if needed.
  std::string signature_of(const std::string& hash);
  const CommitResult* find(const std::string& hash) const;

  // The crash being bisected: set from the start commit's runs.
  const std::string& target_title() const { return matcher_.target(); }
  const CrashMatcher& matcher() const { return matcher_; }
  // Crash rate on commits judged bad so far.
  double crash_rate() const;
  // Commits built (now or in an interrupted earlier process of the same
  // bisection), so a resumed bisection reports the same count.
  int builds() { return builds_.builds(); }
  // Runs counted so far (not inherited from an earlier bisection): the same
  // in a resumed bisection as in the first process.
  int runs() const;
  int slots() const { return static_cast<int>(slots_.size()); }
  int jobs() const { return std::max(1, config_.jobs); }
  // Whether a round's finished steps lend their runs to the others
  // (run_capacity.h): runs that boot kept artifacts, not the work tree.
  bool lends_runs() const { return !runner_.needs_work_tree(); }
  // Confidence that no good verdict was a false negative.
  double confidence() const;
  const std::vector<std::string>& order() const { return order_; }

 private:
  struct Step;
  struct Job;
  std::vector<const CommitResult*> execute(const std::vector<Step>& steps);
  void prepare(Job& job);
  void work(Job& job);
  const CommitResult* finish(Job& job);
  // Builds, reuses or runs a commit tested for the first time; returns
  // whether finish must decide the verdict from the runs.
  bool test_new(Job& job);
  // The runs' outcomes, each crash with where it was counted; in finish,
  // when the crash's family is known. Runs from first_new on are this step's
  // (the cluster jobs line names only theirs).
  void log_runs(const CommitResult& r, std::size_t first_new);
  Task make_task(const std::string& hash, WorkSlot& slot);
  void update_crash_evidence();

  History& history_;
  std::vector<WorkSlot> slots_;
  build::Builder& builder_;
  run::TestRunner& runner_;
  Strategy& strategy_;
  LockedJournal journal_;
  BisectLog& log_;
  TesterConfig config_;
  CrashMatcher matcher_;
  StepReporter reporter_;
  BuildCache builds_;
  RunCapacity lent_runs_;  // a round's finished steps lend their runs here
  RunExecutor executor_;
  SlotScheduler scheduler_;

  std::map<std::string, CommitResult> results_;  // read-only while a batch runs
  std::vector<std::string> order_;
};

}  // namespace culprit::bisect
