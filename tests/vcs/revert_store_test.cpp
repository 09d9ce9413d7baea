#include "vcs/revert_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.h"
#include "util/text.h"
#include "vcs/work_tree.h"

namespace culprit::vcs {
namespace {

using culprit::testing::GitRepo;
using culprit::testing::TempDir;
using ::testing::HasSubstr;

class RevertStoreTest : public ::testing::Test {
 protected:
  RevertStoreTest() : git_(tmp_ / "repo") {
    base_ = git_.commit("a.txt", "a\n", "add a");
    bug_ = git_.commit("bug.txt", "BUG\n", "add the bug");
    later_ = git_.commit("c.txt", "c\n", "add c");
  }
  TempDir tmp_;
  GitRepo git_;
  std::string base_, bug_, later_;
};

TEST_F(RevertStoreTest, RevertsOnTopOfALaterCommitWithoutWritingToTheUserRepository) {
  auto repo = Repository::open(git_.path());
  std::string before = git_.fingerprint();
  RevertStore store(repo, tmp_ / "state" / "reverts.git");
  auto r = store.revert(bug_, later_);
  ASSERT_TRUE(r.commit) << r.reason;
  // The user's repository sees it (this process only) like any commit.
  auto info = repo.commit(*r.commit);
  EXPECT_EQ(info.title, "Revert \"add the bug\"");
  EXPECT_THAT(info.message, HasSubstr("This reverts commit " + bug_));
  EXPECT_EQ(info.parents, std::vector<std::string>{later_});
  EXPECT_FALSE(repo.file_at(*r.commit, "bug.txt"));
  EXPECT_EQ(repo.file_at(*r.commit, "c.txt"), "c\n");
  // A private work tree made afterwards checks it out.
  WorkTree wt(repo, tmp_ / "state" / "wt");
  wt.checkout(*r.commit);
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "state" / "wt" / "bug.txt"));
  EXPECT_TRUE(std::filesystem::exists(tmp_ / "state" / "wt" / "c.txt"));
  EXPECT_EQ(before, git_.fingerprint());
  EXPECT_EQ(git_.git("cat-file -t " + *r.commit + " 2>&1 || true").find("commit"),
            std::string::npos)
      << "the revert must not be in the user's repository";
}

TEST_F(RevertStoreTest, TheSameRevertIsTheSameCommitAfterARestart) {
  std::string first;
  {
    auto repo = Repository::open(git_.path());
    RevertStore store(repo, tmp_ / "reverts.git");
    first = store.revert(bug_, later_).commit.value_or("");
  }
  auto repo = Repository::open(git_.path());
  RevertStore again(repo, tmp_ / "reverts.git");
  EXPECT_EQ(again.revert(bug_, later_).commit.value_or("none"), first);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(repo.commit(first).hash, first);
}

TEST_F(RevertStoreTest, ConflictsNameTheFiles) {
  std::string changed = git_.commit("bug.txt", "BUG\nand more\n", "change the bug");
  auto repo = Repository::open(git_.path());
  RevertStore store(repo, tmp_ / "reverts.git");
  auto r = store.revert(bug_, changed);
  EXPECT_FALSE(r.commit);
  EXPECT_THAT(r.reason, HasSubstr("does not revert cleanly"));
  EXPECT_THAT(r.reason, HasSubstr("bug.txt"));
}

TEST_F(RevertStoreTest, NothingToRevertIsSaid) {
  git_.git("rm -q bug.txt");
  git_.git("commit -q -m 'remove the bug'");
  auto repo = Repository::open(git_.path());
  RevertStore store(repo, tmp_ / "reverts.git");
  auto r = store.revert(bug_, git_.head());
  EXPECT_FALSE(r.commit);
  EXPECT_THAT(r.reason, HasSubstr("changes nothing"));
}

TEST_F(RevertStoreTest, AMergeIsRevertedAgainstItsFirstParent) {
  git_.branch("side", base_);
  git_.commit("side.txt", "side\n", "side work");
  git_.checkout("master");
  std::string merge = git_.merge("side", "Merge branch 'side'");
  std::string after = git_.commit("d.txt", "d\n", "add d");
  auto repo = Repository::open(git_.path());
  RevertStore store(repo, tmp_ / "reverts.git");
  auto r = store.revert(merge, after);
  ASSERT_TRUE(r.commit) << r.reason;
  EXPECT_FALSE(repo.file_at(*r.commit, "side.txt"));
  EXPECT_EQ(repo.file_at(*r.commit, "bug.txt"), "BUG\n");
  EXPECT_EQ(repo.file_at(*r.commit, "d.txt"), "d\n");
}

// A culprit killed while it created its private repositories leaves a half
// made git directory with libgit2's lock file in it (seen in the exact
// replay test: "failed to lock file 'reverts.git/config.lock'"); the next
// start must open them anyway.
TEST_F(RevertStoreTest, PrivateRepositoriesAKilledInitLeftHalfMadeOpenAgain) {
  auto repo = Repository::open(git_.path());
  auto reverts = tmp_ / "state" / "reverts.git";
  std::filesystem::create_directories(reverts / "objects");
  write_file_atomic(reverts / "config.lock", "[core]\n");
  auto wt_dir = tmp_ / "state" / "wt";
  std::filesystem::create_directories(wt_dir / ".git" / "refs");
  write_file_atomic(wt_dir / ".git" / "config.lock", "");
  write_file_atomic(wt_dir / "build.out", "kept\n");
  RevertStore store(repo, reverts);
  EXPECT_TRUE(store.revert(bug_, later_).commit);
  WorkTree wt(repo, wt_dir);
  wt.checkout(later_);
  EXPECT_TRUE(std::filesystem::exists(wt_dir / "c.txt"));
  EXPECT_EQ(read_file(wt_dir / "build.out"), "kept\n") << "untracked build output stays";
}

}  // namespace
}  // namespace culprit::vcs
