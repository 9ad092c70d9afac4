#pragma once
// Idle strategies: what a thread does when its duty cycle found no work (STYLE B1.8, after Aeron's
// BusySpinIdleStrategy / BackOffIdleStrategy). idle(work) is called once per duty cycle with the
// amount of work done; any work > 0 resets the strategy.

#include <chrono>
#include <concepts>
#include <cstdint>
#include <thread>

#include "tickpath/core/hints.hpp"

namespace tickpath::engine {

template <typename I>
concept IdleStrategy = requires(I i, int work) {
  { i.idle(work) }
  noexcept;
  { i.reset() }
  noexcept;
};

// Hot threads: never gives up the CPU; a pause instruction per empty cycle.
class BusySpinIdle {
 public:
  void idle(int work) noexcept {
    if (work <= 0) {
      cpu_relax();
    }
  }
  void reset() noexcept {}
};

// Cold threads: spin, then yield, then sleep with exponential growth from min to max.
class BackoffIdle {
 public:
  struct Params {
    std::int64_t spin_count{100};
    std::int64_t yield_count{10};
    std::int64_t min_sleep_ns{1'000};
    std::int64_t max_sleep_ns{1'000'000};
  };

  BackoffIdle() noexcept = default;
  explicit BackoffIdle(Params p) noexcept : params_(p), sleep_ns_(p.min_sleep_ns) {}

  void idle(int work) noexcept {
    if (work > 0) {
      reset();
      return;
    }
    if (spins_ < params_.spin_count) {
      ++spins_;
      cpu_relax();
    } else if (yields_ < params_.yield_count) {
      ++yields_;
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::nanoseconds(sleep_ns_));
      sleep_ns_ = sleep_ns_ * 2 > params_.max_sleep_ns ? params_.max_sleep_ns : sleep_ns_ * 2;
    }
  }

  void reset() noexcept {
    spins_ = 0;
    yields_ = 0;
    sleep_ns_ = params_.min_sleep_ns;
  }

  [[nodiscard]] std::int64_t current_sleep_ns() const noexcept { return sleep_ns_; }

 private:
  Params params_{};
  std::int64_t spins_{0};
  std::int64_t yields_{0};
  std::int64_t sleep_ns_{params_.min_sleep_ns};
};

// Background threads with no latency needs: a fixed sleep per empty cycle.
class SleepIdle {
 public:
  SleepIdle() noexcept = default;
  explicit SleepIdle(std::int64_t sleep_ns) noexcept : sleep_ns_(sleep_ns) {}

  void idle(int work) noexcept {
    if (work <= 0) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(sleep_ns_));
    }
  }
  void reset() noexcept {}

 private:
  std::int64_t sleep_ns_{1'000'000};
};

static_assert(IdleStrategy<BusySpinIdle> && IdleStrategy<BackoffIdle> && IdleStrategy<SleepIdle>);

}  // namespace tickpath::engine
