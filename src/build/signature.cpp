#include "build/signature.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <stdexcept>

#include "util/hash.h"

namespace culprit::build {
namespace {

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};
using ElfPtr = std::unique_ptr<Elf, ElfCloser>;

}  // namespace

std::optional<std::string> elf_signature(const std::filesystem::path& path) {
  static std::once_flag once;
  std::call_once(once, [] { elf_version(EV_CURRENT); });
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) throw std::runtime_error("cannot read " + path.string());
  ElfPtr elf(elf_begin(fd.fd, ELF_C_READ, nullptr));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return std::nullopt;
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf.get(), &shstrndx) != 0) return std::nullopt;
  // What the loader maps and what it contains: allocated sections with file
  // data. Notes (build ids) and non-allocated sections (debug info, symbol
  // tables) do not change the program, so they stay out. Section names are
  // mixed in so that moving bytes between sections changes the signature;
  // addresses are not, since a differently sized note before .text would
  // shift them without changing the code.
  Sha256 hash;
  int sections = 0;
  for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr)) continue;
    if (!(shdr.sh_flags & SHF_ALLOC) || shdr.sh_type == SHT_NOBITS || shdr.sh_type == SHT_NOTE) continue;
    const char* name = elf_strptr(elf.get(), shstrndx, shdr.sh_name);
    hash.update(name ? name : "");
    hash.update(std::string_view("\0", 1));
    for (Elf_Data* data = elf_getdata(scn, nullptr); data; data = elf_getdata(scn, data))
      if (data->d_buf) hash.update({static_cast<const char*>(data->d_buf), data->d_size});
    ++sections;
  }
  // A relocatable object has nothing allocated: fall back to the bytes.
  if (sections == 0) return std::nullopt;
  return hash.hex_digest();
}

std::string artifact_signature(const std::filesystem::path& path) {
  if (auto sig = elf_signature(path)) return *sig;
  return sha256_file_hex(path);
}

}  // namespace culprit::build
