#include "store/state_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/test_support.h"
#include "util/error.h"

namespace culprit::store {
namespace {

using culprit::testing::TempDir;

BuildRecord build(const std::string& commit, const std::string& tree, const std::string& sig) {
  BuildRecord b;
  b.commit = commit;
  b.tree = tree;
  b.builder_key = "cmd";
  b.ok = true;
  b.signature = sig;
  b.seconds = 1.5;
  return b;
}

TEST(StateStore, RecordsSurviveReopeningAndResumeWithSameParameters) {
  TempDir dir;
  {
    auto s = StateStore::open(dir.path());
    EXPECT_FALSE(s->begin("{\"a\":1}", false));
    s->save_build(build("c1", "t1", "sig1"));
    RunRecord r;
    r.commit = "c1";
    r.runner_key = "test";
    r.index = 0;
    r.status = "crashed";
    r.title = "KASAN: use-after-free Read in foo";
    s->save_run(r);
    r.index = 1;
    r.status = "ok";
    r.title = "";
    s->save_run(r);
    s->append_log("line one");
  }
  auto s = StateStore::open(dir.path());
  EXPECT_TRUE(s->begin("{\"a\":1}", false));
  auto b = s->find_build("c1", "cmd");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->signature, "sig1");
  EXPECT_DOUBLE_EQ(b->seconds, 1.5);
  EXPECT_FALSE(s->find_build("c1", "other-builder"));
  auto runs = s->runs("c1", "test");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].title, "KASAN: use-after-free Read in foo");
  EXPECT_EQ(runs[1].status, "ok");
  auto same_tree = s->find_build_by_tree("t1", "cmd");
  ASSERT_TRUE(same_tree);
  EXPECT_EQ(same_tree->commit, "c1");
}

TEST(StateStore, AlternativeTitlesSurviveReopening) {
  TempDir dir;
  {
    auto s = StateStore::open(dir.path());
    s->begin("{}", false);
    RunRecord r;
    r.commit = "c1";
    r.runner_key = "test";
    r.status = "crashed";
    r.title = "general protection fault in foo";
    r.alt_titles = {"KASAN: use-after-free Read in foo",
                    "BUG: unable to handle kernel paging request in foo"};
    s->save_run(r);
  }
  auto s = StateStore::open(dir.path());
  s->begin("{}", false);
  auto runs = s->runs("c1", "test");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].alt_titles,
            (std::vector<std::string>{"KASAN: use-after-free Read in foo",
                                      "BUG: unable to handle kernel paging request in foo"}));
}

// A state directory written before runs had alternative titles: read as it
// is (culprit log), then opened for a bisection, which adds the column.
TEST(StateStore, AStateDirectoryFromBeforeAlternativeTitlesStillWorks) {
  TempDir dir;
  {
    auto s = StateStore::open(dir.path());
    s->begin("{}", false);
    RunRecord r;
    r.commit = "c1";
    r.runner_key = "test";
    r.status = "ok";
    s->save_run(r);
  }
  // Take the column out again, as the old schema had it.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / "state.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, "ALTER TABLE runs DROP COLUMN alt_titles", nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }
  auto old = StateStore::last_records(dir.path());
  ASSERT_TRUE(old);
  ASSERT_EQ(old->runs.size(), 1u);
  EXPECT_TRUE(old->runs[0].alt_titles.empty());
  auto s = StateStore::open(dir.path());
  EXPECT_TRUE(s->begin("{}", false));
  EXPECT_EQ(s->runs("c1", "test").size(), 1u);
}

TEST(StateStore, DifferentParametersAreRefusedWhileUnfinished) {
  TempDir dir;
  {
    auto s = StateStore::open(dir.path());
    s->begin("{\"a\":1}", false);
    s->save_build(build("c1", "t1", "sig1"));
  }
  {
    auto s = StateStore::open(dir.path());
    EXPECT_THROW(s->begin("{\"a\":2}", false), UserError);
  }
  auto s = StateStore::open(dir.path());
  EXPECT_FALSE(s->begin("{\"a\":2}", true));
  EXPECT_FALSE(s->find_build("c1", "cmd")) << "--restart discards the old records";
}

TEST(StateStore, AFinishedBisectionMakesRoomForANewOne) {
  TempDir dir;
  {
    auto s = StateStore::open(dir.path());
    s->begin("{\"a\":1}", false);
    s->append_log("old");
    s->finish("{}");
  }
  auto s = StateStore::open(dir.path());
  EXPECT_FALSE(s->begin("{\"a\":2}", false));
  s->append_log("new");
  auto last = StateStore::last(dir.path());
  ASSERT_TRUE(last);
  EXPECT_EQ(last->log, "new\n");
  EXPECT_FALSE(last->finished);
}

TEST(StateStore, SecondProcessIsRefusedWhileTheFirstHoldsTheLock) {
  TempDir dir;
  auto first = StateStore::open(dir.path());
  // flock locks belong to open file descriptions: a second open in the same
  // process conflicts just as another process would.
  EXPECT_THROW(StateStore::open(dir.path()), UserError);
}

TEST(MemoryJournal, FindsBuildsByCommitAndTree) {
  MemoryJournal j;
  j.save_build(build("c1", "t1", "s1"));
  EXPECT_TRUE(j.find_build("c1", "cmd"));
  EXPECT_TRUE(j.find_build_by_tree("t1", "cmd"));
  EXPECT_FALSE(j.find_build_by_tree("t2", "cmd"));
}

}  // namespace
}  // namespace culprit::store
