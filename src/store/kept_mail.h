// Where the result messages of a state directory's bisections are kept, so
// that the mail module (which writes them) and the HTML report (which links
// them) agree: DIR/email/outbox/ holds messages not delivered yet (to be
// sent again), DIR/email/sent/ those a server or sendmail accepted. Each
// file is "<Message-ID without brackets>.eml"; culprit's Message-IDs begin
// with "culprit.<bisection id>.<unix time>." so a file names its bisection.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace culprit::store {

std::filesystem::path mail_outbox_dir(const std::filesystem::path& state_dir);
std::filesystem::path mail_sent_dir(const std::filesystem::path& state_dir);

// "culprit.<id>.": the start of every Message-ID made for that bisection.
std::string mail_id_prefix(std::int64_t bisection_id);

struct KeptMail {
  std::filesystem::path path;
  bool sent = false;
  std::int64_t composed = 0;  // unix time from the Message-ID
};

// Messages of one bisection (or of all, when bisection_id < 0), oldest first.
std::vector<KeptMail> kept_mail(const std::filesystem::path& state_dir,
                                std::int64_t bisection_id = -1);
// The newest message of a bisection, if one was kept.
std::optional<KeptMail> newest_kept_mail(const std::filesystem::path& state_dir,
                                         std::int64_t bisection_id);

}  // namespace culprit::store
