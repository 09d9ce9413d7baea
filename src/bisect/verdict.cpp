#include "bisect/verdict.h"

#include "util/text.h"

namespace culprit::bisect {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::good:
      return "good";
    case Verdict::bad:
      return "bad";
    case Verdict::skip:
      return "skip";
  }
  return "?";
}

bool is_generic_title(const std::string& title) {
  return starts_with(title, "exit status ") || starts_with(title, "killed by ") ||
         starts_with(title, "timed out") || title == "no output from test machine" ||
         title == "lost connection to test machine";
}

}  // namespace culprit::bisect
