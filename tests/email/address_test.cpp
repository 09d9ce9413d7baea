// Mailboxes: parsing what the result JSON and the command line give,
// formatting for headers, and the recipient lists' rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "email/address.h"
#include "email/wrap.h"
#include "util/text.h"

namespace culprit::email {
namespace {

std::vector<std::string> addresses(const std::vector<Mailbox>& list) {
  std::vector<std::string> out;
  for (const auto& m : list) out.push_back(m.address);
  return out;
}

TEST(Address, ParsesTheFormsRecipientsComeIn) {
  auto m = parse_mailbox("Foo Maintainer <foo@example.org>");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "Foo Maintainer");
  EXPECT_EQ(m->address, "foo@example.org");
  m = parse_mailbox("  linux-kernel@vger.kernel.org ");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "");
  EXPECT_EQ(m->address, "linux-kernel@vger.kernel.org");
  m = parse_mailbox("\"Doe, J. \\\"JD\\\"\" <jd@example.org>");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "Doe, J. \"JD\"");
  for (const char* bad : {"", "nobody", "a@b@c", "Name <>", "x y@z", "<a@b> trailing", "a@"})
    EXPECT_FALSE(parse_mailbox(bad)) << bad;
}

TEST(Address, FormattedMailboxesParseBackAsAList) {
  std::vector<Mailbox> list = {{"Plain Name", "plain@example.org"},
                               {"Doe, J. \"JD\"", "jd@example.org"},
                               {"", "list@vger.kernel.org"},
                               {"Jos\xc3\xa9 M\xc3\xbcller", "jm@example.org"}};
  std::string header;
  for (const auto& m : list) header += (header.empty() ? "" : ", ") + format_mailbox(m);
  EXPECT_THAT(header, ::testing::HasSubstr("\"Doe, J. \\\"JD\\\"\" <jd@example.org>"));
  EXPECT_THAT(header, ::testing::HasSubstr("=?UTF-8?Q?"));
  EXPECT_THAT(header, ::testing::HasSubstr(", list@vger.kernel.org,"));
  auto back = parse_mailbox_list(header);
  EXPECT_EQ(addresses(back), addresses(list));
  EXPECT_EQ(back[1].name, list[1].name);
}

TEST(Address, RecipientsWithoutDuplicatesOrStable) {
  std::vector<std::string> rejected;
  auto r = clean_recipients({"A <a@example.org>", "list@example.org", "A Again <A@EXAMPLE.ORG>",
                             "stable@vger.kernel.org", "not an address"},
                            {"a@example.org", "C <c@example.org>", "Stable <Stable@kernel.org>",
                             "list@example.org", "c@example.org"},
                            &rejected);
  EXPECT_EQ(addresses(r.to), (std::vector<std::string>{"a@example.org", "list@example.org"}));
  EXPECT_EQ(addresses(r.cc), (std::vector<std::string>{"c@example.org"}));
  EXPECT_EQ(rejected, (std::vector<std::string>{"not an address"}));
  EXPECT_TRUE(never_mailed("STABLE@vger.kernel.org"));
  EXPECT_FALSE(never_mailed("unstable@example.org"));
}

TEST(Wrap, ProseStaysWithin72Columns) {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "word" + std::to_string(i) + (i % 9 ? " " : "  \n ");
  std::string wrapped = wrap(text);
  std::string words_in, words_out;
  for (auto line : split_lines(wrapped)) {
    EXPECT_LE(line.size(), 72u) << line;
    EXPECT_FALSE(line.empty());
    EXPECT_NE(line.back(), ' ');
  }
  // Same words in the same order.
  auto squash = [](std::string s) {
    std::string out;
    for (char c : s)
      if (c != ' ' && c != '\n') out += c;
    return out;
  };
  EXPECT_EQ(squash(wrapped), squash(text));
  // A word longer than the line stands alone; an indent starts later lines.
  std::string url = "https://example.org/" + std::string(80, 'x');
  EXPECT_EQ(wrap("see " + url + " now", 72, "  "), "see\n  " + url + "\n  now");
  // Columns are characters, not bytes.
  std::string accented;
  for (int i = 0; i < 20; ++i) accented += "caf\xc3\xa9 ";
  std::string narrow = wrap(accented, 20);
  for (auto line : split_lines(narrow))
    EXPECT_EQ(line, "caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9");
}

}  // namespace
}  // namespace culprit::email
