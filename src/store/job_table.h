// The durable table of cluster jobs (builds and test runs submitted to a
// batch scheduler). A row is written under a deterministic key before the
// job is submitted, gets the scheduler's job id right after, and its end
// state and whether its result was consumed later; so a culprit killed
// while jobs run finds them again on resume instead of submitting them
// again, and Ctrl-C or a discarded bisection can cancel every one of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace culprit::store {

// What a job does. One key may have several generations: a build repeated
// (a work tree rebuilt for more runs), or a run retried after an
// infrastructure failure, gets a new generation once the older one's result
// was consumed.
struct JobKey {
  std::string kind;      // "build" or "run"
  std::string commit;    // full hash
  std::string tool_key;  // Builder::cache_key() or TestRunner::cache_key()
  int index = 0;         // the run index; 0 for builds
  bool operator==(const JobKey&) const = default;
};

struct JobRecord {
  JobKey key;
  int generation = 0;
  int attempt = 0;             // submissions of this generation so far, minus one
  std::string name;            // the scheduler's job name of the current attempt
  std::string job_id;          // "" until the scheduler accepted it
  std::string state;           // "" before submission, "SUBMITTED", then how it ended
  std::string node;            // where it ran, when known
  std::string request;         // the request file the job reads
  std::string result;          // the result file the job writes at its end
  bool consumed = false;       // its result (or its failure) was handed to the engine
  double submitted = 0;        // unix time of the last submission
  std::int64_t bisection = 0;  // read only: the bisection the row belongs to
};

class JobTable {
 public:
  virtual ~JobTable() = default;
  // The newest generation of `key` in the current bisection, if any.
  virtual std::optional<JobRecord> newest_job(const JobKey& key) = 0;
  // Inserts or replaces the row of (key, generation) in the current bisection.
  virtual void save_job(const JobRecord& record) = 0;
  // Rows not consumed, of every bisection in the state directory: jobs that
  // may still be queued or running.
  virtual std::vector<JobRecord> unconsumed_jobs() = 0;
  // The bisection newest_job and save_job work on.
  virtual std::int64_t current_bisection() const = 0;
  // Marks a row of any bisection consumed (a stale job cancelled).
  virtual void drop_job(std::int64_t bisection, const JobKey& key, int generation,
                        const std::string& state) = 0;
};

}  // namespace culprit::store
