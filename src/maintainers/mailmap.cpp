#include "maintainers/mailmap.h"

#include <re2/re2.h>

#include "maintainers/byte_regex.h"
#include "maintainers/email_address.h"
#include "util/text.h"

namespace culprit::maintainers {
namespace {

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

}  // namespace

Mailmap::Mailmap(std::string_view text) {
  // The four shapes of git-shortlog(1), tried in this order.
  static const RE2 kProper(R"(^([^<]+)<([^>]+)>$)", byte_regex_options());
  static const RE2 kAddressOnly(R"(^<([^>]+)>\s*<([^>]+)>$)", byte_regex_options());
  static const RE2 kNameForAddress(R"(^(.+)<([^>]+)>\s*<([^>]+)>$)", byte_regex_options());
  static const RE2 kNameAndAddress(R"(^(.+)<([^>]+)>\s*(.+)\s*<([^>]+)>$)", byte_regex_options());
  for (auto raw : split_lines(text)) {
    std::string_view line = raw.substr(0, raw.find('#'));
    line = trim(line);
    if (line.empty()) continue;
    std::string a, b, c, d;
    if (RE2::FullMatch(line, kProper, &a, &b)) {
      auto who = parse_email(rtrim(a) + " <" + b + ">");
      names_[who.address] = who.name;
    } else if (RE2::FullMatch(line, kAddressOnly, &a, &b)) {
      addresses_[b] = a;
    } else if (RE2::FullMatch(line, kNameForAddress, &a, &b, &c)) {
      auto who = parse_email(rtrim(a) + " <" + b + ">");
      names_[c] = who.name;
      addresses_[c] = who.address;
    } else if (RE2::FullMatch(line, kNameAndAddress, &a, &b, &c, &d)) {
      auto real = parse_email(rtrim(a) + " <" + b + ">");
      auto wrong = parse_email(rtrim(c) + " <" + d + ">");
      auto key = format_email(wrong);
      names_[key] = real.name;
      addresses_[key] = real.address;
    }
  }
}

std::string Mailmap::map(std::string_view email) const {
  auto who = parse_email(email);
  auto key = format_email(who);
  auto name = who.name, address = who.address;
  auto n = names_.find(key);
  auto a = addresses_.find(key);
  if (n == names_.end() && a == addresses_.end()) {
    n = names_.find(who.address);
    a = addresses_.find(who.address);
  }
  if (n != names_.end()) name = n->second;
  if (a != addresses_.end()) address = a->second;
  return format_email(name, address);
}

}  // namespace culprit::maintainers
