#include "run/qemu_runner.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "report/crash_report.h"
#include "run/initramfs.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/process.h"
#include "util/text.h"

namespace culprit::run {
namespace {

bool on_path(const std::string& tool) {
  return run_shell("command -v " + shell_quote(tool) + " >/dev/null 2>&1", {}).status() == 0;
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// CULPRIT_KVM=1 uses KVM without a probe, 0 never uses it; unset (or
// empty) lets the probe decide.
std::optional<bool> kvm_from_environment() {
  const char* want = ::getenv("CULPRIT_KVM");
  if (!want || !*want) return std::nullopt;
  std::string v(want);
  if (v == "1") return true;
  if (v == "0") return false;
  throw UserError("CULPRIT_KVM=" + v + ": use 1 (always KVM), 0 (never) or leave it unset (probe)");
}

// The kernel a KVM probe boots before anything is built: --kernel-image
// when it names a file, else the host's distribution kernel.
std::optional<std::filesystem::path> probe_kernel(const std::filesystem::path& configured) {
  std::error_code ec;
  if (configured.is_absolute() && std::filesystem::is_regular_file(configured, ec))
    return configured;
  std::vector<std::filesystem::path> found;
  for (const auto& e : std::filesystem::directory_iterator("/boot", ec))
    if (starts_with(e.path().filename().string(), "vmlinuz-")) found.push_back(e.path());
  if (found.empty()) return std::nullopt;
  std::sort(found.begin(), found.end());
  return found.back();
}

RunOutcome outcome(RunStatus status, std::string title, std::string type = "") {
  RunOutcome o;
  o.status = status;
  o.title = std::move(title);
  o.type = std::move(type);
  return o;
}

// qemu's own complaint (it prefixes its messages with its name), for an
// infra_error's reason.
std::string qemu_message(const std::string& console) {
  std::string last;
  for (auto line : split_lines(console))
    if (starts_with(trim(line), "qemu-system-")) last = std::string(trim(line));
  return last.substr(0, 200);
}

}  // namespace

RunOutcome outcome_from_console(const std::string& console, VmEnd end, int qemu_status) {
  if (end == VmEnd::start_failed) return outcome(RunStatus::infra_error, "qemu could not start");
  auto crash = report::find_crash(console);
  if (!crash && end == VmEnd::exited && qemu_status != 0) {
    // A guest cannot make qemu fail (power-off and reboot on panic exit 0):
    // a failing qemu is the host's problem (bad option, no memory, a KVM
    // that refuses the CPU model), never the commit's.
    std::string why = qemu_message(console);
    return outcome(RunStatus::infra_error, fmt::format("qemu failed with exit status {}{}",
                                                       qemu_status, why.empty() ? "" : ": " + why));
  }
  if (crash) {
    RunOutcome o = outcome(RunStatus::crashed, crash->title, crash->type);
    o.report = crash->report;
    o.alt_titles = crash->alt_titles;
    return o;
  }
  if (console.find(kReproDoneMarker) != std::string::npos) return outcome(RunStatus::ok, "");
  if (console.find(kUserSpaceMarker) == std::string::npos) {
    switch (end) {
      case VmEnd::timed_out:
        return outcome(RunStatus::untestable, "boot failed: no user space before the time limit");
      case VmEnd::silent:
        return outcome(RunStatus::untestable, "boot failed: the console fell silent");
      default:
        return outcome(RunStatus::untestable, "boot failed");
    }
  }
  switch (end) {
    case VmEnd::silent:
      // syzbot's title for a console that stayed silent.
      return outcome(RunStatus::crashed, "no output from test machine", "NO_OUTPUT");
    case VmEnd::timed_out:
      // Still talking at the limit: the reproducer runs on (a livelock, a
      // loop that never ends). The command runner's title for the same.
      return outcome(RunStatus::crashed, "timed out", "HANG");
    default:
      return outcome(RunStatus::crashed, "lost connection to test machine", "LOST_CONNECTION");
  }
}

int parse_vm_memory_mb(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  double mib = unit.empty() || unit == "M" || unit == "MiB" ? value
               : unit == "G" || unit == "GiB"               ? value * 1024
                                                            : -1;
  if (used == 0 || !std::isfinite(mib) || mib < 64 || mib > 1024 * 1024 || mib != std::floor(mib))
    throw UserError("--vm-memory " + text +
                    ": not a memory size from 64M to 1024G (e.g. 512M, 2G; a plain number is MiB)");
  return static_cast<int>(mib);
}

QemuRunner::QemuRunner(QemuOptions options) : options_(std::move(options)) {
  forced_kvm_ = kvm_from_environment();
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
  if (forced_kvm_) accel_ = {*forced_kvm_, *forced_kvm_ ? "CULPRIT_KVM=1" : "CULPRIT_KVM=0"};
}

std::string QemuRunner::kernel_cmdline() const {
  std::string cmdline = "console=ttyS0 panic_on_warn=1 oops=panic panic=-1";
  if (!options_.cmdline_extra.empty()) cmdline += " " + options_.cmdline_extra;
  return cmdline;
}

std::string QemuRunner::cache_key() const {
  // The same binary with the same reproducer (and init script, which holds
  // the grace period), command line and machine size: same test. KVM or
  // TCG is how fast the machine is, not what it is, and stays out.
  return fmt::format("qemu:{}|{}|{}|cpus={}", initramfs_hash_, kernel_cmdline(), options_.memory_mb,
                     options_.cpus);
}

std::string QemuRunner::machine() const {
  return fmt::format("qemu-system-x86_64, {} ({}), {} CPU{}, {} MiB", accel_.kvm ? "KVM" : "TCG",
                     accel_.why, options_.cpus, options_.cpus == 1 ? "" : "s", options_.memory_mb);
}

ConsoleLimits QemuRunner::console_limits() const {
  ConsoleLimits l;
  // The guest itself waits the grace period before it powers off; culprit
  // stops a VM that outlives that by 5 s (a kernel that does not power off).
  l.after_exit_quiet_seconds = kLateCrashGraceSeconds + 5;
  l.after_exit_cap_seconds = 60;
  l.total_seconds = options_.timeout_seconds;
  l.silence_seconds = std::min(options_.silence_seconds, options_.timeout_seconds);
  return l;
}

std::vector<std::string> QemuRunner::qemu_argv(const std::filesystem::path& kernel,
                                               const std::filesystem::path& initramfs,
                                               bool kvm) const {
  std::vector<std::string> argv = {"qemu-system-x86_64",
                                   "-m",
                                   std::to_string(options_.memory_mb),
                                   "-smp",
                                   std::to_string(options_.cpus),
                                   "-nographic",
                                   "-no-reboot",
                                   "-kernel",
                                   kernel.string(),
                                   "-initrd",
                                   initramfs.string(),
                                   "-append",
                                   kernel_cmdline()};
  if (kvm) argv.insert(argv.end(), {"-enable-kvm", "-cpu", "host"});
  return argv;
}

Accel QemuRunner::probe_accel(const std::filesystem::path& probe_log) const {
  if (forced_kvm_) return accel_;
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return {false, e == ENOENT ? "no /dev/kvm" : std::string("/dev/kvm: ") + std::strerror(e)};
  }
  ::close(fd);
  auto kernel = probe_kernel(options_.kernel);
  if (!kernel) return {false, "no kernel to probe KVM with before the first build"};
  auto script = options_.work_dir / "kvm-probe.sh";
  auto initramfs = options_.work_dir / "kvm-probe.cpio";
  write_file_atomic(script, "#!/bin/sh\n");
  InitramfsSpec spec;
  spec.reproducer = script;
  write_initramfs(initramfs, spec);
  ConsoleLimits limits;
  limits.total_seconds = options_.kvm_probe_seconds;
  ConsoleWatch watch(limits, now_seconds());
  ProcessOptions p;
  p.timeout_seconds = options_.kvm_probe_seconds + 5;
  p.log_path = probe_log;
  p.watch = [&watch](std::string_view out) {
    return watch.feed(out, now_seconds()) || watch.user_space();
  };
  auto r = run_argv(qemu_argv(*kernel, initramfs, true), p);
  if (watch.user_space()) return {true, "KVM probe reached user space"};
  if (r.start_failed) return {false, "KVM probe: qemu could not start"};
  if (r.interrupted) throw AbortError("interrupted during the KVM probe");
  if (r.stopped && watch.end() == VmEnd::halted)
    return {false, "KVM probe: halted before user space"};
  if (r.stopped || r.timed_out)
    return {false, fmt::format("KVM probe: no user space in {:g} s", options_.kvm_probe_seconds)};
  if (r.status() == 0) return {false, "KVM probe: ended before user space"};
  return {false, fmt::format("KVM probe: qemu exited with status {}", r.status())};
}

void QemuRunner::choose_accel(const std::filesystem::path& record, bool resuming) {
  std::error_code ec;
  if (resuming && !forced_kvm_ && std::filesystem::exists(record, ec)) {
    // "kvm <why>" or "tcg <why>"
    std::string text(trim(read_file(record)));
    auto space = text.find(' ');
    std::string word = text.substr(0, space);
    if ((word == "kvm" || word == "tcg") && space != std::string::npos) {
      accel_ = {word == "kvm", text.substr(space + 1)};
      return;
    }
  }
  auto probe_log = record;
  probe_log.replace_extension(".probe.log");
  accel_ = probe_accel(probe_log);
  write_file_atomic(record, (accel_.kvm ? "kvm " : "tcg ") + accel_.why + "\n");
}

RunOutcome QemuRunner::run(const RunRequest& req) {
  // The engine runs tests on threads: an exception here would terminate
  // culprit, so every failure of the machinery becomes an infra_error.
  try {
    std::filesystem::path kernel =
        options_.kernel.is_absolute() ? options_.kernel : req.out_dir / options_.kernel;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(kernel, ec))
      return outcome(RunStatus::infra_error, "kernel image " + kernel.string() + " not found");
    ConsoleWatch watch(console_limits(), now_seconds());
    ProcessOptions p;
    // The watch ends the run; this is only a backstop should it not.
    p.timeout_seconds = options_.timeout_seconds + 30;
    p.log_path = req.log_path;
    p.watch = [&watch](std::string_view out) { return watch.feed(out, now_seconds()); };
    auto r = run_argv(qemu_argv(kernel, initramfs_, accel_.kvm), p);
    if (r.interrupted) return outcome(RunStatus::infra_error, "interrupted");
    VmEnd end = r.start_failed ? VmEnd::start_failed
                : r.stopped    ? watch.end()
                : r.timed_out  ? VmEnd::timed_out
                               : VmEnd::exited;
    RunOutcome o = outcome_from_console(r.output, end, r.status());
    o.seconds = r.seconds;
    return o;
  } catch (const std::exception& e) {
    return outcome(RunStatus::infra_error, std::string("qemu run failed: ") + e.what());
  } catch (...) {
    return outcome(RunStatus::infra_error, "qemu run failed");
  }
}

}  // namespace culprit::run
