#include "maintainers/file_emails.h"

#include <re2/re2.h>

#include "maintainers/byte_regex.h"
#include "maintainers/email_address.h"

namespace culprit::maintainers {
namespace {

// Bytes get_maintainer.pl counts as name letters: ASCII letters and, since
// its source spells the range "À-ÿ" in UTF-8 bytes, 0x80-0xC3.
bool name_letter(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0x80 && c <= 0xC3);
}
bool name_char(unsigned char c) {
  return name_letter(c) || c == '\'' || c == ',' || c == '.' || c == '+' || c == '-';
}
bool comma_or_dot(char c) { return c == ',' || c == '.'; }

// Splits on non-name characters; empty words at the end are dropped.
std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words(1);
  for (char c : name) {
    if (name_char(static_cast<unsigned char>(c)))
      words.back() += c;
    else
      words.emplace_back();
  }
  while (!words.empty() && words.back().empty()) words.pop_back();
  return words;
}

bool is_initial(const std::string& w) {
  return (w.size() == 1 && ((w[0] >= 'A' && w[0] <= 'Z') || (w[0] >= 'a' && w[0] <= 'z'))) ||
         (w.size() == 2 && w[1] == '.');
}

// Keeps the last two or three words of the text before an address.
std::string clean_name(std::string name) {
  auto words = name_words(name);
  if (words.size() > 2) {
    const auto& first = words[words.size() - 3];
    const auto& middle = words[words.size() - 2];
    const auto& last = words.back();
    bool short_middle = middle.size() == 1 || (middle.size() == 2 && middle[1] == '.');
    name = (is_initial(first) || short_middle) ? first + " " + middle + " " + last
                                               : middle + " " + last;
  }
  if (!name.empty() && comma_or_dot(name.back()))
    name.pop_back();
  else if (name.size() >= 2 && comma_or_dot(name[name.size() - 2]) && name.back() == '"')
    name.erase(name.size() - 2, 1);
  if (!name.empty() && comma_or_dot(name.front()))
    name.erase(0, 1);
  else if (name.size() >= 2 && name[0] == '"' && comma_or_dot(name[1]))
    name.erase(1, 1);
  return name;
}

}  // namespace

std::vector<std::string> emails_in_text(std::string_view text) {
  static const RE2 kCandidate(
      "([A-Za-z\\x{80}-\\x{C3}\"' "
      ",.+-]*\\s*,*\\s*[(<{]?[A-Za-z0-9_.+-]+@[A-Za-z0-9.-]+\\.[A-Za-z0-9]+[)>}]?)",
      byte_regex_options());
  static const RE2 kAddress("[(<{]?([A-Za-z0-9_.+-]+@[A-Za-z0-9.-]+)[)>}]?", byte_regex_options());
  std::vector<std::string> out;
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece found;
  while (RE2::FindAndConsume(&input, kCandidate, &found) && !found.empty()) {
    std::string candidate(found.data(), found.size());
    RE2::GlobalReplace(&candidate, kAddress, "<\\1>");
    auto who = parse_email(candidate);
    out.push_back(format_email(clean_name(who.name), who.address));
  }
  return out;
}

}  // namespace culprit::maintainers
