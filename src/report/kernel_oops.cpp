#include "report/kernel_oops.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace culprit::report {
namespace {

struct Line {
  std::string text;    // without timestamp and caller id
  std::size_t offset;  // of the raw line
  std::size_t end;
};

std::vector<Line> console_lines(std::string_view log) {
  static const RE2 prefix(R"(^(?:\[\s*\d+\.\d+\]\s?)?(?:\[\s*[TC]\d+\]\s?)?)");
  std::vector<Line> out;
  std::size_t pos = 0;
  while (pos < log.size()) {
    std::size_t nl = log.find('\n', pos);
    if (nl == std::string_view::npos) nl = log.size();
    std::string t(log.substr(pos, nl - pos));
    t.erase(std::remove(t.begin(), t.end(), '\r'), t.end());
    RE2::Replace(&t, prefix, "");
    out.push_back({std::move(t), pos, nl});
    pos = nl + 1;
  }
  return out;
}

// Frames that say where the report was printed, not where the bug is.
bool generic_frame(const std::string& f) {
  static const std::array<const char*, 30> kPrefixes = {
      "dump_stack",       "__dump_stack",  "show_stack",      "panic",          "__warn",
      "warn_slowpath",    "report_bug",    "handle_bug",      "exc_invalid_op", "asm_exc_",
      "kasan_",           "__kasan_",      "print_address",   "__asan_",        "check_memory_region",
      "memcpy",           "memset",        "memmove",         "mutex_lock",     "__mutex_lock",
      "lock_acquire",     "_raw_spin",     "do_syscall_",     "entry_SYSCALL",  "kmsan_",
      "__msan_",          "kfence_",       "ubsan_",          "__ubsan_",       "refcount_warn"};
  for (const char* p : kPrefixes)
    if (f.rfind(p, 0) == 0) return true;
  return f == "bug" || f == "die" || f == "do_trap" || f == "do_error_trap";
}

std::string clean_function(std::string f) {
  static const RE2 suffix(R"((\.(?:cold|isra|constprop|part|llvm)(?:\.\d+)?)+$)");
  RE2::Replace(&f, suffix, "");
  if (f.rfind("SyS_", 0) == 0) f = "sys_" + f.substr(4);
  return f;
}

// The function in the RIP/PC line after `from`, else the first
// non-generic frame of the first call trace.
std::string reporting_frame(const std::vector<Line>& lines, std::size_t from, std::size_t* last) {
  static const RE2 rip(R"((?:RIP: [0-9a-fA-F]+:(?:\[<[0-9a-f]+>\] )?|pc : |IP: \[<[0-9a-f]+>\] )([\w.]+)\+0x)");
  static const RE2 frame(R"(^\s*(?:\[<[0-9a-f]+>\]\s*)?(\?\s+)?([\w.]+)\+0x[0-9a-f]+/0x[0-9a-f]+)");
  std::string fn;
  bool in_trace = false;
  for (std::size_t i = from; i < lines.size() && i < from + 150; ++i) {
    const std::string& t = lines[i].text;
    if (last) *last = i;
    if (RE2::PartialMatch(t, rip, &fn) && !generic_frame(fn)) return clean_function(fn);
    if (t.find("Call Trace:") != std::string::npos || t.find("Call trace:") != std::string::npos) in_trace = true;
    std::string unreliable;
    if (in_trace && RE2::PartialMatch(t, frame, &unreliable, &fn) && unreliable.empty() && !generic_frame(fn))
      return clean_function(fn);
  }
  return "";
}

struct Found {
  std::string title, type, frame;
  bool corrupted = false;
};

}  // namespace

std::optional<CrashReport> find_kernel_crash(std::string_view log) {
  // Fast path: nothing that starts an oops.
  if (log.find("BUG") == std::string_view::npos && log.find("WARNING") == std::string_view::npos &&
      log.find("INFO: ") == std::string_view::npos && log.find("fault") == std::string_view::npos &&
      log.find("Kernel panic") == std::string_view::npos && log.find("UBSAN") == std::string_view::npos &&
      log.find("divide error") == std::string_view::npos && log.find("invalid opcode") == std::string_view::npos &&
      log.find("possible") == std::string_view::npos && log.find("refcount_t") == std::string_view::npos)
    return std::nullopt;
  auto lines = console_lines(log);
  static const RE2 kasan(R"(^BUG: KASAN: ([\w-]+) in ([\w.]+))");
  static const RE2 kmsan(R"(^BUG: KMSAN: ([\w-]+) in ([\w.]+))");
  static const RE2 kfence(R"(^BUG: KFENCE: ([\w-]+) (read|write) in ([\w.]+))");
  static const RE2 kcsan(R"(^BUG: KCSAN: ([\w-]+) in ([\w.]+) / ([\w.]+))");
  static const RE2 access(R"(^(Read|Write) of size)");
  static const RE2 warning_at(R"(^WARNING: .*? at \S+ ([\w.]+)\+0x)");
  static const RE2 warning_text(R"(^WARNING: (ODEBUG bug|suspicious RCU usage|bad unlock balance detected|held lock freed|locking bug|kernel stack regs))");
  static const RE2 lockdep(R"(^WARNING: (possible circular locking dependency|possible recursive locking|inconsistent lock state))");
  static const RE2 gpf(R"(^general protection fault)");
  static const RE2 null_deref(R"(^BUG: (?:unable to handle kernel |kernel )(NULL pointer dereference|paging request))");
  static const RE2 kernel_bug(R"(^kernel BUG at \S+:\d+!)");
  static const RE2 soft_lockup(R"(^(?:watchdog: )?BUG: soft lockup)");
  static const RE2 task_hung(R"(^INFO: task \S+ blocked for more than)");
  static const RE2 rcu_stall(R"((?:^|rcu: )INFO: rcu_\w+ (?:self-)?detected (?:stall|expedited stalls))");
  static const RE2 leak(R"(^BUG: memory leak)");
  static const RE2 ubsan(R"(^UBSAN: ([\w-]+) in)");
  static const RE2 other_bug(
      R"(^BUG: (scheduling while atomic|sleeping function called from invalid context|spinlock \w+|Bad page state|bad page state|using smp_processor_id\(\) in preemptible|stack guard page was hit|corrupted list|workqueue lockup))");
  static const RE2 divide(R"(^divide error:)");
  static const RE2 invalid_opcode(R"(^invalid opcode:)");
  static const RE2 refcount(R"(^refcount_t: (\w+))");
  static const RE2 panic(R"(^Kernel panic - not syncing: (.*))");

  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& t = lines[i].text;
    std::string a, b, c;
    Found f;
    std::size_t last = i;
    auto frame_or_corrupted = [&](const std::string& prefix) {
      f.frame = reporting_frame(lines, i + 1, &last);
      f.corrupted = f.frame.empty();
      f.title = prefix + " in " + (f.frame.empty() ? "corrupted" : f.frame);
    };
    if (RE2::PartialMatch(t, kasan, &a, &b)) {
      std::string rw;
      for (std::size_t k = i + 1; k < lines.size() && k < i + 4 && rw.empty(); ++k)
        RE2::PartialMatch(lines[k].text, access, &rw);
      f.frame = clean_function(b);
      f.title = "KASAN: " + a + (rw.empty() ? "" : " " + rw) + " in " + f.frame;
      std::string up = rw == "Write" ? "WRITE" : "READ";
      f.type = a == "use-after-free" || a == "slab-use-after-free"
                   ? "KASAN-USE-AFTER-FREE-" + up
                   : a == "null-ptr-deref" ? "KASAN-NULL-POINTER-DEREFERENCE-" + up
                   : a == "double-free" || a == "invalid-free" ? "KASAN-INVALID-FREE"
                   : rw.empty() ? "KASAN-UNKNOWN" : "KASAN-" + up;
      reporting_frame(lines, i + 1, &last);
    } else if (RE2::PartialMatch(t, kmsan, &a, &b)) {
      f.frame = clean_function(b);
      f.title = "KMSAN: " + a + " in " + f.frame;
      f.type = a == "uninit-value" ? "KMSAN-UNINIT-VALUE" : a == "kernel-infoleak" ? "KMSAN-INFO-LEAK" : "KMSAN-UNKNOWN";
    } else if (RE2::PartialMatch(t, kfence, &a, &b, &c)) {
      f.frame = clean_function(c);
      std::string rw = b == "write" ? "Write" : "Read";
      f.title = "KFENCE: " + a + " " + rw + " in " + f.frame;
      f.type = "KFENCE-" + std::string(b == "write" ? "WRITE" : "READ");
    } else if (RE2::PartialMatch(t, kcsan, &a, &b, &c)) {
      f.title = "KCSAN: " + a + " in " + clean_function(b) + " / " + clean_function(c);
      f.frame = clean_function(b);
      f.type = a == "data-race" ? "KCSAN-DATARACE" : "KCSAN-UNKNOWN";
    } else if (RE2::PartialMatch(t, lockdep, &a)) {
      f.type = "LOCKDEP";
      frame_or_corrupted(a == "inconsistent lock state" ? "inconsistent lock state" : "possible deadlock");
    } else if (RE2::PartialMatch(t, warning_text, &a)) {
      f.type = "WARNING";
      frame_or_corrupted("WARNING: " + a);
    } else if (RE2::PartialMatch(t, warning_at, &a)) {
      f.frame = clean_function(a);
      f.title = "WARNING in " + f.frame;
      f.type = "WARNING";
    } else if (RE2::PartialMatch(t, refcount, &a)) {
      f.type = "REFCOUNT_WARNING";
      frame_or_corrupted("WARNING: refcount bug");
    } else if (RE2::PartialMatch(t, kernel_bug)) {
      f.type = "BUG";
      frame_or_corrupted("kernel BUG");
    } else if (RE2::PartialMatch(t, null_deref, &a)) {
      f.type = a == "NULL pointer dereference" ? "NULL-POINTER-DEREFERENCE" : "MEMORY_SAFETY_BUG";
      frame_or_corrupted("BUG: unable to handle kernel " + a);
    } else if (RE2::PartialMatch(t, gpf)) {
      f.type = "DoS";
      frame_or_corrupted("general protection fault");
    } else if (RE2::PartialMatch(t, soft_lockup)) {
      f.type = "HANG";
      frame_or_corrupted("BUG: soft lockup");
    } else if (RE2::PartialMatch(t, task_hung)) {
      f.type = "HANG";
      frame_or_corrupted("INFO: task hung");
    } else if (RE2::PartialMatch(t, rcu_stall)) {
      f.type = "HANG";
      frame_or_corrupted("INFO: rcu detected stall");
    } else if (RE2::PartialMatch(t, leak)) {
      f.type = "LEAK";
      frame_or_corrupted("memory leak");
    } else if (RE2::PartialMatch(t, ubsan, &a)) {
      f.type = "UBSAN";
      frame_or_corrupted("UBSAN: " + a);
    } else if (RE2::PartialMatch(t, other_bug, &a)) {
      f.type = a.find("sleeping") != std::string::npos || a.find("atomic") != std::string::npos ? "ATOMIC_SLEEP" : "BUG";
      if (a == "Bad page state") a = "bad page state";
      frame_or_corrupted("BUG: " + a);
    } else if (RE2::PartialMatch(t, divide)) {
      f.type = "DoS";
      frame_or_corrupted("divide error");
    } else if (RE2::PartialMatch(t, invalid_opcode)) {
      f.type = "DoS";
      frame_or_corrupted("invalid opcode");
    } else if (RE2::PartialMatch(t, panic, &a)) {
      static const RE2 hex(R"(0x[0-9a-fA-F]+|[0-9a-fA-F]{8,})");
      RE2::GlobalReplace(&a, hex, "ADDR");
      f.title = "kernel panic: " + a;
      f.type = "";
    } else {
      continue;
    }
    CrashReport r;
    r.title = std::move(f.title);
    r.type = std::move(f.type);
    r.frame = std::move(f.frame);
    r.corrupted = f.corrupted;
    r.start = lines[i].offset;
    std::size_t end_line = std::max(last, std::min(lines.size() - 1, i + 30));
    r.end = lines[end_line].end;
    r.report = std::string(log.substr(r.start, r.end - r.start));
    return r;
  }
  return std::nullopt;
}

}  // namespace culprit::report
