// A fixture for end-to-end bisections on real git repositories: commits are
// files of text; the "build" concatenates the *.txt files into build.out
// and the "test" crashes (with an AddressSanitizer-style report) when the
// build contains a BUG line, exits 125 when it contains UNTESTABLE.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "util/text.h"

namespace culprit::testing {

class BisectE2E : public ::testing::Test {
 protected:
  BisectE2E() : repo_(tmp_ / "repo") {
    write_file_atomic(tmp_ / "test.sh", R"sh(#!/bin/sh
if grep -q UNTESTABLE build.out; then exit 125; fi
if grep -q BUG build.out || { [ -n "$BUG_FILE" ] && grep -q BUG "$BUG_FILE" 2>/dev/null; }; then
  if [ -n "$FLAKY" ]; then
    h=$(printf '%s %s' "$CULPRIT_COMMIT" "$CULPRIT_RUN" | cksum | cut -d' ' -f1)
    [ $((h % FLAKY)) -eq 0 ] || exit 0
  fi
  echo "=================================================================" >&2
  echo "==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x55d0c0de bp 0x7ffc0 sp 0x7ffb8" >&2
  echo "READ of size 4 at 0x602000000010 thread T0" >&2
  echo "    #0 0x55d0c0de in cache_lookup /src/cache.c:42" >&2
  echo "    #1 0x55d0c0df in main /src/main.c:10" >&2
  echo "" >&2
  echo "SUMMARY: AddressSanitizer: heap-use-after-free /src/cache.c:42 in cache_lookup" >&2
  echo "==4242==ABORTING" >&2
  exit 1
fi
exit 0
)sh");
  }

  void SetUp() override {}

  // Commit number i: writes c<i>.txt (so every commit builds differently).
  std::string code_commit(int i, const std::string& extra_file = "", const std::string& extra = "") {
    if (!extra_file.empty()) write_file_atomic(repo_.path() / extra_file, extra);
    return repo_.commit("c" + std::to_string(i) + ".txt", "code " + std::to_string(i) + "\n",
                        "change " + std::to_string(i));
  }
  // A commit that changes only documentation: same build output.
  std::string doc_commit(int i) {
    return repo_.commit("doc.md", "doc " + std::to_string(i) + "\n", "docs: update " + std::to_string(i));
  }

  // A fix bisection's trap: a branch forked before the bug (its commits
  // never crash) merged after it; the fix comes later on master.
  struct OldBranchHistory {
    std::string start;  // a crashing commit before the merge
    std::string fix;
  };
  OldBranchHistory fix_after_merged_old_branch() {
    for (int i = 0; i < 3; ++i) code_commit(i);
    repo_.branch("old-feature");
    for (int i = 100; i < 112; ++i) code_commit(i);
    repo_.checkout("master");
    code_commit(3);
    code_commit(4, "bug.txt", "BUG\n");
    OldBranchHistory h;
    for (int i = 5; i < 9; ++i) h.start = code_commit(i);
    repo_.merge("old-feature", "Merge branch 'old-feature'");
    for (int i = 9; i < 12; ++i) code_commit(i);
    h.fix = code_commit(12, "bug.txt", "fixed\n");
    for (int i = 13; i < 16; ++i) code_commit(i);
    return h;
  }

  struct Outcome {
    int status = -1;
    std::string output;
    nlohmann::json result;
  };

  Outcome bisect(const std::string& extra_args, const std::string& test_env = "") {
    std::string fp = repo_.fingerprint();
    auto json_path = tmp_ / "result.json";
    std::filesystem::remove(json_path);
    std::string test_cmd = test_env + (test_env.empty() ? "" : " ") + "sh " + (tmp_ / "test.sh").string();
    std::string args = "bisect --repo " + shell_quote(repo_.path().string()) + " --state " +
                       shell_quote((tmp_ / "state").string()) + " --json " + shell_quote(json_path.string()) +
                       " --build " + shell_quote(build_cmd_) + " --artifact build.out --test " + shell_quote(test_cmd) +
                       " " + extra_args;
    auto r = run_culprit(args);
    Outcome o;
    o.status = r.status();
    o.output = r.output;
    if (std::filesystem::exists(json_path)) o.result = nlohmann::json::parse(read_file(json_path));
    // culprit never touches the user's work tree, index or refs.
    EXPECT_EQ(fp, repo_.fingerprint()) << "user repository changed by: culprit " << args;
    return o;
  }

  static std::vector<std::string> hashes(const nlohmann::json& commits) {
    std::vector<std::string> out;
    for (const auto& c : commits) out.push_back(c["hash"]);
    return out;
  }

  TempDir tmp_;
  GitRepo repo_;
  std::string build_cmd_ = "cat *.txt > build.out";  // the --build of bisect()
};

}  // namespace culprit::testing
