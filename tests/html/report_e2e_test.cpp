// The HTML report end to end: real bisections on real git repositories with
// --html, culprit report-html on their state, and the page rendered by
// headless Chromium to a PNG that must show the verdict and the picture.
#include <signal.h>

#include <cstdlib>

#include "e2e/bisect_fixture.h"
#include "html/png_pixels.h"

namespace culprit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* const kHostile = "<script>alert(1)</script> cache: free the entry early";

class HtmlReport : public BisectE2E {
 protected:
  // Releases v1.0..v1.2, a merged feature branch, and the bug in a commit
  // whose subject is hostile markup.
  std::string make_history() {
    for (int i = 0; i < 8; ++i) code_commit(i);
    repo_.tag("v1.0");
    repo_.branch("feature");
    for (int i = 100; i < 104; ++i) code_commit(i);
    repo_.checkout("master");
    for (int i = 8; i < 14; ++i) code_commit(i);
    repo_.tag("v1.1");
    code_commit(14);
    std::string bug = repo_.commit("bug.txt", "BUG\n", kHostile);
    for (int i = 16; i < 20; ++i) code_commit(i);
    repo_.merge("feature", "Merge branch 'feature'");
    for (int i = 20; i < 26; ++i) code_commit(i);
    repo_.tag("v1.2");
    for (int i = 26; i < 30; ++i) code_commit(i);
    return bug;
  }
  std::filesystem::path html_ = tmp_ / "report.html";
};

std::optional<std::string> chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (std::filesystem::exists(p)) return std::string(p);
  return std::nullopt;
}

TEST_F(HtmlReport, BisectWritesTheReportAndReportHtmlRepeatsIt) {
  std::string bug = make_history();
  auto o = bisect("--commit " + repo_.head() + " --html " + shell_quote(html_.string()));
  ASSERT_EQ(o.status, 0) << o.output;
  ASSERT_EQ(o.result["verdict"], "found");
  ASSERT_TRUE(std::filesystem::exists(html_)) << o.output;
  std::string page = read_file(html_);
  EXPECT_THAT(page, HasSubstr("First bad commit"));
  EXPECT_THAT(page, HasSubstr("<td class=\"hash\">" + bug + "</td>"));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt; cache: free the entry early"));
  EXPECT_THAT(page, HasSubstr("AddressSanitizer: heap-use-after-free"));  // the crash report text
  EXPECT_THAT(page,
              HasSubstr("<span class=\"badge\">v1.1</span>"));  // tested releases carry their tag
  EXPECT_THAT(page, HasSubstr("<svg"));
  for (const auto& step : o.result["steps"]) {
    std::string h = step["hash"];
    EXPECT_THAT(page, HasSubstr("<span class=\"hash\">" + h.substr(0, 12) + "</span>")) << h;
    EXPECT_THAT(page, HasSubstr(" " + step["verdict"].get<std::string>() + " " + h.substr(0, 12)))
        << h;
  }
  // Every commit of the range between v1.1 and the start is in the picture.
  int in_range = std::stoi(repo_.git("rev-list --count v1.1.." + repo_.head())) + 1;
  EXPECT_THAT(page, HasSubstr("<b>" + std::to_string(in_range) + "</b>commits in the range"));

  // The same page from the state directory, to a file and to stdout.
  auto again = tmp_ / "again.html";
  auto r = run_culprit("report-html --state " + shell_quote((tmp_ / "state").string()) + " -o " +
                       shell_quote(again.string()));
  ASSERT_EQ(r.status(), 0) << r.output;
  EXPECT_EQ(read_file(again), page);
  auto out = run_culprit("report-html --repo " + shell_quote(repo_.path().string()) + " --state " +
                         shell_quote((tmp_ / "state").string()));
  EXPECT_EQ(out.status(), 0);
  EXPECT_THAT(out.output, HasSubstr("First bad commit"));
}

TEST_F(HtmlReport, FixBisectionAcrossAMergedOldBranch) {
  auto [start, fix] = fix_after_merged_old_branch();
  auto o = bisect("--fix --commit " + start + " --html " + shell_quote(html_.string()));
  ASSERT_EQ(o.status, 0) << o.output;
  ASSERT_EQ(hashes(o.result["commits"]), std::vector<std::string>{fix});
  std::string page = read_file(html_);
  EXPECT_THAT(page, HasSubstr("Fixed by"));
  EXPECT_THAT(page, HasSubstr("<td class=\"hash\">" + fix + "</td>"));
  EXPECT_THAT(page, HasSubstr(">fix</text>"));
  // The range from the start commit to HEAD (the old branch included), and
  // in the end one candidate: the fix. Commits of the old branch that do
  // not crash never count as fixed, so they never narrow the range wrongly.
  int in_range = std::stoi(repo_.git("rev-list --count " + start + "..HEAD")) + 1;
  EXPECT_THAT(page, HasSubstr("<b>" + std::to_string(in_range) + "</b>commits in the range"));
  std::size_t steps = o.result["steps"].size();
  EXPECT_THAT(page,
              HasSubstr("<title>after step " + std::to_string(steps) + ": 1 candidate</title>"));
}

TEST_F(HtmlReport, InterruptedBisectionShowsTheWorkSoFar) {
  make_history();
  // The fourth test run stops culprit: SIGTERM (it aborts, exit 3, and
  // writes the report itself), then SIGKILL (it cannot; report-html can).
  for (int sig : {SIGTERM, SIGKILL}) {
    std::filesystem::remove_all(tmp_ / "state");
    std::filesystem::remove(html_);
    auto pid = tmp_ / "pid", count = tmp_ / "count";
    std::filesystem::remove(count);
    write_file_atomic(tmp_ / "stop.sh",
                      "n=$(cat " + shell_quote(count.string()) + " 2>/dev/null || echo 0)\n" +
                          "echo $((n + 1)) > " + shell_quote(count.string()) + "\n" +
                          "[ $n -eq 3 ] && kill -" + std::to_string(sig) + " $(cat " +
                          shell_quote(pid.string()) + ") && sleep 5\nexit 0\n");
    std::string cmd =
        "echo $$ > " + shell_quote(pid.string()) + "; exec " + shell_quote(culprit_binary()) +
        " bisect --repo " + shell_quote(repo_.path().string()) + " --state " +
        shell_quote((tmp_ / "state").string()) + " --commit " + repo_.head() +
        " --build 'cat *.txt > build.out' --artifact build.out --runs 4 --html " +
        shell_quote(html_.string()) + " --test " +
        shell_quote("sh " + (tmp_ / "stop.sh").string() + " && sh " + (tmp_ / "test.sh").string());
    auto r = sh(cmd, {}, false);
    if (sig == SIGTERM) {
      ASSERT_EQ(r.status(), 3) << r.output;
      ASSERT_TRUE(std::filesystem::exists(html_)) << r.output;
      std::string page = read_file(html_);
      EXPECT_THAT(page, HasSubstr("banner aborted"));
      EXPECT_THAT(page, HasSubstr("<tr class=\"step\">"));
    } else {
      ASSERT_EQ(r.status(), 128 + SIGKILL) << r.output;
      EXPECT_FALSE(std::filesystem::exists(html_));
    }
    auto rep = run_culprit("report-html --state " + shell_quote((tmp_ / "state").string()));
    ASSERT_EQ(rep.status(), 0) << rep.output;
    EXPECT_THAT(rep.output, HasSubstr(sig == SIGTERM ? "banner aborted" : "banner interrupted"));
    EXPECT_THAT(rep.output, HasSubstr("<tr class=\"step\">"));  // the start commit, at least
    EXPECT_THAT(rep.output, Not(HasSubstr("class=\"verdict")));
  }
}

TEST_F(HtmlReport, NothingToRenderIsAOneLineError) {
  auto missing = run_culprit("report-html --state " + shell_quote((tmp_ / "nope").string()));
  EXPECT_EQ(missing.status(), 2);
  EXPECT_THAT(missing.output, HasSubstr("does not exist"));
  std::filesystem::create_directories(tmp_ / "empty");
  auto empty = run_culprit("report-html --state " + shell_quote((tmp_ / "empty").string()));
  EXPECT_EQ(empty.status(), 2);
  EXPECT_THAT(empty.output, HasSubstr("no bisection recorded"));
  EXPECT_EQ(std::count(empty.output.begin(), empty.output.end(), '\n'), 1) << empty.output;
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "empty" / "lock"));  // reading changed nothing
  auto bad_out = run_culprit("report-html --state " + shell_quote((tmp_ / "empty").string()) +
                             " -o /nonexistent/x.html");
  EXPECT_EQ(bad_out.status(), 2);
  repo_.commit("a.txt", "a\n", "one");
  auto html_dir = bisect("--commit HEAD --html /nonexistent/dir/r.html");
  EXPECT_EQ(html_dir.status, 2);
  EXPECT_THAT(html_dir.output, HasSubstr("--html /nonexistent/dir/r.html: directory"));
  auto help = run_culprit("report-html --help");
  EXPECT_EQ(help.status(), 0);
  EXPECT_THAT(help.output, HasSubstr("standard output"));
}

// Headless Chromium renders the report; the screenshot must show the page
// (not blank), the verdict at the top and the coloured marks of the picture.
TEST_F(HtmlReport, RendersInHeadlessChromium) {
  auto browser = chromium();
  if (!browser)
    GTEST_SKIP()
        << "chromium is not installed (Debian package 'chromium', see scripts/install-deps)";
  make_history();
  auto o = bisect("--commit " + repo_.head() + " --html " + shell_quote(html_.string()));
  ASSERT_EQ(o.status, 0) << o.output;
  write_file_atomic(tmp_ / "blank.html", "<!DOCTYPE html><html><body></body></html>\n");
  auto shoot = [&](const std::filesystem::path& page, const std::filesystem::path& png) {
    std::string cmd = "timeout 180 " + shell_quote(*browser) +
                      " --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=" +
                      shell_quote((tmp_ / "profile").string()) +
                      " --screenshot=" + shell_quote(png.string()) + " --window-size=1200,1600 " +
                      shell_quote("file://" + page.string());
    auto r = sh(cmd, {}, false);
    EXPECT_TRUE(std::filesystem::exists(png)) << r.output;
  };
  shoot(html_, tmp_ / "report.png");
  shoot(tmp_ / "blank.html", tmp_ / "blank.png");
  if (const char* keep = std::getenv("CULPRIT_KEEP_SCREENSHOT"))
    std::filesystem::copy_file(tmp_ / "report.png", keep,
                               std::filesystem::copy_options::overwrite_existing);
  std::string error;
  auto img = decode_png(tmp_ / "report.png", &error);
  ASSERT_TRUE(img) << error;
  auto blank = decode_png(tmp_ / "blank.png", &error);
  ASSERT_TRUE(blank) << error;
  EXPECT_EQ(img->width, 1200);
  EXPECT_EQ(img->height, 1600);

  auto count = [](const Image& im, int y0, int y1, auto pred) {
    long n = 0;
    for (int y = y0; y < std::min(y1, im.height); ++y)
      for (int x = 0; x < im.width; ++x) n += pred(im.at(x, y)) ? 1 : 0;
    return n;
  };
  auto near = [](Image::Pixel want) {
    return [want](Image::Pixel p) {
      return std::abs(p.r - want.r) < 30 && std::abs(p.g - want.g) < 30 &&
             std::abs(p.b - want.b) < 30;
    };
  };
  auto not_white = [](Image::Pixel p) { return p.r < 235 || p.g < 235 || p.b < 235; };
  auto dark = [](Image::Pixel p) { return p.r < 90 && p.g < 90 && p.b < 90; };
  long total = static_cast<long>(img->width) * img->height;
  EXPECT_LT(count(*blank, 0, blank->height, not_white), total / 1000)
      << "the blank reference is not blank";
  EXPECT_GT(count(*img, 0, img->height, not_white), total / 25)
      << "the report renders (nearly) blank";
  EXPECT_GT(count(*img, 0, 300, dark), 1500) << "no heading and verdict text at the top";
  EXPECT_GT(count(*img, 0, img->height, near({198, 40, 40})), 300) << "no bad (red) marks";
  EXPECT_GT(count(*img, 0, img->height, near({46, 125, 50})), 300) << "no good (green) marks";
  EXPECT_GT(count(*img, 0, img->height, near({144, 202, 249})), 2000) << "no candidate bands";

  // The browser's own view of the page: the key elements are in the DOM.
  auto dom = sh("timeout 180 " + shell_quote(*browser) +
                    " --headless --no-sandbox --disable-gpu --user-data-dir=" +
                    shell_quote((tmp_ / "profile").string()) + " --dump-dom " +
                    shell_quote("file://" + html_.string()),
                {}, false);
  EXPECT_THAT(dom.output, HasSubstr("First bad commit"));
  EXPECT_THAT(dom.output, HasSubstr("<svg"));
  EXPECT_THAT(dom.output, HasSubstr("class=\"band\""));
  EXPECT_THAT(dom.output, Not(HasSubstr("<script")));
}

}  // namespace
}  // namespace culprit::testing
