#include "report/pattern.h"

#include <cstdio>
#include <cstdlib>

namespace culprit::report {
namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos;
       pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

}  // namespace

std::string expand_pattern(std::string_view pattern) {
  std::string s(pattern);
  replace_all(s, "{{ADDR}}", "0x[0-9a-f]+");
  replace_all(s, "{{PC}}", R"(\[<?(?:0x)?[0-9a-f]+>?\])");
  replace_all(s, "{{FUNC}}", R"(([a-zA-Z0-9_]+)(?:\.|\+))");
  replace_all(s, "{{SRC}}", R"(([a-zA-Z0-9\-_/.]+\.[a-z]+:[0-9]+))");
  return s;
}

Pattern compile_pattern(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const RE2>(expand_pattern(pattern), options);
  if (!re->ok()) {
    // The tables are compiled in; a bad pattern is a bug that tests catch at once.
    std::fprintf(stderr, "culprit: bad report pattern %s: %s\n", re->pattern().c_str(),
                 re->error().c_str());
    std::abort();
  }
  return re;
}

bool find_match(const RE2& re, std::string_view text, PatternMatch* out) {
  const int n = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(n));
  if (!re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED,
                groups.data(), n))
    return false;
  if (out) {
    out->begin = static_cast<std::size_t>(groups[0].data() - text.data());
    out->end = out->begin + groups[0].size();
    out->groups.clear();
    for (int i = 1; i < n; ++i)
      out->groups.emplace_back(groups[static_cast<std::size_t>(i)].data()
                                   ? std::string(groups[static_cast<std::size_t>(i)])
                                   : std::string());
  }
  return true;
}

bool contains_match(const RE2& re, std::string_view text) {
  return re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED,
                  nullptr, 0);
}

}  // namespace culprit::report
