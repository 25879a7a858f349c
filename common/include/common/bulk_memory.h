// Memory for bulk work: a whole-file import allocates tens of MiB once and touches every
// byte of it, and on Linux each first touch of a 4 KiB page is a page fault (a quarter of a
// 50,000-product import). Transparent huge pages make that one fault per 2 MiB. Both calls
// are hints: where the system has no transparent huge pages (or not glibc) they do nothing,
// and nothing depends on them but speed.
#pragma once

#include <cstddef>

namespace vitrine {

// Process-wide, for a short-lived command about to do bulk work (not for a server, whose
// heap should stay small): the main heap grows by `bytes` at a time and is not given back
// while the process runs, and what it holds is backed by huge pages where the kernel
// allows them. Call once, from the main thread, before the work starts.
void PrepareHeapForBulkWork(size_t bytes);

// The heap of the calling thread (glibc gives each busy thread an arena of its own) is
// backed by huge pages where the kernel allows them. Call from a worker thread of a command
// that called PrepareHeapForBulkWork, after its first allocation.
void AdviseHugePagesForThisThread();

}  // namespace vitrine
