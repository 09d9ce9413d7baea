#include "report/oops_table.h"

#include <optional>
#include <utility>

#include "report/pattern.h"

namespace culprit::report {
namespace {

// Marks a "parse a stack trace here" step in a spec.
constexpr const char* kStack = "";

const std::string kRip =
    R"((?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:{{PC}} +){0,2}{{FUNC}}|(?:[0-9]+:)?0x[0-9a-f]+|)"
    R"((?:[0-9]+:)?{{PC}} +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\)))";
const std::string kCallTrace = R"((?:Call (?:T|t)race:)|(?:Backtrace:))";

// Functions that print, check, allocate, lock or copy: where a report is
// raised, not where the bug is. Matched anywhere in the frame name.
const std::vector<std::string> kCommonSkips = {
    "__sanitizer",
    "__asan",
    "kasan",
    "hwasan",
    "__msan",
    "kmsan",
    "kcsan_setup_watchpoint",
    "check_memory_region",
    "check_heap_object",
    "check_object",
    "read_word_at_a_time",
    "(read|write)_once_.*nocheck",
    "print_address_description",
    "panic",
    "invalid_op",
    "report_bug",
    "fixup_bug",
    "print_report",
    "print_usage_bug",
    "do_error",
    "_trap$|do_trap",
    "show_stack",
    "dump_stack",
    "walk_stack",
    "dump_backtrace",
    "warn_slowpath",
    "warn_alloc",
    "warn_bogus",
    "__warn",
    "alloc_page",
    "k?v?(?:m|z|c)alloc",
    "krealloc",
    "kmem_cache",
    "allocate_slab",
    "__alloc_frozen_pages_noprof",
    "folio_(?:alloc|unlock)",
    "filemap_alloc_folio",
    "__filemap_get_folio",
    "find_or_create_page",
    "do_read_cache_folio",
    "read_cache_page",
    "pagecache_get_page",
    "grab_cache_page_write_begin",
    "slab_",
    "debug_object",
    "timer_is_static_object",
    "work_is_static_object",
    "__might_fault",
    "print_unlock",
    "imbalance_bug",
    "lockdep",
    "bh_enable",
    "bh_disable",
    "perf_trace",
    "lock_acquire",
    "lock_release",
    "lock_class",
    "mark_lock",
    "(reacquire|mark)_held_locks",
    "raw_spin_rq",
    "spin_lock",
    "spin_trylock",
    "spin_unlock",
    "read_lock",
    "read_trylock",
    "write_lock",
    "write_trylock",
    "read_unlock",
    "write_unlock",
    "^down$",
    "down_read",
    "down_write",
    "down_read_trylock",
    "down_write_trylock",
    "down_trylock",
    "up_read",
    "up_write",
    "^mutex_",
    "^__mutex_",
    "^rt_mutex_",
    "owner_on_cpu",
    "osq_lock",
    "osq_unlock",
    "atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)",
    "(set|clear|change|test)_bit",
    "__wake_up",
    "^refcount_",
    "^kref_",
    "ref_tracker",
    "seqprop_assert",
    "memcpy",
    "memcmp",
    "memset",
    "memchr",
    "memmove",
    "memdup",
    "strcmp",
    "strncmp",
    "strcpy",
    "strlcpy",
    "strncpy",
    "strscpy",
    "strlen",
    "strstr",
    "strnstr",
    "strnlen",
    "strchr",
    "strdup",
    "strndup",
    "copy_to_user",
    "copy_from_user",
    "copy_to_iter",
    "copy_from_iter",
    "copy_page_to_iter",
    "copy_page_from_iter",
    "copy_folio_to_iter",
    "^copyin$",
    "^copyout$",
    "put_user",
    "get_user",
    "might_fault",
    "might_sleep",
    "list_add",
    "list_del",
    "list_replace",
    "list_move",
    "list_splice",
    "^rb_",
    "^__rb_",
    "_indirect_thunk_",
    "string",
    "pointer",
    "snprintf",
    "scnprintf",
    "kasprintf",
    "kvasprintf",
    "printk",
    "va_format",
    "dev_info",
    "dev_notice",
    "dev_warn",
    "dev_err",
    "dev_alert",
    "dev_crit",
    "dev_emerg",
    "program_check_exception",
    "program_check_common",
    "del_timer",
    "flush_work",
    "__cancel_work_timer",
    "cancel_work_sync",
    "try_to_grab_pending",
    "flush_workqueue",
    "drain_workqueue",
    "destroy_workqueue",
    "queue_work",
    "finish_wait",
    "kthread_stop",
    "kobject_",
    "add_uevent_var",
    "get_device_parent",
    "device_add",
    "device_del",
    "device_unregister",
    "device_destroy",
    "device_release",
    "devres_release_all",
    "hwrng_unregister",
    "i2c_del_adapter",
    "__unregister_client",
    "device_for_each_child",
    "rollback_registered",
    "unregister_netdev",
    "sysfs_remove",
    "device_remove_file",
    "tty_unregister_device",
    "dummy_urb_enqueue",
    "usb_kill_urb",
    "usb_kill_anchored_urbs",
    "usb_control_msg",
    "usb_hcd_submit_urb",
    "usb_submit_urb",
    "^complete$",
    "wait_for_completion",
    "^kv?free$",
    "kfree_skb",
    "readb$",
    "readw$",
    "readl$",
    "readq$",
    "writeb$",
    "writew$",
    "writel$",
    "writeq$",
    "logic_in",
    "logic_out",
    R"(^crc\d+)",
    "crc_itu_t",
    "__might_resched",
    "assertfail",
    "^iput$",
    "^iput_final$",
    "^ihold$",
    "hex_dump_to_buffer",
    "print_hex_dump",
    "^klist_",
    "(trace|lockdep)_(hard|soft)irq",
    "^(un)?lock_page",
    "stack_trace_consume_entry",
    "arch_stack_walk",
    "stack_trace_save",
    "insert_work",
    "__queue_delayed_work",
    "queue_delayed_work_on",
    "ida_free",
    "do_(kernel|translation)_fault",
    "do_mem_abort",
    "el1_abort",
    "el1h_64_sync(?:_handler)?",
    "print_tainted",
    "xas_(?:start|load|find)",
    "find_lock_entries",
    "truncate_inode_pages_range",
    "__phys_addr",
    "__fortify_report",
    "cleanup_srcu_struct",
    "rhashtable_lookup",
    "extract_(user|iter)_to_sg",
    "drop_nlink",
    "^get_taint$",
    "^put_device$",
    "lock_timer_base",
    "__timer_delete_sync",
    "sk_stop_timer_sync",
    "__mod_timer",
    "fast_dput",
    "dput",
    // Warns about a buffer its caller failed to keep up to date.
    "^mark_buffer_dirty$",
};

struct StackSpec {
  std::vector<std::string> parts;
  std::vector<std::string> parts2;
  std::vector<std::string> skip;
  FrameChoice choice = FrameChoice::kFirst;
};

struct FormatSpec {
  std::string title;
  std::string report;
  std::string fmt;
  std::vector<std::string> alt;
  std::optional<StackSpec> stack;
  bool no_stack_trace = false;
  bool corrupted = false;
};

struct FamilySpec {
  std::string header;
  std::vector<FormatSpec> formats;
  std::vector<std::string> suppressions;
};

StackSpec call_trace(std::vector<std::string> skip = {}, FrameChoice choice = FrameChoice::kFirst) {
  return StackSpec{{kCallTrace, kStack}, {}, std::move(skip), choice};
}

StackSpec rip_then_call_trace(std::vector<std::string> skip = {},
                              FrameChoice choice = FrameChoice::kFirst) {
  return StackSpec{{kRip, kCallTrace, kStack}, {}, std::move(skip), choice};
}

StackSpec rip_only() { return StackSpec{{kRip}, {}, {}, FrameChoice::kFirst}; }

// WARNINGs trap: newer kernels print the RIP line, then the stack.
StackSpec warning_stack(std::vector<std::string> skip = {}) {
  return StackSpec{{"(?:" + kRip + "|--- interrupt: [0-9]+ at {{FUNC}})", kStack},
                   {kCallTrace, kStack},
                   std::move(skip),
                   FrameChoice::kFirst};
}

std::string join_alternation(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += '|';
    out += "(?:" + s + ")";
  }
  return out;
}

std::vector<Pattern> compile_parts(const std::vector<std::string>& parts) {
  std::vector<Pattern> out;
  for (const auto& p : parts) out.push_back(p.empty() ? nullptr : compile_pattern(p));
  return out;
}

OopsFormat build(const FormatSpec& spec) {
  OopsFormat f;
  f.title = compile_pattern(spec.title);
  if (!spec.report.empty()) f.report = compile_pattern(spec.report);
  f.fmt = spec.fmt;
  f.alt = spec.alt;
  f.no_stack_trace = spec.no_stack_trace;
  f.corrupted = spec.corrupted;
  if (spec.stack) {
    f.stack = std::make_unique<StackRule>();
    f.stack->parts = compile_parts(spec.stack->parts);
    f.stack->parts2 = compile_parts(spec.stack->parts2);
    std::vector<std::string> skip = kCommonSkips;
    skip.insert(skip.end(), spec.stack->skip.begin(), spec.stack->skip.end());
    f.stack->skip = compile_pattern(join_alternation(skip));
    f.stack->choice = spec.stack->choice;
  }
  return f;
}

std::vector<FamilySpec> family_specs() {
  const std::string kLockAt = R"(at: (?:{{PC}} +)?{{FUNC}})";
  return {
      {"BUG:",
       {
           {.title = "BUG: KASAN:",
            .report =
                R"(BUG: KASAN: ([a-z\-]+) in {{FUNC}}(?:.*\n)+?.*(Read|Write) (?:of size|at addr) (?:[0-9a-f]+))",
            .fmt = "KASAN: {1} {3} in {4}",
            .alt = {"bad-access in {4}"},
            .stack = StackSpec{{R"(BUG: KASAN: (?:[a-z\-]+) in {{FUNC}})", kCallTrace, kStack},
                               {},
                               {"kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_"}}},
           {.title = "BUG: KASAN:",
            .report =
                "BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}",
            .fmt = "KASAN: invalid-free in {2}",
            .alt = {"invalid-free in {2}"},
            .stack = StackSpec{{"BUG: KASAN: (?:double-free or "
                                "invalid-free|double-free|invalid-free) in {{FUNC}}",
                                kCallTrace, kStack},
                               {},
                               {"slab_", "kfree", "vunmap", "vfree"}}},
           {.title =
                R"(BUG: KASAN: ([a-z\-]+) on address(?:.*\n)+?.*(Read|Write) of size ([0-9]+))",
            .fmt = "KASAN: {1} {2}"},
           {.title = "BUG: KASAN: (.*)", .fmt = "KASAN: {1}", .corrupted = true},
           {.title = "BUG: KMSAN: kernel-usb-infoleak",
            .report = "BUG: KMSAN: kernel-usb-infoleak in {{FUNC}}",
            .fmt = "KMSAN: kernel-usb-infoleak in {2}",
            .alt = {"KMSAN origin in {3}"},
            .stack = StackSpec{{kStack, "(Local variable .* created at:|Uninit was created at:)",
                                kStack},
                               {},
                               {"alloc_skb", "usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg",
                                "usb_interrupt_msg", "usb_control_msg"}},
            .no_stack_trace = true},
           {.title = "BUG: KMSAN:",
            .report = R"(BUG: KMSAN: ([a-z\-]+) in {{FUNC}})",
            .fmt = "KMSAN: {1} in {3}",
            .alt = {"bad-access in {3}"},
            .stack = StackSpec{{kStack, "(Local variable .* created at:|Uninit was created at:)",
                                kStack},
                               {},
                               {"alloc_skb", "netlink_ack", "netlink_rcv_skb", "_encrypt$",
                                "^(?:crypto|cipher|drbg|rng)_"}},
            .no_stack_trace = true},
           {.title = "BUG: KCSAN: data-race",
            .report = "BUG: KCSAN: (.*)",
            .fmt = "KCSAN: {1}",
            .no_stack_trace = true},
           {.title = "BUG: KCSAN:",
            .report = "BUG: KCSAN: (.*)",
            .fmt = "KCSAN: {1}",
            .no_stack_trace = true},
           {.title = "BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in {{FUNC}}",
            .fmt = "KFENCE: {1} {2} in {4}",
            .alt = {"bad-access in {4}"},
            .stack = StackSpec{{R"(BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}})", kStack}}},
           {.title = "BUG: KFENCE: invalid free in {{FUNC}}",
            .fmt = "KFENCE: invalid free in {2}",
            .alt = {"invalid-free in {2}"},
            .stack = StackSpec{{R"(BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}})", kStack}},
            .no_stack_trace = true},
           {.title = "BUG: KFENCE: invalid (read|write) in {{FUNC}}",
            .fmt = "KFENCE: invalid {1} in {3}",
            .alt = {"bad-access in {3}"},
            .stack = StackSpec{{R"(BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}})", kStack}}},
           {.title = "BUG: KFENCE: memory corruption in {{FUNC}}",
            .fmt = "KFENCE: memory corruption in {2}",
            .stack = StackSpec{{R"(BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}})", kStack}},
            .no_stack_trace = true},
           {.title = "BUG: (?:unable to handle kernel paging request|unable to handle page fault "
                     "for address|"
                     "Unable to handle kernel data access)",
            .fmt = "BUG: unable to handle kernel paging request in {1}",
            .alt = {"bad-access in {1}"},
            .stack = rip_then_call_trace()},
           {.title = "BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer "
                     "dereference|"
                     "Kernel NULL pointer dereference)",
            .fmt = "BUG: unable to handle kernel NULL pointer dereference in {1}",
            .alt = {"bad-access in {1}"},
            .stack = rip_then_call_trace()},
           {.title = "BUG: (?:unable to handle kernel|Unable to handle kernel)",
            .fmt = "BUG: unable to handle kernel",
            .corrupted = true},
           {.title = "BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu "
                     "recursion|bad magic|"
                     "wrong owner|wrong CPU|trylock failure on UP)",
            .fmt = "BUG: {1} {2} in {3}",
            .stack = call_trace({"spin_", "_lock", "_unlock"})},
           {.title = "BUG: soft lockup",
            .fmt = "BUG: soft lockup in {1}",
            .alt = {"stall in {1}"},
            .stack = rip_then_call_trace({}, FrameChoice::kStall)},
           {.title = "BUG: .*still has locks held!",
            .report = "BUG: .*still has locks held!(?:.*\\n)+?.*{{PC}} +{{FUNC}}",
            .fmt = "BUG: still has locks held in {1}"},
           {.title = "BUG: scheduling while atomic",
            .fmt = "BUG: scheduling while atomic in {1}",
            .stack = call_trace({"schedule"})},
           {.title = "BUG: lock held when returning to user space",
            .report = "BUG: lock held when returning to user space(?:.*\\n)+?.*leaving the kernel "
                      "with locks still "
                      "held(?:.*\\n)+?.*" +
                      kLockAt,
            .fmt = "BUG: lock held when returning to user space in {1}",
            .no_stack_trace = true},
           {.title = "BUG: bad unlock balance detected!",
            .fmt = "BUG: bad unlock balance in {1}",
            .stack = StackSpec{{"{{PC}} +{{FUNC}}", kCallTrace, kStack}}},
           {.title = "BUG: held lock freed!",
            .report = "BUG: held lock freed!(?:.*\\n)+?.*{{PC}} +{{FUNC}}",
            .fmt = "BUG: held lock freed in {1}"},
           {.title = "BUG: Bad rss-counter state",
            .fmt = "BUG: Bad rss-counter state",
            .no_stack_trace = true},
           {.title = "BUG: non-zero nr_ptes on freeing mm",
            .fmt = "BUG: non-zero nr_ptes on freeing mm",
            .no_stack_trace = true},
           {.title = "BUG: non-zero nr_pmds on freeing mm",
            .fmt = "BUG: non-zero nr_pmds on freeing mm",
            .no_stack_trace = true},
           // The file system type and block device vary between runs of one bug.
           {.title = "BUG: Dentry .* still in use",
            .report = R"(BUG: Dentry .* still in use \([0-9]+\) \[(unmount) of ([^\]]+)\])",
            .fmt = "BUG: Dentry still in use in {1}",
            .alt = {"BUG: Dentry still in use [{1} of {2}]"}},
           {.title = "BUG: Bad page (state|cache)",
            .fmt = "BUG: Bad page {1} in {2}",
            .stack = StackSpec{{"page last allocated", kStack},
                               {},
                               {"(free|put|get|update|release)_page", "free_unref", "^_*folio",
                                "truncate_inode_pages", "page_frag_free", "alloc", "vmap",
                                "page_owner"}}},
           {.title = "BUG: Bad page map", .fmt = "BUG: Bad page map"},
           {.title = "BUG: workqueue lockup",
            .fmt = "BUG: workqueue lockup",
            .no_stack_trace = true},
           {.title = "BUG: sleeping function called from invalid context at (.*)",
            .fmt = "BUG: sleeping function called from invalid context in {2}",
            .stack = call_trace()},
           {.title = R"(BUG: using ([a-z_]+)\(\) in preemptible)",
            .fmt = "BUG: using {1}() in preemptible code in {2}",
            .stack = call_trace(
                {"dump_stack", "preemption", "preempt", "debug_", "processor_id", "this_cpu"})},
           {.title = "BUG: workqueue leaked lock or atomic",
            .report = "BUG: workqueue leaked lock or atomic(?:.*\\n)+?.*last function: "
                      "([a-zA-Z0-9_]+)\\n",
            .fmt = "BUG: workqueue leaked lock or atomic in {1}",
            .no_stack_trace = true},
           {.title = "BUG: memory leak",
            .fmt = "memory leak in {1}",
            .stack = StackSpec{{R"(backtrace(?: \(crc [[:xdigit:]]*\))?:)", kStack},
                               {},
                               {"kmemleak", "mmap", "kmem", "slab", "alloc", "create_object",
                                "idr_get", "list_lru_init", "kasprintf", "kvasprintf",
                                "pcpu_create", "strdup", "strndup", "memdup"}}},
           {.title = "BUG: .*stack guard page was hit at",
            .fmt = "BUG: stack guard page was hit in {1}",
            .alt = {"stack-overflow in {1}"},
            .stack = rip_then_call_trace({}, FrameChoice::kStall)},
           // arm64 prints this where amd64 prints a lockdep WARNING: one title for both.
           {.title = "BUG: Invalid wait context",
            .fmt = "WARNING: locking bug in {1}",
            .stack = call_trace({"lock_sock", "release_sock"})},
           {.title = R"(BUG:[[:space:]]*(?:\n|$))", .fmt = "BUG: corrupted", .corrupted = true},
       },
       {"ODEBUG:", "Boot_DEBUG:", "xlog_status:", "DEBUG:",
        "BUG: no syscalls can create resource"}},
      {"WARNING:",
       {
           {.title = R"(WARNING: .*lib/debugobjects\.c.* (?:debug_print|debug_check|at))",
            .fmt = "WARNING: ODEBUG bug in {1}",
            .stack = warning_stack({"debug_", "rcu", "hrtimer_", "timer_", "work_", "percpu_",
                                    "vunmap", "vfree", "__free_", "debug_check", "kobject_"})},
           {.title = R"(WARNING: .*mm/usercopy\.c.* (?:usercopy_warn|at))",
            .fmt = "WARNING: bad usercopy in {1}",
            .stack = warning_stack({"usercopy", "__check"})},
           {.title = R"(WARNING: .*lib/kobject\.c.* (?:kobject_|at))",
            .fmt = "WARNING: kobject bug in {1}",
            .stack = warning_stack({"kobject_"})},
           {.title = R"(WARNING: .*fs/proc/generic\.c.* (?:proc_register|at))",
            .fmt = "WARNING: proc registration bug in {1}",
            .stack = warning_stack({"proc_"})},
           {.title = R"(WARNING: .*lib/refcount\.c.* (?:refcount_|at))",
            .fmt = "WARNING: refcount bug in {1}",
            .stack = warning_stack({"refcount", "kobject_"})},
           {.title = R"(WARNING: .*kernel/locking/lockdep\.c.*lock_)",
            .fmt = "WARNING: locking bug in {1}",
            .stack = warning_stack({"lock_sock", "release_sock"})},
           {.title = "WARNING: .*still has locks held!",
            .report = "WARNING: .*still has locks held!(?:.*\\n)+?.*at: {{FUNC}}",
            .fmt = "WARNING: still has locks held in {1}"},
           {.title = "WARNING: Nested lock was not taken",
            .fmt = "WARNING: nested lock was not taken in {1}",
            .stack = warning_stack()},
           {.title = "WARNING: lock held when returning to user space",
            .report = "WARNING: lock held when returning to user space(?:.*\\n)+?.*leaving the "
                      "kernel with locks "
                      "still held(?:.*\\n)+?.*" +
                      kLockAt,
            .fmt = "WARNING: lock held when returning to user space in {1}",
            .no_stack_trace = true},
           {.title = R"(WARNING: .*mm/.*\.c.* k?.?malloc)",
            .fmt = "WARNING: kmalloc bug in {1}",
            .stack = warning_stack({"kmalloc", "krealloc", "slab", "kmem"})},
           {.title = R"(WARNING: .*mm/vmalloc.c.*__vmalloc_node)",
            .fmt = "WARNING: zero-size vmalloc in {1}",
            .stack = warning_stack()},
           {.title = "WARNING: .* usb_submit_urb",
            .fmt = "WARNING in {1}/usb_submit_urb",
            .stack = warning_stack({"usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg",
                                    "usb_interrupt_msg", "usb_control_msg"})},
           {.title = R"(WARNING: {{SRC}} at 0x\d+, CPU#\d+)",
            .fmt = "WARNING in {2}",
            .stack = warning_stack()},
           {.title = "WARNING: .* at {{SRC}} {{FUNC}}",
            .fmt = "WARNING in {3}",
            .stack = warning_stack()},
           {.title = "WARNING: {{SRC}} at {{FUNC}}",
            .fmt = "WARNING in {3}",
            .stack = warning_stack()},
           {.title = R"(WARNING: \[.*\] {{SRC}} at {{FUNC}}.*)",
            .fmt = "WARNING in {3}",
            .stack = warning_stack()},
           {.title = "WARNING: possible circular locking dependency detected",
            .report = "WARNING: possible circular locking dependency detected(?:.*\\n)+?.*is "
                      "trying to acquire lock",
            .fmt = "possible deadlock in {1}",
            .stack = StackSpec{{kLockAt, kLockAt, kStack},
                               {},
                               {"process_one_work", "flush_workqueue", "drain_workqueue",
                                "destroy_workqueue"}}},
           {.title = "WARNING: possible irq lock inversion dependency detected",
            .report = "WARNING: possible irq lock inversion dependency detected(?:.*\\n)+?.*just "
                      "changed the state "
                      "of lock(?:.*\\n)+?.*" +
                      kLockAt,
            .fmt = "possible deadlock in {1}"},
           {.title = "WARNING: .*-safe -> .*-unsafe lock order detected",
            .fmt = "possible deadlock in {1}",
            .stack = StackSpec{{"which became (?:.*) at:", kStack}}},
           {.title = "WARNING: possible recursive locking detected",
            .report =
                "WARNING: possible recursive locking detected(?:.*\\n)+?.*is trying to acquire "
                "lock(?:.*\\n)+?.*" +
                kLockAt,
            .fmt = "possible deadlock in {1}"},
           {.title = "WARNING: inconsistent lock state",
            .report = "WARNING: inconsistent lock state(?:.*\\n)+?.*takes(?:.*\\n)+?.*" + kLockAt,
            .fmt = "inconsistent lock state in {2}",
            .stack = call_trace()},
           {.title = "WARNING: suspicious RCU usage",
            .report = "WARNING: suspicious RCU usage(?:.*\\n)+?.*?{{SRC}}",
            .fmt = "WARNING: suspicious RCU usage in {2}",
            .stack = call_trace({"rcu", "kmem", "slab"})},
           {.title = "WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value",
            .fmt = "WARNING: kernel stack regs has bad '{1}' value",
            .no_stack_trace = true},
           {.title = "WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value",
            .fmt = "WARNING: kernel stack frame pointer has bad value",
            .no_stack_trace = true},
           {.title = "WARNING: bad unlock balance detected!",
            .fmt = "WARNING: bad unlock balance in {1}",
            .stack = StackSpec{{"{{PC}} +{{FUNC}}", kCallTrace, kStack}}},
           {.title = "WARNING: held lock freed!",
            .report = "WARNING: held lock freed!(?:.*\\n)+?.*at:(?: {{PC}})? +{{FUNC}}",
            .fmt = "WARNING: held lock freed in {1}"},
           {.title = "WARNING: kernel stack regs .* has bad 'bp' value",
            .fmt = "WARNING: kernel stack regs has bad value",
            .no_stack_trace = true},
           {.title = "WARNING: kernel stack frame pointer .* has bad value",
            .fmt = "WARNING: kernel stack regs has bad value",
            .no_stack_trace = true},
           {.title = R"(WARNING:[[:space:]]*(?:\n|$))",
            .fmt = "WARNING: corrupted",
            .corrupted = true},
       },
       {"WARNING: /etc/ssh/moduli does not exist, using fixed modulus",
        "WARNING: workqueue cpumask: online intersect > possible intersect",
        "WARNING: [Tt]he mand mount option",
        R"(WARNING: Unsupported flag value\(s\) of 0x%x in DT_FLAGS_1)",
        "WARNING: Unprivileged eBPF is enabled with eIBRS",
        R"(WARNING: fbcon: Driver '(.*)' missed to adjust virtual screen size)",
        "WARNING: See https.* for mitigation options.",
        "WARNING: kernel not compiled with CPU_SRSO", R"(EXT4-[Ff][Ss](?: \(.*\))?:)",
        "(?i)warning: .* uses (deprecated v2 capabilities|wireless extensions)",
        R"(XFS \(\w+\): WARNING)",
        // User-space sanitizers' own reports (the user-space parser titles them).
        "(?:Memory|Thread|Address|Leak|UndefinedBehavior)Sanitizer:"}},
      {"INFO:",
       {
           {.title = "INFO: possible circular locking dependency detected",
            .report = "INFO: possible circular locking dependency detected \\](?:.*\\n)+?.*is "
                      "trying to acquire "
                      "lock(?:.*\\n)+?.*at: {{PC}} +{{FUNC}}",
            .fmt = "possible deadlock in {1}"},
           {.title = "INFO: possible irq lock inversion dependency detected",
            .report = "INFO: possible irq lock inversion dependency detected \\](?:.*\\n)+?.*just "
                      "changed the state "
                      "of lock(?:.*\\n)+?.*at: {{PC}} +{{FUNC}}",
            .fmt = "possible deadlock in {1}"},
           {.title = "INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected",
            .report = "INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected \\](?:.*\\n)+?.*is "
                      "trying to "
                      "acquire(?:.*\\n)+?.*at: {{PC}} +{{FUNC}}",
            .fmt = "possible deadlock in {1}"},
           {.title = "INFO: possible recursive locking detected",
            .report =
                "INFO: possible recursive locking detected \\](?:.*\\n)+?.*is trying to acquire "
                "lock(?:.*\\n)+?.*at: {{PC}} +{{FUNC}}",
            .fmt = "possible deadlock in {1}"},
           {.title = "INFO: inconsistent lock state",
            .report = "INFO: inconsistent lock state \\](?:.*\\n)+?.*takes(?:.*\\n)+?.*at: {{PC}} "
                      "+{{FUNC}}",
            .fmt = "inconsistent lock state in {1}"},
           {.title = "INFO: rcu_\\w+ (?:self-)?detected(?: expedited)? stall",
            .fmt = "INFO: rcu detected stall in {1}",
            .alt = {"stall in {1}"},
            .stack = StackSpec{{"apic_timer_interrupt", kRip, kStack},
                               {"(?:apic_timer_interrupt|Exception stack|el1h_64_irq)", kStack},
                               {"apic_timer_interrupt", "rcu"},
                               FrameChoice::kStall}},
           {.title = "INFO: trying to register non-static key",
            .fmt = "INFO: trying to register non-static key in {1}",
            .stack = call_trace({"stack", "lock", "IRQ"})},
           {.title = "INFO: suspicious RCU usage",
            .report = "INFO: suspicious RCU usage(?:.*\\n)+?.*?{{SRC}}",
            .fmt = "INFO: suspicious RCU usage in {2}",
            .stack = call_trace({"rcu", "kmem", "slab"})},
           {.title =
                "INFO: task (?:.*\\n)?.* blocked (?:in I/O wait )?for more than [0-9]+ seconds",
            .fmt = "INFO: task hung in {1}",
            .alt = {"hang in {1}"},
            .stack = call_trace({}, FrameChoice::kHungTask)},
           {.title = "INFO: task .* can't die for more than .* seconds",
            .fmt = "INFO: task can't die in {1}",
            .alt = {"hang in {1}"},
            .stack = call_trace({"schedule"})},
           // Corrupted old-style KASAN reports end up here.
           {.title = "INFO: (Freed|Allocated) in (.*)",
            .fmt = "INFO: {1} in {2}",
            .corrupted = true},
           {.title = R"(INFO:[[:space:]]*(?:\n|$))", .fmt = "INFO: corrupted", .corrupted = true},
       },
       {"INFO: lockdep is turned off", "INFO: Stall ended before state dump start",
        "INFO: NMI handler", "INFO: recovery required on readonly filesystem",
        "(handler|interrupt).*took too long", "INFO: sys_.* is not present in /proc/kallsyms",
        "INFO: no syscalls can create resource", "rmt_storage:INFO:", "_INFO:"}},
      {"Unable to handle kernel",
       {{.title = "Unable to handle kernel (paging request|NULL pointer dereference|access to user "
                  "memory)",
         .fmt = "BUG: unable to handle kernel {1} in {2}",
         .alt = {"bad-access in {2}"},
         .stack = rip_then_call_trace()}},
       {}},
      {"general protection fault",
       {{.title = "general protection fault.*:",
         .fmt = "general protection fault in {1}",
         .alt = {"bad-access in {1}"},
         .stack = rip_then_call_trace()}},
       {R"(general protection fault .* error:\d+ in )"}},
      {"stack segment: ",
       {{.title = "stack segment: ",
         .fmt = "stack segment fault in {1}",
         .stack = rip_then_call_trace()}},
       {}},
      {"Kernel panic",
       {
           // A corrupted stack may leave the kernel unable to name the function.
           {.title = "Kernel panic - not syncing: stack-protector:",
            .report = "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: "
                      "{{FUNC}}",
            .fmt = "kernel panic: stack is corrupted in {1}",
            .no_stack_trace = true},
           {.title = "Kernel panic - not syncing: stack-protector:",
            .report = "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: "
                      "[a-f0-9]+",
            .fmt = "kernel panic: stack is corrupted in {1}",
            .stack = call_trace({"stack_chk"})},
           {.title = "Kernel panic - not syncing: corrupted stack end",
            .report = "Kernel panic - not syncing: corrupted stack end detected inside scheduler",
            .fmt = "kernel panic: corrupted stack end in {1}",
            .alt = {"stack-overflow in {1}"},
            .stack = call_trace({"schedule", "retint_kernel"}, FrameChoice::kStall)},
           {.title = "Kernel panic - not syncing: kernel stack overflow",
            .fmt = "kernel stack overflow in {1}",
            .alt = {"stack-overflow in {1}"},
            .stack = call_trace({"bad_stack"}, FrameChoice::kStall)},
           {.title = "Kernel panic - not syncing: Attempted to kill init!",
            .fmt = "kernel panic: Attempted to kill init!"},
           {.title =
                "Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -[0-9]+",
            .fmt = "kernel panic: Couldn't open N_TTY ldisc"},
           // These follow a BUG, WARNING or hang report: seen alone, the
           // report they end was cut off.
           {.title = "Kernel panic - not syncing: Fatal exception",
            .fmt = "kernel panic: Fatal exception",
            .corrupted = true},
           {.title = "Kernel panic - not syncing: panic_on_warn set",
            .fmt = "kernel panic: panic_on_warn set",
            .corrupted = true},
           {.title = "Kernel panic - not syncing: hung_task: blocked tasks",
            .fmt = "kernel panic: hung_task: blocked tasks",
            .corrupted = true},
           {.title = "Kernel panic - not syncing: (.*)", .fmt = "kernel panic: {1}"},
       },
       {}},
      {"PANIC: double fault",
       {{.title = "PANIC: double fault", .fmt = "PANIC: double fault in {1}", .stack = rip_only()}},
       {}},
      {"rust_kernel: panicked",
       {{.title = "rust_kernel: panicked",
         .report = "rust_kernel: panicked at [^\\n]*?\\n(.+?)\\n",
         .fmt = "{1} in {2}",
         .stack = call_trace({R"(__rustc::rust_begin_unwind)"})}},
       {}},
      {"kernel BUG",
       {
           {.title = "kernel BUG at mm/usercopy.c",
            .fmt = "BUG: bad usercopy in {1}",
            .stack = call_trace({"usercopy", "__check"})},
           {.title = "kernel BUG at lib/list_debug.c",
            .fmt = "BUG: corrupted list in {1}",
            .alt = {"bad-access in {1}"},
            .stack = call_trace()},
           // skb helpers BUG_ON their arguments: the bug is in the caller.
           {.title = "kernel BUG at (.*)",
            .fmt = "kernel BUG in {2}",
            .stack = rip_then_call_trace({"^skb_"})},
       },
       {}},
      {"Kernel BUG", {{.title = "Kernel BUG (.*)", .fmt = "kernel BUG {1}"}}, {}},
      {"BUG kmalloc-",
       {{.title = "BUG kmalloc-.*: Object already free", .fmt = "BUG: Object already free"}},
       {}},
      {"divide error:",
       {{.title = "divide error: ", .fmt = "divide error in {1}", .stack = rip_only()}},
       {}},
      // Misspelt so by some kernels.
      {"divide_error:",
       {{.title = "divide_error: ", .fmt = "divide error in {1}", .stack = rip_only()}},
       {}},
      {"invalid opcode:",
       {{.title = "invalid opcode: ", .fmt = "invalid opcode in {1}", .stack = rip_only()}},
       {}},
      {"UBSAN:",
       {
           {.title = "UBSAN:",
            .report = "UBSAN: Undefined behaviour in",
            .fmt = "UBSAN: undefined-behaviour in {1}",
            .stack = call_trace({"ubsan", "overflow"})},
           {.title = "UBSAN: array-index-out-of-bounds in",
            .fmt = "UBSAN: array-index-out-of-bounds in {1}",
            .alt = {"bad-access in {1}"},
            .stack = call_trace({"ubsan", "overflow"})},
           {.title = "UBSAN:",
            .report = "UBSAN: (.*?) in",
            .fmt = "UBSAN: {1} in {2}",
            .stack = call_trace({"ubsan", "overflow"})},
       },
       {}},
      {"Booting the kernel.",
       {{.title = "^Booting the kernel",
         .fmt = "unexpected kernel reboot",
         .no_stack_trace = true}},
       {"Parsing ELF|Decompressing Linux|Unknown parameter '"}},
      {"unregister_netdevice: waiting for",
       {{.title = "unregister_netdevice: waiting for (?:.*) to become free",
         .fmt = "unregister_netdevice: waiting for DEV to become free",
         .no_stack_trace = true}},
       {}},
      {"VFS: Close: file count is 0",
       {{.title = "VFS: Close: file count is 0",
         .fmt = "VFS: Close: file count is zero (use-after-free)",
         .no_stack_trace = true}},
       {}},
      {"VFS: Busy inodes after unmount",
       {{.title = "VFS: Busy inodes after unmount",
         .fmt = "VFS: Busy inodes after unmount (use-after-free)",
         .no_stack_trace = true}},
       {}},
      {"Internal error:",
       {{.title = "Internal error:",
         .fmt = "Internal error in {1}",
         .alt = {"bad-access in {1}"},
         .stack = rip_then_call_trace()}},
       {}},
      {"Unhandled fault:",
       {{.title = "Unhandled fault:",
         .fmt = "Unhandled fault in {1}",
         .alt = {"bad-access in {1}"},
         .stack = rip_then_call_trace()}},
       {}},
      {"Alignment trap:",
       {{.title = "Alignment trap:",
         .fmt = "Alignment trap in {1}",
         .stack = rip_then_call_trace()}},
       {}},
      {"trusty: panic",
       {
           {.title = "trusty: panic.* ASSERT FAILED",
            .report = R"(trusty: panic \(.*?\):(?: DEBUG)? ASSERT FAILED at \(.*?\): (.+))",
            .fmt = "trusty: ASSERT FAILED: {1}",
            .no_stack_trace = true},
           {.title = "trusty: panic.* ASSERT FAILED.*: *(.*)",
            .fmt = "trusty: ASSERT FAILED: {1}",
            .corrupted = true},
           {.title = "trusty: panic",
            .report = R"(trusty: panic \(.*?\): (.+))",
            .fmt = "trusty: panic: {1}",
            .no_stack_trace = true},
       },
       {}},
      // Go runtime crashes (of the fuzzer or a test harness); compilers print
      // "fatal error:" too, with a file:line in front.
      {"fatal error:",
       {{.title = "fatal error:", .fmt = "go runtime error", .no_stack_trace = true}},
       {"ALSA", "fatal error: cannot create timer", R"(\S:[0-9]+:(?:[0-9]+:)? fatal error:)"}},
      // The fuzzer's executor reports its own failures so.
      {"SYZFAIL:", {{.title = "SYZFAIL:(.*)", .fmt = "SYZFAIL:{1}", .no_stack_trace = true}}, {}},
      {"SYZFATAL:",
       {{.title = "SYZFATAL:(.*)()",
         .fmt = "SYZFATAL:{1}",
         .alt = {"SYZFATAL{2}"},
         .no_stack_trace = true}},
       {}},
      {"panic:",
       {
           {.title = "panic: Sentry detected .* stuck task",
            .fmt = "panic: Sentry detected stuck tasks",
            .no_stack_trace = true},
           {.title = "panic:(.*)", .fmt = "panic:{1}", .no_stack_trace = true},
       },
       {"_panic:", "xlog_status:", R"(ddb\.onpanic:)", "evtlog_status:"}},
  };
}

std::vector<OopsFamily> build_families() {
  std::vector<OopsFamily> out;
  for (const auto& spec : family_specs()) {
    OopsFamily fam;
    fam.header = spec.header;
    for (const auto& f : spec.formats) fam.formats.push_back(build(f));
    if (!spec.suppressions.empty())
      fam.suppressions = compile_pattern(join_alternation(spec.suppressions));
    out.push_back(std::move(fam));
  }
  return out;
}

}  // namespace

const std::vector<OopsFamily>& kernel_oops_families() {
  static const std::vector<OopsFamily> families = build_families();
  return families;
}

const RE2& common_frame_skips() {
  static const Pattern re = compile_pattern(join_alternation(kCommonSkips));
  return *re;
}

const StackSyntax& stack_syntax() {
  static const StackSyntax syntax = [] {
    StackSyntax s;
    const std::vector<std::string> starts = {
        "Call (?:T|t)race",
        "Allocated:", "Allocated by task [0-9]+:", "Freed:", "Freed by task [0-9]+:",
        // "backtrace:" but not "stack backtrace:"; kmemleak adds a crc.
        R"([^k] backtrace(?: \(crc [[:xdigit:]]*\))?:)",
        "Backtrace:", "Uninit was stored to memory at",
        // riscv dumps the stack right after the registers, without a heading.
        "status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: [0-9a-f]{16}"};
    s.stack_start = compile_pattern(join_alternation(starts));
    for (const auto& p : starts) s.stack_start_each.push_back(compile_pattern(p));
    s.frame.push_back(compile_pattern("^ *(?:{{PC}} ){0,2}{{FUNC}}"));
    // arm: "[<pc>] (callee) from [<pc>] (caller+0x..)" names two frames.
    s.frame.push_back(compile_pattern(R"(^ *{{PC}} \(([a-zA-Z0-9_.]+)\) from {{PC}} \({{FUNC}})"));
    // Fault injection stacks get mixed into reports.
    s.corrupted_line =
        compile_pattern(R"(^( \[<?(?:0x)?[0-9a-f]+>?\])? should_fail(slab)?(\.[a-z0-9.]+)?\+0x)");
    s.strip_prefixes = {"SYSC_",     "SyS_",      "sys_",         "__x64_",      "__ia32_",
                        "__arm64_",  "____sys_",  "___sys_",      "__sys_",      "__se_",
                        "__se_sys_", "__do_sys_", "compat_SYSC_", "compat_SyS_", "ksys_"};
    return s;
  }();
  return syntax;
}

const RE2& report_start_ignores() {
  static const Pattern re = compile_pattern(join_alternation(
      {"invalid opcode: 0000", "Kernel panic - not syncing", "unregister_netdevice: waiting for",
       // A double fault often comes from the same fault handling, on the same CPU.
       "PANIC: double fault", "Internal error:"}));
  return *re;
}

const std::vector<std::string>& info_messages_with_stack() {
  static const std::vector<std::string> messages = {
      "vmalloc: allocation failure:", "FAULT_INJECTION: forcing a failure",
      "FAULT_FLAG_ALLOW_RETRY missing"};
  return messages;
}

}  // namespace culprit::report
