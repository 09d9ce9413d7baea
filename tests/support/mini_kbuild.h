// A miniature kbuild for config minimisation tests: a fake kernel tree
// whose Makefile implements defconfig, olddefconfig (the last value wins;
// BUGGY selects HELPER; the OPT_3x options depend on MENU) and a "bzImage"
// that is a shell script, crashing ("kernel BUG in buggy_read") when
// drivers/buggy.c is in the tree and BUGGY and HELPER are on.
#pragma once

#include <filesystem>
#include <string>

#include "util/text.h"

namespace culprit::testing {

inline constexpr const char* kMiniMakefile = R"mk(VERSION = 6
PATCHLEVEL = 1
SUBLEVEL = 0
.PHONY: defconfig olddefconfig bzImage
defconfig:
	printf 'CONFIG_64BIT=y\nCONFIG_PRINTK=y\n# CONFIG_BUGGY is not set\n' > $(O)/.config
	sh $(CURDIR)/scripts/olddefconfig.sh $(O)/.config
olddefconfig:
	sh $(CURDIR)/scripts/olddefconfig.sh $(O)/.config
bzImage:
	sh $(CURDIR)/scripts/build.sh $(O) $(CURDIR)
)mk";

// olddefconfig in miniature: one line per symbol (the last value wins),
// sorted, with BUGGY selecting HELPER and OPT_3x depending on MENU.
inline constexpr const char* kMiniOlddefconfig = R"sh(cfg=$1
awk '
/^CONFIG_[A-Za-z0-9_]+=/ { s = substr($0, 8); i = index(s, "="); v[substr(s, 1, i - 1)] = substr(s, i + 1); next }
/^# CONFIG_[A-Za-z0-9_]+ is not set/ { v[substr($2, 8)] = "n"; next }
END {
  if (v["BUGGY"] == "y") v["HELPER"] = "y"
  for (k in v) if (k ~ /^OPT_3/ && v["MENU"] != "y") v[k] = "n"
  for (k in v) printf "%s\t%s\n", k, v[k]
}' "$cfg" | sort | awk -F '\t' '{ if ($2 == "n") print "# CONFIG_" $1 " is not set"; else print "CONFIG_" $1 "=" $2 }' > "$cfg.new"
mv "$cfg.new" "$cfg"
echo settled >> "$(dirname "$cfg")/settles"
)sh";

// The "kernel": OPT_1 without OPT_5 does not build; with drivers/buggy.c
// in the tree, BUGGY with HELPER crashes. Every build is logged in O/builds
// with the hash of its .config.
inline constexpr const char* kMiniBuild = R"sh(O=$1 SRC=$2
echo "build $(sha256sum < "$O/.config" | cut -c1-16)" >> "$O/builds"
if grep -q '^CONFIG_OPT_1=y' "$O/.config" && ! grep -q '^CONFIG_OPT_5=y' "$O/.config"; then
  echo 'drivers/opt.c:1:1: error: OPT_1 needs OPT_5' >&2
  exit 1
fi
mkdir -p "$O/arch/x86/boot"
{
  echo 'echo booted'
  if [ -f "$SRC/drivers/buggy.c" ] && grep -q '^CONFIG_BUGGY=y' "$O/.config" &&
     grep -q '^CONFIG_HELPER=y' "$O/.config"; then
    echo "echo 'kernel BUG at drivers/buggy.c:42!'"
    echo "echo 'invalid opcode: 0000 [#1] SMP'"
    echo "echo 'RIP: 0010:buggy_read+0x10/0x20'"
    echo 'exit 1'
  fi
  echo 'exit 0'
} > "$O/vmlinux"
cp "$O/vmlinux" "$O/arch/x86/boot/bzImage"
)sh";

// Writes the tree into `dir` (Makefile, Kconfig, scripts/), with
// drivers/buggy.c when `buggy`.
inline void write_mini_kbuild(const std::filesystem::path& dir, bool buggy) {
  std::filesystem::create_directories(dir / "scripts");
  write_file_atomic(dir / "Makefile", kMiniMakefile);
  write_file_atomic(dir / "Kconfig", "mainmenu \"miniature\"\n");
  write_file_atomic(dir / "scripts/olddefconfig.sh", kMiniOlddefconfig);
  write_file_atomic(dir / "scripts/build.sh", kMiniBuild);
  if (buggy) {
    std::filesystem::create_directories(dir / "drivers");
    write_file_atomic(dir / "drivers/buggy.c", "int buggy_read(int *p) { return *p; }\n");
  }
}

// The bug's config: defconfig's, 40 unrelated options, BUGGY (HELPER comes
// with it), MENU and a string: 44 options beyond the baseline.
inline std::string mini_bug_config() {
  std::string bug = "CONFIG_64BIT=y\nCONFIG_PRINTK=y\n";
  for (int i = 0; i < 40; ++i) bug += "CONFIG_OPT_" + std::to_string(i) + "=y\n";
  bug += "CONFIG_BUGGY=y\nCONFIG_HELPER=y\nCONFIG_MENU=y\nCONFIG_NAME=\"syzkaller\"\n";
  return bug;
}

}  // namespace culprit::testing
