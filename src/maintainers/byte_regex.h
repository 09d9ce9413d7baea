// Regular expressions the way get_maintainer.pl's Perl sees them: over
// bytes (MAINTAINERS and sources are not decoded), N: and K: in /x mode.
#pragma once

#include <re2/re2.h>

#include <string>
#include <string_view>

namespace culprit::maintainers {

// Latin-1 (one byte, one character), errors not logged to stderr.
RE2::Options byte_regex_options();

// A Perl /x pattern without its layout: unescaped blanks outside character
// classes and "#..." comments removed.
std::string strip_extended_layout(std::string_view pattern);

}  // namespace culprit::maintainers
