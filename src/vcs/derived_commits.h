// Commits culprit writes in its own bare repositories on top of the user's
// commits (reverts for verification, backported fixes): the parts the
// stores share. Internal to src/vcs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "vcs/git_handles.h"
#include "vcs/repository.h"

namespace culprit::vcs {

// The bare repository at `dir` (created when missing) that reads `source`'s
// objects; `source` reads the objects written there in turn, so that work
// trees can check out the derived commits.
RepoPtr open_derived_store(const Repository& source, const std::filesystem::path& dir);

CommitPtr lookup_commit(git_repository* repo, const std::string& hash);

std::string oid_hex(const git_oid& id);

// The conflicting paths of a merge result, for a log line: the first three
// and how many more.
std::string conflicting_paths(git_index* index);

// Writes `index`'s tree as a commit whose only parent is `base`, with
// culprit's identity and `base`'s committer date: the same inputs give the
// same hash, so recorded builds and runs of it are found after a restart.
// Nothing when the tree is `base`'s own (the change is already there).
std::optional<std::string> commit_onto(git_repository* repo, git_index* index,
                                       const git_commit* base, const std::string& message,
                                       const std::string& what);

}  // namespace culprit::vcs
