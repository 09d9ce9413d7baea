#include "run/initramfs.h"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>
#include <vector>

#include "util/text.h"

namespace culprit::run {
namespace {

class NewcWriter {
 public:
  explicit NewcWriter(const std::filesystem::path& path)
      : out_(path, std::ios::binary | std::ios::trunc) {
    if (!out_) throw std::runtime_error("cannot write " + path.string());
  }
  void dir(const std::string& name) { entry(name, 040755, ""); }
  void file(const std::string& name, const std::string& data, unsigned mode = 0100755) {
    entry(name, mode, data);
  }
  void symlink(const std::string& name, const std::string& target) { entry(name, 0120777, target); }
  void finish() {
    entry("TRAILER!!!", 0, "");
    out_.flush();
    if (!out_) throw std::runtime_error("writing the initramfs failed");
  }

 private:
  void entry(const std::string& name, unsigned mode, const std::string& data) {
    std::string header = fmt::format(
        "070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}",
        ++ino_, mode, 0, 0, 1, 0, data.size(), 0, 0, 0, 0, name.size() + 1, 0);
    out_ << header << name << '\0';
    pad(header.size() + name.size() + 1);
    out_ << data;
    pad(data.size());
  }
  void pad(size_t n) {
    static const char zeros[4] = {};
    out_.write(zeros, static_cast<std::streamsize>((4 - n % 4) % 4));
  }
  std::ofstream out_;
  unsigned ino_ = 0;
};

}  // namespace

std::string default_init_script() {
  return fmt::format(R"(#!/bin/sh
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "{}"
cd /tmp
/repro
echo "{}$?"
sleep {}
sync
poweroff -f
)",
                     kUserSpaceMarker, kReproDoneMarker, kLateCrashGraceSeconds);
}

void write_initramfs(const std::filesystem::path& out, const InitramfsSpec& spec) {
  if (!std::filesystem::exists(spec.busybox))
    throw std::runtime_error("busybox not found at " + spec.busybox.string() +
                             " (install busybox-static)");
  if (!std::filesystem::exists(spec.reproducer))
    throw std::runtime_error("reproducer " + spec.reproducer.string() + " does not exist");
  NewcWriter w(out);
  for (const char* d : {"bin", "sbin", "proc", "sys", "dev", "tmp"}) w.dir(d);
  w.file("bin/busybox", read_file(spec.busybox));
  for (const char* applet :
       {"sh", "mount", "mkdir", "echo", "sync", "poweroff", "halt", "cat", "sleep", "ls"})
    w.symlink(std::string("bin/") + applet, "busybox");
  w.symlink("sbin/poweroff", "../bin/busybox");
  w.file("init", spec.init_script.empty() ? default_init_script() : spec.init_script);
  w.file("repro", read_file(spec.reproducer));
  w.finish();
}

}  // namespace culprit::run
