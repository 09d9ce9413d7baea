#include "cli/tool_factory.h"

#include <stdlib.h>

#include "build/command_builder.h"
#include "build/kernel_builder.h"
#include "run/command_runner.h"
#include "run/qemu_runner.h"
#include "util/error.h"

namespace culprit::cli {
namespace {

std::string text(const nlohmann::json& spec, const char* key) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double number(const nlohmann::json& spec, const char* key, double fallback) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_number() ? it->get<double>() : fallback;
}

}  // namespace

std::unique_ptr<build::Builder> make_builder(const nlohmann::json& spec,
                                             const vcs::Repository* repo) {
  std::string kind = text(spec, "kind");
  if (kind == "command")
    return std::make_unique<build::CommandBuilder>(text(spec, "command"), text(spec, "artifact"),
                                                   number(spec, "timeout", 0),
                                                   text(spec, "ccache_basedir"));
  if (kind == "kernel") {
    build::KernelBuildOptions k;
    k.config = text(spec, "config");
    if (auto cc = text(spec, "compiler"); !cc.empty()) k.compiler = cc;
    if (auto table = text(spec, "compiler_table"); !table.empty())
      k.compilers = build::CompilerTable::parse(table, text(spec, "compiler_table_name"));
    k.jobs = static_cast<int>(number(spec, "jobs", 0));
    k.timeout_seconds = number(spec, "timeout", 0);
    k.build_root = text(spec, "build_root");
    if (repo)
      k.file_at = [repo](const std::string& rev, const std::string& path) {
        return repo->file_at(rev, path);
      };
    return std::make_unique<build::KernelBuilder>(std::move(k));
  }
  throw UserError("unknown builder kind '" + kind + "'");
}

std::unique_ptr<run::TestRunner> make_runner(const nlohmann::json& spec,
                                             const std::filesystem::path& scratch) {
  std::string kind = text(spec, "kind");
  if (kind == "command")
    return std::make_unique<run::CommandRunner>(text(spec, "command"),
                                                number(spec, "timeout", 600));
  if (kind == "qemu") {
    run::QemuOptions q;
    q.kernel = text(spec, "kernel");
    q.reproducer = text(spec, "reproducer");
    q.cmdline_extra = text(spec, "cmdline");
    q.timeout_seconds = number(spec, "timeout", q.timeout_seconds);
    q.cpus = static_cast<int>(number(spec, "cpus", q.cpus));
    q.memory_mb = static_cast<int>(number(spec, "memory_mb", q.memory_mb));
    q.work_dir = scratch;
    return std::make_unique<run::QemuRunner>(q);
  }
  throw UserError("unknown runner kind '" + kind + "'");
}

ScratchDir::ScratchDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "culprit-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary directory");
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace culprit::cli
