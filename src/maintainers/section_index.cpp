#include "maintainers/section_index.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

#include "maintainers/byte_regex.h"

namespace culprit::maintainers {

struct SectionIndex::Pattern {
  std::size_t section = 0;
  std::size_t entry = 0;
  char type = 0;  // 'F', 'X' or 'N'
  std::string literal;
  std::unique_ptr<RE2> regex;  // when not a plain literal
  int slashes = 0;
  bool trailing_slash = false;
  bool may_be_directory = false;
  int depth = 0;
};

namespace {

constexpr std::string_view kRegexChars = "*?[](){}+|^$\\";

int count_slashes(std::string_view s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '/'));
}

// get_maintainer.pl turns a pattern into a regex by escaping '.', and
// making '*' ".*" and '?' "."; everything else is already regex syntax.
std::string glob_to_regex(std::string_view glob) {
  std::string out;
  for (char c : glob) {
    if (c == '.')
      out += "\\.";
    else if (c == '*')
      out += ".*";
    else if (c == '?')
      out += '.';
    else
      out += c;
  }
  return out;
}

// The literal text every path the pattern matches starts with.
std::string required_prefix(std::string_view glob) {
  if (glob.find('|') != std::string_view::npos) return "";
  auto meta = glob.find_first_of(kRegexChars);
  if (meta == std::string_view::npos) return std::string(glob);
  std::string prefix(glob.substr(0, meta));
  // A quantifier may make the character before it optional or repeat it.
  if ((glob[meta] == '+' || glob[meta] == '{') && !prefix.empty()) prefix.pop_back();
  return prefix;
}

}  // namespace

SectionIndex::SectionIndex(const MaintainersFile& file, DirectoryProbe is_directory)
    : is_directory_(std::move(is_directory)) {
  RE2::Options set_options = byte_regex_options();
  set_options.set_max_mem(256 << 20);
  keyword_set_ = std::make_unique<RE2::Set>(set_options, RE2::UNANCHORED);
  for (std::size_t s = 0; s < file.sections.size(); ++s) {
    const auto& entries = file.sections[s].entries;
    for (std::size_t e = 0; e < entries.size(); ++e) {
      const Entry& entry = entries[e];
      if (entry.type == 'K') {
        std::string error;
        if (keyword_set_->Add(strip_extended_layout(entry.value), &error) < 0)
          problems_.push_back(
              {entry.line, "K: regex '" + entry.value + "' not understood: " + error});
        else
          keywords_.push_back({s, std::to_string(entry.record)});
        continue;
      }
      if (entry.type != 'F' && entry.type != 'X' && entry.type != 'N') continue;
      Pattern p;
      p.section = s;
      p.entry = e;
      p.type = entry.type;
      std::string key;
      if (entry.type == 'N') {
        p.regex = std::make_unique<RE2>(strip_extended_layout(entry.value), byte_regex_options());
      } else {
        const std::string& glob = entry.value;
        p.slashes = count_slashes(glob);
        p.trailing_slash = !glob.empty() && glob.back() == '/';
        p.depth = glob.starts_with('*') ? -1 : p.slashes + (p.trailing_slash ? 0 : 1);
        key = required_prefix(glob);
        if (glob.find_first_of(kRegexChars) == std::string::npos) {
          p.literal = glob;
          p.may_be_directory =
              !p.trailing_slash && !glob.empty() && glob.find('.') == std::string::npos;
        } else {
          p.regex = std::make_unique<RE2>(glob_to_regex(glob), byte_regex_options());
        }
      }
      if (p.regex && !p.regex->ok()) {
        problems_.push_back({entry.line, std::string(1, entry.type) + ": pattern '" + entry.value +
                                             "' not understood: " + p.regex->error()});
        continue;
      }
      by_prefix_[key].push_back(static_cast<std::uint32_t>(patterns_.size()));
      patterns_.push_back(std::move(p));
    }
  }
  if (!keywords_.empty() && !keyword_set_->Compile()) {
    problems_.push_back({0, "K: regexes could not be compiled together"});
    keywords_.clear();
  }
}

SectionIndex::~SectionIndex() = default;
SectionIndex::SectionIndex(SectionIndex&&) noexcept = default;
SectionIndex& SectionIndex::operator=(SectionIndex&&) noexcept = default;

bool SectionIndex::matches(const Pattern& p, std::string_view path, int path_slashes) const {
  if (p.type == 'N') return RE2::PartialMatch(path, *p.regex);
  if (p.regex) {
    if (!p.regex->Match(path, 0, path.size(), RE2::ANCHOR_START, nullptr, 0)) return false;
  } else {
    if (!path.starts_with(p.literal)) return false;
    if (p.may_be_directory) {
      auto [it, fresh] = directory_cache_.try_emplace(p.literal, false);
      if (fresh) it->second = is_directory_ && is_directory_(p.literal);
      if (it->second) return path.size() > p.literal.size() && path[p.literal.size()] == '/';
    }
  }
  return p.trailing_slash || path_slashes == p.slashes;
}

std::vector<std::size_t> SectionIndex::sections_for(std::string_view path) const {
  struct Hit {
    std::size_t section, entry;
    int depth;
  };
  std::vector<Hit> hits;
  std::vector<std::size_t> excluded;
  int slashes = count_slashes(path);
  auto try_patterns = [&](const std::vector<std::uint32_t>& ids) {
    for (auto id : ids) {
      const Pattern& p = patterns_[id];
      if (!matches(p, path, slashes)) continue;
      if (p.type == 'X')
        excluded.push_back(p.section);
      else
        hits.push_back({p.section, p.entry, p.depth});
    }
  };
  for (std::size_t len = 0; len <= path.size(); ++len)
    if (auto it = by_prefix_.find(path.substr(0, len)); it != by_prefix_.end())
      try_patterns(it->second);

  // A section counts once, with the depth of its last matching entry.
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.section != b.section ? a.section < b.section : a.entry > b.entry;
  });
  std::vector<Hit> best;
  for (const Hit& h : hits) {
    if (!best.empty() && best.back().section == h.section) continue;
    if (std::find(excluded.begin(), excluded.end(), h.section) != excluded.end()) continue;
    best.push_back(h);
  }
  std::stable_sort(best.begin(), best.end(),
                   [](const Hit& a, const Hit& b) { return a.depth > b.depth; });
  std::vector<std::size_t> out;
  for (const Hit& h : best) out.push_back(h.section);
  return out;
}

std::vector<std::size_t> SectionIndex::keywords_in(std::string_view text) const {
  if (keywords_.empty()) return {};
  std::vector<int> found;
  keyword_set_->Match(text, &found);
  return {found.begin(), found.end()};
}

std::vector<std::size_t> SectionIndex::sections_of_keywords(
    std::vector<std::size_t> keywords) const {
  std::sort(keywords.begin(), keywords.end(),
            [&](std::size_t a, std::size_t b) { return keywords_[a].order < keywords_[b].order; });
  keywords.erase(std::unique(keywords.begin(), keywords.end()), keywords.end());
  std::vector<std::size_t> out;
  for (auto k : keywords) out.push_back(keywords_[k].section);
  return out;
}

}  // namespace culprit::maintainers
