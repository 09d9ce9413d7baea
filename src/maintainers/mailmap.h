// The tree's .mailmap as get_maintainer.pl applies it to the addresses it
// prints: by "Name <addr>" first, then by the bare address.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

namespace culprit::maintainers {

class Mailmap {
 public:
  Mailmap() = default;
  explicit Mailmap(std::string_view text);

  // "Name <addr>" (or a bare address) with the mapped name and address.
  std::string map(std::string_view email) const;
  bool empty() const { return names_.empty() && addresses_.empty(); }

 private:
  // Keys are a bare address or a formatted "Name <addr>".
  std::unordered_map<std::string, std::string> names_;
  std::unordered_map<std::string, std::string> addresses_;
};

}  // namespace culprit::maintainers
