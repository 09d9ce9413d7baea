#include "vcs/work_tree.h"

#include "util/error.h"
#include "vcs/borrowed_objects.h"
#include "vcs/git_handles.h"

namespace culprit::vcs {

struct WorkTree::Impl {
  RepoPtr repo;
};

WorkTree::WorkTree(const Repository& source, const std::filesystem::path& dir)
    : dir_(std::filesystem::absolute(dir)), impl_(std::make_unique<Impl>()) {
  impl_->repo = open_private_repository(dir_, false);
  git_repository* r = impl_->repo.get();
  // Borrow the user's objects instead of copying them: nothing is written
  // to the user's repository, and checkouts see every commit it has.
  if (borrow_objects(git_repository_path(r), source)) {
    // Reopen so libgit2 sees the alternates.
    impl_->repo.reset();
    git_check(git_repository_open_ext(&r, dir_.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr),
              "opening work tree " + dir_.string());
    impl_->repo.reset(r);
  }
}

WorkTree::~WorkTree() = default;
WorkTree::WorkTree(WorkTree&&) noexcept = default;

void WorkTree::checkout(const std::string& hash) {
  git_oid id;
  if (git_oid_fromstr(&id, hash.c_str()) != 0)
    throw RepositoryError("not a full commit hash: " + hash);
  git_commit* c = nullptr;
  git_check(git_commit_lookup(&c, impl_->repo.get(), &id),
            "looking up " + hash + " in the work tree");
  CommitPtr commit(c);
  // Only the culprit holding the state directory's lock works here, so a
  // lock file in this private repository was left by one killed in the
  // middle of a checkout; libgit2 would refuse to check out until it goes.
  std::filesystem::path git_dir = git_repository_path(impl_->repo.get());
  for (const char* name : {"index.lock", "HEAD.lock"}) std::filesystem::remove(git_dir / name);
  // Read first, so that a tree missing from the repository says so (the
  // checkout would only say it cannot peel the commit).
  git_tree* t = nullptr;
  git_check(git_commit_tree(&t, commit.get()), "reading the tree of " + hash);
  TreePtr tree(t);
  git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
  // Forced: culprit owns this tree. Untracked files (build output) stay, so
  // builds are incremental; unchanged files keep their timestamps.
  opts.checkout_strategy = GIT_CHECKOUT_FORCE;
  git_check(git_checkout_tree(impl_->repo.get(), reinterpret_cast<git_object*>(tree.get()), &opts),
            "checking out " + hash);
  git_check(git_repository_set_head_detached(impl_->repo.get(), &id), "detaching HEAD at " + hash);
}

}  // namespace culprit::vcs
