// MIME building blocks (RFC 2045-2047): transfer encodings for bodies,
// encoded words for headers with non-ASCII text, and header folding.
#pragma once

#include <string>
#include <string_view>

namespace culprit::email {

enum class TransferEncoding { seven_bit, quoted_printable, base64 };
const char* to_string(TransferEncoding encoding);

// 7bit when every line is ASCII without NUL or a bare CR, at most 998
// octets, and none starts with "From " (so an mbox needs no escaping) or
// "." (which ends the input of a sendmail run without -i);
// else quoted-printable for text that is mostly printable, else base64.
TransferEncoding choose_encoding(std::string_view text);

// Base64 in lines of 76 characters, each ending in "\n".
std::string base64(std::string_view data);
// Quoted-printable with "\n" line ends kept as hard breaks, soft breaks
// keeping lines within 76 characters, and a line-leading "From " or "."
// encoded, so the text survives mbox files and careless relays.
std::string quoted_printable(std::string_view text);
std::string encode_body(std::string_view text, TransferEncoding encoding);

// A header's text as it may appear in a header: unchanged when plain
// ASCII, else RFC 2047 encoded words (UTF-8, Q encoding), each at most 75
// characters, separated by spaces.
std::string encode_header_text(std::string_view text);

// "Name: value" folded at spaces (or after commas in address lists) so that
// lines stay within 78 characters where possible; continuation lines start
// with a space. Ends with "\n".
std::string header_line(std::string_view name, std::string_view value);

}  // namespace culprit::email
