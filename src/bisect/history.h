// How the engine sees a repository and a place to build in. Git is one
// implementation (git_history.cpp); the simulator in bench/ is another.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vcs/commit_graph.h"
#include "vcs/release_tags.h"
#include "vcs/repository.h"
#include "vcs/revert_store.h"

namespace culprit::bisect {

class History {
 public:
  virtual ~History() = default;
  virtual vcs::CommitInfo info(const std::string& hash) = 0;
  virtual bool is_ancestor(const std::string& ancestor, const std::string& descendant) = 0;
  virtual std::optional<std::string> merge_base(const std::string& a, const std::string& b) = 0;
  // Release tags reachable from `commit`, not pointing at it, newest first.
  virtual std::vector<vcs::Release> releases_before(const std::string& commit) = 0;
  // Release tags (vX.Y, vX.Y.Z) pointing at `commit`.
  virtual std::vector<std::string> release_tags_at(const std::string& commit) = 0;
  virtual vcs::CommitGraph load_range(const std::string& bad,
                                      const std::vector<std::string>& goods) = 0;
  // `git show --stat` style text of a commit for the final log.
  virtual std::string show(const std::string& hash) = 0;
  // Who to tell about a commit.
  virtual std::pair<std::vector<std::string>, std::vector<std::string>> recipients(
      const std::string& hash) = 0;
  // A commit that reverts `commit` on top of `onto`, for verification; it
  // must then work like any commit here (info) and in a Workspace.
  virtual vcs::Revert revert(const std::string& commit, const std::string& onto) {
    (void)commit;
    (void)onto;
    return {std::nullopt, "this history cannot make reverts"};
  }
};

// Where commits are checked out for building.
class Workspace {
 public:
  virtual ~Workspace() = default;
  // Checks `hash` out and returns the source directory.
  virtual std::filesystem::path checkout(const std::string& hash) = 0;
  // The source directory, whatever is checked out there now.
  virtual std::filesystem::path path() const = 0;
};

// `reverts`: where verification's revert commits go (none: no revert check).
std::unique_ptr<History> make_git_history(const vcs::Repository& repo,
                                          vcs::RevertStore* reverts = nullptr);
std::unique_ptr<Workspace> make_git_workspace(const vcs::Repository& repo,
                                              const std::filesystem::path& dir);

}  // namespace culprit::bisect
