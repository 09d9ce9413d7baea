#include "bisect/backports.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.h"
#include "util/error.h"
#include "vcs/backport_store.h"

namespace culprit::bisect {
namespace {

using culprit::testing::GitRepo;
using culprit::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kFix = "0123456789abcdef0123456789abcdef01234567";

std::string refusal(const std::string& text) {
  try {
    parse_backport_table(text, "bp.toml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(BackportTable, ParsesRows) {
  auto rows = parse_backport_table(
      "# build fixes\n"
      "[[backport]]\nfix = \"" +
          kFix +
          "\"\nfixes = \"ABCDEF012345\"\nwhy = \"gcc 12: -Werror\"\n"
          "[[backport]]\nfix = \"abcdef0123456789\"\nfixes = \"123456789012\"\nwhy = \"objtool\"\n",
      "bp.toml");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fix, kFix);
  EXPECT_EQ(rows[0].target, "abcdef012345");  // lower case
  EXPECT_EQ(rows[0].why, "gcc 12: -Werror");
  EXPECT_EQ(rows[1].fix, "abcdef0123456789");
  EXPECT_TRUE(parse_backport_table("", "empty.toml").empty());
  EXPECT_NO_THROW(parse_backport_table(default_backport_table(), "default"));
}

TEST(BackportTable, RefusesBadInputWithItsLine) {
  EXPECT_EQ(refusal("[[backport]]\nfix = \"" + kFix + "\"\nfixes = \"abcdef012345\"\n"),
            "bp.toml:1: [[backport]] needs why = \"...\"");
  EXPECT_EQ(refusal("[[backport]]\nfix = \"xyz\"\nfixes = \"abcdef012345\"\nwhy = \"w\"\n"),
            "bp.toml:1: \"xyz\" is not a commit hash (12 to 40 hex digits)");
  EXPECT_EQ(refusal("[[backport]]\nfix = \"abcdef01\"\nfixes = \"abcdef012345\"\nwhy = \"w\"\n"),
            "bp.toml:1: \"abcdef01\" is not a commit hash (12 to 40 hex digits)");
  EXPECT_EQ(
      refusal("\n[[backport]]\nfix = \"abcdef012345\"\nfixes = \"ABCDEF012345\"\nwhy = \"w\"\n"),
      "bp.toml:2: a commit cannot fix itself");
  EXPECT_EQ(refusal("[[backport]]\nfix = 12\nfixes = \"abcdef012345\"\nwhy = \"w\"\n"),
            "bp.toml:1: [[backport]] needs fix = \"...\"");
  EXPECT_EQ(refusal("[[backport]]\nfix = \"" + kFix +
                    "\"\nfixes = \"abcdef012345\"\nwhy = \"w\"\nwhen = \"always\"\n"),
            "bp.toml:5: unknown key \"when\" in [[backport]] (fix, fixes, why)");
  EXPECT_EQ(refusal("backport = \"x\"\n"), "bp.toml:1: backport must be [[backport]] tables");
  EXPECT_EQ(refusal("[fixes]\n"),
            "bp.toml:1: unknown key \"fixes\" (expected [[backport]] tables)");
  EXPECT_THAT(refusal("[[backport]\n"), HasSubstr("bp.toml:1: "));
  // One line: the CLI prints it as it is.
  EXPECT_EQ(refusal("[[backport]\n").find('\n'), std::string::npos);
}

TEST(BackportErrorFile, NamesTheFileOfACompilerError) {
  EXPECT_EQ(error_file("drivers/net/foo.c:12:3: error: 'x' undeclared"), "drivers/net/foo.c");
  EXPECT_EQ(error_file("./api.txt:1: error: broken"), "api.txt");
  EXPECT_EQ(error_file("In file included from include/linux/a.h:5: error"), "include/linux/a.h");
  EXPECT_EQ(error_file("make: *** [Makefile:1234: vmlinux] Error 2"), "");
  EXPECT_EQ(error_file("ld: undefined reference to `foo'"), "");
}

// good - breaker - tested - (crash_fix) - build_fix - newest, with a side
// commit that touches api.txt but fixes nothing.
class BackportRules : public ::testing::Test {
 protected:
  BackportRules() : git_(tmp_ / "repo") {
    git_.commit("api.txt", "api ok\n", "add api");
    good_ = git_.commit("bug.txt", "fine\n", "add bug.txt");
    breaker_ = git_.commit("api.txt", "api BROKEN\n", "api: rework");
    crash_ = git_.commit("bug.txt", "BUG\n", "bug: introduce the crash");
    tested_ = git_.commit("a.txt", "a\n", "add a");
    crash_fix_ = git_.commit("bug.txt", "fixed\n",
                             "bug: fix the crash\n\nFixes: " + crash_.substr(0, 12) + " (\"x\")");
    build_fix_ = git_.commit(
        "api.txt", "api ok again\n",
        "api: fix the build\n\nFixes: " + breaker_.substr(0, 12) + " (\"api: rework\")");
    newest_ = git_.commit("c.txt", "c\n", "add c");
    repo_ = std::make_unique<vcs::Repository>(vcs::Repository::open(git_.path()));
    store_ = std::make_unique<vcs::BackportStore>(*repo_, tmp_ / "backports.git");
  }
  std::unique_ptr<Backporter> make(std::vector<BackportEntry> table, bool auto_backports) {
    return make_git_backporter(*repo_, *store_, {std::move(table), auto_backports, newest_});
  }
  TempDir tmp_;
  GitRepo git_;
  std::string good_, breaker_, crash_, tested_, crash_fix_, build_fix_, newest_;
  std::unique_ptr<vcs::Repository> repo_;
  std::unique_ptr<vcs::BackportStore> store_;
};

TEST_F(BackportRules, AppliesWhenTheTargetIsInAndTheFixIsNot) {
  auto anc = [this](const std::string& a, const std::string& d) {
    return repo_->is_ancestor(a, d);
  };
  EXPECT_TRUE(backport_applies(anc, tested_, breaker_, build_fix_));
  EXPECT_TRUE(backport_applies(anc, breaker_, breaker_, build_fix_));     // the target itself
  EXPECT_FALSE(backport_applies(anc, good_, breaker_, build_fix_));       // before the breakage
  EXPECT_FALSE(backport_applies(anc, build_fix_, breaker_, build_fix_));  // has the fix
  EXPECT_FALSE(backport_applies(anc, newest_, breaker_, build_fix_));
}

TEST_F(BackportRules, TableRowsGoInWhereTheyApply) {
  auto bp = make({{build_fix_.substr(0, 12), breaker_, "api.txt"}}, false);
  auto p = bp->before_build(tested_);
  EXPECT_THAT(p.applied, ElementsAre(build_fix_));
  EXPECT_NE(p.checkout, tested_);
  EXPECT_EQ(repo_->file_at(p.checkout, "api.txt"), "api ok again\n");
  EXPECT_THAT(p.lines, ElementsAre("applying backport " + build_fix_.substr(0, 12) +
                                   " (api: fix the build)"));
  EXPECT_EQ(p.key_suffix(), "+backports:" + build_fix_);
  for (const auto& c : {good_, newest_}) {
    auto none = bp->before_build(c);
    EXPECT_TRUE(none.applied.empty());
    EXPECT_EQ(none.checkout, c);
    EXPECT_EQ(none.key_suffix(), "");
  }
  // Rows for commits this repository does not have are left out.
  auto other = make({{"0123456789ab", "abcdef012345", "another history"}}, false);
  EXPECT_TRUE(other->before_build(tested_).applied.empty());
}

TEST_F(BackportRules, AConflictingRowIsSkippedWithALogLine) {
  // The crash's fix does not apply where bug.txt is still "fine".
  auto bp = make({{crash_fix_, good_, "x"}}, false);
  auto p = bp->before_build(good_);
  EXPECT_TRUE(p.applied.empty());
  EXPECT_EQ(p.checkout, good_);
  EXPECT_THAT(p.lines, ElementsAre("skipping backport " + crash_fix_.substr(0, 12) +
                                   " (bug: fix the crash): it does not apply cleanly (conflicts "
                                   "in bug.txt)"));
}

TEST_F(BackportRules, AfterAFailureTheFixOfTheBrokenFileGoesIn) {
  auto bp = make({}, true);
  auto base = bp->before_build(tested_);
  auto p = bp->after_failure(tested_, base, "api.txt:1: error: 'api_call' undeclared");
  ASSERT_TRUE(p);
  // Only the build's fix: the crash's fix (also a Fixes: of a commit in
  // tested_) touches another file and stays out.
  EXPECT_THAT(p->applied, ElementsAre(build_fix_));
  EXPECT_EQ(repo_->file_at(p->checkout, "bug.txt"), "BUG\n");
  // An error in a file no fix touches: the fix that says it fixes a build.
  auto other = bp->after_failure(tested_, base, "other.c:3:1: error: x");
  ASSERT_TRUE(other);
  EXPECT_THAT(other->applied, ElementsAre(build_fix_));
  // No file named: a fix that says it fixes a build.
  auto unnamed = bp->after_failure(tested_, base, "ld: undefined reference to `api_call'");
  ASSERT_TRUE(unnamed);
  EXPECT_THAT(unnamed->applied, ElementsAre(build_fix_));
  // Not before the breakage, not when off.
  EXPECT_FALSE(bp->after_failure(good_, bp->before_build(good_), "api.txt:1: error: x"));
  EXPECT_FALSE(make({}, false)->after_failure(tested_, base, "api.txt:1: error: x"));
}

}  // namespace
}  // namespace culprit::bisect
