// Prose for a plain-text mail: wrapped at 72 columns, as mail readers and
// kernel developers expect.
#pragma once

#include <string>
#include <string_view>

namespace culprit::email {

// Words of `text` (any whitespace separates) in lines of at most `width`
// characters (a longer word gets a line of its own); every line after the
// first starts with `indent`. No newline at the end.
std::string wrap(std::string_view text, std::size_t width = 72, std::string_view indent = "");

}  // namespace culprit::email
