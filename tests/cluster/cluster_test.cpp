// The cluster module's pieces that need no Slurm: option parsing and the
// request/result files between culprit and `culprit worker`.
#include <gtest/gtest.h>

#include "cluster/cluster.h"
#include "cluster/job_protocol.h"
#include "support/test_support.h"
#include "util/error.h"
#include "util/text.h"

namespace culprit::cluster {
namespace {

using culprit::testing::TempDir;

TEST(ParseCluster, SlurmWithOrWithoutPartition) {
  EXPECT_EQ(parse_cluster("slurm"), "");
  EXPECT_EQ(parse_cluster("slurm:debug"), "debug");
  EXPECT_EQ(parse_cluster("slurm:kvm,big"), "kvm,big");  // sbatch takes a list
  EXPECT_THROW(parse_cluster("slurm:"), UserError);
  EXPECT_THROW(parse_cluster("condor"), UserError);
  EXPECT_THROW(parse_cluster("slurm:a b"), UserError);
}

TEST(SplitShellWords, QuotesAndEscapesAsAShellDoes) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_shell_words(""), V{});
  EXPECT_EQ(split_shell_words("  -c 4\t--time=30 "), (V{"-c", "4", "--time=30"}));
  EXPECT_EQ(split_shell_words("--constraint='kvm&fast' --comment=\"a \\\"b\\\" c\""),
            (V{"--constraint=kvm&fast", "--comment=a \"b\" c"}));
  EXPECT_EQ(split_shell_words("a\\ b ''"), (V{"a b", ""}));
  EXPECT_THROW(split_shell_words("--comment='x"), UserError);
  EXPECT_THROW(split_shell_words("--comment=\"x"), UserError);
}

TEST(JobProtocol, BuildRequestAndResultRoundTrip) {
  build::BuildRequest req;
  req.commit = "0123456789abcdef0123456789abcdef01234567";
  req.source_dir = "/state/worktrees/1";
  req.out_dir = "/state/out/0123";
  req.signature_file = "/state/logs/0123/signature";
  req.log_path = "/state/logs/0123/build.log";
  auto back = build_request_from(to_json(req));
  EXPECT_EQ(back.commit, req.commit);
  EXPECT_EQ(back.source_dir, req.source_dir);
  EXPECT_EQ(back.out_dir, req.out_dir);
  EXPECT_EQ(back.signature_file, req.signature_file);
  EXPECT_EQ(back.log_path, req.log_path);

  build::BuildResult res;
  res.ok = false;
  res.error_line = "foo.c:3: error: expected ';'";
  res.seconds = 12.5;
  res.infra = true;
  res.job = "42";
  res.node = "n2";
  auto r = build_result_from(to_json(res));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, res.error_line);
  EXPECT_DOUBLE_EQ(r.seconds, 12.5);
  EXPECT_TRUE(r.infra);
  EXPECT_EQ(r.job, "42");
  EXPECT_EQ(r.node, "n2");
}

TEST(JobProtocol, RunRequestAndOutcomeRoundTrip) {
  run::RunRequest req;
  req.commit = "abc";
  req.source_dir = "/s/w/0";
  req.out_dir = "/s/out/abc";
  req.log_path = "/s/logs/abc/run-7.log";
  req.signature_file = "/s/logs/abc/signature";
  req.run_index = 7;
  auto back = run_request_from(to_json(req));
  EXPECT_EQ(back.run_index, 7);
  EXPECT_EQ(back.log_path, req.log_path);
  EXPECT_EQ(back.signature_file, req.signature_file);

  for (auto status : {run::RunStatus::ok, run::RunStatus::crashed, run::RunStatus::untestable,
                      run::RunStatus::infra_error}) {
    run::RunOutcome o;
    o.status = status;
    o.title = "KASAN: use-after-free Read in foo";
    o.type = "KASAN-USE-AFTER-FREE-READ";
    o.report = "BUG: KASAN: ...\n";
    o.seconds = 3.25;
    o.alt_titles = {"general protection fault in foo"};
    o.job = "9";
    o.node = "n1";
    auto r = run_outcome_from(to_json(o));
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.title, o.title);
    EXPECT_EQ(r.type, o.type);
    EXPECT_EQ(r.report, o.report);
    EXPECT_DOUBLE_EQ(r.seconds, 3.25);
    EXPECT_EQ(r.alt_titles, o.alt_titles);
    EXPECT_EQ(r.job, "9");
    EXPECT_EQ(r.node, "n1");
  }
}

TEST(JobProtocol, AResultIsSeenOnlyWhenComplete) {
  TempDir dir;
  auto path = dir / "r.json";
  EXPECT_FALSE(read_result(path));
  write_file_atomic(path, "{\"kind\": \"run\", \"run\": {\"sta");  // cut short
  EXPECT_FALSE(read_result(path));
  write_result(path, {{"kind", "run"}, {"run", {{"status", "ok"}}}});
  auto r = read_result(path);
  ASSERT_TRUE(r);
  EXPECT_EQ(run_outcome_from(r->at("run")).status, run::RunStatus::ok);
}

TEST(JobProtocol, ARequestWithoutKindOrResultIsRefused) {
  TempDir dir;
  EXPECT_THROW(read_request(dir / "missing.json"), UserError);
  write_file_atomic(dir / "bad.json", "{\"kind\": \"run\"}");
  EXPECT_THROW(read_request(dir / "bad.json"), UserError);
  write_file_atomic(dir / "good.json", "{\"kind\": \"run\", \"result\": \"/x\"}");
  EXPECT_EQ(read_request(dir / "good.json").value("result", ""), "/x");
}

}  // namespace
}  // namespace culprit::cluster
