// The posterior strategy end to end: a real git repository, a test that
// crashes in about 40% of its runs on bad commits.
#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PosteriorBisection : public BisectE2E {
 protected:
  // The fixture's test, but a bad commit crashes in 2 of 5 runs (chosen by a
  // hash of commit and run index: flaky, yet the same on every machine).
  void flaky_test_40() {
    std::string text = read_file(tmp_ / "test.sh");
    const std::string from = "[ $((h % FLAKY)) -eq 0 ] || exit 0";
    auto at = text.find(from);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, from.size(), "[ $((h % 5)) -lt 2 ] || exit 0");
    write_file_atomic(tmp_ / "test.sh", text);
  }
};

TEST_F(PosteriorBisection, FindsTheCulpritOfAFlakyCrashWithConfidenceAndVerification) {
  flaky_test_40();
  std::vector<std::string> c;
  std::string bug;
  for (int i = 0; i < 40; ++i) {
    c.push_back(i == 23 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
    if (i == 23) bug = c.back();
    if (i == 2) repo_.tag("v1.0");
  }
  auto o = bisect("--strategy posterior --commit " + c.back(), "FLAKY=1");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "found") << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{bug}) << o.output;
  EXPECT_EQ(o.result["strategy"], "posterior");
  EXPECT_GE(o.result["confidence"].get<double>(), 0.95);
  ASSERT_TRUE(o.result.contains("candidates")) << o.output;
  ASSERT_FALSE(o.result["candidates"].empty());
  EXPECT_EQ(o.result["candidates"][0]["hash"], bug);
  EXPECT_GE(o.result["candidates"][0]["probability"].get<double>(), 0.95);
  ASSERT_TRUE(o.result.contains("verification")) << o.result.dump();
  const auto& v = o.result["verification"];
  EXPECT_TRUE(v["passed"].get<bool>()) << v.dump();
  EXPECT_GT(v["culprit_runs"].get<int>(), 0);
  EXPECT_GT(v["culprit_crashed"].get<int>(), 0);
  EXPECT_GT(v["parent_runs"].get<int>(), 0);
  EXPECT_EQ(v["parent_crashed"].get<int>(), 0);
  EXPECT_THAT(o.output, HasSubstr("verification passed"));
  EXPECT_TRUE(v["culprit_passed"].get<bool>());
  EXPECT_TRUE(v["parent_passed"].get<bool>());
  // The culprit reverted on top of --commit no longer crashes.
  const auto& rev = v["revert"];
  ASSERT_TRUE(rev.contains("commit")) << v.dump();
  EXPECT_EQ(rev["onto"], c.back());
  EXPECT_GT(rev["runs"].get<int>(), 0);
  EXPECT_EQ(rev["crashed"].get<int>(), 0);
  EXPECT_TRUE(rev["passed"].get<bool>());
  EXPECT_THAT(o.output, HasSubstr("revert check: " + bug.substr(0, 12) + " reverted on top of"));
  // Every commit is built once, however often the search came back to it.
  std::set<std::string> built;
  for (const auto& s : o.result["steps"])
    if (!s.contains("reused_from")) built.insert(s["hash"].get<std::string>());
  // ... and the revert check built one commit more.
  EXPECT_EQ(o.result["builds"].get<int>(), static_cast<int>(built.size()) + 1);
}

// A second, independent cause later in the range: the first bad commit is
// the most probable, but reverting it on top of --commit does not make the
// crash go away: issue 13, point 5, the result is `unverified` (never
// `found`) and says why. Before, it was "found" with the confidence halved.
TEST_F(PosteriorBisection, RevertCheckFailsWhenTheCrashHasASecondCause) {
  std::vector<std::string> c;
  for (int i = 0; i < 24; ++i)
    c.push_back(i == 9    ? code_commit(i, "bug.txt", "BUG\n")
                : i == 18 ? code_commit(i, "bug2.txt", "BUG\n")
                          : code_commit(i));
  auto o = bisect("--good " + c[0] + " --commit " + c.back());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "unverified") << o.output;
  ASSERT_FALSE(o.result["commits"].empty());
  EXPECT_EQ(o.result["commits"][0]["hash"], c[9]) << o.output;
  const auto& v = o.result["verification"];
  EXPECT_TRUE(v["parent_passed"].get<bool>()) << v.dump();
  EXPECT_GT(v["revert"]["crashed"].get<int>(), 0) << v.dump();
  EXPECT_FALSE(v["revert"]["passed"].get<bool>());
  EXPECT_FALSE(v["passed"].get<bool>());
  EXPECT_THAT(o.result["contradiction"].get<std::string>(), HasSubstr("survives the revert"));
  EXPECT_THAT(o.output, HasSubstr("verification failed"));
  EXPECT_THAT(o.output, HasSubstr("verification contradicts the answer"));
  // The parent's runs from the search were only topped up; with the revert
  // still crashing it gets a full re-test (issue 14, item 3).
  EXPECT_THAT(o.output, HasSubstr("the crash survives the revert: more runs on the parent"));
  EXPECT_THAT(o.output, Not(HasSubstr("is the first bad commit")));
  EXPECT_TRUE(o.result["recipients"]["to"].empty()) << "nobody is told of an unconfirmed culprit";
}

// The commit given as good crashes too (the bug is older than the range):
// verification's runs on the culprit's parent, the range's good end, show
// the crash. Issue 13, point 5: `unverified`, not "found".
TEST_F(PosteriorBisection, AParentTakenAsGoodThatCrashesLeavesTheResultUnverified) {
  std::vector<std::string> c;
  for (int i = 0; i < 30; ++i)
    c.push_back(i == 6 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  auto o = bisect("--good " + c[12] + " --commit " + c.back());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "unverified") << o.output;
  ASSERT_FALSE(o.result["commits"].empty());
  EXPECT_EQ(o.result["commits"][0]["hash"], c[13]) << o.output;
  EXPECT_FALSE(o.result["verification"]["parent_passed"].get<bool>());
  EXPECT_THAT(o.result["contradiction"].get<std::string>(), HasSubstr("taken as good, crashed"));
  EXPECT_THAT(o.output, Not(HasSubstr("is the first bad commit")));
}

// The culprit's change was edited later: it does not revert cleanly, which
// is said, and the other checks decide.
// Issue 18, point 3: on a long range the revert on top of --commit
// conflicts with later work on the same lines; the culprit is then reverted
// on top of its nearest tested descendant that crashed, where it still
// reverts cleanly, and the JSON and the log say where.
TEST_F(PosteriorBisection, RevertCheckTriesANearerCrashingDescendantWhenTheCommitConflicts) {
  std::vector<std::string> c;
  for (int i = 0; i < 20; ++i)
    c.push_back(i == 7    ? code_commit(i, "bug.txt", "BUG\n")
                : i == 12 ? code_commit(i, "bug.txt", "BUG\nBUG again\n")
                          : code_commit(i));
  auto o = bisect("--good " + c[0] + " --commit " + c.back());
  ASSERT_EQ(o.status, 0) << o.output;
  ASSERT_EQ(o.result["verdict"], "found") << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{c[7]}) << o.output;
  const auto& rev = o.result["verification"]["revert"];
  ASSERT_TRUE(rev.contains("failed")) << rev.dump();
  EXPECT_EQ(rev["failed"][0]["onto"], c.back());
  EXPECT_THAT(rev["failed"][0]["reason"].get<std::string>(), HasSubstr("bug.txt"));
  // Reverted where bug.txt is still as the culprit wrote it, on a commit
  // the bisection saw crash.
  ASSERT_TRUE(rev.contains("onto")) << rev.dump();
  const std::string onto = rev["onto"];
  auto at = std::find(c.begin(), c.end(), onto);
  ASSERT_NE(at, c.end());
  EXPECT_GT(at - c.begin(), 7);
  EXPECT_LT(at - c.begin(), 12);
  EXPECT_EQ(rev["crashed"], 0);
  EXPECT_TRUE(rev["passed"].get<bool>()) << rev.dump();
  EXPECT_TRUE(o.result["verification"]["passed"].get<bool>());
  EXPECT_THAT(o.output, HasSubstr("revert check: cannot revert " + c[7].substr(0, 12) +
                                  " on top of " + c.back().substr(0, 12)));
  EXPECT_THAT(o.output, HasSubstr("revert check: " + c[7].substr(0, 12) + " reverted on top of " +
                                  onto.substr(0, 12)));
}

// Where every crashing descendant changed the culprit's lines again, the
// revert check is skipped and says why; the other checks decide.
TEST_F(PosteriorBisection, RevertCheckIsSkippedWhenTheCulpritRevertsCleanlyNowhere) {
  std::vector<std::string> c;
  for (int i = 0; i < 20; ++i)
    c.push_back(i == 7   ? code_commit(i, "bug.txt", "BUG\n")
                : i == 8 ? code_commit(i, "bug.txt", "BUG\nBUG again\n")
                         : code_commit(i));
  auto o = bisect("--good " + c[0] + " --commit " + c.back());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{c[7]}) << o.output;
  const auto& v = o.result["verification"];
  EXPECT_THAT(v["revert"]["skipped"].get<std::string>(), HasSubstr("bug.txt")) << v.dump();
  EXPECT_THAT(v["revert"]["skipped"].get<std::string>(), HasSubstr("tested descendant"));
  EXPECT_GE(v["revert"]["failed"].size(), 2u) << v.dump();
  EXPECT_TRUE(v["revert"]["passed"].is_null());
  EXPECT_TRUE(v["passed"].get<bool>()) << v.dump();
  EXPECT_GE(o.result["confidence"].get<double>(), 0.95);
  EXPECT_THAT(o.output, HasSubstr("revert check skipped: cannot revert it on"));
}

// --title names the crash being bisected (as syzbot's bug title): the
// bisection follows it, and a start commit that never shows it has not
// reproduced the crash, whatever else it shows.
TEST_F(PosteriorBisection, TitleNamesTheCrashToBisect) {
  std::vector<std::string> c;
  for (int i = 0; i < 16; ++i)
    c.push_back(i == 6 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  auto o = bisect("--good " + c[0] + " --commit " + c.back() + " --title " +
                  shell_quote("heap-use-after-free in cache_lookup"));
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{c[6]}) << o.output;
  EXPECT_THAT(o.output, HasSubstr("crash to bisect: heap-use-after-free in cache_lookup"));

  auto other = bisect("--restart --good " + c[0] + " --commit " + c.back() + " --title " +
                      shell_quote("KASAN: slab-out-of-bounds Read in elsewhere"));
  EXPECT_EQ(other.status, 1) << other.output;
  EXPECT_THAT(other.output, HasSubstr("does not reproduce"));
}

TEST_F(PosteriorBisection, NoVerifyLeavesTheCheckOut) {
  std::vector<std::string> c;
  for (int i = 0; i < 20; ++i)
    c.push_back(i == 9 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  auto o = bisect("--strategy posterior --no-verify --good " + c[0] + " --commit " + c.back());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{c[9]});
  EXPECT_FALSE(o.result.contains("verification"));
}

TEST_F(PosteriorBisection, ParallelIsAcceptedAndFindsTheSameCulprit) {
  std::vector<std::string> c;
  for (int i = 0; i < 30; ++i)
    c.push_back(i == 17 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  auto o = bisect("--strategy posterior --parallel 3 --good " + c[0] + " --commit " + c.back());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{c[17]});
}

TEST_F(PosteriorBisection, ParallelNeedsThePosteriorStrategy) {
  std::vector<std::string> c;
  for (int i = 0; i < 3; ++i) c.push_back(code_commit(i));
  auto o = bisect("--strategy syzbot --parallel 2 --commit " + c.back());
  EXPECT_EQ(o.status, 2);
  EXPECT_THAT(o.output, HasSubstr("--parallel needs --strategy posterior"));
}

}  // namespace
}  // namespace culprit::testing
