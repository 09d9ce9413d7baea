#include "html/candidates.h"

#include <optional>
#include <string>
#include <unordered_map>

namespace culprit::html {
namespace {

using Mask = std::vector<bool>;

// Parents precede children, so one sweep from the newest marked commit
// down to the oldest reaches every ancestor.
void add_ancestors(const Timeline& t, std::size_t from, Mask& mask) {
  mask[from] = true;
  for (std::size_t i = from + 1; i-- > 0;) {
    if (!mask[i]) continue;
    for (auto p : t.commits[i].parents) mask[p] = true;
  }
}

std::unordered_map<std::string, std::size_t> index_of(const Timeline& t) {
  std::unordered_map<std::string, std::size_t> idx;
  for (std::size_t i = 0; i < t.commits.size(); ++i) idx.emplace(t.commits[i].hash, i);
  return idx;
}

}  // namespace

std::vector<bool> new_state_steps(const Timeline& timeline, const std::vector<StepInfo>& steps,
                                  bool fix) {
  std::vector<bool> out(steps.size(), false);
  auto idx = index_of(timeline);
  Mask crashed(timeline.commits.size(), false);
  if (fix)
    for (const auto& s : steps)
      if (s.verdict == "bad")
        if (auto it = idx.find(s.hash); it != idx.end()) crashed[it->second] = true;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const auto& s = steps[k];
    if (!fix) {
      out[k] = s.verdict == "bad";
      continue;
    }
    if (s.verdict != "good") continue;
    // A commit without the crash is a fix only if its history had it.
    auto it = idx.find(s.hash);
    if (it == idx.end()) continue;
    Mask anc(timeline.commits.size(), false);
    add_ancestors(timeline, it->second, anc);
    for (std::size_t i = 0; i < anc.size() && !out[k]; ++i)
      out[k] = anc[i] && crashed[i] && i != it->second;
  }
  return out;
}

std::vector<std::vector<bool>> candidates_per_step(const Timeline& timeline,
                                                   const std::vector<StepInfo>& steps, bool fix) {
  const std::size_t n = timeline.commits.size();
  auto idx = index_of(timeline);
  auto is_new = new_state_steps(timeline, steps, fix);
  Mask old_side(n, false);
  for (const auto& h : timeline.assumed_old)
    if (auto it = idx.find(h); it != idx.end()) add_ancestors(timeline, it->second, old_side);
  std::optional<std::size_t> newest_new;
  std::vector<Mask> out;
  out.reserve(steps.size());
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const auto& s = steps[k];
    auto it = idx.find(s.hash);
    if (it != idx.end() && s.verdict != "skip" && s.verdict != "pending") {
      if (is_new[k])
        newest_new = it->second;
      else
        add_ancestors(timeline, it->second, old_side);
    }
    Mask cand(n, false);
    if (newest_new) {
      add_ancestors(timeline, *newest_new, cand);
    } else {
      cand.assign(n, true);  // no new-state end yet: the whole drawn range
    }
    for (std::size_t i = 0; i < n; ++i) cand[i] = cand[i] && !old_side[i];
    out.push_back(std::move(cand));
  }
  return out;
}

}  // namespace culprit::html
