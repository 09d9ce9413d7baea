#include "util/process_guardian.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "support/test_support.h"
#include "util/process.h"
#include "util/text.h"

extern char** environ;

namespace culprit {
namespace {

using testing::random_hex;
using testing::TempDir;

// Alive and not a zombie.
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

bool gone_soon(pid_t pid) {
  for (int i = 0; i < 250; ++i) {
    if (!running(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A marker of no living culprit process, in the same format.
std::string foreign_marker() { return "1-" + random_hex(); }

pid_t read_pid(const std::filesystem::path& file) {
  for (int i = 0; i < 250 && !std::filesystem::exists(file); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return static_cast<pid_t>(std::stol(read_file(file)));
}

TEST(ProcessGuardian, CommandsCarryThisProcesssMarker) {
  std::string marker = command_marker();
  EXPECT_TRUE(starts_with(marker, std::to_string(::getpid()) + "-")) << marker;
  ProcessOptions o;
  o.env = {{kMarkerVariable, "not-this"}};
  auto r = run_shell(std::string("printf %s \"$") + kMarkerVariable + "\"", o);
  EXPECT_EQ(r.output, marker) << "the marker cannot be replaced by the caller's environment";
  EXPECT_EQ(command_marker(), marker) << "one marker for the whole process";
}

// sbatch's environment becomes the job's: a marked job running on this
// machine was killed by a SIGKILLed culprit's guardian, so the resumed
// culprit could not adopt it and ran each run twice (SlurmE2E.Sigkill...).
TEST(ProcessGuardian, ACommandThatOutlivesCulpritIsNotMarked) {
  ProcessOptions o;
  o.outlives_culprit = true;
  o.env = {{kMarkerVariable, "not-this"}};
  auto r = run_shell(std::string("printf %s \"${") + kMarkerVariable + "-unset}\"", o);
  EXPECT_EQ(r.output, "unset");
  ::setenv(kMarkerVariable, "inherited", 1);  // culprit started by another culprit
  r = run_shell(std::string("printf %s \"${") + kMarkerVariable + "-unset}\"", o);
  ::unsetenv(kMarkerVariable);
  EXPECT_EQ(r.output, "unset");
}

// What a command left running (here in a session of its own, out of reach of
// its process group) dies with the marker's owner: its marked processes and
// every member of their process groups, also one that dropped the marker.
TEST(ProcessGuardian, KillMarkedProcessesEndsEscapedTreesAndSparesOthers) {
  TempDir dir;
  std::string marker = foreign_marker();
  auto p = [&](const char* name) { return (dir / name).string(); };
  // Each writes its pid file once it is in its own session, out of reach of
  // run_shell's process group; run_shell waits for that.
  run_shell(std::string(kMarkerVariable) + "=" + marker + " setsid sh -c 'env -u " +
                kMarkerVariable + " sleep 300 & echo $! > " + p("unmarked") +
                "; sleep 300 & echo $! > " + p("marked") + "; echo $$ > " + p("leader") +
                "; wait' >/dev/null 2>&1 & setsid sh -c 'echo $$ > " + p("other") +
                "; exec sleep 300' >/dev/null 2>&1 & until [ -s " + p("leader") + " ] && [ -s " +
                p("other") + " ]; do sleep 0.02; done",
            {});
  pid_t leader = read_pid(dir / "leader"), marked = read_pid(dir / "marked");
  pid_t unmarked = read_pid(dir / "unmarked"), other = read_pid(dir / "other");
  for (pid_t pid : {leader, marked, unmarked, other})
    ASSERT_TRUE(running(pid)) << pid << " did not start";

  EXPECT_GE(kill_marked_processes(marker), 1);
  EXPECT_TRUE(gone_soon(leader));
  EXPECT_TRUE(gone_soon(marked));
  EXPECT_TRUE(gone_soon(unmarked)) << "a member of a marked process group";
  EXPECT_TRUE(running(other)) << "a process with another marker was killed";
  ::kill(other, SIGKILL);
  EXPECT_EQ(kill_marked_processes(marker), 0);
}

// The helper that GuardianEndsTheCommandsOfAKilledProcess runs in a process
// of its own: a command whose background child would write a file later.
TEST(ProcessGuardianHelper, DISABLED_RunsACommandUntilKilled) {
  const char* dir = std::getenv("CULPRIT_GUARDIAN_TEST_DIR");
  ASSERT_NE(dir, nullptr);
  std::string d = dir;
  // The command runs on a thread that is not the main one, like parallel runs.
  std::thread t([&] {
    run_shell("(sleep 2; touch " + d + "/leaked) & touch " + d + "/started; sleep 300", {});
  });
  t.join();
}

TEST(ProcessGuardian, GuardianEndsTheCommandsOfAKilledProcess) {
  TempDir dir;
  std::string tree = random_hex();
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string dir_env = "CULPRIT_GUARDIAN_TEST_DIR=" + dir.path().string();
  std::string tree_env = "CULPRIT_TEST_TREE=" + tree;
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  env_store.push_back(dir_env);
  env_store.push_back(tree_env);
  std::vector<char*> envp;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = {self, "--gtest_also_run_disabled_tests",
                                   "--gtest_filter=ProcessGuardianHelper.*"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t helper = 0;
  ASSERT_EQ(posix_spawn(&helper, self.c_str(), &actions, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 1500 && !std::filesystem::exists(dir / "started"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(std::filesystem::exists(dir / "started"));

  ::kill(helper, SIGKILL);
  int status = 0;
  ::waitpid(helper, &status, 0);
  // Everything the command started goes (the helper's guardian, which also
  // carries the variable, leaves once it has done its work).
  auto left = testing::wait_until_no_process_with_env("CULPRIT_TEST_TREE", tree, 5);
  EXPECT_TRUE(left.empty()) << left.size() << " processes of the killed process's command remain";
  std::this_thread::sleep_until(started + std::chrono::seconds(3));
  EXPECT_FALSE(std::filesystem::exists(dir / "leaked"))
      << "a grandchild of the command outlived the process that ran it";
  for (pid_t pid : left) ::kill(pid, SIGKILL);
}

TEST(CommandOwnerRecord, EndsWhatAnEarlierOwnerLeftAndRecordsThisProcess) {
  TempDir dir;
  auto records = dir / "owners";
  std::filesystem::create_directories(records);
  std::string earlier = foreign_marker(), unrecorded = foreign_marker();
  write_file_atomic(records / earlier, "");
  auto p = [&](const char* name) { return (dir / name).string(); };
  run_shell(std::string(kMarkerVariable) + "=" + earlier + " setsid sh -c 'echo $$ > " +
                p("leftover") + "; exec sleep 300' >/dev/null 2>&1 & " + kMarkerVariable + "=" +
                unrecorded + " setsid sh -c 'echo $$ > " + p("other") +
                "; exec sleep 300' >/dev/null 2>&1 & until [ -s " + p("leftover") + " ] && [ -s " +
                p("other") + " ]; do sleep 0.02; done",
            {});
  pid_t leftover = read_pid(dir / "leftover"), other = read_pid(dir / "other");
  ASSERT_TRUE(running(leftover));
  {
    CommandOwnerRecord record(records);
    EXPECT_EQ(record.leftovers_killed(), 1);
    EXPECT_TRUE(gone_soon(leftover));
    EXPECT_TRUE(running(other)) << "not recorded in this directory: not ours to kill";
    EXPECT_FALSE(std::filesystem::exists(records / earlier));
    EXPECT_TRUE(std::filesystem::exists(records / command_marker()));
  }
  EXPECT_FALSE(std::filesystem::exists(records / command_marker()))
      << "a process that ends normally leaves no record";
  ::kill(other, SIGKILL);
}

}  // namespace
}  // namespace culprit
