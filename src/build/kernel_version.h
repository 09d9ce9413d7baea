// The version a kernel source tree says it is, from its top-level Makefile
// (VERSION, PATCHLEVEL, SUBLEVEL): what decides which compiler and which
// config adjustments a commit needs, whether or not a release tag is near.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace culprit::build {

struct KernelVersion {
  int major = 0, minor = 0, sublevel = 0;
  // "5.10", "5.10.3", "v4.19" -> a version; nothing for anything else.
  static std::optional<KernelVersion> parse(std::string_view text);
  // From the text of a top-level kernel Makefile; nothing when it has no
  // VERSION/PATCHLEVEL lines (not a kernel tree).
  static std::optional<KernelVersion> from_makefile(std::string_view makefile);
  std::string str() const;  // "5.10.3" ("5.10" when sublevel is 0)
  auto operator<=>(const KernelVersion&) const = default;
};

}  // namespace culprit::build
