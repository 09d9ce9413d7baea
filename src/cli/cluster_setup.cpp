#include "cli/cluster_setup.h"

#include <cstdio>

#include "util/error.h"
#include "util/hash.h"

namespace culprit::cli {
namespace {

// A copy in the state directory, named by its content: the user's file may
// live where the nodes cannot see it.
std::string shared_copy(const std::filesystem::path& state, const std::string& path) {
  if (path.empty()) return path;
  std::filesystem::path from(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec)) return path;  // the tool's own check says why
  auto dir = state / "cluster" / "inputs";
  std::filesystem::create_directories(dir);
  auto to = dir / (sha256_file_hex(from).substr(0, 12) + "-" + from.filename().string());
  if (!std::filesystem::exists(to, ec))
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  return to.string();
}

std::filesystem::path this_binary() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw UserError("--cluster: cannot tell where the culprit binary is (/proc/self/exe)");
  return exe;
}

}  // namespace

ClusterSetup::ClusterSetup(const std::string& cluster, const std::string& cluster_opt,
                           double submit_timeout, const std::filesystem::path& state,
                           const vcs::Repository& repo, const std::string& commit,
                           nlohmann::json builder_spec, nlohmann::json runner_spec,
                           build::Builder& local_builder, run::TestRunner& local_runner) {
  cluster::ClusterOptions options;
  options.partition = cluster::parse_cluster(cluster);
  options.sbatch_args = cluster::split_shell_words(cluster_opt);
  options.state_dir = state;
  options.submit_timeout = submit_timeout;
  options.culprit = this_binary();
  session_ = std::make_unique<cluster::SlurmSession>(options);

  if (builder_spec.contains("config"))
    builder_spec["config"] = shared_copy(state, builder_spec["config"].get<std::string>());
  if (runner_spec.contains("reproducer"))
    runner_spec["reproducer"] = shared_copy(state, runner_spec["reproducer"].get<std::string>());

  nlohmann::json probe = {{"repo", std::filesystem::absolute(repo.common_dir()).string()},
                          {"commit", commit},
                          {"state", state.string()},
                          {"builder", builder_spec},
                          {"runner", runner_spec}};
  auto report = session_->probe(probe);
  std::fprintf(stderr,
               "culprit: probe job %s on node %s (%.1f s): the nodes see the repository and the "
               "state directory\n",
               report.job.c_str(), report.node.c_str(), report.seconds);
  builder_ = std::make_unique<cluster::ClusterBuilder>(local_builder, builder_spec, *session_);
  runner_ = std::make_unique<cluster::ClusterRunner>(local_runner, runner_spec, *session_);
}

}  // namespace culprit::cli
