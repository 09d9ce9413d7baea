// Bisections whose builds and test runs are Slurm jobs (bisect --cluster),
// on a real private Slurm (slurm_fixture.h): the same answer and log as a
// local run, and what happens on SIGKILL, Ctrl-C, preemption, node loss and
// requests Slurm refuses.
#include "slurm/slurm_fixture.h"

namespace culprit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> steps_of(const nlohmann::json& result) {
  std::vector<std::string> out;
  for (const auto& s : result["steps"])
    out.push_back(s["hash"].get<std::string>() + " " + s["verdict"].get<std::string>() + " " +
                  s["runs"].dump());
  return out;
}

// The log without the lines that say where a step ran or how long it took.
std::string comparable_log(const std::string& log) {
  std::string out;
  for (auto line : split_lines(log)) {
    if (line.find(" ran as job") != std::string_view::npos) continue;  // where: job ids, nodes
    if (line.find("total time:") != std::string_view::npos) continue;
    out += std::string(line) + "\n";
  }
  return out;
}

std::string log_of(const std::filesystem::path& state) {
  return run_culprit("log --state " + shell_quote(state.string())).output;
}

std::vector<std::string> culprit_jobs_in_queue(const std::vector<SlurmJob>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs)
    if (starts_with(j.name, "culprit-")) out.push_back(j.id + " " + j.state + " " + j.name);
  return out;
}

TEST_F(SlurmE2E, SameCulpritAndLogAsALocalRun) {
  start_cluster(2);
  auto start = make_history();
  std::string opts = "--jobs 3 --parallel 2";
  auto t0 = std::chrono::steady_clock::now();
  auto local = run_culprit(bisect_args(tmp_ / "local", start, opts));
  auto t1 = std::chrono::steady_clock::now();
  ASSERT_EQ(local.status(), 0) << local.output;
  std::filesystem::remove(tmp_ / "markers");
  auto cluster = run_culprit(bisect_args(tmp_ / "cluster", start, opts + " --cluster slurm:debug"));
  auto t2 = std::chrono::steady_clock::now();
  ASSERT_EQ(cluster.status(), 0) << cluster.output;
  std::printf("wall time: local %.1f s, through Slurm %.1f s\n",
              std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count());

  auto l = result_of(tmp_ / "local"), c = result_of(tmp_ / "cluster");
  EXPECT_EQ(c["verdict"], "found");
  EXPECT_EQ(c["commits"], l["commits"]);
  EXPECT_EQ(c["commits"][0]["title"], "change 27");
  EXPECT_EQ(steps_of(c), steps_of(l));
  EXPECT_EQ(c.value("cluster", ""), "slurm:debug");
  EXPECT_FALSE(l.contains("cluster"));
  EXPECT_EQ(comparable_log(log_of(tmp_ / "cluster")), comparable_log(log_of(tmp_ / "local")));

  // Every run ran in a Slurm job, once; every job's result was consumed and
  // nothing is left in the queue.
  auto ends = markers("end");
  ASSERT_FALSE(ends.empty());
  for (const auto& m : ends) EXPECT_NE(m.job, "local");
  EXPECT_THAT(repeated_runs(), IsEmpty());
  auto rows = job_table(tmp_ / "cluster");
  int run_rows = 0;
  std::set<std::string> nodes;
  for (const auto& r : rows) {
    EXPECT_TRUE(r.consumed) << r.kind << " " << r.commit << " " << r.index;
    EXPECT_EQ(r.state, "COMPLETED") << r.kind << " " << r.commit << " " << r.index;
    if (r.kind == "run") ++run_rows;
    nodes.insert(r.node);
  }
  EXPECT_EQ(run_rows, static_cast<int>(ends.size()));
  EXPECT_EQ(nodes, (std::set<std::string>{"n1", "n2"}));  // --parallel 2 --jobs 3: both nodes
  EXPECT_THAT(culprit_jobs_in_queue(queue()), IsEmpty());
}

TEST_F(SlurmE2E, SigkillWhileJobsRunThenResumeAdoptsThem) {
  start_cluster(2);
  auto start = make_history();
  auto ref = run_culprit(bisect_args(tmp_ / "ref", start, "--jobs 3"));
  ASSERT_EQ(ref.status(), 0) << ref.output;
  std::filesystem::remove(tmp_ / "markers");

  auto state = tmp_ / "state";
  std::string args = bisect_args(state, start, "--jobs 3 --cluster slurm", 3);
  std::set<std::string> running_at_kill;
  slow_runs(true);
  {
    Background culprit(culprit_command(args), tmp_ / "first.out");
    auto job = wait_for_running_run(culprit);
    ASSERT_TRUE(job) << read_file(tmp_ / "first.out");
    for (const auto& j : queue())
      if (starts_with(j.name, "culprit-")) running_at_kill.insert(j.id);
    culprit.signal(SIGKILL);
    EXPECT_EQ(culprit.wait(), 128 + SIGKILL);
  }
  slow_runs(false);
  // Slurm jobs outlive a SIGKILLed culprit by design.
  bool still_there = false;
  for (const auto& j : queue()) still_there = still_there || running_at_kill.count(j.id);
  auto ends_before = markers("end").size();
  EXPECT_TRUE(still_there || ends_before > 0);

  auto resumed = run_culprit(args);
  ASSERT_EQ(resumed.status(), 0) << resumed.output;
  EXPECT_EQ(result_of(state)["commits"], result_of(tmp_ / "ref")["commits"]);
  EXPECT_EQ(steps_of(result_of(state)), steps_of(result_of(tmp_ / "ref")));

  // No run executed twice: the jobs running at the kill were adopted (their
  // first submission's result consumed), not submitted again.
  EXPECT_THAT(repeated_runs(), IsEmpty());
  std::map<std::string, int> starts;
  for (const auto& m : markers("start")) ++starts[m.commit + " " + m.run];
  for (const auto& [run, n] : starts) EXPECT_EQ(n, 1) << run;
  int adopted = 0;
  for (const auto& r : job_table(state)) {
    EXPECT_TRUE(r.consumed) << r.kind << " " << r.commit << " " << r.index;
    if (running_at_kill.count(r.job_id)) {
      ++adopted;
      EXPECT_EQ(r.generation, 0);
      EXPECT_EQ(r.attempt, 0);
      EXPECT_EQ(r.state, "COMPLETED");
    }
  }
  EXPECT_EQ(adopted, static_cast<int>(running_at_kill.size()));
  EXPECT_THAT(culprit_jobs_in_queue(queue()), IsEmpty());
}

TEST_F(SlurmE2E, CtrlCCancelsEveryJobAndTheSameCommandResumes) {
  start_cluster(2);
  auto start = make_history();
  auto ref = run_culprit(bisect_args(tmp_ / "ref", start, "--jobs 4 --parallel 2"));
  ASSERT_EQ(ref.status(), 0) << ref.output;

  auto state = tmp_ / "state";
  std::string args = bisect_args(state, start, "--jobs 4 --parallel 2 --cluster slurm", 5);
  slow_runs(true);
  {
    Background culprit(culprit_command(args), tmp_ / "first.out");
    ASSERT_TRUE(wait_for_running_run(culprit)) << read_file(tmp_ / "first.out");
    culprit.signal(SIGINT);
    EXPECT_EQ(culprit.wait(), 3) << read_file(tmp_ / "first.out");
  }
  slow_runs(false);
  // Nothing left queued or running the moment culprit has exited.
  EXPECT_THAT(culprit_jobs_in_queue(queue()), IsEmpty());
  EXPECT_THAT(read_file(tmp_ / "first.out"), HasSubstr("interrupted"));

  auto resumed = run_culprit(args);
  ASSERT_EQ(resumed.status(), 0) << resumed.output;
  EXPECT_THAT(resumed.output, HasSubstr("resuming"));
  EXPECT_EQ(result_of(state)["commits"], result_of(tmp_ / "ref")["commits"]);
  EXPECT_EQ(steps_of(result_of(state)), steps_of(result_of(tmp_ / "ref")));
  EXPECT_THAT(culprit_jobs_in_queue(queue()), IsEmpty());
}

TEST_F(SlurmE2E, APreemptedJobIsRequeuedAndItsRunCountsOnce) {
  start_cluster(1);  // n1, 2 CPUs: a 2-CPU job in partition `high` preempts every culprit job
  auto start = make_history();
  auto ref = run_culprit(bisect_args(tmp_ / "ref", start, "--jobs 2"));
  ASSERT_EQ(ref.status(), 0) << ref.output;
  std::filesystem::remove(tmp_ / "markers");

  auto state = tmp_ / "state";
  slow_runs(true);
  // Runs long enough (10 s) that none of them ends between the check below
  // and the preemption.
  Background culprit(culprit_command(bisect_args(state, start, "--jobs 2 --cluster slurm", 10)),
                     tmp_ / "out");
  auto victims = wait_until_runs_are_in_their_command(culprit);
  ASSERT_FALSE(victims.empty()) << read_file(tmp_ / "out");
  std::printf("preempting %zu run job(s) inside their test command\n", victims.size());
  slurm("sbatch --partition=high --cpus-per-task=2 --output=/dev/null --wrap='sleep 2'");
  slow_runs(false);
  start_releasing();
  ASSERT_EQ(culprit.wait(), 0) << read_file(tmp_ / "out");
  stop_releasing();

  // Every run job caught inside its command was preempted, requeued by
  // Slurm under the same job id and ran again from the start; its run ended
  // once, and culprit counted it once.
  std::map<std::string, int> starts, ends;
  for (const auto& m : markers("start")) ++starts[m.job];
  for (const auto& m : markers("end")) ++ends[m.job];
  for (const auto& victim : victims) {
    EXPECT_GE(std::atoi(slurm_field(victim.id, "Restarts").c_str()), 1)
        << slurm("scontrol show job " + victim.id);
    EXPECT_EQ(starts[victim.id], 2) << victim.id;  // preempted while it ran, then run again
    EXPECT_EQ(ends[victim.id], 1) << victim.id;
  }
  EXPECT_THAT(repeated_runs(), IsEmpty());
  for (const auto& r : job_table(state)) {
    EXPECT_TRUE(r.consumed) << r.kind << " " << r.commit << " " << r.index;
    // Requeued by Slurm, never submitted again by culprit.
    EXPECT_EQ(r.attempt, 0) << r.kind << " " << r.commit << " " << r.index << " " << r.job_id;
  }
  EXPECT_EQ(result_of(state)["commits"], result_of(tmp_ / "ref")["commits"]);
  EXPECT_EQ(steps_of(result_of(state)), steps_of(result_of(tmp_ / "ref")));
  if (HasFailure()) {
    std::string ids;
    for (const auto& v : victims) ids += " " + v.id;
    std::printf("%s", what_happened(state, "jobs preempted:" + ids).c_str());
  }
}

TEST_F(SlurmE2E, ANodeLostMidRunTheBisectionFinishesOnTheOther) {
  start_cluster(2);
  auto start = make_history();
  auto ref = run_culprit(bisect_args(tmp_ / "ref", start, "--jobs 4"));
  ASSERT_EQ(ref.status(), 0) << ref.output;
  std::filesystem::remove(tmp_ / "markers");

  auto state = tmp_ / "state";
  slow_runs(true);
  Background culprit(culprit_command(bisect_args(state, start, "--jobs 4 --cluster slurm", 4)),
                     tmp_ / "out");
  auto victim = wait_for_running_run(culprit, "n2");
  ASSERT_TRUE(victim) << read_file(tmp_ / "out");
  auto killed = sh(script("slurm-stop") + " " + shell_quote(cluster_dir().string()) + " --node n2",
                   {}, false);
  ASSERT_EQ(killed.status(), 0) << killed.output;
  slow_runs(false);
  start_releasing();
  ASSERT_EQ(culprit.wait(), 0) << read_file(tmp_ / "out");
  stop_releasing();

  EXPECT_EQ(result_of(state)["commits"], result_of(tmp_ / "ref")["commits"]);
  EXPECT_EQ(steps_of(result_of(state)), steps_of(result_of(tmp_ / "ref")));
  EXPECT_THAT(repeated_runs(), IsEmpty());
  bool victim_done = false;
  for (const auto& r : job_table(state)) {
    EXPECT_TRUE(r.consumed);
    if (r.job_id == victim->id) {
      victim_done = true;
      EXPECT_EQ(r.node, "n1");
      EXPECT_EQ(r.state, "COMPLETED");
    }
  }
  EXPECT_TRUE(victim_done);
  EXPECT_THAT(slurm("sinfo --noheader --nodes=n2 --format=%T"), HasSubstr("down"));
}

TEST_F(SlurmE2E, ARequestAboveThePartitionsLimitsIsRefusedUpFront) {
  start_cluster(1);
  auto start = make_history();
  auto state = tmp_ / "state";
  auto r =
      run_culprit(bisect_args(state, start, "--cluster slurm --cluster-opt '--cpus-per-task=64'"));
  EXPECT_EQ(r.status(), 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("culprit: --cluster: Slurm refused the probe job: "));
  EXPECT_THAT(r.output, HasSubstr("More processors requested than permitted"));
  EXPECT_EQ(split_lines(trim(r.output)).size(), 1u) << r.output;
  EXPECT_FALSE(std::filesystem::exists(state / "state.db"));  // no bisection begun
  EXPECT_FALSE(std::filesystem::exists(state.string() + ".json"));
  EXPECT_THAT(culprit_jobs_in_queue(queue()), IsEmpty());
}

TEST_F(SlurmE2E, ANodeThatCannotSeeTheStateDirectoryIsRefusedUpFront) {
  start_cluster(1);
  auto start = make_history();
  auto state = tmp_ / "state";
  std::filesystem::create_directories(state);
  // Node n1 again, in a mount namespace where the state directory is an
  // empty file system of its own: a node without the shared file system.
  auto conf = (cluster_dir() / "slurm.conf").string();
  auto killed = sh(script("slurm-stop") + " " + shell_quote(cluster_dir().string()) + " --node n1",
                   {}, false);
  ASSERT_EQ(killed.status(), 0) << killed.output;
  auto hidden = sh("PATH=$PATH:/usr/sbin:/sbin; unshare --mount --propagation private sh -c " +
                       shell_quote("mount -t tmpfs none " + shell_quote(state.string()) +
                                   " && exec slurmd -f " + shell_quote(conf) + " -N n1"),
                   {}, false);
  if (hidden.status() != 0) GTEST_SKIP() << "no mount namespaces here: " << hidden.output;
  for (int i = 0;
       i < 100 && slurm("sinfo --noheader --format=%T").find("idle") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));

  auto r = run_culprit(bisect_args(state, start, "--cluster slurm"));
  EXPECT_EQ(r.status(), 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("the nodes must see the state directory " + state.string()));
  EXPECT_EQ(split_lines(trim(r.output)).size(), 1u) << r.output;
  EXPECT_FALSE(std::filesystem::exists(state / "state.db"));
}

TEST_F(SlurmE2E, APartitionDrainedMidBisectionStopsItWithExitThreeAndItResumes) {
  start_cluster(1);
  auto start = make_history();
  auto ref = run_culprit(bisect_args(tmp_ / "ref", start, "--jobs 2"));
  ASSERT_EQ(ref.status(), 0) << ref.output;

  auto state = tmp_ / "state";
  std::string args = bisect_args(state, start, "--jobs 2 --cluster slurm", 2);
  slow_runs(true);
  {
    Background culprit(culprit_command(args), tmp_ / "first.out");
    ASSERT_TRUE(wait_for_running_run(culprit)) << read_file(tmp_ / "first.out");
    slurm("scontrol update partitionname=debug state=drain");
    EXPECT_EQ(culprit.wait(), 3) << read_file(tmp_ / "first.out");
  }
  slow_runs(false);
  auto out = read_file(tmp_ / "first.out");
  EXPECT_THAT(out, HasSubstr("culprit: aborted: Slurm refused a job: Batch job submission failed"));
  EXPECT_THAT(culprit_jobs_in_queue(queue()), IsEmpty());
  EXPECT_THAT(result_of(state).value("abort_reason", ""), HasSubstr("Slurm refused a job"));

  slurm("scontrol update partitionname=debug state=up");
  auto resumed = run_culprit(args);
  ASSERT_EQ(resumed.status(), 0) << resumed.output;
  EXPECT_EQ(result_of(state)["commits"], result_of(tmp_ / "ref")["commits"]);
  EXPECT_EQ(steps_of(result_of(state)), steps_of(result_of(tmp_ / "ref")));
}

TEST_F(SlurmE2E, AFullQueueStopsTheBisectionWithExitThree) {
  // Slurm counts finished jobs for MinJobAge (300 s): after a few jobs,
  // sbatch waits for room (retrying silently) until culprit's bound.
  start_cluster(1, "MaxJobCount=6");
  auto start = make_history();
  auto state = tmp_ / "state";
  auto r = run_culprit(bisect_args(state, start, "--cluster slurm --cluster-submit-timeout 5"));
  EXPECT_EQ(r.status(), 3) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("culprit: aborted: Slurm did not accept a job within 5 s: its queue is "
                        "full (MaxJobCount)"));
  EXPECT_THAT(culprit_jobs_in_queue(queue()), IsEmpty());
  bool refused_row = false;
  for (const auto& row : job_table(state)) refused_row = refused_row || row.state == "REFUSED";
  EXPECT_TRUE(refused_row);  // kept unconsumed: the same command submits it again
}

}  // namespace
}  // namespace culprit::testing
