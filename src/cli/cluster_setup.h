// `culprit bisect --cluster slurm[:PARTITION] [--cluster-opt OPTIONS]`: the
// Slurm session (src/cluster/), the probe job at start, and the builder and
// runner the engine gets instead of the local ones.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bisect/result.h"
#include "cluster/cluster.h"
#include "store/job_table.h"
#include "util/error.h"
#include "vcs/repository.h"

namespace culprit::cli {

class ClusterSetup {
 public:
  // Checks the options, copies the files the specs name (kernel config,
  // reproducer) into the state directory so that the nodes need to see
  // only it and the repository, and runs the probe job: UserError (exit 2)
  // with one clear line when the cluster cannot run this bisection.
  ClusterSetup(const std::string& cluster, const std::string& cluster_opt, double submit_timeout,
               const std::filesystem::path& state, const vcs::Repository& repo,
               const std::string& commit, nlohmann::json builder_spec, nlohmann::json runner_spec,
               build::Builder& local_builder, run::TestRunner& local_runner);
  // Jobs are recorded in the state database (after begin()) while the
  // returned object lives; destroyed (before the database), it cancels
  // every job still queued or running.
  class Attached {
   public:
    explicit Attached(cluster::SlurmSession& session) : session_(session) {}
    ~Attached() { session_.detach(); }
    Attached(const Attached&) = delete;
    Attached& operator=(const Attached&) = delete;

   private:
    cluster::SlurmSession& session_;
  };
  [[nodiscard]] std::unique_ptr<Attached> attach(store::JobTable& table) {
    session_->attach(table);
    return std::make_unique<Attached>(*session_);
  }
  build::Builder& builder() { return *builder_; }
  run::TestRunner& runner() { return *runner_; }

  // Runs the bisection. An abort because Slurm refused a job says so; when
  // it ends, no job of the bisection is left queued.
  template <class Run>
  bisect::BisectResult run(Run&& bisection) {
    try {
      auto result = bisection();
      session_->cancel_all(true);
      return result;
    } catch (const AbortError&) {
      if (auto why = session_->refused()) throw AbortError(*why);
      throw;
    }
  }

 private:
  std::unique_ptr<cluster::SlurmSession> session_;
  std::unique_ptr<cluster::ClusterBuilder> builder_;
  std::unique_ptr<cluster::ClusterRunner> runner_;
};

}  // namespace culprit::cli
