// The result message end to end: real bisections on real git repositories
// (tests/e2e/bisect_fixture.h), culprit email and bisect
// --email-to-recipients delivering to a real SMTP server on 127.0.0.1
// (python3-aiosmtpd), read back and parsed by Python's email package and
// git mailinfo.
#include <thread>

#include "e2e/bisect_fixture.h"
#include "email/python_check.h"
#include "email/smtp_server.h"

namespace culprit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

const char* kMaintainers =
    "KVTOOL CACHE\n"
    "M:\tCache Keeper <cache@kvtool.example>\n"
    "R:\tCache Reviewer <review@kvtool.example>\n"
    "L:\tcache-list@kvtool.example\n"
    "S:\tMaintained\n"
    "F:\tbug.txt\n"
    "\n"
    "THE REST\n"
    "M:\tRest Maintainer <rest@kvtool.example>\n"
    "L:\tall@kvtool.example\n"
    "S:\tBuried alive in reporters\n"
    "F:\t*\n"
    "F:\t*/\n";

const char* kFrom = "culprit farm <culprit@farm.example>";

class Mail : public BisectE2E {
 protected:
  void SetUp() override {
    if (!SmtpServer::python())
      GTEST_SKIP() << "python3-aiosmtpd is not installed (scripts/install-deps installs it)";
  }

  // Releases v1.0, v1.1 and a culprit with trailers (stable@ among them)
  // under a MAINTAINERS file.
  std::string make_history() {
    repo_.commit("MAINTAINERS", kMaintainers, "MAINTAINERS: add the cache");
    for (int i = 0; i < 3; ++i) code_commit(i);
    repo_.tag("v1.0");
    for (int i = 3; i < 6; ++i) code_commit(i);
    repo_.tag("v1.1");
    code_commit(6);
    culprit_ = repo_.commit("bug.txt", "BUG\n",
                            "cache: free evicted entries eagerly\n\n"
                            "Cc: stable@vger.kernel.org\n"
                            "Reviewed-by: Cache Reviewer <review@kvtool.example>\n"
                            "Signed-off-by: Test Author <author@example.com>\n");
    for (int i = 8; i < 12; ++i) code_commit(i);
    return culprit_;
  }

  std::string state() const { return shell_quote((tmp_ / "state").string()); }
  std::filesystem::path outbox() const { return tmp_ / "state" / "email" / "outbox"; }
  std::filesystem::path sent() const { return tmp_ / "state" / "email" / "sent"; }

  static std::vector<std::filesystem::path> files(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }

  static json read_message(const std::filesystem::path& file, bool mbox = false) {
    auto py = python_with("email");
    auto r = sh(*py + " " + std::string(CULPRIT_SOURCE_DIR) + "/tests/email/read_message.py " +
                (mbox ? "--mbox " : "") + shell_quote(file.string()));
    return json::parse(r.output);
  }

  // culprit maintainers --commit C --json: the To/Cc the message must have.
  json maintainers(const std::string& commit) {
    auto r = run_culprit("maintainers --repo " + shell_quote(repo_.path().string()) +
                         " --json --commit " + commit);
    EXPECT_EQ(r.status(), 0) << r.output;
    return json::parse(r.output);
  }

  static std::vector<std::string> bare(const json& list) {
    std::vector<std::string> out;
    for (const auto& e : list) {
      std::string s = e;
      auto lt = s.find('<');
      out.push_back(lt == std::string::npos ? s : s.substr(lt + 1, s.find('>') - lt - 1));
    }
    return out;
  }

  std::string culprit_;
};

TEST_F(Mail, TheResultReachesTheServerAsTheRightMessage) {
  std::string bug = make_history();
  auto o = bisect("--commit " + repo_.head());
  ASSERT_EQ(o.status, 0) << o.output;
  ASSERT_EQ(o.result["verdict"], "found");
  ASSERT_EQ(o.result["commits"][0]["hash"], bug);
  SmtpServer server(tmp_ / "smtp");
  auto r = run_culprit("email --state " + state() + " --send --smtp " + server.url() + " --from " +
                       shell_quote(kFrom) + " --in-reply-to '<bug-42@reports.example>'");
  ASSERT_EQ(r.status(), 0) << r.output;
  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  auto kept = files(sent());
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_TRUE(files(outbox()).empty());

  // What went over the wire is the kept message, byte for byte (CRLF aside).
  std::string wire = read_file(got[0].file), text;
  for (std::size_t i = 0; i < wire.size(); ++i)
    if (!(wire[i] == '\r' && i + 1 < wire.size() && wire[i + 1] == '\n')) text += wire[i];
  EXPECT_EQ(text, read_file(kept[0]));
  write_file_atomic(tmp_ / "received.eml", text);

  // To/Cc: culprit maintainers --commit's split, stable@ never, nobody twice.
  auto who = maintainers(bug);
  auto m = read_message(tmp_ / "received.eml");
  EXPECT_EQ(m["to"].get<std::vector<std::string>>(), bare(who["to"]));
  EXPECT_EQ(m["cc"].get<std::vector<std::string>>(), bare(who["cc"]));
  std::vector<std::string> all = bare(who["to"]), cc = bare(who["cc"]);
  all.insert(all.end(), cc.begin(), cc.end());
  EXPECT_THAT(json(all).dump(), Not(HasSubstr("stable@")));
  EXPECT_EQ(got[0].envelope["rcpt_tos"].get<std::vector<std::string>>(), all);
  EXPECT_EQ(got[0].envelope["mail_from"], "culprit@farm.example");
  EXPECT_EQ(m["from"], json::array({"culprit farm", "culprit@farm.example"}));
  EXPECT_EQ(m["subject"], "Re: heap-use-after-free in cache_lookup");
  EXPECT_EQ(m["in_reply_to"], "<bug-42@reports.example>");
  EXPECT_EQ(m["references"], "<bug-42@reports.example>");
  EXPECT_EQ(m["message_id"], "<" + kept[0].stem().string() + ">");
  EXPECT_FALSE(m["date"].is_null());
  EXPECT_EQ(m["defects"], 0);

  // The body, the HTML report and the crashing run's console log.
  ASSERT_EQ(m["parts"].size(), 3u) << m.dump(1);
  std::string body = m["parts"][0]["text"];
  EXPECT_EQ(m["parts"][0]["type"], "text/plain");
  EXPECT_THAT(body, HasSubstr("commit " + bug + "\nAuthor: Test Author <author@example.com>\n"));
  EXPECT_THAT(body, HasSubstr("    cache: free evicted entries eagerly\n"));
  EXPECT_THAT(body, HasSubstr("Verification passed."));
  EXPECT_THAT(body, HasSubstr(" (v1.1, good) .. "));
  EXPECT_THAT(body, HasSubstr("AddressSanitizer: heap-use-after-free on address"));
  EXPECT_THAT(body, HasSubstr("The bisection log\n-----------------\n"));
  EXPECT_THAT(body, HasSubstr(o.result["steps"][0]["hash"].get<std::string>()));
  EXPECT_EQ(m["parts"][1]["type"], "text/html");
  EXPECT_EQ(m["parts"][1]["filename"], "report.html");
  EXPECT_THAT(m["parts"][1]["text"].get<std::string>(), HasSubstr("<td class=\"hash\">" + bug));
  EXPECT_EQ(m["parts"][2]["type"], "text/plain");
  std::string log_name = m["parts"][2]["filename"];
  EXPECT_TRUE(starts_with(log_name, "console-" + bug.substr(0, 12) + "-run")) << log_name;
  std::string run = log_name.substr(log_name.find("-run") + 4);
  run = run.substr(0, run.find('.'));
  EXPECT_EQ(m["parts"][2]["text"],
            read_file(tmp_ / "state" / "logs" / bug / ("run-" + run + ".log")));

  // git mailinfo reads it as a mail with that author and subject.
  auto info = sh("git mailinfo -u msg patch < received.eml", tmp_.path());
  EXPECT_THAT(info.output, HasSubstr("Author: culprit farm\nEmail: culprit@farm.example\n"));
  EXPECT_THAT(info.output, HasSubstr("Subject: heap-use-after-free in cache_lookup\n"));
  EXPECT_THAT(read_file(tmp_ / "msg"), HasSubstr("found the commit that introduced"));

  // The HTML report now links the message kept in the state directory.
  auto page = run_culprit("report-html --state " + state());
  EXPECT_THAT(page.output, HasSubstr("Result message: <a href=\"file://"));
  EXPECT_THAT(page.output, HasSubstr(kept[0].filename().string() + "</a> (sent)"));
}

TEST_F(Mail, WrittenAsAnMboxThatGitAndPythonRead) {
  std::string bug = make_history();
  ASSERT_EQ(bisect("--commit " + repo_.head()).status, 0);
  auto mbox = tmp_ / "result.mbox";
  auto r = run_culprit("email --repo " + shell_quote(repo_.path().string()) + " --state " +
                       state() + " -o " + shell_quote(mbox.string()));
  ASSERT_EQ(r.status(), 0) << r.output;
  std::string text = read_file(mbox);
  EXPECT_TRUE(starts_with(text, "From author@example.com ")) << text.substr(0, 100);
  // The sender defaults to the repository's git identity.
  EXPECT_THAT(text, HasSubstr("\nFrom: Test Author <author@example.com>\n"));
  auto split = sh("mkdir -p split && git mailsplit -osplit result.mbox", tmp_.path());
  EXPECT_EQ(trim(split.output), "1");
  auto m = read_message(mbox, true);
  EXPECT_EQ(m["count"], 1);
  EXPECT_EQ(m["subject"], "Re: heap-use-after-free in cache_lookup");
  EXPECT_EQ(m["parts"].size(), 3u);
  // FILE.eml: the message alone.
  auto eml = tmp_ / "result.eml";
  r = run_culprit("email --state " + state() + " --from x@farm.example -o " +
                  shell_quote(eml.string()));
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_TRUE(starts_with(read_file(eml), "From: x@farm.example\n"));
  // Nothing was sent, so nothing is kept.
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "state" / "email"));
  // The same to stdout; --link-base links the files instead of attaching.
  r = run_culprit("email --state " + state() +
                  " --from x@farm.example --link-base https://farm.example/r/1/");
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("The HTML report: https://farm.example/r/1/report.html\n"));
  EXPECT_THAT(r.output, Not(HasSubstr("multipart")));
  auto linked = files(tmp_ / "state" / "email" / "files");
  ASSERT_EQ(linked.size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(linked[0] / "report.html"));
}

TEST_F(Mail, RefusedRecipientOrDroppedConnectionKeepsTheMessageForResend) {
  std::string bug = make_history();
  ASSERT_EQ(bisect("--commit " + repo_.head()).status, 0);
  std::string send = "email --state " + state() + " --send --from " + shell_quote(kFrom);
  {
    SmtpServer refusing(tmp_ / "refusing", {"--refuse", "review@kvtool.example"});
    auto r = run_culprit(send + " --smtp " + refusing.url());
    EXPECT_EQ(r.status(), 1) << r.output;
    EXPECT_EQ(split_lines(trim(r.output)).size(), 1u) << r.output;
    EXPECT_THAT(r.output, HasSubstr("delivery through " + refusing.url() + " failed"));
    EXPECT_THAT(r.output,
                HasSubstr("550 5.1.1 <review@kvtool.example>: Recipient address rejected"));
    EXPECT_THAT(r.output, HasSubstr("the message is kept in " + outbox().string()));
    EXPECT_TRUE(refusing.received().empty());
  }
  {
    SmtpServer dropping(tmp_ / "dropping", {"--drop-at", "data"});
    auto r = run_culprit(send + " --smtp " + dropping.url());
    EXPECT_EQ(r.status(), 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr("delivery through " + dropping.url() + " failed"));
    EXPECT_THAT(r.output, HasSubstr("the server's last reply: 354"));
    EXPECT_TRUE(dropping.received().empty());
  }
  auto waiting = files(outbox());
  ASSERT_EQ(waiting.size(), 2u);
  EXPECT_TRUE(files(sent()).empty());
  // The HTML report says the message waits in the outbox.
  EXPECT_THAT(run_culprit("report-html --state " + state()).output,
              HasSubstr("not delivered yet: in the outbox"));

  SmtpServer good(tmp_ / "good");
  auto dry = run_culprit("email --state " + state() + " --resend --dry-run --smtp " + good.url());
  EXPECT_EQ(dry.status(), 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("would send " + waiting[0].string() + " again"));
  EXPECT_TRUE(good.received().empty());
  auto r = run_culprit("email --state " + state() + " --resend --smtp " + good.url());
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_TRUE(files(outbox()).empty());
  auto delivered = good.received();
  ASSERT_EQ(delivered.size(), 2u);
  // The same messages (same Message-IDs) as kept.
  for (std::size_t i = 0; i < 2; ++i)
    EXPECT_EQ(read_message(delivered[i].file)["message_id"],
              "<" + waiting[i].stem().string() + ">");
  EXPECT_EQ(files(sent()).size(), 2u);
  r = run_culprit("email --state " + state() + " --resend --smtp " + good.url());
  EXPECT_EQ(r.status(), 0);
  EXPECT_THAT(r.output, HasSubstr("nothing waiting"));
}

TEST_F(Mail, SendmailCommandReadsTheMessage) {
  make_history();
  ASSERT_EQ(bisect("--commit " + repo_.head()).status, 0);
  auto out = tmp_ / "sendmail.out";
  std::string cmd = "cat > " + shell_quote(out.string()) + " && echo \"$CULPRIT_MAIL_RCPT\" > " +
                    shell_quote((tmp_ / "rcpt").string());
  // --dry-run says what would go where and sends nothing.
  auto r = run_culprit("email --state " + state() + " --send --dry-run --from " +
                       shell_quote(kFrom) + " --sendmail " + shell_quote(cmd));
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("would send through the command `" + cmd + "` the message <"));
  EXPECT_THAT(r.output,
              HasSubstr("  To: Test Author <author@example.com>, cache-list@kvtool.example"));
  EXPECT_THAT(r.output, HasSubstr("  attached: report.html ("));
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "state" / "email"));
  r = run_culprit("email --state " + state() + " --send --from " + shell_quote(kFrom) +
                  " --sendmail " + shell_quote(cmd));
  ASSERT_EQ(r.status(), 0) << r.output;
  auto kept = files(sent());
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(read_file(out), read_file(kept[0]));
  EXPECT_THAT(read_file(tmp_ / "rcpt"), HasSubstr("cache@kvtool.example"));
  // A sendmail that fails: its words and status, the message kept.
  r = run_culprit("email --state " + state() + " --send --from " + shell_quote(kFrom) +
                  " --sendmail 'cat >/dev/null; echo \"sendmail: cannot connect to mail.example\" "
                  ">&2; exit 75'");
  EXPECT_EQ(r.status(), 1) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("failed with exit status 75; its last output: sendmail: cannot connect"));
  EXPECT_EQ(files(outbox()).size(), 1u);
}

TEST_F(Mail, NoFinishedBisectionAndARunningOne) {
  // Nothing there.
  auto r = run_culprit("email --state " + state() + " --from x@farm.example");
  EXPECT_EQ(r.status(), 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("no bisection recorded in"));
  EXPECT_EQ(split_lines(trim(r.output)).size(), 1u);

  // A bisection whose test waits: culprit email refuses while it runs.
  for (int i = 0; i < 4; ++i) code_commit(i);
  auto go = tmp_ / "go", started = tmp_ / "started";
  std::string test = "touch " + shell_quote(started.string()) + "; while [ ! -e " +
                     shell_quote(go.string()) + " ]; do sleep 0.05; done; exit 0";
  std::string args = "bisect --repo " + shell_quote(repo_.path().string()) + " --state " + state() +
                     " --commit " + repo_.head() + " --build true --test " + shell_quote(test);
  ProcessResult bisection;
  std::thread running([&] { bisection = run_culprit(args); });
  while (!std::filesystem::exists(started))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  r = run_culprit("email --state " + state() + " --from x@farm.example");
  write_file_atomic(go, "");
  running.join();
  EXPECT_EQ(r.status(), 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("a bisection is running in"));
  EXPECT_EQ(split_lines(trim(r.output)).size(), 1u);

  // It finished: the crash did not reproduce. The message says so and
  // names nobody; sending it needs someone to send it to.
  ASSERT_EQ(bisection.status(), 1) << bisection.output;
  r = run_culprit("email --state " + state() + " --from x@farm.example");
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("the crash did not reproduce on"));
  EXPECT_THAT(r.output, Not(HasSubstr("Range:")));
  EXPECT_THAT(r.output, HasSubstr("X-Culprit-Verdict: not-reproduced"));
  EXPECT_THAT(r.output, Not(HasSubstr("found the commit")));
  r = run_culprit("email --state " + state() + " --from x@farm.example --send --sendmail cat");
  EXPECT_EQ(r.status(), 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("names nobody to tell; add --to ADDR"));
}

TEST_F(Mail, BisectSendsAtTheEndAndAFailedDeliveryChangesNothing) {
  std::string bug = make_history();
  // The reference: the same bisection without mail.
  auto plain = bisect("--commit " + repo_.head());
  ASSERT_EQ(plain.status, 0) << plain.output;
  std::filesystem::remove_all(tmp_ / "state");

  std::string html = shell_quote((tmp_ / "report.html").string());
  SmtpServer refusing(tmp_ / "refusing", {"--refuse", "cache@kvtool.example"});
  auto o =
      bisect("--commit " + repo_.head() + " --html " + html + " --email-to-recipients --from " +
             shell_quote(kFrom) + " --smtp " + refusing.url());
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output,
              HasSubstr("culprit: email: delivery through " + refusing.url() + " failed"));
  EXPECT_THAT(o.output, HasSubstr("550 5.1.1 <cache@kvtool.example>"));
  for (const char* key :
       {"verdict", "commits", "recipients", "report", "revisions_tested", "builds"})
    EXPECT_EQ(o.result[key], plain.result[key]) << key;
  auto waiting = files(outbox());
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_THAT(read_file(tmp_ / "report.html"), HasSubstr("not delivered yet: in the outbox"));

  // The same command again replays the result and delivers the kept
  // message; once more, and nothing is sent twice.
  SmtpServer good(tmp_ / "good");
  std::string again = "--commit " + repo_.head() + " --email-to-recipients --from " +
                      shell_quote(kFrom) + " --smtp " + good.url();
  o = bisect(again);
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("culprit: email: sent the result through " + good.url()));
  ASSERT_EQ(good.received().size(), 1u);
  EXPECT_EQ(read_message(good.received()[0].file)["message_id"],
            "<" + waiting[0].stem().string() + ">");
  o = bisect(again);
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_THAT(o.output, HasSubstr("already sent"));
  EXPECT_EQ(good.received().size(), 1u);
}

TEST_F(Mail, TlsAndLogins) {
  auto openssl = sh("command -v openssl", {}, false);
  if (openssl.status() != 0) GTEST_SKIP() << "openssl is not installed";
  make_history();
  ASSERT_EQ(bisect("--commit " + repo_.head()).status, 0);
  sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 "
     "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null",
     tmp_.path());
  std::string cert = (tmp_ / "cert.pem").string(), key = (tmp_ / "key.pem").string();
  write_file_atomic(tmp_ / "netrc", "machine 127.0.0.1\nlogin alice\npassword s3cret\n");
  std::string send = "email --state " + state() + " --send --from " + shell_quote(kFrom);
  {
    // STARTTLS required by both sides, the login from a netrc file.
    SmtpServer server(tmp_ / "starttls", {"--cert", cert, "--key", key, "--starttls",
                                          "--require-starttls", "--login", "alice:s3cret"});
    auto r = run_culprit(send + " --smtp " + server.url() + " --smtp-cacert " + cert + " --netrc " +
                         shell_quote((tmp_ / "netrc").string()));
    ASSERT_EQ(r.status(), 0) << r.output;
    ASSERT_EQ(server.received().size(), 1u);
    EXPECT_EQ(server.received()[0].envelope["login"], "alice");
    EXPECT_EQ(server.received()[0].envelope["tls"], true);
  }
  {
    // smtps: TLS from the start.
    SmtpServer server(tmp_ / "smtps", {"--cert", cert, "--key", key, "--implicit-tls"});
    auto r = run_culprit(send + " --smtp " + server.url("smtps") + " --smtp-cacert " + cert);
    ASSERT_EQ(r.status(), 0) << r.output;
    ASSERT_EQ(server.received().size(), 1u);
    EXPECT_EQ(server.received()[0].envelope["tls"], true);
  }
  {
    // A plain server: STARTTLS required fails; a login defaults to
    // requiring it; the password comes only from the environment.
    SmtpServer server(tmp_ / "plain", {"--login", "alice:s3cret"});
    auto r = run_culprit(send + " --smtp " + server.url() + " --smtp-starttls required");
    EXPECT_EQ(r.status(), 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr("STARTTLS"));
    r = run_culprit(send + " --smtp " + server.url() + " --smtp-user alice");
    EXPECT_EQ(r.status(), 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr("CULPRIT_SMTP_PASSWORD"));
    r = sh("CULPRIT_SMTP_PASSWORD=s3cret " + shell_quote(culprit_binary()) + " " + send +
               " --smtp " + server.url() + " --smtp-user alice --smtp-starttls off",
           {}, false);
    ASSERT_EQ(r.status(), 0) << r.output;
    ASSERT_EQ(server.received().size(), 1u);
    EXPECT_EQ(server.received()[0].envelope["login"], "alice");
    EXPECT_EQ(server.received()[0].envelope["tls"], false);
  }
}

}  // namespace
}  // namespace culprit::testing
