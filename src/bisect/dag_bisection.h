// Bisection over a commit DAG, as `git bisect` does it on a history with
// merges: the next commit to test is the one whose number of reachable
// candidates is closest to half of all candidates. Works on the compact
// CommitGraph (indices, not strings) so that picking stays fast on large
// histories.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "vcs/commit_graph.h"

namespace culprit::bisect {

using vcs::CommitGraph;
using vcs::CommitIndex;

class DagBisection {
 public:
  // `graph` holds the commits reachable from `bad` and not from the initial
  // good commits (parents outside the range already dropped). `bad` is in it.
  DagBisection(const CommitGraph& graph, CommitIndex bad);

  // Each marking narrows the candidates the way git does: good removes the
  // commit and all its ancestors; bad makes the commit the new bad end
  // (candidates become its ancestors); skip keeps the commit a candidate but
  // never picks it.
  void mark_good(CommitIndex c);
  void mark_bad(CommitIndex c);
  void mark_skip(CommitIndex c);

  // The next commit to test, or nothing when the search is over (one
  // culprit left, or only skipped commits could still decide).
  std::optional<CommitIndex> next() const;

  // Commits that could still be the first bad one: the current bad commit
  // and every untested/skipped candidate that is an ancestor of it and is
  // not an ancestor of a good commit. When done() and the answer is unique,
  // this is {culprit}.
  std::vector<CommitIndex> candidates() const;
  std::size_t remaining() const;  // candidates().size() - 1, as "revisions left to test after this"
  bool done() const;
  std::optional<CommitIndex> culprit() const;  // the unique first bad commit once done()
  CommitIndex bad() const { return bad_; }
  // git's "(roughly N steps)" for the current state.
  int estimated_steps() const;

 private:
  void refresh() const;

  const CommitGraph& graph_;
  CommitIndex bad_;
  std::vector<std::uint8_t> state_;  // per commit: excluded (good or below), skipped
  // Derived from the markings, recomputed lazily.
  mutable bool dirty_ = true;
  mutable std::vector<std::uint8_t> in_;  // is a candidate
  mutable std::vector<std::uint32_t> weight_;
  mutable std::uint32_t count_ = 0;
  mutable std::optional<CommitIndex> best_;
  mutable std::uint32_t best_reach_ = 0;
};

}  // namespace culprit::bisect
