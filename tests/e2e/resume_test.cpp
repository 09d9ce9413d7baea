// A bisection killed with SIGKILL at random moments and resumed each time
// with the same command ends with the same result as an uninterrupted one,
// and no build or test run that culprit saw finish is executed again.
#include <algorithm>
#include <map>
#include <random>
#include <sstream>

#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

// culprit records a command's result before it starts the next command
// (one at a time here). So a finished command may run again only when the
// culprit process that ran it finished no other command after it: it was
// killed before it could record it, or while the command still ran (the
// command's shell, an orphan then, finishes on its own). Each execution
// logs the pid of its culprit process ($PPID of the command's shell); that,
// not a time window, is the test of "repeats nothing", so a slow fsync on a
// busy disk cannot fail it.
struct Execution {
  std::string key;  // "build <commit>" or "run <commit> <index>"
  double finished_at = 0;
  long culprit_pid = 0;
};

std::vector<Execution> read_counter(const std::filesystem::path& path) {
  std::vector<Execution> out;
  if (!std::filesystem::exists(path)) return out;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Execution e;
    fields >> e.finished_at >> e.culprit_pid >> std::ws;
    std::getline(fields, e.key);
    out.push_back(e);
  }
  return out;
}

class Resume : public BisectE2E {
 protected:
  // Build and test commands that log when they finish (the very last thing
  // they do, so a kill after it and before culprit records the result is the
  // only way a finished execution can repeat).
  std::string args(const std::filesystem::path& state, const std::filesystem::path& counter,
                   const std::string& start) {
    std::string build =
        "sleep 0.12; cat *.txt > build.out; echo \"$(date +%s.%N) $PPID build $CULPRIT_COMMIT\" "
        ">> " +
        counter.string();
    std::string test =
        "sleep 0.05; sh " + (tmp_ / "test.sh").string() +
        "; s=$?; echo \"$(date +%s.%N) $PPID run $CULPRIT_COMMIT $CULPRIT_RUN\" >> " +
        counter.string() + "; exit $s";
    return "bisect --repo " + repo_.path().string() + " --state " + state.string() + " --commit " +
           start + " --build " + shell_quote(build) + " --artifact build.out --test " +
           shell_quote(test) + " --strategy syzbot --runs 8 --json " + (state.string() + ".json");
  }
};

TEST_F(Resume, SigkillAtRandomMomentsLosesNothingAndRepeatsNothing) {
  std::vector<std::string> c;
  for (int i = 0; i < 80; ++i) {
    c.push_back(i == 51 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
    if (i == 5) repo_.tag("v1.0");
    if (i == 30) repo_.tag("v1.1");
    if (i == 60) repo_.tag("v1.2");
  }
  // Reference: uninterrupted.
  auto ref_state = tmp_ / "ref-state";
  auto ref = run_culprit(args(ref_state, tmp_ / "ref-counter", c.back()));
  ASSERT_EQ(ref.status(), 0) << ref.output;
  auto ref_json = nlohmann::json::parse(read_file(ref_state.string() + ".json"));
  auto ref_execs = read_counter(tmp_ / "ref-counter");

  // Killed again and again.
  auto state = tmp_ / "state";
  auto counter = tmp_ / "counter";
  std::mt19937 rng(12345);
  std::uniform_real_distribution<double> delay(0.05, 0.4);
  std::vector<std::pair<double, double>> kills;  // (kill time, unused)
  int attempts = 0, status = -1;
  std::string cmd = shell_quote(culprit_binary()) + " " + args(state, counter, c.back());
  // On a loaded machine culprit may need longer than the longest delay just
  // to start and resume: after kills that let no command finish, the delays
  // grow until one does, so the test measures resumption, not the load.
  double scale = 1;
  std::size_t executions = 0;
  while (attempts++ < 400) {
    // Enough kills: the last run goes to the end, however slow the machine.
    double d = kills.size() >= 150 ? 3600 : delay(rng) * scale;
    // --foreground: timeout kills culprit only and waits until it is gone.
    // Without it, timeout SIGKILLs its whole process group, itself included,
    // and the next start can find the lock of a culprit that is still
    // dying (blocked in fsync on a busy disk).
    auto r = sh("t0=$(date +%s.%N); timeout --foreground -s KILL " + std::to_string(d) + " " + cmd +
                    " >" + (tmp_ / "last-output").string() + " 2>&1; s=$?; echo \"$t0 $s\"",
                {}, false);
    std::istringstream in(r.output);
    double t0 = 0;
    in >> t0 >> status;
    if (status == 124 || status == 137) {
      kills.push_back({t0 + d, 0});
      std::size_t now = read_counter(counter).size();
      scale = now > executions ? std::max(1.0, scale * 0.8) : std::min(scale * 1.25, 20.0);
      executions = now;
      continue;
    }
    break;
  }
  ASSERT_EQ(status, 0) << "final run failed after " << kills.size() << " kills:\n"
                       << read_file(tmp_ / "last-output");
  EXPECT_GE(kills.size(), 20u) << "the bisection was too quick to be killed often enough";
  RecordProperty("kills", static_cast<int>(kills.size()));

  auto json = nlohmann::json::parse(read_file(state.string() + ".json"));
  EXPECT_EQ(json["verdict"], ref_json["verdict"]);
  EXPECT_EQ(json["commits"], ref_json["commits"]);
  EXPECT_EQ(json["revisions_tested"], ref_json["revisions_tested"]);
  EXPECT_EQ(json["steps"], ref_json["steps"]);
  // The logs agree line by line.
  auto log_ref = run_culprit("log --state " + ref_state.string());
  auto log_killed = run_culprit("log --state " + state.string());
  // Durations differ from run to run; everything else is the same.
  auto without_times = [](const std::string& log) {
    std::string out;
    for (auto line : split_lines(log))
      if (!starts_with(line, "revisions tested:")) out += std::string(line) + "\n";
    return out;
  };
  EXPECT_EQ(without_times(log_ref.output), without_times(log_killed.output));

  // Repeated executions: only those whose culprit process finished nothing
  // after them.
  auto execs = read_counter(counter);
  std::map<long, double> last_finish;  // culprit pid -> its last finished command
  for (const auto& e : execs)
    last_finish[e.culprit_pid] = std::max(last_finish[e.culprit_pid], e.finished_at);
  std::map<std::string, std::vector<const Execution*>> by_key;
  for (const auto& e : execs) by_key[e.key].push_back(&e);
  int repeated = 0, explained = 0;
  for (const auto& [key, runs] : by_key) {
    for (size_t i = 0; i + 1 < runs.size(); ++i) {
      ++repeated;
      const Execution& e = *runs[i];
      bool unrecorded = last_finish[e.culprit_pid] <= e.finished_at;
      if (unrecorded) ++explained;
      EXPECT_TRUE(unrecorded) << key << " finished at " << std::fixed << e.finished_at
                              << " and was executed again, though culprit " << e.culprit_pid
                              << " went on to finish another command after it";
    }
  }
  RecordProperty("repeated_in_kill_window", explained);
  std::printf("kills: %zu, executions: %zu (uninterrupted: %zu), repeated (never recorded): %d\n",
              kills.size(), execs.size(), ref_execs.size(), repeated);
  auto check =
      sh("sqlite3 " + (state / "state.db").string() + " 'PRAGMA integrity_check'", {}, false);
  EXPECT_EQ(std::string(trim(check.output)), "ok");
}

TEST_F(Resume, SigtermStopsWithExitThreeAndTheSameCommandResumes) {
  std::vector<std::string> c;
  for (int i = 0; i < 40; ++i)
    c.push_back(i == 27 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  repo_.tag("v1.0", c[3]);
  auto state = tmp_ / "state";
  auto counter = tmp_ / "counter";
  std::string cmd = shell_quote(culprit_binary()) + " " + args(state, counter, c.back());
  auto r =
      sh("timeout --preserve-status -s TERM 1.5 " + cmd + " >/dev/null 2>&1; echo $?", {}, false);
  EXPECT_EQ(std::string(trim(r.output)), "3") << "interrupted: exit status 3, state kept";
  auto json = nlohmann::json::parse(read_file(state.string() + ".json"));
  EXPECT_TRUE(json["aborted"].get<bool>());
  auto resumed = run_culprit(args(state, counter, c.back()));
  EXPECT_EQ(resumed.status(), 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos);
  auto done = nlohmann::json::parse(read_file(state.string() + ".json"));
  EXPECT_EQ(done["verdict"], "found");
  EXPECT_EQ(done["commits"][0]["hash"], c[27]);
}

}  // namespace
}  // namespace culprit::testing
