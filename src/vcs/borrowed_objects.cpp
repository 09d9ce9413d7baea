#include "vcs/borrowed_objects.h"

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace culprit::vcs {

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
