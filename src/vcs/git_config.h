// A repository's configuration as git reads it (the repository's own, then
// the user's and the system's), read-only.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace culprit::vcs {

// The value of `key` (e.g. "user.email"), or nothing when it is not set or
// `repo` is not a repository.
std::optional<std::string> config_value(const std::filesystem::path& repo, const std::string& key);

}  // namespace culprit::vcs
