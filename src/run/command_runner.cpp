#include "run/command_runner.h"

#include <string.h>

#include <csignal>
#include <exception>
#include <system_error>

#include "report/crash_report.h"
#include "util/process.h"

namespace culprit::run {
namespace {

RunOutcome crashed(std::string title, std::string type) {
  RunOutcome o;
  o.status = RunStatus::crashed;
  o.title = std::move(title);
  o.type = std::move(type);
  return o;
}

RunOutcome not_run(RunStatus status, std::string why) {
  RunOutcome o;
  o.status = status;
  o.title = std::move(why);
  return o;
}

// "killed by SIGSEGV"; real-time signals have no abbreviation.
std::string killed_by(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("killed by SIG") + abbrev : "killed by signal " + std::to_string(sig);
}

}  // namespace

const char* to_string(RunStatus status) {
  switch (status) {
    case RunStatus::ok:
      return "ok";
    case RunStatus::crashed:
      return "crashed";
    case RunStatus::untestable:
      return "untestable";
    case RunStatus::infra_error:
      return "infra_error";
  }
  return "unknown";
}

RunOutcome outcome_from_process(int status, bool timed_out, const std::string& output) {
  // A report wins over the exit status: a sanitizer exits 1 and a hung test
  // may have printed the crash that hung it.
  if (auto crash = report::find_crash(output)) {
    RunOutcome o = crashed(crash->title, crash->type);
    o.report = crash->report;
    o.alt_titles = crash->alt_titles;
    return o;
  }
  if (timed_out) return crashed("timed out", "HANG");
  if (status == 0) return not_run(RunStatus::ok, "");
  if (status == 125) return not_run(RunStatus::untestable, "exit status 125");
  const int sig = status - 128;
  // These come from outside the program under test: the OOM killer, a
  // cancelled or preempted cluster job (Slurm signals every process of the
  // job, the test's possibly before the worker's), an operator. A verdict
  // from them would blame the commit for the machine.
  if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
    return not_run(RunStatus::infra_error,
                   killed_by(sig) +
                       " from outside the test (out of memory, a cancelled job, an "
                       "operator): not a verdict");
  if (sig > 0 && sig < NSIG) return crashed(killed_by(sig), sig == SIGABRT ? "ABORT" : "SIGNAL");
  return crashed("exit status " + std::to_string(status), "");
}

CommandRunner::CommandRunner(std::string command, double timeout_seconds)
    : command_(std::move(command)), timeout_seconds_(timeout_seconds) {}

std::string CommandRunner::cache_key() const { return "command:" + command_; }

RunOutcome CommandRunner::run(const RunRequest& req) {
  // The engine runs tests on threads: an exception here would terminate
  // culprit, so every failure of the machinery becomes an infra_error.
  try {
    std::error_code ec;
    // Without this check the shell's failed chdir reads as "exit status 127",
    // a crash.
    if (!std::filesystem::is_directory(req.source_dir, ec))
      return not_run(RunStatus::infra_error,
                     "work tree " + req.source_dir.string() + " is missing");
    ProcessOptions opts;
    opts.cwd = req.source_dir;
    opts.log_path = req.log_path;
    opts.timeout_seconds = timeout_seconds_;
    auto signature = req.signature_file.empty() ? req.out_dir / ".signature" : req.signature_file;
    opts.env = {{"CULPRIT_COMMIT", req.commit},
                {"CULPRIT_OUT", req.out_dir.string()},
                {"CULPRIT_SIGNATURE", signature.string()},
                {"CULPRIT_RUN", std::to_string(req.run_index)}};
    auto p = run_shell(command_, opts);
    RunOutcome o;
    if (p.start_failed)
      o = not_run(RunStatus::infra_error, "test command could not start");
    else if (p.interrupted)
      o = not_run(RunStatus::infra_error,
                  "interrupted");  // killed by us: says nothing of the commit
    else
      o = outcome_from_process(p.status(), p.timed_out, p.output);
    o.seconds = p.seconds;
    return o;
  } catch (const std::exception& e) {
    return not_run(RunStatus::infra_error, e.what());
  }
}

}  // namespace culprit::run
