#pragma once
// Access to the real captures in ../shared/kraken-samples. They are read in place, never copied
// into the project; a test that needs them calls TICKPATH_REQUIRE_SAMPLES() and is reported as
// skipped by ctest (SKIP_REGULAR_EXPRESSION) when the folder is absent.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace tickpath::test {

inline std::filesystem::path samples_dir() {
  if (const char* env = std::getenv("TICKPATH_SAMPLES_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return TICKPATH_SAMPLES_DIR;
}

inline bool samples_present() {
  return std::filesystem::is_directory(samples_dir());
}

}  // namespace tickpath::test

#define TICKPATH_SKIP(reason)                        \
  do {                                               \
    std::printf("TICKPATH-SKIPPED: %s\n", (reason)); \
    return;                                          \
  } while (false)

#define TICKPATH_REQUIRE_SAMPLES()                         \
  do {                                                     \
    if (!::tickpath::test::samples_present()) {            \
      TICKPATH_SKIP("../shared/kraken-samples is absent"); \
    }                                                      \
  } while (false)
