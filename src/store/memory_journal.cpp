#include "store/journal.h"

namespace culprit::store {

std::optional<BuildRecord> MemoryJournal::find_build(const std::string& commit, const std::string& builder_key) {
  auto it = builds_.find({commit, builder_key});
  if (it == builds_.end()) return std::nullopt;
  return it->second;
}

std::optional<BuildRecord> MemoryJournal::find_build_by_tree(const std::string& tree,
                                                             const std::string& builder_key) {
  for (const auto& [key, rec] : builds_)
    if (rec.tree == tree && rec.builder_key == builder_key && !tree.empty()) return rec;
  return std::nullopt;
}

void MemoryJournal::save_build(const BuildRecord& record) { builds_[{record.commit, record.builder_key}] = record; }

std::vector<RunRecord> MemoryJournal::runs(const std::string& commit, const std::string& runner_key) {
  std::vector<RunRecord> out;
  for (auto it = runs_.lower_bound({commit, runner_key, 0});
       it != runs_.end() && std::get<0>(it->first) == commit && std::get<1>(it->first) == runner_key; ++it)
    out.push_back(it->second);
  return out;
}

void MemoryJournal::save_run(const RunRecord& record) {
  runs_[{record.commit, record.runner_key, record.index}] = record;
}

}  // namespace culprit::store
