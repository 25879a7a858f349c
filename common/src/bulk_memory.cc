#include "common/bulk_memory.h"

#include <cstdint>
#include <cstdlib>

// Under a sanitizer the heap is the sanitizer's, not glibc's: nothing to advise.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define VITRINE_GLIBC_HEAP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define VITRINE_GLIBC_HEAP 0
#endif
#endif
#if !defined(VITRINE_GLIBC_HEAP) && defined(__linux__) && defined(__GLIBC__)
#define VITRINE_GLIBC_HEAP 1
#endif

#if VITRINE_GLIBC_HEAP
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace vitrine {

#if VITRINE_GLIBC_HEAP

namespace {

constexpr uintptr_t kHugePage = 2u << 20;
// glibc's thread arenas live in heaps of HEAP_MAX_SIZE (64 MiB on 64-bit systems) aligned
// on their size: glibc finds a chunk's heap by this same mask (heap_for_ptr in arena.c).
constexpr uintptr_t kThreadHeapBytes = 64u << 20;

void AdviseHugePages(uintptr_t begin, uintptr_t end) {
  begin = (begin + kHugePage - 1) & ~(kHugePage - 1);
  end &= ~(kHugePage - 1);
  // Parts of the range may be unmapped (ENOMEM): the mapped parts still take the advice.
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

bool g_prepared = false;

}  // namespace

void PrepareHeapForBulkWork(size_t bytes) {
  // Large blocks come from the heap, not from mmap (each mmap is fresh pages again); freed
  // memory stays for the next batch instead of being returned and faulted in anew.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(bytes) * 2);
  mallopt(M_TOP_PAD, static_cast<int>(bytes));
  const auto before = reinterpret_cast<uintptr_t>(sbrk(0));
  // One allocation larger than the heap's free top makes it grow by `bytes` now (volatile:
  // a compiler may drop a malloc whose block is freed unused).
  void* volatile grow = std::malloc(1 << 20);
  const auto after = reinterpret_cast<uintptr_t>(sbrk(0));
  std::free(grow);
  AdviseHugePages(before, after);
  g_prepared = true;
}

void AdviseHugePagesForThisThread() {
  if (!g_prepared) return;
  void* volatile probe = std::malloc(64);
  if (probe == nullptr) return;
  const uintptr_t heap =
      reinterpret_cast<uintptr_t>(static_cast<void*>(probe)) & ~(kThreadHeapBytes - 1);
  std::free(probe);
  AdviseHugePages(heap, heap + kThreadHeapBytes);
}

#else

void PrepareHeapForBulkWork(size_t) {}
void AdviseHugePagesForThisThread() {}

#endif

}  // namespace vitrine
