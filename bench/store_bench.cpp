// The bisection log in the state database: a synthetic bisection of N steps
// with 10 log lines per step, appended one by one as culprit does, against
// a baseline measured in the same run: the log kept as one column that every
// line rewrites (`UPDATE bisections SET log = log || ?`, one synced
// transaction per line), which is how culprit stored it before.
//
//   store_bench [--benchmark_filter=...]
//
// The databases go to $TMPDIR (or /tmp): put it on a real disk, fsync on a
// tmpfs costs nothing.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "store/state_store.h"

namespace {

constexpr int kLinesPerStep = 10;

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "store-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A line as long as syzbot-style log lines are (60-100 bytes).
std::string log_line(int step, int i) {
  return "# git bisect good 0123456789abcdef0123456789abcdef" + std::to_string(step * 100 + i) +
         " (step " + std::to_string(step) + ", line " + std::to_string(i) + ")";
}

void BM_AppendLog(benchmark::State& state) {
  int steps = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    ScratchDir dir;
    auto store = culprit::store::StateStore::open(dir.path());
    store->begin("{}", false);
    state.ResumeTiming();
    for (int s = 0; s < steps; ++s)
      for (int i = 0; i < kLinesPerStep; ++i) store->append_log(log_line(s, i));
    state.PauseTiming();
    auto last = culprit::store::StateStore::last(dir.path());
    if (!last || last->log.size() < static_cast<std::size_t>(steps) * kLinesPerStep * 60)
      state.SkipWithError("the log was not written");
    store.reset();
    state.ResumeTiming();
  }
  state.counters["lines"] = steps * kLinesPerStep;
}

void check(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(sqlite3_errmsg(db));
}

// The baseline: the same database settings (WAL, synchronous=FULL) and the
// column append culprit used before the log got its own table.
void BM_AppendLogRewritingTheColumn(benchmark::State& state) {
  int steps = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    ScratchDir dir;
    sqlite3* db = nullptr;
    check(sqlite3_open((dir.path() / "state.db").c_str(), &db), db);
    check(sqlite3_exec(db,
                       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE bisections "
                       "(id INTEGER PRIMARY KEY, log TEXT NOT NULL DEFAULT ''); INSERT INTO "
                       "bisections (id) VALUES (1);",
                       nullptr, nullptr, nullptr),
          db);
    state.ResumeTiming();
    for (int s = 0; s < steps; ++s)
      for (int i = 0; i < kLinesPerStep; ++i) {
        sqlite3_stmt* u = nullptr;
        check(sqlite3_prepare_v2(db, "UPDATE bisections SET log = log || ? WHERE id = 1", -1, &u,
                                 nullptr),
              db);
        std::string line = log_line(s, i) + "\n";
        sqlite3_bind_text(u, 1, line.data(), static_cast<int>(line.size()), SQLITE_TRANSIENT);
        check(sqlite3_step(u), db);
        sqlite3_finalize(u);
      }
    state.PauseTiming();
    sqlite3_close(db);
    state.ResumeTiming();
  }
  state.counters["lines"] = steps * kLinesPerStep;
}

}  // namespace

BENCHMARK(BM_AppendLog)->Arg(500)->Arg(5000)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_AppendLogRewritingTheColumn)
    ->Arg(500)
    ->Arg(5000)
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

BENCHMARK_MAIN();
