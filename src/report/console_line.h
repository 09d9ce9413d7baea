// One line of a serial console log, with the printk prefix taken apart:
// "[  772.918915][ T123] text" has the timestamp, the caller id (the
// "context" that tells interleaved CPUs and tasks apart) and the text.
#pragma once

#include <cstddef>
#include <string_view>

namespace culprit::report {

struct ConsoleLine {
  std::size_t begin = 0;  // offset of the line in the log
  std::size_t end = 0;    // offset of its '\n' (or the log's end)
  std::string_view raw;   // the line without '\n' and a trailing '\r'
  // "" without a timestamp, "console" with a timestamp but no caller id,
  // else the caller id as printed, e.g. "[ T123]" or "[    C1]".
  std::string_view context;
  std::string_view text;  // the line without the printk prefix
  // An unreliable stack frame ("? foo+0x1/0x2") or powerpc "(unreliable)"
  // frame: text is reduced to the frame and it is left out of reports.
  bool questionable = false;
};

// The line that starts at `begin` (which must be a line start).
ConsoleLine console_line_at(std::string_view log, std::size_t begin);

// Offset where the line holding `pos` starts.
std::size_t line_start(std::string_view log, std::size_t pos);

// Whether a context is a CPU (interrupt) context such as "[ C1]".
bool is_cpu_context(std::string_view context);
bool is_task_context(std::string_view context);

}  // namespace culprit::report
