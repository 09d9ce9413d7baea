// Adjusting a user's kernel config so that every commit of a bisection
// builds, and builds reproducibly: options that make identical source give
// different binaries, need tools a bisection machine lacks, or turn new
// compilers' warnings into errors on old trees are set the same way for
// every commit. Table-driven (kernel_config.cpp), each entry with its reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "build/kernel_version.h"

namespace culprit::build {

struct ConfigSetting {
  std::string symbol;                        // without CONFIG_
  std::string value;                         // "n", "y" or a quoted string
  std::optional<KernelVersion> from, below;  // versions it applies to
  std::string why;
};

const std::vector<ConfigSetting>& config_adjustments();

// `config` with every applicable setting forced (old lines for the symbol
// removed, the setting appended), for a tree of `version`.
std::string adjust_config(std::string_view config, const std::optional<KernelVersion>& version);

// The value a .config gives a symbol: "y", "m", a string or number as
// written, "n" for "# CONFIG_X is not set", nothing when absent.
std::optional<std::string> config_value(std::string_view config, std::string_view symbol);

}  // namespace culprit::build
