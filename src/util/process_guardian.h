// Ending every process that culprit's commands started when culprit itself
// ends, however it ends (SIGKILL included), and, as a backstop, at the next
// start in the same state directory.
//
// Every command that run_shell/run_argv starts carries this process's marker
// in its environment (kMarkerVariable=marker); its children inherit it. A
// guardian process, forked once per culprit process, waits for culprit to
// end and then kills every process that carries the marker, with its process
// group. See process_guardian.cpp for why this and not a supervisor per
// command, a subreaper or recorded process-group ids.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace culprit {

inline constexpr const char* kMarkerVariable = "CULPRIT_OWNER";

// This process's marker: "<pid>-<16 random hex digits>", never reused.
// Starts the guardian if it is not running.
std::string command_marker();

// Starts this process's guardian if it has none yet (run_argv calls it
// before each fork). Throws std::system_error when it cannot fork.
void ensure_process_guardian();

// Kills (SIGKILL) every process whose environment carries `marker`, and the
// process group of each, until none is left; never this process or a
// guardian. Returns how many marked processes it found on the first look.
// Only system calls: safe in a forked child of a threaded process.
int kill_marked_processes(std::string_view marker);

// The backstop for a guardian that was killed too: while it lives, this
// process is recorded in `dir` as one that runs commands; constructing it
// first kills whatever the processes recorded there before (and no longer
// running: the caller holds the directory's lock) left behind.
class CommandOwnerRecord {
 public:
  explicit CommandOwnerRecord(std::filesystem::path dir);
  ~CommandOwnerRecord();
  CommandOwnerRecord(const CommandOwnerRecord&) = delete;
  CommandOwnerRecord& operator=(const CommandOwnerRecord&) = delete;
  // Processes left behind by earlier culprits that the constructor killed.
  int leftovers_killed() const { return leftovers_killed_; }

 private:
  std::filesystem::path dir_;
  std::string marker_;
  int leftovers_killed_ = 0;
};

}  // namespace culprit
