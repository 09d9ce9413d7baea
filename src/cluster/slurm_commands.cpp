#include "cluster/slurm_commands.h"

#include <fmt/format.h>

#include "util/process.h"
#include "util/text.h"

namespace culprit::cluster::slurm {
namespace {

// Cleanup and queries must work after Ctrl-C, and never hang culprit.
ProcessResult run_client(const std::vector<std::string>& argv, double timeout, bool survive,
                         bool hands_over = false) {
  ProcessOptions o;
  o.timeout_seconds = timeout;
  o.survives_interrupt = survive;
  o.outlives_culprit = hands_over;
  o.max_output = 1 << 20;
  try {
    return run_argv(argv, o);
  } catch (const std::exception& e) {
    ProcessResult r;
    r.start_failed = true;
    r.output = e.what();
    return r;
  }
}

// The last line that says something: sbatch prints its error last.
std::string last_line(const std::string& text) {
  std::string out;
  for (auto line : split_lines(text)) {
    auto t = trim(line);
    if (!t.empty()) out = std::string(t);
  }
  if (starts_with(out, "sbatch: error: ")) out = out.substr(15);
  return out;
}

}  // namespace

Submission sbatch(const std::vector<std::string>& args, double timeout_seconds) {
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  argv.insert(argv.end(), args.begin(), args.end());
  // The job gets sbatch's environment: unmarked, a culprit killed now
  // leaves its jobs to Slurm and to the resumed culprit that adopts them.
  auto p = run_client(argv, timeout_seconds, false, true);
  Submission s;
  if (p.timed_out) {
    s.timed_out = true;
    s.error = fmt::format("sbatch did not get the job accepted within {:.0f} s", timeout_seconds);
    return s;
  }
  if (p.interrupted) {
    s.error = "interrupted";
    return s;
  }
  if (p.start_failed) {
    s.error = "sbatch could not be started";
    return s;
  }
  if (p.status() != 0) {
    s.error = last_line(p.output);
    if (s.error.empty()) s.error = fmt::format("sbatch failed with exit status {}", p.status());
    return s;
  }
  // "ID" or "ID;CLUSTER"; warnings may come first.
  for (auto line : split_lines(p.output)) {
    std::string t(trim(line));
    auto semi = t.find(';');
    std::string id = t.substr(0, semi);
    if (!id.empty() && id.find_first_not_of("0123456789_") == std::string::npos) s.job_id = id;
  }
  if (s.job_id.empty()) s.error = "sbatch printed no job id: " + last_line(p.output);
  return s;
}

std::optional<std::map<std::string, JobState>> squeue(const std::vector<std::string>& ids) {
  std::map<std::string, JobState> out;
  if (ids.empty()) return out;
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
  auto p = run_client(
      {"squeue", "--noheader", "--states=all", "--jobs=" + list, "--format=%i|%T|%N|%r"}, 60, true);
  if (p.status() != 0) {
    // Every id unknown (ended long ago, or never existed): an answer.
    if (p.output.find("Invalid job id") != std::string::npos) return out;
    return std::nullopt;
  }
  for (auto line : split_lines(p.output)) {
    std::vector<std::string> f;
    std::string cur;
    for (char c : trim(line)) {
      if (c == '|') {
        f.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    f.push_back(cur);
    if (f.size() < 4 || f[0].empty()) continue;
    out[f[0]] = JobState{f[1], f[2], f[3]};
  }
  return out;
}

std::optional<std::vector<std::string>> find_by_name(const std::string& name) {
  auto p = run_client({"squeue", "--noheader", "--states=all", "--name=" + name, "--format=%i"}, 60,
                      true);
  if (p.status() != 0) return std::nullopt;
  std::vector<std::string> out;
  for (auto line : split_lines(p.output))
    if (auto t = trim(line); !t.empty()) out.emplace_back(t);
  return out;
}

void scancel(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  std::vector<std::string> argv = {"scancel", "--quiet"};
  argv.insert(argv.end(), ids.begin(), ids.end());
  run_client(argv, 60, true);
}

bool is_active(const std::string& state) {
  for (const char* s : {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED",
                        "REQUEUE_FED", "REQUEUE_HOLD", "RESIZING", "SUSPENDED", "SIGNALING",
                        "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD", "UPDATE_DB", "POWER_UP_NODE"})
    if (state == s) return true;
  return false;
}

bool is_hopeless(const std::string& reason) {
  for (const char* r : {"PartitionDown", "PartitionInactive", "PartitionNodeLimit",
                        "PartitionTimeLimit", "BadConstraints", "InvalidAccount", "InvalidQOS",
                        "JobHeldAdmin", "JobHeldUser", "AccountNotAllowed", "QOSNotAllowed"})
    if (reason == r) return true;
  return false;
}

}  // namespace culprit::cluster::slurm
