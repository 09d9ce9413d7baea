#include "bisect/build_cache.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "util/error.h"
#include "util/hash.h"
#include "util/process.h"
#include "util/text.h"

namespace culprit::bisect {
namespace fs = std::filesystem;

BuildCache::BuildCache(std::vector<WorkSlot>& slots, build::Builder& builder,
                       store::Journal& journal, StepReporter& reporter, BuildCacheConfig config)
    : slots_(slots),
      builder_(builder),
      journal_(journal),
      reporter_(reporter),
      config_(std::move(config)) {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    WorkSlot& slot = slots_[i];
    slot.marker = config_.state_dir /
                  (i == 0 ? std::string("worktree-built") : fmt::format("worktree-built.{}", i));
    // Which commit's build output a work tree holds survives a kill, so a
    // resumed bisection does not rebuild just to run the remaining tests.
    std::error_code ec;
    if (fs::exists(slot.marker, ec)) {
      std::ifstream in(slot.marker);
      std::getline(in, slot.built);
    }
  }
}

fs::path BuildCache::out_dir(const std::string& hash) const {
  return config_.state_dir / "out" / hash;
}
fs::path BuildCache::log_dir(const std::string& hash) const {
  return config_.state_dir / "logs" / hash;
}

void BuildCache::set_built(WorkSlot& slot, const std::string& hash) {
  slot.built = hash;
  std::error_code ec;
  if (hash.empty()) {
    fs::remove(slot.marker, ec);
    return;
  }
  fs::create_directories(config_.state_dir, ec);
  write_file_atomic(slot.marker, hash + "\n");
}

std::optional<std::string> BuildCache::known_signature(const std::string& hash) {
  std::lock_guard lock(mu_);
  auto it = signatures_.find(hash);
  if (it == signatures_.end()) return std::nullopt;
  return it->second;
}

int BuildCache::builds() {
  std::lock_guard lock(mu_);
  return static_cast<int>(built_commits_.size());
}

void BuildCache::say_same_tree(Task& t, const std::string& other) {
  if (other == t.hash)
    reporter_.say(t, "commit was built in an earlier bisection, reusing its build");
  else
    reporter_.say(t,
                  fmt::format("commit has the same source tree as {}, reusing its build", other));
}

BuildOutcome BuildCache::ensure_built(Task& t, bool need_artifacts) {
  Backporter* bp = config_.backporter;
  if (!bp) return build_variant(t, need_artifacts, {t.builder_key, t.hash, {}});
  auto variant = [&](const BackportPlan& p) {
    for (const auto& line : p.lines) reporter_.say(t, line);
    return Variant{t.builder_key + p.key_suffix(), p.checkout, p.applied};
  };
  auto plan = bp->before_build(t.hash);
  auto out = build_variant(t, need_artifacts, variant(plan));
  out.backports = plan.applied;
  if (out.ok) return out;
  auto more = bp->after_failure(t.hash, plan, out.error);
  if (!more) return out;
  reporter_.say(t, "does not build (" + out.error + "), trying backported fixes");
  auto v = variant(*more);
  if (more->applied == plan.applied) return out;  // none of them applied
  auto patched = build_variant(t, need_artifacts, v);
  patched.backports = more->applied;
  if (patched.ok) bp->built(t.hash, *more);
  return patched;
}

BuildOutcome BuildCache::build_variant(Task& t, bool need_artifacts, const Variant& v) {
  const std::string& hash = t.hash;
  const std::string& key = v.key;
  // Names the build among the commit's builds (patched ones are their own).
  const std::string build_id = hash + (v.backports.empty() ? "" : key.substr(t.builder_key.size()));
  {
    std::lock_guard lock(mu_);
    keys_[hash] = key;
  }
  auto recorded = journal_.find_build(hash, key);
  if (recorded && (!need_artifacts || t.slot->built == hash || !recorded->ok)) {
    bool same_tree = recorded->origin == store::Origin::same_tree;
    {
      std::lock_guard lock(mu_);
      signatures_[hash] = recorded->signature;
      if (!same_tree) built_commits_.insert(build_id);
    }
    if (same_tree) say_same_tree(t, recorded->origin_commit);  // replayed: the same log
    return {recorded->ok,      recorded->signature, recorded->error_line,
            recorded->seconds, recorded->job,       recorded->node};
  }
  if (!recorded && !need_artifacts) {
    // Identical source (empty merges, revert pairs): the same build.
    if (auto same = journal_.find_build_by_tree(t.tree, key)) {
      store::BuildRecord copy = *same;
      copy.commit = hash;
      copy.seconds = 0;
      copy.origin = store::Origin::same_tree;
      copy.origin_commit =
          same->origin == store::Origin::same_tree ? same->origin_commit : same->commit;
      journal_.save_build(copy);
      say_same_tree(t, copy.origin_commit);
      std::lock_guard lock(mu_);
      signatures_[hash] = copy.signature;
      return {copy.ok, copy.signature, copy.error_line, 0, copy.job, copy.node};
    }
  }
  fs::create_directories(out_dir(hash));
  fs::create_directories(log_dir(hash));
  build::BuildRequest req;
  req.commit = hash;
  req.out_dir = out_dir(hash);
  req.signature_file = log_dir(hash) / "signature";
  req.log_path = log_dir(hash) / (v.backports.empty() ? "build.log" : "build-backports.log");
  build::BuildResult res;
  for (int attempt = 1;; ++attempt) {
    reporter_.show(t, "building", 0, 0, "building " + hash);
    {
      // From here until the build is done, the work tree holds nothing usable.
      std::lock_guard lock(mu_);
      set_built(*t.slot, "");
    }
    req.source_dir = t.slot->workspace->checkout(v.checkout);
    res = builder_.build(req);
    // The binary of a patched commit is not the commit's own: its
    // signature says which fixes are in it, so that no result is reused
    // across builds with other backports.
    if (res.ok && !res.signature.empty() && !v.backports.empty()) {
      std::string context = res.signature + "\nbackports";
      for (const auto& f : v.backports) context += " " + f;
      res.signature = sha256_hex(context);
    }
    throw_if_interrupted();  // a build killed by Ctrl-C is not a result
    if (!res.infra) break;
    // The machine failed, not the code: not recorded, so a resumed
    // bisection builds it again.
    reporter_.say(t,
                  fmt::format("build failed for a reason outside the commit (attempt {} of {}): {}",
                              attempt, config_.infra_attempts, res.error_line));
    if (attempt >= config_.infra_attempts)
      throw AbortError(fmt::format(
          "building {} failed {} times for reasons outside the commit (last: {}); fix the "
          "machine and run the same command again to resume",
          hash.substr(0, 12), attempt, res.error_line));
  }
  if (!res.job.empty())
    reporter_.say(t, fmt::format("build ran as job {} on {}", res.job, res.node));
  if (recorded) {
    // A rebuild of the work tree for more runs: the recorded build stands.
    std::lock_guard lock(mu_);
    if (res.ok) set_built(*t.slot, hash);
    signatures_[hash] = recorded->signature;
    return {res.ok, recorded->signature, res.error_line, res.seconds, res.job, res.node};
  }
  store::BuildRecord rec;
  rec.commit = hash;
  rec.tree = t.tree;
  rec.builder_key = key;
  rec.ok = res.ok;
  rec.signature = res.signature;
  rec.error_line = res.error_line;
  rec.log_path = req.log_path.string();
  rec.seconds = res.seconds;
  rec.job = res.job;
  rec.node = res.node;
  journal_.save_build(rec);
  {
    std::lock_guard lock(mu_);
    built_commits_.insert(build_id);
    if (res.ok) set_built(*t.slot, hash);
    signatures_[hash] = res.signature;
  }
  evict(hash);
  return {res.ok, res.signature, res.error_line, res.seconds, res.job, res.node};
}

bool BuildCache::artifacts_ready(const Task& t, bool runner_needs_work_tree) {
  if (runner_needs_work_tree) return false;
  // Artifacts are kept per commit unless --cache-size evicted them (it
  // removes the directory); a recorded successful build wrote them there.
  std::error_code ec;
  if (!fs::is_directory(out_dir(t.hash), ec)) return false;
  std::string key = t.builder_key;
  {
    std::lock_guard lock(mu_);
    if (auto it = keys_.find(t.hash); it != keys_.end()) key = it->second;
  }
  auto rec = journal_.find_build(t.hash, key);
  return rec && rec->ok && rec->origin == store::Origin::own;
}

void BuildCache::touch(const std::string& hash) {
  std::error_code ec;
  fs::last_write_time(out_dir(hash), fs::file_time_type::clock::now(), ec);
}

void BuildCache::evict(const std::string& keep) {
  if (config_.cache_bytes == 0) return;
  struct Entry {
    fs::path dir;
    fs::file_time_type used;
    std::uintmax_t bytes;
  };
  // One eviction at a time; what any work tree holds or works on stays.
  std::lock_guard lock(mu_);
  std::set<std::string> kept = {keep};
  for (const auto& slot : slots_) {
    if (!slot.built.empty()) kept.insert(slot.built);
    if (!slot.current.empty()) kept.insert(slot.current);
  }
  std::vector<Entry> entries;
  std::uintmax_t total = 0;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(config_.state_dir / "out", ec)) {
    std::uintmax_t bytes = 0;
    for (const auto& f : fs::recursive_directory_iterator(d.path(), ec))
      if (f.is_regular_file(ec)) bytes += f.file_size(ec);
    entries.push_back({d.path(), fs::last_write_time(d.path(), ec), bytes});
    total += bytes;
  }
  // Least recently used first.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const auto& e : entries) {
    if (total <= config_.cache_bytes) break;
    if (kept.count(e.dir.filename().string())) continue;
    fs::remove_all(e.dir, ec);
    total -= e.bytes;
  }
}

}  // namespace culprit::bisect
