// Release tags as the kernel names them: vX.Y, vX.Y.Z and vX.Y-rcN.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vcs/repository.h"

namespace culprit::vcs {

struct ReleaseVersion {
  int major = 0, minor = 0, patch = 0;  // patch 0 for vX.Y
  int rc = 0;                           // 0 for a final release
  bool has_patch = false;
  // Parses "v5.8", "v5.8.3", "v5.8-rc2"; nothing for anything else.
  static std::optional<ReleaseVersion> parse(std::string_view tag);
  bool is_rc() const { return rc != 0; }
  // Version order: v5.8-rc1 < v5.8-rc7 < v5.8 < v5.8.1 < v5.9-rc1.
  std::strong_ordering operator<=>(const ReleaseVersion& o) const;
  bool operator==(const ReleaseVersion& o) const = default;
};

struct Release {
  std::string tag;
  std::string hash;  // the commit the tag points at
  ReleaseVersion version;
};

// Releases (no -rc) reachable from `commit` and not pointing at it, newest
// version first.
std::vector<Release> releases_before(const Repository& repo, const std::string& commit);

// All release and rc tags in the repository, newest version first.
std::vector<Release> all_releases(const Repository& repo, bool include_rc);

// Which releases to test, in order, for the walk back from `commit` as
// syzbot does it: the two newest sub-releases, then releases with a
// gradually growing step, always ending with the oldest.
std::vector<Release> release_walk(const std::vector<Release>& newest_first);

}  // namespace culprit::vcs
