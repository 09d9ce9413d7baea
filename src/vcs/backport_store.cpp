#include "vcs/backport_store.h"

#include <fmt/format.h>

#include <cctype>
#include <sstream>

#include "util/error.h"
#include "vcs/derived_commits.h"
#include "vcs/git_handles.h"

namespace culprit::vcs {

struct BackportStore::Impl {
  RepoPtr repo;
};

BackportStore::BackportStore(const Repository& source, const std::filesystem::path& dir)
    : impl_(std::make_unique<Impl>()) {
  impl_->repo = open_derived_store(source, dir);
}

BackportStore::~BackportStore() = default;

Patched BackportStore::apply(const std::string& onto, const std::vector<std::string>& fixes) {
  std::lock_guard lock(mu_);
  git_repository* repo = impl_->repo.get();
  Patched out;
  out.commit = onto;
  auto base = lookup_commit(repo, onto);
  for (const auto& fix : fixes) {
    auto pick = lookup_commit(repo, fix);
    unsigned parents = git_commit_parentcount(pick.get());
    if (parents == 0) {
      out.skipped.emplace_back(fix, "a root commit cannot be cherry-picked");
      continue;
    }
    git_index* idx = nullptr;
    git_merge_options merge = GIT_MERGE_OPTIONS_INIT;
    git_check(
        git_cherrypick_commit(&idx, repo, pick.get(), base.get(), parents > 1 ? 1 : 0, &merge),
        "cherry-picking " + fix + " onto " + out.commit);
    IndexPtr index(idx);
    if (git_index_has_conflicts(index.get())) {
      out.skipped.emplace_back(
          fix, "it does not apply cleanly (conflicts in " + conflicting_paths(index.get()) + ")");
      continue;
    }
    const char* summary = git_commit_summary(pick.get());
    std::string message =
        fmt::format("{}\n\n(backport of commit {})\n", summary ? summary : "", fix);
    // The identity and date of the commit under test (commit_onto): the
    // same fixes on the same commit make the same commit.
    auto made = commit_onto(repo, index.get(), base.get(), message, "patched");
    if (!made) {
      out.skipped.emplace_back(fix, "it changes nothing there");
      continue;
    }
    out.commit = *made;
    out.applied.push_back(fix);
    base = lookup_commit(repo, out.commit);
  }
  return out;
}

std::vector<std::string> fixes_trailers(const std::string& message) {
  std::vector<std::string> out;
  std::istringstream in(message);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t i = 0;
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    static constexpr std::string_view kKey = "fixes:";
    if (line.size() - i < kKey.size()) continue;
    std::string key = line.substr(i, kKey.size());
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key != kKey) continue;
    i += kKey.size();
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string hash;
    while (i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i])))
      hash += static_cast<char>(std::tolower(static_cast<unsigned char>(line[i++])));
    // Shorter is ambiguous in a big history (and not the kernel's rule);
    // letters after the digits mean it was a word, not a hash.
    if (hash.size() < 12 || hash.size() > 40) continue;
    if (i < line.size() && std::isalnum(static_cast<unsigned char>(line[i]))) continue;
    out.push_back(hash);
  }
  return out;
}

}  // namespace culprit::vcs
