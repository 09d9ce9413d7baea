#include "util/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>

#include "util/error.h"
#include "util/process_guardian.h"

extern char** environ;

namespace culprit {
namespace {

// Set by a signal handler, read by every thread that runs commands: a
// lock-free atomic is both async-signal-safe and free of data races.
std::atomic<int> g_interrupt{0};
static_assert(std::atomic<int>::is_always_lock_free);
std::mutex g_groups_mutex;
std::set<pid_t> g_groups;  // process groups still running

struct GroupGuard {
  pid_t pgid;
  explicit GroupGuard(pid_t p) : pgid(p) {
    std::lock_guard lock(g_groups_mutex);
    g_groups.insert(p);
  }
  ~GroupGuard() {
    // The shell may have exited while its children still run: kill them too.
    ::kill(-pgid, SIGKILL);
    std::lock_guard lock(g_groups_mutex);
    g_groups.erase(pgid);
  }
};

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

ProcessResult run_argv(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run_argv: empty argv");
  ProcessResult result;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe");
  Fd read_end(pipefd[0]);
  Fd write_end(pipefd[1]);

  Fd log_fd;
  if (!options.log_path.empty()) {
    int fd = ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      throw std::system_error(errno, std::generic_category(),
                              "cannot write " + options.log_path.string());
    log_fd.reset(fd);
  }

  // Everything the child needs is prepared before fork (no allocation after).
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  // The marker by which this process's guardian finds everything the
  // command starts, should culprit end before it (process_guardian.h).
  auto env = options.env;
  std::erase_if(env, [](const auto& kv) { return kv.first == kMarkerVariable; });
  if (!options.outlives_culprit) env.emplace_back(kMarkerVariable, command_marker());
  const std::string marker_prefix = std::string(kMarkerVariable) + "=";
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    bool overridden = options.outlives_culprit && kv.starts_with(marker_prefix);
    for (const auto& [k, v] : env)
      if (kv.size() > k.size() && kv.substr(0, k.size()) == k && kv[k.size()] == '=')
        overridden = true;
    if (!overridden) env_store.emplace_back(kv);
  }
  for (const auto& [k, v] : env) env_store.push_back(k + "=" + v);
  std::vector<char*> cenv;
  for (auto& s : env_store) cenv.push_back(s.data());
  cenv.push_back(nullptr);
  std::string cwd = options.cwd.string();

  // The child reports a failed chdir/exec through this close-on-exec pipe,
  // so "could not start" is not mistaken for the command's exit status 127.
  int errpipe[2];
  if (::pipe2(errpipe, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe");
  Fd err_read(errpipe[0]);
  Fd err_write(errpipe[1]);
  double start = now_seconds();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    ::setpgid(0, 0);
    // If culprit itself is killed (SIGKILL cannot be caught), the command
    // must not run on and write results nobody records.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(127);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(write_end.get(), 1);
    ::dup2(write_end.get(), 2);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      int e = errno;
      (void)!::write(err_write.get(), &e, sizeof e);
      _exit(127);
    }
    ::execvpe(cargv[0], cargv.data(), cenv.data());
    int e = errno;
    (void)!::write(err_write.get(), &e, sizeof e);
    _exit(127);
  }
  ::setpgid(pid, pid);  // also in the parent, so the group exists before we may kill it
  GroupGuard guard(pid);
  write_end.reset();
  err_write.reset();
  {
    int child_errno = 0;
    ssize_t n;
    do {
      n = ::read(err_read.get(), &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof child_errno)) result.start_failed = true;
  }

  std::string output;
  bool truncated = false;
  char buf[65536];
  int status = 0;
  bool exited = false;
  double drain_deadline = 0;  // after the shell exits, leftover writers get this long
  // The watcher has seen what it needed; what is still in the pipe is read
  // until every writer is gone (at once: the group was killed).
  auto stop = [&] {
    result.stopped = true;
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    exited = true;
    drain_deadline = now_seconds() + 2.0;
  };
  for (;;) {
    double now = now_seconds();
    if (!exited) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        exited = true;
        // Children the command left behind are part of the run: end them.
        ::kill(-pid, SIGKILL);
        drain_deadline = now + 2.0;
      }
    }
    if (!exited && !options.survives_interrupt && g_interrupt.load()) {
      result.interrupted = true;
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      exited = true;
      drain_deadline = now;
    }
    if (!exited && options.timeout_seconds > 0 && now - start >= options.timeout_seconds) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      exited = true;
      drain_deadline = now + 2.0;
    }
    if (exited && now >= drain_deadline) break;
    pollfd pfd{read_end.get(), POLLIN, 0};
    int r = ::poll(&pfd, 1, 50);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    if (r == 0) {
      if (!exited && options.watch && options.watch({})) stop();
      continue;
    }
    ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 0) {
      if (exited) break;
      // Every writer closed but the shell has not been reaped yet: wait for it.
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      exited = true;
      break;
    }
    if (log_fd.get() >= 0) {
      ssize_t off = 0;
      while (off < n) {
        ssize_t wr = ::write(log_fd.get(), buf + off, n - off);
        if (wr < 0 && errno == EINTR) continue;
        if (wr <= 0) break;
        off += wr;
      }
    }
    output.append(buf, n);
    if (!exited && options.watch && options.watch(std::string_view(buf, n))) stop();
    if (output.size() > 2 * options.max_output) {
      output.erase(0, output.size() - options.max_output);
      truncated = true;
    }
  }
  result.seconds = now_seconds() - start;
  if (output.size() > options.max_output) {
    output.erase(0, output.size() - options.max_output);
    truncated = true;
  }
  (void)truncated;
  result.output = std::move(output);
  if (exited && !result.timed_out && !result.stopped) {
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
    }
  }
  if (result.timed_out || result.stopped) {
    result.signal = SIGKILL;
  }
  return result;
}

ProcessResult run_shell(const std::string& command, const ProcessOptions& options) {
  return run_argv({"/bin/sh", "-c", command}, options);
}

void request_interrupt() noexcept { g_interrupt.store(1); }
bool interrupt_requested() noexcept { return g_interrupt.load() != 0; }
void throw_if_interrupted() {
  if (interrupt_requested()) throw AbortError("interrupted; run the same command again to resume");
}

void kill_running_process_groups() {
  std::lock_guard lock(g_groups_mutex);
  for (pid_t g : g_groups) ::kill(-g, SIGKILL);
}

}  // namespace culprit
