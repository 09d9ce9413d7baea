// No process outlives culprit: everything a build or test command started
// ends when culprit is killed (SIGKILL included), and what a culprit killed
// together with its guardian left behind ends at the next start in the same
// state directory. A second SIGINT ends a culprit that is busy stopping.
#include <chrono>
#include <thread>

#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

class ProcessTree : public BisectE2E {
 protected:
  ProcessTree() : tree_(random_hex()) {
    for (int i = 0; i < 8; ++i)
      c_.push_back(i == 5 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  }

  // A command that, the first time only, starts a grandchild that writes
  // `leaked` after `seconds`, says `started`, and waits to be killed.
  std::string leaking_command(const std::string& name, int seconds, const std::string& then) {
    auto script = tmp_ / (name + ".sh");
    write_file_atomic(script, "#!/bin/sh\nif [ ! -e " + (tmp_ / (name + ".once")).string() +
                                  " ]; then\n  touch " + (tmp_ / (name + ".once")).string() +
                                  "\n  (sleep " + std::to_string(seconds) + "; touch " +
                                  (tmp_ / "leaked").string() + ") &\n  touch " +
                                  (tmp_ / "started").string() + "\n  sleep 300\nfi\n" + then +
                                  "\n");
    return "sh " + script.string();
  }

  std::string args(const std::string& build, const std::string& test) {
    return "bisect --repo " + repo_.path().string() + " --state " + (tmp_ / "state").string() +
           " --commit " + c_.back() + " --good " + c_[0] + " --build " + shell_quote(build) +
           " --artifact build.out --test " + shell_quote(test) + " --strategy syzbot --runs 2";
  }

  // culprit (with a variable that all its processes inherit) in the
  // background; once `started` exists, runs `then` (with $pid: culprit).
  ProcessResult start_and(const std::string& culprit_args, const std::string& then) {
    return sh("CULPRIT_TEST_TREE=" + tree_ + " " + shell_quote(culprit_binary()) + " " +
                  culprit_args + " >" + (tmp_ / "output").string() +
                  " 2>&1 & pid=$!; n=0; until [ -e " + (tmp_ / "started").string() +
                  " ] || [ $n -ge 1500 ]; do sleep 0.02; n=$((n+1)); done; " + then,
              {}, false);
  }

  std::string tree_;
  std::vector<std::string> c_;
};

const std::string kBuild = "cat *.txt > build.out";
const std::string kKillCulprit = "kill -KILL $pid; wait $pid";

TEST_F(ProcessTree, BuildCommandsGrandchildDiesWithASigkilledCulprit) {
  auto t0 = std::chrono::steady_clock::now();
  start_and(args(leaking_command("build", 3, kBuild), "sh " + (tmp_ / "test.sh").string()),
            kKillCulprit);
  ASSERT_TRUE(std::filesystem::exists(tmp_ / "started")) << read_file(tmp_ / "output");
  auto left = wait_until_no_process_with_env("CULPRIT_TEST_TREE", tree_, 5);
  EXPECT_TRUE(left.empty()) << left.size() << " processes of the build outlived culprit";
  std::this_thread::sleep_until(t0 + std::chrono::seconds(4));
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "leaked")) << "the build's grandchild ran on";
}

TEST_F(ProcessTree, TestCommandsGrandchildDiesWithASigkilledCulprit) {
  auto t0 = std::chrono::steady_clock::now();
  start_and(args(kBuild, leaking_command("test", 3, "exit 0")), kKillCulprit);
  ASSERT_TRUE(std::filesystem::exists(tmp_ / "started")) << read_file(tmp_ / "output");
  auto left = wait_until_no_process_with_env("CULPRIT_TEST_TREE", tree_, 5);
  EXPECT_TRUE(left.empty()) << left.size() << " processes of the test run outlived culprit";
  std::this_thread::sleep_until(t0 + std::chrono::seconds(4));
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "leaked")) << "the test run's grandchild ran on";
}

// The backstop: culprit and its guardian both SIGKILLed. What the build
// started still runs; the next culprit in the same state directory ends it
// before it builds again.
TEST_F(ProcessTree, NextStartEndsWhatAKilledCulpritAndGuardianLeft) {
  auto t0 = std::chrono::steady_clock::now();
  std::string culprit_args =
      args(leaking_command("build", 6, kBuild), "sh " + (tmp_ / "test.sh").string());
  auto r = start_and(
      culprit_args,
      "g=; for d in /proc/[0-9]*; do [ \"$(cat $d/comm 2>/dev/null)\" = culprit-guard ] && "
      "[ \"$(cut -d' ' -f4 $d/stat 2>/dev/null)\" = \"$pid\" ] && g=\"$g ${d#/proc/}\"; done; "
      "echo \"guardian:$g\"; [ -n \"$g\" ] && kill -KILL $g; " +
          kKillCulprit);
  ASSERT_TRUE(std::filesystem::exists(tmp_ / "started")) << read_file(tmp_ / "output");
  ASSERT_NE(r.output.find("guardian: "), std::string::npos) << "no guardian found:\n" << r.output;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_FALSE(processes_with_env("CULPRIT_TEST_TREE", tree_).empty())
      << "nothing was left running: the test shows nothing";

  auto resumed = run_culprit(culprit_args);
  EXPECT_EQ(resumed.status(), 0) << resumed.output;
  EXPECT_NE(resumed.output.find("left running by an earlier culprit"), std::string::npos)
      << resumed.output;
  auto left = wait_until_no_process_with_env("CULPRIT_TEST_TREE", tree_, 5);
  EXPECT_TRUE(left.empty()) << left.size() << " processes of the first culprit remain";
  std::this_thread::sleep_until(t0 + std::chrono::seconds(7));
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "leaked")) << "the build's grandchild ran on";
  EXPECT_TRUE(std::filesystem::is_empty(tmp_ / "state" / "command-owners"))
      << "a culprit that ended normally leaves no record";
}

// The first SIGINT asks culprit to stop; while it cannot (here: the state
// database is locked by another program, so recording a run waits), a
// second one ends it at once with exit status 3, and nothing it started
// runs on.
TEST_F(ProcessTree, SecondSigintEndsACulpritThatIsBusyStopping) {
  auto db = tmp_ / "state" / "state.db";
  auto go = tmp_ / "go";
  std::string test = "touch " + (tmp_ / "started").string() + "; until [ -e " + go.string() +
                     " ]; do sleep 0.02; done; sh " + (tmp_ / "test.sh").string();
  auto r = start_and(
      args(kBuild, test),
      // Hold the database's write lock, then let the run finish.
      "(echo 'BEGIN IMMEDIATE;'; sleep 60) | sqlite3 -cmd '.timeout 5000' " + db.string() +
          " & holder=$!; n=0; while sqlite3 -cmd '.timeout 0' " + db.string() +
          " 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 && [ $n -lt 500 ]; do sleep 0.02; "
          "n=$((n+1)); done; touch " +
          go.string() +
          "; sleep 1; kill -INT $pid; sleep 1;"
          " if kill -0 $pid 2>/dev/null; then echo busy; fi;"
          " t0=$(date +%s.%N); kill -INT $pid; wait $pid; s=$?; t1=$(date +%s.%N);"
          " kill $holder; echo \"status $s after $(awk \"BEGIN{print $t1 - $t0}\")\"");
  ASSERT_TRUE(std::filesystem::exists(tmp_ / "started")) << read_file(tmp_ / "output");
  EXPECT_NE(r.output.find("busy"), std::string::npos)
      << "culprit stopped at the first SIGINT: the test shows nothing\n"
      << r.output << read_file(tmp_ / "output");
  auto pos = r.output.find("status ");
  ASSERT_NE(pos, std::string::npos) << r.output;
  int status = -1;
  double seconds = 0;
  std::sscanf(r.output.c_str() + pos, "status %d after %lf", &status, &seconds);
  EXPECT_EQ(status, 3) << r.output;
  EXPECT_NE(read_file(tmp_ / "output").find("interrupted again"), std::string::npos)
      << read_file(tmp_ / "output");
  // The database's busy timeout is 10 s: well before it, culprit is gone.
  EXPECT_LT(seconds, 5) << r.output;
  auto left = wait_until_no_process_with_env("CULPRIT_TEST_TREE", tree_, 5);
  EXPECT_TRUE(left.empty()) << left.size() << " processes outlived culprit";
}

}  // namespace
}  // namespace culprit::testing
