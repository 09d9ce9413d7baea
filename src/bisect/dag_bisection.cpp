#include "bisect/dag_bisection.h"

#include <algorithm>

namespace culprit::bisect {
namespace {

enum : std::uint8_t { kExcluded = 1, kSkipped = 2 };

int log2u(unsigned n) {
  int r = 0;
  while (n >>= 1) ++r;
  return r;
}

}  // namespace

DagBisection::DagBisection(const CommitGraph& graph, CommitIndex bad)
    : graph_(graph), bad_(bad), state_(graph.size(), 0) {}

void DagBisection::mark_good(CommitIndex c) {
  // The commit and everything it reaches are not the first bad commit.
  std::vector<CommitIndex> stack{c};
  while (!stack.empty()) {
    CommitIndex x = stack.back();
    stack.pop_back();
    if (state_[x] & kExcluded) continue;
    state_[x] |= kExcluded;
    for (CommitIndex p : graph_.parents(x)) stack.push_back(p);
  }
  dirty_ = true;
}

void DagBisection::mark_bad(CommitIndex c) {
  bad_ = c;
  dirty_ = true;
}

void DagBisection::mark_skip(CommitIndex c) {
  state_[c] |= kSkipped;
  dirty_ = true;
}

void DagBisection::refresh() const {
  if (!dirty_) return;
  dirty_ = false;
  const size_t n = graph_.size();
  in_.assign(n, 0);
  count_ = 0;
  if (state_[bad_] & kExcluded) {
    best_.reset();
    return;
  }
  std::vector<CommitIndex> stack{bad_};
  while (!stack.empty()) {
    CommitIndex x = stack.back();
    stack.pop_back();
    if (in_[x] || (state_[x] & kExcluded)) continue;
    in_[x] = 1;
    ++count_;
    for (CommitIndex p : graph_.parents(x)) stack.push_back(p);
  }
  // Reachable-candidate counts, parents before children: a commit with one
  // candidate parent reaches exactly one more than it; a merge is counted
  // with a walk (git's approach, exact).
  weight_.assign(n, 0);
  best_.reset();
  best_reach_ = 0;
  std::uint32_t best_score = 0;
  const std::uint32_t all = count_;
  const auto& topo = graph_.topo_order();
  std::vector<std::uint32_t> seen(n, 0);
  std::uint32_t epoch = 0;
  for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
    CommitIndex c = *it;
    if (!in_[c]) continue;
    CommitIndex only = vcs::kNoCommit;
    int parents_in = 0;
    for (CommitIndex p : graph_.parents(c))
      if (in_[p]) {
        ++parents_in;
        only = p;
      }
    if (parents_in == 0) {
      weight_[c] = 1;
    } else if (parents_in == 1) {
      weight_[c] = weight_[only] + 1;
    } else {
      ++epoch;
      std::uint32_t w = 0;
      std::vector<CommitIndex> walk{c};
      while (!walk.empty()) {
        CommitIndex x = walk.back();
        walk.pop_back();
        if (seen[x] == epoch || !in_[x]) continue;
        seen[x] = epoch;
        ++w;
        for (CommitIndex p : graph_.parents(x)) walk.push_back(p);
      }
      weight_[c] = w;
    }
  }
  // Best halving among testable commits; ties go to the newest (children-
  // first order), as git's list order does.
  for (CommitIndex c : topo) {
    if (!in_[c] || c == bad_ || (state_[c] & kSkipped)) continue;
    std::uint32_t w = weight_[c];
    std::uint32_t score = std::min(w, all - w);
    if (score > best_score) {
      best_score = score;
      best_ = c;
      best_reach_ = w;
      if (2 * score >= all - 1) break;  // cannot do better than half
    }
  }
}

std::optional<CommitIndex> DagBisection::next() const {
  refresh();
  return best_;
}

std::vector<CommitIndex> DagBisection::candidates() const {
  refresh();
  std::vector<CommitIndex> out;
  for (CommitIndex c : graph_.topo_order())
    if (in_[c]) out.push_back(c);
  return out;
}

std::size_t DagBisection::remaining() const {
  refresh();
  if (count_ == 0) return 0;
  if (!best_) return count_ - 1;
  return count_ - best_reach_ - 1;
}

bool DagBisection::done() const {
  refresh();
  return !best_;
}

std::optional<CommitIndex> DagBisection::culprit() const {
  refresh();
  if (count_ == 1) return bad_;
  return std::nullopt;
}

int DagBisection::estimated_steps() const {
  refresh();
  unsigned all = count_;
  if (all < 3) return 0;
  int n = log2u(all);
  unsigned e = 1u << n;
  unsigned x = all - e;
  return e < 3 * x ? n : n - 1;
}

}  // namespace culprit::bisect
