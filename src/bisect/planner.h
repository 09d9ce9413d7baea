// Chooses what to test next from the posterior: the commits, and how many
// runs on each, with the most expected information per second. A build costs
// far more than a run, so more runs on the commit already built are often
// the better buy; coming back to a commit built earlier costs a rebuild of
// the work tree, but no new build in the count.
#pragma once

#include <set>
#include <vector>

#include "bisect/posterior.h"

namespace culprit::bisect {

struct PlanCosts {
  double build = 600;  // seconds: one build
  double run = 90;     // seconds: one test run
};

struct PlanInput {
  PlanCosts costs;
  int slots = 1;                              // commits tested at the same time (--parallel)
  int max_runs = 40;                          // runs on one commit in one step
  vcs::CommitIndex current = vcs::kNoCommit;  // the commit whose build the work tree holds
  std::set<vcs::CommitIndex> built;           // built earlier: a rebuild, not a new build
  std::set<vcs::CommitIndex> unusable;        // did not build or could not be tested
};

struct PlanStep {
  vcs::CommitIndex commit = vcs::kNoCommit;
  int runs = 0;
  double bits = 0;  // expected information of these runs
  double bad_mass = 0;
};

// Expected information (bits) about the culprit from n runs on a commit that
// is bad with probability m, at reproduction rate p: whether any of the runs
// crashes, against a bad commit's and a good commit's chances of that.
double expected_bits(double m, double p, double eps, int n);

// Up to `slots` steps; empty when no test is worth its cost any more.
std::vector<PlanStep> plan(Posterior& posterior, const PlanInput& in);

}  // namespace culprit::bisect
