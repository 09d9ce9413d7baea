// The repository fails under a running bisection (objects it needs next are
// gone): culprit aborts with libgit2's cause and exit status 3 (not 2, "bad
// input"), records why, and once the repository is repaired the same
// command resumes to the right answer.
#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

class RepositoryFault : public BisectE2E {};

TEST_F(RepositoryFault, MissingObjectsInTheMiddleAbortResumablyWithTheirCause) {
  std::vector<std::string> c;
  for (int i = 0; i < 16; ++i)
    c.push_back(i == 9 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  // The trees of the commits between the ends: the checks at the start read
  // only commits, so the first checkout of one of these fails.
  auto objects = repo_.path() / ".git" / "objects";
  auto hidden = tmp_ / "hidden";
  std::vector<std::string> trees;
  for (int i = 1; i < 15; ++i) {
    std::string tree = repo_.git("rev-parse " + c[i] + "^{tree}");
    std::filesystem::create_directories(hidden / tree.substr(0, 2));
    std::filesystem::rename(objects / tree.substr(0, 2) / tree.substr(2),
                            hidden / tree.substr(0, 2) / tree.substr(2));
    trees.push_back(tree);
  }
  std::string args = "--commit " + c.back() + " --good " + c[0] + " --strategy syzbot --runs 2";
  auto broken = bisect(args);
  EXPECT_EQ(broken.status, 3) << broken.output;
  EXPECT_NE(broken.output.find("not found"), std::string::npos)
      << "libgit2's cause: " << broken.output;
  ASSERT_TRUE(broken.result.is_object()) << broken.output;
  EXPECT_TRUE(broken.result.value("aborted", false)) << broken.result.dump();
  EXPECT_NE(broken.result.value("abort_reason", "").find("not found"), std::string::npos)
      << broken.result.dump();

  for (const auto& tree : trees)
    std::filesystem::rename(hidden / tree.substr(0, 2) / tree.substr(2),
                            objects / tree.substr(0, 2) / tree.substr(2));
  auto repaired = bisect(args);
  EXPECT_EQ(repaired.status, 0) << repaired.output;
  EXPECT_NE(repaired.output.find("resuming"), std::string::npos) << repaired.output;
  EXPECT_EQ(repaired.result["verdict"], "found");
  EXPECT_EQ(hashes(repaired.result["commits"]), std::vector<std::string>{c[9]});
}

}  // namespace
}  // namespace culprit::testing
