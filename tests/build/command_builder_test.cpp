// CommandBuilder on real shell commands and a real gcc.
#include "build/command_builder.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

#include "build/signature.h"
#include "support/test_support.h"
#include "util/text.h"

namespace culprit::build {
namespace {

using culprit::testing::sh;
using culprit::testing::TempDir;

class CommandBuilderTest : public ::testing::Test {
 protected:
  CommandBuilderTest() {
    std::filesystem::create_directories(dir_ / "src");
    std::filesystem::create_directories(dir_ / "logs");
    req_.commit = "0123456789abcdef0123456789abcdef01234567";
    req_.source_dir = dir_ / "src";
    req_.out_dir = dir_ / "out";  // not there yet: the builder creates it
    req_.signature_file = dir_ / "logs" / "signature";
    req_.log_path = dir_ / "logs" / "build.log";
  }
  TempDir dir_;
  BuildRequest req_;
};

TEST_F(CommandBuilderTest, EnvironmentAndWorkingDirectory) {
  CommandBuilder b(
      "pwd > env.txt; echo \"$CULPRIT_COMMIT\" >> env.txt; echo \"$CULPRIT_OUT\" >> env.txt; "
      "echo \"$CULPRIT_SIGNATURE\" >> env.txt; test -d \"$CULPRIT_OUT\" && echo out-exists >> "
      "env.txt",
      "");
  auto r = b.build(req_);
  ASSERT_TRUE(r.ok) << r.error_line;
  EXPECT_EQ(r.signature, "");
  const std::string env = read_file(dir_ / "src" / "env.txt");
  auto lines = split_lines(env);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(std::filesystem::path(lines[0]), std::filesystem::canonical(req_.source_dir));
  EXPECT_EQ(lines[1], req_.commit);
  EXPECT_EQ(lines[2], req_.out_dir.string());
  EXPECT_EQ(lines[3], req_.signature_file.string());
  EXPECT_EQ(lines[4], "out-exists");
}

TEST_F(CommandBuilderTest, FullOutputGoesToTheLog) {
  CommandBuilder b("echo to-stdout; echo to-stderr >&2", "");
  ASSERT_TRUE(b.build(req_).ok);
  auto log = read_file(req_.log_path);
  EXPECT_NE(log.find("to-stdout"), std::string::npos);
  EXPECT_NE(log.find("to-stderr"), std::string::npos);
}

TEST_F(CommandBuilderTest, SignatureLineWinsOverArtifact) {
  CommandBuilder b(
      "echo '  sig-123  ' > \"$CULPRIT_SIGNATURE\"; echo second >> \"$CULPRIT_SIGNATURE\"; "
      "echo data > prog",
      "prog");
  auto r = b.build(req_);
  ASSERT_TRUE(r.ok) << r.error_line;
  EXPECT_EQ(r.signature, "sig-123");
}

TEST_F(CommandBuilderTest, StaleSignatureFileIsRemoved) {
  write_file_atomic(req_.signature_file, "stale\n");
  CommandBuilder b("true", "");
  auto r = b.build(req_);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.signature, "");
  EXPECT_FALSE(std::filesystem::exists(req_.signature_file));
}

TEST_F(CommandBuilderTest, EmptySignatureLineFallsBackToArtifact) {
  CommandBuilder b(": > \"$CULPRIT_SIGNATURE\"; echo data > prog", "prog");
  auto r = b.build(req_);
  ASSERT_TRUE(r.ok) << r.error_line;
  EXPECT_EQ(r.signature, artifact_signature(req_.source_dir / "prog"));
}

TEST_F(CommandBuilderTest, ArtifactPathForms) {
  CommandBuilder relative("mkdir -p bin && echo one > bin/tool", "bin/tool");
  auto r1 = relative.build(req_);
  ASSERT_TRUE(r1.ok) << r1.error_line;
  EXPECT_EQ(r1.signature, sh("sha256sum bin/tool", req_.source_dir).output.substr(0, 64));

  CommandBuilder in_out("echo two > \"$CULPRIT_OUT/tool\"", "$CULPRIT_OUT/tool");
  auto r2 = in_out.build(req_);
  ASSERT_TRUE(r2.ok) << r2.error_line;
  EXPECT_EQ(r2.signature, artifact_signature(req_.out_dir / "tool"));
  EXPECT_NE(r2.signature, r1.signature);

  auto absolute = (dir_ / "abs-tool").string();
  CommandBuilder abs("echo three > " + absolute, absolute);
  auto r3 = abs.build(req_);
  ASSERT_TRUE(r3.ok) << r3.error_line;
  EXPECT_EQ(r3.signature, artifact_signature(absolute));
}

TEST_F(CommandBuilderTest, MissingArtifactIsAFailedBuild) {
  CommandBuilder b("echo built", "out/prog");
  auto r = b.build(req_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, "artifact out/prog was not produced");
  EXPECT_EQ(r.signature, "");
}

TEST_F(CommandBuilderTest, DirectoryArtifactIsAFailedBuild) {
  CommandBuilder b("mkdir -p prog", "prog");
  auto r = b.build(req_);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error_line.find("not a regular file"), std::string::npos) << r.error_line;
}

TEST_F(CommandBuilderTest, RealGccErrorIsTheErrorLine) {
  write_file_atomic(req_.source_dir / "bad.c", "int main(void) {\n  return undeclared_thing;\n}\n");
  write_file_atomic(req_.source_dir / "Makefile", "bad: bad.c\n\tgcc -o bad bad.c\n");
  CommandBuilder b("make", "bad");
  auto r = b.build(req_);
  EXPECT_FALSE(r.ok);
  // gcc quotes the name with ' or with typographic quotes, by locale.
  EXPECT_TRUE(starts_with(r.error_line, "bad.c:2:10: error: ")) << r.error_line;
  EXPECT_NE(r.error_line.find("undeclared_thing"), std::string::npos) << r.error_line;
  EXPECT_NE(read_file(req_.log_path).find("Error"), std::string::npos);  // make's line is logged
}

TEST_F(CommandBuilderTest, FailureWithoutOutputNamesTheStatus) {
  CommandBuilder b("exit 3", "");
  auto r = b.build(req_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, "build exited with status 3");
}

TEST_F(CommandBuilderTest, TimeoutIsTheMachinesFailure) {
  CommandBuilder b("echo started; sleep 1000", "", 0.5);
  auto r = b.build(req_);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.infra);
  EXPECT_TRUE(starts_with(r.error_line, "build timed out")) << r.error_line;
}

// Issue 13, point 3: only a build that fails with the compiler's error is
// the commit's failure; the machine's failures are not verdicts.
TEST_F(CommandBuilderTest, KilledOrOutOfMemoryOrDiskIsTheMachinesFailure) {
  for (const char* cmd :
       {"kill -9 $$", "kill -TERM $$", "sleep 10 & kill -9 $!; wait $!",
        "echo 'cc1: out of memory allocating 65536 bytes: Cannot allocate memory' >&2; exit 1",
        "echo \"gcc: fatal error: Killed signal terminated program cc1\" >&2; exit 1",
        "echo 'cp: error writing out.o: No space left on device' >&2; exit 1"}) {
    auto r = CommandBuilder(cmd, "").build(req_);
    EXPECT_FALSE(r.ok) << cmd;
    EXPECT_TRUE(r.infra) << cmd << ": " << r.error_line;
  }
}

TEST_F(CommandBuilderTest, ACompilerErrorIsTheCommitsFailure) {
  write_file_atomic(req_.source_dir / "p.c", "int main(void) { return undefined_thing; }\n");
  auto r = CommandBuilder("gcc -o p p.c", "p").build(req_);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.infra) << r.error_line;
  EXPECT_NE(r.error_line.find("error:"), std::string::npos) << r.error_line;
}

// Issue 13, point 4: an artifact an earlier commit's build left in the work
// tree must not pass for this build's (reproduced: 5 broken commits judged
// good on the previous commit's binary).
TEST_F(CommandBuilderTest, AnArtifactLeftByAnEarlierBuildIsNotThisBuilds) {
  CommandBuilder writes("echo one > build.out", "build.out");
  ASSERT_TRUE(writes.build(req_).ok);
  CommandBuilder forgets("true", "build.out");
  auto r = forgets.build(req_);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.infra);
  EXPECT_EQ(r.error_line, "artifact build.out was not produced");
  EXPECT_EQ(r.signature, "");
}

TEST_F(CommandBuilderTest, AnArtifactLeftInCulpritOutIsNotThisBuilds) {
  CommandBuilder writes("echo one > \"$CULPRIT_OUT/image\"", "$CULPRIT_OUT/image");
  ASSERT_TRUE(writes.build(req_).ok);
  auto r = CommandBuilder("true", "$CULPRIT_OUT/image").build(req_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, "artifact $CULPRIT_OUT/image was not produced");
}

TEST_F(CommandBuilderTest, AnAbsoluteArtifactElsewhereMustBeNewerThanTheBuild) {
  auto outside = dir_ / "elsewhere.bin";
  write_file_atomic(outside, "old\n");
  std::filesystem::last_write_time(
      outside, std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
  auto stale = CommandBuilder("true", outside.string()).build(req_);
  EXPECT_FALSE(stale.ok);
  EXPECT_TRUE(std::filesystem::exists(outside)) << "not culprit's file: left alone";
  auto fresh =
      CommandBuilder("echo new > " + shell_quote(outside.string()), outside.string()).build(req_);
  EXPECT_TRUE(fresh.ok) << fresh.error_line;
}

TEST_F(CommandBuilderTest, RealElfArtifactIgnoresDebugInfo) {
  write_file_atomic(req_.source_dir / "p.c", "int main(void) { return 7; }\n");
  CommandBuilder plain("gcc -O2 -o p p.c", "p");
  CommandBuilder debug("gcc -O2 -g -o p p.c", "p");
  auto a = plain.build(req_);
  auto b = debug.build(req_);
  ASSERT_TRUE(a.ok && b.ok);
  EXPECT_EQ(a.signature, b.signature);
  EXPECT_NE(plain.cache_key(), debug.cache_key());
}

TEST(CommandBuilderId, OneLineAtMostSixtyCharacters) {
  EXPECT_EQ(CommandBuilder("make -j8", "").id_for("abc"), "make -j8");
  EXPECT_EQ(CommandBuilder("make clean\n  make\tall\n", "").id_for("abc"), "make clean make all");
  std::string long_cmd(100, 'x');
  auto id = CommandBuilder(long_cmd, "").id_for("abc");
  EXPECT_EQ(id.size(), 60u);
  EXPECT_EQ(id, std::string(57, 'x') + "...");
  // A cut never splits a UTF-8 character.
  auto utf8 = CommandBuilder(std::string(56, 'a') + "\xc3\xa9\xc3\xa9" + long_cmd, "").id_for("c");
  EXPECT_EQ(utf8, std::string(56, 'a') + "...");
}

TEST(CommandBuilderKey, CommandAndArtifact) {
  EXPECT_EQ(CommandBuilder("make", "vmlinux").cache_key(), "command:make|artifact:vmlinux");
  EXPECT_EQ(CommandBuilder("make", "").cache_key(), "command:make|artifact:");
}

// Sets or clears an environment variable for one test, restoring it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
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

TEST_F(CommandBuilderTest, CcacheSettingsForWorkTreesUnlessTheUserHasTheirOwn) {
  ScopedEnv basedir("CCACHE_BASEDIR", nullptr), nohashdir("CCACHE_NOHASHDIR", nullptr);
  const std::string show = "echo \"[$CCACHE_BASEDIR] [$CCACHE_NOHASHDIR]\" > env.txt";
  CommandBuilder shared(show, "", 0, dir_.path());
  ASSERT_TRUE(shared.build(req_).ok);
  EXPECT_EQ(trim(read_file(dir_ / "src" / "env.txt")), "[" + dir_.path().string() + "] [1]");
  CommandBuilder plain(show, "");
  ASSERT_TRUE(plain.build(req_).ok);
  EXPECT_EQ(trim(read_file(dir_ / "src" / "env.txt")), "[] []");
  ScopedEnv mine("CCACHE_BASEDIR", "/home/me");
  CommandBuilder theirs(show, "", 0, dir_.path());
  ASSERT_TRUE(theirs.build(req_).ok);
  EXPECT_EQ(trim(read_file(dir_ / "src" / "env.txt")), "[/home/me] [1]");
}

// The point of it: the same file compiled through ccache in two work trees
// at different paths, with absolute paths and debug info as make often
// does, is a cache hit the second time.
TEST_F(CommandBuilderTest, CcacheHitsAcrossWorkTrees) {
  if (sh("command -v ccache", {}, false).exit_code != 0) GTEST_SKIP() << "ccache is not installed";
  ScopedEnv basedir("CCACHE_BASEDIR", nullptr), nohashdir("CCACHE_NOHASHDIR", nullptr);
  auto cache = dir_ / "ccache";
  std::string cc = "CCACHE_DIR=" + cache.string() + " ccache gcc -g -c \"$PWD/f.c\" -o f.o";
  auto stats = [&] { return sh("CCACHE_DIR=" + cache.string() + " ccache --print-stats").output; };
  for (const char* tree : {"wt0", "wt1"}) {
    std::filesystem::create_directories(dir_ / tree);
    write_file_atomic(dir_ / tree / "f.c", "int f(int x) { return x + 1; }\n");
  }
  auto build_in = [&](const char* tree, const std::filesystem::path& basedir_for) {
    BuildRequest req = req_;
    req.source_dir = dir_ / tree;
    CommandBuilder b(cc, "", 0, basedir_for);
    auto r = b.build(req);
    ASSERT_TRUE(r.ok) << r.error_line;
  };
  build_in("wt0", {});
  build_in("wt1", {});
  EXPECT_NE(stats().find("direct_cache_hit\t0"), std::string::npos)
      << "without the settings, another path is another entry";
  std::filesystem::remove_all(cache);
  build_in("wt0", dir_.path());
  build_in("wt1", dir_.path());
  EXPECT_NE(stats().find("direct_cache_hit\t1"), std::string::npos) << stats();
}

}  // namespace
}  // namespace culprit::build
