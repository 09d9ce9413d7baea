#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "report/crash_report.h"
#include "support/test_support.h"
#include "util/text.h"

namespace culprit::report {
namespace {

TEST(KernelOops, KasanWithAccessAndFunction) {
  std::string log =
      "[   12.000000] random line\n"
      "[   12.345678] ==================================================================\n"
      "[   12.345679] BUG: KASAN: use-after-free in tcp_close+0x12/0x80\n"
      "[   12.345680] Read of size 8 at addr ffff888012345678 by task syz/123\n";
  auto r = find_crash(log);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->title, "KASAN: use-after-free Read in tcp_close");
  EXPECT_EQ(r->type, "KASAN-USE-AFTER-FREE-READ");
  EXPECT_EQ(log.substr(r->start, 12), "[   12.34567");
}

TEST(KernelOops, WarningAndKernelBugUseTheReportingFunction) {
  auto w = find_crash(
      "[    1.1][ T123] WARNING: CPU: 0 PID: 123 at net/core/dev.c:42 dev_close.cold+0x1/0x2\n");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->title, "WARNING in dev_close");
  auto b = find_crash(
      "kernel BUG at kernel/sys.c:2345!\ninvalid opcode: 0000 [#1] SMP\n"
      "RIP: 0010:__x64_sys_prctl.isra.3+0x46f/0x482\nCall Trace:\n do_syscall_64+0x1/0x2\n");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->title, "kernel BUG in __x64_sys_prctl");
  EXPECT_EQ(b->type, "BUG");
}

TEST(KernelOops, PanicMessageAndTruncatedReport) {
  auto p = find_crash("sysrq: Trigger a crash\nKernel panic - not syncing: sysrq triggered crash\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->title, "kernel panic: sysrq triggered crash");
  auto g = find_crash("general protection fault: 0000 [#1] SMP KASAN\n");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->title, "general protection fault in corrupted");
  EXPECT_TRUE(g->corrupted);
}

TEST(KernelOops, ABootLogIsNoCrash) {
  EXPECT_FALSE(find_crash("[    0.000000] Linux version 6.1.0\n[    1.9] Run /init as init process\n"
                          "[    2.0] random: crng init done\n"));
}

// Measures the parser on the shared corpus (real syzkaller logs). The kernel
// parser here is a basic fallback; the floor only guards against regressions.
TEST(KernelOops, SharedCorpusFloor) {
  auto shared = culprit::testing::shared_dir();
  if (!shared) GTEST_SKIP() << "../shared is absent: corpus check skipped";
  auto dir = *shared / "corpus" / "linux-report";
  int files = 0, expected = 0, detected_right = 0, titles = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string data = read_file(e.path());
    data.erase(std::remove(data.begin(), data.end(), '\r'), data.end());
    auto blank = data.find("\n\n");
    if (blank == std::string::npos) continue;
    std::string header = data.substr(0, blank + 1), body = data.substr(blank + 2);
    auto rep = body.find("\n\nREPORT:\n");
    if (rep != std::string::npos) body = body.substr(0, rep + 1);
    std::string title;
    for (auto line : split_lines(header))
      if (starts_with(line, "TITLE: ")) title = std::string(line.substr(7));
    ++files;
    auto r = find_crash(body);
    if (!title.empty()) ++expected;
    if (bool(r) == !title.empty()) ++detected_right;
    if (r && r->title == title) ++titles;
  }
  std::printf("corpus: %d files, detection %d/%d, titles %d/%d\n", files, detected_right, files, titles, expected);
  EXPECT_GE(detected_right * 100, files * 80);
  EXPECT_GE(titles * 100, expected * 10);
}

}  // namespace
}  // namespace culprit::report
