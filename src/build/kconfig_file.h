// A kernel .config as data, for config minimisation: its settings in file
// order, the options where a bug's config differs from a baseline, and the
// baseline with some of those options set the bug's way. Values are kept
// as written ("y", "m", "\"text\"", "0x10"), "n" for "# CONFIG_X is not set".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::build {

struct KconfigSetting {
  std::string symbol;  // without CONFIG_
  std::string value;
};

// The settings of a .config in file order; a symbol set twice keeps its
// last value (as kconfig does) at its first place. Other lines are ignored.
std::vector<KconfigSetting> parse_kconfig(std::string_view text);

// The .config line for a setting.
std::string kconfig_line(const KconfigSetting& setting);

struct OptionDiff {
  std::string symbol;
  std::string value;                    // the bug's config
  std::optional<std::string> baseline;  // the baseline's; none when it lacks the symbol
};

// The bug's settings that the baseline does not have, in the bug config's
// order. A symbol the bug's config leaves unset and the baseline lacks is no
// difference (olddefconfig leaves it unset either way).
std::vector<OptionDiff> diff_kconfig(std::string_view bug, std::string_view baseline);

// The baseline with `chosen` set to the bug's values (its own lines for
// them replaced), for olddefconfig to settle.
std::string apply_options(std::string_view baseline, const std::vector<OptionDiff>& chosen);

}  // namespace culprit::build
