// The kernel's MAINTAINERS format: sections of "T:\tvalue" entries, each
// under a one-line header. Parsing never fails: whatever does not fit is
// kept the way get_maintainer.pl would read it and reported as a Problem.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace culprit::maintainers {

struct Entry {
  char type = 0;      // 'M', 'R', 'L', 'S', 'F', 'X', 'N', 'K', ...
  std::string value;  // after the colon, leading blanks removed, nothing else touched
  int line = 0;       // 1-based
  // Position among the file's records (lines that are neither blank nor
  // comments), counted from 0: get_maintainer.pl orders keyword hits by it.
  int record = 0;
};

struct Section {
  std::string name;  // the header line; empty when entries come before any header
  int line = 0;      // line of the header (of the first entry when there is none)
  std::vector<Entry> entries;

  // The S: value ("Maintained", "Orphan", ...), empty when there is none.
  std::string status() const;
  bool is_the_rest() const { return name == "THE REST"; }
};

struct Problem {
  int line = 0;
  std::string message;
};

struct MaintainersFile {
  std::vector<Section> sections;
  std::vector<Problem> problems;
};

MaintainersFile parse_maintainers(std::string_view text);

// "MAINTAINERS:12: message" lines for the user.
std::string describe(const Problem& problem, std::string_view file_name = "MAINTAINERS");

}  // namespace culprit::maintainers
