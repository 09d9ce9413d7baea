#include <algorithm>
#include <cmath>

#include "bisect/strategy.h"
#include "util/error.h"

namespace culprit::bisect {

double Strategy::conservative_crash_rate() const {
  if (runs_seen_ == 0) return 1.0;
  double n = runs_seen_;
  double p = (crashes_ + 0.5) / (n + 1.0);
  double lower = p - 1.2816 * std::sqrt(p * (1 - p) / n);
  return std::max(lower, p / 2);
}

namespace {

int half_up(int n) { return (n + 1) / 2; }

class SyzbotStrategy : public Strategy {
 public:
  explicit SyzbotStrategy(int runs) : runs_(runs) {}
  std::string name() const override { return "syzbot"; }

  int more_runs(const Evidence& e, Role) const override { return std::max(0, runs_ - e.total()); }

  Verdict decide(const Evidence& e, Role) const override {
    int crashed = e.matching + e.other;
    int n = e.total();
    if (crashed >= std::max(2, n / 6) && e.tested() * 2 >= n) return Verdict::bad;
    if (crashed == 0 && e.ok * 2 >= n && e.ok > 0) return Verdict::good;
    return Verdict::skip;
  }

 private:
  int runs_;
};

class AdaptiveStrategy : public Strategy {
 public:
  AdaptiveStrategy(int runs, double alpha, bool posterior = false)
      : runs_(runs), alpha_(alpha), posterior_(posterior) {}
  std::string name() const override { return posterior_ ? "posterior" : "adaptive"; }
  bool posterior() const override { return posterior_; }

  int more_runs(const Evidence& e, Role role) const override {
    if (role == Role::start) {
      // More runs on the first commit: they estimate the reproduction rate
      // that every later "good" depends on.
      if (e.total() < runs_) return runs_ - e.total();
      bool flaky = e.matching + e.other < e.tested();
      if (flaky && e.total() < 2 * runs_) return 2 * runs_ - e.total();
      // The crash not seen yet: at a 10% reproduction rate 20 runs miss the
      // crash 12% of the time, 30 runs 4%. The posterior search makes a
      // rare crash count, so it is worth the runs to see one here.
      if (posterior_ && e.matching == 0 && e.total() < 3 * runs_) return 3 * runs_ - e.total();
      return 0;
    }
    if (decisive_bad(e)) return 0;
    if (e.untestable + e.infra >= half_up(runs_) && e.untestable + e.infra > e.tested()) return 0;
    if (e.total() >= cap()) return 0;
    int want = clean_runs_needed();
    if (e.ok >= want) return 0;
    return std::min(want - e.ok, cap() - e.total());
  }

  Verdict decide(const Evidence& e, Role role) const override {
    if (decisive_bad(e)) return Verdict::bad;
    if (role == Role::start) return Verdict::good;  // did not reproduce
    if (e.matching > 0 || e.other > 0) {
      // Some crash evidence but not enough either way.
      if (e.matching == 0 && e.ok >= clean_runs_needed()) return Verdict::good;
      // The posterior's fix search: a head that never showed the bisected
      // crash in all its runs is as fixed as a head without stray crashes
      // would be at the cap (unrelated crashes count for nothing); the
      // search weighs its runs anyway ("no fix in the range").
      if (posterior_ && role == Role::head && e.matching == 0 && e.total() >= cap() &&
          e.ok >= half_up(runs_))
        return Verdict::good;
      return Verdict::skip;
    }
    if (e.ok >= clean_runs_needed() || (e.total() >= cap() && e.ok >= half_up(runs_)))
      return Verdict::good;
    return Verdict::skip;
  }

 private:
  bool decisive_bad(const Evidence& e) const {
    int need = e.generic_target ? 2 : 1;
    if (e.matching >= need) return true;
    if (e.other >= 3 && e.other * 3 >= e.tested() && e.tested() * 2 >= e.total()) return true;
    return e.generic_target && e.matching + e.other >= 2 && e.matching >= 1;
  }

  // Clean runs after which a bad commit would have crashed at least once with
  // probability 1 - alpha, at the estimated reproduction rate.
  int clean_runs_needed() const {
    double p = std::clamp(conservative_crash_rate(), 0.02, 0.999);
    int n = static_cast<int>(std::ceil(std::log(alpha_) / std::log1p(-p)));
    return std::clamp(std::max(n, half_up(runs_)), 1, cap());
  }
  int cap() const { return std::max(4 * runs_, 40); }

  int runs_;
  double alpha_;
  bool posterior_;
};

}  // namespace

std::unique_ptr<Strategy> make_syzbot_strategy(int runs) {
  return std::make_unique<SyzbotStrategy>(runs);
}
std::unique_ptr<Strategy> make_adaptive_strategy(int runs, double alpha) {
  return std::make_unique<AdaptiveStrategy>(runs, alpha);
}

std::unique_ptr<Strategy> make_posterior_strategy(int runs) {
  return std::make_unique<AdaptiveStrategy>(runs, 0.02, true);
}

std::unique_ptr<Strategy> make_strategy(const std::string& name, int runs) {
  if (name == "syzbot") return make_syzbot_strategy(runs);
  if (name == "adaptive") return make_adaptive_strategy(runs, 0.02);
  if (name == "posterior" || name.empty()) return make_posterior_strategy(runs);
  throw UserError("unknown strategy '" + name + "' (known: posterior, adaptive, syzbot)");
}

}  // namespace culprit::bisect
