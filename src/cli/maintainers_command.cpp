// culprit maintainers [--repo DIR] [--json] (--commit REV | FILE...): who to
// tell about a change, natively (get_maintainer.pl's answer, without perl).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "maintainers/maintainers.h"
#include "util/error.h"
#include "util/text.h"

namespace culprit::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: culprit maintainers [--repo DIR] [--json] (--commit REV | FILE...)\n"
    "       culprit maintainers [--repo DIR] --check\n"
    "Prints the maintainers, reviewers and lists to tell about FILEs (as\n"
    "scripts/get_maintainer.pl --nogit --nogit-fallback --no-rolestats -f does)\n"
    "or about a commit (its author and trailers too). --json: {\"to\": [], \"cc\": []}.\n"
    "--check lists problems in DIR/MAINTAINERS with their lines.";

struct Options {
  fs::path repo = ".";
  bool json = false;
  bool check = false;
  std::string commit;
  std::vector<std::string> files;
};

Options parse(const Args& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UserError("maintainers: " + a + " needs a value");
      return args[++i];
    };
    if (a == "--repo")
      o.repo = value();
    else if (a == "--commit")
      o.commit = value();
    else if (a == "--json")
      o.json = true;
    else if (a == "--check")
      o.check = true;
    else if (a == "--")
      o.files.insert(o.files.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end()),
          i = args.size();
    else if (a.starts_with("-") && a != "-")
      throw UserError("maintainers: unknown option " + a);
    else
      o.files.push_back(a);
  }
  int modes = !o.commit.empty() + !o.files.empty() + o.check;
  if (modes != 1)
    throw UserError("maintainers: give exactly one of --commit REV, FILE... or --check");
  return o;
}

// The path as get_maintainer.pl takes it: relative to the tree's top,
// without "." or empty components, with a trailing '/' for a directory.
std::string tree_path(const fs::path& top, const std::string& arg) {
  fs::path p(arg);
  if (p.is_absolute()) {
    std::error_code ec;
    auto rel = fs::relative(p, fs::absolute(top), ec);
    if (!ec && !rel.empty() && *rel.begin() != "..") p = rel;
  }
  p = p.lexically_normal();
  std::string s = p.generic_string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  std::error_code ec;
  auto status = fs::status(top / s, ec);
  if (fs::is_directory(status)) return s == "." ? std::string() : s + "/";
  if (!fs::exists(status))
    throw UserError("maintainers: file '" + arg + "' not found in " + top.string());
  return s;
}

maintainers::MaintainersDatabase database_on_disk(const fs::path& top) {
  fs::path file = top / "MAINTAINERS";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw UserError("maintainers: no MAINTAINERS file in " + top.string());
  std::string mailmap;
  if (fs::is_regular_file(top / ".mailmap", ec)) mailmap = read_file(top / ".mailmap");
  return maintainers::MaintainersDatabase(read_file(file), mailmap,
                                          maintainers::source_tree_on_disk(top));
}

void print(const maintainers::Recipients& r, bool json) {
  if (json) {
    nlohmann::json j{{"to", r.to}, {"cc", r.cc}};
    std::puts(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  for (const auto* list : {&r.to, &r.cc})
    for (const auto& e : *list) std::puts(e.c_str());
}

}  // namespace

int maintainers_command(const Args& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::puts(kUsage);
      return 0;
    }
  Options o = parse(args);
  std::error_code ec;
  if (!fs::is_directory(o.repo, ec))
    throw UserError("maintainers: " + o.repo.string() + " is not a directory");

  if (!o.commit.empty()) {
    auto repo = vcs::Repository::open(o.repo);
    print(maintainers::commit_recipients(repo, repo.resolve(o.commit)), o.json);
    return 0;
  }
  auto db = database_on_disk(o.repo);
  if (o.check) {
    for (const auto& p : db.problems()) std::puts(maintainers::describe(p).c_str());
    return 0;
  }
  std::vector<std::string> paths;
  for (const auto& f : o.files) paths.push_back(tree_path(o.repo, f));
  auto contacts = db.lookup(paths);
  if (o.json) {
    print(maintainers::split_recipients(contacts), true);
  } else {
    for (const auto& c : contacts) std::puts(c.email.c_str());
  }
  return 0;
}

}  // namespace culprit::cli
