// The kernel example end to end (examples/linux-qemu/run-example): a real
// Linux 6.1 history, real kernel builds, real QEMU boots. Labelled slow:
// about an hour on a 2-core machine without KVM (README of the example).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "e2e/slow/kernel_example_support.h"
#include "support/test_support.h"
#include "util/process.h"

namespace culprit::testing {
namespace {

const std::filesystem::path kExample = kKernelExample;

ProcessResult run_script(const std::string& command, double timeout_seconds) {
  ProcessOptions p;
  p.timeout_seconds = timeout_seconds;
  return run_shell(command, p);
}

TEST(KernelExample, HistoryIsReproducible) {
  if (auto why = kernel_example_missing_prerequisite(); !why.empty()) GTEST_SKIP() << why;
  TempDir tmp;
  std::string tips[2];
  for (int i = 0; i < 2; ++i) {
    auto dir = tmp / ("repo" + std::to_string(i));
    auto r = make_kernel_history(dir, tmp / ("expected" + std::to_string(i)));
    ASSERT_EQ(r.status(), 0) << r.output;
    tips[i] = sh("git -C " + dir.string() + " rev-parse HEAD").output;
    auto count = sh("git -C " + dir.string() + " rev-list --count v6.1..HEAD").output;
    EXPECT_GE(std::stoi(count), 40) << count;
    EXPECT_EQ(
        sh("git -C " + dir.string() + " rev-list --merges --count v6.1..HEAD").output.substr(0, 1),
        "5");
    EXPECT_EQ(sh("git -C " + dir.string() + " tag -l v6.2-rc1").output.substr(0, 8), "v6.2-rc1");
    auto culprit = sh("cat " + (tmp / ("expected" + std::to_string(i))).string()).output;
    EXPECT_NE(sh("git -C " + dir.string() + " log -1 --format=%s " + culprit)
                  .output.find("task tag pools"),
              std::string::npos);
    std::filesystem::remove_all(dir);  // 1.5 GB each
  }
  EXPECT_EQ(tips[0], tips[1]);
}

TEST(KernelExample, BisectionFindsTheInjectedCommit) {
  if (auto why = kernel_example_missing_prerequisite(); !why.empty()) GTEST_SKIP() << why;
  TempDir tmp;
  auto r = run_script("CULPRIT_BINARY=" CULPRIT_BINARY " " + (kExample / "run-example").string() +
                          " " + (tmp / "work").string(),
                      5400);
  if (r.status() == 77) GTEST_SKIP() << r.output;
  // The measured figures (wall time, builds, runs, build and boot times)
  // belong in every log, passing or not.
  if (auto at = r.output.find("== result"); at != std::string::npos)
    std::cout << r.output.substr(at) << std::flush;
  EXPECT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.status(), 0) << r.output;
  EXPECT_NE(r.output.find("OK: culprit found the injected commit"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace culprit::testing
