#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

using ::testing::HasSubstr;

class FixBisection : public BisectE2E {};

TEST_F(FixBisection, FindsTheFix) {
  std::vector<std::string> c;
  for (int i = 0; i < 5; ++i) c.push_back(code_commit(i));
  c.push_back(code_commit(5, "bug.txt", "BUG\n"));
  for (int i = 6; i < 20; ++i) c.push_back(code_commit(i));
  std::string fix = code_commit(20, "bug.txt", "fixed\n");
  for (int i = 21; i < 35; ++i) code_commit(i);
  auto o = bisect("--fix --commit " + c[8]);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["mode"], "fix");
  EXPECT_EQ(o.result["verdict"], "found") << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{fix});
  EXPECT_TRUE(o.result["report"].is_null());
  EXPECT_THAT(o.output, HasSubstr("bisecting fixing commit since " + c[8]));
  EXPECT_THAT(o.output, HasSubstr("testing current HEAD"));
  EXPECT_THAT(o.output, HasSubstr(fix + " is the first good commit"));
}

TEST_F(FixBisection, SideBranchFromBeforeTheBugIsNotTakenForTheFix) {
  auto [start, fix] = fix_after_merged_old_branch();
  auto o = bisect("--fix --commit " + start + " --head master");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "found") << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{fix}) << o.output;
}

TEST_F(FixBisection, NotFixedOnHead) {
  std::vector<std::string> c;
  for (int i = 0; i < 10; ++i) c.push_back(i == 3 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  auto o = bisect("--fix --commit " + c[5]);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "not-fixed");
  EXPECT_EQ(o.result["boundary"]["hash"], c.back());
  EXPECT_TRUE(o.result["commits"].empty());
  EXPECT_FALSE(o.result["report"].is_null());
}

TEST_F(FixBisection, HeadUntestableIsNotFixed) {
  std::vector<std::string> c;
  for (int i = 0; i < 8; ++i) c.push_back(i == 3 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  std::filesystem::remove(repo_.path() / "bug.txt");
  std::string head = code_commit(8, "broken.txt", "UNTESTABLE\n");
  auto o = bisect("--fix --commit " + c[5] + " --head " + head);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "not-fixed");
  EXPECT_EQ(o.result["boundary"]["hash"], head);
}

TEST_F(FixBisection, StartNotOnHeadsHistoryUsesTheMergeBase) {
  for (int i = 0; i < 3; ++i) code_commit(i);
  std::string bug = code_commit(3, "bug.txt", "BUG\n");
  for (int i = 4; i < 6; ++i) code_commit(i);
  std::string base = repo_.head();
  repo_.branch("stable");
  std::string start = code_commit(50);
  repo_.checkout("master");
  for (int i = 6; i < 12; ++i) code_commit(i);
  std::string fix = code_commit(12, "bug.txt", "fixed\n");
  for (int i = 13; i < 18; ++i) code_commit(i);
  auto o = bisect("--fix --commit " + start + " --head master");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("testing merge base " + base));
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{fix}) << o.output;
}

TEST_F(FixBisection, MergeBaseWithoutTheCrashIsNotFixed) {
  for (int i = 0; i < 4; ++i) code_commit(i);
  repo_.branch("stable");
  code_commit(40, "bug.txt", "BUG\n");  // the bug exists only on stable
  std::string start = code_commit(41);
  repo_.checkout("master");
  for (int i = 4; i < 10; ++i) code_commit(i);
  auto o = bisect("--fix --commit " + start + " --head master");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.result["verdict"], "not-fixed");
}

}  // namespace
}  // namespace culprit::testing
