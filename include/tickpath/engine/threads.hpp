#pragma once
// Operating-system thread placement: CPU pinning and thread names. Cold path: call these once, from
// the thread being placed, before its duty cycle starts.

#include <string_view>
#include <system_error>

namespace tickpath::engine {

// Pins the calling thread to one CPU. cpu < 0 means "leave it where the scheduler puts it" and
// succeeds. Returns the OS error (e.g. EINVAL for a CPU that does not exist or is not allowed).
[[nodiscard]] std::error_code pin_current_thread(int cpu) noexcept;

// The CPU the calling thread may run on when pinned to exactly one, else -1.
[[nodiscard]] int pinned_cpu_of_current_thread() noexcept;

// Names the calling thread (visible in top -H, gdb, perf). Linux keeps 15 characters; longer
// names are truncated.
void set_current_thread_name(std::string_view name) noexcept;

// Number of CPUs this process may run on (its affinity mask), at least 1.
[[nodiscard]] int usable_cpu_count() noexcept;

}  // namespace tickpath::engine
