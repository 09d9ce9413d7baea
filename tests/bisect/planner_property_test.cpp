// Properties of the planner on small adversarial posteriors: it finishes
// (never gives up while a commit is unsettled), it spends no runs where the
// answer is known, and near the end it tests what settles the best
// candidate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "bisect/dag_graphs.h"
#include "bisect/planner.h"
#include "bisect/posterior.h"

namespace culprit::bisect {
namespace {

using testing::Dag;
using testing::make_dag;

void evidence(Posterior& post, const Dag& d, int commit, double crashed, int ok) {
  post.set_group(Dag::name(commit), {d.at(commit)}, crashed, ok);
}

// Runs drawn from the model: a commit with the culprit below crashes at p.
void random_runs(std::mt19937& rng, Posterior& post, const Dag& d,
                 const std::vector<std::vector<char>>& anc, int culprit, double p, int commit,
                 int runs) {
  int crashed = 0;
  for (int i = 0; i < runs; ++i) {
    double rate = anc[commit][culprit] ? p : 0.005;
    crashed += std::uniform_real_distribution<double>(0, 1)(rng) < rate;
  }
  evidence(post, d, commit, crashed, runs - crashed);
}

double max_prob(const Posterior& post, const Dag& d) {
  double m = 0;
  for (std::size_t i = 0; i < d.parents.size(); ++i)
    if (auto c = d.at(static_cast<int>(i)); c != vcs::kNoCommit) m = std::max(m, post.prob(c));
  return m;
}

// The end: the culprit and its child at 0.5 each, the culprit's
// runs so far said nothing (they crashed with other titles first), and the
// rest settled. One more run on the culprit settles it: the plan must
// never be empty there, and must test the culprit, nothing else.
TEST(PlannerProperty, NeverStopsAtAnEvenSplitBetweenAdjacentCommits) {
  std::mt19937 rng(18);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 4 + static_cast<int>(rng() % 40);
    const int k = 1 + static_cast<int>(rng() % (n - 3));  // the culprit; k+1 its child
    auto d = make_dag(testing::linear(n), n - 1);
    Posterior post(d.graph);
    const double p = 0.1 + 0.9 * std::uniform_real_distribution<double>(0, 1)(rng);
    const int crashes = 1 + static_cast<int>(rng() % 5);
    evidence(post, d, n - 1, crashes, static_cast<int>(crashes * (1 - p) / p));
    evidence(post, d, k + 1, 4, 0);
    evidence(post, d, k - 1, 0, 60);
    post.update();
    ASSERT_NEAR(post.prob(d.at(k)), 0.5, 0.05) << "an even split";
    ASSERT_NEAR(post.prob(d.at(k + 1)), 0.5, 0.05);
    PlanInput in;
    in.built = {d.at(n - 1), d.at(k + 1), d.at(k - 1)};
    switch (rng() % 3) {
      case 0:  // the culprit was built; its runs were masked by other crashes
        in.built.insert(d.at(k));
        in.informative[d.at(k)] = 1.0 / 3;
        in.current = d.at(k);
        break;
      case 1:  // the work tree holds the child
        in.current = d.at(k + 1);
        break;
      default:  // nothing built there yet
        in.current = d.at(k - 1);
    }
    auto steps = plan(post, in);
    ASSERT_EQ(steps.size(), 1u) << "n " << n << " k " << k << " p " << p;
    EXPECT_EQ(steps[0].commit, d.at(k))
        << "the culprit's runs decide; its child is bad anyway: picked c" << d.id(steps[0].commit)
        << " (bad with " << steps[0].bad_mass << ", " << steps[0].runs << " runs), none "
        << post.none() << ", current c" << d.id(in.current) << ", p " << p << ", rate "
        << post.rate();
  }
}

// No commit whose bad mass is within `settled` of 0 or 1 gets runs, and
// while no commit reaches 1 - 2 * settled some commit is worth testing, on
// random histories with merges and random evidence drawn from the model.
TEST(PlannerProperty, SpendsNothingOnSettledCommitsAndFinishes) {
  std::mt19937 rng(6);
  int checked = 0, late = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 6 + static_cast<int>(rng() % 40);
    auto parents = trial % 3 == 0 ? testing::linear(n) : testing::random_parents(rng, n);
    auto anc = testing::ancestor_matrix(parents);
    const int tip = static_cast<int>(parents.size()) - 1;
    auto d = make_dag(parents, tip);
    const int culprit = static_cast<int>(rng() % parents.size());
    const double p = std::vector<double>{0.1, 0.3, 0.5, 1.0}[rng() % 4];
    Posterior post(d.graph);
    PlanInput in;
    in.settled = std::vector<double>{0.025, 0.005}[rng() % 2];
    random_runs(rng, post, d, anc, culprit, std::max(p, 0.5), tip, 10);
    in.built.insert(d.at(tip));
    // Some commits anywhere, and in half the trials the culprit and its
    // neighbours too, as a search has them near its end.
    const int tested = 1 + static_cast<int>(rng() % 8);
    std::vector<int> commits;
    for (int t = 0; t < tested; ++t) commits.push_back(static_cast<int>(rng() % parents.size()));
    if (trial % 2) {
      commits.push_back(culprit);
      for (int parent : parents[culprit]) commits.push_back(parent);
      for (int c = culprit + 1; c < static_cast<int>(parents.size()); ++c)
        if (std::find(parents[c].begin(), parents[c].end(), culprit) != parents[c].end())
          commits.push_back(c);
    }
    for (int c : commits) {
      if (d.at(c) == vcs::kNoCommit) continue;
      random_runs(rng, post, d, anc, culprit, p, c, 1 + static_cast<int>(rng() % 12));
      in.built.insert(d.at(c));
    }
    post.update();
    in.slots = 1 + static_cast<int>(rng() % 3);
    auto steps = plan(post, in);
    for (const auto& s : steps) {
      double m = post.bad_mass(s.commit);
      EXPECT_GE(std::min(m, 1 - m), in.settled) << "trial " << trial;
    }
    if (max_prob(post, d) < 1 - 2 * in.settled) {
      EXPECT_FALSE(steps.empty()) << "trial " << trial << ": unsettled, yet nothing to test";
      ++checked;
      late += max_prob(post, d) > 0.5;
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_GT(late, 20) << "end games were among them";
}

// Near the end, the tests that settle the most probable commit come first:
// the commit itself or one of its parents, not a split of the little mass
// elsewhere, on random linear posteriors where one commit leads.
TEST(PlannerProperty, InTheEndGameTestsTheBestCandidateOrItsParent) {
  std::mt19937 rng(1);
  int checked = 0;
  for (int trial = 0; trial < 2000 && checked < 100; ++trial) {
    const int n = 8 + static_cast<int>(rng() % 40);
    auto parents = testing::linear(n);
    auto anc = testing::ancestor_matrix(parents);
    auto d = make_dag(parents, n - 1);
    const int culprit = static_cast<int>(rng() % n);
    const double p = std::vector<double>{0.2, 0.5, 1.0}[rng() % 3];
    Posterior post(d.graph);
    PlanInput in;
    random_runs(rng, post, d, anc, culprit, std::max(p, 0.5), n - 1, 10);
    // A few commits anywhere, and some around the culprit, as near a
    // search's end.
    std::vector<int> commits;
    for (int t = 0; t < 4; ++t) commits.push_back(static_cast<int>(rng() % n));
    for (int t = 0; t < 3; ++t)
      commits.push_back(std::clamp(culprit + static_cast<int>(rng() % 5) - 2, 0, n - 1));
    for (int c : commits)
      random_runs(rng, post, d, anc, culprit, p, c, 1 + static_cast<int>(rng() % 6));
    post.update();
    auto best = post.best();
    if (post.prob(best) < 0.6 || post.prob(best) >= 0.9) continue;
    ++checked;
    // Every commit built: the same cost everywhere, so only the value counts.
    for (int c = 0; c < n; ++c) in.built.insert(d.at(c));
    auto steps = plan(post, in);
    ASSERT_EQ(steps.size(), 1u);
    auto parents_of_best = d.graph.parents(best);
    bool near = steps[0].commit == best || std::find(parents_of_best.begin(), parents_of_best.end(),
                                                     steps[0].commit) != parents_of_best.end();
    EXPECT_TRUE(near) << "trial " << trial << ": best c" << d.id(best) << " at " << post.prob(best)
                      << ", planned c" << d.id(steps[0].commit) << " (bad with "
                      << steps[0].bad_mass << ")";
  }
  EXPECT_GE(checked, 50);
}

// Runs per commit: (crashes, clean runs).
using Runs = std::map<int, std::pair<int, int>>;

Posterior posterior_of(const Dag& d, const Runs& runs) {
  Posterior post(d.graph);
  for (const auto& [c, r] : runs) evidence(post, d, c, r.first, r.second);
  post.update();
  return post;
}

// How far one more run on commit c is expected to move the probability of
// `best`: over its two outcomes, weighted by how likely each is.
double movement(const Dag& d, const Runs& runs, int c, vcs::CommitIndex best) {
  auto base = posterior_of(d, runs);
  const double m = base.bad_mass(d.at(c));
  const double crash = m * base.rate() + (1 - m) * 0.005;
  Runs crashed = runs, clean = runs;
  ++crashed[c].first;
  ++clean[c].second;
  return crash * std::abs(posterior_of(d, crashed).prob(best) - base.prob(best)) +
         (1 - crash) * std::abs(posterior_of(d, clean).prob(best) - base.prob(best));
}

// On histories with merges the best candidate may be settled from a side
// branch as well as from its parent: whatever commit the plan picks, one
// more run there moves the best candidate's probability at least half as
// much as a run on any other commit would.
TEST(PlannerProperty, InTheEndGameTestsWhatMovesTheBestCandidateMost) {
  std::mt19937 rng(3);
  int checked = 0;
  for (int trial = 0; trial < 3000 && checked < 60; ++trial) {
    auto parents = testing::random_parents(rng, 8 + static_cast<int>(rng() % 30));
    const int n = static_cast<int>(parents.size());
    auto d = make_dag(parents, n - 1);
    const int culprit = static_cast<int>(rng() % n);
    const double p = std::vector<double>{0.3, 0.5, 1.0}[rng() % 3];
    auto anc = testing::ancestor_matrix(parents);
    Runs runs;
    auto draw = [&](int c, int count) {
      for (int i = 0; i < count; ++i) {
        double rate = anc[c][culprit] ? p : 0.005;
        auto& r = runs[c];
        (std::uniform_real_distribution<double>(0, 1)(rng) < rate ? r.first : r.second)++;
      }
    };
    draw(n - 1, 10);
    for (int t = 0; t < 4; ++t) draw(static_cast<int>(rng() % n), 1 + static_cast<int>(rng() % 6));
    draw(culprit, 1 + static_cast<int>(rng() % 4));
    auto post = posterior_of(d, runs);
    auto best = post.best();
    if (post.prob(best) < 0.6 || post.prob(best) >= 0.9) continue;
    ++checked;
    PlanInput in;
    for (int c = 0; c < n; ++c) in.built.insert(d.at(c));
    auto steps = plan(post, in);
    ASSERT_EQ(steps.size(), 1u);
    double most = 0;
    for (int c = 0; c < n; ++c) {
      double m = post.bad_mass(d.at(c));
      if (std::min(m, 1 - m) >= in.settled) most = std::max(most, movement(d, runs, c, best));
    }
    double mine = movement(d, runs, d.id(steps[0].commit), best);
    EXPECT_GE(mine, 0.5 * most) << "trial " << trial << ": best c" << d.id(best) << " at "
                                << post.prob(best) << ", planned c" << d.id(steps[0].commit);
  }
  EXPECT_GE(checked, 40);
}

}  // namespace
}  // namespace culprit::bisect
