// `culprit worker build|run|probe --request FILE` (what a cluster job runs),
// driven directly, without a scheduler: the same builders and runners as a
// local bisection, the result file written only at the end.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "e2e/bisect_fixture.h"
#include "util/hash.h"

namespace culprit::testing {
namespace {

using ::testing::HasSubstr;

class Worker : public BisectE2E {
 protected:
  std::filesystem::path request(const nlohmann::json& body, const std::string& name) {
    nlohmann::json j = body;
    j["protocol"] = 1;
    j["result"] = (tmp_ / (name + ".result.json")).string();
    auto path = tmp_ / (name + ".request.json");
    write_file_atomic(path, j.dump());
    return path;
  }
  ProcessResult worker(const std::string& kind, const std::filesystem::path& req) {
    return run_culprit("worker " + kind + " --request " + shell_quote(req.string()));
  }
  nlohmann::json result(const std::string& name) {
    return nlohmann::json::parse(read_file(tmp_ / (name + ".result.json")));
  }
  nlohmann::json run_request(const std::string& commit, int index) {
    std::filesystem::create_directories(tmp_ / "out");
    return {{"commit", commit},
            {"source_dir", repo_.path().string()},
            {"out_dir", (tmp_ / "out").string()},
            {"log_path", (tmp_ / ("run-" + std::to_string(index) + ".log")).string()},
            {"signature_file", ""},
            {"run_index", index}};
  }
};

TEST_F(Worker, ARunIsParsedAsALocalRunIs) {
  auto c = code_commit(0, "build.out", "BUG\n");
  nlohmann::json spec = {
      {"kind", "command"}, {"command", "sh " + (tmp_ / "test.sh").string()}, {"timeout", 60}};
  auto r = worker(
      "run", request({{"kind", "run"}, {"spec", spec}, {"request", run_request(c, 3)}}, "crash"));
  ASSERT_EQ(r.status(), 0) << r.output;
  auto run = result("crash")["run"];
  EXPECT_EQ(run["status"], "crashed");
  EXPECT_EQ(run["title"], "heap-use-after-free in cache_lookup");
  EXPECT_EQ(run["type"], "ASAN-HEAP-USE-AFTER-FREE");
  EXPECT_THAT(read_file(tmp_ / "run-3.log"), HasSubstr("AddressSanitizer"));

  write_file_atomic(repo_.path() / "build.out", "UNTESTABLE\n");
  r = worker("run",
             request({{"kind", "run"}, {"spec", spec}, {"request", run_request(c, 4)}}, "skip"));
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_EQ(result("skip")["run"]["status"], "untestable");
}

TEST_F(Worker, ABuildGivesTheArtifactsSignature) {
  auto c = code_commit(0);
  nlohmann::json spec = {{"kind", "command"},
                         {"command", "cat *.txt > build.out"},
                         {"artifact", "build.out"},
                         {"timeout", 60}};
  nlohmann::json req = {{"commit", c},
                        {"source_dir", repo_.path().string()},
                        {"out_dir", (tmp_ / "out").string()},
                        {"signature_file", (tmp_ / "signature").string()},
                        {"log_path", (tmp_ / "build.log").string()}};
  auto r = worker("build", request({{"kind", "build"}, {"spec", spec}, {"request", req}}, "b"));
  ASSERT_EQ(r.status(), 0) << r.output;
  auto build = result("b")["build"];
  EXPECT_TRUE(build["ok"]);
  EXPECT_FALSE(build["infra"]);
  EXPECT_EQ(build["signature"], sha256_hex("code 0\n"));
  EXPECT_FALSE(result("b")["node"].get<std::string>().empty());
}

TEST_F(Worker, AResultWrittenBeforeIsNotRunAgain) {
  auto c = code_commit(0);
  auto marker = tmp_ / "ran";
  nlohmann::json spec = {
      {"kind", "command"}, {"command", "echo x >> " + marker.string()}, {"timeout", 60}};
  auto req = request({{"kind", "run"}, {"spec", spec}, {"request", run_request(c, 0)}}, "once");
  ASSERT_EQ(worker("run", req).status(), 0);
  ASSERT_EQ(worker("run", req).status(), 0);  // a job requeued after its result was written
  EXPECT_EQ(read_file(marker), "x\n");
}

TEST_F(Worker, InterruptedItWritesNoResult) {
  auto c = code_commit(0);
  auto started = tmp_ / "started";
  nlohmann::json spec = {{"kind", "command"},
                         {"command", "touch " + started.string() + "; sleep 30"},
                         {"timeout", 60}};
  auto req = request({{"kind", "run"}, {"spec", spec}, {"request", run_request(c, 0)}}, "term");
  std::string cmd =
      shell_quote(culprit_binary()) + " worker run --request " + shell_quote(req.string());
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 300 && !std::filesystem::exists(started); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(pid, SIGTERM);  // Slurm's signal on preemption or scancel
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) != 0);
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "term.result.json"));
}

TEST_F(Worker, TheProbeSaysWhatANodeCannotSee) {
  auto c = code_commit(0);
  nlohmann::json builder = {{"kind", "command"}, {"command", "true"}, {"artifact", ""}};
  nlohmann::json runner = {{"kind", "command"}, {"command", "true"}};
  auto ok = worker("probe", request({{"kind", "probe"},
                                     {"repo", repo_.path().string()},
                                     {"commit", c},
                                     {"state", tmp_.path().string()},
                                     {"builder", builder},
                                     {"runner", runner}},
                                    "fine"));
  ASSERT_EQ(ok.status(), 0) << ok.output;
  EXPECT_TRUE(result("fine")["problems"].empty()) << result("fine").dump();

  auto bad = worker("probe", request({{"kind", "probe"},
                                      {"repo", (tmp_ / "nowhere").string()},
                                      {"commit", c},
                                      {"state", (tmp_ / "nostate").string()},
                                      {"builder", builder},
                                      {"runner", {{"kind", "qemu"}, {"reproducer", "/none.c"}}}},
                                     "bad"));
  ASSERT_EQ(bad.status(), 0) << bad.output;
  auto problems = result("bad")["problems"].dump();
  EXPECT_THAT(problems, HasSubstr("cannot see the repository " + (tmp_ / "nowhere").string()));
  EXPECT_THAT(problems, HasSubstr("cannot see the state directory"));
  EXPECT_THAT(problems, HasSubstr("cannot test: "));
}

TEST_F(Worker, ARequestOfAnotherKindOrVersionIsRefused) {
  auto req = request({{"kind", "build"}}, "k");
  auto r = worker("run", req);
  EXPECT_EQ(r.status(), 2);
  EXPECT_THAT(r.output, HasSubstr("is a build request, not run"));
  nlohmann::json old = {{"kind", "run"}, {"protocol", 0}, {"result", "/x"}};
  write_file_atomic(tmp_ / "old.json", old.dump());
  r = worker("run", tmp_ / "old.json");
  EXPECT_EQ(r.status(), 2);
  EXPECT_THAT(r.output, HasSubstr("another version of culprit"));
}

}  // namespace
}  // namespace culprit::testing
