// Config minimisation on the kernel example (examples/linux-qemu/run-example
// --guarded-bug): the history's task tag feature sits behind TASK_TAG, an
// option the history adds; the bug's config is kernel.config plus TASK_TAG
// plus a few hundred unrelated options (bug-options.config). Real kernel
// builds and QEMU boots: labelled slow (about an hour on 2 cores, README of
// the example). CULPRIT_KERNEL_EXAMPLE_WORKDIR (a new or empty directory)
// keeps the work directory for measurements; by default it is temporary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "e2e/slow/kernel_example_support.h"
#include "support/test_support.h"
#include "util/process.h"

namespace culprit::testing {
namespace {

namespace fs = std::filesystem;
const fs::path kExample = kKernelExample;

TEST(KernelExampleMinimize, GuardedHistoryPutsTheBugBehindTaskTag) {
  if (auto why = kernel_example_missing_prerequisite(); !why.empty()) GTEST_SKIP() << why;
  TempDir tmp;
  auto repo = tmp / "linux";
  auto r = make_kernel_history(repo, tmp / "expected", "--guarded-bug");
  ASSERT_EQ(r.status(), 0) << r.output;
  auto git = [&](const std::string& args) {
    return sh("git -C " + repo.string() + " " + args).output;
  };
  auto culprit = trimmed(read_all(tmp / "expected"));
  EXPECT_NE(git("log -1 --format=%s " + culprit).find("task tag pools"), std::string::npos);
  // The option comes with the feature, not before it.
  auto feature = trimmed(git("log --format=%H --grep='^prctl: add PR_GET_TASK_TAG$' HEAD"));
  ASSERT_EQ(feature.size(), 40u) << feature;
  EXPECT_EQ(sh("git -C " + repo.string() + " grep -q '^config TASK_TAG$' " + feature +
                   "^ -- init/Kconfig",
               {}, false)
                .status(),
            1);
  auto kconfig = git("show HEAD:init/Kconfig");
  auto entry = kconfig.find("\nconfig TASK_TAG\n\tbool ");
  ASSERT_NE(entry, std::string::npos);
  EXPECT_EQ(kconfig.find("\n\tdefault n\n", entry), kconfig.find("\n\tdefault", entry));
  // Both the code and its prctl() case are under the option, the buggy
  // allocation included.
  auto sys = git("show " + culprit + ":kernel/sys.c");
  auto code = sys.find("#ifdef CONFIG_TASK_TAG\n/*\n * PR_GET_TASK_TAG");
  auto alloc = sys.find("for (i = 0; i < task_tag_nr_pools; i++)");
  auto end = sys.find("#endif /* CONFIG_TASK_TAG */\n\nSYSCALL_DEFINE5(prctl,");
  ASSERT_NE(code, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  EXPECT_LT(code, alloc);
  EXPECT_LT(alloc, end);
  EXPECT_NE(sys.find("#ifdef CONFIG_TASK_TAG\n\tcase PR_GET_TASK_TAG:"), std::string::npos);
  // The same shape as the default history: 43 commits, 5 merges, the tag.
  EXPECT_EQ(trimmed(git("rev-list --count v6.1..HEAD")), "43");
  EXPECT_EQ(trimmed(git("rev-list --merges --count v6.1..HEAD")), "5");
  EXPECT_EQ(trimmed(git("tag -l v6.2-rc1")), "v6.2-rc1");
}

TEST(KernelExampleMinimize, KeepsTheGuardingOptionAndFindsTheInjectedCommit) {
  if (auto why = kernel_example_missing_prerequisite(); !why.empty()) GTEST_SKIP() << why;
  TempDir tmp;
  fs::path work = tmp / "work";
  if (const char* keep = std::getenv("CULPRIT_KERNEL_EXAMPLE_WORKDIR"); keep && *keep) work = keep;
  ProcessOptions p;
  p.timeout_seconds = 7000;
  auto r = run_shell("CULPRIT_BINARY=" CULPRIT_BINARY " " + (kExample / "run-example").string() +
                         " " + work.string() + " --guarded-bug",
                     p);
  if (r.status() == 77) GTEST_SKIP() << r.output;
  if (auto at = r.output.find("== result"); at != std::string::npos)
    std::cout << r.output.substr(at) << std::flush;
  EXPECT_FALSE(r.timed_out) << r.output;
  ASSERT_TRUE(fs::exists(work / "result.json")) << r.output;
  auto result = nlohmann::json::parse(read_all(work / "result.json"));
  ASSERT_TRUE(result.contains("config_minimization")) << result.dump(2);
  const auto& m = result["config_minimization"];
  EXPECT_TRUE(m["reproduced"].get<bool>()) << m.dump(2);
  EXPECT_FALSE(m["budget_exhausted"].get<bool>()) << m.dump(2);
  // A few hundred options differ; the guarding one is kept, (nearly) all
  // the others are dropped.
  int differing = m["options_differing"].get<int>();
  EXPECT_GE(differing, 200) << m.dump(2);
  auto kept = m["kept"].get<std::vector<std::string>>();
  EXPECT_EQ(m["options_kept"].get<int>(), static_cast<int>(kept.size()));
  EXPECT_NE(std::find(kept.begin(), kept.end(), "CONFIG_TASK_TAG=y"), kept.end()) << m.dump(2);
  EXPECT_LE(kept.size(), 3u) << m.dump(2);
  // The commit search builds that config: TASK_TAG set, the unrelated
  // options of bug-options.config gone.
  auto config = read_all(m["config"].get<std::string>());
  EXPECT_NE(config.find("\nCONFIG_TASK_TAG=y\n"), std::string::npos);
  int unrelated_left = 0;
  std::ifstream options(kExample / "bug-options.config");
  for (std::string line; std::getline(options, line);)
    if (line.rfind("CONFIG_", 0) == 0 && line != "CONFIG_TASK_TAG=y" &&
        config.find("\n" + line + "\n") != std::string::npos)
      ++unrelated_left;
  EXPECT_LE(unrelated_left, 2) << config;
  // The bisection still names the injected commit.
  auto expected = trimmed(read_all(work / "expected-culprit"));
  EXPECT_EQ(result["verdict"], "found") << result.dump(2);
  ASSERT_EQ(result["commits"].size(), 1u) << result.dump(2);
  EXPECT_EQ(result["commits"][0]["hash"].get<std::string>(), expected);
  EXPECT_EQ(r.status(), 0) << r.output;
  EXPECT_NE(r.output.find("OK: culprit found the injected commit"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace culprit::testing
