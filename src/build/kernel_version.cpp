#include "build/kernel_version.h"

#include <charconv>

#include "util/text.h"

namespace culprit::build {
namespace {

bool parse_int(std::string_view s, int& out) {
  s = trim(s);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

}  // namespace

std::optional<KernelVersion> KernelVersion::parse(std::string_view text) {
  text = trim(text);
  if (!text.empty() && (text[0] == 'v' || text[0] == 'V')) text.remove_prefix(1);
  KernelVersion v;
  int* parts[] = {&v.major, &v.minor, &v.sublevel};
  int n = 0;
  while (!text.empty()) {
    if (n == 3) return std::nullopt;
    auto dot = text.find('.');
    if (!parse_int(text.substr(0, dot), *parts[n++])) return std::nullopt;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
    if (text.empty()) return std::nullopt;
  }
  if (n < 2) return std::nullopt;
  return v;
}

std::optional<KernelVersion> KernelVersion::from_makefile(std::string_view makefile) {
  KernelVersion v;
  bool have_version = false, have_patchlevel = false;
  int lines = 0;
  for (auto line : split_lines(makefile)) {
    // The version lines lead the Makefile; stop before its body.
    if (++lines > 40) break;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    auto key = trim(line.substr(0, eq));
    auto value = line.substr(eq + 1);
    if (key == "VERSION") have_version = parse_int(value, v.major);
    if (key == "PATCHLEVEL") have_patchlevel = parse_int(value, v.minor);
    if (key == "SUBLEVEL" && !parse_int(value, v.sublevel)) v.sublevel = 0;
  }
  if (!have_version || !have_patchlevel) return std::nullopt;
  return v;
}

std::string KernelVersion::str() const {
  std::string s = std::to_string(major) + "." + std::to_string(minor);
  if (sublevel) s += "." + std::to_string(sublevel);
  return s;
}

}  // namespace culprit::build
