// The outcome of every config tried by config minimisation (the bug's
// config, the baseline, ddmin's choices), keyed by the hash of the settled
// .config, the commit, the test setup and the crash looked for: a resumed
// minimisation replays them instead of building and running again.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>

namespace culprit::store {

struct ConfigTrialKey {
  std::string config_hash;  // sha256 of the .config after olddefconfig
  std::string commit;
  std::string runner_key;  // TestRunner::cache_key()
  std::string target;      // the crash title looked for; "" on the bug's config without --title
  auto operator<=>(const ConfigTrialKey&) const = default;
};

struct ConfigTrialRecord {
  ConfigTrialKey key;
  bool built = false;  // false: the build failed, which counts as not reproducing
  bool reproduced = false;
  std::string title;   // the crash seen with the target title (or the most frequent one)
  std::string detail;  // the build error, or what the runs showed, for the log
  int runs = 0;
  double build_seconds = 0, test_seconds = 0;
  std::string signature;  // the build's, when it built
};

class ConfigTrialTable {
 public:
  virtual ~ConfigTrialTable() = default;
  virtual std::optional<ConfigTrialRecord> find_trial(const ConfigTrialKey& key) = 0;
  // Recorded once per key (std::logic_error when recorded again).
  virtual void save_trial(const ConfigTrialRecord& record) = 0;
};

// For unit tests: forgets everything at exit.
class MemoryConfigTrials : public ConfigTrialTable {
 public:
  std::optional<ConfigTrialRecord> find_trial(const ConfigTrialKey& key) override;
  void save_trial(const ConfigTrialRecord& record) override;

 private:
  std::map<ConfigTrialKey, ConfigTrialRecord> trials_;
};

}  // namespace culprit::store
