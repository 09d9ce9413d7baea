#include "bisect/planner.h"

#include <algorithm>
#include <cmath>

namespace culprit::bisect {
namespace {

double entropy(double x) {
  if (x <= 0 || x >= 1) return 0;
  return -(x * std::log2(x) + (1 - x) * std::log2(1 - x));
}

// Below this, a step is not worth doing at any cost: the posterior is as
// settled as these runs can make it.
constexpr double kMinBits = 0.002;
// How many commits along the posterior's order are scored per step: exact
// bad mass needs one pass over the range per commit.
constexpr int kQuantiles = 31;

// Along a first-parent chain (newest first) the bad mass only falls: each
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
    if (post.bad_mass(chain[mid]) >= target)
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
      double below = lo < chain.size() ? post.bad_mass(chain[lo]) : 0;
      double side = post.bad_mass(ps[i]);
      if (side > 0.02)
        chain_candidates(post, ps[i], std::max(target - below, side / 2), depth - 1, out);
    }
}

}  // namespace

double expected_bits(double m, double p, double eps, int n) {
  double any_bad = 1 - std::pow(1 - p, n);
  double any_good = 1 - std::pow(1 - eps, n);
  return entropy(m * any_bad + (1 - m) * any_good) - m * entropy(any_bad) -
         (1 - m) * entropy(any_good);
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
  struct Scored {
    PlanStep step;
    double rate;  // bits per second
  };
  std::vector<Scored> scored;
  for (auto c : cand) {
    if (in.unusable.count(c)) continue;
    double m = posterior.bad_mass(c);
    double fixed = c == in.current ? 0 : in.costs.build;
    Scored best{{c, 0, 0, m}, 0};
    for (int n = 1; n <= in.max_runs; n = n < 4 ? n + 1 : n + n / 2) {
      double bits = expected_bits(m, p, eps, n);
      double rate = bits / (fixed + n * in.costs.run);
      if (bits >= kMinBits && rate > best.rate) best = {{c, n, bits, m}, rate};
    }
    if (best.step.runs > 0) scored.push_back(best);
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
