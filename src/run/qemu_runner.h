// The QEMU runner: boots the built kernel with an initramfs holding busybox
// and the reproducer, console on the serial port, and tells from the console
// output what one run did (INTERFACE.md, issue 4):
//   crash report in the console          -> crashed with its title
//   reproducer finished, VM powered off  -> ok
//   user space never reached             -> untestable ("boot failed")
//   qemu could not start                 -> infra_error
//   silent past the time limit           -> crashed "no output from test machine"
//   VM gone without a report             -> crashed "lost connection to test machine"
#pragma once

#include <filesystem>
#include <string>

#include "run/runner.h"

namespace culprit::run {

struct QemuOptions {
  // The kernel image: absolute, or relative to the run's $CULPRIT_OUT.
  std::filesystem::path kernel = "bzImage";
  std::filesystem::path reproducer;  // a C file (compiled with gcc -static) or an executable/script
  std::string cmdline_extra;
  int memory_mb = 512;
  double timeout_seconds = 300;
  std::filesystem::path work_dir;  // where the compiled reproducer and the initramfs go
};

class QemuRunner : public TestRunner {
 public:
  // Compiles the reproducer and writes the initramfs once. Throws UserError
  // (with the compiler's message, or the package to install) on bad input.
  explicit QemuRunner(QemuOptions options);
  std::string cache_key() const override;
  RunOutcome run(const RunRequest& request) override;
  bool needs_work_tree() const override { return false; }  // boots out_dir's kernel
  bool kvm() const { return kvm_; }
  std::string kernel_cmdline() const;

 private:
  QemuOptions options_;
  std::filesystem::path initramfs_;
  std::string initramfs_hash_;
  bool kvm_ = false;
};

// Outcome of one VM run from its console output and how qemu ended.
RunOutcome outcome_from_console(const std::string& console, int qemu_status, bool timed_out,
                                bool start_failed);

}  // namespace culprit::run
