// culprit bisect: parses and checks the options (so that bad input changes
// nothing), then wires repository, builder, runner, strategy and state into
// the engine.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bisect/backports.h"
#include "bisect/bisector.h"
#include "bisect/config_minimization.h"
#include "bisect/phase_timing.h"
#include "build/compiler_table.h"
#include "build/kernel_builder.h"
#include "cli/cluster_setup.h"
#include "cli/commands.h"
#include "cli/email_options.h"
#include "cli/parse_args.h"
#include "cli/status_line.h"
#include "cli/tool_factory.h"
#include "html/collect.h"
#include "html/render.h"
#include "run/qemu_runner.h"
#include "store/state_store.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/phase_times.h"
#include "util/process.h"
#include "util/process_guardian.h"
#include "util/text.h"
#include "vcs/backport_store.h"
#include "vcs/repository.h"
#include "vcs/revert_store.h"

namespace culprit::cli {
namespace {

struct Options {
  std::string repo = ".";
  std::string commit;
  bool fix = false;
  std::string good;
  std::string head;
  std::string build;
  std::string artifact;
  std::string test;
  int runs = 10;
  int jobs = 1;
  std::string state;
  std::string json;
  // The benchmark (bench/README.md) shows posterior ahead on every setting.
  std::string strategy = "posterior";
  double test_timeout = 600;
  double build_timeout = 0;
  bool restart = false;
  std::string cache_size;
  std::string kernel_config, compiler, compiler_table, repro, cmdline;
  int build_jobs = 0;
  std::string html;
  std::string kernel_image = "bzImage";
  int vm_cpus = 2;
  // 512 MiB: a distribution kernel with KASAN-sized slack boots in it, and
  // --jobs VMs at once stay small beside a build on a 24 GiB machine.
  std::string vm_memory = "512M";
  int parallel = 1;
  std::string title;  // the crash to bisect; empty: the start commit's most frequent
  double confidence = 0.95;
  bool verify = true;
  // --cluster slurm[:PARTITION], --cluster-opt, --cluster-submit-timeout (cluster_setup.h)
  std::string cluster, cluster_opt;
  double cluster_submit_timeout = 120;
  bool no_ccache_env = false;  // leave CCACHE_BASEDIR / CCACHE_NOHASHDIR to the user
  // --minimize-config (kernel builder): ddmin over the options where
  // --kernel-config differs from --baseline-config (default: defconfig).
  bool minimize_config = false;
  std::string baseline_config;
  // About twice log2 of a few hundred options plus the two ends: a single
  // guarding option among 300 is found within it (README: config minimisation).
  int minimize_budget = 30;
  std::string backports;        // --backports FILE: more rows for the backport table
  bool auto_backports = false;  // default: on for the kernel builder (see below)
};

// The text of a file an option names; bad input (exit 2) when it cannot be read.
std::string read_option_file(const std::string& option, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError(option + " " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The backport table: culprit's own rows, then those of --backports FILE.
std::vector<bisect::BackportEntry> backport_table(const std::string& file) {
  auto rows = bisect::parse_backport_table(bisect::default_backport_table(), "default backports");
  if (file.empty()) return rows;
  auto more = bisect::parse_backport_table(read_option_file("--backports", file), file);
  rows.insert(rows.end(), more.begin(), more.end());
  return rows;
}

// The first signal asks for a clean stop (commands killed, state and JSON
// written); a second one, while culprit is still busy stopping (a slow disk,
// a locked state database, a command that does not die), ends it at once:
// the process guardian kills what its commands started, and the same
// command resumes from what was recorded. Signals within half a second of the
// first are the same request delivered twice: `timeout` signals its child
// and then its whole process group, a terminal's Ctrl-C reaches every
// process of the foreground group.
std::atomic<long long> first_signal_ns{0};

long long monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);  // async-signal-safe
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

void on_signal(int) {
  const long long now = monotonic_ns();
  if (interrupt_requested()) {
    if (now - first_signal_ns.load() < 500000000LL) return;
    static const char kMessage[] = "culprit: interrupted again: stopping now\n";
    (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    ::_exit(3);
  }
  first_signal_ns.store(now);
  request_interrupt();
}

std::vector<std::string> split_words(const std::string& cmd) {
  std::istringstream in(cmd);
  std::vector<std::string> words;
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

// A command that names a script by path must find it: in the tree at the
// start commit (the command runs in the work tree) or on disk.
void check_script(const vcs::Repository& repo, const std::string& commit, const std::string& cmd,
                  const char* what) {
  auto words = split_words(cmd);
  if (words.empty()) throw UserError(fmt::format("--{} is empty", what));
  std::string script = words[0];
  if ((script == "sh" || script == "bash" || script == "/bin/sh" || script == "/bin/bash") &&
      words.size() > 1 && words[1][0] != '-')
    script = words[1];
  if (script.find('/') == std::string::npos || script.find('$') != std::string::npos) return;
  if (script[0] == '/') {
    if (!std::filesystem::exists(script))
      throw UserError(fmt::format("--{} script {} does not exist", what, script));
    return;
  }
  std::string rel = script.substr(0, 2) == "./" ? script.substr(2) : script;
  if (repo.file_at(commit, rel)) return;
  if (std::filesystem::exists(std::filesystem::path(repo.work_dir()) / rel)) return;
  throw UserError(fmt::format("--{} script {} does not exist in commit {}", what, script,
                              commit.substr(0, 12)));
}

nlohmann::json params_json(const Options& o, const vcs::Repository& repo, const std::string& commit,
                           const std::string& good, const std::string& head) {
  nlohmann::json j = {
      {"repo", std::filesystem::weakly_canonical(repo.common_dir()).string()},
      {"mode", o.fix ? "fix" : "cause"},
      {"commit", commit},
      {"good", good},
      {"head", head},
      {"build", o.build},
      {"artifact", o.artifact},
      {"test", o.test},
      {"repro", o.repro.empty() ? "" : sha256_file_hex(o.repro)},
      {"cmdline", o.cmdline},
      {"kernel_image", o.kernel_image},
      {"kernel_config", o.kernel_config.empty() ? "" : sha256_file_hex(o.kernel_config)},
      {"compiler", o.compiler},
      {"compiler_table", o.compiler_table.empty() ? "" : sha256_file_hex(o.compiler_table)},
      {"runs", o.runs},
      {"strategy", o.strategy},
      {"confidence", o.confidence},
      {"verify", o.verify},
      {"parallel", o.parallel},
      {"test_timeout", o.test_timeout}};
  if (!o.repro.empty()) {
    j["vm_cpus"] = o.vm_cpus;
    j["vm_memory_mb"] = run::parse_vm_memory_mb(o.vm_memory);
  }
  // Only when given: state directories of unfinished bisections made
  // before --title existed still resume.
  if (!o.title.empty()) j["title"] = o.title;
  if (!o.cluster.empty()) j["cluster"] = o.cluster;
  if (o.minimize_config) {
    j["minimize_config"] = true;
    j["baseline_config"] = o.baseline_config.empty() ? "" : sha256_file_hex(o.baseline_config);
    j["minimize_budget"] = o.minimize_budget;
  }
  // Only when backports are in use, as --title: other state directories
  // still resume. Another table or choice builds other binaries.
  if (!o.backports.empty()) j["backports"] = sha256_file_hex(o.backports);
  if (o.auto_backports) j["auto_backports"] = true;
  return j;
}

// "500M", "20G", "1048576" -> bytes; a size beyond the range of the
// type (1e30G, a huge number, inf, nan) is refused, never converted.
std::uintmax_t parse_size(const std::string& text) {
  auto refuse = [&](const char* why) { return UserError("--cache-size " + text + ": " + why); };
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::out_of_range&) {
    throw refuse("too large");
  } catch (const std::exception&) {
    throw refuse("not a size (e.g. 500M, 20G)");
  }
  std::string unit = text.substr(used);
  double mult = unit.empty() || unit == "B" ? 1
                : unit == "K"               ? 1024.0
                : unit == "M"               ? 1024.0 * 1024
                : unit == "G"               ? 1024.0 * 1024 * 1024
                                            : -1;
  if (mult < 0 || !(value > 0) || std::isinf(value)) throw refuse("not a size (e.g. 500M, 20G)");
  double bytes = value * mult;
  // 2^64: the first value that std::uintmax_t cannot hold.
  static_assert(std::numeric_limits<std::uintmax_t>::digits == 64);
  if (bytes >= 18446744073709551616.0) throw refuse("too large (at most 2^64-1 bytes)");
  if (bytes < 1) throw refuse("less than one byte");
  return static_cast<std::uintmax_t>(bytes);
}

void write_json(const std::string& path, const nlohmann::json& j) {
  if (path.empty()) return;
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << j.dump(2) << "\n";
}

// The HTML report at the end of a bisection, whatever its outcome; a report
// that cannot be written does not change the bisection's exit status.
void write_html(const std::string& path, const std::filesystem::path& state,
                const vcs::Repository& repo, const nlohmann::json& result, html::RunState run_state,
                const std::string& detail) {
  if (path.empty()) return;
  try {
    html::CollectOptions opts;
    opts.result = result;
    opts.state = run_state;
    opts.state_detail = detail;
    opts.repo = &repo;
    if (auto data = html::collect_report_data(state, opts))
      write_file_atomic(path, html::render_report(*data));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "culprit: cannot write the HTML report %s: %s\n", path.c_str(), e.what());
  }
}

}  // namespace

int bisect_command(const Args& args) {
  // Where this process's time goes: the result's overhead_seconds.
  PhaseTimes times;
  std::optional<PhaseTimer> setup(std::in_place, &times, "setup");
  Options o;
  CLI::App app{"culprit bisect: find the commit that introduced (or fixed) a crash",
               "culprit bisect"};
  app.add_option("--repo", o.repo, "git repository");
  app.add_option("--commit", o.commit, "commit on which the crash was seen")->required();
  app.add_flag("--fix", o.fix, "look for the commit that fixed the crash");
  app.add_option("--good", o.good, "cause bisection: a commit known to be good");
  app.add_option("--head", o.head, "fix bisection: newest commit to test (default HEAD)");
  app.add_option("--build", o.build, "shell command that builds the checked-out commit");
  app.add_option("--artifact", o.artifact, "file the build produces, for the build signature");
  app.add_option("--test", o.test, "shell command for one test run");
  app.add_option("--runs", o.runs, "test runs per commit")->check(CLI::Range(1, 1000));
  app.add_option("--title", o.title,
                 "the crash to bisect, as reported (default: the most frequent crash on --commit)");
  app.add_option("--jobs", o.jobs, "test runs at the same time")->check(CLI::Range(1, 256));
  app.add_option("--state", o.state, "state directory (default: <git dir>/culprit)");
  app.add_option("--json", o.json, "write the result JSON to this file");
  app.add_option("--strategy", o.strategy,
                 "posterior (default, cause and fix bisection), adaptive or syzbot");
  app.add_option("--confidence", o.confidence, "posterior: stop when one answer is this probable")
      ->check(CLI::Range(0.5, 0.9999));
  app.add_flag(
      "--verify,!--no-verify", o.verify,
      "posterior: re-test the culprit, its parent and the culprit reverted on --commit (--fix: "
      "the fix reverted on --head) before reporting (default on)");
  app.add_option("--test-timeout", o.test_timeout, "seconds one test run may take")
      ->check(CLI::PositiveNumber);
  app.add_option("--build-timeout", o.build_timeout, "seconds one build may take (0: no limit)");
  app.add_flag("--restart", o.restart, "discard an unfinished bisection with other parameters");
  app.add_flag("--no-ccache-env", o.no_ccache_env,
               "leave CCACHE_BASEDIR and CCACHE_NOHASHDIR alone for --build (by default set "
               "where ccache is installed, so that work trees share its cache)");
  app.add_option("--cache-size", o.cache_size,
                 "limit for build artifacts kept in the state directory (e.g. 20G)");
  app.add_option("--kernel-config", o.kernel_config, "build with the Linux kernel builder");
  app.add_flag("--minimize-config", o.minimize_config,
               "before the commit search, find a small set of the options where --kernel-config "
               "differs from the baseline that still reproduces the crash, and bisect with it");
  app.add_option("--baseline-config", o.baseline_config,
                 "--minimize-config: the baseline config (default: make defconfig of --commit "
                 "with the kernel builder's own settings)");
  auto* minimize_budget =
      app.add_option("--minimize-budget", o.minimize_budget,
                     "--minimize-config: builds it may spend at most (default 30)")
          ->check(CLI::Range(1, 100000));
  app.add_option("--compiler", o.compiler,
                 "compiler for every commit (kernel builder; default: per release)");
  app.add_option("--compiler-table", o.compiler_table,
                 "TOML table of kernel versions to compilers (kernel builder)");
  app.add_option("--build-jobs", o.build_jobs,
                 "make -j for the kernel builder (default: number of cores)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--repro", o.repro, "test with the QEMU runner");
  app.add_option("--cmdline", o.cmdline, "extra kernel command line (QEMU runner)");
  app.add_option(
      "--kernel-image", o.kernel_image,
      "kernel to boot (QEMU runner): absolute, or relative to $CULPRIT_OUT (default bzImage)");
  auto* vm_cpus =
      app.add_option("--vm-cpus", o.vm_cpus, "CPUs of each test VM (QEMU runner; default 2)")
          ->check(CLI::Range(1, 64));
  auto* vm_memory =
      app.add_option("--vm-memory", o.vm_memory,
                     "memory of each test VM, e.g. 512M, 2G (QEMU runner; default 512M)");
  app.add_option("--html", o.html, "write an HTML report");
  app.add_option("--parallel", o.parallel,
                 "posterior: commits tested at the same time, each in its own work tree")
      ->check(CLI::Range(1, 64));
  app.add_option("--backports", o.backports,
                 "TOML table of build fixes to cherry-pick into commits that contain what they "
                 "fix (README: Backported build fixes)");
  auto* auto_backports = app.add_flag(
      "--auto-backports,!--no-auto-backports", o.auto_backports,
      "when a commit does not build, apply later commits whose Fixes: trailer names a commit it "
      "contains (default: on for --kernel-config, off for --build)");
  MailAtEnd mail(app);
  app.add_option("--cluster", o.cluster,
                 "run every build and test run as a Slurm job: slurm or slurm:PARTITION (the "
                 "repository and the state directory on a file system the nodes share)");
  app.add_option("--cluster-opt", o.cluster_opt,
                 "more sbatch options for every job, e.g. '--time=30 --constraint=kvm'");
  app.add_option("--cluster-submit-timeout", o.cluster_submit_timeout,
                 "seconds sbatch may wait for room in a full queue (default 120)")
      ->check(CLI::PositiveNumber);
  if (!parse_args(app, args, "bisect")) return 0;
  if (o.parallel != 1 && o.strategy != "posterior")
    throw UserError("--parallel needs --strategy posterior");
  if (o.parallel != 1 && o.fix) throw UserError("--parallel is for cause bisection only");
  if (o.build.empty() && o.kernel_config.empty())
    throw UserError("--build CMD or --kernel-config FILE is required");
  if (!o.build.empty() && !o.kernel_config.empty())
    throw UserError("--build and --kernel-config exclude each other");
  if (o.kernel_config.empty())
    for (const auto& [flag, value] :
         {std::pair{"--compiler", o.compiler}, {"--compiler-table", o.compiler_table}})
      if (!value.empty())
        throw UserError(std::string(flag) + " is for the kernel builder (--kernel-config)");
  if (o.kernel_config.empty() && o.build_jobs)
    throw UserError("--build-jobs is for the kernel builder (--kernel-config)");
  if (o.minimize_config && o.kernel_config.empty())
    throw UserError("--minimize-config is for the kernel builder (--kernel-config)");
  if (!o.minimize_config && (!o.baseline_config.empty() || minimize_budget->count()))
    throw UserError(
        std::string(o.baseline_config.empty() ? "--minimize-budget" : "--baseline-config") +
        " needs --minimize-config");
  if (o.minimize_config && !o.cluster.empty())
    throw UserError("--minimize-config does not run through --cluster yet");
  std::string baseline_text;
  if (!o.baseline_config.empty()) {
    baseline_text = read_option_file("--baseline-config", o.baseline_config);
    if (baseline_text.find("CONFIG_") == std::string::npos)
      throw UserError("--baseline-config " + o.baseline_config +
                      " is not a kernel config (no CONFIG_ lines)");
  }
  if (!o.compiler.empty() && !o.compiler_table.empty())
    throw UserError("--compiler and --compiler-table exclude each other");
  if (o.test.empty() && o.repro.empty()) throw UserError("--test CMD or --repro FILE is required");
  if (!o.test.empty() && !o.repro.empty()) throw UserError("--test and --repro exclude each other");
  if (!o.cmdline.empty() && o.repro.empty())
    throw UserError("--cmdline is for the QEMU runner (--repro)");
  for (const auto* opt : {vm_cpus, vm_memory})
    if (opt->count() && o.repro.empty())
      throw UserError(opt->get_name() + " is for the QEMU runner (--repro)");
  if (o.fix && !o.good.empty())
    throw UserError("--good is for cause bisection; it cannot be used with --fix");
  if (!o.fix && !o.head.empty()) throw UserError("--head is for fix bisection; add --fix");

  if (!auto_backports->count()) o.auto_backports = !o.kernel_config.empty();
  auto backport_rows = backport_table(o.backports);  // refused now if broken

  auto repo = vcs::Repository::open(o.repo);
  std::string commit = repo.resolve(o.commit);
  std::string good, head;
  if (!o.good.empty()) {
    good = repo.resolve(o.good);
    if (!repo.is_ancestor(good, commit))
      throw UserError(fmt::format("--good {} is not an ancestor of --commit {}", o.good, o.commit));
    if (good == commit) throw UserError("--good and --commit are the same commit");
  }
  if (o.fix) head = o.head.empty() ? repo.head() : repo.resolve(o.head);
  if (!o.build.empty()) check_script(repo, commit, o.build, "build");
  // The builder and runner as specs (tool_factory.h): a cluster job makes
  // the same tools from them.
  nlohmann::json builder_spec = {{"kind", "command"},
                                 {"command", o.build},
                                 {"artifact", o.artifact},
                                 {"timeout", o.build_timeout}};
  if (!o.kernel_config.empty()) {
    builder_spec = {{"kind", "kernel"},
                    {"config", std::filesystem::absolute(o.kernel_config).lexically_normal()},
                    {"compiler", o.compiler},
                    {"jobs", o.build_jobs},
                    {"timeout", o.build_timeout}};
    if (!o.compiler_table.empty()) {
      std::string table = read_option_file("--compiler-table", o.compiler_table);
      build::CompilerTable::parse(table, o.compiler_table);  // refused now if broken
      builder_spec["compiler_table"] = table;
      builder_spec["compiler_table_name"] = o.compiler_table;
    }
    if (!repo.file_at(commit, "Makefile") || !repo.file_at(commit, "Kconfig"))
      throw UserError("--kernel-config: commit " + commit.substr(0, 12) +
                      " is not a Linux kernel tree (no Makefile and Kconfig at its top)");
  }
  if (!o.test.empty()) check_script(repo, commit, o.test, "test");
  nlohmann::json runner_spec = {
      {"kind", "command"}, {"command", o.test}, {"timeout", o.test_timeout}};
  if (!o.repro.empty())
    runner_spec = {{"kind", "qemu"},
                   {"kernel", o.kernel_image},
                   {"reproducer", std::filesystem::absolute(o.repro).lexically_normal()},
                   {"cmdline", o.cmdline},
                   {"timeout", o.test_timeout},
                   {"cpus", o.vm_cpus},
                   {"memory_mb", run::parse_vm_memory_mb(o.vm_memory)}};
  // The QEMU runner compiles the reproducer now, so that a broken one is
  // refused before anything is written (into a directory removed at exit).
  std::unique_ptr<ScratchDir> scratch;
  if (!o.repro.empty()) scratch = std::make_unique<ScratchDir>();
  auto runner = make_runner(runner_spec, scratch ? scratch->path() : std::filesystem::path());
  auto* qemu = dynamic_cast<run::QemuRunner*>(runner.get());
  auto strategy = bisect::make_strategy(o.strategy, o.runs);
  std::uintmax_t cache_bytes = o.cache_size.empty() ? 0 : parse_size(o.cache_size);

  std::filesystem::path state =
      o.state.empty() ? repo.git_dir() / "culprit" : std::filesystem::path(o.state);
  state = std::filesystem::absolute(state);
  for (const auto& [flag, path] : {std::pair{"--json", o.json}, {"--html", o.html}}) {
    if (path.empty()) continue;
    auto parent = std::filesystem::absolute(path).parent_path();
    if (!std::filesystem::is_directory(parent))
      throw UserError(
          fmt::format("{} {}: directory {} does not exist", flag, path, parent.string()));
  }

  if (builder_spec["kind"] == "kernel") builder_spec["build_root"] = state / "kernel-build";
  // Work trees at other paths share ccache's entries (README: ccache).
  if (builder_spec["kind"] == "command" && !o.no_ccache_env && build::program_available("ccache"))
    builder_spec["ccache_basedir"] = state;
  auto builder = make_builder(builder_spec, &repo);

  mail.check(o.repo);

  // ---- --cluster: builds and runs as Slurm jobs (cluster_setup.h) ----
  if (!o.cluster_opt.empty() && o.cluster.empty()) throw UserError("--cluster-opt needs --cluster");
  std::unique_ptr<ClusterSetup> cluster;
  if (!o.cluster.empty())  // the probe job: exit 2 when the nodes cannot run the bisection
    cluster =
        std::make_unique<ClusterSetup>(o.cluster, o.cluster_opt, o.cluster_submit_timeout, state,
                                       repo, commit, builder_spec, runner_spec, *builder, *runner);
  build::Builder& used_builder = cluster ? cluster->builder() : *builder;
  run::TestRunner& used_runner = cluster ? cluster->runner() : *runner;
  // ---- end of --cluster ----

  // From here on, state is written; everything above only read.
  std::unique_ptr<store::StateStore> store;
  bool resumed = false;
  {
    PhaseTimer timer(&times, "store");
    store = store::StateStore::open(state);
  }
  // Under the state directory's lock: an earlier culprit recorded there is
  // gone, and so must be the commands it ran (if its guardian was killed too).
  CommandOwnerRecord command_owner(state / "command-owners");
  if (command_owner.leftovers_killed())
    std::fprintf(stderr, "culprit: killed %d processes left running by an earlier culprit\n",
                 command_owner.leftovers_killed());
  {
    PhaseTimer timer(&times, "store");
    resumed = store->begin(params_json(o, repo, commit, good, head).dump(), o.restart);
    store->clear_log();
  }
  if (resumed)
    std::fprintf(stderr, "culprit: resuming the bisection recorded in %s\n", state.c_str());
  // Once per bisection (a probe boot may take seconds); a resumed one reads
  // the choice back, so that its runs and its log are those it started with.
  if (qemu) qemu->choose_accel(state / "test-machine", resumed);
  auto cluster_jobs = cluster ? cluster->attach(*store) : nullptr;  // --cluster: the job table

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);

  bisect::BisectLog log;
  std::unique_ptr<StatusLine> status;
  if (::isatty(STDOUT_FILENO)) {
    status = std::make_unique<StatusLine>(stdout);
    log.add_sink([&status, &times](const std::string& line) {
      PhaseTimer timer(&times, "log");
      status->log(line);
    });
    log.add_progress_sink([&status](const bisect::Progress& p) { status->update(p); });
  } else {
    log.add_sink([&times](const std::string& line) {
      PhaseTimer timer(&times, "log");
      std::fputs(line.c_str(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    });
  }
  log.add_sink([&store, &times](const std::string& line) {
    PhaseTimer timer(&times, "log");
    store->append_log(line);
  });
  if (qemu) log.line("test machine: " + qemu->machine());

  // Before the work trees: they borrow its objects too.
  std::unique_ptr<vcs::RevertStore> reverts;
  if (o.verify) reverts = std::make_unique<vcs::RevertStore>(repo, state / "reverts.git");
  // After the reverts (its own repository handle reads them: reverts get
  // backports too) and before the work trees (they check patched commits out).
  std::unique_ptr<vcs::BackportStore> backport_store;
  std::unique_ptr<bisect::Backporter> backporter;
  if (!backport_rows.empty() || o.auto_backports) {
    backport_store = std::make_unique<vcs::BackportStore>(repo, state / "backports.git");
    backporter = bisect::make_git_backporter(
        repo, *backport_store, {backport_rows, o.auto_backports, o.fix ? head : commit});
    backporter = std::make_unique<bisect::TimedBackporter>(std::move(backporter), times);
  }
  auto history = bisect::make_git_history(repo, reverts.get());
  // One work tree per commit tested at the same time (--parallel).
  std::vector<std::unique_ptr<bisect::Workspace>> workspaces;
  std::vector<std::unique_ptr<bisect::TimedWorkspace>> timed_workspaces;
  std::vector<bisect::Workspace*> slots;
  for (int i = 0; i < o.parallel; ++i) {
    workspaces.push_back(bisect::make_git_workspace(repo, state / "worktrees" / std::to_string(i)));
    timed_workspaces.push_back(std::make_unique<bisect::TimedWorkspace>(*workspaces.back(), times));
    slots.push_back(timed_workspaces.back().get());
  }
  bisect::TimedJournal journal(*store, times);
  bisect::TimedRunner timed_runner(used_runner, times);

  // ---- --minimize-config: on the start commit, before the commit search ----
  std::optional<bisect::ConfigMinimizeResult> minimized;
  std::unique_ptr<build::Builder> minimized_builder;  // builds the minimised config
  // An abort (interrupt, machine failure) leaves an `aborted` result: the
  // JSON and the HTML say why, and the same command resumes.
  auto record_abort = [&](const std::string& why, int revisions_tested) {
    bisect::BisectResult partial;
    partial.mode = o.fix ? "fix" : "cause";
    partial.verdict = "inconclusive";
    partial.aborted = true;
    partial.abort_reason = why;
    partial.cluster = o.cluster;
    partial.revisions_tested = revisions_tested;
    auto j = partial.to_json();
    if (minimized) j["config_minimization"] = minimized->to_json();
    write_json(o.json, j);
    store->set_status("aborted: " + why);
    write_html(o.html, state, repo, nullptr, html::RunState::aborted, why);
  };
  if (o.minimize_config) {
    auto* tool = dynamic_cast<build::KconfigTool*>(builder.get());
    if (!tool) throw std::logic_error("--minimize-config without the kernel builder");
    bisect::ConfigMinimizeOptions mo;
    mo.commit = commit;
    mo.bug_config = read_file(o.kernel_config);
    if (!o.baseline_config.empty()) mo.baseline_config = baseline_text;
    mo.title = o.title;
    mo.runs = o.runs;
    mo.budget = o.minimize_budget;
    mo.dir = state / "minimize";
    bisect::ConfigMinimization minimization(*slots[0], *tool, timed_runner, *store, log, mo);
    try {
      minimized = minimization.run(o.baseline_config.empty()
                                       ? "defconfig of the start commit with culprit's settings"
                                       : o.baseline_config);
    } catch (const AbortError& e) {
      record_abort(e.what(), 0);
      throw;
    }
    if (!minimized->reproduced) {
      // The crash did not show on the start commit with the bug's config:
      // exit 1 as when the commit search's first test finds the same.
      bisect::BisectResult none;
      none.mode = o.fix ? "fix" : "cause";
      none.verdict = "inconclusive";
      none.reproduced = false;
      auto j = none.to_json();
      j["config_minimization"] = minimized->to_json();
      store->finish(j.dump());
      write_json(o.json, j);
      write_html(o.html, state, repo, j, html::RunState::finished, "");
      return 1;
    }
    auto spec = builder_spec;
    spec["config"] = minimized->config_path.string();
    minimized_builder = make_builder(spec, &repo);
    // The start commit's build with the kept config is the last trial's:
    // the commit search reuses it (out/<commit>, as the tester keeps it).
    bisect::hand_over_build(*minimized, commit, history->info(commit).tree,
                            minimized_builder->cache_key(), state / "out" / commit, *store);
  }
  // ---- end of --minimize-config ----
  bisect::TimedBuilder timed_builder(minimized_builder ? *minimized_builder : used_builder, times);
  bisect::TesterConfig tconfig;
  tconfig.state_dir = state;
  tconfig.jobs = o.jobs;
  tconfig.cache_bytes = cache_bytes;
  tconfig.concurrent = true;
  // The crash the config was minimised for is the one to bisect.
  tconfig.target_title = o.title.empty() && minimized ? minimized->title : o.title;
  tconfig.backporter = backporter.get();
  bisect::CommitTester tester(*history, slots, timed_builder, timed_runner, *strategy, journal, log,
                              tconfig);
  bisect::BisectOptions bopts;
  bopts.fix = o.fix;
  bopts.commit = commit;
  if (!good.empty()) bopts.good = good;
  bopts.head = head;
  bopts.title_inferred = o.title.empty();
  bopts.search.confidence = o.confidence;
  bopts.search.verify = o.verify;
  bopts.search.parallel = o.parallel;
  bopts.search.runs = o.runs;
  bopts.search.times = &times;
  bisect::Bisector bisector(*history, tester, *strategy, log, bopts);
  setup.reset();
  try {
    auto result = cluster ? cluster->run([&] { return bisector.run(); }) : bisector.run();
    result.cluster = o.cluster;
    auto j = result.to_json();
    if (minimized) j["config_minimization"] = minimized->to_json();
    store->finish(j.dump());
    write_json(o.json, j);
    mail.send(state, repo);  // never changes the result or the exit status
    write_html(o.html, state, repo, j, html::RunState::finished, "");
    return result.reproduced ? 0 : 1;
  } catch (const AbortError& e) {
    record_abort(e.what(), static_cast<int>(tester.order().size()));
    throw;
  }
}

}  // namespace culprit::cli
