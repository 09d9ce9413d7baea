// Text into HTML and SVG: every string that came from a commit, a log or a
// crash is escaped, so a hostile commit subject cannot inject markup.
#pragma once

#include <string>
#include <string_view>

namespace culprit::html {

// Escapes & < > " ' (safe in text and in quoted attribute values). Invalid
// UTF-8 bytes become U+FFFD so the page stays well-formed.
std::string escape(std::string_view text);

// A file:// URL for a local path (the page is read on the machine that ran
// the bisection), with everything but unreserved characters and '/' encoded.
std::string file_url(std::string_view path);

// The first n characters of a hash (or the whole, if shorter).
std::string short_hash(std::string_view hash, std::size_t n = 12);

}  // namespace culprit::html
