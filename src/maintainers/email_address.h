// E-mail addresses as MAINTAINERS, .mailmap and get_maintainer.pl write
// them: "Name <address>", with names quoted when they hold anything beyond
// ASCII letters, digits, '_', ' ' and '-' (so output matches byte for byte).
#pragma once

#include <string>
#include <string_view>

namespace culprit::maintainers {

struct NameAddress {
  std::string name;  // display form: already quoted where needed; may be empty
  std::string address;
};

// Splits "Name <addr>", "<addr>" or "addr trailing words"; the address is
// empty when the text holds none.
NameAddress parse_email(std::string_view text);

// "Name <addr>", or the bare address when there is no name.
std::string format_email(std::string_view name, std::string_view address);
inline std::string format_email(const NameAddress& who) {
  return format_email(who.name, who.address);
}

// Trimmed, outer quotes dropped, re-quoted (inner quotes escaped) if needed.
std::string display_name(std::string_view name);

std::string lower(std::string_view s);

}  // namespace culprit::maintainers
