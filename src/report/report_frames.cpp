#include "report/report_frames.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "report/oops_table.h"
#include "report/pattern.h"
#include "report/stack_frames.h"
#include "report/user_space.h"
#include "util/text.h"

namespace culprit::report {
namespace {

// The printk prefix a raw console line may still carry: "[  12.34][ T123] ".
std::string_view without_printk_prefix(std::string_view line) {
  static const RE2 re(R"(^\[ *[0-9]+\.[0-9]+\](?:\[ *[A-Z]*[0-9]+\])? ?)");
  re2::StringPiece in(line.data(), line.size());
  if (RE2::Consume(&in, re)) return {in.data(), in.size()};
  return line;
}

// ".isra.0", ".constprop.0", ".part.0", ".cold", ".lto_priv.0": copies the
// compiler made of one function.
std::string without_compiler_suffix(std::string name) {
  static const RE2 re(R"(\.(?:isra|constprop|part|cold|lto_priv|llvm)\b.*$)");
  RE2::Replace(&name, re, "");
  return name;
}

std::string file_without_line(std::string_view location) {
  static const RE2 re(R"(^(.*?):[0-9]+(?::[0-9]+)?$)");
  std::string file;
  if (RE2::FullMatch(location, re, &file)) return file;
  return "";
}

// Entry and scheduling code: every stack through a syscall, an interrupt, a
// work item or a kernel thread has some of them, and a waiting task has the
// scheduler's; they say nothing about which bug it is.
bool is_kernel_entry_frame(const std::string& function) {
  static const Pattern re = compile_pattern(
      "^(?:entry_SYSCALL|entry_INT80|do_syscall_|do_int80_syscall|__do_fast_syscall|do_fast_"
      "syscall|"
      "x64_sys_call$|ret_from_fork|kthread$|worker_thread$|process_one_work$|smpboot_thread_fn$|"
      "asm_|exc_page_fault$|do_user_addr_fault$|handle_mm_fault$|sysvec_|irq_exit|__irq_exit|"
      "__do_softirq$|do_softirq|handle_softirqs$|el0_|el1_|do_el0_svc|invoke_syscall|"
      "start_kernel$|secondary_startup|cpu_startup_entry$|do_idle$|schedule$|__schedule$|"
      "schedule_timeout$|schedule_preempt_disabled$|context_switch$|__switch_to|preempt_schedule)");
  return contains_match(*re, function);
}

// Program and thread entry: in every user-space stack.
bool is_user_entry_frame(std::string_view function) {
  static constexpr std::array<std::string_view, 7> kEntry = {
      "main",         "_start", "__libc_start_main", "__libc_start_call_main",
      "start_thread", "clone",  "__clone3"};
  return std::find(kEntry.begin(), kEntry.end(), function) != kEntry.end();
}

ReportFrame kernel_frame(const std::string& raw_function, const std::string& location, int stack) {
  ReportFrame f;
  f.function = strip_frame_prefix(without_compiler_suffix(raw_function));
  f.file = file_without_line(location);
  f.stack = stack;
  f.generic =
      contains_match(common_frame_skips(), raw_function) || is_kernel_entry_frame(f.function);
  return f;
}

// "#3 0x55d0c0de in foo(int) /src/x.cc:42:7 (prog+0x1234) (BuildId: ab)":
// the function and the source location; a frame naming only its module
// ("#1 0x7f.. (/lib/libc.so.6+0x29d8f)") has no function.
bool sanitizer_frame(std::string_view line, std::string* function, std::string* location) {
  static const RE2 head(R"(^\s*#[0-9]+\s+(?:0x[0-9a-fA-F]+\s+)?(?:in\s+)?(.*?)\s*$)");
  std::string rest;
  if (!RE2::FullMatch(line, head, &rest)) return false;
  static const RE2 trailer(R"(\s+\((?:BuildId: [0-9a-fA-F]+|[^()\s]*\+0x[0-9a-fA-F]+)\)$)");
  while (RE2::Replace(&rest, trailer, "")) {
  }
  if (rest.empty() || rest.front() == '(') {
    function->clear();
    location->clear();
    return true;
  }
  static const RE2 with_location(R"(^(.+?)\s+(\S+:[0-9]+(?::[0-9]+)?)$)");
  std::string fn, loc;
  if (!RE2::FullMatch(rest, with_location, &fn, &loc)) fn = rest;
  // C++ frames carry argument lists: the name only.
  if (auto paren = fn.find('(');
      paren != std::string::npos && paren > 0 && fn.compare(0, 9, "operator ") != 0)
    fn = fn.substr(0, paren);
  *function = without_compiler_suffix(fn);
  *location = loc;
  return true;
}

}  // namespace

std::vector<ReportFrame> report_frames(std::string_view report) {
  // "foo+0x1c/0x30", "[<ffffffff8123>] foo+0x1c/0x30 [ext4]", symbolized
  // "foo+0x1c/0x30 lib/x.c:12" and "foo lib/x.c:12 [inline]"; a line with
  // neither an offset nor a source line is not a frame.
  static const RE2 kernel(
      R"(^\s*(?:\[<?(?:0x)?[0-9a-f]+>?\]\s*){0,2}(\?\s+)?([A-Za-z_][A-Za-z0-9_.$]*)(\+0x[0-9a-f]+/0x[0-9a-f]+)?)"
      R"((?:\s+\[[A-Za-z0-9_.-]+\])?(?:\s+([A-Za-z0-9_./+-]+\.[A-Za-z]+:[0-9]+(?::[0-9]+)?))?)"
      R"((?:\s+\[inline\])?(?:\s+\([A-Z]\))?\s*$)");
  // arm: "[<8010e300>] (show_stack) from [<80b12478>] (dump_stack+0xa0/0xc0)".
  static const RE2 arm(
      R"(^\s*\[<[0-9a-f]+>\]\s*\(([A-Za-z_][A-Za-z0-9_.]*)(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?\) from )");
  // Where the CPU was: the faulting function, which a call trace leaves out.
  static const RE2 ip(
      R"((?:^|\s)(?:RIP|NIP|IP|pc|PC is at)\s*:?\s*(?:[0-9]+:)?(?:\[<?(?:0x)?[0-9a-f]+>?\]\s*){0,2})"
      R"(([A-Za-z_][A-Za-z0-9_.]*)\+0x[0-9a-f]+/0x[0-9a-f]+)");
  std::vector<ReportFrame> out;
  int stack = 0;
  bool in_stack = false;  // the current stack has frames
  std::optional<ReportFrame> ip_frame;
  for (auto raw : split_lines(report)) {
    auto line = without_printk_prefix(raw);
    std::string question, function, offset, location;
    if (!line.empty() && line.find('#') != std::string_view::npos &&
        sanitizer_frame(line, &function, &location)) {
      // "#0" starts a stack: the access, then "freed by ... here:", ...
      if (line.find("#0 ") != std::string_view::npos && in_stack) ++stack;
      in_stack = true;
      if (function.empty()) continue;
      ReportFrame f;
      f.function = function;
      f.file = file_without_line(location);
      f.stack = stack;
      f.generic = is_runtime_frame(function, location) || is_user_entry_frame(function);
      out.push_back(std::move(f));
      continue;
    }
    if (contains_match(*stack_syntax().stack_start, line)) {
      if (in_stack) ++stack;
      in_stack = false;
      continue;
    }
    if (RE2::PartialMatch(line, arm, &function)) {
      out.push_back(kernel_frame(function, "", stack));
      in_stack = true;
      continue;
    }
    if (RE2::FullMatch(line, kernel, &question, &function, &offset, &location) &&
        (!offset.empty() || !location.empty())) {
      if (!question.empty()) continue;  // unreliable
      out.push_back(kernel_frame(function, location, stack));
      in_stack = true;
      continue;
    }
    if (!ip_frame && RE2::PartialMatch(line, ip, &function))
      ip_frame = kernel_frame(function, "", 0);
  }
  // The faulting function heads the first stack, unless it already does.
  if (ip_frame) {
    auto first = std::find_if(out.begin(), out.end(), [](const auto& f) { return f.stack == 0; });
    if (first == out.end() || first->function != ip_frame->function)
      out.insert(first, std::move(*ip_frame));
  }
  return out;
}

std::vector<ReportFrame> identifying_frames(std::string_view report, std::size_t limit) {
  auto all = report_frames(report);
  auto first = std::find_if(all.begin(), all.end(), [](const auto& f) { return !f.generic; });
  std::vector<ReportFrame> out;
  if (first == all.end()) return out;
  std::set<std::string> seen;
  for (auto it = first; it != all.end() && out.size() < limit; ++it)
    if (it->stack == first->stack && !it->generic && seen.insert(it->function).second)
      out.push_back(*it);
  return out;
}

}  // namespace culprit::report
