#include "html/collect.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "html/candidates.h"
#include "store/kept_mail.h"
#include "store/state_store.h"
#include "util/error.h"
#include "util/text.h"
#include "vcs/repository.h"

namespace culprit::html {
namespace {

using nlohmann::json;

json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  return j[key].get<std::string>();
}

// Steps of a bisection without a result yet: commits in the order the log
// says they were tested; verdicts from the log's "# git bisect" lines, else
// by syzbot's rule on the recorded runs (still "pending" when undecided).
std::vector<StepInfo> steps_from_log(
    const std::string& log, const std::map<std::string, std::vector<store::RunRecord>>& runs,
    const std::map<std::string, store::BuildRecord>& builds) {
  std::vector<StepInfo> steps;
  std::map<std::string, std::string> logged;
  for (auto line : split_lines(log)) {
    constexpr std::string_view kTesting = "testing commit ";
    if (starts_with(line, kTesting)) {
      auto rest = line.substr(kTesting.size());
      std::string hash(rest.substr(0, rest.find(' ')));
      if (std::none_of(steps.begin(), steps.end(),
                       [&](const StepInfo& s) { return s.hash == hash; })) {
        StepInfo s;
        s.hash = hash;
        steps.push_back(std::move(s));
      }
    }
    for (const char* word : {"good", "bad", "skip"}) {
      std::string prefix = fmt::format("# git bisect {} ", word);
      if (starts_with(line, prefix)) logged[std::string(line.substr(prefix.size()))] = word;
    }
  }
  for (auto& s : steps) {
    int tested = 0;
    if (auto it = runs.find(s.hash); it != runs.end())
      for (const auto& r : it->second) {
        if (r.status == "ok") ++s.ok;
        if (r.status == "crashed") {
          ++s.crashed;
          s.titles.push_back(r.title);
        }
        if (r.status == "untestable" || r.status == "infra_error") ++s.skipped;
      }
    tested = s.ok + s.crashed;
    int n = tested + s.skipped;
    auto b = builds.find(s.hash);
    if (b != builds.end()) {
      s.signature = b->second.signature;
      if (!b->second.ok)
        s.build_error = b->second.error_line.empty() ? "build failed" : b->second.error_line;
    }
    if (auto it = logged.find(s.hash); it != logged.end())
      s.verdict = it->second;
    else if (!s.build_error.empty())
      s.verdict = "skip";
    else if (n > 0 && s.crashed >= std::max(2, n / 6) && tested * 2 >= n)
      s.verdict = "bad";
    else if (n > 0 && s.crashed == 0 && s.ok * 2 >= n)
      s.verdict = "good";
    else
      s.verdict = "pending";
  }
  return steps;
}

StepInfo step_from_json(const json& j) {
  StepInfo s;
  s.hash = str(j, "hash");
  s.title = str(j, "title");
  s.verdict = str(j, "verdict");
  s.signature = str(j, "signature");
  s.reused_from = str(j, "reused_from");
  s.build_error = str(j, "build_error");
  if (j.contains("backports") && j["backports"].is_array())
    for (const auto& b : j["backports"])
      if (b.is_string()) s.backports.push_back(b.get<std::string>());
  if (j.contains("runs") && j["runs"].is_object()) {
    const auto& r = j["runs"];
    s.ok = r.value("ok", 0);
    s.crashed = r.value("crashed", 0);
    s.skipped = r.value("skipped", 0);
    if (r.contains("titles") && r["titles"].is_array())
      for (const auto& t : r["titles"])
        if (t.is_string()) s.titles.push_back(t.get<std::string>());
  }
  return s;
}

RunState state_of(const store::BisectionSummary& summary, const std::filesystem::path& dir,
                  std::string& detail) {
  if (summary.finished) return RunState::finished;
  detail = summary.status;
  if (store::StateStore::busy(dir)) return RunState::running;
  constexpr std::string_view kAborted = "aborted: ";
  if (starts_with(summary.status, kAborted)) {
    detail = summary.status.substr(kAborted.size());
    return RunState::aborted;
  }
  return RunState::interrupted;
}

}  // namespace

Timeline build_timeline(const vcs::Repository& repo, const ReportData& data) {
  Timeline t;
  std::string top = str(data.params, data.fix ? "head" : "commit");
  if (top.empty() && !data.steps.empty()) top = data.steps.front().hash;
  if (top.empty()) return t;
  // The range the bisection started from, as the engine forms it: cause,
  // from --good or the first release found good; fix, from --commit and
  // its merge base with --head. Later verdicts only narrow it.
  std::vector<std::string> bottoms;
  if (data.fix) {
    std::string commit = str(data.params, "commit");
    if (!commit.empty()) {
      bottoms.push_back(commit);
      if (!repo.is_ancestor(commit, top))
        if (auto mb = repo.merge_base(commit, top)) bottoms.push_back(*mb);
    }
  } else if (std::string good = str(data.params, "good"); !good.empty()) {
    bottoms.push_back(good);
    t.assumed_old.push_back(good);
  } else {
    for (const auto& s : data.steps)
      if (s.verdict == "good") {
        bottoms.push_back(s.hash);
        break;
      }
  }
  if (bottoms.empty()) {
    // Nothing old-state (crash on the oldest release, nothing testable): the
    // range ends at the oldest tested commit, an ancestor of all the others.
    for (const auto& s : data.steps) {
      bool oldest = std::all_of(data.steps.begin(), data.steps.end(), [&](const StepInfo& o) {
        return o.hash == s.hash || !repo.is_ancestor(o.hash, top) ||
               repo.is_ancestor(s.hash, o.hash);
      });
      if (oldest && repo.is_ancestor(s.hash, top)) {
        for (const auto& p : repo.commit(s.hash).parents) bottoms.push_back(p);
        break;
      }
    }
  }
  auto range = repo.load_range(top, bottoms);
  std::vector<std::string> hashes;
  std::unordered_set<std::string> seen;
  for (auto i : range.topo_order())
    if (seen.insert(range.hash(i)).second) hashes.push_back(range.hash(i));
  for (const auto& s : data.steps)
    if (seen.insert(s.hash).second) hashes.push_back(s.hash);
  for (const auto& b : bottoms)
    if (seen.insert(b).second) hashes.push_back(b);
  // Parent links among all of them (the range's graph drops links to its
  // ends).
  std::unordered_map<std::string, std::uint32_t> index;
  for (std::uint32_t i = 0; i < hashes.size(); ++i) index.emplace(hashes[i], i);
  std::vector<std::vector<std::uint32_t>> parents(hashes.size());
  for (std::uint32_t i = 0; i < hashes.size(); ++i)
    for (const auto& p : repo.commit(hashes[i]).parents)
      if (auto it = index.find(p); it != index.end()) parents[i].push_back(it->second);
  // Oldest first by a post-order walk that follows first parents first: a
  // merged branch then lies in one piece just before its merge, instead of
  // interleaved with the mainline by date.
  std::vector<std::uint32_t> order, position(hashes.size(), 0);
  std::vector<bool> done(hashes.size(), false);
  std::vector<std::pair<std::uint32_t, std::size_t>> stack;
  for (std::uint32_t root = 0; root < hashes.size(); ++root) {
    if (done[root]) continue;
    done[root] = true;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < parents[node].size()) {
        auto p = parents[node][next++];
        if (!done[p]) {
          done[p] = true;
          stack.push_back({p, 0});
        }
        continue;
      }
      position[node] = static_cast<std::uint32_t>(order.size());
      order.push_back(node);
      stack.pop_back();
    }
  }
  t.commits.resize(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    t.commits[k].hash = hashes[order[k]];
    for (auto p : parents[order[k]]) t.commits[k].parents.push_back(position[p]);
  }
  return t;
}

std::optional<ReportData> collect_report_data(const std::filesystem::path& state_dir,
                                              const CollectOptions& options) {
  auto records = store::StateStore::last_records(state_dir);
  if (!records) return std::nullopt;
  const auto& summary = records->summary;
  ReportData data;
  data.params = parse_or_null(summary.params);
  data.result = options.result     ? *options.result
                : summary.finished ? parse_or_null(summary.result)
                                   : json(nullptr);
  data.state = options.state ? *options.state : state_of(summary, state_dir, data.state_detail);
  if (options.state) data.state_detail = options.state_detail;
  data.fix = str(data.params, "mode") == "fix" || str(data.result, "mode") == "fix";
  data.log = summary.log;
  data.started = summary.started;
  if (summary.finished)
    if (auto mail = store::newest_kept_mail(state_dir, summary.id)) {
      data.mail_file = std::filesystem::absolute(mail->path).string();
      data.mail_sent = mail->sent;
    }

  std::map<std::string, store::BuildRecord> builds;
  // A commit built again with backported fixes after its own build failed
  // has two records: the build that worked is its build.
  for (const auto& b : records->builds)
    if (auto it = builds.find(b.commit); it == builds.end() || b.ok || !it->second.ok)
      builds[b.commit] = b;
  std::map<std::string, std::vector<store::RunRecord>> runs;
  for (const auto& r : records->runs) runs[r.commit].push_back(r);

  bool result_steps = data.result.is_object() && data.result.contains("steps") &&
                      data.result["steps"].is_array() && !data.result["steps"].empty();
  if (result_steps) {
    for (const auto& j : data.result["steps"]) data.steps.push_back(step_from_json(j));
  } else {
    data.steps = steps_from_log(data.log, runs, builds);
  }
  for (auto& s : data.steps) {
    if (auto b = builds.find(s.hash); b != builds.end() && b->second.origin == store::Origin::own)
      s.build_seconds = b->second.seconds;
    if (auto r = runs.find(s.hash); r != runs.end())
      for (const auto& rec : r->second)
        s.runs.push_back({rec.index, rec.status, rec.title, rec.seconds});
  }

  // The crash text the verdict rests on: a run on the culprit (or the
  // boundary) with the reported title.
  const auto& res = data.result;
  std::string where;
  if (str(res, "verdict") == "found" && res["commits"].is_array() && !res["commits"].empty())
    where = str(res["commits"][0], "hash");
  else if (res.is_object() && res.contains("boundary") && res["boundary"].is_object())
    where = str(res["boundary"], "hash");
  std::string title = res.is_object() && res.contains("report") ? str(res["report"], "title") : "";
  if (auto r = runs.find(where); r != runs.end() && !title.empty())
    for (const auto& rec : r->second)
      if (rec.status == "crashed" && rec.title == title && !rec.report.empty()) {
        data.crash_report = rec.report;
        break;
      }

  std::optional<vcs::Repository> opened;
  const vcs::Repository* repo = options.repo;
  std::string repo_path = str(data.params, "repo");
  if (!repo && !repo_path.empty()) {
    try {
      opened.emplace(vcs::Repository::open(repo_path));
      repo = &*opened;
    } catch (const UserError&) {
      // The repository moved or is gone: report without the graph.
    }
  }
  std::filesystem::path shown = repo_path;
  data.repo = shown.filename() == ".git" ? shown.parent_path().string() : shown.string();
  if (repo) {
    std::unordered_map<std::string, std::vector<std::string>> tags;
    for (const auto& [name, hash] : repo->tags()) tags[hash].push_back(name);
    for (auto& s : data.steps) {
      if (auto it = tags.find(s.hash); it != tags.end()) s.tags = it->second;
      if (s.title.empty()) s.title = repo->commit(s.hash).title;
    }
    try {
      data.timeline = build_timeline(*repo, data);
    } catch (const std::exception&) {
      // Commits missing from the repository (rewritten history): no picture.
      data.timeline = {};
    }
  }
  return data;
}

}  // namespace culprit::html
