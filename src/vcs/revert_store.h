// Reverts made for verification: "does the crash go away when the culprit is
// reverted on top of the commit where it was seen?" The revert commits are
// written to culprit's own bare repository under the state directory, which
// borrows the user's objects; the user's repository gets nothing. A revert
// is a pure function of its inputs (fixed author, date and message), so the
// same bisection makes the same commit again after a restart.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "vcs/repository.h"

namespace culprit::vcs {

struct Revert {
  std::optional<std::string> commit;  // the revert commit; empty when it cannot be made
  std::string reason;                 // why not (conflicting files, nothing to revert)
};

class RevertStore {
 public:
  // Opens or creates the store at `dir` and makes `source` read its objects
  // (Repository::add_object_dir), so reverts look like any other commit.
  RevertStore(const Repository& source, const std::filesystem::path& dir);
  ~RevertStore();

  // `commit` reverted on top of `onto` (against the first parent for a
  // merge, as `git revert -m 1`), when it reverts without conflicts and
  // changes something there.
  Revert revert(const std::string& commit, const std::string& onto);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace culprit::vcs
