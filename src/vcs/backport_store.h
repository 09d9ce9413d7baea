// Backports: known fixes cherry-picked onto an old commit so that it builds.
// The patched commits are written to culprit's own bare repository under
// the state directory (it borrows the user's objects, and the user's
// repository reads its objects in this process only), so a private work
// tree checks them out like any commit and the user's repository gets
// nothing. A patched commit is a pure function of its inputs (fixed author,
// date and message), so a resumed bisection makes the same commit again.
// Safe to call from several threads (one lock).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "vcs/repository.h"

namespace culprit::vcs {

struct Patched {
  std::string commit;                // what to check out: `onto` itself when nothing applied
  std::vector<std::string> applied;  // fixes applied, in order
  // Fixes that did not apply, with why (conflicting files, nothing to change).
  std::vector<std::pair<std::string, std::string>> skipped;
};

class BackportStore {
 public:
  // Opens or creates the store at `dir` and makes `source` read its objects.
  BackportStore(const Repository& source, const std::filesystem::path& dir);
  ~BackportStore();

  // `fixes` cherry-picked one after another onto `onto` (a merge fix
  // against its first parent); one that conflicts or changes nothing is
  // skipped and the next goes onto what applied so far.
  Patched apply(const std::string& onto, const std::vector<std::string>& fixes);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::mutex mu_;
};

// The commits a message's `Fixes:` trailers name, as written (12 or more
// hex digits; `Fixes: <hash> ("title")`), in order, lower case.
std::vector<std::string> fixes_trailers(const std::string& message);

}  // namespace culprit::vcs
