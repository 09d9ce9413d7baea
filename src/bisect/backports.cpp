#include "bisect/backports.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "util/error.h"

namespace culprit::bisect {
namespace {

// Empty: the kernel's build fixes depend on the compiler and the config,
// and a wrong row would change what culprit tests; rows go in
// --backports files, and --auto-backports finds fixes in the history.
constexpr std::string_view kDefaultTable = R"(# culprit's default backports (none yet)
)";

bool is_hash(const std::string& s) {
  return s.size() >= 12 && s.size() <= 40 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string short_hash(const std::string& h) { return h.substr(0, 12); }

// Phrases of build fixes' messages; not single words, which kernel
// messages use for everything ("netlink", "build_skb", "relink").
bool says_it_fixes_a_build(const std::string& message) {
  std::string lower = message;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* phrase :
       {"fix build", "fix the build", "build fix", "build error", "build fail", "build break",
        "compile error", "compilation error", "compiler error", "compile fail", "compilation fail",
        "link error", "linker error", "link fail", "undefined reference"})
    if (lower.find(phrase) != std::string::npos) return true;
  return false;
}

bool same_file(const std::string& changed, const std::string& named) {
  if (changed == named) return true;
  auto ends_with = [](const std::string& s, const std::string& tail) {
    return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0 &&
           s[s.size() - tail.size() - 1] == '/';
  };
  // The error may name the file relative to a build directory, or with
  // the source directory in front.
  return ends_with(changed, named) || ends_with(named, changed);
}

class GitBackporter : public Backporter {
 public:
  GitBackporter(const vcs::Repository& source, vcs::BackportStore& store,
                GitBackporterConfig config)
      : repo_(vcs::Repository::open(source.git_dir())), store_(store), config_(std::move(config)) {
    for (const auto& dir : source.extra_object_dirs()) repo_.add_object_dir(dir);
    // Rows naming commits this repository does not have are for other
    // histories (the default table's kernel rows in any other project).
    for (const auto& e : config_.table) {
      auto fix = repo_.try_resolve(e.fix), target = repo_.try_resolve(e.target);
      if (fix && target) table_.push_back({*fix, *target, e.why});
    }
  }

  BackportPlan before_build(const std::string& commit) override {
    std::lock_guard lock(mu_);
    std::vector<std::string> fixes;
    std::vector<BackportEntry> rows = table_;
    rows.insert(rows.end(), learned_.begin(), learned_.end());
    for (const auto& e : rows)
      if (applies(commit, e.target, e.fix) &&
          std::find(fixes.begin(), fixes.end(), e.fix) == fixes.end())
        fixes.push_back(e.fix);
    return plan(commit, fixes, {});
  }

  std::optional<BackportPlan> after_failure(const std::string& commit, const BackportPlan& base,
                                            const std::string& error_line) override {
    if (!config_.auto_backports || config_.newest.empty()) return std::nullopt;
    std::lock_guard lock(mu_);
    const std::string file = error_file(error_line);
    // Later commits: those up to the newest end that `commit` does not
    // contain, oldest first, so that fixes go in in the history's order.
    auto later = repo_.load_range(config_.newest, {commit});
    std::vector<std::string> with_trailers;
    const auto& order = later.topo_order();
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const std::string& fix = later.hash(*it);
      if (!targets_of(fix).empty() &&
          std::find(base.applied.begin(), base.applied.end(), fix) == base.applied.end())
        with_trailers.push_back(fix);
    }
    // Those whose target `commit` contains (ancestry last: in a big
    // history it is the slow question). A target among the later commits
    // is not in `commit`.
    auto applicable = [&](auto&& relevant) {
      std::vector<std::pair<std::string, std::string>> out;  // (fix, target)
      for (const auto& fix : with_trailers) {
        if (!relevant(fix)) continue;
        for (const auto& target : targets_of(fix))
          if (later.find(target) == vcs::kNoCommit && repo_.is_ancestor(target, commit)) {
            out.emplace_back(fix, target);
            break;
          }
      }
      return out;
    };
    // Only fixes of the breakage: those that touch the file the error
    // names, else those that say they fix a build. A fix of some other bug
    // (perhaps the very crash being bisected) stays out.
    std::vector<std::pair<std::string, std::string>> chosen;
    if (!file.empty())
      chosen = applicable([&](const std::string& fix) { return touches(fix, file); });
    if (chosen.empty())
      chosen = applicable(
          [&](const std::string& fix) { return says_it_fixes_a_build(repo_.commit(fix).message); });
    if (chosen.empty()) return std::nullopt;
    std::vector<std::string> fixes = base.applied;
    for (const auto& [fix, target] : chosen) {
      fixes.push_back(fix);
      targets_[fix] = target;
    }
    return plan(commit, fixes, base.lines);
  }

  void built(const std::string& commit, const BackportPlan& plan) override {
    (void)commit;
    std::lock_guard lock(mu_);
    for (const auto& fix : plan.applied) {
      auto it = targets_.find(fix);
      if (it == targets_.end()) continue;  // a table row
      bool known = false;
      for (const auto& e : learned_) known = known || e.fix == fix;
      if (!known) learned_.push_back({fix, it->second, "Fixes: trailer"});
    }
  }

 private:
  bool applies(const std::string& commit, const std::string& target, const std::string& fix) {
    return backport_applies(
        [this](const std::string& a, const std::string& d) { return repo_.is_ancestor(a, d); },
        commit, target, fix);
  }

  // The full hashes a commit's `Fixes:` trailers name (those this
  // repository has); read once per commit.
  const std::vector<std::string>& targets_of(const std::string& fix) {
    auto it = trailers_.find(fix);
    if (it != trailers_.end()) return it->second;
    std::vector<std::string> targets;
    for (const auto& t : vcs::fixes_trailers(repo_.commit(fix).message))
      if (auto full = repo_.try_resolve(t)) targets.push_back(*full);
    return trailers_[fix] = std::move(targets);
  }

  bool touches(const std::string& fix, const std::string& file) {
    auto it = files_.find(fix);
    if (it == files_.end()) {
      std::vector<std::string> paths;
      for (const auto& f : repo_.changed_files(fix)) paths.push_back(f.path);
      it = files_.emplace(fix, std::move(paths)).first;
    }
    for (const auto& path : it->second)
      if (same_file(path, file)) return true;
    return false;
  }

  BackportPlan plan(const std::string& commit, const std::vector<std::string>& fixes,
                    const std::vector<std::string>& earlier_lines) {
    BackportPlan p;
    p.checkout = commit;
    if (fixes.empty()) return p;
    auto patched = store_.apply(commit, fixes);
    p.checkout = patched.commit;
    p.applied = patched.applied;
    std::set<std::string> said(earlier_lines.begin(), earlier_lines.end());
    auto say = [&](std::string line) {
      if (said.insert(line).second) p.lines.push_back(std::move(line));
    };
    for (const auto& fix : fixes) {
      const std::string title = repo_.commit(fix).title;
      if (std::find(p.applied.begin(), p.applied.end(), fix) != p.applied.end()) {
        say(fmt::format("applying backport {} ({})", short_hash(fix), title));
        continue;
      }
      for (const auto& [skipped, why] : patched.skipped)
        if (skipped == fix)
          say(fmt::format("skipping backport {} ({}): {}", short_hash(fix), title, why));
    }
    return p;
  }

  vcs::Repository repo_;  // its own handle: called from worker threads
  vcs::BackportStore& store_;
  GitBackporterConfig config_;
  std::vector<BackportEntry> table_;                          // resolved to full hashes
  std::map<std::string, std::vector<std::string>> trailers_;  // fix -> its Fixes: targets
  std::map<std::string, std::vector<std::string>> files_;     // fix -> files it changes
  std::map<std::string, std::string> targets_;  // auto fix -> the target it was chosen for
  std::vector<BackportEntry> learned_;          // auto fixes that made a commit build
  std::mutex mu_;
};

}  // namespace

std::vector<BackportEntry> parse_backport_table(std::string_view text, const std::string& origin) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw UserError(origin + ":" + std::to_string(e.source().begin.line) + ": " +
                    std::string(e.description()));
  }
  for (const auto& [key, node] : doc)
    if (key.str() != "backport")
      throw UserError(fmt::format("{}:{}: unknown key \"{}\" (expected [[backport]] tables)",
                                  origin, node.source().begin.line, key.str()));
  std::vector<BackportEntry> out;
  auto rows = doc["backport"];
  if (!rows) return out;
  const auto* array = rows.as_array();
  if (!array || !array->is_array_of_tables())
    throw UserError(fmt::format("{}:{}: backport must be [[backport]] tables", origin,
                                rows.node()->source().begin.line));
  for (const auto& row : *array) {
    const auto& t = *row.as_table();
    const auto line = t.source().begin.line;
    for (const auto& [key, node] : t)
      if (key.str() != "fix" && key.str() != "fixes" && key.str() != "why")
        throw UserError(fmt::format("{}:{}: unknown key \"{}\" in [[backport]] (fix, fixes, why)",
                                    origin, node.source().begin.line, key.str()));
    auto field = [&](const char* key) {
      auto v = t[key].value<std::string>();
      if (!v || v->empty())
        throw UserError(fmt::format("{}:{}: [[backport]] needs {} = \"...\"", origin, line, key));
      return *v;
    };
    BackportEntry e{field("fix"), field("fixes"), field("why")};
    for (auto* h : {&e.fix, &e.target}) {
      for (auto& c : *h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!is_hash(*h))
        throw UserError(fmt::format("{}:{}: \"{}\" is not a commit hash (12 to 40 hex digits)",
                                    origin, line, *h));
    }
    if (e.fix == e.target)
      throw UserError(fmt::format("{}:{}: a commit cannot fix itself", origin, line));
    out.push_back(std::move(e));
  }
  return out;
}

std::string_view default_backport_table() { return kDefaultTable; }

bool backport_applies(
    const std::function<bool(const std::string&, const std::string&)>& is_ancestor,
    const std::string& commit, const std::string& target, const std::string& fix) {
  return is_ancestor(target, commit) && !is_ancestor(fix, commit);
}

std::string error_file(const std::string& error_line) {
  // "path:LINE" at the start, perhaps after a compiler's "In file ..." noise.
  std::size_t colon = error_line.find(':');
  while (colon != std::string::npos) {
    std::size_t start = error_line.rfind(' ', colon);
    start = start == std::string::npos ? 0 : start + 1;
    std::string path = error_line.substr(start, colon - start);
    std::size_t digits = colon + 1;
    while (digits < error_line.size() &&
           std::isdigit(static_cast<unsigned char>(error_line[digits])))
      ++digits;
    if (digits > colon + 1 && !path.empty() && path.find('.') != std::string::npos) {
      if (path.rfind("./", 0) == 0) path = path.substr(2);
      return path;
    }
    colon = error_line.find(':', colon + 1);
  }
  return {};
}

std::string BackportPlan::key_suffix() const {
  if (applied.empty()) return {};
  std::string s = "+backports:";
  for (std::size_t i = 0; i < applied.size(); ++i) s += (i ? "," : "") + applied[i];
  return s;
}

std::unique_ptr<Backporter> make_git_backporter(const vcs::Repository& source,
                                                vcs::BackportStore& store,
                                                GitBackporterConfig config) {
  return std::make_unique<GitBackporter>(source, store, std::move(config));
}

}  // namespace culprit::bisect
