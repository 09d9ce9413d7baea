#include <algorithm>
#include <set>

#include "maintainers/maintainers.h"
#include "util/text.h"

namespace culprit::maintainers {
namespace {

// "Name <addr>" lines of the trailers that name people involved in a change.
std::vector<std::string> trailer_people(const std::string& message) {
  static const char* kTrailers[] = {"Signed-off-by:", "Reviewed-by:", "Acked-by:",
                                    "Tested-by:",     "Reported-by:", "Co-developed-by:"};
  std::vector<std::string> out;
  for (auto line : split_lines(message)) {
    auto t = trim(line);
    for (const char* k : kTrailers)
      if (starts_with(t, k)) {
        auto who = trim(t.substr(std::string_view(k).size()));
        if (who.find('@') != std::string_view::npos) out.emplace_back(who);
      }
  }
  return out;
}

std::string address_of(const std::string& who) {
  auto lt = who.find('<'), gt = who.find('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) return who.substr(lt + 1, gt - lt - 1);
  return who;
}

}  // namespace

Recipients commit_recipients(const vcs::Repository& repo, const std::string& hash) {
  auto info = repo.commit(hash);
  Recipients r;
  std::set<std::string> seen;
  auto add = [&](std::vector<std::string>& list, const std::string& who) {
    std::string addr = address_of(who);
    if (addr.empty() || addr.find("stable@") != std::string::npos) return;
    if (seen.insert(addr).second) list.push_back(who);
  };
  add(r.to, info.author.str());
  for (const auto& who : trailer_people(info.message)) add(r.cc, who);
  std::sort(r.to.begin(), r.to.end());
  std::sort(r.cc.begin(), r.cc.end());
  return r;
}

}  // namespace culprit::maintainers
