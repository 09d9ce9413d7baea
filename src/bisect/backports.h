// Backported build fixes: an old commit that no longer builds gets the
// fix of its breakage cherry-picked in culprit's private work tree before
// it is built, as syzbot does. Fixes come from a table (culprit's default
// plus --backports FILE, TOML) and, with --auto-backports, from the
// `Fixes:` trailers of later commits in the repository. A patched build is
// a different build: its key and its signature's context name the fixes,
// so neither a recorded build nor a reused result is taken for the
// unpatched commit's. Every choice here is a function of the repository,
// the table and a recorded build's error line, so a resumed bisection
// makes the same choices and finds its recorded builds.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vcs/backport_store.h"
#include "vcs/repository.h"

namespace culprit::bisect {

// One row of the table: `fix` repairs what `target` broke (its `Fixes:`
// commit), with why. Hashes as written (12 to 40 hex digits).
struct BackportEntry {
  std::string fix;
  std::string target;
  std::string why;
};

// [[backport]] tables with fix, fixes and why (all strings, all required).
// Throws UserError naming origin and line for anything else.
std::vector<BackportEntry> parse_backport_table(std::string_view text, const std::string& origin);
// culprit's own table (README: Backported build fixes).
std::string_view default_backport_table();

// A fix belongs in `commit` when `commit` contains what it fixes (the
// target is `commit` or an ancestor) but not the fix itself.
bool backport_applies(
    const std::function<bool(const std::string&, const std::string&)>& is_ancestor,
    const std::string& commit, const std::string& target, const std::string& fix);

// The file a build error names ("dir/file.c:12:3: error: ..."), or empty.
std::string error_file(const std::string& error_line);

// What to build for one commit.
struct BackportPlan {
  std::string checkout;              // the commit to check out (`commit` when nothing applies)
  std::vector<std::string> applied;  // full hashes, in order applied
  std::vector<std::string> lines;    // for the log: applied and skipped fixes
  // Appended to the builder's cache key ("" when nothing applied).
  std::string key_suffix() const;
};

// What the build cache asks. Safe to call from worker threads.
class Backporter {
 public:
  virtual ~Backporter() = default;
  // The table's fixes that belong in `commit`.
  virtual BackportPlan before_build(const std::string& commit) = 0;
  // After `commit` failed to build with `base`: `base` plus the fixes of
  // later commits whose `Fixes:` target `commit` contains and that touch
  // the file the error names (none such, or no file named: that say they
  // fix a build, e.g. "fix build", "build error", "undefined reference").
  // Nothing when there is none to try.
  virtual std::optional<BackportPlan> after_failure(const std::string& commit,
                                                    const BackportPlan& base,
                                                    const std::string& error_line) = 0;
  // `plan` (from after_failure) built: its fixes go into every later commit
  // they belong in before it is built, as a table row would, so that no
  // other commit spends a build on the known breakage. The order of calls
  // is the bisection's, which a resumed bisection replays.
  virtual void built(const std::string& commit, const BackportPlan& plan) = 0;
};

struct GitBackporterConfig {
  std::vector<BackportEntry> table;
  bool auto_backports = false;
  // The newest commit of the bisection (--commit, or --head of a fix
  // bisection): `Fixes:` trailers are read from commits up to it.
  std::string newest;
};

// `source` must already read the objects of culprit's stores (reverts,
// backports): the reverts of the verification get backports too.
std::unique_ptr<Backporter> make_git_backporter(const vcs::Repository& source,
                                                vcs::BackportStore& store,
                                                GitBackporterConfig config);

}  // namespace culprit::bisect
