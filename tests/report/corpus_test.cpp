// Runs the parser over the shared corpus of real kernel console logs (the
// format syzkaller's report tests use) and holds it to the project's bars.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "report/crash_report.h"
#include "support/test_support.h"
#include "util/text.h"

namespace culprit::report {
namespace {

struct Expected {
  std::string title, type, log;
  bool has_type = false, corrupted = false;
};

// Headers, an empty line, the log; "REPORT:" after an empty line ends it.
Expected parse_corpus_file(std::string data) {
  data.erase(std::remove(data.begin(), data.end(), '\r'), data.end());
  Expected e;
  bool headers = true, prev_empty = false;
  for (auto line : split_lines(data)) {
    if (headers) {
      if (line.empty()) {
        headers = false;
        continue;
      }
      if (starts_with(line, "TITLE: ")) e.title = std::string(line.substr(7));
      if (starts_with(line, "TYPE: ")) {
        e.type = std::string(line.substr(6));
        e.has_type = true;
      }
      if (line == "CORRUPTED: Y") e.corrupted = true;
      continue;
    }
    if (prev_empty && line == "REPORT:") break;
    e.log.append(line);
    e.log += '\n';
    prev_empty = line.empty();
  }
  return e;
}

TEST(ReportCorpus, MeetsTheAccuracyBars) {
  auto shared = culprit::testing::shared_dir();
  if (!shared || !std::filesystem::is_directory(*shared / "corpus" / "linux-report"))
    GTEST_SKIP() << "../shared/corpus/linux-report is absent: corpus check skipped";
  int files = 0, detected = 0, with_title = 0, titles = 0, corrupted = 0, with_type = 0, types = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(*shared / "corpus" / "linux-report")) {
    if (!entry.is_regular_file()) continue;
    Expected e = parse_corpus_file(read_file(entry.path()));
    auto r = find_crash(e.log);
    ++files;
    if (bool(r) == !e.title.empty()) ++detected;
    if (e.title.empty()) continue;
    ++with_title;
    if (r && r->title == e.title)
      ++titles;
    else
      std::printf("miss %s: want \"%s\" got \"%s\"\n", entry.path().filename().c_str(),
                  e.title.c_str(), r ? r->title.c_str() : "");
    if (r && r->corrupted == e.corrupted) ++corrupted;
    if (e.has_type) {
      ++with_type;
      if (r && r->type == e.type) ++types;
    }
  }
  std::printf("corpus: %d files; detection %d/%d; titles %d/%d; corrupted %d/%d; types %d/%d\n",
              files, detected, files, titles, with_title, corrupted, with_title, types, with_type);
  ASSERT_GT(files, 0);
  EXPECT_GE(detected * 100, files * 99);
  EXPECT_GE(titles * 100, with_title * 97);
  EXPECT_GE(corrupted * 100, with_title * 95);
  EXPECT_GE(types * 100, with_type * 95);
}

}  // namespace
}  // namespace culprit::report
