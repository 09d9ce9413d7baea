// A message is written to the outbox before it is sent and moved to sent/
// once a server or sendmail accepted it: a delivery that fails, or a
// culprit killed while sending, leaves it where `culprit email --resend`
// finds it.
#include <fmt/format.h>

#include <cctype>

#include "email/email.h"
#include "store/kept_mail.h"
#include "util/text.h"

namespace culprit::email {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// From, To and Cc of a kept message (headers unfolded).
struct Envelope {
  std::string from;
  std::vector<std::string> recipients;
};

Envelope envelope_of(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (auto line : split_lines(text)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !headers.empty()) {
      headers.back().second += " " + std::string(trim(line));
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    headers.emplace_back(lower(trim(line.substr(0, colon))),
                         std::string(trim(line.substr(colon + 1))));
  }
  Envelope e;
  for (const auto& [name, value] : headers) {
    if (name == "from")
      if (auto list = parse_mailbox_list(value); !list.empty()) e.from = list.front().address;
    if (name == "to" || name == "cc")
      for (const auto& m : parse_mailbox_list(value)) e.recipients.push_back(m.address);
  }
  return e;
}

std::filesystem::path move_to_sent(const std::filesystem::path& outbox_file) {
  // outbox/ and sent/ are siblings under DIR/email.
  auto sent = outbox_file.parent_path().parent_path() / "sent";
  std::filesystem::create_directories(sent);
  auto target = sent / outbox_file.filename();
  std::filesystem::rename(outbox_file, target);
  return target;
}

}  // namespace

SendOutcome send_and_keep(const std::filesystem::path& state_dir, const Message& message,
                          const Transport& transport) {
  auto dir = store::mail_outbox_dir(state_dir);
  std::filesystem::create_directories(dir);
  SendOutcome out;
  out.kept = dir / (message.id + ".eml");
  write_file_atomic(out.kept, message.text);
  out.delivery = deliver(transport, out.kept, message.from.address, message.recipients());
  if (out.delivery.delivered) out.kept = move_to_sent(out.kept);
  return out;
}

SendOutcome resend(const std::filesystem::path& outbox_file, const Transport& transport) {
  auto envelope = envelope_of(read_file(outbox_file));
  SendOutcome out;
  out.kept = outbox_file;
  if (envelope.from.empty()) {
    out.delivery = {false, outbox_file.string() + " has no From header with an address"};
    return out;
  }
  out.delivery = deliver(transport, outbox_file, envelope.from, envelope.recipients);
  if (out.delivery.delivered) out.kept = move_to_sent(outbox_file);
  return out;
}

}  // namespace culprit::email
