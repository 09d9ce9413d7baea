#include "vcs/backport_store.h"

#include <fmt/format.h>

#include <cctype>
#include <set>
#include <sstream>

#include "util/error.h"
#include "vcs/borrowed_objects.h"
#include "vcs/git_handles.h"

namespace culprit::vcs {
namespace {

CommitPtr lookup(git_repository* repo, const std::string& hash) {
  git_oid id;
  if (git_oid_fromstr(&id, hash.c_str()) != 0)
    throw RepositoryError("not a full commit hash: " + hash);
  git_commit* c = nullptr;
  git_check(git_commit_lookup(&c, repo, &id), "looking up " + hash);
  return CommitPtr(c);
}

std::string hex(const git_oid& id) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &id);
  return buf;
}

std::string conflicts(git_index* index) {
  git_index_conflict_iterator* it = nullptr;
  git_check(git_index_conflict_iterator_new(&it, index), "listing conflicts");
  std::set<std::string> paths;
  const git_index_entry *ancestor, *ours, *theirs;
  while (git_index_conflict_next(&ancestor, &ours, &theirs, it) == 0) {
    const git_index_entry* e = ours ? ours : theirs ? theirs : ancestor;
    if (e && e->path) paths.insert(e->path);
  }
  git_index_conflict_iterator_free(it);
  std::string out;
  for (const auto& p : paths) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

struct BackportStore::Impl {
  RepoPtr repo;
};

BackportStore::BackportStore(const Repository& source, const std::filesystem::path& dir)
    : impl_(std::make_unique<Impl>()) {
  auto abs = std::filesystem::absolute(dir).lexically_normal();
  impl_->repo = open_private_repository(abs, true);
  if (borrow_objects(abs, source)) {
    impl_->repo.reset();
    git_repository* r = nullptr;
    git_check(
        git_repository_open_ext(&r, abs.c_str(),
                                GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE, nullptr),
        "opening " + abs.string());
    impl_->repo.reset(r);
  }
  source.add_object_dir(abs / "objects");
}

BackportStore::~BackportStore() = default;

Patched BackportStore::apply(const std::string& onto, const std::vector<std::string>& fixes) {
  std::lock_guard lock(mu_);
  git_repository* repo = impl_->repo.get();
  Patched out;
  out.commit = onto;
  auto base = lookup(repo, onto);
  // Identity and date of the commit under test: the same inputs make the
  // same commits, so recorded builds of them are found after a restart.
  const git_signature* when = git_commit_committer(base.get());
  git_signature* s = nullptr;
  git_check(
      git_signature_new(&s, "culprit", "culprit@localhost", when->when.time, when->when.offset),
      "making a signature");
  SignaturePtr sig(s);
  for (const auto& fix : fixes) {
    auto pick = lookup(repo, fix);
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
          fix, "it does not apply cleanly (conflicts in " + conflicts(index.get()) + ")");
      continue;
    }
    git_oid tree_id;
    git_check(git_index_write_tree_to(&tree_id, index.get(), repo), "writing the patched tree");
    if (git_oid_equal(&tree_id, git_commit_tree_id(base.get()))) {
      out.skipped.emplace_back(fix, "it changes nothing there");
      continue;
    }
    git_tree* t = nullptr;
    git_check(git_tree_lookup(&t, repo, &tree_id), "reading the patched tree");
    TreePtr tree(t);
    const char* summary = git_commit_summary(pick.get());
    std::string message =
        fmt::format("{}\n\n(backport of commit {})\n", summary ? summary : "", fix);
    git_oid id;
    const git_commit* parent_list[] = {base.get()};
    git_check(git_commit_create(&id, repo, nullptr, sig.get(), sig.get(), nullptr, message.c_str(),
                                tree.get(), 1, parent_list),
              "writing the patched commit");
    out.commit = hex(id);
    out.applied.push_back(fix);
    base = lookup(repo, out.commit);
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
