// Who to tell: the kernel's MAINTAINERS format and get_maintainer.pl's rules,
// plus the people named in a commit (author and trailers).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "maintainers/lookup.h"
#include "vcs/repository.h"

namespace culprit::maintainers {

struct Recipients {
  std::vector<std::string> to;  // "Name <addr>" for people, bare address for lists
  std::vector<std::string> cc;
};

// syzbot's split of get_maintainer.pl's answer: maintainers of Supported or
// Maintained sections and subsystem lists in To; reviewers, maintainers of
// Odd Fixes/Orphan/Obsolete sections, addresses from files, and the general
// kernel list (when a subsystem list is there) in Cc; stable@ never.
Recipients split_recipients(const std::vector<Contact>& contacts);

// "Name <addr>" people of a commit message's Signed-off-by, Reviewed-by,
// Acked-by, Tested-by, Reported-by and Co-developed-by trailers.
std::vector<std::string> trailer_people(std::string_view message);

// Recipients of a commit: its author and trailers, plus maintainers,
// reviewers and lists of the files it changes, from the MAINTAINERS file in
// the tree at that commit (author and trailers only when there is none).
// Deduplicated by address (To wins), each list sorted by address.
Recipients commit_recipients(const vcs::Repository& repo, const std::string& hash);

}  // namespace culprit::maintainers
