// A private checkout under culprit's state directory. It is a separate git
// repository that borrows the user's objects (objects/info/alternates), so
// checking commits out there never touches the user's work tree, index or
// refs, and moving between commits rewrites only the files that differ
// (untracked build output stays, so incremental builds work).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "vcs/repository.h"

namespace culprit::vcs {

class WorkTree {
 public:
  // Creates (or reopens) the private repository at `dir`.
  WorkTree(const Repository& source, const std::filesystem::path& dir);
  ~WorkTree();
  WorkTree(WorkTree&&) noexcept;

  // Checks `hash` out (forced, detached HEAD); leaves untracked files alone.
  void checkout(const std::string& hash);
  const std::filesystem::path& path() const { return dir_; }

  struct Impl;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace culprit::vcs
