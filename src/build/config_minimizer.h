// Delta debugging (ddmin) over the options where a bug's kernel config
// differs from a baseline: a small set of them that still reproduces the
// crash. Pure logic over two callbacks, so that it is tested without
// kernels: `settle` turns a choice of options into the key of the config
// it gives (the kernel: the hash of the .config after olddefconfig), and
// `reproduces` tests one key (a build and runs). Two choices that settle to
// the same config are one test; only distinct keys count against the budget.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace culprit::build {

using OptionSet = std::vector<std::size_t>;  // indices of options, ascending

struct MinimizeCallbacks {
  std::function<std::string(const OptionSet&)> settle;
  std::function<bool(const std::string& key)> reproduces;
};

struct MinimizeResult {
  bool full_reproduces = false;  // false: nothing was minimised, `kept` is every option
  OptionSet kept;                // the last choice that reproduced
  std::string key;               // its settled key
  int tests = 0;                 // distinct keys tested (the budget's unit)
  bool budget_exhausted = false;
};

// Tests all `count` options first (they must reproduce), then none (the
// baseline may reproduce alone), then ddmin's chunks and complements with
// growing granularity until every single option is needed or the budget
// (tests; 0: none) is spent. Deterministic: the same answers give the same
// sequence of tests, so a resumed minimisation replays what it recorded.
MinimizeResult minimize_options(std::size_t count, const MinimizeCallbacks& callbacks, int budget);

}  // namespace culprit::build
