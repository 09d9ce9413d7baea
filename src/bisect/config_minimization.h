// --minimize-config: before the commit search, on the start commit, the
// smallest set of the options where the bug's kernel config differs from a
// baseline that still shows the crash (build/config_minimizer.h does the
// delta debugging). Each choice is settled by olddefconfig, named by the
// hash of the settled .config, built and run here (one build, runs until
// the first crash with the bisected title), and its outcome recorded in the
// state store, so a resumed minimisation replays every finished trial.
// Trials keep their artifacts under STATE/minimize/<hash>/, never in the
// commit search's out/<commit>.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bisect/bisect_log.h"
#include "bisect/history.h"
#include "build/kconfig_tool.h"
#include "run/runner.h"
#include "store/config_trials.h"
#include "store/journal.h"

namespace culprit::bisect {

struct ConfigMinimizeOptions {
  std::string commit;                          // the start commit (full hash)
  std::string bug_config;                      // --kernel-config's text
  std::optional<std::string> baseline_config;  // --baseline-config's text; none: defconfig
  std::string title;          // --title; empty: the first crash on the bug's config names it
  int runs = 10;              // runs per trial at most; a trial ends at its first matching crash
  int budget = 0;             // trials (builds) at most, the bug's config included; 0: no limit
  std::filesystem::path dir;  // STATE/minimize
  int infra_attempts = 3;     // machine failures in a row per build or run, then abort
};

struct ConfigMinimizeResult {
  bool reproduced = false;            // on the bug's config; false: nothing was minimised
  std::string title;                  // the crash minimised for
  std::string config;                 // the settled .config to bisect with
  std::string config_hash;            // sha256 of `config`
  std::filesystem::path config_path;  // where `config` was written (dir/minimized.config)
  std::string baseline;               // "defconfig" or the --baseline-config path
  int differing = 0;                  // options where the bug's config differs
  std::vector<std::string> kept;      // .config lines of the options kept
  int builds = 0;                     // trials (distinct settled configs), replayed ones too
  // The kept config's trial build: its artifacts and signature, so that the
  // commit search need not build the start commit with it again.
  std::filesystem::path artifacts;
  std::string signature;
  double kept_build_seconds = 0;
  bool budget_exhausted = false;
  double build_seconds = 0, test_seconds = 0;
  nlohmann::json to_json() const;
};

// Records the kept config's trial build as the start commit's build by the
// commit search's builder (`builder_key`, the commit's git `tree`): its
// artifacts copied to `out_dir` (the tester's out/<commit>). Nothing when
// that build is recorded already (a resumed bisection) or the kept config
// is the bug's own and was never built here.
void hand_over_build(const ConfigMinimizeResult& result, const std::string& commit,
                     const std::string& tree, const std::string& builder_key,
                     const std::filesystem::path& out_dir, store::Journal& journal);

class ConfigMinimization {
 public:
  ConfigMinimization(Workspace& workspace, build::KconfigTool& tool, run::TestRunner& runner,
                     store::ConfigTrialTable& trials, BisectLog& log,
                     ConfigMinimizeOptions options);
  // Throws AbortError when interrupted or when the machine keeps failing,
  // and when olddefconfig or defconfig fail on the start commit.
  ConfigMinimizeResult run(const std::string& baseline_name);

 private:
  struct Trial {
    bool reproduced = false;
    std::string title;
  };
  // The settled .config for `config` on the start commit.
  std::string settle(const std::string& config);
  Trial trial(const std::string& settled, const std::string& target, const std::string& what);
  Trial run_trial(const store::ConfigTrialKey& key, const std::string& settled,
                  const std::string& target, store::ConfigTrialRecord& rec);

  struct Built {
    std::filesystem::path dir;
    std::string signature;
    double seconds = 0;
  };
  std::map<std::string, Built> last_built_;  // by settled config hash
  Workspace& workspace_;
  build::KconfigTool& tool_;
  run::TestRunner& runner_;
  store::ConfigTrialTable& trials_;
  BisectLog& log_;
  ConfigMinimizeOptions options_;
  std::filesystem::path source_;
  ConfigMinimizeResult result_;
};

}  // namespace culprit::bisect
