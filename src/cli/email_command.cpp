// culprit email: the last finished bisection's result as a message, written
// (mbox) or sent; --resend delivers what a failed delivery left in the
// outbox.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/email_options.h"
#include "cli/parse_args.h"
#include "email/email.h"
#include "store/kept_mail.h"
#include "store/state_store.h"
#include "util/error.h"
#include "util/text.h"
#include "vcs/repository.h"

namespace culprit::cli {
namespace {

int fail(const std::string& line) {
  std::fprintf(stderr, "culprit: email: %s\n", line.c_str());
  return 1;
}

std::string joined(const std::vector<email::Mailbox>& list) {
  std::string out;
  for (const auto& m : list) out += (out.empty() ? "" : ", ") + email::format_mailbox(m);
  return out.empty() ? "(nobody)" : out;
}

int resend_outbox(const std::filesystem::path& dir, const email::Transport& transport,
                  bool dry_run) {
  int status = 0, waiting = 0;
  for (const auto& kept : store::kept_mail(dir)) {
    if (kept.sent) continue;
    ++waiting;
    if (dry_run) {
      std::printf("would send %s again through %s\n", kept.path.c_str(),
                  transport.describe().c_str());
      continue;
    }
    auto outcome = email::resend(kept.path, transport);
    if (outcome.delivery.delivered) {
      std::printf("sent %s through %s\n", outcome.kept.c_str(), transport.describe().c_str());
    } else {
      status = fail(outcome.delivery.error + "; the message stays in " + kept.path.string());
    }
  }
  if (!waiting)
    std::fprintf(stderr, "culprit: email: nothing waiting in %s\n",
                 store::mail_outbox_dir(dir).c_str());
  return status;
}

}  // namespace

int email_command(const Args& args) {
  std::string state, repo = ".", output;
  bool send = false, dry_run = false, resend = false;
  MailOptions mail;
  CLI::App app{
      "culprit email: the result of the last finished bisection in a state directory as one "
      "RFC 5322 message: To/Cc from the result's recipients, Subject \"Re: <crash title>\", a "
      "plain-text body (the culprit or what the verdict means, the checks, the range and "
      "costs, the crash report and the log) and the HTML report and the crashing run's console "
      "log attached (or linked, --link-base).\nWithout --send: written as an mbox to FILE (-o) "
      "or standard output. With --send: delivered over --smtp or through --sendmail, kept in "
      "the state directory's email/sent/, or on failure in email/outbox/ for --resend.\nExit "
      "status: 0 written or accepted; 1 no finished bisection, or the delivery failed; 2 bad "
      "usage.",
      "culprit email"};
  app.add_option("--state", state, "state directory (default: <git dir>/culprit of --repo)");
  app.add_option("--repo", repo,
                 "git repository whose default state directory to read (default: .)");
  app.add_option("-o,--output", output,
                 "write the message to FILE: an mbox (a \"From \" line first), or the message "
                 "alone when FILE ends in .eml");
  app.add_flag("--send", send, "deliver the message (--smtp or --sendmail)");
  app.add_flag("--dry-run", dry_run, "say what would be sent where, and send nothing");
  app.add_flag("--resend", resend,
               "deliver the messages waiting in the outbox (after a failed delivery) instead of "
               "composing one");
  mail.add_to(app);
  if (!parse_args(app, args, "email")) return 0;
  mail.check();
  if ((send || resend) && !mail.has_transport())
    throw UserError(std::string(resend ? "--resend" : "--send") +
                    " needs --smtp URL or --sendmail CMD");
  if (mail.has_transport() && !send && !resend && !dry_run)
    throw UserError("--smtp and --sendmail are for --send (or --dry-run, to see what it would do)");
  if (!output.empty() && !resend) {
    auto parent = std::filesystem::absolute(output).parent_path();
    if (!std::filesystem::is_directory(parent))
      throw UserError("-o " + output + ": directory " + parent.string() + " does not exist");
  }
  std::filesystem::path dir = state.empty() ? vcs::Repository::open(repo).git_dir() / "culprit"
                                            : std::filesystem::path(state);
  dir = std::filesystem::absolute(dir);
  if (resend) return resend_outbox(dir, mail.transport(), dry_run);
  if (!std::filesystem::is_directory(dir))
    return fail("no bisection recorded in " + dir.string() + " (no such directory)");
  if (store::StateStore::busy(dir))
    return fail("a bisection is running in " + dir.string() +
                "; its result is not ready (run culprit email when it has finished)");

  email::MailContent content;
  try {
    content = email::gather_last_result(dir);
  } catch (const email::NoFinishedBisection& e) {
    return fail(e.what());
  }
  std::string bisected = content.data.params.value("repo", "");
  auto options = mail.compose_options(bisected.empty() ? std::filesystem::path(repo)
                                                       : std::filesystem::path(bisected));
  auto message = email::compose(content, options);
  auto transport = mail.transport();
  bool delivering = send || (dry_run && mail.has_transport());
  if (delivering && message.recipients().empty())
    throw UserError(
        fmt::format("the result ({}) names nobody to tell; add --to ADDR to send it anyway",
                    content.data.result.value("verdict", std::string("no verdict"))));
  std::filesystem::path link_dir;
  if (!options.link_base.empty())
    link_dir = mail.link_dir.empty() ? dir / "email" / "files" / message.id
                                     : std::filesystem::path(mail.link_dir);

  if (dry_run) {
    std::printf(
        "would %s message <%s>\n",
        delivering ? ("send through " + transport.describe() + " the").c_str()
                   : ("write to " + (output.empty() ? "standard output" : output) + " the").c_str(),
        message.id.c_str());
    std::printf("  From: %s\n  To: %s\n  Cc: %s\n  Subject: %s\n",
                email::format_mailbox(message.from).c_str(), joined(message.to).c_str(),
                joined(message.cc).c_str(), message.subject.c_str());
    if (!options.in_reply_to.empty())
      std::printf("  In-Reply-To: %s\n", options.in_reply_to.c_str());
    for (const auto& a : content.attachments)
      std::printf("  %s: %s (%zu bytes)%s\n", options.link_base.empty() ? "attached" : "linked",
                  a.filename.c_str(), a.data.size(),
                  options.link_base.empty() ? ""
                                            : (" at " + options.link_base + "/" + a.filename +
                                               ", written to " + (link_dir / a.filename).string())
                                                  .c_str());
    std::printf("  size: %zu bytes\n", message.text.size());
    return 0;
  }

  if (!link_dir.empty()) {
    email::write_attachments(content, link_dir);
    std::fprintf(stderr, "culprit: email: the linked files are in %s; publish them at %s\n",
                 link_dir.c_str(), options.link_base.c_str());
  }
  if (!output.empty() && output != "-") {
    try {
      // FILE.eml: the message alone, as mail programs open it; else an mbox.
      write_file_atomic(output, output.ends_with(".eml") ? message.text : email::mbox(message));
    } catch (const std::exception& e) {
      throw UserError(std::string("email: ") + e.what());
    }
  } else if (!send) {
    auto text = email::mbox(message);
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  if (!send) return 0;
  auto outcome = email::send_and_keep(dir, message, transport);
  if (!outcome.delivery.delivered)
    return fail(outcome.delivery.error + "; the message is kept in " + outcome.kept.string() +
                " (culprit email --state " + dir.string() +
                " --resend, with --smtp or --sendmail, sends it again)");
  std::printf("sent <%s> to %zu recipient%s through %s; kept in %s\n", message.id.c_str(),
              message.recipients().size(), message.recipients().size() == 1 ? "" : "s",
              transport.describe().c_str(), outcome.kept.c_str());
  return 0;
}

}  // namespace culprit::cli
