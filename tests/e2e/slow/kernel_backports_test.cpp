// Backported build fixes on the kernel example (examples/linux-qemu/run-example
// --late-build-fix): the history's build breakage is fixed only after the
// bug's merge, by a commit with a Fixes: trailer, so that the bug's commit
// and ten others do not build as they are. Without backports the bisection
// cannot get past them; with --auto-backports (the kernel builder's
// default) culprit cherry-picks the fix into its private work tree and names
// the injected commit. Real kernel builds and QEMU boots: labelled slow.
// CULPRIT_KERNEL_EXAMPLE_WORKDIR (a new or empty directory) keeps the two
// work directories for measurements; by default they are temporary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "e2e/slow/kernel_example_support.h"
#include "support/test_support.h"
#include "util/process.h"

namespace culprit::testing {
namespace {

namespace fs = std::filesystem;
const fs::path kExample = kKernelExample;
const std::string kBreak = "sys: round the sysinfo uptime up with a helper";
const std::string kFix = "sys: add timespec64_round_up_sec()";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

TEST(KernelExampleBackports, LateFixHistoryLeavesTheBugsCommitUnbuildableWithoutTheFix) {
  if (auto why = kernel_example_missing_prerequisite(); !why.empty()) GTEST_SKIP() << why;
  TempDir tmp;
  auto repo = tmp / "linux";
  auto r = make_kernel_history(repo, tmp / "expected", "--late-build-fix");
  ASSERT_EQ(r.status(), 0) << r.output;
  auto git = [&](const std::string& args) {
    return trimmed(sh("git -C " + repo.string() + " " + args).output);
  };
  auto culprit = trimmed(read_all(tmp / "expected"));
  auto breaker = git("log --format=%H --grep='^" + kBreak + "$' HEAD");
  auto fix = git("log --format=%H --fixed-strings --grep='" + kFix + "' HEAD");
  ASSERT_EQ(breaker.size(), 40u) << breaker;
  ASSERT_EQ(fix.size(), 40u) << fix;
  // The fix names the breakage as syzbot's and the kernel's trailers do.
  EXPECT_NE(git("log -1 --format=%B " + fix)
                .find("Fixes: " + breaker.substr(0, 12) + " (\"" + kBreak + "\")"),
            std::string::npos);
  // The commits that contain the breakage and not the fix: 11 (3 in the
  // default history), the bug's commit and its merge among them.
  const std::string in_repo = "git -C " + repo.string() + " ";
  auto unbuildable = lines(sh(in_repo + "rev-list HEAD | while read c; do " + in_repo +
                              "merge-base --is-ancestor " + breaker + " $c && ! " + in_repo +
                              "merge-base --is-ancestor " + fix + " $c && echo $c; done; true")
                               .output);
  EXPECT_EQ(unbuildable.size(), 11u);
  EXPECT_NE(std::find(unbuildable.begin(), unbuildable.end(), culprit), unbuildable.end());
  // The bug's commit calls the helper that only the fix adds.
  auto sys = git("show " + culprit + ":kernel/sys.c");
  EXPECT_NE(sys.find("timespec64_round_up_sec(&tp)"), std::string::npos);
  EXPECT_EQ(sys.find("time64_t timespec64_round_up_sec("), std::string::npos);
  EXPECT_NE(git("show " + fix + ":kernel/sys.c").find("time64_t timespec64_round_up_sec("),
            std::string::npos);
  // The fix cherry-picks cleanly onto the bug's commit (as culprit will).
  auto index = (tmp / "index").string();
  auto pick = sh("export GIT_INDEX_FILE=" + index + "; git -C " + repo.string() + " read-tree " +
                     culprit + " && git -C " + repo.string() + " diff " + fix + "^ " + fix +
                     " | git -C " + repo.string() + " apply --cached --check",
                 {}, false);
  EXPECT_EQ(pick.status(), 0) << pick.output;
  // The same shape as the default history: 43 commits, 5 merges, the tag.
  EXPECT_EQ(git("rev-list --count v6.1..HEAD"), "43");
  EXPECT_EQ(git("rev-list --merges --count v6.1..HEAD"), "5");
  EXPECT_EQ(git("tag -l v6.2-rc1"), "v6.2-rc1");
}

struct ExampleRun {
  int status = -1;
  std::string output;
  nlohmann::json result;
  std::string expected;
};

ExampleRun run_example(const fs::path& work, const std::string& extra) {
  ExampleRun run;
  ProcessOptions p;
  p.timeout_seconds = 3600;
  auto r = run_shell("CULPRIT_BINARY=" CULPRIT_BINARY " " + (kExample / "run-example").string() +
                         " " + work.string() + " --late-build-fix" + extra,
                     p);
  run.status = r.status();
  run.output = r.output;
  if (auto at = r.output.find("== result"); at != std::string::npos)
    std::cout << r.output.substr(at) << std::flush;
  EXPECT_FALSE(r.timed_out) << r.output;
  if (fs::exists(work / "result.json"))
    run.result = nlohmann::json::parse(read_all(work / "result.json"));
  run.expected = trimmed(read_all(work / "expected-culprit"));
  return run;
}

std::set<std::string> candidates(const nlohmann::json& result) {
  std::set<std::string> out;
  for (const auto& c : result.value("commits", nlohmann::json::array()))
    out.insert(c["hash"].get<std::string>());
  return out;
}

TEST(KernelExampleBackports, WithTheFixBackportedTheInjectedCommitIsFoundExactly) {
  if (auto why = kernel_example_missing_prerequisite(); !why.empty()) GTEST_SKIP() << why;
  TempDir tmp;
  fs::path base = tmp.path();
  if (const char* keep = std::getenv("CULPRIT_KERNEL_EXAMPLE_WORKDIR"); keep && *keep) base = keep;

  // Without backports: the bug's commit is among the commits that do not
  // build, so the answer is a set of candidates, with the injected commit.
  auto without = run_example(base / "without", " -- --no-auto-backports");
  if (without.status == 77) GTEST_SKIP() << without.output;
  ASSERT_TRUE(without.result.is_object()) << without.output;
  auto left = candidates(without.result);
  EXPECT_NE(without.result["verdict"], "found") << without.result.dump(2);
  EXPECT_GT(left.size(), 1u) << without.result.dump(2);
  EXPECT_TRUE(left.count(without.expected)) << without.result.dump(2);
  EXPECT_EQ(without.output.find("applying backport"), std::string::npos);

  // With them (the kernel builder's default): the fix goes into the commits
  // that need it, they are built and tested, and the answer is exact.
  auto with = run_example(base / "with", "");
  ASSERT_TRUE(with.result.is_object()) << with.output;
  EXPECT_EQ(with.result["verdict"], "found") << with.result.dump(2);
  auto found = candidates(with.result);
  ASSERT_EQ(found.size(), 1u) << with.result.dump(2);
  EXPECT_EQ(*found.begin(), with.expected);
  EXPECT_LT(found.size(), left.size());
  EXPECT_NE(with.output.find("applying backport"), std::string::npos) << with.output;
  EXPECT_NE(with.output.find("(" + kFix + ")"), std::string::npos) << with.output;
  // The culprit itself was built with the fix and crashed.
  bool culprit_patched = false;
  for (const auto& s : with.result["steps"])
    if (s["hash"] == with.expected && s.contains("backports") && !s["backports"].empty())
      culprit_patched = s["runs"]["crashed"].get<int>() > 0;
  EXPECT_TRUE(culprit_patched) << with.result.dump(2);
  EXPECT_EQ(with.status, 0) << with.output;
  EXPECT_NE(with.output.find("OK: culprit found the injected commit"), std::string::npos);
}

}  // namespace
}  // namespace culprit::testing
