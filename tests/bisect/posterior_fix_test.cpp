// The posterior and the planner for fix bisection, the mirror image of
// cause bisection: X is the fix, a commit crashes at the rate p when X is not
// an ancestor-or-self of it; the range's crashing old end is an anchor.
#include <gtest/gtest.h>

#include "bisect/dag_graphs.h"
#include "bisect/planner.h"
#include "bisect/posterior.h"

namespace culprit::bisect {
namespace {

using testing::Dag;
using testing::make_dag;

PosteriorConfig fix_mode() {
  PosteriorConfig c;
  c.fix = true;
  return c;
}

void evidence(Posterior& post, const Dag& d, int commit, int crashed, int ok) {
  post.set_group(Dag::name(commit), {d.at(commit)}, crashed, ok);
}

// c0 (the old end, crashing) .. c10 (the head, fixed): the range is c1..c10.
Dag fix_range(int n = 11) { return make_dag(testing::linear(n), n - 1, {0}); }

TEST(PosteriorFix, NarrowsOnALinearHistory) {
  auto d = fix_range();
  Posterior post(d.graph, fix_mode());
  post.set_anchor("c0", 5, 0);
  evidence(post, d, 10, 0, 10);
  post.update();
  EXPECT_NEAR(post.prob(d.at(3)), 0.1, 0.02) << "nothing but the ends tested: uniform";
  evidence(post, d, 4, 3, 0);   // crashes: the fix is above c4
  evidence(post, d, 7, 0, 20);  // clean: the fix is c7 or below
  post.update();
  for (int i = 1; i <= 4; ++i) EXPECT_LT(post.prob(d.at(i)), 0.01) << i;
  EXPECT_LT(post.prob(d.at(8)), 0.01);
  EXPECT_NEAR(post.bad_mass(d.at(4)), 1.0, 0.01) << "c4 lacks every probable fix";
  EXPECT_NEAR(post.bad_mass(d.at(7)), 0.0, 0.01) << "c7 holds every probable fix";
  EXPECT_NEAR(post.below_mass(d.at(7)), 1.0, 0.01);
  evidence(post, d, 6, 3, 0);
  post.update();
  EXPECT_EQ(post.best(), d.at(7));
  EXPECT_GT(post.prob(d.at(7)), 0.95);
}

// The same runs mean the opposite in cause mode: there a crash at c4 puts
// the culprit at or below it.
TEST(PosteriorFix, TheSameRunsPointTheOtherWayInCauseMode) {
  auto d = fix_range();
  Posterior cause(d.graph), fix(d.graph, fix_mode());
  for (auto* p : {&cause, &fix}) {
    evidence(*p, d, 4, 3, 0);
    evidence(*p, d, 2, 0, 20);
    p->update();
  }
  EXPECT_GT(cause.below_mass(d.at(4)), 0.9);
  EXPECT_LT(fix.below_mass(d.at(4)), 0.01);
}

// The old end's runs are where the rate comes from: the head's clean runs
// say nothing about it (every fix is below the head).
TEST(PosteriorFix, TheAnchorTellsTheRate) {
  auto d = fix_range();
  Posterior sure(d.graph, fix_mode()), rare(d.graph, fix_mode());
  sure.set_anchor("c0", 10, 0);
  rare.set_anchor("c0", 2, 18);
  for (auto* p : {&sure, &rare}) {
    evidence(*p, d, 10, 0, 10);
    p->update();
  }
  EXPECT_GT(sure.rate(), 0.8);
  EXPECT_LT(rare.rate(), 0.3);
}

TEST(PosteriorFix, OneCleanRunIsWeakWhenTheCrashIsFlaky) {
  auto d = fix_range();
  Posterior post(d.graph, fix_mode());
  post.set_anchor("c0", 3, 7);
  evidence(post, d, 10, 0, 10);
  evidence(post, d, 5, 0, 1);
  post.update();
  // One clean run on c5 does not settle it: the fix may well be above c5.
  EXPECT_GT(post.bad_mass(d.at(5)), 0.3);
  evidence(post, d, 5, 0, 25);
  post.update();
  EXPECT_LT(post.bad_mass(d.at(5)), 0.05);
}

// Crashes all the way up to the head: no fix in the range.
TEST(PosteriorFix, NoFixWhenTheHeadCrashesToo) {
  auto d = fix_range();
  Posterior post(d.graph, fix_mode());
  post.set_anchor("c0", 5, 0);
  evidence(post, d, 10, 0, 10);
  post.update();
  EXPECT_LT(post.none(), 0.01);
  evidence(post, d, 10, 4, 6);
  post.update();
  EXPECT_GT(post.none(), 0.9);
}

TEST(PosteriorFix, MergesFollowAncestry) {
  // c0 - c3 ------ c4(merge) - c5
  //   \- c1 - c2 -/
  // c0 is the old end; the fix is c2 on the side branch.
  auto d = make_dag({{}, {0}, {1}, {0}, {3, 2}, {4}}, 5, {0});
  Posterior post(d.graph, fix_mode());
  post.set_anchor("c0", 4, 0);
  evidence(post, d, 5, 0, 20);
  evidence(post, d, 2, 0, 20);  // the side branch is fixed
  evidence(post, d, 3, 4, 0);   // the main line is not
  evidence(post, d, 1, 4, 0);
  post.update();
  EXPECT_EQ(post.best(), d.at(2));
  EXPECT_GT(post.prob(d.at(2)), 0.95);
  EXPECT_NEAR(post.bad_mass(d.at(3)), 1.0, 0.01) << "c2 is not an ancestor of c3";
  EXPECT_NEAR(post.bad_mass(d.at(4)), 0.0, 0.01);
}

// The fix reverted on top of the head: under that fix the crash comes back;
// under another fix the head holds, the revert stays clean.
TEST(PosteriorFix, TheRevertOnTheHeadWeighsForAndAgainstTheFix) {
  auto d = fix_range();
  auto make = [&] {
    auto p = std::make_unique<Posterior>(d.graph, fix_mode());
    p->set_anchor("c0", 5, 5);  // about half the runs
    evidence(*p, d, 10, 0, 10);
    evidence(*p, d, 6, 2, 2);
    evidence(*p, d, 7, 0, 4);  // c7 or above: 4 clean runs at ~50%
    evidence(*p, d, 8, 0, 10);
    return p;
  };
  auto plain = make(), back = make(), clean = make();
  plain->update();
  back->set_revert(d.at(7), d.at(10), 3, 3);
  back->update();
  clean->set_revert(d.at(7), d.at(10), 0, 10);
  clean->update();
  EXPECT_EQ(plain->best(), d.at(7));
  EXPECT_GT(back->prob(d.at(7)), plain->prob(d.at(7)));
  EXPECT_GT(back->prob(d.at(7)), 0.99) << "only c7's revert can crash again";
  EXPECT_LT(clean->prob(d.at(7)), 0.5) << "a revert that stays clean weighs against c7";
}

TEST(PlannerFix, PicksTheMiddleAtFullReproduction) {
  auto d = fix_range(65);
  Posterior post(d.graph, fix_mode());
  post.set_anchor("c0", 10, 0);
  evidence(post, d, 64, 0, 10);
  post.update();
  PlanInput in;
  in.current = d.at(64);
  in.built = {d.at(64)};
  auto steps = plan(post, in);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_NEAR(d.id(steps[0].commit), 32, 2.0);
  EXPECT_LE(steps[0].runs, 2);
}

// The rate the runs are planned for comes from the old end's runs.
TEST(PlannerFix, MoreRunsWhenTheCrashIsRareAtTheOldEnd) {
  auto d = fix_range(65);
  PlanInput in;
  in.current = d.at(64);
  in.built = {d.at(64)};
  Posterior sure(d.graph, fix_mode()), rare(d.graph, fix_mode());
  sure.set_anchor("c0", 10, 0);
  rare.set_anchor("c0", 2, 18);
  evidence(sure, d, 64, 0, 10);
  evidence(rare, d, 64, 0, 10);
  sure.update();
  rare.update();
  auto a = plan(sure, in), b = plan(rare, in);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_GT(b[0].runs, 3 * a[0].runs);
}

// Near the end, the tests that settle the best fix: it, or its parent.
TEST(PlannerFix, InTheEndGameTestsTheBestFixOrItsParent) {
  auto d = fix_range(65);
  Posterior post(d.graph, fix_mode());
  post.set_anchor("c0", 10, 0);
  evidence(post, d, 64, 0, 10);
  evidence(post, d, 40, 0, 10);
  evidence(post, d, 30, 5, 0);
  evidence(post, d, 35, 5, 0);
  evidence(post, d, 38, 5, 0);
  evidence(post, d, 39, 0, 1);  // one clean run: c39 likely
  post.update();
  ASSERT_EQ(post.best(), d.at(39));
  PlanInput in;
  in.current = d.at(39);
  for (int c : {64, 40, 30, 35, 38, 39}) in.built.insert(d.at(c));
  auto steps = plan(post, in);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_TRUE(steps[0].commit == d.at(39) || steps[0].commit == d.at(38)) << d.id(steps[0].commit);
}

TEST(PlannerFix, ParallelSlotsSplitThePosterior) {
  auto d = fix_range(101);
  Posterior post(d.graph, fix_mode());
  post.set_anchor("c0", 10, 0);
  evidence(post, d, 100, 0, 10);
  post.update();
  PlanInput in;
  in.slots = 3;
  auto steps = plan(post, in);
  ASSERT_EQ(steps.size(), 3u);
  std::vector<int> ids;
  for (const auto& s : steps) ids.push_back(d.id(s.commit));
  std::sort(ids.begin(), ids.end());
  EXPECT_NEAR(ids[0], 25, 3);
  EXPECT_NEAR(ids[1], 50, 3);
  EXPECT_NEAR(ids[2], 75, 3);
}

TEST(PlannerFix, NothingLeftWhenSettled) {
  auto d = fix_range(6);
  Posterior post(d.graph, fix_mode());
  post.set_anchor("c0", 30, 0);
  for (int i = 1; i < 6; ++i) evidence(post, d, i, i < 3 ? 30 : 0, i < 3 ? 0 : 30);
  post.update();
  EXPECT_EQ(post.best(), d.at(3));
  PlanInput in;
  for (int i = 1; i < 6; ++i) in.built.insert(d.at(i));
  EXPECT_TRUE(plan(post, in).empty());
}

}  // namespace
}  // namespace culprit::bisect
