#include <algorithm>
#include <unordered_set>

#include "maintainers/email_address.h"
#include "maintainers/maintainers.h"
#include "util/text.h"

namespace culprit::maintainers {
namespace {

bool never_mailed(const std::string& address) { return lower(address).starts_with("stable@"); }

// Adds people and lists by address, once: To first, so To wins.
class RecipientSet {
 public:
  void add(bool to, const std::string& email) {
    auto address = lower(parse_email(email).address);
    if (address.empty() || never_mailed(address)) return;
    auto& list = to ? to_ : cc_;
    auto& other = to ? cc_ : to_;
    if (std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.first == address; }))
      return;
    auto in_other =
        std::find_if(other.begin(), other.end(), [&](const auto& e) { return e.first == address; });
    if (in_other != other.end()) {
      if (!to) return;
      other.erase(in_other);
    }
    list.emplace_back(address, email);
  }

  Recipients result() {
    Recipients r;
    for (auto [from, into] : {std::pair{&to_, &r.to}, std::pair{&cc_, &r.cc}}) {
      std::sort(from->begin(), from->end());
      for (auto& e : *from) into->push_back(e.second);
    }
    return r;
  }

 private:
  std::vector<std::pair<std::string, std::string>> to_, cc_;  // (lower-case address, as printed)
};

void add_contacts(RecipientSet& set, const std::vector<Contact>& contacts) {
  bool subsystem_list = std::any_of(contacts.begin(), contacts.end(), [](const Contact& c) {
    return c.role == Role::kList && !c.general;
  });
  for (const Contact& c : contacts) {
    bool to = false;
    if (c.role == Role::kMaintainer)
      to = c.status == "maintained" || c.status == "supported";
    else if (c.role == Role::kList)
      to = !c.general || !subsystem_list;
    set.add(to, c.email);
  }
}

}  // namespace

Recipients split_recipients(const std::vector<Contact>& contacts) {
  RecipientSet set;
  add_contacts(set, contacts);
  return set.result();
}

std::vector<std::string> trailer_people(std::string_view message) {
  static constexpr std::string_view kTrailers[] = {
      "signed-off-by:", "reviewed-by:", "acked-by:",
      "tested-by:",     "reported-by:", "co-developed-by:"};
  std::vector<std::string> out;
  for (auto line : split_lines(message)) {
    auto t = trim(line);
    auto key = lower(t.substr(0, t.find(':') + 1));
    if (std::find(std::begin(kTrailers), std::end(kTrailers), key) == std::end(kTrailers)) continue;
    auto who = parse_email(trim(t.substr(key.size())));
    if (!who.address.empty()) out.push_back(format_email(who));
  }
  return out;
}

Recipients commit_recipients(const vcs::Repository& repo, const std::string& hash) {
  auto info = repo.commit(hash);
  RecipientSet set;
  set.add(true, format_email(info.author.name, info.author.email));
  std::vector<std::string> files;
  for (const auto& change : repo.changed_files(hash)) files.push_back(change.path);
  if (auto text = repo.file_at(hash, "MAINTAINERS")) {
    SourceTree tree;
    // The tree cannot be listed through vcs::Repository: a pattern names a
    // directory when a changed path lies below it.
    tree.is_directory = [files](const std::string& path) {
      return std::any_of(files.begin(), files.end(), [&](const std::string& f) {
        return f.size() > path.size() && f.starts_with(path) && f[path.size()] == '/';
      });
    };
    tree.read = [&repo, &hash](const std::string& path) { return repo.file_at(hash, path); };
    MaintainersDatabase db(*text, repo.file_at(hash, ".mailmap").value_or(""), tree);
    add_contacts(set, db.lookup(files));
  }
  for (const auto& who : trailer_people(info.message)) set.add(false, who);
  return set.result();
}

}  // namespace culprit::maintainers
