// Bad input: one line on stderr, exit status 2, nothing changed (not even a
// state directory created).
#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

class BadInput : public BisectE2E {
 protected:
  void expect_refused(const std::string& args, const std::string& message_part) {
    std::string fp = repo_.fingerprint();
    auto r = run_culprit(args);
    EXPECT_EQ(r.status(), 2) << r.output;
    std::string out(trim(r.output));
    EXPECT_EQ(out.find('\n'), std::string::npos) << "one line expected, got: " << out;
    EXPECT_NE(out.find(message_part), std::string::npos) << out;
    EXPECT_EQ(fp, repo_.fingerprint());
    EXPECT_FALSE(std::filesystem::exists(repo_.path() / ".git" / "culprit"));
    EXPECT_FALSE(std::filesystem::exists(tmp_ / "state"));
  }
  std::string common() {
    return "--repo " + repo_.path().string() + " --state " + (tmp_ / "state").string() +
           " --build true --test true";
  }
};

TEST_F(BadInput, NotARepository) {
  std::filesystem::create_directories(tmp_ / "plain");
  auto r = run_culprit("bisect --repo " + (tmp_ / "plain").string() +
                       " --commit HEAD --build true --test true");
  EXPECT_EQ(r.status(), 2) << r.output;
  EXPECT_NE(r.output.find("not a git repository"), std::string::npos) << r.output;
}

TEST_F(BadInput, UnknownRevision) {
  code_commit(0);
  expect_refused("bisect " + common() + " --commit no-such-branch", "no-such-branch");
}

TEST_F(BadInput, GoodIsNotAnAncestorOfBad) {
  std::string a = code_commit(0);
  repo_.branch("side");
  std::string side = code_commit(1);
  repo_.checkout("master");
  std::string main = code_commit(2);
  expect_refused("bisect " + common() + " --commit " + main + " --good " + side, "not an ancestor");
}

TEST_F(BadInput, MissingBuildScript) {
  std::string a = code_commit(0);
  std::string args = "bisect --repo " + repo_.path().string() + " --state " +
                     (tmp_ / "state").string() + " --commit " + a +
                     " --build ./build.sh --test true";
  expect_refused(args, "build.sh");
}

TEST_F(BadInput, MissingCommitOption) {
  code_commit(0);
  expect_refused("bisect --repo " + repo_.path().string() + " --build true --test true", "commit");
}

TEST_F(BadInput, UnknownOption) {
  code_commit(0);
  expect_refused("bisect " + common() + " --commit HEAD --frobnicate", "frobnicate");
}

// The kernel builder and the QEMU runner check their inputs before anything
// is written: a typo in a path must not cost a full kernel build first.
class KernelBadInput : public BadInput {
 protected:
  std::string kernel_tree_commit() {
    write_file_atomic(repo_.path() / "Kconfig", "mainmenu \"test\"\n");
    return repo_.commit("Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\n", "kernel tree");
  }
  std::string kernel_args(const std::string& commit) {
    return "bisect --repo " + repo_.path().string() + " --state " + (tmp_ / "state").string() +
           " --commit " + commit;
  }
};

TEST_F(KernelBadInput, KernelConfigThatDoesNotExist) {
  std::string c = kernel_tree_commit();
  write_file_atomic(tmp_ / "repro.c", "int main(void) { return 0; }\n");
  expect_refused(kernel_args(c) + " --kernel-config " + (tmp_ / "no-such.config").string() +
                     " --repro " + (tmp_ / "repro.c").string(),
                 "no-such.config does not exist");
}

TEST_F(KernelBadInput, ReproducerThatDoesNotCompileQuotesTheCompiler) {
  std::string c = kernel_tree_commit();
  write_file_atomic(tmp_ / "config", "CONFIG_64BIT=y\n");
  write_file_atomic(tmp_ / "repro.c", "int main(void) { return undeclared_thing; }\n");
  expect_refused(kernel_args(c) + " --kernel-config " + (tmp_ / "config").string() + " --repro " +
                     (tmp_ / "repro.c").string(),
                 "does not compile");
  auto r = run_culprit(kernel_args(c) + " --kernel-config " + (tmp_ / "config").string() +
                       " --repro " + (tmp_ / "repro.c").string());
  EXPECT_NE(r.output.find("undeclared_thing"), std::string::npos)
      << "the compiler's own message: " << r.output;
}

TEST_F(KernelBadInput, ConfigMinimisationOptions) {
  std::string c = kernel_tree_commit();
  write_file_atomic(tmp_ / "config", "CONFIG_64BIT=y\n");
  write_file_atomic(tmp_ / "plain.txt", "hello\n");
  std::string kernel =
      kernel_args(c) + " --test true --kernel-config " + (tmp_ / "config").string();
  expect_refused(kernel_args(c) + " --build true --test true --minimize-config",
                 "--minimize-config is for the kernel builder");
  expect_refused(kernel + " --baseline-config " + (tmp_ / "config").string(),
                 "--baseline-config needs --minimize-config");
  expect_refused(kernel + " --minimize-budget 5", "--minimize-budget needs --minimize-config");
  expect_refused(kernel + " --minimize-config --minimize-budget 0", "minimize-budget");
  expect_refused(kernel + " --minimize-config --baseline-config " + (tmp_ / "none").string(),
                 "cannot be read");
  expect_refused(kernel + " --minimize-config --baseline-config " + (tmp_ / "plain.txt").string(),
                 "not a kernel config");
  expect_refused(kernel + " --minimize-config --cluster slurm", "--cluster");
}

TEST_F(KernelBadInput, MissingQemuNamesThePackage) {
  std::string c = kernel_tree_commit();
  write_file_atomic(tmp_ / "config", "CONFIG_64BIT=y\n");
  write_file_atomic(tmp_ / "repro.c", "int main(void) { return 0; }\n");
  std::filesystem::create_directories(tmp_ / "empty-path");
  std::string fp = repo_.fingerprint();
  auto r = sh("PATH=" + (tmp_ / "empty-path").string() + " " + culprit_binary() + " " +
                  kernel_args(c) + " --kernel-config " + (tmp_ / "config").string() + " --repro " +
                  (tmp_ / "repro.c").string() + " 2>&1",
              {}, false);
  EXPECT_EQ(r.status(), 2) << r.output;
  std::string out(trim(r.output));
  EXPECT_EQ(out.find('\n'), std::string::npos) << out;
  EXPECT_NE(out.find("install qemu-system-x86"), std::string::npos) << out;
  EXPECT_EQ(fp, repo_.fingerprint());
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "state"));
}

// A size beyond what culprit can count in bytes is refused like any bad
// size, not converted (undefined behaviour, any cache limit at all).
TEST_F(BadInput, CacheSizeOutOfRange) {
  std::string a = code_commit(0);
  for (const char* size : {"1e30G", "99999999999999999999999", "17179869184G", "1e400", "inf",
                           "nan", "-5G", "0.1", "20X"})
    expect_refused("bisect " + common() + " --commit " + a + " --cache-size " + size,
                   std::string("--cache-size ") + size);
}

TEST_F(BadInput, UnreadableReportLog) {
  auto r = run_culprit("report " + (tmp_ / "missing.log").string());
  EXPECT_EQ(r.status(), 2) << r.output;
}

TEST_F(BadInput, BrokenBackportTable) {
  std::string c = code_commit(0);
  write_file_atomic(tmp_ / "bp.toml", "[[backport]]\nfix = \"" + c + "\"\nwhy = \"x\"\n");
  expect_refused(
      "bisect " + common() + " --commit " + c + " --backports " + (tmp_ / "bp.toml").string(),
      "bp.toml:1: [[backport]] needs fixes = \"...\"");
  expect_refused(
      "bisect " + common() + " --commit " + c + " --backports " + (tmp_ / "missing.toml").string(),
      "--backports " + (tmp_ / "missing.toml").string() + " cannot be read");
}

}  // namespace
}  // namespace culprit::testing
