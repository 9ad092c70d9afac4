#pragma once
// Allocation counting for the tests that prove a hot path allocates nothing (ARCHITECTURE.md: no
// allocation on the steady state). Linking the tickpath_alloc_counter library into a test
// executable (tests/CMakeLists.txt) does two things to the whole binary:
//
//   * replaces the global operator new/delete (plain, array, nothrow, aligned, sized), so every C++
//     allocation -- ours, Asio's, Beast's, libstdc++'s -- goes through a counter; storage comes from
//     malloc/aligned_alloc and goes back through free;
//   * installs OpenSSL's allocator hooks (CRYPTO_set_mem_functions) from a constructor of priority
//     101, which runs before every ordinary static initialiser, so before OpenSSL's first
//     allocation. If something allocated through OpenSSL earlier the hooks are refused;
//     crypto_alloc_hooks_installed() says so and the tests then only warn about OpenSSL.
//
// Counting is per thread and off by default: only the thread that called alloc_count_start()
// counts, and only until alloc_count_stop(), so server threads and warm-up never disturb a
// measurement. Setting TICKPATH_TRACE_CRYPTO_ALLOCS in the environment prints each counted OpenSSL
// allocation (size, file, line) to stderr, to find where one comes from.
//
// The library is static and everything lives in one object file: a test that uses any function
// below pulls in the replacements and the hook installer with it. Counting itself never allocates.

#include <cstdint>

namespace tickpath::test {

// What the calling thread allocated while counting.
struct AllocCounts {
  std::uint64_t news{0};           // calls to any form of operator new (including new[] and nothrow)
  std::uint64_t crypto_allocs{0};  // OpenSSL mallocs and reallocs through its allocator hooks
};

// Zeroes the calling thread's counters and starts counting on that thread.
void alloc_count_start() noexcept;

// Stops counting on the calling thread and returns what was counted since alloc_count_start().
AllocCounts alloc_count_stop() noexcept;

// Whether the calling thread is counting now. Tests that also count syscalls in their own
// interposed libc wrappers key off this, so one switch covers allocations and syscalls.
[[nodiscard]] bool alloc_counting() noexcept;

// The calling thread's counters so far (counting or not).
[[nodiscard]] AllocCounts alloc_counts() noexcept;

// Whether OpenSSL accepted the allocator hooks; if not, crypto_allocs stays 0 and proves nothing.
[[nodiscard]] bool crypto_alloc_hooks_installed() noexcept;

// Counts on the calling thread for its lifetime, or until stop(). Not movable: it stands for a
// stretch of code on one thread.
class AllocScope {
 public:
  AllocScope() noexcept { alloc_count_start(); }
  ~AllocScope() {
    if (active_) {
      (void)alloc_count_stop();
    }
  }
  AllocScope(const AllocScope&) = delete;
  AllocScope& operator=(const AllocScope&) = delete;

  // Stops counting (once; later calls return the same counts) and returns what was counted.
  AllocCounts stop() noexcept {
    if (active_) {
      active_ = false;
      result_ = alloc_count_stop();
    }
    return result_;
  }

 private:
  bool active_{true};
  AllocCounts result_{};
};

}  // namespace tickpath::test
