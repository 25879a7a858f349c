// PowerCutVfs: a SQLite VFS over "unix" that models what reaches the disk, for tests of what
// a commit survives.
//
// Every xWrite and xTruncate first saves the bytes and the size it replaces in an undo list;
// an xSync of a file drops that file's entries (they are on the disk now). The I/O operations
// that change a file (write, truncate, sync) are counted from 1. At the operation numbered
// `cut_at` the power goes: the undo list is replayed newest first, so every write never
// synced is as if it never happened, and the process ends with _exit(kPowerCutExit) without
// running the operation. At `fail_at` the operation is refused with SQLITE_IOERR_WRITE
// (a write) or SQLITE_IOERR_FSYNC (a sync), as an EIO from the disk would be, and the count
// goes on. Files are never deleted by a cut: a file created and synced stays, which is the
// model of a file system that syncs its directory. The shared-memory index (-shm) is not a
// file on a disk after a power cut; the checker deletes it.
//
// Install() registers it as the default VFS of the process; meant for a forked child that
// ends with the cut. Counters are process-wide and thread-safe.
#pragma once

#include <cstdint>

namespace vitrine::testing {

inline constexpr int kPowerCutExit = 86;

struct PowerCutPlan {
  int64_t cut_at = 0;   // 0: never
  int64_t fail_at = 0;  // 0: never
};

// Registers the VFS as the default with `plan` (once per process; a second call changes the
// plan and resets the counter).
void InstallPowerCutVfs(PowerCutPlan plan);

// The operations counted since InstallPowerCutVfs().
int64_t PowerCutOperations();

}  // namespace vitrine::testing
