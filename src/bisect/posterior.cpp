#include "bisect/posterior.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace culprit::bisect {

const std::vector<double>& rate_grid() {
  // Denser at low rates: that is where the number of runs matters most.
  static const std::vector<double> grid{0.03, 0.06, 0.1,  0.15, 0.2, 0.3,
                                        0.4,  0.5,  0.65, 0.8,  0.9, 0.97};
  return grid;
}

Posterior::Posterior(const vcs::CommitGraph& graph, PosteriorConfig config)
    : graph_(graph), config_(config), post_(graph.size(), 0) {
  update();
}

void Posterior::set_group(const std::string& key, std::vector<vcs::CommitIndex> members,
                          double crashed, int ok) {
  if (members.empty()) {
    groups_.erase(key);
    return;
  }
  groups_[key] = {std::move(members), crashed, ok};
}

void Posterior::set_revert(vcs::CommitIndex x, vcs::CommitIndex onto, double crashed, int ok) {
  reverts_[x] = {onto, crashed, ok};
}

const std::vector<std::uint8_t>& Posterior::reach(vcs::CommitIndex c) {
  auto it = reach_.find(c);
  if (it != reach_.end()) return it->second;
  std::vector<std::uint8_t> seen(graph_.size(), 0);
  std::vector<vcs::CommitIndex> stack{c};
  seen[c] = 1;
  while (!stack.empty()) {
    auto x = stack.back();
    stack.pop_back();
    for (auto p : graph_.parents(x))
      if (!seen[p]) {
        seen[p] = 1;
        stack.push_back(p);
      }
  }
  return reach_.emplace(c, std::move(seen)).first->second;
}

void Posterior::set_anchor(const std::string& key, double crashed, int ok) {
  anchors_[key] = {crashed, ok};
}

void Posterior::update() {
  const auto& grid = rate_grid();
  const std::size_t n = graph_.size();
  const bool fix = config_.fix;
  const double le1 = std::log(config_.eps), le0 = std::log1p(-config_.eps);
  // A hypothesis' log-likelihood is linear in log p and log(1 - p) over the
  // groups it makes bad: crashes * log p + clean runs * log(1 - p), plus the
  // groups it makes good at eps. One pass over the groups gathers the
  // coefficients; the rate grid then costs one pass over the range each.
  // Index n is "none".
  std::vector<double> crashes(n + 1, 0), cleans(n + 1, 0), good(n + 1, 0);
  auto add = [&](std::size_t x, bool bad, double crashed, int ok, double lgood) {
    if (bad) {
      crashes[x] += crashed;
      cleans[x] += ok;
    } else {
      good[x] += lgood;
    }
  };
  struct Mixed {
    vcs::CommitIndex x;
    const Group* g;
  };
  std::vector<Mixed> mixed;  // straddling a binary-identical group: rare
  std::vector<std::uint16_t> cnt(n);
  for (const auto& [key, g] : groups_) {
    const double lgood = g.crashed * le1 + g.ok * le0;
    // No culprit in range: every commit good; no fix in range: every
    // commit still crashes.
    add(n, fix, g.crashed, g.ok, lgood);
    if (g.members.size() == 1) {
      const auto& r = reach(g.members[0]);
      // Cause: bad when the culprit is below; fix: when the fix is not.
      for (std::size_t x = 0; x < n; ++x) add(x, (r[x] != 0) != fix, g.crashed, g.ok, lgood);
      continue;
    }
    std::fill(cnt.begin(), cnt.end(), 0);
    for (auto m : g.members) {
      const auto& r = reach(m);
      for (std::size_t x = 0; x < n; ++x) cnt[x] += r[x];
    }
    const auto all = static_cast<std::uint16_t>(g.members.size());
    for (std::size_t x = 0; x < n; ++x) {
      if (cnt[x] == all)
        add(x, !fix, g.crashed, g.ok, lgood);
      else if (cnt[x] == 0)
        add(x, fix, g.crashed, g.ok, lgood);
      else
        mixed.push_back({static_cast<vcs::CommitIndex>(x), &g});
    }
  }
  for (const auto& [key, a] : anchors_)
    for (std::size_t x = 0; x <= n; ++x) add(x, true, a.first, a.second, 0);
  // The revert of x under "x is it" is a mixture, once per revert (not per
  // run): fix bisection, the crash comes back at the rate p, unless
  // something else fixed it too (revert_eps of the time); cause, the revert
  // is as clean as a good commit (eps), unless reverting x left another way
  // to the crash (revert_eps of the time: then it crashes at p).
  struct Mixture {
    vcs::CommitIndex x;
    double crashed;
    int ok;
    double log_w_rate, log_w_eps;  // log weights of the two branches
  };
  const double log_re = std::log(config_.revert_eps), log_not_re = std::log1p(-config_.revert_eps);
  std::vector<Mixture> mixtures;
  for (const auto& [x, g] : reverts_) {
    const double lgood = g.crashed * le1 + g.ok * le0;
    const std::vector<std::uint8_t>* held = g.onto == vcs::kNoCommit ? nullptr : &reach(g.onto);
    if (fix) {
      // Under another fix that the revert's tree holds, it stays fixed; under
      // one it does not hold, or none, it crashes.
      add(n, true, g.crashed, g.ok, lgood);
      for (std::size_t y = 0; y < n; ++y)
        if (y != x) add(y, held && !(*held)[y], g.crashed, g.ok, lgood);
      mixtures.push_back({x, g.crashed, g.ok, log_not_re, log_re});
      continue;
    }
    good[n] += lgood;
    for (std::size_t y = 0; y < n; ++y) {
      if (held && !(*held)[y]) {
        good[y] += lgood;  // the revert's tree does not have that culprit
        continue;
      }
      crashes[y] += g.crashed;
      cleans[y] += g.ok;
    }
    // Taken back for x itself, which the revert removes.
    if (held && !(*held)[x]) {
      good[x] -= lgood;
    } else {
      crashes[x] -= g.crashed;
      cleans[x] -= g.ok;
    }
    mixtures.push_back({x, g.crashed, g.ok, log_re, log_not_re});
  }
  good[n] += std::log(config_.none_prior) - std::log1p(-config_.none_prior) + std::log(double(n));
  // Joint log-likelihood per (rate, hypothesis); the last column is "none".
  std::vector<std::vector<double>> ll(grid.size(), std::vector<double>(n + 1, 0));
  double top = -INFINITY;
  for (std::size_t k = 0; k < grid.size(); ++k) {
    const double lp1 = std::log(grid[k]), lp0 = std::log1p(-grid[k]);
    auto& row = ll[k];
    for (std::size_t x = 0; x <= n; ++x) row[x] = crashes[x] * lp1 + cleans[x] * lp0 + good[x];
    for (const auto& m : mixed) {
      const double lbad = m.g->crashed * lp1 + m.g->ok * lp0;
      const double lgood = m.g->crashed * le1 + m.g->ok * le0;
      row[m.x] += std::min(lbad, lgood);
    }
    for (const auto& m : mixtures) {
      const double at_rate = m.log_w_rate + m.crashed * lp1 + m.ok * lp0;
      const double at_eps = m.log_w_eps + m.crashed * le1 + m.ok * le0;
      const double hi = std::max(at_rate, at_eps);
      row[m.x] += hi + std::log(std::exp(at_rate - hi) + std::exp(at_eps - hi));
    }
    for (double v : row) top = std::max(top, v);
  }
  std::fill(post_.begin(), post_.end(), 0.0);
  double total = 0, none = 0, rate_num = 0, rate_den = 0;
  for (std::size_t k = 0; k < grid.size(); ++k) {
    double row_mass = 0;
    for (std::size_t x = 0; x < n; ++x) {
      const double d = ll[k][x] - top;
      const double w = d < -60 ? 0.0 : std::exp(d);  // below 1e-26: nothing
      post_[x] += w;
      row_mass += w;
    }
    double wn = std::exp(ll[k][n] - top);
    none += wn;
    total += row_mass + wn;
    rate_num += grid[k] * row_mass;
    rate_den += row_mass;
  }
  for (auto& v : post_) v /= total;
  none_ = none / total;
  rate_ = rate_den > 0 ? rate_num / rate_den : 0.5;
}

vcs::CommitIndex Posterior::best() const {
  return static_cast<vcs::CommitIndex>(std::max_element(post_.begin(), post_.end()) -
                                       post_.begin());
}

double Posterior::below_mass(vcs::CommitIndex c) {
  const auto& r = reach(c);
  double m = 0;
  for (std::size_t x = 0; x < r.size(); ++x)
    if (r[x]) m += post_[x];
  return m;
}

double Posterior::bad_mass(vcs::CommitIndex c) {
  return config_.fix ? std::max(0.0, 1 - below_mass(c)) : below_mass(c);
}

std::vector<vcs::CommitIndex> Posterior::smallest_set(double mass) const {
  std::vector<vcs::CommitIndex> order(post_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return post_[a] > post_[b]; });
  std::vector<vcs::CommitIndex> out;
  double sum = 0;
  for (auto x : order) {
    if (sum >= mass) break;
    out.push_back(x);
    sum += post_[x];
  }
  return out;
}

}  // namespace culprit::bisect
