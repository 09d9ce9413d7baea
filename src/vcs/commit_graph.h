// A range of history in compact arrays: commits are indices 0..size()-1,
// parents are stored CSR-style. Parents outside the range are dropped, so
// the graph is exactly the set of candidates git bisect would consider
// (`git rev-list BAD --not GOOD...`). Plain data, no libgit2: the simulator
// builds these directly.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace culprit::vcs {

using CommitIndex = std::uint32_t;
inline constexpr CommitIndex kNoCommit = 0xffffffffu;

class CommitGraph {
 public:
  // Commits must be added parents-first? No: any order; call finish() once
  // all commits and parent links are in.
  CommitIndex add_commit(std::string hash);
  void add_parent(CommitIndex child, CommitIndex parent);  // before finish()
  void finish();

  std::size_t size() const { return hashes_.size(); }
  const std::string& hash(CommitIndex i) const { return hashes_[i]; }
  CommitIndex find(std::string_view hash) const;  // kNoCommit when absent
  std::span<const CommitIndex> parents(CommitIndex i) const {
    return {parents_.data() + offsets_[i], parents_.data() + offsets_[i + 1]};
  }
  // Children-before-parents order (a topological order with the newest first).
  const std::vector<CommitIndex>& topo_order() const { return topo_; }

 private:
  std::vector<std::string> hashes_;
  std::unordered_map<std::string, CommitIndex> index_;
  std::vector<std::pair<CommitIndex, CommitIndex>> pending_;  // (child, parent) before finish()
  std::vector<std::uint32_t> offsets_;
  std::vector<CommitIndex> parents_;
  std::vector<CommitIndex> topo_;
};

}  // namespace culprit::vcs
