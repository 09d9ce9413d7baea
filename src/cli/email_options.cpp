#include "cli/email_options.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "store/kept_mail.h"
#include "util/error.h"
#include "vcs/git_config.h"

namespace culprit::cli {

void MailOptions::add_to(CLI::App& app) {
  app.add_option("--from", from,
                 "sender, \"Name <addr>\" (default: user.name and user.email from git config)");
  app.add_option("--to", to, "also send to ADDR, besides the result's recipients (repeatable)");
  app.add_option("--cc", cc, "also copy ADDR (repeatable)");
  app.add_option("--subject", subject, "subject (default: Re: <the bisected crash's title>)");
  app.add_option("--in-reply-to", in_reply_to,
                 "Message-ID of the bug report to reply to (also put in References)");
  app.add_option("--link-base", link_base,
                 "link the HTML report and console log under URL instead of attaching them");
  app.add_option("--link-dir", link_dir,
                 "with --link-base: write the linked files here (default: the state directory's "
                 "email/files/<message id>/), to be published at URL");
  app.add_option("--smtp", smtp, "deliver over SMTP: smtp://HOST[:PORT] or smtps://HOST[:PORT]");
  app.add_option("--smtp-starttls", starttls,
                 "try (default), required or off (default with a login: required)");
  app.add_option("--netrc", netrc, "the SMTP login and password from this netrc file");
  app.add_option("--smtp-user", smtp_user,
                 "SMTP login; the password comes from the environment (--smtp-password-env)");
  app.add_option("--smtp-password-env", password_env,
                 "environment variable holding the SMTP password (default CULPRIT_SMTP_PASSWORD)");
  app.add_option("--smtp-cacert", cacert, "trust the certificates in this PEM file (SMTP TLS)");
  app.add_option(
      "--sendmail", sendmail,
      "deliver through a command that reads the message on stdin, e.g. 'sendmail -t -i'");
  app.add_option("--mail-timeout", timeout, "seconds a delivery may take (default 300)")
      ->check(CLI::PositiveNumber);
}

void MailOptions::check() const {
  if (!smtp.empty() && !sendmail.empty())
    throw UserError("--smtp and --sendmail exclude each other");
  if (!smtp.empty() && !smtp.starts_with("smtp://") && !smtp.starts_with("smtps://"))
    throw UserError("--smtp " + smtp + ": give smtp://HOST[:PORT] or smtps://HOST[:PORT]");
  if (smtp.empty())
    for (const auto& [flag, value] : {std::pair{"--smtp-starttls", starttls},
                                      {"--netrc", netrc},
                                      {"--smtp-user", smtp_user},
                                      {"--smtp-cacert", cacert}})
      if (!value.empty()) throw UserError(std::string(flag) + " is for --smtp");
  if (!starttls.empty() && starttls != "try" && starttls != "required" && starttls != "off")
    throw UserError("--smtp-starttls " + starttls + ": give try, required or off");
  if (!starttls.empty() && smtp.starts_with("smtps://"))
    throw UserError("--smtp-starttls is for smtp:// (smtps:// is TLS from the start)");
  for (const auto& [flag, file] : {std::pair{"--netrc", netrc}, {"--smtp-cacert", cacert}})
    if (!file.empty() && !std::filesystem::is_regular_file(file))
      throw UserError(fmt::format("{} {}: no such file", flag, file));
  if (!smtp_user.empty() && netrc.empty() && !std::getenv(password_env.c_str()))
    throw UserError(fmt::format(
        "--smtp-user {}: put the password in the environment variable {} (never on the command "
        "line), or give --netrc FILE",
        smtp_user, password_env));
  if (!from.empty() && !email::parse_mailbox(from))
    throw UserError("--from " + from + ": not an address (give \"Name <addr>\" or addr)");
  for (const auto* list : {&to, &cc})
    for (const auto& a : *list)
      if (!email::parse_mailbox(a)) throw UserError("--to/--cc " + a + ": not an address");
  if (!in_reply_to.empty() && (in_reply_to.find('@') == std::string::npos ||
                               in_reply_to.find_first_of(" \t\r\n") != std::string::npos))
    throw UserError("--in-reply-to " + in_reply_to + ": not a Message-ID (<id@host>)");
  if (!link_base.empty() && link_base.find("://") == std::string::npos)
    throw UserError("--link-base " + link_base + ": not a URL (e.g. https://host/path)");
  if (!link_dir.empty() && link_base.empty()) throw UserError("--link-dir is for --link-base");
}

email::ComposeOptions MailOptions::compose_options(const std::filesystem::path& repo) const {
  email::ComposeOptions c;
  if (!from.empty()) {
    c.from = *email::parse_mailbox(from);
  } else {
    auto address = vcs::config_value(repo, "user.email");
    if (!address || !email::parse_mailbox(*address))
      throw UserError(
          "no sender: give --from ADDR, or set user.email in the git configuration of " +
          repo.string());
    c.from = *email::parse_mailbox(*address);
    c.from.name = vcs::config_value(repo, "user.name").value_or("");
  }
  c.subject = subject;
  c.in_reply_to = in_reply_to;
  c.to = to;
  c.cc = cc;
  c.link_base = link_base;
  while (!c.link_base.empty() && c.link_base.back() == '/') c.link_base.pop_back();
  return c;
}

email::Transport MailOptions::transport() const {
  email::Transport t;
  t.sendmail = sendmail;
  t.sendmail_timeout_seconds = timeout;
  if (!smtp.empty()) {
    email::SmtpSettings s;
    s.url = smtp;
    bool login = !netrc.empty() || !smtp_user.empty();
    // A login never goes over a connection that stayed plain unless asked.
    std::string mode = starttls.empty() ? (login ? "required" : "try") : starttls;
    s.starttls = mode == "required" ? email::Starttls::required
                 : mode == "off"    ? email::Starttls::off
                                    : email::Starttls::try_it;
    s.netrc = netrc;
    s.user = smtp_user;
    if (!smtp_user.empty() && netrc.empty())
      if (const char* p = std::getenv(password_env.c_str())) s.password = p;
    s.cacert = cacert;
    s.timeout_seconds = timeout;
    t.smtp = s;
  }
  return t;
}

MailAtEnd::MailAtEnd(CLI::App& app) {
  app.add_flag("--email-to-recipients", enabled_,
               "when the bisection has a result, mail it to the recipients it names (with --smtp "
               "or --sendmail)");
  options_.add_to(app);
}

void MailAtEnd::check(const std::filesystem::path& repo) {
  if (!enabled_) {
    if (options_.has_transport() || !options_.from.empty() || !options_.to.empty() ||
        !options_.cc.empty() || !options_.in_reply_to.empty() || !options_.subject.empty() ||
        !options_.link_base.empty())
      throw UserError("the mail options are for --email-to-recipients");
    return;
  }
  if (!options_.has_transport())
    throw UserError("--email-to-recipients needs --smtp URL or --sendmail CMD");
  options_.check();
  compose_ = options_.compose_options(repo);
  transport_ = options_.transport();
}

void MailAtEnd::send(const std::filesystem::path& state, const vcs::Repository& repo) noexcept {
  if (!enabled_) return;
  try {
    auto content = email::gather_last_result(state, &repo);
    // A finished bisection run again replays its result: a message that
    // went out is not sent twice, one still in the outbox is sent again.
    auto kept = store::newest_kept_mail(state, content.bisection_id);
    if (kept && kept->sent) {
      std::fprintf(stderr, "culprit: email: the result was already sent (%s); not sent again\n",
                   kept->path.c_str());
      return;
    }
    email::SendOutcome outcome;
    std::string to;
    if (kept) {
      outcome = email::resend(kept->path, transport_);
    } else {
      auto message = email::compose(content, compose_);
      if (message.recipients().empty()) {
        std::fprintf(stderr,
                     "culprit: email: the result names nobody to tell; no message sent (culprit "
                     "email --to ADDR --send sends it to ADDR)\n");
        return;
      }
      if (!compose_.link_base.empty())
        email::write_attachments(content, options_.link_dir.empty()
                                              ? state / "email" / "files" / message.id
                                              : std::filesystem::path(options_.link_dir));
      outcome = email::send_and_keep(state, message, transport_);
      to = fmt::format(" to {} recipient{}", message.recipients().size(),
                       message.recipients().size() == 1 ? "" : "s");
    }
    if (outcome.delivery.delivered)
      std::fprintf(stderr, "culprit: email: sent the result%s through %s (%s)\n", to.c_str(),
                   transport_.describe().c_str(), outcome.kept.c_str());
    else
      std::fprintf(stderr,
                   "culprit: email: %s; the message is kept in %s (culprit email --state %s "
                   "--resend, with --smtp or --sendmail, sends it again)\n",
                   outcome.delivery.error.c_str(), outcome.kept.c_str(), state.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "culprit: email: no message sent: %s\n", e.what());
  }
}

}  // namespace culprit::cli
