#include "bisect/commit_tester.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "util/error.h"
#include "util/process.h"

namespace culprit::bisect {
namespace {

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

std::vector<WorkSlot> make_slots(const std::vector<Workspace*>& workspaces) {
  if (workspaces.empty()) throw std::logic_error("CommitTester needs a work tree");
  std::vector<WorkSlot> slots(workspaces.size());
  for (std::size_t i = 0; i < workspaces.size(); ++i) slots[i].workspace = workspaces[i];
  return slots;
}

}  // namespace

// What a caller asks for one commit.
struct CommitTester::Step {
  enum class Kind {
    test,    // the strategy's runs (test(), the start commit of a batch)
    retest,  // a commit whose result was reused: its own runs, no reuse
    runs,    // `runs` runs, or `runs` more on a tested commit (the posterior's steps)
  };
  std::string hash;
  Kind kind = Kind::test;
  Role role = Role::bisect;
  int runs = 0;
};

// A step on its way through prepare (in step order), work (perhaps on a
// worker thread) and finish (in step order).
struct CommitTester::Job {
  Step step;
  Task task;
  CommitResult result;
  RunPlan plan;
  bool fresh = false;       // never tested: build and test
  bool work = false;        // anything to do
  bool allow_reuse = true;  // may take the result of an identical binary
  bool decide = false;      // finish decides the verdict from the runs
  bool ran = false;         // runs were counted: finish logs them
};

CommitTester::CommitTester(History& history, Workspace& workspace, build::Builder& builder,
                           run::TestRunner& runner, Strategy& strategy, store::Journal& journal,
                           BisectLog& log, TesterConfig config)
    : CommitTester(history, std::vector<Workspace*>{&workspace}, builder, runner, strategy, journal,
                   log, std::move(config)) {}

CommitTester::CommitTester(History& history, std::vector<Workspace*> workspaces,
                           build::Builder& builder, run::TestRunner& runner, Strategy& strategy,
                           store::Journal& journal, BisectLog& log, TesterConfig config)
    : history_(history),
      slots_(make_slots(workspaces)),
      builder_(builder),
      runner_(runner),
      strategy_(strategy),
      journal_(journal),
      log_(log),
      config_(std::move(config)),
      matcher_(config_.target_title),
      reporter_(log_, journal_, slots_),
      builds_(slots_, builder_, journal_, reporter_,
              BuildCacheConfig{config_.state_dir, config_.cache_bytes, 3, config_.backporter}),
      executor_(
          runner_, journal_, strategy_, matcher_, reporter_, builds_,
          RunExecutorConfig{std::max(1, config_.jobs), &lent_runs_, 3, config_.max_infra_errors}),
      scheduler_(slots_, config_.concurrent) {
  scheduler_.lend_when_done(&lent_runs_, std::max(1, config_.jobs));
}

Task CommitTester::make_task(const std::string& hash, WorkSlot& slot) {
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

const CommitResult* CommitTester::find(const std::string& hash) const {
  auto it = results_.find(hash);
  return it == results_.end() ? nullptr : &it->second;
}

std::string CommitTester::signature_of(const std::string& hash) {
  if (auto known = builds_.known_signature(hash)) return *known;
  log_.line(fmt::format("building commit {} with {}", hash, builder_.id_for(hash)));
  Task t = make_task(hash, scheduler_.slot_for(hash));
  auto b = builds_.ensure_built(t, false);
  return b.ok ? b.signature : std::string();
}

const CommitResult& CommitTester::test(const std::string& hash, Role role) {
  return *execute({Step{hash, Step::Kind::test, role, 0}}).front();
}

const CommitResult& CommitTester::retest_reused(const std::string& hash) {
  auto it = results_.find(hash);
  if (it == results_.end() || it->second.reused_from.empty()) return test(hash, Role::bisect);
  return *execute({Step{hash, Step::Kind::retest, Role::bisect, 0}}).front();
}

const CommitResult& CommitTester::test_runs(const std::string& hash, int runs) {
  return *execute({Step{hash, Step::Kind::runs, Role::bisect, runs}}).front();
}

const CommitResult& CommitTester::run_more(const std::string& hash, int runs) {
  return test_runs(hash, runs);
}

std::vector<const CommitResult*> CommitTester::test_batch(
    const std::vector<std::pair<std::string, int>>& batch_steps, const std::string& start) {
  std::vector<Step> steps;
  if (!start.empty()) steps.push_back({start, Step::Kind::test, Role::start, 0});
  for (const auto& [hash, runs] : batch_steps)
    steps.push_back({hash, Step::Kind::runs, Role::bisect, runs});
  return execute(steps);
}

std::vector<const CommitResult*> CommitTester::execute(const std::vector<Step>& steps) {
  throw_if_interrupted();
  std::set<std::string> distinct;
  for (const auto& s : steps) distinct.insert(s.hash);
  if (steps.size() > 1 &&
      (!config_.concurrent || slots_.size() < 2 || distinct.size() != steps.size())) {
    // One after another: each step sees the results of the ones before.
    std::vector<const CommitResult*> out;
    for (const auto& s : steps) out.push_back(execute({s}).front());
    return out;
  }
  std::vector<Job> jobs(steps.size());
  std::vector<std::size_t> pending;
  std::vector<SlotScheduler::Item> items;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    jobs[i].step = steps[i];
    jobs[i].task = make_task(steps[i].hash, slots_.front());
    jobs[i].task.buffered = steps.size() > 1;
    prepare(jobs[i]);
    if (jobs[i].work) pending.push_back(i);
    items.push_back({jobs[i].task.hash, jobs[i].task.tree, jobs[i].fresh});
  }
  scheduler_.run(items, pending, [this, &jobs](std::size_t i, WorkSlot& slot) {
    Job& job = jobs[i];
    job.task.slot = &slot;
    try {
      work(job);
    } catch (...) {
      reporter_.show(job.task, "", 0, 0, "");
      throw;
    }
    reporter_.show(job.task, "", 0, 0, "");  // this work tree is free
  });
  throw_if_interrupted();
  // As if one after another: the log and the results in step order.
  std::vector<const CommitResult*> out;
  for (auto& job : jobs) out.push_back(finish(job));
  return out;
}

void CommitTester::prepare(Job& job) {
  const std::string& hash = job.step.hash;
  Task& t = job.task;
  auto it = results_.find(hash);
  if (it != results_.end() && job.step.kind == Step::Kind::retest) {
    reporter_.say(
        t, fmt::format("checking {}: its result was reused from {}", hash, it->second.reused_from));
    order_.erase(std::find(order_.begin(), order_.end(), hash));
    results_.erase(it);
    it = results_.end();
    job.allow_reuse = false;
  }
  if (it != results_.end()) {
    job.result = it->second;
    if (job.step.kind == Step::Kind::test) {
      reporter_.say(
          t, fmt::format("commit {} was tested already: {}", hash, to_string(job.result.verdict)));
      return;
    }
    CommitResult& r = job.result;
    if (!r.built || job.step.runs <= 0) return;
    if (!r.reused_from.empty()) {
      reporter_.say(
          t, fmt::format("testing {} itself: its result was reused from {}", hash, r.reused_from));
      r.reused_from.clear();
      r.runs.clear();
    }
    reporter_.say(t, fmt::format("{} more run{} on commit {}", job.step.runs,
                                 job.step.runs == 1 ? "" : "s", hash));
    const int own = static_cast<int>(r.runs.size());
    job.plan.target = own + job.step.runs;
    job.plan.stop_from = own;
    job.work = true;
    return;
  }
  job.fresh = job.work = true;
  job.plan.role = job.step.role;
  if (job.step.kind == Step::Kind::runs) {
    job.plan.target = job.step.runs;
    job.plan.stop_from = 0;  // a posterior step: one matching crash settles it
  }
  reporter_.say(t, fmt::format("testing commit {} with {}", hash, builder_.id_for(hash)));
}

void CommitTester::work(Job& job) {
  if (job.fresh) {
    job.decide = test_new(job);
    return;
  }
  executor_.run(job.task, job.result, job.plan);
  job.ran = true;
}

bool CommitTester::test_new(Job& job) {
  Task& t = job.task;
  CommitResult& r = job.result;
  const std::string& hash = t.hash;
  r.hash = hash;
  r.title = t.title;
  auto b = builds_.ensure_built(t, false);
  r.built = b.ok;
  r.build_seconds = b.seconds;
  r.signature = b.signature;
  r.job = b.job;
  r.backports = b.backports;
  if (!b.ok) {
    r.build_error = b.error;
    r.verdict = Verdict::skip;
    reporter_.say(t, "build failed: " + b.error);
    return false;
  }
  const std::string word = builder_.signature_word();
  if (!b.signature.empty()) reporter_.say(t, word + " signature: " + b.signature);
  const CommitResult* twin = nullptr;
  if (!b.signature.empty() && job.allow_reuse)
    for (const auto& h : order_) {
      const auto& other = results_.at(h);
      if (other.signature == b.signature && other.built && !other.runs.empty()) {
        twin = &other;
        break;
      }
    }
  if (twin) {
    reporter_.say(t, fmt::format("{} signature matches {}, reusing its result", word, twin->hash));
    r.reused_from = twin->hash;
    r.evidence = twin->evidence;
    r.runs = twin->runs;
    r.verdict = twin->verdict;
    return false;
  }
  // The same binary tested with the same test in an earlier bisection of
  // this state directory: its runs are evidence here too (recorded under
  // this commit, so a resumed bisection replays them as well).
  if (auto recorded = journal_.runs(hash, t.runner_key); recorded.empty()) {
    auto [from, earlier] = journal_.earlier_runs(b.signature, t.runner_key);
    if (!earlier.empty()) {
      reporter_.say(
          t,
          fmt::format("{} signature matches {} tested in an earlier bisection, reusing its {} runs",
                      word, from, earlier.size()));
      for (auto rec : earlier) {
        rec.commit = hash;
        rec.origin = store::Origin::earlier;
        rec.origin_commit = from;
        journal_.save_run(rec);
      }
    }
  } else if (recorded.front().origin == store::Origin::earlier) {
    // Replaying: say it again, so that the log is the same.
    std::size_t n = 0;
    for (const auto& rec : recorded) n += rec.origin == store::Origin::earlier;
    reporter_.say(
        t,
        fmt::format("{} signature matches {} tested in an earlier bisection, reusing its {} runs",
                    word, recorded.front().origin_commit, n));
  }
  executor_.run(t, r, job.plan);
  job.ran = true;
  if (r.job.empty() && !r.runs.empty()) r.job = r.runs.front().job;
  return true;
}

const CommitResult* CommitTester::finish(Job& job) {
  for (const auto& line : job.task.lines) log_.line(line);
  job.task.lines.clear();
  const std::string& hash = job.step.hash;
  if (!job.work) return &results_.at(hash);
  CommitResult& r = job.result;
  if (!job.fresh) {
    r.evidence = matcher_.tally(r.runs);
    r.verdict = strategy_.decide(r.evidence, Role::bisect);
    log_runs(r, job.plan.stop_from.value_or(0));
    return &(results_[hash] = std::move(r));
  }
  bool learned = false;
  if (job.decide) {
    const Role role = job.plan.role;
    r.evidence = matcher_.tally(r.runs);
    r.verdict = strategy_.decide(r.evidence, role);
    // The crash's family, learned from the start commit's runs, may count
    // more of them.
    if (role == Role::start && matcher_.learn_from_start(r.runs, r.verdict == Verdict::bad)) {
      learned = true;
      r.evidence = matcher_.tally(r.runs);
      r.verdict = strategy_.decide(r.evidence, role);
    }
  }
  // After learning, so that each run says where its crash was counted.
  if (job.ran) log_runs(r, 0);
  if (learned)
    if (auto line = matcher_.family_line(); !line.empty()) log_.line(line);
  order_.push_back(hash);
  auto& stored = results_[hash] = std::move(r);
  update_crash_evidence();
  return &stored;
}

void CommitTester::log_runs(const CommitResult& r, std::size_t first_new) {
  if (r.runs.empty()) return;
  auto describe_run = [&](const RunSummary& run) {
    return describe(run) + matcher_.counted_as(run);
  };
  bool same = true;
  const std::string first = describe_run(r.runs.front());
  for (const auto& run : r.runs) same = same && describe_run(run) == first;
  if (same) {
    log_.line("all runs: " + first);
  } else {
    for (size_t i = 0; i < r.runs.size(); ++i)
      log_.line(fmt::format("run #{}: {}", i, describe_run(r.runs[i])));
  }
  // Where this step's runs ran (cluster jobs); earlier steps said theirs.
  std::vector<std::string> jobs, nodes;
  for (std::size_t i = first_new; i < r.runs.size(); ++i) {
    const auto& run = r.runs[i];
    if (run.job.empty()) continue;
    jobs.push_back(run.job);
    if (std::find(nodes.begin(), nodes.end(), run.node) == nodes.end()) nodes.push_back(run.node);
  }
  if (!jobs.empty())
    log_.line(fmt::format("runs ran as job{} {} on {}", jobs.size() == 1 ? "" : "s",
                          fmt::join(jobs, ", "), fmt::join(nodes, ", ")));
}

void CommitTester::set_verdict(const std::string& hash, Verdict v) {
  if (auto it = results_.find(hash); it != results_.end()) it->second.verdict = v;
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

int CommitTester::runs() const {
  int n = 0;
  for (const auto& [h, r] : results_)
    if (r.reused_from.empty())
      for (const auto& run : r.runs) n += run.inherited ? 0 : 1;
  return n;
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
