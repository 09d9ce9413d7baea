// What an HTML report shows, as plain data: the result JSON (when the
// bisection finished), the steps in test order with their builds and runs,
// and the range of history as a graph. collect_report_data() fills it from a
// state directory and the repository; tests build it by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace culprit::html {

struct RunInfo {
  int index = 0;
  std::string status;  // ok / crashed / untestable / infra_error / ...
  std::string title;
  double seconds = 0;
};

struct StepInfo {
  std::string hash;
  std::string title;
  std::string verdict;  // good / bad / skip, or "pending" while undecided
  std::string signature;
  std::string reused_from;
  std::string build_error;
  std::vector<std::string> backports;  // fixes cherry-picked into its build
  int ok = 0, crashed = 0, skipped = 0;
  std::vector<std::string> titles;  // crash titles, one per crashed run
  std::optional<double> build_seconds;
  std::vector<RunInfo> runs;
  std::vector<std::string> tags;  // release tags at this commit
};

// One commit of the drawn range; parents index into Timeline::commits and
// come before their children (oldest first).
struct TimelineCommit {
  std::string hash;
  std::vector<std::uint32_t> parents;
};

struct Timeline {
  std::vector<TimelineCommit> commits;
  // Known old-state commits that were not tested (cause: --good).
  std::vector<std::string> assumed_old;
};

enum class RunState { finished, running, interrupted, aborted };

struct ReportData {
  RunState state = RunState::finished;
  std::string state_detail;  // status or abort reason
  bool fix = false;
  nlohmann::json result;        // null when the bisection has no result yet
  nlohmann::json params;        // the bisection's parameters (may be null)
  std::string repo;             // repository path, for the heading
  std::string log;              // the bisection log
  std::string crash_report;     // text of the crash the verdict rests on
  double started = 0;           // unix time
  std::vector<StepInfo> steps;  // in test order
  Timeline timeline;
  // The result message kept in the state directory (store/kept_mail.h),
  // when one was written: sent, or in the outbox waiting to be sent again.
  std::string mail_file;
  bool mail_sent = false;
};

}  // namespace culprit::html
