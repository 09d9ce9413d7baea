#include "report/kernel_oops.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "report/console_line.h"
#include "report/oops_table.h"
#include "report/pattern.h"
#include "report/stack_frames.h"
#include "report/title.h"
#include "util/text.h"

namespace culprit::report {
namespace {

// Bounds on the lines looked at around an oops, so that a crash early in a
// huge log costs the same as one in a small log.
constexpr std::size_t kMaxReportLines = 20000;
constexpr std::size_t kMaxPrefixScan = 2000;

std::string quote_meta(std::string_view s) {
  return RE2::QuoteMeta(re2::StringPiece(s.data(), s.size()));
}

// Any family header: the one pass over the whole log looks for these.
const RE2& any_header() {
  static const Pattern re = [] {
    std::string alt;
    for (const auto& fam : kernel_oops_families()) {
      if (!alt.empty()) alt += '|';
      alt += quote_meta(fam.header);
    }
    return compile_pattern(alt);
  }();
  return *re;
}

bool family_matches(const OopsFamily& fam, std::string_view line) {
  if (line.find(fam.header) == std::string_view::npos) return false;
  return !(fam.suppressions && contains_match(*fam.suppressions, line));
}

// The first family (in table order) whose header starts an oops on `line`.
const OopsFamily* oops_on_line(std::string_view line) {
  if (!contains_match(any_header(), line)) return nullptr;
  for (const auto& fam : kernel_oops_families())
    if (family_matches(fam, line)) return &fam;
  return nullptr;
}

struct Start {
  const OopsFamily* family = nullptr;
  std::size_t pos = 0;
};

Start find_first_oops(std::string_view log, std::size_t from) {
  while (from < log.size()) {
    PatternMatch m;
    if (!find_match(any_header(), log.substr(from), &m)) return {};
    std::size_t begin = line_start(log, from + m.begin);
    ConsoleLine line = console_line_at(log, begin);
    if (const OopsFamily* fam = oops_on_line(line.raw)) return {fam, begin};
    from = line.end + 1;
  }
  return {};
}

struct Description {
  std::string title;
  std::vector<std::string> alts;
  std::string corrupted;  // why, or empty
  const OopsFormat* format = nullptr;
};

void add_unique(std::vector<std::string>* v, std::string s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(std::move(s));
}

// Titles made from the raw frames and from each way of stripping their
// syscall prefixes: any of them names the same bug.
void add_partially_stripped(const OopsFormat& f, const std::vector<std::string>& groups,
                            const std::vector<ExtractedFrame>& frames, const std::string& title,
                            std::vector<std::string>* alts) {
  const auto& prefixes = stack_syntax().strip_prefixes;
  for (std::size_t i = 0; i <= prefixes.size(); ++i) {
    bool add = i == 0;
    std::vector<std::string> args = groups;
    for (const auto& fr : frames) {
      std::string trimmed = fr.raw;
      if (i > 0 && trimmed.compare(0, prefixes[i - 1].size(), prefixes[i - 1]) == 0) {
        trimmed = trimmed.substr(prefixes[i - 1].size());
        add = true;
      }
      args.push_back(std::move(trimmed));
    }
    if (!add) continue;
    std::string alt_title = fill_template(f.fmt, args);
    if (alt_title != title) alts->push_back(std::move(alt_title));
    for (const auto& alt : f.alt) alts->push_back(fill_template(alt, args));
  }
}

// Titles the report with the family format whose title pattern matches
// earliest (the first in table order among equals).
Description describe(std::string_view text, const OopsFamily& fam) {
  Description d;
  std::size_t best = text.size();
  bool matched_title = false;
  for (const auto& f : fam.formats) {
    PatternMatch m;
    if (!find_match(*f.title, text, &m) || m.begin > best) continue;
    if (m.begin == best && !d.title.empty()) continue;
    if (m.begin < best) {
      d.title.clear();
      d.format = nullptr;
      best = m.begin;
    }
    matched_title = true;
    if (f.report && !find_match(*f.report, text, &m)) continue;
    std::vector<ExtractedFrame> frames;
    d.corrupted.clear();
    if (f.stack && !extract_frames(*f.stack, text.substr(m.begin), &frames))
      d.corrupted = "no frames in the stack";
    std::vector<std::string> args = m.groups;
    for (const auto& fr : frames) args.push_back(fr.canonical);
    d.title = fill_template(f.fmt, args);
    for (const auto& alt : f.alt) d.alts.push_back(fill_template(alt, args));
    add_partially_stripped(f, m.groups, frames, d.title, &d.alts);
    std::vector<std::string> unique;
    for (auto& a : d.alts) add_unique(&unique, std::move(a));
    d.alts = std::move(unique);
    d.format = &f;
  }
  if (d.title.empty()) {
    if (matched_title) d.corrupted = "title matched but the report did not";
    std::size_t pos = text.find(fam.header);
    if (pos == std::string_view::npos) return d;
    std::size_t end = text.find('\n', pos);
    d.title = std::string(
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
  }
  if (d.corrupted.empty() && d.format && d.format->corrupted)
    d.corrupted = "the format means a corrupted report";
  return d;
}

// A report whose stack traces lost their frames was cut or mangled.
bool looks_corrupted(const std::string& title, std::string_view report, const OopsFormat* format) {
  static const Pattern stamp = compile_pattern(R"(\[ *[0-9]+\.[0-9]+\])");
  if (contains_match(*stamp, title)) return true;  // a timestamp merged into the title line
  if (!format || format->no_stack_trace) return false;
  const StackSyntax& syntax = stack_syntax();
  bool has_stack = false;
  for (std::size_t k = 0; k < syntax.stack_start_each.size(); ++k) {
    PatternMatch m;
    if (!find_match(*syntax.stack_start_each[k], report, &m)) continue;
    auto lines = split_lines_exact(report.substr(m.begin));
    if (lines.size() < 4) return true;
    bool corrupted = true;
    for (std::size_t i = 1; i < lines.size() && i <= 15; ++i) {
      if (contains_match(*syntax.stack_start, lines[i])) break;
      PatternMatch fm;
      bool frame = false;
      for (const auto& re : syntax.frame) frame = frame || find_match(*re, lines[i], &fm);
      if (frame || lines[i].find("(stack is not available)") != std::string_view::npos) {
        has_stack = true;
        corrupted = false;
        break;
      }
    }
    bool riscv = k + 1 == syntax.stack_start_each.size();
    if (corrupted && !riscv) return true;
  }
  return !has_stack;
}

struct Collected {
  std::string prefix;             // same-context lines before the oops
  std::string report;             // the oops and the lines of its context after it
  std::size_t title_end = 0;      // the part of `report` before a second oops
  std::size_t end_pos = 0;        // end of the last oops line seen
  std::size_t last_line_end = 0;  // end of the last line taken into the report
};

Collected collect(std::string_view log, std::size_t start) {
  Collected c;
  ConsoleLine first = console_line_at(log, start);
  const std::string_view context = first.context;
  const std::size_t max_prefix = is_task_context(context) ? 50 : 5;

  std::vector<std::string_view> prefix;
  std::size_t pos = start;
  for (std::size_t scanned = 0; pos > 0 && prefix.size() < max_prefix && scanned < kMaxPrefixScan;
       ++scanned) {
    std::size_t begin = line_start(log, pos - 1);
    ConsoleLine l = console_line_at(log, begin);
    if (l.context == context && !l.text.empty() && !l.questionable) prefix.push_back(l.text);
    pos = begin;
  }
  for (auto it = prefix.rbegin(); it != prefix.rend(); ++it) {
    c.prefix.append(*it);
    c.prefix += '\n';
  }

  const std::size_t min_lines = first.raw.find("BUG: KMSAN:") != std::string_view::npos ? 16 : 22;
  bool second_report = false, skip_text = false, cpu_traceback = false;
  std::size_t text_lines = 0;
  pos = start;
  for (std::size_t n = 0; pos < log.size() && n < kMaxReportLines; ++n) {
    ConsoleLine l = console_line_at(log, pos);
    pos = l.end + 1;
    const bool oops_line = l.begin == start;
    if (oops_on_line(l.raw)) {
      c.end_pos = l.end;
      if (!oops_line && !second_report && !contains_match(report_start_ignores(), l.raw))
        second_report = true;
    } else if (!oops_line && !second_report) {
      for (const auto& msg : info_messages_with_stack())
        if (l.raw.find(msg) != std::string_view::npos) second_report = true;
    }
    if (!oops_line &&
        (l.questionable || (l.context != context && !(cpu_traceback && is_cpu_context(l.context)))))
      continue;
    ++text_lines;
    bool skip_line = skip_text;
    if (l.raw.find("Disabling lock debugging due to kernel taint") != std::string_view::npos) {
      skip_line = true;
    } else if (l.raw.find("Sending NMI from CPU") != std::string_view::npos) {
      cpu_traceback = true;  // the other CPUs' backtraces belong to this report
    } else if ((l.raw.find("Kernel panic - not syncing") != std::string_view::npos ||
                l.raw.find("WARNING: possible circular locking dependency detected") !=
                    std::string_view::npos) &&
               text_lines > min_lines) {
      // panic_on_warn's panic, or a lockdep report the oops itself caused:
      // the report proper is long enough already.
      skip_text = skip_line = true;
    }
    if (!oops_line && skip_line) continue;
    c.report.append(l.text);
    c.report += '\n';
    c.last_line_end = l.end;
    if (!second_report || (!context.empty() && context != "console")) c.title_end = c.report.size();
  }
  return c;
}

// A line no format recognised is titled by itself. In a kernel console
// that is right (syzbot does so); in a program's own output a line such as
// "WARNING: option deprecated" is not a crash. Kernel lines carry a printk
// timestamp or a device prefix ("usb 5-1: WARNING: ...").
bool plausible_unformatted(std::string_view log, std::size_t start, const OopsFamily& fam) {
  ConsoleLine line = console_line_at(log, start);
  if (!line.context.empty()) return true;
  std::string_view text = line.raw;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text.substr(0, fam.header.size()) != fam.header;
}

// Cheap test that a line reads as the family's oops by itself.
bool format_matches_line(std::string_view log, std::size_t start, const OopsFamily& fam) {
  std::string_view text = console_line_at(log, start).text;
  for (const auto& f : fam.formats)
    if (contains_match(*f.title, text)) return true;
  return false;
}

std::optional<CrashReport> report_at(std::string_view log, const Start& s) {
  Collected c = collect(log, s.pos);
  std::string_view report = c.report;
  Description d = describe(report.substr(0, c.title_end), *s.family);
  std::string prefix = c.prefix;
  if (d.title.empty()) {
    // The oops line itself was left out: fall back to the raw text.
    std::size_t end = std::max(c.end_pos, console_line_at(log, s.pos).end);
    report = log.substr(s.pos, end - s.pos);
    prefix.clear();
    d = describe(report, *s.family);
    if (d.title.empty()) d.title = std::string(console_line_at(log, s.pos).raw);
  }
  if (!d.format && !plausible_unformatted(log, s.pos, *s.family)) return std::nullopt;
  CrashReport r;
  r.corrupted = !d.corrupted.empty();
  if (!r.corrupted) r.corrupted = looks_corrupted(d.title, report, d.format);
  // The GCE console drops the connection right after panics: the end is lost.
  if (log.find("serialport: VM disconnected.") != std::string_view::npos) r.corrupted = true;
  r.title = normalize_title(d.title);
  for (const auto& a : d.alts) {
    std::string alt = normalize_title(a);
    if (std::find(r.alt_titles.begin(), r.alt_titles.end(), alt) == r.alt_titles.end())
      r.alt_titles.push_back(std::move(alt));
  }
  r.type = crash_type_for_title(r.title);
  r.frame = frame_from_title(r.title);
  r.start = s.pos;
  r.end = std::max({c.end_pos, c.last_line_end, console_line_at(log, s.pos).end});
  r.report = prefix + std::string(report);
  return r;
}

}  // namespace

std::optional<CrashReport> find_kernel_crash(std::string_view log) {
  // Each rejected candidate costs a bounded report; a few are enough to get
  // past stray lines in program output, and keep the parser linear.
  constexpr int kMaxCandidates = 16;
  std::size_t from = 0;
  for (int i = 0; i < kMaxCandidates && from < log.size();) {
    Start s = find_first_oops(log, from);
    if (!s.family) return std::nullopt;
    from = console_line_at(log, s.pos).end + 1;
    if (!plausible_unformatted(log, s.pos, *s.family) &&
        !format_matches_line(log, s.pos, *s.family))
      continue;
    if (auto r = report_at(log, s)) return r;
    ++i;
  }
  return std::nullopt;
}

}  // namespace culprit::report
