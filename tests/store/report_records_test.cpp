// Read accessors for reports: the newest bisection's builds and runs, and
// whether a bisection holds the directory right now.
#include <gtest/gtest.h>

#include "store/state_store.h"
#include "support/test_support.h"

namespace culprit::store {
namespace {

using culprit::testing::TempDir;

TEST(ReportRecords, NewestBisectionWithItsBuildsAndRuns) {
  TempDir dir;
  EXPECT_FALSE(StateStore::last_records(dir.path()));
  EXPECT_FALSE(StateStore::busy(dir.path()));
  {
    auto s = StateStore::open(dir.path());
    EXPECT_TRUE(StateStore::busy(dir.path()));
    s->begin("{\"a\":1}", false);
    BuildRecord b;
    b.commit = "c1";
    b.builder_key = "cmd";
    b.signature = "sig1";
    b.seconds = 2.5;
    s->save_build(b);
    b.commit = "c0";
    s->save_build(b);
    for (int i : {1, 0}) {
      RunRecord r;
      r.commit = "c1";
      r.runner_key = "t";
      r.index = i;
      r.status = i ? "ok" : "crashed";
      r.title = i ? "" : "BUG: x";
      r.report = i ? "" : "report text";
      s->save_run(r);
    }
    s->finish("{\"verdict\":\"found\"}");
    s->begin("{\"a\":2}", false);  // a newer bisection, nothing recorded yet
    b.commit = "c9";
    s->save_build(b);
  }
  EXPECT_FALSE(StateStore::busy(dir.path()));
  auto rec = StateStore::last_records(dir.path());
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->summary.params, "{\"a\":2}");
  ASSERT_EQ(rec->builds.size(), 1u);
  EXPECT_EQ(rec->builds[0].commit, "c9");
  EXPECT_TRUE(rec->runs.empty());
}

TEST(ReportRecords, BuildsInRecordedOrderRunsByIndex) {
  TempDir dir;
  {
    auto s = StateStore::open(dir.path());
    s->begin("{}", false);
    for (const char* c : {"c5", "c1", "c3"}) {
      BuildRecord b;
      b.commit = c;
      b.builder_key = "cmd";
      s->save_build(b);
    }
    for (int i : {2, 0, 1}) {
      RunRecord r;
      r.commit = "c1";
      r.runner_key = "t";
      r.index = i;
      r.status = "ok";
      r.seconds = i;
      s->save_run(r);
    }
  }
  auto rec = StateStore::last_records(dir.path());
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->builds.size(), 3u);
  EXPECT_EQ(rec->builds[0].commit, "c5");
  EXPECT_EQ(rec->builds[1].commit, "c1");
  EXPECT_EQ(rec->builds[2].commit, "c3");
  ASSERT_EQ(rec->runs.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rec->runs[i].index, i);
}

}  // namespace
}  // namespace culprit::store
