#include "vcs/git_config.h"

#include "vcs/git_handles.h"

namespace culprit::vcs {

std::optional<std::string> config_value(const std::filesystem::path& repo, const std::string& key) {
  ensure_libgit2();
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, repo.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    return std::nullopt;
  RepoPtr r(raw);
  git_config* snapshot = nullptr;
  if (git_repository_config_snapshot(&snapshot, r.get()) != 0) return std::nullopt;
  GitPtr<git_config, git_config_free> config(snapshot);
  const char* value = nullptr;
  if (git_config_get_string(&value, config.get(), key.c_str()) != 0 || !value) return std::nullopt;
  return std::string(value);
}

}  // namespace culprit::vcs
