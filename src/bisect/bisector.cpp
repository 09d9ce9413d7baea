#include "bisect/bisector.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "bisect/dag_bisection.h"
#include "bisect/round_schedule.h"
#include "util/text.h"

namespace culprit::bisect {
namespace {

// Go's %q of a []string, as syzbot prints recipient lists.
std::string quoted_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += " ";
    out += "\"";
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"";
  }
  return out + "]";
}

// The phases that are neither build nor test, in the order the log names
// them; "other" is what no phase timed (the process's own start, commit
// lookups, the final report). The JSON always has every phase; the log
// names an optional one only when it was timed, so that a bisection
// without backports never mentions them.
struct OverheadPhase {
  const char* name;
  bool optional;
};
constexpr OverheadPhase kOverheadPhases[] = {{"checkout", false}, {"backports", true},
                                             {"store", false},    {"log", false},
                                             {"planning", false}, {"setup", false}};

// This process's elapsed time and its overhead by phase, into `result`;
// the log's words for it ("" when nothing was measured).
std::string measure_overhead(const PhaseTimes* times, BisectResult& result) {
  if (!times) return "";
  result.elapsed_seconds = times->elapsed();
  auto phases = times->all();
  double timed = 0;
  for (const auto& [phase, seconds] : phases) timed += seconds;
  double total = 0;
  std::string parts;
  for (const auto& [phase, optional] : kOverheadPhases) {
    bool measured = phases.count(phase) > 0;
    double s = measured ? phases.at(phase) : 0.0;
    result.overhead_seconds[phase] = s;
    total += s;
    if (measured || !optional) parts += fmt::format("{}: {:.1f}s, ", phase, s);
  }
  // Work side by side (--jobs, --parallel) times more than the wall clock.
  double other = std::max(0.0, result.elapsed_seconds - timed);
  result.overhead_seconds["other"] = other;
  total += other;
  return fmt::format(", elapsed: {:.1f}s, overhead: {:.1f}s ({}other: {:.1f}s)",
                     result.elapsed_seconds, total, parts, other);
}

}  // namespace

Bisector::Bisector(History& history, CommitTester& tester, Strategy& strategy, BisectLog& log,
                   BisectOptions options)
    : history_(history),
      tester_(tester),
      strategy_(strategy),
      log_(log),
      options_(std::move(options)) {}

CommitRef Bisector::ref(const std::string& hash) {
  auto info = history_.info(hash);
  return {hash, info.title, info.author.str(), info.date};
}

BisectResult Bisector::run() {
  BisectResult result;
  result.mode = options_.fix ? "fix" : "cause";
  result.strategy = strategy_.name();
  if (options_.fix)
    bisect_fix(result);
  else
    bisect_cause(result);
  finish_common(result);
  return result;
}

bool Bisector::history_had_bug(const std::string& hash) {
  for (const auto& h : tester_.order()) {
    const auto* r = tester_.find(h);
    if (r && r->verdict == Verdict::bad && history_.is_ancestor(h, hash)) return true;
  }
  return false;
}

bool Bisector::is_new_state(const CommitResult& r) {
  if (!options_.fix) return r.verdict == Verdict::bad;
  return r.verdict == Verdict::good && history_had_bug(r.hash);
}

bool Bisector::start_reproduces(const std::string& heading, BisectResult& result,
                                const std::vector<std::pair<std::string, int>>& beside) {
  log_.line(heading + options_.commit);
  if (!tester_.target_title().empty()) log_.line("crash to bisect: " + tester_.target_title());
  log_.progress().phase = "testing the start commit";
  std::vector<const CommitResult*> round;
  if (beside.empty()) {
    round.push_back(&tester_.test(options_.commit, Role::start));
  } else {
    // Built and run in the same round as the start commit (at the same time
    // with --parallel), so they are spent even when the crash does not
    // reproduce: the price of a round.
    for (const auto& [hash, runs] : beside)
      log_.line(fmt::format("testing {} beside the start commit ({} runs): {}", hash, runs,
                            history_.info(hash).title));
    round = tester_.test_batch(beside, options_.commit);
    // A step done early lends its runs to the others (round_schedule.h);
    // the start commit asks for what its strategy asks, so only its counted
    // runs are known here.
    std::vector<StepWork> work;
    std::vector<int> asked;
    for (std::size_t i = 0; i < round.size(); ++i) {
      opening_.insert(round[i]->hash);
      StepWork w;
      w.build_seconds = round[i]->build_seconds;
      if (round[i]->reused_from.empty())
        for (const auto& run : round[i]->runs)
          if (!run.inherited) w.run_seconds.push_back(run.seconds);
      asked.push_back(i == 0 ? static_cast<int>(w.run_seconds.size()) : beside[i - 1].second);
      work.push_back(std::move(w));
    }
    auto timing = schedule_round(work, asked, tester_.jobs(), tester_.lends_runs());
    opening_wall_ = timing.wall_seconds;
    opening_extra_run_seconds_ = timing.extra_run_seconds;
  }
  const auto& start = *round.front();
  bool reproduced = start.verdict == Verdict::bad;
  const auto& others = tester_.matcher().other_families();
  if (options_.title_inferred && tester_.matcher().family() && !others.empty()) {
    // Two bugs on the start commit: the one with more runs is bisected,
    // which a few runs can get wrong. The user may know better.
    std::vector<const CrashFamily*> all{&*tester_.matcher().family()};
    std::size_t titles = 0;
    for (const auto& f : others) all.push_back(&f);
    std::string seen;
    for (const auto* f : all) {
      titles += f->titles().size();
      seen +=
          fmt::format("{}\"{}\" ({}x{})", seen.empty() ? "" : ", ", f->main(), f->runs(),
                      f->titles().size() > 1 ? fmt::format(" under {} titles", f->titles().size())
                                             : std::string());
    }
    log_.line(fmt::format(
        "the start commit crashed with {} titles, {} crashes: {}; bisecting \"{}\" (--title "
        "chooses)",
        titles, all.size(), seen, tester_.target_title()));
  }
  // A crash named with --title is the one to see: other crashes there are
  // another bug, however often they come.
  if (!tester_.target_title().empty() && start.evidence.matching == 0) reproduced = false;
  if (reproduced) return true;
  log_.line("the crash does not reproduce on " + options_.commit);
  result.reproduced = false;
  result.verdict = "inconclusive";
  return false;
}

void Bisector::bisect_cause(BisectResult& result) {
  const std::string& commit = options_.commit;
  std::vector<std::pair<std::string, int>> beside;
  if (options_.good && strategy_.posterior() && options_.search.parallel > 1) {
    PosteriorSearch search(history_, tester_, log_, options_.search);
    beside = search.opening(commit, {*options_.good}, options_.search.parallel - 1);
  }
  if (!start_reproduces("bisecting cause commit starting from ", result, beside)) return;
  std::string last_bad = commit;
  std::string good;
  if (options_.good) {
    good = *options_.good;
  } else {
    auto releases = history_.releases_before(commit);
    if (releases.empty()) {
      log_.line("no release tag older than " + commit);
      log_.line("the crash already happened on the oldest tested release");
      result.verdict = "crash-on-oldest";
      result.boundary = ref(commit);
      log_crash(*tester_.find(commit), result);
      return;
    }
    std::optional<vcs::Release> oldest_bad;
    std::optional<vcs::Release> oldest_tested;
    for (const auto& rel : vcs::release_walk(releases)) {
      log_.line("testing release " + rel.tag);
      log_.progress().phase = "walking back over releases: " + rel.tag;
      const auto& r = tester_.test(rel.hash, Role::release);
      oldest_tested = rel;
      if (r.verdict == Verdict::good) {
        good = rel.hash;
        break;
      }
      if (r.verdict == Verdict::bad) {
        last_bad = rel.hash;
        oldest_bad = rel;
      }
    }
    if (good.empty()) {
      if (oldest_bad) {
        log_.line("the crash already happened on the oldest tested release");
        log_.line(fmt::format("oldest tested release: {} {}", oldest_bad->tag, oldest_bad->hash));
        result.verdict = "crash-on-oldest";
        result.boundary = ref(oldest_bad->hash);
        log_crash(*tester_.find(oldest_bad->hash), result);
        return;
      }
      // Nothing older could be tested: every commit down to the oldest
      // release may be the culprit.
      log_.line("no release could be tested; the first bad commit could be any of:");
      result.verdict = "inconclusive";
      auto graph = history_.load_range(commit, {oldest_tested->hash});
      std::vector<std::string> hashes;
      for (auto i : graph.topo_order()) hashes.push_back(graph.hash(i));
      hashes.push_back(oldest_tested->hash);
      for (const auto& h : hashes) {
        result.commits.push_back(ref(h));
        log_.line(h + " " + result.commits.back().title);
      }
      return;
    }
  }
  bisect_range(result, last_bad, {good});
}

void Bisector::bisect_fix(BisectResult& result) {
  const std::string& commit = options_.commit;
  if (!start_reproduces("bisecting fixing commit since ", result)) return;
  const std::string& head = options_.head;
  log_.line("testing current HEAD " + head);
  log_.progress().phase = "testing HEAD";
  const auto& h = tester_.test(head, Role::head);
  if (h.verdict != Verdict::good) {
    log_.line(h.verdict == Verdict::bad ? "the crash still happens on HEAD"
                                        : "HEAD " + head + " could not be tested");
    result.verdict = "not-fixed";
    result.boundary = ref(head);
    if (h.verdict == Verdict::bad) log_crash(h, result);
    return;
  }
  std::string old_end = commit;
  if (!history_.is_ancestor(commit, head)) {
    auto mb = history_.merge_base(commit, head);
    if (!mb) {
      log_.line(fmt::format("{} and {} share no history: nothing to bisect", commit, head));
      result.verdict = "inconclusive";
      return;
    }
    log_.line("testing merge base " + *mb);
    const auto& m = tester_.test(*mb, Role::merge_base);
    if (m.verdict != Verdict::bad) {
      log_.line("the merge base " + *mb +
                " does not crash: the crash was never on the history of HEAD");
      result.verdict = "not-fixed";
      result.boundary = ref(*mb);
      return;
    }
    old_end = *mb;
  }
  bisect_range(result, head, {old_end});
}

void Bisector::posterior_range(BisectResult& result, const std::string& new_end,
                               const std::vector<std::string>& old_ends) {
  // The start commit and releases: one at a time, but for the start
  // commit's round.
  double before = opening_wall_;
  for (const auto& h : tester_.order())
    if (!opening_.count(h))
      before += tester_.find(h)->build_seconds + tester_.find(h)->test_seconds;
  std::string start_line = "# git bisect start " + new_end;
  for (const auto& o : old_ends) start_line += " " + o;
  log_.line(start_line);
  SearchOptions search_options = options_.search;
  search_options.fix = options_.fix;
  // The revert of the culprit goes where the crash was seen (it should go
  // away); the revert of the fix on the head (it should come back).
  search_options.revert_onto = options_.fix ? options_.head : options_.commit;
  if (options_.fix) search_options.start = options_.commit;
  PosteriorSearch search(history_, tester_, log_, search_options);
  auto out = search.run(new_end, old_ends);
  result.wall_seconds = before + out.wall_seconds;
  result.lent_extra_run_seconds = opening_extra_run_seconds_ + out.extra_run_seconds;
  result.verification = out.verification;
  for (const auto& [h, p] : out.candidates) result.candidates.push_back({ref(h), p});
  if (out.culprit && !out.contradiction.empty()) {
    // A result people would act on must not stand on contradicted
    // evidence: the commit is named, as a candidate, with the reason.
    result.verdict = "unverified";
    result.contradiction = out.contradiction;
    result.posterior_confidence = out.confidence;
    log_.line("verification contradicts the answer: " + out.contradiction);
    log_.line(fmt::format("{} is not confirmed as the first {} commit; the candidates are:",
                          *out.culprit, options_.fix ? "good" : "bad"));
    result.commits.push_back(ref(*out.culprit));
    log_.line(
        fmt::format("{} {} ({:.3f})", *out.culprit, result.commits.back().title, out.confidence));
    for (const auto& c : result.candidates) {
      if (c.commit.hash == *out.culprit) continue;
      result.commits.push_back(c.commit);
      log_.line(fmt::format("{} {} ({:.3f})", c.commit.hash, c.commit.title, c.probability));
    }
    // A fix shows no crash: as for `found`, no report (INTERFACE.md).
    if (!options_.fix)
      if (const auto* r = tester_.find(*out.culprit)) log_crash(*r, result);
    return;
  }
  if (out.culprit) {
    finish_found(result, *out.culprit);
    result.posterior_confidence = out.confidence;
    return;
  }
  result.verdict = "inconclusive";
  result.posterior_confidence = out.confidence;
  log_.line(fmt::format(
      "bisection is inconclusive, the first {} commit is one of (with {:.2f} together):",
      options_.fix ? "good" : "bad", options_.search.confidence));
  for (const auto& c : result.candidates) {
    result.commits.push_back(c.commit);
    log_.line(fmt::format("{} {} ({:.3f})", c.commit.hash, c.commit.title, c.probability));
  }
}

void Bisector::bisect_range(BisectResult& result, const std::string& new_end,
                            const std::vector<std::string>& old_ends) {
  if (strategy_.posterior()) {
    posterior_range(result, new_end, old_ends);
    return;
  }
  std::optional<PhaseTimer> planning(std::in_place, options_.search.times, "planning");
  auto graph = history_.load_range(new_end, old_ends);
  planning.reset();
  std::string start_line = "# git bisect start " + new_end;
  for (const auto& o : old_ends) start_line += " " + o;
  log_.line(start_line);
  auto mark = [&](DagBisection& dag, const CommitResult& r) -> std::string {
    CommitIndex i = graph.find(r.hash);
    if (r.verdict == Verdict::skip) {
      dag.mark_skip(i);
      return "skip";
    }
    if (is_new_state(r)) {
      dag.mark_bad(i);
    } else {
      if (options_.fix && r.verdict == Verdict::good)
        log_.line("commit " + r.hash +
                  " does not crash but its history never had the crash: not a fix");
      dag.mark_good(i);
    }
    // The log speaks plainly: bad crashes, good does not.
    return to_string(r.verdict);
  };
  // Every verdict known so far, in test order (releases, the start, earlier
  // steps): the DAG state is a function of them, so it can be rebuilt.
  auto replay = [&](DagBisection& dag) {
    for (const auto& h : tester_.order()) {
      CommitIndex i = graph.find(h);
      if (i == vcs::kNoCommit || h == new_end) continue;
      if (options_.fix && tester_.find(h)->verdict == Verdict::good &&
          !is_new_state(*tester_.find(h))) {
        dag.mark_good(i);
        continue;
      }
      const auto& r = *tester_.find(h);
      if (r.verdict == Verdict::skip)
        dag.mark_skip(i);
      else if (is_new_state(r))
        dag.mark_bad(i);
      else
        dag.mark_good(i);
    }
  };
  auto dag = std::make_unique<DagBisection>(graph, graph.find(new_end));
  replay(*dag);
  for (;;) {
    while (!dag->done()) {
      planning.emplace(options_.search.times, "planning");
      auto next = strategy_.pick(*dag);
      planning.reset();
      if (!next) break;
      const std::string& hash = graph.hash(*next);
      // git's wording, singular and plural included.
      auto left = dag->remaining();
      int steps = dag->estimated_steps();
      log_.line(fmt::format("Bisecting: {} revision{} left to test after this (roughly {} step{})",
                            left, left == 1 ? "" : "s", steps, steps == 1 ? "" : "s"));
      log_.line(fmt::format("[{}] {}", hash, history_.info(hash).title));
      log_.progress().phase = "bisecting";
      log_.progress().steps_left = steps;
      log_.progress().candidates = static_cast<long>(dag->candidate_count());
      const auto& r = tester_.test(hash, Role::bisect);
      std::string word = mark(*dag, r);
      ++log_.progress().step;
      log_.line(fmt::format("# git bisect {} {}", word, hash));
    }
    // The answer must not rest on a result reused from an identical binary:
    // a culprit whose binary equals its parent's is exactly where the test
    // does not follow the binary (noop changes). Test such commits for real.
    auto culprit = dag->culprit();
    if (!culprit) break;
    std::vector<std::string> check{graph.hash(*culprit)};
    for (const auto& p : history_.info(graph.hash(*culprit)).parents) check.push_back(p);
    bool changed = false;
    for (const auto& h : check) {
      const auto* r = tester_.find(h);
      if (!r || r->reused_from.empty()) continue;
      Verdict before = r->verdict;
      const auto& fresh = tester_.retest_reused(h);
      changed = changed || fresh.verdict != before;
    }
    if (!changed) break;
    log_.line("the checked results differ: bisecting on");
    dag = std::make_unique<DagBisection>(graph, graph.find(new_end));
    replay(*dag);
  }
  if (auto culprit = dag->culprit()) {
    finish_found(result, graph.hash(*culprit));
    return;
  }
  result.verdict = "inconclusive";
  log_.line(std::string("bisection is inconclusive, the first ") + (options_.fix ? "good" : "bad") +
            " commit could be any of:");
  for (auto i : dag->candidates()) {
    result.commits.push_back(ref(graph.hash(i)));
    log_.line(graph.hash(i) + " " + result.commits.back().title);
  }
}

void Bisector::finish_found(BisectResult& result, const std::string& hash) {
  result.verdict = "found";
  result.commits.push_back(ref(hash));
  const char* word = options_.fix ? "good" : "bad";
  log_.line(fmt::format("{} is the first {} commit", hash, word));
  log_.line(history_.show(hash));
  auto info = history_.info(hash);
  if (info.parents.size() == 1) {
    // Same binary as the parent: the answer is most likely wrong.
    std::string mine = tester_.signature_of(hash);
    std::string parent = tester_.signature_of(info.parents[0]);
    if (!mine.empty() && !parent.empty()) {
      log_.line("culprit signature: " + mine);
      log_.line("parent  signature: " + parent);
      result.noop_change = mine == parent;
      if (result.noop_change)
        log_.line("the culprit does not change the build result: most likely a wrong answer");
    }
  }
  result.is_release = !history_.release_tags_at(hash).empty();
  auto [to, cc] = history_.recipients(hash);
  result.to = to;
  result.cc = cc;
  if (!options_.fix) {
    if (const auto* r = tester_.find(hash)) log_crash(*r, result);
  }
}

void Bisector::log_crash(const CommitResult& r, BisectResult& result) {
  const RunSummary* best = nullptr;
  for (const auto& run : r.runs)
    if (run.status == run::RunStatus::crashed &&
        (!best || (run.title == tester_.target_title() && best->title != tester_.target_title())))
      best = &run;
  if (best) result.report = std::make_pair(best->title, best->type);
}

void Bisector::finish_common(BisectResult& result) {
  result.confidence =
      result.posterior_confidence ? *result.posterior_confidence : tester_.confidence();
  std::set<std::string> built;
  for (const auto& h : tester_.order()) {
    const auto* r = tester_.find(h);
    StepRecord s;
    s.hash = h;
    s.title = r->title;
    s.verdict = to_string(r->verdict);
    s.signature = r->signature;
    s.reused_from = r->reused_from;
    s.build_error = r->build_error;
    s.backports = r->backports;
    for (const auto& run : r->runs) {
      if (run.status == run::RunStatus::ok) ++s.ok;
      if (run.status == run::RunStatus::crashed) {
        ++s.crashed;
        s.titles.push_back(run.title);
      }
      if (run.status == run::RunStatus::untestable || run.status == run::RunStatus::infra_error)
        ++s.skipped;
    }
    if (r->reused_from.empty())
      for (const auto& run : r->runs) result.test_runs += run.inherited ? 0 : 1;
    result.build_seconds += r->build_seconds;
    result.test_seconds += r->test_seconds;
    // The revert check's commit is no commit of the repository: its runs
    // and build count in the totals, its outcome is in `verification`.
    if (result.verification && result.verification->revert.commit == h) continue;
    result.steps.push_back(std::move(s));
  }
  result.revisions_tested = static_cast<int>(result.steps.size());
  result.builds = tester_.builds();
  result.total_seconds = result.build_seconds + result.test_seconds;
  // Times differ from run to run: they all go on this one line, which
  // comparisons of logs leave out.
  log_.line(fmt::format("revisions tested: {}, total time: {} (build: {}, test: {}){}",
                        result.revisions_tested, format_duration(result.total_seconds),
                        format_duration(result.build_seconds), format_duration(result.test_seconds),
                        measure_overhead(options_.search.times, result)));
  log_.line(fmt::format("builds: {}, test runs: {}, confidence: {:.3f}", result.builds,
                        result.test_runs, result.confidence));
  if (result.verdict == "found") {
    const auto& c = result.commits.front();
    log_.line(
        fmt::format("first {} commit: {} {}", options_.fix ? "good" : "bad", c.hash, c.title));
    log_.line("recipients (to): " + quoted_list(result.to));
    log_.line("recipients (cc): " + quoted_list(result.cc));
  }
  if (result.report && result.verdict != "inconclusive") {
    log_.line("crash: " + result.report->first);
    const std::string* text = nullptr;
    const std::string& where = result.verdict == "found" || result.verdict == "unverified"
                                   ? result.commits.front().hash
                                   : (result.boundary ? result.boundary->hash : options_.commit);
    if (const auto* r = tester_.find(where))
      for (const auto& run : r->runs)
        if (run.status == run::RunStatus::crashed && run.title == result.report->first &&
            !run.report.empty()) {
          text = &run.report;
          break;
        }
    if (text) {
      std::string t = *text;
      while (!t.empty() && t.back() == '\n') t.pop_back();
      log_.line(t);
    }
  }
}

}  // namespace culprit::bisect
