#include "build/command_builder.h"

#include <fstream>
#include <stdexcept>

#include "build/build_error.h"
#include "build/signature.h"
#include "util/process.h"
#include "util/text.h"

namespace culprit::build {
namespace {

constexpr std::size_t kIdWidth = 60;

// Users write the artifact as the shell would see it; culprit does not run
// a shell to expand it, so the one variable that makes sense is done here.
std::filesystem::path artifact_path(const std::string& artifact, const BuildRequest& req) {
  for (std::string_view prefix : {"$CULPRIT_OUT/", "${CULPRIT_OUT}/"})
    if (starts_with(artifact, prefix)) return req.out_dir / artifact.substr(prefix.size());
  std::filesystem::path path(artifact);
  return path.is_absolute() ? path : req.source_dir / path;
}

// The signature line a build wrote, or "" when it wrote none.
std::string written_signature(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  return std::string(trim(line));
}

}  // namespace

CommandBuilder::CommandBuilder(std::string command, std::string artifact, double timeout_seconds)
    : command_(std::move(command)),
      artifact_(std::move(artifact)),
      timeout_seconds_(timeout_seconds) {}

std::string CommandBuilder::id_for(const std::string&) const {
  std::string one;
  for (char c : command_) {
    bool space = static_cast<unsigned char>(c) < 0x20 || c == ' ';
    if (space && (one.empty() || one.back() == ' ')) continue;
    one += space ? ' ' : c;
  }
  while (!one.empty() && one.back() == ' ') one.pop_back();
  if (one.size() <= kIdWidth) return one;
  std::size_t cut = kIdWidth - 3;
  // Never split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(one[cut]) & 0xC0) == 0x80) --cut;
  return one.substr(0, cut) + "...";
}

std::string CommandBuilder::cache_key() const {
  return "command:" + command_ + "|artifact:" + artifact_;
}

BuildResult CommandBuilder::build(const BuildRequest& req) {
  std::filesystem::create_directories(req.out_dir);
  if (!req.signature_file.parent_path().empty())
    std::filesystem::create_directories(req.signature_file.parent_path());
  // A line left from an earlier build of another commit would be taken as
  // this build's signature.
  std::filesystem::remove(req.signature_file);

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
  if (auto failure = build_failure(p, timeout_seconds_, "build")) {
    r.error_line = *failure;
    return r;
  }
  r.signature = written_signature(req.signature_file);
  if (!artifact_.empty()) {
    // Checked even when the build wrote its own signature: the test needs it.
    auto path = artifact_path(artifact_, req);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      r.signature.clear();
      r.error_line = "artifact " + artifact_ + " was not produced";
      return r;
    }
    if (r.signature.empty()) {
      try {
        r.signature = artifact_signature(path);
      } catch (const std::runtime_error& e) {
        r.error_line = "artifact " + artifact_ + ": " + e.what();
        return r;
      }
    }
  }
  r.ok = true;
  return r;
}

}  // namespace culprit::build
