// Test runners: one run of a reproducer against one built commit.
#pragma once

#include <filesystem>
#include <string>

namespace culprit::run {

enum class RunStatus {
  ok,           // ran and did not crash
  crashed,      // a crash report, or a failing exit status
  untestable,   // could not test this commit (exit 125, boot failure): counts neither way
  infra_error,  // the test machinery itself failed; too many abort the bisection
};

struct RunOutcome {
  RunStatus status = RunStatus::infra_error;
  std::string title;   // crashed: the crash title ("exit status 3", "killed by SIGSEGV", ...)
  std::string type;    // crash type name, "" when unknown
  std::string report;  // the crash report text, when there was one
  double seconds = 0;
};

struct RunRequest {
  std::string commit;
  std::filesystem::path source_dir;  // work tree with `commit` checked out and built
  std::filesystem::path out_dir;     // $CULPRIT_OUT
  std::filesystem::path log_path;    // this run's full output
  int run_index = 0;                 // $CULPRIT_RUN
};

class TestRunner {
 public:
  virtual ~TestRunner() = default;
  // Part of cache keys: a verdict is reused only for the same test setup.
  virtual std::string cache_key() const = 0;
  virtual RunOutcome run(const RunRequest& request) = 0;
};

const char* to_string(RunStatus status);

}  // namespace culprit::run
