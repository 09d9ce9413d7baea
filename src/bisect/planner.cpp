#include "bisect/planner.h"

#include <algorithm>
#include <cmath>

namespace culprit::bisect {
namespace {

double entropy(double x) {
  if (x <= 0 || x >= 1) return 0;
  return -(x * std::log2(x) + (1 - x) * std::log2(1 - x));
}

// How many commits along the posterior's order are scored per step: exact
// bad mass needs one pass over the range per commit.
constexpr int kQuantiles = 31;

// Along a first-parent chain (newest first) the mass below only falls: each
// commit's ancestors include the next one's. Binary search finds where it
// crosses `target`; both neighbours become candidates. A merge just above
// the crossing may hide the mass in its side branch: that branch's chain is
// searched too, a few levels deep.
void chain_candidates(Posterior& post, vcs::CommitIndex top, double target, int depth,
                      std::set<vcs::CommitIndex>& out) {
  std::vector<vcs::CommitIndex> chain;
  for (auto c = top;;) {
    chain.push_back(c);
    auto ps = post.graph().parents(c);
    if (ps.empty()) break;
    c = ps[0];
  }
  std::size_t lo = 0, hi = chain.size();  // first index with mass < target
  while (lo < hi) {
    std::size_t mid = (lo + hi) / 2;
    if (post.below_mass(chain[mid]) >= target)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < chain.size()) out.insert(chain[lo]);
  if (lo == 0) return;
  auto above = chain[lo - 1];
  out.insert(above);
  auto ps = post.graph().parents(above);
  if (depth > 0)
    for (std::size_t i = 1; i < ps.size(); ++i) {
      // The side branch holds the mass the first parent does not.
      double below = lo < chain.size() ? post.below_mass(chain[lo]) : 0;
      double side = post.below_mass(ps[i]);
      if (side > 0.02)
        chain_candidates(post, ps[i], std::max(target - below, side / 2), depth - 1, out);
    }
}

}  // namespace

double expected_bits(double m, double p, double eps, double n) {
  double any_bad = 1 - std::pow(1 - p, n);
  double any_good = 1 - std::pow(1 - eps, n);
  return entropy(m * any_bad + (1 - m) * any_good) - m * entropy(any_bad) -
         (1 - m) * entropy(any_good);
}

double expected_runs(double m, double p, int n) {
  // A bad commit's runs end at the first crash, after (1 - (1 - p)^n) / p
  // runs on average.
  return (1 - m) * n + m * (1 - std::pow(1 - p, n)) / p;
}

double expected_bits_about(double m, double pb, bool b_bad, double p, double eps, double n) {
  if (pb <= 0 || pb >= 1) return 0;
  double any_bad = 1 - std::pow(1 - p, n);
  double any_good = 1 - std::pow(1 - eps, n);
  // If b is the culprit, the commit is bad exactly when b_bad; if not, it is
  // bad with the rest of its bad mass.
  double if_b = b_bad ? any_bad : any_good;
  double rest = std::clamp((m - (b_bad ? pb : 0)) / (1 - pb), 0.0, 1.0);
  double if_not = rest * any_bad + (1 - rest) * any_good;
  return entropy(m * any_bad + (1 - m) * any_good) - pb * entropy(if_b) -
         (1 - pb) * entropy(if_not);
}

std::vector<PlanStep> plan(Posterior& posterior, const PlanInput& in) {
  const auto& graph = posterior.graph();
  const double p = std::clamp(posterior.rate(), 0.02, 0.99);
  constexpr double eps = 0.005;
  // Candidates: commits at quantiles of the posterior mass along the
  // parents-first order (for a linear history the mass below a commit is
  // exactly that cumulative sum), plus every commit tested so far.
  std::vector<vcs::CommitIndex> order(graph.topo_order().rbegin(), graph.topo_order().rend());
  std::set<vcs::CommitIndex> cand(in.built.begin(), in.built.end());
  if (in.current != vcs::kNoCommit) cand.insert(in.current);
  int quantiles = std::max(kQuantiles, 8 * in.slots);
  double sum = 0;
  int next_q = 1;
  for (auto c : order) {
    sum += posterior.prob(c);
    while (next_q <= quantiles && sum >= double(next_q) / (quantiles + 1)) {
      cand.insert(c);
      ++next_q;
    }
  }
  // The bad end is the one commit whose reach is the whole range.
  vcs::CommitIndex tip = graph.topo_order().empty() ? vcs::kNoCommit : graph.topo_order().front();
  if (tip != vcs::kNoCommit)
    for (int i = 1; i <= in.slots; ++i)
      chain_candidates(posterior, tip, double(i) / (in.slots + 1), 4, cand);
  // The best candidate and its parents: the tests that settle it.
  const vcs::CommitIndex best_commit = posterior.best();
  const double best_p = posterior.prob(best_commit);
  cand.insert(best_commit);
  for (auto parent : graph.parents(best_commit)) cand.insert(parent);
  struct Scored {
    PlanStep step;
    double rate;  // bits per second
  };
  std::vector<Scored> scored;
  for (auto c : cand) {
    if (in.unusable.count(c)) continue;
    double m = posterior.bad_mass(c);
    if (std::min(m, 1 - m) < in.settled) continue;
    auto share = in.informative.find(c);
    double f = share == in.informative.end() ? 1.0 : std::clamp(share->second, 0.05, 1.0);
    // Cause: c is bad under the best culprit when it is below c; fix: when
    // the best fix is not.
    bool best_bad = (posterior.reach(c)[best_commit] != 0) != posterior.fix();
    double fixed = c == in.current ? 0 : in.costs.build;
    Scored best{{c, 0, 0, m}, -1};
    for (int n = 1; n <= in.max_runs; n = n < 4 ? n + 1 : n + n / 2) {
      double bits = expected_bits(m, p, eps, n * f);
      // Near the end (one commit holds most of the mass), what settles it
      // counts twice; before, splitting the mass is what pays.
      double focus = best_p >= 0.5 ? expected_bits_about(m, best_p, best_bad, p, eps, n * f) : 0;
      double rate = (bits + focus) / (fixed + expected_runs(m, p, n) * in.costs.run);
      if (rate > best.rate) best = {{c, n, bits, m}, rate};
    }
    scored.push_back(best);
  }
  std::vector<PlanStep> out;
  if (scored.empty()) return out;
  if (in.slots <= 1) {
    auto it = std::max_element(scored.begin(), scored.end(),
                               [](const auto& a, const auto& b) { return a.rate < b.rate; });
    out.push_back(it->step);
    return out;
  }
  // K at a time: commits whose bad mass is nearest to the K+1-quantiles, so
  // that together the answers split the posterior into K+1 parts.
  std::set<vcs::CommitIndex> taken;
  for (int i = 1; i <= in.slots; ++i) {
    double target = double(i) / (in.slots + 1);
    const Scored* pick = nullptr;
    for (const auto& s : scored) {
      if (taken.count(s.step.commit)) continue;
      if (!pick || std::abs(s.step.bad_mass - target) < std::abs(pick->step.bad_mass - target))
        pick = &s;
    }
    if (!pick) break;
    taken.insert(pick->step.commit);
    out.push_back(pick->step);
  }
  return out;
}

}  // namespace culprit::bisect
