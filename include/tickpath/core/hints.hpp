#pragma once
// Compiler hints and layout constants shared by every component.

#include <cstddef>

#define TICKPATH_LIKELY(x) __builtin_expect(!!(x), 1)
#define TICKPATH_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TICKPATH_ALWAYS_INLINE inline __attribute__((always_inline))
#define TICKPATH_NOINLINE __attribute__((noinline))
#define TICKPATH_COLD __attribute__((cold, noinline))

namespace tickpath {

// One cache line on x86-64.
inline constexpr std::size_t kCacheLine = 64;

// What must separate data written by different threads: the adjacent-line prefetcher pulls cache
// lines in pairs, so two lines (128 bytes) keep one thread's writes off the other's line.
inline constexpr std::size_t kFalseSharingRange = 128;

// Spin-wait hint: tells the core we are in a busy loop (saves power, frees the sibling thread).
TICKPATH_ALWAYS_INLINE void cpu_relax() noexcept {
  __builtin_ia32_pause();
}

}  // namespace tickpath
