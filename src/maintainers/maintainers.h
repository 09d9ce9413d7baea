// Who to tell: the kernel's MAINTAINERS format and get_maintainer.pl's rules,
// plus the people named in a commit (author and trailers).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vcs/repository.h"

namespace culprit::maintainers {

struct Recipients {
  std::vector<std::string> to;  // "Name <addr>" for people, bare address for lists
  std::vector<std::string> cc;
};

// Recipients of a commit: its author and trailers, plus maintainers,
// reviewers and lists of the files it changes, from the MAINTAINERS file in
// the tree at that commit (author and trailers only when there is none).
Recipients commit_recipients(const vcs::Repository& repo, const std::string& hash);

}  // namespace culprit::maintainers
