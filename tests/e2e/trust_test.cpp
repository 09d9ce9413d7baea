// Issue 13: ways a bisection could give a different or wrong answer without
// saying so, through the culprit binary on real git repositories.
#include <set>

#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

class Trust : public BisectE2E {};

// Point 4: a build script that exits 0 without writing the artifact on some
// commits. Before the fix, the artifact the previous commit's build left in
// the work tree passed for theirs, and they were judged on that binary.
TEST_F(Trust, ACommitWhoseBuildWritesNoArtifactIsAFailedBuildNotTheLastOnesBinary) {
  std::vector<std::string> c;
  std::set<std::string> broken;
  for (int i = 0; i < 40; ++i) {
    if (i == 10) repo_.commit("broken.flag", "x\n", "break the build script's output");
    if (i == 23) sh("git rm -q broken.flag && git commit -qm 'mend the build'", repo_.path());
    c.push_back(i == 30 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
    if (i >= 10 && i < 23) broken.insert(c.back());
  }
  std::string build = "if [ -f broken.flag ]; then exit 0; fi; cat *.txt > build.out";
  auto json = tmp_ / "r.json";
  auto r = run_culprit("bisect --repo " + repo_.path().string() + " --state " +
                       (tmp_ / "state").string() + " --commit " + c.back() + " --good " + c[0] +
                       " --build " + shell_quote(build) + " --artifact build.out --test " +
                       shell_quote("sh " + (tmp_ / "test.sh").string()) + " --strategy syzbot" +
                       " --runs 2 --json " + json.string());
  ASSERT_EQ(r.status(), 0) << r.output;
  auto j = nlohmann::json::parse(read_file(json));
  int tested_broken = 0;
  for (const auto& s : j["steps"]) {
    if (!broken.count(s["hash"])) continue;
    ++tested_broken;
    EXPECT_EQ(s["verdict"], "skip") << s.dump();
    EXPECT_EQ(s["build_error"], "artifact build.out was not produced") << s.dump();
  }
  EXPECT_GT(tested_broken, 0) << "the bisection never met the broken stretch";
  ASSERT_EQ(j["verdict"], "found") << r.output;
  EXPECT_EQ(j["commits"][0]["hash"], c[30]);
}

// Point 3: a build killed by the machine (here SIGKILL, as the OOM killer
// sends it) is retried, never a skip of the commit.
TEST_F(Trust, ABuildTheMachineKillsIsRetriedNotSkipped) {
  std::vector<std::string> c;
  for (int i = 0; i < 30; ++i)
    c.push_back(i == 17 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  auto counts = tmp_ / "counts";
  std::filesystem::create_directories(counts);
  // Every commit's first two builds are killed.
  std::string build = "f=" + counts.string() +
                      "/$CULPRIT_COMMIT; n=$(cat $f 2>/dev/null || echo 0); echo $((n+1)) > $f; "
                      "[ $n -ge 2 ] || kill -9 $$; cat *.txt > build.out";
  auto json = tmp_ / "r.json";
  auto r =
      run_culprit("bisect --repo " + repo_.path().string() + " --state " +
                  (tmp_ / "state").string() + " --commit " + c.back() + " --good " + c[0] +
                  " --build " + shell_quote(build) + " --artifact build.out --test " +
                  shell_quote("sh " + (tmp_ / "test.sh").string()) + " --json " + json.string());
  ASSERT_EQ(r.status(), 0) << r.output;
  auto j = nlohmann::json::parse(read_file(json));
  ASSERT_EQ(j["verdict"], "found") << r.output;
  EXPECT_EQ(j["commits"][0]["hash"], c[17]);
  for (const auto& s : j["steps"]) EXPECT_FALSE(s.contains("build_error")) << s.dump();
  EXPECT_NE(r.output.find("build failed for a reason outside the commit (attempt 2 of 3)"),
            std::string::npos)
      << r.output;
}

TEST_F(Trust, AMachineThatKeepsKillingBuildsAbortsResumablyWithoutAVerdict) {
  std::vector<std::string> c;
  for (int i = 0; i < 30; ++i)
    c.push_back(i == 17 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  auto broken_machine = tmp_ / "oom";
  write_file_atomic(broken_machine, "");
  // Every build but the start commit's is killed while the file exists.
  std::string build = "if [ -f " + broken_machine.string() +
                      " ] && [ $CULPRIT_COMMIT != " + c.back() +
                      " ]; then kill -9 $$; fi; cat *.txt > build.out";
  auto json = tmp_ / "r.json";
  std::string args = "bisect --repo " + repo_.path().string() + " --state " +
                     (tmp_ / "state").string() + " --commit " + c.back() + " --good " + c[0] +
                     " --build " + shell_quote(build) + " --artifact build.out --test " +
                     shell_quote("sh " + (tmp_ / "test.sh").string()) + " --json " + json.string();
  auto r = run_culprit(args);
  EXPECT_EQ(r.status(), 3) << r.output;
  EXPECT_NE(r.output.find("failed 3 times for reasons outside the commit"), std::string::npos)
      << r.output;
  auto aborted = nlohmann::json::parse(read_file(json));
  EXPECT_TRUE(aborted["aborted"].get<bool>());
  std::filesystem::remove(broken_machine);
  auto resumed = run_culprit(args);
  ASSERT_EQ(resumed.status(), 0) << resumed.output;
  auto j = nlohmann::json::parse(read_file(json));
  ASSERT_EQ(j["verdict"], "found");
  EXPECT_EQ(j["commits"][0]["hash"], c[17]);
  for (const auto& s : j["steps"]) EXPECT_NE(s["verdict"], "skip") << s.dump();
}

}  // namespace
}  // namespace culprit::testing
