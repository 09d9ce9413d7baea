// The --test CMD runner: the outcome of one run from the command's output
// (crash report) and exit status, as INTERFACE.md specifies.
#pragma once

#include <string>

#include "run/runner.h"

namespace culprit::run {

class CommandRunner : public TestRunner {
 public:
  CommandRunner(std::string command, double timeout_seconds);
  std::string cache_key() const override;
  RunOutcome run(const RunRequest& request) override;

 private:
  std::string command_;
  double timeout_seconds_;
};

// Outcome from a finished process: crash report in the output first, then
// the exit status (0 ok, 125 untestable, 128+N killed by signal N).
RunOutcome outcome_from_process(int status, bool timed_out, const std::string& output);

}  // namespace culprit::run
