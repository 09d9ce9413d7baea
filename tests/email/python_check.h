// An independent reader for the mail tests: Debian's own Python 3 (its
// email, quopri and base64 packages; aiosmtpd for the SMTP server).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "support/test_support.h"
#include "util/text.h"

namespace culprit::testing {

// A python3 that can import `module`, or nothing (the test then skips).
inline std::optional<std::string> python_with(const std::string& module) {
  for (const char* p : {"/usr/bin/python3", "python3"}) {
    auto r = sh(std::string(p) + " -c " + shell_quote("import " + module), {}, false);
    if (r.status() == 0) return std::string(p);
  }
  return std::nullopt;
}

// Runs a Python program with arguments; returns its stdout+stderr, throws
// when it fails.
inline std::string python_run(const std::string& program, const std::string& args = "") {
  static const auto python = python_with("email");
  if (!python) throw std::runtime_error("no python3");
  TempDir dir;
  write_file_atomic(dir / "check.py", program);
  return sh(*python + " " + shell_quote((dir / "check.py").string()) + " " + args).output;
}

}  // namespace culprit::testing
