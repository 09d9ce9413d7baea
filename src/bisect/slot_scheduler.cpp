#include "bisect/slot_scheduler.h"

#include <exception>
#include <set>
#include <thread>

namespace culprit::bisect {

void run_concurrently(const std::vector<std::function<void()>>& work) {
  if (work.size() == 1) {
    // One at a time needs no thread (the simulator runs millions).
    work.front()();
    return;
  }
  std::vector<std::exception_ptr> errors(work.size());
  std::vector<std::thread> threads;
  auto join_all = [&threads] {
    for (auto& th : threads)
      if (th.joinable()) th.join();
  };
  try {
    for (std::size_t i = 0; i < work.size(); ++i)
      threads.emplace_back([&work, &errors, i] {
        try {
          work[i]();
        } catch (...) {
          errors[i] = std::current_exception();
        }
      });
  } catch (...) {
    join_all();
    throw;
  }
  join_all();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

WorkSlot& SlotScheduler::slot_for(const std::string& hash) {
  for (auto& slot : slots_)
    if (slot.built == hash) return slot;
  return slots_.front();
}

void SlotScheduler::run(const std::vector<Item>& items, const std::vector<std::size_t>& todo,
                        const std::function<void(std::size_t, WorkSlot&)>& work) {
  if (!concurrent_ || slots_.size() < 2) {
    for (auto i : todo) work(i, slot_for(items[i].hash));
    return;
  }
  std::vector<std::size_t> pending = todo;
  while (!pending.empty()) {
    std::vector<std::size_t> wave, later;
    std::set<std::string> trees;
    for (auto i : pending)
      if (wave.size() < slots_.size() && (!items[i].fresh || trees.insert(items[i].tree).second))
        wave.push_back(i);
      else
        later.push_back(i);
    // Each step to the work tree that holds its build; the others to a work
    // tree whose build no later step needs, if there is one.
    std::set<std::string> wanted_later;
    for (auto i : later) wanted_later.insert(items[i].hash);
    std::vector<bool> taken(slots_.size());
    std::vector<WorkSlot*> slot_of(wave.size());
    for (std::size_t k = 0; k < wave.size(); ++k)
      for (std::size_t s = 0; s < slots_.size(); ++s)
        if (!taken[s] && slots_[s].built == items[wave[k]].hash) {
          taken[s] = true;
          slot_of[k] = &slots_[s];
          break;
        }
    for (bool spare_only : {true, false})
      for (std::size_t k = 0; k < wave.size(); ++k)
        for (std::size_t s = 0; s < slots_.size() && !slot_of[k]; ++s)
          if (!taken[s] && (!spare_only || !wanted_later.count(slots_[s].built))) {
            taken[s] = true;
            slot_of[k] = &slots_[s];
          }
    // No worker runs now: the slots' `current` is written here only.
    for (std::size_t k = 0; k < wave.size(); ++k) slot_of[k]->current = items[wave[k]].hash;
    std::vector<std::function<void()>> jobs;
    RunCapacity* lend = wave.size() > 1 ? lent_ : nullptr;
    if (lend) lend->clear();
    for (std::size_t k = 0; k < wave.size(); ++k)
      jobs.push_back([&work, i = wave[k], slot = slot_of[k], lend, n = lend_runs_] {
        work(i, *slot);
        if (lend) lend->lend(n);
      });
    try {
      run_concurrently(jobs);
    } catch (...) {
      for (auto* slot : slot_of) slot->current.clear();
      throw;
    }
    for (auto* slot : slot_of) slot->current.clear();
    if (lend) lend->clear();
    pending = std::move(later);
  }
}

}  // namespace culprit::bisect
