// Builds and test runs as batch jobs on a cluster scheduler (Slurm; issue
// 15). What it offers:
//   - SlurmSession: submits `culprit worker build|run` jobs (sbatch), waits
//     for their result files (polling squeue, not `sbatch --wait`), resubmits
//     a job that ended without a result within a bound (cancelling the one
//     given up on first, since Slurm may requeue it), records every job in
//     the state database's job table (store/job_table.h) before and after
//     submitting it, adopts the jobs a killed culprit left running, cancels
//     them all on Ctrl-C, and checks at start with a probe job that the nodes
//     see the repository, the state directory and the culprit binary.
//   - ClusterBuilder and ClusterRunner: decorators of a local Builder and
//     TestRunner whose build() and run() happen in such jobs, so the engine
//     needs no cluster knowledge. They fill BuildResult/RunOutcome's `job`
//     and `node`; a job without a result becomes BuildResult::infra or
//     RunStatus::infra_error with the reason, never a verdict.
// Work trees and out/<commit> live in the state directory, which (like the
// repository and the culprit binary) must be on a file system the nodes
// share. The job files go to STATE/cluster/jobs/.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "build/builder.h"
#include "run/runner.h"
#include "store/job_table.h"

namespace culprit::cluster {

struct ClusterOptions {
  std::string partition;                 // empty: the cluster's default partition
  std::vector<std::string> sbatch_args;  // --cluster-opt, split into words
  std::filesystem::path state_dir;       // absolute
  std::filesystem::path culprit;         // the binary a job runs (absolute)
  // sbatch retries silently forever while Slurm's queue is full.
  double submit_timeout = 120;
  // Submissions of one job that end without a result before its build or
  // run is given up as an infrastructure failure.
  int max_attempts = 3;
  double poll_seconds = 1;     // how often squeue is asked; results are seen within 0.1 s
  double probe_timeout = 600;  // the probe job: queued, run and ended
  // A job that ended COMPLETED without a result file: how long to look for
  // the file (a shared file system may show a file made on a node late).
  double completed_grace = 30;
  // A job seen ended otherwise without a result: how long it may take to
  // show up requeued before it counts as lost.
  double ended_grace = 3;
  // squeue failing this long (slurmctld down) ends the wait for a job.
  double controller_silence = 600;
};

// "slurm" -> "", "slurm:PARTITION" -> "PARTITION"; UserError otherwise.
std::string parse_cluster(const std::string& text);
// sbatch options as a POSIX shell would split them ('...', "...", \x);
// UserError on an unterminated quote.
std::vector<std::string> split_shell_words(const std::string& text);

// What happened to one job: its result, or why there is none.
struct JobOutcome {
  std::optional<nlohmann::json> result;
  std::string failure;  // no result: why (one line)
  std::string job;      // the Slurm job id (the last one, when resubmitted)
  std::string node;
};

struct ProbeReport {
  std::string job, node;
  double seconds = 0;  // submit to result seen
};

class SlurmSession {
 public:
  // UserError when sbatch, squeue or scancel is not installed.
  explicit SlurmSession(ClusterOptions options);
  // Cancels every job still queued or running (cancel_all).
  ~SlurmSession();
  SlurmSession(const SlurmSession&) = delete;
  SlurmSession& operator=(const SlurmSession&) = delete;

  // Runs the probe job (`culprit worker probe`) with the bisection's options
  // and waits for it: UserError with one clear line when Slurm refuses it
  // (queue full, partition drained, request above the partition's limits)
  // or a node cannot see the repository or the state directory, run culprit,
  // or make the bisection's builder and runner. `fields`: the probe request
  // (job_protocol.h) without kind and result.
  ProbeReport probe(const nlohmann::json& fields);

  // From now on jobs are recorded in `table` (after StateStore::begin): jobs
  // of other bisections that were left queued or running are cancelled.
  void attach(store::JobTable& table);
  // cancel_all(false), then no more job table (it is about to be closed).
  void detach();

  // Runs one job (`request`: job_protocol.h's, without "result") to its end
  // and returns its result. Never throws. A job of the same key left by a
  // killed culprit with the same request is adopted, not submitted again.
  JobOutcome execute(const store::JobKey& key, const nlohmann::json& request);

  // scancel every job this bisection has queued or running, and wait (a
  // bounded time) until they have left the queue. `finished`: the bisection
  // is over, so their rows are closed; otherwise (interrupted) a resumed
  // culprit looks at them again.
  void cancel_all(bool finished);

  // Why Slurm refused a job during the bisection (sbatch failed or timed
  // out): the bisection then stops (exit 3) with this line.
  std::optional<std::string> refused() const;

  const ClusterOptions& options() const { return options_; }

 private:
  struct Status;
  JobOutcome wait_for(store::JobRecord& rec);
  std::string submit(store::JobRecord& rec, const nlohmann::json& request, std::string* error);
  std::optional<Status> status_of(const std::string& job_id);
  void forget(const std::string& job_id);
  std::string job_name(const store::JobKey& key, int generation, int attempt) const;
  std::filesystem::path jobs_dir() const;
  void save(const store::JobRecord& rec);
  void refuse(const std::string& reason);

  ClusterOptions options_;
  store::JobTable* table_ = nullptr;
  mutable std::mutex mu_;         // everything below, and calls into table_
  std::set<std::string> active_;  // job ids submitted or adopted, not yet ended or consumed
  std::set<std::tuple<std::string, std::string, std::string, int, int>> in_flight_;
  std::optional<std::string> refused_;
  std::mutex poll_mu_;  // the squeue cache
  std::map<std::string, std::string> cache_state_, cache_node_, cache_reason_;
  double cache_time_ = -1e9;
  bool cache_ok_ = false;
};

// build() happens in a `culprit worker build` job; id_for and cache_key are
// the local builder's (the same build).
class ClusterBuilder : public build::Builder {
 public:
  // `spec`: the builder's spec (cli/tool_factory.h), for the worker.
  ClusterBuilder(build::Builder& local, nlohmann::json spec, SlurmSession& session);
  std::string id_for(const std::string& commit) const override { return local_.id_for(commit); }
  std::string cache_key() const override { return local_.cache_key(); }
  build::BuildResult build(const build::BuildRequest& request) override;

 private:
  build::Builder& local_;
  nlohmann::json spec_;
  SlurmSession& session_;
};

// run() happens in a `culprit worker run` job.
class ClusterRunner : public run::TestRunner {
 public:
  ClusterRunner(run::TestRunner& local, nlohmann::json spec, SlurmSession& session);
  std::string cache_key() const override { return local_.cache_key(); }
  run::RunOutcome run(const run::RunRequest& request) override;
  bool needs_work_tree() const override { return local_.needs_work_tree(); }

 private:
  run::TestRunner& local_;
  nlohmann::json spec_;
  SlurmSession& session_;
};

}  // namespace culprit::cluster
