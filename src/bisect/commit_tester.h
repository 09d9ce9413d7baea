// Tests one commit: check out, build (or reuse a recorded build), derive the
// signature, reuse the verdict of an identical binary, otherwise run the test
// as many times as the strategy asks. Every commit is built at most once per
// bisection (a later rebuild of a work tree is not a new build); a commit
// may get more runs later (run_more); results go to the journal as they
// finish. With several work trees (slots), test_batch tests commits at the
// same time, one per slot; its log and results come out in step order, as
// if the steps had run one after another, so a resumed batch logs the same.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
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
  // test_batch runs its steps on threads, one per slot. Off, they run one
  // after another: the simulator's world is not thread-safe.
  bool concurrent = false;
  // The crash to bisect (--title); empty: the start commit's most frequent.
  // Other crash titles are evidence of an unrelated bug only.
  std::string target_title;
};

class CommitTester {
 public:
  CommitTester(History& history, Workspace& workspace, build::Builder& builder,
               run::TestRunner& runner, Strategy& strategy, store::Journal& journal, BisectLog& log,
               TesterConfig config);
  // One slot per work tree: slot 0 keeps the marker of a single-tree tester
  // (state/worktree-built), slot i > 0 uses worktree-built.<i>.
  CommitTester(History& history, std::vector<Workspace*> workspaces, build::Builder& builder,
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
  // test_runs for each (hash, runs) step: with `concurrent` and more than one
  // slot, the steps run at the same time (up to one per slot; the rest, and
  // a step whose source tree equals another's, wait for the next wave), each
  // in the slot that holds its build if one does. Results in step order.
  // With `start`, that commit is the first step, tested as by test(start,
  // Role::start) (the strategy's runs): the round of the start commit.
  std::vector<const CommitResult*> test_batch(const std::vector<std::pair<std::string, int>>& steps,
                                              const std::string& start = "");
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
  int slots() const { return static_cast<int>(slots_.size()); }
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
  struct Slot {
    Workspace* workspace = nullptr;
    std::filesystem::path marker;  // survives a kill: which commit's build the tree holds
    std::string built;             // commit whose build output the work tree holds
    std::string current;           // commit a task works on now (its artifacts stay)
    std::string status;            // what it does, for `culprit status`
    std::string shown_commit, shown_activity;  // for the status line
    int shown_done = 0, shown_wanted = 0;
  };
  // One commit being tested in one slot. Everything a worker thread needs
  // from History and the builder's id is read before it starts (they are
  // not thread-safe); its log lines wait in `lines` when buffered.
  struct Task {
    Slot* slot = nullptr;
    std::string hash;
    std::string title;
    std::string tree;
    std::string builder_key;
    std::string runner_key;
    std::optional<int> run_target;  // total runs wanted, instead of the strategy's
    // The posterior's steps end at a crash with the bisected title among the
    // runs from this index on: one such crash settles the commit.
    std::optional<int> stop_from;
    bool buffered = false;
    std::vector<std::string> lines;
  };
  Task make_task(const std::string& hash, Slot& slot);
  Slot& pick_slot(const std::string& hash);
  void say(Task& t, const std::string& line);
  void show(Task& t, const std::string& activity, int runs_done, int runs_wanted,
            const std::string& status);
  BuildOutcome ensure_built(Task& t, bool need_artifacts);
  // More runs on `hash` can use its kept artifacts without a rebuild.
  bool artifacts_ready(const std::string& hash);
  bool crashed_since(const CommitResult& r, std::optional<int> from) const;
  // test_impl = test_new (may run on a worker thread) + finish_new (in step order).
  const CommitResult& test_impl(const std::string& hash, Role role, bool allow_reuse,
                                std::optional<int> run_target);
  // Returns whether finish_new must decide the verdict from the runs.
  bool test_new(Task& t, CommitResult& r, Role role, bool allow_reuse);
  const CommitResult& finish_new(CommitResult r, Role role, bool decide);
  // run_more = more_prepare + more_work (may run on a worker) + more_finish.
  bool more_prepare(Task& t, CommitResult& r, int runs);
  void more_work(Task& t, CommitResult& r);
  const CommitResult& more_finish(CommitResult r);
  void run_tests(Task& t, CommitResult& r, Role role);
  void log_runs(Task& t, const CommitResult& r);
  Evidence tally(const std::vector<RunSummary>& runs) const;
  std::filesystem::path out_dir(const std::string& hash) const;
  void set_built(Slot& slot, const std::string& hash);
  void evict_artifacts(const std::string& keep);
  void log_same_tree(Task& t, const std::string& other);
  std::filesystem::path log_dir(const std::string& hash) const;
  void update_crash_evidence();

  // The journal for worker threads: every call under one mutex.
  class LockedJournal : public store::Journal {
   public:
    explicit LockedJournal(store::Journal& j) : j_(j) {}
    std::optional<store::BuildRecord> find_build(const std::string& c,
                                                 const std::string& k) override;
    std::optional<store::BuildRecord> find_build_by_tree(const std::string& t,
                                                         const std::string& k) override;
    void save_build(const store::BuildRecord& r) override;
    std::vector<store::RunRecord> runs(const std::string& c, const std::string& k) override;
    void save_run(const store::RunRecord& r) override;
    std::pair<std::string, std::vector<store::RunRecord>> earlier_runs(
        const std::string& s, const std::string& k) override;
    void set_status(const std::string& s) override;

   private:
    store::Journal& j_;
    std::mutex mu_;
  };

  History& history_;
  std::vector<Slot> slots_;
  build::Builder& builder_;
  run::TestRunner& runner_;
  Strategy& strategy_;
  LockedJournal journal_;
  BisectLog& log_;
  TesterConfig config_;

  std::map<std::string, CommitResult> results_;  // read-only while a batch runs
  std::vector<std::string> order_;
  std::string target_title_;
  // Shared by the workers of a batch: under state_mu_.
  std::mutex state_mu_;
  std::map<std::string, std::string> signatures_;  // hash -> signature of builds done or recorded
  std::set<std::string> built_commits_;
  int runs_ = 0;
  int infra_errors_ = 0;
  std::mutex progress_mu_;  // log_.progress() and the slots' status while a batch runs
};

}  // namespace culprit::bisect
