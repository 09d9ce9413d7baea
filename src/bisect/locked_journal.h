// The journal as the tester's worker threads see it: every call under one
// mutex, so that the store has one writer at a time.
#pragma once

#include <mutex>

#include "store/journal.h"

namespace culprit::bisect {

class LockedJournal : public store::Journal {
 public:
  explicit LockedJournal(store::Journal& j) : j_(j) {}
  std::optional<store::BuildRecord> find_build(const std::string& c, const std::string& k) override;
  std::optional<store::BuildRecord> find_build_by_tree(const std::string& t,
                                                       const std::string& k) override;
  void save_build(const store::BuildRecord& r) override;
  std::vector<store::RunRecord> runs(const std::string& c, const std::string& k) override;
  void save_run(const store::RunRecord& r) override;
  std::pair<std::string, std::vector<store::RunRecord>> earlier_runs(const std::string& s,
                                                                     const std::string& k) override;
  void set_status(const std::string& s) override;

 private:
  store::Journal& j_;
  std::mutex mu_;
};

}  // namespace culprit::bisect
