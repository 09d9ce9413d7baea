// MIME encodings checked against an independent decoder (Python's quopri,
// base64 and email.header), and header folding.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "email/mime.h"
#include "email/python_check.h"
#include "util/text.h"

namespace culprit::email {
namespace {

using culprit::testing::python_run;
using culprit::testing::python_with;
using culprit::testing::TempDir;

// Texts that stress the encoders: trailing spaces, "From " and "." at line
// starts, '=' signs, long lines, UTF-8, control bytes, CRLF, no final newline.
std::vector<std::string> hard_texts() {
  std::vector<std::string> t = {
      "",
      "plain line\n",
      "trailing space \nand tab\t\n",
      "From the start\n.dot line\n..two dots\nFrom\n",
      "a=b c==d =\n",
      std::string(2000, 'x') + "\n" + std::string(75, 'y') + "=\n",
      "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x90\x9b bug\n",
      "crlf line\r\nbare\rcr\n",
      "no final newline",
      std::string("nul\0byte\x01\x7f\xff\n", 12),
  };
  std::mt19937 rng(42);
  std::string random(5000, '\0');
  for (auto& c : random) c = static_cast<char>(rng());
  t.push_back(random);
  std::string spaces;
  for (int i = 0; i < 300; ++i) spaces += (i % 7 == 0) ? "\n" : (i % 3 == 0 ? " " : "w");
  t.push_back(spaces);
  return t;
}

TEST(Mime, Base64AndQuotedPrintableDecodeToTheSameBytesInPython) {
  if (!python_with("quopri")) GTEST_SKIP() << "python3 is not installed";
  TempDir dir;
  auto texts = hard_texts();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    write_file_atomic(dir / (std::to_string(i) + ".raw"), texts[i]);
    write_file_atomic(dir / (std::to_string(i) + ".b64"), base64(texts[i]));
    write_file_atomic(dir / (std::to_string(i) + ".qp"), quoted_printable(texts[i]));
  }
  std::string out =
      python_run(R"py(
import base64, quopri, sys, os
d = sys.argv[1]
for i in range(int(sys.argv[2])):
    raw = open(os.path.join(d, '%d.raw' % i), 'rb').read()
    b = open(os.path.join(d, '%d.b64' % i), 'rb').read()
    q = open(os.path.join(d, '%d.qp' % i), 'rb').read()
    ok_b = base64.b64decode(b) == raw
    # QP line breaks are hard breaks: CRLF in the text becomes LF.
    ok_q = quopri.decodestring(q) == raw.replace(b'\r\n', b'\n')
    long_lines = [l for l in (b + q).split(b'\n') if len(l) > 76]
    print(i, ok_b, ok_q, len(long_lines))
)py",
                 shell_quote(dir.path().string()) + " " + std::to_string(texts.size()));
  for (std::size_t i = 0; i < texts.size(); ++i)
    EXPECT_THAT(out, ::testing::HasSubstr(std::to_string(i) + " True True 0\n")) << out;
}

TEST(Mime, QuotedPrintableHidesMboxAndSendmailTraps) {
  std::string qp = quoted_printable("From here\n.\nx \n");
  EXPECT_EQ(qp, "=46rom here\n=2E\nx=20\n");
}

TEST(Mime, EncodingChoice) {
  EXPECT_EQ(choose_encoding("short ascii\nlines\n"), TransferEncoding::seven_bit);
  EXPECT_EQ(choose_encoding("From a line start\n"), TransferEncoding::quoted_printable);
  EXPECT_EQ(choose_encoding("a\n.\nb\n"), TransferEncoding::quoted_printable);
  EXPECT_EQ(choose_encoding(std::string(999, 'a')), TransferEncoding::quoted_printable);
  EXPECT_EQ(choose_encoding("caf\xc3\xa9\n"), TransferEncoding::quoted_printable);
  EXPECT_EQ(choose_encoding(std::string(100, '\0')), TransferEncoding::base64);
}

TEST(Mime, HeaderTextEncodedWordsDecodeInPython) {
  if (!python_with("email")) GTEST_SKIP() << "python3 is not installed";
  std::vector<std::string> subjects = {
      "Re: KASAN: use-after-free Read in foo",
      "Re: WARNING in caf\xc3\xa9_open (\xe2\x80\x9cquoted\xe2\x80\x9d, =?, _under_)",
      "Re: " + std::string(30, 'x') + " \xf0\x9f\x90\x9b " + std::string(120, 'z'),
  };
  TempDir dir;
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    EXPECT_EQ(encode_header_text(subjects[i]) == subjects[i], i == 0);
    write_file_atomic(dir / (std::to_string(i) + ".hdr"),
                      header_line("Subject", encode_header_text(subjects[i])));
    write_file_atomic(dir / (std::to_string(i) + ".want"), subjects[i]);
  }
  std::string out =
      python_run(R"py(
import sys, os, email
from email import policy
d = sys.argv[1]
for i in range(int(sys.argv[2])):
    hdr = open(os.path.join(d, '%d.hdr' % i), 'rb').read()
    want = open(os.path.join(d, '%d.want' % i), 'rb').read().decode()
    msg = email.message_from_bytes(hdr + b'\n', policy=policy.default)
    lines = hdr.decode().split('\n')
    print(i, msg['subject'] == want, max(len(l) for l in lines) <= 78, msg['subject'])
)py",
                 shell_quote(dir.path().string()) + " " + std::to_string(subjects.size()));
  for (std::size_t i = 0; i < subjects.size(); ++i)
    EXPECT_THAT(out, ::testing::HasSubstr(std::to_string(i) + " True True")) << out;
}

TEST(Mime, HeaderFoldingKeepsTheValue) {
  std::string value;
  for (int i = 0; i < 12; ++i)
    value += (i ? ", " : "") + std::string("Person Number") + std::to_string(i) + " <p" +
             std::to_string(i) + "@example.org>";
  std::string line = header_line("To", value);
  std::string unfolded;
  for (auto l : split_lines(line)) {
    EXPECT_LE(l.size(), 78u) << l;
    unfolded += std::string(l);
  }
  EXPECT_EQ(unfolded, "To: " + value);
  EXPECT_EQ(header_line("Subject", "short"), "Subject: short\n");
}

}  // namespace
}  // namespace culprit::email
