// Tests one commit: check out, build (or reuse a recorded build), derive the
// signature, reuse the verdict of an identical binary, otherwise run the test
// as many times as the strategy asks. Every commit is built at most once per
// bisection (a later rebuild of the work tree is not a new build); a commit
// may get more runs later (run_more); results go to the journal as they
// finish.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bisect/bisect_log.h"
#include "bisect/history.h"
#include "bisect/strategy.h"
#include "bisect/verdict.h"
#include "build/builder.h"
#include "run/runner.h"
#include "store/journal.h"

namespace culprit::bisect {

struct CommitResult {
  std::string hash;
  std::string title;
  Verdict verdict = Verdict::skip;
  bool built = false;
  std::string build_error;
  std::string signature;
  std::string reused_from;  // a commit whose identical binary's result was reused
  Evidence evidence;
  std::vector<RunSummary> runs;
  double build_seconds = 0;
  double test_seconds = 0;
};

struct TesterConfig {
  std::filesystem::path state_dir;  // out/ and logs/ go below it
  int jobs = 1;
  int max_infra_errors = 10;
  std::uintmax_t cache_bytes = 0;  // limit for build artifacts under out/ (0: none), LRU eviction
  // The crash to bisect (--title); empty: the start commit's most frequent.
  // Other crash titles are evidence of an unrelated bug only.
  std::string target_title;
};

class CommitTester {
 public:
  CommitTester(History& history, Workspace& workspace, build::Builder& builder,
               run::TestRunner& runner, Strategy& strategy, store::Journal& journal, BisectLog& log,
               TesterConfig config);

  // Builds and tests `hash` once; later calls return the same result.
  const CommitResult& test(const std::string& hash, Role role);
  // Runs the test on a commit whose result was reused from an identical
  // binary, so that the answer never rests on a reused result.
  const CommitResult& retest_reused(const std::string& hash);
  // Builds and tests `hash` with `runs` runs (an untested commit), or runs
  // it `runs` more times (a tested one): the posterior strategy's step. It
  // ends early at the first crash with the bisected title.
  const CommitResult& test_runs(const std::string& hash, int runs);
  // `runs` more runs on a commit tested and built before; never a new build
  // in the count (the work tree is rebuilt if it holds another commit). A
  // result reused from an identical binary becomes this commit's own runs.
  const CommitResult& run_more(const std::string& hash, int runs);
  // The posterior strategy judges commits itself: its verdicts go here, for
  // the steps of the result.
  void set_verdict(const std::string& hash, Verdict v);
  // Only the build's signature (for noop-change checks); builds if needed.
  std::string signature_of(const std::string& hash);
  const CommitResult* find(const std::string& hash) const;

  // The crash being bisected: set from the start commit's runs.
  const std::string& target_title() const { return target_title_; }
  // Crash rate on commits judged bad so far.
  double crash_rate() const;
  // Commits built (now or in an interrupted earlier process of the same
  // bisection), so a resumed bisection reports the same count.
  int builds() const { return static_cast<int>(built_commits_.size()); }
  int runs() const { return runs_; }
  // Confidence that no good verdict was a false negative.
  double confidence() const;
  const std::vector<std::string>& order() const { return order_; }

 private:
  struct BuildOutcome {
    bool ok = false;
    std::string signature;
    std::string error;
    double seconds = 0;
    bool fresh = false;  // built by this process, so the work tree holds it
  };
  BuildOutcome ensure_built(const std::string& hash, bool need_artifacts);
  const CommitResult& test_impl(const std::string& hash, Role role, bool allow_reuse);
  void run_tests(CommitResult& r, Role role);
  void log_runs(const CommitResult& r);
  // More runs on `hash` can use its kept artifacts without a rebuild.
  bool artifacts_ready(const std::string& hash) const;
  bool crashed_since(const CommitResult& r, std::optional<int> from) const;
  Evidence tally(const std::vector<RunSummary>& runs) const;
  std::filesystem::path out_dir(const std::string& hash) const;
  std::filesystem::path built_marker() const;
  void set_built(const std::string& hash);
  void evict_artifacts(const std::string& keep);
  void log_same_tree(const std::string& hash, const std::string& other);
  std::filesystem::path log_dir(const std::string& hash) const;

  History& history_;
  Workspace& workspace_;
  build::Builder& builder_;
  run::TestRunner& runner_;
  Strategy& strategy_;
  store::Journal& journal_;
  BisectLog& log_;
  TesterConfig config_;

  std::map<std::string, CommitResult> results_;
  std::vector<std::string> order_;
  std::map<std::string, std::string> signatures_;  // hash -> signature of builds done or recorded
  std::string built_in_workspace_;                 // commit whose build output the work tree holds
  std::string target_title_;
  std::set<std::string> built_commits_;
  int runs_ = 0;
  int infra_errors_ = 0;
  std::optional<int>
      run_target_;  // total runs wanted on the commit being tested, instead of the strategy's
  // The posterior's steps end at a crash with the bisected title among the
  // runs from this index on: one such crash settles the commit, more runs
  // on it buy nothing.
  std::optional<int> stop_from_;
};

}  // namespace culprit::bisect
