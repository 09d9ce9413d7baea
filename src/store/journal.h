// What the engine remembers about a bisection: every finished build and
// test run. The engine asks the journal before building or running, so a
// resumed bisection replays recorded results instead of redoing them, and
// an interrupted build or run (never recorded) is simply done again.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace culprit::store {

// Where a record's result came from. A record copied from another one says
// so in its own column (with `origin_commit`), so that no reader has to
// parse another field to know.
enum class Origin {
  own,        // built or run here, for this commit
  same_tree,  // a build: another commit with the same source tree was built
  earlier,    // a run: the same binary ran the same test in an earlier bisection
};
const char* to_string(Origin origin);
Origin origin_from_string(const std::string& text);  // unknown text: own

struct BuildRecord {
  std::string commit;
  std::string tree;         // git tree id of the source
  std::string builder_key;  // Builder::cache_key()
  bool ok = false;
  std::string signature;
  std::string error_line;
  std::string log_path;
  double seconds = 0;
  Origin origin = Origin::own;
  std::string origin_commit;  // same_tree: the commit that was built
  std::string job, node;      // where it ran (a cluster job), empty: here
};

struct RunRecord {
  std::string commit;
  std::string runner_key;  // TestRunner::cache_key()
  int index = 0;
  std::string status;  // run::to_string(RunStatus)
  std::string title;
  std::string type;
  std::string report;
  std::string log_path;
  double seconds = 0;
  std::vector<std::string> alt_titles;  // other names of the same crash (CrashReport)
  Origin origin = Origin::own;
  std::string origin_commit;  // earlier: the commit of the earlier bisection
  std::string job, node;      // where it ran (a cluster job), empty: here
};

class Journal {
 public:
  virtual ~Journal() = default;
  virtual std::optional<BuildRecord> find_build(const std::string& commit,
                                                const std::string& builder_key) = 0;
  // A build of the same source tree by the same builder (another commit,
  // possibly of an earlier bisection in the same state directory).
  virtual std::optional<BuildRecord> find_build_by_tree(const std::string& tree,
                                                        const std::string& builder_key) = 0;
  // A commit's build is recorded once: saving it again is a logic error
  // (std::logic_error), never an overwrite.
  virtual void save_build(const BuildRecord& record) = 0;
  // Recorded runs of a commit, ordered by index.
  virtual std::vector<RunRecord> runs(const std::string& commit, const std::string& runner_key) = 0;
  // A run index is recorded once: saving a run over a recorded one is a
  // logic error (std::logic_error), never an overwrite.
  virtual void save_run(const RunRecord& record) = 0;
  // Runs of the same binary (build signature) with the same test setup in
  // an earlier bisection of this state directory: (commit, runs), or none.
  virtual std::pair<std::string, std::vector<RunRecord>> earlier_runs(
      const std::string& signature, const std::string& runner_key) {
    (void)signature;
    (void)runner_key;
    return {};
  }
  // Phase text for `culprit status` (cheap; may be called often).
  virtual void set_status(const std::string& status) = 0;
};

// For the simulator and unit tests: forgets everything at exit.
class MemoryJournal : public Journal {
 public:
  std::optional<BuildRecord> find_build(const std::string& commit,
                                        const std::string& builder_key) override;
  std::optional<BuildRecord> find_build_by_tree(const std::string& tree,
                                                const std::string& builder_key) override;
  void save_build(const BuildRecord& record) override;
  std::vector<RunRecord> runs(const std::string& commit, const std::string& runner_key) override;
  void save_run(const RunRecord& record) override;
  void set_status(const std::string& status) override { status_ = status; }
  const std::string& status() const { return status_; }

 private:
  std::map<std::pair<std::string, std::string>, BuildRecord> builds_;
  std::map<std::tuple<std::string, std::string, int>, RunRecord> runs_;
  std::string status_;
};

}  // namespace culprit::store
