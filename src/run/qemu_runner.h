// The QEMU runner: boots the built kernel with an initramfs holding busybox
// and the reproducer, console on the serial port, and tells from the console
// output what one run did (INTERFACE.md, issue 4):
//   crash report in the console             -> crashed with its title
//   reproducer exited, no crash in the grace -> ok (VM powered off, halted or stopped)
//   user space never reached                -> untestable ("boot failed")
//   qemu could not start or failed          -> infra_error
//   console silent for the silence limit    -> crashed "no output from test machine"
//   console alive at the run's time limit   -> crashed "timed out"
//   VM gone without a report                -> crashed "lost connection to test machine"
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "run/console_watch.h"
#include "run/runner.h"

namespace culprit::run {

// syzkaller's limit for a console without output (its default no-output
// timeout is 5 minutes): a kernel that prints nothing for that long while a
// reproducer runs is stuck. A shorter --test-timeout lowers it.
inline constexpr double kSilenceSeconds = 300;
// A working KVM boots a distribution kernel to user space in 1-2 s; one
// that has not in this long is broken (nested machines) or slower than TCG
// (~6 s here), and TCG is the better choice either way.
inline constexpr double kKvmProbeSeconds = 15;

struct QemuOptions {
  // The kernel image: absolute, or relative to the run's $CULPRIT_OUT.
  std::filesystem::path kernel = "bzImage";
  std::filesystem::path reproducer;  // a C file (compiled with gcc -static) or an executable/script
  std::string cmdline_extra;
  int cpus = 2;
  int memory_mb = 512;
  double timeout_seconds = 300;              // wall-clock limit of one run
  double silence_seconds = kSilenceSeconds;  // capped by timeout_seconds
  double kvm_probe_seconds = kKvmProbeSeconds;
  std::filesystem::path work_dir;  // where the compiled reproducer and the initramfs go
};

// KVM or TCG, and why (for the log).
struct Accel {
  bool kvm = false;
  std::string why;  // "no /dev/kvm", "CULPRIT_KVM=1", "KVM probe reached user space", ...
};

class QemuRunner : public TestRunner {
 public:
  // Compiles the reproducer and writes the initramfs once. Throws UserError
  // (with the compiler's message, or the package to install) on bad input,
  // including a CULPRIT_KVM other than 0 or 1.
  explicit QemuRunner(QemuOptions options);
  std::string cache_key() const override;
  // Safe on several threads at once (--jobs): each run has its own qemu
  // process, console pipe and log; the runner's own state is only read.
  RunOutcome run(const RunRequest& request) override;
  bool needs_work_tree() const override { return false; }  // boots out_dir's kernel

  // Decides KVM or TCG for a bisection once, before its first run: CULPRIT_KVM=0|1
  // forces it; otherwise KVM when /dev/kvm opens and a probe boot with it
  // reaches user space within kKvmProbeSeconds. The choice is recorded in
  // `record` (the probe's console beside it) and read back from there when
  // `resuming`, so that a resumed bisection runs and logs as it started.
  void choose_accel(const std::filesystem::path& record, bool resuming);
  // Probes without recording (choose_accel's work).
  Accel probe_accel(const std::filesystem::path& probe_log) const;
  void set_accel(Accel accel) { accel_ = std::move(accel); }
  const Accel& accel() const { return accel_; }
  // "qemu-system-x86_64, TCG (no /dev/kvm), 2 CPUs, 512 MiB", for the log.
  std::string machine() const;
  std::string kernel_cmdline() const;
  ConsoleLimits console_limits() const;

 private:
  std::vector<std::string> qemu_argv(const std::filesystem::path& kernel,
                                     const std::filesystem::path& initramfs, bool kvm) const;
  QemuOptions options_;
  std::optional<bool> forced_kvm_;
  std::filesystem::path initramfs_;
  std::string initramfs_hash_;
  Accel accel_{false, "not decided"};
};

// Outcome of one VM run from its console output, how it ended, and qemu's
// exit status (meaningful when it exited by itself).
RunOutcome outcome_from_console(const std::string& console, VmEnd end, int qemu_status);

// --vm-memory: "512M", "1G", "1536" (MiB) -> MiB. Throws UserError.
int parse_vm_memory_mb(const std::string& text);

}  // namespace culprit::run
