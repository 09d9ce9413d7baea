// Read-only access to a git repository through libgit2. Nothing here writes
// to the user's work tree, index or refs.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vcs/commit_graph.h"

namespace culprit::vcs {

struct Person {
  std::string name;
  std::string email;
  std::string str() const { return name + " <" + email + ">"; }
};

struct CommitInfo {
  std::string hash;     // full hex
  std::string title;    // first line of the message
  std::string message;  // whole message
  Person author;
  Person committer;
  std::int64_t author_time = 0;  // seconds since the epoch
  int author_offset_minutes = 0;
  std::string date;  // RFC 2822-ish, as `git log` prints it: "Mon Jan 2 15:04:05 2006 +0000"
  std::vector<std::string> parents;  // full hex
  std::string tree;                  // tree id
};

struct FileChange {
  std::string path;
  int additions = 0;
  int deletions = 0;
};

class Repository {
 public:
  // Throws UserError("... is not a git repository") when it is not one.
  static Repository open(const std::filesystem::path& path);
  ~Repository();
  Repository(Repository&&) noexcept;
  Repository& operator=(Repository&&) noexcept;

  std::filesystem::path git_dir() const;     // .git (or the bare repository)
  std::filesystem::path common_dir() const;  // where objects/ lives
  std::filesystem::path work_dir() const;    // empty for bare repositories

  // Full hash of a revision (anything `git rev-parse REV^{commit}` takes);
  // throws UserError("unknown revision REV") otherwise.
  std::string resolve(const std::string& rev) const;
  std::optional<std::string> try_resolve(const std::string& rev) const;
  std::string head() const;  // HEAD's commit

  CommitInfo commit(const std::string& hash) const;
  // Is `ancestor` reachable from `descendant` (a commit is its own ancestor)?
  bool is_ancestor(const std::string& ancestor, const std::string& descendant) const;
  std::optional<std::string> merge_base(const std::string& a, const std::string& b) const;
  // Files changed against the first parent (all files for a root commit).
  std::vector<FileChange> changed_files(const std::string& hash) const;
  // `git show --stat` style summary lines plus the final "N files changed, ..." line.
  std::string diffstat(const std::string& hash) const;
  // A blob's content at a commit, or nothing when the path does not exist there.
  std::optional<std::string> file_at(const std::string& hash, const std::string& path) const;
  // Commits reachable from `bad` and from none of `goods` (git rev-list bad --not goods).
  CommitGraph load_range(const std::string& bad, const std::vector<std::string>& goods) const;
  // All tags: (name, commit hash) with annotated tags peeled.
  std::vector<std::pair<std::string, std::string>> tags() const;

  // Also reads objects from `objects_dir` (culprit's own object store, e.g.
  // the reverts it made), in this process only: the user's repository and
  // its alternates file are not changed.
  void add_object_dir(const std::filesystem::path& objects_dir) const;
  // The directories added so; private work trees borrow them too.
  std::vector<std::filesystem::path> extra_object_dirs() const;

  struct Impl;

 private:
  explicit Repository(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace culprit::vcs
