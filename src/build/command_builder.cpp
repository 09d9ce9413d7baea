#include "build/command_builder.h"

#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <tuple>

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

// What tells a file written now from the same file left alone: inode,
// modification time (ns), size. All zero for a missing file.
std::tuple<ino_t, std::int64_t, std::int64_t> file_stamp(const std::filesystem::path& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return {0, 0, 0};
  return {st.st_ino, std::int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec, st.st_size};
}

}  // namespace

CommandBuilder::CommandBuilder(std::string command, std::string artifact, double timeout_seconds,
                               std::filesystem::path ccache_basedir)
    : command_(std::move(command)),
      artifact_(std::move(artifact)),
      timeout_seconds_(timeout_seconds) {
  if (ccache_basedir.empty()) return;
  // The user's own settings win.
  if (!std::getenv("CCACHE_BASEDIR"))
    ccache_env_.emplace_back("CCACHE_BASEDIR", ccache_basedir.lexically_normal().string());
  if (!std::getenv("CCACHE_NOHASHDIR")) ccache_env_.emplace_back("CCACHE_NOHASHDIR", "1");
}

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
  // Builds run on threads: a failure of culprit's own file handling is the
  // machine's, not a reason to end the process.
  try {
    return build_checked(req);
  } catch (const std::exception& e) {
    BuildResult r;
    r.infra = true;
    r.error_line = std::string("cannot build: ") + e.what();
    return r;
  }
}

BuildResult CommandBuilder::build_checked(const BuildRequest& req) {
  std::filesystem::create_directories(req.out_dir);
  if (!req.signature_file.parent_path().empty())
    std::filesystem::create_directories(req.signature_file.parent_path());
  // A line left from an earlier build of another commit would be taken as
  // this build's signature.
  std::filesystem::remove(req.signature_file);
  // An artifact left by an earlier commit's build would pass for this
  // build's, with that commit's signature and verdict: it goes first, so a
  // build that does not write it has failed.
  const auto artifact = artifact_.empty() ? std::filesystem::path() : artifact_path(artifact_, req);
  bool owned = false;  // in the work tree or $CULPRIT_OUT, culprit's own
  if (!artifact.empty()) {
    auto inside = [](const std::filesystem::path& p, const std::filesystem::path& dir) {
      auto rel = p.lexically_normal().lexically_relative(dir.lexically_normal());
      return !rel.empty() && *rel.begin() != "..";
    };
    owned = inside(artifact, req.source_dir) || inside(artifact, req.out_dir);
    if (owned) std::filesystem::remove_all(artifact);
  }
  const auto before = file_stamp(artifact);

  ProcessOptions opts;
  opts.cwd = req.source_dir;
  opts.log_path = req.log_path;
  opts.timeout_seconds = timeout_seconds_;
  opts.env = {{"CULPRIT_COMMIT", req.commit},
              {"CULPRIT_OUT", req.out_dir.string()},
              {"CULPRIT_SIGNATURE", req.signature_file.string()}};
  opts.env.insert(opts.env.end(), ccache_env_.begin(), ccache_env_.end());
  auto p = run_shell(command_, opts);

  BuildResult r;
  r.seconds = p.seconds;
  if (auto machine = machine_failure(p, timeout_seconds_, "build")) {
    r.infra = true;
    r.error_line = *machine;
    return r;
  }
  if (auto failure = build_failure(p, timeout_seconds_, "build")) {
    r.error_line = *failure;
    return r;
  }
  r.signature = written_signature(req.signature_file);
  if (!artifact_.empty()) {
    // Checked even when the build wrote its own signature: the test needs it.
    const auto& path = artifact;
    std::error_code ec;
    // Outside culprit's directories the artifact was not removed: the build
    // must at least have written it.
    if (!std::filesystem::exists(path, ec) || (!owned && file_stamp(path) == before)) {
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
