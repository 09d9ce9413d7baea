// get_maintainer.pl's matching rules on small MAINTAINERS texts.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "maintainers/lookup.h"
#include "maintainers/section_index.h"

namespace culprit::maintainers {
namespace {

const char* kFile =
    "NET\n"  // 0
    "M:\tNet Boss <net@example.org>\n"
    "L:\tnetdev@example.org\n"
    "S:\tMaintained\n"
    "F:\tnet/\n"
    "X:\tnet/ipv6/\n"
    "\n"
    "NET CORE FILE\n"  // 1
    "M:\tCore Person <core@example.org>\n"
    "R:\tReviewer Rita <rita@example.org>\n"
    "S:\tSupported\n"
    "F:\tnet/core/dev.c\n"
    "\n"
    "GLOB\n"  // 2
    "M:\tGlob Guy <glob@example.org>\n"
    "S:\tOdd Fixes\n"
    "F:\tdrivers/gpu/*.[ch]\n"
    "F:\t*/foo/*\n"
    "\n"
    "DIR WITHOUT SLASH\n"  // 3
    "M:\tDir Dan <dan@example.org>\n"
    "S:\tOrphan\n"
    "F:\tdrivers/misc\n"
    "\n"
    "NAMES\n"  // 4
    "M:\tRegex Rae <rae@example.org>\n"
    "L:\tnetdev@example.org (moderated for non-subscribers)\n"
    "L:\tsecret@example.org (subscribers-only)\n"
    "S:\tMaintained\n"
    "N:\tsun[4-9]i\n"
    "K:\tmagic_word\n"
    "\n"
    "THE REST\n"  // 5
    "M:\tLinus Torvalds <torvalds@linux-foundation.org>\n"
    "L:\tlinux-kernel@vger.kernel.org\n"
    "S:\tBuried alive in reporters\n"
    "F:\t*\n"
    "F:\t*/\n";

std::vector<std::size_t> sections(const std::string& path, std::set<std::string> dirs = {}) {
  auto f = parse_maintainers(kFile);
  SectionIndex index(f, [dirs](const std::string& p) { return dirs.count(p) > 0; });
  EXPECT_TRUE(index.problems().empty());
  return index.sections_for(path);
}

using V = std::vector<std::size_t>;

TEST(SectionIndex, MostSpecificFirstAndTheRestLast) {
  EXPECT_EQ(sections("net/core/dev.c"), (V{1, 0, 5}));
  EXPECT_EQ(sections("net/core/sock.c"), (V{0, 5}));
  EXPECT_EQ(sections("README"), (V{5}));
}

TEST(SectionIndex, ExcludeDropsTheWholeSection) { EXPECT_EQ(sections("net/ipv6/route.c"), (V{5})); }

TEST(SectionIndex, GlobsMatchOnlyTheirLevel) {
  EXPECT_EQ(sections("drivers/gpu/a.c"), (V{2, 5}));
  EXPECT_EQ(sections("drivers/gpu/a.o"), (V{5}));
  EXPECT_EQ(sections("drivers/gpu/x/a.c"), (V{5}));
  // "*/foo/*" and THE REST's "*/" both start with '*': the least specific.
  EXPECT_EQ(sections("lib/foo/bar.c"), (V{2, 5}));
}

TEST(SectionIndex, PatternWithoutSlashIsAPrefixAtTheSameLevelUnlessADirectory) {
  // Not a directory: a prefix of a name at the same depth.
  EXPECT_EQ(sections("drivers/misc_device.c"), (V{3, 5}));
  EXPECT_EQ(sections("drivers/misc/eeprom.c"), (V{5}));
  // A directory: everything below, and nothing beside it.
  EXPECT_EQ(sections("drivers/misc/eeprom.c", {"drivers/misc"}), (V{3, 5}));
  EXPECT_EQ(sections("drivers/misc_device.c", {"drivers/misc"}), (V{5}));
}

TEST(SectionIndex, NameRegexAnywhereInThePath) {
  // N: has depth 0, above THE REST's patterns that start with '*' (-1).
  EXPECT_EQ(sections("arch/arm/boot/dts/sun8i-h3.dts"), (V{4, 5}));
  EXPECT_EQ(sections("sun8i.c"), (V{4, 5}));
  EXPECT_EQ(sections("net/sun8i.c"), (V{0, 4, 5}));
  EXPECT_EQ(sections("arch/arm/boot/dts/sun3i.dts"), (V{5}));
}

TEST(SectionIndex, InvalidRegexesAreReportedNotFatal) {
  auto f = parse_maintainers("A\nM:\ta@b.c\nN:\tfoo(\nK:\t[x\nF:\tok/\n");
  SectionIndex index(f, {});
  ASSERT_EQ(index.problems().size(), 2u);
  EXPECT_EQ(index.problems()[0].line, 3);
  EXPECT_EQ(index.problems()[1].line, 4);
  EXPECT_EQ(index.sections_for("ok/x.c"), (V{0}));
}

std::vector<std::string> lookup(const std::vector<std::string>& files,
                                std::map<std::string, std::string> content = {},
                                std::string mailmap = "") {
  SourceTree tree;
  tree.read = [content](const std::string& p) -> std::optional<std::string> {
    auto it = content.find(p);
    if (it == content.end()) return std::nullopt;
    return it->second;
  };
  MaintainersDatabase db(kFile, mailmap, tree);
  std::vector<std::string> out;
  for (const auto& c : db.lookup(files)) out.push_back(c.email);
  return out;
}

using S = std::vector<std::string>;

TEST(MaintainersDatabase, PeopleThenListsDeduplicatedWithoutTheChiefPenguin) {
  EXPECT_EQ(
      lookup({"net/core/dev.c"}),
      (S{"Core Person <core@example.org>", "Reviewer Rita <rita@example.org>",
         "Net Boss <net@example.org>", "netdev@example.org", "linux-kernel@vger.kernel.org"}));
}

TEST(MaintainersDatabase, KeywordsInTheFileAndSubscriberOnlyListsSkipped) {
  EXPECT_EQ(
      lookup({"README"}, {{"README", "a magic_word here"}}),
      (S{"Regex Rae <rae@example.org>", "linux-kernel@vger.kernel.org", "netdev@example.org"}));
}

TEST(MaintainersDatabase, YamlFilesNameTheirOwnMaintainers) {
  EXPECT_EQ(lookup({"x.yaml"}, {{"x.yaml", "maintainers:\n  - Jane Q. Doe <jane@example.org>\n"}}),
            (S{"\"Jane Q. Doe\" <jane@example.org>", "linux-kernel@vger.kernel.org"}));
}

TEST(MaintainersDatabase, MailmapAndSameNameSpelledOnce) {
  EXPECT_EQ(
      lookup({"net/core/dev.c"}, {}, "Core P. Person <core@new.example.org> <core@example.org>\n"),
      (S{"\"Core P. Person\" <core@new.example.org>", "Reviewer Rita <rita@example.org>",
         "Net Boss <net@example.org>", "netdev@example.org", "linux-kernel@vger.kernel.org"}));
}

}  // namespace
}  // namespace culprit::maintainers
