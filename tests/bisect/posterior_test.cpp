// The posterior over the culprit and the planner, on hand-built DAGs.
#include <gtest/gtest.h>

#include <cmath>

#include "bisect/dag_graphs.h"
#include "bisect/planner.h"
#include "bisect/posterior.h"

namespace culprit::bisect {
namespace {

using testing::Dag;
using testing::make_dag;

void evidence(Posterior& post, const Dag& d, int commit, int crashed, int ok) {
  post.set_group(Dag::name(commit), {d.at(commit)}, crashed, ok);
}

TEST(Posterior, NarrowsOnALinearHistory) {
  auto d = make_dag(testing::linear(10), 9);
  Posterior post(d.graph);
  evidence(post, d, 9, 5, 0);
  post.update();
  EXPECT_NEAR(post.prob(d.at(3)), 0.1, 0.02) << "nothing but the bad end tested: uniform";
  evidence(post, d, 4, 0, 20);  // clean: the culprit is above c4
  evidence(post, d, 7, 3, 0);   // crashes: the culprit is c7 or below
  post.update();
  for (int i = 0; i <= 4; ++i) EXPECT_LT(post.prob(d.at(i)), 0.01) << i;
  EXPECT_LT(post.prob(d.at(8)), 0.01);
  EXPECT_NEAR(post.bad_mass(d.at(7)), 1.0, 0.01);
  evidence(post, d, 6, 0, 20);
  post.update();
  EXPECT_EQ(post.best(), d.at(7));
  EXPECT_GT(post.prob(d.at(7)), 0.95);
}

TEST(Posterior, OneCleanRunIsWeakWhenTheCrashIsFlaky) {
  auto d = make_dag(testing::linear(10), 9);
  Posterior post(d.graph);
  evidence(post, d, 9, 3, 7);  // reproduces about 30% of the time
  evidence(post, d, 5, 0, 1);
  post.update();
  EXPECT_LT(post.rate(), 0.5);
  // One clean run on c5 does not clear it: c5 and below keep much of their mass.
  EXPECT_GT(post.bad_mass(d.at(5)), 0.3);
  evidence(post, d, 5, 0, 25);
  post.update();
  EXPECT_LT(post.bad_mass(d.at(5)), 0.05);
}

TEST(Posterior, ARevertThatRunsCleanIsStrongEvidenceEvenAtALowRate) {
  // A crash at about 7%: the bad end crashed 10 times in 140 runs, c5 once
  // in 30; c4 and below are untested, so the culprit may be c5 or any of
  // its ancestors in the range.
  auto d = make_dag(testing::linear(10), 9);
  Posterior post(d.graph);
  evidence(post, d, 9, 10, 130);
  evidence(post, d, 5, 1, 29);
  post.update();
  const double before = post.prob(d.at(5));
  EXPECT_LT(before, 0.5);
  // c5 reverted on the bad end, 40 clean runs: under any culprit below c5
  // the revert still has it and would crash at 7% (40 clean runs: 5% of
  // the time). Under c5 it is as clean as a good commit, unless reverting
  // c5 left another way to the crash (a chance per revert, not per run:
  // counted per run, it made these runs nearly worthless at a low rate and
  // a right culprit failed verification).
  double last = before;
  for (int ok : {10, 20, 40}) {
    post.set_revert(d.at(5), d.at(9), 0, ok);
    post.update();
    EXPECT_GT(post.prob(d.at(5)), last) << ok << " clean runs of the revert";
    last = post.prob(d.at(5));
  }
  EXPECT_GT(last, 0.5);  // 0.19 when it counted per run
  // A revert that keeps crashing at the bad end's rate speaks against c5.
  post.set_revert(d.at(5), d.at(9), 3, 37);
  post.update();
  EXPECT_LT(post.prob(d.at(5)), before);
}

TEST(Posterior, MergesFollowAncestry) {
  // c0 - c3 ------ c4(merge) - c5
  //   \- c1 - c2 -/
  auto d = make_dag({{}, {0}, {1}, {0}, {3, 2}, {4}}, 5, {0});
  Posterior post(d.graph);
  evidence(post, d, 5, 4, 0);
  evidence(post, d, 2, 4, 0);   // the side branch crashes
  evidence(post, d, 3, 0, 20);  // the main line does not
  evidence(post, d, 1, 0, 20);
  post.update();
  EXPECT_EQ(post.best(), d.at(2));
  EXPECT_GT(post.prob(d.at(2)), 0.95);
  EXPECT_NEAR(post.bad_mass(d.at(3)), 0.0, 0.01) << "c2 is not an ancestor of c3";
  EXPECT_NEAR(post.bad_mass(d.at(4)), 1.0, 0.01);
}

TEST(Posterior, NoCulpritWhenTheBadEndHardlyCrashes) {
  auto d = make_dag(testing::linear(10), 9);
  Posterior post(d.graph);
  evidence(post, d, 9, 5, 0);
  post.update();
  EXPECT_LT(post.none(), 0.01);
  evidence(post, d, 9, 1, 200);  // one crash in 201 runs: a fluke
  post.update();
  EXPECT_GT(post.none(), 0.5);
}

TEST(Posterior, BinaryIdenticalCommitsShareTheirRuns) {
  auto d = make_dag(testing::linear(10), 9);
  Posterior post(d.graph);
  evidence(post, d, 9, 5, 0);
  // c5 and c6 have the same binary; its runs are clean: both are good, and
  // c6 cannot be the culprit either.
  post.set_group("sig", {d.at(5), d.at(6)}, 0, 20);
  evidence(post, d, 7, 5, 0);
  post.update();
  EXPECT_EQ(post.best(), d.at(7));
  EXPECT_LT(post.prob(d.at(6)), 0.01);
}

TEST(Posterior, SmallestSetReachesTheMass) {
  auto d = make_dag(testing::linear(10), 9);
  Posterior post(d.graph);
  evidence(post, d, 9, 5, 0);
  evidence(post, d, 6, 0, 30);
  post.update();
  auto set = post.smallest_set(0.95);
  ASSERT_EQ(set.size(), 3u) << "c7, c8, c9";
  for (auto c : set) EXPECT_GT(d.id(c), 6);
}

TEST(Planner, PicksTheMiddleAtFullReproduction) {
  auto d = make_dag(testing::linear(64), 63);
  Posterior post(d.graph);
  evidence(post, d, 63, 10, 0);
  post.update();
  PlanInput in;
  in.current = d.at(63);
  in.built = {d.at(63)};
  auto steps = plan(post, in);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_NEAR(d.id(steps[0].commit), 31.5, 2.0);
  EXPECT_LE(steps[0].runs, 2);
}

TEST(Planner, MoreRunsWhenTheCrashIsRare) {
  auto d = make_dag(testing::linear(64), 63);
  PlanInput in;
  in.current = d.at(63);
  in.built = {d.at(63)};
  Posterior sure(d.graph), rare(d.graph);
  evidence(sure, d, 63, 10, 0);
  evidence(rare, d, 63, 2, 18);
  sure.update();
  rare.update();
  auto a = plan(sure, in), b = plan(rare, in);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_GT(b[0].runs, 3 * a[0].runs);
}

TEST(Planner, StaysOnTheBuiltCommitWhileItsRunsPay) {
  auto d = make_dag(testing::linear(64), 63);
  Posterior post(d.graph);
  evidence(post, d, 63, 3, 7);
  evidence(post, d, 31, 0, 1);  // one clean run at ~30%: still unsure
  post.update();
  PlanInput in;
  in.current = d.at(31);
  in.built = {d.at(63), d.at(31)};
  auto steps = plan(post, in);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].commit, d.at(31)) << "more runs cost no build";
}

// Issue 14, item 3: a step ends at its first crash, so a bad commit's
// planned runs are not all spent.
TEST(Planner, ExpectedRunsCountTheStopAtTheFirstCrash) {
  EXPECT_DOUBLE_EQ(expected_runs(0, 0.3, 9), 9);
  EXPECT_DOUBLE_EQ(expected_runs(1, 1.0, 9), 1);
  EXPECT_NEAR(expected_runs(1, 0.3, 9), (1 - std::pow(0.7, 9)) / 0.3, 1e-12);
  EXPECT_NEAR(expected_runs(0.5, 0.3, 9), 0.5 * 9 + 0.5 * expected_runs(1, 0.3, 9), 1e-12);
  EXPECT_LT(expected_runs(0.6, 0.3, 9), expected_runs(0.4, 0.3, 9));
}

// ... which makes a likely bad commit the cheaper test of the two sides of
// an even split: at a flaky rate the plan leans to more than half the mass.
TEST(Planner, LeansToTheCheaperLikelyBadSideWhenTheCrashIsFlaky) {
  auto d = make_dag(testing::linear(200), 199);
  Posterior post(d.graph);
  evidence(post, d, 199, 6, 14);
  post.update();
  PlanInput in;
  in.current = d.at(199);
  in.built = {d.at(199)};
  auto steps = plan(post, in);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_GT(steps[0].bad_mass, 0.5);
  EXPECT_LT(steps[0].bad_mass, 0.7);
}

TEST(Planner, ParallelSlotsSplitThePosterior) {
  auto d = make_dag(testing::linear(100), 99);
  Posterior post(d.graph);
  evidence(post, d, 99, 10, 0);
  post.update();
  PlanInput in;
  in.slots = 3;
  auto steps = plan(post, in);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_NEAR(d.id(steps[0].commit), 25, 3);
  EXPECT_NEAR(d.id(steps[1].commit), 50, 3);
  EXPECT_NEAR(d.id(steps[2].commit), 75, 3);
}

TEST(Planner, NothingLeftWhenSettled) {
  auto d = make_dag(testing::linear(4), 3);
  Posterior post(d.graph);
  for (int i = 0; i < 4; ++i) evidence(post, d, i, i >= 2 ? 30 : 0, i >= 2 ? 0 : 30);
  post.update();
  PlanInput in;
  for (int i = 0; i < 4; ++i) in.built.insert(d.at(i));
  EXPECT_TRUE(plan(post, in).empty());
}

}  // namespace
}  // namespace culprit::bisect
