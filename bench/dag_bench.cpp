// Time to pick the next commit with DagBisection on real and synthetic
// histories, against baselines measured in the same run:
//  - naive exact counting (one walk per merge, what git does without its
//    early exit) on the same range;
//  - `git rev-list --bisect` on a repository generated from the same DAG
//    with fast-import (cached under /tmp).
//
//   dag_bench [--benchmark_filter=...]   (DAG: $CULPRIT_DAG or ../shared/dags/)
//
// The real DAG is git/git's history (82k commits); the synthetic one has 2M
// commits, a main line merging topic branches forked from recent main-line
// commits (a kernel-like merge density).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bisect/dag_bisection.h"

using culprit::bisect::DagBisection;
using culprit::vcs::CommitGraph;
using culprit::vcs::CommitIndex;

namespace {

struct Dag {
  std::vector<std::vector<std::uint32_t>> parents;  // parents before children
  std::map<std::string, std::uint32_t> tags;
};

std::string dag_path() {
  if (const char* env = std::getenv("CULPRIT_DAG")) return env;
  for (const char* p :
       {"../shared/dags/git-history.dag.gz", "/work/shared/dags/git-history.dag.gz"})
    if (std::filesystem::exists(p)) return p;
  return {};
}

const Dag* real_dag() {
  static const std::unique_ptr<Dag> dag = []() -> std::unique_ptr<Dag> {
    const std::string path = dag_path();
    if (path.empty()) return nullptr;
    auto d = std::make_unique<Dag>();
    std::unique_ptr<FILE, int (*)(FILE*)> in(popen(("gzip -dc '" + path + "'").c_str(), "r"),
                                             pclose);
    if (!in) return nullptr;
    char buf[1 << 16];
    while (std::fgets(buf, sizeof buf, in.get())) {
      std::istringstream line(buf);
      std::string kind;
      line >> kind;
      if (kind == "c") {
        std::uint32_t idx = 0;
        int files = 0;
        line >> idx >> files;
        d->parents.emplace_back();
        for (std::uint32_t p; line >> p;) d->parents.back().push_back(p);
      } else if (kind == "t") {
        std::uint32_t idx = 0;
        std::string tag;
        line >> idx >> tag;
        d->tags[tag] = idx;
      }
    }
    return d->parents.empty() ? nullptr : std::move(d);
  }();
  return dag.get();
}

// Main line of merges; each merges a topic of 1-12 commits forked from one
// of the last 200 main-line commits; a tenth of main-line commits are plain.
Dag synthetic_dag(std::uint32_t n, std::uint32_t seed) {
  Dag d;
  std::mt19937 rng(seed);
  d.parents.emplace_back();
  std::vector<std::uint32_t> main{0};
  while (d.parents.size() < n) {
    const auto tip = main.back();
    if (rng() % 10 == 0 || main.size() < 2) {
      d.parents.push_back({tip});
    } else {
      auto fork = main[main.size() - 1 - rng() % std::min<std::size_t>(main.size(), 200)];
      const int len = 1 + static_cast<int>(rng() % 12);
      for (int i = 0; i < len; ++i) {
        d.parents.push_back({fork});
        fork = static_cast<std::uint32_t>(d.parents.size() - 1);
      }
      d.parents.push_back({tip, fork});
    }
    main.push_back(static_cast<std::uint32_t>(d.parents.size() - 1));
  }
  return d;
}

// `tip --not good` as a CommitGraph, newest first as rev-list lists it.
CommitGraph range_graph(const Dag& d, std::uint32_t tip, std::int64_t good) {
  const std::size_t n = d.parents.size();
  std::vector<char> below_good(n, 0), in(n, 0);
  auto mark = [&](std::uint32_t from, std::vector<char>& seen, const std::vector<char>* stop) {
    std::vector<std::uint32_t> stack{from};
    while (!stack.empty()) {
      auto c = stack.back();
      stack.pop_back();
      if (seen[c] || (stop && (*stop)[c])) continue;
      seen[c] = 1;
      for (auto p : d.parents[c]) stack.push_back(p);
    }
  };
  if (good >= 0) mark(static_cast<std::uint32_t>(good), below_good, nullptr);
  mark(tip, in, &below_good);
  CommitGraph g;
  std::vector<CommitIndex> id(n, culprit::vcs::kNoCommit);
  for (std::size_t i = n; i-- > 0;)
    if (in[i]) id[i] = g.add_commit(std::to_string(i));
  for (std::size_t i = 0; i < n; ++i)
    if (in[i])
      for (auto p : d.parents[i])
        if (in[p]) g.add_parent(id[i], id[p]);
  g.finish();
  return g;
}

// git's count_distance without the early exit: one walk per merge.
CommitIndex naive_pick(const CommitGraph& g, CommitIndex bad) {
  const std::size_t n = g.size();
  std::vector<std::uint32_t> weight(n, 0), seen(n, 0);
  std::uint32_t epoch = 0;
  const auto& topo = g.topo_order();
  for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
    auto ps = g.parents(*it);
    if (ps.size() == 0) {
      weight[*it] = 1;
    } else if (ps.size() == 1) {
      weight[*it] = weight[ps[0]] + 1;
    } else {
      ++epoch;
      std::uint32_t w = 0;
      std::vector<CommitIndex> stack{*it};
      while (!stack.empty()) {
        auto c = stack.back();
        stack.pop_back();
        if (seen[c] == epoch) continue;
        seen[c] = epoch;
        ++w;
        for (auto p : g.parents(c)) stack.push_back(p);
      }
      weight[*it] = w;
    }
  }
  CommitIndex best = bad;
  std::uint32_t best_score = 0;
  for (CommitIndex c = 0; c < n; ++c) {
    const auto s = std::min(weight[c], static_cast<std::uint32_t>(n) - weight[c]);
    if (s > best_score) best_score = s, best = c;
  }
  return best;
}

struct Range {
  std::string name;
  std::uint32_t tip;
  std::int64_t good;  // -1: the whole history
};

std::vector<Range> real_ranges(const Dag& d) {
  std::vector<Range> out{{"full", static_cast<std::uint32_t>(d.parents.size() - 1), -1}};
  for (auto [from, to] :
       {std::pair{"v2.0.0", "v2.10.0"}, {"v2.30.0", "v2.40.0"}, {"v2.39.0", "v2.40.0"}}) {
    auto a = d.tags.find(from), b = d.tags.find(to);
    if (a != d.tags.end() && b != d.tags.end())
      out.push_back({std::string(from) + ".." + to, b->second, a->second});
  }
  return out;
}

void add_counters(benchmark::State& state, const CommitGraph& g) {
  state.counters["commits"] = static_cast<double>(g.size());
}

void BM_FirstPick(benchmark::State& state, const Dag* d, Range r) {
  if (!d) return state.SkipWithError("no DAG: set CULPRIT_DAG or provide ../shared/dags");
  const CommitGraph g = range_graph(*d, r.tip, r.good);
  const CommitIndex bad = g.find(std::to_string(r.tip));
  for (auto _ : state) {
    DagBisection dag(g, bad);
    benchmark::DoNotOptimize(dag.next());
  }
  add_counters(state, g);
}

void BM_NaivePick(benchmark::State& state, const Dag* d, Range r) {
  if (!d) return state.SkipWithError("no DAG: set CULPRIT_DAG or provide ../shared/dags");
  const CommitGraph g = range_graph(*d, r.tip, r.good);
  const CommitIndex bad = g.find(std::to_string(r.tip));
  for (auto _ : state) benchmark::DoNotOptimize(naive_pick(g, bad));
  add_counters(state, g);
}

// Whole sessions, one per culprit (five commits spread over the range in
// topological order): mean tests per session and mean time per pick.
void BM_SessionPerPick(benchmark::State& state, const Dag* d, Range r, std::size_t exact_limit) {
  if (!d) return state.SkipWithError("no DAG: set CULPRIT_DAG or provide ../shared/dags");
  const CommitGraph g = range_graph(*d, r.tip, r.good);
  const CommitIndex bad = g.find(std::to_string(r.tip));
  const auto& topo = g.topo_order();
  std::vector<std::vector<char>> has_bug;
  std::vector<CommitIndex> culprits;
  for (int k = 1; k <= 5; ++k) {
    const CommitIndex culprit = topo[topo.size() * static_cast<std::size_t>(k) / 6];
    std::vector<char> bug(g.size(), 0);
    for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
      bug[*it] = *it == culprit;
      for (auto p : g.parents(*it)) bug[*it] = bug[*it] || bug[p];
    }
    culprits.push_back(culprit);
    has_bug.push_back(std::move(bug));
  }
  std::int64_t picks = 0, sessions = 0;
  for (auto _ : state) {
    for (std::size_t k = 0; k < culprits.size(); ++k) {
      DagBisection dag(g, bad);
      dag.set_exact_limit(exact_limit);
      while (auto next = dag.next()) {
        ++picks;
        if (has_bug[k][*next])
          dag.mark_bad(*next);
        else
          dag.mark_good(*next);
      }
      ++sessions;
      if (dag.culprit() != culprits[k]) state.SkipWithError("wrong culprit");
    }
  }
  state.counters["tests_per_session"] = static_cast<double>(picks) / static_cast<double>(sessions);
  state.counters["per_pick"] = benchmark::Counter(
      static_cast<double>(picks), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  add_counters(state, g);
}

// A git repository with the real DAG's shape (fast-import, cached): the
// baseline `git rev-list --bisect` runs on it.
std::string git_repo_for(const Dag& d) {
  // With a commit-graph file, as a maintained clone has.
  const std::string dir = "/tmp/culprit-dag-bench-git2";
  if (std::filesystem::exists(dir + "/done")) return dir;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::ofstream s(dir + "/stream");
    for (std::size_t c = 0; c < d.parents.size(); ++c) {
      s << "commit refs/heads/master\nmark :" << c + 1 << "\ncommitter T <t@example.com> "
        << 1100000000 + c * 60 << " +0000\ndata <<EOT\nc" << c << "\nEOT\n";
      const auto& ps = d.parents[c];
      s << (ps.empty() ? std::string("deleteall\n") : "from :" + std::to_string(ps[0] + 1) + "\n");
      for (std::size_t k = 1; k < ps.size(); ++k) s << "merge :" << ps[k] + 1 << "\n";
      s << "M 644 inline f\ndata <<EOT\n" << c << "\nEOT\n\n";
    }
  }
  const std::string cmd =
      "cd " + dir +
      " && git init -q -b master . && git fast-import --quiet --export-marks=marks "
      "< stream && rm stream && git commit-graph write --reachable && touch done";
  if (std::system(cmd.c_str()) != 0) return {};
  return dir;
}

std::string mark_hash(const std::string& dir, std::uint32_t index) {
  std::ifstream in(dir + "/marks");
  const std::string want = ":" + std::to_string(index + 1);
  for (std::string mark, hash; in >> mark >> hash;)
    if (mark == want) return hash;
  return {};
}

void BM_GitRevListBisect(benchmark::State& state, const Dag* d, Range r) {
  if (!d) return state.SkipWithError("no DAG: set CULPRIT_DAG or provide ../shared/dags");
  const std::string dir = git_repo_for(*d);
  if (dir.empty()) return state.SkipWithError("could not build the git repository");
  std::string cmd = "cd " + dir + " && git rev-list --bisect " + mark_hash(dir, r.tip);
  if (r.good >= 0) cmd += " --not " + mark_hash(dir, static_cast<std::uint32_t>(r.good));
  cmd += " >/dev/null";
  for (auto _ : state)
    if (std::system(cmd.c_str()) != 0) state.SkipWithError("git rev-list --bisect failed");
}

const Dag& big_synthetic() {
  static const Dag d = synthetic_dag(2'000'000, 1);
  return d;
}

void register_all() {
  const Dag* d = real_dag();
  if (!d) {
    std::fprintf(stderr,
                 "dag_bench: no real DAG found (CULPRIT_DAG, ../shared/dags): skipping it\n");
  } else {
    for (const auto& r : real_ranges(*d)) {
      benchmark::RegisterBenchmark(("first_pick/git/" + r.name).c_str(), BM_FirstPick, d, r)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("naive_pick/git/" + r.name).c_str(), BM_NaivePick, d, r)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("git_rev_list_bisect/git/" + r.name).c_str(),
                                   BM_GitRevListBisect, d, r)
          ->Unit(benchmark::kMillisecond)
          ->Iterations(3);
      benchmark::RegisterBenchmark(("session/git/" + r.name).c_str(), BM_SessionPerPick, d, r,
                                   culprit::bisect::ReachCounter::kExactLimit)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("session_approx/git/" + r.name).c_str(), BM_SessionPerPick, d,
                                   r, 0)
          ->Unit(benchmark::kMillisecond);
    }
  }
  const Range all{"2M", 1'999'999, -1};
  benchmark::RegisterBenchmark(
      "first_pick/synthetic/2M",
      [all](benchmark::State& s) { BM_FirstPick(s, &big_synthetic(), all); })
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RegisterBenchmark("session/synthetic/2M",
                               [all](benchmark::State& s) {
                                 BM_SessionPerPick(s, &big_synthetic(), all,
                                                   culprit::bisect::ReachCounter::kExactLimit);
                               })
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
