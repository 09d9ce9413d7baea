#include "html/render.h"

#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "html/escape.h"
#include "html/page_style.h"
#include "html/sections.h"
#include "html/timeline_svg.h"
#include "util/text.h"

namespace culprit::html {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  return j[key].get<std::string>();
}

const StepInfo* find_step(const ReportData& data, const std::string& hash) {
  for (const auto& s : data.steps)
    if (s.hash == hash) return &s;
  return nullptr;
}

// Title, full hash (selectable, ready to paste into a link or `git show`),
// author and date of one commit.
std::string commit_card(const ReportData& data, const json& c) {
  std::string hash = str(c, "hash");
  std::string title = str(c, "title");
  if (title.empty())
    if (const auto* s = find_step(data, hash)) title = s->title;
  std::string out = "<div class=\"title\">" + escape(title) + "</div>\n<table class=\"meta\">";
  out += "<tr><td>commit</td><td class=\"hash\">" + escape(hash) + "</td></tr>";
  if (auto a = str(c, "author"); !a.empty())
    out += "<tr><td>author</td><td>" + escape(a) + "</td></tr>";
  if (auto d = str(c, "date"); !d.empty())
    out += "<tr><td>date</td><td>" + escape(d) + "</td></tr>";
  if (const auto* s = find_step(data, hash); s && !s->tags.empty()) {
    std::string tags;
    for (const auto& t : s->tags) tags += "<span class=\"badge\">" + escape(t) + "</span>";
    out += "<tr><td>tags</td><td>" + tags + "</td></tr>";
  }
  return out + "</table>\n";
}

std::string recipients(const json& r) {
  if (!r.is_object() || !r.contains("recipients") || !r["recipients"].is_object()) return {};
  std::string out;
  for (const char* field : {"to", "cc"}) {
    const auto& list = r["recipients"].value(field, json::array());
    if (!list.is_array() || list.empty()) continue;
    std::string names;
    for (const auto& e : list) names += (names.empty() ? "" : ", ") + escape(json_text(e));
    out += fmt::format("<tr><td>{}</td><td>{}</td></tr>", field == std::string("to") ? "To" : "Cc",
                       names);
  }
  return out.empty() ? "" : "<table class=\"meta\" style=\"margin-top:6px\">" + out + "</table>\n";
}

std::string verdict_box(const ReportData& data) {
  const auto& r = data.result;
  if (!r.is_object()) return {};
  std::string verdict = str(r, "verdict");
  bool fix = data.fix;
  const auto& commits = r.value("commits", json::array());
  std::string cls, what, body;
  if (!r.value("reproduced", true)) {
    cls = "not-reproduced";
    what = "The crash did not reproduce";
    body = "<p>The start commit <span class=\"hash\">" + escape(str(data.params, "commit")) +
           "</span> did not crash often enough to bisect.</p>";
  } else if (verdict == "found" && commits.is_array() && !commits.empty()) {
    cls = fix ? "fix-found" : "found";
    what = fix ? "Fixed by" : "First bad commit (the culprit)";
    body = commit_card(data, commits[0]) + recipients(r);
    if (r.value("noop_change", false))
      body +=
          "<p class=\"warn\">The culprit does not change the build result: the answer is most "
          "likely wrong.</p>";
  } else if (verdict == "unverified" && commits.is_array() && !commits.empty()) {
    cls = "inconclusive";
    what = "Not confirmed: verification contradicts the most probable culprit";
    body = "<p class=\"warn\">" + escape(str(r, "contradiction")) + "</p>" +
           commit_card(data, commits[0]);
    if (commits.size() > 1) {
      body += "<p>Other candidates:</p><table class=\"meta\">";
      for (std::size_t i = 1; i < commits.size(); ++i)
        body += "<tr><td class=\"hash\">" + escape(short_hash(str(commits[i], "hash"))) +
                "</td><td>" + escape(str(commits[i], "title")) + "</td></tr>";
      body += "</table>";
    }
  } else if ((verdict == "crash-on-oldest" || verdict == "not-fixed") && r.contains("boundary") &&
             r["boundary"].is_object()) {
    cls = verdict;
    what = verdict == "crash-on-oldest" ? "The crash already happens on the oldest tested commit"
                                        : "Not fixed: the crash still happens on";
    body = commit_card(data, r["boundary"]);
  } else {
    cls = "inconclusive";
    std::size_t count = commits.is_array() ? commits.size() : 0;
    what = r.value("aborted", false) ? "Aborted before an answer"
           : count ? fmt::format("Inconclusive: {} commit{} could be the {}", count,
                                 count == 1 ? "" : "s", fix ? "fix" : "culprit")
                   : "Inconclusive";
    if (count) {
      body = "<table class=\"meta\">";
      for (const auto& c : commits)
        body += "<tr><td class=\"hash\">" + escape(short_hash(str(c, "hash"))) + "</td><td>" +
                escape(str(c, "title")) + "</td></tr>";
      body += "</table>";
    }
  }
  return fmt::format("<div class=\"verdict {}\"><div class=\"what\">{}</div>\n{}</div>\n", cls,
                     escape(what), body);
}

// A link to the result message kept in the state directory (a file:// URL:
// the page is read on the machine that ran the bisection).
std::string mail_link(const ReportData& data) {
  if (data.mail_file.empty()) return {};
  std::string url = file_url(data.mail_file);
  std::string name = std::filesystem::path(data.mail_file).filename().string();
  return fmt::format("<p class=\"sub\">Result message: <a href=\"{}\">{}</a> ({})</p>\n",
                     escape(url), escape(name),
                     data.mail_sent
                         ? "sent"
                         : "not delivered yet: in the outbox, culprit email --resend sends it");
}

std::string banner(const ReportData& data) {
  switch (data.state) {
    case RunState::finished:
      return {};
    case RunState::running:
      return "<div class=\"banner running\">Running: this bisection has not finished; the page "
             "shows the work so "
             "far" +
             (data.state_detail.empty() ? std::string() : " (" + escape(data.state_detail) + ")") +
             ".</div>\n";
    case RunState::interrupted:
      return "<div class=\"banner interrupted\">Interrupted: this bisection stopped before it "
             "finished; the same "
             "command resumes it" +
             (data.state_detail.empty() ? std::string()
                                        : " (last status: " + escape(data.state_detail) + ")") +
             ".</div>\n";
    case RunState::aborted:
      return "<div class=\"banner aborted\">Aborted: " + escape(data.state_detail) +
             ". The state is kept; the same command resumes the bisection.</div>\n";
  }
  return {};
}

std::string figures(const ReportData& data) {
  const auto& r = data.result;
  std::vector<std::pair<std::string, std::string>> items;
  auto number = [&](const char* key) -> std::string {
    return r.is_object() && r.contains(key) && r[key].is_number() ? json_text(r[key])
                                                                  : std::string();
  };
  std::string tested = number("revisions_tested");
  items.emplace_back("commits tested",
                     tested.empty() ? fmt::format("{}", data.steps.size()) : tested);
  if (auto b = number("builds"); !b.empty()) items.emplace_back("builds", b);
  if (auto t = number("test_runs"); !t.empty()) {
    items.emplace_back("test runs", t);
  } else {
    std::size_t runs = 0;
    for (const auto& s : data.steps) runs += s.runs.size();
    items.emplace_back("test runs", fmt::format("{}", runs));
  }
  if (r.is_object() && r.contains("total_seconds") && r["total_seconds"].is_number())
    items.emplace_back("time (build + test)", format_duration(r["total_seconds"].get<double>()));
  if (r.is_object() && r.contains("confidence") && r["confidence"].is_number())
    items.emplace_back("confidence", fmt::format("{:.1f}%", r["confidence"].get<double>() * 100));
  if (!data.timeline.commits.empty())
    items.emplace_back("commits in the range", fmt::format("{}", data.timeline.commits.size()));
  std::string out = "<div class=\"figures\">";
  for (const auto& [k, v] : items) out += "<div><b>" + escape(v) + "</b>" + escape(k) + "</div>";
  return out + "</div>\n";
}

std::string heading(const ReportData& data) {
  std::string kind = data.fix ? "Fix bisection" : "Cause bisection";
  std::string sub = escape(data.repo);
  std::string start = str(data.params, "commit");
  if (!start.empty())
    sub += (sub.empty() ? "" : " · ") + std::string("from ") + escape(short_hash(start));
  if (data.started > 0) {
    std::time_t t = static_cast<std::time_t>(data.started);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    sub += std::string(sub.empty() ? "" : " · ") + "started " + buf;
  }
  return "<h1>culprit: " + kind + "</h1>\n<div class=\"sub\">" + sub + "</div>\n";
}

}  // namespace

std::string render_report(const ReportData& data) {
  std::string title = data.fix ? "fix bisection" : "cause bisection";
  if (data.result.is_object() && str(data.result, "verdict") == "found") {
    const auto& c = data.result["commits"];
    if (c.is_array() && !c.empty()) title += ": " + str(c[0], "title");
  }
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>culprit " + escape(title) + "</title>\n<style>" + kPageStyle +
         "</style>\n</head>\n<body>\n";
  out += heading(data);
  out += banner(data);
  out += verdict_box(data);
  out += mail_link(data);
  out += figures(data);
  std::string svg = timeline_svg(data);
  if (!svg.empty())
    out +=
        "<h2>The bisection</h2>\n<p class=\"sub\">Tested commits in history order, numbered in the "
        "order they "
        "were tested; each band shows the commits still in question after that step.</p>\n" +
        svg;
  out += steps_table(data);
  out += crash_report_section(data);
  out += checks_section(data);
  out += config_section(data);
  out += log_section(data);
  out +=
      "<footer>Made by culprit from the bisection's state; self-contained, no network "
      "needed.</footer>\n";
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace culprit::html
