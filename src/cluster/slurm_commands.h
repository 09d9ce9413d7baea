// The Slurm client commands culprit runs (sbatch, squeue, scancel), each a
// process with a time limit, and their output parsed. Internal to
// src/cluster/.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace culprit::cluster::slurm {

struct Submission {
  std::string job_id;  // empty when not accepted
  std::string error;   // sbatch's message, one line
  bool timed_out = false;
};
// `sbatch --parsable ARGS...`. Killed when culprit is interrupted.
Submission sbatch(const std::vector<std::string>& args, double timeout_seconds);

struct JobState {
  std::string state;   // PENDING, RUNNING, COMPLETED, NODE_FAIL, ...
  std::string node;    // where it runs or ran ("" while pending)
  std::string reason;  // why it pends
};
// The states of these jobs; a job Slurm no longer knows is absent. Nothing
// when squeue failed (the controller did not answer).
std::optional<std::map<std::string, JobState>> squeue(const std::vector<std::string>& ids);
// Ids of the jobs with this name, in any state; nothing when squeue failed.
std::optional<std::vector<std::string>> find_by_name(const std::string& name);
// scancel; also after an interrupt.
void scancel(const std::vector<std::string>& ids);

// Queued, running or on its way to run again (not ended).
bool is_active(const std::string& state);
// Pending for a reason that needs an administrator, not time.
bool is_hopeless(const std::string& reason);

}  // namespace culprit::cluster::slurm
