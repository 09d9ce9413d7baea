// culprit worker build|run|probe --request FILE: what a cluster job runs
// (src/cluster/). It makes the bisection's builder or runner from the spec in
// the request (tool_factory.h), so a build or run on a node is the same code
// as a local one, and writes the result file atomically as the very last
// thing. Interrupted (Slurm's SIGTERM on preemption, cancel or time limit),
// it writes nothing: no result is an infrastructure failure to culprit,
// never a verdict.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/parse_args.h"
#include "cli/tool_factory.h"
#include "cluster/job_protocol.h"
#include "util/error.h"
#include "util/process.h"
#include "vcs/repository.h"

namespace culprit::cli {
namespace {

void on_signal(int) { request_interrupt(); }

// A node runs as many make jobs as Slurm gave the job CPUs, not as it has.
nlohmann::json with_job_cpus(nlohmann::json spec) {
  if (spec.value("kind", "") == "kernel" && spec.value("jobs", 0) == 0)
    if (const char* cpus = std::getenv("SLURM_CPUS_ON_NODE"); cpus && std::atoi(cpus) > 0)
      spec["jobs"] = std::atoi(cpus);
  return spec;
}

nlohmann::json build_result(const nlohmann::json& request) {
  build::BuildResult r;
  try {
    auto builder = make_builder(with_job_cpus(request.at("spec")), nullptr);
    r = builder->build(cluster::build_request_from(request.at("request")));
  } catch (const std::exception& e) {
    // This node cannot build (a tool missing): the machine's failure.
    r = {};
    r.infra = true;
    r.error_line = std::string("on node ") + cluster::current_node() + ": " + e.what();
  }
  r.job = cluster::current_job_id();
  r.node = cluster::current_node();
  return {{"build", cluster::to_json(r)}};
}

nlohmann::json run_result(const nlohmann::json& request) {
  run::RunOutcome o;
  try {
    ScratchDir scratch;
    auto runner = make_runner(request.at("spec"), scratch.path());
    o = runner->run(cluster::run_request_from(request.at("request")));
  } catch (const std::exception& e) {
    o = {};
    o.status = run::RunStatus::infra_error;
    o.title = std::string("on node ") + cluster::current_node() + ": " + e.what();
  }
  o.job = cluster::current_job_id();
  o.node = cluster::current_node();
  return {{"run", cluster::to_json(o)}};
}

// What this node lacks to run the bisection's jobs.
nlohmann::json probe_result(const nlohmann::json& request) {
  std::vector<std::string> problems;
  std::string repo_path = request.value("repo", "");
  try {
    auto repo = vcs::Repository::open(repo_path);
    if (!repo.try_resolve(request.value("commit", "")))
      problems.push_back("the repository " + repo_path + " lacks the commit " +
                         request.value("commit", ""));
  } catch (const std::exception& e) {
    problems.push_back("cannot see the repository " + repo_path + " (" + e.what() + ")");
  }
  std::error_code ec;
  std::string state = request.value("state", "");
  if (!std::filesystem::is_directory(state, ec))
    problems.push_back("cannot see the state directory " + state);
  try {
    make_builder(with_job_cpus(request.at("builder")), nullptr);
  } catch (const std::exception& e) {
    problems.push_back(std::string("cannot build: ") + e.what());
  }
  try {
    ScratchDir scratch;
    make_runner(request.at("runner"), scratch.path());
  } catch (const std::exception& e) {
    problems.push_back(std::string("cannot test: ") + e.what());
  }
  return {{"problems", problems}};
}

}  // namespace

int worker_command(const Args& args) {
  std::string kind, request_path;
  CLI::App app{"culprit worker: one build, test run or probe inside a cluster job",
               "culprit worker"};
  app.add_option("kind", kind, "build, run or probe")
      ->required()
      ->check(CLI::IsMember({"build", "run", "probe"}));
  app.add_option("--request", request_path, "the job's request file")->required();
  if (!parse_args(app, args, "worker")) return 0;

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);

  auto request = cluster::read_request(request_path);
  if (request.value("kind", "") != kind)
    throw UserError(request_path + " is a " + request.value("kind", "") + " request, not " + kind);
  if (request.value("protocol", 0) != cluster::kProtocol)
    throw UserError(request_path + " was written by another version of culprit");
  std::filesystem::path result_path = request.value("result", "");
  // A job requeued after it wrote its result (its node lost on the way
  // out) must not build or run a second time.
  if (cluster::read_result(result_path)) return 0;

  nlohmann::json result = kind == "build" ? build_result(request)
                          : kind == "run" ? run_result(request)
                                          : probe_result(request);
  if (interrupt_requested()) {
    std::fputs("culprit worker: interrupted; no result\n", stderr);
    return 3;
  }
  result["kind"] = kind;
  result["job"] = cluster::current_job_id();
  result["node"] = cluster::current_node();
  cluster::write_result(result_path, result);
  return 0;
}

}  // namespace culprit::cli
