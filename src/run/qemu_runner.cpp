#include "run/qemu_runner.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "report/crash_report.h"
#include "run/initramfs.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/process.h"
#include "util/text.h"

namespace culprit::run {
namespace {

// KVM only on request: on nested machines /dev/kvm may open fine while the
// guest never gets past the boot loader (seen on this project's machines),
// and a run that hangs costs the whole time limit.
bool kvm_usable() {
  const char* want = ::getenv("CULPRIT_KVM");
  if (!want || std::string(want) != "1") return false;
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

bool on_path(const std::string& tool) {
  return run_shell("command -v " + shell_quote(tool) + " >/dev/null 2>&1", {}).status() == 0;
}

}  // namespace

RunOutcome outcome_from_console(const std::string& console, int qemu_status, bool timed_out,
                                bool start_failed) {
  RunOutcome o;
  if (start_failed || (console.empty() && !timed_out && qemu_status != 0)) {
    o.status = RunStatus::infra_error;
    o.title = "qemu could not start";
    return o;
  }
  if (auto crash = report::find_crash(console)) {
    o.status = RunStatus::crashed;
    o.title = crash->title;
    o.type = crash->type;
    o.report = crash->report;
    o.alt_titles = crash->alt_titles;
    return o;
  }
  bool user_space = console.find(kUserSpaceMarker) != std::string::npos;
  bool done = console.find(kReproDoneMarker) != std::string::npos;
  if (done && !timed_out) {
    o.status = RunStatus::ok;
    return o;
  }
  if (!user_space) {
    o.status = RunStatus::untestable;
    o.title = timed_out ? "boot failed: no user space before the time limit" : "boot failed";
    return o;
  }
  o.status = RunStatus::crashed;
  if (timed_out) {
    o.title = "no output from test machine";
    o.type = "NO_OUTPUT";
  } else {
    o.title = "lost connection to test machine";
    o.type = "LOST_CONNECTION";
  }
  return o;
}

QemuRunner::QemuRunner(QemuOptions options) : options_(std::move(options)) {
  if (!on_path("qemu-system-x86_64"))
    throw UserError("qemu-system-x86_64 not found: install qemu-system-x86");
  if (!std::filesystem::exists("/bin/busybox"))
    throw UserError("busybox not found: install busybox-static");
  if (!std::filesystem::exists(options_.reproducer))
    throw UserError("--repro " + options_.reproducer.string() + " does not exist");
  std::filesystem::create_directories(options_.work_dir);
  std::filesystem::path repro = options_.reproducer;
  if (repro.extension() == ".c") {
    auto bin = options_.work_dir / "repro";
    ProcessOptions p;
    auto r = run_argv({"gcc", "-static", "-O1", "-pthread", "-o", bin.string(), repro.string()}, p);
    if (r.status() != 0) {
      std::string first;
      for (auto line : split_lines(r.output))
        if (line.find("error") != std::string_view::npos) {
          first = std::string(trim(line));
          break;
        }
      throw UserError("--repro " + repro.string() + " does not compile: " +
                      (first.empty() ? std::string(trim(r.output)) : first));
    }
    repro = bin;
  }
  initramfs_ = options_.work_dir / "initramfs.cpio";
  InitramfsSpec spec;
  spec.reproducer = repro;
  try {
    write_initramfs(initramfs_, spec);
  } catch (const std::runtime_error& e) {
    throw UserError(e.what());
  }
  initramfs_hash_ = sha256_file_hex(initramfs_);
  kvm_ = kvm_usable();
}

std::string QemuRunner::kernel_cmdline() const {
  std::string cmdline = "console=ttyS0 panic_on_warn=1 oops=panic panic=-1";
  if (!options_.cmdline_extra.empty()) cmdline += " " + options_.cmdline_extra;
  return cmdline;
}

std::string QemuRunner::cache_key() const {
  // The same binary with the same reproducer and command line: same test.
  return "qemu:" + initramfs_hash_ + "|" + kernel_cmdline() + "|" +
         std::to_string(options_.memory_mb);
}

RunOutcome QemuRunner::run(const RunRequest& req) {
  std::filesystem::path kernel =
      options_.kernel.is_absolute() ? options_.kernel : req.out_dir / options_.kernel;
  RunOutcome o;
  if (!std::filesystem::exists(kernel)) {
    o.status = RunStatus::infra_error;
    o.title = "kernel image " + kernel.string() + " not found";
    return o;
  }
  std::vector<std::string> argv = {"qemu-system-x86_64",
                                   "-m",
                                   std::to_string(options_.memory_mb),
                                   "-smp",
                                   "1",
                                   "-nographic",
                                   "-no-reboot",
                                   "-kernel",
                                   kernel.string(),
                                   "-initrd",
                                   initramfs_.string(),
                                   "-append",
                                   kernel_cmdline()};
  if (kvm_) {
    argv.insert(argv.end(), {"-enable-kvm", "-cpu", "host"});
  }
  ProcessOptions p;
  p.timeout_seconds = options_.timeout_seconds;
  p.log_path = req.log_path;
  auto r = run_argv(argv, p);
  if (r.interrupted) {
    o.status = RunStatus::infra_error;
    o.title = "interrupted";
    return o;
  }
  o = outcome_from_console(r.output, r.status(), r.timed_out, r.start_failed);
  o.seconds = r.seconds;
  return o;
}

}  // namespace culprit::run
