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

std::uint32_t floor_sqrt(std::uint32_t v) {
  std::uint32_t r = 0;
  while ((r + 1) * (r + 1) <= v) ++r;
  return r;
}

}  // namespace

std::size_t git_skip_away_index(std::size_t count) {
  // git's generator is seeded with the count itself, so the pick is a fixed
  // function of it; 32-bit wrap-around as in git. git multiplies in int,
  // which overflows beyond 65536 commits: 64 bits keep the intent there.
  constexpr std::uint32_t kModulo = 32768;
  const std::uint32_t seed = static_cast<std::uint32_t>(count) * 1103515245u + 12345u;
  const std::uint32_t prn = (seed / 65536) % kModulo;
  const std::uint64_t scaled = static_cast<std::uint64_t>(count) * prn / kModulo;
  return static_cast<std::size_t>(scaled * floor_sqrt(prn) / floor_sqrt(kModulo));
}

DagBisection::DagBisection(const CommitGraph& graph, CommitIndex bad)
    : graph_(graph), bad_(bad), state_(graph.size(), 0), counter_(graph) {}

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
  candidates_valid_ = false;
  weights_valid_ = false;
  dirty_ = true;
}

void DagBisection::mark_bad(CommitIndex c) {
  state_[c] &= static_cast<std::uint8_t>(~kSkipped);  // the latest verdict wins
  if (candidates_valid_ && weights_valid_ && in_[c] && weight_[c] > 0) {
    // Restrict to the ancestors of the new bad end: their weights stand
    // (and its first-parent chain is a part of the old one).
    std::vector<std::uint8_t> below(graph_.size(), 0);
    std::vector<CommitIndex> stack{c};
    count_ = 0;
    while (!stack.empty()) {
      CommitIndex x = stack.back();
      stack.pop_back();
      if (below[x] || !in_[x]) continue;
      below[x] = 1;
      ++count_;
      for (CommitIndex p : graph_.parents(x)) stack.push_back(p);
    }
    in_ = std::move(below);
  } else {
    candidates_valid_ = false;
    weights_valid_ = false;
  }
  bad_ = c;
  dirty_ = true;
}

void DagBisection::mark_skip(CommitIndex c) {
  state_[c] |= kSkipped;
  ever_skipped_ = true;
  dirty_ = true;
}

void DagBisection::collect_candidates() const {
  in_.assign(graph_.size(), 0);
  count_ = 0;
  if (state_[bad_] & kExcluded) return;
  std::vector<CommitIndex> stack{bad_};
  while (!stack.empty()) {
    CommitIndex x = stack.back();
    stack.pop_back();
    if (in_[x] || (state_[x] & kExcluded)) continue;
    in_[x] = 1;
    ++count_;
    for (CommitIndex p : graph_.parents(x)) stack.push_back(p);
  }
}

void DagBisection::refresh() const {
  if (!dirty_) return;
  dirty_ = false;
  if (!candidates_valid_) {
    collect_candidates();
    candidates_valid_ = true;
  }
  if (!weights_valid_) {
    exact_ = counter_.count(in_, count_, bad_, weight_);
    weights_valid_ = true;
  }
  pick_.reset();
  ranked_first_reach_ = 0;
  if (count_ <= 1) return;
  if (ever_skipped_)
    pick_with_skips();
  else
    pick_without_skips();
}

std::uint32_t DagBisection::score(CommitIndex c) const {
  return std::min(weight_[c], count_ - weight_[c]);
}

// git walks its list oldest first: merges at the half, then single-parent
// commits at the half, then the first best score.
void DagBisection::pick_without_skips() const {
  std::optional<CommitIndex> single_half, best;
  std::uint32_t best_score = 0;
  for (CommitIndex c = static_cast<CommitIndex>(graph_.size()); c-- > 0;) {
    if (!in_[c] || weight_[c] == 0) continue;  // 0: not counted (approximate mode)
    const std::int64_t diff = 2 * static_cast<std::int64_t>(weight_[c]) - count_;
    if (diff >= -1 && diff <= 1) {
      int parents_in = 0;
      for (CommitIndex p : graph_.parents(c)) parents_in += in_[p];
      if (parents_in >= 2) {
        best = c;  // nothing beats it
        single_half.reset();
        break;
      }
      if (parents_in == 1 && !single_half) single_half = c;
    }
    if (score(c) > best_score) {
      best_score = score(c);
      best = c;
    }
  }
  pick_ = single_half ? single_half : best;
  ranked_first_reach_ = weight_[*pick_];
}

bool DagBisection::ranks_before(CommitIndex a, CommitIndex b) const {
  const std::uint32_t sa = score(a), sb = score(b);
  if (sa != sb) return sa > sb;
  return graph_.hash(a) < graph_.hash(b);
}

void DagBisection::pick_with_skips() const {
  std::optional<CommitIndex> first;
  std::vector<CommitIndex> untested;  // candidates not skipped, bad included
  for (CommitIndex c = 0; c < graph_.size(); ++c) {
    if (!in_[c] || weight_[c] == 0) continue;  // 0: not counted (approximate mode)
    if (!first || ranks_before(c, *first)) first = c;
    if (c == bad_ || !(state_[c] & kSkipped)) untested.push_back(c);
  }
  ranked_first_reach_ = weight_[*first];
  if (*first == bad_ || !(state_[*first] & kSkipped)) {
    if (*first != bad_) pick_ = first;
    return;
  }
  const std::size_t index = git_skip_away_index(untested.size());
  auto rank = [this](CommitIndex a, CommitIndex b) { return ranks_before(a, b); };
  std::nth_element(untested.begin(), untested.begin() + static_cast<std::ptrdiff_t>(index),
                   untested.end(), rank);
  CommitIndex chosen = untested[index];
  if (chosen == bad_ && index > 0)  // git steps back to the one ranked just before
    chosen = *std::max_element(untested.begin(),
                               untested.begin() + static_cast<std::ptrdiff_t>(index), rank);
  if (chosen != bad_) pick_ = chosen;
}

std::optional<CommitIndex> DagBisection::next() const {
  refresh();
  return pick_;
}

std::vector<CommitIndex> DagBisection::candidates() const {
  refresh();
  std::vector<CommitIndex> out;
  out.reserve(count_);
  for (CommitIndex c : graph_.topo_order())
    if (in_[c]) out.push_back(c);
  return out;
}

std::size_t DagBisection::candidate_count() const {
  refresh();
  return count_;
}

std::size_t DagBisection::remaining() const {
  refresh();
  if (!pick_) return 0;
  return count_ - ranked_first_reach_ - 1;
}

bool DagBisection::done() const {
  refresh();
  return !pick_;
}

std::optional<CommitIndex> DagBisection::culprit() const {
  refresh();
  if (count_ == 1) return bad_;
  return std::nullopt;
}

int DagBisection::estimated_steps() const {
  refresh();
  const unsigned all = count_;
  if (all < 3) return 0;
  const int n = log2u(all);
  const unsigned e = 1u << n;
  const unsigned x = all - e;
  return e < 3 * x ? n : n - 1;
}

bool DagBisection::exact() const {
  refresh();
  return exact_;
}

void DagBisection::set_exact_limit(std::size_t candidates) {
  counter_.set_exact_limit(candidates);
  weights_valid_ = false;
  dirty_ = true;
}

std::uint32_t DagBisection::reach(CommitIndex c) const {
  refresh();
  return in_[c] ? weight_[c] : 0;
}

}  // namespace culprit::bisect
