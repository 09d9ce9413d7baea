#include "bisect/crash_matcher.h"

#include <fmt/format.h>

namespace culprit::bisect {

CrashMatch CrashMatcher::match(const RunSummary& run) const {
  if (run.status != run::RunStatus::crashed) return {};
  if (family_) return family_->match(run);
  if (named_.empty()) return {};
  return CrashFamily(named_).match(run);
}

Evidence CrashMatcher::tally(const std::vector<RunSummary>& runs) const {
  Evidence e;
  std::optional<CrashFamily> provisional;
  const CrashFamily* family = family_ ? &*family_ : nullptr;
  if (!family) {
    auto groups = group_crashes(runs, named_);
    if (!groups.empty()) provisional = std::move(groups.front());
    if (provisional) family = &*provisional;
  }
  e.generic_target = family && is_generic_title(family->main());
  for (const auto& r : runs) {
    switch (r.status) {
      case run::RunStatus::ok:
        ++e.ok;
        break;
      case run::RunStatus::crashed: {
        double w = family ? family->match(r).weight : 0;
        ++(w >= kCountedWeight ? e.matching : e.other);
        e.weight += w;
        break;
      }
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
  if (named_.empty() && !judged_bad) return false;
  auto groups = group_crashes(runs, named_);
  if (groups.empty()) return false;
  family_ = std::move(groups.front());
  others_.assign(std::make_move_iterator(groups.begin() + 1),
                 std::make_move_iterator(groups.end()));
  return true;
}

std::string CrashMatcher::counted_as(const RunSummary& run) const {
  if (run.status != run::RunStatus::crashed || target().empty() || run.title == target()) return "";
  auto m = match(run);
  if (m.weight >= 1) return fmt::format(" [counted as \"{}\": {}]", target(), m.reason);
  if (m.weight > 0)
    return fmt::format(" [counted as \"{}\" at {:.2f}: {}]", target(), m.weight, m.reason);
  return fmt::format(" [not counted: {}]", m.reason.empty() ? "another crash" : m.reason);
}

std::string CrashMatcher::family_line() const {
  if (!family_ || family_->titles().size() < 2) return "";
  std::string out = "the bisected crash shows under " + std::to_string(family_->titles().size()) +
                    " titles on the start commit:";
  bool first = true;
  for (const auto& t : family_->titles()) {
    out += fmt::format("{} \"{}\" ({} run{}", first ? "" : ",", t.title, t.runs,
                       t.runs == 1 ? "" : "s");
    if (t.joined.weight < 1)
      out += fmt::format(", counted at {:.2f}: {}", t.joined.weight, t.joined.reason);
    else if (!t.joined.reason.empty())
      out += ", " + t.joined.reason;
    out += ")";
    first = false;
  }
  return out;
}

}  // namespace culprit::bisect
