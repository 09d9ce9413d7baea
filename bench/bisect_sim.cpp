// The bisection simulator: the real engine (CommitTester, Bisector, the
// strategies, DagBisection) on real history shapes, with simulated builds
// and test runs plugged in through the engine's interfaces.
//
//   bisect_sim [--dag FILE] [--trials N] [--seed S] [--only real|kernel] [--quick]
//              [--p P] [--q Q] [--f F] [--columns NAMES]   (a part of the table only)
//              [--infer-title]   (no --title: the start commit's most frequent crash is bisected)
//              [--title-model [--titles T]]   (the bug's crash under one of T titles per run)
//              [--fix-model]   (fix bisection: the crash is fixed inside the range)
//              [--hang-model]   (runs that hang or lose the VM at rate h on every commit)
//
// Strategies side by side on the same trials: syzbot, adaptive, posterior
// with K = 1 and K = 4 slots (--parallel); K = 8 and 16 (a cluster: issue 15)
// when --columns names them ('post K=8,post K=16'). --quick: few trials, p = 0.3
// only, and exit status 1 unless the posterior strategy finds the culprit
// more often than syzbot's rule on the same trials (the CI check).
//
// Each trial picks a release tag, a later commit that descends from it, and
// a culprit in between, then bisects with --good = the release. Settings:
// reproduction rate p, unrelated-crash rate q, unbuildable commits f, and 20%
// binary-identical (docs-only) commits. --title-model: the bug's crash gets
// one of T titles at random per run (T in {1, 3, 5}: the same type, the top
// frame differs, the frames below it are the same), at p in {1, 0.5}. --hang-model: any run
// of any commit ends at rate h in {0, 0.05} with `no output from test machine` or `lost
// connection to test machine` (syzbot's two most common non-crashes) instead of its
// outcome, at p in {1, 0.5, 0.3}. Costs: a build is base + per
// changed file since the previous build, a run is fixed.
//
// --fix-model: the same trials mirrored for `bisect --fix`: the release is
// the crashing start (--commit), the later commit the head (--head), and
// the trial's commit in between the fix. The crash is present from the
// range's start (and on every older commit) and the fix removes it from its
// descendants; the revert of the fix on the head brings it back. Settings p
// in {1, 0.3, 0.1}, q in {0, 0.05}, no unbuildable commits; columns syzbot,
// adaptive and post K=1 (fix bisection has no --parallel).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bisect/bisector.h"
#include "store/journal.h"

using namespace culprit;

namespace {

constexpr double kBuildBase = 600;     // seconds: an incremental kernel build's fixed part
constexpr double kBuildPerFile = 2.0;  // seconds per file changed since the previous build
constexpr double kBuildMax = 3600;     // a full build
constexpr double kRunSeconds = 90;     // boot + reproducer
// A ccache hit relative to a compile: on this machine a kernel build from a
// warm ccache took 51-69 s against 1005 s cold (examples/linux-qemu).
constexpr double kCcacheHit = 0.06;
constexpr const char* kBugTitle = "KASAN: use-after-free Read in sim_func";
constexpr const char* kBugType = "KASAN-USE-AFTER-FREE-READ";

// The bug's k-th title and its report: the top frame is sim_func (k = 0)
// or sim_func_<k>, the callers below it always the same.
std::string bug_title(int k) { return k == 0 ? kBugTitle : fmt::format("{}_{}", kBugTitle, k); }
std::string bug_report(int k) {
  return fmt::format(
      "BUG: {}\nCall Trace:\n {}+0x1c/0x30\n sim_caller_a+0x10/0x80\n sim_caller_b+0x22/0x90\n "
      "sim_caller_c+0x31/0x70\n sim_caller_d+0x12/0x40\n do_syscall_64+0x3d/0x90\n",
      bug_title(k), k == 0 ? std::string("sim_func") : fmt::format("sim_func_{}", k));
}
constexpr const char* kUnrelatedReport =
    "WARNING: ODEBUG bug in unrelated\nCall Trace:\n unrelated+0x1c/0x30\n "
    "other_caller+0x10/0x80\n other_entry+0x22/0x90\n";

struct Dag {
  std::vector<std::vector<std::uint32_t>> parents;
  std::vector<int> files;
  std::vector<std::pair<std::uint32_t, std::string>> tags;
  std::string name;
  std::vector<double> file_sums;  // file_sums[i]: files changed by commits 0..i-1 (finish())

  void finish() {
    file_sums.assign(files.size() + 1, 0);
    for (std::size_t i = 0; i < files.size(); ++i) file_sums[i + 1] = file_sums[i] + files[i];
  }
  // Files changed by the commits after the older of a and b, up to the newer.
  double files_between(std::uint32_t a, std::uint32_t b) const {
    if (a > b) std::swap(a, b);
    return file_sums[b + 1] - file_sums[a + 1];
  }
};

Dag load_dag(const std::string& path) {
  Dag d;
  d.name = "git-history";
  std::unique_ptr<FILE, int (*)(FILE*)> in(popen(("gzip -dc " + path).c_str(), "r"), pclose);
  if (!in) throw std::runtime_error("cannot read " + path);
  char buf[1 << 16];
  while (std::fgets(buf, sizeof buf, in.get())) {
    std::istringstream line(buf);
    std::string kind;
    line >> kind;
    if (kind == "c") {
      std::uint32_t idx;
      int files;
      line >> idx >> files;
      if (idx != d.parents.size()) throw std::runtime_error("dag: indices out of order");
      d.parents.emplace_back();
      d.files.push_back(files);
      std::uint32_t p;
      while (line >> p) d.parents.back().push_back(p);
    } else if (kind == "t") {
      std::uint32_t idx;
      std::string tag;
      line >> idx >> tag;
      d.tags.emplace_back(idx, tag);
    }
  }
  if (d.parents.empty()) throw std::runtime_error("dag: empty " + path);
  d.finish();
  return d;
}

// A kernel-like history: a main line of merge commits, each merging a
// subsystem branch of 5-60 commits forked from the previous release; a
// release every ~`per_release` merges with -rc style linear fixes between.
Dag kernel_like(std::uint32_t releases, std::uint32_t seed) {
  Dag d;
  d.name = "kernel-like";
  std::mt19937 rng(seed);
  auto add = [&](std::vector<std::uint32_t> parents) {
    d.parents.push_back(std::move(parents));
    d.files.push_back(1 + static_cast<int>(rng() % 6));
    return static_cast<std::uint32_t>(d.parents.size() - 1);
  };
  std::uint32_t head = add({});
  d.tags.emplace_back(head, "v1.0");
  for (std::uint32_t r = 1; r <= releases; ++r) {
    std::uint32_t base = head;
    int merges = 40 + static_cast<int>(rng() % 40);
    for (int m = 0; m < merges; ++m) {
      std::uint32_t tip = base;
      int n = 5 + static_cast<int>(rng() % 56);
      for (int i = 0; i < n; ++i) tip = add({tip});
      head = add({head, tip});
    }
    for (int i = 0; i < 30; ++i) head = add({head});  // -rc fixes
    d.tags.emplace_back(head, fmt::format("v1.{}", r));
  }
  d.finish();
  return d;
}

struct Setting {
  double p, q, f;
  int titles = 1;    // T: the bug's crash shows one of this many titles
  double h = 0;      // a run hangs or loses its VM, whatever the commit
  bool fix = false;  // --fix-model: `culprit` is the fix
};

// One trial's world: the DAG plus the culprit and the randomness.
class World : public bisect::History,
              public bisect::Workspace,
              public build::Builder,
              public run::TestRunner {
 public:
  World(const Dag& dag, std::uint32_t good, std::uint32_t bad, std::uint32_t culprit, Setting s,
        std::uint64_t seed)
      : dag_(dag), s_(s), rng_(seed), culprit_(culprit) {
    // The range and the bug, in index order (parents come first).
    std::vector<std::uint8_t> below_good(dag.parents.size(), 0);
    mark_ancestors(good, below_good);
    in_range_.assign(dag.parents.size(), 0);
    std::vector<std::uint8_t> below_bad(dag.parents.size(), 0);
    mark_ancestors(bad, below_bad);
    for (std::uint32_t i = 0; i < dag.parents.size(); ++i)
      in_range_[i] = below_bad[i] && !below_good[i];
    has_bug_.assign(dag.parents.size(), 0);
    sig_.resize(dag.parents.size());
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<std::uint8_t> fixed(dag.parents.size(), 0);
    for (std::uint32_t i = 0; i <= bad; ++i) {
      if (!below_bad[i]) continue;
      if (s.fix) {
        // Crashing from the start; not where the fix is.
        bool f = i == culprit;
        for (auto p : dag.parents[i]) f = f || fixed[p];
        fixed[i] = f;
        has_bug_[i] = !f;
      } else {
        bool bug = i == culprit;
        for (auto p : dag.parents[i]) bug = bug || has_bug_[p];
        has_bug_[i] = bug;
      }
      // Only single-parent commits can leave the binary alone: a merge brings in its side.
      bool docs_only = i != culprit && dag.parents[i].size() == 1 && u(rng_) < 0.2;
      sig_[i] = docs_only ? sig_[dag.parents[i][0]] : i;
      if (in_range_[i] && i != bad && u(rng_) < s.f) unbuildable_.insert(i);
    }
    range_size_ = static_cast<std::size_t>(std::count(in_range_.begin(), in_range_.end(), 1));
  }
  std::size_t range_size() const { return range_size_; }
  double build_seconds = 0, run_seconds = 0;
  int build_calls = 0;                  // rebuilds of a commit built before included
  std::set<std::string> revert_builds;  // verification's revert commits built
  std::size_t slots = 1;                // work trees: each keeps its last build

  static std::string h(std::uint32_t i) { return std::to_string(i); }
  // Commits are their DAG index; verification's reverts are "r<X>@<onto>":
  // X reverted on top of onto, which stands in for them where an index is
  // needed (ancestry, build cost).
  static bool is_revert(const std::string& s) { return !s.empty() && s[0] == 'r'; }
  static std::uint32_t idx(const std::string& s) {
    if (is_revert(s)) return static_cast<std::uint32_t>(std::stoul(s.substr(s.find('@') + 1)));
    return static_cast<std::uint32_t>(std::stoul(s));
  }
  static std::uint32_t reverted(const std::string& s) {
    return static_cast<std::uint32_t>(std::stoul(s.substr(1)));
  }

  vcs::CommitInfo info(const std::string& hash) override {
    vcs::CommitInfo c;
    c.hash = hash;
    c.title = "commit " + hash;
    c.author = {"Sim", "sim@example.com"};
    if (is_revert(hash))
      c.parents.push_back(h(idx(hash)));
    else
      for (auto p : dag_.parents[idx(hash)]) c.parents.push_back(h(p));
    c.tree = "tree-" + hash;
    return c;
  }
  // A single cause: the revert of the culprit removes the bug, any other
  // revert leaves it. It builds like its base and costs a build.
  vcs::Revert revert(const std::string& commit, const std::string& onto) override {
    return {"r" + commit + "@" + onto, ""};
  }
  bool is_ancestor(const std::string& a, const std::string& d) override {
    // Parents come first: a path from d down to a stays at indices >= a.
    const auto target = idx(a);
    std::vector<std::uint8_t> seen(dag_.parents.size(), 0);
    std::vector<std::uint32_t> stack{idx(d)};
    while (!stack.empty()) {
      auto c = stack.back();
      stack.pop_back();
      if (c == target) return true;
      if (c < target || seen[c]) continue;
      seen[c] = 1;
      for (auto p : dag_.parents[c]) stack.push_back(p);
    }
    return false;
  }
  std::optional<std::string> merge_base(const std::string&, const std::string&) override {
    return std::nullopt;
  }
  std::vector<vcs::Release> releases_before(const std::string&) override { return {}; }
  std::vector<std::string> release_tags_at(const std::string&) override { return {}; }
  vcs::CommitGraph load_range(const std::string& bad,
                              const std::vector<std::string>& goods) override {
    std::vector<std::uint8_t> hidden(dag_.parents.size(), 0);
    for (const auto& g : goods) mark_ancestors(idx(g), hidden);
    std::vector<std::uint8_t> in(dag_.parents.size(), 0);
    std::vector<std::uint32_t> stack{idx(bad)};
    vcs::CommitGraph graph;
    while (!stack.empty()) {
      auto c = stack.back();
      stack.pop_back();
      if (in[c] || hidden[c]) continue;
      in[c] = 1;
      graph.add_commit(h(c));
      for (auto p : dag_.parents[c]) stack.push_back(p);
    }
    for (std::uint32_t c = 0; c < in.size(); ++c)
      if (in[c])
        for (auto p : dag_.parents[c])
          if (in[p]) graph.add_parent(graph.find(h(c)), graph.find(h(p)));
    graph.finish();
    return graph;
  }
  std::string show(const std::string& hash) override { return "commit " + hash; }
  std::pair<std::vector<std::string>, std::vector<std::string>> recipients(
      const std::string&) override {
    return {};
  }
  std::filesystem::path checkout(const std::string&) override { return {}; }
  std::filesystem::path path() const override { return {}; }

  std::string id_for(const std::string&) const override { return "simulated"; }
  std::string cache_key() const override { return "sim"; }
  // Like the QEMU runner: a run boots the kept kernel image, so more runs on
  // a commit built earlier need no rebuild of a work tree.
  bool needs_work_tree() const override { return false; }

  build::BuildResult build(const build::BuildRequest& req) override {
    auto c = idx(req.commit);
    // Files changed since the previous build in the slot that builds it:
    // the commits between them in index order stand in for the diff. With
    // K slots (work trees), the slot whose last build is nearest.
    double changed = 1e9;
    std::size_t slot = last_built_.size();
    for (std::size_t k = 0; k < last_built_.size(); ++k) {
      double files = dag_.files_between(c, last_built_[k]);
      if (files < changed) {
        changed = files;
        slot = k;
      }
    }
    if (slot == last_built_.size()) {
      if (last_built_.size() < slots)
        last_built_.push_back(c);
      else
        last_built_[next_slot_++ % slots] = c;
    } else {
      last_built_[slot] = c;
    }
    // ccache (the kernel builder's, shared by all slots): of the files to
    // recompile, those unchanged since some earlier build are cache hits at
    // a fraction of a compile; only the rest cost a full compile.
    double misses = changed;
    for (auto b : ever_built_) misses = std::min(misses, dag_.files_between(c, b));
    ever_built_.push_back(c);
    double secs = std::min(kBuildMax,
                           kBuildBase + kBuildPerFile * (misses + kCcacheHit * (changed - misses)));
    build_seconds += secs;
    ++build_calls;
    if (is_revert(req.commit)) {
      revert_builds.insert(req.commit);
      return {true, "sig" + req.commit, "", secs};
    }
    if (unbuildable_.count(c))
      return {false, "", "sim.c:1:1: error: simulated build failure", secs};
    return {true, fmt::format("sig{}", sig_[c]), "", secs};
  }
  run::RunOutcome run(const run::RunRequest& req) override {
    run_seconds += kRunSeconds;
    std::uniform_real_distribution<double> u(0, 1);
    auto c = idx(req.commit);
    // The revert of the culprit takes the crash away; the revert of the fix
    // brings it back.
    bool culprit_reverted = is_revert(req.commit) && reverted(req.commit) == culprit_;
    bool bug = s_.fix ? has_bug_[c] || culprit_reverted : has_bug_[c] && !culprit_reverted;
    // Drawn only when asked for, so that h = 0 gives the main table's trials.
    if (s_.h > 0 && u(rng_) < s_.h) {
      if (rng_() % 2)
        return {run::RunStatus::crashed, "no output from test machine", "NO_OUTPUT", "",
                kRunSeconds};
      return {run::RunStatus::crashed, "lost connection to test machine", "LOST_CONNECTION", "",
              kRunSeconds};
    }
    if (bug && u(rng_) < s_.p) {
      // One title only: no draw, so that the trials are those of the main table.
      int k = s_.titles > 1 ? static_cast<int>(rng_() % static_cast<unsigned>(s_.titles)) : 0;
      return {run::RunStatus::crashed, bug_title(k), kBugType, bug_report(k), kRunSeconds};
    }
    if (u(rng_) < s_.q)
      return {run::RunStatus::crashed, "WARNING: ODEBUG bug in unrelated", "WARNING",
              kUnrelatedReport, kRunSeconds};
    return {run::RunStatus::ok, "", "", "", kRunSeconds};
  }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  void mark_ancestors(std::uint32_t from, std::vector<std::uint8_t>& seen) const {
    std::vector<std::uint32_t> stack{from};
    while (!stack.empty()) {
      auto c = stack.back();
      stack.pop_back();
      if (seen[c]) continue;
      seen[c] = 1;
      for (auto p : dag_.parents[c]) stack.push_back(p);
    }
  }
  const Dag& dag_;
  Setting s_;
  std::mt19937_64 rng_;
  std::vector<std::uint8_t> in_range_, has_bug_;
  std::vector<std::uint32_t> sig_;
  std::set<std::uint32_t> unbuildable_;
  std::uint32_t culprit_;
  std::size_t range_size_ = 0;
  std::vector<std::uint32_t> last_built_;  // per slot
  std::vector<std::uint32_t> ever_built_;  // what ccache holds
  std::size_t next_slot_ = 0;
};

struct Cell {
  int trials = 0, exact = 0, wrong = 0, none = 0, not_reproduced = 0;
  double builds = 0, build_calls = 0, runs = 0, hours = 0, wall_hours = 0, optimal_builds = 0,
         revert_builds = 0;
  int within_log2_plus_1 = 0;
};

struct Trial {
  std::uint32_t good, bad, culprit;
  std::uint64_t seed;
};

// Ranges between a release and a later commit descending from it.
std::vector<Trial> make_trials(const Dag& dag, int n, std::uint32_t seed, std::size_t max_span) {
  std::mt19937 rng(seed);
  std::vector<Trial> out;
  std::vector<std::uint32_t> tagged;
  for (const auto& [i, name] : dag.tags)
    if (i + 50 < dag.parents.size()) tagged.push_back(i);
  if (tagged.empty()) throw std::runtime_error("dag has no usable tags");
  while (static_cast<int>(out.size()) < n) {
    auto good = tagged[rng() % tagged.size()];
    auto bad = static_cast<std::uint32_t>(std::min<std::size_t>(
        dag.parents.size() - 1, good + 20 + rng() % std::max<std::size_t>(1, max_span)));
    // The range: ancestors of bad, not of good; the culprit is one of them.
    std::vector<std::uint8_t> below_good(dag.parents.size(), 0), below_bad(dag.parents.size(), 0);
    auto mark = [&](std::uint32_t from, std::vector<std::uint8_t>& seen) {
      std::vector<std::uint32_t> stack{from};
      while (!stack.empty()) {
        auto c = stack.back();
        stack.pop_back();
        if (seen[c]) continue;
        seen[c] = 1;
        for (auto p : dag.parents[c]) stack.push_back(p);
      }
    };
    mark(bad, below_bad);
    if (!below_bad[good]) continue;
    mark(good, below_good);
    std::vector<std::uint32_t> range;
    for (std::uint32_t i = good; i <= bad; ++i)
      if (below_bad[i] && !below_good[i]) range.push_back(i);
    if (range.size() < 8) continue;
    out.push_back({good, bad, range[rng() % range.size()], rng()});
  }
  return out;
}

void run_cell(const Dag& dag, const std::vector<Trial>& trials, Setting s,
              const std::string& strategy_name, int slots, bool infer_title, Cell& cell) {
  for (const auto& t : trials) {
    World world(dag, t.good, t.bad, t.culprit, s, t.seed);
    world.slots = static_cast<std::size_t>(slots);
    store::MemoryJournal journal;
    bisect::BisectLog log;
    std::vector<std::string> lines;
    if (getenv("SIM_LOG") || getenv("SIM_TRIAL"))
      log.add_sink([&](const std::string& l) { lines.push_back(l); });
    auto strategy = bisect::make_strategy(strategy_name, 10);
    bisect::TesterConfig cfg;
    cfg.state_dir = "/nonexistent-sim";
    // As syzbot, which knows the title of the bug it bisects (--title);
    // its own rule counts any crash all the same.
    if (!infer_title) cfg.target_title = kBugTitle;
    bisect::CommitTester tester(world, world, world, world, *strategy, journal, log, cfg);
    bisect::BisectOptions o;
    if (s.fix) {
      o.fix = true;
      o.commit = World::h(t.good);
      o.head = World::h(t.bad);
    } else {
      o.commit = World::h(t.bad);
      o.good = World::h(t.good);
    }
    o.search.parallel = slots;
    o.title_inferred = infer_title;
    o.search.costs = bisect::PlanCosts{kBuildBase + kBuildPerFile * 50, kRunSeconds};
    bisect::Bisector b(world, tester, *strategy, log, o);
    auto r = b.run();
    ++cell.trials;
    if (!r.reproduced) {
      ++cell.not_reproduced;
      ++cell.none;
    } else if (r.verdict == "found") {
      bool exact = r.commits.at(0).hash == World::h(t.culprit);
      (exact ? cell.exact : cell.wrong)++;
      if (!exact && getenv("SIM_DEBUG"))
        std::fprintf(stderr, "trial %u..%u culprit %u: wrong %s (%zu parents)\n", t.good, t.bad,
                     t.culprit, r.commits[0].hash.c_str(),
                     dag.parents[World::idx(r.commits[0].hash)].size());
    } else {
      ++cell.none;
      if (getenv("SIM_DEBUG"))
        std::fprintf(stderr, "trial %u..%u culprit %u: %s %s | %s\n", t.good, t.bad, t.culprit,
                     r.verdict.c_str(), r.contradiction.c_str(),
                     r.commits.empty() ? "" : r.commits[0].hash.c_str());
    }
    if (const char* only = getenv("SIM_TRIAL");
        only && std::to_string(t.good) + ".." + std::to_string(t.bad) == only)
      for (const auto& l : lines) std::fprintf(stderr, "  %s\n", l.c_str());
    if (getenv("SIM_LOG") && r.verdict != "found")
      for (const auto& l : lines) std::fprintf(stderr, "  %s\n", l.c_str());
    double optimal = std::ceil(std::log2(world.range_size() + 1.0));
    cell.optimal_builds += optimal;
    // The bound is for the search (start commit included); the revert
    // check's build is verification on top of it, counted in its own column.
    int reverts = static_cast<int>(world.revert_builds.size());
    if (r.builds - reverts <= optimal + 1) ++cell.within_log2_plus_1;
    // One line per trial, to compare strategies' build counts trial by trial.
    if (getenv("SIM_BUILDS"))
      std::fprintf(stderr,
                   "builds %s K=%d trial %u..%u culprit %u range %zu optimal %.0f search %d\n",
                   strategy_name.c_str(), slots, t.good, t.bad, t.culprit, world.range_size(),
                   optimal, r.builds - reverts);
    cell.builds += r.builds;
    cell.revert_builds += reverts;
    cell.build_calls += world.build_calls;
    cell.runs += r.test_runs + r.lent_extra_run_seconds / kRunSeconds;
    // With K slots, runs that lent capacity started past a step's first
    // crash: executed in a real round, not in the simulator's one-at-a-time
    // steps (round_schedule.h), so their cost is added here.
    double hours = (world.build_seconds + world.run_seconds + r.lent_extra_run_seconds) / 3600.0;
    cell.hours += hours;
    cell.wall_hours += r.wall_seconds > 0 ? r.wall_seconds / 3600.0 : hours;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dag_path = "../shared/dags/git-history.dag.gz";
  int trials = 300;
  std::uint32_t seed = 1;
  bool quick = false;
  std::string only;
  double only_p = -1, only_q = -1, only_f = -1;  // keep the settings with these values only
  std::string only_columns;                      // ",syzbot,post K=4,": these columns only
  bool infer_title = false;  // no --title: the bisected crash is the start commit's most frequent
  bool title_model = false;  // the table of the bug under T titles
  int only_titles = -1;
  bool fix_model = false;   // fix bisection: the trials' commit is the fix
  bool hang_model = false;  // the table with hangs and lost VMs at rate h
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dag" && i + 1 < argc)
      dag_path = argv[++i];
    else if (a == "--trials" && i + 1 < argc)
      trials = std::atoi(argv[++i]);
    else if (a == "--seed" && i + 1 < argc)
      seed = static_cast<std::uint32_t>(std::atoi(argv[++i]));
    else if (a == "--quick")
      quick = true;
    else if (a == "--infer-title")
      infer_title = true;
    else if (a == "--title-model")
      title_model = true;
    else if (a == "--fix-model")
      fix_model = true;
    else if (a == "--hang-model")
      hang_model = true;
    else if (a == "--titles" && i + 1 < argc)
      only_titles = std::atoi(argv[++i]);
    else if (a == "--only" && i + 1 < argc)
      only = argv[++i];
    else if (a == "--p" && i + 1 < argc)
      only_p = std::atof(argv[++i]);
    else if (a == "--q" && i + 1 < argc)
      only_q = std::atof(argv[++i]);
    else if (a == "--f" && i + 1 < argc)
      only_f = std::atof(argv[++i]);
    else if (a == "--columns" && i + 1 < argc)
      only_columns = std::string(",") + argv[++i] + ",";
    else {
      std::fprintf(
          stderr,
          "usage: bisect_sim [--dag FILE] [--trials N] [--seed S] [--only real|kernel] [--quick]\n"
          "                  [--p P] [--q Q] [--f F] [--columns 'syzbot,post K=1,...'] "
          "[--infer-title]\n"
          "                  [--title-model [--titles T]] [--hang-model] [--fix-model]\n");
      return 2;
    }
  }
  if (quick && trials == 300) trials = 40;
  std::vector<Dag> dags;
  if (only != "kernel") {
    try {
      dags.push_back(load_dag(dag_path));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bisect_sim: %s (skipping the real DAG)\n", e.what());
    }
  }
  if (only != "real") dags.push_back(kernel_like(12, seed));
  std::vector<Setting> settings;
  if (fix_model) {
    for (double p : {1.0, 0.3, 0.1})
      for (double q : {0.0, 0.05})
        if ((only_p < 0 || p == only_p) && (only_q < 0 || q == only_q))
          settings.push_back({p, q, 0.0, 1, 0.0, true});
  } else if (title_model) {
    for (int t : {1, 3, 5})
      for (double p : {1.0, 0.5})
        for (double q : {0.0, 0.05})
          if ((only_titles < 0 || t == only_titles) && (only_p < 0 || p == only_p) &&
              (only_q < 0 || q == only_q))
            settings.push_back({p, q, 0.0, t});
  } else if (hang_model) {
    for (double h : {0.0, 0.05})
      for (double p : {1.0, 0.5, 0.3})
        for (double q : {0.0, 0.05})
          if ((only_p < 0 || p == only_p) && (only_q < 0 || q == only_q)) {
            Setting st{p, q, 0.0};
            st.h = h;
            settings.push_back(st);
          }
  } else {
    for (double p : quick ? std::vector<double>{0.3} : std::vector<double>{1.0, 0.5, 0.3, 0.1})
      for (double q : {0.0, 0.05})
        for (double f : {0.0, 0.05})
          if ((only_p < 0 || p == only_p) && (only_q < 0 || q == only_q) &&
              (only_f < 0 || f == only_f))
            settings.push_back({p, q, f});
  }
  struct Column {
    const char* name;
    const char* strategy;
    int slots;
    bool named_only = false;  // a cluster's slots: only when --columns names it
  };
  const std::vector<Column> columns{{"syzbot", "syzbot", 1},
                                    {"adaptive", "adaptive", 1},
                                    {"post K=1", "posterior", 1},
                                    {"post K=4", "posterior", 4},
                                    {"post K=8", "posterior", 8, true},
                                    {"post K=16", "posterior", 16, true}};
  std::printf("# title %s\n", infer_title ? "inferred from the start commit" : "given (--title)");
  std::printf(
      "# bisect_sim: %d trials per cell, seed %u; build = %.0fs + %.0fs/changed file (a ccache hit "
      "%.0f%% of that; max "
      "%.0fs), run = %.0fs\n",
      trials, seed, kBuildBase, kBuildPerFile, 100 * kCcacheHit, kBuildMax, kRunSeconds);
  if (title_model) std::printf("# title model: the bug's crash under one of T titles per run\n");
  if (fix_model) std::printf("# fix model: bisect --fix from a crashing release to a fixed head\n");
  if (hang_model)
    std::printf("# hang model: a run of any commit hangs or loses its VM at rate h\n");
  std::printf("%-12s %s%4s %4s %4s  %-9s %6s %6s %6s %7s %5s %7s %7s %8s %8s %9s\n", "dag",
              title_model  ? " T "
              : hang_model ? "   h "
                           : "",
              "p", "q", "f", "strategy", "exact", "wrong", "none", "builds", "rev", "+rebld",
              "runs", "hours", "wall h", "<=log2+1");
  bool check_failed = false;
  for (const auto& dag : dags) {
    auto ts = make_trials(dag, trials, seed, dag.name == "kernel-like" ? 4000 : 2000);
    for (auto s : settings) {
      std::map<std::string, Cell> cells;
      for (const auto& col : columns) {
        if ((quick || fix_model) && col.slots > 1) continue;
        if (col.named_only && only_columns.empty()) continue;
        if (!only_columns.empty() &&
            only_columns.find("," + std::string(col.name) + ",") == std::string::npos)
          continue;
        Cell& c = cells[col.name];
        auto t0 = std::chrono::steady_clock::now();
        run_cell(dag, ts, s, col.strategy, col.slots, infer_title, c);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double n = c.trials;
        std::string t = title_model  ? fmt::format(" {} ", s.titles)
                        : hang_model ? fmt::format("{:4.2f} ", s.h)
                                     : "";
        std::printf(
            "%-12s %s%4.2f %4.2f %4.2f  %-9s %5.1f%% %5.1f%% %5.1f%% %7.1f %5.2f %7.1f %7.1f %8.1f "
            "%8.1f %8.1f%%  (%.1fs)\n",
            dag.name.c_str(), t.c_str(), s.p, s.q, s.f, col.name, 100 * c.exact / n,
            100 * c.wrong / n, 100 * c.none / n, c.builds / n, c.revert_builds / n,
            (c.build_calls - c.builds) / n, c.runs / n, c.hours / n, c.wall_hours / n,
            100 * c.within_log2_plus_1 / n, secs);
        std::fflush(stdout);
      }
      if (quick && cells["post K=1"].exact <= cells["syzbot"].exact) {
        std::printf(
            "CHECK FAILED: posterior (%d exact) does not beat syzbot (%d exact) at p=%.2f q=%.2f "
            "f=%.2f on %s\n",
            cells["post K=1"].exact, cells["syzbot"].exact, s.p, s.q, s.f, dag.name.c_str());
        check_failed = true;
      }
    }
  }
  return check_failed ? 1 : 0;
}
