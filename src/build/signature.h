// Build signatures (INTERFACE.md): for ELF files the SHA-256 over allocated
// sections that carry file data (not NOBITS, not NOTE), so debug info, build
// ids, notes and stripping do not change it; for other files the SHA-256 of
// the bytes. Each section's name and size go in with its data, allocated
// NOBITS sections (.bss) with name and size only, and in relocatable
// objects (.o) the relocations against those sections, by symbol name. An
// ELF file that libelf cannot walk, or that has no such section, gets the
// hash of its bytes: a signature that may differ needlessly but is never
// wrongly equal.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace culprit::build {

// Throws std::runtime_error when the file cannot be read or is not a
// regular file.
std::string artifact_signature(const std::filesystem::path& path);
// The ELF signature, or nothing when `path` is not a usable ELF file.
// Throws std::runtime_error when the file cannot be opened.
std::optional<std::string> elf_signature(const std::filesystem::path& path);

}  // namespace culprit::build
