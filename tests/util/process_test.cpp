#include "util/process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "support/test_support.h"
#include "util/text.h"

namespace culprit {
namespace {

// Alive and not a zombie (a killed orphan may wait for a reaper that this
// container's init does not run promptly).
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

using testing::TempDir;

TEST(RunShell, ExitStatusAndOutputBothStreams) {
  auto r = run_shell("echo out; echo err >&2; exit 3", {});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.status(), 3);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
  EXPECT_FALSE(r.timed_out);
}

TEST(RunShell, SignalDeathIsReportedAs128PlusSignal) {
  auto r = run_shell("kill -SEGV $$", {});
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.status(), 128 + SIGSEGV);
}

TEST(RunShell, EnvironmentAndWorkingDirectory) {
  TempDir dir;
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"CULPRIT_TEST_VAR", "hello"}, {"HOME", "/nonexistent"}};
  auto r = run_shell("echo $CULPRIT_TEST_VAR $HOME; pwd", o);
  EXPECT_NE(r.output.find("hello /nonexistent"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(dir.path().string()), std::string::npos) << r.output;
}

TEST(RunShell, TimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  ProcessOptions o;
  o.timeout_seconds = 0.5;
  auto pidfile = dir / "child.pid";
  auto r = run_shell("sleep 1000 & echo $! > " + pidfile.string() + "; wait", o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.seconds, 5.0);
  pid_t child = std::stoi(read_file(pidfile));
  // The child was in the command's process group: it must be gone (or a zombie
  // reaped by init shortly); give it a moment.
  bool alive = true;
  for (int i = 0; i < 50 && alive; ++i) {
    alive = running(child);
    if (alive) ::usleep(20000);
  }
  EXPECT_FALSE(alive) << "background child " << child << " survived the timeout";
}

TEST(RunShell, ChildrenLeftBehindAreKilledAndDoNotBlock) {
  TempDir dir;
  auto pidfile = dir / "child.pid";
  ProcessOptions o;
  auto r = run_shell("sleep 1000 & echo $! > " + pidfile.string() + "; exit 0", o);
  EXPECT_EQ(r.status(), 0);
  EXPECT_LT(r.seconds, 5.0);
  pid_t child = std::stoi(read_file(pidfile));
  bool alive = true;
  for (int i = 0; i < 50 && alive; ++i) {
    alive = running(child);
    if (alive) ::usleep(20000);
  }
  EXPECT_FALSE(alive);
}

TEST(RunShell, OutputGoesToTheLogFile) {
  TempDir dir;
  ProcessOptions o;
  o.log_path = dir / "log";
  run_shell("printf 'line1\\nline2\\n'", o);
  EXPECT_EQ(read_file(dir / "log"), "line1\nline2\n");
}

TEST(RunShell, KeepsOnlyTheTailOfHugeOutput) {
  ProcessOptions o;
  o.max_output = 1000;
  auto r = run_shell("head -c 100000 /dev/zero | tr '\\0' a; echo END", o);
  EXPECT_LE(r.output.size(), 1000u);
  EXPECT_NE(r.output.find("END"), std::string::npos);
}

TEST(FormatDuration, SyzbotStyle) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(59.4), "59s");
  EXPECT_EQ(format_duration(61), "1m1s");
  EXPECT_EQ(format_duration(3 * 3600 + 50 * 60 + 51), "3h50m51s");
}

TEST(ShellQuote, RoundTripsThroughTheShell) {
  std::string nasty = "it's a \"test\" $HOME `x` \\";
  auto r = run_shell("printf '%s' " + shell_quote(nasty), {});
  EXPECT_EQ(r.output, nasty);
}

}  // namespace
}  // namespace culprit

namespace culprit {
namespace {

TEST(RunShell, MissingWorkingDirectoryIsAStartFailure) {
  ProcessOptions o;
  o.cwd = "/nonexistent/dir";
  auto r = run_shell("true", o);
  EXPECT_TRUE(r.start_failed);
  auto ok = run_shell("exit 127", {});
  EXPECT_FALSE(ok.start_failed) << "a command's own exit 127 is not a start failure";
  EXPECT_EQ(ok.status(), 127);
}

TEST(RunShell, WatchSeesTheOutputAsItComesAndCanStopTheGroup) {
  TempDir dir;
  auto pidfile = dir / "child.pid";
  std::string seen;
  ProcessOptions o;
  o.timeout_seconds = 120;  // a safety net: the watch must end it long before
  o.watch = [&seen](std::string_view piece) {
    seen.append(piece);
    return seen.find("ready\n") != std::string::npos;
  };
  auto r = run_shell("sleep 1000 & echo $! > " + pidfile.string() + "; echo ready; wait", o);
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.status(), 128 + SIGKILL);
  EXPECT_NE(r.output.find("ready"), std::string::npos) << r.output;
  pid_t child = std::stoi(read_file(pidfile));
  bool alive = true;
  for (int i = 0; i < 50 && alive; ++i) {
    alive = running(child);
    if (alive) ::usleep(20000);
  }
  EXPECT_FALSE(alive) << "background child " << child << " survived the stop";
}

TEST(RunShell, WatchIsCalledWithoutOutputSoItCanActOnTime) {
  int empty_calls = 0;
  bool only_empty = true;
  ProcessOptions o;
  o.timeout_seconds = 120;
  o.watch = [&](std::string_view piece) {
    if (!piece.empty()) only_empty = false;
    return ++empty_calls >= 3;
  };
  auto r = run_shell("sleep 1000", o);
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(empty_calls, 3);
  EXPECT_TRUE(only_empty);
}

TEST(RunShell, WatchThatNeverStopsSeesEverythingOnce) {
  std::string seen;
  ProcessOptions o;
  o.watch = [&seen](std::string_view piece) {
    seen.append(piece);
    return false;
  };
  auto r = run_shell("echo one; sleep 0.2; echo two; exit 4", o);
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.status(), 4);
  EXPECT_EQ(seen, r.output);
  EXPECT_EQ(seen, "one\ntwo\n");
}

}  // namespace
}  // namespace culprit
