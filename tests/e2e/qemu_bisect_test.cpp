// Bisections through the QEMU runner (--repro) with a fake
// qemu-system-x86_64 on PATH: the kernel image is the build's text, a
// "kernel" containing BUG crashes, any other prints the reproducer's exit
// and halts without powering off (as a kernel without ACPI does), so every
// clean run must end at its halt line. The fake logs when each VM starts and
// ends; the tests compare the order, not durations.
#include <sstream>

#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

struct Boot {
  double start = 0, end = 0;
};

class QemuBisection : public BisectE2E {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(tmp_ / "bin");
    auto fake = tmp_ / "bin" / "qemu-system-x86_64";
    std::string times = (tmp_ / "boots.log").string();
    write_file_atomic(fake, R"sh(#!/bin/sh
kernel=; prev=
for a in "$@"; do [ "$prev" = -kernel ] && kernel=$a; prev=$a; done
echo "$@" >> )sh" + (tmp_ / "args.log").string() +
                                R"sh(
echo "start $$ $(date +%s.%N)" >> )sh" +
                                times + R"sh(
echo '[    0.000000] Linux version 6.1.0-fake'
echo 'culprit: user space reached'
sleep 0.3
echo "end $$ $(date +%s.%N)" >> )sh" +
                                times + R"sh(
if grep -q BUG "$kernel"; then
  echo '[    3.100000] kernel BUG at fs/inode.c:611!'
  echo '[    3.100000] invalid opcode: 0000 [#1] PREEMPT SMP'
  echo '[    3.100000] RIP: 0010:evict+0x2a1/0x2b0'
  echo '[    3.100000] Kernel panic - not syncing: Fatal exception'
  exit 0
fi
echo 'culprit: reproducer exited with status 0'
echo '[    7.000000] reboot: System halted'
exec sleep 1000
)sh");
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
    write_file_atomic(tmp_ / "repro.sh", "#!/bin/sh\ntrue\n");
    for (int i = 0; i < 12; ++i)
      c_.push_back(i == 7 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  }

  ProcessResult bisect_qemu(const std::string& env, const std::string& extra = "") {
    std::string args =
        "bisect --repo " + shell_quote(repo_.path().string()) + " --state " +
        shell_quote((tmp_ / "state").string()) + " --good " + c_[0] + " --commit " + c_.back() +
        " --build 'cat *.txt > \"$CULPRIT_OUT/bzImage\"' --artifact '$CULPRIT_OUT/bzImage'" +
        " --repro " + shell_quote((tmp_ / "repro.sh").string()) + " --test-timeout 120 --runs 4" +
        " --jobs 2 --json " + shell_quote((tmp_ / "result.json").string()) + " " + extra;
    return run_shell("env " + env + " PATH=" + shell_quote((tmp_ / "bin").string()) +
                         ":\"$PATH\" " + shell_quote(culprit_binary()) + " " + args,
                     {});
  }

  std::vector<Boot> boots() {
    std::map<std::string, Boot> by_pid;
    std::istringstream in(read_file(tmp_ / "boots.log"));
    std::string what, pid;
    double at;
    while (in >> what >> pid >> at) (what == "start" ? by_pid[pid].start : by_pid[pid].end) = at;
    std::vector<Boot> out;
    for (const auto& [pid, b] : by_pid) out.push_back(b);
    return out;
  }

  std::vector<std::string> c_;
};

TEST_F(QemuBisection, JobsTwoBootsTwoVmsAtOnceAndHaltedRunsEndAtTheHalt) {
  auto first = bisect_qemu("CULPRIT_KVM=0");
  ASSERT_EQ(first.status(), 0) << first.output;
  auto result = nlohmann::json::parse(read_file(tmp_ / "result.json"));
  EXPECT_EQ(result["verdict"], "found") << first.output;
  EXPECT_EQ(hashes(result["commits"]), std::vector<std::string>{c_[7]});
  EXPECT_EQ(first.output.substr(0, first.output.find('\n')),
            "test machine: qemu-system-x86_64, TCG (CULPRIT_KVM=0), 2 CPUs, 512 MiB");
  EXPECT_NE(read_file(tmp_ / "args.log").find("-m 512 -smp 2 "), std::string::npos);
  auto b = boots();
  ASSERT_GE(b.size(), 4u);
  bool overlap = false;
  for (size_t i = 0; i < b.size(); ++i)
    for (size_t j = i + 1; j < b.size(); ++j)
      overlap = overlap || (b[i].start < b[j].end && b[j].start < b[i].end);
  EXPECT_TRUE(overlap) << "--jobs 2 never had two VMs running at once";
}

TEST_F(QemuBisection, ResumedBisectionKeepsItsTestMachineAndLog) {
  auto first = bisect_qemu("CULPRIT_KVM=0");
  ASSERT_EQ(first.status(), 0) << first.output;
  EXPECT_EQ(read_file(tmp_ / "state" / "test-machine"), "tcg CULPRIT_KVM=0\n");
  auto booted = boots().size();
  // Rerun without CULPRIT_KVM: the recorded choice stands, and the log is
  // the same byte for byte (after the note that it resumed).
  auto again = bisect_qemu("-u CULPRIT_KVM");
  ASSERT_EQ(again.status(), 0) << again.output;
  EXPECT_NE(again.output.find("culprit: resuming"), std::string::npos) << again.output;
  // The same byte for byte, but for the line of durations.
  auto without_times = [](const std::string& log) {
    std::string out;
    for (auto line : split_lines(log))
      if (!starts_with(line, "revisions tested:")) out += std::string(line) + "\n";
    return out;
  };
  EXPECT_EQ(without_times(first.output),
            without_times(again.output.substr(again.output.find('\n') + 1)));
  EXPECT_EQ(boots().size(), booted) << "a replay boots nothing";

  // Another VM size is another test setup: nothing reused, runs again.
  auto one_cpu = bisect_qemu("CULPRIT_KVM=0", "--vm-cpus 1 --vm-memory 1G");
  ASSERT_EQ(one_cpu.status(), 0) << one_cpu.output;
  EXPECT_EQ(one_cpu.output.substr(0, one_cpu.output.find('\n')),
            "test machine: qemu-system-x86_64, TCG (CULPRIT_KVM=0), 1 CPU, 1024 MiB");
  EXPECT_GT(boots().size(), booted);
  EXPECT_NE(read_file(tmp_ / "args.log").find("-m 1024 -smp 1 "), std::string::npos);
}

TEST_F(QemuBisection, VmOptionsAreForTheQemuRunner) {
  auto r = run_culprit("bisect --repo " + shell_quote(repo_.path().string()) + " --commit " +
                       c_.back() + " --build true --test true --vm-cpus 2");
  EXPECT_EQ(r.status(), 2) << r.output;
  EXPECT_NE(r.output.find("--vm-cpus is for the QEMU runner"), std::string::npos) << r.output;
  auto bad = bisect_qemu("CULPRIT_KVM=0", "--vm-memory lots");
  EXPECT_EQ(bad.status(), 2) << bad.output;
  EXPECT_NE(bad.output.find("--vm-memory lots"), std::string::npos) << bad.output;
  auto bad_kvm = bisect_qemu("CULPRIT_KVM=maybe");
  EXPECT_EQ(bad_kvm.status(), 2) << bad_kvm.output;
  EXPECT_NE(bad_kvm.output.find("CULPRIT_KVM=maybe"), std::string::npos) << bad_kvm.output;
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "state")) << "bad input changes nothing";
}

}  // namespace
}  // namespace culprit::testing
