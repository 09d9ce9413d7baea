// Builds for the commit tester: every commit is built at most once per
// bisection (a later rebuild of a work tree, to run more tests, is not a
// new build); a recorded build is reused, and so is a build of the same
// source tree (empty merges, revert pairs), here or in an earlier bisection
// of the state directory. Which commit's build each work tree holds
// survives a kill (a marker file per slot). A build that fails because of
// the machine is retried, then aborts the bisection: it is never recorded,
// so it is never a verdict. Artifacts under out/<commit> are evicted least
// recently used first beyond --cache-size.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "bisect/backports.h"
#include "bisect/step_reporter.h"
#include "bisect/work_slot.h"
#include "build/builder.h"
#include "store/journal.h"

namespace culprit::bisect {

struct BuildOutcome {
  bool ok = false;
  std::string signature;
  std::string error;
  double seconds = 0;  // 0 for a reused build
  std::string job, node;
  std::vector<std::string> backports;  // fixes in the build, in order
};

struct BuildCacheConfig {
  std::filesystem::path state_dir;  // out/, logs/ and the slots' markers go below it
  std::uintmax_t cache_bytes = 0;   // limit for out/ (0: none)
  int infra_attempts = 3;           // builds of one commit that fail for the machine, then abort
  // Backported build fixes (backports.h); none: every commit builds as it is.
  Backporter* backporter = nullptr;
};

class BuildCache {
 public:
  // Reads each slot's marker (slot 0: state/worktree-built, slot i:
  // worktree-built.<i>, so older state directories resume).
  BuildCache(std::vector<WorkSlot>& slots, build::Builder& builder, store::Journal& journal,
             StepReporter& reporter, BuildCacheConfig config);

  // The commit's build: recorded, or of the same source tree, or built now
  // in t's slot. With `need_artifacts` the work tree must hold the build
  // afterwards (runs need it), so a recorded build is redone in the work
  // tree if it holds another commit (a rebuild: not counted, not recorded
  // again). Throws AbortError when interrupted or when the machine keeps
  // failing the build. With a backporter, the commit is built with the
  // table's fixes that belong in it and, when that fails, once more with
  // the fixes of its breakage (each its own build, counted and recorded).
  BuildOutcome ensure_built(Task& t, bool need_artifacts);
  // More runs on t's commit can use its kept artifacts without a rebuild
  // (the runner does not need the work tree).
  bool artifacts_ready(const Task& t, bool runner_needs_work_tree);
  // Marks out/<commit> as used now, for the cache's least-recently-used order.
  void touch(const std::string& hash);

  std::filesystem::path out_dir(const std::string& hash) const;
  std::filesystem::path log_dir(const std::string& hash) const;
  // Signature of a build done or recorded in this process; empty if none.
  std::optional<std::string> known_signature(const std::string& hash);
  // Commits built (now or in an interrupted earlier process of the same
  // bisection), so a resumed bisection reports the same count.
  int builds();

 private:
  // One way of building t's commit: the builder key, what to check out,
  // the backports in it.
  struct Variant {
    std::string key;
    std::string checkout;
    std::vector<std::string> backports;
  };
  BuildOutcome build_variant(Task& t, bool need_artifacts, const Variant& v);
  void set_built(WorkSlot& slot, const std::string& hash);  // under mu_
  void evict(const std::string& keep);
  void say_same_tree(Task& t, const std::string& other);

  std::vector<WorkSlot>& slots_;
  build::Builder& builder_;
  store::Journal& journal_;
  StepReporter& reporter_;
  BuildCacheConfig config_;
  std::mutex mu_;  // the maps below, the slots' `built`, eviction
  std::map<std::string, std::string> signatures_;
  std::set<std::string> built_commits_;      // commit, plus its backports when patched
  std::map<std::string, std::string> keys_;  // commit -> key of the build it uses
};

}  // namespace culprit::bisect
