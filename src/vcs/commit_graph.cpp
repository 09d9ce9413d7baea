#include "vcs/commit_graph.h"

#include <algorithm>
#include <stdexcept>

namespace culprit::vcs {

CommitIndex CommitGraph::add_commit(std::string hash) {
  auto [it, inserted] = index_.try_emplace(hash, static_cast<CommitIndex>(hashes_.size()));
  if (inserted) hashes_.push_back(std::move(hash));
  return it->second;
}

void CommitGraph::add_parent(CommitIndex child, CommitIndex parent) { pending_.emplace_back(child, parent); }

CommitIndex CommitGraph::find(std::string_view hash) const {
  auto it = index_.find(std::string(hash));
  return it == index_.end() ? kNoCommit : it->second;
}

void CommitGraph::finish() {
  const size_t n = hashes_.size();
  // Keep the order in which parents were added (first parent first).
  std::stable_sort(pending_.begin(), pending_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  offsets_.assign(n + 1, 0);
  parents_.clear();
  parents_.reserve(pending_.size());
  for (auto [child, parent] : pending_) {
    if (child >= n || parent >= n) throw std::out_of_range("CommitGraph: parent link to unknown commit");
    offsets_[child + 1]++;
    parents_.push_back(parent);
  }
  for (size_t i = 0; i < n; ++i) offsets_[i + 1] += offsets_[i];
  pending_.clear();
  pending_.shrink_to_fit();

  // Topological order, children first: Kahn's algorithm on child counts.
  std::vector<std::uint32_t> children(n, 0);
  for (CommitIndex p : parents_) children[p]++;
  topo_.clear();
  topo_.reserve(n);
  for (CommitIndex i = 0; i < n; ++i)
    if (children[i] == 0) topo_.push_back(i);
  for (size_t k = 0; k < topo_.size(); ++k) {
    CommitIndex c = topo_[k];
    for (CommitIndex p : parents(c))
      if (--children[p] == 0) topo_.push_back(p);
  }
  if (topo_.size() != n) throw std::runtime_error("CommitGraph: history has a cycle");
}

}  // namespace culprit::vcs
