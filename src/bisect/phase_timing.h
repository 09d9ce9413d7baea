// The engine's parts as seen through a PhaseTimes: each wrapper forwards to
// the real part and adds the time of its calls to a phase ("checkout",
// "store", "backports", "build", "test"), so that the result can say where
// the wall time went without the engine knowing about clocks.
#pragma once

#include <memory>

#include "bisect/backports.h"
#include "bisect/history.h"
#include "build/builder.h"
#include "run/runner.h"
#include "store/journal.h"
#include "util/phase_times.h"

namespace culprit::bisect {

class TimedWorkspace : public Workspace {
 public:
  TimedWorkspace(Workspace& inner, PhaseTimes& times) : inner_(inner), times_(times) {}
  std::filesystem::path checkout(const std::string& hash) override;
  std::filesystem::path path() const override { return inner_.path(); }

 private:
  Workspace& inner_;
  PhaseTimes& times_;
};

class TimedJournal : public store::Journal {
 public:
  TimedJournal(store::Journal& inner, PhaseTimes& times) : inner_(inner), times_(times) {}
  std::optional<store::BuildRecord> find_build(const std::string& c, const std::string& k) override;
  std::optional<store::BuildRecord> find_build_by_tree(const std::string& t,
                                                       const std::string& k) override;
  void save_build(const store::BuildRecord& r) override;
  std::vector<store::RunRecord> runs(const std::string& c, const std::string& k) override;
  void save_run(const store::RunRecord& r) override;
  std::pair<std::string, std::vector<store::RunRecord>> earlier_runs(const std::string& s,
                                                                     const std::string& k) override;
  void set_status(const std::string& s) override;

 private:
  store::Journal& inner_;
  PhaseTimes& times_;
};

class TimedBuilder : public build::Builder {
 public:
  TimedBuilder(build::Builder& inner, PhaseTimes& times) : inner_(inner), times_(times) {}
  std::string id_for(const std::string& commit) const override { return inner_.id_for(commit); }
  std::string cache_key() const override { return inner_.cache_key(); }
  build::BuildResult build(const build::BuildRequest& request) override;

 private:
  build::Builder& inner_;
  PhaseTimes& times_;
};

class TimedRunner : public run::TestRunner {
 public:
  TimedRunner(run::TestRunner& inner, PhaseTimes& times) : inner_(inner), times_(times) {}
  std::string cache_key() const override { return inner_.cache_key(); }
  run::RunOutcome run(const run::RunRequest& request) override;
  bool needs_work_tree() const override { return inner_.needs_work_tree(); }

 private:
  run::TestRunner& inner_;
  PhaseTimes& times_;
};

// Cherry-picking fixes into a commit (a merge of a 75k-file tree) and
// reading later commits' trailers: not build, not checkout.
class TimedBackporter : public Backporter {
 public:
  TimedBackporter(std::unique_ptr<Backporter> inner, PhaseTimes& times)
      : inner_(std::move(inner)), times_(times) {}
  BackportPlan before_build(const std::string& commit) override;
  std::optional<BackportPlan> after_failure(const std::string& commit, const BackportPlan& base,
                                            const std::string& error_line) override;
  void built(const std::string& commit, const BackportPlan& plan) override;

 private:
  std::unique_ptr<Backporter> inner_;
  PhaseTimes& times_;
};

}  // namespace culprit::bisect
