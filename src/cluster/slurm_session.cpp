#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "cluster/cluster.h"
#include "cluster/job_protocol.h"
#include "cluster/slurm_commands.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/process.h"
#include "util/text.h"

namespace culprit::cluster {
namespace {

double now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

double unix_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

void pause(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

// How often a waiting job's result file is looked for: the end of a job is
// seen this fast, whatever the squeue interval.
constexpr double kResultPoll = 0.1;
// Cancelled jobs are waited for this long to leave the queue.
constexpr double kCancelWait = 30;

// The last line of a job's output file that says something (slurmstepd's
// "*** JOB 12 ON n1 CANCELLED ... DUE TO PREEMPTION ***", an error).
std::string output_tail(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  auto size = static_cast<long long>(in.tellg());
  in.seekg(std::max(0LL, size - 4096));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string last;
  for (auto line : split_lines(text))
    if (auto t = trim(line); !t.empty()) last = std::string(t);
  if (last.size() > 200) last = last.substr(0, 200) + "...";
  return last;
}

std::optional<nlohmann::json> read_request_quietly(const std::filesystem::path& path) {
  try {
    return read_request(path);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void remove_quietly(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

void check_installed(const char* program) {
  ProcessOptions o;
  o.timeout_seconds = 30;
  auto p = run_argv({program, "--version"}, o);
  if (p.start_failed)
    throw UserError(
        fmt::format("--cluster slurm: {} is not installed or not on PATH (Debian: apt-get install "
                    "slurm-client)",
                    program));
}

}  // namespace

struct SlurmSession::Status {
  bool known = false;  // Slurm knows the job
  std::string state, node, reason;
};

std::string parse_cluster(const std::string& text) {
  if (text == "slurm") return "";
  if (starts_with(text, "slurm:") && text.size() > 6) {
    std::string partition = text.substr(6);
    if (partition.find_first_of(" \t\n'\"\\") == std::string::npos) return partition;
  }
  throw UserError("--cluster " + text + ": expected slurm or slurm:PARTITION");
}

std::vector<std::string> split_shell_words(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(cur);
      cur.clear();
      in_word = false;
    } else if (c == '\'') {
      auto end = text.find('\'', i + 1);
      if (end == std::string::npos) throw UserError("--cluster-opt: unterminated ' quote");
      cur += text.substr(i + 1, end - i - 1);
      i = end;
      in_word = true;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] == '\\' && j + 1 < text.size() &&
            std::string_view("\"\\$`").find(text[j + 1]) != std::string_view::npos)
          ++j;
        cur += text[j];
      }
      if (j >= text.size()) throw UserError("--cluster-opt: unterminated \" quote");
      i = j;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      cur += text[++i];
      in_word = true;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(cur);
  return words;
}

SlurmSession::SlurmSession(ClusterOptions options) : options_(std::move(options)) {
  for (const char* program : {"sbatch", "squeue", "scancel"}) check_installed(program);
  std::error_code ec;
  std::filesystem::create_directories(jobs_dir(), ec);
  if (ec) throw UserError("cannot create " + jobs_dir().string() + ": " + ec.message());
}

SlurmSession::~SlurmSession() {
  try {
    cancel_all(false);
  } catch (...) {
    // A destructor that cannot reach Slurm leaves the jobs to the next resume.
  }
}

std::filesystem::path SlurmSession::jobs_dir() const {
  return options_.state_dir / "cluster" / "jobs";
}

std::string SlurmSession::job_name(const store::JobKey& key, int generation, int attempt) const {
  // Readable in squeue, and unique: the token covers the state directory and
  // the moment, so that two bisections never share a name.
  std::string token =
      sha256_hex(fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}", options_.state_dir.string(),
                             key.kind, key.commit, key.tool_key, key.index, generation, attempt,
                             unix_now(), ::getpid()))
          .substr(0, 8);
  std::string name = "culprit-" + key.kind + "-" + key.commit.substr(0, 10);
  if (key.kind == "run") name += "-" + std::to_string(key.index);
  return name + "-" + token;
}

void SlurmSession::save(const store::JobRecord& rec) {
  std::lock_guard lock(mu_);
  if (table_) table_->save_job(rec);
}

void SlurmSession::refuse(const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (!refused_) refused_ = reason;
  }
  // Slurm will not take more jobs now: stop the bisection the way Ctrl-C
  // does (nothing half-done is recorded, every job is cancelled, exit 3),
  // so that the same command resumes later.
  request_interrupt();
}

std::optional<std::string> SlurmSession::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

// The sbatch arguments every job of the bisection gets (the probe too).
static std::vector<std::string> sbatch_args(const ClusterOptions& o, const std::string& name,
                                            const std::string& kind,
                                            const std::filesystem::path& request,
                                            const std::filesystem::path& output) {
  std::vector<std::string> args = {
      "--job-name=" + name,
      "--output=" + output.string(),
      // A requeued job appends: the output says what happened to each try.
      "--open-mode=append",
      // Node failure and preemption requeue the job instead of ending it.
      "--requeue",
      "--chdir=" + o.state_dir.string(),
  };
  if (!o.partition.empty()) args.push_back("--partition=" + o.partition);
  args.insert(args.end(), o.sbatch_args.begin(), o.sbatch_args.end());
  args.push_back("--wrap=exec " + shell_quote(o.culprit.string()) + " worker " + kind +
                 " --request " + shell_quote(request.string()));
  return args;
}

std::string SlurmSession::submit(store::JobRecord& rec, const nlohmann::json& request,
                                 std::string* error) {
  rec.name = job_name(rec.key, rec.generation, rec.attempt);
  rec.request = (jobs_dir() / (rec.name + ".request.json")).string();
  rec.result = (jobs_dir() / (rec.name + ".result.json")).string();
  nlohmann::json req = request;
  req["protocol"] = kProtocol;
  req["result"] = rec.result;
  write_file_atomic(rec.request, req.dump() + "\n");
  remove_quietly(rec.result);
  rec.job_id.clear();
  rec.state.clear();
  rec.node.clear();
  rec.consumed = false;
  rec.submitted = unix_now();
  save(rec);  // the key before sbatch: a kill during sbatch finds the job by name
  auto sub = slurm::sbatch(
      sbatch_args(options_, rec.name, rec.key.kind, rec.request, jobs_dir() / (rec.name + ".out")),
      options_.submit_timeout);
  if (sub.job_id.empty()) {
    // A submission cut short (timeout, Ctrl-C) may have been accepted all the same.
    if (auto ids = slurm::find_by_name(rec.name); ids && !ids->empty()) slurm::scancel(*ids);
    rec.state = "REFUSED";
    save(rec);
    if (interrupt_requested()) {
      *error = "interrupted";
      return "";
    }
    std::string reason =
        sub.timed_out
            ? fmt::format(
                  "Slurm did not accept a job within {:.0f} s: its queue is full (MaxJobCount) "
                  "or slurmctld does not answer; run the same command again later",
                  options_.submit_timeout)
            : "Slurm refused a job: " + sub.error;
    refuse(reason);
    *error = reason;
    return "";
  }
  rec.job_id = sub.job_id;
  rec.state = "SUBMITTED";
  save(rec);  // the job id right after
  std::lock_guard lock(mu_);
  active_.insert(rec.job_id);
  return rec.job_id;
}

std::optional<SlurmSession::Status> SlurmSession::status_of(const std::string& job_id) {
  std::lock_guard poll_lock(poll_mu_);
  double t = now();
  // One squeue for every job waited for; a job not asked about yet forces it.
  if (t - cache_time_ >= options_.poll_seconds || !cache_state_.count(job_id)) {
    std::vector<std::string> ids;
    {
      std::lock_guard lock(mu_);
      ids.assign(active_.begin(), active_.end());
    }
    if (std::find(ids.begin(), ids.end(), job_id) == ids.end()) ids.push_back(job_id);
    auto answer = slurm::squeue(ids);
    cache_time_ = now();
    cache_ok_ = answer.has_value();
    if (answer) {
      cache_state_.clear();
      cache_node_.clear();
      cache_reason_.clear();
      // Asked and unknown to Slurm: "" (gone).
      for (const auto& id : ids) cache_state_[id] = "";
      for (const auto& [id, st] : *answer) {
        cache_state_[id] = st.state;
        cache_node_[id] = st.node;
        cache_reason_[id] = st.reason;
      }
    }
  }
  if (!cache_ok_) return std::nullopt;
  Status s;
  s.state = cache_state_[job_id];
  s.known = !s.state.empty();
  s.node = cache_node_[job_id];
  s.reason = cache_reason_[job_id];
  return s;
}

void SlurmSession::forget(const std::string& job_id) {
  std::lock_guard lock(mu_);
  active_.erase(job_id);
}

JobOutcome SlurmSession::wait_for(store::JobRecord& rec) {
  JobOutcome out;
  out.job = rec.job_id;
  out.node = rec.node;
  {
    std::lock_guard lock(mu_);
    active_.insert(rec.job_id);
  }
  double ended_since = -1, silent_since = -1;
  std::string ended_state;
  for (;;) {
    if (auto result = read_result(rec.result)) {
      if (auto node = result->value("node", std::string()); !node.empty()) out.node = node;
      rec.node = out.node;
      out.result = std::move(result);
      forget(rec.job_id);
      return out;
    }
    if (interrupt_requested()) {
      // Cancelled now; cancel_all waits for it to leave the queue.
      slurm::scancel({rec.job_id});
      rec.state = "CANCELLED";
      save(rec);
      out.failure = "interrupted";
      return out;
    }
    auto st = status_of(rec.job_id);
    double t = now();
    if (!st) {
      if (silent_since < 0) silent_since = t;
      if (t - silent_since >= options_.controller_silence) {
        out.failure = fmt::format("slurmctld did not answer for {:.0f} s while job {} ran",
                                  options_.controller_silence, rec.job_id);
        forget(rec.job_id);
        return out;
      }
    } else {
      silent_since = -1;
      if (st->known && slurm::is_active(st->state)) {
        ended_since = -1;
        if (!st->node.empty()) out.node = st->node;
        if (st->state == "RUNNING" && (rec.state != "RUNNING" || rec.node != out.node)) {
          rec.state = "RUNNING";
          rec.node = out.node;
          save(rec);
        }
      } else {
        if (!st->node.empty()) out.node = st->node;
        if (ended_since < 0 || ended_state != st->state) {
          ended_since = t;
          ended_state = st->state;
        }
        // A job Slurm says COMPLETED wrote its result: a shared file system
        // may show it late. Any other end may still turn into a requeue.
        double grace = st->state == "COMPLETED" ? options_.completed_grace
                                                : options_.ended_grace + options_.poll_seconds;
        if (t - ended_since >= grace) {
          rec.state = st->known ? st->state : "GONE";
          rec.node = out.node;
          std::string tail = output_tail(jobs_dir() / (rec.name + ".out"));
          out.failure = st->known
                            ? fmt::format("Slurm job {} ended {}{} without a result", rec.job_id,
                                          st->state, out.node.empty() ? "" : " on " + out.node)
                            : fmt::format("Slurm job {} is gone without a result", rec.job_id);
          if (!tail.empty()) out.failure += " (" + tail + ")";
          forget(rec.job_id);
          return out;
        }
      }
    }
    pause(kResultPoll);
  }
}

JobOutcome SlurmSession::execute(const store::JobKey& key, const nlohmann::json& request) {
  JobOutcome failed;
  try {
    std::unique_lock lock(mu_);
    if (refused_) {
      failed.failure = *refused_;
      return failed;
    }
    if (!table_) {
      failed.failure = "the cluster session has no job table";
      return failed;
    }
    store::JobRecord rec;
    bool adopt = false;
    auto newest = table_->newest_job(key);
    if (newest && !newest->consumed &&
        !in_flight_.count({key.kind, key.commit, key.tool_key, key.index, newest->generation})) {
      // Left by a culprit that was killed: the same job if the same request.
      auto stored = read_request_quietly(newest->request);
      if (stored &&
          stored->value("spec", nlohmann::json()) == request.value("spec", nlohmann::json()) &&
          stored->value("request", nlohmann::json()) ==
              request.value("request", nlohmann::json())) {
        adopt = true;
        rec = *newest;
      } else {
        if (!newest->job_id.empty()) slurm::scancel({newest->job_id});
        table_->drop_job(newest->bisection, key, newest->generation, "STALE");
      }
    }
    if (!adopt) {
      rec.key = key;
      rec.generation = newest ? newest->generation + 1 : 0;
      rec.attempt = -1;
    }
    auto flight = std::make_tuple(key.kind, key.commit, key.tool_key, key.index, rec.generation);
    in_flight_.insert(flight);
    lock.unlock();
    struct Landed {  // whatever happens below
      SlurmSession& s;
      decltype(flight) f;
      ~Landed() {
        std::lock_guard l(s.mu_);
        s.in_flight_.erase(f);
      }
    } landed{*this, flight};

    JobOutcome out;
    int failures = 0;
    bool need_submit = !adopt;
    if (adopt && rec.job_id.empty()) {
      // Killed between recording the key and recording the job id.
      auto ids = slurm::find_by_name(rec.name);
      if (ids && !ids->empty()) {
        rec.job_id = ids->front();
        save(rec);
      } else {
        need_submit = true;
      }
    }
    // Cancelled by an interrupted culprit: its result, if it got that far,
    // else submitted again (not a failure of the job).
    if (adopt && !need_submit && rec.state == "CANCELLED" && !read_result(rec.result))
      need_submit = true;
    for (;;) {
      if (need_submit) {
        if (interrupt_requested()) {
          out.failure = "interrupted";
          break;
        }
        ++rec.attempt;
        std::string error;
        if (submit(rec, request, &error).empty()) {
          out.failure = error;
          break;
        }
      }
      out = wait_for(rec);
      if (out.result || out.failure == "interrupted") break;
      // Given up on, the job may still come back (requeued by Slurm after a
      // node failure, or running all along while slurmctld did not answer):
      // it must not run beside its replacement, nor after the engine has
      // counted its run as failed.
      if (!rec.job_id.empty()) slurm::scancel({rec.job_id});
      if (++failures >= options_.max_attempts) {
        out.failure += fmt::format(" ({} submissions)", failures);
        break;
      }
      need_submit = true;
    }
    if (out.result) {
      rec.consumed = true;
      if (rec.state.empty() || rec.state == "SUBMITTED" || rec.state == "RUNNING")
        rec.state = "COMPLETED";
      save(rec);
      remove_quietly(rec.request);
      remove_quietly(rec.result);
      // The job's output is kept only when it says something.
      std::error_code ec;
      auto output = jobs_dir() / (rec.name + ".out");
      if (std::filesystem::file_size(output, ec) == 0 && !ec) remove_quietly(output);
    } else if (out.failure != "interrupted" && !refused()) {
      // Given up: a retry of the same key gets a new generation.
      rec.consumed = true;
      save(rec);
    }
    return out;
  } catch (const std::exception& e) {
    failed.failure = std::string("cluster job: ") + e.what();
    return failed;
  }
}

void SlurmSession::attach(store::JobTable& table) {
  std::vector<store::JobRecord> stale;
  {
    std::lock_guard lock(mu_);
    table_ = &table;
    for (auto& rec : table.unconsumed_jobs())
      if (rec.bisection != table.current_bisection()) stale.push_back(std::move(rec));
  }
  // Jobs of a bisection that was discarded (--restart) must not write into
  // the work trees this one uses.
  std::vector<std::string> ids;
  for (const auto& rec : stale) {
    if (!rec.job_id.empty())
      ids.push_back(rec.job_id);
    else if (auto found = slurm::find_by_name(rec.name))
      ids.insert(ids.end(), found->begin(), found->end());
  }
  slurm::scancel(ids);
  std::lock_guard lock(mu_);
  for (const auto& rec : stale) table.drop_job(rec.bisection, rec.key, rec.generation, "CANCELLED");
}

void SlurmSession::detach() {
  cancel_all(false);
  std::lock_guard lock(mu_);
  table_ = nullptr;
}

void SlurmSession::cancel_all(bool finished) {
  std::set<std::string> ids;
  std::vector<store::JobRecord> open;
  {
    std::lock_guard lock(mu_);
    ids = active_;
    if (table_)
      for (auto& rec : table_->unconsumed_jobs())
        if (rec.bisection == table_->current_bisection()) open.push_back(std::move(rec));
  }
  for (const auto& rec : open) {
    if (!rec.job_id.empty()) {
      if (rec.state != "CANCELLED" || finished) ids.insert(rec.job_id);
    } else if (rec.state.empty()) {
      if (auto found = slurm::find_by_name(rec.name)) ids.insert(found->begin(), found->end());
    }
  }
  if (ids.empty() && open.empty()) return;
  std::vector<std::string> list(ids.begin(), ids.end());
  slurm::scancel(list);
  {
    std::lock_guard lock(mu_);
    for (auto& rec : open) {
      if (finished) {
        table_->drop_job(rec.bisection, rec.key, rec.generation, "CANCELLED");
      } else if (!rec.job_id.empty() && rec.state != "CANCELLED") {
        rec.state = "CANCELLED";
        table_->save_job(rec);
      }
    }
    active_.clear();
  }
  // Nothing left queued when culprit exits.
  double deadline = now() + kCancelWait;
  while (!list.empty() && now() < deadline) {
    auto answer = slurm::squeue(list);
    if (answer) {
      bool any = false;
      for (const auto& [id, st] : *answer) any = any || slurm::is_active(st.state);
      if (!any) return;
    }
    pause(0.3);
  }
}

ProbeReport SlurmSession::probe(const nlohmann::json& fields) {
  store::JobKey key{"probe", "", "", 0};
  std::string name = job_name(key, 0, 0);
  name = "culprit-probe-" + name.substr(name.size() - 8);
  auto request = jobs_dir() / (name + ".request.json");
  auto result = jobs_dir() / (name + ".result.json");
  auto output = jobs_dir() / (name + ".out");
  nlohmann::json req = fields;
  req["protocol"] = kProtocol;
  req["kind"] = "probe";
  req["result"] = result.string();
  write_file_atomic(request, req.dump() + "\n");
  struct Cleanup {
    std::vector<std::filesystem::path> files;
    ~Cleanup() {
      for (const auto& f : files) remove_quietly(f);
    }
  } cleanup{{request, result}};

  std::string where = options_.partition.empty() ? "" : " (partition " + options_.partition + ")";
  double start = now();
  auto sub =
      slurm::sbatch(sbatch_args(options_, name, "probe", request, output), options_.submit_timeout);
  if (sub.job_id.empty()) {
    if (auto ids = slurm::find_by_name(name); ids && !ids->empty()) slurm::scancel(*ids);
    if (interrupt_requested()) throw AbortError("interrupted");
    if (sub.timed_out)
      throw UserError(fmt::format(
          "--cluster: Slurm did not accept the probe job within {:.0f} s{}: its queue is full "
          "(MaxJobCount) or slurmctld does not answer",
          options_.submit_timeout, where));
    throw UserError("--cluster: Slurm refused the probe job" + where + ": " + sub.error);
  }
  std::string id = sub.job_id;
  auto cancel = [&] { slurm::scancel({id}); };
  ProbeReport report;
  report.job = id;
  double ended_since = -1;
  for (;;) {
    if (auto res = read_result(result)) {
      report.node = res->value("node", std::string());
      report.seconds = now() - start;
      std::vector<std::string> problems;
      if (auto it = res->find("problems"); it != res->end() && it->is_array())
        for (const auto& p : *it)
          if (p.is_string()) problems.push_back(p.get<std::string>());
      if (!problems.empty()) {
        std::string all;
        for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
        throw UserError(
            fmt::format("--cluster: node {} cannot run this bisection (probe job {}): {}",
                        report.node, id, all));
      }
      return report;
    }
    if (interrupt_requested()) {
      cancel();
      throw AbortError("interrupted");
    }
    double t = now();
    if (t - start > options_.probe_timeout) {
      cancel();
      throw UserError(fmt::format("--cluster: the probe job {}{} did not finish within {:.0f} s",
                                  id, where, options_.probe_timeout));
    }
    auto st = status_of(id);
    if (st && st->known && slurm::is_active(st->state)) {
      ended_since = -1;
      if (st->state == "PENDING" && slurm::is_hopeless(st->reason)) {
        cancel();
        throw UserError(fmt::format("--cluster: the probe job {}{} cannot start: Slurm says {}", id,
                                    where, st->reason));
      }
    } else if (st) {
      if (ended_since < 0) ended_since = t;
      double grace = st->state == "COMPLETED" ? options_.completed_grace : options_.ended_grace;
      if (t - ended_since >= grace) {
        std::string tail = output_tail(output);
        throw UserError(fmt::format(
            "--cluster: the probe job {} ended {}{} without a result: the nodes must see the "
            "state directory {} and run {} (both on a file system the nodes share){}",
            id, st->known ? st->state : "(gone)", st->node.empty() ? "" : " on " + st->node,
            options_.state_dir.string(), options_.culprit.string(),
            tail.empty() ? "" : "; job output: " + tail));
      }
    }
    pause(kResultPoll);
  }
}

}  // namespace culprit::cluster
