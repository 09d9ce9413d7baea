#include "build/command_builder.h"

#include <fstream>

#include "build/signature.h"
#include "util/process.h"
#include "util/text.h"

namespace culprit::build {
namespace {

// The first line that reads like a compiler error, else the last line.
std::string first_error(const std::string& log) {
  std::string_view fallback;
  std::string_view make_error;
  for (auto line : split_lines(log)) {
    auto t = trim(line);
    if (t.empty()) continue;
    if (t.find(": error: ") != std::string_view::npos || t.find(": fatal error: ") != std::string_view::npos ||
        starts_with(t, "error: "))
      return std::string(t);
    if (make_error.empty() && t.find("*** ") != std::string_view::npos && t.find("Error") != std::string_view::npos)
      make_error = t;
    fallback = t;
  }
  return std::string(!make_error.empty() ? make_error : fallback);
}

}  // namespace

CommandBuilder::CommandBuilder(std::string command, std::string artifact, double timeout_seconds)
    : command_(std::move(command)), artifact_(std::move(artifact)), timeout_seconds_(timeout_seconds) {}

std::string CommandBuilder::id_for(const std::string&) const {
  std::string one = command_;
  for (char& c : one)
    if (c == '\n') c = ' ';
  if (one.size() > 60) one = one.substr(0, 57) + "...";
  return one;
}

std::string CommandBuilder::cache_key() const { return "command:" + command_ + "|artifact:" + artifact_; }

BuildResult CommandBuilder::build(const BuildRequest& req) {
  std::filesystem::create_directories(req.out_dir);
  std::error_code ec;
  std::filesystem::remove(req.signature_file, ec);
  ProcessOptions opts;
  opts.cwd = req.source_dir;
  opts.log_path = req.log_path;
  opts.timeout_seconds = timeout_seconds_;
  opts.env = {{"CULPRIT_COMMIT", req.commit},
              {"CULPRIT_OUT", req.out_dir.string()},
              {"CULPRIT_SIGNATURE", req.signature_file.string()}};
  auto p = run_shell(command_, opts);
  BuildResult r;
  r.seconds = p.seconds;
  if (p.timed_out) {
    r.error_line = "build timed out after " + format_duration(timeout_seconds_);
    return r;
  }
  if (p.status() != 0) {
    r.error_line = first_error(p.output);
    if (r.error_line.empty()) r.error_line = "build exited with status " + std::to_string(p.status());
    return r;
  }
  if (std::filesystem::exists(req.signature_file)) {
    std::ifstream in(req.signature_file);
    std::string line;
    std::getline(in, line);
    line = std::string(trim(line));
    if (!line.empty()) {
      r.ok = true;
      r.signature = line;
      return r;
    }
  }
  if (!artifact_.empty()) {
    std::filesystem::path path;
    const std::string prefix = "$CULPRIT_OUT/";
    if (starts_with(artifact_, prefix))
      path = req.out_dir / artifact_.substr(prefix.size());
    else if (std::filesystem::path(artifact_).is_absolute())
      path = artifact_;
    else
      path = req.source_dir / artifact_;
    if (!std::filesystem::exists(path)) {
      r.error_line = "artifact " + artifact_ + " was not produced";
      return r;
    }
    r.signature = artifact_signature(path);
  }
  r.ok = true;
  return r;
}

}  // namespace culprit::build
