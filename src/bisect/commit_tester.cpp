#include "bisect/commit_tester.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>
#include <thread>

#include "util/error.h"
#include "util/process.h"
#include "util/text.h"

namespace culprit::bisect {
namespace {

// Marks a build record copied from another commit with the same tree.
constexpr const char* kSameTree = "same-tree:";
// Marks run records taken over from an earlier bisection's identical binary.
constexpr const char* kEarlier = "earlier:";

// The crash title seen most often (the first to reach the count on a tie).
std::string most_frequent_title(const std::vector<RunSummary>& runs) {
  std::map<std::string, int> counts;
  int best = 0;
  std::string title;
  for (const auto& r : runs)
    if (r.status == run::RunStatus::crashed && ++counts[r.title] > best) {
      best = counts[r.title];
      title = r.title;
    }
  return title;
}

RunSummary from_record(const store::RunRecord& rec) {
  RunSummary s;
  s.status = rec.status == "ok"           ? run::RunStatus::ok
             : rec.status == "crashed"    ? run::RunStatus::crashed
             : rec.status == "untestable" ? run::RunStatus::untestable
                                          : run::RunStatus::infra_error;
  s.title = rec.title;
  s.type = rec.type;
  s.report = rec.report;
  s.seconds = rec.seconds;
  s.alt_titles = rec.alt_titles;
  s.inherited = rec.log_path.rfind(kEarlier, 0) == 0;
  return s;
}

std::string describe(const RunSummary& r) {
  switch (r.status) {
    case run::RunStatus::ok:
      return "OK";
    case run::RunStatus::crashed:
      return "crashed: " + r.title;
    case run::RunStatus::untestable:
      return r.title.empty() ? "could not test" : "could not test: " + r.title;
    case run::RunStatus::infra_error:
      return r.title.empty() ? "infrastructure error" : "infrastructure error: " + r.title;
  }
  return "?";
}

void check_interrupt() {
  if (interrupt_requested()) throw AbortError("interrupted; run the same command again to resume");
}

}  // namespace

CommitTester::CommitTester(History& history, Workspace& workspace, build::Builder& builder,
                           run::TestRunner& runner, Strategy& strategy, store::Journal& journal,
                           BisectLog& log, TesterConfig config)
    : CommitTester(history, std::vector<Workspace*>{&workspace}, builder, runner, strategy, journal,
                   log, std::move(config)) {}

CommitTester::CommitTester(History& history, std::vector<Workspace*> workspaces,
                           build::Builder& builder, run::TestRunner& runner, Strategy& strategy,
                           store::Journal& journal, BisectLog& log, TesterConfig config)
    : history_(history),
      builder_(builder),
      runner_(runner),
      strategy_(strategy),
      journal_(journal),
      log_(log),
      config_(std::move(config)) {
  if (workspaces.empty()) throw std::logic_error("CommitTester needs a work tree");
  target_title_ = config_.target_title;
  slots_.resize(workspaces.size());
  for (std::size_t i = 0; i < workspaces.size(); ++i) {
    Slot& slot = slots_[i];
    slot.workspace = workspaces[i];
    slot.marker = config_.state_dir /
                  (i == 0 ? std::string("worktree-built") : fmt::format("worktree-built.{}", i));
    // Which commit's build output a work tree holds survives a kill, so a
    // resumed bisection does not rebuild just to run the remaining tests.
    std::error_code ec;
    if (std::filesystem::exists(slot.marker, ec)) {
      std::ifstream in(slot.marker);
      std::getline(in, slot.built);
    }
  }
}

void CommitTester::set_built(Slot& slot, const std::string& hash) {
  slot.built = hash;
  std::error_code ec;
  if (hash.empty()) {
    std::filesystem::remove(slot.marker, ec);
    return;
  }
  std::filesystem::create_directories(config_.state_dir, ec);
  write_file_atomic(slot.marker, hash + "\n");
}

std::optional<store::BuildRecord> CommitTester::LockedJournal::find_build(const std::string& c,
                                                                          const std::string& k) {
  std::lock_guard lock(mu_);
  return j_.find_build(c, k);
}
std::optional<store::BuildRecord> CommitTester::LockedJournal::find_build_by_tree(
    const std::string& t, const std::string& k) {
  std::lock_guard lock(mu_);
  return j_.find_build_by_tree(t, k);
}
void CommitTester::LockedJournal::save_build(const store::BuildRecord& r) {
  std::lock_guard lock(mu_);
  j_.save_build(r);
}
std::vector<store::RunRecord> CommitTester::LockedJournal::runs(const std::string& c,
                                                                const std::string& k) {
  std::lock_guard lock(mu_);
  return j_.runs(c, k);
}
void CommitTester::LockedJournal::save_run(const store::RunRecord& r) {
  std::lock_guard lock(mu_);
  j_.save_run(r);
}
std::pair<std::string, std::vector<store::RunRecord>> CommitTester::LockedJournal::earlier_runs(
    const std::string& s, const std::string& k) {
  std::lock_guard lock(mu_);
  return j_.earlier_runs(s, k);
}
void CommitTester::LockedJournal::set_status(const std::string& s) {
  std::lock_guard lock(mu_);
  j_.set_status(s);
}

CommitTester::Slot& CommitTester::pick_slot(const std::string& hash) {
  for (auto& slot : slots_)
    if (slot.built == hash) return slot;
  return slots_.front();
}

CommitTester::Task CommitTester::make_task(const std::string& hash, Slot& slot) {
  Task t;
  t.slot = &slot;
  t.hash = hash;
  auto info = history_.info(hash);
  t.title = info.title;
  t.tree = info.tree;
  t.builder_key = builder_.cache_key();
  t.runner_key = runner_.cache_key();
  return t;
}

void CommitTester::say(Task& t, const std::string& line) {
  if (t.buffered)
    t.lines.push_back(line);
  else
    log_.line(line);
}

void CommitTester::show(Task& t, const std::string& activity, int runs_done, int runs_wanted,
                        const std::string& status) {
  std::lock_guard lock(progress_mu_);
  Slot& mine = *t.slot;
  mine.status = status;
  mine.shown_commit = activity.empty() ? std::string() : t.hash;
  mine.shown_activity = activity;
  mine.shown_done = runs_done;
  mine.shown_wanted = runs_wanted;
  auto& p = log_.progress();
  const Slot* front = mine.shown_activity.empty() ? nullptr : &mine;
  std::string all;
  p.busy.clear();
  for (const auto& slot : slots_) {
    if (!slot.status.empty()) all += (all.empty() ? "" : "; ") + slot.status;
    if (slot.shown_activity.empty()) continue;
    if (!front) front = &slot;
    p.busy.push_back(slot.shown_activity + " " + slot.shown_commit.substr(0, 12) +
                     (slot.shown_activity == "testing" && slot.shown_wanted > 0
                          ? fmt::format(" (runs {}/{})", slot.shown_done, slot.shown_wanted)
                          : std::string()));
  }
  if (p.busy.size() < 2) p.busy.clear();
  if (!all.empty()) journal_.set_status(all);
  p.commit = front ? front->shown_commit : std::string();
  p.activity = front ? front->shown_activity : std::string();
  p.runs_done = front ? front->shown_done : 0;
  p.runs_wanted = front ? front->shown_wanted : 0;
  log_.publish();
}

std::filesystem::path CommitTester::out_dir(const std::string& hash) const {
  return config_.state_dir / "out" / hash;
}
std::filesystem::path CommitTester::log_dir(const std::string& hash) const {
  return config_.state_dir / "logs" / hash;
}

const CommitResult* CommitTester::find(const std::string& hash) const {
  auto it = results_.find(hash);
  return it == results_.end() ? nullptr : &it->second;
}

CommitTester::BuildOutcome CommitTester::ensure_built(Task& t, bool need_artifacts) {
  const std::string& hash = t.hash;
  const std::string& key = t.builder_key;
  if (auto rec = journal_.find_build(hash, key);
      rec && (!need_artifacts || t.slot->built == hash || !rec->ok)) {
    bool same_tree = starts_with(rec->log_path, kSameTree);
    {
      std::lock_guard lock(state_mu_);
      signatures_[hash] = rec->signature;
      if (!same_tree) built_commits_.insert(hash);
    }
    if (same_tree)  // replayed: say it again, so the log is the same
      log_same_tree(t, rec->log_path.substr(std::string_view(kSameTree).size()));
    return {rec->ok, rec->signature, rec->error_line, rec->seconds, false};
  }
  if (!need_artifacts) {
    // Identical source (empty merges, revert pairs): same build.
    if (auto same = journal_.find_build_by_tree(t.tree, key)) {
      store::BuildRecord copy = *same;
      copy.commit = hash;
      copy.seconds = 0;
      copy.log_path = kSameTree + same->commit;
      journal_.save_build(copy);
      log_same_tree(t, same->commit);
      std::lock_guard lock(state_mu_);
      signatures_[hash] = copy.signature;
      return {copy.ok, copy.signature, copy.error_line, 0, false};
    }
  }
  std::filesystem::create_directories(out_dir(hash));
  std::filesystem::create_directories(log_dir(hash));
  show(t, "building", 0, 0, "building " + hash);
  build::BuildRequest req;
  req.commit = hash;
  {
    // From here until the build is recorded, the work tree holds nothing usable.
    std::lock_guard lock(state_mu_);
    set_built(*t.slot, "");
  }
  req.source_dir = t.slot->workspace->checkout(hash);
  req.out_dir = out_dir(hash);
  req.signature_file = log_dir(hash) / "signature";
  req.log_path = log_dir(hash) / "build.log";
  auto res = builder_.build(req);
  check_interrupt();  // a build killed by Ctrl-C is not a result
  {
    std::lock_guard lock(state_mu_);
    built_commits_.insert(hash);
  }
  store::BuildRecord rec;
  rec.commit = hash;
  rec.tree = t.tree;
  rec.builder_key = key;
  rec.ok = res.ok;
  rec.signature = res.signature;
  rec.error_line = res.error_line;
  rec.log_path = req.log_path.string();
  rec.seconds = res.seconds;
  journal_.save_build(rec);
  {
    std::lock_guard lock(state_mu_);
    if (res.ok) set_built(*t.slot, hash);
    signatures_[hash] = res.signature;
  }
  evict_artifacts(hash);
  return {res.ok, res.signature, res.error_line, res.seconds, true};
}

void CommitTester::evict_artifacts(const std::string& keep) {
  if (config_.cache_bytes == 0) return;
  namespace fs = std::filesystem;
  struct Entry {
    fs::path dir;
    fs::file_time_type used;
    std::uintmax_t bytes;
  };
  // One eviction at a time; what any work tree holds or works on stays.
  std::lock_guard lock(state_mu_);
  std::set<std::string> kept = {keep};
  for (const auto& slot : slots_) {
    if (!slot.built.empty()) kept.insert(slot.built);
    if (!slot.current.empty()) kept.insert(slot.current);
  }
  std::vector<Entry> entries;
  std::uintmax_t total = 0;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(config_.state_dir / "out", ec)) {
    std::uintmax_t bytes = 0;
    for (const auto& f : fs::recursive_directory_iterator(d.path(), ec))
      if (f.is_regular_file(ec)) bytes += f.file_size(ec);
    entries.push_back({d.path(), fs::last_write_time(d.path(), ec), bytes});
    total += bytes;
  }
  // Least recently used first.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const auto& e : entries) {
    if (total <= config_.cache_bytes) break;
    if (kept.count(e.dir.filename().string())) continue;
    fs::remove_all(e.dir, ec);
    total -= e.bytes;
  }
}

void CommitTester::log_same_tree(Task& t, const std::string& other) {
  if (other == t.hash)
    say(t, "commit was built in an earlier bisection, reusing its build");
  else
    say(t, fmt::format("commit has the same source tree as {}, reusing its build", other));
}

std::string CommitTester::signature_of(const std::string& hash) {
  if (auto it = signatures_.find(hash); it != signatures_.end()) return it->second;
  log_.line(fmt::format("building commit {} with {}", hash, builder_.id_for(hash)));
  Task t = make_task(hash, pick_slot(hash));
  auto b = ensure_built(t, false);
  return b.ok ? b.signature : std::string();
}

Evidence CommitTester::tally(const std::vector<RunSummary>& runs) const {
  Evidence e;
  // Not set yet: the start commit defines the crash.
  std::string target = target_title_.empty() ? most_frequent_title(runs) : target_title_;
  e.generic_target = !target.empty() && is_generic_title(target);
  for (const auto& r : runs) {
    switch (r.status) {
      case run::RunStatus::ok:
        ++e.ok;
        break;
      case run::RunStatus::crashed:
        ++(same_crash(r, target) ? e.matching : e.other);
        break;
      case run::RunStatus::untestable:
        ++e.untestable;
        break;
      case run::RunStatus::infra_error:
        ++e.infra;
        break;
    }
  }
  return e;
}

void CommitTester::run_tests(Task& t, CommitResult& r, Role role) {
  const std::string& key = t.runner_key;
  // With a run target (the posterior's steps), only as many recorded runs as
  // the step wants: a resumed search then sees each step exactly as the
  // first process did, and takes the same next steps.
  for (const auto& rec : journal_.runs(r.hash, key)) {
    if (t.run_target && static_cast<int>(r.runs.size()) >= *t.run_target) break;
    if (crashed_since(r, t.stop_from)) break;  // where the first process stopped
    r.runs.push_back(from_record(rec));
  }
  std::mutex mu;
  for (;;) {
    r.evidence = tally(r.runs);
    if (crashed_since(r, t.stop_from)) break;
    int want =
        t.run_target ? *t.run_target - r.evidence.total() : strategy_.more_runs(r.evidence, role);
    if (want <= 0) break;
    if (t.slot->built != r.hash && !artifacts_ready(t)) {
      // Resumed after the build was recorded, or another commit was built in
      // this work tree since, and the runs need the work tree (not only the
      // kept artifacts): build again before running.
      auto b = ensure_built(t, true);
      if (!b.ok)
        throw AbortError("commit " + r.hash + " built before but fails to build now: " + b.error);
      r.build_seconds += b.seconds;
    }
    std::error_code ec;  // mark the artifacts as used, for the cache's LRU order
    std::filesystem::last_write_time(out_dir(r.hash), std::filesystem::file_time_type::clock::now(),
                                     ec);
    int batch = std::min(want, std::max(1, config_.jobs));
    int first = static_cast<int>(r.runs.size());
    show(t, "testing", first, first + want,
         fmt::format("testing {} (runs {}-{})", r.hash, first, first + batch - 1));
    std::vector<std::optional<RunSummary>> results(batch);
    std::vector<std::thread> threads;
    const std::filesystem::path source_dir = t.slot->workspace->path();
    for (int i = 0; i < batch; ++i) {
      auto one = [&, i] {
        run::RunRequest req;
        req.commit = r.hash;
        req.source_dir = source_dir;
        req.out_dir = out_dir(r.hash);
        req.log_path = log_dir(r.hash) / fmt::format("run-{}.log", first + i);
        req.run_index = first + i;
        req.signature_file = log_dir(r.hash) / "signature";
        auto outcome = runner_.run(req);
        if (interrupt_requested()) return;  // killed by us: not a result
        store::RunRecord rec;
        rec.commit = r.hash;
        rec.runner_key = key;
        rec.index = first + i;
        rec.status = run::to_string(outcome.status);
        rec.title = outcome.title;
        rec.type = outcome.type;
        rec.report = outcome.report.substr(0, 64 << 10);
        rec.log_path = req.log_path.string();
        rec.seconds = outcome.seconds;
        rec.alt_titles = outcome.alt_titles;
        std::lock_guard lock(mu);
        journal_.save_run(rec);
        results[i] = from_record(rec);
      };
      // One run at a time needs no thread (the simulator runs millions).
      if (batch == 1)
        one();
      else
        threads.emplace_back(one);
    }
    for (auto& th : threads) th.join();
    check_interrupt();
    std::optional<std::string> too_many;  // the last infrastructure error, when one too many
    {
      std::lock_guard lock(state_mu_);
      for (auto& res : results) {
        if (!res) continue;
        if (res->status == run::RunStatus::infra_error &&
            ++infra_errors_ > config_.max_infra_errors) {
          too_many = res->title;
          break;
        }
        r.runs.push_back(std::move(*res));
        ++runs_;
      }
    }
    if (too_many)
      throw AbortError(fmt::format("too many infrastructure errors (last: {})", *too_many));
  }
  // The sum of run durations, so that a resumed bisection reports the same.
  r.test_seconds = 0;
  for (const auto& run : r.runs) r.test_seconds += run.seconds;
}

bool CommitTester::same_crash(const RunSummary& r, const std::string& target) const {
  if (target.empty()) return false;
  // One crash, several names (a KASAN report and the GPF after it, say):
  // the report parser's alternative titles, and those the start commit's
  // reports gave the bisected crash.
  if (r.title == target) return true;
  if (std::find(r.alt_titles.begin(), r.alt_titles.end(), target) != r.alt_titles.end())
    return true;
  return target == target_title_ && target_alts_.count(r.title);
}

bool CommitTester::crashed_since(const CommitResult& r, std::optional<int> from) const {
  if (!from || target_title_.empty()) return false;
  for (auto i = static_cast<std::size_t>(*from); i < r.runs.size(); ++i)
    if (r.runs[i].status == run::RunStatus::crashed && same_crash(r.runs[i], target_title_))
      return true;
  return false;
}

bool CommitTester::artifacts_ready(const Task& t) {
  const std::string& hash = t.hash;
  if (runner_.needs_work_tree()) return false;
  // Artifacts are kept per commit unless --cache-size evicted them (it
  // removes the directory); a recorded successful build wrote them there.
  std::error_code ec;
  if (!std::filesystem::is_directory(out_dir(hash), ec)) return false;
  auto rec = journal_.find_build(hash, t.builder_key);  // from a worker: no call into the builder
  return rec && rec->ok && !starts_with(rec->log_path, kSameTree);
}

void CommitTester::log_runs(Task& t, const CommitResult& r) {
  if (r.runs.empty()) return;
  bool same = true;
  for (const auto& run : r.runs) same = same && describe(run) == describe(r.runs.front());
  if (same) {
    say(t, "all runs: " + describe(r.runs.front()));
    return;
  }
  for (size_t i = 0; i < r.runs.size(); ++i)
    say(t, fmt::format("run #{}: {}", i, describe(r.runs[i])));
}

const CommitResult& CommitTester::test(const std::string& hash, Role role) {
  if (auto it = results_.find(hash); it != results_.end()) {
    log_.line(fmt::format("commit {} was tested already: {}", hash, to_string(it->second.verdict)));
    return it->second;
  }
  return test_impl(hash, role, true, std::nullopt);
}

const CommitResult& CommitTester::retest_reused(const std::string& hash) {
  auto it = results_.find(hash);
  if (it == results_.end() || it->second.reused_from.empty()) return test(hash, Role::bisect);
  log_.line(
      fmt::format("checking {}: its result was reused from {}", hash, it->second.reused_from));
  results_.erase(it);
  order_.erase(std::find(order_.begin(), order_.end(), hash));
  return test_impl(hash, Role::bisect, false, std::nullopt);
}

const CommitResult& CommitTester::test_runs(const std::string& hash, int runs) {
  if (results_.count(hash)) return run_more(hash, runs);
  return test_impl(hash, Role::bisect, true, runs);
}

bool CommitTester::more_prepare(Task& t, CommitResult& r, int runs) {
  if (!r.built || runs <= 0) return false;
  int own = static_cast<int>(r.runs.size());
  if (!r.reused_from.empty()) {
    say(t, fmt::format("testing {} itself: its result was reused from {}", r.hash, r.reused_from));
    r.reused_from.clear();
    own = 0;
  }
  // Recorded runs beyond `own` (a resumed bisection) are taken first, so
  // nothing recorded is run again.
  say(t, fmt::format("{} more run{} on commit {}", runs, runs == 1 ? "" : "s", r.hash));
  r.runs.clear();
  t.run_target = own + runs;
  t.stop_from = own;
  return true;
}

void CommitTester::more_work(Task& t, CommitResult& r) {
  run_tests(t, r, Role::bisect);
  log_runs(t, r);
}

const CommitResult& CommitTester::more_finish(CommitResult r) {
  r.evidence = tally(r.runs);
  r.verdict = strategy_.decide(r.evidence, Role::bisect);
  std::string hash = r.hash;
  return results_[hash] = std::move(r);
}

const CommitResult& CommitTester::run_more(const std::string& hash, int runs) {
  auto it = results_.find(hash);
  if (it == results_.end()) return test_runs(hash, runs);
  if (!it->second.built || runs <= 0) return it->second;
  check_interrupt();
  Task t = make_task(hash, pick_slot(hash));
  CommitResult r = it->second;
  more_prepare(t, r, runs);
  more_work(t, r);
  return more_finish(std::move(r));
}

void CommitTester::set_verdict(const std::string& hash, Verdict v) {
  if (auto it = results_.find(hash); it != results_.end()) it->second.verdict = v;
}

const CommitResult& CommitTester::test_impl(const std::string& hash, Role role, bool allow_reuse,
                                            std::optional<int> run_target) {
  check_interrupt();
  Task t = make_task(hash, pick_slot(hash));
  t.run_target = run_target;
  if (run_target) t.stop_from = 0;  // a posterior step
  say(t, fmt::format("testing commit {} with {}", hash, builder_.id_for(hash)));
  CommitResult r;
  bool decide = test_new(t, r, role, allow_reuse);
  return finish_new(std::move(r), role, decide);
}

bool CommitTester::test_new(Task& t, CommitResult& r, Role role, bool allow_reuse) {
  const std::string& hash = t.hash;
  r.hash = hash;
  r.title = t.title;
  auto b = ensure_built(t, false);
  r.built = b.ok;
  r.build_seconds = b.seconds;
  r.signature = b.signature;
  if (!b.ok) {
    r.build_error = b.error;
    r.verdict = Verdict::skip;
    say(t, "build failed: " + b.error);
    return false;
  }
  if (!b.signature.empty()) say(t, "kernel signature: " + b.signature);
  const CommitResult* twin = nullptr;
  if (!b.signature.empty() && allow_reuse)
    for (const auto& h : order_) {
      const auto& other = results_.at(h);
      if (other.signature == b.signature && other.built && !other.runs.empty()) {
        twin = &other;
        break;
      }
    }
  if (twin) {
    say(t, fmt::format("kernel signature matches {}, reusing its result", twin->hash));
    r.reused_from = twin->hash;
    r.evidence = twin->evidence;
    r.runs = twin->runs;
    r.verdict = twin->verdict;
    return false;
  }
  // The same binary tested with the same test in an earlier bisection of
  // this state directory: its runs are evidence here too (recorded under
  // this commit, so a resumed bisection replays them as well).
  const std::string& runner_key = t.runner_key;
  if (auto recorded = journal_.runs(hash, runner_key); recorded.empty()) {
    auto [from, earlier] = journal_.earlier_runs(b.signature, runner_key);
    if (!earlier.empty()) {
      say(t, fmt::format(
                 "kernel signature matches {} tested in an earlier bisection, reusing its {} runs",
                 from, earlier.size()));
      for (auto rec : earlier) {
        rec.commit = hash;
        rec.log_path = kEarlier + from;
        journal_.save_run(rec);
      }
    }
  } else if (starts_with(recorded.front().log_path, kEarlier)) {
    // Replaying: say it again, so that the log is the same.
    size_t n = 0;
    for (const auto& rec : recorded) n += starts_with(rec.log_path, kEarlier);
    say(t, fmt::format(
               "kernel signature matches {} tested in an earlier bisection, reusing its {} runs",
               recorded.front().log_path.substr(std::string_view(kEarlier).size()), n));
  }
  run_tests(t, r, role);
  log_runs(t, r);
  return true;
}

const CommitResult& CommitTester::finish_new(CommitResult r, Role role, bool decide) {
  if (decide) {
    r.evidence = tally(r.runs);
    r.verdict = strategy_.decide(r.evidence, role);
    if (role == Role::start && target_title_.empty() && r.verdict == Verdict::bad)
      target_title_ = most_frequent_title(r.runs);
    if (role == Role::start && !target_title_.empty()) {
      std::size_t known = target_alts_.size();
      for (const auto& run : r.runs)
        if (run.status == run::RunStatus::crashed && run.title == target_title_)
          target_alts_.insert(run.alt_titles.begin(), run.alt_titles.end());
      // Other names of the crash seen here make more of these runs match.
      if (target_alts_.size() != known) {
        r.evidence = tally(r.runs);
        r.verdict = strategy_.decide(r.evidence, role);
      }
    }
  }
  std::string hash = r.hash;
  order_.push_back(hash);
  auto& stored = results_[hash] = std::move(r);
  update_crash_evidence();
  return stored;
}

void CommitTester::update_crash_evidence() {
  int crashed = 0, tested = 0;
  for (const auto& [h, res] : results_)
    if (res.verdict == Verdict::bad && res.reused_from.empty()) {
      crashed += res.evidence.matching;
      tested += res.evidence.tested();
    }
  strategy_.set_crash_evidence(crashed, tested);
}

std::vector<const CommitResult*> CommitTester::test_batch(
    const std::vector<std::pair<std::string, int>>& batch_steps, const std::string& start) {
  check_interrupt();
  std::vector<const CommitResult*> out;
  // The start commit is a step without a run target (-1): the strategy's runs.
  std::vector<std::pair<std::string, int>> steps;
  if (!start.empty()) steps.emplace_back(start, -1);
  steps.insert(steps.end(), batch_steps.begin(), batch_steps.end());
  std::set<std::string> distinct;
  for (const auto& s : steps) distinct.insert(s.first);
  if (!config_.concurrent || slots_.size() < 2 || steps.size() < 2 ||
      distinct.size() != steps.size()) {
    for (const auto& [hash, runs] : steps)
      out.push_back(runs < 0 ? &test(hash, Role::start) : &test_runs(hash, runs));
    return out;
  }
  struct Job {
    Task task;
    CommitResult result;
    Role role = Role::bisect;
    bool fresh = false;   // never tested: build and test
    bool work = false;    // anything to do
    bool decide = false;  // finish_new decides the verdict
    std::exception_ptr error;
  };
  // Prepared here, in step order: everything History and the builder's id
  // tell, and the log lines up to the build.
  std::vector<Job> jobs(steps.size());
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& [hash, runs] = steps[i];
    Job& job = jobs[i];
    job.task = make_task(hash, slots_.front());
    job.task.buffered = true;
    if (auto it = results_.find(hash); it != results_.end()) {
      job.result = it->second;
      job.work = runs >= 0 && more_prepare(job.task, job.result, runs);
    } else {
      job.fresh = job.work = true;
      if (runs < 0) {
        job.role = Role::start;
      } else {
        job.task.run_target = runs;
        job.task.stop_from = 0;
      }
      say(job.task, fmt::format("testing commit {} with {}", hash, builder_.id_for(hash)));
    }
    if (job.work) pending.push_back(i);
  }
  while (!pending.empty()) {
    // A wave: one step per slot; a step with the same source tree as one in
    // the wave waits, so that it reuses that build as it would one by one.
    std::vector<std::size_t> wave, later;
    std::set<std::string> trees;
    for (auto i : pending)
      if (wave.size() < slots_.size() && (!jobs[i].fresh || trees.insert(jobs[i].task.tree).second))
        wave.push_back(i);
      else
        later.push_back(i);
    // Each step to the work tree that holds its build; the others to a work
    // tree whose build no later step needs, if there is one.
    std::set<std::string> wanted_later;
    for (auto i : later) wanted_later.insert(jobs[i].task.hash);
    std::vector<bool> taken(slots_.size());
    std::vector<Slot*> slot_of(wave.size());
    for (std::size_t k = 0; k < wave.size(); ++k)
      for (std::size_t s = 0; s < slots_.size(); ++s)
        if (!taken[s] && slots_[s].built == jobs[wave[k]].task.hash) {
          taken[s] = true;
          slot_of[k] = &slots_[s];
          break;
        }
    for (bool spare_only : {true, false})
      for (std::size_t k = 0; k < wave.size(); ++k)
        for (std::size_t s = 0; s < slots_.size() && !slot_of[k]; ++s)
          if (!taken[s] && (!spare_only || !wanted_later.count(slots_[s].built))) {
            taken[s] = true;
            slot_of[k] = &slots_[s];
          }
    {
      std::lock_guard lock(state_mu_);
      for (std::size_t k = 0; k < wave.size(); ++k) {
        jobs[wave[k]].task.slot = slot_of[k];
        slot_of[k]->current = jobs[wave[k]].task.hash;
      }
    }
    std::vector<std::thread> threads;
    auto join_all = [&threads] {
      for (auto& th : threads)
        if (th.joinable()) th.join();
    };
    try {
      for (auto i : wave)
        threads.emplace_back([this, &job = jobs[i]] {
          try {
            if (job.fresh)
              job.decide = test_new(job.task, job.result, job.role, true);
            else
              more_work(job.task, job.result);
          } catch (...) {
            job.error = std::current_exception();
          }
          try {
            show(job.task, "", 0, 0, "");  // this work tree is free
          } catch (...) {
            if (!job.error) job.error = std::current_exception();
          }
        });
    } catch (...) {
      join_all();
      throw;
    }
    join_all();
    {
      std::lock_guard lock(state_mu_);
      for (auto* slot : slot_of) slot->current.clear();
    }
    for (auto i : wave)
      if (jobs[i].error) std::rethrow_exception(jobs[i].error);
    check_interrupt();
    pending = std::move(later);
  }
  // As if one after another: the log and the results in step order.
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Job& job = jobs[i];
    for (const auto& line : job.task.lines) log_.line(line);
    if (job.fresh)
      out.push_back(&finish_new(std::move(job.result), job.role, job.decide));
    else if (job.work)
      out.push_back(&more_finish(std::move(job.result)));
    else
      out.push_back(&results_.at(job.task.hash));
  }
  return out;
}

double CommitTester::crash_rate() const {
  int crashed = 0, tested = 0;
  for (const auto& [h, r] : results_)
    if (r.verdict == Verdict::bad && r.reused_from.empty()) {
      crashed += r.evidence.matching;
      tested += r.evidence.tested();
    }
  if (tested == 0) return 1.0;
  return (crashed + 0.5) / (tested + 1.0);
}

double CommitTester::confidence() const {
  double p = crash_rate();
  double conf = 1.0;
  for (const auto& [h, r] : results_)
    if (r.verdict == Verdict::good && r.reused_from.empty())
      conf *= 1.0 - std::pow(1.0 - p, r.evidence.ok);
  return conf;
}

}  // namespace culprit::bisect
