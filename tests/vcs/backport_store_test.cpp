#include "vcs/backport_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.h"
#include "util/text.h"
#include "vcs/work_tree.h"

namespace culprit::vcs {
namespace {

using culprit::testing::GitRepo;
using culprit::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// api.txt breaks at `breaker_`; `fix_` repairs it later, after `tested_`;
// `other_fix_` rewrites the same line differently (conflicts with the
// broken line at `tested_`).
class BackportStoreTest : public ::testing::Test {
 protected:
  BackportStoreTest() : git_(tmp_ / "repo") {
    git_.commit("api.txt", "api ok\n", "add api");
    breaker_ = git_.commit("api.txt", "api BROKEN\n", "api: rework");
    tested_ = git_.commit("a.txt", "a\n", "add a");
    git_.commit("api.txt", "api BROKEN\nmore\n", "api: more");
    other_fix_ = git_.commit("api.txt", "api changed\nmore\n", "api: a fix that needs 'more'");
    git_.checkout(tested_);
    git_.branch("fixes");
    fix_ = git_.commit("api.txt", "api ok again\n", "api: fix the build");
    git_.checkout("master");
  }
  TempDir tmp_;
  GitRepo git_;
  std::string breaker_, tested_, fix_, other_fix_;
};

TEST_F(BackportStoreTest, CherryPicksIntoItsOwnRepositoryOnly) {
  auto repo = Repository::open(git_.path());
  std::string before = git_.fingerprint();
  BackportStore store(repo, tmp_ / "backports.git");
  auto p = store.apply(tested_, {fix_});
  ASSERT_THAT(p.applied, ElementsAre(fix_));
  EXPECT_TRUE(p.skipped.empty());
  ASSERT_NE(p.commit, tested_);
  EXPECT_EQ(git_.fingerprint(), before);
  // The patched commit: the tested commit plus the fix, on top of it.
  EXPECT_EQ(repo.file_at(p.commit, "api.txt"), "api ok again\n");
  EXPECT_EQ(repo.file_at(p.commit, "a.txt"), "a\n");
  EXPECT_THAT(repo.commit(p.commit).parents, ElementsAre(tested_));
  // The same inputs make the same commit (a resumed bisection finds it).
  BackportStore again(repo, tmp_ / "backports2.git");
  EXPECT_EQ(again.apply(tested_, {fix_}).commit, p.commit);
  // A private work tree checks it out.
  WorkTree tree(repo, tmp_ / "wt");
  tree.checkout(p.commit);
  EXPECT_EQ(read_file(tree.path() / "api.txt"), "api ok again\n");
}

TEST_F(BackportStoreTest, AConflictingFixIsSkippedAndTheNextStillApplies) {
  auto repo = Repository::open(git_.path());
  BackportStore store(repo, tmp_ / "backports.git");
  auto p = store.apply(tested_, {other_fix_, fix_});
  EXPECT_THAT(p.applied, ElementsAre(fix_));
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_EQ(p.skipped[0].first, other_fix_);
  EXPECT_THAT(p.skipped[0].second, HasSubstr("does not apply cleanly (conflicts in api.txt)"));
  EXPECT_EQ(repo.file_at(p.commit, "api.txt"), "api ok again\n");
}

TEST_F(BackportStoreTest, NothingAppliedLeavesTheCommitAsItIs) {
  auto repo = Repository::open(git_.path());
  BackportStore store(repo, tmp_ / "backports.git");
  auto p = store.apply(tested_, {other_fix_});
  EXPECT_EQ(p.commit, tested_);
  EXPECT_TRUE(p.applied.empty());
  // A fix already in: it changes nothing there.
  auto patched = store.apply(tested_, {fix_});
  auto twice = store.apply(patched.commit, {fix_});
  EXPECT_EQ(twice.commit, patched.commit);
  ASSERT_EQ(twice.skipped.size(), 1u);
  EXPECT_THAT(twice.skipped[0].second, HasSubstr("changes nothing"));
}

TEST(FixesTrailers, ReadsTheKernelsForm) {
  EXPECT_THAT(fixes_trailers("net: fix it\n\nbody\n\nFixes: 1234567890AB (\"net: break it\")\n"
                             "Fixes: abcdef0123456789abcdef0123456789abcdef01\n"
                             "Signed-off-by: A <a@b>\n"),
              ElementsAre("1234567890ab", "abcdef0123456789abcdef0123456789abcdef01"));
  EXPECT_THAT(fixes_trailers("x\n\nfixes: 1234567890ab\n"), ElementsAre("1234567890ab"));
  // Too short to name one commit in a big history; a word, not a hash.
  EXPECT_TRUE(fixes_trailers("x\n\nFixes: 12345678 (\"short\")\n").empty());
  EXPECT_TRUE(fixes_trailers("x\n\nFixes: deadbeefcafebabeZ\n").empty());
  EXPECT_TRUE(fixes_trailers("x\n\nThis fixes: the build\n").empty());
}

}  // namespace
}  // namespace culprit::vcs
