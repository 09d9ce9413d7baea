// ClusterBuilder and ClusterRunner: a build or a run as one cluster job.
#include "cluster/cluster.h"
#include "cluster/job_protocol.h"

namespace culprit::cluster {

ClusterBuilder::ClusterBuilder(build::Builder& local, nlohmann::json spec, SlurmSession& session)
    : local_(local), spec_(std::move(spec)), session_(session) {}

build::BuildResult ClusterBuilder::build(const build::BuildRequest& request) {
  build::BuildResult r;
  try {
    store::JobKey key{"build", request.commit, local_.cache_key(), 0};
    nlohmann::json job = {{"kind", "build"}, {"spec", spec_}, {"request", to_json(request)}};
    auto out = session_.execute(key, job);
    if (out.result && out.result->contains("build")) {
      r = build_result_from(out.result->at("build"));
    } else {
      r.infra = true;
      r.error_line = out.result ? "the job's result holds no build" : out.failure;
    }
    if (r.job.empty()) r.job = out.job;
    if (r.node.empty()) r.node = out.node;
  } catch (const std::exception& e) {
    r = {};
    r.infra = true;
    r.error_line = std::string("cluster build: ") + e.what();
  }
  return r;
}

ClusterRunner::ClusterRunner(run::TestRunner& local, nlohmann::json spec, SlurmSession& session)
    : local_(local), spec_(std::move(spec)), session_(session) {}

run::RunOutcome ClusterRunner::run(const run::RunRequest& request) {
  run::RunOutcome o;
  try {
    store::JobKey key{"run", request.commit, local_.cache_key(), request.run_index};
    nlohmann::json job = {{"kind", "run"}, {"spec", spec_}, {"request", to_json(request)}};
    auto out = session_.execute(key, job);
    if (out.result && out.result->contains("run")) {
      o = run_outcome_from(out.result->at("run"));
    } else {
      o.status = run::RunStatus::infra_error;
      o.title = out.result ? "the job's result holds no run" : out.failure;
    }
    if (o.job.empty()) o.job = out.job;
    if (o.node.empty()) o.node = out.node;
  } catch (const std::exception& e) {
    o = {};
    o.status = run::RunStatus::infra_error;
    o.title = std::string("cluster run: ") + e.what();
  }
  return o;
}

}  // namespace culprit::cluster
