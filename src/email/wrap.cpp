#include "email/wrap.h"

namespace culprit::email {
namespace {

// Columns a UTF-8 string takes: one per character, not per byte.
std::size_t columns(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++n;
  return n;
}

}  // namespace

std::string wrap(std::string_view text, std::size_t width, std::string_view indent) {
  std::string out;
  std::size_t column = 0;
  std::size_t pos = 0;
  bool line_empty = true;
  while (pos < text.size()) {
    auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
    while (pos < text.size() && is_space(text[pos])) ++pos;
    std::size_t end = pos;
    while (end < text.size() && !is_space(text[end])) ++end;
    if (end == pos) break;
    std::string_view word = text.substr(pos, end - pos);
    std::size_t w = columns(word);
    if (!line_empty && column + 1 + w > width) {
      out += '\n';
      out += indent;
      column = columns(indent);
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++column;
    }
    out += word;
    column += w;
    line_empty = false;
    pos = end;
  }
  return out;
}

}  // namespace culprit::email
