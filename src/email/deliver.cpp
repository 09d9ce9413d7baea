// Delivery: SMTP through libcurl, or a sendmail command fed the message on
// its standard input. Either way a failure comes back as one line that
// quotes the server's (or the command's) last words.
#include <curl/curl.h>
#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>

#include "email/email.h"
#include "util/process.h"
#include "util/text.h"

namespace culprit::email {
namespace {

struct CurlEasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
struct CurlListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlList = std::unique_ptr<curl_slist, CurlListDeleter>;

void ensure_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void append(CurlList& list, const std::string& item) {
  curl_slist* grown = curl_slist_append(list.get(), item.c_str());
  if (!grown) throw std::bad_alloc();
  (void)list.release();
  list.reset(grown);
}

// The server's replies as they arrive (curl hands them to its debug
// callback as "header" data): the last complete one, and the last that
// was an error (4xx/5xx), which is what a failure is about.
struct Replies {
  std::string partial, pending, last, last_error;
  void feed(std::string_view data) {
    partial += data;
    std::size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      std::string line(trim(std::string_view(partial).substr(0, nl)));
      partial.erase(0, nl + 1);
      bool coded = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                   std::isdigit(static_cast<unsigned char>(line[1])) &&
                   std::isdigit(static_cast<unsigned char>(line[2]));
      if (coded && line.size() > 3 && line[3] == '-') {
        pending += line + " ";
        continue;
      }
      std::string reply = pending + line;
      pending.clear();
      last = reply;
      if (coded && line[0] >= '4') last_error = reply;
    }
  }
};

int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  if (type == CURLINFO_HEADER_IN) static_cast<Replies*>(user)->feed(std::string_view(data, size));
  return 0;
}

struct Upload {
  std::string data;
  std::size_t pos = 0;
};

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, up->data.size() - up->pos);
  std::memcpy(buffer, up->data.data() + up->pos, n);
  up->pos += n;
  return n;
}

// SMTP wants CRLF line ends; the kept message has "\n".
std::string with_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

Delivery deliver_smtp(const SmtpSettings& s, const std::string& message, const std::string& from,
                      const std::vector<std::string>& recipients) {
  ensure_curl();
  CurlEasy h(curl_easy_init());
  if (!h) return {false, "cannot start libcurl"};
  char errors[CURL_ERROR_SIZE] = {0};
  Replies replies;
  Upload upload{with_crlf(message)};
  CurlList rcpt;
  for (const auto& r : recipients) append(rcpt, "<" + r + ">");
  std::string mail_from = "<" + from + ">";
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload.data.size()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errors);
  curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt(c, CURLOPT_DEBUGDATA, &replies);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout_seconds * 1000));
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   s.starttls == Starttls::required ? CURLUSESSL_ALL
                   : s.starttls == Starttls::off    ? CURLUSESSL_NONE
                                                    : CURLUSESSL_TRY);
  if (!s.cacert.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s.cacert.c_str());
  if (!s.netrc.empty()) {
    curl_easy_setopt(c, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_REQUIRED));
    curl_easy_setopt(c, CURLOPT_NETRC_FILE, s.netrc.c_str());
  }
  if (!s.user.empty()) curl_easy_setopt(c, CURLOPT_USERNAME, s.user.c_str());
  if (!s.password.empty()) curl_easy_setopt(c, CURLOPT_PASSWORD, s.password.c_str());
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return {true, {}};
  std::string what = errors[0] ? std::string(trim(errors)) : curl_easy_strerror(rc);
  while (!what.empty() && what.back() == '.') what.pop_back();
  std::string reply = replies.last_error.empty() ? replies.last : replies.last_error;
  return {false, fmt::format("delivery through {} failed: {}{}", s.url, what,
                             reply.empty() ? "; the server sent no reply"
                                           : "; the server's last reply: " + reply)};
}

Delivery deliver_sendmail(const Transport& t, const std::filesystem::path& file,
                          const std::string& from, const std::vector<std::string>& recipients) {
  ProcessOptions options;
  options.timeout_seconds = t.sendmail_timeout_seconds;
  std::string rcpt;
  for (const auto& r : recipients) rcpt += (rcpt.empty() ? "" : " ") + r;
  options.env = {{"CULPRIT_MAIL_FROM", from}, {"CULPRIT_MAIL_RCPT", rcpt}};
  // The command reads the message on its standard input.
  auto r = run_shell("exec <" + shell_quote(file.string()) + "\n" + t.sendmail, options);
  if (!r.start_failed && !r.timed_out && !r.interrupted && r.status() == 0) return {true, {}};
  std::string last;
  for (auto line : split_lines(r.output))
    if (!trim(line).empty()) last = std::string(trim(line));
  std::string how =
      r.start_failed  ? "could not start"
      : r.timed_out   ? fmt::format("timed out after {}", format_duration(options.timeout_seconds))
      : r.interrupted ? "was interrupted"
                      : fmt::format("failed with exit status {}", r.status());
  return {false, fmt::format("delivery through the command `{}` failed: it {}{}", t.sendmail, how,
                             last.empty() ? "" : "; its last output: " + last)};
}

}  // namespace

std::string Transport::describe() const {
  if (smtp) {
    if (starts_with(smtp->url, "smtps://")) return smtp->url + " (TLS)";
    return smtp->url + (smtp->starttls == Starttls::required ? " (STARTTLS required)"
                        : smtp->starttls == Starttls::off    ? " (no STARTTLS)"
                                                          : " (STARTTLS if the server offers it)");
  }
  return "the command `" + sendmail + "`";
}

Delivery deliver(const Transport& transport, const std::filesystem::path& message_file,
                 const std::string& envelope_from, const std::vector<std::string>& recipients) {
  if (recipients.empty()) return {false, "the message has no recipients"};
  if (transport.smtp)
    return deliver_smtp(*transport.smtp, read_file(message_file), envelope_from, recipients);
  if (!transport.sendmail.empty())
    return deliver_sendmail(transport, message_file, envelope_from, recipients);
  return {false, "no way to send mail was given (--smtp URL or --sendmail CMD)"};
}

}  // namespace culprit::email
