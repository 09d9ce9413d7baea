#include "report/console_line.h"

#include <cctype>

namespace culprit::report {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Parses "[ *D+.D+]" then an optional "[ *(C|T)D+]" and a space at `p`.
// Returns the position after the space, or npos; sets the caller span.
std::size_t parse_stamp(std::string_view s, std::size_t p, std::size_t* caller_begin,
                        std::size_t* caller_end) {
  auto skip_spaces = [&](std::size_t q) {
    while (q < s.size() && s[q] == ' ') ++q;
    return q;
  };
  auto digits = [&](std::size_t q) {
    std::size_t start = q;
    while (q < s.size() && is_digit(s[q])) ++q;
    return q == start ? std::string_view::npos : q;
  };
  if (p < s.size() && s[p] == '<') {  // syslog level "<6>"
    std::size_t q = digits(p + 1);
    if (q != std::string_view::npos && q < s.size() && s[q] == '>') p = q + 1;
  }
  if (p >= s.size() || s[p] != '[') return std::string_view::npos;
  std::size_t q = digits(skip_spaces(p + 1));
  if (q == std::string_view::npos || q >= s.size() || s[q] != '.') return std::string_view::npos;
  q = digits(q + 1);
  if (q == std::string_view::npos || q >= s.size() || s[q] != ']') return std::string_view::npos;
  ++q;
  *caller_begin = *caller_end = std::string_view::npos;
  if (q < s.size() && s[q] == '[') {
    std::size_t c = skip_spaces(q + 1);
    if (c < s.size() && (s[c] == 'C' || s[c] == 'T')) {
      std::size_t d = digits(c + 1);
      if (d != std::string_view::npos && d < s.size() && s[d] == ']') {
        *caller_begin = q;
        *caller_end = d + 1;
        q = d + 1;
      }
    }
  }
  if (q >= s.size() || s[q] != ' ') return std::string_view::npos;
  return q + 1;
}

// Matches the printk prefix, allowing "** N printk messages dropped ** "
// and a login prompt glued in front of it.
bool parse_prefix(std::string_view s, std::string_view* context) {
  std::size_t p = 0;
  static constexpr std::string_view kDropped = " printk messages dropped ** ";
  if (s.substr(0, 3) == "** ") {
    std::size_t q = 3;
    while (q < s.size() && is_digit(s[q])) ++q;
    if (q > 3 && s.substr(q, kDropped.size()) == kDropped) p = q + kDropped.size();
  }
  std::size_t cb = 0, ce = 0;
  std::size_t after = parse_stamp(s, p, &cb, &ce);
  if (after == std::string_view::npos) {
    // ".* login: " is greedy: try the last prompt first.
    static constexpr std::string_view kLogin = " login: ";
    std::size_t at = s.rfind(kLogin);
    while (at != std::string_view::npos && at >= p) {
      after = parse_stamp(s, at + kLogin.size(), &cb, &ce);
      if (after != std::string_view::npos) break;
      if (at == 0) break;
      at = s.rfind(kLogin, at - 1);
    }
    if (after == std::string_view::npos) return false;
  }
  *context = cb == std::string_view::npos ? std::string_view("console") : s.substr(cb, ce - cb);
  return true;
}

}  // namespace

ConsoleLine console_line_at(std::string_view log, std::size_t begin) {
  ConsoleLine l;
  l.begin = begin;
  std::size_t nl = log.find('\n', begin);
  l.end = nl == std::string_view::npos ? log.size() : nl;
  l.raw = log.substr(begin, l.end - begin);
  if (!l.raw.empty() && l.raw.back() == '\r') l.raw.remove_suffix(1);
  l.text = l.raw;
  if (!parse_prefix(l.raw, &l.context)) return l;
  std::size_t cut = l.raw.find("] ");
  l.text = l.raw.substr(cut + 2);
  if (l.text.find("<EOI>") == std::string_view::npos) {
    std::size_t q = l.text.find(" ? ");
    if (q != std::string_view::npos) {
      l.text = l.text.substr(q + 2);  // keep " foo+0x1/0x2" so it parses as a frame
      l.questionable = true;
    } else if (l.text.size() >= 13 && l.text.substr(l.text.size() - 13) == " (unreliable)") {
      l.text.remove_suffix(13);
      l.questionable = true;
    }
  }
  return l;
}

std::size_t line_start(std::string_view log, std::size_t pos) {
  if (pos == 0) return 0;
  std::size_t nl = log.rfind('\n', pos - 1);
  return nl == std::string_view::npos ? 0 : nl + 1;
}

bool is_cpu_context(std::string_view context) {
  return context.size() > 2 && context.front() == '[' &&
         context.find('C') != std::string_view::npos;
}

bool is_task_context(std::string_view context) {
  return context.size() > 2 && context.front() == '[' &&
         context.find('T') != std::string_view::npos;
}

}  // namespace culprit::report
