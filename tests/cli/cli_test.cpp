// The culprit command's smaller subcommands, driven through the binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "util/text.h"

namespace culprit::testing {
namespace {

using ::testing::HasSubstr;

TEST(Cli, UsageAndUnknownCommand) {
  auto help = run_culprit("--help");
  EXPECT_EQ(help.status(), 0);
  EXPECT_THAT(help.output, HasSubstr("bisect"));
  auto bad = run_culprit("frobnicate");
  EXPECT_EQ(bad.status(), 2);
  EXPECT_EQ(std::string(trim(bad.output)).find('\n'), std::string::npos);
}

TEST(Cli, ReportExitStatusesAndJson) {
  TempDir dir;
  write_file_atomic(dir / "crash.log",
                    "starting\n==5==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x1 "
                    "at pc 0x2 bp 0x3 "
                    "sp 0x4\n    #0 0x2 in read_block /src/io.c:7\n"
                    "SUMMARY: AddressSanitizer: heap-buffer-overflow /src/io.c:7 in read_block\n");
  write_file_atomic(dir / "clean.log", "all good\n");
  auto title = run_culprit("report " + (dir / "crash.log").string());
  EXPECT_EQ(title.status(), 0);
  EXPECT_EQ(std::string(trim(title.output)), "heap-buffer-overflow in read_block");
  auto json = run_culprit("report --json " + (dir / "crash.log").string());
  ASSERT_EQ(json.status(), 0);
  auto j = nlohmann::json::parse(json.output);
  for (const char* key :
       {"title", "alt_titles", "type", "corrupted", "frame", "report", "start", "end"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["type"], "ASAN-HEAP-BUFFER-OVERFLOW");
  EXPECT_EQ(j["start"].get<int>(), 9);
  EXPECT_EQ(run_culprit("report " + (dir / "clean.log").string()).status(), 1);
  EXPECT_EQ(run_culprit("report - < " + (dir / "crash.log").string()).status(), 0) << "stdin";
  EXPECT_EQ(run_culprit("report " + (dir / "missing.log").string()).status(), 2);
}

TEST(Cli, LogAndStatusOfAFinishedBisection) {
  TempDir dir;
  GitRepo repo(dir / "repo");
  std::string good = repo.commit("a.txt", "1\n", "one");
  repo.commit("a.txt", "2\n", "two");
  std::string bad = repo.commit("a.txt", "BUG\n", "three");
  std::string state = (dir / "state").string();
  auto r =
      run_culprit("bisect --repo " + repo.path().string() + " --state " + state + " --commit " +
                  bad + " --good " + good + " --build true --test '! grep -q BUG a.txt'");
  ASSERT_EQ(r.status(), 0) << r.output;
  auto log = run_culprit("log --state " + state);
  EXPECT_EQ(log.status(), 0);
  EXPECT_EQ(log.output, r.output) << "culprit log prints the same log";
  auto status = run_culprit("status --state " + state);
  EXPECT_EQ(status.status(), 0);
  EXPECT_THAT(status.output, HasSubstr("finished"));
  EXPECT_THAT(status.output, HasSubstr("builds: "));
  EXPECT_EQ(run_culprit("log --state " + (dir / "nothing").string()).status(), 2);
}

const char* kMaintainersText =
    "FOO DRIVER\n"
    "M:\tFoo Maintainer <foo@example.org>\n"
    "R:\tFoo Reviewer <review@example.org>\n"
    "L:\tfoo-list@example.org\n"
    "S:\tMaintained\n"
    "F:\tdrivers/foo/\n"
    "\n"
    "THE REST\n"
    "M:\tLinus Torvalds <torvalds@linux-foundation.org>\n"
    "L:\tlinux-kernel@vger.kernel.org\n"
    "S:\tBuried alive in reporters\n"
    "F:\t*\n"
    "F:\t*/\n";

TEST(Cli, MaintainersOfFilesAndOfACommit) {
  TempDir dir;
  GitRepo repo(dir / "repo");
  repo.commit("MAINTAINERS", kMaintainersText, "maintainers");
  std::string hash = repo.commit("drivers/foo/foo.c", "int x;\n",
                                 "foo: fix\n\nSigned-off-by: Test Author <author@example.com>\n");
  std::string r = "maintainers --repo " + repo.path().string();
  auto files = run_culprit(r + " drivers/foo/foo.c");
  ASSERT_EQ(files.status(), 0) << files.output;
  EXPECT_EQ(
      files.output,
      "Foo Maintainer <foo@example.org>\nFoo Reviewer <review@example.org>\nfoo-list@example.org\n"
      "linux-kernel@vger.kernel.org\n");
  auto json = run_culprit(r + " --json --commit " + hash.substr(0, 8));
  ASSERT_EQ(json.status(), 0) << json.output;
  auto j = nlohmann::json::parse(json.output);
  EXPECT_EQ(j["to"],
            nlohmann::json::parse(R"(["Test Author <author@example.com>", "foo-list@example.org",
                                                "Foo Maintainer <foo@example.org>"])"));
  EXPECT_EQ(j["cc"],
            nlohmann::json::parse(
                R"(["linux-kernel@vger.kernel.org", "Foo Reviewer <review@example.org>"])"));
  for (auto bad :
       {r + " --commit nosuchrev", "maintainers --repo " + (dir / "none").string() + " a.c", r}) {
    auto b = run_culprit(bad);
    EXPECT_EQ(b.status(), 2) << bad << "\n" << b.output;
    EXPECT_EQ(std::string(trim(b.output)).find('\n'), std::string::npos) << b.output;
  }
}

// The bisection result names the culprit's maintainers and lists, read from
// MAINTAINERS at the culprit.
TEST(Cli, BisectionRecipientsComeFromMaintainers) {
  TempDir dir;
  GitRepo repo(dir / "repo");
  repo.commit("MAINTAINERS", kMaintainersText, "maintainers");
  std::string good = repo.commit("drivers/foo/foo.c", "ok\n", "foo: one");
  std::string bad = repo.commit("drivers/foo/foo.c", "BUG\n",
                                "foo: two\n\nAcked-by: Some One <one@example.net>\n");
  std::string json = (dir / "r.json").string();
  auto r =
      run_culprit("bisect --repo " + repo.path().string() + " --state " + (dir / "state").string() +
                  " --commit " + bad + " --good " + good +
                  " --build true --test '! grep -q BUG drivers/foo/foo.c'" + " --json " + json);
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("foo-list@example.org"));
  auto j = nlohmann::json::parse(read_file(json));
  ASSERT_TRUE(j.contains("recipients")) << j.dump();
  auto to = j["recipients"]["to"].dump(), cc = j["recipients"]["cc"].dump();
  EXPECT_THAT(to, HasSubstr("Foo Maintainer <foo@example.org>"));
  EXPECT_THAT(to, HasSubstr("foo-list@example.org"));
  EXPECT_THAT(cc, HasSubstr("Foo Reviewer <review@example.org>"));
  EXPECT_THAT(cc, HasSubstr("Some One <one@example.net>"));
}

}  // namespace
}  // namespace culprit::testing
