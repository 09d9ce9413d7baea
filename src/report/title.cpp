#include "report/title.h"

#include <array>
#include <utility>

#include "report/pattern.h"

namespace culprit::report {
namespace {

struct Replacement {
  Pattern re;
  const char* rewrite;
};

const std::vector<Replacement>& replacements() {
  static const std::vector<Replacement> table = {
      {compile_pattern(R"(syz-executor\.?[0-9]+((/|:)[0-9]+)?)"), "syz-executor"},
      {compile_pattern(R"(syzkaller[0-9]+((/|:)[0-9]+)?)"), "syzkaller"},
      // Whatever looks like an address can't be part of a stable title.
      {compile_pattern(R"(([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,})"), R"(\1ADDR)"},
      {compile_pattern(R"(([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}))"), "IP"},
      {compile_pattern(R"((\.\w+)(:[0-9]+)+)"), R"(\1:LINE)"},
      {compile_pattern(R"(([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+)"), R"(\1)"},
      {compile_pattern(R"(CPU#[0-9]+)"), "CPU"},
      // Matches overlap ("0,1,2"): the loop below repeats until stable.
      {compile_pattern(R"((\W)(\d+)(\W|$))"), R"(\1NUM\3)"},
      // Digits inside names stay (cfg80211), unless too long to be a name.
      {compile_pattern(R"((\d+){7,})"), "NUM"},
  };
  return table;
}

std::string sanitize(std::string_view title) {
  constexpr std::size_t kMaxLen = 120;  // intermixed lines can be very long
  std::string out;
  char prev = ' ';
  for (std::size_t i = 0; i < title.size() && i < kMaxLen; ++i) {
    char c = title[i];
    auto u = static_cast<unsigned char>(c);
    if (c == '\t') {
      c = ' ';
    } else if (u < 0x20 || u >= 0x7f) {
      continue;
    }
    if (c == ' ' && prev == ' ') continue;
    out += c;
    prev = c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::string fill_template(std::string_view fmt, const std::vector<std::string>& args) {
  std::string out;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] == '{' && i + 2 < fmt.size()) {
      std::size_t close = fmt.find('}', i);
      std::size_t n = 0;
      bool number = close != std::string_view::npos && close > i + 1;
      for (std::size_t k = i + 1; number && k < close; ++k) {
        if (fmt[k] < '0' || fmt[k] > '9')
          number = false;
        else
          n = n * 10 + static_cast<std::size_t>(fmt[k] - '0');
      }
      if (number) {
        if (n >= 1 && n <= args.size()) out += args[n - 1];
        i = close;
        continue;
      }
    }
    out += fmt[i];
  }
  return out;
}

std::string normalize_title(std::string_view title) {
  std::string s(title);
  for (const auto& r : replacements()) {
    // Bounded: each round shortens or stops; 64 rounds cover any 120-char title.
    for (int round = 0; round < 64; ++round)
      if (RE2::GlobalReplace(&s, *r.re, r.rewrite) == 0) break;
  }
  return sanitize(s);
}

std::string crash_type_for_title(std::string_view title) {
  // First prefix that matches wins: specific ones come first.
  static const std::vector<std::pair<std::vector<std::string_view>, std::string_view>> kTable = {
      {{"KFENCE: use-after-free write"}, "KFENCE-USE-AFTER-FREE-WRITE"},
      {{"KFENCE: use-after-free read", "KFENCE: use-after-free"}, "KFENCE-USE-AFTER-FREE-READ"},
      {{"KFENCE: invalid write", "KFENCE: out-of-bounds write"}, "KFENCE-WRITE"},
      {{"KFENCE: invalid read", "KFENCE: out-of-bounds read", "KFENCE: out-of-bounds"},
       "KFENCE-READ"},
      {{"KFENCE: memory corruption"}, "KFENCE-MEMORY-CORRUPTION"},
      {{"KFENCE: invalid free"}, "KFENCE-INVALID-FREE"},
      {{"KMSAN: uninit-value"}, "KMSAN-UNINIT-VALUE"},
      {{"KMSAN: kernel-infoleak-after-free", "KMSAN: kernel-usb-infoleak-after-free",
        "KMSAN: use-after-free"},
       "KMSAN-USE-AFTER-FREE-READ"},
      {{"KMSAN: kernel-infoleak", "KMSAN: kernel-usb-infoleak"}, "KMSAN-INFO-LEAK"},
      {{"KASAN: null-ptr-deref Write"}, "KASAN-NULL-POINTER-DEREFERENCE-WRITE"},
      {{"KASAN: null-ptr-deref Read"}, "KASAN-NULL-POINTER-DEREFERENCE-READ"},
      {{"BUG: unable to handle kernel NULL pointer dereference in"}, "NULL-POINTER-DEREFERENCE"},
      {{"KASAN: global-out-of-bounds Write", "KASAN: out-of-bounds Write",
        "KASAN: slab-out-of-bounds Write", "KASAN: stack-out-of-bounds Write",
        "KASAN: user-memory-access Write", "KASAN: vmalloc-out-of-bounds Write",
        "KASAN: wild-memory-access Write"},
       "KASAN-WRITE"},
      {{"KASAN: global-out-of-bounds Read", "KASAN: invalid-access Read",
        "KASAN: out-of-bounds Read", "KASAN: slab-out-of-bounds Read", "KASAN: slab-out-of-bounds",
        "KASAN: stack-out-of-bounds Read", "KASAN: stack-out-of-bounds",
        "KASAN: unknown-crash Read", "KASAN: user-memory-access Read",
        "KASAN: vmalloc-out-of-bounds Read", "KASAN: wild-memory-access Read",
        "KASAN: wild-memory-access"},
       "KASAN-READ"},
      {{"KASAN: double-free or invalid-free", "KASAN: invalid-free"}, "KASAN-INVALID-FREE"},
      {{"KASAN: slab-use-after-free Write", "KASAN: use-after-free Write"},
       "KASAN-USE-AFTER-FREE-WRITE"},
      {{"KASAN: slab-use-after-free Read", "KASAN: use-after-free Read", "KASAN: use-after-free"},
       "KASAN-USE-AFTER-FREE-READ"},
      {{"BUG: corrupted list", "BUG: unable to handle kernel paging request"}, "MEMORY_SAFETY_BUG"},
      {{"WARNING: refcount bug"}, "REFCOUNT_WARNING"},
      {{"UBSAN: array-index-out-of-bounds"}, "MEMORY_SAFETY_UBSAN"},
      {{"KCSAN: data-race"}, "KCSAN-DATARACE"},
      {{"KCSAN: assert: race in"}, "KCSAN-ASSERT"},
      {{"BUG: bad unlock balance in", "BUG: held lock freed in", "BUG: rwlock", "BUG: spinlock",
        "BUG: still has locks held in", "BUG: using", "WARNING: bad unlock balance in",
        "WARNING: held lock freed in", "WARNING: lock held", "WARNING: locking bug in",
        "WARNING: nested lock was not taken in", "WARNING: still has locks held in",
        "WARNING: suspicious RCU usage in", "inconsistent lock state in", "possible deadlock in"},
       "LOCKDEP"},
      {{"BUG: scheduling while atomic in", "BUG: sleeping function called from invalid context in"},
       "ATOMIC_SLEEP"},
      {{"memory leak in"}, "LEAK"},
      {{"BUG: bad usercopy in", "kernel BUG"}, "BUG"},
      {{"WARNING in"}, "WARNING"},
      // printk-style messages, not a bug class.
      {{"BUG: stack guard page was hit in", "WARNING: corrupted",
        "WARNING: kernel stack frame pointer has bad value", "WARNING: kernel stack regs has bad"},
       ""},
      {{"BUG: soft lockup in", "INFO: rcu detected stall in", "INFO: task can't die in",
        "INFO: task hung in"},
       "HANG"},
      {{"Alignment trap in", "BUG: Object already free", "Internal error in", "PANIC: double fault",
        "Unhandled fault in", "VFS: Busy inodes after unmount (use-after-free)",
        "VFS: Close: file count is zero (use-after-free)", "divide error in",
        "general protection fault in", "go runtime error", "invalid opcode in", "kernel panic:",
        "kernel stack overflow", "panic:", "rust_kernel panicked", "stack segment fault in",
        "trusty:", "unregister_netdevice: waiting for DEV to become free"},
       "DoS"},
      {{"unexpected kernel reboot"}, "REBOOT"},
      {{"SYZFAIL", "SYZFATAL:"}, "SYZ_FAILURE"},
      {{"lost connection to test machine"}, "LOST_CONNECTION"},
      {{"no output from test machine"}, "NO_OUTPUT"},
      {{"WARNING:"}, "WARNING"},
      {{"BUG:"}, ""},
      {{"INFO:"}, ""},
      {{"KASAN:"}, "KASAN-UNKNOWN"},
      {{"KFENCE:"}, "KFENCE-UNKNOWN"},
      {{"KMSAN:"}, "KMSAN-UNKNOWN"},
      {{"UBSAN:"}, "UBSAN"},
      {{"KCSAN:"}, "KCSAN-UNKNOWN"},
  };
  for (const auto& [prefixes, type] : kTable)
    for (auto p : prefixes)
      if (title.substr(0, p.size()) == p) return std::string(type);
  return "";
}

std::string frame_from_title(std::string_view title) {
  static const Pattern re = compile_pattern(R"(.* in ((?:<[a-zA-Z0-9_: ]+>)?[a-zA-Z0-9_:]+))");
  PatternMatch m;
  if (!find_match(*re, title, &m)) return "";
  return m.groups[0];
}

}  // namespace culprit::report
