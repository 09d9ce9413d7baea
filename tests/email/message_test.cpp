// The message from hand-made results: headers, MIME structure read back by
// Python's email package, and a truthful body for every verdict (a commit
// is presented as the culprit or the fix only for "found").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "email/email.h"
#include "email/python_check.h"
#include "util/text.h"

namespace culprit::email {
namespace {

using culprit::testing::python_run;
using culprit::testing::python_with;
using culprit::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

const std::string kStart = "1c221ca20c96ba4dec95a5a155b990d7a6514a43";
const std::string kCulprit = "8782277b01695f8d9afb6d7d95659aa50d2f2494";
const std::string kOther = "d1387977ebb36dd747554625162d05b8be1f829a";
const std::string kGood = "7b7398982280455466a4718d0e205bee80196f42";

json culprit_commit() {
  return {{"hash", kCulprit},
          {"title", "cache: free evicted entries eagerly"},
          {"author", "Dmitri Volkov <dmitri@kvtool.example>"},
          {"date", "Fri Mar 10 09:00:00 2023 +0000"}};
}

json verification(bool revert_crashed = false) {
  return {{"culprit_runs", 6},
          {"culprit_crashed", 1},
          {"culprit_passed", true},
          {"parent_runs", 7},
          {"parent_crashed", 0},
          {"parent_passed", true},
          {"revert",
           {{"commit", std::string(40, 'e')},
            {"onto", kStart},
            {"runs", 7},
            {"crashed", revert_crashed ? 2 : 0},
            {"passed", !revert_crashed}}},
          {"passed", !revert_crashed}};
}

json found_result() {
  return {
      {"mode", "cause"},
      {"verdict", "found"},
      {"commits", json::array({culprit_commit()})},
      {"boundary", nullptr},
      {"report",
       {{"title", "heap-use-after-free in kv_swap"}, {"type", "ASAN-HEAP-USE-AFTER-FREE"}}},
      {"noop_change", false},
      {"is_release", false},
      {"confidence", 0.986},
      {"revisions_tested", 9},
      {"builds", 10},
      {"test_runs", 112},
      {"build_seconds", 17.2},
      {"test_seconds", 6.5},
      {"total_seconds", 23.7},
      {"strategy", "posterior"},
      {"steps", json::array()},
      {"recipients",
       {{"to", {"Bruno Keller <bruno@kvtool.example>", "Dmitri Volkov <dmitri@kvtool.example>"}},
        {"cc",
         {"Grace Maintainer <grace@kvtool.example>", "stable@vger.kernel.org",
          "bruno@kvtool.example"}}}},
      {"reproduced", true},
      {"verification", verification()}};
}

MailContent content_of(const json& result, bool fix = false) {
  MailContent c;
  c.bisection_id = 7;
  c.data.result = result;
  c.data.fix = fix;
  c.data.params = {
      {"commit", kStart}, {"mode", fix ? "fix" : "cause"}, {"repo", "/src/kvtool/.git"}};
  c.data.repo = "/src/kvtool";
  c.data.log = "bisecting cause commit starting from " + kStart + "\nFrom here on\n";
  html::StepInfo start, good;
  start.hash = kStart;
  start.title = "tests: cover edge cases of 'last'";
  start.verdict = "bad";
  good.hash = kGood;
  good.title = "kvtool 2.0";
  good.verdict = "good";
  good.tags = {"v2.0"};
  c.data.steps = {start, good};
  c.bug_title = "heap-use-after-free in kv_swap";
  c.data.crash_report = "==1==ERROR: AddressSanitizer: heap-use-after-free\n.leading dot\n";
  c.crash_commit = kCulprit;
  c.crash_run = 1;
  c.attachments.push_back({"report.html", "text/html; charset=utf-8",
                           "<!DOCTYPE html><p>" + std::string(3000, 'x') + "</p>\n",
                           "the HTML report"});
  c.attachments.push_back({"console-8782277b0169-run1.log", "text/plain; charset=utf-8",
                           "boot\nFrom a console line\n\x1b[0mcolour\n", "the console log"});
  return c;
}

ComposeOptions options() {
  ComposeOptions o;
  o.from = {"culprit farm", "culprit@farm.example"};
  o.in_reply_to = "bug-42@reports.example";
  o.now = 1700000000;  // Tue, 14 Nov 2023 22:13:20 +0000
  return o;
}

// The body with line breaks as spaces, to find sentences wrapping split.
std::string wrap_free(const std::string& s) {
  std::string out;
  for (char c : s) {
    char d = c == '\n' ? ' ' : c;
    if (d == ' ' && !out.empty() && out.back() == ' ') continue;
    out += d;
  }
  return out;
}

std::string headers_of(const Message& m) { return m.text.substr(0, m.text.find("\n\n") + 1); }

TEST(Message, HeadersOfAFoundCulprit) {
  auto m = compose(content_of(found_result()), options());
  std::string h = headers_of(m);
  EXPECT_THAT(h, HasSubstr("From: culprit farm <culprit@farm.example>\n"));
  EXPECT_THAT(
      h, HasSubstr(
             "To: Bruno Keller <bruno@kvtool.example>, Dmitri Volkov <dmitri@kvtool.example>\n"));
  // stable@ never, and nobody twice.
  EXPECT_THAT(h, HasSubstr("Cc: Grace Maintainer <grace@kvtool.example>\n"));
  EXPECT_THAT(h, HasSubstr("Subject: Re: heap-use-after-free in kv_swap\n"));
  EXPECT_THAT(h, HasSubstr("Date: Tue, 14 Nov 2023 22:13:20 +0000\n"));
  EXPECT_THAT(
      h,
      HasSubstr("In-Reply-To: <bug-42@reports.example>\nReferences: <bug-42@reports.example>\n"));
  EXPECT_THAT(h, HasSubstr("Message-ID: <" + m.id + ">\n"));
  EXPECT_TRUE(starts_with(m.id, "culprit.7.1700000000.")) << m.id;
  EXPECT_TRUE(m.id.ends_with("@farm.example")) << m.id;
  EXPECT_EQ(m.recipients(),
            (std::vector<std::string>{"bruno@kvtool.example", "dmitri@kvtool.example",
                                      "grace@kvtool.example"}));
  // Each message gets its own id.
  EXPECT_NE(compose(content_of(found_result()), options()).id, m.id);
}

TEST(Message, BodyOfAFoundCulprit) {
  std::string body = body_text(content_of(found_result()), "");
  EXPECT_THAT(wrap_free(body),
              HasSubstr("found the commit that introduced \"heap-use-after-free in kv_swap\":"));
  EXPECT_THAT(
      body,
      HasSubstr(
          "commit " + kCulprit +
          "\nAuthor: Dmitri Volkov <dmitri@kvtool.example>\n"
          "Date:   Fri Mar 10 09:00:00 2023 +0000\n\n    cache: free evicted entries eagerly\n"));
  EXPECT_THAT(body, HasSubstr("Confidence: 98.6% (strategy: posterior)"));
  EXPECT_THAT(body, HasSubstr("Tested:     9 commits, 10 builds, 112 test runs"));
  EXPECT_THAT(body, HasSubstr("Range:      7b7398982280 (v2.0, good) .. 1c221ca20c96 (crashes)"));
  EXPECT_THAT(body, HasSubstr("Verification passed."));
  EXPECT_THAT(body, HasSubstr("Fixes: 8782277b0169 (\"cache: free evicted entries eagerly\")"));
  EXPECT_THAT(body, HasSubstr("attached as console-8782277b0169-run1.log"));
  EXPECT_THAT(body, HasSubstr(".leading dot\n"));
  EXPECT_THAT(body, HasSubstr("The bisection log\n-----------------\nbisecting cause"));
  // Prose lines (everything outside the commit block, the facts, the crash
  // and the log) within 72 columns.
  std::string prose = body.substr(body.find("Before naming"));
  prose = prose.substr(0, prose.find("Fixes:"));
  for (auto line : split_lines(prose)) EXPECT_LE(line.size(), 72u) << line;
}

TEST(Message, FailedAndSkippedChecksAreSaidInPlainWords) {
  auto r = found_result();
  r["verification"] = verification(true);
  std::string body = body_text(content_of(r), "");
  EXPECT_THAT(
      wrap_free(body),
      HasSubstr("it still crashed in 2 of 7 runs: the crash does not hang on this commit alone."));
  EXPECT_THAT(wrap_free(body), HasSubstr("Verification did not pass"));
  r["verification"]["revert"] = {{"skipped", "the revert conflicts in src/cache.c"},
                                 {"passed", nullptr}};
  r["verification"]["parent_crashed"] = 1;
  body = body_text(content_of(r), "");
  EXPECT_THAT(wrap_free(body),
              HasSubstr("The revert check was skipped: the revert conflicts in src/cache.c."));
  EXPECT_THAT(wrap_free(body), HasSubstr("Its parent crashed in 1 of 7 runs"));
  r.erase("verification");
  r["noop_change"] = true;
  body = body_text(content_of(r), "");
  EXPECT_THAT(wrap_free(body), HasSubstr("The answer was not verified"));
  EXPECT_THAT(wrap_free(body), HasSubstr("the answer is most likely wrong"));
}

// Every verdict but "found" names no commit as the culprit or the fix.
TEST(Message, OtherVerdictsNameNoCulprit) {
  struct Case {
    std::string name;
    json result;
    bool fix;
    std::string says;
  };
  auto base = found_result();
  base["recipients"] = {{"to", json::array()}, {"cc", json::array()}};
  base.erase("verification");
  std::vector<Case> cases;
  auto inconclusive = base;
  inconclusive["verdict"] = "inconclusive";
  inconclusive["commits"] =
      json::array({culprit_commit(), {{"hash", kOther}, {"title", "tests: stats"}}});
  inconclusive["candidates"] = json::array({{{"hash", kCulprit}, {"probability", 0.6}}});
  cases.push_back(
      {"inconclusive", inconclusive, false, "inconclusive: 2 commits could have introduced"});
  auto oldest = base;
  oldest["verdict"] = "crash-on-oldest";
  oldest["commits"] = json::array();
  oldest["boundary"] = {{"hash", kGood}, {"title", "kvtool 2.0"}};
  cases.push_back({"crash-on-oldest", oldest, false,
                   "already happens on the oldest commit it tested, v2.0 7b7398982280"});
  auto not_fixed = base;
  not_fixed["mode"] = "fix";
  not_fixed["verdict"] = "not-fixed";
  not_fixed["commits"] = json::array();
  not_fixed["boundary"] = {{"hash", kOther}, {"title", "tests: stats"}};
  cases.push_back({"not-fixed", not_fixed, true, "found no fix for"});
  auto not_reproduced = base;
  not_reproduced["verdict"] = "inconclusive";
  not_reproduced["reproduced"] = false;
  not_reproduced["commits"] = json::array();
  cases.push_back({"not-reproduced", not_reproduced, false,
                   "did not reproduce on the start commit 1c221ca20c96"});
  auto aborted = base;
  aborted["verdict"] = "inconclusive";
  aborted["aborted"] = true;
  aborted["abort_reason"] = "interrupted";
  aborted["commits"] = json::array();
  cases.push_back(
      {"aborted", aborted, false, "was aborted before it reached an answer: interrupted."});
  auto unverified = base;
  unverified["verdict"] = "unverified";
  unverified["contradiction"] = "the culprit reverted on top of 1c221ca20c96 still crashed";
  unverified["verification"] = verification(true);
  cases.push_back(
      {"unverified", unverified, false, "verification contradicts it: the culprit reverted"});
  auto strange = base;
  strange["verdict"] = "some-new-verdict";
  cases.push_back({"unknown", strange, false, "ended with the verdict \"some-new-verdict\""});

  for (const auto& c : cases) {
    auto content = content_of(c.result, c.fix);
    std::string body = body_text(content, "");
    std::string flat = wrap_free(body);
    EXPECT_THAT(flat, HasSubstr(c.says)) << c.name << "\n" << body;
    EXPECT_THAT(body, Not(HasSubstr("found the commit that"))) << c.name;
    EXPECT_THAT(body, Not(HasSubstr("Fixes:"))) << c.name;
    EXPECT_THAT(body, Not(HasSubstr("\nAuthor: "))) << c.name;
    EXPECT_THAT(body, Not(HasSubstr("Verification passed"))) << c.name;
    if (c.result["commits"].size() > 0 && c.name != "aborted") {
      EXPECT_THAT(
          body,
          HasSubstr("Candidates\n----------\n  8782277b0169  cache: free evicted entries eagerly"))
          << c.name;
    }
    auto m = compose(content, options());
    // Nobody to tell: To is an empty group, and there are no recipients.
    EXPECT_THAT(m.text, HasSubstr("To: undisclosed-recipients:;\n")) << c.name;
    EXPECT_TRUE(m.recipients().empty());
    std::string shown = c.name == "unknown" ? "some-new-verdict" : c.name;
    EXPECT_THAT(m.text, HasSubstr("X-Culprit-Verdict: " + shown + "\n")) << c.name;
  }
}

TEST(Message, FixFound) {
  auto r = found_result();
  r["mode"] = "fix";
  r["report"] = nullptr;
  r.erase("verification");
  std::string body = body_text(content_of(r, true), "");
  EXPECT_THAT(wrap_free(body),
              HasSubstr("found the commit that fixed \"heap-use-after-free in kv_swap\":"));
  EXPECT_THAT(body, Not(HasSubstr("Fixes:")));
  EXPECT_THAT(body, Not(HasSubstr("not verified")));
}

// A verified fix: its checks are the mirror image of a culprit's, and the
// mail says them that way.
TEST(Message, FixFoundSaysItsChecksAsAFix) {
  auto r = found_result();
  r["mode"] = "fix";
  r["report"] = nullptr;
  r["verification"] = {{"culprit_runs", 6},
                       {"culprit_crashed", 0},
                       {"culprit_passed", true},
                       {"parent_runs", 6},
                       {"parent_crashed", 3},
                       {"parent_passed", true},
                       {"revert",
                        {{"commit", std::string(40, 'e')},
                         {"onto", kStart},
                         {"runs", 13},
                         {"crashed", 5},
                         {"passed", true}}},
                       {"passed", true}};
  std::string body = wrap_free(body_text(content_of(r, true), ""));
  EXPECT_THAT(body, HasSubstr("The fix stayed clean in 6 more runs."));
  EXPECT_THAT(body, HasSubstr("Its parent still crashed in 3 of 6 more runs."));
  EXPECT_THAT(body, HasSubstr("the crash came back in 5 of 13 runs."));
  EXPECT_THAT(body, HasSubstr("Verification passed."));
  EXPECT_THAT(body, Not(HasSubstr("without the crash")));
  EXPECT_THAT(body, Not(HasSubstr("crashed again")));

  // The revert on the head stays clean: said as what it means for a fix.
  r["verdict"] = "unverified";
  r["verification"]["revert"]["crashed"] = 0;
  r["verification"]["revert"]["passed"] = false;
  r["verification"]["passed"] = false;
  body = wrap_free(body_text(content_of(r, true), ""));
  EXPECT_THAT(body, HasSubstr("ran 13 times without the crash: the crash is gone there for "
                              "another reason too"));
  EXPECT_THAT(body, HasSubstr("Verification did not pass"));
}

TEST(Message, LinkedInsteadOfAttached) {
  auto o = options();
  o.link_base = "https://farm.example/b/7";
  auto m = compose(content_of(found_result()), o);
  EXPECT_THAT(m.text, Not(HasSubstr("multipart")));
  EXPECT_THAT(m.text, HasSubstr("The HTML report: https://farm.example/b/7/report.html\n"));
  EXPECT_THAT(m.text, HasSubstr("https://farm.example/b/7/console-8782277b0169-run1.log"));
}

TEST(Message, SubjectWithoutATitleOrGiven) {
  auto c = content_of(found_result());
  c.bug_title.clear();
  EXPECT_EQ(compose(c, options()).subject, "culprit: cause bisection from 1c221ca20c96");
  auto o = options();
  o.subject = "Re: [syzbot] KASAN: slab-use-after-free Read in foo";
  EXPECT_EQ(compose(c, o).subject, o.subject);
  o.to = {"Extra <extra@example.org>"};
  o.cc = {"bruno@kvtool.example"};
  auto m = compose(content_of(found_result()), o);
  EXPECT_EQ(m.recipients().size(), 4u);  // bruno is in To already
}

// Python's email package reads the message and the mbox: every part
// decodes to what was attached, the text part is the body.
TEST(Message, PythonReadsTheMessageAndTheMbox) {
  if (!python_with("email")) GTEST_SKIP() << "python3 is not installed";
  auto content = content_of(found_result());
  auto o = options();
  o.from = {"Jos\xc3\xa9 Farm", "farm@example.org"};
  auto m = compose(content, o);
  TempDir dir;
  write_file_atomic(dir / "m.mbox", mbox(m));
  write_file_atomic(dir / "body", body_text(content, ""));
  write_file_atomic(dir / "a0", content.attachments[0].data);
  write_file_atomic(dir / "a1", content.attachments[1].data);
  std::string out = python_run(R"py(
import mailbox, email, sys, os
from email import policy
d = sys.argv[1]
box = mailbox.mbox(os.path.join(d, 'm.mbox'), factory=None)
msgs = list(box)
print('count', len(msgs))
msg = email.message_from_bytes(msgs[0].as_bytes(), policy=policy.default)
print('defects', len(msg.defects))
print('from', msg['from'].addresses[0].display_name, msg['from'].addresses[0].addr_spec)
print('cc', [a.addr_spec for a in msg['cc'].addresses])
parts = [p for p in msg.walk() if not p.is_multipart()]
print('parts', [p.get_content_type() for p in parts])
print('body', parts[0].get_content() == open(os.path.join(d, 'body')).read())
for i, p in enumerate(parts[1:]):
    print('attachment', i, p.get_filename(), p.get_payload(decode=True) == open(os.path.join(d, 'a%d' % i), 'rb').read(), len(p.defects))
)py",
                               shell_quote(dir.path().string()));
  EXPECT_THAT(out, HasSubstr("count 1\n"));
  EXPECT_THAT(out, HasSubstr("defects 0\n"));
  EXPECT_THAT(out, HasSubstr("from Jos\xc3\xa9 Farm farm@example.org\n"));
  EXPECT_THAT(out, HasSubstr("cc ['grace@kvtool.example']\n"));
  EXPECT_THAT(out, HasSubstr("parts ['text/plain', 'text/html', 'text/plain']\n"));
  EXPECT_THAT(out, HasSubstr("body True\n"));
  EXPECT_THAT(out, HasSubstr("attachment 0 report.html True 0\n"));
  EXPECT_THAT(out, HasSubstr("attachment 1 console-8782277b0169-run1.log True 0\n"));
  // mbox framing: a "From " line first, and no other line that reads as one.
  std::string box = mbox(m);
  EXPECT_TRUE(starts_with(box, "From farm@example.org Tue Nov 14 22:13:20 2023\n"))
      << box.substr(0, 80);
  EXPECT_EQ(box.find("\nFrom "), std::string::npos);
}

}  // namespace
}  // namespace culprit::email
