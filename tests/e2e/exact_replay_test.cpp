// Issue 13, point 1: a bisection's result does not depend on how it was
// interrupted. For --jobs 1 and 3, --parallel 1 and 2: an uninterrupted
// flaky bisection, the same command run again on its finished state (a
// replay), and one SIGKILLed at random moments 15+ times and resumed each
// time give byte-identical JSON (apart from durations) and logs. The flaky
// test crashes by a hash of (commit, $CULPRIT_RUN), so a run redone under
// the same index has the same outcome; what may differ between the three is
// only which runs finished before a kill, and that must not show.
// The same for a fix bisection (the posterior search mirrored, its revert
// on --head).
#include <random>
#include <sstream>

#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

// Durations differ from run to run; everything else must not.
nlohmann::json without_times(nlohmann::json j) {
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto& [k, v] : j.items()) {
      if (k.size() > 8 && k.compare(k.size() - 8, 8, "_seconds") == 0) continue;
      out[k] = without_times(v);
    }
    return out;
  }
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (auto& v : j) out.push_back(without_times(v));
    return out;
  }
  return j;
}

std::string log_without_times(const std::string& log) {
  std::string out;
  for (auto line : split_lines(log))
    if (!starts_with(line, "revisions tested:")) out += std::string(line) + "\n";
  return out;
}

struct Config {
  int jobs;
  int parallel;
  bool fix = false;
};

class ExactReplay : public BisectE2E, public ::testing::WithParamInterface<Config> {
 protected:
  std::string args(const std::filesystem::path& state) {
    // Slow enough for kills to land in builds and in runs.
    std::string build = "sleep 0.15; cat *.txt > build.out";
    std::string test = "sleep 0.08; FLAKY=3 sh " + (tmp_ / "test.sh").string();
    std::string range = GetParam().fix ? "--fix --commit " + good_ + " --head " + tip_
                                       : "--commit " + tip_ + " --good " + good_;
    return "bisect --repo " + repo_.path().string() + " --state " + state.string() + " " + range +
           " --build " + shell_quote(build) + " --artifact build.out --test " + shell_quote(test) +
           " --runs 4 --jobs " + std::to_string(GetParam().jobs) + " --parallel " +
           std::to_string(GetParam().parallel) + " --json " + state.string() + ".json";
  }

  void make_history() {
    std::vector<std::string> c;
    // Fix: the bug from the first commit, fixed at the same place.
    for (int i = 0; i < 48; ++i)
      c.push_back(i == 29 ? code_commit(i, "bug.txt", GetParam().fix ? "fixed\n" : "BUG\n")
                  : i == 0 && GetParam().fix ? code_commit(i, "bug.txt", "BUG\n")
                                             : code_commit(i));
    good_ = c[2];
    tip_ = c.back();
    culprit_ = c[29];
  }

  std::string good_, tip_, culprit_;
};

TEST_P(ExactReplay, UninterruptedReplayedAndKilledGiveTheSameResultAndLog) {
  make_history();
  auto ref_state = tmp_ / "ref";
  auto ref = run_culprit(args(ref_state));
  ASSERT_EQ(ref.status(), 0) << ref.output;
  auto ref_json = nlohmann::json::parse(read_file(ref_state.string() + ".json"));
  auto ref_log = run_culprit("log --state " + ref_state.string()).output;
  EXPECT_EQ(ref_json["verdict"], "found") << ref.output;
  EXPECT_EQ(ref_json["commits"][0]["hash"], culprit_) << ref.output;
  if (GetParam().fix) {
    EXPECT_EQ(ref_json["mode"], "fix");
    EXPECT_EQ(ref_json["strategy"], "posterior");
    EXPECT_TRUE(ref_json["verification"]["revert"]["passed"].get<bool>()) << ref.output;
  }

  // The same command on the finished state: a replay of every record.
  auto again = run_culprit(args(ref_state));
  ASSERT_EQ(again.status(), 0) << again.output;
  auto again_json = nlohmann::json::parse(read_file(ref_state.string() + ".json"));
  EXPECT_EQ(without_times(again_json).dump(1), without_times(ref_json).dump(1));
  EXPECT_EQ(log_without_times(run_culprit("log --state " + ref_state.string()).output),
            log_without_times(ref_log));

  // Killed again and again at random moments, resumed each time.
  auto state = tmp_ / "killed";
  std::string cmd = shell_quote(culprit_binary()) + " " + args(state);
  std::mt19937 rng(1000 * GetParam().jobs + GetParam().parallel + (GetParam().fix ? 7 : 0));
  // Short enough that a loaded machine still sees 15+ kills before the end;
  // a kill that lands before culprit gets anywhere costs only a restart.
  std::uniform_real_distribution<double> delay(0.05, 0.45);
  int kills = 0, status = -1;
  for (int attempt = 0; attempt < 300; ++attempt) {
    double d = kills >= 18 ? 3600 : delay(rng);
    auto r = sh("timeout --foreground -s KILL " + std::to_string(d) + " " + cmd + " >" +
                    (tmp_ / "last-output").string() + " 2>&1; echo $?",
                {}, false);
    status = std::stoi(std::string(trim(r.output)));
    if (status == 137 || status == 124) {
      ++kills;
      continue;
    }
    break;
  }
  ASSERT_EQ(status, 0) << read_file(tmp_ / "last-output");
  EXPECT_GE(kills, 15);
  auto json = nlohmann::json::parse(read_file(state.string() + ".json"));
  EXPECT_EQ(without_times(json).dump(1), without_times(ref_json).dump(1));
  EXPECT_EQ(log_without_times(run_culprit("log --state " + state.string()).output),
            log_without_times(ref_log));
  std::printf("jobs %d, parallel %d: %d kills, %d test runs, confidence %.4f\n", GetParam().jobs,
              GetParam().parallel, kills, json["test_runs"].get<int>(),
              json["confidence"].get<double>());
}

INSTANTIATE_TEST_SUITE_P(JobsAndParallel, ExactReplay,
                         ::testing::Values(Config{1, 1}, Config{3, 1}, Config{1, 2}, Config{3, 2},
                                           Config{1, 1, true}),
                         [](const auto& info) {
                           return "jobs" + std::to_string(info.param.jobs) + "_parallel" +
                                  std::to_string(info.param.parallel) +
                                  (info.param.fix ? "_fix" : "");
                         });

}  // namespace
}  // namespace culprit::testing
