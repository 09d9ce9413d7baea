#include "run/command_runner.h"

#include <string.h>

#include "report/crash_report.h"
#include "util/process.h"

namespace culprit::run {

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
  return "?";
}

RunOutcome outcome_from_process(int status, bool timed_out, const std::string& output) {
  RunOutcome o;
  if (auto crash = report::find_crash(output)) {
    o.status = RunStatus::crashed;
    o.title = crash->title;
    o.type = crash->type;
    o.report = crash->report;
    return o;
  }
  if (timed_out) {
    // A hang is a crash of its own kind; the kernel world calls a silent
    // machine "no output from test machine".
    o.status = RunStatus::crashed;
    o.title = "timed out";
    o.type = "HANG";
    return o;
  }
  if (status == 0) {
    o.status = RunStatus::ok;
  } else if (status == 125) {
    o.status = RunStatus::untestable;
    o.title = "exit status 125";
  } else if (status > 128 && status < 128 + 65) {
    o.status = RunStatus::crashed;
    const char* name = sigabbrev_np(status - 128);
    o.title = std::string("killed by SIG") + (name ? name : std::to_string(status - 128).c_str());
    o.type = "SIGNAL";
  } else {
    o.status = RunStatus::crashed;
    o.title = "exit status " + std::to_string(status);
  }
  return o;
}

CommandRunner::CommandRunner(std::string command, double timeout_seconds)
    : command_(std::move(command)), timeout_seconds_(timeout_seconds) {}

std::string CommandRunner::cache_key() const { return "command:" + command_; }

RunOutcome CommandRunner::run(const RunRequest& req) {
  ProcessOptions opts;
  opts.cwd = req.source_dir;
  opts.log_path = req.log_path;
  opts.timeout_seconds = timeout_seconds_;
  opts.env = {{"CULPRIT_COMMIT", req.commit},
              {"CULPRIT_OUT", req.out_dir.string()},
              {"CULPRIT_SIGNATURE", (req.out_dir / ".signature").string()},
              {"CULPRIT_RUN", std::to_string(req.run_index)}};
  auto p = run_shell(command_, opts);
  RunOutcome o;
  if (p.start_failed) {
    o.status = RunStatus::infra_error;
    o.title = "test command could not start";
  } else {
    o = outcome_from_process(p.status(), p.timed_out, p.output);
  }
  o.seconds = p.seconds;
  return o;
}

}  // namespace culprit::run
