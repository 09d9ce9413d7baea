#include "vcs/revert_store.h"

#include <fmt/format.h>

#include <set>
#include <vector>

#include "util/error.h"
#include "vcs/borrowed_objects.h"
#include "vcs/git_handles.h"

namespace culprit::vcs {
namespace {

git_oid to_oid(const std::string& hash) {
  git_oid id;
  if (git_oid_fromstr(&id, hash.c_str()) != 0)
    throw RepositoryError("not a full commit hash: " + hash);
  return id;
}

CommitPtr lookup(git_repository* repo, const std::string& hash) {
  git_oid id = to_oid(hash);
  git_commit* c = nullptr;
  git_check(git_commit_lookup(&c, repo, &id), "looking up " + hash);
  return CommitPtr(c);
}

std::string hex(const git_oid& id) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &id);
  return buf;
}

std::string conflicting_paths(git_index* index) {
  git_index_conflict_iterator* it = nullptr;
  git_check(git_index_conflict_iterator_new(&it, index), "listing conflicts");
  std::set<std::string> paths;
  const git_index_entry *ancestor, *ours, *theirs;
  int rc;
  while ((rc = git_index_conflict_next(&ancestor, &ours, &theirs, it)) == 0) {
    const git_index_entry* e = ours ? ours : theirs ? theirs : ancestor;
    if (e && e->path) paths.insert(e->path);
  }
  git_index_conflict_iterator_free(it);
  if (rc != GIT_ITEROVER) git_check(rc, "listing conflicts");
  std::string out;
  int shown = 0;
  for (const auto& p : paths) {
    if (shown++ == 3) {
      out += fmt::format(" and {} more", paths.size() - 3);
      break;
    }
    out += (out.empty() ? "" : ", ") + p;
  }
  return out;
}

}  // namespace

struct RevertStore::Impl {
  RepoPtr repo;
};

RevertStore::RevertStore(const Repository& source, const std::filesystem::path& dir)
    : impl_(std::make_unique<Impl>()) {
  auto abs = std::filesystem::absolute(dir).lexically_normal();
  impl_->repo = open_private_repository(abs, true);
  git_repository* r = impl_->repo.get();
  if (borrow_objects(abs, source)) {
    impl_->repo.reset();
    git_check(
        git_repository_open_ext(&r, abs.c_str(),
                                GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE, nullptr),
        "opening " + abs.string());
    impl_->repo.reset(r);
  }
  source.add_object_dir(abs / "objects");
}

RevertStore::~RevertStore() = default;

Revert RevertStore::revert(const std::string& commit, const std::string& onto) {
  git_repository* repo = impl_->repo.get();
  auto target = lookup(repo, commit);
  auto base = lookup(repo, onto);
  unsigned parents = git_commit_parentcount(target.get());
  if (parents == 0) return {std::nullopt, "a root commit cannot be reverted"};
  git_index* idx = nullptr;
  git_merge_options merge = GIT_MERGE_OPTIONS_INIT;
  git_check(git_revert_commit(&idx, repo, target.get(), base.get(), parents > 1 ? 1 : 0, &merge),
            "reverting " + commit + " on " + onto);
  IndexPtr index(idx);
  if (git_index_has_conflicts(index.get()))
    return {std::nullopt,
            "it does not revert cleanly (conflicts in " + conflicting_paths(index.get()) + ")"};
  git_oid tree_id;
  git_check(git_index_write_tree_to(&tree_id, index.get(), repo), "writing the reverted tree");
  if (git_oid_equal(&tree_id, git_commit_tree_id(base.get())))
    return {std::nullopt, "reverting it changes nothing there"};
  git_tree* t = nullptr;
  git_check(git_tree_lookup(&t, repo, &tree_id), "reading the reverted tree");
  TreePtr tree(t);
  // Fixed identity and date: the same inputs give the same commit hash, so
  // recorded builds and runs of the revert are found again after a restart.
  const git_signature* when = git_commit_committer(base.get());
  git_signature* s = nullptr;
  git_check(
      git_signature_new(&s, "culprit", "culprit@localhost", when->when.time, when->when.offset),
      "making a signature");
  SignaturePtr sig(s);
  const char* summary = git_commit_summary(target.get());
  std::string message =
      fmt::format("Revert \"{}\"\n\nThis reverts commit {}.\n", summary ? summary : "", commit);
  git_oid id;
  const git_commit* parent_list[] = {base.get()};
  git_check(git_commit_create(&id, repo, nullptr, sig.get(), sig.get(), nullptr, message.c_str(),
                              tree.get(), 1, parent_list),
            "writing the revert commit");
  return {hex(id), ""};
}

}  // namespace culprit::vcs
