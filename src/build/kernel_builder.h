// The Linux kernel builder (--kernel-config): the user's config adjusted for
// the commit (kernel_config.h), `make olddefconfig bzImage` out of tree in a
// build directory that persists across the commits of a bisection (one per
// work tree), so that moving between commits rebuilds only what changed;
// the compiler chosen per kernel version (compiler_table.h) unless
// --compiler says otherwise; ccache when installed; reproducible settings
// (fixed build timestamp, user, host and build number, no version suffix)
// so that identical source gives an identical vmlinux signature.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "build/builder.h"
#include "build/compiler_table.h"
#include "build/kconfig_tool.h"
#include "util/process.h"

namespace culprit::build {

struct KernelBuildOptions {
  std::filesystem::path config;         // the user's .config
  std::filesystem::path build_root;     // persistent O= directories go below it
  std::optional<std::string> compiler;  // --compiler: for every commit
  CompilerTable compilers = CompilerTable::builtin();
  int jobs = 0;                // make -j; 0: the number of cores
  double timeout_seconds = 0;  // 0: no limit
  // Reads a file of a commit (for the kernel version when the log names the
  // compiler before the commit is checked out); may be empty.
  std::function<std::optional<std::string>(const std::string& commit, const std::string& path)>
      file_at;
};

class KernelBuilder : public Builder, public KconfigTool {
 public:
  // Throws UserError when the config cannot be read, or make, flex, bison,
  // bc or the --compiler are missing (naming the package to install).
  explicit KernelBuilder(KernelBuildOptions options);
  std::string id_for(const std::string& commit) const override;
  std::string cache_key() const override;
  // Artifacts in out_dir: bzImage, vmlinux (the signature's source) and
  // .config as built.
  BuildResult build(const BuildRequest& request) override;
  // syzbot's word, which kernel developers read in its logs.
  std::string signature_word() const override { return "kernel"; }

  // ---- KconfigTool (config minimisation), in the work tree's build directory ----
  std::string default_config(const std::filesystem::path& source,
                             const std::filesystem::path& log) override;
  std::string settle_config(const std::filesystem::path& source, const std::string& config,
                            const std::filesystem::path& log) override;
  BuildResult build_config(const BuildRequest& request, const std::string& config) override;

  // The compiler for a tree of this version, and what `CC --version` says.
  std::string compiler_for(const std::optional<KernelVersion>& version) const;
  std::string compiler_version_line(const std::string& compiler) const;

 private:
  BuildResult build_checked(const BuildRequest& request, const std::string& config);
  // `make -C source O=... CC=... -jN` for the tree's compiler; throws
  // std::runtime_error when the tree has no version or its compiler is missing.
  std::string make_prefix(const std::filesystem::path& source,
                          std::optional<KernelVersion>* version = nullptr) const;
  ProcessOptions make_options(const std::filesystem::path& source,
                              const std::filesystem::path& log) const;
  // Runs `make TARGET` (olddefconfig, defconfig) with the adjusted `config`
  // (none: none written) and returns the .config it leaves.
  std::string run_config_target(const std::filesystem::path& source,
                                const std::optional<std::string>& config, const std::string& target,
                                const std::filesystem::path& log);

  KernelBuildOptions options_;
  std::string config_text_;
  bool ccache_ = false;
  mutable std::mutex version_mu_;  // version_lines_ (builds may run on several threads)
  mutable std::map<std::string, std::string> version_lines_;
};

// Is `program` an executable on PATH (or a path to one)?
bool program_available(const std::string& program);

}  // namespace culprit::build
