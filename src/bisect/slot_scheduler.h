// Where the commit tester's threads live. A batch of steps is tested in
// waves, at most one step per work tree (slot) at a time, each step in the
// slot that holds its build if one does; a step with the same source tree
// as one in the wave waits for the next wave, so that it reuses that build
// as it would one after another. Without `concurrent` (the simulator's
// world is not thread-safe) or with one slot, the steps run one after
// another on the caller's thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bisect/run_capacity.h"
#include "bisect/work_slot.h"

namespace culprit::bisect {

// Runs every function, on threads when there is more than one, and waits
// for all; then rethrows the first exception one of them threw.
void run_concurrently(const std::vector<std::function<void()>>& work);

class SlotScheduler {
 public:
  struct Item {
    std::string hash;
    std::string tree;
    bool fresh = false;  // never tested: it will be built
  };
  SlotScheduler(std::vector<WorkSlot>& slots, bool concurrent)
      : slots_(slots), concurrent_(concurrent) {}
  // In a wave of several steps, a slot whose step is done lends `runs` to
  // `capacity` until the wave ends (run_capacity.h).
  void lend_when_done(RunCapacity* capacity, int runs) {
    lent_ = capacity;
    lend_runs_ = runs;
  }
  // Calls work(i, slot) for every item that `pending` lists.
  void run(const std::vector<Item>& items, const std::vector<std::size_t>& pending,
           const std::function<void(std::size_t, WorkSlot&)>& work);
  // The slot that holds `hash`'s build, else the first.
  WorkSlot& slot_for(const std::string& hash);

 private:
  std::vector<WorkSlot>& slots_;
  bool concurrent_;
  RunCapacity* lent_ = nullptr;
  int lend_runs_ = 0;
};

}  // namespace culprit::bisect
