#include "bisect/crash_family.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "report/crash_report.h"
#include "report/title.h"

namespace culprit::bisect {
namespace {

// Functions compared between two stacks: the first few that are not
// generic are what tells one bug from another; deeper frames are the
// program's common paths.
constexpr std::size_t kIdentifyingFrames = 8;
// Position weights fall by this factor per frame away from the crash.
constexpr double kDepthFactor = 0.7;
// Similarity from which two stacks are the same crash path, and the higher
// one a crash of another type needs (a KASAN report and a GPF in the same
// code are often one bug; a WARNING elsewhere is not).
constexpr double kSameStack = 0.5;
constexpr double kSameStackOtherType = 0.75;

std::string basename(const std::string& file) {
  auto slash = file.rfind('/');
  return slash == std::string::npos ? file : file.substr(slash + 1);
}

bool same_frame(const report::ReportFrame& a, const report::ReportFrame& b) {
  if (a.function != b.function) return false;
  // Static functions of one name in two files are two functions.
  return a.file.empty() || b.file.empty() || basename(a.file) == basename(b.file);
}

const report::UnstableTitle* unstable_kind(const std::string& title,
                                           const std::vector<std::string>& alt_titles) {
  if (const auto* row = report::unstable_title(title)) return row;
  for (const auto& alt : alt_titles)
    if (const auto* row = report::unstable_title(alt)) return row;
  return nullptr;
}

}  // namespace

CrashPrint CrashPrint::of(const RunSummary& run) {
  CrashPrint p;
  p.title = run.title;
  p.type = run.type;
  p.alt_titles = run.alt_titles;
  p.frames = report::identifying_frames(run.report, kIdentifyingFrames);
  if (p.frames.empty()) {
    auto fn = report::frame_from_title(run.title);
    if (!fn.empty()) {
      p.frames.push_back({fn, "", 0, false});
      p.from_title = true;
    }
  }
  p.unstable = unstable_kind(run.title, run.alt_titles);
  return p;
}

CrashPrint CrashPrint::of_title(const std::string& title) {
  RunSummary r;
  r.status = run::RunStatus::crashed;
  r.title = title;
  r.type = report::crash_type_for_title(title);
  return of(r);
}

double frame_similarity(const std::vector<report::ReportFrame>& a,
                        const std::vector<report::ReportFrame>& b, bool positional) {
  if (a.empty() || b.empty()) return 0;
  auto find = [](const std::vector<report::ReportFrame>& in, const report::ReportFrame& f) {
    for (std::size_t i = 0; i < in.size(); ++i)
      if (same_frame(in[i], f)) return static_cast<int>(i);
    return -1;
  };
  if (!positional) {
    const auto& shorter = a.size() <= b.size() ? a : b;
    const auto& longer = a.size() <= b.size() ? b : a;
    std::size_t common = 0;
    for (const auto& f : shorter) common += find(longer, f) >= 0;
    return double(common) / double(shorter.size());
  }
  // Weighted Dice: each side's weight of the frames both stacks share.
  double total = 0, shared = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    double w = std::pow(kDepthFactor, double(i));
    total += w;
    int j = find(b, a[i]);
    if (j >= 0) shared += w + std::pow(kDepthFactor, double(j));
  }
  for (std::size_t j = 0; j < b.size(); ++j) total += std::pow(kDepthFactor, double(j));
  return shared / total;
}

CrashFamily::CrashFamily(std::string main) : main_(std::move(main)) {
  if (!main_.empty()) exemplars_.push_back(CrashPrint::of_title(main_));
}

int CrashFamily::runs() const {
  int n = 0;
  for (const auto& t : titles_) n += t.runs;
  return n;
}

void CrashFamily::add(const RunSummary& run, const CrashMatch& joined) {
  if (main_.empty()) main_ = run.title;
  auto it = std::find_if(titles_.begin(), titles_.end(),
                         [&](const auto& t) { return t.title == run.title; });
  if (it == titles_.end())
    titles_.push_back({run.title, 1, run.title == main_ ? CrashMatch{1, ""} : joined});
  else
    ++it->runs;
  if (run.title == main_)
    for (const auto& alt : run.alt_titles)
      if (std::find(alt_names_.begin(), alt_names_.end(), alt) == alt_names_.end())
        alt_names_.push_back(alt);
  auto print = CrashPrint::of(run);
  // A run known by its title alone adds nothing a report of that title did.
  for (auto& known : exemplars_) {
    if (known.title != print.title) continue;
    if (known.from_title && !print.from_title) {
      known = std::move(print);
      return;
    }
    bool same = known.frames.size() == print.frames.size();
    for (std::size_t i = 0; same && i < known.frames.size(); ++i)
      same = same_frame(known.frames[i], print.frames[i]);
    if (same || print.from_title) return;
  }
  exemplars_.push_back(std::move(print));
}

bool CrashFamily::kin_of(const CrashFamily& other) const {
  for (const auto& a : exemplars_)
    for (const auto& b : other.exemplars_)
      if ((a.unstable && a.unstable == b.unstable) || (!a.type.empty() && a.type == b.type))
        return true;
  return false;
}

void CrashFamily::absorb(const CrashFamily& other, const std::string& why) {
  // The named title's own print knows no stack: the absorbed ones do.
  exemplars_.erase(std::remove_if(exemplars_.begin(), exemplars_.end(),
                                  [](const auto& e) { return e.from_title; }),
                   exemplars_.end());
  exemplars_.insert(exemplars_.end(), other.exemplars_.begin(), other.exemplars_.end());
  for (const auto& alt : other.alt_names_)
    if (std::find(alt_names_.begin(), alt_names_.end(), alt) == alt_names_.end())
      alt_names_.push_back(alt);
  // Each title as its runs will count from now on.
  for (const auto& t : other.titles_) {
    CrashMatch joined{0, why};
    for (const auto& e : exemplars_)
      if (e.title == t.title) joined.weight = std::max(joined.weight, match(e).weight);
    titles_.push_back({t.title, t.runs, joined});
  }
}

CrashMatch CrashFamily::compare(const CrashPrint& crash, const CrashPrint& known) const {
  const bool same_kind = crash.unstable && crash.unstable == known.unstable;
  const bool same_type = !crash.type.empty() && crash.type == known.type;
  const bool frames = !crash.frames.empty() && !known.frames.empty();
  if (!same_kind && !same_type) {
    // Another type: only a stack much like the family's own is a hint.
    if (frames && !crash.from_title && !known.from_title) {
      double sim = frame_similarity(crash.frames, known.frames, true);
      if (sim >= kSameStackOtherType) return {0.4 * sim, "another type, the same stack"};
    }
    return {0, "another crash"};
  }
  const std::string what =
      same_kind ? fmt::format("same kind of crash ({})", crash.unstable->kind) : "same type";
  if (!frames) {
    if (same_kind && crash.unstable->weight_without_frames > 0)
      return {crash.unstable->weight_without_frames, what + ", no stack to compare"};
    return {0, what + ", no stack to compare"};
  }
  double sim = frame_similarity(crash.frames, known.frames, !same_kind);
  if (sim >= kSameStack) return {0.5 + 0.4 * sim, what + ", frames in common"};
  return {0, what + ", other frames"};
}

CrashMatch CrashFamily::match(const CrashPrint& crash) const {
  if (main_.empty()) return {};
  if (crash.title == main_) return {1, ""};
  if (std::find(crash.alt_titles.begin(), crash.alt_titles.end(), main_) !=
          crash.alt_titles.end() ||
      std::find(alt_names_.begin(), alt_names_.end(), crash.title) != alt_names_.end())
    return {1, "another name of it"};
  // A title that only says how the process ended has nothing to compare.
  if (is_generic_title(main_) && !crash.unstable) return {0, "another crash"};
  CrashMatch best{0, "another crash"};
  for (const auto& known : exemplars_) {
    auto m = compare(crash, known);
    // Among misses, the closest one says best why it is not the crash.
    if (m.weight > best.weight || (m.weight == best.weight && best.reason == "another crash"))
      best = m;
  }
  return best;
}

std::vector<CrashFamily> group_crashes(const std::vector<RunSummary>& runs,
                                       const std::string& named) {
  // Titles most frequent first; on a tie, the first to reach its count.
  struct Seen {
    int count = 0;
    std::size_t reached = 0;
    std::vector<const RunSummary*> runs;
  };
  std::map<std::string, Seen> seen;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].status != run::RunStatus::crashed) continue;
    auto& s = seen[runs[i].title];
    ++s.count;
    s.reached = i;
    s.runs.push_back(&runs[i]);
  }
  std::vector<const std::string*> order;
  for (const auto& [title, s] : seen) order.push_back(&title);
  std::stable_sort(order.begin(), order.end(), [&](const auto* a, const auto* b) {
    const auto &sa = seen.at(*a), &sb = seen.at(*b);
    return sa.count != sb.count ? sa.count > sb.count : sa.reached < sb.reached;
  });
  std::vector<CrashFamily> families;
  if (!named.empty()) families.emplace_back(named);
  for (const auto* title : order) {
    const auto& s = seen.at(*title);
    CrashFamily* home = nullptr;
    CrashMatch best;
    for (auto& f : families)
      for (const auto* r : s.runs) {
        auto m = f.match(*r);
        if (m.weight >= kCountedWeight && m.weight > best.weight) {
          best = m;
          home = &f;
        }
      }
    if (!home) {
      home = &families.emplace_back();
      best = {1, ""};
    }
    for (const auto* r : s.runs) home->add(*r, best);
  }
  // The named family stays first; the others by their runs.
  auto from = families.begin() + (named.empty() ? 0 : 1);
  std::stable_sort(from, families.end(),
                   [](const auto& a, const auto& b) { return a.runs() > b.runs(); });
  if (!named.empty() && families.front().runs() == 0)
    for (auto it = from; it != families.end(); ++it)
      if (families.front().kin_of(*it)) {
        families.front().absorb(*it, "not the named title, but of its type or kind");
        families.erase(it);
        break;
      }
  return families;
}

}  // namespace culprit::bisect
