// The state store's durability rule, seen from below: SQLite's file syncs
// are counted by a VFS that forwards to the default one. A finished build
// or run is synced before save_* returns; log lines and status text are not
// synced on their own (the next record's sync takes them along).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>

#include "store/state_store.h"
#include "support/test_support.h"

namespace culprit::store {
namespace {

std::atomic<int> g_syncs{0};
sqlite3_vfs* g_real = nullptr;

struct CountingFile {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f)->real; }

int c_close(sqlite3_file* f) {
  int rc = real(f)->pMethods ? real(f)->pMethods->xClose(real(f)) : SQLITE_OK;
  sqlite3_free(real(f));
  return rc;
}
int c_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
  return real(f)->pMethods->xRead(real(f), b, n, o);
}
int c_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  return real(f)->pMethods->xWrite(real(f), b, n, o);
}
int c_truncate(sqlite3_file* f, sqlite3_int64 s) {
  return real(f)->pMethods->xTruncate(real(f), s);
}
int c_sync(sqlite3_file* f, int flags) {
  ++g_syncs;
  return real(f)->pMethods->xSync(real(f), flags);
}
int c_size(sqlite3_file* f, sqlite3_int64* s) { return real(f)->pMethods->xFileSize(real(f), s); }
int c_lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
int c_unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int c_reserved(sqlite3_file* f, int* r) {
  return real(f)->pMethods->xCheckReservedLock(real(f), r);
}
int c_control(sqlite3_file* f, int op, void* a) {
  return real(f)->pMethods->xFileControl(real(f), op, a);
}
int c_sector(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int c_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
int c_shm_map(sqlite3_file* f, int i, int n, int w, void volatile** p) {
  return real(f)->pMethods->xShmMap(real(f), i, n, w, p);
}
int c_shm_lock(sqlite3_file* f, int o, int n, int fl) {
  return real(f)->pMethods->xShmLock(real(f), o, n, fl);
}
void c_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int c_shm_unmap(sqlite3_file* f, int d) { return real(f)->pMethods->xShmUnmap(real(f), d); }

const sqlite3_io_methods kMethods = {
    2,          c_close,       c_read,      c_write,   c_truncate, c_sync,   c_size,
    c_lock,     c_unlock,      c_reserved,  c_control, c_sector,   c_device, c_shm_map,
    c_shm_lock, c_shm_barrier, c_shm_unmap, nullptr,   nullptr};

int c_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out) {
  auto* cf = reinterpret_cast<CountingFile*>(f);
  cf->base.pMethods = nullptr;
  cf->real = static_cast<sqlite3_file*>(sqlite3_malloc(g_real->szOsFile));
  if (!cf->real) return SQLITE_NOMEM;
  int rc = g_real->xOpen(g_real, name, cf->real, flags, out);
  if (rc != SQLITE_OK) {
    sqlite3_free(cf->real);
    return rc;
  }
  cf->base.pMethods = &kMethods;
  return SQLITE_OK;
}

// Registered once, as the default VFS of this test process.
void install_counting_vfs() {
  static sqlite3_vfs vfs;
  if (g_real) return;
  g_real = sqlite3_vfs_find(nullptr);
  vfs = *g_real;
  vfs.zName = "counting";
  vfs.szOsFile = sizeof(CountingFile);
  vfs.pAppData = nullptr;
  vfs.xOpen = c_open;
  sqlite3_vfs_register(&vfs, 1);
}

TEST(StateStoreSync, RecordsAreSyncedLogLinesAndStatusRideAlong) {
  install_counting_vfs();
  culprit::testing::TempDir dir;
  auto s = StateStore::open(dir.path());
  s->begin("{\"sync\":1}", false);

  int before = g_syncs;
  for (int i = 0; i < 20; ++i) s->append_log("a log line");
  s->set_status("testing");
  EXPECT_EQ(g_syncs, before) << "log lines and status are not synced one by one";

  before = g_syncs;
  RunRecord run;
  run.commit = "c1";
  run.runner_key = "cmd";
  run.status = "ok";
  s->save_run(run);
  EXPECT_GT(g_syncs, before) << "a finished run is on disk before save_run returns";

  before = g_syncs;
  BuildRecord b;
  b.commit = "c1";
  b.tree = "t1";
  b.builder_key = "cmd";
  b.ok = true;
  s->save_build(b);
  EXPECT_GT(g_syncs, before) << "a finished build is on disk before save_build returns";

  before = g_syncs;
  s->finish("{}");
  EXPECT_GT(g_syncs, before) << "the result is on disk";
}

}  // namespace
}  // namespace culprit::store
