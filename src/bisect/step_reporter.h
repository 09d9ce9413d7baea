// The tester's voice: log lines of a task (buffered while a batch runs, so
// the log comes out in step order) and the live status of every slot (the
// status line and `culprit status`). Safe to call from worker threads.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "bisect/bisect_log.h"
#include "bisect/work_slot.h"
#include "store/journal.h"

namespace culprit::bisect {

class StepReporter {
 public:
  StepReporter(BisectLog& log, store::Journal& journal, std::vector<WorkSlot>& slots)
      : log_(log), journal_(journal), slots_(slots) {}
  void say(Task& t, const std::string& line);
  // What t's slot does now; an empty activity frees the slot.
  void show(Task& t, const std::string& activity, int runs_done, int runs_wanted,
            const std::string& status);
  BisectLog& log() { return log_; }

 private:
  BisectLog& log_;
  store::Journal& journal_;
  std::vector<WorkSlot>& slots_;
  std::mutex mu_;
};

}  // namespace culprit::bisect
