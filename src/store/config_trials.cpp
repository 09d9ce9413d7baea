#include "store/config_trials.h"

#include <stdexcept>

namespace culprit::store {

std::optional<ConfigTrialRecord> MemoryConfigTrials::find_trial(const ConfigTrialKey& key) {
  auto it = trials_.find(key);
  if (it == trials_.end()) return std::nullopt;
  return it->second;
}

void MemoryConfigTrials::save_trial(const ConfigTrialRecord& record) {
  if (!trials_.emplace(record.key, record).second)
    throw std::logic_error("config trial " + record.key.config_hash + " recorded twice");
}

}  // namespace culprit::store
