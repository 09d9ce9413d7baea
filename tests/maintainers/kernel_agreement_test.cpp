// culprit's answer against the real scripts/get_maintainer.pl, on Debian's
// linux-source-6.1, for files spread over the whole tree. Slow: runs only
// with CULPRIT_SLOW=1 (CULPRIT_LINUX_SRC may name an extracted tree).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "maintainers/lookup.h"
#include "support/test_support.h"
#include "util/text.h"

namespace culprit::maintainers {
namespace {

namespace fs = std::filesystem;
using culprit::testing::sh;
using culprit::testing::TempDir;

constexpr const char* kTarball = "/usr/src/linux-source-6.1.tar.xz";
constexpr std::size_t kWanted = 400;

std::optional<fs::path> find_tree(const fs::path& root) {
  if (fs::exists(root / "MAINTAINERS") && fs::exists(root / "scripts/get_maintainer.pl"))
    return root;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory() && fs::exists(e.path() / "MAINTAINERS")) return e.path();
  return std::nullopt;
}

// Every regular file, sorted, then every k-th: all of the tree's top-level
// directories get their share.
std::vector<std::string> spread_sample(const fs::path& tree) {
  std::vector<std::string> all;
  for (auto it = fs::recursive_directory_iterator(tree); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_directory() && it->path().filename() == ".git") it.disable_recursion_pending();
    if (it->is_regular_file()) all.push_back(fs::relative(it->path(), tree).generic_string());
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> out;
  std::size_t step = std::max<std::size_t>(1, all.size() / kWanted);
  for (std::size_t i = step / 2; i < all.size(); i += step) out.push_back(all[i]);
  return out;
}

std::vector<std::string> perl_answer(const fs::path& tree, const std::string& file,
                                     const std::string& seed = "") {
  ProcessOptions o;
  o.cwd = tree;
  o.timeout_seconds = 120;
  std::string env = seed.empty() ? "" : "PERL_HASH_SEED=" + seed + " PERL_PERTURB_KEYS=0 ";
  auto r =
      run_shell(env + "perl scripts/get_maintainer.pl --nogit --nogit-fallback --no-rolestats -f " +
                    shell_quote(file) + " 2>/dev/null",
                o);
  std::vector<std::string> out;
  for (auto line : split_lines(r.output))
    if (!line.empty()) out.emplace_back(line);
  return out;
}

std::string fmt_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n  ";
  return out;
}

TEST(KernelAgreement, SameMaintainersReviewersAndListsAsGetMaintainerPl) {
  const char* slow = std::getenv("CULPRIT_SLOW");
  if (!slow || std::string(slow) != "1")
    GTEST_SKIP() << "slow comparison with get_maintainer.pl: set CULPRIT_SLOW=1";
  if (sh("command -v perl", {}, false).exit_code != 0) GTEST_SKIP() << "perl is not installed";
  std::optional<TempDir> scratch;
  fs::path root;
  if (const char* src = std::getenv("CULPRIT_LINUX_SRC"); src && *src) {
    root = src;
  } else {
    if (!fs::exists(kTarball))
      GTEST_SKIP() << kTarball << " is missing (apt-get install linux-source-6.1)";
    scratch.emplace();
    sh("tar -xJf " + std::string(kTarball), scratch->path());
    root = scratch->path();
  }
  auto tree = find_tree(root);
  ASSERT_TRUE(tree) << "no kernel tree under " << root;

  MaintainersDatabase db(read_file(*tree / "MAINTAINERS"), read_file(*tree / ".mailmap"),
                         source_tree_on_disk(*tree));
  auto files = spread_sample(*tree);
  ASSERT_GE(files.size(), 300u);

  std::size_t exact = 0, same_set = 0, seed_order = 0;
  for (const auto& file : files) {
    auto theirs = perl_answer(*tree, file);
    std::vector<std::string> ours;
    for (const auto& c : db.lookup({file})) ours.push_back(c.email);
    // get_maintainer.pl's empty lines (lists like "L: Name <list@host>",
    // whose first word it takes as the address) are no recipients: culprit
    // leaves them out, and so does the comparison.
    if (ours == theirs) {
      ++exact, ++same_set;
      continue;
    }
    auto a = ours, b = theirs;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (a != b) {
      ADD_FAILURE() << file << ": culprit\n  " << fmt_lines(ours) << "\nget_maintainer.pl\n  "
                    << fmt_lines(theirs);
      continue;
    }
    ++same_set;
    // get_maintainer.pl orders equally specific sections by Perl's hash
    // order, which changes with the hash seed: is ours one of its orders?
    for (int seed = 0; seed < 16; ++seed)
      if (perl_answer(*tree, file, std::to_string(seed)) == ours) {
        ++seed_order;
        break;
      }
  }
  std::cout << "agreement with get_maintainer.pl on " << files.size() << " files: " << same_set
            << " same recipients (" << 100.0 * same_set / files.size() << "%), " << exact
            << " also in the same order as its run, " << seed_order
            << " more in an order it gives under another hash seed\n";
  EXPECT_EQ(same_set, files.size());
  EXPECT_EQ(exact + seed_order, files.size());
}

}  // namespace
}  // namespace culprit::maintainers
