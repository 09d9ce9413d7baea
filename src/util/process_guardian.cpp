// Why a guardian per culprit process and a marker in the environment:
//
// - PR_SET_PDEATHSIG on the command's shell reaches that shell only; its
//   children (make under `sh -c`, a script's background subshell) ran on
//   after a SIGKILLed culprit and raced the resumed build.
// - A supervisor between culprit and each command would fix that too, but it
//   would change what commands see ($PPID is no longer culprit: the resume
//   tests and users' scripts rely on it) and it would have to relay exit
//   statuses and signals. The guardian stays beside the commands: their
//   process tree and wait statuses are unchanged.
// - The guardian learns of culprit's end from a pipe whose only write end
//   culprit holds: the kernel closes it however culprit ends, whichever
//   thread started the command (PDEATHSIG follows the forking thread).
// - It finds the processes to kill by a marker in their environment rather
//   than by recorded process-group ids: ids are reused (pid_max is 32768 on
//   this machine, a kernel build goes through that in minutes), a marker
//   names exactly the processes that descend from culprit's commands, also
//   those that left their process group (setsid), and the same marker,
//   recorded in the state directory, lets the next culprit finish the job
//   when the guardian was killed too. A process that clears its environment
//   (env -i) loses the marker but not its process group, which is killed
//   with every marked member of it.
// - Not a child subreaper: orphans would become culprit's children, and
//   reaping them needs waitpid(-1), which would take the exit status that a
//   parallel run's thread waits for. Killed orphans are reaped by init.
//
// The guardian is a fork of a threaded process that does not exec: it and
// kill_marked_processes use system calls only (no allocation, no locks).
#include "util/process_guardian.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <system_error>

namespace culprit {
namespace {

// The guardian's name in /proc/PID/comm (at most 15 characters): guardians
// never kill each other (a culprit started by another culprit's command
// carries the outer marker, and so does its guardian, a fork of it).
constexpr char kGuardianName[] = "culprit-guard";
constexpr std::size_t kMaxMarker = 64;

// "/proc/PID/LEAF" into `out` (at least 64 bytes) without allocating.
void proc_path(char* out, long pid, const char* leaf) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + pid % 10);
    pid /= 10;
  } while (pid > 0);
  char* p = out;
  for (const char* s = "/proc/"; *s;) *p++ = *s++;
  while (n > 0) *p++ = digits[--n];
  *p++ = '/';
  while (*leaf) *p++ = *leaf++;
  *p = '\0';
}

long parse_number(const char*& p) {
  long v = -1;
  if (*p >= '0' && *p <= '9') v = 0;
  while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
  return v;
}

// Does /proc/PID/environ hold `entry` ("\0NAME=value\0")? Read in pieces:
// environments can be large.
bool environ_holds(long pid, const char* entry, std::size_t len) {
  char path[64];
  proc_path(path, pid, "environ");
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  constexpr std::size_t kPiece = 8192;
  char buf[kPiece + kMaxMarker + 64];
  std::size_t have = 1;
  buf[0] = '\0';  // the first variable has no NUL before it
  bool found = false;
  for (;;) {
    ssize_t n = ::read(fd, buf + have, kPiece);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
    if (::memmem(buf, have, entry, len)) {
      found = true;
      break;
    }
    std::size_t keep = std::min(have, len - 1);
    std::memmove(buf, buf + have - keep, keep);
    have = keep;
  }
  ::close(fd);
  return found;
}

struct StatFields {
  long pgrp = -1;
  bool guardian = false;
};

// From /proc/PID/stat: "PID (COMM) STATE PPID PGRP ...".
bool read_stat(long pid, StatFields& out) {
  char path[64];
  proc_path(path, pid, "stat");
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf - 1);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* open = static_cast<const char*>(std::memchr(buf, '(', n));
  const char* close = static_cast<const char*>(::memrchr(buf, ')', n));
  if (!open || !close || close < open || close + 4 >= buf + n) return false;
  std::size_t name_len = static_cast<std::size_t>(close - open - 1);
  out.guardian =
      name_len == sizeof kGuardianName - 1 && std::memcmp(open + 1, kGuardianName, name_len) == 0;
  const char* p = close + 4;  // past ") S "
  if (parse_number(p) < 0 || *p++ != ' ') return false;
  out.pgrp = parse_number(p);
  return out.pgrp >= 0;
}

std::string make_marker() {
  unsigned char bytes[8];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    unsigned long long v = static_cast<unsigned long long>(t.tv_sec) * 1000000007ull ^
                           static_cast<unsigned long long>(t.tv_nsec);
    std::memcpy(bytes, &v, sizeof bytes);
  }
  static const char hex[] = "0123456789abcdef";
  std::string out = std::to_string(::getpid()) + "-";
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

bool looks_like_marker(const std::string& name) {
  if (name.empty() || name.size() > kMaxMarker) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-';
  });
}

void close_from(int first) {
  if (::close_range(static_cast<unsigned>(first), ~0U, 0) == 0) return;
  rlimit lim{};
  rlim_t last =
      ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY ? lim.rlim_cur : 65536;
  for (rlim_t fd = static_cast<rlim_t>(first); fd < last; ++fd) ::close(static_cast<int>(fd));
}

[[noreturn]] void run_guardian(int alive_fd, const char* marker, std::size_t marker_len) {
  // Its own session: a Ctrl-C for culprit's terminal, a hang-up, or a kill
  // of culprit's process group must not end it before culprit.
  ::setsid();
  ::prctl(PR_SET_NAME, kGuardianName);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU})
    ::sigaction(sig, &ignore, nullptr);
  // Nothing of culprit's stays open: not the state directory's lock, and not
  // the output pipe whose end the caller of culprit waits for.
  if (alive_fd != 0) ::dup2(alive_fd, 0);
  close_from(1);
  if (::chdir("/") != 0) {
    // Only keeps a directory busy; nothing to do about it.
  }
  char byte;
  for (;;) {
    ssize_t n = ::read(0, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  kill_marked_processes(std::string_view(marker, marker_len));
  ::_exit(0);
}

struct Guardian {
  std::mutex mutex;
  pid_t owner = 0;     // the process this guardian watches
  pid_t pid = 0;       // the guardian
  int alive_fd = -1;   // its pipe's write end; the guardian sees EOF when it closes
  std::string marker;  // this process's, for its whole life
};

Guardian& guardian() {
  static Guardian g;
  return g;
}

}  // namespace

int kill_marked_processes(std::string_view marker) {
  if (marker.empty() || marker.size() > kMaxMarker) return 0;
  char entry[kMaxMarker + 32];
  std::size_t var = std::strlen(kMarkerVariable), len = 0;
  entry[len++] = '\0';
  std::memcpy(entry + len, kMarkerVariable, var);
  len += var;
  entry[len++] = '=';
  std::memcpy(entry + len, marker.data(), marker.size());
  len += marker.size();
  entry[len++] = '\0';

  pid_t self = ::getpid();
  pid_t own_group = ::getpgrp();
  int first_look = -1;
  // A process forked while the list was read may be missed by that pass;
  // and a killed process keeps its environment until it is gone: look again
  // until nothing marked is left (bounded: one in uninterruptible sleep
  // cannot be waited for).
  for (int pass = 0; pass < 100; ++pass) {
    int found = 0;
    int dir = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) break;
    alignas(dirent64) char buf[8192];
    for (;;) {
      ssize_t n = ::getdents64(dir, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      for (ssize_t off = 0; off < n;) {
        const auto* d = reinterpret_cast<const dirent64*>(buf + off);
        off += d->d_reclen;
        const char* name = d->d_name;
        long pid = parse_number(name);
        if (pid <= 0 || *name != '\0' || pid == self) continue;
        if (!environ_holds(pid, entry, len)) continue;
        StatFields stat;
        if (!read_stat(pid, stat) || stat.guardian) continue;
        // The group first: the marked member keeps its id from being reused.
        if (stat.pgrp > 1 && stat.pgrp != own_group)
          ::kill(-static_cast<pid_t>(stat.pgrp), SIGKILL);
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        ++found;
      }
    }
    ::close(dir);
    if (first_look < 0) first_look = found;
    if (found == 0) break;
    timespec pause{0, 10 * 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  }
  return first_look < 0 ? 0 : first_look;
}

void ensure_process_guardian() {
  Guardian& g = guardian();
  std::lock_guard lock(g.mutex);
  pid_t self = ::getpid();
  if (g.owner == self) {
    if (::waitpid(g.pid, nullptr, WNOHANG) == 0) return;
    // Someone killed it: a new one watches the same marker.
    ::close(g.alive_fd);
    g.alive_fd = -1;
  } else {
    // First use, or a forked child of a process that had one (the inherited
    // write end belongs to the parent's guardian).
    if (g.alive_fd >= 0) ::close(g.alive_fd);
    g.alive_fd = -1;
    g.marker = make_marker();
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::system_error(e, std::generic_category(), "fork");
  }
  if (pid == 0) run_guardian(fds[0], g.marker.data(), g.marker.size());
  ::close(fds[0]);
  g.alive_fd = fds[1];
  g.pid = pid;
  g.owner = self;
}

std::string command_marker() {
  ensure_process_guardian();
  Guardian& g = guardian();
  std::lock_guard lock(g.mutex);
  return g.marker;
}

CommandOwnerRecord::CommandOwnerRecord(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  marker_ = command_marker();
  const std::string& own = marker_;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    std::string name = entry.path().filename().string();
    if (name == own || !looks_like_marker(name)) continue;
    leftovers_killed_ += kill_marked_processes(name);
    std::error_code ec;
    std::filesystem::remove(entry.path(), ec);
  }
  std::ofstream out(dir_ / own);
  out << "culprit process " << ::getpid() << " runs commands with " << kMarkerVariable << "=" << own
      << " in their environment\n";
  if (!out.flush()) throw std::runtime_error("cannot write " + (dir_ / own).string());
}

CommandOwnerRecord::~CommandOwnerRecord() {
  std::error_code ec;
  std::filesystem::remove(dir_ / marker_, ec);
}

}  // namespace culprit
