// Crash identity beyond the exact title. One bug may crash under several
// titles: a stack overflow whose top frame is wherever the recursion was, a
// hang reported wherever the stuck task waits, an oops whose function is
// inlined differently. A family is what the start commit's runs show of one
// crash: the titles of one type (or of one unstable kind, see
// report/unstable_titles.h) whose stacks have frames in common. A run's
// crash is then the bisected one with a likelihood in [0, 1]: 1 for the
// family's main title and its other names (the parser's alternative
// titles), less for a near match (same type or kind, frames in common),
// 0 for an unrelated crash (another type, other frames). The posterior
// counts a run as that fraction of a crash observation.
#pragma once

#include <string>
#include <vector>

#include "bisect/verdict.h"
#include "report/report_frames.h"
#include "report/unstable_titles.h"

namespace culprit::bisect {

// From this weight on a run counts as the bisected crash in verdicts and
// ends a posterior step; below it, its weight still goes into the posterior.
constexpr double kCountedWeight = 0.5;

struct CrashMatch {
  double weight = 0;   // 1: the bisected crash; 0: another crash
  std::string reason;  // why, for the log ("" for the main title itself)
};

// What identity judges a crash by.
struct CrashPrint {
  std::string title;
  std::string type;
  std::vector<std::string> alt_titles;
  // The report's identifying frames; without a report, the function the
  // title names (then `from_title`).
  std::vector<report::ReportFrame> frames;
  bool from_title = false;
  const report::UnstableTitle* unstable = nullptr;

  static CrashPrint of(const RunSummary& run);
  // A crash known by its title only (--title).
  static CrashPrint of_title(const std::string& title);
};

// How much two stacks have in common, in [0, 1]. Positional: the frames
// nearest the crash weigh most (two bugs on one call path differ at the
// top). Not positional (an unstable kind, whose top frame is arbitrary):
// the share of the shorter stack found in the other.
double frame_similarity(const std::vector<report::ReportFrame>& a,
                        const std::vector<report::ReportFrame>& b, bool positional);

class CrashFamily {
 public:
  CrashFamily() = default;
  // A family named by its main title (--title), before any run shows it.
  explicit CrashFamily(std::string main);

  const std::string& main() const { return main_; }
  bool empty() const { return main_.empty(); }
  // Takes a run of the start commit into the family: its title, stack and
  // alternative titles become ways to recognise the crash. `joined`: how
  // its title matched the family when it joined (the founding title: 1).
  void add(const RunSummary& run, const CrashMatch& joined = {1, ""});
  CrashMatch match(const RunSummary& run) const { return match(CrashPrint::of(run)); }
  CrashMatch match(const CrashPrint& crash) const;
  struct Member {
    std::string title;
    int runs = 0;
    CrashMatch joined;
  };
  // The family's titles with their runs, in the order they joined (main first).
  const std::vector<Member>& titles() const { return titles_; }
  int runs() const;
  // Is some crash of `other` of this family's type or unstable kind?
  bool kin_of(const CrashFamily& other) const;
  // Takes in another family's titles and stacks, `why` said of each title
  // (a named crash the start commit showed only under other titles of its
  // type or kind).
  void absorb(const CrashFamily& other, const std::string& why);

 private:
  CrashMatch compare(const CrashPrint& crash, const CrashPrint& known) const;

  std::string main_;
  std::vector<std::string> alt_names_;  // the parser's other names for the main title
  std::vector<CrashPrint> exemplars_;   // one per distinct (title, stack)
  std::vector<Member> titles_;
};

// The crashes of one commit's runs grouped into families, by the rule of
// CrashFamily::match (a title joins the family it matches at kCountedWeight
// or more, else starts its own); titles are taken most frequent first, so a
// family's main title is its most frequent. Families with more runs come
// first; with `named` (--title), that family first. When no run shows the
// named title itself, the largest family of its type or unstable kind is
// taken as it (a crash whose title varies, named by one of its titles); the
// log says so.
std::vector<CrashFamily> group_crashes(const std::vector<RunSummary>& runs,
                                       const std::string& named = "");

}  // namespace culprit::bisect
