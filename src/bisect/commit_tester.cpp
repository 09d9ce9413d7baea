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
    : history_(history),
      workspace_(workspace),
      builder_(builder),
      runner_(runner),
      strategy_(strategy),
      journal_(journal),
      log_(log),
      config_(std::move(config)) {
  target_title_ = config_.target_title;
  // Which commit's build output the work tree holds survives a kill, so a
  // resumed bisection does not rebuild just to run the remaining tests.
  std::error_code ec;
  if (std::filesystem::exists(built_marker(), ec)) {
    std::ifstream in(built_marker());
    std::getline(in, built_in_workspace_);
  }
}

std::filesystem::path CommitTester::built_marker() const {
  return config_.state_dir / "worktree-built";
}

void CommitTester::set_built(const std::string& hash) {
  built_in_workspace_ = hash;
  std::error_code ec;
  if (hash.empty()) {
    std::filesystem::remove(built_marker(), ec);
    return;
  }
  std::filesystem::create_directories(config_.state_dir, ec);
  write_file_atomic(built_marker(), hash + "\n");
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

CommitTester::BuildOutcome CommitTester::ensure_built(const std::string& hash,
                                                      bool need_artifacts) {
  const std::string key = builder_.cache_key();
  if (auto rec = journal_.find_build(hash, key);
      rec && (!need_artifacts || built_in_workspace_ == hash || !rec->ok)) {
    signatures_[hash] = rec->signature;
    if (starts_with(rec->log_path, kSameTree))  // replayed: say it again, so the log is the same
      log_same_tree(hash, rec->log_path.substr(std::string_view(kSameTree).size()));
    else
      built_commits_.insert(hash);
    return {rec->ok, rec->signature, rec->error_line, rec->seconds, false};
  }
  auto info = history_.info(hash);
  if (!need_artifacts) {
    // Identical source (empty merges, revert pairs): same build.
    if (auto same = journal_.find_build_by_tree(info.tree, key)) {
      store::BuildRecord copy = *same;
      copy.commit = hash;
      copy.seconds = 0;
      copy.log_path = kSameTree + same->commit;
      journal_.save_build(copy);
      log_same_tree(hash, same->commit);
      signatures_[hash] = copy.signature;
      return {copy.ok, copy.signature, copy.error_line, 0, false};
    }
  }
  std::filesystem::create_directories(out_dir(hash));
  std::filesystem::create_directories(log_dir(hash));
  journal_.set_status("building " + hash);
  log_.progress().commit = hash;
  log_.progress().activity = "building";
  log_.progress().runs_done = log_.progress().runs_wanted = 0;
  log_.publish();
  build::BuildRequest req;
  req.commit = hash;
  set_built("");  // from here until the build is recorded, the work tree holds nothing usable
  req.source_dir = workspace_.checkout(hash);
  req.out_dir = out_dir(hash);
  req.signature_file = log_dir(hash) / "signature";
  req.log_path = log_dir(hash) / "build.log";
  auto res = builder_.build(req);
  check_interrupt();  // a build killed by Ctrl-C is not a result
  built_commits_.insert(hash);
  store::BuildRecord rec;
  rec.commit = hash;
  rec.tree = info.tree;
  rec.builder_key = key;
  rec.ok = res.ok;
  rec.signature = res.signature;
  rec.error_line = res.error_line;
  rec.log_path = req.log_path.string();
  rec.seconds = res.seconds;
  journal_.save_build(rec);
  if (res.ok) set_built(hash);
  evict_artifacts(hash);
  signatures_[hash] = res.signature;
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
  // Least recently used first; the commit being worked on always stays.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const auto& e : entries) {
    if (total <= config_.cache_bytes) break;
    if (e.dir.filename() == keep || e.dir.filename() == built_in_workspace_) continue;
    fs::remove_all(e.dir, ec);
    total -= e.bytes;
  }
}

void CommitTester::log_same_tree(const std::string& hash, const std::string& other) {
  if (other == hash)
    log_.line("commit was built in an earlier bisection, reusing its build");
  else
    log_.line(fmt::format("commit has the same source tree as {}, reusing its build", other));
}

std::string CommitTester::signature_of(const std::string& hash) {
  if (auto it = signatures_.find(hash); it != signatures_.end()) return it->second;
  log_.line(fmt::format("building commit {} with {}", hash, builder_.id_for(hash)));
  auto b = ensure_built(hash, false);
  return b.ok ? b.signature : std::string();
}

Evidence CommitTester::tally(const std::vector<RunSummary>& runs) const {
  Evidence e;
  std::string target = target_title_;
  if (target.empty()) {
    // The start commit defines the crash: its most frequent crash title.
    std::map<std::string, int> counts;
    int best = 0;
    for (const auto& r : runs)
      if (r.status == run::RunStatus::crashed && ++counts[r.title] > best) {
        best = counts[r.title];
        target = r.title;
      }
  }
  e.generic_target = !target.empty() && is_generic_title(target);
  for (const auto& r : runs) {
    switch (r.status) {
      case run::RunStatus::ok:
        ++e.ok;
        break;
      case run::RunStatus::crashed:
        ++(r.title == target ? e.matching : e.other);
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

void CommitTester::run_tests(CommitResult& r, Role role) {
  const std::string key = runner_.cache_key();
  // With a run target (the posterior's steps), only as many recorded runs as
  // the step wants: a resumed search then sees each step exactly as the
  // first process did, and takes the same next steps.
  for (const auto& rec : journal_.runs(r.hash, key)) {
    if (run_target_ && static_cast<int>(r.runs.size()) >= *run_target_) break;
    if (crashed_since(r, stop_from_)) break;  // where the first process stopped
    r.runs.push_back(from_record(rec));
  }
  std::mutex mu;
  for (;;) {
    r.evidence = tally(r.runs);
    if (crashed_since(r, stop_from_)) break;
    int want =
        run_target_ ? *run_target_ - r.evidence.total() : strategy_.more_runs(r.evidence, role);
    if (want <= 0) break;
    if (built_in_workspace_ != r.hash && !artifacts_ready(r.hash)) {
      // The work tree holds another commit's output (a resumed bisection, or
      // more runs on a commit built earlier): build again before running.
      auto b = ensure_built(r.hash, true);
      if (!b.ok)
        throw AbortError("commit " + r.hash + " built before but fails to build now: " + b.error);
      r.build_seconds += b.seconds;
    }
    std::error_code ec;  // mark the artifacts as used, for the cache's LRU order
    std::filesystem::last_write_time(out_dir(r.hash), std::filesystem::file_time_type::clock::now(),
                                     ec);
    int batch = std::min(want, std::max(1, config_.jobs));
    log_.progress().commit = r.hash;
    log_.progress().activity = "testing";
    log_.progress().runs_done = static_cast<int>(r.runs.size());
    log_.progress().runs_wanted = static_cast<int>(r.runs.size()) + want;
    log_.publish();
    int first = static_cast<int>(r.runs.size());
    std::vector<std::optional<RunSummary>> results(batch);
    std::vector<std::thread> threads;
    journal_.set_status(fmt::format("testing {} (runs {}-{})", r.hash, first, first + batch - 1));
    for (int i = 0; i < batch; ++i) {
      auto one = [&, i] {
        run::RunRequest req;
        req.commit = r.hash;
        req.source_dir = workspace_.path();
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
    for (auto& t : threads) t.join();
    check_interrupt();
    for (auto& res : results) {
      if (!res) continue;
      if (res->status == run::RunStatus::infra_error && ++infra_errors_ > config_.max_infra_errors)
        throw AbortError(fmt::format("too many infrastructure errors (last: {})", res->title));
      r.runs.push_back(std::move(*res));
      ++runs_;
    }
  }
  // The sum of run durations, so that a resumed bisection reports the same.
  r.test_seconds = 0;
  for (const auto& run : r.runs) r.test_seconds += run.seconds;
}

bool CommitTester::crashed_since(const CommitResult& r, std::optional<int> from) const {
  if (!from || target_title_.empty()) return false;
  for (auto i = static_cast<std::size_t>(*from); i < r.runs.size(); ++i)
    if (r.runs[i].status == run::RunStatus::crashed && r.runs[i].title == target_title_)
      return true;
  return false;
}

bool CommitTester::artifacts_ready(const std::string& hash) const {
  if (runner_.needs_work_tree()) return false;
  // Artifacts are kept per commit unless --cache-size evicted them (it
  // removes the directory); a recorded successful build wrote them there.
  std::error_code ec;
  if (!std::filesystem::is_directory(out_dir(hash), ec)) return false;
  auto rec = journal_.find_build(hash, builder_.cache_key());
  return rec && rec->ok && !starts_with(rec->log_path, kSameTree);
}

void CommitTester::log_runs(const CommitResult& r) {
  if (r.runs.empty()) return;
  bool same = true;
  for (const auto& run : r.runs) same = same && describe(run) == describe(r.runs.front());
  if (same) {
    log_.line("all runs: " + describe(r.runs.front()));
    return;
  }
  for (size_t i = 0; i < r.runs.size(); ++i)
    log_.line(fmt::format("run #{}: {}", i, describe(r.runs[i])));
}

const CommitResult& CommitTester::test(const std::string& hash, Role role) {
  if (auto it = results_.find(hash); it != results_.end()) {
    log_.line(fmt::format("commit {} was tested already: {}", hash, to_string(it->second.verdict)));
    return it->second;
  }
  return test_impl(hash, role, true);
}

const CommitResult& CommitTester::retest_reused(const std::string& hash) {
  auto it = results_.find(hash);
  if (it == results_.end() || it->second.reused_from.empty()) return test(hash, Role::bisect);
  log_.line(
      fmt::format("checking {}: its result was reused from {}", hash, it->second.reused_from));
  results_.erase(it);
  order_.erase(std::find(order_.begin(), order_.end(), hash));
  return test_impl(hash, Role::bisect, false);
}

const CommitResult& CommitTester::test_runs(const std::string& hash, int runs) {
  if (results_.count(hash)) return run_more(hash, runs);
  run_target_ = runs;
  stop_from_ = 0;
  try {
    const auto& r = test_impl(hash, Role::bisect, true);
    run_target_.reset();
    stop_from_.reset();
    return r;
  } catch (...) {
    run_target_.reset();
    stop_from_.reset();
    throw;
  }
}

const CommitResult& CommitTester::run_more(const std::string& hash, int runs) {
  auto it = results_.find(hash);
  if (it == results_.end()) return test_runs(hash, runs);
  CommitResult& r = it->second;
  if (!r.built || runs <= 0) return r;
  check_interrupt();
  int own = static_cast<int>(r.runs.size());
  if (!r.reused_from.empty()) {
    log_.line(fmt::format("testing {} itself: its result was reused from {}", hash, r.reused_from));
    r.reused_from.clear();
    own = 0;
  }
  // Recorded runs beyond `own` (a resumed bisection) are taken first, so
  // nothing recorded is run again.
  log_.line(fmt::format("{} more run{} on commit {}", runs, runs == 1 ? "" : "s", hash));
  r.runs.clear();
  run_target_ = own + runs;
  stop_from_ = own;
  try {
    run_tests(r, Role::bisect);
  } catch (...) {
    run_target_.reset();
    stop_from_.reset();
    throw;
  }
  run_target_.reset();
  stop_from_.reset();
  log_runs(r);
  r.evidence = tally(r.runs);
  r.verdict = strategy_.decide(r.evidence, Role::bisect);
  return r;
}

void CommitTester::set_verdict(const std::string& hash, Verdict v) {
  if (auto it = results_.find(hash); it != results_.end()) it->second.verdict = v;
}

const CommitResult& CommitTester::test_impl(const std::string& hash, Role role, bool allow_reuse) {
  check_interrupt();
  CommitResult r;
  r.hash = hash;
  r.title = history_.info(hash).title;
  log_.line(fmt::format("testing commit {} with {}", hash, builder_.id_for(hash)));
  auto b = ensure_built(hash, false);
  r.built = b.ok;
  r.build_seconds = b.seconds;
  r.signature = b.signature;
  if (!b.ok) {
    r.build_error = b.error;
    r.verdict = Verdict::skip;
    log_.line("build failed: " + b.error);
  } else {
    if (!b.signature.empty()) log_.line("kernel signature: " + b.signature);
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
      log_.line(fmt::format("kernel signature matches {}, reusing its result", twin->hash));
      r.reused_from = twin->hash;
      r.evidence = twin->evidence;
      r.runs = twin->runs;
      r.verdict = twin->verdict;
    } else {
      // The same binary tested with the same test in an earlier bisection
      // of this state directory: its runs are evidence here too (recorded
      // under this commit, so a resumed bisection replays them as well).
      const std::string runner_key = runner_.cache_key();
      if (journal_.runs(hash, runner_key).empty()) {
        auto [from, earlier] = journal_.earlier_runs(b.signature, runner_key);
        if (!earlier.empty()) {
          log_.line(fmt::format(
              "kernel signature matches {} tested in an earlier bisection, reusing its {} runs",
              from, earlier.size()));
          for (auto rec : earlier) {
            rec.commit = hash;
            rec.log_path = kEarlier + from;
            journal_.save_run(rec);
          }
        }
      } else if (auto recorded = journal_.runs(hash, runner_key);
                 starts_with(recorded.front().log_path, kEarlier)) {
        // Replaying: say it again, so that the log is the same.
        size_t n = 0;
        for (const auto& rec : recorded) n += starts_with(rec.log_path, kEarlier);
        log_.line(fmt::format(
            "kernel signature matches {} tested in an earlier bisection, reusing its {} runs",
            recorded.front().log_path.substr(std::string_view(kEarlier).size()), n));
      }
      run_tests(r, role);
      log_runs(r);
      r.evidence = tally(r.runs);
      r.verdict = strategy_.decide(r.evidence, role);
      if (role == Role::start && target_title_.empty() && r.verdict == Verdict::bad) {
        std::map<std::string, int> counts;
        int best = 0;
        for (const auto& run : r.runs)
          if (run.status == run::RunStatus::crashed && ++counts[run.title] > best) {
            best = counts[run.title];
            target_title_ = run.title;
          }
      }
    }
  }
  order_.push_back(hash);
  auto& stored = results_[hash] = std::move(r);
  int crashed = 0, tested = 0;
  for (const auto& [h, res] : results_)
    if (res.verdict == Verdict::bad && res.reused_from.empty()) {
      crashed += res.evidence.matching;
      tested += res.evidence.tested();
    }
  strategy_.set_crash_evidence(crashed, tested);
  return stored;
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
