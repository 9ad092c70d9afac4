#include "tickpath/core/clock.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

// Timing tests run on loaded shared machines: they compare two clocks over the same interval, or
// check direction only, and never assert how long a sleep took.

namespace {

__extension__ using U128 = unsigned __int128;

// floor(delta * 10^9 / hz), computed exactly.
std::int64_t exact_ns(std::uint64_t delta, std::uint64_t hz) {
  return static_cast<std::int64_t>(static_cast<U128>(delta) * 1'000'000'000U / hz);
}

}  // namespace

TEST_CASE("monotonic_ns never goes backwards", "[core][clock]") {
  std::int64_t previous = tickpath::monotonic_ns();
  for (int i = 0; i < 100'000; ++i) {
    const std::int64_t now = tickpath::monotonic_ns();
    REQUIRE(now >= previous);
    previous = now;
  }
}

TEST_CASE("wall_ns agrees with the system clock", "[core][clock]") {
  const auto system_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const std::int64_t wall = tickpath::wall_ns();
  CHECK(wall - system_ns < 5 * tickpath::kNsPerSecond);
  CHECK(system_ns - wall < 5 * tickpath::kNsPerSecond);
  CHECK(wall > 1'600'000'000 * tickpath::kNsPerSecond);  // after September 2020
}

TEST_CASE("the TSC advances", "[core][clock]") {
  const std::uint64_t before = tickpath::rdtsc_ordered();
  std::this_thread::sleep_for(std::chrono::milliseconds{2});
  const std::uint64_t after = tickpath::rdtsc_ordered();
  CHECK(after > before);
  CHECK(tickpath::rdtsc() >= before);
}

TEST_CASE("invariant_tsc reports without failing", "[core][clock]") {
  // Hypervisors may hide the bit: this only shows what this machine says.
  std::printf("invariant TSC: %s\n", tickpath::invariant_tsc() ? "yes" : "no");
  SUCCEED();
}

TEST_CASE("a TscClock converts synthetic tick counts exactly", "[core][clock]") {
  const tickpath::TscClock clock{3'000'000'000};
  CHECK(clock.calibrated());
  CHECK(clock.frequency_hz() == 3'000'000'000U);
  CHECK(clock.ticks_per_us() == 3'000U);
  CHECK(clock.to_ns(0) == 0);
  CHECK(clock.to_ns(3) == 1);
  CHECK(clock.to_ns(2) == 0);
  CHECK(clock.to_ns(3'000) == 1'000);
  CHECK(clock.to_ns(3'000'000'000) == 1'000'000'000);
  CHECK(clock.to_ns(3'000'000'000ULL * 3'600 * 24 * 365) == 1'000'000'000LL * 3'600 * 24 * 365);
  CHECK(clock.to_ticks(1) == 3);
  CHECK(clock.to_ticks(1'000'000'000) == 3'000'000'000U);
  CHECK(clock.to_ticks(0) == 0);
  CHECK(clock.to_ticks(-5) == 0);

  const tickpath::TscClock odd{2'994'374'000};
  CHECK(odd.ticks_per_us() == 2'994U);
  CHECK(odd.to_ns(2'994'374'000) == 1'000'000'000);
  CHECK(odd.to_ns(2'994'374) == 1'000'000);
}

TEST_CASE("a TscClock is within a nanosecond of exact for any frequency and delta",
          "[core][clock][property]") {
  std::mt19937_64 rng{42};
  for (const std::uint64_t hz :
       {std::uint64_t{1'000'000'000}, std::uint64_t{2'994'374'000}, std::uint64_t{3'700'000'001},
        std::uint64_t{100'000'000}, std::uint64_t{24'000'000}, std::uint64_t{12'345'678'901}}) {
    const tickpath::TscClock clock{hz};
    for (int i = 0; i < 10'000; ++i) {
      // Deltas up to about a year of ticks at this frequency.
      const std::uint64_t delta = rng() % (hz * 3'600 * 24 * 365);
      const std::int64_t exact = exact_ns(delta, hz);
      const std::int64_t got = clock.to_ns(delta);
      if (got < exact || got > exact + 1) {
        FAIL_CHECK("hz " << hz << " delta " << delta << ": " << got << " vs exact " << exact);
      }
    }
  }
}

TEST_CASE("an uncalibrated TscClock converts everything to zero", "[core][clock]") {
  const tickpath::TscClock clock;
  CHECK_FALSE(clock.calibrated());
  CHECK(clock.to_ns(123'456) == 0);
  CHECK(clock.to_ticks(123'456) == 0);
  CHECK_THROWS_AS(tickpath::TscClock{0}, std::invalid_argument);
}

TEST_CASE("a calibrated TscClock agrees with CLOCK_MONOTONIC over a sleep", "[core][clock]") {
  tickpath::TscClock clock;
  clock.calibrate(std::chrono::milliseconds{50});
  REQUIRE(clock.calibrated());
  // Any real TSC: between 100 MHz and 10 GHz.
  CHECK(clock.frequency_hz() > 100'000'000U);
  CHECK(clock.frequency_hz() < 10'000'000'000U);

  const std::uint64_t tsc_start = tickpath::rdtsc_ordered();
  const std::int64_t mono_start = tickpath::monotonic_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds{100});
  const std::uint64_t tsc_end = tickpath::rdtsc_ordered();
  const std::int64_t mono_end = tickpath::monotonic_ns();

  // Both clocks measured the same interval, however long the sleep really took; a preemption
  // between the paired reads can only add a few ms, hence the generous tolerance.
  const std::int64_t by_tsc = clock.to_ns(tsc_end - tsc_start);
  const std::int64_t by_monotonic = mono_end - mono_start;
  INFO("TSC " << by_tsc << " ns, CLOCK_MONOTONIC " << by_monotonic << " ns, " << clock.frequency_hz()
              << " Hz");
  CHECK(by_tsc > by_monotonic * 9 / 10);
  CHECK(by_tsc < by_monotonic * 11 / 10);
}

TEST_CASE("calibrate rejects a window that is not positive", "[core][clock]") {
  tickpath::TscClock clock;
  CHECK_THROWS_AS(clock.calibrate(std::chrono::milliseconds{0}), std::invalid_argument);
  CHECK_FALSE(clock.calibrated());
}

TEST_CASE("the process TscClock is calibrated by an explicit call", "[core][clock]") {
  tickpath::calibrate_process_tsc_clock(std::chrono::milliseconds{10});
  CHECK(tickpath::process_tsc_clock().calibrated());
  CHECK(tickpath::process_tsc_clock().ticks_per_us() > 100U);
}
