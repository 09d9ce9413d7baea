// The --build CMD builder: runs a shell command in the work tree.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "build/builder.h"

namespace culprit::build {

// build(): `/bin/sh -c command` in the work tree with CULPRIT_COMMIT,
// CULPRIT_OUT (created) and CULPRIT_SIGNATURE (a stale file removed first).
// The artifact, when in the work tree or $CULPRIT_OUT, is removed first (an
// earlier commit's would pass for this one's). Exit 0 is a build; then the
// signature is the first line the build wrote to $CULPRIT_SIGNATURE, else
// the artifact's (signature.h), else "". A missing or unreadable artifact or
// a non-zero exit is a failed build whose error_line says why
// (build_error.h); a timeout, a signal, or running out of memory or disk is
// the machine's failure (BuildResult::infra), not the commit's.
//
// Each work tree is at another path, so a compiler cache keyed on absolute
// paths would miss for every commit built in another work tree than the one
// it was first built in. With `ccache_basedir` (the state directory, the
// work trees' common ancestor) the command gets CCACHE_BASEDIR (ccache makes
// the paths below it relative) and CCACHE_NOHASHDIR=1 (the build's
// directory is not hashed into debug-info builds), unless the environment
// sets them already: a build through ccache then hits the cache across work
// trees and bisections.
class CommandBuilder : public Builder {
 public:
  // `artifact`: relative to the work tree, absolute, or starting with
  // "$CULPRIT_OUT/"; empty for none. `timeout_seconds` 0: no limit.
  // `ccache_basedir` empty: ccache's environment is left alone.
  CommandBuilder(std::string command, std::string artifact, double timeout_seconds = 0,
                 std::filesystem::path ccache_basedir = {});
  // The command on one line, at most 60 characters ("..." when cut).
  std::string id_for(const std::string& commit) const override;
  std::string cache_key() const override;
  BuildResult build(const BuildRequest& request) override;

 private:
  BuildResult build_checked(const BuildRequest& request);

  std::string command_;
  std::string artifact_;
  double timeout_seconds_;
  std::vector<std::pair<std::string, std::string>> ccache_env_;
};

}  // namespace culprit::build
