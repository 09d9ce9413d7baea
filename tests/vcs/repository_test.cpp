#include "vcs/repository.h"

#include <gtest/gtest.h>

#include <set>

#include "support/test_support.h"
#include "util/error.h"
#include "util/text.h"
#include "vcs/release_tags.h"
#include "vcs/work_tree.h"

namespace culprit::vcs {
namespace {

using culprit::testing::GitRepo;
using culprit::testing::sh;
using culprit::testing::TempDir;

class RepositoryTest : public ::testing::Test {
 protected:
  RepositoryTest() : git_(tmp_ / "repo") {
    a_ = git_.commit("a.txt", "a\n", "add a");
    git_.tag("v1.0");
    b_ = git_.commit("b.txt", "b\nb2\n", "add b\n\nwith a body\n\nSigned-off-by: X <x@example.com>");
    git_.git("tag -a -m 'annotated' v1.1");
    git_.branch("side", a_);
    side_ = git_.commit("s.txt", "s\n", "side work");
    git_.checkout("master");
    merge_ = git_.merge("side", "Merge branch 'side'");
    c_ = git_.commit("a.txt", "a changed\n", "change a");
  }
  TempDir tmp_;
  GitRepo git_;
  std::string a_, b_, side_, merge_, c_;
};

TEST_F(RepositoryTest, ResolvesEveryRevisionForm) {
  auto repo = Repository::open(git_.path());
  EXPECT_EQ(repo.resolve(c_), c_);
  EXPECT_EQ(repo.resolve(c_.substr(0, 10)), c_);
  EXPECT_EQ(repo.resolve("master"), c_);
  EXPECT_EQ(repo.resolve("HEAD~1"), merge_);
  EXPECT_EQ(repo.resolve("v1.0"), a_);
  EXPECT_EQ(repo.resolve("v1.1"), b_) << "annotated tags peel to their commit";
  EXPECT_EQ(repo.head(), c_);
  EXPECT_THROW(repo.resolve("no-such-rev"), UserError);
  EXPECT_FALSE(repo.try_resolve("--all"));
}

TEST_F(RepositoryTest, NotARepository) {
  std::filesystem::create_directories(tmp_ / "plain");
  EXPECT_THROW(Repository::open(tmp_ / "plain"), UserError);
  EXPECT_THROW(Repository::open(tmp_ / "missing"), UserError);
}

TEST_F(RepositoryTest, CommitMetadataMatchesGitLog) {
  auto repo = Repository::open(git_.path());
  auto info = repo.commit(b_);
  EXPECT_EQ(info.title, "add b");
  EXPECT_EQ(info.author.str(), "Test Author <author@example.com>");
  EXPECT_EQ(info.date, std::string(trim(sh("git log -1 --format=%ad " + b_, git_.path()).output)));
  EXPECT_EQ(info.parents, std::vector<std::string>{a_});
  EXPECT_EQ(info.tree, std::string(trim(sh("git rev-parse " + b_ + "^{tree}", git_.path()).output)));
  EXPECT_NE(info.message.find("Signed-off-by: X <x@example.com>"), std::string::npos);
  EXPECT_EQ(repo.commit(merge_).parents.size(), 2u);
}

TEST_F(RepositoryTest, AncestryAndMergeBase) {
  auto repo = Repository::open(git_.path());
  EXPECT_TRUE(repo.is_ancestor(a_, c_));
  EXPECT_TRUE(repo.is_ancestor(side_, c_));
  EXPECT_TRUE(repo.is_ancestor(c_, c_));
  EXPECT_FALSE(repo.is_ancestor(c_, a_));
  EXPECT_FALSE(repo.is_ancestor(b_, side_));
  EXPECT_EQ(repo.merge_base(b_, side_), a_);
}

TEST_F(RepositoryTest, LoadRangeEqualsRevList) {
  auto repo = Repository::open(git_.path());
  auto g = repo.load_range(c_, {a_});
  auto out = sh("git rev-list --parents " + c_ + " --not " + a_, git_.path()).output;
  std::set<std::string> want_commits;
  std::set<std::pair<std::string, std::string>> want_links;
  for (auto line : split_lines(out)) {
    std::vector<std::string> w;
    std::string s(line);
    for (size_t p = 0; p < s.size();) {
      size_t e = s.find(' ', p);
      if (e == std::string::npos) e = s.size();
      w.push_back(s.substr(p, e - p));
      p = e + 1;
    }
    want_commits.insert(w[0]);
    for (size_t k = 1; k < w.size(); ++k)
      if (w[k] != a_) want_links.insert({w[0], w[k]});
  }
  std::set<std::string> got_commits;
  std::set<std::pair<std::string, std::string>> got_links;
  for (CommitIndex i = 0; i < g.size(); ++i) {
    got_commits.insert(g.hash(i));
    for (auto p : g.parents(i)) got_links.insert({g.hash(i), g.hash(p)});
  }
  EXPECT_EQ(got_commits, want_commits);
  EXPECT_EQ(got_links, want_links);
  EXPECT_EQ(g.topo_order().front(), g.find(c_)) << "children first";
}

TEST_F(RepositoryTest, ChangedFilesDiffstatAndFileAt) {
  auto repo = Repository::open(git_.path());
  auto files = repo.changed_files(b_);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "b.txt");
  EXPECT_EQ(files[0].additions, 2);
  auto stat = repo.diffstat(b_);
  EXPECT_NE(stat.find("b.txt | 2 ++"), std::string::npos) << stat;
  EXPECT_NE(stat.find("1 file changed, 2 insertions(+)"), std::string::npos) << stat;
  EXPECT_EQ(repo.file_at(c_, "a.txt"), "a changed\n");
  EXPECT_FALSE(repo.file_at(a_, "b.txt"));
}

TEST(ReleaseVersion, ParsesAndOrdersKernelTags) {
  EXPECT_FALSE(ReleaseVersion::parse("v5.8-foo"));
  EXPECT_FALSE(ReleaseVersion::parse("foo"));
  EXPECT_FALSE(ReleaseVersion::parse("v5"));
  EXPECT_FALSE(ReleaseVersion::parse("v5.8.1-rc1"));
  auto v = [](const char* t) { return *ReleaseVersion::parse(t); };
  EXPECT_LT(v("v5.8-rc1"), v("v5.8-rc7"));
  EXPECT_LT(v("v5.8-rc7"), v("v5.8"));
  EXPECT_LT(v("v5.8"), v("v5.8.1"));
  EXPECT_LT(v("v5.8.1"), v("v5.9-rc1"));
  EXPECT_LT(v("v4.20"), v("v5.0"));
  EXPECT_LT(v("v5.9"), v("v5.10"));
  EXPECT_TRUE(v("v5.8-rc2").is_rc());
}

TEST(ReleaseWalk, TwoNewestThenAGrowingStepEndingWithTheOldest) {
  std::vector<Release> rels;
  for (int minor = 20; minor >= 0; --minor) {
    std::string tag = "v5." + std::to_string(minor);
    rels.push_back({tag, tag, *ReleaseVersion::parse(tag)});
  }
  auto walk = release_walk(rels);
  std::vector<std::string> tags;
  for (const auto& r : walk) tags.push_back(r.tag);
  EXPECT_EQ(tags.front(), "v5.20");
  EXPECT_EQ(tags[1], "v5.19");
  EXPECT_EQ(tags[2], "v5.18");
  EXPECT_EQ(tags.back(), "v5.0");
  EXPECT_LT(tags.size(), rels.size());
  for (size_t i = 1; i < walk.size(); ++i) EXPECT_GT(walk[i - 1].version, walk[i].version);
}

TEST_F(RepositoryTest, ReleasesBeforeACommit) {
  auto repo = Repository::open(git_.path());
  auto rels = releases_before(repo, c_);
  ASSERT_EQ(rels.size(), 2u);
  EXPECT_EQ(rels[0].tag, "v1.1");
  EXPECT_EQ(rels[1].tag, "v1.0");
  EXPECT_TRUE(releases_before(repo, a_).empty()) << "a release pointing at the commit itself does not count";
}

TEST_F(RepositoryTest, WorkTreeChecksOutWithoutTouchingTheUserRepository) {
  auto repo = Repository::open(git_.path());
  std::string before = git_.fingerprint();
  WorkTree wt(repo, tmp_ / "wt");
  wt.checkout(b_);
  EXPECT_EQ(read_file(tmp_ / "wt" / "b.txt"), "b\nb2\n");
  write_file_atomic(tmp_ / "wt" / "build-output", "kept");
  wt.checkout(side_);
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "wt" / "b.txt")) << "files of the old commit are removed";
  EXPECT_TRUE(std::filesystem::exists(tmp_ / "wt" / "s.txt"));
  EXPECT_EQ(read_file(tmp_ / "wt" / "build-output"), "kept") << "untracked build output stays";
  WorkTree again(repo, tmp_ / "wt");  // reopening works
  again.checkout(c_);
  EXPECT_EQ(read_file(tmp_ / "wt" / "a.txt"), "a changed\n");
  EXPECT_EQ(before, git_.fingerprint());
}

TEST_F(RepositoryTest, WorkTreeCheckoutSurvivesTheLockFilesOfAKilledCheckout) {
  auto repo = Repository::open(git_.path());
  WorkTree wt(repo, tmp_ / "wt");
  wt.checkout(b_);
  // What a culprit killed in the middle of a checkout leaves behind.
  write_file_atomic(tmp_ / "wt" / ".git" / "index.lock", "");
  write_file_atomic(tmp_ / "wt" / ".git" / "HEAD.lock", "");
  WorkTree resumed(repo, tmp_ / "wt");
  resumed.checkout(c_);
  EXPECT_EQ(read_file(tmp_ / "wt" / "a.txt"), "a changed\n");
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "wt" / ".git" / "index.lock"));
}

}  // namespace
}  // namespace culprit::vcs
