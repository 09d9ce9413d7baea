#include "cluster/job_protocol.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/text.h"

namespace culprit::cluster {
namespace {

std::string text_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

run::RunStatus status_from(const std::string& s) {
  for (auto st : {run::RunStatus::ok, run::RunStatus::crashed, run::RunStatus::untestable,
                  run::RunStatus::infra_error})
    if (s == run::to_string(st)) return st;
  return run::RunStatus::infra_error;
}

}  // namespace

nlohmann::json to_json(const build::BuildRequest& r) {
  return {{"commit", r.commit},
          {"source_dir", r.source_dir.string()},
          {"out_dir", r.out_dir.string()},
          {"signature_file", r.signature_file.string()},
          {"log_path", r.log_path.string()}};
}

build::BuildRequest build_request_from(const nlohmann::json& j) {
  build::BuildRequest r;
  r.commit = text_of(j, "commit");
  r.source_dir = text_of(j, "source_dir");
  r.out_dir = text_of(j, "out_dir");
  r.signature_file = text_of(j, "signature_file");
  r.log_path = text_of(j, "log_path");
  return r;
}

nlohmann::json to_json(const build::BuildResult& r) {
  return {{"ok", r.ok},           {"signature", r.signature}, {"error_line", r.error_line},
          {"seconds", r.seconds}, {"infra", r.infra},         {"job", r.job},
          {"node", r.node}};
}

build::BuildResult build_result_from(const nlohmann::json& j) {
  build::BuildResult r;
  r.ok = j.value("ok", false);
  r.signature = text_of(j, "signature");
  r.error_line = text_of(j, "error_line");
  r.seconds = j.value("seconds", 0.0);
  r.infra = j.value("infra", false);
  r.job = text_of(j, "job");
  r.node = text_of(j, "node");
  return r;
}

nlohmann::json to_json(const run::RunRequest& r) {
  return {{"commit", r.commit},
          {"source_dir", r.source_dir.string()},
          {"out_dir", r.out_dir.string()},
          {"log_path", r.log_path.string()},
          {"signature_file", r.signature_file.string()},
          {"run_index", r.run_index}};
}

run::RunRequest run_request_from(const nlohmann::json& j) {
  run::RunRequest r;
  r.commit = text_of(j, "commit");
  r.source_dir = text_of(j, "source_dir");
  r.out_dir = text_of(j, "out_dir");
  r.log_path = text_of(j, "log_path");
  r.signature_file = text_of(j, "signature_file");
  r.run_index = j.value("run_index", 0);
  return r;
}

nlohmann::json to_json(const run::RunOutcome& o) {
  return {{"status", run::to_string(o.status)},
          {"title", o.title},
          {"type", o.type},
          {"report", o.report},
          {"seconds", o.seconds},
          {"alt_titles", o.alt_titles},
          {"job", o.job},
          {"node", o.node}};
}

run::RunOutcome run_outcome_from(const nlohmann::json& j) {
  run::RunOutcome o;
  o.status = status_from(text_of(j, "status"));
  o.title = text_of(j, "title");
  o.type = text_of(j, "type");
  o.report = text_of(j, "report");
  o.seconds = j.value("seconds", 0.0);
  if (auto it = j.find("alt_titles"); it != j.end() && it->is_array())
    for (const auto& t : *it)
      if (t.is_string()) o.alt_titles.push_back(t.get<std::string>());
  o.job = text_of(j, "job");
  o.node = text_of(j, "node");
  return o;
}

nlohmann::json read_request(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw UserError("cannot read the job request " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("kind") || !j.contains("result"))
    throw UserError(path.string() + " is not a culprit job request");
  return j;
}

std::optional<nlohmann::json> read_result(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("kind")) return std::nullopt;
  return j;
}

void write_result(const std::filesystem::path& path, const nlohmann::json& result) {
  write_file_atomic(path, result.dump() + "\n");
}

std::string current_job_id() {
  const char* id = std::getenv("SLURM_JOB_ID");
  return id ? id : "";
}

std::string current_node() {
  if (const char* node = std::getenv("SLURMD_NODENAME"); node && *node) return node;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "";
  return host;
}

}  // namespace culprit::cluster
