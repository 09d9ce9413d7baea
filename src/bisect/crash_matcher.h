// Which runs show the crash being bisected. The crash is named by --title,
// or is the start commit's most frequent crash title; one crash may carry
// several names (a KASAN report and the GPF after it): the report parser's
// alternative titles, and the ones the start commit's reports gave it.
// Every other crash is evidence of another bug only.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "bisect/verdict.h"

namespace culprit::bisect {

class CrashMatcher {
 public:
  explicit CrashMatcher(std::string target = "") : target_(std::move(target)) {}

  // Empty until --title or the start commit names it.
  const std::string& target() const { return target_; }
  // Does this run show the bisected crash?
  bool matches(const RunSummary& run) const { return same_crash(run, target_); }
  // The runs' evidence. Before the crash is named, the most frequent title
  // among these runs stands for it (the start commit's own runs).
  Evidence tally(const std::vector<RunSummary>& runs) const;
  // Learns from the start commit's runs: the crash's name (when no --title
  // named it and the commit was judged bad) and its other names. True when
  // other names were added, so the start commit's runs need a new tally.
  bool learn_from_start(const std::vector<RunSummary>& runs, bool judged_bad);

  // The crash title seen most often (the first to reach the count on a tie).
  static std::string most_frequent_title(const std::vector<RunSummary>& runs);

 private:
  bool same_crash(const RunSummary& run, const std::string& target) const;

  std::string target_;
  std::set<std::string> alt_names_;  // other names of the target, from the start commit
};

}  // namespace culprit::bisect
