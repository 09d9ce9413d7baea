// Where a process's wall time goes, by phase (checkout, store, planning,
// build, test, ...): each part times its own calls with a PhaseTimer, and the
// totals go into the result and the log's last line. Safe to use from
// several threads; with work side by side the phases add up to more than
// the wall time.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace culprit {

class PhaseTimes {
 public:
  PhaseTimes() : start_(std::chrono::steady_clock::now()) {}
  void add(const std::string& phase, double seconds);
  double get(const std::string& phase) const;
  std::map<std::string, double> all() const;
  // Seconds since this object was made.
  double elapsed() const;

 private:
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  std::map<std::string, double> seconds_;
};

// Adds the time from its construction to its destruction to a phase; does
// nothing without a PhaseTimes. Timers nest on a thread: the time of an
// inner timer (a log line written while planning) counts for its own phase
// only, so that the phases never count the same second twice.
class PhaseTimer {
 public:
  PhaseTimer(PhaseTimes* times, const char* phase);
  ~PhaseTimer();
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  PhaseTimes* times_;
  const char* phase_;
  std::chrono::steady_clock::time_point start_;
  PhaseTimer* outer_;
  double inner_seconds_ = 0;  // of timers nested in this one
};

}  // namespace culprit
