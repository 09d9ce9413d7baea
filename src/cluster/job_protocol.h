// The files between culprit and its cluster jobs. culprit writes a request
// file (what `culprit worker` must do: the tool's spec and the build or run
// request, and where to put the result); the worker writes the result file
// atomically as the very last thing it does. A job that ended without a
// result file did not happen (preempted, node lost, cancelled, timed out,
// srun's unreliable exit status): an infrastructure failure, never a
// verdict.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "build/builder.h"
#include "run/runner.h"

namespace culprit::cluster {

// Requests carry "protocol": kProtocol; a worker of another version refuses
// them (the nodes may run another culprit binary than the one that submits).
constexpr int kProtocol = 1;

// Request files: {"protocol": kProtocol, "kind": "build"|"run"|"probe", "result": path, ...}
//   build: "spec": builder spec, "request": build request
//   run:   "spec": runner spec, "request": run request
//   probe: "repo": path, "commit": hash, "state": path, "builder": spec,
//          "runner": spec (tool specs: cli/tool_factory.h)
// Result files: {"kind": ..., "job": str, "node": str, and
//   "build": build result | "run": run outcome |
//   "problems": [str] (probe: what the node cannot see or run; empty: fine)}
nlohmann::json to_json(const build::BuildRequest& request);
build::BuildRequest build_request_from(const nlohmann::json& j);
nlohmann::json to_json(const build::BuildResult& result);
build::BuildResult build_result_from(const nlohmann::json& j);
nlohmann::json to_json(const run::RunRequest& request);
run::RunRequest run_request_from(const nlohmann::json& j);
nlohmann::json to_json(const run::RunOutcome& outcome);
run::RunOutcome run_outcome_from(const nlohmann::json& j);

// Reads a request file; UserError when it is missing or not a request.
nlohmann::json read_request(const std::filesystem::path& path);
// The result, or nothing while the file is absent (or, on a file system
// that shows a rename late, not complete yet).
std::optional<nlohmann::json> read_result(const std::filesystem::path& path);
// Atomic: a temporary file renamed over `path`.
void write_result(const std::filesystem::path& path, const nlohmann::json& result);

// Inside a job: the scheduler's job id and the node's name (Slurm's
// SLURM_JOB_ID and SLURMD_NODENAME; the host name outside Slurm).
std::string current_job_id();
std::string current_node();

}  // namespace culprit::cluster
