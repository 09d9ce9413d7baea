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

// The /init that runs the reproducer and powers off; its marker lines tell
// the runner how far a run got.
std::string default_init_script();
inline constexpr const char* kUserSpaceMarker = "culprit: user space reached";
inline constexpr const char* kReproDoneMarker = "culprit: reproducer exited with status ";

// Throws std::runtime_error with a message naming what is missing.
void write_initramfs(const std::filesystem::path& out, const InitramfsSpec& spec);

}  // namespace culprit::run
