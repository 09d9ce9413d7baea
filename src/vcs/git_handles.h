// RAII for libgit2 handles (internal to src/vcs).
#pragma once

#include <git2.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "util/error.h"

namespace culprit::vcs {

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using GitPtr = std::unique_ptr<T, GitDeleter<T, Free>>;

using RepoPtr = GitPtr<git_repository, git_repository_free>;
using CommitPtr = GitPtr<git_commit, git_commit_free>;
using ObjectPtr = GitPtr<git_object, git_object_free>;
using TreePtr = GitPtr<git_tree, git_tree_free>;
using RevwalkPtr = GitPtr<git_revwalk, git_revwalk_free>;
using DiffPtr = GitPtr<git_diff, git_diff_free>;
using PatchPtr = GitPtr<git_patch, git_patch_free>;
using BlobPtr = GitPtr<git_blob, git_blob_free>;
using TreeEntryPtr = GitPtr<git_tree_entry, git_tree_entry_free>;
using RefPtr = GitPtr<git_reference, git_reference_free>;
using OdbPtr = GitPtr<git_odb, git_odb_free>;
using IndexPtr = GitPtr<git_index, git_index_free>;
using SignaturePtr = GitPtr<git_signature, git_signature_free>;

struct GitBuf {
  git_buf buf = GIT_BUF_INIT;
  ~GitBuf() { git_buf_dispose(&buf); }
};

// libgit2's last error, for exceptions.
inline std::string git_error_text() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

// Throws RepositoryError (exit 3, resumable): callers check the user's
// input (revisions, paths) before, so a failure here is the repository's.
inline void git_check(int rc, const std::string& what) {
  if (rc < 0) throw RepositoryError(what + ": " + git_error_text());
}

// libgit2 is initialised once per process.
void ensure_libgit2();

}  // namespace culprit::vcs
