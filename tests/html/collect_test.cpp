// Reading a state directory for a report while a bisection runs, after it
// was killed, and when it finished.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "html/collect.h"
#include "store/state_store.h"
#include "support/test_support.h"

namespace culprit::html {
namespace {

using culprit::testing::TempDir;

store::RunRecord run(const std::string& commit, int index, const std::string& status) {
  store::RunRecord r;
  r.commit = commit;
  r.runner_key = "t";
  r.index = index;
  r.status = status;
  r.title = status == "crashed" ? "KASAN: slab-use-after-free in bar" : "";
  r.report = status == "crashed" ? "BUG: KASAN: slab-use-after-free in bar\nCall Trace:\n" : "";
  r.seconds = 0.5;
  return r;
}

TEST(Collect, RunningThenInterruptedThenFinished) {
  TempDir dir;
  const std::string a(40, 'a'), b(40, 'b'), c(40, 'c');
  auto s = store::StateStore::open(dir.path());
  s->begin(R"({"mode":"cause","commit":")" + a + R"(","repo":""})", false);
  for (const std::string& line :
       std::vector<std::string>{"bisecting cause commit starting from " + a,
                                "testing commit " + a + " with gcc", "testing release v1.0",
                                "testing commit " + b + " with gcc", "Bisecting: 3 revisions left",
                                "testing commit " + c + " with gcc", "# git bisect good " + c})
    s->append_log(line);
  for (int i = 0; i < 4; ++i) s->save_run(run(a, i, i < 3 ? "crashed" : "ok"));
  s->save_run(run(b, 0, "crashed"));  // one run so far: undecided
  for (int i = 0; i < 4; ++i) s->save_run(run(c, i, "ok"));
  store::BuildRecord br;
  br.commit = a;
  br.builder_key = "cmd";
  br.ok = true;
  br.seconds = 12;
  s->save_build(br);
  s->set_status("testing " + b);

  auto live = collect_report_data(dir.path());
  ASSERT_TRUE(live);
  EXPECT_EQ(live->state, RunState::running);
  EXPECT_EQ(live->state_detail, "testing " + b);
  EXPECT_TRUE(live->result.is_null());
  ASSERT_EQ(live->steps.size(), 3u);
  EXPECT_EQ(live->steps[0].hash, a);
  EXPECT_EQ(live->steps[0].verdict, "bad");  // 3 of 4 runs crashed (syzbot's rule)
  EXPECT_EQ(live->steps[0].build_seconds, 12);
  EXPECT_EQ(live->steps[0].runs.size(), 4u);
  EXPECT_EQ(live->steps[1].verdict, "pending");
  EXPECT_EQ(live->steps[2].verdict, "good");    // from the log's verdict line
  EXPECT_TRUE(live->timeline.commits.empty());  // no repository to draw from

  s.reset();  // killed: nobody holds the directory any more
  auto dead = collect_report_data(dir.path());
  ASSERT_TRUE(dead);
  EXPECT_EQ(dead->state, RunState::interrupted);

  s = store::StateStore::open(dir.path());
  EXPECT_TRUE(s->begin(R"({"mode":"cause","commit":")" + a + R"(","repo":""})", false));
  nlohmann::json result = {
      {"mode", "cause"},
      {"verdict", "found"},
      {"commits", {{{"hash", a}, {"title", "t"}}}},
      {"report", {{"title", "KASAN: slab-use-after-free in bar"}, {"type", "KASAN"}}},
      {"steps", {{{"hash", a}, {"verdict", "bad"}, {"runs", {{"ok", 1}, {"crashed", 3}}}}}}};
  s->finish(result.dump());
  s.reset();
  auto done = collect_report_data(dir.path());
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, RunState::finished);
  ASSERT_EQ(done->steps.size(), 1u);
  EXPECT_EQ(done->steps[0].crashed, 3);
  EXPECT_EQ(done->steps[0].runs.size(), 4u);
  EXPECT_THAT(done->crash_report, ::testing::HasSubstr("Call Trace:"));
}

}  // namespace
}  // namespace culprit::html
