#pragma once
// TICKPATH_ASSERT: broken invariants (STYLE B1.6c). Active in Debug builds and in every sanitizer
// build (TICKPATH_ENABLE_ASSERTS); compiled out of release builds, where the expression is not
// evaluated. Never use it for input validation: bad input is an expected outcome, not a bug.

#include "tickpath/core/hints.hpp"

namespace tickpath::detail {
[[noreturn]] TICKPATH_COLD void assert_failed(const char* expr, const char* msg, const char* file,
                                              int line) noexcept;
}  // namespace tickpath::detail

#if !defined(NDEBUG) || defined(TICKPATH_ENABLE_ASSERTS)
#define TICKPATH_ASSERTS_ENABLED 1
#define TICKPATH_ASSERT(cond, msg)                                         \
  do {                                                                     \
    if (TICKPATH_UNLIKELY(!(cond))) {                                      \
      ::tickpath::detail::assert_failed(#cond, (msg), __FILE__, __LINE__); \
    }                                                                      \
  } while (false)
#else
#define TICKPATH_ASSERTS_ENABLED 0
#define TICKPATH_ASSERT(cond, msg) \
  do {                             \
  } while (false)
#endif
