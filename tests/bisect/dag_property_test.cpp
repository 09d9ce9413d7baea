// Property test: on many random histories with merges, our DAG bisection
// finds the same first bad commit as `git bisect run` and tests at most one
// commit more. The histories are real git repositories (fast-import); the
// bug is a file that the culprit adds and every descendant inherits.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <sstream>

#include "bisect/dag_bisection.h"
#include "support/test_support.h"
#include "util/text.h"

namespace culprit::bisect {
namespace {

using culprit::testing::sh;
using culprit::testing::TempDir;

struct RandomHistory {
  std::vector<std::vector<int>> parents;
  int culprit = -1;
  std::set<int> untestable;
};

RandomHistory random_history(std::mt19937& rng, int n) {
  RandomHistory h;
  std::vector<int> heads{0};
  h.parents.push_back({});
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<unsigned>(k)); };
  while (static_cast<int>(h.parents.size()) < n) {
    int c = static_cast<int>(h.parents.size());
    int r = pick(100);
    if (r < 65 || (heads.size() == 1 && r < 80)) {
      int& head = heads[pick(static_cast<int>(heads.size()))];
      h.parents.push_back({head});
      head = c;
    } else if (r < 80) {
      h.parents.push_back({pick(c)});  // a branch from anywhere older
      heads.push_back(c);
    } else {
      int a = pick(static_cast<int>(heads.size())), b = pick(static_cast<int>(heads.size()));
      if (a == b) continue;
      h.parents.push_back({heads[a], heads[b]});
      heads[a] = c;
      heads.erase(heads.begin() + b);
    }
  }
  while (heads.size() > 1) {  // one tip: merge everything left
    int c = static_cast<int>(h.parents.size());
    h.parents.push_back({heads[0], heads.back()});
    heads.pop_back();
    heads[0] = c;
  }
  return h;
}

bool reaches(const RandomHistory& h, int from, int target) {
  std::vector<int> stack{from};
  std::set<int> seen;
  while (!stack.empty()) {
    int c = stack.back();
    stack.pop_back();
    if (c == target) return true;
    if (!seen.insert(c).second) continue;
    for (int p : h.parents[c]) stack.push_back(p);
  }
  return false;
}

// Writes the history with git fast-import; returns the hashes by index.
std::vector<std::string> write_repo(const RandomHistory& h, const std::filesystem::path& dir) {
  sh("git init -q -b master . && git config user.name T && git config user.email t@example.com", dir);
  std::ostringstream s;
  std::vector<bool> bug(h.parents.size());
  for (size_t c = 0; c < h.parents.size(); ++c) {
    bug[c] = static_cast<int>(c) == h.culprit;
    for (int p : h.parents[c]) bug[c] = bug[c] || bug[p];
    s << "commit refs/heads/c" << c << "\nmark :" << c + 1 << "\ncommitter T <t@example.com> " << 1600000000 + c
      << " +0000\ndata <<EOT\ncommit " << c << "\nEOT\n";
    if (!h.parents[c].empty()) s << "from :" << h.parents[c][0] + 1 << "\n";
    for (size_t k = 1; k < h.parents[c].size(); ++k) s << "merge :" << h.parents[c][k] + 1 << "\n";
    s << "M 644 inline f" << c << "\ndata <<EOT\n" << c << "\nEOT\n";
    // A merge takes the first parent's tree: carry the other side's files.
    for (size_t k = 1; k < h.parents[c].size(); ++k)
      for (size_t a = 0; a < c; ++a)
        if (reaches(h, h.parents[c][k], static_cast<int>(a)) && !reaches(h, h.parents[c][0], static_cast<int>(a)))
          s << "M 644 inline f" << a << "\ndata <<EOT\n" << a << "\nEOT\n";
    if (bug[c]) s << "M 644 inline bug\ndata <<EOT\nbug\nEOT\n";
    if (h.untestable.count(static_cast<int>(c))) s << "M 644 inline untestable\ndata <<EOT\nx\nEOT\n";
    else if (c > 0) s << "D untestable\n";
    s << "\n";
  }
  write_file_atomic(dir / "stream", s.str());
  sh("git fast-import --quiet < stream && rm stream", dir);
  auto out = sh("for i in $(seq 0 " + std::to_string(h.parents.size() - 1) + "); do git rev-parse c$i; done", dir);
  std::vector<std::string> hashes;
  for (auto line : split_lines(out.output)) hashes.emplace_back(trim(line));
  return hashes;
}

struct GitAnswer {
  int tested = 0;
  std::set<std::string> culprits;  // one, or git's "could be any of" list
};

GitAnswer git_bisect(const std::filesystem::path& dir, const std::string& bad, const std::string& good) {
  sh("git checkout -q -f " + bad + " && git bisect start " + bad + " " + good + " >/dev/null", dir);
  auto run = sh("git bisect run sh -c 'test -e untestable && exit 125; test ! -e bug' 2>&1", dir, false);
  GitAnswer a;
  auto log = sh("git bisect log", dir, false).output;
  for (auto line : split_lines(log))
    if (starts_with(line, "git bisect good") || starts_with(line, "git bisect bad") ||
        starts_with(line, "git bisect skip"))
      ++a.tested;
  auto lines = split_lines(run.output);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto l = lines[i];
    auto pos = l.find(" is the first bad commit");
    if (pos != std::string_view::npos) a.culprits.insert(std::string(l.substr(0, pos)));
    if (l.find("could be any of:") != std::string_view::npos)
      for (size_t k = i + 1; k < lines.size() && lines[k].size() >= 40; ++k)
        a.culprits.insert(std::string(lines[k].substr(0, 40)));
  }
  sh("git bisect reset -q", dir, false);
  return a;
}

struct OurAnswer {
  int tested = 0;
  std::set<std::string> culprits;
};

OurAnswer our_bisect(const std::filesystem::path& dir, const RandomHistory& h, const std::vector<std::string>& hashes,
                     const std::string& bad, const std::string& good) {
  auto out = sh("git rev-list --parents " + bad + " --not " + good, dir).output;
  vcs::CommitGraph g;
  std::vector<std::vector<std::string>> rows;
  for (auto line : split_lines(out)) {
    std::istringstream in{std::string(line)};
    std::vector<std::string> row;
    for (std::string w; in >> w;) row.push_back(w);
    if (!row.empty()) {
      g.add_commit(row[0]);
      rows.push_back(row);
    }
  }
  for (const auto& row : rows)
    for (size_t k = 1; k < row.size(); ++k)
      if (auto p = g.find(row[k]); p != vcs::kNoCommit) g.add_parent(g.find(row[0]), p);
  g.finish();
  std::map<std::string, int> index;
  for (size_t i = 0; i < hashes.size(); ++i) index[hashes[i]] = static_cast<int>(i);
  DagBisection dag(g, g.find(bad));
  OurAnswer a;
  while (auto next = dag.next()) {
    int c = index.at(g.hash(*next));
    ++a.tested;
    if (h.untestable.count(c))
      dag.mark_skip(*next);
    else if (reaches(h, c, h.culprit))
      dag.mark_bad(*next);
    else
      dag.mark_good(*next);
  }
  for (auto c : dag.candidates()) a.culprits.insert(g.hash(c));
  return a;
}

void check(int trials, bool with_skips, std::uint32_t seed) {
  std::mt19937 rng(seed);
  int ours_total = 0, git_total = 0, same_answer = 0, git_sets = 0;
  for (int t = 0; t < trials; ++t) {
    RandomHistory h = random_history(rng, 12 + static_cast<int>(rng() % 60));
    int n = static_cast<int>(h.parents.size());
    h.culprit = 1 + static_cast<int>(rng() % static_cast<unsigned>(n - 1));
    if (with_skips)
      for (int c = 1; c < n - 1; ++c)
        if (rng() % 7 == 0) h.untestable.insert(c);
    TempDir dir;
    auto hashes = write_repo(h, dir.path());
    const std::string bad = hashes.back(), good = hashes[0];
    auto git = git_bisect(dir.path(), bad, good);
    auto ours = our_bisect(dir.path(), h, hashes, bad, good);
    const std::string culprit = hashes[h.culprit];
    SCOPED_TRACE("trial " + std::to_string(t) + " in " + dir.path().string());
    ASSERT_FALSE(git.culprits.empty()) << "could not read git's answer";
    EXPECT_TRUE(ours.culprits.count(culprit)) << "our answer misses the real culprit";
    if (!with_skips) {
      EXPECT_EQ(ours.culprits, std::set<std::string>{culprit});
      EXPECT_EQ(git.culprits, std::set<std::string>{culprit});
      EXPECT_LE(ours.tested, git.tested + 1) << "git tested " << git.tested << ", we tested " << ours.tested;
    } else if (git.culprits.size() == 1) {
      EXPECT_EQ(git.culprits, std::set<std::string>{culprit});
      ++same_answer;
      if (ours.culprits.size() == 1) {
        EXPECT_EQ(ours.culprits, git.culprits);
      }
    } else {
      ++git_sets;
    }
    ours_total += ours.tested;
    git_total += git.tested;
  }
  std::printf("%d random DAGs%s: tested commits ours %d, git %d (mean %.2f vs %.2f)%s\n", trials,
              with_skips ? " with untestable commits" : "", ours_total, git_total, double(ours_total) / trials,
              double(git_total) / trials,
              with_skips ? (", git gave a candidate set in " + std::to_string(git_sets) + " trials").c_str() : "");
}

TEST(DagProperty, SameCulpritAsGitBisectRunAndAtMostOneMoreTest) { check(200, false, 20261125); }

TEST(DagProperty, UntestableCommitsNeverHideTheCulprit) { check(60, true, 7); }

}  // namespace
}  // namespace culprit::bisect
