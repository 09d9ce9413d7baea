// The parser takes any bytes: it must not crash, and must stay linear on
// inputs built to make a naive parser go quadratic.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "report/crash_report.h"

namespace culprit::report {
namespace {

TEST(Robustness, RandomBytesAndOopsFragments) {
  std::mt19937 rng(42);
  const std::string pieces[] = {"BUG: KASAN: ",
                                "WARNING: ",
                                "Call Trace:\n",
                                " foo+0x1/0x2\n",
                                "RIP: 0010:",
                                "\n",
                                "[   1.000000][ T1] ",
                                "INFO: task ",
                                "Kernel panic - not syncing: ",
                                "==1==ERROR: AddressSanitizer: ",
                                "    #0 0x1 in f a.c:1\n",
                                "\r",
                                "? ",
                                "kernel BUG at "};
  for (int round = 0; round < 300; ++round) {
    std::string log;
    int n = static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      if (rng() % 3 == 0)
        log.push_back(static_cast<char>(rng() % 256));
      else
        log += pieces[rng() % std::size(pieces)];
    }
    auto r = find_crash(log);
    if (r) {
      EXPECT_LE(r->start, r->end);
      EXPECT_LE(r->end, log.size());
      EXPECT_LE(r->title.size(), 120u);
    }
  }
}

TEST(Robustness, ManyRejectedHeadersAndHugeLines) {
  // Thousands of lines that hold a header but are no oops, then one that is.
  std::string log;
  for (int i = 0; i < 20000; ++i)
    log += "WARNING: option " + std::to_string(i) + " is deprecated\n";
  log += std::string(1 << 20, 'x') + "\n";
  log +=
      "[   5.000000] general protection fault: 0000 [#1] SMP\n[   5.000001] RIP: "
      "0010:victim+0x1/0x2\n";
  auto r = find_crash(log);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->title, "general protection fault in victim");
}

}  // namespace
}  // namespace culprit::report
