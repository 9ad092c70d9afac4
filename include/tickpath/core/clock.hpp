#pragma once
// Clocks. Three sources, one unit (nanoseconds in std::int64_t, `_ns` in every name):
//   monotonic_ns()  CLOCK_MONOTONIC: durations, timeouts, deadlines. Never jumps.
//   wall_ns()       CLOCK_REALTIME: epoch nanoseconds for the journal and venue timestamps. May jump.
//   rdtsc*()        raw TSC ticks: the cheapest stamp (tens of cycles) for latency measurement on the
//                   hot thread, converted to nanoseconds with a calibrated TscClock.
// All are noexcept, allocate nothing and may be called from any thread. monotonic_ns and wall_ns go
// through the vDSO (no syscall) as long as the kernel's clocksource supports it (tsc, kvm-clock).

#include <chrono>
#include <cstdint>
#include <ctime>

#if !defined(__x86_64__)
#error "tickpath/core/clock.hpp: rdtsc needs x86-64"
#endif

namespace tickpath {

inline constexpr std::int64_t kNsPerSecond = 1'000'000'000;

[[nodiscard]] inline std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * kNsPerSecond + ts.tv_nsec;
}

[[nodiscard]] inline std::int64_t wall_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * kNsPerSecond + ts.tv_nsec;
}

// The time-stamp counter, unordered: the CPU may execute it before earlier instructions finish or
// after later ones start. Good for coarse stamps; use rdtsc_ordered() around code being timed.
[[nodiscard]] inline std::uint64_t rdtsc() noexcept {
  return __builtin_ia32_rdtsc();
}

// The TSC read after every earlier instruction has completed and before any later one starts
// (lfence on both sides; on AMD, lfence is dispatch-serialising with Linux's default mitigations).
[[nodiscard]] inline std::uint64_t rdtsc_ordered() noexcept {
  __builtin_ia32_lfence();
  const std::uint64_t t = __builtin_ia32_rdtsc();
  __builtin_ia32_lfence();
  return t;
}

// CPUID 0x80000007 EDX bit 8: the TSC ticks at a constant rate in every P-, C- and T-state
// ("invariant TSC"; Linux shows it as constant_tsc + nonstop_tsc). Some hypervisors hide the bit
// even when the TSC is usable; false is then a warning to report, not proof of a broken TSC. A
// caller that cannot trust the TSC should stamp with monotonic_ns() instead. Cold (cpuid traps to
// the hypervisor in a VM, ~1 µs or more).
[[nodiscard]] bool invariant_tsc() noexcept;

// Converts TSC tick counts to nanoseconds and back with a fixed-point multiply and shift: no
// division on the hot path. Default-constructed it is uncalibrated and converts everything to 0.
// Set it up once, on a cold path, then share it read-only across threads.
class TscClock {
 public:
  constexpr TscClock() noexcept = default;

  // A clock for a known TSC frequency (tests, or a frequency read from config). Throws
  // std::invalid_argument when tsc_hz is 0.
  explicit TscClock(std::uint64_t tsc_hz);

  // Measures the TSC frequency against CLOCK_MONOTONIC over roughly window (sleeping; the measured
  // elapsed time is used, so a late wake-up only lengthens the window). Cold: blocks the caller.
  // Throws std::invalid_argument when window is not positive, std::runtime_error when the TSC did
  // not advance (broken virtualisation).
  void calibrate(std::chrono::milliseconds window);

  [[nodiscard]] bool calibrated() const noexcept { return tsc_hz_ != 0; }
  [[nodiscard]] std::uint64_t frequency_hz() const noexcept { return tsc_hz_; }
  // Rounded to the nearest tick; e.g. 2'994 on a 2.994 GHz TSC.
  [[nodiscard]] std::uint64_t ticks_per_us() const noexcept { return (tsc_hz_ + 500'000) / 1'000'000; }

  // A TSC difference in nanoseconds: never below the exact value and less than 1 ns above it for
  // deltas of years. The multiplier is rounded up and keeps as many fraction bits as fit in 64 bits
  // (57 or more for any TSC of 10 MHz or faster), so whole-nanosecond results come out exact.
  [[nodiscard]] std::int64_t to_ns(std::uint64_t tsc_delta) const noexcept;

  // The inverse, with the same precision: how many ticks span ns, e.g. for a spin-wait deadline in
  // TSC units. 0 when ns <= 0.
  [[nodiscard]] std::uint64_t to_ticks(std::int64_t ns) const noexcept;

 private:
  void set_frequency(std::uint64_t tsc_hz) noexcept;

  std::uint64_t tsc_hz_{0};
  std::uint64_t ns_per_tick_{0};   // 10^9 / tsc_hz in fixed point, ns_shift_ fraction bits
  std::uint64_t ticks_per_ns_{0};  // tsc_hz / 10^9 in fixed point, ticks_shift_ fraction bits
  std::uint32_t ns_shift_{0};
  std::uint32_t ticks_shift_{0};
};

inline std::int64_t TscClock::to_ns(std::uint64_t tsc_delta) const noexcept {
  __extension__ using U128 = unsigned __int128;
  return static_cast<std::int64_t>((static_cast<U128>(tsc_delta) * ns_per_tick_) >> ns_shift_);
}

inline std::uint64_t TscClock::to_ticks(std::int64_t ns) const noexcept {
  __extension__ using U128 = unsigned __int128;
  if (ns <= 0) {
    return 0;
  }
  return static_cast<std::uint64_t>((static_cast<U128>(ns) * ticks_per_ns_) >> ticks_shift_);
}

// The process-wide TscClock, for code that stamps with rdtsc() and has no clock handed to it.
// Contract: the engine's start-up calibrates it once with calibrate_process_tsc_clock(), on the main
// thread and before any agent thread starts (thread creation publishes it); from then on every
// thread only reads it. Until then it is uncalibrated (calibrated() is false).
[[nodiscard]] const TscClock& process_tsc_clock() noexcept;
void calibrate_process_tsc_clock(std::chrono::milliseconds window);

}  // namespace tickpath
