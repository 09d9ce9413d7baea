// Watches a VM's serial console while QEMU runs and decides when the run is
// over: the kernel halted, the reproducer exited and the grace period for a
// late crash passed, the console fell silent, or the time limit ran out.
// Pure logic over (output, time) so that it is tested without a VM.
#pragma once

#include <string>
#include <string_view>

namespace culprit::run {

// How a VM run ended.
enum class VmEnd {
  running,       // not over yet
  exited,        // qemu ended by itself: power-off, reboot on panic, qemu's own failure
  halted,        // the kernel printed its halt or power-off line (stopped by culprit)
  finished,      // the reproducer exited, then the console stayed quiet (stopped by culprit)
  silent,        // no console output for the silence limit (stopped by culprit)
  timed_out,     // the run's time limit, with the console still alive (stopped by culprit)
  start_failed,  // qemu could not be started
};

const char* to_string(VmEnd end);

struct ConsoleLimits {
  // After the reproducer's exit marker: stop once the console has been quiet
  // this long (output, such as a crash being printed, restarts the wait),
  // and at the latest `after_exit_cap_seconds` after the marker.
  double after_exit_quiet_seconds = 10;
  double after_exit_cap_seconds = 60;
  double silence_seconds = 300;  // no output at all for this long: silent
  double total_seconds = 600;    // the run's wall-clock limit: timed_out
};

class ConsoleWatch {
 public:
  ConsoleWatch(ConsoleLimits limits, double start_seconds);
  // New console output (possibly empty) seen at time `now` (seconds, the
  // same clock as the start). Returns true when the VM should be stopped;
  // end() then says why.
  bool feed(std::string_view output, double now);
  VmEnd end() const { return end_; }
  bool user_space() const { return user_space_; }
  bool reproducer_exited() const { return exited_at_ >= 0; }

 private:
  void line(std::string_view text, double now);
  ConsoleLimits limits_;
  double start_;
  double last_output_;
  double exited_at_ = -1;
  bool user_space_ = false;
  std::string partial_;  // an incomplete last line
  VmEnd end_ = VmEnd::running;
};

// The kernel's last words before it stops the machine: "reboot: System
// halted", "reboot: Power down" (and the older "System halted." / "Power
// down."), with or without a printk timestamp.
bool is_halt_line(std::string_view line);

}  // namespace culprit::run
