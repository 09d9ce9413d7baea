#include "support/test_support.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <sys/random.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "util/text.h"

namespace culprit::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "culprit-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ProcessResult sh(const std::string& command, const std::filesystem::path& cwd, bool check) {
  ProcessOptions opts;
  opts.cwd = cwd;
  auto r = run_shell(command, opts);
  if (check && r.status() != 0)
    throw std::runtime_error(fmt::format("command failed ({}): {}\n{}", r.status(), command, r.output));
  return r;
}

GitRepo::GitRepo(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  sh("git init -q -b master . && git config user.name 'Test Author' && "
     "git config user.email author@example.com && git config commit.gpgsign false",
     dir_);
}

std::string GitRepo::git(const std::string& args) {
  ++clock_;
  std::string date = fmt::format("@{} +0000", 1600000000 + clock_ * 60);
  auto r = sh(fmt::format("GIT_AUTHOR_DATE='{0}' GIT_COMMITTER_DATE='{0}' git {1}", date, args), dir_);
  return std::string(trim(r.output));
}

std::string GitRepo::commit(const std::string& file, const std::string& content, const std::string& message) {
  auto p = dir_ / file;
  std::filesystem::create_directories(p.parent_path());
  write_file_atomic(p, content);
  git("add -A");
  git("commit -q -m " + shell_quote(message));
  return head();
}

std::string GitRepo::commit_empty(const std::string& message) {
  git("commit -q --allow-empty -m " + shell_quote(message));
  return head();
}

void GitRepo::tag(const std::string& name, const std::string& rev) { git("tag " + name + " " + rev); }
void GitRepo::checkout(const std::string& rev) { git("checkout -q " + rev); }
void GitRepo::branch(const std::string& name, const std::string& from) {
  git("checkout -q -b " + name + " " + from);
}
std::string GitRepo::merge(const std::string& rev, const std::string& message) {
  git("merge -q --no-ff -m " + shell_quote(message) + " " + rev);
  return head();
}
std::string GitRepo::head() { return git("rev-parse HEAD"); }

std::string GitRepo::fingerprint() {
  auto r = sh("git rev-parse HEAD && git symbolic-ref -q HEAD; git for-each-ref && git status --porcelain "
              "--ignored && git ls-files -s && sha256sum .git/index && git count-objects -v",
              dir_, false);
  return r.output;
}

std::string culprit_binary() {
  if (const char* env = ::getenv("CULPRIT"); env && *env) return env;
#ifdef CULPRIT_BINARY
  return CULPRIT_BINARY;
#else
  return "culprit";
#endif
}

ProcessResult run_culprit(const std::string& args, const std::filesystem::path& cwd, double timeout_seconds) {
  ProcessOptions opts;
  opts.cwd = cwd;
  opts.timeout_seconds = timeout_seconds;
  return run_shell(shell_quote(culprit_binary()) + " " + args, opts);
}

std::vector<int> processes_with_env(const std::string& name, const std::string& value) {
  std::vector<int> out;
  std::string needle = '\0' + name + "=" + value + '\0';
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "environ", std::ios::binary);
    std::string env =
        '\0' + std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (env.find(needle) != std::string::npos) out.push_back(std::stoi(pid));
  }
  return out;
}

std::vector<int> wait_until_no_process_with_env(const std::string& name, const std::string& value,
                                                double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    auto left = processes_with_env(name, value);
    if (left.empty() || std::chrono::steady_clock::now() > until) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string random_hex() {
  unsigned char bytes[8];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
    throw std::runtime_error("getrandom failed");
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::optional<std::filesystem::path> shared_dir() {
#ifdef CULPRIT_SOURCE_DIR
  auto p = std::filesystem::path(CULPRIT_SOURCE_DIR).parent_path() / "shared";
  if (std::filesystem::exists(p / "INTERFACE.md")) return p;
#endif
  return std::nullopt;
}

}  // namespace culprit::testing
