#include "store/state_store.h"

#include <gtest/gtest.h>

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
