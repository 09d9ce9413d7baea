#include "bisect/crash_matcher.h"

#include <algorithm>
#include <map>

namespace culprit::bisect {

std::string CrashMatcher::most_frequent_title(const std::vector<RunSummary>& runs) {
  std::map<std::string, int> counts;
  int best = 0;
  std::string title;
  for (const auto& r : runs)
    if (r.status == run::RunStatus::crashed && ++counts[r.title] > best) {
      best = counts[r.title];
      title = r.title;
    }
  return title;
}

bool CrashMatcher::same_crash(const RunSummary& r, const std::string& target) const {
  if (target.empty() || r.status != run::RunStatus::crashed) return false;
  if (r.title == target) return true;
  if (std::find(r.alt_titles.begin(), r.alt_titles.end(), target) != r.alt_titles.end())
    return true;
  return target == target_ && alt_names_.count(r.title);
}

Evidence CrashMatcher::tally(const std::vector<RunSummary>& runs) const {
  Evidence e;
  std::string target = target_.empty() ? most_frequent_title(runs) : target_;
  e.generic_target = !target.empty() && is_generic_title(target);
  for (const auto& r : runs) {
    switch (r.status) {
      case run::RunStatus::ok:
        ++e.ok;
        break;
      case run::RunStatus::crashed:
        ++(same_crash(r, target) ? e.matching : e.other);
        break;
      case run::RunStatus::untestable:
        ++e.untestable;
        break;
      case run::RunStatus::infra_error:
        ++e.infra;
        break;
    }
  }
  return e;
}

bool CrashMatcher::learn_from_start(const std::vector<RunSummary>& runs, bool judged_bad) {
  if (target_.empty() && judged_bad) target_ = most_frequent_title(runs);
  if (target_.empty()) return false;
  std::size_t known = alt_names_.size();
  for (const auto& r : runs)
    if (r.status == run::RunStatus::crashed && r.title == target_)
      alt_names_.insert(r.alt_titles.begin(), r.alt_titles.end());
  return alt_names_.size() != known;
}

}  // namespace culprit::bisect
