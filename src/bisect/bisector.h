// The flow around the DAG bisection, as syzbot runs it: test the start
// commit, walk back over releases (cause) or test the head (fix), bisect the
// range, check the answer (noop change), and describe the result.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bisect/bisect_log.h"
#include "bisect/commit_tester.h"
#include "bisect/history.h"
#include "bisect/posterior_search.h"
#include "bisect/result.h"
#include "bisect/strategy.h"

namespace culprit::bisect {

struct BisectOptions {
  bool fix = false;
  std::string commit;               // full hash: where the crash was seen
  std::optional<std::string> good;  // cause: known good commit (full hash)
  std::string head;                 // fix: newest commit to test (full hash)
  // No --title: the crash bisected is the start commit's most frequent.
  bool title_inferred = true;
  // The posterior strategy's settings.
  SearchOptions search;
};

class Bisector {
 public:
  Bisector(History& history, CommitTester& tester, Strategy& strategy, BisectLog& log,
           BisectOptions options);
  BisectResult run();

 private:
  // Logs the heading and tests --commit; false (result filled in) when the
  // crash does not reproduce there. `beside`: (commit, runs) steps tested in
  // the same round (--parallel), whatever the start commit shows.
  bool start_reproduces(const std::string& heading, BisectResult& result,
                        const std::vector<std::pair<std::string, int>>& beside = {});
  void bisect_cause(BisectResult& result);
  void bisect_fix(BisectResult& result);
  // Bisects between `new_end` (the state being looked for: crashing for
  // cause, fixed for fix) and `old_ends`.
  void bisect_range(BisectResult& result, const std::string& new_end,
                    const std::vector<std::string>& old_ends);
  void posterior_range(BisectResult& result, const std::string& new_end,
                       const std::vector<std::string>& old_ends);
  // Maps a verdict onto the DAG's terms; returns the word for the log.
  bool is_new_state(const CommitResult& r);
  bool history_had_bug(const std::string& hash);
  void finish_found(BisectResult& result, const std::string& hash);
  void finish_common(BisectResult& result);
  CommitRef ref(const std::string& hash);
  void log_crash(const CommitResult& r, BisectResult& result);

  History& history_;
  CommitTester& tester_;
  Strategy& strategy_;
  BisectLog& log_;
  BisectOptions options_;
  // The start commit's round: its commits, and its wall time (its slowest).
  std::set<std::string> opening_;
  double opening_wall_ = 0;
  double opening_extra_run_seconds_ = 0;
};

}  // namespace culprit::bisect
