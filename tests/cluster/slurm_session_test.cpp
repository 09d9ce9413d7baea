// SlurmSession's waiting and resubmission, against stand-ins for sbatch,
// squeue and scancel (shell scripts first on PATH) that log what culprit
// asked of Slurm: the situations a real cluster shows only by chance (the
// controller silent for minutes, a job that ends without a result and may
// come back) on demand and in seconds. tests/slurm/ runs the real thing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "cluster/cluster.h"
#include "support/test_support.h"
#include "util/text.h"

namespace culprit::cluster {
namespace {

using culprit::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The job table in memory (the state database's in production).
class MemoryJobTable : public store::JobTable {
 public:
  std::optional<store::JobRecord> newest_job(const store::JobKey& key) override {
    std::optional<store::JobRecord> newest;
    for (const auto& r : rows_)
      if (r.key == key && (!newest || r.generation > newest->generation)) newest = r;
    return newest;
  }
  void save_job(const store::JobRecord& record) override {
    for (auto& r : rows_)
      if (r.key == record.key && r.generation == record.generation) {
        r = record;
        return;
      }
    rows_.push_back(record);
  }
  std::vector<store::JobRecord> unconsumed_jobs() override {
    std::vector<store::JobRecord> out;
    for (const auto& r : rows_)
      if (!r.consumed) out.push_back(r);
    return out;
  }
  std::int64_t current_bisection() const override { return 0; }
  void drop_job(std::int64_t, const store::JobKey& key, int generation,
                const std::string& state) override {
    for (auto& r : rows_)
      if (r.key == key && r.generation == generation) {
        r.consumed = true;
        r.state = state;
      }
  }
  std::vector<store::JobRecord> rows_;
};

class FakeSlurm : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = tmp_.path() / "bin";
    std::filesystem::create_directories(bin_);
    // Job ids count up from 1; every submission and cancel is logged. With
    // `finish`, the job has written its result by the time sbatch returns.
    script("sbatch", R"sh(n=$(( $(cat "$d/next" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$d/next"
echo "sbatch $n" >> "$d/log"
if [ -e "$d/finish" ]; then
  for a; do case "$a" in --wrap=*) request=${a##* } ;; esac; done
  request=$(eval "echo $request")
  result=$(sed -n 's/.*"result":"\([^"]*\)".*/\1/p' "$request")
  echo '{"kind":"run","run":{}}' > "$result.tmp" && mv "$result.tmp" "$result"
fi
echo "$n")sh");
    // `controller-down` makes it fail as squeue does while slurmctld is
    // down; `state` (default RUNNING) is every job's state.
    script(
        "squeue",
        R"sh([ -e "$d/controller-down" ] && { echo "squeue: error: Unable to contact slurm controller" >&2; exit 1; }
ids=""
for a; do case "$a" in --jobs=*) ids=${a#--jobs=} ;; --name=*) exit 0 ;; esac; done
st=RUNNING
[ -e "$d/state" ] && st=$(cat "$d/state")
for id in $(echo "$ids" | tr , ' '); do echo "$id|$st|n1|None"; done)sh");
    script("scancel", R"(shift
echo "scancel $*" >> "$d/log")");
    old_path_ = std::getenv("PATH") ? std::getenv("PATH") : "";
    ::setenv("PATH", (bin_.string() + ":" + old_path_).c_str(), 1);
  }
  void TearDown() override { ::setenv("PATH", old_path_.c_str(), 1); }

  void script(const std::string& name, const std::string& body) {
    auto path = bin_ / name;
    write_file_atomic(
        path, "#!/bin/sh\nd=" + shell_quote(bin_.string()) +
                  "\n[ \"$1\" = --version ] && { echo 'slurm 22.05 (fake)'; exit 0; }\n" + body +
                  "\n");
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }
  void set(const std::string& file, const std::string& text) {
    write_file_atomic(bin_ / file, text);
  }
  std::vector<std::string> slurm_log() {
    std::vector<std::string> out;
    if (!std::filesystem::exists(bin_ / "log")) return out;
    std::string text = read_file(bin_ / "log");
    for (auto line : split_lines(text))
      if (!line.empty()) out.emplace_back(line);
    return out;
  }

  ClusterOptions options() {
    ClusterOptions o;
    o.state_dir = tmp_.path() / "state";
    o.culprit = "/bin/false";
    o.max_attempts = 2;
    o.poll_seconds = 0.1;
    o.ended_grace = 0.3;
    o.controller_silence = 0.5;
    return o;
  }
  JobOutcome run_one(SlurmSession& session, MemoryJobTable& table) {
    session.attach(table);
    store::JobKey key{"run", std::string(40, 'a'), "command:true", 0};
    return session.execute(key, {{"kind", "run"}, {"spec", {{"kind", "command"}}}});
  }

  TempDir tmp_;
  std::filesystem::path bin_;
  std::string old_path_;
};

// Before the fix the given-up job was left queued or running: with
// --requeue, Slurm could run it again beside its replacement.
TEST_F(FakeSlurm, AJobGivenUpForTheControllersSilenceIsCancelledBeforeItsReplacement) {
  set("controller-down", "");
  MemoryJobTable table;
  SlurmSession session(options());
  auto out = run_one(session, table);
  EXPECT_FALSE(out.result);
  EXPECT_THAT(out.failure, HasSubstr("slurmctld did not answer for 0 s while job 2 ran"));
  EXPECT_THAT(out.failure, HasSubstr("(2 submissions)"));
  EXPECT_THAT(slurm_log(), ElementsAre("sbatch 1", "scancel 1", "sbatch 2", "scancel 2"));
  ASSERT_EQ(table.rows_.size(), 1u);
  EXPECT_EQ(table.rows_[0].attempt, 1);
  EXPECT_TRUE(table.rows_[0].consumed);
}

TEST_F(FakeSlurm, AJobEndedWithoutAResultIsCancelledBeforeItsReplacement) {
  set("state", "NODE_FAIL");  // may still be requeued by Slurm
  MemoryJobTable table;
  SlurmSession session(options());
  auto out = run_one(session, table);
  EXPECT_FALSE(out.result);
  EXPECT_THAT(out.failure, HasSubstr("Slurm job 2 ended NODE_FAIL on n1 without a result"));
  EXPECT_THAT(slurm_log(), ElementsAre("sbatch 1", "scancel 1", "sbatch 2", "scancel 2"));
}

TEST_F(FakeSlurm, AJobThatWritesItsResultIsNeitherCancelledNorSubmittedAgain) {
  set("finish", "");
  MemoryJobTable table;
  SlurmSession session(options());
  auto out = run_one(session, table);
  ASSERT_TRUE(out.result) << out.failure;
  EXPECT_THAT(slurm_log(), ElementsAre("sbatch 1"));
  ASSERT_EQ(table.rows_.size(), 1u);
  EXPECT_EQ(table.rows_[0].attempt, 0);
  EXPECT_TRUE(table.rows_[0].consumed);
}

}  // namespace
}  // namespace culprit::cluster
