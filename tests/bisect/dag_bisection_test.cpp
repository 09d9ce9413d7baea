// DagBisection on hand-built histories: reach counts, git's choice of the
// next commit (halving, tie-breaking, skips), the candidate set and git's
// step estimate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "bisect/dag_bisection.h"
#include "dag_graphs.h"

namespace culprit::bisect {
namespace {

using testing::Dag;
using testing::linear;
using testing::make_dag;
using testing::random_parents;

bool reaches(const Dag& d, int from, int target) {
  std::vector<int> stack{from};
  std::set<int> seen;
  while (!stack.empty()) {
    int c = stack.back();
    stack.pop_back();
    if (c == target) return true;
    if (!seen.insert(c).second) continue;
    for (int p : d.parents[c]) stack.push_back(p);
  }
  return false;
}

// Bisects with an oracle (the bug is in every descendant of `culprit`);
// returns the number of commits tested.
int bisect(const Dag& d, DagBisection& dag, int culprit, const std::set<int>& untestable = {}) {
  int tested = 0;
  while (auto next = dag.next()) {
    ++tested;
    const int c = d.id(*next);
    if (untestable.count(c))
      dag.mark_skip(*next);
    else if (reaches(d, c, culprit))
      dag.mark_bad(*next);
    else
      dag.mark_good(*next);
  }
  return tested;
}

std::set<int> ids(const Dag& d, const std::vector<vcs::CommitIndex>& cs) {
  std::set<int> out;
  for (auto c : cs) out.insert(d.id(c));
  return out;
}

TEST(DagBisection, LinearRangePicksTheMiddleAndReportsLikeGit) {
  Dag d = make_dag(linear(10), 9, {0});  // candidates c1..c9
  DagBisection dag(d.graph, d.at(9));
  EXPECT_EQ(dag.candidate_count(), 9u);
  EXPECT_EQ(dag.reach(d.at(1)), 1u);
  EXPECT_EQ(dag.reach(d.at(9)), 9u);
  // c4 and c5 are both at the half of 9; git's list runs oldest first.
  ASSERT_EQ(dag.next(), d.at(4));
  EXPECT_EQ(dag.remaining(), 4u);  // "Bisecting: 4 revisions left ... (roughly 2 steps)"
  EXPECT_EQ(dag.estimated_steps(), 2);
  EXPECT_FALSE(dag.done());
  EXPECT_FALSE(dag.culprit());
}

TEST(DagBisection, LinearFindsEveryCulpritInLogSteps) {
  for (int n : {2, 3, 5, 8, 17, 64, 100}) {
    for (int culprit = 1; culprit < n; ++culprit) {
      Dag d = make_dag(linear(n + 1), n, {0});
      DagBisection dag(d.graph, d.at(n));
      const int tested = bisect(d, dag, culprit);
      ASSERT_TRUE(dag.done());
      ASSERT_EQ(dag.culprit(), d.at(culprit)) << "n " << n;
      EXPECT_EQ(ids(d, dag.candidates()), std::set<int>{culprit});
      EXPECT_LE(tested, static_cast<int>(std::ceil(std::log2(n))))
          << "n " << n << " culprit " << culprit;
    }
  }
}

TEST(DagBisection, SingleCandidateIsTheCulpritWithoutTesting) {
  Dag d = make_dag(linear(2), 1, {0});
  DagBisection dag(d.graph, d.at(1));
  EXPECT_TRUE(dag.done());
  EXPECT_FALSE(dag.next());
  EXPECT_EQ(dag.culprit(), d.at(1));
  EXPECT_EQ(dag.remaining(), 0u);
  EXPECT_EQ(dag.estimated_steps(), 0);
}

TEST(DagBisection, MergeReachCountsDoNotDoubleCountSharedHistory) {
  // c1..c4 on one side; c5, c6 on another; c7 merges c6 with c1; c8 merges all.
  Dag d = make_dag({{}, {0}, {1}, {2}, {3}, {0}, {5}, {6, 1}, {4, 7}}, 8, {0});
  DagBisection dag(d.graph, d.at(8));
  EXPECT_EQ(dag.reach(d.at(7)), 4u);  // c7 c6 c5 c1
  EXPECT_EQ(dag.reach(d.at(8)), 8u);
  // c4 and c7 both reach half of 8: git counts merges first and takes one
  // at the half before any single-parent commit, although c4 is older.
  EXPECT_EQ(dag.next(), d.at(7));
}

TEST(DagBisection, EqualHalvesGoToTheOldest) {
  // c1..c3 and c4..c6 are two chains merged by c7: of 7 candidates, c3 and
  // c6 both reach 3, at the half.
  Dag d = make_dag({{}, {0}, {1}, {2}, {0}, {4}, {5}, {3, 6}}, 7, {0});
  DagBisection dag(d.graph, d.at(7));
  EXPECT_EQ(dag.reach(d.at(3)), 3u);
  EXPECT_EQ(dag.reach(d.at(6)), 3u);
  EXPECT_EQ(dag.reach(d.at(7)), 7u);
  EXPECT_EQ(dag.next(), d.at(3));  // |2*3 - 7| = 1: at the half; c3 is older than c6
  EXPECT_EQ(dag.remaining(), 3u);
}

TEST(DagBisection, CrissCrossMergesFindEveryCulprit) {
  // c3 = merge(c1, c2), c4 = merge(c2, c1), c5 = merge(c3, c4), c6 on top.
  const std::vector<std::vector<int>> p{{}, {0}, {0}, {1, 2}, {2, 1}, {3, 4}, {5}};
  {
    Dag d = make_dag(p, 6, {0});
    DagBisection dag(d.graph, d.at(6));
    EXPECT_EQ(dag.reach(d.at(3)), 3u);
    EXPECT_EQ(dag.reach(d.at(4)), 3u);
    EXPECT_EQ(dag.reach(d.at(5)), 5u);
    EXPECT_EQ(dag.reach(d.at(6)), 6u);
    EXPECT_EQ(dag.next(), d.at(3));  // both merges at the half of 6; c3 is older
  }
  for (int culprit = 1; culprit <= 6; ++culprit) {
    Dag d = make_dag(p, 6, {0});
    DagBisection dag(d.graph, d.at(6));
    bisect(d, dag, culprit);
    EXPECT_EQ(dag.culprit(), d.at(culprit)) << "culprit " << culprit;
  }
}

TEST(DagBisection, ReachCountsMatchAWalkOnRandomHistories) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 60; ++trial) {
    auto parents = random_parents(rng, 40 + static_cast<int>(rng() % 200));
    const int n = static_cast<int>(parents.size());
    std::vector<int> goods{0};
    if (trial % 2) goods.push_back(static_cast<int>(rng() % static_cast<unsigned>(n - 1)));
    Dag d = make_dag(parents, n - 1, goods);
    const auto anc = testing::ancestor_matrix(parents);
    DagBisection dag(d.graph, d.at(n - 1));
    // Through a good and a bad verdict: a new bad end keeps the old counts.
    for (int step = 0; step < 3 && !dag.done(); ++step) {
      std::vector<char> below_good(n, 0);
      for (int c = 0; c < n; ++c)
        for (int g : goods) below_good[c] = below_good[c] || anc[g][c];
      const int bad = d.id(dag.bad());
      for (int c = 0; c < n; ++c) {
        if (d.at(c) == vcs::kNoCommit) continue;
        const bool candidate = anc[bad][c] && !below_good[c];
        std::uint32_t expect = 0;
        if (candidate)
          for (int a = 0; a < n; ++a) expect += anc[c][a] && !below_good[a];
        ASSERT_EQ(dag.reach(d.at(c)), expect) << "trial " << trial << " step " << step << " c" << c;
      }
      auto next = dag.next();
      if (step == 1) {
        goods.push_back(d.id(*next));
        dag.mark_good(*next);
      } else {
        dag.mark_bad(*next);
      }
    }
  }
}

TEST(DagBisection, ReachCountsSpanSeveralBitBlocks) {
  std::mt19937 rng(23);
  auto parents = random_parents(rng, 1700);  // more than three blocks of 512
  const int n = static_cast<int>(parents.size());
  const auto anc = testing::ancestor_matrix(parents);
  Dag d = make_dag(parents, n - 1, {0});
  DagBisection dag(d.graph, d.at(n - 1));
  for (int c = 1; c < n; ++c) {
    std::uint32_t expect = 0;
    for (int a = 1; a < n; ++a) expect += anc[c][a];
    ASSERT_EQ(dag.reach(d.at(c)), expect) << "c" << c;
  }
}

TEST(DagBisection, RandomHistoriesFindEveryCulprit) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 40; ++trial) {
    auto parents = random_parents(rng, 30 + static_cast<int>(rng() % 60));
    const int n = static_cast<int>(parents.size());
    for (int culprit = 1; culprit < n; ++culprit) {
      Dag d = make_dag(parents, n - 1, {0});
      if (d.at(culprit) == vcs::kNoCommit) continue;  // below the good root only
      DagBisection dag(d.graph, d.at(n - 1));
      const int tested = bisect(d, dag, culprit);
      ASSERT_EQ(dag.culprit(), d.at(culprit)) << "trial " << trial;
      EXPECT_LE(tested, static_cast<int>(d.graph.size())) << "trial " << trial;
    }
  }
}

TEST(DagBisection, SkippedBestMovesToGitsPseudoRandomPick) {
  Dag d = make_dag(linear(9), 8, {0});  // c1..c8
  DagBisection dag(d.graph, d.at(8));
  ASSERT_EQ(dag.next(), d.at(4));
  dag.mark_skip(d.at(4));
  // Ranked by score, then hash: c4 (skipped), c3, c5, c2, c6, c1, c7, c8.
  // git_skip_away_index(7) is 3 among the 7 not skipped: c6.
  EXPECT_EQ(git_skip_away_index(7), 3u);
  EXPECT_EQ(dag.next(), d.at(6));
  EXPECT_EQ(dag.remaining(), 3u);        // git counts from the first ranked, c4
  EXPECT_EQ(dag.candidate_count(), 8u);  // a skipped commit stays a candidate
}

TEST(DagBisection, OnceSkippedTiesGoToTheLowerHash) {
  // c1..c9 in line, hashes in the reverse of age: c4 and c5 are both at the
  // half; c4 is older, c5 has the lower hash.
  vcs::CommitGraph g;
  auto hash = [](int age) { return "h" + std::to_string(90 - age); };
  for (int age = 9; age >= 1; --age) g.add_commit(hash(age));
  for (int age = 2; age <= 9; ++age) g.add_parent(g.find(hash(age)), g.find(hash(age - 1)));
  g.finish();
  DagBisection plain(g, g.find(hash(9)));
  EXPECT_EQ(plain.next(), g.find(hash(4)));
  DagBisection skipped(g, g.find(hash(9)));
  skipped.mark_skip(g.find(hash(1)));  // far from the half: only the ranking changes
  EXPECT_EQ(skipped.next(), g.find(hash(5)));
}

TEST(DagBisection, OnlySkippedLeftGivesGitsCandidateList) {
  Dag d = make_dag(linear(9), 8, {0});
  DagBisection dag(d.graph, d.at(8));
  dag.mark_good(d.at(3));
  dag.mark_bad(d.at(6));
  dag.mark_skip(d.at(4));
  EXPECT_FALSE(dag.done());
  EXPECT_EQ(dag.next(), d.at(5));
  dag.mark_skip(d.at(5));
  EXPECT_TRUE(dag.done());
  EXPECT_FALSE(dag.next());
  EXPECT_FALSE(dag.culprit());
  EXPECT_EQ(ids(d, dag.candidates()), (std::set<int>{4, 5, 6}));
  EXPECT_EQ(dag.remaining(), 0u);
}

TEST(DagBisection, SkipsNeverHideTheCulpritOnMerges) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 30; ++trial) {
    auto parents = random_parents(rng, 30 + static_cast<int>(rng() % 40));
    const int n = static_cast<int>(parents.size());
    std::set<int> untestable;
    for (int c = 1; c < n - 1; ++c)
      if (rng() % 4 == 0) untestable.insert(c);
    for (int culprit = 1; culprit < n; ++culprit) {
      Dag d = make_dag(parents, n - 1, {0});
      if (d.at(culprit) == vcs::kNoCommit) continue;
      DagBisection dag(d.graph, d.at(n - 1));
      bisect(d, dag, culprit, untestable);
      ASSERT_TRUE(dag.done());
      auto left = ids(d, dag.candidates());
      ASSERT_TRUE(left.count(culprit)) << "trial " << trial;
      if (left.size() > 1) {
        // Only the bad end and skipped commits, all of them possible answers.
        EXPECT_FALSE(dag.culprit());
        for (int c : left) {
          EXPECT_TRUE(c == d.id(dag.bad()) || untestable.count(c)) << "c" << c;
        }
      } else {
        EXPECT_EQ(dag.culprit(), d.at(culprit));
      }
    }
  }
}

TEST(DagBisection, EstimatedStepsFollowGitsFormula) {
  // estimate_bisect_steps(N): n = floor(log2 N), e = 2^n, x = N - e,
  // n steps when e < 3x, else n - 1; 0 below 3 commits.
  const std::vector<std::pair<int, int>> expect{{1, 0},  {2, 0},  {3, 1},  {4, 1},  {5, 1},
                                                {6, 2},  {8, 2},  {10, 2}, {11, 3}, {16, 3},
                                                {21, 3}, {22, 4}, {32, 4}, {43, 5}, {1000, 9}};
  for (auto [n, steps] : expect) {
    Dag d = make_dag(linear(n + 1), n, {0});
    DagBisection dag(d.graph, d.at(n));
    EXPECT_EQ(dag.estimated_steps(), steps) << n << " candidates";
  }
}

TEST(DagBisection, ApproximateModeCountsTheFirstParentChainExactly) {
  std::mt19937 rng(17);
  for (int trial = 0; trial < 30; ++trial) {
    auto parents = random_parents(rng, 40 + static_cast<int>(rng() % 100));
    const int n = static_cast<int>(parents.size());
    Dag d = make_dag(parents, n - 1, {0});
    DagBisection exact(d.graph, d.at(n - 1));
    DagBisection approx(d.graph, d.at(n - 1));
    approx.set_exact_limit(0);
    ASSERT_TRUE(exact.exact());
    ASSERT_FALSE(approx.exact());
    std::set<int> chain;
    for (int c = n - 1;; c = parents[c][0]) {
      chain.insert(c);
      if (parents[c].empty() || parents[c][0] == 0) break;
    }
    for (int c = 1; c < n; ++c) {
      if (d.at(c) == vcs::kNoCommit) continue;
      EXPECT_EQ(approx.reach(d.at(c)), chain.count(c) ? exact.reach(d.at(c)) : 0u) << "c" << c;
    }
    ASSERT_TRUE(approx.next());
    EXPECT_TRUE(chain.count(d.id(*approx.next())));
    for (int culprit = 1; culprit < n; culprit += 3) {
      if (d.at(culprit) == vcs::kNoCommit) continue;
      DagBisection dag(d.graph, d.at(n - 1));
      dag.set_exact_limit(0);
      bisect(d, dag, culprit);
      ASSERT_EQ(dag.culprit(), d.at(culprit)) << "trial " << trial;
    }
  }
}

TEST(DagBisection, SkipAwayIndexStaysInRange) {
  for (std::size_t count = 1; count < 200000; count += 7)
    ASSERT_LT(git_skip_away_index(count), count);
  EXPECT_EQ(git_skip_away_index(1), 0u);
}

}  // namespace
}  // namespace culprit::bisect
