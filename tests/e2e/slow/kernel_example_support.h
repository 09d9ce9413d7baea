// What the slow tests of the kernel example (examples/linux-qemu) share:
// where the example is, when it cannot run here, and reading its files.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/test_support.h"
#include "util/process.h"

namespace culprit::testing {

inline const std::filesystem::path kKernelExample =
    std::filesystem::path(CULPRIT_SOURCE_DIR) / "examples" / "linux-qemu";

// The reason to skip, or empty when the example can run here.
inline std::string kernel_example_missing_prerequisite() {
  if (!std::filesystem::exists("/usr/src/linux-source-6.1.tar.xz"))
    return "/usr/src/linux-source-6.1.tar.xz is absent (install linux-source-6.1)";
  if (sh("command -v qemu-system-x86_64", {}, false).status() != 0)
    return "qemu-system-x86_64 is absent (install qemu-system-x86)";
  if (!std::filesystem::exists("/bin/busybox"))
    return "/bin/busybox is absent (install busybox-static)";
  return {};
}

// make-history REPO --expected EXPECTED [VARIANT...] (e.g. "--guarded-bug"),
// with 30 minutes for the 1.6 GB repository.
inline ProcessResult make_kernel_history(const std::filesystem::path& repo,
                                         const std::filesystem::path& expected,
                                         const std::string& variant = "") {
  ProcessOptions p;
  p.timeout_seconds = 1800;
  return run_shell((kKernelExample / "make-history").string() + " " + repo.string() +
                       " --expected " + expected.string() + (variant.empty() ? "" : " " + variant),
                   p);
}

// A file's text ("" when it cannot be read: the caller's assertions say why).
inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace culprit::testing
