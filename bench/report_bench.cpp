// Throughput of the crash report parser (MB/s) on a large console log, with
// and without a crash, against a baseline measured in the same run: one
// pass that counts the log's lines (the least any parser must do).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>

#include "report/crash_report.h"

namespace {

// A syzkaller-style console: kernel messages with timestamps and caller ids,
// and the executor's program lines, including words oops headers start with.
std::string quiet_log(std::size_t bytes) {
  static const char* kLines[] = {
      "[T%d] audit: type=1400 audit(1690000000.123:42): avc:  denied  { read } for  pid=%d "
      "comm=\"syz-executor\"",
      "[T%d] netdevsim netdevsim0 netdevsim%d: set [1, 0] type 2 family 0 port 6081 - 0",
      "[T%d] EXT4-fs (loop%d): mounted filesystem without journal. Quota mode: none.",
      "[C%d] BTRFS info (device loop%d): using free space tree",
      "[T%d] syz-executor.2: r0 = socket$inet6_tcp(0xa, 0x1, 0x0) # errors were injected %d",
      "[T%d] FAULT_FLAG_ALLOW_RETRY set; INFO text from a driver: link is up %d",
      "[T%d] usb 5-1: new high-speed USB device number %d using dummy_hcd",
  };
  std::string log;
  log.reserve(bytes + 256);
  char line[256];
  for (int i = 0; log.size() < bytes; ++i) {
    int n = std::snprintf(line, sizeof line, "[%6d.%06d]", i / 1000, (i * 7919) % 1000000);
    log.append(line, static_cast<std::size_t>(n));
    n = std::snprintf(line, sizeof line, kLines[i % 7], 100 + i % 900, i % 64);
    log.append(line, static_cast<std::size_t>(n));
    log += '\n';
  }
  return log;
}

std::string crash_tail() {
  return "[ 9999.000001][ T4242] BUG: KASAN: slab-use-after-free in tcp_close+0x12/0x80\n"
         "[ 9999.000002][ T4242] Read of size 8 at addr ffff888012345678 by task "
         "syz-executor.3/4242\n"
         "[ 9999.000003][ T4242] Call Trace:\n"
         "[ 9999.000004][ T4242]  dump_stack_lvl+0xd9/0x150\n"
         "[ 9999.000005][ T4242]  kasan_report+0xba/0xf0\n"
         "[ 9999.000006][ T4242]  tcp_close+0x12/0x80\n"
         "[ 9999.000007][ T4242]  inet_release+0x1/0x2\n";
}

constexpr std::size_t kLogBytes = 64u << 20;

const std::string& no_crash_log() {
  static const std::string log = quiet_log(kLogBytes);
  return log;
}

const std::string& crash_at_end_log() {
  static const std::string log = quiet_log(kLogBytes) + crash_tail();
  return log;
}

void BM_BaselineLineCount(benchmark::State& state) {
  const std::string& log = no_crash_log();
  for (auto _ : state) benchmark::DoNotOptimize(std::count(log.begin(), log.end(), '\n'));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(log.size()));
}

void BM_NoCrash(benchmark::State& state) {
  const std::string& log = no_crash_log();
  for (auto _ : state) {
    auto r = culprit::report::find_crash(log);
    if (r) state.SkipWithError("found a crash in a quiet log");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(log.size()));
}

void BM_CrashAtEnd(benchmark::State& state) {
  const std::string& log = crash_at_end_log();
  for (auto _ : state) {
    auto r = culprit::report::find_crash(log);
    if (!r) state.SkipWithError("missed the crash");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(log.size()));
}

}  // namespace

BENCHMARK(BM_BaselineLineCount)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NoCrash)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CrashAtEnd)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
