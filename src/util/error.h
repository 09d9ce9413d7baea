// Error kinds that map to culprit's exit statuses.
#pragma once

#include <stdexcept>
#include <string>

namespace culprit {

// Bad usage or input: the CLI prints the message on one line and exits 2,
// having changed nothing.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bisection cannot go on (too many infrastructure failures, interrupted):
// exit 3, state kept so that the same command resumes.
class AbortError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The repository could not be read (an object missing or corrupt, an I/O
// error, libgit2's message says which) where the input had already been
// checked: not bad input but a fault to repair (e.g. `git fsck`) before the
// same command resumes. Exit 3 like any abort.
class RepositoryError : public AbortError {
 public:
  using AbortError::AbortError;
};

}  // namespace culprit
