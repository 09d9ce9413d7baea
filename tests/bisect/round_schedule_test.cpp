#include "bisect/round_schedule.h"

#include <gtest/gtest.h>

namespace culprit::bisect {
namespace {

StepWork step(double build, int runs, double each = 10) {
  return StepWork{build, std::vector<double>(static_cast<std::size_t>(runs), each)};
}

TEST(RoundSchedule, OneStepIsItsBuildAndItsRunsOneAfterAnother) {
  auto t = schedule_round({step(100, 3)}, {3}, 1, true);
  EXPECT_DOUBLE_EQ(t.wall_seconds, 130);
  EXPECT_EQ(t.extra_runs, 0);
}

TEST(RoundSchedule, JobsRunInWaves) {
  // 5 runs, 2 at a time: waves of 2, 2 and 1.
  auto t = schedule_round({step(100, 5)}, {5}, 2, true);
  EXPECT_DOUBLE_EQ(t.wall_seconds, 130);
}

TEST(RoundSchedule, AStepDoneEarlyLendsItsSlotToTheSlowest) {
  // A crashes at its first run; B needs 8 clean runs.
  std::vector<StepWork> steps{step(100, 1), step(100, 8)};
  auto lent = schedule_round(steps, {5, 8}, 1, true);
  // B: one run alone (100-110), then 7 runs two at a time: 4 waves.
  EXPECT_DOUBLE_EQ(lent.wall_seconds, 150);
  EXPECT_EQ(lent.extra_runs, 0);
  auto kept = schedule_round(steps, {5, 8}, 1, false);
  EXPECT_DOUBLE_EQ(kept.wall_seconds, 180) << "without lending: the slowest step";
}

TEST(RoundSchedule, AWaveWiderThanTheStepsLastRunsCostsExtraRuns) {
  // B is done at 5 and lends; A's second wave is two wide, but its crash
  // comes at the first of them: the other was started and is paid for.
  std::vector<StepWork> steps{step(0, 2), step(0, 1, 5)};
  auto t = schedule_round(steps, {6, 1}, 1, true);
  EXPECT_DOUBLE_EQ(t.wall_seconds, 20);
  EXPECT_EQ(t.extra_runs, 1);
  EXPECT_DOUBLE_EQ(t.extra_run_seconds, 10);
}

TEST(RoundSchedule, AWaveIsNeverWiderThanWhatTheStepAsks) {
  // A asked for 3 runs and got them (no crash): lent capacity cannot make
  // it start a fourth.
  std::vector<StepWork> steps{step(0, 3), step(0, 0)};
  auto t = schedule_round(steps, {3, 0}, 1, true);
  EXPECT_DOUBLE_EQ(t.wall_seconds, 20);  // 1 run alone would be 30: waves of 2, then 1
  EXPECT_EQ(t.extra_runs, 0);
}

}  // namespace
}  // namespace culprit::bisect
