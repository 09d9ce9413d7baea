#include "util/phase_times.h"

#include <gtest/gtest.h>

#include <thread>

namespace culprit {
namespace {

TEST(PhaseTimes, NestedTimersCountEachSecondOnce) {
  PhaseTimes times;
  {
    PhaseTimer outer(&times, "planning");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    {
      PhaseTimer inner(&times, "log");
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  }
  EXPECT_GE(times.get("log"), 0.03);
  EXPECT_GE(times.get("planning"), 0.02);
  // The inner phase's time is not the outer one's too: counted twice, the
  // two would add up to more than the time that passed.
  EXPECT_LE(times.get("planning") + times.get("log"), times.elapsed());
}

TEST(PhaseTimes, ThreadsAddUp) {
  PhaseTimes times;
  auto work = [&times] {
    for (int i = 0; i < 100; ++i) times.add("test", 0.5);
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  EXPECT_DOUBLE_EQ(times.get("test"), 100.0);
  EXPECT_EQ(times.all().size(), 1u);
}

TEST(PhaseTimes, NoTimesNoCount) {
  PhaseTimer timer(nullptr, "store");  // nothing to count into: no effect, no crash
  SUCCEED();
}

}  // namespace
}  // namespace culprit
