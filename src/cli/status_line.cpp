#include "cli/status_line.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/text.h"

namespace culprit::cli {

StatusLine::StatusLine(std::FILE* out) : out_(out) {}

StatusLine::~StatusLine() {
  std::lock_guard lock(mu_);
  if (shown_) std::fputs("\r\x1b[K", out_);
  std::fflush(out_);
}

void StatusLine::log(const std::string& line) {
  std::lock_guard lock(mu_);
  std::fputs("\r\x1b[K", out_);
  std::fputs(line.c_str(), out_);
  std::fputc('\n', out_);
  draw();
}

void StatusLine::update(const bisect::Progress& p) {
  std::lock_guard lock(mu_);
  if (p.phase == "bisecting" && progress_.phase != "bisecting") {
    bisect_start_ = std::chrono::steady_clock::now();
    steps_at_bisect_start_ = p.step;
  }
  progress_ = p;
  draw();
}

std::string StatusLine::render() const {
  using namespace std::chrono;
  double elapsed = duration<double>(steady_clock::now() - start_).count();
  std::string s = "[" + format_duration(elapsed) + "] " + progress_.phase;
  if (progress_.steps_left >= 0) {
    s += fmt::format(", step {} of about {}", progress_.step + 1,
                     progress_.step + progress_.steps_left + 1);
    if (progress_.candidates >= 0) s += fmt::format(", {} candidates", progress_.candidates);
    int done = progress_.step - steps_at_bisect_start_;
    if (done > 0) {
      double per_step = duration<double>(steady_clock::now() - bisect_start_).count() / done;
      s += ", ~" + format_duration(per_step * (progress_.steps_left + 1)) + " left";
    }
  }
  if (progress_.busy.size() > 1) {
    s += " |";
    for (std::size_t i = 0; i < progress_.busy.size(); ++i)
      s += (i ? ", " : " ") + progress_.busy[i];
  } else if (!progress_.commit.empty()) {
    s += " | " + progress_.activity + " " + progress_.commit.substr(0, 12);
    if (progress_.activity == "testing" && progress_.runs_wanted > 0)
      s += fmt::format(" (runs {}/{})", progress_.runs_done, progress_.runs_wanted);
  }
  return s;
}

void StatusLine::draw() {
  std::string s = render();
  winsize ws{};
  size_t width =
      ::ioctl(::fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10 ? ws.ws_col - 1 : 119;
  if (s.size() > width) s.resize(width);
  std::fputs("\r\x1b[K", out_);
  std::fputs(s.c_str(), out_);
  std::fflush(out_);
  shown_ = true;
}

}  // namespace culprit::cli
