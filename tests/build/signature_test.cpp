// ELF signatures on real binaries compiled by gcc: what must not change
// them (debug info, build ids, symbol tables) and what must.
#include "build/signature.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "support/test_support.h"
#include "util/text.h"

namespace culprit::build {
namespace {

using culprit::testing::sh;
using culprit::testing::TempDir;

constexpr const char* kProgram = R"(#include <stdio.h>
static char buffer[BUFSIZE];
int helper(int x) { return x * FACTOR + (int)sizeof(buffer); }
int main(int argc, char** argv) {
  (void)argv;
  buffer[0] = (char)argc;
  printf("%d\n", helper(argc));
  return 0;
}
)";

class SignatureTest : public ::testing::Test {
 protected:
  // Compiles kProgram with `flags` into `name`; returns its path.
  std::filesystem::path compile(const std::string& name, const std::string& flags) {
    write_file_atomic(dir_ / "prog.c", kProgram);
    sh("gcc -O2 -DFACTOR=3 -DBUFSIZE=64 " + flags + " -o " + name + " prog.c", dir_.path());
    return dir_ / name;
  }
  std::string sha256sum(const std::filesystem::path& p) {
    return sh("sha256sum " + p.string()).output.substr(0, 64);
  }
  TempDir dir_;
};

TEST_F(SignatureTest, DebugInfoDoesNotChangeIt) {
  auto plain = compile("plain", "");
  auto debug = compile("debug", "-g");
  ASSERT_NE(sha256sum(plain), sha256sum(debug));  // the files do differ
  EXPECT_EQ(artifact_signature(plain), artifact_signature(debug));
}

TEST_F(SignatureTest, BuildIdDoesNotChangeIt) {
  auto a = compile("a", "-Wl,--build-id=0x1111");
  auto b = compile("b", "-Wl,--build-id=0x2222");
  ASSERT_NE(sha256sum(a), sha256sum(b));
  EXPECT_EQ(artifact_signature(a), artifact_signature(b));
}

TEST_F(SignatureTest, StrippingDoesNotChangeIt) {
  auto full = compile("full", "-g");
  sh("cp full stripped && strip stripped", dir_.path());
  EXPECT_EQ(artifact_signature(full), artifact_signature(dir_ / "stripped"));
}

TEST_F(SignatureTest, ChangedConstantChangesIt) {
  auto three = compile("three", "");
  write_file_atomic(dir_ / "prog.c", kProgram);
  sh("gcc -O2 -DFACTOR=5 -DBUFSIZE=64 -o five prog.c", dir_.path());
  EXPECT_NE(artifact_signature(three), artifact_signature(dir_ / "five"));
}

// A bigger static buffer touches no byte in the file, only .bss's size; a
// fix that grows a buffer must not look like a no-op.
TEST_F(SignatureTest, BssSizeChangesIt) {
  write_file_atomic(dir_ / "bss.c",
                    "char buf[SIZE];\nint main(int argc, char** argv) {\n"
                    "  (void)argv;\n  buf[argc] = 1;\n  return buf[0];\n}\n");
  sh("gcc -O2 -DSIZE=4096 -o small bss.c && gcc -O2 -DSIZE=65536 -o big bss.c", dir_.path());
  EXPECT_NE(artifact_signature(dir_ / "small"), artifact_signature(dir_ / "big"));
}

TEST_F(SignatureTest, ElfSignatureIsNotTheFileHash) {
  auto plain = compile("plain", "");
  auto sig = elf_signature(plain);
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_NE(*sig, sha256sum(plain));
}

// In an object file, calls to different functions have identical code bytes
// until linked; the relocations tell them apart.
TEST_F(SignatureTest, ObjectFilesDifferByCallTarget) {
  write_file_atomic(dir_ / "call.c",
                    "void foo(void); void bar(void);\nvoid f(void) { CALLEE(); }\n");
  sh("gcc -O2 -DCALLEE=foo -c -o foo.o call.c && gcc -O2 -DCALLEE=bar -c -o bar.o call.c && "
     "gcc -O2 -g -DCALLEE=foo -c -o foo_g.o call.c",
     dir_.path());
  ASSERT_NE(sha256sum(dir_ / "foo.o"), sha256sum(dir_ / "foo_g.o"));
  EXPECT_EQ(artifact_signature(dir_ / "foo.o"), artifact_signature(dir_ / "foo_g.o"));
  EXPECT_NE(artifact_signature(dir_ / "foo.o"), artifact_signature(dir_ / "bar.o"));
}

TEST_F(SignatureTest, NonElfIsTheFileHash) {
  write_file_atomic(dir_ / "script.sh", "#!/bin/sh\necho hello\n");
  EXPECT_FALSE(elf_signature(dir_ / "script.sh").has_value());
  EXPECT_EQ(artifact_signature(dir_ / "script.sh"), sha256sum(dir_ / "script.sh"));
}

TEST_F(SignatureTest, TruncatedElfFallsBackToTheFileHash) {
  compile("prog", "");
  sh("head -c 2000 prog > cut", dir_.path());
  EXPECT_EQ(artifact_signature(dir_ / "cut"), sha256sum(dir_ / "cut"));
}

TEST_F(SignatureTest, UnreadableFileThrows) {
  EXPECT_THROW(artifact_signature(dir_ / "missing"), std::runtime_error);
  EXPECT_THROW(elf_signature(dir_ / "missing"), std::runtime_error);
  // A directory opens like a file but has no bytes to hash.
  EXPECT_THROW(artifact_signature(dir_.path()), std::runtime_error);
}

}  // namespace
}  // namespace culprit::build
