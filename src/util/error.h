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

}  // namespace culprit
