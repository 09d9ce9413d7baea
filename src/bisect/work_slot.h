// What the parts of the commit tester share about one work tree (a slot)
// and one commit being tested in it (a task).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bisect/history.h"

namespace culprit::bisect {

struct WorkSlot {
  Workspace* workspace = nullptr;
  std::filesystem::path marker;  // survives a kill: which commit's build the tree holds
  std::string built;             // commit whose build output the work tree holds
  std::string current;           // commit a task works on now (its artifacts stay)
  // What it does, for `culprit status` and the status line.
  std::string status;
  std::string shown_commit, shown_activity;
  int shown_done = 0, shown_wanted = 0;
};

// One commit being tested in one slot. Everything a worker thread needs
// from History and the builder is read before it starts (they are not
// thread-safe); its log lines wait in `lines` when buffered, so that a
// batch logs in step order.
struct Task {
  WorkSlot* slot = nullptr;
  std::string hash;
  std::string title;
  std::string tree;
  std::string builder_key;
  std::string runner_key;
  bool buffered = false;
  std::vector<std::string> lines;
};

}  // namespace culprit::bisect
