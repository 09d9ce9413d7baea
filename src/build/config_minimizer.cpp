#include "build/config_minimizer.h"

#include <algorithm>
#include <map>
#include <optional>

namespace culprit::build {
namespace {

class Search {
 public:
  Search(const MinimizeCallbacks& cb, int budget) : cb_(cb), budget_(budget) {}

  // nullopt: the budget is spent and this choice is a new config.
  std::optional<bool> test(const OptionSet& chosen, std::string* key_out = nullptr) {
    std::string key = cb_.settle(chosen);
    if (key_out) *key_out = key;
    auto it = known_.find(key);
    if (it != known_.end()) return it->second;
    if (budget_ > 0 && tests_ >= budget_) {
      exhausted_ = true;
      return std::nullopt;
    }
    ++tests_;
    bool r = cb_.reproduces(key);
    known_[key] = r;
    return r;
  }
  int tests() const { return tests_; }
  bool exhausted() const { return exhausted_; }

 private:
  const MinimizeCallbacks& cb_;
  int budget_;
  int tests_ = 0;
  bool exhausted_ = false;
  std::map<std::string, bool> known_;
};

// `set` cut into n chunks of nearly equal size, in order.
std::vector<OptionSet> chunks(const OptionSet& set, std::size_t n) {
  std::vector<OptionSet> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t end = start + (set.size() - start) / (n - i);
    out.emplace_back(set.begin() + static_cast<long>(start), set.begin() + static_cast<long>(end));
    start = end;
  }
  return out;
}

OptionSet without(const OptionSet& set, const OptionSet& part) {
  OptionSet out;
  std::set_difference(set.begin(), set.end(), part.begin(), part.end(), std::back_inserter(out));
  return out;
}

}  // namespace

MinimizeResult minimize_options(std::size_t count, const MinimizeCallbacks& cb, int budget) {
  Search search(cb, budget);
  MinimizeResult result;
  OptionSet current(count);
  for (std::size_t i = 0; i < count; ++i) current[i] = i;
  result.kept = current;
  auto full = search.test(current, &result.key);
  result.tests = search.tests();
  if (!full || !*full) return result;
  result.full_reproduces = true;

  auto done = [&] {
    result.kept = current;
    result.tests = search.tests();
    result.budget_exhausted = search.exhausted();
    return result;
  };
  std::string key;
  auto none = search.test({}, &key);
  if (!none) return done();
  if (*none) {
    current.clear();
    result.key = key;
    return done();
  }
  std::size_t n = 2;
  while (current.size() >= 2) {
    auto parts = chunks(current, n);
    bool reduced = false;
    for (const auto& part : parts) {
      auto r = search.test(part, &key);
      if (!r) return done();
      if (*r) {
        current = part;
        result.key = key;
        n = 2;
        reduced = true;
        break;
      }
    }
    // With two chunks each one's complement is the other chunk.
    for (std::size_t i = 0; !reduced && n > 2 && i < parts.size(); ++i) {
      auto rest = without(current, parts[i]);
      auto r = search.test(rest, &key);
      if (!r) return done();
      if (*r) {
        current = rest;
        result.key = key;
        n = std::max<std::size_t>(n - 1, 2);
        reduced = true;
      }
    }
    if (reduced) continue;
    if (n >= current.size()) break;
    n = std::min(n * 2, current.size());
  }
  return done();
}

}  // namespace culprit::build
