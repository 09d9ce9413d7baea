// A posterior over "commit X of the range is the culprit" for every commit of
// a CommitGraph, plus "no culprit in range" (the crash on the bad end was a
// fluke or unrelated), marginalised over a grid of reproduction rates.
//
// Model, per test run on a commit c: when the hypothesis' culprit is an
// ancestor-or-self of c the run shows the bisected crash with probability p,
// otherwise only with a small eps (an unrelated bug with the same title).
// Runs that crash with another title are not evidence at all: such a crash
// ends the run before the bisected bug had its chance, so it says nothing
// about it (one stray "lost connection" must not move the answer).
// Binary-identical commits (same build signature) form one group whose runs
// are counted once: the group is bad if the culprit is below all its
// members, good if below none; in between the culprit would be a change that
// does not change the binary, which the group's runs cannot confirm, so it
// gets the less likely of the two readings.
//
// Fix bisection (`fix`) is the mirror image: X is the fix, a run on c shows
// the crash with probability p when X is NOT an ancestor-or-self of c (c
// still lacks the fix), else only with eps; "none" is "no fix in range", under
// which every commit of the range crashes at p. The range's old end crashes
// under every hypothesis: its runs (set_anchor) say how often the crash
// comes, not where the fix is.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vcs/commit_graph.h"

namespace culprit::bisect {

struct PosteriorConfig {
  double eps = 0.005;        // matching crash on a commit without the bug
  double none_prior = 0.02;  // prior mass of "no culprit in range"
  // The chance that a candidate reverted on top of the bad end, when that
  // candidate is the culprit, still crashes at the rate p: reverting one
  // commit on a newer tree need not remove every way to the crash. Once per
  // revert, not per run (fix bisection: the chance that its revert stays
  // fixed).
  double revert_eps = 0.05;
  // Fix bisection: the candidates are fixes (see above).
  bool fix = false;
};

class Posterior {
 public:
  Posterior(const vcs::CommitGraph& graph, PosteriorConfig config = {});

  // Replaces the evidence of the group `key` (a build signature, or a hash
  // for commits without one). `members` are the commits of the range tested
  // with that binary; `crashed` counts matching crashes (a near match is a
  // fraction of one: its likelihood of being the bisected crash), `ok`
  // clean runs.
  void set_group(const std::string& key, std::vector<vcs::CommitIndex> members, double crashed,
                 int ok);
  // Evidence from runs on commit x reverted on top of `onto` (a descendant
  // of x in the range; kNoCommit: the bad end or beyond, which holds every
  // commit of the range): under x they should be clean; under another
  // culprit that `onto` holds they crash at the rate p (the culprit is still
  // there), under one it does not hold they are clean but for eps, as with
  // no culprit.
  void set_revert(vcs::CommitIndex x, vcs::CommitIndex onto, double crashed, int ok);
  // Fix bisection: runs on a commit outside the range that every hypothesis
  // expects to crash at the rate p (the crashing old end); `key` as for
  // set_group.
  void set_anchor(const std::string& key, double crashed, int ok);
  void update();  // recomputes the marginals after set_group / set_revert calls

  double prob(vcs::CommitIndex x) const { return post_[x]; }
  double none() const { return none_; }
  vcs::CommitIndex best() const;
  // P(commit c shows the bug): cause, the mass of the culprits that are
  // ancestors-or-self of c; fix, the mass of the fixes that are not, plus
  // "none".
  double bad_mass(vcs::CommitIndex c);
  // The mass of the candidates that are ancestors-or-self of c (either mode):
  // it only falls along a chain of first parents.
  double below_mass(vcs::CommitIndex c);
  bool fix() const { return config_.fix; }
  // The posterior mean of the reproduction rate (given that there is a culprit).
  double rate() const { return rate_; }
  // Commits, most probable first, whose mass first reaches `mass`.
  std::vector<vcs::CommitIndex> smallest_set(double mass) const;
  // Ancestors-or-self of c inside the range: a BFS over indices, cached.
  const std::vector<std::uint8_t>& reach(vcs::CommitIndex c);
  const vcs::CommitGraph& graph() const { return graph_; }

 private:
  struct Group {
    std::vector<vcs::CommitIndex> members;
    double crashed = 0;
    int ok = 0;
  };
  struct Revert {
    vcs::CommitIndex onto = vcs::kNoCommit;
    double crashed = 0;
    int ok = 0;
  };
  const vcs::CommitGraph& graph_;
  PosteriorConfig config_;
  std::map<std::string, Group> groups_;
  std::map<vcs::CommitIndex, Revert> reverts_;
  std::map<std::string, std::pair<double, int>> anchors_;  // (crashed, ok)
  std::map<vcs::CommitIndex, std::vector<std::uint8_t>> reach_;
  std::vector<double> post_;
  double none_ = 0;
  double rate_ = 0.5;
};

// The reproduction rates the posterior marginalises over.
const std::vector<double>& rate_grid();

}  // namespace culprit::bisect
