// The console state machine of the QEMU runner, fed by hand with output and
// times (no VM, no clock).
#include "run/console_watch.h"

#include <gtest/gtest.h>

#include "run/initramfs.h"

namespace culprit::run {
namespace {

ConsoleLimits limits() {
  ConsoleLimits l;
  l.after_exit_quiet_seconds = 10;
  l.after_exit_cap_seconds = 60;
  l.silence_seconds = 300;
  l.total_seconds = 600;
  return l;
}

const std::string kBoot =
    std::string("[    0.000000] Linux version 6.1\n") + kUserSpaceMarker + "\n";
const std::string kExit = std::string(kReproDoneMarker) + "0\n";

TEST(HaltLine, KernelHaltAndPowerOffLinesOldAndNew) {
  EXPECT_TRUE(is_halt_line("[    1.970112] reboot: System halted"));
  EXPECT_TRUE(is_halt_line("[    1.970112] reboot: Power down\r"));
  EXPECT_TRUE(is_halt_line("reboot: System halted"));
  EXPECT_TRUE(is_halt_line("[   12.5] System halted."));
  EXPECT_TRUE(is_halt_line("Power down."));
  EXPECT_FALSE(is_halt_line("[    1.0] ata1: Power down requested"));
  EXPECT_FALSE(is_halt_line("echo reboot: System halted"));
  EXPECT_FALSE(is_halt_line(""));
}

TEST(ConsoleWatch, HaltLineStopsAtOnce) {
  ConsoleWatch w(limits(), 100);
  EXPECT_FALSE(w.feed(kBoot, 101));
  EXPECT_FALSE(w.feed(kExit, 102));
  EXPECT_TRUE(w.feed("[    7.1] reboot: System halted\n", 107));
  EXPECT_EQ(w.end(), VmEnd::halted);
  EXPECT_TRUE(w.reproducer_exited());
  EXPECT_TRUE(w.feed("", 108)) << "stays over";
}

TEST(ConsoleWatch, LinesSplitAcrossPiecesAreSeenWhole) {
  ConsoleWatch w(limits(), 0);
  EXPECT_FALSE(w.feed(kBoot, 1));
  EXPECT_FALSE(w.feed("culprit: reproducer exi", 2));
  EXPECT_FALSE(w.reproducer_exited());
  EXPECT_FALSE(w.feed("ted with status 0\n[ 3.0] reboot: Sys", 3));
  EXPECT_TRUE(w.reproducer_exited());
  EXPECT_TRUE(w.feed("tem halted\r\n", 4));
  EXPECT_EQ(w.end(), VmEnd::halted);
}

TEST(ConsoleWatch, AfterTheExitAQuietConsoleEndsTheRun) {
  ConsoleWatch w(limits(), 0);
  w.feed(kBoot, 1);
  w.feed(kExit, 5);
  EXPECT_FALSE(w.feed("", 14.9));
  EXPECT_TRUE(w.feed("", 15));
  EXPECT_EQ(w.end(), VmEnd::finished);
}

TEST(ConsoleWatch, OutputAfterTheExitExtendsTheWaitUpToTheCap) {
  ConsoleWatch w(limits(), 0);
  w.feed(kBoot, 1);
  w.feed(kExit, 5);
  // A late report being printed: each line restarts the quiet wait.
  EXPECT_FALSE(w.feed("BUG: KASAN: use-after-free in foo\n", 12));
  EXPECT_FALSE(w.feed("", 21.9));
  EXPECT_TRUE(w.feed("", 22));
  EXPECT_EQ(w.end(), VmEnd::finished);
  // A console that never stops talking after the exit ends at the cap.
  ConsoleWatch chatty(limits(), 0);
  chatty.feed(kBoot, 1);
  chatty.feed(kExit, 5);
  double t = 5;
  while (!chatty.feed("tick\n", t += 1)) ASSERT_LT(t, 100);
  EXPECT_EQ(t, 65);
  EXPECT_EQ(chatty.end(), VmEnd::finished);
}

TEST(ConsoleWatch, SilenceBeforeTheExitIsSilent) {
  ConsoleWatch w(limits(), 0);
  w.feed(kBoot, 10);
  EXPECT_FALSE(w.feed("", 309.9));
  EXPECT_TRUE(w.feed("", 310));
  EXPECT_EQ(w.end(), VmEnd::silent);
}

TEST(ConsoleWatch, AliveAtTheTimeLimitIsTimedOut) {
  ConsoleWatch w(limits(), 0);
  w.feed(kBoot, 1);
  double t = 1;
  while (!w.feed("still running\n", t += 30)) ASSERT_LT(t, 1000);
  EXPECT_EQ(t, 601);
  EXPECT_EQ(w.end(), VmEnd::timed_out);
}

TEST(ConsoleWatch, SilentAndTimeLimitAtOnceIsSilent) {
  auto l = limits();
  l.silence_seconds = l.total_seconds = 60;  // a --test-timeout below the silence limit
  ConsoleWatch w(l, 0);
  EXPECT_TRUE(w.feed("", 60));
  EXPECT_EQ(w.end(), VmEnd::silent);
}

TEST(ConsoleWatch, TimeLimitAfterTheExitEndsTheGraceNotTheVerdict) {
  auto l = limits();
  l.total_seconds = 20;
  ConsoleWatch w(l, 0);
  w.feed(kBoot, 1);
  w.feed(kExit, 15);
  EXPECT_TRUE(w.feed("", 20));
  EXPECT_EQ(w.end(), VmEnd::finished);
}

TEST(ConsoleWatch, EndlessLineDoesNotGrowWithoutBound) {
  ConsoleWatch w(limits(), 0);
  w.feed(kBoot, 1);
  std::string chunk(1 << 16, 'x');
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(w.feed(chunk, 2));
  EXPECT_TRUE(w.feed("\n[ 9.0] reboot: Power down\n", 3));
  EXPECT_EQ(w.end(), VmEnd::halted);
}

}  // namespace
}  // namespace culprit::run
