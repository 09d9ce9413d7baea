// Persistent state of bisections in an SQLite database under the state
// directory (WAL, one transaction per record, so a finished build or run is
// on disk before the next one starts; log lines are appended as rows and
// status text is written, with no sync of their own: the next record's takes
// them along). One culprit process at a time holds the directory's lock.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "store/config_trials.h"
#include "store/job_table.h"
#include "store/journal.h"

namespace culprit::store {

struct BisectionSummary {
  std::int64_t id = 0;
  std::string params;  // canonical JSON of the parameters
  std::string status;  // phase text
  bool finished = false;
  std::string log;     // the log so far (complete when finished)
  std::string result;  // result JSON when finished
  double started = 0;  // unix time
  int builds = 0;      // build records so far
  int runs = 0;        // test run records so far
};

// Everything recorded for one bisection, for reports (read-only).
struct BisectionRecords {
  BisectionSummary summary;
  std::vector<BuildRecord> builds;  // in the order they were recorded
  std::vector<RunRecord> runs;      // by commit, then run index
};

class StateStore : public Journal, public JobTable, public ConfigTrialTable {
 public:
  // Opens (creating) DIR/state.db and takes DIR's lock; throws UserError when
  // another culprit holds it.
  static std::unique_ptr<StateStore> open(const std::filesystem::path& dir);
  // Read-only view for `culprit log` / `culprit status`: no lock taken.
  static std::optional<BisectionSummary> last(const std::filesystem::path& dir);
  // The newest bisection with its builds and runs; no lock taken.
  static std::optional<BisectionRecords> last_records(const std::filesystem::path& dir);
  // Does a culprit process hold DIR's lock right now (a bisection running)?
  static bool busy(const std::filesystem::path& dir);
  ~StateStore() override;

  // Starts or resumes the bisection with these parameters: resumes when the
  // newest bisection has the same parameters; starts a new one when the
  // newest is finished (or `restart`); otherwise throws UserError.
  // Returns true when resuming.
  bool begin(const std::string& params_json, bool restart);
  // One line of the log (without its newline); its cost does not grow with
  // the log. Thread-safe.
  void append_log(const std::string& line);
  // Empties the log of the current bisection (a resumed one writes it again).
  void clear_log();
  void finish(const std::string& result_json);

  std::optional<BuildRecord> find_build(const std::string& commit,
                                        const std::string& builder_key) override;
  std::optional<BuildRecord> find_build_by_tree(const std::string& tree,
                                                const std::string& builder_key) override;
  void save_build(const BuildRecord& record) override;
  std::vector<RunRecord> runs(const std::string& commit, const std::string& runner_key) override;
  void save_run(const RunRecord& record) override;
  std::pair<std::string, std::vector<RunRecord>> earlier_runs(
      const std::string& signature, const std::string& runner_key) override;
  void set_status(const std::string& status) override;

  // ---- cluster jobs (job_table.h; src/cluster/) ----
  std::optional<JobRecord> newest_job(const JobKey& key) override;
  void save_job(const JobRecord& record) override;
  std::vector<JobRecord> unconsumed_jobs() override;
  std::int64_t current_bisection() const override;
  void drop_job(std::int64_t bisection, const JobKey& key, int generation,
                const std::string& state) override;
  // ---- end of cluster jobs ----

  // ---- config minimisation (config_trials.h), of the current bisection ----
  std::optional<ConfigTrialRecord> find_trial(const ConfigTrialKey& key) override;
  void save_trial(const ConfigTrialRecord& record) override;

  struct Impl;

 private:
  explicit StateStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace culprit::store
