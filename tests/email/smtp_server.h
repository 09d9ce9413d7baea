// A real SMTP server for the tests: tests/email/smtp_server.py (Debian's
// python3-aiosmtpd) on 127.0.0.1 on a free port, started and stopped by
// this object.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace culprit::testing {

class SmtpServer {
 public:
  // Python with aiosmtpd, or nothing (the tests skip).
  static std::optional<std::string> python();
  // Starts the server with extra arguments (--refuse ADDR, --drop-at data,
  // --starttls, ...) storing into `dir`; throws if it does not come up.
  SmtpServer(const std::filesystem::path& dir, const std::vector<std::string>& args = {});
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& scheme = "smtp") const;

  struct Received {
    std::filesystem::path file;  // the bytes as received
    nlohmann::json envelope;     // mail_from, rcpt_tos, login, tls
  };
  std::vector<Received> received() const;

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace culprit::testing
