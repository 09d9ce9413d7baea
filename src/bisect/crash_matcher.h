// Which runs show the crash being bisected. The crash is named by --title,
// or is the start commit's most frequent crash; it is learned as a family
// from the start commit's runs (crash_family.h): its other titles of one
// type or kind with frames in common, and the other names the report parser
// gives it. A run shows the crash with a likelihood in [0, 1]; an unrelated
// crash is evidence of another bug only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bisect/crash_family.h"
#include "bisect/verdict.h"

namespace culprit::bisect {

class CrashMatcher {
 public:
  explicit CrashMatcher(std::string named = "") : named_(std::move(named)) {}

  // Empty until --title or the start commit names it.
  const std::string& target() const { return family_ ? family_->main() : named_; }
  // How much this run shows the bisected crash (0 before it is named).
  CrashMatch match(const RunSummary& run) const;
  // Does this run count as the bisected crash (kCountedWeight or more)?
  bool matches(const RunSummary& run) const { return match(run).weight >= kCountedWeight; }
  // The runs' evidence. Before the crash is named, the largest family among
  // these runs stands for it (the start commit's own runs).
  Evidence tally(const std::vector<RunSummary>& runs) const;
  // Learns the family from the start commit's runs (when --title named it,
  // or the commit was judged bad). True when it did, so the start commit's
  // runs need a new tally.
  bool learn_from_start(const std::vector<RunSummary>& runs, bool judged_bad);
  // The start commit's other crashes, each a family of its own (after learning).
  const std::vector<CrashFamily>& other_families() const { return others_; }
  const std::optional<CrashFamily>& family() const { return family_; }
  // For the log, after a run's outcome: "" for the bisected title itself,
  // else where the crash was counted (" [counted as ...]", " [not counted: ...]").
  std::string counted_as(const RunSummary& run) const;
  // For the log, after learning: the family's titles and how each was
  // counted; "" when the crash showed one title only.
  std::string family_line() const;

 private:
  std::string named_;                  // --title
  std::optional<CrashFamily> family_;  // learned from the start commit
  std::vector<CrashFamily> others_;
};

}  // namespace culprit::bisect
