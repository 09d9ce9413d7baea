// The posterior strategy's search over a range: after every step, the
// posterior over the culprit is recomputed from all runs so far; the planner
// picks the next commits and runs; the search stops when one commit is
// probable enough (then verifies it), or when nothing is worth testing any
// more (then the most probable commits are the answer, with their odds).
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bisect/bisect_log.h"
#include "bisect/commit_tester.h"
#include "bisect/history.h"
#include "bisect/planner.h"
#include "bisect/result.h"
#include "util/phase_times.h"

namespace culprit::bisect {

struct SearchOptions {
  double confidence = 0.95;
  bool verify = true;
  int parallel = 1;
  int runs = 10;                   // --runs: sets the most runs one step may take
  std::optional<PlanCosts> costs;  // fixed costs (the simulator); else measured, or the defaults
  // Where verification reverts the culprit: cause, --commit, where the
  // crash was seen (empty: the range's new end); fix, --head.
  std::string revert_onto;
  // Fix bisection: the range's new end is fixed, its old ends crash.
  bool fix = false;
  // Fix bisection: --commit, where the crash was seen (the range's old end,
  // or beside it when the old end is the merge base).
  std::string start;
  // Where the search's own time (the posterior and the plan) is counted, as
  // "planning"; none: not counted.
  PhaseTimes* times = nullptr;
};

struct SearchOutcome {
  std::optional<std::string> culprit;
  // Why verification's evidence contradicts the culprit, when it does: the
  // answer is then not confirmed (verdict `unverified`), never `found`.
  std::string contradiction;
  double confidence = 0;
  std::vector<std::pair<std::string, double>> candidates;  // most probable first
  std::optional<Verification> verification;
  double wall_seconds = 0;
  // Runs started on lent capacity past a step's end (round_schedule.h): the
  // simulator, whose steps run one after another, adds their cost.
  int extra_runs = 0;
  double extra_run_seconds = 0;
};

class PosteriorSearch {
 public:
  PosteriorSearch(History& history, CommitTester& tester, BisectLog& log, SearchOptions options);
  // Looks for the culprit among the commits reachable from `new_end` and
  // not from `old_ends` (`new_end` already tested: crashing for cause,
  // clean for fix; fix: the old ends crashed).
  SearchOutcome run(const std::string& new_end, const std::vector<std::string>& old_ends);
  // The first `slots` steps over that range before anything is tested (the
  // posterior is the prior): with --parallel they are tested beside `bad`
  // itself, so the first round costs no wall time of its own.
  std::vector<std::pair<std::string, int>> opening(const std::string& bad,
                                                   const std::vector<std::string>& goods,
                                                   int slots);

 private:
  PlanCosts costs() const;
  // The plan while the crash comes at every run: no step takes a commit
  // without the crash beyond --runs runs (unless nothing else is left).
  std::vector<PlanStep> plan_within_runs(Posterior& post, PlanInput in);
  // The most runs one step may take (--runs sets it).
  int max_step_runs() const { return std::max(4 * options_.runs, 40); }
  // Runs `runs` more times on `hash`, or builds and tests it; returns the
  // simulated/elapsed seconds it took (build + runs).
  double step(const std::string& hash, int runs);
  // The steps as one batch (side by side where the tester has the slots);
  // returns the slowest step's seconds.
  double batch(const std::vector<std::pair<std::string, int>>& steps);
  Verification verify(Posterior& post, const std::string& culprit, int runs);
  // Where else the culprit may be reverted when it does not revert on top of
  // --commit (fix: --head): its tested descendants that crashed (fix: that
  // ran clean), fewest commits in between first (at most a few).
  std::vector<std::string> revert_bases(Posterior& post, const std::string& culprit);
  // Why the evidence of a verification contradicts `culprit`; "" if none.
  std::string contradiction(const vcs::CommitGraph& graph, const std::string& culprit,
                            const Verification& v, double rate);
  // Fix bisection: whether a clean run on `hash` can say anything about a
  // fix, i.e. its history had the crash (INTERFACE.md): an old end or a
  // tested commit that showed the crash is an ancestor-or-self of it.
  bool had_bug(const std::string& hash);
  // Fix bisection: the parent of the first commit in `gated` (clean, its
  // history not known to have had the crash) that holds some mass and whose
  // parent is untested: a crash there makes its clean runs count.
  std::optional<std::string> probe(Posterior& post, const std::vector<std::string>& gated,
                                   double settled);
  // Fix bisection: runs on the revert of a fix, so that a crash that does
  // not come back is a contradiction with 99% confidence at `rate`.
  int revert_runs(double rate, int runs) const;

  History& history_;
  CommitTester& tester_;
  BisectLog& log_;
  SearchOptions options_;
  double verify_seconds_ = 0;
  // Runs that lent capacity started past a step's first crash (round_schedule.h).
  int extra_runs_ = 0;
  double extra_run_seconds_ = 0;
  std::string last_;  // the commit the search tested last
  std::string onto_;  // reverts go on top of it: --commit (fix: --head)
  std::vector<std::string> old_ends_;
  const vcs::CommitGraph* graph_ = nullptr;                       // the range of run()
  std::map<std::pair<std::string, std::string>, bool> ancestry_;  // is_ancestor, cached
  std::set<std::string> reverts_;                                 // verification's revert commits
};

}  // namespace culprit::bisect
