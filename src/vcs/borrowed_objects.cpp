#include "vcs/borrowed_objects.h"

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace culprit::vcs {
namespace {

void remove_stale_locks(const std::filesystem::path& git_dir) {
  std::error_code ec;
  for (const char* name : {"config.lock", "HEAD.lock", "index.lock", "packed-refs.lock"})
    std::filesystem::remove(git_dir / name, ec);
}

git_repository* try_open(const std::filesystem::path& dir, bool bare) {
  git_repository* r = nullptr;
  unsigned flags = GIT_REPOSITORY_OPEN_NO_SEARCH | (bare ? GIT_REPOSITORY_OPEN_BARE : 0);
  if (git_repository_open_ext(&r, dir.c_str(), flags, nullptr) != 0) return nullptr;
  return r;
}

}  // namespace

RepoPtr open_private_repository(const std::filesystem::path& dir, bool bare) {
  ensure_libgit2();
  std::filesystem::create_directories(dir);
  const auto git_dir = bare ? dir : dir / ".git";
  remove_stale_locks(git_dir);
  if (auto* r = try_open(dir, bare)) return RepoPtr(r);
  git_repository* r = nullptr;
  if (git_repository_init(&r, dir.c_str(), bare ? 1 : 0) == 0) return RepoPtr(r);
  // A half-made repository that neither opens nor initialises: its git
  // directory holds nothing culprit cannot make again (reverts are made
  // again from their inputs; a work tree's files stay where they are).
  std::error_code ec;
  if (bare) {
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      std::filesystem::remove_all(e.path(), ec);
  } else {
    std::filesystem::remove_all(git_dir, ec);
  }
  git_check(git_repository_init(&r, dir.c_str(), bare ? 1 : 0), "creating " + dir.string());
  return RepoPtr(r);
}

bool borrow_objects(const std::filesystem::path& git_dir, const Repository& source) {
  auto objects = std::filesystem::absolute(source.common_dir() / "objects").lexically_normal();
  auto alternates = git_dir / "objects" / "info" / "alternates";
  std::filesystem::create_directories(alternates.parent_path());
  std::string want = objects.string() + "\n";
  // The user's own alternates (a shared clone) must be reachable too.
  auto user_alternates = objects / "info" / "alternates";
  if (std::filesystem::exists(user_alternates)) {
    std::ifstream in(user_alternates);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::filesystem::path p(line);
      want += (p.is_absolute() ? p : (objects / p).lexically_normal()).string() + "\n";
    }
  }
  for (const auto& dir : source.extra_object_dirs())
    if (dir != std::filesystem::absolute(git_dir / "objects").lexically_normal())
      want += dir.string() + "\n";
  std::string have;
  if (std::filesystem::exists(alternates)) {
    std::ifstream in(alternates);
    have.assign(std::istreambuf_iterator<char>(in), {});
  }
  if (have == want) return false;
  std::ofstream out(alternates, std::ios::trunc);
  out << want;
  if (!out) throw std::runtime_error("cannot write " + alternates.string());
  return true;
}

}  // namespace culprit::vcs
