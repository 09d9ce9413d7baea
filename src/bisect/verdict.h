// What the runs on one commit add up to.
#pragma once

#include <string>
#include <vector>

#include "run/runner.h"

namespace culprit::bisect {

// In the natural sense of the words: bad = the crash is there, good = it is
// not. Fix bisection looks for the first good commit.
enum class Verdict { good, bad, skip };
const char* to_string(Verdict v);

// Why a commit is tested; the strategy may treat them differently.
enum class Role { start, release, head, merge_base, bisect };

struct Evidence {
  int ok = 0;        // ran, no crash
  int matching = 0;  // crashed with the bisected crash (weight >= kCountedWeight)
  int other = 0;     // crashed with something else
  // The runs' likelihoods of showing the bisected crash, summed over the
  // crashed runs (crash_family.h): the posterior's count of crashes, where a
  // near match is part of one.
  double weight = 0;
  int untestable = 0;           // exit 125, boot failure: counts neither way
  int infra = 0;                // the test machinery failed
  bool generic_target = false;  // the bisected title is only an exit status / signal / timeout

  int tested() const { return ok + matching + other; }
  int total() const { return tested() + untestable + infra; }
};

// One run as the engine records it.
struct RunSummary {
  run::RunStatus status = run::RunStatus::infra_error;
  std::string title;
  std::string type;
  std::string report;
  double seconds = 0;
  std::vector<std::string> alt_titles;  // other names syzbot gives the same crash
  bool inherited = false;  // taken over from an earlier bisection's identical binary: not run here
  std::string job, node;   // where it ran (a cluster job); empty: here
};

// Titles that only say how a process ended, not what crashed: one of them is
// weak evidence, so strategies ask for more.
bool is_generic_title(const std::string& title);

}  // namespace culprit::bisect
