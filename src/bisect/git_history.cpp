#include <fmt/format.h>

#include <sstream>

#include "bisect/history.h"
#include "maintainers/maintainers.h"
#include "vcs/work_tree.h"

namespace culprit::bisect {
namespace {

class GitHistory : public History {
 public:
  GitHistory(const vcs::Repository& repo, vcs::RevertStore* reverts)
      : repo_(repo), reverts_(reverts) {}

  vcs::CommitInfo info(const std::string& hash) override { return repo_.commit(hash); }
  bool is_ancestor(const std::string& a, const std::string& d) override {
    return repo_.is_ancestor(a, d);
  }
  std::optional<std::string> merge_base(const std::string& a, const std::string& b) override {
    return repo_.merge_base(a, b);
  }
  std::vector<vcs::Release> releases_before(const std::string& commit) override {
    return vcs::releases_before(repo_, commit);
  }
  std::vector<std::string> release_tags_at(const std::string& commit) override {
    std::vector<std::string> out;
    for (const auto& [name, hash] : repo_.tags())
      if (hash == commit) {
        auto v = vcs::ReleaseVersion::parse(name);
        if (v && !v->is_rc()) out.push_back(name);
      }
    return out;
  }
  vcs::CommitGraph load_range(const std::string& bad,
                              const std::vector<std::string>& goods) override {
    return repo_.load_range(bad, goods);
  }
  std::string show(const std::string& hash) override {
    auto c = repo_.commit(hash);
    std::ostringstream out;
    out << "commit " << c.hash << "\n";
    if (c.parents.size() > 1) {
      out << "Merge:";
      for (const auto& p : c.parents) out << " " << p.substr(0, 12);
      out << "\n";
    }
    out << "Author: " << c.author.str() << "\n";
    out << "Date:   " << c.date << "\n\n";
    std::istringstream msg(c.message);
    std::string line;
    while (std::getline(msg, line)) out << (line.empty() ? "" : "    ") << line << "\n";
    std::string stat = repo_.diffstat(hash);
    if (!stat.empty()) out << "\n" << stat;
    std::string s = out.str();
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  std::pair<std::vector<std::string>, std::vector<std::string>> recipients(
      const std::string& hash) override {
    auto r = maintainers::commit_recipients(repo_, hash);
    return {r.to, r.cc};
  }

  vcs::Revert revert(const std::string& commit, const std::string& onto) override {
    if (!reverts_) return History::revert(commit, onto);
    return reverts_->revert(commit, onto);
  }

 private:
  const vcs::Repository& repo_;
  vcs::RevertStore* reverts_;
};

class GitWorkspace : public Workspace {
 public:
  GitWorkspace(const vcs::Repository& repo, const std::filesystem::path& dir) : tree_(repo, dir) {}
  std::filesystem::path checkout(const std::string& hash) override {
    tree_.checkout(hash);
    return tree_.path();
  }
  std::filesystem::path path() const override { return tree_.path(); }

 private:
  vcs::WorkTree tree_;
};

}  // namespace

std::unique_ptr<History> make_git_history(const vcs::Repository& repo, vcs::RevertStore* reverts) {
  return std::make_unique<GitHistory>(repo, reverts);
}
std::unique_ptr<Workspace> make_git_workspace(const vcs::Repository& repo,
                                              const std::filesystem::path& dir) {
  return std::make_unique<GitWorkspace>(repo, dir);
}

}  // namespace culprit::bisect
