// End-to-end bisections through a real Slurm: each test starts a private
// single-host cluster (scripts/slurm-start: munged, slurmctld, one or two
// slurmd "nodes" on 127.0.0.1) in its temporary directory and stops it at
// the end (scripts/slurm-stop). Skipped, with a message saying how to
// install them, where the Slurm packages are absent.
#pragma once

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>
#include <thread>

#include "e2e/bisect_fixture.h"
#include "util/text.h"

namespace culprit::testing {

// Why Slurm cannot run here ("" when it can).
inline std::string slurm_unavailable() {
  auto r =
      sh("PATH=$PATH:/usr/sbin:/sbin; command -v slurmctld && command -v slurmd && "
         "command -v sbatch && command -v munged && command -v mungekey",
         {}, false);
  if (r.status() != 0)
    return "Slurm is not installed (scripts/install-deps installs slurmctld slurmd slurm-client "
           "munge)";
  if (::geteuid() != 0) return "the private Slurm test cluster runs as root (SlurmUser=root)";
  return "";
}

// A command running in the background (its own process group), with its
// output in a file, that a test can signal and wait for.
class Background {
 public:
  Background(const std::string& command, const std::filesystem::path& output) {
    std::string line = "exec " + command + " >" + shell_quote(output.string()) + " 2>&1";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Background() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  void signal(int sig) { ::kill(pid_, sig); }
  bool running() {
    if (done_) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) finish(st);
    return !done_;
  }
  // The exit status ($? of a shell: 128+N for signal N).
  int wait() {
    if (!done_) {
      int st = 0;
      while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
      finish(st);
    }
    return status_;
  }

 private:
  void finish(int st) {
    done_ = true;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  pid_t pid_ = -1;
  bool done_ = false;
  int status_ = -1;
};

struct SlurmJob {
  std::string id, state, node, name, reason;
};

class SlurmE2E : public BisectE2E {
 protected:
  void SetUp() override {
    if (auto why = slurm_unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
  void TearDown() override {
    stop_releasing();
    if (started_) sh(script("slurm-stop") + " " + shell_quote(cluster_dir().string()), {}, false);
  }

  static std::string script(const std::string& name) {
    return shell_quote(std::string(CULPRIT_SOURCE_DIR) + "/scripts/" + name);
  }
  std::filesystem::path cluster_dir() const { return tmp_ / "slurm"; }

  // Starts the cluster; culprit (a child of this process) finds it through
  // SLURM_CONF.
  void start_cluster(int nodes, const std::string& extra_conf = "") {
    std::string env = extra_conf.empty() ? "" : "SLURM_CONF_EXTRA=" + shell_quote(extra_conf) + " ";
    auto r = sh(env + script("slurm-start") + " " + shell_quote(cluster_dir().string()) + " " +
                    std::to_string(nodes),
                {}, false);
    started_ = true;
    ASSERT_EQ(r.status(), 0) << r.output;
    ::setenv("SLURM_CONF", (cluster_dir() / "slurm.conf").c_str(), 1);
  }

  std::string slurm(const std::string& command) {
    return sh("PATH=$PATH:/usr/sbin:/sbin; " + command, {}, false).output;
  }

  // Every job Slurm still shows (pending, running, completing).
  std::vector<SlurmJob> queue() {
    std::vector<SlurmJob> out;
    std::istringstream in(slurm("squeue --noheader --format='%i|%T|%N|%j|%r'"));
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::string cur;
      for (char c : line) {
        if (c == '|') {
          f.push_back(cur);
          cur.clear();
        } else {
          cur += c;
        }
      }
      f.push_back(cur);
      if (f.size() == 5) out.push_back({f[0], f[1], f[2], f[3], f[4]});
    }
    return out;
  }

  // Waits (up to `seconds`) for a running test-run job of culprit, on
  // `node` if given.
  std::optional<SlurmJob> wait_for_running_run(Background& culprit, const std::string& node = "",
                                               double seconds = 120) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline && culprit.running()) {
      for (const auto& j : queue())
        if (j.state == "RUNNING" && starts_with(j.name, "culprit-run-") &&
            (node.empty() || j.node == node))
          return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return std::nullopt;
  }

  // Waits (up to `seconds`) until culprit has test-run jobs running and
  // every one of them is inside its test command (its "start" marker
  // written, its "end" not yet): a signal now hits each of them mid-run,
  // not while the job is still starting (seen on a loaded CI machine: more
  // than a second from RUNNING to the command) or writing its result.
  std::vector<SlurmJob> wait_until_runs_are_in_their_command(Background& culprit,
                                                             double seconds = 120) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline && culprit.running()) {
      std::vector<SlurmJob> running;
      for (const auto& j : queue())
        if (j.state == "RUNNING" && starts_with(j.name, "culprit-run-")) running.push_back(j);
      std::map<std::string, int> inside;  // job -> starts - ends
      for (const auto& m : markers("start")) ++inside[m.job];
      for (const auto& m : markers("end")) --inside[m.job];
      bool all_inside = !running.empty();
      for (const auto& j : running) all_inside = all_inside && inside[j.id] > 0;
      if (all_inside) return running;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return {};
  }

  // Slurm holds a requeued job ~120 s before it may start again; the tests
  // let it start at once (as an administrator may).
  void start_releasing() {
    releasing_ = true;
    releaser_ = std::thread([this] {
      while (releasing_) {
        slurm(
            "for j in $(squeue --noheader --states=PD --format='%i %r' | awk '$2 == \"BeginTime\" "
            "{print $1}'); do scontrol update jobid=$j StartTime=now; done");
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    });
  }
  void stop_releasing() {
    releasing_ = false;
    if (releaser_.joinable()) releaser_.join();
  }

  std::string slurm_field(const std::string& job, const std::string& field) {
    std::string text = slurm("scontrol show job " + job + " -o");
    auto at = text.find(" " + field + "=");
    if (at == std::string::npos) return "";
    at += field.size() + 2;
    return text.substr(at, text.find(' ', at) - at);
  }

  // The bisection of these tests: a history with release tags and a bug
  // whose crash shows on a third of the runs (deterministically per commit
  // and run, so that two bisections take the same steps).
  std::string make_history() {
    std::string start;
    for (int i = 0; i < 40; ++i) {
      start = i == 27 ? code_commit(i, "bug.txt", "BUG\n") : code_commit(i);
      if (i == 4) repo_.tag("v1.0");
      if (i == 15) repo_.tag("v1.1");
    }
    return start;
  }

  // culprit bisect's arguments; the test command logs "start"/"end" lines
  // with the Slurm job id, the commit and the run index to `markers`, and
  // sleeps `test_sleep` seconds while slow_runs is on.
  std::string bisect_args(const std::filesystem::path& state, const std::string& start,
                          const std::string& extra, double test_sleep = 0) {
    auto markers = tmp_ / "markers";
    // Slow only while the test wants jobs to be caught running (slow_runs).
    std::string sleep = test_sleep > 0 ? "if [ -e " + (tmp_ / "slow").string() + " ]; then sleep " +
                                             std::to_string(test_sleep) + "; fi; "
                                       : "";
    std::string test = "echo \"start ${SLURM_JOB_ID:-local} $CULPRIT_COMMIT $CULPRIT_RUN\" >> " +
                       markers.string() + "; " + sleep + "FLAKY=3 sh " +
                       (tmp_ / "test.sh").string() +
                       "; s=$?; echo \"end ${SLURM_JOB_ID:-local} $CULPRIT_COMMIT $CULPRIT_RUN\" "
                       ">> " +
                       markers.string() + "; exit $s";
    return "bisect --repo " + shell_quote(repo_.path().string()) + " --state " +
           shell_quote(state.string()) + " --json " + shell_quote(state.string() + ".json") +
           " --commit " + start + " --build 'cat *.txt > build.out' --artifact build.out --test " +
           shell_quote(test) + " --runs 6 " + extra;
  }
  // While on, the test command sleeps `test_sleep` seconds (bisect_args).
  void slow_runs(bool on) {
    if (on)
      write_file_atomic(tmp_ / "slow", "");
    else
      std::filesystem::remove(tmp_ / "slow");
  }
  std::string culprit_command(const std::string& args) {
    return shell_quote(culprit_binary()) + " " + args;
  }

  nlohmann::json result_of(const std::filesystem::path& state) {
    return nlohmann::json::parse(read_file(state.string() + ".json"));
  }

  // Marker lines of one kind ("start" / "end"): (job, commit, run).
  struct Marker {
    std::string job, commit, run;
  };
  std::vector<Marker> markers(const std::string& kind) {
    std::vector<Marker> out;
    if (!std::filesystem::exists(tmp_ / "markers")) return out;
    std::istringstream in(read_file(tmp_ / "markers"));
    std::string k;
    Marker m;
    while (in >> k >> m.job >> m.commit >> m.run)
      if (k == kind) out.push_back(m);
    return out;
  }
  // (commit, run) pairs executed to the end more than once.
  std::vector<std::string> repeated_runs() {
    std::map<std::string, int> seen;
    std::vector<std::string> out;
    for (const auto& m : markers("end"))
      if (++seen[m.commit + " " + m.run] == 2) out.push_back(m.commit + " " + m.run);
    return out;
  }

  // The job table (store/job_table.h) as culprit left it.
  struct JobRow {
    std::string kind, commit, job_id, state, node;
    int index = 0, generation = 0, attempt = 0;
    bool consumed = false;
  };
  std::vector<JobRow> job_table(const std::filesystem::path& state) {
    std::vector<JobRow> rows;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2((state / "state.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK) {
      sqlite3_close(db);
      return rows;
    }
    sqlite3_stmt* q = nullptr;
    const char* sql =
        "SELECT kind, commit_hash, idx, generation, attempt, job_id, state, node, consumed "
        "FROM cluster_jobs";
    if (sqlite3_prepare_v2(db, sql, -1, &q, nullptr) == SQLITE_OK) {
      auto text = [q](int col) {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(q, col));
        return std::string(p ? p : "");
      };
      while (sqlite3_step(q) == SQLITE_ROW)
        rows.push_back({text(0), text(1), text(5), text(6), text(7), sqlite3_column_int(q, 2),
                        sqlite3_column_int(q, 3), sqlite3_column_int(q, 4),
                        sqlite3_column_int(q, 8) != 0});
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return rows;
  }

  // What a failed test needs to be understood from CI's output alone: the
  // markers, the job table and culprit's output ("out").
  std::string what_happened(const std::filesystem::path& state, const std::string& note) {
    std::string text = "--- " + note + "\n--- markers:\n";
    if (std::filesystem::exists(tmp_ / "markers")) text += read_file(tmp_ / "markers");
    text += "--- job table (kind commit index generation attempt job state node consumed):\n";
    for (const auto& r : job_table(state))
      text += r.kind + " " + r.commit.substr(0, 12) + " " + std::to_string(r.index) + " " +
              std::to_string(r.generation) + " " + std::to_string(r.attempt) + " " + r.job_id +
              " " + r.state + " " + r.node + " " + (r.consumed ? "1" : "0") + "\n";
    text += "--- culprit's output:\n";
    if (std::filesystem::exists(tmp_ / "out")) text += read_file(tmp_ / "out");
    text += "--- culprit log:\n" + run_culprit("log --state " + shell_quote(state.string())).output;
    return text;
  }

  bool started_ = false;
  std::atomic<bool> releasing_{false};
  std::thread releaser_;
};

}  // namespace culprit::testing
