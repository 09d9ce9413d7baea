// Test runners: one run of a reproducer against one built commit.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace culprit::run {

enum class RunStatus {
  ok,           // ran and did not crash
  crashed,      // a crash report, or a failing exit status
  untestable,   // could not test this commit (exit 125, boot failure): counts neither way
  // The test machinery or the machine failed (VM could not start for a host
  // reason, interrupted, cluster job lost): never a verdict about the commit,
  // never recorded as a run; retried a bounded number of times, then the
  // bisection aborts (exit 3, resumable).
  infra_error,
};

struct RunOutcome {
  RunStatus status = RunStatus::infra_error;
  // crashed: the crash title: the report's, else "exit status 3", "killed by
  // SIGSEGV", or "timed out" for a run stopped at its time limit without a
  // report; a VM's console silent for too long is syzbot's "no output from
  // test machine". untestable/infra_error: why, for the log.
  std::string title;
  std::string type;    // crash type name, "" when unknown
  std::string report;  // the crash report text, when there was one
  double seconds = 0;
  std::vector<std::string> alt_titles;  // other names of the same crash (report::CrashReport)
  // Where it ran, when not on this machine (a cluster job): for the log and
  // the JSON. Empty for local runs.
  std::string job;
  std::string node;
};

struct RunRequest {
  std::string commit;
  std::filesystem::path source_dir;  // work tree with `commit` checked out and built
  std::filesystem::path out_dir;     // $CULPRIT_OUT
  std::filesystem::path log_path;    // this run's full output
  // $CULPRIT_SIGNATURE: the build's signature file. Empty: out_dir/.signature.
  std::filesystem::path signature_file;
  int run_index = 0;  // $CULPRIT_RUN
};

class TestRunner {
 public:
  virtual ~TestRunner() = default;
  // Part of cache keys: a verdict is reused only for the same test setup.
  virtual std::string cache_key() const = 0;
  // Never throws: every failure is a RunOutcome (runs go on threads).
  virtual RunOutcome run(const RunRequest& request) = 0;
  // False when a run needs only the build's artifacts in out_dir (a kernel
  // image booted in a VM): more runs on a commit built earlier then need no
  // rebuild of the work tree.
  virtual bool needs_work_tree() const { return true; }
};

const char* to_string(RunStatus status);

}  // namespace culprit::run
