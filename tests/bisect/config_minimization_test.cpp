// Config minimisation through the engine's API on the miniature kbuild
// (support/mini_kbuild.h): the real kernel builder settles and builds it,
// the command runner runs its "bzImage".
#include "bisect/config_minimization.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "build/kconfig_file.h"
#include "build/kernel_builder.h"
#include "run/command_runner.h"
#include "support/mini_kbuild.h"
#include "support/test_support.h"
#include "util/hash.h"
#include "util/text.h"

namespace culprit::bisect {
namespace {

namespace fs = std::filesystem;
using culprit::testing::TempDir;

// The tree is the work tree: the minimisation checks out one commit.
class FixedTree : public Workspace {
 public:
  explicit FixedTree(fs::path dir) : dir_(std::move(dir)) {}
  fs::path checkout(const std::string&) override { return dir_; }
  fs::path path() const override { return dir_; }

 private:
  fs::path dir_;
};

class ConfigMinimizationTest : public ::testing::Test {
 protected:
  ConfigMinimizationTest() : tree_(dir_ / "worktrees/0") {
    culprit::testing::write_mini_kbuild(src(), true);
    std::string bug = culprit::testing::mini_bug_config();
    bug_ = bug;
    write_file_atomic(dir_ / "bug.config", bug);
    build::KernelBuildOptions k;
    k.config = dir_ / "bug.config";
    k.build_root = dir_ / "kernel-build";
    k.jobs = 1;
    builder_ = std::make_unique<build::KernelBuilder>(k);
    log_.add_sink([this](const std::string& line) { lines_.push_back(line); });
  }
  fs::path src() const { return dir_ / "worktrees/0"; }
  int count(const char* file) {
    std::error_code ec;
    if (!fs::exists(dir_ / "kernel-build/0" / file, ec)) return 0;
    return static_cast<int>(split_lines(read_file(dir_ / "kernel-build/0" / file)).size());
  }
  ConfigMinimizeOptions options(int budget = 0) {
    ConfigMinimizeOptions o;
    o.commit = std::string(40, 'a');
    o.bug_config = bug_;
    o.runs = 2;
    o.budget = budget;
    o.dir = dir_ / "minimize";
    return o;
  }
  ConfigMinimizeResult minimize(ConfigMinimizeOptions o) {
    ConfigMinimization m(tree_, *builder_, runner_, trials_, log_, std::move(o));
    return m.run("defconfig");
  }
  std::string log_text() const {
    std::string out;
    for (const auto& l : lines_) out += l + "\n";
    return out;
  }

  TempDir dir_;
  FixedTree tree_;
  std::string bug_;
  std::unique_ptr<build::KernelBuilder> builder_;
  run::CommandRunner runner_{"sh \"$CULPRIT_OUT/bzImage\"", 30};
  store::MemoryConfigTrials trials_;
  BisectLog log_;
  std::vector<std::string> lines_;
};

TEST_F(ConfigMinimizationTest, KeepsTheNeededOptionAndDropsTheRest) {
  auto r = minimize(options());
  ASSERT_TRUE(r.reproduced) << log_text();
  EXPECT_EQ(r.title, "kernel BUG in buggy_read");
  // BUGGY, HELPER, MENU, NAME and the 40 OPT_: HELPER is one of them, but
  // olddefconfig brings it with BUGGY, so BUGGY alone is kept.
  EXPECT_EQ(r.differing, 44) << log_text();
  EXPECT_EQ(r.kept, std::vector<std::string>{"CONFIG_BUGGY=y"}) << log_text();
  EXPECT_EQ(build::diff_kconfig(r.config, builder_->default_config(src(), dir_ / "d.log")).size(),
            2u)
      << "BUGGY and the HELPER it selects:\n"
      << r.config;
  EXPECT_EQ(r.config_hash, sha256_hex(r.config));
  EXPECT_EQ(read_file(r.config_path), r.config);
  EXPECT_FALSE(r.budget_exhausted);
  // Each trial is one build, and a settled config is built once.
  EXPECT_EQ(count("builds"), r.builds);
  EXPECT_LT(r.builds, 20) << log_text();
  EXPECT_GT(count("settles"), r.builds) << "choices settle before they are built";
  auto text = log_text();
  EXPECT_NE(text.find("44 options differ"), std::string::npos) << text;
  EXPECT_NE(text.find("kept 1 of 44 options"), std::string::npos) << text;
  EXPECT_NE(text.find("build failed: drivers/opt.c:1:1: error"), std::string::npos)
      << "OPT_1 without OPT_5 does not build: does not reproduce\n"
      << text;
  std::printf("miniature: %d options differ, %zu kept, %d builds, %d olddefconfig runs\n",
              r.differing, r.kept.size(), r.builds, count("settles"));

  // Resumed with the same trials: every trial replayed, nothing built.
  int builds = count("builds");
  lines_.clear();
  auto again = minimize(options());
  EXPECT_EQ(count("builds"), builds);
  EXPECT_EQ(again.kept, r.kept);
  EXPECT_EQ(again.config_hash, r.config_hash);
  EXPECT_EQ(again.builds, r.builds);
  for (const auto& l : lines_)
    if (l.rfind("config ", 0) == 0) {
      EXPECT_NE(l.find("(recorded)"), std::string::npos) << l;
    }
}

// The kept config's trial is the start commit's build in the commit search:
// recorded for the search's builder with its artifacts, never built again.
TEST_F(ConfigMinimizationTest, TheKeptConfigsBuildIsHandedToTheCommitSearch) {
  auto r = minimize(options());
  ASSERT_TRUE(r.reproduced);
  ASSERT_FALSE(r.signature.empty());
  write_file_atomic(dir_ / "minimized.config", r.config);
  build::KernelBuildOptions k;
  k.config = dir_ / "minimized.config";
  k.build_root = dir_ / "kernel-build";
  k.jobs = 1;
  build::KernelBuilder search(k);
  store::MemoryJournal journal;
  std::string commit(40, 'a');
  auto out = dir_ / "out" / commit;
  hand_over_build(r, commit, "tree1", search.cache_key(), out, journal);
  auto rec = journal.find_build(commit, search.cache_key());
  ASSERT_TRUE(rec);
  EXPECT_TRUE(rec->ok);
  EXPECT_EQ(rec->signature, r.signature);
  EXPECT_EQ(rec->tree, "tree1");
  EXPECT_EQ(read_file(out / "config"), read_file(r.artifacts / "config"));
  EXPECT_TRUE(fs::exists(out / "bzImage"));
  // The same binary as a build by the search's builder would give.
  build::BuildRequest req;
  req.commit = commit;
  req.source_dir = src();
  req.out_dir = dir_ / "rebuilt";
  req.signature_file = dir_ / "rebuilt.sig";
  req.log_path = dir_ / "rebuilt.log";
  auto rebuilt = search.build(req);
  ASSERT_TRUE(rebuilt.ok) << rebuilt.error_line;
  EXPECT_EQ(rebuilt.signature, r.signature);
  // Recorded once: a resumed bisection finds it and leaves it alone.
  hand_over_build(r, commit, "tree1", search.cache_key(), out, journal);
}

TEST_F(ConfigMinimizationTest, StopsAtTheBudgetWithAReproducingConfig) {
  auto r = minimize(options(10));
  ASSERT_TRUE(r.reproduced);
  EXPECT_TRUE(r.budget_exhausted);
  EXPECT_EQ(r.builds, 10);
  EXPECT_EQ(count("builds"), 10) << log_text();
  EXPECT_GT(r.kept.size(), 1u);
  EXPECT_LT(r.kept.size(), 44u) << "the halves were tried\n" << log_text();
  EXPECT_NE(std::find(r.kept.begin(), r.kept.end(), "CONFIG_BUGGY=y"), r.kept.end());
  EXPECT_NE(r.config.find("CONFIG_BUGGY=y"), std::string::npos);
  EXPECT_NE(log_text().find("budget spent"), std::string::npos);
}

TEST_F(ConfigMinimizationTest, ABugConfigThatDoesNotCrashIsNotMinimised) {
  auto o = options();
  o.title = "KASAN: use-after-free Read in elsewhere";
  auto r = minimize(o);
  EXPECT_FALSE(r.reproduced);
  EXPECT_EQ(r.builds, 1);
  EXPECT_EQ(count("builds"), 1);
  EXPECT_NE(log_text().find("does not reproduce"), std::string::npos) << log_text();
}

TEST_F(ConfigMinimizationTest, AGivenBaselineNarrowsTheDifference) {
  auto o = options();
  std::string base = "CONFIG_64BIT=y\nCONFIG_PRINTK=y\nCONFIG_MENU=y\n";
  for (int i = 0; i < 40; ++i) base += "CONFIG_OPT_" + std::to_string(i) + "=y\n";
  o.baseline_config = base;
  auto r = minimize(o);
  ASSERT_TRUE(r.reproduced) << log_text();
  EXPECT_EQ(r.differing, 3) << "BUGGY, HELPER and NAME\n" << log_text();
  EXPECT_EQ(r.kept, std::vector<std::string>{"CONFIG_BUGGY=y"});
  EXPECT_NE(r.config.find("CONFIG_OPT_39=y"), std::string::npos) << "the baseline's own options";
}

}  // namespace
}  // namespace culprit::bisect
