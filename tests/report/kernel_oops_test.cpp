// One small console log per oops family, written for the test, titled the
// way the syzbot dashboard titles such crashes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "report/crash_report.h"

namespace culprit::report {
namespace {

// Prefixes every line with a printk timestamp and a task caller id.
std::string console(const std::vector<std::string>& lines, const std::string& caller = "[ T4242]") {
  std::string out = "[   10.000001][    T1] syzkaller login: root\n";
  int us = 2;
  for (const auto& l : lines)
    out += "[   10." + std::to_string(100000 + us++) + "]" + caller + " " + l + "\n";
  return out;
}

const std::vector<std::string> kSyscallTail = {" do_syscall_64+0x35/0xb0",
                                               " entry_SYSCALL_64_after_hwframe+0x63/0xcd",
                                               "RIP: 0033:0x7f0000000000"};

std::vector<std::string> with_tail(std::vector<std::string> lines) {
  lines.insert(lines.end(), kSyscallTail.begin(), kSyscallTail.end());
  return lines;
}

struct Case {
  const char* name;
  std::vector<std::string> lines;
  const char* title;
  const char* type;
  bool corrupted = false;
};

class Family : public ::testing::TestWithParam<Case> {};

TEST_P(Family, IsTitledLikeSyzbot) {
  const Case& c = GetParam();
  std::string log = console(c.lines);
  auto r = find_crash(log);
  ASSERT_TRUE(r) << log;
  EXPECT_EQ(r->title, c.title) << log;
  EXPECT_EQ(r->type, c.type);
  EXPECT_EQ(r->corrupted, c.corrupted) << r->report;
  EXPECT_LT(r->start, r->end);
  EXPECT_LE(r->end, log.size());
  EXPECT_FALSE(r->report.empty());
}

const Case kCases[] = {
    {"KasanUseAfterFree",
     with_tail({"==================================================================",
                "BUG: KASAN: slab-use-after-free in tcp_close+0x12/0x80",
                "Read of size 8 at addr ffff888012345678 by task syz-executor.3/4242", "",
                "Call Trace:", " <TASK>", " __dump_stack lib/dump_stack.c:88 [inline]",
                " dump_stack_lvl+0xd9/0x150", " print_report+0xc1/0x5e0", " kasan_report+0xba/0xf0",
                " tcp_close+0x12/0x80", " inet_release+0x1/0x2", " __sock_release+0x1/0x2"}),
     "KASAN: slab-use-after-free Read in tcp_close", "KASAN-USE-AFTER-FREE-READ"},
    {"KasanOutOfBoundsWrite",
     with_tail({"BUG: KASAN: slab-out-of-bounds in memcpy+0x1/0x2",
                "Write of size 16 at addr ffff8880 by task a/1",
                "Call Trace:", " dump_stack+0x1/0x2", " kasan_report+0x1/0x2", " memcpy+0x1/0x2",
                " hci_event_packet.isra.7+0x1/0x2", " hci_rx_work+0x1/0x2"}),
     "KASAN: slab-out-of-bounds Write in hci_event_packet", "KASAN-WRITE"},
    {"KasanDoubleFree",
     with_tail({"BUG: KASAN: double-free in kfree+0x1/0x2", "Call Trace:", " dump_stack+0x1/0x2",
                " kfree+0x1/0x2", " nfc_llcp_sock_free.constprop.0+0x1/0x2",
                " sk_destruct+0x1/0x2"}),
     "KASAN: invalid-free in nfc_llcp_sock_free", "KASAN-INVALID-FREE"},
    {"Kfence",
     with_tail({"BUG: KFENCE: use-after-free read in ext4_find_entry+0x1/0x2", "",
                "Use-after-free read at 0xffff8 (in kfence-#12):", " ext4_find_entry+0x1/0x2",
                " ext4_lookup+0x1/0x2", "", "freed by task 4242 on cpu 1 at 10.1s:",
                " ext4_free+0x1/0x2", "", "Call Trace:", " dump_stack+0x1/0x2",
                " kfence_report_error+0x1/0x2", " ext4_find_entry+0x1/0x2"}),
     "KFENCE: use-after-free read in ext4_find_entry", "KFENCE-USE-AFTER-FREE-READ"},
    {"KmsanUninit",
     {"BUG: KMSAN: uninit-value in f2fs_check_nid_range+0x1/0x2", " f2fs_check_nid_range+0x1/0x2",
      " f2fs_iget+0x1/0x2", "", "Uninit was created at:", " __alloc_pages+0x1/0x2",
      " f2fs_fill_super+0x1/0x2"},
     "KMSAN: uninit-value in f2fs_check_nid_range",
     "KMSAN-UNINIT-VALUE"},
    {"KcsanDataRace",
     {"BUG: KCSAN: data-race in do_sys_poll / pipe_write", "",
      "write to 0xffff8 of 4 bytes by task 1 on cpu 0:", " pipe_write+0x1/0x2"},
     "KCSAN: data-race in do_sys_poll / pipe_write",
     "KCSAN-DATARACE"},
    {"SleepingInAtomic",
     with_tail({"BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580",
                "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 4242, name: syz-executor",
                "Call Trace:", " dump_stack+0x1/0x2", " __might_resched+0x1/0x2",
                " __mutex_lock+0x1/0x2", " tun_chr_ioctl+0x1/0x2", " __x64_sys_ioctl+0x1/0x2"}),
     "BUG: sleeping function called from invalid context in tun_chr_ioctl", "ATOMIC_SLEEP"},
    {"SchedulingWhileAtomic",
     with_tail({"BUG: scheduling while atomic: syz-executor/4242/0x00000002",
                "Call Trace:", " dump_stack+0x1/0x2", " __schedule_bug+0x1/0x2",
                " schedule+0x1/0x2", " io_uring_enter+0x1/0x2"}),
     "BUG: scheduling while atomic in io_uring_enter", "ATOMIC_SLEEP"},
    {"PagingRequest",
     with_tail({"BUG: unable to handle page fault for address: ffffed1000000000",
                "#PF: supervisor read access in kernel mode", "Oops: 0000 [#1] PREEMPT SMP KASAN",
                "RIP: 0010:xfrm_policy_lookup+0x1a/0x300", "Call Trace:", " xfrm_lookup+0x1/0x2"}),
     "BUG: unable to handle kernel paging request in xfrm_policy_lookup", "MEMORY_SAFETY_BUG"},
    {"NullDereference",
     with_tail({"BUG: kernel NULL pointer dereference, address: 0000000000000010",
                "Oops: 0000 [#1] SMP", "RIP: 0010:nbd_ioctl+0x1/0x2",
                "Call Trace:", " blkdev_ioctl+0x1/0x2"}),
     "BUG: unable to handle kernel NULL pointer dereference in nbd_ioctl",
     "NULL-POINTER-DEREFERENCE"},
    {"BadPageState",
     with_tail({"BUG: Bad page state in process syz-executor  pfn:1b2c3",
                "page last allocated via order 0:", " get_page_from_freelist+0x1/0x2",
                " __alloc_pages+0x1/0x2", " shmem_getpage_gfp+0x1/0x2",
                "Call Trace:", " dump_stack+0x1/0x2", " bad_page+0x1/0x2"}),
     "BUG: Bad page state in shmem_getpage_gfp", ""},
    {"SoftLockup",
     with_tail({"watchdog: BUG: soft lockup - CPU#1 stuck for 123s! [syz-executor:4242]",
                "RIP: 0010:__sanitizer_cov_trace_pc+0x1/0x2",
                "Call Trace:", " hash_net4_test+0x1/0x2", " ip_set_test+0x1/0x2",
                " nfnetlink_rcv_msg+0x1/0x2", " netlink_rcv_skb+0x1/0x2"}),
     "BUG: soft lockup in ip_set_test", "HANG"},
    {"SpinlockLockup",
     with_tail({"BUG: spinlock lockup suspected on CPU#0, syz-executor/4242",
                " lock: 0xffff8, .magic: dead4ead", "Call Trace:", " dump_stack+0x1/0x2",
                " do_raw_spin_lock+0x1/0x2", " _raw_spin_lock+0x1/0x2", " sctp_close+0x1/0x2"}),
     "BUG: spinlock lockup suspected in sctp_close", "LOCKDEP"},
    {"CorruptedList",
     with_tail({"list_del corruption. next->prev should be ffff8, but was ffff9",
                "------------[ cut here ]------------", "kernel BUG at lib/list_debug.c:54!",
                "invalid opcode: 0000 [#1] PREEMPT SMP KASAN",
                "RIP: 0010:__list_del_entry_valid+0x1/0x2",
                "Call Trace:", " __list_del_entry_valid+0x1/0x2", " list_del_init+0x1/0x2",
                " tty_ldisc_release+0x1/0x2"}),
     "BUG: corrupted list in tty_ldisc_release", "MEMORY_SAFETY_BUG"},
    {"WarningAtFileLine",
     with_tail({"------------[ cut here ]------------",
                "WARNING: CPU: 1 PID: 4242 at net/core/dev.c:42 dev_close.cold+0x1/0x2",
                "Modules linked in:", "RIP: 0010:dev_close.cold+0x1/0x2",
                "Call Trace:", " dev_close_many+0x1/0x2"}),
     "WARNING in dev_close", "WARNING"},
    {"RefcountWarning",
     with_tail({"refcount_t: underflow; use-after-free.",
                "WARNING: CPU: 0 PID: 4242 at lib/refcount.c:28 refcount_warn_saturate+0x1/0x2",
                "RIP: 0010:refcount_warn_saturate+0x1/0x2",
                "Call Trace:", " __refcount_sub_and_test+0x1/0x2", " nfc_put_device+0x1/0x2"}),
     "WARNING: refcount bug in nfc_put_device", "REFCOUNT_WARNING"},
    {"LockHeldReturningToUser",
     {"================================================",
      "WARNING: lock held when returning to user space!",
      "syz-executor/4242 is leaving the kernel with locks still held!",
      "1 lock held by syz-executor/4242:",
      " #0: ffff8 (&ctx->lock){+.+.}-{3:3}, at: io_uring_enter+0x1/0x2"},
     "WARNING: lock held when returning to user space in io_uring_enter",
     "LOCKDEP"},
    {"SuspiciousRcu",
     with_tail({"=============================", "WARNING: suspicious RCU usage",
                "6.1.0-syzkaller #0 Not tainted", "-----------------------------",
                "net/ipv6/addrconf.c:1234 suspicious rcu_dereference_check() usage!",
                "Call Trace:", " dump_stack+0x1/0x2", " lockdep_rcu_suspicious+0x1/0x2",
                " addrconf_dad_work+0x1/0x2"}),
     "WARNING: suspicious RCU usage in addrconf_dad_work", "LOCKDEP"},
    {"CircularLocking",
     with_tail({"======================================================",
                "WARNING: possible circular locking dependency detected", "6.1.0 Not tainted",
                "------------------------------------------------------",
                "syz-executor/4242 is trying to acquire lock:",
                "ffff8 (&pipe->mutex/1){+.+.}-{3:3}, at: pipe_lock+0x1/0x2", "",
                "but task is already holding lock:",
                "ffff9 (sb_writers#4){.+.+}-{0:0}, at: do_splice+0x1/0x2", "",
                "which lock already depends on the new lock.", "",
                "Call Trace:", " dump_stack+0x1/0x2"}),
     "possible deadlock in pipe_lock", "LOCKDEP"},
    {"RecursiveLocking",
     {"============================================",
      "WARNING: possible recursive locking detected",
      "syz-executor/4242 is trying to acquire lock:",
      "ffff8 (&sb->s_type->i_mutex_key#13), at: inode_lock+0x1/0x2", "",
      "but task is already holding lock:",
      "ffff8 (&sb->s_type->i_mutex_key#13), at: inode_lock+0x1/0x2",
      "Call Trace:", " dump_stack+0x1/0x2", " __lock_acquire+0x1/0x2", " down_write+0x1/0x2",
      " vfs_rename+0x1/0x2"},
     "possible deadlock in inode_lock",
     "LOCKDEP"},
    {"KernelBugAt",
     with_tail({"------------[ cut here ]------------", "kernel BUG at fs/ext4/inode.c:2728!",
                "invalid opcode: 0000 [#1] PREEMPT SMP KASAN", "RIP: 0010:ext4_writepages+0x1/0x2",
                "Call Trace:", " do_writepages+0x1/0x2"}),
     "kernel BUG in ext4_writepages", "BUG"},
    {"GeneralProtectionFault",
     with_tail({"general protection fault, probably for non-canonical address 0xdffffc0000000002: "
                "0000 [#1] SMP KASAN",
                "KASAN: null-ptr-deref in range [0x0000000000000010-0x0000000000000017]",
                "RIP: 0010:tipc_bcast_get_mode+0x1/0x2",
                "Call Trace:", " tipc_nl_bearer_disable+0x1/0x2"}),
     "general protection fault in tipc_bcast_get_mode", "DoS"},
    {"DivideError",
     with_tail({"divide error: 0000 [#1] PREEMPT SMP KASAN", "RIP: 0010:fbcon_set_font+0x1/0x2",
                "Call Trace:", " con_font_op+0x1/0x2"}),
     "divide error in fbcon_set_font", "DoS"},
    {"InvalidOpcode",
     with_tail({"invalid opcode: 0000 [#1] SMP", "RIP: 0010:kvm_mmu_page_fault+0x1/0x2",
                "Call Trace:", " vmx_handle_exit+0x1/0x2"}),
     "invalid opcode in kvm_mmu_page_fault", "DoS"},
    {"UbsanShift",
     with_tail({"================================================================================",
                "UBSAN: shift-out-of-bounds in net/sched/sch_taprio.c:1234:12",
                "shift exponent 64 is too large", "Call Trace:", " dump_stack+0x1/0x2",
                " ubsan_epilogue+0x1/0x2", " __ubsan_handle_shift_out_of_bounds+0x1/0x2",
                " taprio_change+0x1/0x2"}),
     "UBSAN: shift-out-of-bounds in taprio_change", "UBSAN"},
    {"UbsanArrayIndex",
     with_tail({"UBSAN: array-index-out-of-bounds in fs/jfs/jfs_dmap.c:1234:8",
                "index 64 is out of range", "Call Trace:", " dump_stack+0x1/0x2",
                " __ubsan_handle_out_of_bounds+0x1/0x2", " dbAllocBits+0x1/0x2"}),
     "UBSAN: array-index-out-of-bounds in dbAllocBits", "MEMORY_SAFETY_UBSAN"},
    {"PanicMessage",
     with_tail({"sysrq: Trigger a crash", "Kernel panic - not syncing: sysrq triggered crash",
                "Call Trace:", " dump_stack+0x1/0x2", " panic+0x1/0x2",
                " sysrq_handle_crash+0x1/0x2", " write_sysrq_trigger+0x1/0x2"}),
     "kernel panic: sysrq triggered crash", "DoS"},
    {"StackProtector",
     {"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: "
      "sctp_getsockopt+0x1/0x2"},
     "kernel panic: stack is corrupted in sctp_getsockopt",
     "DoS"},
    {"TaskHung",
     with_tail({"INFO: task syz-executor:4242 blocked for more than 143 seconds.",
                "      Not tainted 6.1.0 #0", "task:syz-executor state:D stack:0 pid:4242",
                "Call Trace:", " <TASK>", " __schedule+0x1/0x2", " schedule+0x1/0x2",
                " rwsem_down_write_slowpath+0x1/0x2", " down_write+0x1/0x2", " lock_rename+0x1/0x2",
                " do_renameat2+0x1/0x2"}),
     "INFO: task hung in lock_rename", "HANG"},
    {"RcuStall",
     {"rcu: INFO: rcu_preempt self-detected stall on CPU", "rcu: \t0-....: (10500 ticks this GP)",
      "NMI backtrace for cpu 0", "Call Trace:", " <IRQ>", " rcu_sched_clock_irq+0x1/0x2",
      " update_process_times+0x1/0x2", " sysvec_apic_timer_interrupt+0x1/0x2", " </IRQ>",
      " asm_sysvec_apic_timer_interrupt+0x1/0x2", "RIP: 0010:hash_ipport4_gc+0x1/0x2",
      " hash_ipport4_gc+0x1/0x2", " call_timer_fn+0x1/0x2", " __run_timers+0x1/0x2"},
     "INFO: rcu detected stall in hash_ipport4_gc",
     "HANG"},
    {"MemoryLeak",
     {"BUG: memory leak", "unreferenced object 0xffff888100000000 (size 64):",
      "  comm \"syz-executor\", pid 4242, jiffies 4294967296",
      "  backtrace:", "    [<ffffffff81000000>] kmalloc include/linux/slab.h:600 [inline]",
      "    [<ffffffff81000000>] kzalloc+0x1/0x2",
      "    [<ffffffff81000001>] nci_hci_add_gate+0x1/0x2",
      "    [<ffffffff81000002>] nci_core_conn_create+0x1/0x2"},
     "memory leak in nci_hci_add_gate",
     "LEAK"},
    {"SyzFail",
     {"SYZFAIL: negative running", "(errno 0: Success)"},
     "SYZFAIL: negative running",
     "SYZ_FAILURE"},
    {"SyzFatal",
     {"SYZFATAL: executor 3 failed 11 times: EOF"},
     "SYZFATAL: executor NUM failed NUM times: EOF",
     "SYZ_FAILURE"},
    {"TruncatedGpf",
     {"general protection fault: 0000 [#1] SMP KASAN"},
     "general protection fault in corrupted",
     "DoS",
     true},
    {"WarningWithoutStack",
     {"WARNING: CPU: 0 PID: 1 at net/core/dev.c:42 dev_close+0x1/0x2"},
     "WARNING in corrupted",
     "WARNING",
     true},
};

INSTANTIATE_TEST_SUITE_P(Oopses, Family, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(KernelOops, FirstOopsIsTheReport) {
  std::string log = console(
      with_tail({"BUG: KASAN: use-after-free in foo_bar+0x1/0x2",
                 "Write of size 4 at addr ffff8 by task t/1", "Call Trace:", " foo_bar+0x1/0x2"}));
  log += console(with_tail({"general protection fault: 0000 [#1] SMP", "RIP: 0010:baz+0x1/0x2",
                            "Call Trace:", " qux+0x1/0x2"}));
  auto r = find_crash(log);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->title, "KASAN: use-after-free Write in foo_bar");
  EXPECT_EQ(r->type, "KASAN-USE-AFTER-FREE-WRITE");
}

TEST(KernelOops, OtherCpusAndUnreliableFramesAreLeftOut) {
  std::string log =
      "[   10.1][ T7] WARNING: CPU: 0 PID: 7 at fs/namei.c:10 walk+0x1/0x2\n"
      "[   10.2][ T9] RIP: 0010:other_task+0x1/0x2\n"
      "[   10.3][ T7] RIP: 0010:walk+0x1/0x2\n"
      "[   10.4][ T7] Call Trace:\n"
      "[   10.5][ T7]  ? show_regs+0x1/0x2\n"
      "[   10.6][ T7]  path_lookupat+0x1/0x2\r\n";
  auto r = find_crash(log);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->title, "WARNING in walk");
  EXPECT_EQ(r->report.find("other_task"), std::string::npos);
  EXPECT_EQ(r->report.find("show_regs"), std::string::npos);
  EXPECT_EQ(r->report.find('\r'), std::string::npos);
}

TEST(KernelOops, SyscallWrappersAreStripped) {
  auto r = find_crash(console({"kernel BUG at kernel/sys.c:2345!", "invalid opcode: 0000 [#1] SMP",
                               "RIP: 0010:__x64_sys_prctl.isra.3+0x46f/0x482",
                               "Call Trace:", " do_syscall_64+0x1/0x2"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->title, "kernel BUG in sys_prctl");
  EXPECT_EQ(r->frame, "sys_prctl");
  // The raw name is an alternative title.
  EXPECT_NE(std::find(r->alt_titles.begin(), r->alt_titles.end(), "kernel BUG in __x64_sys_prctl"),
            r->alt_titles.end());
}

TEST(KernelOops, NoCrashInABootLog) {
  EXPECT_FALSE(
      find_crash("[    0.000000] Linux version 6.1.0\n[    1.9] Run /init as init process\n"
                 "[    2.0] INFO: lockdep is turned off.\n[    2.1] ODEBUG: object is on stack\n"));
}

TEST(KernelOops, HarnessTitlesHaveTypes) {
  EXPECT_EQ(crash_type_for_title("lost connection to test machine"), "LOST_CONNECTION");
  EXPECT_EQ(crash_type_for_title("no output from test machine"), "NO_OUTPUT");
  EXPECT_EQ(crash_type_for_title("INFO: task hung in foo"), "HANG");
  EXPECT_EQ(crash_type_for_title("something else"), "");
}

}  // namespace
}  // namespace culprit::report
