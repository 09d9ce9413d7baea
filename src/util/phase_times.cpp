#include "util/phase_times.h"

namespace culprit {

void PhaseTimes::add(const std::string& phase, double seconds) {
  std::lock_guard lock(mu_);
  seconds_[phase] += seconds;
}

double PhaseTimes::get(const std::string& phase) const {
  std::lock_guard lock(mu_);
  auto it = seconds_.find(phase);
  return it == seconds_.end() ? 0 : it->second;
}

std::map<std::string, double> PhaseTimes::all() const {
  std::lock_guard lock(mu_);
  return seconds_;
}

double PhaseTimes::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

namespace {
thread_local PhaseTimer* innermost = nullptr;
}

PhaseTimer::PhaseTimer(PhaseTimes* times, const char* phase)
    : times_(times), phase_(phase), start_(std::chrono::steady_clock::now()), outer_(nullptr) {
  if (!times_) return;
  outer_ = innermost;
  innermost = this;
}

PhaseTimer::~PhaseTimer() {
  if (!times_) return;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  times_->add(phase_, seconds - inner_seconds_);
  innermost = outer_;
  if (outer_) outer_->inner_seconds_ += seconds;
}

}  // namespace culprit
