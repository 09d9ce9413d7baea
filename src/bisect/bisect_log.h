// The bisection log: syzbot's format, line by line, to every sink (stdout,
// the state database).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace culprit::bisect {

class BisectLog {
 public:
  using Sink = std::function<void(const std::string& line)>;
  void add_sink(Sink sink) { sinks_.push_back(std::move(sink)); }
  void line(const std::string& text) {
    for (auto& s : sinks_) s(text);
  }

 private:
  std::vector<Sink> sinks_;
};

}  // namespace culprit::bisect
