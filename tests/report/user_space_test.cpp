#include <gtest/gtest.h>

#include "report/crash_report.h"

namespace culprit::report {
namespace {

struct Case {
  const char* log;
  const char* title;
  const char* type;
};

TEST(UserSpace, SanitizerKinds) {
  const Case cases[] = {
      {"==7==ERROR: AddressSanitizer: heap-use-after-free on address 0x60 at pc 0x1 bp 0x2 sp 0x3\n"
       "READ of size 4 at 0x60 thread T0\n"
       "    #0 0x1 in __interceptor_memcpy "
       "../../../../src/libsanitizer/sanitizer_common/x.inc:827\n"
       "    #1 0x2 in cache_get /src/cache.c:10\n"
       "SUMMARY: AddressSanitizer: heap-use-after-free /src/cache.c:10 in cache_get\n",
       "heap-use-after-free in cache_get", "ASAN-HEAP-USE-AFTER-FREE"},
      {"==7==ERROR: AddressSanitizer: stack-buffer-overflow on address 0x7f at pc 0x1 bp 0x2 sp "
       "0x3\n"
       "    #0 0x1 in parse(char const*, int) /src/p.cc:3\n"
       "SUMMARY: AddressSanitizer: stack-buffer-overflow /src/p.cc:3 in parse(char const*, int)\n",
       "stack-buffer-overflow in parse", "ASAN-STACK-BUFFER-OVERFLOW"},
      {"==7==ERROR: AddressSanitizer: attempting double-free on 0x60 in thread T0:\n"
       "    #0 0x1 in __interceptor_free x.cpp:52\n    #1 0x2 in release_all /src/pool.c:88\n"
       "SUMMARY: AddressSanitizer: double-free x.cpp:52 in __interceptor_free\n",
       "double-free in release_all", "ASAN-DOUBLE-FREE"},
      {"==7==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x1 bp 0x2 sp 0x3 "
       "T0)\n"
       "    #0 0x1 in walk_list /src/list.c:5\n"
       "SUMMARY: AddressSanitizer: SEGV /src/list.c:5 in walk_list\n",
       "SEGV in walk_list", "ASAN-SEGV"},
      {"==7==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak of 16 byte(s) in 1 "
       "object(s) allocated from:\n"
       "    #0 0x1 in malloc x.cpp:69\n    #1 0x2 in make_node /src/tree.c:12\n",
       "memory leak in make_node", "LSAN"},
      {"/src/math.c:14:9: runtime error: signed integer overflow: 2147483647 + 1 cannot be "
       "represented in type "
       "'int'\n    #0 0x1 in add /src/math.c:14\n",
       "UBSAN: signed integer overflow in add", "UBSAN"},
      {"==9==WARNING: MemorySanitizer: use-of-uninitialized-value\n    #0 0x1 in check "
       "/src/c.c:3\n",
       "use-of-uninitialized-value in check", "MSAN"},
      {"WARNING: ThreadSanitizer: data race (pid=12)\n  Write of size 4 at 0x1 by thread T1:\n"
       "    #0 0x1 in worker /src/w.c:9\n",
       "data race in worker", "TSAN"},
      {"kvtool: src/main.c:40: run: Assertion `count > 0' failed.\n",
       "assertion failed in run: count > 0", "ABORT"},
      {"free(): double free detected in tcache 2\n", "free(): double free detected in tcache 2",
       "ABORT"},
  };
  for (const auto& c : cases) {
    std::string log = std::string("program output before\n") + c.log + "after\n";
    auto r = find_crash(log);
    ASSERT_TRUE(r) << c.log;
    EXPECT_EQ(r->title, c.title);
    EXPECT_EQ(r->type, c.type);
    EXPECT_LT(r->start, r->end);
    EXPECT_LE(r->end, log.size());
  }
}

TEST(UserSpace, OrdinaryOutputIsNoCrash) {
  EXPECT_FALSE(find_crash(""));
  EXPECT_FALSE(find_crash("all tests passed\nno errors\nSanitizer options: none\n"));
  EXPECT_FALSE(find_crash("error: something the program printed\nexit\n"));
}

TEST(UserSpace, TruncatedReportIsMarkedCorrupted) {
  auto r =
      find_crash("==7==ERROR: AddressSanitizer: heap-use-after-free on address 0x60 at pc 0x1\n");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->corrupted);
  EXPECT_EQ(r->title, "heap-use-after-free");
}

TEST(UserSpace, GarbageNeverCrashes) {
  std::string junk;
  for (int i = 0; i < 200000; ++i) junk.push_back(static_cast<char>((i * 7919) % 256));
  junk += "ERROR: AddressSanitizer: ";
  (void)find_crash(junk);
  SUCCEED();
}

}  // namespace
}  // namespace culprit::report

namespace culprit::report {
namespace {

TEST(UserSpace, KilledBySignal) {
  auto r = find_crash("starting\nSegmentation fault (core dumped)\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->title, "killed by SIGSEGV");
  EXPECT_EQ(r->type, "SIGNAL");
  auto job =
      find_crash("./run.sh: line 3:  4242 Aborted                 (core dumped) ./prog --fast\n");
  ASSERT_TRUE(job);
  EXPECT_EQ(job->title, "killed by SIGABRT");
  EXPECT_FALSE(find_crash("Operation Aborted by the user, retrying\nKilled 3 stale workers\n"));
}

TEST(UserSpace, GlibcHeapChecks) {
  auto r = find_crash("malloc(): corrupted top size\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->title, "malloc(): corrupted top size");
  EXPECT_EQ(r->type, "ABORT");
}

// Program output uses the kernel's words too; only a kernel-looking line
// (printk timestamp, device prefix) may be titled by itself.
TEST(UserSpace, KernelWordsInProgramOutputAreNoCrash) {
  EXPECT_FALSE(
      find_crash("WARNING: option --foo is deprecated\nINFO: 3 tests run\nBUG: none found\n"));
  EXPECT_FALSE(find_crash("cc: src/x.c:1:10: fatal error: y.h: No such file or directory\n"));
  // A Go program's panic is a crash.
  auto go = find_crash(
      "panic: runtime error: index out of range [5] with length 3\n\ngoroutine 1 [running]:\n");
  ASSERT_TRUE(go);
  EXPECT_EQ(go->title, "panic: runtime error: index out of range [NUM] with length NUM");
}

TEST(UserSpace, SanitizerLineIsNotAKernelWarning) {
  auto r = find_crash(
      "==9==WARNING: MemorySanitizer: use-of-uninitialized-value\n    #0 0x1 in check "
      "/src/c.c:3\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, "MSAN");
}

}  // namespace
}  // namespace culprit::report
