// Crash identity: which runs show the bisected crash, and how much, when its
// title varies from run to run.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "bisect/crash_matcher.h"

namespace culprit::bisect {
namespace {

const std::vector<std::string> kRecursion = {"parse_value", "parse_array", "parse_object",
                                             "parse_member"};

// An AddressSanitizer stack overflow in a recursion of four functions whose
// top frame is the `top`-th of them; `frames` 0: a report cut short.
RunSummary stack_overflow(std::size_t top, int frames = 12) {
  RunSummary r;
  r.status = run::RunStatus::crashed;
  r.type = "ASAN-STACK-OVERFLOW";
  r.report =
      "==4242==ERROR: AddressSanitizer: stack-overflow on address 0x7ffd3a5f4ff8 (pc "
      "0x55d0c0de bp 0x7ffd sp 0x7ffd T0)\n";
  for (int i = 0; i < frames; ++i) {
    const auto& fn = kRecursion[(top + static_cast<std::size_t>(i)) % kRecursion.size()];
    r.report += fmt::format("    #{} 0x55d0c0de{:04x} in {} /src/json/parse.c:{}:7\n", i, i, fn,
                            40 + 10 * ((top + static_cast<std::size_t>(i)) % 4));
  }
  r.report += "SUMMARY: AddressSanitizer: stack-overflow\n";
  r.title = frames ? "stack-overflow in " + kRecursion[top] : "stack-overflow";
  return r;
}

RunSummary crash(const std::string& title, const std::string& type,
                 const std::vector<std::string>& stack, std::vector<std::string> alt = {}) {
  RunSummary r;
  r.status = run::RunStatus::crashed;
  r.title = title;
  r.type = type;
  r.alt_titles = std::move(alt);
  r.report = "BUG: " + title + "\nCall Trace:\n";
  for (const auto& f : stack) r.report += " " + f + "+0x1c/0x30 fs/x.c:12\n";
  return r;
}

RunSummary ok() {
  RunSummary r;
  r.status = run::RunStatus::ok;
  return r;
}

TEST(CrashFamily, AStackOverflowUnderFiveTitlesIsOneCrash) {
  std::vector<RunSummary> start{stack_overflow(0),   stack_overflow(1), ok(),
                                stack_overflow(0),   stack_overflow(2), stack_overflow(3),
                                stack_overflow(1, 0)};
  auto families = group_crashes(start);
  ASSERT_EQ(families.size(), 1u);
  const auto& f = families.front();
  EXPECT_EQ(f.main(), "stack-overflow in parse_value") << "the most frequent title";
  EXPECT_EQ(f.titles().size(), 5u);
  EXPECT_EQ(f.runs(), 6);
  EXPECT_DOUBLE_EQ(f.match(stack_overflow(0)).weight, 1.0);
  // Another top frame of the same recursion: a near match, counted.
  auto near = f.match(stack_overflow(3));
  EXPECT_GE(near.weight, kCountedWeight);
  EXPECT_LT(near.weight, 1.0);
  EXPECT_NE(near.reason.find("same kind of crash (stack overflow)"), std::string::npos)
      << near.reason;
  // A report cut short: the kind alone, the table's weight.
  auto bare = f.match(stack_overflow(0, 0));
  EXPECT_DOUBLE_EQ(bare.weight, 0.6) << bare.reason;
}

TEST(CrashFamily, AnUnrelatedCrashIsAnotherFamilyAndNoEvidence) {
  auto warning = crash("WARNING in ext4_evict_inode", "WARNING",
                       {"ext4_evict_inode", "evict", "iput", "do_unlinkat"});
  std::vector<RunSummary> start{warning, stack_overflow(0), stack_overflow(1), warning,
                                stack_overflow(2)};
  auto families = group_crashes(start);
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].runs(), 3) << "the larger family first, though its titles are rarer";
  EXPECT_EQ(families[0].main(), "stack-overflow in parse_value");
  EXPECT_EQ(families[1].main(), "WARNING in ext4_evict_inode");
  EXPECT_EQ(families[0].match(warning).weight, 0.0);
  EXPECT_EQ(families[1].match(stack_overflow(3)).weight, 0.0);
}

TEST(CrashFamily, TwoBugsOfOneTypeOnOneCallPathStayApart) {
  // Both use-after-frees are reached through the same writeback path; they
  // differ where it matters, at the top.
  auto a = crash("KASAN: use-after-free Read in ext4_mb_new_blocks", "KASAN-USE-AFTER-FREE-READ",
                 {"ext4_mb_new_blocks", "ext4_ext_map_blocks", "ext4_map_blocks", "ext4_writepages",
                  "do_writepages", "wb_writeback"});
  auto b = crash("KASAN: use-after-free Read in ext4_da_release_space", "KASAN-USE-AFTER-FREE-READ",
                 {"ext4_da_release_space", "ext4_es_remove_extent", "ext4_map_blocks",
                  "ext4_writepages", "do_writepages", "wb_writeback"});
  CrashFamily f;
  f.add(a);
  auto m = f.match(b);
  EXPECT_EQ(m.weight, 0.0) << m.reason;
  EXPECT_EQ(m.reason, "same type, other frames");
  EXPECT_EQ(group_crashes({a, b, a}).size(), 2u);
}

TEST(CrashFamily, ADifferentlyInlinedTopFrameIsANearMatch) {
  auto a =
      crash("KASAN: use-after-free Read in sctp_outq_select_transport", "KASAN-USE-AFTER-FREE-READ",
            {"sctp_outq_select_transport", "sctp_outq_flush_data", "sctp_outq_flush",
             "sctp_outq_uncork", "sctp_do_sm", "sctp_primitive_SEND"});
  auto b = crash("KASAN: use-after-free Read in sctp_outq_flush_data", "KASAN-USE-AFTER-FREE-READ",
                 {"sctp_outq_flush_data", "sctp_outq_flush", "sctp_outq_uncork", "sctp_do_sm",
                  "sctp_primitive_SEND"});
  CrashFamily f;
  f.add(a);
  auto m = f.match(b);
  EXPECT_GE(m.weight, kCountedWeight) << m.reason;
  EXPECT_LT(m.weight, 1.0);
  EXPECT_EQ(m.reason, "same type, frames in common");
}

TEST(CrashFamily, AnotherTypeWithTheSameStackIsPartialEvidence) {
  std::vector<std::string> stack{"sctp_outq_select_transport", "sctp_outq_flush",
                                 "sctp_outq_uncork", "sctp_do_sm"};
  CrashFamily f;
  f.add(crash("KASAN: use-after-free Read in sctp_outq_select_transport",
              "KASAN-USE-AFTER-FREE-READ", stack));
  auto gpf = f.match(crash("general protection fault in sctp_outq_select_transport", "DoS", stack));
  EXPECT_GT(gpf.weight, 0.0);
  EXPECT_LT(gpf.weight, kCountedWeight) << "evidence, but never counted alone";
  EXPECT_EQ(gpf.reason, "another type, the same stack");
  // ... unless the parser says it is another name of the crash.
  auto named = f.match(crash("general protection fault in sctp_outq_select_transport", "DoS", stack,
                             {"KASAN: use-after-free Read in sctp_outq_select_transport"}));
  EXPECT_DOUBLE_EQ(named.weight, 1.0);
}

TEST(CrashFamily, MachineLevelTitlesNeverJoinAFamily) {
  auto lost = crash("lost connection to test machine", "LOST_CONNECTION", {});
  auto silent = crash("no output from test machine", "NO_OUTPUT", {});
  lost.report.clear();
  silent.report.clear();
  auto families =
      group_crashes({stack_overflow(0), lost, stack_overflow(1), silent, lost, stack_overflow(2)});
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].runs(), 3);
  EXPECT_EQ(families[0].match(lost).weight, 0.0);
  EXPECT_EQ(families[0].match(silent).weight, 0.0);
}

TEST(CrashFamily, ANamedTitleLeadsItsFamilyBeforeAnyRunShowsIt) {
  // --title names one of the titles; the start commit happened to show others.
  auto families =
      group_crashes({stack_overflow(1), stack_overflow(2), ok()}, "stack-overflow in parse_member");
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].main(), "stack-overflow in parse_member");
  EXPECT_EQ(families[0].runs(), 2);
  EXPECT_GE(families[0].match(stack_overflow(0)).weight, kCountedWeight);
  // A title that is only a process's end compares with nothing.
  auto generic = group_crashes({stack_overflow(1)}, "exit status 1");
  ASSERT_EQ(generic.size(), 2u);
  EXPECT_EQ(generic[0].match(stack_overflow(1)).weight, 0.0);
}

TEST(CrashFamily, ANamedTitleTheStartCommitShowsOnlyUnderOtherNamesOfItsType) {
  // --title has the title syzbot saw; the start commit shows the crash
  // under two others of its type (its top frame inlined differently).
  auto a = crash("KASAN: use-after-free Read in sctp_outq_flush_data", "KASAN-USE-AFTER-FREE-READ",
                 {"sctp_outq_flush_data", "sctp_outq_flush", "sctp_outq_uncork", "sctp_do_sm"});
  auto b = crash("KASAN: use-after-free Read in sctp_sched_dequeue", "KASAN-USE-AFTER-FREE-READ",
                 {"sctp_sched_dequeue", "sctp_outq_flush", "sctp_outq_uncork", "sctp_do_sm"});
  auto warning = crash("WARNING in sctp_do_sm", "WARNING", {"sctp_do_sm", "sctp_primitive_SEND"});
  const std::string named = "KASAN: use-after-free Read in sctp_outq_select_transport";
  auto families = group_crashes({a, warning, a, b}, named);
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].main(), named);
  EXPECT_EQ(families[0].runs(), 3) << "taken as the named crash: same type";
  EXPECT_EQ(families[0].titles().front().joined.reason,
            "not the named title, but of its type or kind");
  EXPECT_GE(families[0].match(b).weight, kCountedWeight);
  EXPECT_EQ(families[0].match(warning).weight, 0.0);
  // Of another type only: not the named crash, which did not reproduce.
  auto none = group_crashes({warning, warning}, named);
  ASSERT_EQ(none.size(), 2u);
  EXPECT_EQ(none[0].runs(), 0);
}

TEST(CrashMatcher, TalliesNearMatchesAsFractionsOfACrash) {
  CrashMatcher m;
  std::vector<RunSummary> start{stack_overflow(0), stack_overflow(0), stack_overflow(1)};
  ASSERT_TRUE(m.learn_from_start(start, true));
  EXPECT_EQ(m.target(), "stack-overflow in parse_value");
  auto warning = crash("WARNING in foo", "WARNING", {"foo", "bar"});
  auto e = m.tally({stack_overflow(0), stack_overflow(2), stack_overflow(0, 0), warning, ok()});
  EXPECT_EQ(e.matching, 3);
  EXPECT_EQ(e.other, 1);
  EXPECT_EQ(e.ok, 1);
  EXPECT_GT(e.weight, 2.3);
  EXPECT_LT(e.weight, 3.0);
  // The log says where each crash was counted.
  EXPECT_EQ(m.counted_as(stack_overflow(0)), "");
  EXPECT_EQ(m.counted_as(stack_overflow(2)),
            " [counted as \"stack-overflow in parse_value\" at 0.90: same kind of crash (stack "
            "overflow), frames in common]");
  EXPECT_EQ(m.counted_as(warning), " [not counted: another crash]");
  EXPECT_NE(m.family_line().find("\"stack-overflow in parse_array\" (1 run, counted at 0.90"),
            std::string::npos)
      << m.family_line();
}

TEST(CrashMatcher, BeforeLearningOnlyANamedTitleCounts) {
  CrashMatcher unnamed;
  EXPECT_FALSE(unnamed.matches(stack_overflow(0)));
  // The start commit's own tally uses its largest family.
  EXPECT_EQ(unnamed.tally({stack_overflow(0), stack_overflow(1)}).matching, 2);
  CrashMatcher named("stack-overflow in parse_array");
  EXPECT_TRUE(named.matches(stack_overflow(1)));
  EXPECT_TRUE(named.matches(stack_overflow(2))) << "the same kind, its function among the frames";
}

}  // namespace
}  // namespace culprit::bisect
