// Config minimisation's trials in the state database (config_trials.h).
#include <gtest/gtest.h>

#include "store/state_store.h"
#include "support/test_support.h"

namespace culprit::store {
namespace {

using culprit::testing::TempDir;

TEST(ConfigTrials, ARecordedTrialIsFoundAfterAKillAndRecordedOnce) {
  TempDir dir;
  ConfigTrialRecord r;
  r.key = {"abc", "c1", "qemu", "BUG: x"};
  r.built = true;
  r.reproduced = true;
  r.title = "BUG: x";
  r.detail = "1 of 1 runs crashed";
  r.runs = 1;
  r.build_seconds = 12.5;
  r.test_seconds = 2;
  r.signature = "sig";
  {
    auto s = StateStore::open(dir.path());
    s->begin("{\"p\":1}", false);
    s->save_trial(r);
    EXPECT_THROW(s->save_trial(r), std::logic_error);
  }
  auto s = StateStore::open(dir.path());
  ASSERT_TRUE(s->begin("{\"p\":1}", false));
  auto found = s->find_trial(r.key);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->built);
  EXPECT_TRUE(found->reproduced);
  EXPECT_EQ(found->title, "BUG: x");
  EXPECT_EQ(found->detail, r.detail);
  EXPECT_EQ(found->runs, 1);
  EXPECT_DOUBLE_EQ(found->build_seconds, 12.5);
  EXPECT_EQ(found->signature, "sig");
  for (auto other :
       {ConfigTrialKey{"abd", "c1", "qemu", "BUG: x"},
        ConfigTrialKey{"abc", "c2", "qemu", "BUG: x"}, ConfigTrialKey{"abc", "c1", "cmd", "BUG: x"},
        ConfigTrialKey{"abc", "c1", "qemu", ""}})
    EXPECT_FALSE(s->find_trial(other));
  MemoryConfigTrials m;
  m.save_trial(r);
  EXPECT_TRUE(m.find_trial(r.key));
  EXPECT_THROW(m.save_trial(r), std::logic_error);
}

}  // namespace
}  // namespace culprit::store
