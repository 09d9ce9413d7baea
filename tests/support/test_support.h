// Helpers shared by the tests: temporary directories, real git repositories
// built with the git command line, and running the culprit binary.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/process.h"

namespace culprit::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

// Runs a shell command; throws with the output if it fails and `check`.
ProcessResult sh(const std::string& command, const std::filesystem::path& cwd = {}, bool check = true);

// A git repository made with the git command line, with fixed identities and
// dates so hashes are reproducible.
class GitRepo {
 public:
  explicit GitRepo(std::filesystem::path dir);  // git init
  const std::filesystem::path& path() const { return dir_; }
  // Writes `content` to `file`, commits everything; returns the full hash.
  std::string commit(const std::string& file, const std::string& content, const std::string& message);
  std::string commit_empty(const std::string& message);
  std::string git(const std::string& args);  // output, trimmed; throws on failure
  void tag(const std::string& name, const std::string& rev = "HEAD");
  void checkout(const std::string& rev);       // git checkout -q
  void branch(const std::string& name, const std::string& from = "HEAD");  // create and switch
  std::string merge(const std::string& rev, const std::string& message);  // --no-ff
  std::string head();
  // Snapshot of everything that culprit must leave alone: HEAD, refs, index,
  // work tree status, the number of objects. Compare before and after a run.
  std::string fingerprint();

 private:
  std::filesystem::path dir_;
  int clock_ = 0;
};

// The culprit binary under test.
std::string culprit_binary();
// Runs culprit with `args` (already shell-quoted as needed).
ProcessResult run_culprit(const std::string& args, const std::filesystem::path& cwd = {},
                          double timeout_seconds = 600);
// Processes whose environment holds NAME=VALUE (zombies have none): how
// tests find what is left of a process tree they started with that variable.
std::vector<int> processes_with_env(const std::string& name, const std::string& value);
// processes_with_env until none is left, up to `seconds`; returns what is left.
std::vector<int> wait_until_no_process_with_env(const std::string& name, const std::string& value,
                                                double seconds);
// A fresh random hex string (16 digits), e.g. for such a variable.
std::string random_hex();

// ../shared beside the project root, if present.
std::optional<std::filesystem::path> shared_dir();

}  // namespace culprit::testing
