// The bisection log in the state database: appended line by line (one row
// each, not a rewrite of the whole log), read back as the same text, and
// state directories that kept the log in the bisections table still read.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "store/state_store.h"
#include "support/test_support.h"

namespace culprit::store {
namespace {

using culprit::testing::TempDir;

void run_sql(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

std::string log_of(const std::filesystem::path& dir) {
  auto last = StateStore::last(dir);
  return last ? last->log : "<no bisection>";
}

TEST(StateLog, LinesReadBackAsTheLogTextAtOnce) {
  TempDir dir;
  auto s = StateStore::open(dir.path());
  s->begin("{}", false);
  s->append_log("bisecting cause commit starting from 0123456789ab");
  // A reader (culprit log, culprit status, the HTML report) sees each line
  // as soon as it is written, not at the next record.
  EXPECT_EQ(log_of(dir.path()), "bisecting cause commit starting from 0123456789ab\n");
  s->append_log("");
  s->append_log("testing commit 0123456789ab with gcc");
  EXPECT_EQ(log_of(dir.path()),
            "bisecting cause commit starting from 0123456789ab\n\ntesting commit 0123456789ab "
            "with gcc\n");
  auto records = StateStore::last_records(dir.path());
  ASSERT_TRUE(records);
  EXPECT_EQ(records->summary.log, log_of(dir.path()));
}

TEST(StateLog, ClearedOnResumeAndContinuedWithoutIt) {
  TempDir dir;
  {
    auto s = StateStore::open(dir.path());
    s->begin("{}", false);
    s->append_log("one");
    s->append_log("two");
  }
  {
    auto s = StateStore::open(dir.path());
    EXPECT_TRUE(s->begin("{}", false));
    s->append_log("three");
    EXPECT_EQ(log_of(dir.path()), "one\ntwo\nthree\n") << "appends after what was there";
    s->clear_log();
    EXPECT_EQ(log_of(dir.path()), "");
    s->append_log("again");
  }
  EXPECT_EQ(log_of(dir.path()), "again\n");
}

TEST(StateLog, RestartDiscardsTheLog) {
  TempDir dir;
  {
    auto s = StateStore::open(dir.path());
    s->begin("{\"a\":1}", false);
    s->append_log("of the discarded bisection");
  }
  auto s = StateStore::open(dir.path());
  EXPECT_FALSE(s->begin("{\"a\":2}", true));
  s->append_log("new");
  EXPECT_EQ(log_of(dir.path()), "new\n");
  int left = -1;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "state.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(
      db, "SELECT COUNT(*) FROM log_lines",
      [](void* out, int, char** values, char**) {
        *static_cast<int*>(out) = std::stoi(values[0]);
        return 0;
      },
      &left, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(left, 1) << "lines of the discarded bisection are deleted with it";
}

// A state directory written by a culprit that kept the log as one column of
// the bisections table (and had no log_lines table): read as it is, then
// resumed, cleared and written in the new way.
TEST(StateLog, AStateDirectoryWithTheLogInTheBisectionsTableStillWorks) {
  TempDir dir;
  auto db = dir.path() / "state.db";
  run_sql(db,
          "PRAGMA journal_mode=WAL;"
          "CREATE TABLE bisections (id INTEGER PRIMARY KEY AUTOINCREMENT, params TEXT NOT NULL, "
          "started REAL NOT NULL, finished INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL "
          "DEFAULT '', log TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT '');"
          "CREATE TABLE builds (bisection INTEGER NOT NULL, commit_hash TEXT NOT NULL, tree TEXT "
          "NOT NULL, builder_key TEXT NOT NULL, ok INTEGER NOT NULL, signature TEXT NOT NULL, "
          "error_line TEXT NOT NULL, log_path TEXT NOT NULL, seconds REAL NOT NULL, PRIMARY KEY "
          "(bisection, commit_hash, builder_key));"
          "CREATE TABLE runs (bisection INTEGER NOT NULL, commit_hash TEXT NOT NULL, runner_key "
          "TEXT NOT NULL, idx INTEGER NOT NULL, status TEXT NOT NULL, title TEXT NOT NULL, type "
          "TEXT NOT NULL, report TEXT NOT NULL, log_path TEXT NOT NULL, seconds REAL NOT NULL, "
          "alt_titles TEXT NOT NULL DEFAULT '', PRIMARY KEY (bisection, commit_hash, runner_key, "
          "idx));"
          "INSERT INTO bisections (params, started, status, log) VALUES ('{}', 1, 'bisecting', "
          "'first line\nsecond line\n');");
  EXPECT_EQ(log_of(dir.path()), "first line\nsecond line\n");
  auto records = StateStore::last_records(dir.path());
  ASSERT_TRUE(records);
  EXPECT_EQ(records->summary.log, "first line\nsecond line\n");

  auto s = StateStore::open(dir.path());
  EXPECT_TRUE(s->begin("{}", false));
  s->append_log("third line");
  EXPECT_EQ(log_of(dir.path()), "first line\nsecond line\nthird line\n");
  s->clear_log();
  EXPECT_EQ(log_of(dir.path()), "") << "the old column is cleared too";
  s->append_log("from the start");
  EXPECT_EQ(log_of(dir.path()), "from the start\n");
}

// Lines may come from more than one thread: none is lost or written twice.
TEST(StateLog, ConcurrentAppendsKeepEveryLine) {
  TempDir dir;
  auto s = StateStore::open(dir.path());
  s->begin("{}", false);
  constexpr int kThreads = 4, kLines = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i)
        s->append_log("thread " + std::to_string(t) + " line " + std::to_string(i));
    });
  for (auto& t : threads) t.join();
  std::string log = log_of(dir.path());
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kLines; ++i) {
      std::string line = "thread " + std::to_string(t) + " line " + std::to_string(i) + "\n";
      auto at = log.find(line);
      ASSERT_NE(at, std::string::npos) << line;
      EXPECT_EQ(log.find(line, at + 1), std::string::npos) << "twice: " << line;
    }
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), kThreads * kLines);
}

}  // namespace
}  // namespace culprit::store
