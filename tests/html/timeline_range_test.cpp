// The drawn range on real git histories: which commits it holds and that
// history order is kept (every parent left of its children), however many
// good commits the bisection found inside the range.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unordered_map>

#include "html/collect.h"
#include "support/test_support.h"
#include "vcs/repository.h"

namespace culprit::html {
namespace {

using culprit::testing::GitRepo;
using culprit::testing::TempDir;

StepInfo step(const std::string& hash, const std::string& verdict) {
  StepInfo s;
  s.hash = hash;
  s.verdict = verdict;
  return s;
}

// Parents come before children, and positions match the commit list.
void expect_history_order(const Timeline& t) {
  for (std::size_t i = 0; i < t.commits.size(); ++i)
    for (auto p : t.commits[i].parents) EXPECT_LT(p, i) << t.commits[i].hash;
}

TEST(TimelineRange, GoodsInsideTheRangeDoNotCutItUp) {
  TempDir tmp;
  GitRepo g(tmp / "repo");
  std::vector<std::string> c;
  for (int i = 0; i < 20; ++i)
    c.push_back(g.commit("f.txt", std::to_string(i), "change " + std::to_string(i)));
  auto repo = vcs::Repository::open(g.path());
  ReportData d;
  d.params = {{"commit", c[19]}, {"mode", "cause"}};
  // As a release walk and a bisection would test them: c0 is the release
  // found good, the later goods lie inside the range.
  d.steps = {step(c[19], "bad"), step(c[0], "good"), step(c[10], "good"), step(c[15], "bad"),
             step(c[12], "good")};
  auto t = build_timeline(repo, d);
  ASSERT_EQ(t.commits.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(t.commits[i].hash, c[i]) << i;
  expect_history_order(t);
}

TEST(TimelineRange, MergedBranchLiesInOnePieceBeforeItsMerge) {
  TempDir tmp;
  GitRepo g(tmp / "repo");
  std::string base = g.commit("a.txt", "0", "base");
  g.branch("topic");
  std::vector<std::string> topic;
  for (int i = 0; i < 3; ++i)
    topic.push_back(g.commit("t.txt", std::to_string(i), "topic " + std::to_string(i)));
  g.checkout("master");
  std::vector<std::string> main;
  for (int i = 0; i < 3; ++i)
    main.push_back(g.commit("m.txt", std::to_string(i), "main " + std::to_string(i)));
  std::string merge = g.merge("topic", "Merge topic");
  std::string tip = g.commit("a.txt", "1", "after");
  auto repo = vcs::Repository::open(g.path());
  ReportData d;
  d.params = {{"commit", tip}, {"mode", "cause"}, {"good", base}};
  d.steps = {step(tip, "bad"), step(main[1], "good")};
  auto t = build_timeline(repo, d);
  ASSERT_EQ(t.commits.size(), 9u);
  expect_history_order(t);
  std::unordered_map<std::string, std::size_t> pos;
  for (std::size_t i = 0; i < t.commits.size(); ++i) pos[t.commits[i].hash] = i;
  EXPECT_EQ(pos[base], 0u);
  EXPECT_EQ(pos[topic[0]] + 1, pos[topic[1]]);
  EXPECT_EQ(pos[topic[1]] + 1, pos[topic[2]]);
  EXPECT_EQ(pos[topic[2]] + 1, pos[merge]);
  EXPECT_EQ(pos[tip], 8u);
  EXPECT_EQ(t.assumed_old, std::vector<std::string>{base});
}

TEST(TimelineRange, FixRangeStartsAtTheMergeBase) {
  TempDir tmp;
  GitRepo g(tmp / "repo");
  std::string base = g.commit("a.txt", "0", "base");
  g.branch("stable");
  std::string crash = g.commit("s.txt", "1", "stable: crash seen here");
  g.checkout("master");
  std::vector<std::string> main;
  for (int i = 0; i < 4; ++i)
    main.push_back(g.commit("m.txt", std::to_string(i), "main " + std::to_string(i)));
  auto repo = vcs::Repository::open(g.path());
  ReportData d;
  d.fix = true;
  d.params = {{"commit", crash}, {"head", main.back()}, {"mode", "fix"}};
  d.steps = {step(crash, "bad"), step(main.back(), "good"), step(base, "bad"),
             step(main[1], "good")};
  auto t = build_timeline(repo, d);
  expect_history_order(t);
  // The merge base, the four mainline commits and the crashing commit.
  ASSERT_EQ(t.commits.size(), 6u);
  EXPECT_EQ(t.commits[0].hash, base);
}

}  // namespace
}  // namespace culprit::html
