// The outcome of a bisection, as INTERFACE.md's result JSON describes it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace culprit::bisect {

struct CommitRef {
  std::string hash;
  std::string title;
  std::string author;
  std::string date;
};

struct StepRecord {
  std::string hash;
  std::string title;
  std::string verdict;  // good / bad / skip
  std::string signature;
  int ok = 0, crashed = 0, skipped = 0;
  std::vector<std::string> titles;
  std::string reused_from;
  std::string build_error;
  std::vector<std::string> backports;  // fixes cherry-picked into its build
};

// The culprit reverted on top of the commit where the crash was seen: if it
// is the culprit, the crash should go away.
struct RevertCheck {
  std::string commit;  // the revert (in culprit's own store); empty when none was made
  // Where it was reverted: --commit, or when the revert conflicts there, the
  // culprit's nearest tested descendant that crashed.
  std::string onto;
  std::vector<std::pair<std::string, std::string>> failed;  // (onto, why not) tried before
  std::string skipped;  // why there is no revert check (conflicts, does not build)
  int runs = 0, crashed = 0, ok = 0;
  bool passed = false;  // made, built, and no run showed the crash
};

// Checks before reporting (--verify): extra runs on the culprit and its
// parent, and the revert check.
struct Verification {
  std::string commit;  // the culprit checked
  int culprit_runs = 0, culprit_crashed = 0;
  int parent_runs = 0, parent_crashed = 0;
  bool culprit_passed = false;  // still probable enough with these runs counted
  bool parent_passed = false;   // the parent did not show the crash
  RevertCheck revert;
  bool passed = false;  // every check that could be made passed
};

struct Candidate {
  CommitRef commit;
  double probability = 0;
};

struct BisectResult {
  std::string mode;  // cause / fix
  // found / inconclusive / crash-on-oldest / not-fixed, or unverified: the
  // most probable commit, but verification's evidence contradicts it
  // (`contradiction` says how); `commits` are then the candidates.
  std::string verdict;
  std::string contradiction;
  bool reproduced = true;  // false: the crash did not reproduce on --commit (exit 1)
  bool aborted = false;
  std::string abort_reason;
  std::vector<CommitRef> commits;
  std::optional<CommitRef> boundary;
  std::optional<std::pair<std::string, std::string>> report;  // title, type
  bool noop_change = false;
  bool is_release = false;
  double confidence = 0;
  int revisions_tested = 0;
  int builds = 0;
  int test_runs = 0;
  double build_seconds = 0, test_seconds = 0, total_seconds = 0;
  std::vector<StepRecord> steps;
  std::vector<std::string> to, cc;
  std::string strategy;
  // The posterior strategy's: its answer's probability (instead of the
  // verdict-based confidence), the most probable commits, the checks.
  std::optional<double> posterior_confidence;
  std::vector<Candidate> candidates;
  std::optional<Verification> verification;
  // With --parallel: the sum over rounds of each round's time, a finished
  // step's slot lending its runs to the others (round_schedule.h).
  double wall_seconds = 0;
  // Runs that lent capacity started past a step's first crash, modelled
  // (round_schedule.h): not in the JSON (a real bisection's runs are real);
  // the simulator, whose steps run one after another, adds their cost.
  double lent_extra_run_seconds = 0;
  // This process's real time, start to result, and the part of it that was
  // neither build nor test, by phase (checkout, store, log, planning, setup,
  // other). Empty when not measured.
  double elapsed_seconds = 0;
  std::map<std::string, double> overhead_seconds;
  std::string cluster;  // --cluster (e.g. "slurm:debug"); "" for local builds and runs

  nlohmann::json to_json() const;
};

}  // namespace culprit::bisect
