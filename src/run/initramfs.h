// A minimal initramfs for reproducer runs: busybox, an /init script and the
// reproducer, written directly in the kernel's "newc" cpio format (no cpio
// or gzip needed; every kernel accepts an uncompressed initramfs).
#pragma once

#include <filesystem>
#include <string>

namespace culprit::run {

struct InitramfsSpec {
  std::filesystem::path busybox = "/bin/busybox";  // must be static (busybox-static)
  std::filesystem::path reproducer;                // an executable or a shell script
  std::string init_script;                         // empty: the default /init below
};

// The /init that runs the reproducer, waits the grace period below and
// powers off; its marker lines tell the runner how far a run got.
std::string default_init_script();
inline constexpr const char* kUserSpaceMarker = "culprit: user space reached";
inline constexpr const char* kReproDoneMarker = "culprit: reproducer exited with status ";

// Seconds the kernel stays up after the reproducer exits, for late crash
// reports: work the reproducer left behind runs after its last syscall
// returned (RCU callbacks and the frees they do, where KASAN reports a
// use-after-free; workqueue items such as network namespace cleanup;
// delayed work and timers that WARN), and it prints within milliseconds to
// a few seconds of the exit. syzkaller waits 10 s (times its slowdown
// factor) for the same reason; 5 s keeps most of that window while a clean
// run of a small kernel (2-6 s to boot here) does not cost three times its
// boot. Reports later than that (hung tasks after 120 s, kmemleak scans)
// are outside any such window anyway.
inline constexpr int kLateCrashGraceSeconds = 5;

// Throws std::runtime_error with a message naming what is missing.
void write_initramfs(const std::filesystem::path& out, const InitramfsSpec& spec);

}  // namespace culprit::run
