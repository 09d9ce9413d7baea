// The table of Linux oops families: for each header that starts a report,
// the formats that title it (patterns, title template, alternative titles)
// and the rules for picking the reporting function from its stack traces.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "report/pattern.h"

namespace culprit::report {

// How the reporting frame is chosen among the frames left after skipping.
enum class FrameChoice {
  kFirst,     // the first frame
  kStall,     // the frame above the first dispatch point (syscall, work item, timer)
  kHungTask,  // rtnl_lock / synchronize_rcu buckets, else the first non-waiting frame
};

struct StackRule {
  // Consecutive steps over the report's lines: a pattern advances to the
  // first line it matches (yielding its captured frame, if any); a null
  // entry parses a stack trace there. parts2 is tried when parts fail.
  std::vector<Pattern> parts;
  std::vector<Pattern> parts2;
  Pattern skip;  // frames to pass over (the common list plus the family's own)
  FrameChoice choice = FrameChoice::kFirst;
};

struct OopsFormat {
  Pattern title;   // found anywhere in the report
  Pattern report;  // optional: must match too, else the report is corrupted
  // Title template: {N} is the Nth captured group (title or report pattern),
  // followed by the frames the stack rule yields.
  std::string fmt;
  std::vector<std::string> alt;
  std::unique_ptr<StackRule> stack;
  bool no_stack_trace = false;  // the report has no call trace by nature
  bool corrupted = false;       // matching this format means a mangled report
};

struct OopsFamily {
  std::string header;  // a line holding this starts a report
  std::vector<OopsFormat> formats;
  Pattern suppressions;  // lines that hold the header but are not oopses
};

// Patterns shared by all stack traces.
struct StackSyntax {
  Pattern stack_start;                    // "Call Trace", "Freed by task N:", "backtrace:"...
  std::vector<Pattern> stack_start_each;  // the same, one by one; the last is riscv's register dump
  std::vector<Pattern> frame;             // a frame line, capturing the function
  Pattern corrupted_line;                 // lines that mean another report got mixed in
  std::vector<std::string> strip_prefixes;  // syscall wrappers: __x64_sys_foo -> sys_foo
};

const std::vector<OopsFamily>& kernel_oops_families();
const StackSyntax& stack_syntax();
// Frames every family passes over (printing, checking, allocating, locking):
// where a report is raised, not where the bug is. Matched anywhere in a name.
const RE2& common_frame_skips();
// Oops lines in the middle of a report that do not start a second report.
const RE2& report_start_ignores();
// Messages with a stack trace that are not bugs themselves.
const std::vector<std::string>& info_messages_with_stack();

}  // namespace culprit::report
