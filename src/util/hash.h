// SHA-256 helpers (OpenSSL).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace culprit {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string hex_digest();  // finishes the hash

 private:
  void* ctx_;  // EVP_MD_CTX, kept opaque so that OpenSSL stays out of the header
};

std::string sha256_hex(std::string_view data);
std::string sha256_file_hex(const std::filesystem::path& path);  // throws on unreadable file

}  // namespace culprit
