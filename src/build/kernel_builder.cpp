#include "build/kernel_builder.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "build/build_error.h"
#include "build/kernel_config.h"
#include "build/signature.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/process.h"
#include "util/text.h"

namespace culprit::build {
namespace fs = std::filesystem;
namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

// A fixed time for the kernel's version banner: any fixed value makes
// builds of the same source identical.
constexpr const char* kBuildTimestamp = "Thu Jan  1 00:00:00 UTC 2015";

// kbuild compiles from the build directory, and ccache (CCACHE_BASEDIR)
// turns the source paths into ones relative to it, so errors read
// "../../worktrees/0/kernel/sys.c:12: error: ...". A reader wants the path
// in the kernel tree, as in the commit.
std::string tree_relative(std::string line, const fs::path& source, const fs::path& obj) {
  std::vector<std::string> prefixes = {source.lexically_normal().string() + "/",
                                       source.lexically_relative(obj).string() + "/"};
  for (const auto& prefix : prefixes) {
    if (prefix.size() <= 1) continue;
    for (std::size_t at = line.find(prefix); at != std::string::npos; at = line.find(prefix, at))
      line.erase(at, prefix.size());
  }
  return line;
}

}  // namespace

bool program_available(const std::string& program) {
  if (program.empty()) return false;
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    if (::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

KernelBuilder::KernelBuilder(KernelBuildOptions options) : options_(std::move(options)) {
  std::error_code ec;
  if (!fs::is_regular_file(options_.config, ec))
    throw UserError("--kernel-config " + options_.config.string() +
                    " does not exist or is not a file");
  try {
    config_text_ = read_text(options_.config);
  } catch (const std::runtime_error&) {
    throw UserError("--kernel-config " + options_.config.string() + " cannot be read");
  }
  if (config_text_.find("CONFIG_") == std::string::npos)
    throw UserError("--kernel-config " + options_.config.string() +
                    " is not a kernel config (no CONFIG_ lines)");
  for (auto [tool, package] :
       {std::pair{"make", "make"}, {"flex", "flex"}, {"bison", "bison"}, {"bc", "bc"}})
    if (!program_available(tool))
      throw UserError(std::string(tool) +
                      " is not installed; the kernel build needs it (apt-get install " + package +
                      ")");
  if (options_.compiler && !program_available(*options_.compiler))
    throw UserError("--compiler " + *options_.compiler + " is not installed or not on PATH");
  if (options_.jobs <= 0)
    options_.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ccache_ = program_available("ccache");
}

std::string KernelBuilder::compiler_for(const std::optional<KernelVersion>& version) const {
  return options_.compiler ? *options_.compiler : options_.compilers.compiler_for(version);
}

std::string KernelBuilder::compiler_version_line(const std::string& compiler) const {
  std::lock_guard lock(version_mu_);
  auto it = version_lines_.find(compiler);
  if (it != version_lines_.end()) return it->second;
  std::string line = compiler + " (not installed)";
  if (program_available(compiler)) {
    ProcessOptions o;
    o.timeout_seconds = 30;
    auto r = run_argv({compiler, "--version"}, o);
    auto lines = split_lines(r.output);
    if (r.status() == 0 && !lines.empty() && !trim(lines[0]).empty())
      line = std::string(trim(lines[0]));
  }
  version_lines_[compiler] = line;
  return line;
}

std::string KernelBuilder::id_for(const std::string& commit) const {
  std::optional<KernelVersion> version;
  if (options_.file_at)
    if (auto makefile = options_.file_at(commit, "Makefile"))
      version = KernelVersion::from_makefile(*makefile);
  return compiler_version_line(compiler_for(version));
}

std::string KernelBuilder::cache_key() const {
  std::string compilers =
      options_.compiler
          ? "cc=" + *options_.compiler + "/" + compiler_version_line(*options_.compiler)
          : "table=" + options_.compilers.key() + "/" +
                compiler_version_line(options_.compilers.compiler_for(std::nullopt));
  return "kernel:config=" + sha256_hex(config_text_) + "|" + compilers + "|image=bzImage";
}

BuildResult KernelBuilder::build(const BuildRequest& req) {
  return build_config(req, config_text_);
}

BuildResult KernelBuilder::build_config(const BuildRequest& req, const std::string& config) {
  // Builds run on threads: a failure of culprit's own file handling is the
  // machine's, not a reason to end the process.
  try {
    return build_checked(req, config);
  } catch (const std::exception& e) {
    BuildResult r;
    r.infra = true;
    r.error_line = std::string("cannot build: ") + e.what();
    return r;
  }
}

std::string KernelBuilder::make_prefix(const fs::path& source,
                                       std::optional<KernelVersion>* version_out) const {
  std::optional<KernelVersion> version;
  try {
    version = KernelVersion::from_makefile(read_text(source / "Makefile"));
  } catch (const std::runtime_error&) {
  }
  if (!version)
    throw std::runtime_error("not a Linux kernel tree: no version in the top-level Makefile");
  if (version_out) *version_out = version;
  std::string compiler = compiler_for(version);
  if (!program_available(compiler))
    throw std::runtime_error(
        "compiler " + compiler + " for Linux " + version->str() +
        " is not installed (culprit's compiler table; --compiler overrides it)");
  // One build directory per work tree: kbuild's own dependency tracking
  // then rebuilds only what the checkout changed.
  fs::path obj = options_.build_root / source.filename();
  std::string cc = ccache_ ? "ccache " + compiler : compiler;
  return "make -C " + shell_quote(source.string()) + " O=" + shell_quote(obj.string()) + " " +
         shell_quote("CC=" + cc) + " -j" + std::to_string(options_.jobs);
}

ProcessOptions KernelBuilder::make_options(const fs::path& source, const fs::path& log) const {
  ProcessOptions opts;
  opts.cwd = source;
  opts.log_path = log;
  opts.timeout_seconds = options_.timeout_seconds;
  opts.env = {{"KBUILD_BUILD_TIMESTAMP", kBuildTimestamp},
              {"KBUILD_BUILD_USER", "culprit"},
              {"KBUILD_BUILD_HOST", "culprit"},
              {"KBUILD_BUILD_VERSION", "1"},
              // Set and empty: no "+" for a tree that is not at a tag.
              {"LOCALVERSION", ""},
              // Work trees and build directories of all slots share ccache
              // entries: paths below the state directory are made relative.
              {"CCACHE_BASEDIR", options_.build_root.parent_path().string()}};
  return opts;
}

std::string KernelBuilder::run_config_target(const fs::path& source,
                                             const std::optional<std::string>& config,
                                             const std::string& target, const fs::path& log) {
  std::optional<KernelVersion> version;
  std::string make = make_prefix(source, &version);
  fs::path obj = options_.build_root / source.filename();
  fs::create_directories(obj);
  if (config) write_text(obj / ".config", adjust_config(*config, version));
  auto p = run_shell(make + " " + target, make_options(source, log));
  if (p.status() != 0)
    throw std::runtime_error("make " + target + " failed (status " + std::to_string(p.status()) +
                             "; log: " + log.string() + ")");
  std::string settled = read_text(obj / ".config");
  // defconfig, then the settings every build gets, settled again.
  if (!config) return run_config_target(source, settled, "olddefconfig", log);
  return settled;
}

std::string KernelBuilder::default_config(const fs::path& source, const fs::path& log) {
  return run_config_target(source, std::nullopt, "defconfig", log);
}

std::string KernelBuilder::settle_config(const fs::path& source, const std::string& config,
                                         const fs::path& log) {
  return run_config_target(source, config, "olddefconfig", log);
}

BuildResult KernelBuilder::build_checked(const BuildRequest& req, const std::string& config) {
  BuildResult r;
  fs::create_directories(req.out_dir);
  std::optional<KernelVersion> version;
  std::string make;
  try {
    make = make_prefix(req.source_dir, &version);
  } catch (const std::runtime_error& e) {
    r.error_line = e.what();
    return r;
  }
  fs::path obj = options_.build_root / req.source_dir.filename();
  fs::create_directories(obj);
  write_text(obj / ".config", adjust_config(config, version));
  std::string command = make + " olddefconfig && " + make + " bzImage";
  auto p = run_shell(command, make_options(req.source_dir, req.log_path));
  r.seconds = p.seconds;
  if (auto machine = machine_failure(p, options_.timeout_seconds, "make")) {
    r.infra = true;
    r.error_line = tree_relative(*machine, req.source_dir, obj);
    return r;
  }
  if (auto failure = build_failure(p, options_.timeout_seconds, "make")) {
    r.error_line = tree_relative(*failure, req.source_dir, obj);
    return r;
  }
  try {
    for (auto [from, to] : {std::pair{obj / "arch/x86/boot/bzImage", "bzImage"},
                            {obj / "vmlinux", "vmlinux"},
                            {obj / ".config", "config"}})
      fs::copy_file(from, req.out_dir / to, fs::copy_options::overwrite_existing);
    r.signature = artifact_signature(req.out_dir / "vmlinux");
  } catch (const std::exception& e) {
    r.error_line = std::string("build produced no kernel: ") + e.what();
    r.signature.clear();
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace culprit::build
