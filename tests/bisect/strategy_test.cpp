#include <gtest/gtest.h>

#include "bisect/strategy.h"

namespace culprit::bisect {
namespace {

Evidence ev(int ok, int matching, int other = 0, int untestable = 0) {
  Evidence e;
  e.ok = ok;
  e.matching = matching;
  e.other = other;
  e.untestable = untestable;
  return e;
}

TEST(SyzbotStrategy, FollowsTheFixedRule) {
  auto s = make_syzbot_strategy(10);
  EXPECT_EQ(s->more_runs(ev(0, 0), Role::bisect), 10);
  EXPECT_EQ(s->more_runs(ev(5, 5), Role::bisect), 0);
  EXPECT_EQ(s->decide(ev(8, 2), Role::bisect), Verdict::bad);
  EXPECT_EQ(s->decide(ev(9, 1), Role::bisect), Verdict::skip) << "one crash is not enough";
  EXPECT_EQ(s->decide(ev(10, 0), Role::bisect), Verdict::good);
  EXPECT_EQ(s->decide(ev(4, 0, 0, 6), Role::bisect), Verdict::skip)
      << "fewer than half the runs tested it";
  EXPECT_EQ(s->decide(ev(5, 0, 0, 5), Role::bisect), Verdict::good);
  EXPECT_EQ(s->decide(ev(6, 0, 2), Role::bisect), Verdict::bad) << "any crash counts for syzbot";
}

TEST(AdaptiveStrategy, OneMatchingCrashIsDecisive) {
  auto s = make_adaptive_strategy(10, 0.02);
  s->set_crash_evidence(10, 20);
  EXPECT_EQ(s->more_runs(ev(0, 1), Role::bisect), 0);
  EXPECT_EQ(s->decide(ev(0, 1), Role::bisect), Verdict::bad);
}

TEST(AdaptiveStrategy, GenericTitlesNeedTwoCrashes) {
  auto s = make_adaptive_strategy(10, 0.02);
  Evidence e = ev(0, 1);
  e.generic_target = true;
  EXPECT_GT(s->more_runs(e, Role::bisect), 0);
  e.matching = 2;
  EXPECT_EQ(s->decide(e, Role::bisect), Verdict::bad);
}

TEST(AdaptiveStrategy, CleanRunsNeededGrowAsTheReproductionRateFalls) {
  auto s = make_adaptive_strategy(10, 0.02);
  s->set_crash_evidence(200, 200);
  int reliable = s->more_runs(ev(0, 0), Role::bisect);
  s->set_crash_evidence(10, 60);
  int flaky = s->more_runs(ev(0, 0), Role::bisect);
  EXPECT_EQ(reliable, 5) << "never fewer than half of --runs";
  EXPECT_GE(flaky, 22) << "(5/6)^n <= 0.02 needs 22 clean runs, more at a conservative rate";
  EXPECT_EQ(s->decide(ev(flaky, 0), Role::bisect), Verdict::good);
  EXPECT_EQ(s->decide(ev(10, 0), Role::bisect), Verdict::skip) << "not enough clean runs yet";
}

TEST(AdaptiveStrategy, AStrayUnrelatedCrashDoesNotMakeACommitBad) {
  auto s = make_adaptive_strategy(10, 0.02);
  s->set_crash_evidence(18, 20);
  EXPECT_EQ(s->decide(ev(9, 0, 1), Role::bisect), Verdict::good);
  EXPECT_EQ(s->decide(ev(6, 0, 2), Role::bisect), Verdict::good)
      << "two stray crashes in eight runs are noise";
  EXPECT_EQ(s->decide(ev(5, 0, 4), Role::bisect), Verdict::bad)
      << "many other crashes count, as in syzbot";
}

TEST(AdaptiveStrategy, StartCommitGetsMoreRunsWhenFlaky) {
  auto s = make_adaptive_strategy(10, 0.02);
  EXPECT_EQ(s->more_runs(ev(0, 0), Role::start), 10);
  EXPECT_EQ(s->more_runs(ev(8, 2), Role::start), 10);
  EXPECT_EQ(s->more_runs(ev(0, 10), Role::start), 0);
  EXPECT_EQ(s->decide(ev(20, 0), Role::start), Verdict::good) << "not reproduced";
}

// Fix bisection's head with a few unrelated crashes among its runs: for
// the posterior search it is fixed once the runs reach the cap clean of the
// bisected crash, as it would be without them; the adaptive rule keeps
// skipping it (as before), and a bisected crash is still decisive.
TEST(PosteriorStrategy, AHeadWithStrayUnrelatedCrashesIsFixedAtTheCap) {
  auto post = make_posterior_strategy(10);
  auto adaptive = make_adaptive_strategy(10, 0.02);
  for (auto* s : {post.get(), adaptive.get()}) s->set_crash_evidence(3, 20);  // a low rate
  EXPECT_EQ(post->more_runs(ev(37, 0, 3), Role::head), 0);
  EXPECT_EQ(post->decide(ev(37, 0, 3), Role::head), Verdict::good);
  EXPECT_EQ(adaptive->decide(ev(37, 0, 3), Role::head), Verdict::skip);
  EXPECT_EQ(post->decide(ev(36, 1, 3), Role::head), Verdict::bad);
  EXPECT_EQ(post->decide(ev(20, 0, 2), Role::head), Verdict::skip) << "not at the cap yet";
}

TEST(Strategies, UnknownNameIsAUserError) { EXPECT_ANY_THROW(make_strategy("magic", 10)); }

}  // namespace
}  // namespace culprit::bisect
