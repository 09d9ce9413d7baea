#include "html/sections.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "html/escape.h"
#include "util/text.h"

namespace culprit::html {
namespace {

// Distinct titles with how often each occurred, in first-seen order.
std::vector<std::pair<std::string, int>> title_counts(const std::vector<std::string>& titles) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& t : titles) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == t; });
    if (it == out.end())
      out.emplace_back(t, 1);
    else
      ++it->second;
  }
  return out;
}

std::string build_cell(const StepInfo& s) {
  std::string out;
  if (!s.build_error.empty()) {
    out += "<span class=\"warn\">build failed</span>: " + escape(s.build_error);
  } else if (s.build_seconds) {
    out += escape(format_duration(*s.build_seconds));
  }
  if (!s.signature.empty())
    out +=
        fmt::format("{}sig <span class=\"hash\" title=\"{}\">{}</span>", out.empty() ? "" : "<br>",
                    escape(s.signature), escape(short_hash(s.signature, 12)));
  if (!s.backports.empty()) {
    std::string fixes;
    for (const auto& f : s.backports)
      fixes += fmt::format("{}<span class=\"hash\">{}</span>", fixes.empty() ? "" : ", ",
                           escape(short_hash(f)));
    out += fmt::format("{}with backport{} {}", out.empty() ? "" : "<br>",
                       s.backports.size() == 1 ? "" : "s", fixes);
  }
  if (!s.reused_from.empty())
    out += fmt::format("<br>same binary as <span class=\"hash\">{}</span>: result reused",
                       escape(short_hash(s.reused_from)));
  return out.empty() ? "&ndash;" : out;
}

std::string runs_cell(const StepInfo& s) {
  std::vector<std::string> parts;
  if (s.ok) parts.push_back(fmt::format("{} ok", s.ok));
  if (s.crashed) parts.push_back(fmt::format("{} crashed", s.crashed));
  if (s.skipped) parts.push_back(fmt::format("{} could not test", s.skipped));
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " · " : "") + parts[i];
  double seconds = 0;
  for (const auto& r : s.runs) seconds += r.seconds;
  if (seconds > 0)
    out += fmt::format(" <span class=\"sub\">({})</span>", escape(format_duration(seconds)));
  auto titles = title_counts(s.titles);
  if (!titles.empty()) {
    out += "<ul class=\"runs\">";
    for (const auto& [t, c] : titles) out += fmt::format("<li>{}× {}</li>", c, escape(t));
    out += "</ul>";
  }
  return out.empty() ? "&ndash;" : out;
}

std::string number_text(double v) {
  if (v == static_cast<double>(static_cast<long long>(v)))
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{:.4g}", v);
}

// Verification checks in whatever shape the result carries them: a list of
// objects becomes a table with the union of their keys as columns, an
// object a two-column table, anything else one line.
std::string json_table(const nlohmann::json& v) {
  if (v.is_array() && !v.empty() &&
      std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_object(); })) {
    std::vector<std::string> keys;
    for (const auto& e : v)
      for (const auto& [k, _] : e.items())
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    std::string out = "<table class=\"data\"><tr>";
    for (const auto& k : keys) out += "<th>" + escape(k) + "</th>";
    out += "</tr>";
    for (const auto& e : v) {
      out += "<tr>";
      for (const auto& k : keys)
        out += "<td>" + (e.contains(k) ? escape(json_text(e[k])) : "") + "</td>";
      out += "</tr>";
    }
    return out + "</table>";
  }
  if (v.is_object()) {
    std::string out = "<table class=\"data\">";
    // A nested object (verification's revert check) is a table of its own.
    for (const auto& [k, e] : v.items())
      out += "<tr><th>" + escape(k) + "</th><td>" +
             (e.is_object() ? json_table(e) : escape(json_text(e))) + "</td></tr>";
    return out + "</table>";
  }
  return "<p>" + escape(json_text(v)) + "</p>";
}

std::string candidates_table(const nlohmann::json& c) {
  if (!c.is_array() || c.empty()) return {};
  bool shaped = std::all_of(c.begin(), c.end(),
                            [](const auto& e) { return e.is_object() && e.contains("hash"); });
  if (!shaped) return "<h3>Candidates</h3>" + json_table(c);
  std::string out =
      "<h3>Candidates</h3><table "
      "class=\"data\"><tr><th>commit</th><th>title</th><th>probability</th></tr>";
  for (const auto& e : c) {
    std::string p = "&ndash;";
    for (const char* key : {"probability", "p", "posterior"})
      if (e.contains(key) && e[key].is_number()) {
        double v = e[key].get<double>();
        p = fmt::format("<span class=\"bar\" style=\"width:{:.0f}px\"></span>{:.1f}%",
                        std::clamp(v, 0.0, 1.0) * 120, v * 100);
        break;
      }
    out += fmt::format("<tr><td class=\"hash\">{}</td><td>{}</td><td>{}</td></tr>",
                       escape(short_hash(json_text(e["hash"]))),
                       escape(e.contains("title") ? json_text(e["title"]) : ""), p);
  }
  return out + "</table>";
}

}  // namespace

std::string json_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number()) return number_text(v.get<double>());
  if (v.is_null()) return "–";
  if (v.is_array() &&
      std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_primitive(); })) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : ", ") + json_text(e);
    return out;
  }
  return v.dump();
}

std::string steps_table(const ReportData& data) {
  if (data.steps.empty()) return "<h2>Steps</h2><p>No commit has been tested yet.</p>\n";
  std::string out =
      "<h2>Steps</h2>\n<table class=\"steps\"><tr><th>#</th><th>commit</th><th>verdict</th>"
      "<th>build</th><th>runs (crash titles)</th></tr>\n";
  for (std::size_t k = 0; k < data.steps.size(); ++k) {
    const auto& s = data.steps[k];
    std::string tags;
    for (const auto& t : s.tags) tags += "<span class=\"badge\">" + escape(t) + "</span>";
    out += fmt::format(
        "<tr class=\"step\"><td class=\"n\">{}</td><td><span class=\"hash\">{}</span> {}{}</td>"
        "<td class=\"v {}\">{}</td><td>{}</td><td>{}</td></tr>\n",
        k + 1, escape(short_hash(s.hash)), escape(s.title), tags, escape(s.verdict),
        escape(s.verdict), build_cell(s), runs_cell(s));
  }
  return out + "</table>\n";
}

std::string crash_report_section(const ReportData& data) {
  const auto& r = data.result;
  bool has_title = r.is_object() && r.contains("report") && r["report"].is_object();
  if (!has_title && data.crash_report.empty()) return {};
  std::string out = "<h2>Crash report</h2>\n";
  if (has_title) {
    out += "<p><b>" + escape(json_text(r["report"].value("title", nlohmann::json("")))) + "</b>";
    std::string type = r["report"].value("type", "");
    if (!type.empty()) out += " <span class=\"badge\">" + escape(type) + "</span>";
    out += "</p>\n";
  }
  if (!data.crash_report.empty())
    out += "<pre class=\"report\">" + escape(data.crash_report) + "</pre>\n";
  return out;
}

std::string config_section(const ReportData& data) {
  const auto& r = data.result;
  if (!r.is_object() || !r.contains("config_minimization") || !r["config_minimization"].is_object())
    return {};
  const auto& m = r["config_minimization"];
  std::string out = "<h2>Config minimisation</h2>\n<table class=\"data\">";
  auto row = [&](const char* name, const std::string& html) {
    out += std::string("<tr><th>") + name + "</th><td>" + html + "</td></tr>";
  };
  row("baseline", escape(json_text(m.value("baseline", nlohmann::json()))));
  row("options kept", fmt::format("{} of {} that differ from the baseline",
                                  m.value("options_kept", 0), m.value("options_differing", 0)));
  row("builds", fmt::format("{}{}", m.value("builds", 0),
                            m.value("budget_exhausted", false)
                                ? " <span class=\"warn\">(budget spent: the last reproducing "
                                  "config, not a minimal one)</span>"
                                : ""));
  std::string path = m.value("config", "");
  std::string hash = m.value("config_sha256", "");
  if (!path.empty())
    row("config", fmt::format("<a href=\"{}\">{}</a> (sha256 {})", escape(file_url(path)),
                              escape(path), escape(hash)));
  out += "</table>\n";
  if (m.contains("kept") && m["kept"].is_array() && !m["kept"].empty()) {
    std::string kept;
    for (const auto& line : m["kept"]) kept += json_text(line) + "\n";
    out += "<pre>" + escape(kept) + "</pre>\n";
  }
  return out;
}

std::string checks_section(const ReportData& data) {
  const auto& r = data.result;
  if (!r.is_object()) return {};
  std::string out = "<h2>Confidence and checks</h2>\n<table class=\"data\">";
  if (r.contains("confidence") && r["confidence"].is_number()) {
    double c = r["confidence"].get<double>();
    out += fmt::format(
        "<tr><th>confidence</th><td><span class=\"bar\" "
        "style=\"width:{:.0f}px\"></span>{:.1f}%</td></tr>",
        std::clamp(c, 0.0, 1.0) * 160, c * 100);
  }
  if (r.contains("strategy"))
    out += "<tr><th>strategy</th><td>" + escape(json_text(r["strategy"])) + "</td></tr>";
  if (r.value("verdict", "") == "found") {
    bool noop = r.value("noop_change", false);
    out += fmt::format(
        "<tr><th>culprit changes the binary</th><td>{}</td></tr>",
        noop ? "<span class=\"warn\">no: same build signature as its parent, the answer is most "
               "likely wrong</span>"
             : "yes");
    if (r.value("is_release", false))
      out +=
          "<tr><th>release commit</th><td><span class=\"warn\">the answer is a release tag "
          "commit</span></td></tr>";
  }
  out += "</table>\n";
  if (r.contains("candidates")) out += candidates_table(r["candidates"]);
  if (r.contains("verification") && !r["verification"].is_null())
    out += "<h3>Verification</h3>" + json_table(r["verification"]) + "\n";
  return out;
}

std::string log_section(const ReportData& data) {
  if (data.log.empty()) return {};
  auto lines = split_lines(data.log).size();
  return fmt::format(
      "<h2>Log</h2>\n<details><summary>the bisection log ({} "
      "lines)</summary><pre>{}</pre></details>\n",
      lines, escape(data.log));
}

}  // namespace culprit::html
