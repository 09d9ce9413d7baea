// Config minimisation's pure parts: ddmin over an abstract predicate, and
// .config parsing, diffing and writing.
#include "build/config_minimizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "build/kconfig_file.h"

namespace culprit::build {
namespace {

// A world of `count` options where the crash needs all of `needed`, and
// options in `inert` settle away (their dependencies are off), as
// olddefconfig drops them. Records every key tested.
struct World {
  std::size_t count = 40;
  std::set<std::size_t> needed;
  std::set<std::size_t> inert;
  std::vector<std::string> tested;

  MinimizeCallbacks callbacks() {
    return {[this](const OptionSet& chosen) {
              std::string key;
              for (auto i : chosen)
                if (!inert.count(i)) key += std::to_string(i) + ",";
              return key;
            },
            [this](const std::string& key) {
              tested.push_back(key);
              for (auto i : needed)
                if (key.find("," + std::to_string(i) + ",") == std::string::npos &&
                    key.rfind(std::to_string(i) + ",", 0) != 0)
                  return false;
              return true;
            }};
  }
};

TEST(ConfigMinimizer, FindsOneNeededOptionAmongMany) {
  World w;
  w.needed = {17};
  auto r = minimize_options(w.count, w.callbacks(), 0);
  EXPECT_TRUE(r.full_reproduces);
  EXPECT_EQ(r.kept, OptionSet{17});
  EXPECT_EQ(r.key, "17,");
  EXPECT_FALSE(r.budget_exhausted);
  EXPECT_EQ(r.tests, static_cast<int>(w.tested.size()));
  // Halving: about two tests per halving of 40, plus the full and the empty set.
  EXPECT_LE(r.tests, 14) << r.tests;
  // A few hundred (the README's figure for the default budget of 30).
  for (std::size_t needed : {0, 150, 299}) {
    World big;
    big.count = 300;
    big.needed = {needed};
    auto b = minimize_options(big.count, big.callbacks(), 0);
    EXPECT_EQ(b.kept, OptionSet{needed});
    EXPECT_LE(b.tests, 20) << needed;
    std::printf("one needed option (%zu) among 300: %d tests\n", needed, b.tests);
  }
}

TEST(ConfigMinimizer, FindsTwoNeededOptionsAmongMany) {
  World w;
  w.needed = {5, 31};
  auto r = minimize_options(w.count, w.callbacks(), 0);
  EXPECT_EQ(r.kept, (OptionSet{5, 31}));
  EXPECT_FALSE(r.budget_exhausted);
  EXPECT_LE(r.tests, 40);
}

TEST(ConfigMinimizer, TheBaselineAloneMayReproduce) {
  World w;  // needs nothing
  auto r = minimize_options(w.count, w.callbacks(), 0);
  EXPECT_TRUE(r.kept.empty());
  EXPECT_EQ(r.tests, 2);
}

TEST(ConfigMinimizer, AFullConfigThatDoesNotReproduceIsNotMinimised) {
  World w;
  w.needed = {3};
  w.inert = {3};  // settled away even in the full config
  auto r = minimize_options(w.count, w.callbacks(), 0);
  EXPECT_FALSE(r.full_reproduces);
  EXPECT_EQ(r.tests, 1);
  EXPECT_EQ(r.kept.size(), w.count);
}

TEST(ConfigMinimizer, StopsAtTheBudgetWithTheLastReproducingChoice) {
  World unlimited;
  unlimited.needed = {5, 31};
  int all = minimize_options(unlimited.count, unlimited.callbacks(), 0).tests;
  for (int budget : {1, 2, 3, 5, 11}) {
    ASSERT_LT(budget, all);
    World w;
    w.needed = {5, 31};
    auto r = minimize_options(w.count, w.callbacks(), budget);
    EXPECT_EQ(r.tests, budget);
    EXPECT_EQ(static_cast<int>(w.tested.size()), budget);
    EXPECT_TRUE(r.budget_exhausted);
    // What is kept reproduces: it contains what is needed, and it is what
    // the key says.
    for (auto i : w.needed) EXPECT_TRUE(std::count(r.kept.begin(), r.kept.end(), i)) << budget;
    EXPECT_EQ(r.key, w.callbacks().settle(r.kept));
    // Full, none, two halves, four quarters, two complements: the 10th reduces.
    if (budget >= 10) {
      EXPECT_LT(r.kept.size(), w.count) << "some progress after the first split";
    }
  }
}

TEST(ConfigMinimizer, ChoicesThatSettleToTheSameConfigAreOneTest) {
  World plain;
  plain.needed = {33};
  int without_inert = minimize_options(plain.count, plain.callbacks(), 0).tests;
  World w;
  w.needed = {33};
  // Half the options settle away: many choices give the same config.
  for (std::size_t i = 0; i < 20; ++i) w.inert.insert(i);
  auto r = minimize_options(w.count, w.callbacks(), 0);
  std::set<std::string> distinct(w.tested.begin(), w.tested.end());
  EXPECT_EQ(distinct.size(), w.tested.size()) << "a settled config is tested once";
  EXPECT_EQ(r.tests, static_cast<int>(w.tested.size()));
  EXPECT_LT(r.tests, without_inert);
  EXPECT_EQ(r.key, "33,");
}

TEST(Kconfig, ParsesValuesOfEveryKind) {
  auto s = parse_kconfig(
      "#\n# Automatically generated file; DO NOT EDIT.\n#\nCONFIG_A=y\nCONFIG_B=m\n"
      "CONFIG_C=\"hello world\"\n# CONFIG_D is not set\nCONFIG_E=0x10\n"
      "# comment CONFIG_F=y\nCONFIG_A=n\n\n");
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].symbol, "A");
  EXPECT_EQ(s[0].value, "n") << "the last value of a repeated symbol, at its first place";
  EXPECT_EQ(s[1].value, "m");
  EXPECT_EQ(s[2].value, "\"hello world\"");
  EXPECT_EQ(s[3].symbol, "D");
  EXPECT_EQ(s[3].value, "n");
  EXPECT_EQ(s[4].value, "0x10");
  EXPECT_EQ(kconfig_line(s[3]), "# CONFIG_D is not set");
  EXPECT_EQ(kconfig_line(s[2]), "CONFIG_C=\"hello world\"");
}

TEST(Kconfig, DiffsAndAppliesOptions) {
  std::string base = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=\"x\"\nCONFIG_D=y\n";
  std::string bug =
      "CONFIG_A=y\nCONFIG_B=m\nCONFIG_C=\"y z\"\n# CONFIG_D is not set\nCONFIG_E=y\n"
      "# CONFIG_F is not set\n";
  auto d = diff_kconfig(bug, base);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].symbol, "B");
  EXPECT_EQ(d[0].value, "m");
  EXPECT_EQ(d[0].baseline, "n");
  EXPECT_EQ(d[1].symbol, "C");
  EXPECT_EQ(d[1].value, "\"y z\"");
  EXPECT_EQ(d[2].symbol, "D");
  EXPECT_EQ(d[2].value, "n");
  EXPECT_EQ(d[3].symbol, "E");
  EXPECT_FALSE(d[3].baseline);
  // F: unset in the bug's config, absent from the baseline: no difference.

  auto applied = apply_options(base, {d[0], d[2], d[3]});
  auto s = parse_kconfig(applied);
  std::map<std::string, std::string> v;
  for (auto& x : s) v[x.symbol] = x.value;
  EXPECT_EQ(v["A"], "y");
  EXPECT_EQ(v["B"], "m");
  EXPECT_EQ(v["C"], "\"x\"") << "not chosen: the baseline's";
  EXPECT_EQ(v["D"], "n");
  EXPECT_EQ(v["E"], "y");
  EXPECT_EQ(applied.find("# CONFIG_B is not set"), std::string::npos) << "replaced, not repeated";
  EXPECT_TRUE(diff_kconfig(apply_options(base, d), bug).empty()) << "all chosen: the bug's config";
}

}  // namespace
}  // namespace culprit::build
