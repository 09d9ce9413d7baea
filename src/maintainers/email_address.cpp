#include "maintainers/email_address.h"

#include <algorithm>

namespace culprit::maintainers {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool plain_name_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ' ' || c == '-';
}

// Text between `open` and the last '>' holding an '@' after its first
// character; that is how far a greedy "<(.+@.*)>" reaches.
std::string_view bracketed_address(std::string_view rest) {
  auto gt = rest.rfind('>');
  if (gt == std::string_view::npos) return {};
  auto inside = rest.substr(0, gt);
  auto at = inside.find('@', 1);
  if (inside.empty() || at == std::string_view::npos) return {};
  return inside;
}

}  // namespace

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

std::string display_name(std::string_view name) {
  name = trim_ws(name);
  if (!name.empty() && name.front() == '"') name.remove_prefix(1);
  if (!name.empty() && name.back() == '"') name.remove_suffix(1);
  if (std::all_of(name.begin(), name.end(),
                  [](char c) { return plain_name_char(static_cast<unsigned char>(c)); }))
    return std::string(name);
  std::string out = "\"";
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '"' && (i == 0 || name[i - 1] != '\\')) out += '\\';
    out += name[i];
  }
  out += '"';
  return out;
}

NameAddress parse_email(std::string_view text) {
  NameAddress out;
  std::string_view name, address;
  auto lt = text.find('<');
  if (lt != std::string_view::npos && !trim_ws(text.substr(0, lt)).empty()) {
    address = bracketed_address(text.substr(lt + 1));
    if (!address.empty()) name = text.substr(0, lt);
  }
  if (address.empty() && lt != std::string_view::npos && trim_ws(text.substr(0, lt)).empty())
    address = bracketed_address(text.substr(lt + 1));
  if (address.empty()) {
    // A bare address: everything up to the last '@' and the word after it.
    auto at = text.rfind('@');
    if (at != std::string_view::npos && at > 0) {
      auto end = at + 1;
      while (end < text.size() && !is_space(text[end])) ++end;
      address = text.substr(0, end);
    }
  }
  if (address.empty()) return out;
  out.address = std::string(trim_ws(address));
  out.name = display_name(name);
  return out;
}

std::string format_email(std::string_view name, std::string_view address) {
  auto n = display_name(name);
  auto a = trim_ws(address);
  if (n.empty()) return std::string(a);
  return n + " <" + std::string(a) + ">";
}

}  // namespace culprit::maintainers
