// The mail options that `culprit email` and `culprit bisect
// --email-to-recipients` share: who the message is from and to, how it
// refers to the bug's thread, and how it is delivered.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "email/email.h"

namespace culprit::vcs {
class Repository;
}

namespace culprit::cli {

struct MailOptions {
  std::string from, subject, in_reply_to, link_base, link_dir;
  std::vector<std::string> to, cc;
  std::string smtp, starttls, netrc, smtp_user, cacert, sendmail;
  std::string password_env = "CULPRIT_SMTP_PASSWORD";
  double timeout = 300;

  void add_to(CLI::App& app);
  bool has_transport() const { return !smtp.empty() || !sendmail.empty(); }
  // Checks everything that does not need the bisection's result; throws
  // UserError (exit 2) with a line that says what to change.
  void check() const;
  // The sender (--from, else user.name/user.email in the configuration of
  // `repo`) and the rest of the message's options.
  email::ComposeOptions compose_options(const std::filesystem::path& repo) const;
  // SMTP or sendmail settings, the password read from the environment.
  email::Transport transport() const;
};

// culprit bisect --email-to-recipients: the result message, sent when the
// bisection has a result. A failed delivery is one line on stderr and the
// message stays in the outbox; the bisection's result, JSON and exit status
// do not change.
class MailAtEnd {
 public:
  explicit MailAtEnd(CLI::App& app);
  // Before the bisection starts (bad options: exit 2, nothing written).
  void check(const std::filesystem::path& repo);
  // After the result is stored; never throws.
  void send(const std::filesystem::path& state, const vcs::Repository& repo) noexcept;

 private:
  bool enabled_ = false;
  MailOptions options_;
  email::ComposeOptions compose_;
  email::Transport transport_;
};

}  // namespace culprit::cli
