// Hand-built histories for the DAG bisection tests. Commits are written
// oldest first (parents before children) and named "c<i>"; they are added to
// the CommitGraph newest first, the order of `git rev-list`, which is the
// order DagBisection's tie-breaking expects.
#pragma once

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "vcs/commit_graph.h"

namespace culprit::bisect::testing {

struct Dag {
  std::vector<std::vector<int>> parents;  // oldest first
  vcs::CommitGraph graph;

  static std::string name(int i) {
    std::string n = std::to_string(i);
    return "c" + std::string(n.size() < 4 ? 4 - n.size() : 0, '0') + n;  // hash order = age order
  }
  vcs::CommitIndex at(int i) const { return graph.find(name(i)); }
  int id(vcs::CommitIndex c) const { return std::stoi(graph.hash(c).substr(1)); }
};

// The range `tip --not goods`: the graph holds only what git rev-list lists.
inline Dag make_dag(std::vector<std::vector<int>> parents, int tip, std::vector<int> goods = {}) {
  Dag d;
  d.parents = std::move(parents);
  const int n = static_cast<int>(d.parents.size());
  std::vector<char> below_good(n, 0), below_tip(n, 0);
  auto mark = [&](int from, std::vector<char>& seen) {
    std::vector<int> stack{from};
    while (!stack.empty()) {
      int c = stack.back();
      stack.pop_back();
      if (seen[c]) continue;
      seen[c] = 1;
      for (int p : d.parents[c]) stack.push_back(p);
    }
  };
  for (int g : goods) mark(g, below_good);
  mark(tip, below_tip);
  for (int i = n - 1; i >= 0; --i)
    if (below_tip[i] && !below_good[i]) d.graph.add_commit(Dag::name(i));
  for (int i = 0; i < n; ++i) {
    auto c = d.graph.find(Dag::name(i));
    if (c == vcs::kNoCommit) continue;
    for (int p : d.parents[i])
      if (auto pc = d.graph.find(Dag::name(p)); pc != vcs::kNoCommit) d.graph.add_parent(c, pc);
  }
  d.graph.finish();
  return d;
}

inline std::vector<std::vector<int>> linear(int n) {
  std::vector<std::vector<int>> p(n);
  for (int i = 1; i < n; ++i) p[i] = {i - 1};
  return p;
}

// Oldest first, one root and one tip: branches forked anywhere, merges of
// two heads, now and then a third (octopus) parent that may be redundant.
inline std::vector<std::vector<int>> random_parents(std::mt19937& rng, int n) {
  std::vector<std::vector<int>> p(1);
  std::vector<int> heads(1, 0);
  auto pick = [&](std::size_t k) { return static_cast<int>(rng() % k); };
  while (static_cast<int>(p.size()) < n) {
    const int c = static_cast<int>(p.size());
    const int r = pick(100);
    if (r < 15 || (r >= 75 && heads.size() == 1)) {  // a branch from anywhere older
      p.emplace_back(1, pick(static_cast<std::size_t>(c)));
      heads.push_back(c);
    } else if (r < 75) {
      const int h = pick(heads.size());
      p.emplace_back(1, heads[h]);
      heads[h] = c;
    } else {
      const int a = pick(heads.size());
      const int b = pick(heads.size());
      if (a == b) continue;
      std::vector<int> ps{heads[a], heads[b]};
      if (r > 95) ps.push_back(pick(static_cast<std::size_t>(c)));  // octopus, maybe redundant
      std::sort(ps.begin() + 1, ps.end());
      ps.erase(std::unique(ps.begin() + 1, ps.end()), ps.end());
      if (std::find(ps.begin() + 1, ps.end(), ps[0]) != ps.end()) continue;
      p.push_back(ps);
      heads[a] = c;
      heads.erase(heads.begin() + b);
    }
  }
  while (heads.size() > 1) {
    p.push_back({heads[0], heads.back()});
    heads.pop_back();
    heads[0] = static_cast<int>(p.size()) - 1;
  }
  return p;
}

// ancestors[c][a]: a is reachable from c (itself included). Oldest first.
inline std::vector<std::vector<char>> ancestor_matrix(
    const std::vector<std::vector<int>>& parents) {
  const std::size_t n = parents.size();
  std::vector<std::vector<char>> anc(n, std::vector<char>(n, 0));
  for (std::size_t c = 0; c < n; ++c) {
    anc[c][c] = 1;
    for (int p : parents[c])
      for (std::size_t a = 0; a <= static_cast<std::size_t>(p); ++a) anc[c][a] |= anc[p][a];
  }
  return anc;
}

}  // namespace culprit::bisect::testing
