#include "maintainers/maintainers_file.h"

#include <optional>
#include <string_view>

#include "maintainers/email_address.h"

namespace culprit::maintainers {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// "T:<blanks>value" with T an upper-case letter: the only shape
// get_maintainer.pl treats as an entry.
std::optional<Entry> as_entry(std::string_view line) {
  if (line.size() < 2 || line[0] < 'A' || line[0] > 'Z' || line[1] != ':') return std::nullopt;
  std::string_view value = line.substr(2);
  while (!value.empty() && is_blank(value.front())) value.remove_prefix(1);
  Entry e;
  e.type = line[0];
  e.value = std::string(value);
  return e;
}

bool is_blank_or_comment(std::string_view line) {
  while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
  return line.empty() || line.front() == '#';
}

// A header that was most likely meant as an entry ("F drivers/x", "f: x",
// "F :x"): get_maintainer.pl reads it as the start of a new section.
bool looks_like_broken_entry(std::string_view line) {
  if (line.size() < 2) return false;
  char c = line[0];
  bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  if (!letter) return false;
  if (line[1] == ':') return true;  // lower-case type
  std::size_t i = 1;
  while (i < line.size() && is_blank(line[i])) ++i;
  if (i > 1 && i < line.size() && line[i] == ':') return true;  // blank before the colon
  return line[1] == '\t';
}

constexpr std::string_view kKnownTypes = "MRLSWQBCPTFXNK";
constexpr std::string_view kStatuses[] = {"supported",
                                          "maintained",
                                          "odd fixes",
                                          "orphan / obsolete",
                                          "orphan",
                                          "obsolete",
                                          "buried alive in reporters"};

class Parser {
 public:
  MaintainersFile run(std::string_view text) {
    int line_no = 0;
    int record = 0;
    while (!text.empty() || line_no == 0) {
      auto nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      ++line_no;
      if (auto e = as_entry(line)) {
        e->line = line_no;
        e->record = record++;
        add_entry(std::move(*e));
      } else if (!is_blank_or_comment(line)) {
        ++record;
        start_header(line, line_no);
      }
      if (text.empty()) break;
    }
    finish_section();
    return std::move(out_);
  }

 private:
  void start_header(std::string_view line, int line_no) {
    finish_section();
    if (header_ && seen_section_)
      problem(header_line_, "section header '" + header_text_ + "' has no entries");
    if (looks_like_broken_entry(line))
      problem(line_no, "'" + std::string(line) +
                           "' is not an entry ('T:' and a value): it is read as a section header");
    header_ = true;
    header_text_ = std::string(line);
    header_line_ = line_no;
  }

  void add_entry(Entry e) {
    if (!current_) {
      current_.emplace();
      if (header_) {
        current_->name = header_text_;
        current_->line = header_line_;
      } else {
        current_->line = e.line;
        problem(e.line, "entry before any section header");
      }
      header_ = false;
    }
    check(e);
    current_->entries.push_back(std::move(e));
  }

  void check(const Entry& e) {
    std::string tag = std::string(1, e.type) + ":";
    if (kKnownTypes.find(e.type) == std::string_view::npos)
      problem(e.line, "unknown entry type '" + tag + "'");
    if (e.value.empty()) {
      problem(e.line, "empty '" + tag + "' entry");
      return;
    }
    if ((e.type == 'F' || e.type == 'X') && is_blank(e.value.back()))
      problem(e.line,
              "trailing blanks in '" + tag + "' pattern (get_maintainer.pl never matches it)");
    if ((e.type == 'M' || e.type == 'R' || e.type == 'L') && parse_email(e.value).address.empty())
      problem(e.line, "no e-mail address in '" + tag + "' entry");
    if (e.type == 'L' &&
        e.value.substr(0, e.value.find_first_of(" \t")).find('@') == std::string::npos)
      problem(e.line, "a list's address is its first word, and '" +
                          e.value.substr(0, e.value.find_first_of(" \t")) + "' is none");
    if (e.type == 'S') {
      bool known = false;
      for (auto s : kStatuses) known = known || lower(e.value) == s;
      if (!known) problem(e.line, "unknown status '" + e.value + "'");
      for (const auto& prior : current_->entries)
        if (prior.type == 'S') problem(e.line, "more than one 'S:' entry (the last one counts)");
    }
  }

  void finish_section() {
    if (!current_) return;
    out_.sections.push_back(std::move(*current_));
    current_.reset();
    seen_section_ = true;
  }

  void problem(int line, std::string message) {
    out_.problems.push_back({line, std::move(message)});
  }

  MaintainersFile out_;
  std::optional<Section> current_;
  bool header_ = false;
  bool seen_section_ = false;
  std::string header_text_;
  int header_line_ = 0;
};

}  // namespace

std::string Section::status() const {
  std::string s;
  for (const auto& e : entries)
    if (e.type == 'S') s = e.value;
  return s;
}

MaintainersFile parse_maintainers(std::string_view text) { return Parser().run(text); }

std::string describe(const Problem& problem, std::string_view file_name) {
  return std::string(file_name) + ":" + std::to_string(problem.line) + ": " + problem.message;
}

}  // namespace culprit::maintainers
