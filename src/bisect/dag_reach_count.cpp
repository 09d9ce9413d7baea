#include "bisect/dag_reach_count.h"

#include <algorithm>
#include <bit>

namespace culprit::bisect {
namespace {

constexpr std::size_t kWords = 8;  // 512 candidates per block
constexpr std::size_t kBlock = 64 * kWords;

}  // namespace

bool ReachCounter::count(const std::vector<std::uint8_t>& in_set, std::uint32_t in_count,
                         vcs::CommitIndex bad, std::vector<std::uint32_t>& weight) {
  weight.assign(graph_.size(), 0);
  if (in_count <= exact_limit_) {
    count_exact(in_set, weight);
    return true;
  }
  count_first_parent_chain(in_set, bad, weight);
  return false;
}

void ReachCounter::count_exact(const std::vector<std::uint8_t>& in_set,
                               std::vector<std::uint32_t>& weight) {
  // Candidates parents first, with their candidate parents as positions.
  const auto& topo = graph_.topo_order();
  std::vector<vcs::CommitIndex> order;
  std::vector<std::uint32_t> pos(graph_.size(), 0);
  for (auto it = topo.rbegin(); it != topo.rend(); ++it)
    if (in_set[*it]) {
      pos[*it] = static_cast<std::uint32_t>(order.size());
      order.push_back(*it);
    }
  const std::size_t n = order.size();
  std::vector<std::uint32_t> offsets(n + 1, 0), parents;
  for (std::size_t i = 0; i < n; ++i) {
    for (vcs::CommitIndex p : graph_.parents(order[i]))
      if (in_set[p]) parents.push_back(pos[p]);
    offsets[i + 1] = static_cast<std::uint32_t>(parents.size());
  }
  std::vector<std::uint32_t> count(n, 0);
  std::vector<std::uint64_t> bits(n * kWords);
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t end = std::min(n, start + kBlock);
    for (std::size_t i = start; i < n; ++i) {
      std::uint64_t* mine = &bits[i * kWords];
      std::fill(mine, mine + kWords, 0);
      if (i < end) mine[(i - start) / 64] |= std::uint64_t{1} << ((i - start) % 64);
      bool any = i < end;
      for (std::uint32_t k = offsets[i]; k < offsets[i + 1]; ++k) {
        const std::uint32_t p = parents[k];
        if (p < start) continue;  // older than the block: reaches none of it
        const std::uint64_t* theirs = &bits[p * kWords];
        for (std::size_t w = 0; w < kWords; ++w) mine[w] |= theirs[w];
        any = true;
      }
      if (!any) continue;
      std::uint32_t c = 0;
      for (std::size_t w = 0; w < kWords; ++w)
        c += static_cast<std::uint32_t>(std::popcount(mine[w]));
      count[i] += c;
    }
  }
  for (std::size_t i = 0; i < n; ++i) weight[order[i]] = count[i];
}

void ReachCounter::count_first_parent_chain(const std::vector<std::uint8_t>& in_set,
                                            vcs::CommitIndex bad,
                                            std::vector<std::uint32_t>& weight) {
  std::vector<vcs::CommitIndex> chain;
  for (vcs::CommitIndex c = bad; c != vcs::kNoCommit;) {
    chain.push_back(c);
    vcs::CommitIndex next = vcs::kNoCommit;
    for (vcs::CommitIndex p : graph_.parents(c))
      if (in_set[p]) {
        next = p;
        break;
      }
    c = next;
  }
  std::vector<std::uint8_t> covered(graph_.size(), 0);
  std::vector<vcs::CommitIndex> stack;
  std::uint32_t reached = 0;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    stack.assign(1, *it);
    while (!stack.empty()) {
      const vcs::CommitIndex x = stack.back();
      stack.pop_back();
      if (covered[x] || !in_set[x]) continue;
      covered[x] = 1;
      ++reached;
      for (vcs::CommitIndex p : graph_.parents(x)) stack.push_back(p);
    }
    weight[*it] = reached;
  }
}

}  // namespace culprit::bisect
