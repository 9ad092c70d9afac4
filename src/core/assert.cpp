#include "tickpath/core/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace tickpath::detail {

void assert_failed(const char* expr, const char* msg, const char* file, int line) noexcept {
  std::fprintf(stderr, "%s:%d: TICKPATH_ASSERT(%s) failed: %s\n", file, line, expr, msg);
  std::fflush(stderr);
  std::abort();
}

}  // namespace tickpath::detail
