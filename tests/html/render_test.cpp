// The HTML report from hand-made data: escaping, completeness, verdicts,
// partial bisections, and the candidate bands of the picture.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "html/candidates.h"
#include "html/escape.h"
#include "html/render.h"
#include "html/timeline_svg.h"

namespace culprit::html {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string hash_of(int i) {
  std::string h = std::to_string(i);
  return std::string(40 - h.size(), 'a') + h;
}

// A linear history c0 <- c1 <- ... <- c(n-1).
Timeline linear(int n) {
  Timeline t;
  for (int i = 0; i < n; ++i) {
    TimelineCommit c;
    c.hash = hash_of(i);
    if (i > 0) c.parents.push_back(static_cast<std::uint32_t>(i - 1));
    t.commits.push_back(c);
  }
  return t;
}

StepInfo step(int i, const std::string& verdict, const std::string& title = "") {
  StepInfo s;
  s.hash = hash_of(i);
  s.title = title.empty() ? "change " + std::to_string(i) : title;
  s.verdict = verdict;
  if (verdict == "bad") {
    s.crashed = 8;
    s.ok = 2;
    s.titles.assign(8, "KASAN: use-after-free Read in foo");
  } else if (verdict == "good") {
    s.ok = 10;
  } else {
    s.skipped = 10;
  }
  return s;
}

// Cause bisection over 100 commits: start c99 bad, culprit c37.
ReportData found_report() {
  ReportData d;
  d.params = {{"commit", hash_of(99)}, {"mode", "cause"}, {"good", hash_of(0)}};
  d.repo = "/src/kvtool";
  d.timeline = linear(100);
  d.timeline.assumed_old.push_back(hash_of(0));
  d.steps = {step(99, "bad"),  step(50, "bad"),  step(25, "good"), step(37, "bad"),
             step(31, "good"), step(34, "skip"), step(36, "good")};
  d.result = {
      {"mode", "cause"},
      {"verdict", "found"},
      {"commits",
       {{{"hash", hash_of(37)},
         {"title", "change 37"},
         {"author", "Ann Author <ann@example.org>"},
         {"date", "Mon Jan 2 15:04:05 2006 +0000"}}}},
      {"report",
       {{"title", "KASAN: use-after-free Read in foo"}, {"type", "KASAN-USE-AFTER-FREE-READ"}}},
      {"confidence", 0.97},
      {"revisions_tested", 7},
      {"builds", 7},
      {"test_runs", 70},
      {"total_seconds", 123.0},
      {"recipients", {{"to", {"Ann Author <ann@example.org>"}}, {"cc", {"list@example.org"}}}}};
  d.crash_report = "==1==ERROR: AddressSanitizer: heap-use-after-free\n    #0 foo <a.c:1>\n";
  return d;
}

TEST(Escape, MarkupAndInvalidBytes) {
  EXPECT_EQ(escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  EXPECT_EQ(escape("caf\xc3\xa9"), "caf\xc3\xa9");  // valid UTF-8 kept
  EXPECT_EQ(escape("a\xff"
                   "b"),
            "a\xef\xbf\xbd"
            "b");                                                 // invalid byte replaced
  EXPECT_EQ(escape(std::string("x\x01y", 3)), "x\xef\xbf\xbdy");  // not allowed in SVG/XML
}

TEST(Render, HostileTitlesAreEscapedEverywhere) {
  auto d = found_report();
  const std::string evil = "<script>alert(1)</script><img src=x onerror=alert(2)>";
  d.steps[3].title = evil;
  d.steps[1].titles = {evil};
  d.result["commits"][0]["title"] = evil;
  d.result["commits"][0]["author"] = evil;
  d.result["report"]["title"] = evil;
  d.result["recipients"]["cc"] = {evil};
  d.crash_report = evil;
  d.log = evil;
  d.steps[2].tags = {evil};
  auto page = render_report(d);
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("<img")));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

TEST(Render, SelfContained) {
  auto page = render_report(found_report());
  EXPECT_THAT(page, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(page, HasSubstr("<style>"));
  EXPECT_THAT(page, HasSubstr("<svg"));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("<link")));
  // No network: the only URL is the SVG namespace name, which is never fetched.
  std::regex url("(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}");
  std::string without_ns =
      std::regex_replace(page, std::regex("xmlns=\"http://www.w3.org/2000/svg\""), "");
  EXPECT_FALSE(std::regex_search(without_ns, url));
}

TEST(Render, VerdictCulpritAndRecipientsUpFront) {
  auto page = render_report(found_report());
  auto verdict = page.find("class=\"verdict found\"");
  ASSERT_NE(verdict, std::string::npos);
  // The culprit's full hash, author, date and recipients come before the picture.
  auto picture = page.find("<svg");
  for (const std::string& s :
       {std::string("First bad commit"), hash_of(37),
        std::string("Ann Author &lt;ann@example.org&gt;"),
        std::string("Mon Jan 2 15:04:05 2006 +0000"), std::string("list@example.org")}) {
    auto at = page.find(s);
    EXPECT_NE(at, std::string::npos) << s;
    EXPECT_LT(at, picture) << s;
  }
  EXPECT_THAT(page, HasSubstr("KASAN-USE-AFTER-FREE-READ"));
  EXPECT_THAT(page, HasSubstr("heap-use-after-free"));
  EXPECT_THAT(page, HasSubstr("97.0%"));
}

TEST(Render, EveryTestedCommitInTableAndPicture) {
  auto d = found_report();
  auto page = render_report(d);
  for (std::size_t k = 0; k < d.steps.size(); ++k) {
    const auto& s = d.steps[k];
    EXPECT_THAT(page,
                HasSubstr("<span class=\"hash\">" + s.hash.substr(0, 12) + "</span> " + s.title));
    EXPECT_THAT(page, HasSubstr("<title>#" + std::to_string(k + 1) + " " + s.verdict + " " +
                                s.hash.substr(0, 12)));
  }
  // One table row and one band per step.
  auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto p = page.find(what); p != std::string::npos; p = page.find(what, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<tr class=\"step\">"), d.steps.size());
  EXPECT_EQ(count("<g class=\"band\">"), d.steps.size());
  EXPECT_THAT(page, HasSubstr(">culprit</text>"));
}

TEST(Render, OtherVerdicts) {
  auto d = found_report();
  d.result["verdict"] = "inconclusive";
  d.result["commits"] = {{{"hash", hash_of(35)}, {"title", "change 35"}},
                         {{"hash", hash_of(34)}, {"title", "x"}}};
  EXPECT_THAT(render_report(d), HasSubstr("Inconclusive: 2 commits could be the culprit"));
  d.result["verdict"] = "unverified";
  d.result["contradiction"] = "the crash survives the revert";
  auto unverified = render_report(d);
  EXPECT_THAT(unverified, HasSubstr("Not confirmed"));
  EXPECT_THAT(unverified, HasSubstr("the crash survives the revert"));
  EXPECT_THAT(unverified, Not(HasSubstr("First bad commit")));
  d.result["verdict"] = "crash-on-oldest";
  d.result["commits"] = nlohmann::json::array();
  d.result["boundary"] = {{"hash", hash_of(99)}, {"title", "change 99"}};
  EXPECT_THAT(render_report(d), HasSubstr("already happens on the oldest tested commit"));
  d.fix = true;
  d.result["verdict"] = "not-fixed";
  EXPECT_THAT(render_report(d), HasSubstr("Not fixed"));
  d.result["verdict"] = "found";
  d.result["commits"] = {{{"hash", hash_of(40)}, {"title", "the fix"}}};
  EXPECT_THAT(render_report(d), HasSubstr("Fixed by"));
  d.result["reproduced"] = false;
  EXPECT_THAT(render_report(d), HasSubstr("did not reproduce"));
}

TEST(Render, UnfinishedBisectionHasBannerAndPartialSteps) {
  auto d = found_report();
  d.result = nullptr;
  d.steps.resize(3);
  d.steps.push_back(step(31, "pending"));
  d.state = RunState::interrupted;
  auto page = render_report(d);
  EXPECT_THAT(page, HasSubstr("banner interrupted"));
  EXPECT_THAT(page, Not(HasSubstr("class=\"verdict")));
  EXPECT_THAT(page, HasSubstr("<td class=\"v pending\">pending</td>"));
  d.state = RunState::running;
  EXPECT_THAT(render_report(d), HasSubstr("banner running"));
  d.state = RunState::aborted;
  d.state_detail = "too many infrastructure errors";
  EXPECT_THAT(render_report(d), HasSubstr("Aborted: too many infrastructure errors"));
}

TEST(Render, CandidatesAndVerificationWhenPresent) {
  auto d = found_report();
  EXPECT_THAT(render_report(d), Not(HasSubstr("<h3>Verification")));
  d.result["candidates"] = {{{"hash", hash_of(37)}, {"title", "change 37"}, {"probability", 0.93}},
                            {{"hash", hash_of(36)}, {"title", "change 36"}, {"probability", 0.05}}};
  d.result["verification"] = {{{"check", "culprit crashes"}, {"passed", true}, {"runs", 10}},
                              {{"check", "revert fixes it"}, {"passed", false}, {"runs", 10}}};
  auto page = render_report(d);
  EXPECT_THAT(page, HasSubstr("93.0%"));
  EXPECT_THAT(page, HasSubstr("<h3>Verification"));
  EXPECT_THAT(page, HasSubstr("<td>revert fixes it</td><td>no</td><td>10</td>"));
}

TEST(Render, ConfigMinimisationWithALinkToTheConfig) {
  auto d = found_report();
  EXPECT_THAT(render_report(d), Not(HasSubstr("Config minimisation")));
  d.result["config_minimization"] = {{"baseline", "defconfig"},
                                     {"options_differing", 44},
                                     {"options_kept", 1},
                                     {"kept", {"CONFIG_BUGGY=y"}},
                                     {"config_sha256", "c9731b50bff2"},
                                     {"config", "/s t/minimize/minimized.config"},
                                     {"builds", 13},
                                     {"budget_exhausted", false}};
  auto page = render_report(d);
  EXPECT_THAT(page, HasSubstr("<h2>Config minimisation</h2>"));
  EXPECT_THAT(page, HasSubstr("1 of 44 that differ"));
  EXPECT_THAT(page, HasSubstr("href=\"file:///s%20t/minimize/minimized.config\""));
  EXPECT_THAT(page, HasSubstr("<pre>CONFIG_BUGGY=y\n</pre>"));
  EXPECT_THAT(page, Not(HasSubstr("budget spent")));
}

// The engine's shape: the checks as keys, the revert check nested.
TEST(Render, VerificationWithTheRevertCheckAsANestedTable) {
  auto d = found_report();
  d.result["verification"] = {{"culprit_runs", 9},
                              {"parent_passed", true},
                              {"revert", {{"commit", hash_of(90)}, {"crashed", 0}, {"runs", 9}}},
                              {"passed", true}};
  auto page = render_report(d);
  EXPECT_THAT(page, HasSubstr("<th>revert</th><td><table class=\"data\"><tr><th>commit</th>"));
  EXPECT_THAT(page, Not(HasSubstr("{&quot;commit")));
}

TEST(Render, BackportsOfAStepAreShown) {
  auto d = found_report();
  d.steps[4].backports = {"0123456789abcdef0123456789abcdef01234567"};
  auto page = render_report(d);
  EXPECT_THAT(page, HasSubstr("with backport <span class=\"hash\">0123456789ab</span>"));
  EXPECT_THAT(render_report(found_report()), Not(HasSubstr("with backport")));
}

TEST(Candidates, LinearCauseBisectionShrinks) {
  auto d = found_report();
  auto bands = candidates_per_step(d.timeline, d.steps, false);
  ASSERT_EQ(bands.size(), d.steps.size());
  auto count = [](const std::vector<bool>& m) { return std::count(m.begin(), m.end(), true); };
  // --good c0 excludes c0: after c99 bad, c1..c99 remain; then c1..c50; c26..c50; ...
  EXPECT_EQ(count(bands[0]), 99);
  EXPECT_EQ(count(bands[1]), 50);
  EXPECT_EQ(count(bands[2]), 25);
  EXPECT_EQ(count(bands[3]), 12);  // c26..c37
  EXPECT_EQ(count(bands[4]), 6);   // c32..c37
  EXPECT_EQ(count(bands[5]), 6);   // a skip changes nothing
  EXPECT_EQ(count(bands[6]), 1);   // c37 alone
  EXPECT_TRUE(bands[6][37]);
}

TEST(Candidates, FixModeCountsOnlyCommitsWhoseHistoryHadTheCrash) {
  // c0 (crashes) <- c1 <- ... <- c9, plus c10: a root commit merged at c9.
  Timeline t = linear(10);
  t.commits.push_back({hash_of(10), {}});
  std::swap(t.commits[9], t.commits[10]);  // keep parents before children
  t.commits[10].parents = {8, 9};
  std::vector<StepInfo> steps = {step(0, "bad"), step(9, "good"), step(10, "good"), step(5, "bad")};
  auto is_new = new_state_steps(t, steps, true);
  EXPECT_EQ(is_new, (std::vector<bool>{false, true, false, false}));
  auto bands = candidates_per_step(t, steps, true);
  auto count = [](const std::vector<bool>& m) { return std::count(m.begin(), m.end(), true); };
  EXPECT_EQ(count(bands.back()), 4);  // c6, c7, c8 and the merge c9
}

TEST(Layout, LongUntestedStretchesAreCompressed) {
  std::vector<bool> tested(3000, false);
  for (int i : {0, 1500, 1501, 1502, 2999}) tested[i] = true;
  auto lay = layout_timeline(tested, 100, 1000);
  // Tested commits keep a readable slot; the picture stays in bounds.
  EXPECT_GE(lay.tested_width, 22);
  EXPECT_GE(lay.x[0] - lay.half[0], 99.9);
  EXPECT_LE(lay.x[2999] + lay.half[2999], 1000.1);
  for (std::size_t i = 1; i < tested.size(); ++i) ASSERT_LT(lay.x[i - 1], lay.x[i]);
  ASSERT_EQ(lay.stretches.size(), 2u);
  EXPECT_TRUE(lay.stretches[0].compressed);
  // Short histories are not compressed: every commit gets the same room.
  std::vector<bool> few(10, false);
  few[4] = true;
  auto small = layout_timeline(few, 0, 1000);
  for (const auto& st : small.stretches) EXPECT_FALSE(st.compressed);
}

TEST(Render, ThousandCommitRangeStaysCompact) {
  auto d = found_report();
  d.timeline = linear(1000);
  d.steps = {step(999, "bad"), step(500, "good"), step(750, "bad")};
  d.result["commits"][0]["hash"] = hash_of(750);
  auto svg = timeline_svg(d);
  EXPECT_LT(svg.size(), 40000u);
  EXPECT_THAT(svg, HasSubstr("249 commits"));  // c751..c999, compressed
}

TEST(Render, BranchLinksAsArcsUnlessTooMany) {
  auto d = found_report();
  // c40..c44 form a branch from c39 merged at c45 (whose first parent is c39).
  d.timeline.commits[45].parents = {39, 44};
  auto count_links = [](const std::string& svg) {
    std::size_t n = 0;
    for (auto p = svg.find("class=\"link\""); p != std::string::npos;
         p = svg.find("class=\"link\"", p + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count_links(timeline_svg(d)), 1u);  // the mainline side of the merge
  d.timeline = linear(1000);
  for (std::size_t i = 2; i < 1000; i += 2)
    d.timeline.commits[i].parents.push_back(static_cast<std::uint32_t>(i - 2));
  EXPECT_EQ(count_links(timeline_svg(d)), 0u);  // a tangle is not drawn
}

}  // namespace
}  // namespace culprit::html
