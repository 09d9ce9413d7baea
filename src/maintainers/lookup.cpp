#include "maintainers/lookup.h"

#include <algorithm>
#include <unordered_set>

#include "maintainers/email_address.h"
#include "maintainers/file_emails.h"

namespace culprit::maintainers {
namespace {

// get_maintainer.pl never names the top-level maintainer.
constexpr std::string_view kChiefPenguin = "Linus Torvalds <torvalds@linux-foundation.org>";

class Collector {
 public:
  explicit Collector(const Mailmap& mailmap) : mailmap_(mailmap) {}

  void add_section(const Section& section) {
    std::string status = lower(section.status());
    for (const Entry& e : section.entries) {
      if (e.type == 'L') {
        add_list(e.value, section);
      } else if (e.type == 'M' || e.type == 'R') {
        Contact c;
        c.role = e.type == 'M' ? Role::kMaintainer : Role::kReviewer;
        c.status = status;
        c.section = section.name;
        add_person(e.value, std::move(c));
      }
    }
  }

  // Same names and addresses end up spelled one way: the first one seen,
  // after .mailmap.
  void unify_spellings() {
    for (auto* group : {&people_, &lists_})
      for (Contact& c : *group) c.email = unified(c.email);
    std::erase_if(
        people_, [](const Contact& c) { return c.email.find(kChiefPenguin) != std::string::npos; });
  }

  void add_file_email(const std::string& email) {
    Contact c;
    c.role = Role::kFileEmail;
    add_person(mailmap_.map(email), std::move(c));
  }

  std::vector<Contact> result() const {
    std::vector<Contact> out;
    std::unordered_set<std::string> printed;
    for (const auto* group : {&people_, &lists_})
      for (const Contact& c : *group)
        // get_maintainer.pl prints an empty line for a list whose first word
        // is no address ("L: Some Name <list@host>"); that is no recipient.
        if (!c.email.empty() && printed.insert(c.email).second) out.push_back(c);
    return out;
  }

 private:
  void add_list(std::string_view value, const Section& section) {
    std::string_view address = value, remark;
    if (auto blank = value.find_first_of(" \t"); blank != std::string_view::npos) {
      address = value.substr(0, blank);
      remark = value.substr(value.find_first_not_of(" \t", blank) == std::string_view::npos
                                ? value.size()
                                : value.find_first_not_of(" \t", blank));
    }
    if (remark.find("subscribers-only") != std::string_view::npos) return;
    if (!seen_lists_.insert(lower(address)).second) return;
    Contact c;
    c.email = std::string(address);
    c.role = Role::kList;
    c.section = section.name;
    c.general = section.is_the_rest();
    lists_.push_back(std::move(c));
  }

  void add_person(std::string_view text, Contact c) {
    auto who = parse_email(text);
    if (who.address.empty()) return;
    std::string name = lower(who.name), address = lower(who.address);
    if ((!name.empty() && seen_names_.count(name)) || seen_addresses_.count(address)) return;
    if (!name.empty()) seen_names_.insert(name);
    seen_addresses_.insert(address);
    c.email = format_email(who);
    people_.push_back(std::move(c));
  }

  std::string unified(const std::string& email) {
    auto who = parse_email(mailmap_.map(format_email(parse_email(email))));
    std::string name = lower(who.name), address = lower(who.address);
    if (!who.name.empty() && first_by_name_.count(name)) {
      who = first_by_name_[name];
    } else if (first_by_address_.count(address)) {
      who = first_by_address_[address];
    } else {
      first_by_name_[name] = who;
      first_by_address_[address] = who;
    }
    return mailmap_.map(format_email(who));
  }

  const Mailmap& mailmap_;
  std::vector<Contact> people_, lists_;
  std::unordered_set<std::string> seen_names_, seen_addresses_, seen_lists_;
  std::unordered_map<std::string, NameAddress> first_by_name_, first_by_address_;
};

bool is_maintainers_file(const std::string& path) {
  return path == "MAINTAINERS" || path.ends_with("/MAINTAINERS");
}

}  // namespace

MaintainersDatabase::MaintainersDatabase(std::string_view maintainers_text,
                                         std::string_view mailmap_text, SourceTree tree)
    : file_(parse_maintainers(maintainers_text)),
      tree_(std::move(tree)),
      index_(file_, tree_.is_directory),
      mailmap_(mailmap_text) {}

std::vector<Problem> MaintainersDatabase::problems() const {
  auto out = file_.problems;
  out.insert(out.end(), index_.problems().begin(), index_.problems().end());
  std::stable_sort(out.begin(), out.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  return out;
}

std::vector<Contact> MaintainersDatabase::lookup(const std::vector<std::string>& files) const {
  Collector collect(mailmap_);
  std::vector<std::size_t> keywords;
  std::vector<std::string> written_emails;
  for (const auto& path : files) {
    for (auto s : index_.sections_for(path)) collect.add_section(file_.sections[s]);
    bool wants_keywords = index_.has_keywords() && path != "MAINTAINERS";
    bool wants_emails = path.ends_with(".yaml") && !is_maintainers_file(path);
    if ((wants_keywords || wants_emails) && tree_.read) {
      if (auto text = tree_.read(path)) {
        if (wants_keywords)
          for (auto k : index_.keywords_in(*text)) keywords.push_back(k);
        if (wants_emails)
          for (auto& e : emails_in_text(*text)) written_emails.push_back(std::move(e));
      }
    }
  }
  for (auto s : index_.sections_of_keywords(std::move(keywords)))
    collect.add_section(file_.sections[s]);
  collect.unify_spellings();
  for (const auto& e : written_emails) collect.add_file_email(e);
  return collect.result();
}

}  // namespace culprit::maintainers
