// What config minimisation needs of a kernel builder beyond building a
// commit: the tree's default config, olddefconfig's answer for a config, and
// a build with another config than the bisection's. Each runs in the work
// tree's persistent build directory, so that the builds of nearby configs
// stay incremental.
#pragma once

#include <filesystem>
#include <string>

#include "build/builder.h"

namespace culprit::build {

class KconfigTool {
 public:
  virtual ~KconfigTool() = default;
  // `make defconfig` of the checked-out tree with the settings every build
  // gets (kernel_config.h), settled. Throws std::runtime_error on failure.
  virtual std::string default_config(const std::filesystem::path& source,
                                     const std::filesystem::path& log) = 0;
  // `config` with those settings, as `make olddefconfig` settles it for the
  // tree. Throws std::runtime_error on failure.
  virtual std::string settle_config(const std::filesystem::path& source, const std::string& config,
                                    const std::filesystem::path& log) = 0;
  // Builder::build with `config` instead of the bisection's. Never throws.
  virtual BuildResult build_config(const BuildRequest& request, const std::string& config) = 0;
};

}  // namespace culprit::build
