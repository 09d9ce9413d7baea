#include "email/mime.h"

#include <fmt/format.h>

namespace culprit::email {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool is_ascii_text(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80 || (c < 0x20 && c != '\t')) return false;
  return true;
}

}  // namespace

const char* to_string(TransferEncoding encoding) {
  switch (encoding) {
    case TransferEncoding::seven_bit:
      return "7bit";
    case TransferEncoding::quoted_printable:
      return "quoted-printable";
    case TransferEncoding::base64:
      return "base64";
  }
  return "7bit";
}

TransferEncoding choose_encoding(std::string_view text) {
  bool seven_bit = true;
  std::size_t binary = 0;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n') {
      std::string_view line = text.substr(line_start, i - line_start);
      if (line.size() > 998 || line.starts_with("From ") || line.starts_with(".") ||
          !is_ascii_text(line))
        seven_bit = false;
      line_start = i + 1;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0 || (c < 0x20 && c != '\t' && c != '\r')) ++binary;
  }
  if (seven_bit) return TransferEncoding::seven_bit;
  // Quoted-printable stays readable when few bytes need escapes; UTF-8 text
  // (two or three escaped bytes per character) is still text.
  return binary * 20 <= text.size() ? TransferEncoding::quoted_printable : TransferEncoding::base64;
}

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(data.size() * 4 / 3 + data.size() / 57 + 4);
  std::size_t column = 0;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) n |= static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[n & 63] : '=';
    column += 4;
    if (column == 76) {
      out += '\n';
      column = 0;
    }
  }
  if (column) out += '\n';
  return out;
}

std::string quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t line_start = 0;
  while (line_start <= text.size()) {
    std::size_t nl = text.find('\n', line_start);
    bool last = nl == std::string_view::npos;
    std::string_view line =
        text.substr(line_start, last ? std::string_view::npos : nl - line_start);
    if (last && line.empty()) break;
    // A CR before the LF is part of the line break, not data.
    if (!last && line.ends_with('\r')) line.remove_suffix(1);
    std::string encoded;
    std::size_t column = 0;
    auto put = [&](std::string_view piece) {
      // A soft break ("=" at the end) keeps each line within 76 characters.
      if (column + piece.size() > 75) {
        encoded += "=\n";
        column = 0;
      }
      encoded += piece;
      column += piece.size();
    };
    for (std::size_t i = 0; i < line.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      bool at_start = column == 0;
      bool trailing_space = (c == ' ' || c == '\t') && i + 1 == line.size();
      bool escape = c == '=' || c >= 0x7f || (c < 0x20 && c != '\t') || trailing_space ||
                    (at_start && c == '.') ||
                    (at_start && c == 'F' && line.substr(i).starts_with("From "));
      if (escape) {
        char buf[3] = {'=', kHex[c >> 4], kHex[c & 15]};
        put(std::string_view(buf, 3));
      } else {
        char ch = static_cast<char>(c);
        put(std::string_view(&ch, 1));
      }
    }
    out += encoded;
    if (last) {
      // Text without a final newline: a soft break ends it exactly.
      out += "=\n";
      break;
    }
    out += '\n';
    line_start = nl + 1;
  }
  return out;
}

std::string encode_body(std::string_view text, TransferEncoding encoding) {
  switch (encoding) {
    case TransferEncoding::seven_bit: {
      std::string out(text);
      if (!out.empty() && out.back() != '\n') out += '\n';
      return out;
    }
    case TransferEncoding::quoted_printable:
      return quoted_printable(text);
    case TransferEncoding::base64:
      return base64(text);
  }
  return std::string(text);
}

std::string encode_header_text(std::string_view text) {
  if (is_ascii_text(text)) return std::string(text);
  // Q encoding: printable ASCII except the specials stays, space is "_",
  // the rest =XX; words split between UTF-8 characters, never inside one.
  constexpr std::string_view kOpen = "=?UTF-8?Q?", kClose = "?=";
  // RFC 2047 allows 75; shorter words leave room for the header name on
  // the first line.
  constexpr std::size_t kMaxWord = 60;
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += ' ';
    out += std::string(kOpen) + word + std::string(kClose);
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    unsigned char lead = static_cast<unsigned char>(text[i]);
    std::size_t len = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    len = std::min(len, text.size() - i);
    std::string piece;
    for (std::size_t k = 0; k < len; ++k) {
      unsigned char c = static_cast<unsigned char>(text[i + k]);
      if (c == ' ')
        piece += '_';
      else if (c >= 0x21 && c < 0x7f && c != '=' && c != '?' && c != '_' && c != '"' && c != '(' &&
               c != ')' && c != ',')
        piece += static_cast<char>(c);
      else
        piece += fmt::format("={}{}", kHex[c >> 4], kHex[c & 15]);
    }
    if (kOpen.size() + word.size() + piece.size() + kClose.size() > kMaxWord) flush();
    word += piece;
    i += len;
  }
  flush();
  return out;
}

std::string header_line(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ':';
  std::size_t column = out.size();
  // Break only at spaces; an address list is written with ", " between
  // addresses, so it breaks after its commas.
  std::size_t pos = 0;
  bool first = true;
  while (pos <= value.size()) {
    std::size_t space = value.find(' ', pos);
    std::string_view token =
        value.substr(pos, space == std::string_view::npos ? std::string_view::npos : space - pos);
    if (!first && column + 1 + token.size() > 78) {
      out += "\n";
      column = 0;
    }
    out += ' ';
    out += token;
    column += 1 + token.size();
    first = false;
    if (space == std::string_view::npos) break;
    pos = space + 1;
  }
  return out + "\n";
}

}  // namespace culprit::email
