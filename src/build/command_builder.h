// The --build CMD builder: runs a shell command in the work tree.
#pragma once

#include <string>

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
class CommandBuilder : public Builder {
 public:
  // `artifact`: relative to the work tree, absolute, or starting with
  // "$CULPRIT_OUT/"; empty for none. `timeout_seconds` 0: no limit.
  CommandBuilder(std::string command, std::string artifact, double timeout_seconds = 0);
  // The command on one line, at most 60 characters ("..." when cut).
  std::string id_for(const std::string& commit) const override;
  std::string cache_key() const override;
  BuildResult build(const BuildRequest& request) override;

 private:
  BuildResult build_checked(const BuildRequest& request);

  std::string command_;
  std::string artifact_;
  double timeout_seconds_;
};

}  // namespace culprit::build
