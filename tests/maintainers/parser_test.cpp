// The MAINTAINERS parser on small hand-written files, malformed ones too.
#include <gtest/gtest.h>

#include <string>

#include "maintainers/maintainers_file.h"

namespace culprit::maintainers {
namespace {

bool has_problem(const MaintainersFile& f, int line, const std::string& words) {
  for (const auto& p : f.problems)
    if (p.line == line && p.message.find(words) != std::string::npos) return true;
  return false;
}

TEST(MaintainersParser, SectionsEntriesAndLines) {
  auto f = parse_maintainers(
      "Some preamble text\n"
      "\tM: not an entry (indented)\n"
      "\n"
      "FOO DRIVER\n"
      "M:\tAlice A <alice@example.org>\n"
      "# a comment inside the section\n"
      "L:\tfoo@lists.example.org\n"
      "S:\tMaintained\n"
      "F:\tdrivers/foo/\n"
      "\n"
      "THE REST\n"
      "M:\tBob <bob@example.org>\n"
      "S:\tBuried alive in reporters\n"
      "F:\t*\n");
  ASSERT_EQ(f.sections.size(), 2u);
  EXPECT_EQ(f.sections[0].name, "FOO DRIVER");
  EXPECT_EQ(f.sections[0].line, 4);
  ASSERT_EQ(f.sections[0].entries.size(), 4u);
  EXPECT_EQ(f.sections[0].entries[1].type, 'L');
  EXPECT_EQ(f.sections[0].entries[1].value, "foo@lists.example.org");
  EXPECT_EQ(f.sections[0].entries[1].line, 7);
  EXPECT_EQ(f.sections[0].status(), "Maintained");
  EXPECT_TRUE(f.sections[1].is_the_rest());
  EXPECT_FALSE(f.sections[0].is_the_rest());
  EXPECT_TRUE(f.problems.empty()) << describe(f.problems.front());
}

TEST(MaintainersParser, RecordNumbersSkipBlankAndCommentLines) {
  auto f = parse_maintainers("A\n\n# c\nM:\ta@b.c\nK:\tfoo\n");
  ASSERT_EQ(f.sections.size(), 1u);
  EXPECT_EQ(f.sections[0].entries[0].record, 1);
  EXPECT_EQ(f.sections[0].entries[1].record, 2);
}

TEST(MaintainersParser, ReportsMalformedEntriesWithLineNumbers) {
  auto f = parse_maintainers(
      "M:\torphan@example.org\n"              // 1: before any header
      "GOOD\n"                                // 2
      "S:\tSometimes\n"                       // 3: unknown status
      "Z:\twhatever\n"                        // 4: unknown type
      "F:\n"                                  // 5: empty
      "M:\tNo Address Here\n"                 // 6: no e-mail
      "F:\tdrivers/x.c \n"                    // 7: trailing blank
      "S:\tMaintained\n"                      // 8: second S:
      "f:\tdrivers/lower\n"                   // 9: lower-case type -> header
      "F:\tdrivers/y.c\n"                     // 10
      "EMPTY SECTION\n"                       // 11: no entries
      "NEXT\n"                                // 12
      "F\tdrivers/no/colon\n"                 // 13: missing colon -> header
      "L:\tlist@example.org\n"                // 14
      "L:\tSome List <list@example.org>\n");  // 15: the first word is taken as the address
  EXPECT_TRUE(has_problem(f, 1, "before any section header"));
  EXPECT_TRUE(has_problem(f, 3, "unknown status 'Sometimes'"));
  EXPECT_TRUE(has_problem(f, 4, "unknown entry type 'Z:'"));
  EXPECT_TRUE(has_problem(f, 5, "empty 'F:' entry"));
  EXPECT_TRUE(has_problem(f, 6, "no e-mail address"));
  EXPECT_TRUE(has_problem(f, 7, "trailing blanks"));
  EXPECT_TRUE(has_problem(f, 8, "more than one 'S:'"));
  EXPECT_TRUE(has_problem(f, 9, "read as a section header"));
  EXPECT_TRUE(has_problem(f, 11, "has no entries"));
  EXPECT_TRUE(has_problem(f, 13, "read as a section header"));
  EXPECT_TRUE(has_problem(f, 15, "'Some' is none"));
  EXPECT_EQ(describe(f.problems.front()), "MAINTAINERS:1: entry before any section header");
  // Read the way get_maintainer.pl reads them: the broken lines start sections.
  ASSERT_EQ(f.sections.size(), 4u);
  EXPECT_EQ(f.sections[0].name, "");
  EXPECT_EQ(f.sections[2].name, "f:\tdrivers/lower");
  EXPECT_EQ(f.sections[3].name, "F\tdrivers/no/colon");
}

TEST(MaintainersParser, NeverCrashesOnGarbage) {
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 131 + 7) % 256);
  for (std::string text :
       {std::string(), std::string("\n\n\n"), std::string("F:"), std::string("X"),
        std::string(":\n:\nA:"), std::string("S:\r\n"), garbage}) {
    auto f = parse_maintainers(text);
    for (const auto& s : f.sections) EXPECT_FALSE(s.entries.empty());
  }
}

TEST(MaintainersParser, StatusIsTheLastOne) {
  auto f = parse_maintainers("A\nS:\tOrphan\nS:\tObsolete\n");
  ASSERT_EQ(f.sections.size(), 1u);
  EXPECT_EQ(f.sections[0].status(), "Obsolete");
}

}  // namespace
}  // namespace culprit::maintainers
