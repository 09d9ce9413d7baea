// Recipients of a commit in a real git repository: author, trailers and the
// MAINTAINERS file at that commit, split into To and Cc the way syzbot does.
#include <gtest/gtest.h>

#include "maintainers/maintainers.h"
#include "support/test_support.h"

namespace culprit::maintainers {
namespace {

using culprit::testing::GitRepo;
using culprit::testing::TempDir;
using S = std::vector<std::string>;

const char* kMaintainers =
    "FOO DRIVER\n"
    "M:\tFoo Maintainer <foo@example.org>\n"
    "R:\tFoo Reviewer <review@example.org>\n"
    "L:\tfoo-list@example.org\n"
    "S:\tMaintained\n"
    "F:\tdrivers/foo/\n"
    "\n"
    "OLD BAR\n"
    "M:\tBar Keeper <bar@example.org>\n"
    "S:\tOrphan\n"
    "F:\tdrivers/bar/\n"
    "\n"
    "THE REST\n"
    "M:\tLinus Torvalds <torvalds@linux-foundation.org>\n"
    "L:\tlinux-kernel@vger.kernel.org\n"
    "S:\tBuried alive in reporters\n"
    "F:\t*\n"
    "F:\t*/\n";

const char* kMessage =
    "foo: fix the thing\n\n"
    "Reported-by: Reporter One <reporter@example.org>\n"
    "Signed-off-by: Test Author <author@example.com>\n"
    "Acked-by: Foo Maintainer <FOO@example.org>\n"
    "Cc: stable@vger.kernel.org\n"
    "Tested-by: stable@vger.kernel.org\n";

TEST(CommitRecipients, AuthorTrailersMaintainersAndLists) {
  TempDir dir;
  GitRepo g(dir.path());
  g.commit("MAINTAINERS", kMaintainers, "maintainers");
  std::string hash = g.commit("drivers/foo/foo.c", "int x;\n", kMessage);
  auto repo = vcs::Repository::open(dir.path());
  auto r = commit_recipients(repo, hash);
  // Sorted by address.
  EXPECT_EQ(r.to, (S{"Test Author <author@example.com>", "foo-list@example.org",
                     "Foo Maintainer <foo@example.org>"}));
  EXPECT_EQ(r.cc, (S{"linux-kernel@vger.kernel.org", "Reporter One <reporter@example.org>",
                     "Foo Reviewer <review@example.org>"}));
}

TEST(CommitRecipients, OrphanMaintainersAndTheGeneralListAloneGoWhereSyzbotPutsThem) {
  TempDir dir;
  GitRepo g(dir.path());
  g.commit("MAINTAINERS", kMaintainers, "maintainers");
  std::string hash = g.commit("drivers/bar/bar.c", "int y;\n", "bar: change\n");
  auto repo = vcs::Repository::open(dir.path());
  auto r = commit_recipients(repo, hash);
  EXPECT_EQ(r.to, (S{"Test Author <author@example.com>", "linux-kernel@vger.kernel.org"}));
  EXPECT_EQ(r.cc, (S{"Bar Keeper <bar@example.org>"}));
}

TEST(CommitRecipients, MaintainersFileOfThatCommitNotOfHead) {
  TempDir dir;
  GitRepo g(dir.path());
  g.commit("MAINTAINERS", kMaintainers, "maintainers");
  std::string hash = g.commit("drivers/foo/foo.c", "int x;\n", "foo: one\n");
  g.commit("MAINTAINERS",
           "FOO DRIVER\nM:\tNew Person <new@example.org>\nS:\tMaintained\nF:\tdrivers/foo/\n",
           "new maintainer");
  g.commit("drivers/foo/foo.c", "int x, z;\n", "foo: two\n");
  auto repo = vcs::Repository::open(dir.path());
  auto r = commit_recipients(repo, hash);
  EXPECT_NE(std::find(r.to.begin(), r.to.end(), "Foo Maintainer <foo@example.org>"), r.to.end());
  r = commit_recipients(repo, repo.head());
  EXPECT_EQ(r.to, (S{"Test Author <author@example.com>", "New Person <new@example.org>"}));
}

TEST(CommitRecipients, WithoutMaintainersFileOnlyAuthorAndTrailers) {
  TempDir dir;
  GitRepo g(dir.path());
  std::string hash =
      g.commit("a.c", "int a;\n", "change\n\nReviewed-by: \"R. Viewer\" <rv@example.org>\n");
  auto repo = vcs::Repository::open(dir.path());
  auto r = commit_recipients(repo, hash);
  EXPECT_EQ(r.to, (S{"Test Author <author@example.com>"}));
  EXPECT_EQ(r.cc, (S{"\"R. Viewer\" <rv@example.org>"}));
}

TEST(CommitRecipients, TrailerPeople) {
  EXPECT_EQ(
      trailer_people("x\n\nsigned-off-by: A <a@x>\nCo-developed-by: B <b@x>\nLink: https://x\n"
                     "Acked-by: nobody\n"),
      (S{"A <a@x>", "B <b@x>"}));
}

}  // namespace
}  // namespace culprit::maintainers
