#include "power_cut_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace vitrine::testing {
namespace {

// What one write or truncate replaced: the bytes at `offset` that were inside the file
// (`old_bytes`, shorter than the write when it grew the file) and the file's size.
struct Undo {
  std::string path;
  int64_t offset = 0;
  std::string old_bytes;
  int64_t old_size = 0;
};

struct State {
  std::mutex mu;
  PowerCutPlan plan;
  int64_t operations = 0;
  std::vector<Undo> undo;
  sqlite3_vfs* unix_vfs = nullptr;
  sqlite3_vfs vfs{};
  sqlite3_io_methods methods{};
};

State& S() {
  static State* state = new State();  // never destroyed: a cut may come from any thread
  return *state;
}

struct CutFile {
  sqlite3_file base;
  sqlite3_file* real;  // follows this struct in the same allocation
  const char* path;    // SQLite keeps the name alive while the file is open; null: temporary
};

// Puts every unsynced change back as it was, newest first, and ends the process.
[[noreturn]] void CutPower(State& s) {
  for (auto it = s.undo.rbegin(); it != s.undo.rend(); ++it) {
    const int fd = ::open(it->path.c_str(), O_WRONLY);
    if (fd < 0) continue;
    if (!it->old_bytes.empty()) {
      (void)!::pwrite(fd, it->old_bytes.data(), it->old_bytes.size(), it->offset);
    }
    (void)!::ftruncate(fd, it->old_size);
    ::close(fd);
  }
  _exit(kPowerCutExit);
}

// Counts one operation; true when it is to fail. Cuts the power when it is the cut's.
bool Count(State& s) {
  ++s.operations;
  if (s.plan.cut_at != 0 && s.operations == s.plan.cut_at) CutPower(s);
  return s.plan.fail_at != 0 && s.operations == s.plan.fail_at;
}

int64_t SizeOf(sqlite3_file* real) {
  sqlite3_int64 size = 0;
  if (real->pMethods->xFileSize(real, &size) != SQLITE_OK) return 0;
  return size;
}

void Remember(State& s, CutFile* f, int64_t offset, int amount, int64_t new_size) {
  if (f->path == nullptr) return;
  Undo u{f->path, offset, {}, SizeOf(f->real)};
  if (offset < u.old_size) {
    const int64_t kept = std::min<int64_t>(amount, u.old_size - offset);
    u.old_bytes.resize(static_cast<size_t>(kept));
    (void)f->real->pMethods->xRead(f->real, u.old_bytes.data(), static_cast<int>(kept), offset);
  }
  if (new_size == u.old_size && u.old_bytes.empty()) return;
  s.undo.push_back(std::move(u));
}

int Close(sqlite3_file* file) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xClose(f->real);
}
int Read(sqlite3_file* file, void* buf, int amount, sqlite3_int64 offset) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xRead(f->real, buf, amount, offset);
}
int Write(sqlite3_file* file, const void* buf, int amount, sqlite3_int64 offset) {
  auto* f = reinterpret_cast<CutFile*>(file);
  State& s = S();
  std::lock_guard lock(s.mu);
  if (Count(s)) return SQLITE_IOERR_WRITE;
  const int64_t size = SizeOf(f->real);
  Remember(s, f, offset, amount, std::max<int64_t>(size, offset + amount));
  return f->real->pMethods->xWrite(f->real, buf, amount, offset);
}
int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  auto* f = reinterpret_cast<CutFile*>(file);
  State& s = S();
  std::lock_guard lock(s.mu);
  if (Count(s)) return SQLITE_IOERR_TRUNCATE;
  const int64_t old_size = SizeOf(f->real);
  if (f->path != nullptr && size < old_size) {
    Undo u{f->path, size, std::string(static_cast<size_t>(old_size - size), '\0'), old_size};
    (void)f->real->pMethods->xRead(f->real, u.old_bytes.data(),
                                   static_cast<int>(u.old_bytes.size()), size);
    s.undo.push_back(std::move(u));
  }
  return f->real->pMethods->xTruncate(f->real, size);
}
int Sync(sqlite3_file* file, int flags) {
  auto* f = reinterpret_cast<CutFile*>(file);
  State& s = S();
  std::lock_guard lock(s.mu);
  if (Count(s)) return SQLITE_IOERR_FSYNC;
  const int rc = f->real->pMethods->xSync(f->real, flags);
  if (rc == SQLITE_OK && f->path != nullptr) {
    std::erase_if(s.undo, [&](const Undo& u) { return u.path == f->path; });
  }
  return rc;
}
int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xFileSize(f->real, size);
}
int Lock(sqlite3_file* file, int level) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xLock(f->real, level);
}
int Unlock(sqlite3_file* file, int level) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xUnlock(f->real, level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int SectorSize(sqlite3_file* file) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xSectorSize(f->real);
}
int DeviceCharacteristics(sqlite3_file* file) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xDeviceCharacteristics(f->real);
}
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) {
  auto* f = reinterpret_cast<CutFile*>(file);
  f->real->pMethods->xShmBarrier(f->real);
}
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  auto* f = reinterpret_cast<CutFile*>(file);
  return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  State& s = S();
  auto* f = reinterpret_cast<CutFile*>(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->path = name;
  f->base.pMethods = nullptr;
  const int rc = s.unix_vfs->xOpen(s.unix_vfs, name, f->real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set, which the real file's must be too.
  if (f->real->pMethods != nullptr) f->base.pMethods = &s.methods;
  (void)vfs;
  return rc;
}

}  // namespace

void InstallPowerCutVfs(PowerCutPlan plan) {
  State& s = S();
  std::lock_guard lock(s.mu);
  s.plan = plan;
  s.operations = 0;
  s.undo.clear();
  if (s.unix_vfs != nullptr) return;
  sqlite3_initialize();
  s.unix_vfs = sqlite3_vfs_find("unix");
  s.vfs = *s.unix_vfs;
  s.vfs.zName = "power-cut";
  s.vfs.szOsFile = static_cast<int>(sizeof(CutFile)) + s.unix_vfs->szOsFile;
  s.vfs.xOpen = Open;
  s.vfs.pAppData = nullptr;
  s.methods.iVersion = 2;  // no xFetch: every page goes through xRead and xWrite
  s.methods.xClose = Close;
  s.methods.xRead = Read;
  s.methods.xWrite = Write;
  s.methods.xTruncate = Truncate;
  s.methods.xSync = Sync;
  s.methods.xFileSize = FileSize;
  s.methods.xLock = Lock;
  s.methods.xUnlock = Unlock;
  s.methods.xCheckReservedLock = CheckReservedLock;
  s.methods.xFileControl = FileControl;
  s.methods.xSectorSize = SectorSize;
  s.methods.xDeviceCharacteristics = DeviceCharacteristics;
  s.methods.xShmMap = ShmMap;
  s.methods.xShmLock = ShmLock;
  s.methods.xShmBarrier = ShmBarrier;
  s.methods.xShmUnmap = ShmUnmap;
  sqlite3_vfs_register(&s.vfs, /*makeDflt=*/1);
}

int64_t PowerCutOperations() {
  State& s = S();
  std::lock_guard lock(s.mu);
  return s.operations;
}

}  // namespace vitrine::testing
