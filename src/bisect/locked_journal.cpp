#include "bisect/locked_journal.h"

namespace culprit::bisect {

std::optional<store::BuildRecord> LockedJournal::find_build(const std::string& c,
                                                            const std::string& k) {
  std::lock_guard lock(mu_);
  return j_.find_build(c, k);
}
std::optional<store::BuildRecord> LockedJournal::find_build_by_tree(const std::string& t,
                                                                    const std::string& k) {
  std::lock_guard lock(mu_);
  return j_.find_build_by_tree(t, k);
}
void LockedJournal::save_build(const store::BuildRecord& r) {
  std::lock_guard lock(mu_);
  j_.save_build(r);
}
std::vector<store::RunRecord> LockedJournal::runs(const std::string& c, const std::string& k) {
  std::lock_guard lock(mu_);
  return j_.runs(c, k);
}
void LockedJournal::save_run(const store::RunRecord& r) {
  std::lock_guard lock(mu_);
  j_.save_run(r);
}
std::pair<std::string, std::vector<store::RunRecord>> LockedJournal::earlier_runs(
    const std::string& s, const std::string& k) {
  std::lock_guard lock(mu_);
  return j_.earlier_runs(s, k);
}
void LockedJournal::set_status(const std::string& s) {
  std::lock_guard lock(mu_);
  j_.set_status(s);
}

}  // namespace culprit::bisect
