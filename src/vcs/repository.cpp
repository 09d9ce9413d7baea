#include "vcs/repository.h"

#include <fmt/format.h>

#include <ctime>
#include <mutex>

#include "util/error.h"
#include "vcs/git_handles.h"

namespace culprit::vcs {

void ensure_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

struct Repository::Impl {
  RepoPtr repo;
  std::vector<std::filesystem::path> extra_objects;

  // Hashes come from resolve() or from the history culprit loaded: one that
  // does not parse or cannot be read is the repository's fault, not input.
  git_oid oid(const std::string& hash) const {
    git_oid id;
    if (git_oid_fromstr(&id, hash.c_str()) != 0)
      throw RepositoryError("not a full commit hash: " + hash);
    return id;
  }
  CommitPtr lookup(const std::string& hash) const {
    git_oid id = oid(hash);
    git_commit* c = nullptr;
    git_check(git_commit_lookup(&c, repo.get(), &id), "reading commit " + hash);
    return CommitPtr(c);
  }
  TreePtr tree_of(const git_commit* c) const {
    git_tree* t = nullptr;
    git_check(git_commit_tree(&t, c), "reading a commit's tree");
    return TreePtr(t);
  }
  // Diff of a commit against its first parent (the empty tree for a root).
  DiffPtr diff(const std::string& hash) const {
    auto c = lookup(hash);
    auto tree = tree_of(c.get());
    TreePtr parent_tree;
    if (git_commit_parentcount(c.get()) > 0) {
      git_commit* p = nullptr;
      git_check(git_commit_parent(&p, c.get(), 0), "reading a parent");
      CommitPtr parent(p);
      parent_tree = tree_of(parent.get());
    }
    git_diff* d = nullptr;
    git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
    git_check(git_diff_tree_to_tree(&d, repo.get(), parent_tree.get(), tree.get(), &opts), "diff");
    DiffPtr diff(d);
    git_diff_find_options find = GIT_DIFF_FIND_OPTIONS_INIT;
    find.flags = GIT_DIFF_FIND_RENAMES;
    git_diff_find_similar(diff.get(), &find);
    return diff;
  }
};

namespace {

std::string oid_hex(const git_oid* id) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, id);
  return buf;
}

// As `git log` prints "Date:": "Mon Sep 14 12:26:40 2020 +0000".
std::string format_git_date(git_time_t time, int offset_minutes) {
  std::time_t local = static_cast<std::time_t>(time) + offset_minutes * 60;
  std::tm tm{};
  gmtime_r(&local, &tm);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  return fmt::format("{} {} {} {:02}:{:02}:{:02} {} {}{:02}{:02}", days[tm.tm_wday],
                     months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     tm.tm_year + 1900, offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
}

Person person(const git_signature* s) { return s ? Person{s->name, s->email} : Person{}; }

}  // namespace

Repository::Repository(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Repository::~Repository() = default;
Repository::Repository(Repository&&) noexcept = default;
Repository& Repository::operator=(Repository&&) noexcept = default;

Repository Repository::open(const std::filesystem::path& path) {
  ensure_libgit2();
  if (!std::filesystem::is_directory(path))
    throw UserError("not a git repository: " + path.string());
  git_repository* r = nullptr;
  if (git_repository_open_ext(&r, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    throw UserError("not a git repository: " + path.string());
  auto impl = std::make_unique<Impl>();
  impl->repo.reset(r);
  return Repository(std::move(impl));
}

std::filesystem::path Repository::git_dir() const {
  return std::filesystem::path(git_repository_path(impl_->repo.get())).lexically_normal();
}
std::filesystem::path Repository::common_dir() const {
  return std::filesystem::path(git_repository_commondir(impl_->repo.get())).lexically_normal();
}
std::filesystem::path Repository::work_dir() const {
  const char* w = git_repository_workdir(impl_->repo.get());
  return w ? std::filesystem::path(w).lexically_normal() : std::filesystem::path();
}

std::optional<std::string> Repository::try_resolve(const std::string& rev) const {
  if (rev.empty() || rev[0] == '-') return std::nullopt;
  git_object* obj = nullptr;
  if (git_revparse_single(&obj, impl_->repo.get(), rev.c_str()) != 0) return std::nullopt;
  ObjectPtr o(obj);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, o.get(), GIT_OBJECT_COMMIT) != 0) return std::nullopt;
  ObjectPtr p(peeled);
  return oid_hex(git_object_id(p.get()));
}

std::string Repository::resolve(const std::string& rev) const {
  if (auto h = try_resolve(rev)) return *h;
  throw UserError("unknown revision: " + rev);
}

std::string Repository::head() const { return resolve("HEAD"); }

void Repository::add_object_dir(const std::filesystem::path& objects_dir) const {
  auto dir = std::filesystem::absolute(objects_dir).lexically_normal();
  for (const auto& d : impl_->extra_objects)
    if (d == dir) return;
  git_odb* odb = nullptr;
  git_check(git_repository_odb(&odb, impl_->repo.get()), "opening the object database");
  OdbPtr owned(odb);
  git_check(git_odb_add_disk_alternate(odb, dir.c_str()), "adding objects from " + dir.string());
  impl_->extra_objects.push_back(dir);
}

std::vector<std::filesystem::path> Repository::extra_object_dirs() const {
  return impl_->extra_objects;
}

CommitInfo Repository::commit(const std::string& hash) const {
  auto c = impl_->lookup(hash);
  CommitInfo info;
  info.hash = oid_hex(git_commit_id(c.get()));
  const char* summary = git_commit_summary(c.get());
  info.title = summary ? summary : "";
  const char* msg = git_commit_message(c.get());
  info.message = msg ? msg : "";
  while (!info.message.empty() && info.message.back() == '\n') info.message.pop_back();
  const git_signature* a = git_commit_author(c.get());
  info.author = person(a);
  info.committer = person(git_commit_committer(c.get()));
  if (a) {
    info.author_time = a->when.time;
    info.author_offset_minutes = a->when.offset;
    info.date = format_git_date(a->when.time, a->when.offset);
  }
  for (unsigned i = 0; i < git_commit_parentcount(c.get()); ++i)
    info.parents.push_back(oid_hex(git_commit_parent_id(c.get(), i)));
  info.tree = oid_hex(git_commit_tree_id(c.get()));
  return info;
}

bool Repository::is_ancestor(const std::string& ancestor, const std::string& descendant) const {
  if (ancestor == descendant) return true;
  git_oid a = impl_->oid(ancestor), d = impl_->oid(descendant);
  int r = git_graph_descendant_of(impl_->repo.get(), &d, &a);
  git_check(r, "ancestry of " + ancestor);
  return r == 1;
}

std::optional<std::string> Repository::merge_base(const std::string& a,
                                                  const std::string& b) const {
  git_oid oa = impl_->oid(a), ob = impl_->oid(b), out;
  int r = git_merge_base(&out, impl_->repo.get(), &oa, &ob);
  if (r == GIT_ENOTFOUND) return std::nullopt;
  git_check(r, "merge base");
  return oid_hex(&out);
}

std::vector<FileChange> Repository::changed_files(const std::string& hash) const {
  auto diff = impl_->diff(hash);
  std::vector<FileChange> out;
  size_t n = git_diff_num_deltas(diff.get());
  for (size_t i = 0; i < n; ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
    FileChange fc;
    fc.path = d->new_file.path ? d->new_file.path : d->old_file.path;
    git_patch* p = nullptr;
    git_check(git_patch_from_diff(&p, diff.get(), i), "diff of " + hash);
    if (p) {  // none for a binary or unchanged file
      PatchPtr patch(p);
      size_t ctx = 0, add = 0, del = 0;
      git_patch_line_stats(&ctx, &add, &del, patch.get());
      fc.additions = static_cast<int>(add);
      fc.deletions = static_cast<int>(del);
    }
    out.push_back(std::move(fc));
  }
  return out;
}

std::string Repository::diffstat(const std::string& hash) const {
  auto diff = impl_->diff(hash);
  git_diff_stats* stats = nullptr;
  git_check(git_diff_get_stats(&stats, diff.get()), "diffstat");
  GitPtr<git_diff_stats, git_diff_stats_free> s(stats);
  GitBuf buf;
  git_check(git_diff_stats_to_buf(&buf.buf, s.get(), GIT_DIFF_STATS_FULL, 80), "diffstat");
  return std::string(buf.buf.ptr ? buf.buf.ptr : "", buf.buf.size);
}

std::optional<std::string> Repository::file_at(const std::string& hash,
                                               const std::string& path) const {
  auto c = impl_->lookup(hash);
  auto tree = impl_->tree_of(c.get());
  git_tree_entry* e = nullptr;
  if (git_tree_entry_bypath(&e, tree.get(), path.c_str()) != 0) return std::nullopt;
  TreeEntryPtr entry(e);
  if (git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB) return std::nullopt;
  git_blob* b = nullptr;
  git_check(git_blob_lookup(&b, impl_->repo.get(), git_tree_entry_id(entry.get())),
            "reading " + path);
  BlobPtr blob(b);
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                     static_cast<size_t>(git_blob_rawsize(blob.get())));
}

CommitGraph Repository::load_range(const std::string& bad,
                                   const std::vector<std::string>& goods) const {
  git_revwalk* w = nullptr;
  git_check(git_revwalk_new(&w, impl_->repo.get()), "revwalk");
  RevwalkPtr walk(w);
  // git's own rev-list order (newest commit date first): DagBisection breaks ties by it.
  git_revwalk_sorting(walk.get(), GIT_SORT_TIME);
  git_oid b = impl_->oid(bad);
  git_check(git_revwalk_push(walk.get(), &b), "revwalk " + bad);
  for (const auto& g : goods) {
    git_oid id = impl_->oid(g);
    git_check(git_revwalk_hide(walk.get(), &id), "revwalk hide " + g);
  }
  CommitGraph graph;
  std::vector<std::pair<CommitIndex, std::vector<std::string>>> links;
  git_oid id;
  int rc;
  // Only GIT_ITEROVER ends the walk: an object that cannot be read must not
  // silently cut the range short (the answer would be wrong, not missing).
  while ((rc = git_revwalk_next(&id, walk.get())) == 0) {
    CommitIndex i = graph.add_commit(oid_hex(&id));
    git_commit* c = nullptr;
    git_check(git_commit_lookup(&c, impl_->repo.get(), &id), "commit");
    CommitPtr commit(c);
    std::vector<std::string> parents;
    for (unsigned k = 0; k < git_commit_parentcount(commit.get()); ++k)
      parents.push_back(oid_hex(git_commit_parent_id(commit.get(), k)));
    links.emplace_back(i, std::move(parents));
  }
  if (rc != GIT_ITEROVER) git_check(rc, "walking the history of " + bad);
  for (const auto& [child, parents] : links)
    for (const auto& p : parents)
      if (CommitIndex pi = graph.find(p); pi != kNoCommit) graph.add_parent(child, pi);
  graph.finish();
  return graph;
}

std::vector<std::pair<std::string, std::string>> Repository::tags() const {
  std::vector<std::pair<std::string, std::string>> out;
  git_strarray names{};
  git_check(git_tag_list(&names, impl_->repo.get()), "listing tags");
  for (size_t i = 0; i < names.count; ++i) {
    std::string name = names.strings[i];
    if (auto h = try_resolve("refs/tags/" + name)) out.emplace_back(name, *h);
  }
  git_strarray_dispose(&names);
  return out;
}

}  // namespace culprit::vcs
