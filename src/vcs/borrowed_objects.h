// culprit's private repositories (work trees, the store of reverts) hold no
// copy of the user's objects: they list the user's object directories in
// their objects/info/alternates file. Internal to src/vcs.
#pragma once

#include <filesystem>

#include "vcs/git_handles.h"
#include "vcs/repository.h"

namespace culprit::vcs {

// Makes the repository whose git directory is `git_dir` read the objects of
// `source` (its own alternates and the directories added with
// Repository::add_object_dir included). True when the alternates file
// changed, so that an open handle must be reopened to see them.
bool borrow_objects(const std::filesystem::path& git_dir, const Repository& source);

// Opens culprit's private repository at `dir` (bare, or with its git
// directory in dir/.git), creating it when there is none. Only the culprit
// holding the state directory's lock works there, so lock files are left
// by one killed in the middle of writing (libgit2 refuses to go on while
// they exist): they are removed, and a repository a killed `init` left half
// made is made again (its files, culprit's own, are recreated as needed).
RepoPtr open_private_repository(const std::filesystem::path& dir, bool bare);

}  // namespace culprit::vcs
