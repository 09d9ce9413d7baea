// Property test: on many random histories with merges, our DAG bisection
// finds the same first bad commit as `git bisect run` and tests at most one
// commit more; with untestable commits (exit 125 / mark_skip) it gives the
// same answer or the same "could be any of" list. The histories are real git
// repositories (fast-import); the bug is a file that the culprit adds and
// every descendant inherits. The sequences of tested commits and git's
// "Bisecting: N revisions left (roughly M steps)" lines are compared too.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "bisect/dag_bisection.h"
#include "dag_graphs.h"
#include "support/test_support.h"
#include "util/text.h"

namespace culprit::bisect {
namespace {

using culprit::testing::sh;
using culprit::testing::TempDir;

struct Trial {
  std::vector<std::vector<int>> parents;  // oldest first
  std::vector<std::vector<char>> anc;
  int culprit = -1;
  std::set<int> untestable;
};

// One fast-import stream; commit dates follow the index so git's date order
// is the generation order. Merges take the first parent's tree, so files are
// written as differences from it. Returns the hashes by index.
std::vector<std::string> write_repo(const Trial& t, const std::filesystem::path& dir) {
  const int n = static_cast<int>(t.parents.size());
  std::ostringstream s;
  std::vector<char> bug(n, 0), untestable(n, 0);
  for (int c = 0; c < n; ++c) {
    bug[c] = t.anc[c][t.culprit];
    untestable[c] = t.untestable.count(c) > 0;
    s << "commit refs/heads/master\nmark :" << c + 1 << "\ncommitter T <t@example.com> "
      << 1600000000 + c << " +0000\ndata <<EOT\nc" << c << "\nEOT\n";
    const auto& ps = t.parents[c];
    s << (ps.empty() ? "deleteall\n" : "from :" + std::to_string(ps[0] + 1) + "\n");
    for (std::size_t k = 1; k < ps.size(); ++k) s << "merge :" << ps[k] + 1 << "\n";
    const bool had_bug = !ps.empty() && bug[ps[0]];
    const bool was_untestable = !ps.empty() && untestable[ps[0]];
    if (bug[c] && !had_bug) s << "M 644 inline bug\ndata <<EOT\nbug\nEOT\n";
    if (untestable[c] && !was_untestable) s << "M 644 inline untestable\ndata <<EOT\nx\nEOT\n";
    if (!untestable[c] && was_untestable) s << "D untestable\n";
    s << "\n";
  }
  write_file_atomic(dir / "stream", s.str());
  sh("git init -q -b master . && git fast-import --quiet --export-marks=marks < stream", dir);
  std::vector<std::string> hashes(n);
  const std::string marks = read_file(dir / "marks");
  for (auto line : split_lines(marks)) {
    auto space = line.find(' ');
    if (line.empty() || space == std::string_view::npos) continue;
    hashes[std::stoi(std::string(line.substr(1, space - 1))) - 1] =
        std::string(trim(line.substr(space + 1)));
  }
  return hashes;
}

struct Session {
  std::vector<std::string> tested;    // in order
  std::vector<std::string> progress;  // "N M" from each "Bisecting:" line
  std::set<std::string> answer;       // the culprit, or the "could be any of" list
};

void parse_progress(std::string_view output, Session& s) {
  for (auto line : split_lines(output)) {
    auto steps = line.find("(roughly ");
    if (!starts_with(line, "Bisecting: ") || steps == std::string_view::npos) continue;
    const int left = std::atoi(std::string(line.substr(11)).c_str());
    const int roughly = std::atoi(std::string(line.substr(steps + 9)).c_str());
    s.progress.push_back(std::to_string(left) + " " + std::to_string(roughly));
  }
}

Session git_bisect(const std::filesystem::path& dir, const std::string& bad,
                   const std::string& good) {
  Session s;
  auto start = sh("git checkout -q -f " + bad + " && git bisect start " + bad + " " + good, dir);
  parse_progress(start.output, s);
  auto run =
      sh("git bisect run sh -c 'test -e untestable && exit 125; test ! -e bug' 2>&1", dir, false);
  parse_progress(run.output, s);
  const std::string log = sh("git bisect log", dir).output;
  for (auto line : split_lines(log)) {
    for (const char* verb : {"git bisect good ", "git bisect bad ", "git bisect skip "})
      if (starts_with(line, verb))
        s.tested.emplace_back(trim(line.substr(std::string_view(verb).size())));
  }
  auto lines = split_lines(run.output);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto l = lines[i];
    if (auto pos = l.find(" is the first bad commit"); pos != std::string_view::npos)
      s.answer.insert(std::string(l.substr(0, pos)));
    if (l.find("could be any of:") != std::string_view::npos)
      for (std::size_t k = i + 1; k < lines.size() && lines[k].size() == 40; ++k)
        s.answer.insert(std::string(lines[k]));
  }
  sh("git bisect reset -q", dir, false);
  return s;
}

// The range as `git rev-list --parents` gives it: newest first, the order
// whose ties DagBisection breaks as git does.
vcs::CommitGraph load_range(const std::filesystem::path& dir, const std::string& bad,
                            const std::string& good) {
  vcs::CommitGraph g;
  std::vector<std::vector<std::string>> rows;
  const std::string listing = sh("git rev-list --parents " + bad + " --not " + good, dir).output;
  for (auto line : split_lines(listing)) {
    std::istringstream in{std::string(line)};
    std::vector<std::string> row;
    for (std::string w; in >> w;) row.push_back(w);
    if (row.empty()) continue;
    g.add_commit(row[0]);
    rows.push_back(std::move(row));
  }
  for (const auto& row : rows)
    for (std::size_t k = 1; k < row.size(); ++k)
      if (auto p = g.find(row[k]); p != vcs::kNoCommit) g.add_parent(g.find(row[0]), p);
  g.finish();
  return g;
}

Session our_bisect(const vcs::CommitGraph& g, const Trial& t,
                   const std::map<std::string, int>& index, const std::string& bad) {
  Session s;
  DagBisection dag(g, g.find(bad));
  while (auto next = dag.next()) {
    s.progress.push_back(std::to_string(dag.remaining()) + " " +
                         std::to_string(dag.estimated_steps()));
    s.tested.push_back(g.hash(*next));
    const int c = index.at(g.hash(*next));
    if (t.untestable.count(c))
      dag.mark_skip(*next);
    else if (t.anc[c][t.culprit])  // the oracle: the culprit is an ancestor
      dag.mark_bad(*next);
    else
      dag.mark_good(*next);
  }
  for (auto c : dag.candidates()) s.answer.insert(g.hash(c));
  return s;
}

void check(int trials, bool with_skips, std::uint32_t seed) {
  std::mt19937 rng(seed);
  int ours_total = 0, git_total = 0, same_sequence = 0, same_progress = 0, git_lists = 0;
  for (int trial = 0; trial < trials; ++trial) {
    Trial t;
    t.parents = testing::random_parents(rng, 12 + static_cast<int>(rng() % 60));
    t.anc = testing::ancestor_matrix(t.parents);
    const int n = static_cast<int>(t.parents.size());
    t.culprit = 1 + static_cast<int>(rng() % static_cast<unsigned>(n - 1));
    if (with_skips)
      for (int c = 1; c < n - 1; ++c)
        if (rng() % 6 == 0) t.untestable.insert(c);
    TempDir dir;
    const auto hashes = write_repo(t, dir.path());
    std::map<std::string, int> index;
    for (int i = 0; i < n; ++i) index[hashes[i]] = i;
    const std::string bad = hashes[n - 1], good = hashes[0];
    const Session git = git_bisect(dir.path(), bad, good);
    const vcs::CommitGraph graph = load_range(dir.path(), bad, good);
    const Session ours = our_bisect(graph, t, index, bad);
    SCOPED_TRACE("trial " + std::to_string(trial) + " with " + std::to_string(n) + " commits");
    ASSERT_FALSE(git.answer.empty()) << "could not read git's answer";
    EXPECT_TRUE(ours.answer.count(hashes[t.culprit])) << "our answer misses the real culprit";
    // Stricter than the issue asks: with indices in rev-list order and git's
    // tie-breaking, the sessions are the same commit for commit.
    EXPECT_EQ(ours.tested, git.tested);
    EXPECT_EQ(ours.progress, git.progress);
    if (!with_skips) {
      EXPECT_EQ(ours.answer, std::set<std::string>{hashes[t.culprit]});
      EXPECT_LE(ours.tested.size(), git.tested.size() + 1);
    }
    git_lists += git.answer.size() > 1;
    same_sequence += ours.tested == git.tested;
    same_progress += ours.progress == git.progress;
    ours_total += static_cast<int>(ours.tested.size());
    git_total += static_cast<int>(git.tested.size());
  }
  std::printf(
      "%d random DAGs%s: tested commits ours %d, git %d (mean %.2f vs %.2f); same commits in the "
      "same "
      "order in %d, same 'Bisecting:' lines in %d; git answered with a list in %d\n",
      trials, with_skips ? " with untestable commits" : "", ours_total, git_total,
      static_cast<double>(ours_total) / trials, static_cast<double>(git_total) / trials,
      same_sequence, same_progress, git_lists);
}

TEST(DagProperty, SameCulpritAsGitBisectRunAndAtMostOneMoreTest) { check(200, false, 20261125); }

TEST(DagProperty, UntestableCommitsGiveGitsAnswer) { check(60, true, 7); }

}  // namespace
}  // namespace culprit::bisect
