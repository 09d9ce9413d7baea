// culprit bisect --kernel-config --minimize-config on a git history of the
// miniature kbuild (support/mini_kbuild.h) with a command-style test that
// runs its "bzImage": the config is minimised on the start commit, the
// commit search builds the minimised config and finds the commit that added
// the buggy driver; killed during the minimisation, the same command
// resumes without building a finished trial again.
#include <signal.h>

#include <map>

#include "e2e/bisect_fixture.h"
#include "support/mini_kbuild.h"
#include "util/hash.h"

namespace culprit::testing {
namespace {

class MinimizeConfig : public BisectE2E {
 protected:
  // Returns (good, culprit, start).
  std::tuple<std::string, std::string, std::string> history() {
    write_mini_kbuild(repo_.path(), false);
    std::string good = repo_.commit("README", "miniature kernel\n", "initial tree");
    for (int i = 0; i < 3; ++i) code_commit(i);
    write_mini_kbuild(repo_.path(), true);
    std::string culprit = repo_.commit("drivers/Makefile", "obj-y += buggy.o\n", "drivers: buggy");
    std::string start;
    for (int i = 3; i < 7; ++i) start = code_commit(i);
    write_file_atomic(tmp_ / "bug.config", mini_bug_config());
    return {good, culprit, start};
  }
  std::string args(const std::string& good, const std::string& start,
                   const std::string& test = "sh \"$CULPRIT_OUT/bzImage\"") {
    return "bisect --repo " + shell_quote(repo_.path().string()) + " --state " +
           shell_quote((tmp_ / "state").string()) + " --json " +
           shell_quote((tmp_ / "result.json").string()) + " --good " + good + " --commit " + start +
           " --kernel-config " + shell_quote((tmp_ / "bug.config").string()) +
           " --minimize-config --build-jobs 1 --runs 2 --html " +
           shell_quote((tmp_ / "report.html").string()) + " --test " + shell_quote(test);
  }
  // "build <config hash>" lines of every build, in order.
  std::vector<std::string> builds() {
    std::vector<std::string> out;
    auto path = tmp_ / "state/kernel-build/0/builds";
    if (!std::filesystem::exists(path)) return out;
    // split_lines gives views into its argument: keep the text alive.
    const std::string text = read_file(path);
    for (auto line : split_lines(text)) out.emplace_back(line);
    return out;
  }
};

TEST_F(MinimizeConfig, BisectsWithTheMinimisedConfig) {
  auto [good, culprit, start] = history();
  auto fp = repo_.fingerprint();
  auto r = run_culprit(args(good, start));
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_EQ(fp, repo_.fingerprint());
  auto j = nlohmann::json::parse(read_file(tmp_ / "result.json"));
  EXPECT_EQ(j["verdict"], "found") << r.output;
  ASSERT_EQ(j["commits"].size(), 1u);
  EXPECT_EQ(j["commits"][0]["hash"], culprit);
  EXPECT_EQ(j["report"]["title"], "kernel BUG in buggy_read");
  const auto& m = j["config_minimization"];
  EXPECT_EQ(m["options_differing"], 44);
  EXPECT_EQ(m["options_kept"], 1);
  EXPECT_EQ(m["kept"], nlohmann::json::array({"CONFIG_BUGGY=y"}));
  EXPECT_FALSE(m["budget_exhausted"]);
  std::string config = read_file(tmp_ / "state/minimize/minimized.config");
  EXPECT_EQ(m["config_sha256"], sha256_hex(config));
  EXPECT_NE(config.find("CONFIG_BUGGY=y"), std::string::npos);
  EXPECT_EQ(config.find("CONFIG_OPT_0=y"), std::string::npos);
  // The commit search built the minimised config, and only it.
  int trials = m["builds"];
  auto all = builds();
  ASSERT_GT(static_cast<int>(all.size()), trials);
  for (std::size_t i = static_cast<std::size_t>(trials); i < all.size(); ++i)
    EXPECT_EQ(all[i], "build " + m["config_sha256"].get<std::string>().substr(0, 16)) << i;
  EXPECT_NE(r.output.find("kept 1 of 44 options"), std::string::npos) << r.output;
  std::string page = read_file(tmp_ / "report.html");
  EXPECT_NE(page.find("<h2>Config minimisation</h2>"), std::string::npos);
  EXPECT_NE(page.find("minimized.config"), std::string::npos);
  std::printf("e2e: %d minimisation builds, %zu search builds, %d builds in the JSON\n", trials,
              all.size() - static_cast<std::size_t>(trials), j["builds"].get<int>());
}

TEST_F(MinimizeConfig, KilledDuringTheMinimisationResumesWithoutRepeatingATrial) {
  auto [good, culprit, start] = history();
  // The 7th run kills culprit (SIGKILL: nothing cleans up), in the middle
  // of a trial whose build finished and whose runs did not.
  std::string counter = (tmp_ / "runs").string();
  std::string test = "n=$(($(cat " + counter + " 2>/dev/null || echo 0) + 1)); echo $n > " +
                     counter + "; [ $n -eq 7 ] && kill -9 $PPID; sh \"$CULPRIT_OUT/bzImage\"";
  auto killed = run_culprit(args(good, start, test));
  ASSERT_NE(killed.status(), 0) << killed.output;
  auto before = builds();
  ASSERT_FALSE(before.empty());
  auto r = run_culprit(args(good, start, test));
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_NE(r.output.find("(recorded)"), std::string::npos) << r.output;
  auto j = nlohmann::json::parse(read_file(tmp_ / "result.json"));
  EXPECT_EQ(j["commits"][0]["hash"], culprit);
  EXPECT_EQ(j["config_minimization"]["options_kept"], 1);
  // Of the trials the killed process built, only the one it was running
  // when killed is built again (its build was done, its runs were not).
  auto all = builds();
  int trials = j["config_minimization"]["builds"];
  ASSERT_GT(all.size(), static_cast<std::size_t>(trials));
  EXPECT_EQ(all[before.size()], before.back()) << "the interrupted trial first";
  std::map<std::string, int> trial_builds;
  for (std::size_t i = 0; i <= static_cast<std::size_t>(trials); ++i) ++trial_builds[all[i]];
  int repeated = 0;
  for (const auto& [key, n] : trial_builds) repeated += n - 1;
  EXPECT_EQ(repeated, 1) << "only the interrupted trial is built again\n" << r.output;
}

// With the QEMU runner the commit search never needs the work tree, so the
// start commit's build handed over by the minimisation is run as it is:
// nothing had made that commit's log directory, and every run failed with
// "cannot write .../logs/<commit>/run-0.log" (the kernel example, issue 17).
// The fake qemu-system-x86_64 runs the miniature "bzImage" (a shell script).
TEST_F(MinimizeConfig, WithTheQemuRunnerTheHandedOverBuildRuns) {
  auto [good, culprit, start] = history();
  std::filesystem::create_directories(tmp_ / "bin");
  auto fake = tmp_ / "bin" / "qemu-system-x86_64";
  write_file_atomic(fake, R"sh(#!/bin/sh
kernel=; prev=
for a in "$@"; do [ "$prev" = -kernel ] && kernel=$a; prev=$a; done
echo '[    0.000000] Linux version 6.1.0-fake'
echo 'culprit: user space reached'
out=$(sh "$kernel")
case $out in *"kernel BUG"*)
  printf '%s\n' "$out"
  echo '[    3.100000] Kernel panic - not syncing: Fatal exception'
  exit 0 ;;
esac
echo 'culprit: reproducer exited with status 0'
echo '[    7.000000] reboot: System halted'
exec sleep 1000
)sh");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  write_file_atomic(tmp_ / "repro.sh", "#!/bin/sh\ntrue\n");
  std::string a = args(good, start);
  a = a.substr(0, a.find(" --test ")) + " --repro " + shell_quote((tmp_ / "repro.sh").string()) +
      " --test-timeout 120";
  auto r = run_shell("env CULPRIT_KVM=0 PATH=" + shell_quote((tmp_ / "bin").string()) +
                         ":\"$PATH\" " + shell_quote(culprit_binary()) + " " + a,
                     {});
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_EQ(r.output.find("failed for a reason outside the commit"), std::string::npos) << r.output;
  auto j = nlohmann::json::parse(read_file(tmp_ / "result.json"));
  EXPECT_EQ(j["verdict"], "found") << r.output;
  ASSERT_EQ(j["commits"].size(), 1u);
  EXPECT_EQ(j["commits"][0]["hash"], culprit);
  EXPECT_EQ(j["config_minimization"]["options_kept"], 1);
  // The start commit was not built again: its runs used the handed-over build.
  EXPECT_TRUE(std::filesystem::exists(tmp_ / "state" / "logs" / start / "run-0.log"));
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "state" / "logs" / start / "build.log"));
}

}  // namespace
}  // namespace culprit::testing
