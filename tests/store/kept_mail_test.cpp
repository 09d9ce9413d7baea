// Which kept message belongs to which bisection, and which is the newest.
#include <gtest/gtest.h>

#include "store/kept_mail.h"
#include "support/test_support.h"
#include "util/text.h"

namespace culprit::store {
namespace {

TEST(KeptMail, FindsTheMessagesOfOneBisectionNewestLast) {
  culprit::testing::TempDir dir;
  EXPECT_FALSE(newest_kept_mail(dir.path(), 3));
  std::filesystem::create_directories(mail_outbox_dir(dir.path()));
  std::filesystem::create_directories(mail_sent_dir(dir.path()));
  auto put = [](const std::filesystem::path& d, const std::string& name) {
    write_file_atomic(d / name, "x");
  };
  put(mail_sent_dir(dir.path()), mail_id_prefix(3) + "1700000000.aaaa@farm.example.eml");
  put(mail_outbox_dir(dir.path()), mail_id_prefix(3) + "1700000100.bbbb@farm.example.eml");
  put(mail_sent_dir(dir.path()), mail_id_prefix(31) + "1700000200.cccc@farm.example.eml");
  put(mail_sent_dir(dir.path()), "culprit.3.notatime.eml");
  put(mail_sent_dir(dir.path()), "notes.txt");
  auto newest = newest_kept_mail(dir.path(), 3);
  ASSERT_TRUE(newest);
  EXPECT_FALSE(newest->sent);
  EXPECT_EQ(newest->composed, 1700000100);
  EXPECT_EQ(kept_mail(dir.path(), 3).size(), 2u);
  EXPECT_EQ(kept_mail(dir.path()).size(), 3u);
  EXPECT_TRUE(newest_kept_mail(dir.path(), 31)->sent);
  EXPECT_FALSE(newest_kept_mail(dir.path(), 4));
}

}  // namespace
}  // namespace culprit::store
