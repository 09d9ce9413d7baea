// Mailboxes as the result JSON and the command line give them ("Name
// <addr>" or a bare address) and as headers need them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::email {

struct Mailbox {
  std::string name;     // display name, may be empty
  std::string address;  // addr-spec: local@domain
};

// "Name <addr>", "\"Last, First\" <addr>", "<addr>" or "addr"; nothing when
// there is no plausible address (exactly one @, no spaces or brackets).
std::optional<Mailbox> parse_mailbox(std::string_view text);
// A header's address list (commas outside quotes and brackets separate).
std::vector<Mailbox> parse_mailbox_list(std::string_view text);
// For a header: the name quoted or encoded as needed, then <addr>; the
// bare address when there is no name.
std::string format_mailbox(const Mailbox& mailbox);

// Addresses culprit never mails: stable@ lists want patches, not reports.
bool never_mailed(std::string_view address);

struct RecipientLists {
  std::vector<Mailbox> to, cc;
};
// In the given order, without duplicates (by address, ignoring case; To
// wins over Cc), without never_mailed addresses; entries that are not
// mailboxes are dropped and returned in `rejected`.
RecipientLists clean_recipients(const std::vector<std::string>& to,
                                const std::vector<std::string>& cc,
                                std::vector<std::string>* rejected = nullptr);

}  // namespace culprit::email
