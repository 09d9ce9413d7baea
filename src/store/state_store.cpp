#include "store/state_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <mutex>

#include "store/sqlite_handles.h"
#include "util/error.h"
#include "util/text.h"

namespace culprit::store {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS bisections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  params TEXT NOT NULL,
  started REAL NOT NULL,
  finished INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT '',
  log TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS builds (
  bisection INTEGER NOT NULL,
  commit_hash TEXT NOT NULL,
  tree TEXT NOT NULL,
  builder_key TEXT NOT NULL,
  ok INTEGER NOT NULL,
  signature TEXT NOT NULL,
  error_line TEXT NOT NULL,
  log_path TEXT NOT NULL,
  seconds REAL NOT NULL,
  origin TEXT NOT NULL DEFAULT '',
  origin_commit TEXT NOT NULL DEFAULT '',
  job TEXT NOT NULL DEFAULT '',
  node TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (bisection, commit_hash, builder_key)
);
CREATE INDEX IF NOT EXISTS builds_by_tree ON builds (tree, builder_key);
CREATE INDEX IF NOT EXISTS builds_by_signature ON builds (signature);
CREATE TABLE IF NOT EXISTS runs (
  bisection INTEGER NOT NULL,
  commit_hash TEXT NOT NULL,
  runner_key TEXT NOT NULL,
  idx INTEGER NOT NULL,
  status TEXT NOT NULL,
  title TEXT NOT NULL,
  type TEXT NOT NULL,
  report TEXT NOT NULL,
  log_path TEXT NOT NULL,
  seconds REAL NOT NULL,
  alt_titles TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL DEFAULT '',
  origin_commit TEXT NOT NULL DEFAULT '',
  job TEXT NOT NULL DEFAULT '',
  node TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (bisection, commit_hash, runner_key, idx)
);
CREATE TABLE IF NOT EXISTS log_lines (
  bisection INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  line TEXT NOT NULL,
  PRIMARY KEY (bisection, seq)
) WITHOUT ROWID;
)sql";

// Config minimisation's trials (config_trials.h): one row per key.
constexpr const char* kTrialSchema = R"sql(
CREATE TABLE IF NOT EXISTS config_trials (
  bisection INTEGER NOT NULL,
  config_hash TEXT NOT NULL,
  commit_hash TEXT NOT NULL,
  runner_key TEXT NOT NULL,
  target TEXT NOT NULL,
  built INTEGER NOT NULL,
  reproduced INTEGER NOT NULL,
  title TEXT NOT NULL,
  detail TEXT NOT NULL,
  runs INTEGER NOT NULL,
  build_seconds REAL NOT NULL,
  test_seconds REAL NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (bisection, config_hash, commit_hash, runner_key, target)
);
)sql";

// Cluster jobs (job_table.h): one row per (bisection, key, generation).
constexpr const char* kJobSchema = R"sql(
CREATE TABLE IF NOT EXISTS cluster_jobs (
  bisection INTEGER NOT NULL,
  kind TEXT NOT NULL,
  commit_hash TEXT NOT NULL,
  tool_key TEXT NOT NULL,
  idx INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  name TEXT NOT NULL,
  job_id TEXT NOT NULL,
  state TEXT NOT NULL,
  node TEXT NOT NULL,
  request TEXT NOT NULL,
  result TEXT NOT NULL,
  consumed INTEGER NOT NULL,
  submitted REAL NOT NULL,
  PRIMARY KEY (bisection, kind, commit_hash, tool_key, idx, generation)
);
CREATE INDEX IF NOT EXISTS cluster_jobs_open ON cluster_jobs (consumed);
)sql";

bool has_column(sqlite3* db, const char* table, const char* column);

bool has_column(sqlite3* db, const char* table, const char* column) {
  Statement q(db, std::string("SELECT 1 FROM pragma_table_info('") + table + "') WHERE name = ?");
  q.bind(1, std::string(column));
  return q.step();
}

// State directories of older versions: columns added since, and where a
// record came from moved out of a prefix of its log path into its own column.
void migrate(sqlite3* db) {
  if (!has_column(db, "runs", "alt_titles"))
    exec(db, "ALTER TABLE runs ADD COLUMN alt_titles TEXT NOT NULL DEFAULT ''");
  if (has_column(db, "builds", "origin") && has_column(db, "runs", "origin")) return;
  exec(db, "BEGIN");
  for (const char* table : {"builds", "runs"})
    for (const char* column : {"origin", "origin_commit", "job", "node"})
      if (!has_column(db, table, column))
        exec(db, std::string("ALTER TABLE ") + table + " ADD COLUMN " + column +
                     " TEXT NOT NULL DEFAULT ''");
  exec(db,
       "UPDATE builds SET origin = 'same-tree', origin_commit = substr(log_path, 11), "
       "log_path = '' WHERE log_path LIKE 'same-tree:%'");
  exec(db,
       "UPDATE runs SET origin = 'earlier', origin_commit = substr(log_path, 9), "
       "log_path = '' WHERE log_path LIKE 'earlier:%'");
  exec(db, "COMMIT");
}

bool has_table(sqlite3* db, const char* table) {
  Statement q(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  q.bind(1, std::string(table));
  return q.step();
}

double unix_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

class LockFile {
 public:
  explicit LockFile(const std::filesystem::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw UserError("cannot create " + path.string());
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw UserError("another culprit is working in state directory " +
                      path.parent_path().string() +
                      "; wait for it to finish or use another --state");
    }
  }
  ~LockFile() { ::close(fd_); }
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

 private:
  int fd_ = -1;
};

SqliteDb open_db(const std::filesystem::path& path, bool read_only) {
  sqlite3* raw = nullptr;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
  SqliteDb db(raw);
  if (rc != SQLITE_OK)
    throw UserError("cannot open state database " + path.string() + ": " +
                    (raw ? sqlite3_errmsg(raw) : "out of memory"));
  sqlite3_busy_timeout(raw, 10000);
  return db;
}

// The statements of its scope commit with the write-ahead log synced to
// disk: a finished build or run, a bisection's start and its result are
// never lost, not even with the machine.
class DurableCommit {
 public:
  explicit DurableCommit(sqlite3* db) : db_(db) { exec(db_, "PRAGMA synchronous=FULL"); }
  ~DurableCommit() {
    try {
      exec(db_, "PRAGMA synchronous=NORMAL");
    } catch (...) {
      // Staying FULL is slower, never less safe.
    }
  }
  DurableCommit(const DurableCommit&) = delete;
  DurableCommit& operator=(const DurableCommit&) = delete;

 private:
  sqlite3* db_;
};

}  // namespace

struct StateStore::Impl {
  std::unique_ptr<LockFile> lock;
  SqliteDb db;
  std::int64_t bisection = 0;
  // The log has a connection of its own that does not wait for the disk
  // at each line (synchronous=NORMAL): a line is one row appended, not a
  // rewrite of the whole log, and it is on disk at the next record (builds
  // and runs, synced: the same WAL file) at the latest. A power cut can
  // lose only lines that a resumed bisection writes again: its log starts
  // over (clear_log).
  SqliteDb log_db;
  std::mutex log_mutex;
  std::unique_ptr<Statement> insert_line;
  std::int64_t next_line = 0;
};

StateStore::StateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateStore::~StateStore() = default;

std::unique_ptr<StateStore> StateStore::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw UserError("cannot create state directory " + dir.string() + ": " + ec.message());
  auto impl = std::make_unique<Impl>();
  impl->lock = std::make_unique<LockFile>(dir / "lock");
  impl->db = open_db(dir / "state.db", false);
  // Log lines and status text are written often and may be lost with the
  // machine (a resumed bisection writes the log again): NORMAL, no sync per
  // commit. Records are committed durably (DurableCommit), and their sync of
  // the write-ahead log takes everything written before it along.
  exec(impl->db.get(), "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  exec(impl->db.get(), kSchema);
  migrate(impl->db.get());
  exec(impl->db.get(), kJobSchema);
  exec(impl->db.get(), kTrialSchema);
  impl->log_db = open_db(dir / "state.db", false);
  exec(impl->log_db.get(), "PRAGMA synchronous=NORMAL;");
  impl->insert_line = std::make_unique<Statement>(
      impl->log_db.get(), "INSERT INTO log_lines (bisection, seq, line) VALUES (?, ?, ?)");
  return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

std::optional<BisectionSummary> StateStore::last(const std::filesystem::path& dir) {
  auto path = dir / "state.db";
  if (!std::filesystem::exists(path)) return std::nullopt;
  auto db = open_db(path, true);
  Statement q(db.get(),
              "SELECT id, params, status, finished, log, result, started FROM bisections "
              "ORDER BY id DESC LIMIT 1");
  if (!q.step()) return std::nullopt;
  BisectionSummary s;
  s.id = q.int64(0);
  s.params = q.text(1);
  s.status = q.text(2);
  s.finished = q.int64(3) != 0;
  // Bisections recorded before the log got its own table keep it in the
  // column; newer ones have the column empty and their lines in log_lines.
  s.log = q.text(4);
  s.result = q.text(5);
  s.started = q.real(6);
  if (has_table(db.get(), "log_lines")) {
    Statement lines(db.get(), "SELECT line FROM log_lines WHERE bisection = ? ORDER BY seq");
    lines.bind(1, s.id);
    while (lines.step()) {
      s.log += lines.text(0);
      s.log += '\n';
    }
  }
  Statement b(
      db.get(),
      has_column(db.get(), "builds", "origin")
          ? "SELECT COUNT(*) FROM builds WHERE bisection = ? AND origin = ''"
          : "SELECT COUNT(*) FROM builds WHERE bisection = ? AND log_path NOT LIKE 'same-tree:%'");
  b.bind(1, s.id);
  if (b.step()) s.builds = static_cast<int>(b.int64(0));
  Statement r(db.get(), "SELECT COUNT(*) FROM runs WHERE bisection = ?");
  r.bind(1, s.id);
  if (r.step()) s.runs = static_cast<int>(r.int64(0));
  return s;
}

bool StateStore::begin(const std::string& params_json, bool restart) {
  sqlite3* db = impl_->db.get();
  DurableCommit durable(db);
  Statement q(db, "SELECT id, params, finished FROM bisections ORDER BY id DESC LIMIT 1");
  if (q.step()) {
    std::int64_t id = q.int64(0);
    bool same = q.text(1) == params_json;
    bool finished = q.int64(2) != 0;
    if (same && !restart) {
      impl_->bisection = id;
      Statement u(db, "UPDATE bisections SET finished = 0 WHERE id = ?");
      u.bind(1, id).run();
      Statement lines(db, "SELECT COALESCE(MAX(seq) + 1, 0) FROM log_lines WHERE bisection = ?");
      lines.bind(1, id);
      std::lock_guard lock(impl_->log_mutex);
      impl_->next_line = lines.step() ? lines.int64(0) : 0;
      return true;
    }
    if (!finished && !restart)
      throw UserError(
          "the state directory holds an unfinished bisection with other parameters; "
          "run that command again to resume it, or add --restart to discard it");
    if (restart) {
      // Discard the newest bisection's records so nothing of it is reused.
      exec(db, "BEGIN");
      for (const char* sql :
           {"DELETE FROM builds WHERE bisection = ?", "DELETE FROM runs WHERE bisection = ?",
            "DELETE FROM log_lines WHERE bisection = ?", "DELETE FROM bisections WHERE id = ?"}) {
        Statement d(db, sql);
        d.bind(1, id).run();
      }
      exec(db, "COMMIT");
    }
  }
  Statement ins(db, "INSERT INTO bisections (params, started) VALUES (?, ?)");
  ins.bind(1, params_json).bind(2, unix_now()).run();
  impl_->bisection = sqlite3_last_insert_rowid(db);
  std::lock_guard lock(impl_->log_mutex);
  impl_->next_line = 0;
  return false;
}

void StateStore::append_log(const std::string& line) {
  std::lock_guard lock(impl_->log_mutex);
  Statement& insert = *impl_->insert_line;
  insert.reset();
  insert.bind(1, impl_->bisection).bind(2, impl_->next_line).bind(3, line).run();
  ++impl_->next_line;
}

void StateStore::clear_log() {
  std::lock_guard lock(impl_->log_mutex);
  sqlite3* db = impl_->log_db.get();
  exec(db, "BEGIN IMMEDIATE");
  try {
    Statement lines(db, "DELETE FROM log_lines WHERE bisection = ?");
    lines.bind(1, impl_->bisection).run();
    // A bisection begun by a culprit that kept the log in this column.
    Statement column(db, "UPDATE bisections SET log = '' WHERE id = ?");
    column.bind(1, impl_->bisection).run();
    exec(db, "COMMIT");
  } catch (...) {
    exec(db, "ROLLBACK");
    throw;
  }
  impl_->next_line = 0;
}

void StateStore::finish(const std::string& result_json) {
  DurableCommit durable(impl_->db.get());
  Statement u(impl_->db.get(),
              "UPDATE bisections SET finished = 1, result = ?, status = 'finished' WHERE id = ?");
  u.bind(1, result_json).bind(2, impl_->bisection).run();
}

void StateStore::set_status(const std::string& status) {
  Statement u(impl_->db.get(), "UPDATE bisections SET status = ? WHERE id = ?");
  u.bind(1, status).bind(2, impl_->bisection).run();
}

namespace {
BuildRecord build_from_row(const Statement& q) {
  BuildRecord r;
  r.commit = q.text(0);
  r.tree = q.text(1);
  r.builder_key = q.text(2);
  r.ok = q.int64(3) != 0;
  r.signature = q.text(4);
  r.error_line = q.text(5);
  r.log_path = q.text(6);
  r.seconds = q.real(7);
  r.origin = origin_from_string(q.text(8));
  r.origin_commit = q.text(9);
  r.job = q.text(10);
  r.node = q.text(11);
  return r;
}
constexpr const char* kBuildColumns =
    "SELECT commit_hash, tree, builder_key, ok, signature, error_line, log_path, seconds, origin, "
    "origin_commit, job, node FROM builds ";
constexpr const char* kOldBuildColumns =
    "SELECT commit_hash, tree, builder_key, ok, signature, error_line, "
    "CASE WHEN log_path LIKE 'same-tree:%' THEN '' ELSE log_path END, seconds, "
    "CASE WHEN log_path LIKE 'same-tree:%' THEN 'same-tree' ELSE '' END, "
    "CASE WHEN log_path LIKE 'same-tree:%' THEN substr(log_path, 11) ELSE '' END, '', '' "
    "FROM builds ";

RunRecord run_from_row(const Statement& q) {
  RunRecord r;
  r.commit = q.text(0);
  r.runner_key = q.text(1);
  r.index = static_cast<int>(q.int64(2));
  r.status = q.text(3);
  r.title = q.text(4);
  r.type = q.text(5);
  r.report = q.text(6);
  r.log_path = q.text(7);
  r.seconds = q.real(8);
  std::string alts = q.text(9);  // one per line
  for (auto t : split_lines(alts))
    if (!t.empty()) r.alt_titles.emplace_back(t);
  r.origin = origin_from_string(q.text(10));
  r.origin_commit = q.text(11);
  r.job = q.text(12);
  r.node = q.text(13);
  return r;
}
constexpr const char* kRunColumns =
    "SELECT commit_hash, runner_key, idx, status, title, type, report, log_path, seconds, "
    "alt_titles, origin, origin_commit, job, node FROM runs ";

// Read-only readers of a state directory from an older version: a column
// added since reads as empty, and the origin was a prefix of the log path.
std::string run_columns(sqlite3* db) {
  bool alts = has_column(db, "runs", "alt_titles");
  if (alts && has_column(db, "runs", "origin")) return kRunColumns;
  return std::string(
             "SELECT commit_hash, runner_key, idx, status, title, type, report, "
             "CASE WHEN log_path LIKE 'earlier:%' THEN '' ELSE log_path END, seconds, ") +
         (alts ? "alt_titles" : "''") +
         ", CASE WHEN log_path LIKE 'earlier:%' THEN 'earlier' ELSE '' END, "
         "CASE WHEN log_path LIKE 'earlier:%' THEN substr(log_path, 9) ELSE '' END, '', '' "
         "FROM runs ";
}
std::string build_columns(sqlite3* db) {
  return has_column(db, "builds", "origin") ? kBuildColumns : kOldBuildColumns;
}
}  // namespace

std::optional<BuildRecord> StateStore::find_build(const std::string& commit,
                                                  const std::string& builder_key) {
  Statement q(impl_->db.get(), std::string(kBuildColumns) +
                                   "WHERE bisection = ? AND commit_hash = ? AND builder_key = ?");
  q.bind(1, impl_->bisection).bind(2, commit).bind(3, builder_key);
  if (!q.step()) return std::nullopt;
  return build_from_row(q);
}

std::optional<BuildRecord> StateStore::find_build_by_tree(const std::string& tree,
                                                          const std::string& builder_key) {
  if (tree.empty()) return std::nullopt;
  // This bisection's first, then any earlier one: same source, same build.
  Statement q(impl_->db.get(), std::string(kBuildColumns) +
                                   "WHERE tree = ? AND builder_key = ? AND ok = 1 "
                                   "ORDER BY (bisection = ?) DESC, bisection DESC LIMIT 1");
  q.bind(1, tree).bind(2, builder_key).bind(3, impl_->bisection);
  if (!q.step()) return std::nullopt;
  return build_from_row(q);
}

namespace {
// A second record of the same build or run is a bug of the engine: plain
// INSERT, so that it fails loudly instead of overwriting a result.
void insert_or_fail(Statement& q, const std::string& what) {
  try {
    q.run();
  } catch (const std::runtime_error& e) {
    if (std::string_view(e.what()).find("UNIQUE") != std::string_view::npos)
      throw std::logic_error(what + " recorded twice");
    throw;
  }
}
}  // namespace

void StateStore::save_build(const BuildRecord& r) {
  DurableCommit durable(impl_->db.get());
  Statement q(impl_->db.get(),
              "INSERT INTO builds (bisection, commit_hash, tree, builder_key, ok, signature, "
              "error_line, log_path, seconds, origin, origin_commit, job, node) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, impl_->bisection)
      .bind(2, r.commit)
      .bind(3, r.tree)
      .bind(4, r.builder_key)
      .bind(5, std::int64_t{r.ok})
      .bind(6, r.signature)
      .bind(7, r.error_line)
      .bind(8, r.log_path)
      .bind(9, r.seconds)
      .bind(10, std::string(to_string(r.origin)))
      .bind(11, r.origin_commit)
      .bind(12, r.job)
      .bind(13, r.node);
  insert_or_fail(q, "build of " + r.commit);
}

std::vector<RunRecord> StateStore::runs(const std::string& commit, const std::string& runner_key) {
  Statement q(impl_->db.get(),
              std::string(kRunColumns) +
                  "WHERE bisection = ? AND commit_hash = ? AND runner_key = ? ORDER BY idx");
  q.bind(1, impl_->bisection).bind(2, commit).bind(3, runner_key);
  std::vector<RunRecord> out;
  while (q.step()) out.push_back(run_from_row(q));
  return out;
}

std::pair<std::string, std::vector<RunRecord>> StateStore::earlier_runs(
    const std::string& signature, const std::string& runner_key) {
  if (signature.empty()) return {};
  Statement pick(
      impl_->db.get(),
      "SELECT b.bisection, b.commit_hash FROM builds b WHERE b.signature = ? AND b.bisection != ? "
      "AND EXISTS (SELECT 1 FROM runs r WHERE r.bisection = b.bisection AND r.commit_hash = "
      "b.commit_hash AND r.runner_key = ?) ORDER BY b.bisection DESC LIMIT 1");
  pick.bind(1, signature).bind(2, impl_->bisection).bind(3, runner_key);
  if (!pick.step()) return {};
  std::int64_t bisection = pick.int64(0);
  std::string commit = pick.text(1);
  Statement q(impl_->db.get(),
              std::string(kRunColumns) +
                  "WHERE bisection = ? AND commit_hash = ? AND runner_key = ? ORDER BY idx");
  q.bind(1, bisection).bind(2, commit).bind(3, runner_key);
  std::vector<RunRecord> out;
  while (q.step()) out.push_back(run_from_row(q));
  return {commit, out};
}

void StateStore::save_run(const RunRecord& r) {
  DurableCommit durable(impl_->db.get());
  Statement q(impl_->db.get(),
              "INSERT INTO runs (bisection, commit_hash, runner_key, idx, status, title, type, "
              "report, log_path, seconds, alt_titles, origin, origin_commit, job, node) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  std::string alts;
  for (const auto& t : r.alt_titles) alts += t + "\n";
  q.bind(1, impl_->bisection)
      .bind(2, r.commit)
      .bind(3, r.runner_key)
      .bind(4, std::int64_t{r.index})
      .bind(5, r.status)
      .bind(6, r.title)
      .bind(7, r.type)
      .bind(8, r.report)
      .bind(9, r.log_path)
      .bind(10, r.seconds)
      .bind(11, alts)
      .bind(12, std::string(to_string(r.origin)))
      .bind(13, r.origin_commit)
      .bind(14, r.job)
      .bind(15, r.node);
  insert_or_fail(q, "run " + std::to_string(r.index) + " of " + r.commit);
}

std::optional<BisectionRecords> StateStore::last_records(const std::filesystem::path& dir) {
  auto summary = last(dir);
  if (!summary) return std::nullopt;
  BisectionRecords out;
  out.summary = std::move(*summary);
  auto db = open_db(dir / "state.db", true);
  Statement b(db.get(), build_columns(db.get()) + "WHERE bisection = ? ORDER BY rowid");
  b.bind(1, out.summary.id);
  while (b.step()) out.builds.push_back(build_from_row(b));
  Statement r(db.get(),
              run_columns(db.get()) + "WHERE bisection = ? ORDER BY commit_hash, runner_key, idx");
  r.bind(1, out.summary.id);
  while (r.step()) out.runs.push_back(run_from_row(r));
  return out;
}

// ---- cluster jobs (job_table.h) ----
namespace {
constexpr const char* kJobColumns =
    "SELECT kind, commit_hash, tool_key, idx, generation, attempt, name, job_id, state, node, "
    "request, result, consumed, submitted, bisection FROM cluster_jobs ";

JobRecord job_from_row(const Statement& q) {
  JobRecord r;
  r.key.kind = q.text(0);
  r.key.commit = q.text(1);
  r.key.tool_key = q.text(2);
  r.key.index = static_cast<int>(q.int64(3));
  r.generation = static_cast<int>(q.int64(4));
  r.attempt = static_cast<int>(q.int64(5));
  r.name = q.text(6);
  r.job_id = q.text(7);
  r.state = q.text(8);
  r.node = q.text(9);
  r.request = q.text(10);
  r.result = q.text(11);
  r.consumed = q.int64(12) != 0;
  r.submitted = q.real(13);
  r.bisection = q.int64(14);
  return r;
}
}  // namespace

std::optional<JobRecord> StateStore::newest_job(const JobKey& key) {
  Statement q(impl_->db.get(), std::string(kJobColumns) +
                                   "WHERE bisection = ? AND kind = ? AND commit_hash = ? AND "
                                   "tool_key = ? AND idx = ? ORDER BY generation DESC LIMIT 1");
  q.bind(1, impl_->bisection)
      .bind(2, key.kind)
      .bind(3, key.commit)
      .bind(4, key.tool_key)
      .bind(5, std::int64_t{key.index});
  if (!q.step()) return std::nullopt;
  return job_from_row(q);
}

void StateStore::save_job(const JobRecord& r) {
  Statement q(impl_->db.get(),
              "INSERT OR REPLACE INTO cluster_jobs (bisection, kind, commit_hash, tool_key, idx, "
              "generation, attempt, name, job_id, state, node, request, result, consumed, "
              "submitted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, impl_->bisection)
      .bind(2, r.key.kind)
      .bind(3, r.key.commit)
      .bind(4, r.key.tool_key)
      .bind(5, std::int64_t{r.key.index})
      .bind(6, std::int64_t{r.generation})
      .bind(7, std::int64_t{r.attempt})
      .bind(8, r.name)
      .bind(9, r.job_id)
      .bind(10, r.state)
      .bind(11, r.node)
      .bind(12, r.request)
      .bind(13, r.result)
      .bind(14, std::int64_t{r.consumed})
      .bind(15, r.submitted)
      .run();
}

std::vector<JobRecord> StateStore::unconsumed_jobs() {
  Statement q(impl_->db.get(),
              std::string(kJobColumns) + "WHERE consumed = 0 ORDER BY bisection, submitted");
  std::vector<JobRecord> out;
  while (q.step()) out.push_back(job_from_row(q));
  return out;
}

std::int64_t StateStore::current_bisection() const { return impl_->bisection; }

void StateStore::drop_job(std::int64_t bisection, const JobKey& key, int generation,
                          const std::string& state) {
  Statement q(impl_->db.get(),
              "UPDATE cluster_jobs SET consumed = 1, state = ? WHERE bisection = ? AND kind = ? "
              "AND commit_hash = ? AND tool_key = ? AND idx = ? AND generation = ?");
  q.bind(1, state)
      .bind(2, bisection)
      .bind(3, key.kind)
      .bind(4, key.commit)
      .bind(5, key.tool_key)
      .bind(6, std::int64_t{key.index})
      .bind(7, std::int64_t{generation})
      .run();
}
// ---- end of cluster jobs ----

std::optional<ConfigTrialRecord> StateStore::find_trial(const ConfigTrialKey& key) {
  Statement q(
      impl_->db.get(),
      "SELECT built, reproduced, title, detail, runs, build_seconds, test_seconds, signature "
      "FROM "
      "config_trials WHERE bisection = ? AND config_hash = ? AND commit_hash = ? AND "
      "runner_key = ? AND target = ?");
  q.bind(1, impl_->bisection)
      .bind(2, key.config_hash)
      .bind(3, key.commit)
      .bind(4, key.runner_key)
      .bind(5, key.target);
  if (!q.step()) return std::nullopt;
  ConfigTrialRecord r;
  r.key = key;
  r.built = q.int64(0) != 0;
  r.reproduced = q.int64(1) != 0;
  r.title = q.text(2);
  r.detail = q.text(3);
  r.runs = static_cast<int>(q.int64(4));
  r.build_seconds = q.real(5);
  r.test_seconds = q.real(6);
  r.signature = q.text(7);
  return r;
}

void StateStore::save_trial(const ConfigTrialRecord& r) {
  DurableCommit durable(impl_->db.get());
  Statement q(impl_->db.get(),
              "INSERT INTO config_trials (bisection, config_hash, commit_hash, runner_key, target, "
              "built, reproduced, title, detail, runs, build_seconds, test_seconds, signature) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, impl_->bisection)
      .bind(2, r.key.config_hash)
      .bind(3, r.key.commit)
      .bind(4, r.key.runner_key)
      .bind(5, r.key.target)
      .bind(6, std::int64_t{r.built})
      .bind(7, std::int64_t{r.reproduced})
      .bind(8, r.title)
      .bind(9, r.detail)
      .bind(10, std::int64_t{r.runs})
      .bind(11, r.build_seconds)
      .bind(12, r.test_seconds)
      .bind(13, r.signature);
  insert_or_fail(q, "config trial " + r.key.config_hash);
}

bool StateStore::busy(const std::filesystem::path& dir) {
  // A shared lock conflicts only with the exclusive one a bisection holds;
  // the lock file is not created here, so reading changes nothing.
  int fd = ::open((dir / "lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

}  // namespace culprit::store
