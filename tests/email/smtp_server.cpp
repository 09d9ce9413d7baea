#include "email/smtp_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "email/python_check.h"
#include "util/text.h"

namespace culprit::testing {

std::optional<std::string> SmtpServer::python() {
  static const auto found = python_with("aiosmtpd");
  return found;
}

SmtpServer::SmtpServer(const std::filesystem::path& dir, const std::vector<std::string>& args)
    : dir_(dir) {
  auto py = python();
  if (!py) throw std::runtime_error("python3-aiosmtpd is not installed");
  std::filesystem::create_directories(dir_);
  std::string script = std::string(CULPRIT_SOURCE_DIR) + "/tests/email/smtp_server.py";
  std::vector<std::string> argv = {*py,           script,        "--dir",
                                   dir_.string(), "--port-file", (dir_ / "port").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::string log = (dir_ / "server.log").string();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(cargv[0], cargv.data());
    _exit(127);
  }
  // Wait for the port file (written once the server accepts connections),
  // or for the server to die.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!std::filesystem::exists(dir_ / "port")) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the SMTP server did not start: " + read_file(log));
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("the SMTP server did not come up: " + read_file(log));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  port_ = std::stoi(read_file(dir_ / "port"));
}

SmtpServer::~SmtpServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string SmtpServer::url(const std::string& scheme) const {
  return scheme + "://127.0.0.1:" + std::to_string(port_);
}

std::vector<SmtpServer::Received> SmtpServer::received() const {
  std::vector<Received> out;
  for (int n = 1;; ++n) {
    auto eml = dir_ / (std::to_string(n) + ".eml");
    auto env = dir_ / (std::to_string(n) + ".json");
    if (!std::filesystem::exists(eml) || !std::filesystem::exists(env)) break;
    out.push_back({eml, nlohmann::json::parse(read_file(env))});
  }
  return out;
}

}  // namespace culprit::testing
