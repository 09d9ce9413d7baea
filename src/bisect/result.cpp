#include "bisect/result.h"

namespace culprit::bisect {

nlohmann::json BisectResult::to_json() const {
  using nlohmann::json;
  json j;
  j["mode"] = mode;
  j["verdict"] = verdict;
  j["commits"] = json::array();
  for (const auto& c : commits)
    j["commits"].push_back(
        {{"hash", c.hash}, {"title", c.title}, {"author", c.author}, {"date", c.date}});
  j["boundary"] =
      boundary ? json{{"hash", boundary->hash}, {"title", boundary->title}} : json(nullptr);
  j["report"] = report ? json{{"title", report->first}, {"type", report->second}} : json(nullptr);
  j["noop_change"] = noop_change;
  j["is_release"] = is_release;
  j["confidence"] = confidence;
  j["revisions_tested"] = revisions_tested;
  j["build_seconds"] = build_seconds;
  j["test_seconds"] = test_seconds;
  j["total_seconds"] = total_seconds;
  j["steps"] = json::array();
  for (const auto& s : steps) {
    json step{
        {"hash", s.hash},
        {"title", s.title},
        {"verdict", s.verdict},
        {"signature", s.signature},
        {"runs",
         {{"ok", s.ok}, {"crashed", s.crashed}, {"skipped", s.skipped}, {"titles", s.titles}}}};
    if (!s.reused_from.empty()) step["reused_from"] = s.reused_from;
    if (!s.build_error.empty()) step["build_error"] = s.build_error;
    if (!s.backports.empty()) step["backports"] = s.backports;
    j["steps"].push_back(std::move(step));
  }
  j["recipients"] = {{"to", to}, {"cc", cc}};
  // Extensions beyond INTERFACE.md.
  j["reproduced"] = reproduced;
  j["builds"] = builds;
  j["test_runs"] = test_runs;
  j["strategy"] = strategy;
  if (!candidates.empty()) {
    j["candidates"] = json::array();
    for (const auto& c : candidates)
      j["candidates"].push_back(
          {{"hash", c.commit.hash}, {"title", c.commit.title}, {"probability", c.probability}});
  }
  if (verification) {
    const auto& v = *verification;
    json revert;
    if (v.revert.skipped.empty())
      revert = {{"commit", v.revert.commit},
                {"onto", v.revert.onto},
                {"runs", v.revert.runs},
                {"crashed", v.revert.crashed},
                {"passed", v.revert.passed}};
    else
      revert = {{"skipped", v.revert.skipped}, {"passed", nullptr}};
    // A revert that was made was also built (it counts in `builds`), even
    // when the check could not use it.
    if (!v.revert.commit.empty()) revert["commit"] = v.revert.commit;
    if (!v.revert.failed.empty()) {
      revert["failed"] = json::array();
      for (const auto& [onto, why] : v.revert.failed)
        revert["failed"].push_back({{"onto", onto}, {"reason", why}});
    }
    j["verification"] = {{"culprit_runs", v.culprit_runs},
                         {"culprit_crashed", v.culprit_crashed},
                         {"culprit_passed", v.culprit_passed},
                         {"parent_runs", v.parent_runs},
                         {"parent_crashed", v.parent_crashed},
                         {"parent_passed", v.parent_passed},
                         {"revert", revert},
                         {"passed", v.passed}};
  }
  if (!contradiction.empty()) j["contradiction"] = contradiction;
  if (wall_seconds > 0) j["wall_seconds"] = wall_seconds;
  if (!overhead_seconds.empty()) {
    j["elapsed_seconds"] = elapsed_seconds;
    j["overhead_seconds"] = overhead_seconds;
  }
  if (!cluster.empty()) j["cluster"] = cluster;
  if (aborted) {
    j["aborted"] = true;
    j["abort_reason"] = abort_reason;
  }
  return j;
}

}  // namespace culprit::bisect
