// The --test CMD runner: the outcome of one run from the command's output
// (crash report) and exit status, as INTERFACE.md specifies.
#pragma once

#include <string>

#include "run/runner.h"

namespace culprit::run {

// run(): `/bin/sh -c command` in the work tree, in its own process group
// with CULPRIT_COMMIT, CULPRIT_OUT, CULPRIT_SIGNATURE and CULPRIT_RUN; the
// group is killed at the time limit and when the shell exits, so children a
// test leaves behind do not outlive its run. Never throws: a failure of the
// machinery (missing work tree, unwritable log) is an infra_error.
class CommandRunner : public TestRunner {
 public:
  // `timeout_seconds` 0: no limit.
  CommandRunner(std::string command, double timeout_seconds);
  std::string cache_key() const override;
  RunOutcome run(const RunRequest& request) override;

 private:
  std::string command_;
  double timeout_seconds_;
};

// Outcome from a finished process: a crash report in the output first (even
// after a timeout), then "timed out" (type HANG), then the exit status: 0
// ok, 125 untestable, 128+N "killed by SIGNAME" (type ABORT for SIGABRT,
// SIGNAL otherwise), anything else "exit status N".
RunOutcome outcome_from_process(int status, bool timed_out, const std::string& output);

}  // namespace culprit::run
