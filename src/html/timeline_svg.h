// The picture of a bisection: the range as a timeline of commits (oldest on
// the left), each tested commit marked good/bad/skip with its test order
// number, and one band per step showing the candidates left after it.
// Untested stretches are compressed so that a range of thousands of commits
// stays readable at page width.
#pragma once

#include <string>
#include <vector>

#include "html/report_data.h"

namespace culprit::html {

struct TimelineLayout {
  std::vector<double> x;     // centre of each commit, in SVG units
  std::vector<double> half;  // half the width a commit occupies
  struct Stretch {
    std::size_t first = 0, count = 0;  // untested commits [first, first+count)
    double x0 = 0, x1 = 0;
    bool compressed = false;  // drawn narrower than the others
  };
  std::vector<Stretch> stretches;
  double tested_width = 0;
};

// Places n commits between x0 and x1; `tested` commits get a readable slot.
TimelineLayout layout_timeline(const std::vector<bool>& tested, double x0, double x1);

// Inline SVG (no scripts, no external references); empty when the timeline
// has no commits.
std::string timeline_svg(const ReportData& data);

}  // namespace culprit::html
