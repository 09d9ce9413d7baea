// How long a round of --parallel steps takes when a slot whose step is done
// lends its run capacity to the steps still running (RunExecutor's waves
// take what the round's RunCapacity has free). Each step builds in its own
// slot, then runs its counted runs in index order, in waves: its own
// --jobs plus what finished steps lent, at most what it still needs. The
// wall time of a result and the simulator's clock come from here, so both
// follow the engine's rule rather than "the slowest slot".
#pragma once

#include <vector>

namespace culprit::bisect {

struct StepWork {
  double build_seconds = 0;
  std::vector<double> run_seconds;  // the step's counted runs, in index order
};

struct RoundTiming {
  double wall_seconds = 0;
  // Runs a wave started beyond the step's last counted one: lent capacity
  // only pays off when the step goes on, and the step cannot know when its
  // first crash comes. Those runs are recorded (a later step of the same
  // commit counts them first) but cost machine time now.
  int extra_runs = 0;
  double extra_run_seconds = 0;
};

// `asked[i]`: the runs step i asked for (its stop rule may end it sooner, at
// a crash); a wave is never wider than what the step still asks for.
// Without `lend` (runs that need the work tree) each step keeps to its own
// --jobs and the round lasts as long as its slowest step.
RoundTiming schedule_round(const std::vector<StepWork>& steps, const std::vector<int>& asked,
                           int jobs_per_slot, bool lend);

}  // namespace culprit::bisect
