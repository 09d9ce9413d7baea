// The frames of crash reports, as crash identity compares them: kernel
// oopses in the formats consoles print (plain, symbolized by syzbot, old
// "[<addr>]" traces, arm's "from" lines) and user-space sanitizer reports.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "report/crash_report.h"
#include "report/report_frames.h"
#include "support/test_support.h"
#include "util/text.h"

namespace culprit::report {
namespace {

std::vector<std::string> functions(const std::vector<ReportFrame>& frames, bool generic = true) {
  std::vector<std::string> out;
  for (const auto& f : frames)
    if (generic || !f.generic) out.push_back(f.function);
  return out;
}

// A KASAN report as syzbot symbolizes it: inlined frames without offsets,
// source files, then the allocation and free stacks.
constexpr const char* kKasanSymbolized =
    R"(==================================================================
BUG: KASAN: use-after-free in sctp_outq_select_transport+0x9e4/0xb60 net/sctp/outqueue.c:881
Read of size 8 at addr ffff8880a0a4b318 by task syz-executor.1/10231

CPU: 0 PID: 10231 Comm: syz-executor.1 Not tainted 5.4.0-rc6-syzkaller #0
Hardware name: Google Google Compute Engine/Google Compute Engine, BIOS Google 01/01/2011
Call Trace:
 __dump_stack lib/dump_stack.c:77 [inline]
 dump_stack+0x197/0x210 lib/dump_stack.c:118
 print_address_description.constprop.0.cold+0xd4/0x30b mm/kasan/report.c:374
 __kasan_report.cold+0x1b/0x41 mm/kasan/report.c:506
 kasan_report+0x12/0x20 mm/kasan/common.c:634
 __asan_report_load8_noabort+0x14/0x20 mm/kasan/generic_report.c:132
 sctp_outq_select_transport+0x9e4/0xb60 net/sctp/outqueue.c:881
 sctp_outq_flush_data net/sctp/outqueue.c:1096 [inline]
 sctp_outq_flush+0x84c/0x2220 net/sctp/outqueue.c:1203
 sctp_outq_uncork+0x6c/0x80 net/sctp/outqueue.c:772
 sctp_cmd_interpreter net/sctp/sm_sideeffect.c:1813 [inline]
 sctp_side_effects net/sctp/sm_sideeffect.c:1189 [inline]
 sctp_do_sm+0x3ad/0x5250 net/sctp/sm_sideeffect.c:1160
 sctp_primitive_SEND+0xa0/0xd0 net/sctp/primitive.c:163
 __sys_sendmsg+0x105/0x1d0 net/socket.c:2362
 __do_sys_sendmsg net/socket.c:2371 [inline]
 __se_sys_sendmsg net/socket.c:2369 [inline]
 __x64_sys_sendmsg+0x78/0xb0 net/socket.c:2369
 do_syscall_64+0xfa/0x760 arch/x86/entry/common.c:290
 entry_SYSCALL_64_after_hwframe+0x49/0xbe

Allocated by task 10231:
 save_stack+0x23/0x90 mm/kasan/common.c:69
 kmem_cache_alloc_trace+0x158/0x790 mm/slab.c:3551
 sctp_transport_new+0x5d/0x480 net/sctp/transport.c:103

Freed by task 10231:
 kfree+0x10a/0x2c0 mm/slab.c:3756
 sctp_transport_destroy_rcu+0x3b/0x50 net/sctp/transport.c:165
==================================================================
)";

TEST(ReportFrames, SymbolizedKasanReport) {
  auto all = report_frames(kKasanSymbolized);
  ASSERT_FALSE(all.empty());
  // Inlined frames count, wrappers lose their prefixes, files lose lines.
  auto it = std::find_if(all.begin(), all.end(),
                         [](const auto& f) { return f.function == "sctp_outq_flush_data"; });
  ASSERT_NE(it, all.end());
  EXPECT_EQ(it->file, "net/sctp/outqueue.c");
  EXPECT_EQ(it->stack, 0);
  // The allocation and free stacks are stacks of their own.
  auto alloc = std::find_if(all.begin(), all.end(),
                            [](const auto& f) { return f.function == "sctp_transport_new"; });
  ASSERT_NE(alloc, all.end());
  EXPECT_EQ(alloc->stack, 1);
  auto freed = std::find_if(all.begin(), all.end(), [](const auto& f) {
    return f.function == "sctp_transport_destroy_rcu";
  });
  ASSERT_NE(freed, all.end());
  EXPECT_EQ(freed->stack, 2);

  // What identifies it: the first stack from the faulting function down,
  // without the KASAN machinery, the syscall entry or the wrapper names.
  auto id = functions(identifying_frames(kKasanSymbolized, 6));
  EXPECT_EQ(id, (std::vector<std::string>{"sctp_outq_select_transport", "sctp_outq_flush_data",
                                          "sctp_outq_flush", "sctp_outq_uncork",
                                          "sctp_cmd_interpreter", "sctp_side_effects"}));
  auto deep = functions(identifying_frames(kKasanSymbolized, 20));
  EXPECT_NE(std::find(deep.begin(), deep.end(), "sendmsg"), deep.end())
      << "__x64_sys_sendmsg is the syscall sendmsg";
  for (const auto& f : deep) {
    EXPECT_NE(f, "dump_stack");
    EXPECT_NE(f, "do_syscall_64");
    EXPECT_NE(f, "entry_SYSCALL_64_after_hwframe");
  }
}

// A general protection fault: the faulting function is on the RIP line,
// which the call trace leaves out; old-style "[<addr>]" frames and an
// unreliable "?" frame.
constexpr const char* kGpfOldStyle = R"(general protection fault: 0000 [#1] SMP KASAN
Modules linked in:
CPU: 1 PID: 4242 Comm: syz-executor Not tainted 4.9.0+ #1
task: ffff88006b7d2780 task.stack: ffff880069ec8000
RIP: 0010:[<ffffffff81529da8>]  [<ffffffff81529da8>] tcp_v4_rcv.isra.12+0x1d8/0x2000
RSP: 0018:ffff880069ecf7b8  EFLAGS: 00010202
Call Trace:
 [<ffffffff823d3a3b>] ip_local_deliver_finish+0x2eb/0xa90
 [<ffffffff823d4aa4>] ? ip_rcv_finish+0x44/0x60
 [<ffffffff823d4a1e>] ip_local_deliver+0x1ce/0x2f0 [ipv4]
 [<ffffffff8236b7a5>] __netif_receive_skb_core+0x1c85/0x2ca0
Code: 48 89 fa 48 c1 ea 03 80 3c 02 00
RIP  [<ffffffff81529da8>] tcp_v4_rcv.isra.12+0x1d8/0x2000
)";

TEST(ReportFrames, RipFrameHeadsTheCallTrace) {
  auto f = functions(report_frames(kGpfOldStyle));
  EXPECT_EQ(f, (std::vector<std::string>{"tcp_v4_rcv", "ip_local_deliver_finish",
                                         "ip_local_deliver", "__netif_receive_skb_core"}))
      << "compiler suffixes go, '?' frames are unreliable";
}

TEST(ReportFrames, TimestampedConsoleLinesAndArmFrames) {
  const char* kernel =
      "[  281.248992][ T6265] Call Trace:\n"
      "[  281.249364][ T6265]  ext4_map_blocks+0xcaa/0x1860\n"
      "[  281.249364][ T6265]  ext4_writepages+0x1e4c/0x3a20\n";
  EXPECT_EQ(functions(report_frames(kernel)),
            (std::vector<std::string>{"ext4_map_blocks", "ext4_writepages"}));
  const char* arm =
      "Backtrace:\n"
      "[<8010e300>] (show_stack) from [<80b12478>] (dump_stack+0xa0/0xc0)\n"
      "[<80b12478>] (dump_stack) from [<801349a8>] (panic+0x104/0x2cc)\n"
      "[<801349a8>] (panic) from [<80300000>] (vfs_read+0x10/0x20)\n"
      "[<80300000>] (vfs_read+0x10/0x20) from [<80300100>] (ksys_read+0x10/0x20)\n";
  auto frames = report_frames(arm);
  EXPECT_EQ(functions(frames),
            (std::vector<std::string>{"show_stack", "dump_stack", "panic", "vfs_read"}));
  EXPECT_EQ(functions(frames, false), std::vector<std::string>{"vfs_read"});
}

// An AddressSanitizer stack overflow: the recursion repeats; the report
// ends with the sanitizer's summary.
constexpr const char* kAsanStackOverflow =
    R"(==4242==ERROR: AddressSanitizer: stack-overflow on address 0x7ffd3a5f4ff8 (pc 0x55d0c0de0010 bp 0x7ffd3a5f5030 sp 0x7ffd3a5f5000 T0)
    #0 0x55d0c0de0010 in parse_array /src/json/parse.c:88:12
    #1 0x55d0c0de0020 in parse_value /src/json/parse.c:131:10
    #2 0x55d0c0de0030 in parse_object /src/json/parse.c:61:14
    #3 0x55d0c0de0040 in parse_member /src/json/parse.c:40:9
    #4 0x55d0c0de0020 in parse_value /src/json/parse.c:131:10
    #5 0x55d0c0de0010 in parse_array /src/json/parse.c:88:12
    #246 0x55d0c0de0020 in parse_value /src/json/parse.c:131:10
    #247 0x55d0c0de0090 in main /src/json/main.c:12:3
    #248 0x7f0123456789 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16
    #249 0x7f0123456790  (/lib/x86_64-linux-gnu/libc.so.6+0x271ca) (BuildId: 0123abcd)

SUMMARY: AddressSanitizer: stack-overflow /src/json/parse.c:88:12 in parse_array
==4242==ABORTING
)";

TEST(ReportFrames, SanitizerStackOverflow) {
  auto frames = report_frames(kAsanStackOverflow);
  ASSERT_GE(frames.size(), 8u);
  EXPECT_EQ(frames[0].function, "parse_array");
  EXPECT_EQ(frames[0].file, "/src/json/parse.c");
  for (const auto& f : frames) EXPECT_EQ(f.stack, 0) << f.function;
  // Each function of the recursion once, in the order first seen; main and
  // the C library's entry are in every program's stack.
  EXPECT_EQ(
      functions(identifying_frames(kAsanStackOverflow)),
      (std::vector<std::string>{"parse_array", "parse_value", "parse_object", "parse_member"}));
  // The crash report parser agrees on the top frame.
  auto r = find_crash(kAsanStackOverflow);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->title, "stack-overflow in parse_array");
}

TEST(ReportFrames, SanitizerRuntimeFramesAndLaterStacks) {
  const char* uaf =
      "==7==ERROR: AddressSanitizer: heap-use-after-free on address 0x60 at pc 0x1 bp 0x2 sp 0x3\n"
      "READ of size 4 at 0x60 thread T0\n"
      "    #0 0x1 in __interceptor_memcpy ../../src/libsanitizer/sanitizer_common/x.inc:827\n"
      "    #1 0x2 in cache_get(cache*, int) /src/cache.cc:10\n"
      "    #2 0x3 in main /src/main.cc:5\n"
      "\n"
      "freed by thread T0 here:\n"
      "    #0 0x4 in free (/lib/libasan.so.8+0xd7b)\n"
      "    #1 0x5 in cache_drop /src/cache.cc:30\n"
      "\n"
      "previously allocated by thread T0 here:\n"
      "    #0 0x6 in malloc (/lib/libasan.so.8+0xe1f)\n"
      "    #1 0x7 in cache_put /src/cache.cc:20\n";
  auto frames = report_frames(uaf);
  ASSERT_EQ(frames.size(), 7u);
  EXPECT_TRUE(frames[0].generic) << "the sanitizer's memcpy";
  EXPECT_EQ(frames[1].function, "cache_get") << "C++ arguments dropped";
  EXPECT_TRUE(frames[2].generic) << "main is in every stack";
  EXPECT_EQ(frames[4].function, "cache_drop");
  EXPECT_EQ(frames[4].stack, 1);
  EXPECT_EQ(frames[6].stack, 2);
  EXPECT_EQ(functions(identifying_frames(uaf)), std::vector<std::string>{"cache_get"});
}

TEST(ReportFrames, ThreadSanitizerFramesWithoutAddresses) {
  const char* tsan =
      "WARNING: ThreadSanitizer: data race (pid=42)\n"
      "  Write of size 4 at 0x7b04 by thread T1:\n"
      "    #0 bump /src/counter.c:7:5 (prog+0x1234)\n"
      "    #1 worker /src/counter.c:15:3 (prog+0x1300)\n";
  auto frames = report_frames(tsan);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].function, "bump");
  EXPECT_EQ(frames[0].file, "/src/counter.c");
}

TEST(ReportFrames, NothingInTextWithoutFrames) {
  EXPECT_TRUE(report_frames("").empty());
  EXPECT_TRUE(report_frames("Segmentation fault (core dumped)\n").empty());
  EXPECT_TRUE(report_frames("see main.c:12 for details\nCall Trace:\n").empty());
  EXPECT_TRUE(identifying_frames("Call Trace:\n dump_stack+0x1/0x2\n panic+0x1/0x2\n").empty());
}

// On the shared corpus of real console logs: the function a report's title
// names is among the frames read from its report, for nearly all reports
// that have a stack.
TEST(ReportFrames, TheTitlesFunctionIsAmongTheFramesOfCorpusReports) {
  auto shared = culprit::testing::shared_dir();
  if (!shared || !std::filesystem::is_directory(*shared / "corpus" / "linux-report"))
    GTEST_SKIP() << "../shared/corpus/linux-report is absent: corpus check skipped";
  int with_frame = 0, found = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(*shared / "corpus" / "linux-report")) {
    if (!entry.is_regular_file()) continue;
    std::string data = read_file(entry.path());
    auto body = data.find("\n\n");
    if (body == std::string::npos) continue;
    auto r = find_crash(std::string_view(data).substr(body + 2));
    if (!r || r->corrupted || r->frame.empty()) continue;
    ++with_frame;
    auto frames = report_frames(r->report);
    bool hit = std::any_of(frames.begin(), frames.end(),
                           [&](const auto& f) { return f.function == r->frame; });
    found += hit;
    if (!hit)
      std::printf("%s: %s not among the frames\n", entry.path().filename().c_str(),
                  r->frame.c_str());
  }
  std::printf("corpus: the title's function found in %d of %d reports\n", found, with_frame);
  ASSERT_GT(with_frame, 100);
  EXPECT_GE(found * 100, with_frame * 90);
}

}  // namespace
}  // namespace culprit::report
