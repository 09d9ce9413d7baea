#include "bisect/posterior_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "bisect/round_schedule.h"

namespace culprit::bisect {
namespace {

// Runs that show a crash of rate `rate` but for a chance `miss` (the rate
// estimate kept away from 0 and 1, where the count would run off).
int runs_to_see(double rate, double miss) {
  double p = std::clamp(rate, 0.05, 0.99);
  return static_cast<int>(std::ceil(std::log(miss) / std::log1p(-p)));
}

// Binary-identical commits share evidence: a commit whose result was reused
// from an identical binary is tested by that binary's runs.
// Fix bisection: `anchors` are the crashing old ends (outside the range);
// `says_nothing` picks the commits whose runs are no evidence (clean, and
// their history is not known to have had the crash): not counted, for now.
void sync(Posterior& post, const vcs::CommitGraph& graph, const CommitTester& tester,
          std::set<vcs::CommitIndex>& built, std::set<vcs::CommitIndex>& unusable,
          std::map<vcs::CommitIndex, double>& informative,
          const std::vector<std::string>& anchors = {},
          const std::function<bool(const std::string&)>& says_nothing = {}) {
  struct Acc {
    std::vector<vcs::CommitIndex> members;
    double crashed = 0;
    int ok = 0;
  };
  std::map<std::string, Acc> groups;
  informative.clear();  // a commit's runs may have said something since
  for (const auto& h : tester.order()) {
    auto i = graph.find(h);
    if (i == vcs::kNoCommit) continue;
    const auto* r = tester.find(h);
    if (!r->built) {
      unusable.insert(i);
      continue;
    }
    built.insert(i);
    if (says_nothing && says_nothing(h)) continue;
    // A commit with its own runs is its own evidence (a test need not follow
    // the binary: noop changes); one whose result was reused joins the
    // commit it was reused from.
    auto& g = groups[r->reused_from.empty() ? h : r->reused_from];
    g.members.push_back(i);
    const auto& e = r->evidence;
    if (r->reused_from.empty()) {
      g.crashed += e.weight;
      g.ok += e.ok;
    }
    // Runs that said nothing about the bisected crash: they could not test
    // it, or crashed with another crash first. A commit that cannot test
    // (two runs, none testing) or keeps crashing otherwise (ten) is given
    // up; before that, more runs there are worth the less, the more of them
    // said nothing.
    const bool silent = e.ok == 0 && e.weight == 0;
    if (silent && ((e.other == 0 && e.total() >= 2) || e.total() >= 10)) unusable.insert(i);
    if (silent && e.total() > 0) informative[i] = 1.0 / (e.total() + 1);
  }
  for (auto& [key, g] : groups) post.set_group(key, std::move(g.members), g.crashed, g.ok);
  for (const auto& h : anchors) {
    const auto* r = tester.find(h);
    if (r && r->built && r->reused_from.empty() && graph.find(h) == vcs::kNoCommit)
      post.set_anchor(h, r->evidence.weight, r->evidence.ok);
  }
  post.update();
}

// Whether the crash has come at every run so far: the start commit (where
// the crash was seen) crashed in each of at least `runs` runs, and no
// commit that showed the crash also ran clean. Then a clean run is strong
// evidence, and a commit without the crash needs no more runs than --runs
// asks. At low rates a crashing commit soon shows a clean run too, and the
// runs go back to what the evidence needs.
bool crash_at_every_run(const CommitTester& tester, const std::string& start, int runs) {
  const auto* s = tester.find(start);
  if (!s || s->evidence.matching < runs || s->evidence.ok > 0) return false;
  for (const auto& h : tester.order()) {
    const auto* r = tester.find(h);
    if (r->reused_from.empty() && r->evidence.matching > 0 && r->evidence.ok > 0) return false;
  }
  return true;
}

// Runs a commit has of its own (not reused from an identical binary).
int own_runs(const CommitResult* r) {
  return r && r->reused_from.empty() ? static_cast<int>(r->runs.size()) : 0;
}

double step_seconds(const CommitResult* r) { return r ? r->build_seconds + r->test_seconds : 0; }

// The runs a step ran: none when its result was reused from an identical
// binary (those runs are the other commit's), all when a reused result was
// just replaced by its own runs, else the ones after its earlier runs.
std::vector<double> runs_since(const CommitResult& r, std::size_t before) {
  std::vector<double> out;
  if (!r.reused_from.empty()) return out;
  for (auto k = r.runs.size() < before ? 0 : before; k < r.runs.size(); ++k)
    if (!r.runs[k].inherited) out.push_back(r.runs[k].seconds);
  return out;
}

int log2_ceil(std::size_t n) { return static_cast<int>(std::ceil(std::log2(double(n) + 1))); }

}  // namespace

std::vector<PlanStep> PosteriorSearch::plan_within_runs(Posterior& post, PlanInput in) {
  const auto all = in;
  in.max_runs = std::min(in.max_runs, options_.runs);
  // A commit without the crash that has its --runs runs is settled.
  for (auto c : all.built) {
    const auto* r = tester_.find(post.graph().hash(c));
    if (r && r->evidence.matching == 0 && own_runs(r) >= options_.runs) in.unusable.insert(c);
  }
  auto steps = plan(post, in);
  // Nothing left within --runs, or nothing that tells half as much as more
  // runs on a commit that has its --runs (near the answer, where a clean
  // run leaves 1 - rate of doubt): the evidence needs more after all.
  auto free = plan(post, all);
  auto bits = [](const std::vector<PlanStep>& v) {
    double b = 0;
    for (const auto& s : v) b = std::max(b, s.bits);
    return b;
  };
  if (steps.empty() || bits(steps) < 0.5 * bits(free)) return free;
  for (auto& s : steps) {
    const auto* r = tester_.find(post.graph().hash(s.commit));
    if (r && r->evidence.matching == 0)
      s.runs = std::max(1, std::min(s.runs, options_.runs - own_runs(r)));
  }
  return steps;
}

PosteriorSearch::PosteriorSearch(History& history, CommitTester& tester, BisectLog& log,
                                 SearchOptions options)
    : history_(history), tester_(tester), log_(log), options_(std::move(options)) {}

PlanCosts PosteriorSearch::costs() const {
  if (options_.costs) return *options_.costs;
  // Measured, where builds are long enough for the measure to mean
  // something; short builds (scripts, tests) keep the defaults' ratio, which
  // also keeps the plan independent of timing noise.
  double build = 0, test = 0;
  int builds = 0, runs = 0;
  for (const auto& h : tester_.order()) {
    const auto* r = tester_.find(h);
    if (r->build_seconds > 0) {
      build += r->build_seconds;
      ++builds;
    }
    if (r->reused_from.empty()) {
      test += r->test_seconds;
      runs += static_cast<int>(r->runs.size());
    }
  }
  PlanCosts c;
  if (builds > 0 && build / builds >= 30 && runs > 0 && test > 0) {
    c.build = build / builds;
    c.run = test / runs;
  }
  return c;
}

double PosteriorSearch::step(const std::string& hash, int runs) {
  last_ = hash;
  double before = step_seconds(tester_.find(hash));
  const auto& r = tester_.test_runs(hash, runs);
  return step_seconds(&r) - before;
}

double PosteriorSearch::batch(const std::vector<std::pair<std::string, int>>& steps) {
  if (steps.empty()) return 0;
  std::vector<double> before_build;
  std::vector<std::size_t> before_runs;
  for (const auto& s : steps) {
    const auto* r = tester_.find(s.first);
    before_build.push_back(r ? r->build_seconds : 0);
    before_runs.push_back(r ? r->runs.size() : 0);
  }
  last_ = steps.back().first;
  auto results = tester_.test_batch(steps);
  // The steps run side by side, a finished step's slot lending its runs to
  // the others (round_schedule.h).
  std::vector<StepWork> work(steps.size());
  std::vector<int> asked;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    work[i].build_seconds = results[i]->build_seconds - before_build[i];
    work[i].run_seconds = runs_since(*results[i], before_runs[i]);
    asked.push_back(steps[i].second);
  }
  auto timing = schedule_round(work, asked, tester_.jobs(), tester_.lends_runs());
  extra_run_seconds_ += timing.extra_run_seconds;
  extra_runs_ += timing.extra_runs;
  return timing.wall_seconds;
}

bool PosteriorSearch::had_bug(const std::string& hash) {
  auto below = [&](const std::string& a) {
    auto key = std::make_pair(a, hash);
    auto it = ancestry_.find(key);
    if (it == ancestry_.end())
      it = ancestry_.emplace(key, a == hash || history_.is_ancestor(a, hash)).first;
    return it->second;
  };
  for (const auto& o : old_ends_)
    if (below(o)) return true;
  // Reverts (verification's) are no commits of the repository's history.
  for (const auto& h : tester_.order()) {
    const auto* r = tester_.find(h);
    if (r->evidence.matching > 0 && !reverts_.count(h) && below(h)) return true;
  }
  return false;
}

std::optional<std::string> PosteriorSearch::probe(Posterior& post,
                                                  const std::vector<std::string>& gated,
                                                  double settled) {
  const auto& graph = post.graph();
  for (const auto& c : gated) {
    auto i = graph.find(c);
    if (i == vcs::kNoCommit || post.below_mass(i) < settled) continue;
    auto parents = history_.info(c).parents;
    if (parents.empty()) continue;
    const std::string& p = parents[0];
    const auto* r = tester_.find(p);
    // Tested already: it crashed (then c counts, and is no longer here),
    // it could not be tested, or it is clean and asks the same question one
    // commit further down (inside the range; outside, the search gives up).
    if (r) continue;
    return p;
  }
  return std::nullopt;
}

int PosteriorSearch::revert_runs(double rate, int runs) const {
  return std::clamp(std::max(runs_to_see(rate, 0.01), runs), 2, max_step_runs());
}

std::string PosteriorSearch::contradiction(const vcs::CommitGraph& graph,
                                           const std::string& culprit, const Verification& v,
                                           double rate) {
  if (options_.fix) {
    // The parent outside the range is taken to crash (it lacks every fix of
    // the range); one that never crashes in enough runs had no crash to fix.
    auto parents = history_.info(culprit).parents;
    if (!parents.empty() && graph.find(parents[0]) == vcs::kNoCommit) {
      const auto* r = tester_.find(parents[0]);
      int runs = r && r->reused_from.empty() ? static_cast<int>(r->runs.size()) : 0;
      if (r && r->evidence.matching == 0 && runs > 0 &&
          std::pow(1 - std::clamp(rate, 0.0, 0.99), runs) < 0.01)
        return fmt::format(
            "its parent {}, taken as crashing, did not crash in any of {} runs: its history may "
            "never have had the crash",
            parents[0].substr(0, 12), runs);
    }
    // A revert on --head that does not crash: the fix alone does not explain
    // why the crash is gone there (another fix, or the crash's path changed).
    if (!v.revert.commit.empty() && v.revert.skipped.empty()) {
      const auto* r = tester_.find(v.revert.commit);
      int crashed = r ? r->evidence.matching : v.revert.crashed;
      int runs = r ? static_cast<int>(r->runs.size()) : v.revert.runs;
      if (crashed == 0 && runs > 0)
        return fmt::format(
            "the crash does not come back with the revert of {} on top of {} (0 of {} runs "
            "crashed): {} alone does not explain the fix there",
            culprit.substr(0, 12), v.revert.onto.substr(0, 12), runs, culprit.substr(0, 12));
    }
    return "";
  }
  // Evidence the posterior has no place for: the range's good end is taken
  // as good, so its crash cannot move the answer.
  auto parents = history_.info(culprit).parents;
  if (!parents.empty() && graph.find(parents[0]) == vcs::kNoCommit && v.parent_crashed > 0)
    return fmt::format(
        "its parent {}, taken as good, crashed in {} of {} runs: the crash is older than the "
        "range (bisect again with an older good commit)",
        parents[0].substr(0, 12), v.parent_crashed, v.parent_runs);
  // A revert that still crashes: the culprit alone does not explain the
  // crash where it was seen (a second cause, or later code that depends on
  // it); the model's small allowance for that must not carry the answer.
  if (!v.revert.commit.empty() && v.revert.skipped.empty()) {
    const auto* r = tester_.find(v.revert.commit);
    int crashed = r ? r->evidence.matching : v.revert.crashed;
    int runs = r ? static_cast<int>(r->runs.size()) : v.revert.runs;
    if (crashed > 0)
      return fmt::format(
          "the crash survives the revert of {} on top of {} ({} of {} runs crashed): {} alone "
          "does not explain the crash there",
          culprit.substr(0, 12), v.revert.onto.substr(0, 12), crashed, runs, culprit.substr(0, 12));
  }
  return "";
}

std::vector<std::string> PosteriorSearch::revert_bases(Posterior& post,
                                                       const std::string& culprit) {
  const auto& graph = post.graph();
  const auto x = graph.find(culprit);
  if (x == vcs::kNoCommit) return {};
  const auto& below_x = post.reach(x);
  std::vector<std::pair<std::size_t, std::string>> found;  // (commits in between, hash)
  for (const auto& h : tester_.order()) {
    auto d = graph.find(h);
    if (d == vcs::kNoCommit || d == x || h == onto_) continue;
    const auto* r = tester_.find(h);
    if (!r || !r->built) continue;
    // Cause: the crash is there to go away; fix: the fix is there, clean.
    if (options_.fix ? r->evidence.matching > 0 || r->evidence.ok == 0 : r->evidence.matching == 0)
      continue;
    const auto& below_d = post.reach(d);
    if (!below_d[x]) continue;
    std::size_t between = 0;
    for (std::size_t y = 0; y < below_d.size(); ++y) between += below_d[y] && !below_x[y];
    found.emplace_back(between, h);
  }
  std::sort(found.begin(), found.end());
  constexpr std::size_t kMaxBases = 3;
  std::vector<std::string> out;
  for (const auto& [between, h] : found) {
    if (out.size() == kMaxBases) break;
    out.push_back(h);
  }
  return out;
}

Verification PosteriorSearch::verify(Posterior& post, const std::string& culprit, int runs) {
  Verification v;
  v.commit = culprit;
  std::vector<double> seconds;
  // Runs added by this check, on a commit that may have been tested before:
  // what it had before, then what the check added.
  struct Before {
    int runs = 0, crashed = 0, ok = 0;
  };
  auto before = [&](const std::string& h) {
    const auto* r = tester_.find(h);
    bool own = r && r->reused_from.empty();
    return own ? Before{static_cast<int>(r->runs.size()), r->evidence.matching, r->evidence.ok}
               : Before{};
  };
  auto added = [&](const std::string& h, const Before& b, int& done, int& crashed,
                   int* ok = nullptr) {
    const auto& after = *tester_.find(h);
    if (!after.built) return false;
    done = static_cast<int>(after.runs.size()) - b.runs;
    crashed = after.evidence.matching - b.crashed;
    if (ok) *ok = after.evidence.ok - b.ok;
    return true;
  };
  // The parent's runs in the search are this check's evidence already (its
  // last steps bought them for the same question): it is re-tested with
  // what it lacks of `runs` runs that could show the crash, at least one.
  // The culprit gets `runs` more, ending at its first crash.
  auto runs_for = [&](const std::string& h) {
    const auto* r = tester_.find(h);
    if (h == culprit || !r || !r->built || !r->reused_from.empty()) return runs;
    return std::max(1, runs - (r->evidence.ok + r->evidence.matching));
  };
  // Fix bisection: the revert should crash again, which at a low rate takes
  // more runs than a clean culprit needs to show its crash.
  const int rev_runs = options_.fix ? revert_runs(post.rate(), runs) : runs;
  auto count = [&](const std::string& h, int& done, int& crashed, int* ok = nullptr, int n = 0) {
    auto b = before(h);
    seconds.push_back(step(h, n > 0 ? n : runs_for(h)));
    return added(h, b, done, crashed, ok);
  };
  log_.line(
      fmt::format("verifying the {} {}: {} more runs on it, its parent re-tested up to {} runs",
                  options_.fix ? "fix" : "culprit", culprit, runs, runs));
  auto parents = history_.info(culprit).parents;
  int parent_before = 0;  // the parent's runs that could show the crash, before the check
  if (const auto* r = parents.empty() ? nullptr : tester_.find(parents[0]);
      r && r->reused_from.empty())
    parent_before = r->evidence.ok + r->evidence.matching;
  // The commit the work tree holds first: one rebuild fewer.
  bool parent_first = !parents.empty() && parents[0] == last_;
  std::vector<std::string> checks;
  if (parent_first) checks.push_back(parents[0]);
  checks.push_back(culprit);
  if (!parents.empty() && !parent_first) checks.push_back(parents[0]);

  auto& rc = v.revert;
  rc.onto = onto_;
  if (culprit == onto_) {
    rc.skipped =
        options_.fix
            ? "the fix is the head: its parent is the revert"
            : "the culprit is the commit where the crash was seen: its parent is the revert";
  } else {
    // On top of --commit first; when that conflicts, on the culprit's
    // nearest tested descendants that crashed: fewer commits in between to
    // conflict with, and still a commit that shows the crash.
    std::vector<std::string> bases{onto_};
    for (const auto& d : revert_bases(post, culprit)) bases.push_back(d);
    std::string first_reason;
    for (const auto& base : bases) {
      auto rev = history_.revert(culprit, base);
      if (rev.commit) {
        reverts_.insert(*rev.commit);
        rc.commit = *rev.commit;
        rc.onto = base;
        break;
      }
      if (first_reason.empty()) first_reason = rev.reason;
      rc.failed.emplace_back(base, rev.reason);
      log_.line(fmt::format("revert check: cannot revert {} on top of {}: {}",
                            culprit.substr(0, 12), base.substr(0, 12), rev.reason));
    }
    if (rc.commit.empty()) {
      rc.skipped = "cannot revert it on " + onto_.substr(0, 12) + ": " + first_reason;
      if (bases.size() > 1)
        rc.skipped +=
            fmt::format(" (nor on {} tested descendant{} that {})", bases.size() - 1,
                        bases.size() == 2 ? "" : "s", options_.fix ? "ran clean" : "crashed");
    }
  }
  // With slots to spare the checks are independent and run side by side:
  // the revert (made first) goes into the same batch.
  bool together = options_.parallel > 1;
  if (together && !rc.commit.empty())
    log_.line(fmt::format("revert check: {} reverted on top of {} is {}", culprit.substr(0, 12),
                          rc.onto.substr(0, 12), rc.commit));
  std::vector<std::string> all = checks;
  if (together && !rc.commit.empty()) all.push_back(rc.commit);
  std::vector<Before> befores;
  for (const auto& h : all) befores.push_back(before(h));
  if (together) {
    std::vector<std::pair<std::string, int>> steps;
    for (const auto& h : all) steps.emplace_back(h, h == rc.commit ? rev_runs : runs_for(h));
    seconds.push_back(batch(steps));
  }
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const std::string& h = checks[i];
    bool parent = h != culprit;
    int& done = parent ? v.parent_runs : v.culprit_runs;
    int& crashed = parent ? v.parent_crashed : v.culprit_crashed;
    bool built = together ? added(h, befores[i], done, crashed) : count(h, done, crashed);
    // A result reused from an identical binary is that binary's evidence,
    // counted already: the check needs the commit's own runs (a test need
    // not follow the binary: noop changes).
    if (built && !tester_.find(h)->reused_from.empty()) {
      done = crashed = 0;
      count(h, done, crashed);
    }
  }

  if (!rc.commit.empty()) {
    if (!together)
      log_.line(fmt::format("revert check: {} reverted on top of {} is {}", culprit.substr(0, 12),
                            rc.onto.substr(0, 12), rc.commit));
    // As many runs as on the culprit: a crash there means the culprit alone
    // is not what makes the crash on --commit.
    bool built = together ? added(rc.commit, befores.back(), rc.runs, rc.crashed, &rc.ok)
                          : count(rc.commit, rc.runs, rc.crashed, &rc.ok, rev_runs);
    if (!built) {
      rc.skipped = "the revert does not build: " + tester_.find(rc.commit)->build_error;
    } else {
      // A result reused from an identical binary is that binary's evidence,
      // counted already: the revert needs its own runs.
      if (!tester_.find(rc.commit)->reused_from.empty()) {
        rc.runs = rc.crashed = rc.ok = 0;
        count(rc.commit, rc.runs, rc.crashed, &rc.ok, rev_runs);
      }
      // Fix: the crash came back, in this check or an earlier one.
      rc.passed = options_.fix ? tester_.find(rc.commit)->evidence.matching > 0
                               : rc.crashed == 0 && rc.runs > 0;
    }
  }
  if (!rc.skipped.empty()) log_.line("revert check skipped: " + rc.skipped);
  // A revert that still crashes says the answer may be wrong, and a parent
  // that crashes is the likeliest way: it gets the rest of a full re-test.
  const auto* parent = parents.empty() ? nullptr : tester_.find(parents[0]);
  if (!options_.fix && rc.crashed > 0 && parent && parent->built && parent->reused_from.empty()) {
    int rest = runs - (parent->evidence.ok + parent->evidence.matching - parent_before);
    if (rest > 0) {
      log_.line("revert check: the crash survives the revert: more runs on the parent");
      seconds.push_back(step(parents[0], rest));
    }
  }
  // The parent's verdict weighs all its own runs, the search's too.
  if (parent = parents.empty() ? nullptr : tester_.find(parents[0]);
      parent && parent->built && parent->reused_from.empty()) {
    v.parent_runs = static_cast<int>(parent->runs.size());
    v.parent_crashed = parent->evidence.matching;
  }
  if (options_.fix) {
    // The parent still crashes: any of its own runs showed the crash (a
    // flaky crash may well miss a few more runs; the posterior weighs that).
    v.parent_passed = parent && parent->reused_from.empty() && parent->evidence.matching > 0;
  } else {
    v.parent_passed = v.parent_crashed == 0;
  }
  // Side by side, a batch takes as long as its slowest check.
  for (double s : seconds) verify_seconds_ += s;
  return v;
}

std::vector<std::pair<std::string, int>> PosteriorSearch::opening(
    const std::string& bad, const std::vector<std::string>& goods, int slots) {
  PhaseTimer timer(options_.times, "planning");
  auto graph = history_.load_range(bad, goods);
  Posterior post(graph);
  post.update();
  PlanInput in;
  in.costs = costs();
  in.slots = slots;
  in.max_runs = max_step_runs();
  std::vector<std::pair<std::string, int>> out;
  for (const auto& s : plan(post, in))
    if (graph.hash(s.commit) != bad) out.emplace_back(graph.hash(s.commit), s.runs);
  return out;
}

SearchOutcome PosteriorSearch::run(const std::string& new_end,
                                   const std::vector<std::string>& old_ends) {
  onto_ = options_.revert_onto.empty() ? new_end : options_.revert_onto;
  old_ends_ = options_.fix ? old_ends : std::vector<std::string>{};
  std::optional<PhaseTimer> planning(std::in_place, options_.times, "planning");
  auto graph = history_.load_range(new_end, old_ends);
  graph_ = &graph;
  if (!tester_.order().empty()) last_ = tester_.order().back();
  PosteriorConfig config;
  config.fix = options_.fix;
  Posterior post(graph, config);
  // Fix bisection: where the crash was seen, the evidence of its rate.
  const std::string crash_end =
      !options_.fix ? new_end : (options_.start.empty() ? old_ends.front() : options_.start);
  std::vector<std::string> anchors;
  std::function<bool(const std::string&)> says_nothing;
  std::vector<std::string> gated;  // fix: clean commits not known to have had the crash
  if (options_.fix) {
    anchors = old_ends;
    if (std::find(anchors.begin(), anchors.end(), crash_end) == anchors.end())
      anchors.push_back(crash_end);
    says_nothing = [&](const std::string& h) {
      bool nothing = !had_bug(h);
      if (nothing) gated.push_back(h);
      return nothing;
    };
  }
  std::set<vcs::CommitIndex> built, unusable;
  std::map<vcs::CommitIndex, double> informative;
  SearchOutcome out;
  // K slots test more commits per round than the best single pick: their
  // budget grows with K.
  const double slots_factor = 1 + (options_.parallel - 1) / 3.0;
  const int max_builds = static_cast<int>((2 * log2_ceil(graph.size()) + 10) * slots_factor);
  const int max_runs =
      static_cast<int>(40 * (log2_ceil(graph.size()) + 4) * slots_factor) + tester_.runs();
  const int step_runs = max_step_runs();
  int verifications = 0;
  bool every_run = false;  // crash_at_every_run, as last said in the log
  // Verification's runs go back into the posterior, so a contradicted
  // answer usually moves and is verified again; a few rounds at most.
  constexpr int kMaxVerifications = 3;
  log_.line(fmt::format("posterior search over {} commits (confidence {:.2f}, {} slot{})",
                        graph.size(), options_.confidence, options_.parallel,
                        options_.parallel == 1 ? "" : "s"));
  for (;;) {
    if (!planning) planning.emplace(options_.times, "planning");
    gated.clear();
    sync(post, graph, tester_, built, unusable, informative, anchors, says_nothing);
    auto best = post.best();
    // Verification's runs on the culprit's parent are the evidence the last
    // steps of a search would buy anyway (culprit or parent?), so with
    // --verify it starts a little below --confidence; an answer is still
    // reported only at --confidence, with every run counted.
    // While the crash comes at every run, the culprit's and its parent's
    // runs are what the search would buy next anyway: verify at the first
    // majority.
    const double verify_at = every_run ? 0.5 : std::max(0.5, 1 - 2 * (1 - options_.confidence));
    const bool confident = post.prob(best) >= options_.confidence;
    if (confident && (!options_.verify || verifications >= kMaxVerifications)) {
      out.culprit = graph.hash(best);
      if (options_.verify && (!out.verification || out.verification->commit != *out.culprit))
        out.contradiction =
            fmt::format("{} was never verified: {} verifications went to other commits first",
                        out.culprit->substr(0, 12), verifications);
      else if (out.verification)
        // Verified, found wanting, and confident again since: what the
        // checks showed still stands against it.
        out.contradiction = contradiction(graph, *out.culprit, *out.verification, post.rate());
      if (out.verification && out.verification->commit == *out.culprit &&
          out.contradiction.empty() && !out.verification->passed) {
        // It failed only for want of runs: with the runs since counted the
        // answer holds, and no check spoke against it.
        auto& v = *out.verification;
        v.culprit_passed = true;
        v.passed = v.parent_passed && (v.revert.passed || !v.revert.skipped.empty());
        if (v.passed)
          log_.line(
              fmt::format("verification passed with the runs since: culprit probability now "
                          "{:.3f}",
                          post.prob(best)));
      }
      break;
    }
    if (options_.verify && verifications < kMaxVerifications && post.prob(best) >= verify_at) {
      const std::string& h = graph.hash(best);
      ++verifications;
      int n = std::clamp(runs_to_see(post.rate(), 0.05), 2, step_runs);
      planning.reset();
      auto v = verify(post, h, n);
      planning.emplace(options_.times, "planning");
      gated.clear();
      sync(post, graph, tester_, built, unusable, informative, anchors, says_nothing);
      if (!v.revert.commit.empty() && v.revert.skipped.empty()) {
        // Every run the revert had so far (a second verification adds more).
        const auto& e = tester_.find(v.revert.commit)->evidence;
        post.set_revert(best, graph.find(v.revert.onto), e.weight, e.ok);
        post.update();
      }
      // The culprit check passes when the answer still holds with every
      // run of the verification counted, the revert's too: a flaky culprit
      // may well show no crash in a few more runs, and that alone is what
      // the probability weighs.
      v.culprit_passed = post.prob(best) >= options_.confidence;
      v.passed = v.culprit_passed && v.parent_passed && post.prob(best) >= options_.confidence &&
                 (v.revert.passed || !v.revert.skipped.empty());
      log_.line(fmt::format(
          "verification {}: culprit crashed in {} of {} more runs, parent in {} of {} in all{}; "
          "culprit probability now {:.3f}",
          v.passed ? "passed" : "failed", v.culprit_crashed, v.culprit_runs, v.parent_crashed,
          v.parent_runs,
          v.revert.skipped.empty()
              ? fmt::format(", the revert in {} of {}", v.revert.crashed, v.revert.runs)
              : std::string(),
          post.prob(best)));
      if (post.prob(best) >= options_.confidence) {
        out.culprit = h;
        out.verification = v;
        out.contradiction = contradiction(graph, h, v, post.rate());
        break;
      }
      out.verification = v;
      log_.line(fmt::format("after verification {} has probability {:.3f}: searching on", h,
                            post.prob(best)));
      continue;
    }
    if (tester_.builds() >= max_builds || tester_.runs() >= max_runs) {
      log_.line("posterior search: out of budget");
      break;
    }
    PlanInput in;
    in.costs = costs();
    in.slots = options_.parallel;
    in.max_runs = step_runs;
    // The commit tested last, not the work tree's marker: the plan must be a
    // function of the recorded runs alone, so that a resumed search repeats
    // it step for step (after a kill, the work tree is rebuilt if needed).
    in.current = last_.empty() ? vcs::kNoCommit : graph.find(last_);
    in.built = built;
    in.unusable = unusable;
    // More runs there would say nothing either.
    for (const auto& h : gated) in.unusable.insert(graph.find(h));
    if (crash_at_every_run(tester_, crash_end, options_.runs) != every_run) {
      every_run = !every_run;
      log_.line(every_run ? fmt::format("the crash came at every run so far (rate ~{:.2f}): at "
                                        "most {} run{} on a commit without it",
                                        post.rate(), options_.runs, options_.runs == 1 ? "" : "s")
                          : "a commit with the crash also ran clean: as many runs as the "
                            "evidence needs");
    }
    in.informative = informative;
    in.settled = (1 - options_.confidence) / 2;
    auto steps = every_run ? plan_within_runs(post, in) : plan(post, in);
    if (steps.empty() && options_.fix) {
      // A clean commit whose history is not known to have had the crash says
      // nothing about a fix (INTERFACE.md) until a tested ancestor crashes.
      // When the answer hangs on such a commit, its parent is the test that
      // lets it speak (only then: a branch that never had the crash is
      // usually ruled out by the crashes of commits that merged it).
      if (auto p = probe(post, gated, in.settled)) {
        int n = std::clamp(runs_to_see(post.rate(), 0.05), options_.runs, step_runs);
        log_.line(
            fmt::format("{} runs on {}: whether the history of its child had the crash", n, *p));
        log_.line(fmt::format("[{}] {}", *p, history_.info(*p).title));
        planning.reset();
        out.wall_seconds += batch({{*p, n}});
        log_.progress().step += 1;
        continue;
      }
    }
    if (steps.empty()) {
      log_.line("posterior search: no test is worth its cost any more");
      break;
    }
    log_.progress().phase = "bisecting";
    log_.progress().candidates = static_cast<long>(post.smallest_set(options_.confidence).size());
    // The round's steps are tested at the same time (one per slot); their
    // log lines come after these, step by step.
    std::vector<std::pair<std::string, int>> round;
    for (const auto& s : steps) {
      const std::string& h = graph.hash(s.commit);
      log_.line(
          fmt::format("best {} with {:.3f}, rate ~{:.2f}; next: {} runs on {} (bad with {:.3f})",
                      graph.hash(best), post.prob(best), post.rate(), s.runs, h, s.bad_mass));
      log_.line(fmt::format("[{}] {}", h, history_.info(h).title));
      round.emplace_back(h, s.runs);
    }
    planning.reset();
    out.wall_seconds += batch(round);
    log_.progress().step += static_cast<int>(round.size());
  }
  out.wall_seconds += verify_seconds_;
  out.extra_runs = extra_runs_;
  out.extra_run_seconds = extra_run_seconds_;
  // Verdicts for the steps, as the posterior sees each tested commit now.
  for (auto i : built) {
    double m = post.bad_mass(i);
    tester_.set_verdict(graph.hash(i), m >= 0.9   ? Verdict::bad
                                       : m <= 0.1 ? Verdict::good
                                                  : Verdict::skip);
  }
  auto best = post.best();
  out.confidence = out.culprit ? post.prob(best) : 1 - post.none();
  for (auto i : post.smallest_set(options_.confidence))
    if (post.prob(i) > 0.001 || out.candidates.empty())
      out.candidates.emplace_back(graph.hash(i), post.prob(i));
  if (!out.culprit) out.confidence = post.prob(best);
  graph_ = nullptr;
  return out;
}

}  // namespace culprit::bisect
