// Test-run capacity that a round's finished steps lend to the ones still
// running. Side by side (--parallel), a round lasts as long as its slowest
// step, and a step that ended at its first crash would leave its slot idle
// while another commit still needs a dozen clean runs. The slot scheduler
// lends a slot's --jobs here when its step is done; a run executor's next
// wave takes what is free (round_schedule.h models the same rule). Only for
// runners whose runs boot kept artifacts: a run that needs the work tree
// stays in its own slot's --jobs, as the user sized it.
#pragma once

#include <mutex>

namespace culprit::bisect {

class RunCapacity {
 public:
  // Takes up to `most` lent runs; the caller gives them back after its wave.
  int borrow(int most);
  void give_back(int n);
  // A slot whose step is done lends its runs until the round ends.
  void lend(int n);
  // A new round (wave of the slot scheduler): nothing is lent yet.
  void clear();
  int free() const;

 private:
  mutable std::mutex mu_;
  int free_ = 0;
};

}  // namespace culprit::bisect
