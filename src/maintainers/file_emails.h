// Addresses written inside a file. get_maintainer.pl adds those of .yaml
// files (device-tree bindings name their own maintainers), cleaning the
// words before each address down to a plausible person's name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace culprit::maintainers {

// "Name <addr>" or bare addresses, in the order they appear (repeats kept).
std::vector<std::string> emails_in_text(std::string_view text);

}  // namespace culprit::maintainers
