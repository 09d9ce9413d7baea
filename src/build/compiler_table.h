// Which compiler builds which kernel. Old kernels do not build with new
// compilers (and the reverse), so a bisection over years of history needs
// the compiler to follow the commit's kernel version. The table is TOML:
//
//   default = "gcc"            # when no range matches
//   [[range]]
//   from = "4.19"              # inclusive; omitted: no lower bound
//   below = "5.10"             # exclusive; omitted: no upper bound
//   compiler = "gcc-10"
//
// The first matching range wins.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "build/kernel_version.h"

namespace culprit::build {

class CompilerTable {
 public:
  // Throws UserError naming `origin` and the problem (TOML syntax, a range
  // without a compiler, a version that does not parse).
  static CompilerTable parse(std::string_view toml, const std::string& origin);
  // culprit's own table, for Debian's compilers (see compiler_table.cpp).
  static CompilerTable builtin();

  // The compiler for a tree of this version (the default when unknown).
  std::string compiler_for(const std::optional<KernelVersion>& version) const;
  // Changes whenever the choice of any compiler would.
  std::string key() const;

 private:
  struct Range {
    std::optional<KernelVersion> from, below;
    std::string compiler;
  };
  std::string default_ = "gcc";
  std::vector<Range> ranges_;
};

}  // namespace culprit::build
