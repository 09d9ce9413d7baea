// A bisection strategy decides how many runs a commit gets and what they
// mean. The engine asks more_runs() after every batch of runs, so a strategy
// can stop early; decide() turns the evidence into a verdict.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bisect/dag_bisection.h"
#include "bisect/verdict.h"

namespace culprit::bisect {

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string name() const = 0;
  // Runs still wanted before decide() (0: decide now).
  virtual int more_runs(const Evidence& e, Role role) const = 0;
  virtual Verdict decide(const Evidence& e, Role role) const = 0;
  // What the runs on commits judged bad showed so far: the reproduction
  // rate is estimated from it.
  virtual void set_crash_evidence(int crashes, int runs) {
    crashes_ = crashes;
    runs_seen_ = runs;
  }
  // Which commit to test next; git's halving by default.
  virtual std::optional<CommitIndex> pick(const DagBisection& dag) const { return dag.next(); }
  // True: the range is searched with the posterior and planner
  // (posterior_search.h) rather than verdict by verdict on the DAG.
  virtual bool posterior() const { return false; }

 protected:
  // A rate the true one is above with ~90% confidence: deciding "good" on
  // an optimistic rate is how flaky bisections go wrong.
  double conservative_crash_rate() const;
  int crashes_ = 0;
  int runs_seen_ = 0;
};

// syzbot's fixed rule: `runs` runs on every commit; bad when at least
// max(2, N/6) runs crashed (any crash) with at least N/2 runs that tested it,
// good when none crashed and at least N/2 were OK, otherwise skip.
std::unique_ptr<Strategy> make_syzbot_strategy(int runs);

// The default: sequential runs that stop as soon as the evidence is enough.
// A crash with the bisected title is decisive (two for generic titles such
// as "exit status 1"); a commit is good only after enough clean runs that,
// at the estimated reproduction rate, a bad commit would have crashed with
// probability >= 1 - alpha, using a conservative estimate of the rate.
// Crashes with other titles are logged; only many of them (at least three,
// and a third of the runs) count as bad, so stray unrelated crashes only
// cost runs.
std::unique_ptr<Strategy> make_adaptive_strategy(int runs, double alpha);

// The posterior search over the range (posterior.h, planner.h); the start
// commit and the releases are judged as by the adaptive strategy.
std::unique_ptr<Strategy> make_posterior_strategy(int runs);

// By name ("posterior", "syzbot", "adaptive"; empty: posterior, the default); throws UserError for
// an unknown name.
std::unique_ptr<Strategy> make_strategy(const std::string& name, int runs);

}  // namespace culprit::bisect
