// Telling the people who must act. What this module offers:
// - gather_last_result(): what the last finished bisection of a state
//   directory found, with the HTML report and the crashing run's console
//   log as attachments; NoFinishedBisection when there is none yet.
// - compose(): that result as one RFC 5322 message (MIME, a plain-text body
//   in culprit's own words, prose wrapped at 72 columns), To/Cc from the
//   result's recipients; mbox() frames it for `git am` and mail readers.
// - deliver() over SMTP (libcurl: smtp:// with STARTTLS, or smtps://) or
//   through a sendmail command; send_and_keep() keeps the message in the
//   state directory's outbox until a server accepted it (then in sent/,
//   see store/kept_mail.h), so a failed delivery loses nothing.
#pragma once

#include <ctime>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "email/address.h"
#include "html/report_data.h"

namespace culprit::vcs {
class Repository;
}

namespace culprit::email {

// The state directory holds no finished bisection (none, running,
// interrupted or aborted); what() says which, in one line.
class NoFinishedBisection : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Attachment {
  std::string filename;
  std::string content_type;  // e.g. "text/html; charset=utf-8"
  std::string data;
  std::string what;  // for the body: "the HTML report", ...
};

// What the message tells, gathered from a state directory (tests may build
// it by hand).
struct MailContent {
  std::int64_t bisection_id = 0;
  html::ReportData data;     // result, parameters, steps, log, crash text
  std::string bug_title;     // the bisected crash (empty: none known)
  std::string crash_commit;  // where data.crash_report was seen
  int crash_run = -1;        // which run there
  std::vector<Attachment> attachments;
  std::string attachment_note;  // e.g. a console log that was not kept
};

// The last bisection of `state_dir` if it finished; throws
// NoFinishedBisection otherwise. `repo`: the bisected repository when the
// caller has it open (else opened from the recorded parameters).
MailContent gather_last_result(const std::filesystem::path& state_dir,
                               const vcs::Repository* repo = nullptr);

struct ComposeOptions {
  Mailbox from;
  std::string subject;              // empty: "Re: <bug title>"
  std::string in_reply_to;          // the bug report's Message-ID (with or without <>)
  std::vector<std::string> to, cc;  // added to the result's recipients
  std::string link_base;            // not empty: attachments are linked under this URL
  std::time_t now = 0;              // 0: the current time
  std::string host;                 // Message-ID's right side; empty: the From domain
};

struct Message {
  std::string id;  // Message-ID without the brackets
  Mailbox from;
  std::vector<Mailbox> to, cc;
  std::string subject;
  std::time_t date = 0;
  std::string text;  // the whole message, headers and body, "\n" line ends
  std::vector<std::string> recipients() const;  // addresses of To and Cc
};

Message compose(const MailContent& content, const ComposeOptions& options);
// The plain-text body alone (the first MIME part).
std::string body_text(const MailContent& content, const std::string& link_base);
// mbox framing: a "From " line first, the message, an empty line.
std::string mbox(const Message& message);
// Writes the attachments into `dir` under their file names (for
// --link-base, whose URLs name them so).
void write_attachments(const MailContent& content, const std::filesystem::path& dir);

// How a message leaves this machine.
enum class Starttls { try_it, required, off };
struct SmtpSettings {
  std::string url;  // smtp://host[:port] or smtps://host[:port]
  Starttls starttls = Starttls::try_it;
  std::string netrc;             // a netrc file with the server's login
  std::string user, password;    // else these (password from the environment)
  std::string cacert;            // certificates to trust (PEM), else the system's
  double timeout_seconds = 300;  // the whole delivery
};
struct Transport {
  std::optional<SmtpSettings> smtp;
  std::string sendmail;  // a shell command reading the message on stdin, e.g. "sendmail -t -i"
  double sendmail_timeout_seconds = 300;
  std::string describe() const;  // "smtp://host:25 (STARTTLS if offered)", "sendmail -t"
};

struct Delivery {
  bool delivered = false;
  std::string error;  // one line: what failed and the server's (or command's) last reply
};
// Sends the message file (as kept, "\n" line ends) from `envelope_from` to
// `recipients`.
Delivery deliver(const Transport& transport, const std::filesystem::path& message_file,
                 const std::string& envelope_from, const std::vector<std::string>& recipients);

struct SendOutcome {
  Delivery delivery;
  std::filesystem::path kept;  // in sent/ when delivered, else in the outbox
};
// Keeps the message in the outbox, delivers it, and moves it to sent/ when
// it was accepted.
SendOutcome send_and_keep(const std::filesystem::path& state_dir, const Message& message,
                          const Transport& transport);
// Delivers a message kept in the outbox again, to the addresses its own
// From/To/Cc headers name.
SendOutcome resend(const std::filesystem::path& outbox_file, const Transport& transport);

}  // namespace culprit::email
