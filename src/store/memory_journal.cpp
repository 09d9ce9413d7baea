#include "store/journal.h"

#include <stdexcept>

namespace culprit::store {

std::optional<BuildRecord> MemoryJournal::find_build(const std::string& commit,
                                                     const std::string& builder_key) {
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

void MemoryJournal::save_build(const BuildRecord& record) {
  if (!builds_.emplace(std::pair{record.commit, record.builder_key}, record).second)
    throw std::logic_error("build of " + record.commit + " recorded twice");
}

std::vector<RunRecord> MemoryJournal::runs(const std::string& commit,
                                           const std::string& runner_key) {
  std::vector<RunRecord> out;
  for (auto it = runs_.lower_bound({commit, runner_key, 0});
       it != runs_.end() && std::get<0>(it->first) == commit &&
       std::get<1>(it->first) == runner_key;
       ++it)
    out.push_back(it->second);
  return out;
}

void MemoryJournal::save_run(const RunRecord& record) {
  if (!runs_.emplace(std::tuple{record.commit, record.runner_key, record.index}, record).second)
    throw std::logic_error("run " + std::to_string(record.index) + " of " + record.commit +
                           " recorded twice");
}

const char* to_string(Origin origin) {
  switch (origin) {
    case Origin::own:
      return "";
    case Origin::same_tree:
      return "same-tree";
    case Origin::earlier:
      return "earlier";
  }
  return "";
}

Origin origin_from_string(const std::string& text) {
  if (text == "same-tree") return Origin::same_tree;
  if (text == "earlier") return Origin::earlier;
  return Origin::own;
}

}  // namespace culprit::store
