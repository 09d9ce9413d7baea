// Number of candidates each candidate reaches (its ancestors within the
// candidate set, itself included): git bisect's "weight".
//
// Exact: naive counting walks the whole ancestry of every merge (O(N * M));
// git saves time by stopping at the first commit found at the half, which
// we cannot do without giving up its tie-breaking. Here all N counts come
// from bit sets over blocks of 512 candidates in parents-first order: a
// commit's set is its parents' sets plus itself, and only commits from the
// block's start onwards can hold a bit, so the total is about N^2/128
// 64-bit word operations, with no per-merge walk.
//
// Approximate, above kExactLimit candidates (the quadratic term would take
// seconds): exact counts only for the first-parent chain of the bad commit,
// in one linear sweep (each chain commit reaches the previous one's
// ancestry plus what its merge brings in, and every candidate is brought in
// once). The bisection then picks among that chain only.
#pragma once

#include <cstdint>
#include <vector>

#include "vcs/commit_graph.h"

namespace culprit::bisect {

class ReachCounter {
 public:
  static constexpr std::size_t kExactLimit = 250'000;

  explicit ReachCounter(const vcs::CommitGraph& graph) : graph_(graph) {}

  // weight[c] for every c with in_set[c]; other entries are 0. Returns false
  // when the range is too large for exact counts: then only the commits on
  // the first-parent chain from `bad` have a weight (the rest 0).
  bool count(const std::vector<std::uint8_t>& in_set, std::uint32_t in_count, vcs::CommitIndex bad,
             std::vector<std::uint32_t>& weight);
  void set_exact_limit(std::size_t limit) { exact_limit_ = limit; }

 private:
  void count_exact(const std::vector<std::uint8_t>& in_set, std::vector<std::uint32_t>& weight);
  void count_first_parent_chain(const std::vector<std::uint8_t>& in_set, vcs::CommitIndex bad,
                                std::vector<std::uint32_t>& weight);

  const vcs::CommitGraph& graph_;
  std::size_t exact_limit_ = kExactLimit;
};

}  // namespace culprit::bisect
