#include "bisect/step_reporter.h"

#include <fmt/format.h>

namespace culprit::bisect {

void StepReporter::say(Task& t, const std::string& line) {
  if (t.buffered)
    t.lines.push_back(line);
  else
    log_.line(line);
}

void StepReporter::show(Task& t, const std::string& activity, int runs_done, int runs_wanted,
                        const std::string& status) {
  std::lock_guard lock(mu_);
  WorkSlot& mine = *t.slot;
  mine.status = status;
  mine.shown_commit = activity.empty() ? std::string() : t.hash;
  mine.shown_activity = activity;
  mine.shown_done = runs_done;
  mine.shown_wanted = runs_wanted;
  auto& p = log_.progress();
  const WorkSlot* front = mine.shown_activity.empty() ? nullptr : &mine;
  std::string all;
  p.busy.clear();
  for (const auto& slot : slots_) {
    if (!slot.status.empty()) all += (all.empty() ? "" : "; ") + slot.status;
    if (slot.shown_activity.empty()) continue;
    if (!front) front = &slot;
    p.busy.push_back(slot.shown_activity + " " + slot.shown_commit.substr(0, 12) +
                     (slot.shown_activity == "testing" && slot.shown_wanted > 0
                          ? fmt::format(" (runs {}/{})", slot.shown_done, slot.shown_wanted)
                          : std::string()));
  }
  if (p.busy.size() < 2) p.busy.clear();
  if (!all.empty()) journal_.set_status(all);
  p.commit = front ? front->shown_commit : std::string();
  p.activity = front ? front->shown_activity : std::string();
  p.runs_done = front ? front->shown_done : 0;
  p.runs_wanted = front ? front->shown_wanted : 0;
  log_.publish();
}

}  // namespace culprit::bisect
