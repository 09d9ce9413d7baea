#include "bisect/config_minimization.h"

#include <fmt/format.h>

#include <map>

#include "bisect/crash_matcher.h"
#include "build/config_minimizer.h"
#include "build/kconfig_file.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/process.h"
#include "util/text.h"

namespace culprit::bisect {
namespace fs = std::filesystem;

nlohmann::json ConfigMinimizeResult::to_json() const {
  return {{"reproduced", reproduced},
          {"title", title},
          {"baseline", baseline},
          {"options_differing", differing},
          {"options_kept", static_cast<int>(kept.size())},
          {"kept", kept},
          {"config_sha256", config_hash},
          {"config", config_path.string()},
          {"builds", builds},
          {"budget_exhausted", budget_exhausted},
          {"build_seconds", build_seconds},
          {"test_seconds", test_seconds}};
}

ConfigMinimization::ConfigMinimization(Workspace& workspace, build::KconfigTool& tool,
                                       run::TestRunner& runner, store::ConfigTrialTable& trials,
                                       BisectLog& log, ConfigMinimizeOptions options)
    : workspace_(workspace),
      tool_(tool),
      runner_(runner),
      trials_(trials),
      log_(log),
      options_(std::move(options)) {}

std::string ConfigMinimization::settle(const std::string& config) {
  throw_if_interrupted();
  try {
    return tool_.settle_config(source_, config, options_.dir / "olddefconfig.log");
  } catch (const std::runtime_error& e) {
    throw AbortError(std::string("config minimisation: ") + e.what());
  }
}

ConfigMinimization::Trial ConfigMinimization::trial(const std::string& settled,
                                                    const std::string& target,
                                                    const std::string& what) {
  store::ConfigTrialKey key{sha256_hex(settled), options_.commit, runner_.cache_key(), target};
  std::string name = key.config_hash.substr(0, 12);
  ++result_.builds;
  log_.progress().phase = fmt::format("minimizing the config: trial {}", result_.builds);
  log_.publish();
  store::ConfigTrialRecord rec;
  bool recorded = false;
  if (auto found = trials_.find_trial(key)) {
    rec = *found;
    recorded = true;
  } else {
    run_trial(key, settled, target, rec);
  }
  if (rec.built) {
    last_built_[key.config_hash] = {options_.dir / key.config_hash.substr(0, 16) / "out",
                                    rec.signature, rec.build_seconds};
  }
  result_.build_seconds += rec.build_seconds;
  result_.test_seconds += rec.test_seconds;
  log_.line(fmt::format("config {} ({}): {}{}", name, what,
                        rec.reproduced ? "crashed: " + rec.title : rec.detail,
                        recorded ? " (recorded)" : ""));
  return {rec.reproduced, rec.title};
}

ConfigMinimization::Trial ConfigMinimization::run_trial(const store::ConfigTrialKey& key,
                                                        const std::string& settled,
                                                        const std::string& target,
                                                        store::ConfigTrialRecord& rec) {
  fs::path dir = options_.dir / key.config_hash.substr(0, 16);
  fs::create_directories(dir);
  write_file_atomic(dir / "config", settled);
  build::BuildRequest req;
  req.commit = options_.commit;
  req.source_dir = source_;
  req.out_dir = dir / "out";
  req.signature_file = dir / "signature";
  req.log_path = dir / "build.log";
  rec.key = key;
  build::BuildResult b;
  for (int attempt = 1;; ++attempt) {
    throw_if_interrupted();
    b = tool_.build_config(req, settled);
    throw_if_interrupted();  // a build killed by Ctrl-C is not a result
    if (!b.infra) break;
    if (attempt >= options_.infra_attempts)
      throw AbortError(fmt::format(
          "config minimisation: the build failed {} times for reasons outside the config (last: "
          "{}); fix the machine and run the same command again to resume",
          attempt, b.error_line));
  }
  rec.build_seconds = b.seconds;
  rec.built = b.ok;
  rec.signature = b.signature;
  if (!b.ok) {
    rec.detail = "build failed: " + b.error_line;
    trials_.save_trial(rec);
    return {};
  }
  CrashMatcher matcher(target);
  int ok = 0, untestable = 0, other = 0;
  for (int i = 0; i < options_.runs && !rec.reproduced; ++i) {
    run::RunRequest rr;
    rr.commit = options_.commit;
    rr.source_dir = source_;
    rr.out_dir = req.out_dir;
    rr.signature_file = req.signature_file;
    rr.log_path = dir / fmt::format("run-{}.log", i);
    rr.run_index = i;
    run::RunOutcome out;
    for (int attempt = 1;; ++attempt) {
      throw_if_interrupted();
      out = runner_.run(rr);
      throw_if_interrupted();
      if (out.status != run::RunStatus::infra_error) break;
      if (attempt >= options_.infra_attempts)
        throw AbortError(fmt::format(
            "config minimisation: a test run failed {} times for reasons outside the kernel "
            "(last: {}); fix the machine and run the same command again to resume",
            attempt, out.title));
    }
    ++rec.runs;
    rec.test_seconds += out.seconds;
    RunSummary s;
    s.status = out.status;
    s.title = out.title;
    s.type = out.type;
    s.report = out.report;
    s.alt_titles = out.alt_titles;
    if (out.status == run::RunStatus::ok) {
      ++ok;
    } else if (out.status == run::RunStatus::untestable) {
      ++untestable;
    } else if (target.empty() || matcher.matches(s)) {
      // Without --title, the bug's config names the crash by its first one.
      rec.reproduced = true;
      rec.title = target.empty() ? out.title : target;
    } else {
      ++other;
      if (rec.title.empty()) rec.title = out.title;
    }
  }
  if (!rec.reproduced) {
    rec.detail = fmt::format(
        "no crash{} in {} runs ({} OK, {} could not test{})",
        target.empty() ? "" : " with the title", rec.runs, ok, untestable,
        other ? fmt::format(", {} other crashes, first: {}", other, rec.title) : std::string());
  }
  trials_.save_trial(rec);
  return {rec.reproduced, rec.title};
}

void hand_over_build(const ConfigMinimizeResult& result, const std::string& commit,
                     const std::string& tree, const std::string& builder_key,
                     const fs::path& out_dir, store::Journal& journal) {
  if (result.artifacts.empty() || result.signature.empty()) return;
  if (journal.find_build(commit, builder_key)) return;
  std::error_code ec;
  if (!fs::is_directory(result.artifacts, ec)) return;
  // Copied before the record: a kill in between copies again on resume.
  fs::create_directories(out_dir);
  fs::copy(result.artifacts, out_dir,
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  store::BuildRecord rec;
  rec.commit = commit;
  rec.tree = tree;
  rec.builder_key = builder_key;
  rec.ok = true;
  rec.signature = result.signature;
  rec.log_path = (result.artifacts.parent_path() / "build.log").string();
  rec.seconds = result.kept_build_seconds;
  journal.save_build(rec);
}

ConfigMinimizeResult ConfigMinimization::run(const std::string& baseline_name) {
  result_ = {};
  result_.baseline = baseline_name;
  fs::create_directories(options_.dir);
  log_.progress().phase = "minimizing the config";
  log_.publish();
  throw_if_interrupted();
  source_ = workspace_.checkout(options_.commit);
  std::string bug = settle(options_.bug_config);
  std::string baseline;
  if (options_.baseline_config) {
    baseline = settle(*options_.baseline_config);
  } else {
    throw_if_interrupted();
    try {
      baseline = tool_.default_config(source_, options_.dir / "defconfig.log");
    } catch (const std::runtime_error& e) {
      throw AbortError(std::string("config minimisation: ") + e.what());
    }
  }
  auto diffs = build::diff_kconfig(bug, baseline);
  result_.differing = static_cast<int>(diffs.size());
  log_.line(fmt::format(
      "minimizing the config on {}: {} options differ between the bug's config and the baseline "
      "({}){}",
      options_.commit, diffs.size(), baseline_name,
      options_.budget > 0 ? fmt::format(", budget {} builds", options_.budget) : std::string()));

  // The settled text of each key, for the answer.
  std::map<std::string, std::string> settled_by_key;
  std::map<std::string, std::size_t> chosen_by_key;
  std::string target = options_.title;
  build::MinimizeCallbacks cb;
  cb.settle = [&](const build::OptionSet& chosen) {
    std::vector<build::OptionDiff> picked;
    for (auto i : chosen) picked.push_back(diffs[i]);
    // All options: the bug's config as it is (the same config, named once).
    std::string text =
        chosen.size() == diffs.size() ? bug : settle(build::apply_options(baseline, picked));
    std::string key = sha256_hex(text);
    settled_by_key.emplace(key, text);
    chosen_by_key.emplace(key, chosen.size());
    return key;
  };
  cb.reproduces = [&](const std::string& key) {
    const std::string& text = settled_by_key.at(key);
    std::size_t n = chosen_by_key.at(key);
    std::string what = n == diffs.size() ? "the bug's config"
                       : n == 0          ? "the baseline"
                                         : fmt::format("{} of {} options", n, diffs.size());
    auto t = trial(text, target, what);
    if (t.reproduced && target.empty()) {
      target = t.title;
      log_.line("crash to minimize for: " + target);
    }
    result_.title = target;
    return t.reproduced;
  };
  auto m = build::minimize_options(diffs.size(), cb, options_.budget);
  result_.reproduced = m.full_reproduces;
  result_.title = target;
  result_.budget_exhausted = m.budget_exhausted;
  if (!m.full_reproduces) {
    log_.line("the crash does not reproduce on " + options_.commit + " with the bug's config");
    return result_;
  }
  result_.config = settled_by_key.at(m.key);
  if (auto it = last_built_.find(m.key); it != last_built_.end()) {
    result_.artifacts = it->second.dir;
    result_.signature = it->second.signature;
    result_.kept_build_seconds = it->second.seconds;
  }
  result_.config_hash = m.key;
  for (auto i : m.kept)
    result_.kept.push_back(build::kconfig_line({diffs[i].symbol, diffs[i].value}));
  result_.config_path = options_.dir / "minimized.config";
  write_file_atomic(result_.config_path, result_.config);
  log_.line(fmt::format("minimized config: kept {} of {} options, {} builds{}, config {} ({})",
                        m.kept.size(), diffs.size(), result_.builds,
                        m.budget_exhausted ? " (budget spent: the last reproducing config)" : "",
                        m.key, result_.config_path.string()));
  // A budget spent early may keep hundreds: the state directory has them all.
  constexpr std::size_t kListed = 20;
  for (std::size_t i = 0; i < result_.kept.size() && i < kListed; ++i)
    log_.line("  " + result_.kept[i]);
  if (result_.kept.size() > kListed)
    log_.line(fmt::format("  ... and {} more", result_.kept.size() - kListed));
  return result_;
}

}  // namespace culprit::bisect
