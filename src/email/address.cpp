#include "email/address.h"

#include <algorithm>
#include <set>

#include "email/mime.h"
#include "util/text.h"

namespace culprit::email {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool plausible_address(std::string_view a) {
  auto at = a.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == a.size() ||
      a.find('@', at + 1) != std::string_view::npos)
    return false;
  return std::none_of(a.begin(), a.end(), [](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == ',' || c == '"' || c == '(' ||
           c == ')' || c == ';' || c == '\\';
  });
}

std::string unquote(std::string_view name) {
  name = trim(name);
  if (name.size() < 2 || name.front() != '"' || name.back() != '"') return std::string(name);
  std::string out;
  for (std::size_t i = 1; i + 1 < name.size(); ++i) {
    if (name[i] == '\\' && i + 2 < name.size()) ++i;
    out += name[i];
  }
  return out;
}

}  // namespace

std::optional<Mailbox> parse_mailbox(std::string_view text) {
  text = trim(text);
  Mailbox m;
  auto open = text.rfind('<');
  if (open != std::string_view::npos) {
    auto close = text.find('>', open);
    if (close == std::string_view::npos || !trim(text.substr(close + 1)).empty())
      return std::nullopt;
    m.name = unquote(text.substr(0, open));
    m.address = std::string(trim(text.substr(open + 1, close - open - 1)));
  } else {
    m.address = std::string(text);
  }
  if (!plausible_address(m.address)) return std::nullopt;
  return m;
}

std::vector<Mailbox> parse_mailbox_list(std::string_view text) {
  std::vector<Mailbox> out;
  bool quoted = false, bracket = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ',';
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    if (c == '<') bracket = true;
    if (c == '>') bracket = false;
    if (c == ',' && !bracket) {
      if (auto m = parse_mailbox(text.substr(start, i - start))) out.push_back(*m);
      start = i + 1;
    }
  }
  return out;
}

std::string format_mailbox(const Mailbox& mailbox) {
  if (mailbox.name.empty()) return mailbox.address;
  std::string name = mailbox.name;
  bool ascii = std::all_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!ascii) return encode_header_text(name) + " <" + mailbox.address + ">";
  // RFC 5322 atoms cannot hold these: quote the whole name.
  if (name.find_first_of("()<>[]:;@\\,.\"") != std::string::npos) {
    std::string quoted = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    name = quoted + "\"";
  }
  return name + " <" + mailbox.address + ">";
}

bool never_mailed(std::string_view address) { return lower(address).starts_with("stable@"); }

RecipientLists clean_recipients(const std::vector<std::string>& to,
                                const std::vector<std::string>& cc,
                                std::vector<std::string>* rejected) {
  RecipientLists out;
  std::set<std::string> seen;
  for (auto [list, into] : {std::pair{&to, &out.to}, {&cc, &out.cc}})
    for (const auto& entry : *list) {
      auto m = parse_mailbox(entry);
      if (!m) {
        if (rejected) rejected->push_back(entry);
        continue;
      }
      if (never_mailed(m->address) || !seen.insert(lower(m->address)).second) continue;
      into->push_back(*m);
    }
  return out;
}

}  // namespace culprit::email
