#include "build/kernel_config.h"

#include "util/text.h"

namespace culprit::build {
namespace {

std::optional<KernelVersion> v(const char* text) { return KernelVersion::parse(text); }

// Which symbol a .config line sets, or "" for other lines.
std::string_view line_symbol(std::string_view line) {
  line = trim(line);
  if (starts_with(line, "# CONFIG_") && line.ends_with(" is not set"))
    return line.substr(9, line.size() - 9 - 11);
  if (starts_with(line, "CONFIG_")) return line.substr(7, line.find('=') - 7);
  return {};
}

}  // namespace

const std::vector<ConfigSetting>& config_adjustments() {
  static const std::vector<ConfigSetting> table = {
      {"WERROR", "n", std::nullopt, std::nullopt,
       "newer compilers warn where the tree's own did not; a warning must not make a commit "
       "untestable"},
      {"LOCALVERSION_AUTO", "n", std::nullopt, std::nullopt,
       "the commit hash in the version string would make every commit's binary differ"},
      {"DEBUG_INFO_BTF", "n", v("5.2"), std::nullopt,
       "needs pahole, and its type ids are not reproducible between builds"},
      {"MODULE_SIG", "n", std::nullopt, std::nullopt,
       "modules are signed with a key generated for each build"},
      {"SYSTEM_TRUSTED_KEYS", "\"\"", std::nullopt, std::nullopt,
       "distribution configs name certificate files that are not in the tree"},
      {"SYSTEM_REVOCATION_KEYS", "\"\"", v("5.13"), std::nullopt,
       "distribution configs name certificate files that are not in the tree"},
      {"GCC_PLUGIN_RANDSTRUCT", "n", v("4.13"), std::nullopt,
       "structure layout randomised from a per-build seed: identical source, different binary"},
      {"RANDSTRUCT_NONE", "y", v("5.19"), std::nullopt,
       "structure layout randomised from a per-build seed: identical source, different binary"},
      {"IKHEADERS", "n", v("5.2"), std::nullopt,
       "embeds an archive of the headers with their timestamps"},
  };
  return table;
}

std::string adjust_config(std::string_view config, const std::optional<KernelVersion>& version) {
  std::vector<const ConfigSetting*> apply;
  for (const auto& s : config_adjustments()) {
    // Without a known version every setting applies: kconfig ignores
    // symbols the tree does not have.
    if (version && ((s.from && *version < *s.from) || (s.below && *version >= *s.below))) continue;
    apply.push_back(&s);
  }
  std::string out;
  for (auto line : split_lines(config)) {
    auto sym = line_symbol(line);
    bool replaced = false;
    for (const auto* s : apply)
      if (!sym.empty() && sym == s->symbol) replaced = true;
    if (replaced) continue;
    out.append(line);
    out += '\n';
  }
  out += "# culprit: settings every commit of a bisection is built with\n";
  for (const auto* s : apply) {
    if (s->value == "n")
      out += "# CONFIG_" + s->symbol + " is not set\n";
    else
      out += "CONFIG_" + s->symbol + "=" + s->value + "\n";
  }
  return out;
}

std::optional<std::string> config_value(std::string_view config, std::string_view symbol) {
  for (auto line : split_lines(config)) {
    if (line_symbol(line) != symbol) continue;
    line = trim(line);
    if (line[0] == '#') return "n";
    return std::string(line.substr(line.find('=') + 1));
  }
  return std::nullopt;
}

}  // namespace culprit::build
