// Bisection over a commit DAG, as `git bisect` does it on a history with
// merges: the next commit to test is the one whose number of reachable
// candidates is closest to half of all candidates. Works on the compact
// CommitGraph (indices, not strings) so that picking stays fast on large
// histories.
//
// Choices follow git's (bisect.c) so that a session here and `git bisect`
// test the same commits when the graph's indices are in git's rev-list
// order (newest first):
//  - N counts every candidate, the bad commit and skipped ones included; a
//    commit's weight w counts the candidates it reaches, itself included;
//    the score is min(w, N - w).
//  - No commit ever skipped: a merge at the half (|2w - N| <= 1) wins, then
//    a single-parent commit at the half, then the best score; ties go to the
//    oldest in list order (the highest index). git also accepts a commit
//    within N/1024 of the half on ranges of 2048+ commits; we always take
//    the best, which is never worse.
//  - Once anything was skipped: candidates ranked by score, ties by hash;
//    the first unless it is skipped, otherwise git's pseudo-random pick,
//    biased to the top of the ranking, among the commits not skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bisect/dag_reach_count.h"
#include "vcs/commit_graph.h"

namespace culprit::bisect {

using vcs::CommitGraph;
using vcs::CommitIndex;

class DagBisection {
 public:
  // `graph` holds the commits reachable from `bad` and not from the initial
  // good commits (parents outside the range already dropped). `bad` is in it.
  // `graph` must outlive this object.
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
  // not an ancestor of a good commit, children first. When done() this is
  // {culprit}, or the bad commit and the skipped commits: git's "The first
  // bad commit could be any of:" list.
  std::vector<CommitIndex> candidates() const;
  std::size_t candidate_count() const;  // candidates().size() without the copy
  // git's "Bisecting: N revisions left to test after this": the candidates
  // other than bad that remain if the commit ranked first turns out good
  // (git ranks skipped commits too). 0 once done().
  std::size_t remaining() const;
  bool done() const;
  std::optional<CommitIndex> culprit() const;  // the unique first bad commit once done()
  CommitIndex bad() const { return bad_; }
  // git's "(roughly N steps)" for the current state (estimate_bisect_steps).
  int estimated_steps() const;
  // Candidates reachable from candidate `c`, itself included (git's weight);
  // 0 for a commit that is not a candidate, or, when !exact(), not on the
  // first-parent chain of bad.
  std::uint32_t reach(CommitIndex c) const;
  // False when the range is above the exact-counting limit: the next commit
  // is then the best of bad's first-parent chain (see dag_reach_count.h).
  bool exact() const;
  void set_exact_limit(std::size_t candidates);  // default ReachCounter::kExactLimit

 private:
  void refresh() const;
  void collect_candidates() const;
  void pick_without_skips() const;
  void pick_with_skips() const;
  bool ranks_before(CommitIndex a, CommitIndex b) const;
  std::uint32_t score(CommitIndex c) const;

  const CommitGraph& graph_;
  CommitIndex bad_;
  std::vector<std::uint8_t> state_;  // per commit: excluded (good or below), skipped
  bool ever_skipped_ = false;        // git switches ranking for good once a skip exists
  // Derived from the markings, recomputed lazily. A new bad end keeps the
  // weights (its ancestors reach exactly what they reached before); a new
  // good commit needs a recount.
  mutable bool dirty_ = true;
  mutable bool candidates_valid_ = false;
  mutable bool weights_valid_ = false;
  mutable bool exact_ = true;
  mutable ReachCounter counter_;
  mutable std::vector<std::uint8_t> in_;  // is a candidate
  mutable std::vector<std::uint32_t> weight_;
  mutable std::uint32_t count_ = 0;
  mutable std::optional<CommitIndex> pick_;
  mutable std::uint32_t ranked_first_reach_ = 0;
};

// The position in a ranking of `count` untested commits that git tests when
// its best commit is skipped: pseudo-random, biased towards the top.
std::size_t git_skip_away_index(std::size_t count);

}  // namespace culprit::bisect
