// Picks the reporting function out of an oops's stack traces, following a
// family's StackRule: skip generic frames, strip syscall wrapper prefixes,
// and for stalls and hangs look past the looping or waiting code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/oops_table.h"

namespace culprit::report {

struct ExtractedFrame {
  std::string canonical;  // as it goes into the title ("sys_ioctl")
  std::string raw;        // as printed ("__x64_sys_ioctl")
};

// Frames chosen from `text` (the report from the title match on), one per
// stack the rule parses. Returns false when a stack yields no usable frame
// (its frame is then "corrupted") or a foreign stack got mixed in.
bool extract_frames(const StackRule& rule, std::string_view text,
                    std::vector<ExtractedFrame>* frames);

// The frame name without syscall wrapper prefixes (the shortest stripping).
std::string strip_frame_prefix(const std::string& frame);

}  // namespace culprit::report
