// The shrinking candidate range of a bisection, recomputed from the range's
// graph and the verdicts in test order: after each step, the commits that
// could still be the answer are, as in git bisect, the ancestors of the
// newest new-state commit (cause: crashing; fix: not crashing, with the crash
// in its history) that are not ancestors of any old-state commit.
#pragma once

#include <vector>

#include "html/report_data.h"

namespace culprit::html {

// Is step s's commit in the new state (bad for cause, fixed for fix)?
// Index-aligned with `steps`; needs the timeline for the fix-mode rule.
std::vector<bool> new_state_steps(const Timeline& timeline, const std::vector<StepInfo>& steps,
                                  bool fix);

// One mask over timeline.commits per step (after that step's verdict).
std::vector<std::vector<bool>> candidates_per_step(const Timeline& timeline,
                                                   const std::vector<StepInfo>& steps, bool fix);

}  // namespace culprit::html
