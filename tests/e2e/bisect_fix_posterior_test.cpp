// Fix bisection with the posterior strategy (the default), end to end on
// real git repositories: the mirror image of the cause search. A commit
// without the fix crashes at the rate p, one with it does not; verification
// checks that the fix's parent still crashes, and that the fix reverted on
// top of --head crashes again.
#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class FixPosterior : public BisectE2E {
 protected:
  // Linear history: the bug from commit 3, the fix at `fix_at`, `n` commits.
  std::vector<std::string> history(int n, int fix_at) {
    std::vector<std::string> c;
    for (int i = 0; i < n; ++i)
      c.push_back(i == 3        ? code_commit(i, "bug.txt", "BUG\n")
                  : i == fix_at ? code_commit(i, "bug.txt", "fixed\n")
                                : code_commit(i));
    return c;
  }
  // The fixture's test, with a guard: a build that holds GUARD never
  // crashes, whatever else it holds.
  void guarded_test() {
    std::string text = read_file(tmp_ / "test.sh");
    text.insert(text.find('\n') + 1, "if grep -q GUARD build.out; then exit 0; fi\n");
    write_file_atomic(tmp_ / "test.sh", text);
  }
};

// A crash that comes in about half the runs before the fix (FLAKY=2: by a
// hash of commit and run index, the same on every machine): the posterior
// names the fix exactly, and verifies it.
TEST_F(FixPosterior, FindsAFlakyFixExactlyAndVerifiesItByRevertingItOnHead) {
  auto c = history(40, 27);
  const std::string& fix = c[27];
  auto o = bisect("--fix --commit " + c[6], "FLAKY=2");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["mode"], "fix");
  EXPECT_EQ(o.result["strategy"], "posterior");
  ASSERT_EQ(o.result["verdict"], "found") << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{fix}) << o.output;
  EXPECT_TRUE(o.result["report"].is_null());
  EXPECT_GE(o.result["confidence"].get<double>(), 0.95);
  ASSERT_FALSE(o.result["candidates"].empty());
  EXPECT_EQ(o.result["candidates"][0]["hash"], fix);
  EXPECT_THAT(o.output, HasSubstr("posterior search over"));
  EXPECT_THAT(o.output, HasSubstr(fix + " is the first good commit"));
  EXPECT_THAT(o.output, HasSubstr("verifying the fix " + fix));
  ASSERT_TRUE(o.result.contains("verification")) << o.result.dump();
  const auto& v = o.result["verification"];
  EXPECT_TRUE(v["passed"].get<bool>()) << v.dump();
  EXPECT_TRUE(v["parent_passed"].get<bool>()) << v.dump();
  EXPECT_EQ(v["culprit_crashed"].get<int>(), 0) << "the fix itself never crashes";
  // Reverted on top of --head (here the repository's HEAD), the crash is back.
  const auto& rev = v["revert"];
  EXPECT_EQ(rev["onto"], c.back());
  EXPECT_GT(rev["runs"].get<int>(), 0);
  EXPECT_GT(rev["crashed"].get<int>(), 0) << rev.dump();
  EXPECT_TRUE(rev["passed"].get<bool>());
  EXPECT_THAT(o.output, HasSubstr("revert check: " + fix.substr(0, 12) + " reverted on top of " +
                                  c.back().substr(0, 12)));
  // The revert is no step of the bisection; every commit is built once.
  for (const auto& s : o.result["steps"]) EXPECT_NE(s["hash"], rev["commit"]);
  std::set<std::string> built;
  for (const auto& s : o.result["steps"])
    if (!s.contains("reused_from")) built.insert(s["hash"].get<std::string>());
  EXPECT_EQ(o.result["builds"].get<int>(), static_cast<int>(built.size()) + 1);
}

// The same flaky history with --strategy adaptive: the per-commit rules of
// before, no posterior, no revert check.
TEST_F(FixPosterior, AdaptiveStrategyKeepsThePerCommitRules) {
  auto c = history(24, 15);
  auto o = bisect("--fix --strategy adaptive --commit " + c[6]);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["strategy"], "adaptive");
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{c[15]}) << o.output;
  EXPECT_THAT(o.output, Not(HasSubstr("posterior search")));
  EXPECT_FALSE(o.result.contains("verification"));
}

// The crash stops at the fix, but a later commit guards against it too:
// the fix reverted on --head does not crash again, so the fix alone does
// not explain why --head is clean. The answer is `unverified`, with the
// reason, never `found`.
TEST_F(FixPosterior, RevertCheckOnHeadFailsWhenTheCrashIsGoneForAnotherReasonToo) {
  guarded_test();
  std::vector<std::string> c;
  for (int i = 0; i < 30; ++i)
    c.push_back(i == 3    ? code_commit(i, "bug.txt", "BUG\n")
                : i == 14 ? code_commit(i, "bug.txt", "fixed\n")
                : i == 21 ? code_commit(i, "guard.txt", "GUARD\n")
                          : code_commit(i));
  auto o = bisect("--fix --commit " + c[5]);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "unverified") << o.output;
  ASSERT_FALSE(o.result["commits"].empty());
  EXPECT_EQ(o.result["commits"][0]["hash"], c[14]) << o.output;
  const auto& v = o.result["verification"];
  EXPECT_TRUE(v["parent_passed"].get<bool>()) << v.dump();
  EXPECT_EQ(v["revert"]["onto"], c.back());
  EXPECT_GT(v["revert"]["runs"].get<int>(), 0) << v.dump();
  EXPECT_EQ(v["revert"]["crashed"].get<int>(), 0) << v.dump();
  EXPECT_FALSE(v["revert"]["passed"].get<bool>());
  EXPECT_FALSE(v["passed"].get<bool>());
  EXPECT_THAT(o.result["contradiction"].get<std::string>(), HasSubstr("does not come back"));
  EXPECT_THAT(o.output, HasSubstr("verification contradicts the answer"));
  EXPECT_THAT(o.output, HasSubstr("is not confirmed as the first good commit"));
  EXPECT_THAT(o.output, Not(HasSubstr("is the first good commit")));
  EXPECT_TRUE(o.result["recipients"]["to"].empty()) << "nobody is told of an unconfirmed fix";
}

// --head names a commit other than the repository's HEAD: the revert goes
// on top of it.
TEST_F(FixPosterior, TheRevertGoesOnTopOfTheGivenHead) {
  auto c = history(30, 12);
  auto o = bisect("--fix --commit " + c[5] + " --head " + c[20]);
  ASSERT_EQ(o.status, 0) << o.output;
  ASSERT_EQ(o.result["verdict"], "found") << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{c[12]});
  EXPECT_EQ(o.result["verification"]["revert"]["onto"], c[20]);
  EXPECT_TRUE(o.result["verification"]["revert"]["passed"].get<bool>());
}

// A side branch forked before the bug, merged after it: its commits never
// crash, and their clean runs say nothing about a fix (their history never
// had the crash). The posterior finds the fix on master.
TEST_F(FixPosterior, CleanCommitsWhoseHistoryNeverHadTheCrashAreNoEvidence) {
  auto [start, fix] = fix_after_merged_old_branch();
  auto o = bisect("--fix --commit " + start + " --head master", "FLAKY=2");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["strategy"], "posterior");
  EXPECT_EQ(o.result["verdict"], "found") << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{fix}) << o.output;
}

// The fix on a branch forked after the bug but before the start commit,
// merged later: the branch's commits do not crash, and nothing tested in
// the range shows that their history had the crash. The search tests the
// branch's fork point (outside the range); it crashes, so the branch's
// clean commits count, and the fix is named rather than the merge.
TEST_F(FixPosterior, AFixOnABranchForkedBeforeTheStartIsFoundThroughItsForkPoint) {
  for (int i = 0; i < 3; ++i) code_commit(i);
  code_commit(3, "bug.txt", "BUG\n");
  std::string fork = code_commit(4);
  repo_.branch("fixes");
  std::string fix = code_commit(100, "bug.txt", "fixed\n");
  code_commit(101);
  repo_.checkout("master");
  std::string start;
  for (int i = 5; i < 12; ++i) {
    std::string c = code_commit(i);
    if (i == 6) start = c;
  }
  repo_.merge("fixes", "Merge branch 'fixes'");
  for (int i = 12; i < 16; ++i) code_commit(i);
  auto o = bisect("--fix --commit " + start + " --head master");
  ASSERT_EQ(o.status, 0) << o.output;
  ASSERT_EQ(o.result["verdict"], "found") << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{fix}) << o.output;
  EXPECT_THAT(o.output,
              HasSubstr("on " + fork + ": whether the history of its child had the crash"));
}

}  // namespace
}  // namespace culprit::testing
