// The --build CMD builder: runs a shell command in the work tree.
#pragma once

#include <string>

#include "build/builder.h"

namespace culprit::build {

class CommandBuilder : public Builder {
 public:
  // `artifact`: relative to the work tree, or absolute; empty for none.
  CommandBuilder(std::string command, std::string artifact, double timeout_seconds = 0);
  std::string id_for(const std::string& commit) const override;
  std::string cache_key() const override;
  BuildResult build(const BuildRequest& request) override;

 private:
  std::string command_;
  std::string artifact_;
  double timeout_seconds_;
};

}  // namespace culprit::build
