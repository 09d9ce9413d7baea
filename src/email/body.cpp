// The plain-text body: culprit's own words for each verdict. A commit is
// presented as the culprit (or the fix) only for the verdict "found"; every
// other verdict, known or not, says what it means and lists candidates.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "email/email.h"
#include "email/wrap.h"
#include "util/text.h"

namespace culprit::email {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  return j[key].get<std::string>();
}

int integer(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<int>() : 0;
}

std::string short_hash(const std::string& hash) { return hash.substr(0, 12); }

std::string plural(long n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

class BodyWriter {
 public:
  BodyWriter(const MailContent& c, const std::string& link_base)
      : c_(c), r_(c.data.result), link_base_(link_base) {}

  std::string write() {
    opening();
    facts();
    checks();
    candidates();
    attachments();
    crash();
    log();
    footer();
    return out_;
  }

 private:
  // Prose: wrapped at 72 columns, followed by an empty line.
  void para(const std::string& text) { out_ += wrap(text) + "\n\n"; }
  // Preformatted: as it is.
  void block(const std::string& text) {
    out_ += text;
    if (!text.empty() && text.back() != '\n') out_ += '\n';
    out_ += '\n';
  }
  void heading(const std::string& text) {
    out_ += text + "\n" + std::string(text.size(), '-') + "\n";
  }

  std::string verdict() const { return str(r_, "verdict"); }
  bool fix() const { return c_.data.fix; }
  bool reproduced() const { return r_.value("reproduced", true); }
  bool aborted() const { return r_.value("aborted", false); }
  const json& commits() const {
    static const json empty = json::array();
    return r_.contains("commits") && r_["commits"].is_array() ? r_["commits"] : empty;
  }
  bool found() const { return verdict() == "found" && !commits().empty() && reproduced(); }

  // A commit's title: from the result, else from the tested steps.
  std::string title_of(const std::string& hash) const {
    for (const auto& c : commits())
      if (str(c, "hash") == hash && !str(c, "title").empty()) return str(c, "title");
    if (r_.contains("boundary") && str(r_["boundary"], "hash") == hash)
      if (auto t = str(r_["boundary"], "title"); !t.empty()) return t;
    for (const auto& s : c_.data.steps)
      if (s.hash == hash && !s.title.empty()) return s.title;
    return {};
  }
  std::vector<std::string> tags_of(const std::string& hash) const {
    for (const auto& s : c_.data.steps)
      if (s.hash == hash) return s.tags;
    return {};
  }
  // 1c221ca20c96 ("tests: cover edge cases"), with a release tag first.
  std::string named(const std::string& hash) const {
    std::string out;
    auto tags = tags_of(hash);
    if (!tags.empty()) out = tags.front() + " ";
    out += short_hash(hash);
    if (auto t = title_of(hash); !t.empty()) out += " (\"" + t + "\")";
    return out;
  }
  std::string crash_name() const {
    return c_.bug_title.empty() ? std::string("the crash") : "\"" + c_.bug_title + "\"";
  }
  // An end of the range: 7b7398982280 (v2.0, good).
  std::string end(const std::string& hash, const std::string& state) const {
    std::vector<std::string> notes = tags_of(hash);
    if (notes.size() > 1) notes.resize(1);
    if (!state.empty()) notes.push_back(state);
    std::string out = short_hash(hash);
    for (std::size_t i = 0; i < notes.size(); ++i) out += (i ? ", " : " (") + notes[i];
    return notes.empty() ? out : out + ")";
  }
  std::string start() const { return str(c_.data.params, "commit"); }

  void commit_block(const json& c) {
    std::string text = "commit " + str(c, "hash") + "\n";
    if (auto a = str(c, "author"); !a.empty()) text += "Author: " + a + "\n";
    if (auto d = str(c, "date"); !d.empty()) text += "Date:   " + d + "\n";
    text += "\n    " + str(c, "title") + "\n";
    block(text);
  }

  void opening() {
    std::string kind = fix() ? "fix bisection" : "cause bisection";
    if (aborted()) {
      para(fmt::format(
          "culprit's {} of {} was aborted before it reached an answer: {}. No commit is named "
          "here. The state is kept, and the same culprit bisect command resumes it.",
          kind, crash_name(), str(r_, "abort_reason")));
      return;
    }
    if (!reproduced()) {
      para(fmt::format(
          "culprit tried to bisect {}, but the crash did not reproduce on the start commit {}: "
          "it did not crash there often enough to tell a crashing commit from a clean one. "
          "Nothing was bisected, and no commit is named here.",
          crash_name(), named(start())));
      return;
    }
    std::string v = verdict();
    if (found()) {
      para(fix() ? fmt::format("culprit's fix bisection found the commit that fixed {}:",
                               crash_name())
                 : fmt::format("culprit's cause bisection found the commit that introduced {}:",
                               crash_name()));
      commit_block(commits()[0]);
      if (r_.value("noop_change", false))
        para(fmt::format(
            "Warning: this commit builds to the same binary as its parent (the same build "
            "signature), so it cannot change how the program behaves: the answer is most likely "
            "wrong."));
      if (r_.value("is_release", false))
        para(
            "Note: this commit is a release tag commit; such a commit rarely changes code "
            "itself, so treat the answer with care.");
      return;
    }
    if (v == "crash-on-oldest" && r_.contains("boundary") && r_["boundary"].is_object()) {
      para(fmt::format(
          "culprit's cause bisection could not find the commit that introduced {}: the crash "
          "already happens on the oldest commit it tested, {}, so it came in before the history "
          "culprit could test. No commit is named here.",
          crash_name(), named(str(r_["boundary"], "hash"))));
      return;
    }
    if (v == "not-fixed" && r_.contains("boundary") && r_["boundary"].is_object()) {
      para(fmt::format(
          "culprit's fix bisection found no fix for {}: the newest commit it tested, {}, still "
          "crashes (or could not be tested). No commit is named here.",
          crash_name(), named(str(r_["boundary"], "hash"))));
      return;
    }
    std::string target = fix() ? "fixed" : "introduced";
    std::size_t n = commits().size();
    if (v == "unverified") {
      para(fmt::format(
          "culprit's {} of {} pointed at a commit, but verification contradicts it{}. culprit "
          "does not name it as the commit that {} the crash; {} remain candidates.",
          kind, crash_name(),
          str(r_, "contradiction").empty() ? "" : ": " + str(r_, "contradiction"), target,
          n == 1 ? "it and the commit below" : fmt::format("the {} commits below", n)));
      return;
    }
    if (v == "inconclusive") {
      para(n ? fmt::format(
                   "culprit's {} of {} was inconclusive: {} could have {} the crash, and the "
                   "tests could not tell them apart (commits that did not build or could not be "
                   "tested, or not enough evidence). No single commit is named here.",
                   kind, crash_name(), plural(static_cast<long>(n), "commit", "commits"), target)
             : fmt::format("culprit's {} of {} was inconclusive, and no commit is named here.",
                           kind, crash_name()));
      return;
    }
    para(fmt::format(
        "culprit's {} of {} ended with the verdict \"{}\". No commit is named as the one that {} "
        "the crash{}.",
        kind, crash_name(), v, target,
        n ? fmt::format("; the result lists {} as candidates",
                        plural(static_cast<long>(n), "commit", "commits"))
          : ""));
  }

  void facts() {
    std::vector<std::pair<std::string, std::string>> rows;
    if (!c_.bug_title.empty()) {
      std::string type = r_.contains("report") ? str(r_["report"], "type") : "";
      rows.emplace_back("Crash", c_.bug_title + (type.empty() ? "" : " (" + type + ")"));
    }
    rows.emplace_back("Bisection", std::string(fix() ? "fix" : "cause") + ", started from " +
                                       (start().empty() ? "?" : named(start())));
    if (auto range = range_text(); !range.empty() && reproduced() && !aborted())
      rows.emplace_back("Range", range);
    std::vector<std::string> tested;
    tested.push_back(plural(integer(r_, "revisions_tested"), "commit", "commits"));
    if (r_.contains("builds")) tested.push_back(plural(integer(r_, "builds"), "build", "builds"));
    if (r_.contains("test_runs"))
      tested.push_back(plural(integer(r_, "test_runs"), "test run", "test runs"));
    std::string joined;
    for (const auto& t : tested) joined += (joined.empty() ? "" : ", ") + t;
    rows.emplace_back("Tested", joined);
    auto seconds = [&](const char* key) {
      return r_.contains(key) && r_[key].is_number() ? r_[key].get<double>() : 0.0;
    };
    std::string time = fmt::format(
        "{} (builds {}, test runs {})", format_duration(seconds("total_seconds")),
        format_duration(seconds("build_seconds")), format_duration(seconds("test_seconds")));
    if (double wall = seconds("wall_seconds");
        wall > 0 && std::abs(wall - seconds("total_seconds")) >= 1)
      time += ", " + format_duration(wall) + " of wall time";
    rows.emplace_back("Time", time);
    if (r_.contains("confidence") && r_["confidence"].is_number() && reproduced() && !aborted()) {
      std::string strategy = str(r_, "strategy");
      rows.emplace_back("Confidence",
                        fmt::format("{:.1f}%{}", r_["confidence"].get<double>() * 100,
                                    strategy.empty() ? "" : " (strategy: " + strategy + ")"));
    }
    if (!c_.data.repo.empty()) rows.emplace_back("Repository", c_.data.repo);
    std::string text;
    for (const auto& [k, v] : rows) text += fmt::format("{:<12}{}\n", k + ":", v);
    block(text);
  }

  std::string range_text() const {
    const auto& p = c_.data.params;
    std::string old_end, new_end = fix() ? str(p, "head") : start();
    if (fix()) {
      old_end = start();
    } else if (auto good = str(p, "good"); !good.empty()) {
      old_end = good;
    } else {
      for (const auto& s : c_.data.steps)
        if (s.verdict == "good") {
          old_end = s.hash;
          break;
        }
    }
    if (old_end.empty() || new_end.empty()) return {};
    std::string text = fix()
                           ? fmt::format("{} .. {}", end(old_end, "crashes"), end(new_end, ""))
                           : fmt::format("{} .. {}", end(old_end, "good"), end(new_end, "crashes"));
    if (auto n = c_.data.timeline.commits.size())
      text += ", " + plural(static_cast<long>(n), "commit", "commits");
    return text;
  }

  // Fix bisection's checks, in words.
  void fix_checks(const nlohmann::json& ver, int cr, int cc, int pr, int pc,
                  std::vector<std::string>& said) {
    if (cr > 0)
      said.push_back(
          cc == 0 ? fmt::format("The fix stayed clean in {}.", plural(cr, "more run", "more runs"))
                  : fmt::format("The fix crashed in {} of {}.", cc,
                                plural(cr, "more run", "more runs")));
    if (pr > 0)
      said.push_back(pc > 0 ? fmt::format("Its parent still crashed in {} of {}.", pc,
                                          plural(pr, "more run", "more runs"))
                     : ver.value("parent_passed", false)
                         ? fmt::format("Its parent stayed clean in {}, but had crashed before.",
                                       plural(pr, "more run", "more runs"))
                         : fmt::format("Its parent never crashed ({}), so the crash may have "
                                       "stopped before this commit.",
                                       plural(pr, "more run", "more runs")));
    if (!ver.contains("revert") || !ver["revert"].is_object()) return;
    const auto& rv = ver["revert"];
    std::string onto = str(rv, "onto");
    std::string where = onto.empty() ? "the head" : named(onto);
    if (auto skipped = str(rv, "skipped"); !skipped.empty()) {
      said.push_back("The revert check was skipped: " + skipped + ". The other checks decided.");
      return;
    }
    int rr = integer(rv, "runs"), rc = integer(rv, "crashed");
    if (rr == 0)
      said.push_back(fmt::format(
          "The fix was reverted on top of {}, but the revert could not be tested.", where));
    else if (rc > 0)
      said.push_back(fmt::format("Reverted on top of {}, the crash came back in {} of {} runs.",
                                 where, rc, rr));
    else
      said.push_back(fmt::format(
          "Reverted on top of {}, it ran {} without the crash: the crash is gone there for "
          "another reason too, not because of this commit alone.",
          where, plural(rr, "time", "times")));
  }

  // What verification showed, in words; a failed or skipped check is said.
  void checks() {
    if (aborted() || !reproduced()) return;
    std::string v = verdict();
    if (v != "found" && v != "unverified") return;
    if (!r_.contains("verification") || !r_["verification"].is_object()) {
      if (v == "found" && !fix())
        para(
            "The answer was not verified: culprit did not test the commit again, its parent, or "
            "the commit reverted (verification was off or does not apply to this strategy).");
      return;
    }
    const auto& ver = r_["verification"];
    std::vector<std::string> said;
    int cr = integer(ver, "culprit_runs"), cc = integer(ver, "culprit_crashed");
    int pr = integer(ver, "parent_runs"), pc = integer(ver, "parent_crashed");
    if (fix()) {
      // The mirror image: the fix stays clean, its parent still crashes, and
      // the fix reverted on the head crashes again.
      fix_checks(ver, cr, cc, pr, pc, said);
    } else if (cr > 0)
      said.push_back(ver.value("culprit_passed", false)
                         ? fmt::format("The commit crashed again in {} of {}.", cc,
                                       plural(cr, "more run", "more runs"))
                         : fmt::format("The commit crashed in only {} of {}, too few to keep it "
                                       "at the confidence asked for.",
                                       cc, plural(cr, "more run", "more runs")));
    if (!fix() && pr > 0)
      said.push_back(pc == 0
                         ? (pr == 1 ? std::string("Its parent stayed clean in its one run.")
                                    : fmt::format("Its parent stayed clean in all {} runs.", pr))
                         : fmt::format("Its parent crashed in {} of {} runs, so the crash "
                                       "may be older than this commit.",
                                       pc, pr));
    if (!fix() && ver.contains("revert") && ver["revert"].is_object()) {
      const auto& rv = ver["revert"];
      std::string onto = str(rv, "onto");
      std::string where = onto.empty() ? "the start commit" : named(onto);
      if (auto skipped = str(rv, "skipped"); !skipped.empty()) {
        said.push_back("The revert check was skipped: " + skipped + ". The other checks decided.");
      } else {
        int rr = integer(rv, "runs"), rc = integer(rv, "crashed");
        if (rr == 0)
          said.push_back(fmt::format(
              "The commit was reverted on top of {}, but the revert could not be tested.", where));
        else if (rc == 0)
          said.push_back(
              fmt::format("Reverted on top of {}, it was built and ran {} without the crash.",
                          where, plural(rr, "time", "times")));
        else
          said.push_back(fmt::format(
              "Reverted on top of {}, it still crashed in {} of {} runs: the crash does not "
              "hang on this commit alone.",
              where, rc, rr));
      }
    }
    bool passed = ver.value("passed", false);
    std::string text = fix() ? "Before reporting, culprit checked the answer. "
                             : "Before naming the commit, culprit checked it. ";
    for (const auto& s : said) text += s + " ";
    text +=
        passed ? "Verification passed." : "Verification did not pass: treat the answer with care.";
    para(text);
    if (v == "found" && !fix()) {
      para("If this commit is the cause, the fix can say so with:");
      block("Fixes: " + short_hash(str(commits()[0], "hash")) + " (\"" +
            str(commits()[0], "title") + "\")");
    }
  }

  void candidates() {
    if (found() || aborted() || commits().empty()) return;
    std::map<std::string, double> probability;
    if (r_.contains("candidates") && r_["candidates"].is_array())
      for (const auto& c : r_["candidates"])
        if (c.is_object() && c.contains("probability") && c["probability"].is_number())
          probability[str(c, "hash")] = c["probability"].get<double>();
    heading("Candidates");
    std::string text;
    for (const auto& c : commits()) {
      std::string hash = str(c, "hash");
      text += "  " + short_hash(hash) + "  " + str(c, "title");
      if (auto it = probability.find(hash); it != probability.end())
        text += fmt::format(" ({:.1f}%)", it->second * 100);
      text += "\n";
    }
    block(text);
  }

  void attachments() {
    if (c_.attachments.empty() && c_.attachment_note.empty()) return;
    std::string text;
    for (const auto& a : c_.attachments) {
      std::string what = a.what;
      if (!what.empty())
        what[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(what[0])));
      text += link_base_.empty() ? fmt::format("{}: attached as {}\n", what, a.filename)
                                 : fmt::format("{}: {}/{}\n", what, link_base_, a.filename);
    }
    if (!c_.attachment_note.empty()) text += wrap(c_.attachment_note) + "\n";
    block(text);
  }

  void crash() {
    if (c_.data.crash_report.empty()) {
      if (!c_.bug_title.empty() && c_.crash_run >= 0)
        para(
            fmt::format("The crash on {} (run #{}) has no report text beyond its title; the "
                        "console log has what the run printed.",
                        short_hash(c_.crash_commit), c_.crash_run));
      return;
    }
    heading(fmt::format("The crash, on {} (run #{})", short_hash(c_.crash_commit), c_.crash_run));
    block(c_.data.crash_report);
  }

  void log() {
    if (c_.data.log.empty()) return;
    heading("The bisection log");
    block(c_.data.log);
  }

  void footer() {
    out_ += "-- \n";
    out_ += wrap(fmt::format(
        "Written by culprit from bisection #{}. culprit does not read replies; they go to the "
        "people who ran it.",
        c_.bisection_id));
    out_ += "\n";
  }

  const MailContent& c_;
  const json& r_;
  const std::string& link_base_;
  std::string out_;
};

}  // namespace

std::string body_text(const MailContent& content, const std::string& link_base) {
  return BodyWriter(content, link_base).write();
}

}  // namespace culprit::email
