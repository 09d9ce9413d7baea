// The cluster job table of the state database (job_table.h).
#include <gtest/gtest.h>

#include "store/state_store.h"
#include "support/test_support.h"

namespace culprit::store {
namespace {

using culprit::testing::TempDir;

JobRecord job(const std::string& kind, const std::string& commit, int index, int generation) {
  JobRecord r;
  r.key = {kind, commit, kind == "build" ? "cmd" : "test", index};
  r.generation = generation;
  r.name = "culprit-" + kind + "-" + commit;
  r.request = "/s/cluster/jobs/" + r.name + ".request.json";
  r.result = "/s/cluster/jobs/" + r.name + ".result.json";
  return r;
}

TEST(JobTable, AKeyWrittenBeforeSubmissionIsFoundAfterAKill) {
  TempDir dir;
  {
    auto s = StateStore::open(dir.path());
    s->begin("{\"p\":1}", false);
    auto r = job("run", "c1", 3, 0);
    s->save_job(r);  // before sbatch
    r.job_id = "17";
    r.state = "SUBMITTED";
    s->save_job(r);  // right after
  }
  auto s = StateStore::open(dir.path());
  ASSERT_TRUE(s->begin("{\"p\":1}", false));
  auto found = s->newest_job({"run", "c1", "test", 3});
  ASSERT_TRUE(found);
  EXPECT_EQ(found->job_id, "17");
  EXPECT_EQ(found->state, "SUBMITTED");
  EXPECT_FALSE(found->consumed);
  EXPECT_EQ(found->bisection, s->current_bisection());
  EXPECT_FALSE(s->newest_job({"run", "c1", "test", 4}));
  EXPECT_FALSE(s->newest_job({"run", "c1", "other-runner", 3}));
  EXPECT_FALSE(s->newest_job({"build", "c1", "test", 3}));
  ASSERT_EQ(s->unconsumed_jobs().size(), 1u);
}

TEST(JobTable, NewestGenerationWinsAndConsumedRowsAreNotOpen) {
  TempDir dir;
  auto s = StateStore::open(dir.path());
  s->begin("{}", false);
  auto g0 = job("build", "c1", 0, 0);
  g0.consumed = true;
  g0.state = "COMPLETED";
  s->save_job(g0);
  auto g1 = job("build", "c1", 0, 1);
  g1.job_id = "5";
  s->save_job(g1);
  auto newest = s->newest_job({"build", "c1", "cmd", 0});
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->generation, 1);
  auto open = s->unconsumed_jobs();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].generation, 1);
  s->drop_job(open[0].bisection, open[0].key, 1, "CANCELLED");
  EXPECT_TRUE(s->unconsumed_jobs().empty());
  EXPECT_EQ(s->newest_job({"build", "c1", "cmd", 0})->state, "CANCELLED");
}

TEST(JobTable, JobsOfADiscardedBisectionStayVisibleUntilDropped) {
  TempDir dir;
  auto s = StateStore::open(dir.path());
  s->begin("{\"p\":1}", false);
  auto old = s->current_bisection();
  s->save_job(job("run", "c1", 0, 0));
  s->begin("{\"p\":2}", true);  // --restart
  EXPECT_NE(s->current_bisection(), old);
  EXPECT_FALSE(s->newest_job({"run", "c1", "test", 0}));  // not this bisection's
  auto open = s->unconsumed_jobs();
  ASSERT_EQ(open.size(), 1u);  // but its job may still run: to be cancelled
  EXPECT_EQ(open[0].bisection, old);
  s->drop_job(old, open[0].key, open[0].generation, "CANCELLED");
  EXPECT_TRUE(s->unconsumed_jobs().empty());
}

}  // namespace
}  // namespace culprit::store
