// The bisection log: syzbot's format, line by line, to every sink (stdout,
// the state database), plus a progress record for live status displays.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace culprit::bisect {

// Where a bisection is, for a status line; not part of the log.
struct Progress {
  std::string phase;  // "testing the start commit", "walking back over releases", "bisecting", ...
  int step = 0;       // DAG bisection steps done
  int steps_left = -1;   // git's estimate, -1 before the DAG bisection
  long candidates = -1;  // commits that could still be the answer, -1 when unknown
  std::string commit;    // being built or tested
  std::string activity;  // "building", "testing"
  int runs_done = 0;     // on `commit`
  int runs_wanted = 0;
  // With commits tested at the same time: one entry per busy work tree
  // ("testing 0123456789ab (runs 2/4)"); empty when at most one is busy.
  std::vector<std::string> busy;
};

class BisectLog {
 public:
  using Sink = std::function<void(const std::string& line)>;
  using ProgressSink = std::function<void(const Progress& progress)>;
  void add_sink(Sink sink) { sinks_.push_back(std::move(sink)); }
  void add_progress_sink(ProgressSink sink) { progress_sinks_.push_back(std::move(sink)); }
  void line(const std::string& text) {
    for (auto& s : sinks_) s(text);
  }
  Progress& progress() { return progress_; }
  void publish() {
    for (auto& s : progress_sinks_) s(progress_);
  }

 private:
  std::vector<Sink> sinks_;
  std::vector<ProgressSink> progress_sinks_;
  Progress progress_;
};

}  // namespace culprit::bisect
