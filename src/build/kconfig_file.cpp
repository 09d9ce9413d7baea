#include "build/kconfig_file.h"

#include <map>
#include <set>

#include "util/text.h"

namespace culprit::build {
namespace {

std::optional<KconfigSetting> parse_line(std::string_view line) {
  line = trim(line);
  if (starts_with(line, "# CONFIG_") && line.ends_with(" is not set")) {
    auto symbol = line.substr(9, line.size() - 9 - 11);
    if (symbol.empty() || symbol.find(' ') != std::string_view::npos) return std::nullopt;
    return KconfigSetting{std::string(symbol), "n"};
  }
  if (!starts_with(line, "CONFIG_")) return std::nullopt;
  auto eq = line.find('=');
  if (eq == std::string_view::npos || eq == 7) return std::nullopt;
  return KconfigSetting{std::string(line.substr(7, eq - 7)), std::string(line.substr(eq + 1))};
}

}  // namespace

std::vector<KconfigSetting> parse_kconfig(std::string_view text) {
  std::vector<KconfigSetting> out;
  std::map<std::string, std::size_t> at;
  for (auto line : split_lines(text)) {
    auto s = parse_line(line);
    if (!s) continue;
    auto it = at.find(s->symbol);
    if (it != at.end()) {
      out[it->second].value = s->value;
      continue;
    }
    at[s->symbol] = out.size();
    out.push_back(std::move(*s));
  }
  return out;
}

std::string kconfig_line(const KconfigSetting& s) {
  if (s.value == "n") return "# CONFIG_" + s.symbol + " is not set";
  return "CONFIG_" + s.symbol + "=" + s.value;
}

std::vector<OptionDiff> diff_kconfig(std::string_view bug, std::string_view baseline) {
  std::map<std::string, std::string> base;
  for (auto& s : parse_kconfig(baseline)) base[s.symbol] = s.value;
  std::vector<OptionDiff> out;
  for (auto& s : parse_kconfig(bug)) {
    auto it = base.find(s.symbol);
    if (it == base.end()) {
      if (s.value != "n") out.push_back({s.symbol, s.value, std::nullopt});
    } else if (it->second != s.value) {
      out.push_back({s.symbol, s.value, it->second});
    }
  }
  return out;
}

std::string apply_options(std::string_view baseline, const std::vector<OptionDiff>& chosen) {
  std::set<std::string> replaced;
  for (const auto& c : chosen) replaced.insert(c.symbol);
  std::string out;
  for (auto line : split_lines(baseline)) {
    auto s = parse_line(line);
    if (s && replaced.count(s->symbol)) continue;
    out.append(line);
    out += '\n';
  }
  for (const auto& c : chosen) out += kconfig_line({c.symbol, c.value}) + "\n";
  return out;
}

}  // namespace culprit::build
