#include "report/user_space.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace culprit::report {
namespace {

struct Line {
  std::string_view text;
  std::size_t offset;
};

std::vector<Line> lines_of(std::string_view log) {
  std::vector<Line> out;
  std::size_t pos = 0;
  while (pos < log.size()) {
    std::size_t nl = log.find('\n', pos);
    if (nl == std::string_view::npos) nl = log.size();
    std::string_view t = log.substr(pos, nl - pos);
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    out.push_back({t, pos});
    pos = nl + 1;
  }
  return out;
}

// "    #3 0x55d0c0de in cache_lookup /src/cache.c:42" -> function, location.
bool parse_frame(std::string_view line, std::string* function, std::string* location) {
  static const RE2 re(
      R"(^\s*#\d+\s+0x[0-9a-fA-F]+\s+in\s+(.+?)(?:\s+(\S+:\d+(?::\d+)?|\(.+\)))?\s*$)");
  std::string fn, loc;
  if (!RE2::FullMatch(line, re, &fn, &loc)) return false;
  // C++ frames carry argument lists: keep the name only.
  auto paren = fn.find('(');
  if (paren != std::string::npos && paren > 0) fn = fn.substr(0, paren);
  *function = fn;
  *location = loc;
  return true;
}

// The first frame of the first stack after `from` that is not runtime.
std::string first_user_frame(const std::vector<Line>& lines, std::size_t from,
                             std::size_t* end_line) {
  bool in_stack = false;
  for (std::size_t i = from; i < lines.size() && i < from + 200; ++i) {
    std::string fn, loc;
    if (parse_frame(lines[i].text, &fn, &loc)) {
      in_stack = true;
      if (!is_runtime_frame(fn, loc)) {
        if (end_line) *end_line = i;
        return fn;
      }
    } else if (in_stack) {
      in_stack = false;  // a stack ended with runtime frames only: try the next one
    }
  }
  return "";
}

std::string upper_dashed(std::string_view s) {
  std::string out;
  for (char c : s)
    out += c == ' ' ? '-' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Where the report ends: the SUMMARY line, or a blank line after a while.
std::size_t report_end(const std::vector<Line>& lines, std::size_t start, std::string_view log) {
  for (std::size_t i = start; i < lines.size() && i < start + 400; ++i)
    if (lines[i].text.find("SUMMARY: ") != std::string_view::npos ||
        lines[i].text.find("==ABORTING") != std::string_view::npos)
      return std::min(log.size(), lines[i].offset + lines[i].text.size());
  std::size_t last = std::min(lines.size(), start + 60) - 1;
  return std::min(log.size(), lines[last].offset + lines[last].text.size());
}

CrashReport make_report(std::string_view log, const std::vector<Line>& lines, std::size_t i,
                        std::string title, std::string type, std::string frame, bool corrupted) {
  CrashReport r;
  r.title = std::move(title);
  r.type = std::move(type);
  r.frame = std::move(frame);
  r.corrupted = corrupted;
  r.start = lines[i].offset;
  r.end = report_end(lines, i, log);
  r.report = std::string(log.substr(r.start, r.end - r.start));
  return r;
}

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kSignalMessages = {{
    {"Segmentation fault", "SIGSEGV"},
    {"Bus error", "SIGBUS"},
    {"Illegal instruction", "SIGILL"},
    {"Floating point exception", "SIGFPE"},
    {"Aborted", "SIGABRT"},
    {"Killed", "SIGKILL"},
    {"Trace/breakpoint trap", "SIGTRAP"},
}};

bool mentions_signal(std::string_view log) {
  for (const auto& [message, name] : kSignalMessages)
    if (log.find(message) != std::string_view::npos) return true;
  return false;
}

// The shell's word for a child killed by a signal: the whole line
// ("Segmentation fault (core dumped)") or a job report
// ("./run.sh: line 3: 4242 Aborted (core dumped) ./prog").
std::string killed_by(std::string_view line) {
  static const RE2 re(
      R"(^(?:\S.*: line \d+: +\d+ +)?(Segmentation fault|Bus error|Illegal instruction|Floating point exception|)"
      R"(Aborted|Killed|Trace/breakpoint trap)(?: +\(core dumped\))?(\s.*)?$)");
  static const RE2 job(R"(^\S.*: line \d+: +\d+ )");
  std::string message, rest;
  if (!RE2::FullMatch(line, re, &message, &rest)) return "";
  // Extra words after the message only in a job report (the command line).
  if (!rest.empty() && !RE2::PartialMatch(line, job)) {
    static const RE2 core(R"(^\s*$)");
    if (!RE2::FullMatch(rest, core)) return "";
  }
  for (const auto& [msg, name] : kSignalMessages)
    if (message == msg) return std::string(name);
  return "";
}

}  // namespace

bool is_runtime_frame(std::string_view function, std::string_view location) {
  static constexpr std::array<std::string_view, 6> kPrefixes = {
      "__interceptor_", "__asan", "__sanitizer", "__ubsan", "__msan", "__tsan"};
  for (auto p : kPrefixes)
    if (function.substr(0, p.size()) == p) return true;
  if (location.find("libsanitizer") != std::string_view::npos ||
      location.find("compiler-rt") != std::string_view::npos)
    return true;
  static constexpr std::array<std::string_view, 22> kLibc = {
      "malloc",         "free",    "calloc", "realloc", "memcpy", "memmove",           "memset",
      "memcmp",         "strlen",  "strcpy", "strncpy", "strcmp", "strncmp",           "strcat",
      "printf",         "fprintf", "puts",   "abort",   "raise",  "__libc_start_main", "_start",
      "operator delete"};
  for (auto f : kLibc)
    if (function == f) return true;
  return function.substr(0, 9) == "operator " || function.substr(0, 7) == "__libc_" ||
         function.substr(0, 6) == "__GI_";
}

std::optional<CrashReport> find_user_space_crash(std::string_view log) {
  // Cheap filter: the no-crash path must stay fast on large logs.
  if (log.find("Sanitizer") == std::string_view::npos &&
      log.find("runtime error:") == std::string_view::npos &&
      log.find("Assertion `") == std::string_view::npos &&
      log.find("(): ") == std::string_view::npos &&
      log.find("double free or corruption") == std::string_view::npos &&
      log.find("corrupted size vs. prev_size") == std::string_view::npos && !mentions_signal(log))
    return std::nullopt;
  static const RE2 asan(R"(==\d+==\s*ERROR: AddressSanitizer: (.*))");
  static const RE2 lsan(R"(==\d+==\s*ERROR: LeakSanitizer: detected memory leaks)");
  static const RE2 msan(R"(==\d+==\s*WARNING: MemorySanitizer: ([\w-]+))");
  static const RE2 tsan(R"(WARNING: ThreadSanitizer: ([\w -]+?)(?: \(pid=\d+\))?\s*$)");
  static const RE2 ubsan(R"((\S+?):\d+(?::\d+)?: runtime error: (.*))");
  static const RE2 glibc(
      R"((free\(\): [\w .-]+|malloc\(\): [\w .-]+|realloc\(\): [\w .-]+|double free or corruption(?: \(\w+\))?|corrupted size vs\. prev_size|munmap_chunk\(\): invalid pointer))");
  static const RE2 assertion(R"(: (\S+): Assertion `(.*)' failed\.)");
  static const RE2 summary_kind(R"(SUMMARY: AddressSanitizer: ([\w-]+))");

  auto lines = lines_of(log);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view t = lines[i].text;
    std::string what, func, msg;
    if (RE2::PartialMatch(t, asan, &what)) {
      // Kind: the SUMMARY line names it canonically; else the ERROR line's first word.
      std::string kind;
      for (std::size_t k = i; k < lines.size() && k < i + 400 && kind.empty(); ++k)
        RE2::PartialMatch(lines[k].text, summary_kind, &kind);
      bool corrupted = kind.empty();
      if (kind.empty()) {
        kind = what.substr(0, what.find(' '));
        if (kind == "attempting")
          kind = what.substr(11, what.find(' ', 11) - 11);  // attempting double-free
      }
      std::size_t frame_line = i;
      std::string frame = first_user_frame(lines, i + 1, &frame_line);
      std::string title = frame.empty() ? kind : kind + " in " + frame;
      if (frame.empty()) corrupted = true;
      return make_report(log, lines, i, title, "ASAN-" + upper_dashed(kind), frame, corrupted);
    }
    if (RE2::PartialMatch(t, lsan)) {
      std::string frame = first_user_frame(lines, i + 1, nullptr);
      return make_report(log, lines, i, frame.empty() ? "memory leak" : "memory leak in " + frame,
                         "LSAN", frame, frame.empty());
    }
    if (RE2::PartialMatch(t, msan, &what)) {
      std::string frame = first_user_frame(lines, i + 1, nullptr);
      return make_report(log, lines, i, frame.empty() ? what : what + " in " + frame, "MSAN", frame,
                         frame.empty());
    }
    if (RE2::PartialMatch(t, tsan, &what)) {
      std::string frame = first_user_frame(lines, i + 1, nullptr);
      return make_report(log, lines, i, frame.empty() ? what : what + " in " + frame, "TSAN", frame,
                         frame.empty());
    }
    std::string file;
    if (RE2::PartialMatch(t, ubsan, &file, &msg)) {
      // The kind is the message up to its details: "signed integer overflow",
      // "load of null pointer", "shift exponent 40 is too large" -> "shift exponent".
      std::string kind = msg.substr(0, msg.find(':'));
      static const RE2 details(R"(\s+(?:of|for|at|on|with|is|by)\s.*$)");
      if (kind.find("null pointer") == std::string::npos) RE2::Replace(&kind, details, "");
      static const RE2 numbers(R"(-?\d+)");
      RE2::GlobalReplace(&kind, numbers, "N");
      std::string frame = first_user_frame(lines, i + 1, nullptr);
      std::string where = frame.empty() ? file.substr(file.rfind('/') + 1) : frame;
      return make_report(log, lines, i, "UBSAN: " + kind + " in " + where, "UBSAN", frame, false);
    }
    std::string cond;
    if (RE2::PartialMatch(t, assertion, &func, &cond)) {
      return make_report(log, lines, i, "assertion failed in " + func + ": " + cond, "ABORT", func,
                         false);
    }
    if (RE2::PartialMatch(t, glibc, &msg)) {
      return make_report(log, lines, i, msg, "ABORT", "", false);
    }
    if (std::string sig = killed_by(t); !sig.empty()) {
      CrashReport r;
      r.title = "killed by " + sig;
      r.type = "SIGNAL";
      r.start = lines[i].offset;
      r.end = lines[i].offset + t.size();
      r.report = std::string(t);
      return r;
    }
  }
  return std::nullopt;
}

}  // namespace culprit::report
