// get_maintainer.pl's answer for a list of files, natively: the people and
// lists of the sections covering each file (most specific first), of the
// sections whose keywords occur in the files, and the addresses written in
// .yaml files; mapped through .mailmap and deduplicated the way it does, in
// its order. Git history is not consulted (its --nogit --nogit-fallback).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maintainers/mailmap.h"
#include "maintainers/maintainers_file.h"
#include "maintainers/section_index.h"

namespace culprit::maintainers {

enum class Role {
  kMaintainer,  // M:
  kReviewer,    // R:
  kList,        // L:
  kFileEmail,   // written in the file itself
};

struct Contact {
  std::string email;  // as get_maintainer.pl prints it: "Name <addr>" or a bare address
  Role role = Role::kMaintainer;
  std::string status;    // the naming section's S:, lower case ("maintained", "orphan", ...)
  std::string section;   // the naming section's header
  bool general = false;  // a list of THE REST section (the whole kernel's list)
};

// The files of the tree being asked about.
struct SourceTree {
  DirectoryProbe is_directory;
  // A regular file's content, nothing for directories and missing files.
  std::function<std::optional<std::string>(const std::string& path)> read;
};

// A checked-out tree on disk.
SourceTree source_tree_on_disk(const std::filesystem::path& top);

class MaintainersDatabase {
 public:
  MaintainersDatabase(std::string_view maintainers_text, std::string_view mailmap_text,
                      SourceTree tree);

  // `files` relative to the tree's top, directories with a trailing '/'.
  std::vector<Contact> lookup(const std::vector<std::string>& files) const;

  const MaintainersFile& file() const { return file_; }
  // Parse problems and patterns that could not be compiled, by line.
  std::vector<Problem> problems() const;

 private:
  MaintainersFile file_;
  SourceTree tree_;
  SectionIndex index_;
  Mailmap mailmap_;
};

}  // namespace culprit::maintainers
