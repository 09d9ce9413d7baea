// --parallel K really tests K commits at the same time, each in its own work
// tree, and a parallel bisection keeps culprit's resume promise: killed at
// any moment and resumed with the same command, it ends with the same result
// and log, repeating no recorded build or run. No timing thresholds: the
// test commands log when they begin and end, and the tests compare the order.
#include <map>
#include <set>
#include <sstream>

#include "e2e/bisect_fixture.h"

namespace culprit::testing {
namespace {

struct Event {
  std::string what;  // "begin", "end", "build"
  std::string commit;
  int run = -1;
  double at = 0;
  long culprit_pid = 0;
  std::string pwd;
};

std::vector<Event> read_events(const std::filesystem::path& path) {
  std::vector<Event> out;
  if (!std::filesystem::exists(path)) return out;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    Event e;
    f >> e.what >> e.commit >> e.run >> e.at >> e.culprit_pid >> e.pwd;
    if (f) out.push_back(e);
  }
  return out;
}

class Parallel : public BisectE2E {
 protected:
  // 30 commits, the bug in commit 17.
  void make_history() {
    for (int i = 0; i < 30; ++i)
      c_.push_back(i == 17 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i));
  }

  // The fixture's build and test, logging to `events` (outside the repo):
  // builds with the work tree they ran in, runs when they begin and end.
  std::string args(const std::filesystem::path& state, const std::filesystem::path& events,
                   int parallel) {
    std::string log = " >> " + events.string();
    std::string build =
        "cat *.txt > build.out; echo \"build $CULPRIT_COMMIT -1 $(date +%s.%N) $PPID $PWD\"" + log;
    std::string test =
        "echo \"begin $CULPRIT_COMMIT $CULPRIT_RUN $(date +%s.%N) $PPID $PWD\"" + log +
        "; sleep 0.3; sh " + (tmp_ / "test.sh").string() +
        "; s=$?; echo \"end $CULPRIT_COMMIT $CULPRIT_RUN $(date +%s.%N) $PPID $PWD\"" + log +
        "; exit $s";
    return "bisect --repo " + shell_quote(repo_.path().string()) + " --state " +
           shell_quote(state.string()) + " --good " + c_[0] + " --commit " + c_.back() +
           " --build " + shell_quote(build) + " --artifact build.out --test " + shell_quote(test) +
           " --runs 4 --parallel " + std::to_string(parallel) + " --json " +
           shell_quote(state.string() + ".json");
  }

  nlohmann::json result(const std::filesystem::path& state) {
    return nlohmann::json::parse(read_file(state.string() + ".json"));
  }

  // The log without the line of durations (they differ from run to run).
  std::string log_of(const std::filesystem::path& state) {
    auto r = run_culprit("log --state " + shell_quote(state.string()));
    std::string out;
    for (auto line : split_lines(r.output))
      if (!starts_with(line, "revisions tested:")) out += std::string(line) + "\n";
    return out;
  }

  std::vector<std::string> c_;
};

TEST_F(Parallel, TestsTwoCommitsAtTheSameTimeInTwoWorkTrees) {
  make_history();
  std::string fp = repo_.fingerprint();
  auto state = tmp_ / "state";
  auto events = tmp_ / "events";
  auto r = run_culprit(args(state, events, 2));
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_EQ(fp, repo_.fingerprint()) << "culprit changed the user's repository";
  auto j = result(state);
  EXPECT_EQ(j["verdict"], "found") << r.output;
  EXPECT_EQ(hashes(j["commits"]), std::vector<std::string>{c_[17]}) << r.output;

  auto ev = read_events(events);
  // Runs of two different commits overlapped: one began before the other ended.
  std::map<std::pair<std::string, int>, std::pair<double, double>>
      spans;  // (commit, run) -> (begin, end)
  for (const auto& e : ev) {
    if (e.what == "begin") spans[{e.commit, e.run}].first = e.at;
    if (e.what == "end") spans[{e.commit, e.run}].second = e.at;
  }
  int overlaps = 0;
  for (const auto& [a, sa] : spans)
    for (const auto& [b, sb] : spans)
      if (a.first < b.first && sa.first < sb.second && sb.first < sa.second) ++overlaps;
  EXPECT_GT(overlaps, 0) << read_file(events);
  // The first round runs beside the start commit itself (its runs overlap
  // a pick's), so the start commit costs no round of its own.
  int start_overlaps = 0;
  for (const auto& [a, sa] : spans)
    for (const auto& [b, sb] : spans)
      if (a.first == c_.back() && b.first != c_.back() && sa.first < sb.second &&
          sb.first < sa.second)
        ++start_overlaps;
  EXPECT_GT(start_overlaps, 0) << read_file(events);
  EXPECT_THAT(r.output, ::testing::HasSubstr("beside the start commit"));

  // Two work trees: the builds ran in two directories, both under the state directory.
  EXPECT_TRUE(std::filesystem::is_directory(state / "worktrees" / "1"));
  std::set<std::string> build_dirs, built;
  int build_executions = 0;
  for (const auto& e : ev)
    if (e.what == "build") {
      build_dirs.insert(e.pwd);
      built.insert(e.commit);
      ++build_executions;
    }
  EXPECT_EQ(build_dirs.size(), 2u) << read_file(events);
  for (const auto& d : build_dirs) EXPECT_TRUE(starts_with(d, state.string() + "/worktrees/")) << d;
  // Each commit counted once. A work tree that another commit took over is
  // built again for more runs on its commit: not a new build.
  EXPECT_EQ(j["builds"].get<int>(), static_cast<int>(built.size())) << j.dump();
  EXPECT_GE(build_executions, static_cast<int>(built.size()));
  int runs = 0;
  for (const auto& e : ev) runs += e.what == "end";
  EXPECT_EQ(j["test_runs"].get<int>(), runs) << j.dump();
  // Within a work tree, one commit at a time: its runs never overlap.
  std::map<std::string, std::vector<std::pair<double, double>>> by_tree;
  for (const auto& e : ev)
    if (e.what == "begin") by_tree[e.pwd].push_back(spans[{e.commit, e.run}]);
  for (auto& [tree, s] : by_tree) {
    std::sort(s.begin(), s.end());
    for (std::size_t i = 1; i < s.size(); ++i) EXPECT_LE(s[i - 1].second, s[i].first) << tree;
  }
}

TEST_F(Parallel, TheSameCommandAgainRepeatsNothingAndLogsTheSame) {
  make_history();
  auto state = tmp_ / "state";
  auto events = tmp_ / "events";
  auto first = run_culprit(args(state, events, 2));
  ASSERT_EQ(first.status(), 0) << first.output;
  auto log1 = log_of(state);
  auto j1 = result(state);
  auto executed = read_events(events).size();
  auto second = run_culprit(args(state, events, 2));
  ASSERT_EQ(second.status(), 0) << second.output;
  EXPECT_EQ(read_events(events).size(), executed) << "a recorded build or run was executed again";
  EXPECT_EQ(log_of(state), log1);
  auto j2 = result(state);
  for (const char* key :
       {"verdict", "commits", "steps", "builds", "test_runs", "revisions_tested", "confidence"})
    EXPECT_EQ(j2[key], j1[key]) << key;
}

TEST_F(Parallel, KilledInTheMiddleOfABatchResumesToTheSameResultAndLog) {
  make_history();
  // Reference: uninterrupted.
  auto ref_state = tmp_ / "ref-state";
  auto ref = run_culprit(args(ref_state, tmp_ / "ref-events", 2));
  ASSERT_EQ(ref.status(), 0) << ref.output;
  auto ref_json = result(ref_state);
  auto ref_runs = ref_json["test_runs"].get<int>();
  ASSERT_GT(ref_runs, 4);

  // SIGKILL once two commits are being tested at the same time and about
  // half of the runs are done.
  auto state = tmp_ / "state";
  auto events = tmp_ / "events";
  std::string cmd = shell_quote(culprit_binary()) + " " + args(state, events, 2);
  auto killed = sh(
      "(" + cmd + " >" + (tmp_ / "killed-output").string() +
          " 2>&1 & pid=$!; n=0; while [ $n -lt 600 ]; do"
          "  ends=$(grep -c '^end ' " +
          events.string() +
          " 2>/dev/null || true);"
          "  open=$(awk '$1==\"begin\"{o[$2\" \"$3]=$2} $1==\"end\"{delete o[$2\" \"$3]}"
          "    END{for(k in o) c[o[k]]=1; n=0; for(x in c) n++; print n}' " +
          events.string() +
          " 2>/dev/null || echo 0);"
          "  if [ \"${ends:-0}\" -ge " +
          std::to_string(ref_runs / 2) +
          " ] && [ \"${open:-0}\" -ge 2 ]; then kill -KILL $pid; wait $pid; echo killed; exit; fi;"
          "  if ! kill -0 $pid 2>/dev/null; then wait $pid; echo finished; exit; fi;"
          "  sleep 0.02; n=$((n+1)); done; kill -KILL $pid; wait $pid; echo timeout)",
      {}, false);
  // The last line says how it ended (the shell may say "Killed" before it).
  std::string text(trim(killed.output));
  auto said = split_lines(text);
  ASSERT_FALSE(said.empty());
  ASSERT_EQ(std::string(said.back()), "killed") << read_file(tmp_ / "killed-output");
  auto before = read_events(events);

  auto resumed = run_culprit(args(state, events, 2));
  ASSERT_EQ(resumed.status(), 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos);
  auto j = result(state);
  for (const char* key : {"verdict", "commits", "steps", "builds", "test_runs", "revisions_tested"})
    EXPECT_EQ(j[key], ref_json[key]) << key;
  EXPECT_EQ(log_of(state), log_of(ref_state));

  // No run the killed culprit recorded ran again. In one work tree a run
  // starts only after the one before it was recorded, so only the last run
  // of each work tree in the killed process may repeat. (Builds: a work tree
  // may be built again for more runs on its commit; the count is above.)
  auto all = read_events(events);
  long killed_pid = before.empty() ? 0 : before.front().culprit_pid;
  std::map<std::string, double> last_in_tree;
  for (const auto& e : before)
    if (e.what == "end") last_in_tree[e.pwd] = std::max(last_in_tree[e.pwd], e.at);
  std::map<std::string, std::vector<const Event*>> by_key;
  for (const auto& e : all)
    if (e.what == "end") by_key[e.commit + " run " + std::to_string(e.run)].push_back(&e);
  int repeated = 0;
  for (const auto& [key, execs] : by_key)
    for (std::size_t i = 0; i + 1 < execs.size(); ++i) {
      ++repeated;
      const Event& e = *execs[i];
      EXPECT_TRUE(e.culprit_pid == killed_pid && e.at >= last_in_tree[e.pwd])
          << key << " was executed again though it was recorded";
    }
  EXPECT_LE(repeated, 2) << "at most the command in progress in each of the two work trees";
}

TEST_F(Parallel, SigtermDuringABatchStopsTheCommandsAndTheSameCommandResumes) {
  make_history();
  auto state = tmp_ / "state";
  auto events = tmp_ / "events";
  std::string cmd = shell_quote(culprit_binary()) + " " + args(state, events, 2);
  // SIGTERM once runs of two commits are open at the same time.
  auto r =
      sh("(" + cmd +
             " >/dev/null 2>&1 & pid=$!; n=0; while [ $n -lt 600 ]; do"
             "  open=$(awk '$1==\"begin\"{o[$2\" \"$3]=$2} $1==\"end\"{delete o[$2\" \"$3]}"
             "    END{for(k in o) c[o[k]]=1; n=0; for(x in c) n++; print n}' " +
             events.string() +
             " 2>/dev/null || echo 0);"
             "  if [ \"${open:-0}\" -ge 2 ]; then kill -TERM $pid; wait $pid; echo $?; exit; fi;"
             "  sleep 0.02; n=$((n+1)); done; kill -KILL $pid; echo timeout)",
         {}, false);
  std::string text(trim(r.output));
  auto said = split_lines(text);
  ASSERT_FALSE(said.empty());
  EXPECT_EQ(std::string(said.back()), "3") << "interrupted: exit status 3, state kept";
  auto j = result(state);
  EXPECT_TRUE(j["aborted"].get<bool>()) << j.dump();
  // The commands of both work trees were killed: nothing runs on and ends
  // after culprit has gone.
  auto n = read_events(events).size();
  sh("sleep 0.6", {}, false);
  EXPECT_EQ(read_events(events).size(), n) << read_file(events);
  auto resumed = run_culprit(args(state, events, 2));
  ASSERT_EQ(resumed.status(), 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos);
  auto done = result(state);
  EXPECT_EQ(done["verdict"], "found");
  EXPECT_EQ(hashes(done["commits"]), std::vector<std::string>{c_[17]});
}

}  // namespace
}  // namespace culprit::testing
