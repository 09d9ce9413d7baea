#include "run/console_watch.h"

#include <algorithm>

#include "report/console_line.h"
#include "run/initramfs.h"

namespace culprit::run {

const char* to_string(VmEnd end) {
  switch (end) {
    case VmEnd::running:
      return "running";
    case VmEnd::exited:
      return "exited";
    case VmEnd::halted:
      return "halted";
    case VmEnd::finished:
      return "finished";
    case VmEnd::silent:
      return "silent";
    case VmEnd::timed_out:
      return "timed out";
    case VmEnd::start_failed:
      return "start failed";
  }
  return "unknown";
}

bool is_halt_line(std::string_view line) {
  auto text = report::console_line_at(line, 0).text;
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  for (std::string_view last :
       {"reboot: System halted", "reboot: Power down", "System halted.", "Power down."})
    if (text == last) return true;
  return false;
}

ConsoleWatch::ConsoleWatch(ConsoleLimits limits, double start_seconds)
    : limits_(limits), start_(start_seconds), last_output_(start_seconds) {}

void ConsoleWatch::line(std::string_view text, double now) {
  if (!user_space_ && text.find(kUserSpaceMarker) != std::string_view::npos) user_space_ = true;
  if (exited_at_ < 0 && text.find(kReproDoneMarker) != std::string_view::npos) exited_at_ = now;
  if (is_halt_line(text)) end_ = VmEnd::halted;
}

bool ConsoleWatch::feed(std::string_view output, double now) {
  if (end_ != VmEnd::running) return true;
  if (!output.empty()) {
    last_output_ = now;
    partial_.append(output);
    size_t begin = 0;
    for (size_t nl; (nl = partial_.find('\n', begin)) != std::string::npos; begin = nl + 1)
      line(std::string_view(partial_).substr(begin, nl - begin), now);
    partial_.erase(0, begin);
    // A console that never ends a line (a runaway program) must not grow
    // this without bound; markers and halt lines are short.
    if (partial_.size() > 4096) partial_.erase(0, partial_.size() - 4096);
    if (end_ != VmEnd::running) return true;
  }
  if (exited_at_ >= 0) {
    double quiet_since = std::max(exited_at_, last_output_);
    if (now - quiet_since >= limits_.after_exit_quiet_seconds ||
        now - exited_at_ >= limits_.after_exit_cap_seconds)
      end_ = VmEnd::finished;
  } else if (now - last_output_ >= limits_.silence_seconds) {
    end_ = VmEnd::silent;
  } else if (now - start_ >= limits_.total_seconds) {
    end_ = VmEnd::timed_out;
  }
  // After the reproducer's exit the run is judged by its console, whatever
  // stops it: the time limit only ends the wait.
  if (end_ == VmEnd::running && exited_at_ >= 0 && now - start_ >= limits_.total_seconds)
    end_ = VmEnd::finished;
  return end_ != VmEnd::running;
}

}  // namespace culprit::run
