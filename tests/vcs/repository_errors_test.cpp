// A repository that cannot be read where culprit reads it (an object gone
// from a real repository) is an error with libgit2's cause, of the kind that
// aborts a bisection resumably (exit 3), never a silently shorter history
// and never "bad input" (exit 2).
#include <gtest/gtest.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include "support/test_support.h"
#include "util/error.h"
#include "vcs/repository.h"
#include "vcs/work_tree.h"

namespace culprit::vcs {
namespace {

using culprit::testing::GitRepo;
using culprit::testing::TempDir;

class BrokenRepository : public ::testing::Test {
 protected:
  BrokenRepository() : git_(tmp_ / "repo") {
    for (int i = 0; i < 12; ++i)
      c_.push_back(git_.commit("f" + std::to_string(i) + ".txt",
                               "content " + std::to_string(i) + "\n",
                               "change " + std::to_string(i)));
  }
  // Deletes the loose object file of `id` (GitRepo never packs).
  void remove_object(const std::string& id) {
    auto file = git_.path() / ".git" / "objects" / id.substr(0, 2) / id.substr(2);
    ASSERT_TRUE(std::filesystem::remove(file)) << file;
  }
  TempDir tmp_;
  GitRepo git_;
  std::vector<std::string> c_;
};

TEST_F(BrokenRepository, AMissingCommitInTheMiddleOfTheWalkIsAnErrorNotAShorterRange) {
  remove_object(c_[6]);
  auto repo = Repository::open(git_.path());
  try {
#ifdef __SANITIZE_ADDRESS__
    // libgit2 1.5 does not free its list of pending commits when a walk
    // fails (80 bytes, all allocated inside libgit2; the walk itself is
    // freed): not this code's leak, and only on the way to an abort.
    __lsan::ScopedDisabler libgit2_leaks_on_a_failed_walk;
#endif
    auto graph = repo.load_range(c_.back(), {c_[0]});
    ADD_FAILURE() << "loaded " << graph.size() << " of 11 commits without an error";
  } catch (const RepositoryError& e) {
    EXPECT_NE(std::string(e.what()).find(c_.back()), std::string::npos) << e.what();
  }
}

TEST_F(BrokenRepository, ACommitThatCannotBeReadIsARepositoryErrorWithItsCause) {
  remove_object(c_[6]);
  auto repo = Repository::open(git_.path());
  try {
    repo.commit(c_[6]);
    ADD_FAILURE() << "no error";
  } catch (const RepositoryError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(c_[6]), std::string::npos) << what;
    EXPECT_NE(what.find("not found"), std::string::npos) << "libgit2's cause: " << what;
  }
  // Not bad input (exit 2): an abort (exit 3) that the same command resumes.
  EXPECT_THROW(repo.file_at(c_[6], "f6.txt"), AbortError);
  EXPECT_THROW(repo.changed_files(c_[6]), AbortError);
}

TEST_F(BrokenRepository, AMissingTreeFailsTheCheckoutAndTheFileLookup) {
  auto tree = git_.git("rev-parse " + c_[4] + "^{tree}");
  remove_object(tree);
  auto repo = Repository::open(git_.path());
  EXPECT_THROW(repo.file_at(c_[4], "f4.txt"), RepositoryError);
  WorkTree work(repo, tmp_ / "work");
  EXPECT_THROW(work.checkout(c_[4]), RepositoryError);
  work.checkout(c_[5]);  // the rest of the repository is still readable
}

}  // namespace
}  // namespace culprit::vcs
