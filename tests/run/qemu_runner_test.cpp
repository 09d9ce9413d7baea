// Boots Debian's packaged kernel (linux-image-amd64) under QEMU with the
// generated initramfs: a reproducer that exits cleanly is OK, one that
// crashes the kernel through /proc/sysrq-trigger is crashed.
#include "run/qemu_runner.h"

#include <gtest/gtest.h>

#include "report/crash_report.h"
#include "run/initramfs.h"
#include "support/test_support.h"
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

TEST(OutcomeFromConsole, Classification) {
  std::string booted = std::string("Linux version 6.1\n") + kUserSpaceMarker + "\n";
  EXPECT_EQ(outcome_from_console(booted + kReproDoneMarker + "0\n", 0, false, false).status, RunStatus::ok);
  EXPECT_EQ(outcome_from_console("Linux version 6.1\nKernel panic - VFS\n", 0, false, false).status,
            RunStatus::untestable);
  auto silent = outcome_from_console(booted, 137, true, false);
  EXPECT_EQ(silent.status, RunStatus::crashed);
  EXPECT_EQ(silent.title, "no output from test machine");
  auto gone = outcome_from_console(booted, 0, false, false);
  EXPECT_EQ(gone.title, "lost connection to test machine");
  EXPECT_EQ(outcome_from_console("", 1, false, false).status, RunStatus::infra_error);
  EXPECT_EQ(outcome_from_console("", 0, false, true).status, RunStatus::infra_error);
}

TEST(Initramfs, NewcArchiveListsTheFiles) {
  TempDir dir;
  write_file_atomic(dir / "repro.sh", "#!/bin/sh\necho hi\n");
  InitramfsSpec spec;
  spec.reproducer = dir / "repro.sh";
  write_initramfs(dir / "initramfs.cpio", spec);
  auto list = culprit::testing::sh("cpio -it < initramfs.cpio 2>/dev/null", dir.path()).output;
  for (const char* f : {"init", "repro", "bin/busybox", "bin/sh"})
    EXPECT_NE(list.find(f), std::string::npos) << f << " missing from:\n" << list;
}

class QemuBoot : public ::testing::Test {
 protected:
  void SetUp() override {
    kernel_ = packaged_kernel();
    if (!kernel_) GTEST_SKIP() << "no packaged kernel in /boot (install linux-image-amd64)";
  }
  RunOutcome boot(const std::string& script) {
    write_file_atomic(dir_ / "repro.sh", "#!/bin/sh\n" + script);
    QemuOptions o;
    o.kernel = *kernel_;
    o.reproducer = dir_ / "repro.sh";
    o.work_dir = dir_ / "work";
    o.timeout_seconds = 120;
    QemuRunner runner(o);
    RunRequest req;
    req.commit = "test";
    req.out_dir = dir_.path();
    req.log_path = dir_ / "console.log";
    auto out = runner.run(req);
    console_ = read_file(dir_ / "console.log");
    return out;
  }
  TempDir dir_;
  std::optional<std::filesystem::path> kernel_;
  std::string console_;
};

TEST_F(QemuBoot, CleanReproducerIsOk) {
  auto o = boot("echo reproducer ran\n");
  EXPECT_EQ(o.status, RunStatus::ok) << o.title << "\n" << console_.substr(console_.size() > 3000 ? console_.size() - 3000 : 0);
  EXPECT_NE(console_.find("reproducer ran"), std::string::npos);
  std::printf("clean run: %.1f s\n", o.seconds);
}

TEST_F(QemuBoot, SysrqCrashIsCrashed) {
  auto o = boot("echo c > /proc/sysrq-trigger\nsleep 5\n");
  EXPECT_EQ(o.status, RunStatus::crashed) << console_;
  auto report = report::find_crash(console_);
  EXPECT_EQ(o.title, report ? report->title : "lost connection to test machine");
  EXPECT_NE(console_.find("sysrq"), std::string::npos);
  std::printf("crash run: %.1f s, title: %s\n", o.seconds, o.title.c_str());
}

}  // namespace
}  // namespace culprit::run
