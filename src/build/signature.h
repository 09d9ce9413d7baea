// Build signatures (INTERFACE.md): for ELF files the SHA-256 over allocated
// sections that carry file data (not NOBITS, not NOTE), so debug info, build
// ids and notes do not change it; for other files the SHA-256 of the bytes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace culprit::build {

// Throws std::runtime_error when the file cannot be read.
std::string artifact_signature(const std::filesystem::path& path);
// The ELF signature, or nothing when `path` is not an ELF file.
std::optional<std::string> elf_signature(const std::filesystem::path& path);

}  // namespace culprit::build
