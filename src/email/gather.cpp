// What the message tells, from a state directory: the result and steps
// (html::collect_report_data, as the HTML report shows them), the crash the
// verdict rests on, and the files to attach.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "email/email.h"
#include "html/collect.h"
#include "html/render.h"
#include "store/state_store.h"
#include "util/text.h"

namespace culprit::email {
namespace {

using nlohmann::json;

// A kernel's console log can be megabytes; its end holds the crash.
constexpr std::size_t kMaxConsoleLog = 4 << 20;

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  return j[key].get<std::string>();
}

std::string why_not_finished(const std::filesystem::path& dir,
                             const store::BisectionSummary& summary) {
  if (store::StateStore::busy(dir))
    return fmt::format(
        "the bisection in {} is still running; its result is not ready (run culprit email when "
        "it has finished, or give culprit bisect --email-to-recipients)",
        dir.string());
  constexpr std::string_view kAborted = "aborted: ";
  if (starts_with(summary.status, kAborted))
    return fmt::format(
        "the last bisection in {} was aborted ({}) and has no result; the same culprit bisect "
        "command resumes it",
        dir.string(), summary.status.substr(kAborted.size()));
  return fmt::format(
      "the last bisection in {} did not finish{}; the same culprit bisect command resumes it",
      dir.string(), summary.status.empty() ? "" : " (last status: " + summary.status + ")");
}

// The crash being bisected: the result's report, the title asked for with
// --title, or the start commit's most frequent crash.
std::string bisected_title(const html::ReportData& data,
                           const std::vector<store::RunRecord>& runs) {
  if (data.result.contains("report") && data.result["report"].is_object())
    if (auto t = str(data.result["report"], "title"); !t.empty()) return t;
  if (auto t = str(data.params, "title"); !t.empty()) return t;
  std::string start = str(data.params, "commit");
  std::map<std::string, int> counts;
  for (const auto& r : runs)
    if (r.commit == start && r.status == "crashed" && !r.title.empty()) ++counts[r.title];
  auto best = std::max_element(counts.begin(), counts.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  return best == counts.end() ? std::string() : best->first;
}

// Where the crash the verdict rests on was seen: the culprit (cause), the
// boundary (crash on the oldest, not fixed), else the start commit.
std::string crash_commit(const html::ReportData& data) {
  const auto& r = data.result;
  std::string verdict = str(r, "verdict");
  const auto& commits = r.value("commits", json::array());
  if (!data.fix && (verdict == "found" || verdict == "unverified") && commits.is_array() &&
      !commits.empty())
    return str(commits[0], "hash");
  if ((verdict == "crash-on-oldest" || verdict == "not-fixed") && r.contains("boundary") &&
      r["boundary"].is_object())
    return str(r["boundary"], "hash");
  return str(data.params, "commit");
}

const store::RunRecord* crashing_run(const std::vector<store::RunRecord>& runs,
                                     const std::string& commit, const std::string& title) {
  const store::RunRecord* any = nullptr;
  for (const auto& r : runs) {
    if (r.commit != commit || r.status != "crashed") continue;
    if (r.title == title) return &r;
    if (!any) any = &r;
  }
  return title.empty() ? any : nullptr;
}

}  // namespace

MailContent gather_last_result(const std::filesystem::path& state_dir,
                               const vcs::Repository* repo) {
  auto records = store::StateStore::last_records(state_dir);
  if (!records) throw NoFinishedBisection("no bisection recorded in " + state_dir.string());
  if (!records->summary.finished)
    throw NoFinishedBisection(why_not_finished(state_dir, records->summary));
  html::CollectOptions options;
  options.repo = repo;
  auto data = html::collect_report_data(state_dir, options);
  if (!data || !data->result.is_object())
    throw NoFinishedBisection("the last bisection in " + state_dir.string() +
                              " has no result recorded");
  MailContent content;
  content.bisection_id = records->summary.id;
  content.data = std::move(*data);
  // The attached page is read by people who have no access to this
  // machine: no link to files kept here.
  content.data.mail_file.clear();
  content.bug_title = bisected_title(content.data, records->runs);

  std::string where = crash_commit(content.data);
  const auto* run = crashing_run(records->runs, where, content.bug_title);
  if (!run && where != str(content.data.params, "commit")) {
    where = str(content.data.params, "commit");
    run = crashing_run(records->runs, where, content.bug_title);
  }
  content.data.crash_report.clear();
  if (run) {
    content.crash_commit = run->commit;
    content.crash_run = run->index;
    content.data.crash_report = run->report;
  }

  content.attachments.push_back({"report.html", "text/html; charset=utf-8",
                                 html::render_report(content.data), "the HTML report"});
  if (run) {
    std::error_code ec;
    auto size = run->log_path.empty() ? 0 : std::filesystem::file_size(run->log_path, ec);
    if (run->log_path.empty() || ec) {
      content.attachment_note =
          fmt::format("The console log of that run was not kept{}.",
                      run->log_path.empty() ? "" : " (" + run->log_path + " is gone)");
    } else {
      std::string log = read_file(run->log_path);
      std::string what =
          fmt::format("the console log of run #{} on {}", run->index, run->commit.substr(0, 12));
      if (size > kMaxConsoleLog) {
        log = log.substr(log.size() - kMaxConsoleLog);
        what += fmt::format(" (its last {} MiB of {:.1f} MiB)", kMaxConsoleLog >> 20,
                            static_cast<double>(size) / (1 << 20));
      }
      content.attachments.push_back(
          {fmt::format("console-{}-run{}.log", run->commit.substr(0, 12), run->index),
           "text/plain; charset=utf-8", std::move(log), what});
    }
  }
  return content;
}

}  // namespace culprit::email
