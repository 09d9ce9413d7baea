#include "build/signature.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "util/hash.h"

namespace culprit::build {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};
using ElfPtr = std::unique_ptr<Elf, ElfCloser>;

// libelf's read failures surface as null data; they mean "not a usable ELF
// file", which makes the caller fall back to hashing the bytes.
struct BadElf {};

void init_libelf() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (elf_version(EV_CURRENT) == EV_NONE) throw std::runtime_error("libelf is too old");
  });
}

// Fixed-width fields keep the hash input unambiguous: without the sizes,
// bytes could move from the end of one section to the start of the next
// without changing the digest.
void hash_u64(Sha256& hash, std::uint64_t v) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(v >> (8 * i));
  hash.update({bytes, sizeof bytes});
}

void hash_str(Sha256& hash, const char* s) {
  std::string_view v = s ? s : "";
  hash_u64(hash, v.size());
  hash.update(v);
}

GElf_Shdr header_of(Elf_Scn* scn) {
  GElf_Shdr shdr;
  if (!gelf_getshdr(scn, &shdr)) throw BadElf{};
  return shdr;
}

const char* section_name(Elf* elf, std::size_t shstrndx, const GElf_Shdr& shdr) {
  return elf_strptr(elf, shstrndx, shdr.sh_name);
}

// What the loader maps and what it contains.
bool carries_program_data(const GElf_Shdr& shdr) {
  return (shdr.sh_flags & SHF_ALLOC) && shdr.sh_type != SHT_NOBITS && shdr.sh_type != SHT_NOTE;
}

// In a relocatable object the code bytes of `call foo` and `call bar` are
// the same; only the relocations tell them apart. They are hashed by symbol
// name, not index, because debug info adds symbols and shifts the indices.
void hash_relocations(Elf* elf, std::size_t shstrndx, Elf_Scn* rel_scn, const GElf_Shdr& rel,
                      Sha256& hash) {
  Elf_Scn* target = elf_getscn(elf, rel.sh_info);
  Elf_Scn* symtab_scn = elf_getscn(elf, rel.sh_link);
  if (!target || !symtab_scn) throw BadElf{};
  if (!carries_program_data(header_of(target))) return;
  GElf_Shdr symtab = header_of(symtab_scn);
  Elf_Data* syms = elf_getdata(symtab_scn, nullptr);
  Elf_Data* data = elf_getdata(rel_scn, nullptr);
  if (!syms || !data || rel.sh_entsize == 0) throw BadElf{};
  hash.update("reloc");
  hash_str(hash, section_name(elf, shstrndx, header_of(target)));
  const std::size_t count = rel.sh_size / rel.sh_entsize;
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Rela r{};
    if (rel.sh_type == SHT_RELA) {
      if (!gelf_getrela(data, static_cast<int>(i), &r)) throw BadElf{};
    } else {
      GElf_Rel plain;
      if (!gelf_getrel(data, static_cast<int>(i), &plain)) throw BadElf{};
      r.r_offset = plain.r_offset;
      r.r_info = plain.r_info;
    }
    GElf_Sym sym{};
    if (!gelf_getsym(syms, static_cast<int>(GELF_R_SYM(r.r_info)), &sym)) throw BadElf{};
    const char* name = nullptr;
    if (GELF_ST_TYPE(sym.st_info) == STT_SECTION) {
      Elf_Scn* s = elf_getscn(elf, sym.st_shndx);
      name = s ? section_name(elf, shstrndx, header_of(s)) : nullptr;
    } else {
      name = elf_strptr(elf, symtab.sh_link, sym.st_name);
    }
    hash_u64(hash, r.r_offset);
    hash_u64(hash, GELF_R_TYPE(r.r_info));
    hash_u64(hash, static_cast<std::uint64_t>(r.r_addend));
    hash_str(hash, name);
  }
}

std::string hash_sections(Elf* elf) {
  std::size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) throw BadElf{};
  GElf_Ehdr ehdr;
  if (!gelf_getehdr(elf, &ehdr)) throw BadElf{};
  // Section names are mixed in so that moving bytes from .rodata to .data
  // (a const dropped) changes the signature. Addresses are left out: a
  // longer build id or a different note shifts everything after it without
  // changing the program.
  // NOBITS sections contribute their size: growing a static buffer is a
  // real change (often the very fix being looked for) that touches no byte
  // in the file.
  Sha256 hash;
  int hashed = 0;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr = header_of(scn);
    if (ehdr.e_type == ET_REL && (shdr.sh_type == SHT_RELA || shdr.sh_type == SHT_REL)) {
      hash_relocations(elf, shstrndx, scn, shdr, hash);
      continue;
    }
    if (!(shdr.sh_flags & SHF_ALLOC)) continue;
    if (shdr.sh_type == SHT_NOBITS) {
      hash.update("nobits");
      hash_str(hash, section_name(elf, shstrndx, shdr));
      hash_u64(hash, shdr.sh_size);
      continue;
    }
    if (!carries_program_data(shdr)) continue;
    ++hashed;
    hash.update("data");
    hash_str(hash, section_name(elf, shstrndx, shdr));
    hash_u64(hash, shdr.sh_size);
    // The bytes as they are in the file, untranslated: the signature of a
    // foreign-endian binary does not depend on the host.
    elf_errno();  // clear, so that a null below can be told from an empty section
    Elf_Data* data = elf_rawdata(scn, nullptr);
    if ((!data && elf_errno() != 0) || (data && data->d_size != shdr.sh_size)) throw BadElf{};
    if (data && data->d_buf) hash.update({static_cast<const char*>(data->d_buf), data->d_size});
  }
  // Nothing loadable (a section table cut off, or none at all): the bytes
  // are all there is to go by.
  if (hashed == 0) throw BadElf{};
  return hash.hex_digest();
}

}  // namespace

std::optional<std::string> elf_signature(const std::filesystem::path& path) {
  init_libelf();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  ElfPtr elf(elf_begin(fd.get(), ELF_C_READ, nullptr));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return std::nullopt;
  try {
    return hash_sections(elf.get());
  } catch (const BadElf&) {
    // A truncated or mangled ELF file still has bytes; their hash is a
    // signature that is never wrongly equal.
    return std::nullopt;
  }
}

std::string artifact_signature(const std::filesystem::path& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    throw std::runtime_error("cannot read " + path.string() + ": no such file");
  // An ifstream opens a directory and reads nothing from it: refuse here,
  // or every directory would have the signature of an empty file.
  if (!std::filesystem::is_regular_file(status))
    throw std::runtime_error("cannot read " + path.string() + ": not a regular file");
  if (auto sig = elf_signature(path)) return *sig;
  return sha256_file_hex(path);
}

}  // namespace culprit::build
