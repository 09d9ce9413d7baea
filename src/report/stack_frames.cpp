#include "report/stack_frames.h"

#include <array>
#include <string_view>

#include "report/pattern.h"
#include "util/text.h"

namespace culprit::report {
namespace {

// Where work is dispatched (syscall entry, work items, timers, file and
// socket operations): a stall loops somewhere above one of these.
const RE2& stall_anchors() {
  static const Pattern re = compile_pattern(
      "process_one_work|do_syscall_|do_fast_syscall_|sysenter_dispatch|tracesys_phase2|el0_svc_"
      "handler|"
      "invoke_syscall|ret_fast_syscall|netif_receive_skb|do_softirq|call_timer_fn|_run_timers|"
      "run_timer_softirq|hrtimer_run|run_ksoftirqd|smpboot_thread_fn|^kthread$|start_secondary|"
      "cpu_startup_entry|ret_from_fork|vfs_write|vfs_read|vfs_iter_read|vfs_iter_write|do_iter_"
      "read|"
      "do_iter_write|call_read_iter|call_write_iter|new_sync_read|new_sync_write|vfs_ioctl|ksys_"
      "ioctl|"
      "compat_ioctl|compat_sys_ioctl|blkdev_driver_ioctl|blkdev_ioctl|^call_read_iter|^call_write_"
      "iter|"
      "do_iter_readv_writev|^call_mmap|mmap_region|do_mmap|do_dentry_open|vfs_open|^sock_sendmsg|"
      "^sock_recvmsg|^sock_release|^__sock_release|^setsockopt$|kernel_setsockopt|sock_common_"
      "setsockopt|"
      "^listen$|kernel_listen|sk_common_release|^sock_mmap|^accept$|kernel_accept|^sock_do_ioctl|"
      "^sock_ioctl|^compat_sock_ioctl|^nfnetlink_rcv_msg|^rtnetlink_rcv_msg|^netlink_dump|"
      "^(sys_)?(socketpair|connect|ioctl)|__do_fault|do_page_fault|^page_fault$|__fput|task_work_"
      "run|"
      "exit_to_usermode|smp_call_function|tasklet_action|tasklet_hi_action");
  return *re;
}

int choose_stall(const std::vector<std::string>& frames, std::string* chosen) {
  std::size_t prev = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (contains_match(stall_anchors(), frames[i])) {
      if (frames[i].find("smp_call_function") != std::string::npos) {
        *chosen = "smp_call_function";  // its callees vary; it names the bug better
        return static_cast<int>(i);
      }
      *chosen = frames[prev];
      return static_cast<int>(prev);
    }
    prev = i;
  }
  return -1;
}

// Hangs show at the victims' waits; group the common waits on RCU and RTNL.
int choose_hung_task(const std::vector<std::string>& frames, std::string* chosen) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kAnchors = {{
      {"rtnl_lock", ""},
      {"synchronize_rcu", "synchronize_rcu"},
      {"synchronize_srcu", "synchronize_rcu"},
      {"synchronize_net", "synchronize_rcu"},
      {"synchronize_sched", "synchronize_rcu"},
  }};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    for (const auto& [anchor, replacement] : kAnchors) {
      if (frames[i].find(anchor) != std::string::npos) {
        *chosen = replacement.empty() ? frames[i] : std::string(replacement);
        return static_cast<int>(i);
      }
    }
  }
  static constexpr std::array<std::string_view, 13> kWaiting = {
      "sched",      "_lock", "_slowlock",   "down",           "rwsem",       "completion",
      "kthread",    "wait",  "synchronize", "context_switch", "__switch_to", "cancel_delayed_work",
      "rcu_barrier"};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    bool waiting = false;
    for (auto w : kWaiting) waiting = waiting || frames[i].find(w) != std::string::npos;
    if (!waiting) {
      *chosen = frames[i];
      return static_cast<int>(i);
    }
  }
  return -1;
}

ExtractedFrame choose(const StackRule& rule, const std::vector<std::string>& raw) {
  if (raw.empty()) return {};
  std::vector<std::string> stripped;
  stripped.reserve(raw.size());
  for (const auto& f : raw) stripped.push_back(strip_frame_prefix(f));
  if (rule.choice == FrameChoice::kFirst) return {stripped[0], raw[0]};
  std::string chosen;
  int idx = rule.choice == FrameChoice::kStall ? choose_stall(stripped, &chosen)
                                               : choose_hung_task(stripped, &chosen);
  if (idx < 0 || chosen.empty()) return {};
  return {chosen, raw[static_cast<std::size_t>(idx)]};
}

void append_frames(const StackRule& rule, const PatternMatch& m, std::vector<std::string>* frames) {
  for (const auto& g : m.groups) {
    if (g.empty()) continue;
    if (rule.skip && contains_match(*rule.skip, g)) continue;
    frames->push_back(g);
  }
}

bool matches_frame(std::string_view line, PatternMatch* m) {
  for (const auto& re : stack_syntax().frame)
    if (find_match(*re, line, m)) return true;
  return false;
}

bool extract_with(const StackRule& rule, const std::vector<Pattern>& parts,
                  const std::vector<std::string_view>& lines,
                  std::vector<ExtractedFrame>* results) {
  const StackSyntax& syntax = stack_syntax();
  std::vector<std::string> raw;
  bool ok = true;
  int stacks = 0;
  std::size_t li = 0;
  PatternMatch m;
  for (std::size_t pi = 0;; ++pi) {
    if (pi == parts.size() || (parts[pi] == nullptr && stacks > 0)) {
      ExtractedFrame key = choose(rule, raw);
      if (key.canonical.empty()) {
        key = {"corrupted", "corrupted"};
        ok = false;
      }
      results->push_back(std::move(key));
      raw.clear();
    }
    if (pi == parts.size()) break;
    if (parts[pi] == nullptr) {
      ++stacks;
      while (li < lines.size()) {
        std::string_view ln = lines[li++];
        if (contains_match(*syntax.corrupted_line, ln)) {
          ok = false;
          break;
        }
        if (contains_match(*syntax.stack_start, ln)) break;
        if (pi + 1 < parts.size() && parts[pi + 1] && find_match(*parts[pi + 1], ln, &m)) {
          append_frames(rule, m, &raw);
          ++pi;
          break;
        }
        if (matches_frame(ln, &m)) append_frames(rule, m, &raw);
      }
    } else {
      while (li < lines.size()) {
        std::string_view ln = lines[li++];
        if (contains_match(*syntax.corrupted_line, ln)) {
          ok = false;
          break;
        }
        if (find_match(*parts[pi], ln, &m)) {
          append_frames(rule, m, &raw);
          break;
        }
      }
    }
  }
  return ok;
}

}  // namespace

std::string strip_frame_prefix(const std::string& frame) {
  std::string best = frame;
  for (const auto& prefix : stack_syntax().strip_prefixes)
    if (frame.size() >= prefix.size() && frame.size() - prefix.size() < best.size() &&
        frame.compare(0, prefix.size(), prefix) == 0)
      best = frame.substr(prefix.size());
  return best;
}

bool extract_frames(const StackRule& rule, std::string_view text,
                    std::vector<ExtractedFrame>* frames) {
  auto lines = split_lines_exact(text);
  frames->clear();
  if (extract_with(rule, rule.parts, lines, frames)) return true;
  if (rule.parts2.empty()) return false;
  frames->clear();
  return extract_with(rule, rule.parts2, lines, frames);
}

}  // namespace culprit::report
