#include "tickpath/core/clock.hpp"

#include <cpuid.h>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>

namespace tickpath {
namespace {

__extension__ using U128 = unsigned __int128;

struct FixedPoint {
  std::uint64_t multiplier;
  std::uint32_t shift;
};

// num / den as multiplier / 2^shift, with the most fraction bits that keep the multiplier in 64
// bits (at most 63, so the shift stays below the width of the product's low half). Rounded up,
// so that a product that should be a whole number is not truncated to the one below it.
FixedPoint fixed_point_ratio(std::uint64_t num, std::uint64_t den) noexcept {
  for (std::uint32_t shift = 63;; --shift) {
    const U128 scaled = static_cast<U128>(num) << shift;
    const U128 multiplier = (scaled + den - 1) / den;
    if (multiplier <= std::numeric_limits<std::uint64_t>::max() || shift == 0) {
      return {static_cast<std::uint64_t>(multiplier), shift};
    }
  }
}

struct ClockPair {
  std::uint64_t tsc;
  std::int64_t ns;
};

// A (TSC, CLOCK_MONOTONIC) pair read as close together as this machine allows: of a few attempts,
// keep the one whose two TSC reads bracket clock_gettime most tightly (a preemption or a VM exit
// in between only spoils that attempt).
ClockPair read_clock_pair() noexcept {
  constexpr int kAttempts = 16;
  ClockPair best{0, 0};
  std::uint64_t best_gap = std::numeric_limits<std::uint64_t>::max();
  for (int i = 0; i < kAttempts; ++i) {
    const std::uint64_t before = rdtsc_ordered();
    const std::int64_t ns = monotonic_ns();
    const std::uint64_t after = rdtsc_ordered();
    if (after - before < best_gap) {
      best_gap = after - before;
      best = {before + (after - before) / 2, ns};
    }
  }
  return best;
}

constinit TscClock g_process_tsc_clock{};

}  // namespace

bool invariant_tsc() noexcept {
  constexpr unsigned kPowerManagementLeaf = 0x8000'0007U;
  constexpr unsigned kInvariantTscBit = 1U << 8U;
  unsigned eax = 0;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  if (__get_cpuid(kPowerManagementLeaf, &eax, &ebx, &ecx, &edx) == 0) {
    return false;  // leaf not implemented (or hidden by the hypervisor)
  }
  return (edx & kInvariantTscBit) != 0;
}

TscClock::TscClock(std::uint64_t tsc_hz) {
  if (tsc_hz == 0) {
    throw std::invalid_argument("TscClock: the TSC frequency must be positive");
  }
  set_frequency(tsc_hz);
}

void TscClock::set_frequency(std::uint64_t tsc_hz) noexcept {
  const auto ns_per_second = static_cast<std::uint64_t>(kNsPerSecond);
  const FixedPoint to_ns = fixed_point_ratio(ns_per_second, tsc_hz);
  const FixedPoint to_ticks = fixed_point_ratio(tsc_hz, ns_per_second);
  tsc_hz_ = tsc_hz;
  ns_per_tick_ = to_ns.multiplier;
  ns_shift_ = to_ns.shift;
  ticks_per_ns_ = to_ticks.multiplier;
  ticks_shift_ = to_ticks.shift;
}

void TscClock::calibrate(std::chrono::milliseconds window) {
  if (window.count() <= 0) {
    throw std::invalid_argument("TscClock::calibrate: the window must be positive, not " +
                                std::to_string(window.count()) + " ms");
  }
  const ClockPair start = read_clock_pair();
  std::this_thread::sleep_for(window);
  const ClockPair end = read_clock_pair();
  const std::int64_t elapsed_ns = end.ns - start.ns;
  const std::uint64_t elapsed_ticks = end.tsc - start.tsc;
  if (elapsed_ns <= 0 || end.tsc <= start.tsc) {
    throw std::runtime_error("TscClock::calibrate: the TSC did not advance against CLOCK_MONOTONIC");
  }
  // ticks * 10^9 / ns, rounded to the nearest hertz; the product needs 128 bits.
  const auto ns = static_cast<std::uint64_t>(elapsed_ns);
  const U128 hz = (static_cast<U128>(elapsed_ticks) * static_cast<std::uint64_t>(kNsPerSecond) + ns / 2) / ns;
  if (hz == 0 || hz > std::numeric_limits<std::uint64_t>::max()) {
    throw std::runtime_error("TscClock::calibrate: implausible TSC frequency");
  }
  set_frequency(static_cast<std::uint64_t>(hz));
}

const TscClock& process_tsc_clock() noexcept {
  return g_process_tsc_clock;
}

void calibrate_process_tsc_clock(std::chrono::milliseconds window) {
  g_process_tsc_clock.calibrate(window);
}

}  // namespace tickpath
