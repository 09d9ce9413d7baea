// The builder and the test runner of a bisection, made from a JSON spec.
// `culprit bisect` turns its options into the spec; a cluster job's request
// carries the same spec to `culprit worker`, which makes the same tool from
// it, so a build or run on a node is the same code (crash parsing,
// signatures, time limits) as a local one. To add an option: put it into
// the spec where bisect_command.cpp makes it, and read it here (a key that
// is absent must mean the old behaviour).
//
// Builder specs:
//   {"kind": "command", "command": str, "artifact": str, "timeout": seconds}
//   {"kind": "kernel", "config": path, "compiler": str ("": per release),
//    "compiler_table": TOML text ("": the built-in table),
//    "compiler_table_name": str (for messages), "jobs": int (0: all cores),
//    "timeout": seconds, "build_root": path}
// Runner specs:
//   {"kind": "command", "command": str, "timeout": seconds}
//   {"kind": "qemu", "kernel": path, "reproducer": path, "cmdline": str,
//    "timeout": seconds, "cpus": int, "memory_mb": int}
#pragma once

#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "build/builder.h"
#include "run/runner.h"
#include "vcs/repository.h"

namespace culprit::cli {

// Throw UserError on bad input (unreadable config, missing tools), as the
// tools' constructors do. `repo` (may be null) lets the kernel builder name
// a commit's compiler before it is checked out.
std::unique_ptr<build::Builder> make_builder(const nlohmann::json& spec,
                                             const vcs::Repository* repo);
// `scratch`: where the QEMU runner puts the compiled reproducer and the
// initramfs; it must outlive the runner.
std::unique_ptr<run::TestRunner> make_runner(const nlohmann::json& spec,
                                             const std::filesystem::path& scratch);

// A private temporary directory, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace culprit::cli
