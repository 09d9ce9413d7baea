// The message: RFC 5322 headers, then either the plain-text body alone
// (attachments linked) or multipart/mixed with the body first and the
// attachments after it.
#include <fmt/format.h>

#include <random>

#include "email/email.h"
#include "email/mime.h"
#include "store/kept_mail.h"
#include "util/text.h"

namespace culprit::email {
namespace {

std::string random_hex(std::size_t n) {
  std::random_device rd;
  std::string out;
  while (out.size() < n) out += fmt::format("{:08x}", rd());
  return out.substr(0, n);
}

std::tm utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// RFC 5322 date, in UTC, whatever the locale.
std::string rfc5322_date(std::time_t t) {
  auto tm = utc(t);
  return fmt::format("{}, {:02d} {} {} {:02d}:{:02d}:{:02d} +0000", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// The date of an mbox "From " line (asctime's layout).
std::string mbox_date(std::time_t t) {
  auto tm = utc(t);
  return fmt::format("{} {} {:2d} {:02d}:{:02d}:{:02d} {}", kDays[tm.tm_wday], kMonths[tm.tm_mon],
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

std::string bracketed(std::string id) {
  id = std::string(trim(id));
  if (id.empty()) return id;
  if (id.front() != '<') id = "<" + id;
  if (id.back() != '>') id += ">";
  return id;
}

std::string address_list(const std::vector<Mailbox>& list) {
  std::string out;
  for (const auto& m : list) out += (out.empty() ? "" : ", ") + format_mailbox(m);
  return out;
}

std::string subject_of(const MailContent& content, const ComposeOptions& options) {
  if (!options.subject.empty()) return options.subject;
  if (!content.bug_title.empty())
    return starts_with(content.bug_title, "Re: ") ? content.bug_title : "Re: " + content.bug_title;
  std::string start = content.data.params.value("commit", "");
  return fmt::format("culprit: {} bisection from {}", content.data.fix ? "fix" : "cause",
                     start.substr(0, 12));
}

std::string part(const std::string& content_type, const std::string& disposition,
                 std::string_view data) {
  auto encoding = choose_encoding(data);
  return "Content-Type: " + content_type + "\nContent-Transfer-Encoding: " + to_string(encoding) +
         "\nContent-Disposition: " + disposition + "\n\n" + encode_body(data, encoding);
}

}  // namespace

std::vector<std::string> Message::recipients() const {
  std::vector<std::string> out;
  for (const auto* list : {&to, &cc})
    for (const auto& m : *list) out.push_back(m.address);
  return out;
}

Message compose(const MailContent& content, const ComposeOptions& options) {
  Message m;
  m.from = options.from;
  m.date = options.now ? options.now : std::time(nullptr);
  std::vector<std::string> to, cc;
  const auto& r = content.data.result;
  if (r.contains("recipients") && r["recipients"].is_object())
    for (auto [key, into] : {std::pair{"to", &to}, {"cc", &cc}})
      if (r["recipients"].contains(key) && r["recipients"][key].is_array())
        for (const auto& e : r["recipients"][key])
          if (e.is_string()) into->push_back(e.get<std::string>());
  to.insert(to.end(), options.to.begin(), options.to.end());
  cc.insert(cc.end(), options.cc.begin(), options.cc.end());
  auto lists = clean_recipients(to, cc);
  m.to = std::move(lists.to);
  m.cc = std::move(lists.cc);
  m.subject = subject_of(content, options);
  std::string host = options.host;
  if (host.empty()) host = m.from.address.substr(m.from.address.find('@') + 1);
  m.id = fmt::format("{}{}.{}@{}", store::mail_id_prefix(content.bisection_id),
                     static_cast<long long>(m.date), random_hex(8), host);

  std::string h;
  h += header_line("From", format_mailbox(m.from));
  h += header_line("To", m.to.empty() ? "undisclosed-recipients:;" : address_list(m.to));
  if (!m.cc.empty()) h += header_line("Cc", address_list(m.cc));
  h += header_line("Subject", encode_header_text(m.subject));
  h += header_line("Date", rfc5322_date(m.date));
  h += header_line("Message-ID", "<" + m.id + ">");
  if (auto reply = bracketed(options.in_reply_to); !reply.empty()) {
    h += header_line("In-Reply-To", reply);
    h += header_line("References", reply);
  }
  h += header_line("MIME-Version", "1.0");
  // For mail filters: the verdict, or why there is none.
  if (auto v = r.value("verdict", std::string()); !v.empty())
    h += header_line("X-Culprit-Verdict", r.value("aborted", false)      ? "aborted"
                                          : !r.value("reproduced", true) ? "not-reproduced"
                                                                         : v);

  std::string body = body_text(content, options.link_base);
  if (!options.link_base.empty() || content.attachments.empty()) {
    auto encoding = choose_encoding(body);
    m.text = h + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: " +
             to_string(encoding) + "\n\n" + encode_body(body, encoding);
    return m;
  }
  std::vector<std::string> parts;
  parts.push_back(part("text/plain; charset=utf-8", "inline", body));
  for (const auto& a : content.attachments)
    parts.push_back(part(a.content_type + "; name=\"" + a.filename + "\"",
                         "attachment; filename=\"" + a.filename + "\"", a.data));
  std::string boundary;
  bool clash = true;
  while (clash) {
    boundary = "culprit-" + random_hex(24) + "=_";
    clash = false;
    for (const auto& p : parts) clash = clash || p.find(boundary) != std::string::npos;
  }
  m.text = h + "Content-Type: multipart/mixed; boundary=\"" + boundary +
           "\"\n\nThis is a message in MIME format: the text first, then the attachments.\n";
  for (const auto& p : parts) m.text += "\n--" + boundary + "\n" + p;
  m.text += "\n--" + boundary + "--\n";
  return m;
}

std::string mbox(const Message& message) {
  std::string out = "From " + message.from.address + " " + mbox_date(message.date) + "\n";
  // mboxrd: a line that would read as a separator gets one more '>'.
  for (auto line : split_lines(message.text)) {
    std::string_view rest = line;
    while (rest.starts_with('>')) rest.remove_prefix(1);
    if (rest.starts_with("From ")) out += '>';
    out += line;
    out += '\n';
  }
  return out + "\n";
}

void write_attachments(const MailContent& content, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  for (const auto& a : content.attachments) write_file_atomic(dir / a.filename, a.data);
}

}  // namespace culprit::email
