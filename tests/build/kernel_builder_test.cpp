// The kernel builder's contract on a miniature kbuild tree (a Makefile that
// honours O=, CC= and the KBUILD_* variables like the kernel's and compiles
// with the real gcc), plus its tables: versions, compilers, config settings.
// A real kernel is built by the slow linux-qemu example test.
#include "build/kernel_builder.h"

#include <gtest/gtest.h>

#include "build/kernel_config.h"
#include "support/test_support.h"
#include "util/error.h"
#include "util/text.h"

namespace culprit::build {
namespace {

namespace fs = std::filesystem;
using culprit::testing::sh;
using culprit::testing::TempDir;

TEST(KernelVersion, ParsesTagsAndMakefiles) {
  EXPECT_EQ(KernelVersion::parse("v5.10")->str(), "5.10");
  EXPECT_EQ(KernelVersion::parse("4.19.3")->str(), "4.19.3");
  EXPECT_FALSE(KernelVersion::parse("5"));
  EXPECT_FALSE(KernelVersion::parse("5.x"));
  EXPECT_FALSE(KernelVersion::parse("5.10-rc1"));
  EXPECT_LT(*KernelVersion::parse("4.19"), *KernelVersion::parse("4.19.1"));
  EXPECT_LT(*KernelVersion::parse("4.9"), *KernelVersion::parse("4.19"));
  auto v = KernelVersion::from_makefile(
      "# SPDX-License-Identifier: GPL-2.0\nVERSION = 6\nPATCHLEVEL = 1\n"
      "SUBLEVEL = 192\nEXTRAVERSION =\nNAME = Curry Ramen\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->str(), "6.1.192");
  EXPECT_FALSE(KernelVersion::from_makefile("all:\n\techo hi\n"));
}

TEST(CompilerTable, FirstMatchingRangeElseDefault) {
  auto t = CompilerTable::parse(
      "default = \"gcc-12\"\n[[range]]\nbelow = \"4.19\"\ncompiler = \"gcc-8\"\n"
      "[[range]]\nfrom = \"4.19\"\nbelow = \"5.10\"\ncompiler = \"gcc-10\"\n",
      "t.toml");
  EXPECT_EQ(t.compiler_for(KernelVersion::parse("4.14.1")), "gcc-8");
  EXPECT_EQ(t.compiler_for(KernelVersion::parse("4.19")), "gcc-10");
  EXPECT_EQ(t.compiler_for(KernelVersion::parse("5.9.16")), "gcc-10");
  EXPECT_EQ(t.compiler_for(KernelVersion::parse("5.10")), "gcc-12");
  EXPECT_EQ(t.compiler_for(std::nullopt), "gcc-12");
  EXPECT_EQ(CompilerTable::builtin().compiler_for(KernelVersion::parse("6.1")), "gcc");
  EXPECT_NE(t.key(), CompilerTable::builtin().key());
}

TEST(CompilerTable, ErrorsNameTheFileAndTheProblem) {
  auto message = [](const std::string& text) {
    try {
      CompilerTable::parse(text, "cc.toml");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("default = ").find("cc.toml:1"), std::string::npos) << message("default = ");
  EXPECT_NE(message("[[range]]\nbelow = \"4.19\"\n").find("no compiler"), std::string::npos);
  EXPECT_NE(message("[[range]]\nbelow = 4.19\ncompiler = \"x\"\n").find("must be a string"),
            std::string::npos);
  EXPECT_NE(message("[[range]]\nfrom = \"five\"\ncompiler = \"x\"\n").find("not a kernel version"),
            std::string::npos);
  EXPECT_NE(message("[[range]]\nfrom = \"5.0\"\nbelow = \"4.0\"\ncompiler = \"x\"\n")
                .find("below must be above"),
            std::string::npos);
  EXPECT_NE(message("compilers = 1\n").find("unknown key"), std::string::npos);
}

TEST(KernelConfig, ForcesTheReproducibilitySettingsForTheVersion) {
  std::string config =
      "CONFIG_64BIT=y\nCONFIG_WERROR=y\n# CONFIG_MODULE_SIG is not "
      "set\nCONFIG_LOCALVERSION_AUTO=y\n"
      "CONFIG_SYSTEM_TRUSTED_KEYS=\"debian/certs/"
      "debian-uefi-certs.pem\"\nCONFIG_DEBUG_INFO_BTF=y\n";
  auto adjusted = adjust_config(config, KernelVersion::parse("6.1"));
  EXPECT_EQ(config_value(adjusted, "64BIT"), "y");
  EXPECT_EQ(config_value(adjusted, "WERROR"), "n");
  EXPECT_EQ(config_value(adjusted, "LOCALVERSION_AUTO"), "n");
  EXPECT_EQ(config_value(adjusted, "SYSTEM_TRUSTED_KEYS"), "\"\"");
  EXPECT_EQ(config_value(adjusted, "DEBUG_INFO_BTF"), "n");
  EXPECT_EQ(config_value(adjusted, "RANDSTRUCT_NONE"), "y");
  // Each symbol set once: kconfig warns about (and takes the last of) repeats.
  EXPECT_EQ(adjusted.find("CONFIG_WERROR=y"), std::string::npos);
  // Settings for newer trees stay out of older ones.
  auto old = adjust_config(config, KernelVersion::parse("4.14"));
  EXPECT_FALSE(config_value(old, "RANDSTRUCT_NONE"));
  EXPECT_EQ(config_value(old, "DEBUG_INFO_BTF"), "y");
  for (const auto& s : config_adjustments()) EXPECT_FALSE(s.why.empty()) << s.symbol;
}

// A kbuild in miniature: O= build directory, CC=, olddefconfig and bzImage,
// the KBUILD_* variables in the binary, and make's incremental rebuilds.
constexpr const char* kMakefile = R"(VERSION = 5
PATCHLEVEL = 15
SUBLEVEL = 7
.PHONY: olddefconfig bzImage
olddefconfig:
	grep -q '^CONFIG_' $(O)/.config
	echo '$(CC)' > $(O)/cc-used
bzImage: $(O)/vmlinux
	mkdir -p $(O)/arch/x86/boot && cp $(O)/vmlinux $(O)/arch/x86/boot/bzImage
$(O)/main.o: main.c
	cd $(O) && $(CC) -c -O1 -DBANNER="\"$$KBUILD_BUILD_TIMESTAMP $$KBUILD_BUILD_USER@$$KBUILD_BUILD_HOST #$$KBUILD_BUILD_VERSION[$${LOCALVERSION-unset}]\"" -o $@ $$(realpath --relative-to=. $(CURDIR)/main.c)
	echo compiled >> $(O)/compiles
$(O)/vmlinux: $(O)/main.o
	cp $(O)/main.o $(O)/vmlinux
)";

class KernelBuilderTest : public ::testing::Test {
 protected:
  KernelBuilderTest() {
    fs::create_directories(dir_ / "worktrees/0");
    fs::create_directories(dir_ / "logs");
    write_file_atomic(src() / "Makefile", kMakefile);
    write_file_atomic(src() / "main.c",
                      "const char banner[] = BANNER;\nint f(int x) { return x + 1; }\n");
    write_file_atomic(dir_ / "config", "CONFIG_64BIT=y\nCONFIG_WERROR=y\n");
    options_.config = dir_ / "config";
    options_.build_root = dir_ / "kernel-build";
    options_.jobs = 2;
  }
  fs::path src() const { return dir_ / "worktrees/0"; }
  BuildRequest request(const std::string& name) {
    BuildRequest r;
    r.commit = std::string(40, 'a');
    r.source_dir = src();
    r.out_dir = dir_ / "out" / name;
    r.signature_file = dir_ / "logs" / (name + ".sig");
    r.log_path = dir_ / "logs" / (name + ".log");
    return r;
  }
  int compiles() { return static_cast<int>(split_lines(read_file(obj() / "compiles")).size()); }
  fs::path obj() const { return dir_ / "kernel-build/0"; }
  TempDir dir_;
  KernelBuildOptions options_;
};

TEST_F(KernelBuilderTest, BuildsOutOfTreeReproduciblyAndIncrementally) {
  KernelBuilder b(options_);
  EXPECT_EQ(b.signature_word(), "kernel") << "syzbot's word, as kernel developers read it";
  auto first = b.build(request("a"));
  ASSERT_TRUE(first.ok) << first.error_line << "\n" << read_file(dir_ / "logs/a.log");
  for (const char* f : {"bzImage", "vmlinux", "config"})
    EXPECT_TRUE(fs::exists(dir_ / "out/a" / f)) << f;
  EXPECT_FALSE(fs::exists(src() / "main.o")) << "the work tree stays clean: objects go to O=";
  EXPECT_EQ(config_value(read_file(dir_ / "out/a/config"), "WERROR"), "n");
  std::string banner = sh("strings " + (obj() / "vmlinux").string()).output;
  EXPECT_NE(banner.find("culprit@culprit #1[]"), std::string::npos) << banner;
  EXPECT_NE(banner.find("2015"), std::string::npos) << banner;
  EXPECT_FALSE(first.signature.empty());

  // The same source again: nothing recompiled, the same signature.
  auto again = b.build(request("b"));
  ASSERT_TRUE(again.ok) << again.error_line;
  EXPECT_EQ(again.signature, first.signature);
  EXPECT_EQ(compiles(), 1);

  // A comment: recompiled, and still the same binary.
  write_file_atomic(
      src() / "main.c",
      "/* a comment */ const char banner[] = BANNER;\nint f(int x) { return x + 1; }\n");
  auto comment = b.build(request("c"));
  ASSERT_TRUE(comment.ok) << comment.error_line;
  EXPECT_EQ(compiles(), 2);
  EXPECT_EQ(comment.signature, first.signature);

  write_file_atomic(src() / "main.c",
                    "const char banner[] = BANNER;\nint f(int x) { return x + 2; }\n");
  auto changed = b.build(request("d"));
  ASSERT_TRUE(changed.ok) << changed.error_line;
  EXPECT_NE(changed.signature, first.signature);
}

TEST_F(KernelBuilderTest, AFailedBuildQuotesTheFirstCompilerError) {
  KernelBuilder b(options_);
  write_file_atomic(src() / "main.c",
                    "const char banner[] = BANNER;\nint f(int x) { return x + ; }\n");
  auto r = b.build(request("a"));
  EXPECT_FALSE(r.ok);
  // Compiled from the build directory as kbuild does, yet quoted with the
  // path in the tree.
  EXPECT_EQ(r.error_line.rfind("main.c:2", 0), 0u) << r.error_line;
  EXPECT_NE(r.error_line.find("error:"), std::string::npos) << r.error_line;
  EXPECT_NE(read_file(dir_ / "logs/a.log").find("error:"), std::string::npos) << "full log kept";
}

TEST_F(KernelBuilderTest, CompilerFromTheTableForTheTreesVersionOrFromCompiler) {
  write_file_atomic(dir_ / "mycc",
                    "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'mycc (Test) 1.2.3'; exit 0; "
                    "}\nexec gcc \"$@\"\n");
  sh("chmod +x " + (dir_ / "mycc").string());
  std::string mycc = (dir_ / "mycc").string();
  options_.compilers =
      CompilerTable::parse("[[range]]\nfrom = \"5.10\"\nbelow = \"5.16\"\ncompiler = \"" + mycc +
                               "\"\n[[range]]\nbelow = \"5.10\"\ncompiler = \"gcc-2.95\"\n",
                           "t.toml");
  options_.file_at = [&](const std::string&,
                         const std::string& path) -> std::optional<std::string> {
    return read_file(src() / path);
  };
  {
    KernelBuilder b(options_);
    EXPECT_EQ(b.id_for(std::string(40, 'a')), "mycc (Test) 1.2.3");
    auto r = b.build(request("a"));
    ASSERT_TRUE(r.ok) << r.error_line;
    EXPECT_NE(read_file(obj() / "cc-used").find("mycc"), std::string::npos);
  }
  // An older tree: the table names a compiler that is not installed.
  std::string makefile = read_file(src() / "Makefile");
  write_file_atomic(src() / "Makefile",
                    "VERSION = 4\nPATCHLEVEL = 9\n" + makefile.substr(makefile.find(".PHONY")));
  {
    KernelBuilder b(options_);
    EXPECT_EQ(b.id_for(std::string(40, 'a')), "gcc-2.95 (not installed)");
    auto r = b.build(request("b"));
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error_line.find("gcc-2.95 for Linux 4.9 is not installed"), std::string::npos)
        << r.error_line;
  }
  // --compiler wins over the table.
  options_.compiler = "gcc";
  KernelBuilder b(options_);
  EXPECT_EQ(b.id_for(std::string(40, 'a')).find("gcc"), 0u);
  auto r = b.build(request("c"));
  ASSERT_TRUE(r.ok) << r.error_line;
  EXPECT_EQ(read_file(obj() / "cc-used").find("mycc"), std::string::npos);
}

TEST_F(KernelBuilderTest, BadInput) {
  auto fails = [&](KernelBuildOptions o) {
    try {
      KernelBuilder b(o);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto o = options_;
  o.config = dir_ / "missing.config";
  EXPECT_NE(fails(o).find("does not exist"), std::string::npos);
  write_file_atomic(dir_ / "empty.config", "hello\n");
  o.config = dir_ / "empty.config";
  EXPECT_NE(fails(o).find("not a kernel config"), std::string::npos);
  o = options_;
  o.compiler = "no-such-cc-1";
  EXPECT_NE(fails(o).find("no-such-cc-1 is not installed"), std::string::npos);
  // Not a kernel tree: no version in the Makefile.
  write_file_atomic(src() / "Makefile", "all:\n\ttrue\n");
  KernelBuilder b(options_);
  auto r = b.build(request("a"));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error_line.find("not a Linux kernel tree"), std::string::npos);
}

}  // namespace
}  // namespace culprit::build
