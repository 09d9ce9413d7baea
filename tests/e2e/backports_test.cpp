// Backported build fixes on a real repository: a commit breaks the build,
// a later one fixes it with a `Fixes:` trailer, and the crash comes in
// between. Without backports the broken stretch cannot be tested; with
// --auto-backports the fix is cherry-picked into it and the answer is exact.
#include <sstream>

#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class Backports : public BisectE2E {
 protected:
  Backports() {
    // A "compiler" that refuses a broken api.txt, naming the file as a
    // compiler would. Each build that finishes logs the commit and whether
    // its tree was patched; with a kill-at file, the culprit process is
    // killed with SIGKILL (before the log line: the build never finished)
    // at that patched build.
    write_file_atomic(tmp_ / "build.sh",
                      "#!/bin/sh\n"
                      "patched=$(git log -1 --format=%B | grep -c 'backport of')\n"
                      "if [ \"$patched\" = 1 ] && [ -f " +
                          (tmp_ / "kill-at").string() +
                          " ]; then\n"
                          "  n=$(($(cat " +
                          (tmp_ / "kill-at").string() + ") - 1)); echo $n > " +
                          (tmp_ / "kill-at").string() +
                          "\n"
                          "  if [ $n = 0 ]; then rm " +
                          (tmp_ / "kill-at").string() +
                          "; kill -9 $PPID; sleep 5; fi\n"
                          "fi\n"
                          "if grep -q BROKEN api.txt; then\n"
                          "  echo \"api.txt:1: error: 'api_call' undeclared\" >&2; exit 1\n"
                          "fi\n"
                          "cat *.txt > build.out\n"
                          "echo \"build $CULPRIT_COMMIT patched=$patched\" >> " +
                          (tmp_ / "builds").string() + "\n");
    // Sourced, so that $PPID is culprit.
    build_cmd_ = ". " + (tmp_ / "build.sh").string();
  }

  struct History {
    std::string good, breaker, culprit, fix, bad;
    std::vector<std::string> stretch;  // breaker's descendants before the fix
  };
  // good, 2 commits, the breaker, 10 commits (the 5th brings the crash),
  // the fix, 4 commits.
  History make_history() {
    History h;
    write_file_atomic(repo_.path() / "api.txt", "api ok\n");
    h.good = code_commit(0);
    for (int i = 1; i < 3; ++i) code_commit(i);
    h.breaker = repo_.commit("api.txt", "api BROKEN\n", "api: rework the interface");
    for (int i = 4; i < 14; ++i) {
      h.stretch.push_back(i == 8 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
      if (i == 8) h.culprit = h.stretch.back();
    }
    h.fix = repo_.commit("api.txt", "api ok again\n",
                         "api: fix the build\n\nFixes: " + h.breaker.substr(0, 12) +
                             " (\"api: rework the interface\")");
    for (int i = 15; i < 19; ++i) h.bad = code_commit(i);
    return h;
  }

  std::vector<std::string> builds_log() {
    std::vector<std::string> out;
    if (!std::filesystem::exists(tmp_ / "builds")) return out;
    std::istringstream in(read_file(tmp_ / "builds"));
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
  }
};

TEST_F(Backports, FixesTrailerMakesTheBrokenStretchTestable) {
  auto h = make_history();
  const std::string common = "--commit " + h.bad + " --good " + h.good + " --runs 3";

  auto without = bisect(common);
  ASSERT_EQ(without.status, 0) << without.output;
  EXPECT_THAT(without.output, Not(HasSubstr("applying backport")));
  EXPECT_THAT(without.output, HasSubstr("build failed: api.txt:1: error"));
  // The culprit hides among the commits that do not build.
  const auto& cands = without.result["candidates"];
  ASSERT_TRUE(cands.is_array()) << without.result.dump(2);
  std::vector<std::string> candidates = hashes(cands);
  EXPECT_GT(candidates.size(), 1u) << without.output;
  // Exactly the breaker, the stretch after it and the fix.
  std::vector<std::string> untestable = h.stretch;
  untestable.push_back(h.breaker);
  untestable.push_back(h.fix);
  EXPECT_THAT(candidates, ::testing::UnorderedElementsAreArray(untestable));
  std::fprintf(stderr, "without backports: verdict %s, %zu candidates, %d builds, %d runs\n",
               without.result["verdict"].get<std::string>().c_str(), candidates.size(),
               without.result["builds"].get<int>(), without.result["test_runs"].get<int>());

  std::filesystem::remove_all(tmp_ / "state");
  std::filesystem::remove(tmp_ / "builds");
  auto with = bisect(common + " --auto-backports --html " + (tmp_ / "report.html").string());
  ASSERT_EQ(with.status, 0) << with.output;
  EXPECT_EQ(with.result["verdict"], "found") << with.output;
  EXPECT_EQ(hashes(with.result["commits"]), std::vector<std::string>{h.culprit}) << with.output;
  const std::string line = "applying backport " + h.fix.substr(0, 12) + " (api: fix the build)";
  EXPECT_THAT(with.output, HasSubstr(line));
  // One commit of the stretch spends a build on learning that it does not
  // build; the others get the fix before their first build.
  const std::string failed =
      "does not build (api.txt:1: error: 'api_call' undeclared), trying "
      "backported fixes\n" +
      line + "\n";
  auto first = with.output.find(failed);
  EXPECT_NE(first, std::string::npos) << with.output;
  EXPECT_EQ(with.output.find("does not build (", first + 1), std::string::npos) << with.output;
  EXPECT_LT(with.result["builds"].get<int>(), without.result["builds"].get<int>());
  // Each commit of the stretch that was tested was built patched, and the
  // JSON says with which fix; no commit after the fix needed it.
  int patched_steps = 0;
  for (const auto& s : with.result["steps"]) {
    bool in_stretch = std::find(h.stretch.begin(), h.stretch.end(), s["hash"]) != h.stretch.end();
    if (s.contains("backports")) {
      ++patched_steps;
      EXPECT_TRUE(in_stretch) << s.dump();
      EXPECT_EQ(s["backports"], nlohmann::json::array({h.fix})) << s.dump();
      EXPECT_NE(s["verdict"], "skip") << s.dump();
    } else {
      EXPECT_FALSE(in_stretch && s["verdict"] != "skip") << s.dump();
    }
  }
  EXPECT_GE(patched_steps, 2);  // the culprit and its parent, at least
  EXPECT_THAT(read_file(tmp_ / "report.html"),
              HasSubstr("with backport <span class=\"hash\">" + h.fix.substr(0, 12) + "</span>"));
  // The verification's revert goes onto the bad commit, which has the fix.
  EXPECT_EQ(with.result["verification"]["passed"], true) << with.result.dump(2);
  // Cherry-picking is overhead of its own, not "other" (on the kernel
  // example it was 17 s of a 656 s bisection, unaccounted before).
  ASSERT_TRUE(with.result["overhead_seconds"].contains("backports")) << with.result.dump(2);
  EXPECT_GT(with.result["overhead_seconds"]["backports"].get<double>(), 0.0);
  EXPECT_EQ(without.result["overhead_seconds"]["backports"].get<double>(), 0.0);
  EXPECT_THAT(with.output, HasSubstr("checkout: "));
  EXPECT_THAT(with.output, HasSubstr(", backports: "));
  int candidates_with = with.result.contains("candidates")
                            ? static_cast<int>(with.result["candidates"].size())
                            : static_cast<int>(with.result["commits"].size());
  EXPECT_LT(candidates_with, static_cast<int>(candidates.size()));
  std::fprintf(stderr,
               "with --auto-backports: verdict %s, %d candidates, %d builds (%d patched), %d "
               "runs\n",
               with.result["verdict"].get<std::string>().c_str(), candidates_with,
               with.result["builds"].get<int>(), patched_steps,
               with.result["test_runs"].get<int>());
  // Every patched step was built patched (a work tree may be rebuilt for
  // more runs); nothing else was.
  std::set<std::string> patched_builds;
  for (const auto& b : builds_log())
    if (b.find("patched=1") != std::string::npos) patched_builds.insert(b.substr(6, 40));
  EXPECT_EQ(static_cast<int>(patched_builds.size()), patched_steps);
}

TEST_F(Backports, ParallelWorkTreesPatchTheirCommitsToo) {
  auto h = make_history();
  auto o =
      bisect("--commit " + h.bad + " --good " + h.good + " --runs 3 --auto-backports --parallel 2");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{h.culprit}) << o.output;
  EXPECT_THAT(o.output, HasSubstr("applying backport " + h.fix.substr(0, 12)));
  // Both work trees were used, and each patched build holds the fix.
  for (const auto& b : builds_log()) {
    std::string commit = b.substr(6, 40);
    // The breaker itself needs the fix too.
    bool in_stretch = commit == h.breaker ||
                      std::find(h.stretch.begin(), h.stretch.end(), commit) != h.stretch.end();
    EXPECT_EQ(b.find("patched=1") != std::string::npos, in_stretch) << b;
  }
}

TEST_F(Backports, OffByDefaultForBuildCommands) {
  auto h = make_history();
  auto o = bisect("--commit " + h.bad + " --good " + h.good + " --runs 3");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, Not(HasSubstr("backport")));
  auto again = bisect("--commit " + h.bad + " --good " + h.good + " --runs 3 --no-auto-backports");
  EXPECT_EQ(again.result["candidates"], o.result["candidates"]);
}

TEST_F(Backports, TableRowAppliesBeforeTheFirstBuild) {
  auto h = make_history();
  write_file_atomic(tmp_ / "table.toml", "[[backport]]\nfix = \"" + h.fix + "\"\nfixes = \"" +
                                             h.breaker.substr(0, 12) +
                                             "\"\nwhy = \"api.txt does not build\"\n");
  auto o = bisect("--commit " + h.bad + " --good " + h.good + " --runs 3 --backports " +
                  (tmp_ / "table.toml").string());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{h.culprit}) << o.output;
  EXPECT_THAT(o.output, HasSubstr("applying backport " + h.fix.substr(0, 12)));
  // From the table, the fix goes in at once: no commit fails to build.
  EXPECT_THAT(o.output, Not(HasSubstr("build failed")));
  for (const auto& b : builds_log()) {
    bool patched = b.find("patched=1") != std::string::npos;
    std::string commit = b.substr(6, 40);
    // The breaker itself needs the fix too.
    bool in_stretch = commit == h.breaker ||
                      std::find(h.stretch.begin(), h.stretch.end(), commit) != h.stretch.end();
    EXPECT_EQ(patched, in_stretch) << b;
  }
}

TEST_F(Backports, RevertOfTheCulpritGetsTheBackportToo) {
  auto h = make_history();
  write_file_atomic(tmp_ / "table.toml", "[[backport]]\nfix = \"" + h.fix + "\"\nfixes = \"" +
                                             h.breaker + "\"\nwhy = \"api.txt does not build\"\n");
  // The crash is seen inside the broken stretch: that commit, and the
  // culprit reverted on it, build only with the fix.
  auto o = bisect("--commit " + h.stretch.back() + " --good " + h.good + " --runs 3 --backports " +
                  (tmp_ / "table.toml").string());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(hashes(o.result["commits"]), std::vector<std::string>{h.culprit}) << o.output;
  const auto& revert = o.result["verification"]["revert"];
  ASSERT_TRUE(revert.contains("commit")) << o.result.dump(2);
  EXPECT_EQ(revert["passed"], true) << o.output;
  const std::string r = revert["commit"];
  EXPECT_THAT(o.output,
              HasSubstr("testing commit " + r + " with " + build_cmd_ + "\napplying backport " +
                        h.fix.substr(0, 12) + " (api: fix the build)\n"));
}

TEST_F(Backports, BrokenTableIsRefused) {
  auto h = make_history();
  write_file_atomic(tmp_ / "table.toml",
                    "[[backport]]\nfix = \"xyz\"\nfixes = \"" + h.breaker + "\"\nwhy = \"x\"\n");
  auto o = bisect("--commit " + h.bad + " --good " + h.good + " --backports " +
                  (tmp_ / "table.toml").string());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_THAT(o.output, HasSubstr("table.toml:1: \"xyz\" is not a commit hash"));
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "state"));
}

TEST_F(Backports, KilledAtAPatchedBuildResumesRepeatingNoFinishedBuild) {
  auto h = make_history();
  const std::string args =
      "--commit " + h.bad + " --good " + h.good + " --runs 3 --auto-backports --strategy syzbot";
  auto ref = bisect(args);
  ASSERT_EQ(ref.status, 0) << ref.output;
  std::filesystem::remove_all(tmp_ / "state");
  std::filesystem::remove(tmp_ / "builds");

  write_file_atomic(tmp_ / "kill-at", "2\n");
  auto killed = bisect(args);
  EXPECT_NE(killed.status, 0) << killed.output;
  EXPECT_TRUE(std::filesystem::exists(tmp_ / "state"));
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "kill-at"));
  auto resumed = bisect(args);
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_THAT(resumed.output, HasSubstr("resuming"));
  EXPECT_EQ(resumed.result["commits"], ref.result["commits"]);
  EXPECT_EQ(resumed.result["builds"], ref.result["builds"]);
  EXPECT_EQ(resumed.result["steps"].size(), ref.result["steps"].size());
  auto lines = builds_log();
  std::set<std::string> seen;
  for (const auto& b : lines) EXPECT_TRUE(seen.insert(b).second) << "built twice: " << b;
}

// The kernel builder (a miniature kbuild: make olddefconfig and bzImage out
// of tree) applies Fixes: trailers without being asked.
constexpr const char* kMiniKbuild = R"(VERSION = 5
PATCHLEVEL = 15
SUBLEVEL = 7
.PHONY: olddefconfig bzImage
olddefconfig:
	grep -q '^CONFIG_' $(O)/.config
bzImage:
	cd $(O) && $(CC) -c -O1 -o main.o $$(realpath --relative-to=. $(CURDIR)/main.c)
	cd $(O) && $(CC) -c -O1 -o extra.o $$(realpath --relative-to=. $(CURDIR)/extra.c)
	cd $(O) && ld -r -o vmlinux main.o extra.o
	mkdir -p $(O)/arch/x86/boot && cp $(O)/vmlinux $(O)/arch/x86/boot/bzImage
)";

TEST_F(Backports, KernelBuilderAppliesFixesTrailersByDefault) {
  const std::string filler = "/*\n *\n *\n *\n *\n *\n *\n */\n";
  write_file_atomic(repo_.path() / "Makefile", kMiniKbuild);
  write_file_atomic(repo_.path() / "Kconfig", "config 64BIT\n\tbool\n");
  write_file_atomic(repo_.path() / "extra.c", "int e0 = 0;\n");
  const std::string good = repo_.commit(
      "main.c", "int f(int x) { return x + 1; }\n" + filler + "const char state[] = \"fine\";\n",
      "init");
  auto extra = [&](int i) {
    std::string text = read_file(repo_.path() / "extra.c") + "int e" + std::to_string(i) + " = " +
                       std::to_string(i) + ";\n";
    return repo_.commit("extra.c", text, "extra " + std::to_string(i));
  };
  extra(1);
  const std::string breaker = repo_.commit(
      "main.c", "int f(int x) { return x + ; }\n" + filler + "const char state[] = \"fine\";\n",
      "f: rework");
  std::vector<std::string> stretch;
  for (int i = 2; i < 8; ++i) {
    if (i == 4)
      stretch.push_back(repo_.commit(
          "main.c",
          "int f(int x) { return x + ; }\n" + filler + "const char state[] = \"BUGGY\";\n",
          "state: the bug"));
    else
      stretch.push_back(extra(i));
  }
  const std::string culprit = stretch[2];
  const std::string fix = repo_.commit(
      "main.c", "int f(int x) { return x + 1; }\n" + filler + "const char state[] = \"BUGGY\";\n",
      "f: fix the build\n\nFixes: " + breaker.substr(0, 12) + " (\"f: rework\")");
  std::string bad;
  for (int i = 8; i < 10; ++i) bad = extra(i);
  write_file_atomic(tmp_ / "config", "CONFIG_64BIT=y\n");

  std::string fp = repo_.fingerprint();
  auto run = [&](const std::string& more) {
    std::filesystem::remove_all(tmp_ / "kstate");
    auto r = run_culprit(
        "bisect --repo " + repo_.path().string() + " --state " + (tmp_ / "kstate").string() +
        " --json " + (tmp_ / "k.json").string() + " --commit " + bad + " --good " + good +
        " --runs 2 --kernel-config " + (tmp_ / "config").string() + " --build-jobs 1 --test " +
        shell_quote("BUG_FILE=$CULPRIT_OUT/vmlinux sh " + (tmp_ / "test.sh").string()) + " " +
        more);
    EXPECT_EQ(r.status(), 0) << r.output;
    return std::pair{r.output, nlohmann::json::parse(read_file(tmp_ / "k.json"))};
  };
  auto [out, json] = run("");
  EXPECT_THAT(out, HasSubstr("does not build (main.c:1:"));
  EXPECT_THAT(out, HasSubstr("applying backport " + fix.substr(0, 12) + " (f: fix the build)"));
  EXPECT_EQ(json["verdict"], "found") << out;
  EXPECT_EQ(hashes(json["commits"]), std::vector<std::string>{culprit}) << out;

  auto [off_out, off_json] = run("--no-auto-backports");
  EXPECT_THAT(off_out, Not(HasSubstr("backport")));
  EXPECT_NE(off_json["verdict"], "found") << off_out;
  EXPECT_EQ(fp, repo_.fingerprint());
}

}  // namespace
}  // namespace culprit::testing
