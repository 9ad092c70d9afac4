#pragma once
// Reconnect backoff: exponential delays with bounded jitter, reset once a connection has stayed up.
//
//   attempt k (0-based) after a failure:  base_k  = min(initial * multiplier^k, max)
//                                         delay_k = base_k * (1 - jitter * u),  u uniform in [0, 1)
// so every delay lies in [base_k * (1 - jitter), base_k] and never exceeds `max`. With the
// defaults (multiplier 2, jitter 0.2) each delay is at least 1.6x the previous base until the
// cap, so delays grow strictly. The jitter spreads reconnect storms of many sessions (or many
// engines) after a venue-wide disconnect.
//
// Owned by one session on one thread; next_delay() and the notifications are noexcept and do not
// allocate. The generator is a seeded splitmix64, deterministic for a given seed (tests).

#include <chrono>
#include <cstdint>

namespace tickpath::net {

struct BackoffConfig {
  std::chrono::nanoseconds initial{std::chrono::milliseconds{250}};
  std::chrono::nanoseconds max{std::chrono::seconds{30}};
  double multiplier{2.0};
  double jitter{0.2};  // fraction of the base delay taken off at random, in [0, 1]
  // A connection that stayed open at least this long resets the attempt count to 0.
  std::chrono::nanoseconds reset_after{std::chrono::seconds{60}};
  // 0: seed from std::random_device at construction; anything else: deterministic.
  std::uint64_t seed{0};
};

class ReconnectPolicy {
 public:
  // Throws std::invalid_argument naming the field when the config is inconsistent
  // (initial <= 0, max < initial, multiplier < 1, jitter outside [0, 1], reset_after < 0).
  explicit ReconnectPolicy(const BackoffConfig& config);

  // The delay before the next connection attempt; advances the attempt count.
  [[nodiscard]] std::chrono::nanoseconds next_delay() noexcept;

  // A connection reached the open state at now_ns (monotonic).
  void on_open(std::int64_t now_ns) noexcept;
  // The open connection ended at now_ns; resets the attempt count if it lasted reset_after.
  void on_close(std::int64_t now_ns) noexcept;
  // Forget the history (e.g. a deliberate restart).
  void reset() noexcept { attempt_ = 0; }

  [[nodiscard]] std::uint32_t attempt() const noexcept { return attempt_; }
  [[nodiscard]] const BackoffConfig& config() const noexcept { return config_; }

 private:
  [[nodiscard]] double uniform01() noexcept;

  BackoffConfig config_;
  std::uint64_t rng_state_;
  std::uint32_t attempt_{0};
  std::int64_t opened_at_ns_{-1};
};

}  // namespace tickpath::net
