#include "bisect/phase_timing.h"

namespace culprit::bisect {

std::filesystem::path TimedWorkspace::checkout(const std::string& hash) {
  PhaseTimer timer(&times_, "checkout");
  return inner_.checkout(hash);
}

std::optional<store::BuildRecord> TimedJournal::find_build(const std::string& c,
                                                           const std::string& k) {
  PhaseTimer timer(&times_, "store");
  return inner_.find_build(c, k);
}
std::optional<store::BuildRecord> TimedJournal::find_build_by_tree(const std::string& t,
                                                                   const std::string& k) {
  PhaseTimer timer(&times_, "store");
  return inner_.find_build_by_tree(t, k);
}
void TimedJournal::save_build(const store::BuildRecord& r) {
  PhaseTimer timer(&times_, "store");
  inner_.save_build(r);
}
std::vector<store::RunRecord> TimedJournal::runs(const std::string& c, const std::string& k) {
  PhaseTimer timer(&times_, "store");
  return inner_.runs(c, k);
}
void TimedJournal::save_run(const store::RunRecord& r) {
  PhaseTimer timer(&times_, "store");
  inner_.save_run(r);
}
std::pair<std::string, std::vector<store::RunRecord>> TimedJournal::earlier_runs(
    const std::string& s, const std::string& k) {
  PhaseTimer timer(&times_, "store");
  return inner_.earlier_runs(s, k);
}
void TimedJournal::set_status(const std::string& s) {
  PhaseTimer timer(&times_, "store");
  inner_.set_status(s);
}

build::BuildResult TimedBuilder::build(const build::BuildRequest& request) {
  PhaseTimer timer(&times_, "build");
  return inner_.build(request);
}

run::RunOutcome TimedRunner::run(const run::RunRequest& request) {
  PhaseTimer timer(&times_, "test");
  return inner_.run(request);
}

BackportPlan TimedBackporter::before_build(const std::string& commit) {
  PhaseTimer timer(&times_, "backports");
  return inner_->before_build(commit);
}
std::optional<BackportPlan> TimedBackporter::after_failure(const std::string& commit,
                                                           const BackportPlan& base,
                                                           const std::string& error_line) {
  PhaseTimer timer(&times_, "backports");
  return inner_->after_failure(commit, base, error_line);
}
void TimedBackporter::built(const std::string& commit, const BackportPlan& plan) {
  PhaseTimer timer(&times_, "backports");
  inner_->built(commit, plan);
}

}  // namespace culprit::bisect
