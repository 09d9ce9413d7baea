// culprit's private repositories (work trees, the store of reverts) hold no
// copy of the user's objects: they list the user's object directories in
// their objects/info/alternates file. Internal to src/vcs.
#pragma once

#include <filesystem>

#include "vcs/repository.h"

namespace culprit::vcs {

// Makes the repository whose git directory is `git_dir` read the objects of
// `source` (its own alternates and the directories added with
// Repository::add_object_dir included). True when the alternates file
// changed, so that an open handle must be reopened to see them.
bool borrow_objects(const std::filesystem::path& git_dir, const Repository& source);

}  // namespace culprit::vcs
