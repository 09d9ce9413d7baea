// Running shell commands the way culprit needs them: in their own process
// group, with a time limit, stdout and stderr merged into one log, and the
// whole group killed on timeout or when culprit itself is interrupted.
// Everything a command starts also ends when culprit ends, even by SIGKILL
// (process_guardian.h).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace culprit {

struct ProcessOptions {
  std::filesystem::path cwd;                             // empty: inherit
  std::vector<std::pair<std::string, std::string>> env;  // added to the environment
  double timeout_seconds = 0;                            // 0: no limit
  std::filesystem::path log_path;                        // empty: a temporary file
  std::size_t max_output = 8 << 20;  // bytes of output kept in ProcessResult::output (the tail)
  // Sees the output while the command runs: called from the read loop with
  // each new piece of output, and with an empty piece at least every 50 ms
  // (so it can act on time alone). Returning true stops the command: its
  // process group is killed and ProcessResult::stopped is set. Runs on the
  // calling thread; must not throw.
  std::function<bool(std::string_view new_output)> watch;
  // Keep running when culprit is interrupted: for the commands that clean up
  // after an interrupt (cancelling cluster jobs), which must not be killed
  // by it. Set a timeout.
  bool survives_interrupt = false;
  // Not ended with culprit: what it starts is handed to another owner. For
  // sbatch, whose environment becomes the job's: a Slurm job belongs to
  // Slurm (cancelled with scancel, adopted by a resumed culprit), and a
  // killed culprit's guardian must not kill it where the job runs on this
  // machine. The command is not marked (process_guardian.h).
  bool outlives_culprit = false;
};

struct ProcessResult {
  int exit_code = -1;  // valid when signal == 0 and !timed_out
  int signal = 0;      // the signal that ended the shell, 0 if it exited
  bool timed_out = false;
  bool start_failed = false;
  bool interrupted = false;  // culprit was asked to stop; the command was killed
  bool stopped = false;      // ProcessOptions::watch asked to stop; the command was killed
  double seconds = 0;
  std::string output;  // stdout+stderr, possibly only the last max_output bytes

  // The shell's status as `$?` would show it: exit code, or 128+signal.
  int status() const { return signal ? 128 + signal : exit_code; }
};

// Runs `/bin/sh -c command`. Never throws for the command's own failure;
// throws std::runtime_error only when culprit cannot fork or write the log.
ProcessResult run_shell(const std::string& command, const ProcessOptions& options);

// Runs argv directly (no shell), same semantics.
ProcessResult run_argv(const std::vector<std::string>& argv, const ProcessOptions& options);

// Set from a SIGINT/SIGTERM handler (async-signal-safe): running commands
// are killed with their process groups and return with `interrupted` set.
void request_interrupt() noexcept;
bool interrupt_requested() noexcept;
// Between steps of a bisection: an AbortError (exit 3) that says the same
// command resumes.
void throw_if_interrupted();

// Kills every process group started by run_shell/run_argv that is still
// running. Safe to call from a signal handler's follow-up path (not async-signal-safe).
void kill_running_process_groups();

}  // namespace culprit
