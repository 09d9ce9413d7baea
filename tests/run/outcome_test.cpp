// The outcome of one test run from exit status and output (INTERFACE.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "report/crash_report.h"
#include "run/command_runner.h"

namespace culprit::run {
namespace {

constexpr const char* kAsanReport =
    "starting test\n"
    "=================================================================\n"
    "==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc "
    "0x55d0c0a1b2c3 bp 0x7ffd5c1e2f30 sp 0x7ffd5c1e2f28\n"
    "READ of size 4 at 0x602000000010 thread T0\n"
    "    #0 0x55d0c0a1b2c2 in foo /src/demo/foo.c:12:10\n"
    "    #1 0x55d0c0a1b3d4 in main /src/demo/main.c:5:3\n"
    "    #2 0x7f1e2d3c4d8f in __libc_start_call_main "
    "csu/../sysdeps/nptl/libc_start_call_main.h:58:16\n"
    "\n"
    "0x602000000010 is located 0 bytes inside of 4-byte region [0x602000000010,0x602000000014)\n"
    "freed by thread T0 here:\n"
    "    #0 0x7f1e2d6b4537 in free\n"
    "    #1 0x55d0c0a1b2a0 in foo /src/demo/foo.c:11:3\n"
    "\n"
    "previously allocated by thread T0 here:\n"
    "    #0 0x7f1e2d6b5887 in malloc\n"
    "    #1 0x55d0c0a1b290 in foo /src/demo/foo.c:10:12\n"
    "\n"
    "SUMMARY: AddressSanitizer: heap-use-after-free /src/demo/foo.c:12:10 in foo\n"
    "==4242==ABORTING\n";

TEST(RunStatusNames, AreTheJournalStrings) {
  EXPECT_STREQ(to_string(RunStatus::ok), "ok");
  EXPECT_STREQ(to_string(RunStatus::crashed), "crashed");
  EXPECT_STREQ(to_string(RunStatus::untestable), "untestable");
  EXPECT_STREQ(to_string(RunStatus::infra_error), "infra_error");
}

TEST(Outcome, ExitStatuses) {
  auto ok = outcome_from_process(0, false, "all fine\n");
  EXPECT_EQ(ok.status, RunStatus::ok);
  EXPECT_EQ(ok.title, "");

  EXPECT_EQ(outcome_from_process(125, false, "").status, RunStatus::untestable);

  auto three = outcome_from_process(3, false, "");
  EXPECT_EQ(three.status, RunStatus::crashed);
  EXPECT_EQ(three.title, "exit status 3");

  EXPECT_EQ(outcome_from_process(1, false, "").title, "exit status 1");
  EXPECT_EQ(outcome_from_process(126, false, "").title, "exit status 126");
  EXPECT_EQ(outcome_from_process(128, false, "").title, "exit status 128");
  EXPECT_EQ(outcome_from_process(255, false, "").title, "exit status 255");
}

TEST(Outcome, SignalNames) {
  auto segv = outcome_from_process(128 + SIGSEGV, false, "");
  EXPECT_EQ(segv.status, RunStatus::crashed);
  EXPECT_EQ(segv.title, "killed by SIGSEGV");
  EXPECT_EQ(segv.type, "SIGNAL");
  auto abrt = outcome_from_process(128 + SIGABRT, false, "");
  EXPECT_EQ(abrt.title, "killed by SIGABRT");
  EXPECT_EQ(abrt.type, "ABORT");
  EXPECT_EQ(outcome_from_process(128 + SIGBUS, false, "").title, "killed by SIGBUS");
  EXPECT_EQ(outcome_from_process(128 + SIGFPE, false, "").title, "killed by SIGFPE");
  // Real-time signals have no short name.
  EXPECT_EQ(outcome_from_process(128 + SIGRTMIN + 2, false, "").title,
            "killed by signal " + std::to_string(SIGRTMIN + 2));
}

// A SIGTERM or SIGKILL the test did not send itself is the machine's (OOM
// killer, Slurm cancelling or preempting the job): before, a cancelled
// cluster job's run was recorded as a crash titled "killed by SIGTERM".
TEST(Outcome, KilledFromOutsideIsNotAVerdict) {
  for (int sig : {SIGKILL, SIGTERM, SIGINT, SIGHUP}) {
    auto o = outcome_from_process(128 + sig, false, "");
    EXPECT_EQ(o.status, RunStatus::infra_error) << sig;
    EXPECT_THAT(o.title, ::testing::HasSubstr("not a verdict")) << sig;
  }
}

TEST(Outcome, TimeoutIsAHang) {
  auto o = outcome_from_process(128 + SIGKILL, true, "still waiting\n");
  EXPECT_EQ(o.status, RunStatus::crashed);
  EXPECT_EQ(o.title, "timed out");
  EXPECT_EQ(o.type, "HANG");
}

TEST(Outcome, CrashReportWinsOverStatus) {
  if (!report::find_crash(kAsanReport))
    GTEST_SKIP() << "report::find_crash does not recognise a canonical ASan report yet";
  for (int status : {0, 1, 125, 128 + SIGABRT}) {
    for (bool timed_out : {false, true}) {
      auto o = outcome_from_process(status, timed_out, kAsanReport);
      EXPECT_EQ(o.status, RunStatus::crashed) << status;
      EXPECT_EQ(o.title, "heap-use-after-free in foo") << status;
      EXPECT_EQ(o.type, "ASAN-HEAP-USE-AFTER-FREE");
      EXPECT_NE(o.report.find("SUMMARY: AddressSanitizer"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace culprit::run
