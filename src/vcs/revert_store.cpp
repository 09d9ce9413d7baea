#include "vcs/revert_store.h"

#include <fmt/format.h>

#include "util/error.h"
#include "vcs/derived_commits.h"
#include "vcs/git_handles.h"

namespace culprit::vcs {

struct RevertStore::Impl {
  RepoPtr repo;
};

RevertStore::RevertStore(const Repository& source, const std::filesystem::path& dir)
    : impl_(std::make_unique<Impl>()) {
  impl_->repo = open_derived_store(source, dir);
}

RevertStore::~RevertStore() = default;

Revert RevertStore::revert(const std::string& commit, const std::string& onto) {
  git_repository* repo = impl_->repo.get();
  auto target = lookup_commit(repo, commit);
  auto base = lookup_commit(repo, onto);
  unsigned parents = git_commit_parentcount(target.get());
  if (parents == 0) return {std::nullopt, "a root commit cannot be reverted"};
  git_index* idx = nullptr;
  git_merge_options merge = GIT_MERGE_OPTIONS_INIT;
  git_check(git_revert_commit(&idx, repo, target.get(), base.get(), parents > 1 ? 1 : 0, &merge),
            "reverting " + commit + " on " + onto);
  IndexPtr index(idx);
  if (git_index_has_conflicts(index.get()))
    return {std::nullopt,
            "it does not revert cleanly (conflicts in " + conflicting_paths(index.get()) + ")"};
  const char* summary = git_commit_summary(target.get());
  std::string message =
      fmt::format("Revert \"{}\"\n\nThis reverts commit {}.\n", summary ? summary : "", commit);
  auto made = commit_onto(repo, index.get(), base.get(), message, "reverted");
  if (!made) return {std::nullopt, "reverting it changes nothing there"};
  return {*made, ""};
}

}  // namespace culprit::vcs
