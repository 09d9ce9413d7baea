// slurm_overhead [--jobs N] [--culprit PATH] [--keep-scheduler-default]:
// what a cluster job costs culprit on top of its work. Starts a private
// one-node Slurm (scripts/slurm-start), then runs N trivial test runs one
// after another through the cluster session culprit uses (SlurmSession:
// request file, sbatch, squeue polling, `culprit worker run`, result file)
// and prints, over the N jobs, the median and maximum of
//   submit -> start        execute() called -> the test command's first line
//   start -> result seen   the test command's first line -> execute() returned
//   submit -> result seen  the whole overhead of one job
// --keep-scheduler-default keeps Slurm's batch_sched_delay (3 s) instead of
// the test cluster's 0.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/job_protocol.h"
#include "store/state_store.h"
#include "util/process.h"
#include "util/text.h"

namespace {

double unix_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

struct Stats {
  double median, max;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  return {median, v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace culprit;
  int jobs = 50;
  bool scheduler_default = false;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  std::filesystem::path culprit_bin = self.parent_path().parent_path() / "culprit";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--jobs" && i + 1 < argc)
      jobs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--culprit" && i + 1 < argc)
      culprit_bin = std::filesystem::absolute(argv[++i]);
    else if (a == "--keep-scheduler-default")
      scheduler_default = true;
    else {
      std::fprintf(
          stderr, "usage: slurm_overhead [--jobs N] [--culprit PATH] [--keep-scheduler-default]\n");
      return 2;
    }
  }
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "culprit-slurm-bench-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return 1;
  std::filesystem::path dir = tmpl;
  std::string scripts = std::string(CULPRIT_SOURCE_DIR) + "/scripts/";
  auto cluster = dir / "slurm";
  std::string env = scheduler_default ? "SLURM_SCHEDULER_PARAMETERS= " : "";
  auto started = run_shell(
      env + shell_quote(scripts + "slurm-start") + " " + shell_quote(cluster.string()) + " 1", {});
  if (started.status() != 0) {
    std::fprintf(stderr, "slurm_overhead: cannot start Slurm:\n%s", started.output.c_str());
    return 1;
  }
  ::setenv("SLURM_CONF", (cluster / "slurm.conf").c_str(), 1);
  int status = 0;
  try {
    auto state = dir / "state";
    auto store = store::StateStore::open(state);
    store->begin("{\"bench\": \"slurm_overhead\"}", false);
    cluster::ClusterOptions o;
    o.state_dir = state;
    o.culprit = culprit_bin;
    cluster::SlurmSession session(o);
    session.attach(*store);
    std::filesystem::create_directories(state / "out");
    auto marks = state / "marks";
    std::filesystem::create_directories(marks);
    nlohmann::json spec = {{"kind", "command"},
                           {"command", "date +%s.%N > " + marks.string() + "/$CULPRIT_RUN"},
                           {"timeout", 60}};
    std::vector<double> to_start, to_result, total;
    for (int i = 0; i < jobs; ++i) {
      run::RunRequest req;
      req.commit = "0000000000000000000000000000000000000000";
      req.source_dir = state;
      req.out_dir = state / "out";
      req.log_path = state / fmt::format("run-{}.log", i);
      req.run_index = i;
      nlohmann::json job = {{"kind", "run"}, {"spec", spec}, {"request", cluster::to_json(req)}};
      double t0 = unix_now();
      auto out = session.execute({"run", req.commit, "bench", i}, job);
      double t2 = unix_now();
      if (!out.result) throw std::runtime_error("job without a result: " + out.failure);
      double t1 = std::stod(read_file(marks / std::to_string(i)));
      to_start.push_back(t1 - t0);
      to_result.push_back(t2 - t1);
      total.push_back(t2 - t0);
    }
    session.detach();
    auto a = stats(to_start), b = stats(to_result), c = stats(total);
    std::printf("%d trivial jobs, one at a time, one-node private Slurm (%s)\n", jobs,
                scheduler_default ? "Slurm's default batch_sched_delay" : "batch_sched_delay=0");
    std::printf("%-24s median %6.2f s   max %6.2f s\n", "submit -> start", a.median, a.max);
    std::printf("%-24s median %6.2f s   max %6.2f s\n", "start -> result seen", b.median, b.max);
    std::printf("%-24s median %6.2f s   max %6.2f s\n", "submit -> result seen", c.median, c.max);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slurm_overhead: %s\n", e.what());
    status = 1;
  }
  run_shell(shell_quote(scripts + "slurm-stop") + " " + shell_quote(cluster.string()), {});
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return status;
}
