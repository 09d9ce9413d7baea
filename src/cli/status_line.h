// The live status line on a terminal: one line, redrawn in place, below the
// log lines. Only used when stdout is a terminal, so logs stay clean.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

#include "bisect/bisect_log.h"

namespace culprit::cli {

class StatusLine {
 public:
  explicit StatusLine(std::FILE* out);
  ~StatusLine();
  // A log line: clear the status, print the line, draw the status again.
  void log(const std::string& line);
  void update(const bisect::Progress& p);

 private:
  std::string render() const;
  void draw();
  std::FILE* out_;
  std::mutex mu_;
  bisect::Progress progress_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point bisect_start_{};
  int steps_at_bisect_start_ = 0;
  bool shown_ = false;
};

}  // namespace culprit::cli
