#include "bisect/round_schedule.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>
#include <tuple>

namespace culprit::bisect {

RoundTiming schedule_round(const std::vector<StepWork>& steps, const std::vector<int>& asked,
                           int jobs_per_slot, bool lend) {
  RoundTiming out;
  const int own = std::max(1, jobs_per_slot);
  struct State {
    std::size_t next = 0;
    int borrowed = 0;
  };
  std::vector<State> state(steps.size());
  // (time, step): the step is ready for its next wave. Ties go by step
  // index, so the schedule is a function of its inputs alone.
  using Event = std::tuple<double, std::size_t>;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> ready;
  for (std::size_t i = 0; i < steps.size(); ++i) ready.emplace(steps[i].build_seconds, i);
  int lent = 0;  // capacity of finished steps' slots, free for the others
  while (!ready.empty()) {
    auto [now, i] = ready.top();
    ready.pop();
    State& st = state[i];
    lent += st.borrowed;
    st.borrowed = 0;
    const auto& runs = steps[i].run_seconds;
    const int counted_left = static_cast<int>(runs.size() - st.next);
    if (counted_left == 0) {
      lent += own;
      out.wall_seconds = std::max(out.wall_seconds, now);
      continue;
    }
    const int asked_left =
        std::max(i < asked.size() ? asked[i] - static_cast<int>(st.next) : 0, counted_left);
    int width = std::min(own, asked_left);
    if (lend && asked_left > own) {
      st.borrowed = std::min(lent, asked_left - own);
      lent -= st.borrowed;
      width += st.borrowed;
    }
    const int used = std::min(width, counted_left);
    double wave = 0;
    for (int k = 0; k < used; ++k) wave = std::max(wave, runs[st.next + k]);
    if (width > used) {
      // The step's first crash came inside this wave: its other runs were
      // already started, and the wave waits for them.
      double mean = std::accumulate(runs.begin(), runs.end(), 0.0) / double(runs.size());
      out.extra_runs += width - used;
      out.extra_run_seconds += (width - used) * mean;
      wave = std::max(wave, mean);
    }
    st.next += static_cast<std::size_t>(used);
    ready.emplace(now + wave, i);
  }
  return out;
}

}  // namespace culprit::bisect
