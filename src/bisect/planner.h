// Chooses what to test next from the posterior: the commits, and how many
// runs on each, with the most expected information per second. A build costs
// far more than a run, so more runs on the commit already built are often
// the better buy; coming back to a commit built earlier costs a rebuild of
// the work tree, but no new build in the count.
//
// The information counts where the mass is: about the culprit, and near the
// end (one commit holds half the mass or more) again about whether that
// commit is it, so that the tests that settle it (it, its parents, a side
// branch holding the rest) come first.
// Commits whose bad mass is within `settled` of 0 or 1 get no runs: their
// answer is known. While any commit is unsettled and usable the plan is
// never empty: a search stops because it is sure, never at an even split.
#pragma once

#include <map>
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
  // Bad mass within this of 0 or 1: nothing left to learn there. The search
  // sets it to half of 1 - --confidence, so that some commit stays
  // unsettled until one commit is confident.
  double settled = 0.025;
  // Per commit, how much a run there is expected to say, when its runs so
  // far said nothing about the bisected crash (they crashed otherwise
  // first, or could not test). Absent: 1.
  std::map<vcs::CommitIndex, double> informative;
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
// `n` may be fractional: runs of which only a share say anything.
double expected_bits(double m, double p, double eps, double n);
// The same runs' information about one hypothesis: "commit b (probability
// pb) is the culprit", where `b_bad` says whether the tested commit is bad if
// b is the culprit (cause: b is an ancestor-or-self of it; fix: b is not).
double expected_bits_about(double m, double pb, bool b_bad, double p, double eps, double n);

// How many of n planned runs a commit that is bad with probability m takes
// on average at reproduction rate p: a step ends at its first crash, so a
// likely bad commit costs fewer runs than a likely good one, which the plan
// weighs (the cost of a step is its build and its expected runs).
double expected_runs(double m, double p, int n);

// Up to `slots` steps; empty when no test is worth its cost any more.
std::vector<PlanStep> plan(Posterior& posterior, const PlanInput& in);

}  // namespace culprit::bisect
