// The one line of a failed build's log that tells a reader why it failed,
// as syzbot shows it next to "commit ... does not build" (INTERFACE.md:
// --build).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/process.h"

namespace culprit::build {

// The first line that reads like a compiler, assembler or linker error
// ("file:line[:col]: error: ...", "error: ...", "Error: ...", "undefined
// reference to ..."); else the first make/ninja failure line ("make: ***
// [...] Error 1", "make: *** No rule ...", "FAILED: ..."); else the last
// non-empty line. Trimmed; empty only for an empty log.
std::string first_build_error(std::string_view log);

// Why a build failed because of the machine rather than the code, or
// nothing: it could not start, timed out, was killed by a signal (the
// kernel's OOM killer sends SIGKILL), or its output says the machine ran
// out of memory or disk. Such a failure is never a verdict about a commit.
std::optional<std::string> machine_failure(const ProcessResult& p, double timeout_seconds,
                                           std::string_view program);

// Why a build command failed, for the log ("<program> could not start",
// "build timed out after 1h0m0s", the first error of its output, or its exit
// status); nothing when it succeeded.
std::optional<std::string> build_failure(const ProcessResult& p, double timeout_seconds,
                                         std::string_view program);

}  // namespace culprit::build
