#include "vcs/derived_commits.h"

#include <fmt/format.h>

#include <set>

#include "util/error.h"
#include "vcs/borrowed_objects.h"

namespace culprit::vcs {

RepoPtr open_derived_store(const Repository& source, const std::filesystem::path& dir) {
  auto abs = std::filesystem::absolute(dir).lexically_normal();
  RepoPtr repo = open_private_repository(abs, true);
  if (borrow_objects(abs, source)) {
    // The alternates changed: an open handle would not see them.
    repo.reset();
    git_repository* r = nullptr;
    git_check(
        git_repository_open_ext(&r, abs.c_str(),
                                GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE, nullptr),
        "opening " + abs.string());
    repo.reset(r);
  }
  source.add_object_dir(abs / "objects");
  return repo;
}

CommitPtr lookup_commit(git_repository* repo, const std::string& hash) {
  git_oid id;
  if (git_oid_fromstr(&id, hash.c_str()) != 0)
    throw RepositoryError("not a full commit hash: " + hash);
  git_commit* c = nullptr;
  git_check(git_commit_lookup(&c, repo, &id), "looking up " + hash);
  return CommitPtr(c);
}

std::string oid_hex(const git_oid& id) {
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

std::optional<std::string> commit_onto(git_repository* repo, git_index* index,
                                       const git_commit* base, const std::string& message,
                                       const std::string& what) {
  git_oid tree_id;
  git_check(git_index_write_tree_to(&tree_id, index, repo), "writing the " + what + " tree");
  if (git_oid_equal(&tree_id, git_commit_tree_id(base))) return std::nullopt;
  git_tree* t = nullptr;
  git_check(git_tree_lookup(&t, repo, &tree_id), "reading the " + what + " tree");
  TreePtr tree(t);
  const git_signature* when = git_commit_committer(base);
  git_signature* s = nullptr;
  git_check(
      git_signature_new(&s, "culprit", "culprit@localhost", when->when.time, when->when.offset),
      "making a signature");
  SignaturePtr sig(s);
  git_oid id;
  const git_commit* parents[] = {base};
  git_check(git_commit_create(&id, repo, nullptr, sig.get(), sig.get(), nullptr, message.c_str(),
                              tree.get(), 1, parents),
            "writing the " + what + " commit");
  return oid_hex(id);
}

}  // namespace culprit::vcs
