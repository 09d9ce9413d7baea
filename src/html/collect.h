// Gathers what a report shows from a state directory (read-only, no lock)
// and the repository the bisection ran on.
#pragma once

#include <filesystem>
#include <optional>

#include "html/report_data.h"

namespace culprit::vcs {
class Repository;
}

namespace culprit::html {

struct CollectOptions {
  // The caller's own result and state (culprit bisect --html after an
  // abort, whose partial result is not stored).
  std::optional<nlohmann::json> result;
  std::optional<RunState> state;
  std::string state_detail;
  // The bisected repository; opened from the recorded parameters if null.
  const vcs::Repository* repo = nullptr;
};

// Nothing when the state directory holds no bisection.
std::optional<ReportData> collect_report_data(const std::filesystem::path& state_dir,
                                              const CollectOptions& options = {});

// The drawn range: everything the bisection could have looked at between
// its old-state ends and its newest end, plus every tested commit, with the
// parent links among them, oldest first.
Timeline build_timeline(const vcs::Repository& repo, const ReportData& data);

}  // namespace culprit::html
