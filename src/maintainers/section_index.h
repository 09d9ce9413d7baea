// Which MAINTAINERS sections cover a file, by get_maintainer.pl's rules:
// F: patterns are globs that match a path prefix with the same number of
// '/' (a trailing '/' or an existing directory covers everything below),
// X: excludes the whole section, N: is a regex anywhere in the path, K: a
// regex anywhere in the file's text. A section's specificity is the depth of
// its last matching pattern; the deepest sections come first.
#pragma once

#include <re2/re2.h>
#include <re2/set.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "maintainers/maintainers_file.h"

namespace culprit::maintainers {

// Is this tree path (no trailing '/') a directory? get_maintainer.pl asks the
// file system for every F:/X: pattern without glob characters or dots.
using DirectoryProbe = std::function<bool(const std::string& path)>;

class SectionIndex {
 public:
  // Keeps no reference to `file`; the section numbers it returns are its.
  SectionIndex(const MaintainersFile& file, DirectoryProbe is_directory);
  ~SectionIndex();
  SectionIndex(SectionIndex&&) noexcept;
  SectionIndex& operator=(SectionIndex&&) noexcept;

  // Sections covering `path` (relative to the tree's top, '/' at the end for
  // a directory), most specific first; equally specific ones in file order.
  std::vector<std::size_t> sections_for(std::string_view path) const;
  // K: entries (numbered from 0 in file order) whose regex occurs in `text`.
  std::vector<std::size_t> keywords_in(std::string_view text) const;
  // The sections of keyword hits gathered over all files, in the order
  // get_maintainer.pl takes them: by the decimal text of the entry's record
  // number, each entry once.
  std::vector<std::size_t> sections_of_keywords(std::vector<std::size_t> keywords) const;
  bool has_keywords() const { return !keywords_.empty(); }

  // Patterns that could not be compiled (reported with their lines).
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  struct Pattern;
  struct Keyword {
    std::size_t section;
    std::string order;  // record number as text
  };
  bool matches(const Pattern& p, std::string_view path, int path_slashes) const;

  std::vector<Pattern> patterns_;
  // Literal text a path must start with -> patterns; "" holds those that
  // must always be tried.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, std::vector<std::uint32_t>, Hash, std::equal_to<>> by_prefix_;
  std::vector<Keyword> keywords_;
  std::unique_ptr<RE2::Set> keyword_set_;
  DirectoryProbe is_directory_;
  mutable std::unordered_map<std::string, bool> directory_cache_;
  std::vector<Problem> problems_;
};

}  // namespace culprit::maintainers
