#include "bisect/run_capacity.h"

#include <algorithm>

namespace culprit::bisect {

int RunCapacity::borrow(int most) {
  std::lock_guard lock(mu_);
  int n = std::clamp(most, 0, free_);
  free_ -= n;
  return n;
}

void RunCapacity::give_back(int n) {
  std::lock_guard lock(mu_);
  free_ += n;
}

void RunCapacity::lend(int n) { give_back(n); }

void RunCapacity::clear() {
  std::lock_guard lock(mu_);
  free_ = 0;
}

int RunCapacity::free() const {
  std::lock_guard lock(mu_);
  return free_;
}

}  // namespace culprit::bisect
