#include "tickpath/engine/threads.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <pthread.h>
#include <sched.h>

namespace tickpath::engine {

std::error_code pin_current_thread(int cpu) noexcept {
  if (cpu < 0) {
    return {};
  }
  if (cpu >= CPU_SETSIZE) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  if (const int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set); rc != 0) {
    return {rc, std::system_category()};
  }
  return {};
}

int pinned_cpu_of_current_thread() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) != 0 || CPU_COUNT(&set) != 1) {
    return -1;
  }
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(static_cast<std::size_t>(cpu), &set)) {
      return cpu;
    }
  }
  return -1;
}

void set_current_thread_name(std::string_view name) noexcept {
  std::array<char, 16> buf{};
  const std::size_t n = std::min(name.size(), buf.size() - 1);
  std::copy_n(name.data(), n, buf.data());
  (void)pthread_setname_np(pthread_self(), buf.data());
}

int usable_cpu_count() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) {
    return 1;
  }
  return std::max(1, CPU_COUNT(&set));
}

}  // namespace tickpath::engine
