#include "build/build_error.h"

#include <array>

#include "util/text.h"

namespace culprit::build {
namespace {

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Diagnostics of gcc/clang ("f.c:3:5: error:", "cc1: fatal error:",
// "collect2: error:"), gas ("f.s:3: Error:"), ld, rustc ("error[E0308]:")
// and kbuild's modpost ("ERROR: modpost:").
bool is_tool_error(std::string_view line) {
  static constexpr std::array<std::string_view, 4> kInside = {
      ": error: ", ": fatal error: ", ": Error: ", "undefined reference to "};
  static constexpr std::array<std::string_view, 5> kStart = {"error: ", "error[",
                                                             "fatal error: ", "Error: ", "ERROR: "};
  for (auto part : kInside)
    if (contains(line, part)) return true;
  for (auto prefix : kStart)
    if (starts_with(line, prefix)) return true;
  return false;
}

// make and ninja only say which target failed; the compiler said why.
bool is_build_tool_failure(std::string_view line) {
  return contains(line, ": *** ") || starts_with(line, "FAILED: ");
}

}  // namespace

std::string first_build_error(std::string_view log) {
  std::string_view build_tool;
  std::string_view last;
  for (auto raw : split_lines(log)) {
    auto line = trim(raw);
    if (line.empty()) continue;
    if (is_tool_error(line)) return std::string(line);
    if (build_tool.empty() && is_build_tool_failure(line)) build_tool = line;
    last = line;
  }
  return std::string(build_tool.empty() ? last : build_tool);
}

std::optional<std::string> machine_failure(const ProcessResult& p, double timeout_seconds,
                                           std::string_view program) {
  if (p.start_failed) return std::string(program) + " could not start";
  if (p.timed_out)
    return "build timed out after " + format_duration(timeout_seconds) +
           " (a loaded machine, or raise --build-timeout)";
  if (p.signal) return std::string(program) + " was killed by signal " + std::to_string(p.signal);
  // The shell reports a command the OOM killer ended as status 128+9.
  if (p.exit_code == 128 + 9) return std::string(program) + " was killed (SIGKILL: out of memory?)";
  // What compilers, linkers and the C library say when the machine, not the
  // source, is at fault.
  static constexpr std::array<std::string_view, 7> kMachine = {"No space left on device",
                                                               "Cannot allocate memory",
                                                               "virtual memory exhausted",
                                                               "Killed signal terminated program",
                                                               "internal compiler error: Killed",
                                                               "terminated with signal 9",
                                                               "Disk quota exceeded"};
  for (auto raw : split_lines(p.output)) {
    auto line = trim(raw);
    for (auto part : kMachine)
      if (contains(line, part)) return std::string(line);
  }
  return std::nullopt;
}

std::optional<std::string> build_failure(const ProcessResult& p, double timeout_seconds,
                                         std::string_view program) {
  if (p.start_failed) return std::string(program) + " could not start";
  if (p.timed_out) return "build timed out after " + format_duration(timeout_seconds);
  if (p.status() == 0) return std::nullopt;
  std::string line = first_build_error(p.output);
  if (line.empty())
    line = std::string(program) + " exited with status " + std::to_string(p.status());
  return line;
}

}  // namespace culprit::build
