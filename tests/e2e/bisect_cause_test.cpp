#include <map>

#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// v1.0 .. v1.3 on a linear history with a feature branch merged in; the bug
// comes in at `bug_at`.
struct LinearHistory {
  std::vector<std::string> commits;
  std::string bug;
};

class CauseBisection : public BisectE2E {
 protected:
  LinearHistory make_history(int n, int bug_at, std::vector<std::pair<int, std::string>> tags) {
    LinearHistory h;
    for (int i = 0; i < n; ++i) {
      std::string hash = i == bug_at ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i);
      h.commits.push_back(hash);
      if (i == bug_at) h.bug = hash;
      for (const auto& [at, name] : tags)
        if (at == i) repo_.tag(name);
    }
    return h;
  }
};

TEST_F(CauseBisection, FindsTheCulpritAfterWalkingBackOverReleases) {
  // A side branch from before the bug, merged after it.
  std::vector<std::string> c;
  for (int i = 0; i < 8; ++i) c.push_back(code_commit(i));
  repo_.tag("v1.0");
  repo_.branch("feature");
  for (int i = 100; i < 104; ++i) code_commit(i);
  repo_.checkout("master");
  for (int i = 8; i < 14; ++i) c.push_back(code_commit(i));
  repo_.tag("v1.1");
  c.push_back(code_commit(14));
  std::string bug = code_commit(15, "bug.txt", "BUG\n");
  for (int i = 16; i < 20; ++i) code_commit(i);
  repo_.merge("feature", "Merge branch 'feature'");
  for (int i = 20; i < 26; ++i) code_commit(i);
  repo_.tag("v1.2");
  for (int i = 26; i < 30; ++i) code_commit(i);
  std::string tip = repo_.head();

  auto o = bisect("--commit " + tip);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "found") << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{bug});
  EXPECT_EQ(o.result["mode"], "cause");
  EXPECT_FALSE(o.result["noop_change"].get<bool>());
  EXPECT_FALSE(o.result["is_release"].get<bool>());
  EXPECT_FALSE(o.result["report"].is_null());
  EXPECT_GT(o.result["confidence"].get<double>(), 0.9);
  EXPECT_EQ(o.result["revisions_tested"].get<int>(), static_cast<int>(o.result["steps"].size()));
  EXPECT_THAT(o.output, HasSubstr("bisecting cause commit starting from " + tip));
  EXPECT_THAT(o.output, HasSubstr("testing release v1.2"));
  EXPECT_THAT(o.output, HasSubstr("# git bisect start"));
  EXPECT_THAT(o.output, HasSubstr(bug + " is the first bad commit"));
  EXPECT_THAT(o.output, HasSubstr("first bad commit: " + bug + " change 15"));
  EXPECT_THAT(o.output, HasSubstr("revisions tested: "));
  EXPECT_THAT(o.output, HasSubstr("recipients (to): [\"Test Author <author@example.com>\""));
}

TEST_F(CauseBisection, FlakyCrashOneInSixRunsIsStillFound) {
  auto h = make_history(40, 23, {{2, "v1.0"}, {12, "v1.1"}, {30, "v1.2"}});
  auto o = bisect("--commit " + h.commits.back(), "FLAKY=6");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "found") << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{h.bug}) << o.output;
}

TEST_F(CauseBisection, CrashNotReproducedOnStartCommitExitsOne) {
  auto h = make_history(10, -1, {{2, "v1.0"}});
  auto o = bisect("--commit " + h.commits.back());
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_THAT(o.output, HasSubstr("does not reproduce"));
  ASSERT_TRUE(o.result.is_object()) << "--json is written for exit status 1 too";
  EXPECT_FALSE(o.result["reproduced"].get<bool>());
}

TEST_F(CauseBisection, CrashOnOldestRelease) {
  auto h = make_history(20, 1, {{3, "v1.0"}, {10, "v1.1"}, {15, "v1.2"}});
  auto o = bisect("--commit " + h.commits.back());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "crash-on-oldest");
  EXPECT_TRUE(o.result["commits"].empty());
  EXPECT_EQ(o.result["boundary"]["hash"], h.commits[3]);
  EXPECT_FALSE(o.result["report"].is_null());
}

TEST_F(CauseBisection, NoReleaseAtAllIsCrashOnOldestAtTheStartCommit) {
  auto h = make_history(6, 1, {});
  auto o = bisect("--commit " + h.commits.back());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "crash-on-oldest");
  EXPECT_EQ(o.result["boundary"]["hash"], h.commits.back());
}

TEST_F(CauseBisection, UntestableRangeGivesInconclusiveCandidateSet) {
  std::vector<std::string> c;
  for (int i = 0; i < 12; ++i) c.push_back(code_commit(i));
  repo_.tag("v1.0");
  c.push_back(code_commit(12, "broken.txt", "UNTESTABLE\n"));
  for (int i = 13; i < 19; ++i)
    c.push_back(i == 15 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  std::filesystem::remove(repo_.path() / "broken.txt");
  c.push_back(code_commit(19));
  c.push_back(code_commit(20));
  auto o = bisect("--commit " + c.back());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "inconclusive") << o.output;
  auto got = hashes(o.result["commits"]);
  std::sort(got.begin(), got.end());
  std::vector<std::string> want(c.begin() + 12,
                                c.begin() + 20);  // 12..18 skipped, 19 first testable bad
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want) << o.output;
  EXPECT_THAT(o.output, HasSubstr("bisection is inconclusive"));
}

TEST_F(CauseBisection, AllReleasesUntestableIsInconclusive) {
  std::vector<std::string> c;
  for (int i = 0; i < 12; ++i) {
    bool release = i == 2 || i == 6 || i == 9;
    if (release) {
      c.push_back(code_commit(i, "rel.txt", "UNTESTABLE\n"));
      repo_.tag(i == 2 ? "v1.0" : i == 6 ? "v1.1" : "v1.2");
    } else {
      std::filesystem::remove(repo_.path() / "rel.txt");
      c.push_back(i == 10 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
    }
  }
  auto o = bisect("--commit " + c.back());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "inconclusive") << o.output;
  auto got = hashes(o.result["commits"]);
  // Everything from the oldest release up to the start commit may be it.
  for (int i = 2; i < 12; ++i)
    EXPECT_NE(std::find(got.begin(), got.end(), c[i]), got.end()) << "missing commit " << i;
  EXPECT_EQ(std::find(got.begin(), got.end(), c[1]), got.end());
}

TEST_F(CauseBisection, CulpritIsAReleaseCommit) {
  auto h = make_history(20, 10, {{3, "v1.0"}, {10, "v1.1"}, {15, "v1.2"}});
  auto o = bisect("--commit " + h.commits.back());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{h.bug});
  EXPECT_TRUE(o.result["is_release"].get<bool>());
}

TEST_F(CauseBisection, StartCommitNotReachableFromTheDefaultBranch) {
  for (int i = 0; i < 6; ++i) code_commit(i);
  repo_.tag("v1.0");
  for (int i = 6; i < 10; ++i) code_commit(i);
  repo_.branch("topic");
  code_commit(10);
  std::string bug = code_commit(11, "bug.txt", "BUG\n");
  code_commit(12);
  std::string start = code_commit(13);
  repo_.checkout("master");
  for (int i = 20; i < 25; ++i) code_commit(i);
  auto o = bisect("--commit " + start);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{bug});
}

TEST_F(CauseBisection, GoodCommitSkipsTheReleaseWalk) {
  auto h = make_history(30, 17, {{3, "v1.0"}});
  auto o = bisect("--commit " + h.commits.back() + " --good " + h.commits[10]);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{h.bug});
  EXPECT_THAT(o.output, ::testing::Not(HasSubstr("testing release")));
}

TEST_F(CauseBisection, SyzbotStrategyFindsADeterministicCrash) {
  auto h = make_history(30, 17, {{3, "v1.0"}, {20, "v1.1"}});
  auto o = bisect("--commit " + h.commits.back() + " --strategy syzbot --runs 6");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{h.bug});
  for (const auto& step : o.result["steps"]) {
    const auto& runs = step["runs"];
    EXPECT_EQ(runs["ok"].get<int>() + runs["crashed"].get<int>() + runs["skipped"].get<int>(), 6);
  }
}

TEST_F(CauseBisection, IdenticalBinariesReuseResults) {
  // The bug lands in code; a long run of documentation-only commits follows,
  // all with the bug's binary.
  std::vector<std::string> c;
  for (int i = 0; i < 6; ++i) c.push_back(code_commit(i));
  std::string bug = code_commit(6, "bug.txt", "BUG\n");
  for (int i = 7; i < 30; ++i) doc_commit(i);
  std::string tip = repo_.head();
  auto o = bisect("--commit " + tip + " --good " + c[1]);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{bug});
  // Not a kernel: the log says "build signature" (issue 18, point 4).
  EXPECT_THAT(o.output, HasSubstr("build signature matches "));
  EXPECT_THAT(o.output, HasSubstr("reusing its result"));
  EXPECT_THAT(o.output, HasSubstr("\nbuild signature: "));
  EXPECT_THAT(o.output, Not(HasSubstr("kernel signature")));
  int reused = 0, builds = 0;
  for (const auto& step : o.result["steps"])
    if (step.contains("reused_from")) ++reused;
  builds = o.result["builds"].get<int>();
  EXPECT_GT(reused, 0);
  EXPECT_LE(builds, o.result["revisions_tested"].get<int>() + 1);
  int run_commits = o.result["revisions_tested"].get<int>() - reused;
  EXPECT_LT(run_commits, builds) << "identical binaries are built but not run";
  std::printf("signature reuse: %d revisions tested, %d builds, %d of them run, %d test runs\n",
              o.result["revisions_tested"].get<int>(), builds, run_commits,
              o.result["test_runs"].get<int>());
  EXPECT_FALSE(o.result["noop_change"].get<bool>());
}

TEST_F(CauseBisection, NoopChangeIsDetected) {
  // The crash depends on a file the build does not use: the culprit's binary
  // equals its parent's, so the answer is flagged.
  std::vector<std::string> c;
  for (int i = 0; i < 6; ++i) c.push_back(code_commit(i));
  std::string culprit = repo_.commit("trigger.md", "BUG\n", "docs: add trigger");
  for (int i = 7; i < 16; ++i) c.push_back(code_commit(i));
  auto o = bisect("--commit " + repo_.head() + " --good " + c[5], "BUG_FILE=trigger.md");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{culprit});
  EXPECT_TRUE(o.result["noop_change"].get<bool>()) << o.output;
  EXPECT_THAT(o.output, HasSubstr("culprit signature: "));
  EXPECT_THAT(o.output, HasSubstr("parent  signature: "));
}

TEST_F(CauseBisection, RerunWithTheSameCommandReplaysWithoutRebuilding) {
  auto h = make_history(20, 12, {{3, "v1.0"}});
  auto first = bisect("--commit " + h.commits.back());
  ASSERT_EQ(first.status, 0) << first.output;
  // Every build and run leaves a log; a replay must not write any.
  auto logs_state = [&] {
    std::map<std::string, std::filesystem::file_time_type> m;
    for (const auto& e : std::filesystem::recursive_directory_iterator(tmp_ / "state" / "logs"))
      m[e.path().string()] = std::filesystem::last_write_time(e.path());
    return m;
  };
  auto before = logs_state();
  auto second = bisect("--commit " + h.commits.back());
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_EQ(first.result["commits"], second.result["commits"]);
  EXPECT_EQ(first.result["builds"], second.result["builds"]);
  EXPECT_EQ(first.result["test_runs"], second.result["test_runs"]);
  EXPECT_EQ(before, logs_state())
      << "a finished bisection replays from its state without building or testing";
  // The same log, after the note (on stderr) that it resumed, but for the
  // line of times (this process's elapsed time and overhead differ).
  EXPECT_THAT(second.output, HasSubstr("culprit: resuming the bisection"));
  auto without_times = [](const std::string& log) {
    std::string out;
    for (auto line : split_lines(log))
      if (!starts_with(line, "revisions tested:")) out += std::string(line) + "\n";
    return out;
  };
  EXPECT_EQ(without_times(first.output),
            without_times(second.output.substr(second.output.find('\n') + 1)));
}

}  // namespace
}  // namespace culprit::testing

namespace culprit::testing {
namespace {

TEST_F(BisectE2E, CommitsWithTheSameTreeAreBuiltOnce) {
  // Revert pairs and empty merges: many commits, few distinct trees.
  std::vector<std::string> c;
  for (int i = 0; i < 4; ++i) c.push_back(code_commit(i));
  for (int i = 0; i < 12; ++i) {
    repo_.commit("feature.txt", "feature\n", "add feature " + std::to_string(i));
    repo_.git("rm -q feature.txt");
    repo_.git("commit -q -m " + shell_quote("Revert \"add feature " + std::to_string(i) + "\""));
    repo_.branch("empty" + std::to_string(i));
    repo_.checkout("master");
    repo_.git("merge -q --no-ff -m " + shell_quote("Merge empty" + std::to_string(i)) + " empty" +
              std::to_string(i));
  }
  std::string bug = code_commit(50, "bug.txt", "BUG\n");
  for (int i = 51; i < 54; ++i) code_commit(i);
  // The start commit reverts a change made after v1.1: the walk over
  // releases meets its tree again whatever order the bisection tests in.
  repo_.tag("v1.0", c[1]);
  repo_.tag("v1.1");
  repo_.commit("late.txt", "late\n", "add late");
  repo_.git("rm -q late.txt");
  repo_.git("commit -q -m " + shell_quote("Revert \"add late\""));
  auto o = bisect("--commit " + repo_.head());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{bug});
  EXPECT_THAT(o.output, ::testing::HasSubstr("same source tree"));
  // The revert check's build is verification, not a revision of the range.
  int revert_builds = o.result["verification"]["revert"].contains("commit") ? 1 : 0;
  EXPECT_LT(o.result["builds"].get<int>() - revert_builds, o.result["revisions_tested"].get<int>())
      << o.output;
  std::printf("same-tree cache: %d revisions tested, %d builds\n",
              o.result["revisions_tested"].get<int>(), o.result["builds"].get<int>());
}

}  // namespace
}  // namespace culprit::testing

namespace culprit::testing {
namespace {

TEST_F(BisectE2E, AnEarlierBisectionsRunsOfTheSameBinaryAreReused) {
  std::vector<std::string> c;
  for (int i = 0; i < 30; ++i)
    c.push_back(i == 19 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  auto first = bisect("--commit " + c.back() + " --good " + c[2]);
  ASSERT_EQ(first.status, 0) << first.output;
  // Another bisection in the same state directory: the start commit and
  // every commit tested before are identical binaries.
  auto second = bisect("--commit " + c.back() + " --good " + c[5]);
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_EQ(second.result["commits"], first.result["commits"]);
  EXPECT_THAT(second.output, ::testing::HasSubstr("tested in an earlier bisection, reusing its"));
  EXPECT_THAT(second.output,
              ::testing::HasSubstr("built in an earlier bisection, reusing its build"));
  EXPECT_LT(second.result["builds"].get<int>(), first.result["builds"].get<int>()) << second.output;
  EXPECT_LT(second.result["test_runs"].get<int>(), first.result["test_runs"].get<int>())
      << second.output;
  std::printf("second bisection in the same state: builds %d -> %d, test runs %d -> %d\n",
              first.result["builds"].get<int>(), second.result["builds"].get<int>(),
              first.result["test_runs"].get<int>(), second.result["test_runs"].get<int>());
}

TEST_F(BisectE2E, CacheSizeEvictsOldArtifacts) {
  std::vector<std::string> c;
  for (int i = 0; i < 40; ++i)
    c.push_back(i == 25 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  std::string args =
      "bisect --repo " + repo_.path().string() + " --state " + (tmp_ / "state").string() +
      " --commit " + c.back() + " --good " + c[0] +
      " --build 'cat *.txt > \"$CULPRIT_OUT/bin\"; head -c 100000 /dev/zero >> "
      "\"$CULPRIT_OUT/bin\"'"
      " --artifact '$CULPRIT_OUT/bin' --test 'grep -q BUG \"$CULPRIT_OUT/bin\" && exit 1; exit 0'"
      " --cache-size 250K";
  auto r = run_culprit(args);
  ASSERT_EQ(r.status(), 0) << r.output;
  int kept = 0;
  for (const auto& d : std::filesystem::directory_iterator(tmp_ / "state" / "out"))
    if (std::filesystem::exists(d.path() / "bin")) ++kept;
  auto pos = r.output.find("builds: ");
  ASSERT_NE(pos, std::string::npos);
  int builds = std::stoi(r.output.substr(pos + 8));
  EXPECT_GE(builds, 5);
  EXPECT_LE(kept, 2) << "artifacts of 100 KB each under a 250 KB limit";
  EXPECT_GE(kept, 1);
}

}  // namespace
}  // namespace culprit::testing
