// Builders turn a checked-out commit into something testable and give it a
// signature: two builds with the same signature are the same binary.
#pragma once

#include <filesystem>
#include <string>

namespace culprit::build {

struct BuildRequest {
  std::string commit;                    // full hash
  std::filesystem::path source_dir;      // the work tree with `commit` checked out
  std::filesystem::path out_dir;         // $CULPRIT_OUT: this commit's artifacts
  std::filesystem::path signature_file;  // $CULPRIT_SIGNATURE
  std::filesystem::path log_path;        // full build log goes here
};

struct BuildResult {
  bool ok = false;
  std::string signature;   // empty when the build failed or gave none
  std::string error_line;  // failed builds: the first compiler error, or why the machine failed
  double seconds = 0;
  // The build failed because of the machine, not the code (killed by a
  // signal, out of memory, disk full, timed out, could not start, lost
  // cluster node): never a verdict about the commit. The engine retries it
  // a bounded number of times, then aborts the bisection (exit 3, resumable).
  bool infra = false;
  // Where it ran, when not on this machine (a cluster job): for the log and
  // the JSON. Empty for local builds.
  std::string job;   // e.g. the Slurm job id
  std::string node;  // the node the job ran on
};

class Builder {
 public:
  virtual ~Builder() = default;
  // What the log shows after "testing commit <hash> with ": a compiler's
  // version line for the kernel, the build command otherwise.
  virtual std::string id_for(const std::string& commit) const = 0;
  // A string that changes whenever the build would produce something else
  // from the same source (command, compiler, config): part of cache keys.
  virtual std::string cache_key() const = 0;
  // Never throws: every failure is a BuildResult (the engine builds on
  // threads, where an exception would end culprit).
  virtual BuildResult build(const BuildRequest& request) = 0;
  // The log's word for what the signature is of: "kernel signature: ..."
  // as syzbot's logs say for kernels, "build signature: ..." otherwise.
  virtual std::string signature_word() const { return "build"; }
};

}  // namespace culprit::build
