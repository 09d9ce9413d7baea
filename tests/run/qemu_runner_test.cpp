// The QEMU runner. Its decisions are tested with a fake qemu-system-x86_64
// (a shell script on PATH that prints a console transcript), and the real
// path by booting Debian's packaged kernel (linux-image-amd64) under TCG
// with the generated initramfs: a clean two-thread reproducer on two CPUs,
// the kernel without ACPI (it halts instead of powering off), a crash
// through /proc/sysrq-trigger.
#include "run/qemu_runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "report/crash_report.h"
#include "run/initramfs.h"
#include "support/test_support.h"
#include "util/error.h"
#include "util/text.h"

namespace culprit::run {
namespace {

using culprit::testing::TempDir;

std::optional<std::filesystem::path> packaged_kernel() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/boot", ec))
    if (starts_with(e.path().filename().string(), "vmlinuz-")) return e.path();
  return std::nullopt;
}

bool kvm_opens() {
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// Sets an environment variable for one test (gtest runs a test's body on
// the main thread; nothing else reads the environment meanwhile).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(OutcomeFromConsole, Classification) {
  std::string booted = std::string("Linux version 6.1\n") + kUserSpaceMarker + "\n";
  std::string done = booted + kReproDoneMarker + "0\n";
  for (VmEnd end : {VmEnd::exited, VmEnd::halted, VmEnd::finished, VmEnd::timed_out})
    EXPECT_EQ(outcome_from_console(done, end, 0).status, RunStatus::ok) << to_string(end);
  EXPECT_EQ(
      outcome_from_console("Linux version 6.1\nKernel panic - VFS\n", VmEnd::exited, 0).status,
      RunStatus::untestable);
  EXPECT_EQ(outcome_from_console("Linux version 6.1\n", VmEnd::silent, 137).status,
            RunStatus::untestable);
  auto silent = outcome_from_console(booted, VmEnd::silent, 137);
  EXPECT_EQ(silent.status, RunStatus::crashed);
  EXPECT_EQ(silent.title, "no output from test machine");
  EXPECT_EQ(silent.type, "NO_OUTPUT");
  auto limit = outcome_from_console(booted + "still busy\n", VmEnd::timed_out, 137);
  EXPECT_EQ(limit.status, RunStatus::crashed);
  EXPECT_EQ(limit.title, "timed out");
  EXPECT_EQ(limit.type, "HANG");
  auto gone = outcome_from_console(booted, VmEnd::exited, 0);
  EXPECT_EQ(gone.title, "lost connection to test machine");
  EXPECT_EQ(gone.type, "LOST_CONNECTION");
  EXPECT_EQ(outcome_from_console(booted, VmEnd::halted, 137).title,
            "lost connection to test machine");
  EXPECT_EQ(outcome_from_console("", VmEnd::exited, 1).status, RunStatus::infra_error);
  EXPECT_EQ(outcome_from_console("", VmEnd::start_failed, 127).status, RunStatus::infra_error);
  auto qemu_failed = outcome_from_console(
      booted + "qemu-system-x86_64: terminating: out of memory\n", VmEnd::exited, 1);
  EXPECT_EQ(qemu_failed.status, RunStatus::infra_error);
  EXPECT_NE(qemu_failed.title.find("out of memory"), std::string::npos) << qemu_failed.title;
}

TEST(OutcomeFromConsole, ACrashAfterTheExitMarkerIsACrash) {
  std::string console = std::string(kUserSpaceMarker) + "\n" + kReproDoneMarker + "0\n" +
                        "[    3.1] kernel BUG at fs/inode.c:611!\n"
                        "[    3.1] invalid opcode: 0000 [#1] PREEMPT SMP\n"
                        "[    3.1] RIP: 0010:evict+0x2a1/0x2b0\n"
                        "[    3.1] Kernel panic - not syncing: Fatal exception\n";
  auto o = outcome_from_console(console, VmEnd::exited, 0);
  EXPECT_EQ(o.status, RunStatus::crashed);
  auto crash = report::find_crash(console);
  ASSERT_TRUE(crash);
  EXPECT_EQ(o.title, crash->title);
}

TEST(VmMemory, Sizes) {
  EXPECT_EQ(parse_vm_memory_mb("512M"), 512);
  EXPECT_EQ(parse_vm_memory_mb("512"), 512);
  EXPECT_EQ(parse_vm_memory_mb("2G"), 2048);
  EXPECT_EQ(parse_vm_memory_mb("1.5G"), 1536);
  EXPECT_EQ(parse_vm_memory_mb("1GiB"), 1024);
  for (const char* bad : {"", "M", "lots", "32M", "0", "-1G", "1T", "2048G", "0.5M", "nanG"})
    EXPECT_THROW(parse_vm_memory_mb(bad), UserError) << bad;
}

TEST(Initramfs, NewcArchiveListsTheFiles) {
  TempDir dir;
  write_file_atomic(dir / "repro.sh", "#!/bin/sh\necho hi\n");
  InitramfsSpec spec;
  spec.reproducer = dir / "repro.sh";
  write_initramfs(dir / "initramfs.cpio", spec);
  auto list = culprit::testing::sh("cpio -it < initramfs.cpio 2>/dev/null", dir.path()).output;
  for (const char* f : {"init", "repro", "bin/busybox", "bin/sh", "bin/halt"})
    EXPECT_NE(list.find(f), std::string::npos) << f << " missing from:\n" << list;
  auto init = default_init_script();
  EXPECT_NE(init.find("sleep " + std::to_string(kLateCrashGraceSeconds) + "\n"), std::string::npos)
      << "the grace period for late crashes runs in the guest:\n"
      << init;
}

// A fake qemu-system-x86_64 first on PATH: `body` is a shell script; it
// finds its arguments in "$@" and the kernel image after -kernel. Every
// call appends its arguments to args.log.
class FakeQemu : public ::testing::Test {
 protected:
  FakeQemu() : path_("PATH", (dir_ / "bin").string() + ":" + std::string(::getenv("PATH"))) {
    std::filesystem::create_directories(dir_ / "bin");
    write_file_atomic(dir_ / "bzImage", "not really a kernel\n");
    write_file_atomic(dir_ / "repro.sh", "#!/bin/sh\ntrue\n");
    fake("exit 0\n");
  }
  void fake(const std::string& body) {
    auto script = dir_ / "bin" / "qemu-system-x86_64";
    write_file_atomic(script,
                      "#!/bin/sh\necho \"$@\" >> " + (dir_ / "args.log").string() + "\n" + body);
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  }
  QemuOptions options() {
    QemuOptions o;
    o.kernel = dir_ / "bzImage";
    o.reproducer = dir_ / "repro.sh";
    o.work_dir = dir_ / "work";
    o.timeout_seconds = 120;
    return o;
  }
  RunOutcome run(QemuRunner& runner, const std::string& log = "console.log") {
    RunRequest req;
    req.commit = "test";
    req.out_dir = dir_.path();
    req.log_path = dir_ / log;
    return runner.run(req);
  }
  std::string args() {
    return std::filesystem::exists(dir_ / "args.log") ? read_file(dir_ / "args.log") : "";
  }

  TempDir dir_;
  ScopedEnv path_;
  ScopedEnv kvm_{"CULPRIT_KVM", std::nullopt};
};

const std::string kBootTranscript =
    "echo '[    0.000000] Linux version 6.1.0-fake'\n"
    "echo 'culprit: user space reached'\n";

TEST_F(FakeQemu, MachineSizeDefaultsToTwoCpusAnd512MiB) {
  fake(kBootTranscript + "echo 'culprit: reproducer exited with status 0'\n");
  QemuRunner runner(options());
  EXPECT_EQ(run(runner).status, RunStatus::ok);
  EXPECT_NE(args().find("-m 512 -smp 2 "), std::string::npos) << args();
  auto o = options();
  o.cpus = 4;
  o.memory_mb = 2048;
  QemuRunner bigger(o);
  EXPECT_NE(runner.cache_key(), bigger.cache_key()) << "a verdict is reused only for the same VM";
  EXPECT_EQ(run(bigger).status, RunStatus::ok);
  EXPECT_NE(args().find("-m 2048 -smp 4 "), std::string::npos) << args();
  bigger.set_accel({false, "no /dev/kvm"});
  EXPECT_EQ(bigger.machine(), "qemu-system-x86_64, TCG (no /dev/kvm), 4 CPUs, 2048 MiB");
}

TEST_F(FakeQemu, HaltingKernelEndsTheRunAtItsHaltLine) {
  // A kernel without ACPI power-off: after the reproducer and the halt, the
  // machine stays up until someone stops it.
  fake(kBootTranscript +
       "echo 'culprit: reproducer exited with status 0'\n"
       "echo '[    7.000000] reboot: System halted'\n"
       "exec sleep 1000\n");
  QemuRunner runner(options());  // 120 s limit
  auto o = run(runner);
  EXPECT_EQ(o.status, RunStatus::ok) << o.title;
  EXPECT_LT(o.seconds, 60) << "the run waited for its time limit instead of ending at the halt";
}

TEST_F(FakeQemu, LateCrashAfterTheReproducerExitedIsCaught) {
  fake(kBootTranscript +
       "echo 'culprit: reproducer exited with status 0'\n"
       "sleep 0.5\n"
       "echo '[    3.100000] kernel BUG at fs/inode.c:611!'\n"
       "echo '[    3.100000] invalid opcode: 0000 [#1] PREEMPT SMP'\n"
       "echo '[    3.100000] RIP: 0010:evict+0x2a1/0x2b0'\n"
       "echo '[    3.100000] Kernel panic - not syncing: Fatal exception'\n");
  QemuRunner runner(options());
  auto o = run(runner);
  EXPECT_EQ(o.status, RunStatus::crashed);
  EXPECT_NE(o.title.find("kernel BUG"), std::string::npos) << o.title;
}

TEST_F(FakeQemu, SilentConsoleAndTimeLimitAreTwoOutcomes) {
  auto o = options();
  o.timeout_seconds = 3;
  o.silence_seconds = 1;
  fake(kBootTranscript + "exec sleep 1000\n");
  QemuRunner silent_runner(o);
  auto silent = run(silent_runner);
  EXPECT_EQ(silent.status, RunStatus::crashed);
  EXPECT_EQ(silent.title, "no output from test machine");
  EXPECT_EQ(silent.type, "NO_OUTPUT");

  fake(kBootTranscript + "while :; do echo '[   10.0] still busy'; sleep 0.2; done\n");
  QemuRunner busy_runner(o);
  auto busy = run(busy_runner);
  EXPECT_EQ(busy.status, RunStatus::crashed);
  EXPECT_EQ(busy.title, "timed out");
  EXPECT_EQ(busy.type, "HANG");
}

TEST_F(FakeQemu, RunNeverThrows) {
  QemuRunner runner(options());
  // qemu fails (a host problem, not the commit's).
  fake(
      "echo 'qemu-system-x86_64: cannot set up guest memory: Cannot allocate memory' >&2\nexit "
      "1\n");
  auto failed = run(runner);
  EXPECT_EQ(failed.status, RunStatus::infra_error);
  EXPECT_NE(failed.title.find("Cannot allocate memory"), std::string::npos) << failed.title;
  // The kernel image is missing.
  auto o = options();
  o.kernel = dir_ / "no-such-bzImage";
  QemuRunner no_kernel(o);
  auto missing = run(no_kernel);
  EXPECT_EQ(missing.status, RunStatus::infra_error);
  EXPECT_NE(missing.title.find("no-such-bzImage"), std::string::npos) << missing.title;
  // The log cannot be written.
  auto unwritable = run(runner, "no-such-dir/console.log");
  EXPECT_EQ(unwritable.status, RunStatus::infra_error);
  EXPECT_NE(unwritable.title.find("no-such-dir"), std::string::npos) << unwritable.title;
  // qemu is gone from PATH after the runner was made.
  std::filesystem::remove(dir_ / "bin" / "qemu-system-x86_64");
  ScopedEnv empty_path("PATH", (dir_ / "bin").string());
  auto gone = run(runner);
  EXPECT_EQ(gone.status, RunStatus::infra_error);
  EXPECT_EQ(gone.title, "qemu could not start");
}

TEST_F(FakeQemu, RunsOnTwoThreadsAtOnceKeepTheirOwnConsoles) {
  // Each VM prints its pid and waits until both have started: the two runs
  // are in flight at once, each with its own console.
  fake(kBootTranscript +
       "echo \"pid $$\"\n"
       "touch " +
       (dir_ / "started.").string() +
       "$$\n"
       "for i in $(seq 400); do\n"
       "  if [ $(ls " +
       dir_.path().string() +
       " | grep -c '^started\\.') -ge 2 ]; then\n"
       "    echo 'both VMs up'; break\n"
       "  fi\n"
       "  sleep 0.05\n"
       "done\n"
       "echo 'culprit: reproducer exited with status 0'\n");
  QemuRunner runner(options());
  RunOutcome a, b;
  std::thread ta([&] { a = run(runner, "run-0.log"); });
  std::thread tb([&] { b = run(runner, "run-1.log"); });
  ta.join();
  tb.join();
  EXPECT_EQ(a.status, RunStatus::ok) << a.title;
  EXPECT_EQ(b.status, RunStatus::ok) << b.title;
  auto log0 = read_file(dir_ / "run-0.log");
  auto log1 = read_file(dir_ / "run-1.log");
  auto pid_of = [](const std::string& log) { return log.substr(log.find("pid ")); };
  EXPECT_NE(pid_of(log0).substr(0, pid_of(log0).find('\n')),
            pid_of(log1).substr(0, pid_of(log1).find('\n')))
      << "each run has its own console";
  EXPECT_NE(log0.find("both VMs up"), std::string::npos) << log0;
  EXPECT_NE(log1.find("both VMs up"), std::string::npos) << log1;
  EXPECT_EQ(std::count(log0.begin(), log0.end(), '\n'), 5) << log0;
}

TEST_F(FakeQemu, KvmProbe) {
  // The fake boots to user space only with KVM.
  fake(
      "case \"$*\" in *-enable-kvm*) echo 'culprit: user space reached'; exec sleep 1000;; esac\n"
      "exit 1\n");
  auto o = options();
  o.kvm_probe_seconds = 2;
  QemuRunner runner(o);
  auto accel = runner.probe_accel(dir_ / "probe.log");
  if (kvm_opens()) {
    EXPECT_TRUE(accel.kvm) << accel.why;
    EXPECT_EQ(accel.why, "KVM probe reached user space");
    EXPECT_NE(args().find("-enable-kvm -cpu host"), std::string::npos) << args();
  } else {
    EXPECT_FALSE(accel.kvm);
    EXPECT_TRUE(accel.why == "no /dev/kvm" || starts_with(accel.why, "/dev/kvm: ")) << accel.why;
    EXPECT_EQ(args(), "") << "no probe boot without /dev/kvm";
  }
  // A KVM that opens but whose guests hang (nested machines).
  fake("exec sleep 1000\n");
  accel = runner.probe_accel(dir_ / "probe.log");
  EXPECT_FALSE(accel.kvm);
  if (kvm_opens()) {
    EXPECT_EQ(accel.why, "KVM probe: no user space in 2 s");
  }
}

TEST_F(FakeQemu, AccelChoiceIsRecordedAndReadBackWhenResuming) {
  fake("exit 1\n");  // any probe boot fails
  QemuRunner runner(options());
  auto record = dir_ / "state" / "test-machine";
  std::filesystem::create_directories(record.parent_path());
  write_file_atomic(record, "kvm KVM probe reached user space\n");
  runner.choose_accel(record, true);
  EXPECT_TRUE(runner.accel().kvm) << "resuming keeps the choice the bisection started with";
  EXPECT_EQ(runner.accel().why, "KVM probe reached user space");
  runner.choose_accel(record, false);
  EXPECT_FALSE(runner.accel().kvm) << "a new bisection decides anew";
  EXPECT_EQ(read_file(record), "tcg " + runner.accel().why + "\n");
  {
    ScopedEnv force("CULPRIT_KVM", "1");
    QemuRunner forced(options());
    forced.choose_accel(record, true);
    EXPECT_TRUE(forced.accel().kvm);
    EXPECT_EQ(forced.accel().why, "CULPRIT_KVM=1");
    EXPECT_EQ(read_file(record), "kvm CULPRIT_KVM=1\n");
  }
  {
    ScopedEnv force("CULPRIT_KVM", "0");
    QemuRunner forced(options());
    forced.choose_accel(record, true);
    EXPECT_FALSE(forced.accel().kvm);
    EXPECT_EQ(forced.machine(), "qemu-system-x86_64, TCG (CULPRIT_KVM=0), 2 CPUs, 512 MiB");
  }
  ScopedEnv bad("CULPRIT_KVM", "yes");
  EXPECT_THROW(QemuRunner{options()}, UserError);
}

class QemuBoot : public ::testing::Test {
 protected:
  void SetUp() override {
    kernel_ = packaged_kernel();
    if (!kernel_) GTEST_SKIP() << "no packaged kernel in /boot (install linux-image-amd64)";
  }
  RunOutcome boot(const std::string& file, const std::string& source,
                  const std::string& cmdline = "") {
    write_file_atomic(dir_ / file, source);
    QemuOptions o;
    o.cmdline_extra = cmdline;
    o.kernel = *kernel_;
    o.reproducer = dir_ / file;
    o.work_dir = dir_ / "work";
    o.timeout_seconds = 120;
    QemuRunner runner(o);
    runner.set_accel({false, "test"});  // TCG: the path every machine has
    RunRequest req;
    req.commit = "test";
    req.out_dir = dir_.path();
    req.log_path = dir_ / "console.log";
    auto out = runner.run(req);
    console_ = read_file(dir_ / "console.log");
    return out;
  }
  std::string tail() const {
    return console_.substr(console_.size() > 3000 ? console_.size() - 3000 : 0);
  }
  TempDir dir_;
  std::optional<std::filesystem::path> kernel_;
  std::string console_;
};

TEST_F(QemuBoot, TwoThreadReproducerRunsOnTwoCpusAndIsOk) {
  auto o = boot("repro.c", R"(#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>
static atomic_long counter;
static void* race(void* arg) {
  (void)arg;
  for (int i = 0; i < 1000000; ++i) atomic_fetch_add(&counter, 1);
  return NULL;
}
int main(void) {
  printf("online CPUs: %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
  pthread_t a, b;
  pthread_create(&a, NULL, race, NULL);
  pthread_create(&b, NULL, race, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("counted %ld\n", (long)counter);
  return 0;
}
)");
  EXPECT_EQ(o.status, RunStatus::ok) << o.title << "\n" << tail();
  // The serial console ends lines with "\r\n".
  EXPECT_NE(console_.find("online CPUs: 2\r\n"), std::string::npos) << tail();
  EXPECT_NE(console_.find("counted 2000000"), std::string::npos) << tail();
  std::printf("clean run (2 CPUs, %d s grace): %.1f s\n", kLateCrashGraceSeconds, o.seconds);
}

TEST_F(QemuBoot, KernelThatCannotPowerOffEndsTheRunAtItsHalt) {
  // Without ACPI the kernel cannot power the machine off: the init script's
  // `poweroff -f` prints "reboot: System halted" and qemu stays up, as with
  // a tinyconfig kernel.
  auto o = boot("repro.sh", "#!/bin/sh\necho reproducer ran\n", "acpi=off");
  EXPECT_EQ(o.status, RunStatus::ok) << o.title << "\n" << tail();
  EXPECT_NE(console_.find("reboot: System halted"), std::string::npos) << tail();
  EXPECT_LT(o.seconds, 60) << "stopped by the time limit, not at the halt";
  std::printf("halted run: %.1f s\n", o.seconds);
}

TEST_F(QemuBoot, SysrqCrashIsCrashed) {
  auto o = boot("repro.sh", "#!/bin/sh\necho c > /proc/sysrq-trigger\nsleep 5\n");
  EXPECT_EQ(o.status, RunStatus::crashed) << console_;
  auto report = report::find_crash(console_);
  EXPECT_EQ(o.title, report ? report->title : "lost connection to test machine");
  EXPECT_NE(console_.find("sysrq"), std::string::npos);
  std::printf("crash run: %.1f s, title: %s\n", o.seconds, o.title.c_str());
}

}  // namespace
}  // namespace culprit::run
