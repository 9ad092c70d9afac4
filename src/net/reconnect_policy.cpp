#include "tickpath/net/reconnect_policy.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace tickpath::net {

ReconnectPolicy::ReconnectPolicy(const BackoffConfig& config) : config_(config), rng_state_(config.seed) {
  if (config.initial.count() <= 0) {
    throw std::invalid_argument("backoff.initial must be positive");
  }
  if (config.max < config.initial) {
    throw std::invalid_argument("backoff.max must be >= backoff.initial");
  }
  if (!(config.multiplier >= 1.0) || !std::isfinite(config.multiplier)) {
    throw std::invalid_argument("backoff.multiplier must be >= 1");
  }
  if (!(config.jitter >= 0.0 && config.jitter <= 1.0)) {
    throw std::invalid_argument("backoff.jitter must be in [0, 1]");
  }
  if (config.reset_after.count() < 0) {
    throw std::invalid_argument("backoff.reset_after must not be negative");
  }
  if (rng_state_ == 0) {
    std::random_device rd;
    rng_state_ = (std::uint64_t{rd()} << 32) ^ rd();
  }
}

double ReconnectPolicy::uniform01() noexcept {
  // splitmix64 (Steele, Lea, Flood 2014): tiny state, good enough for jitter.
  std::uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

std::chrono::nanoseconds ReconnectPolicy::next_delay() noexcept {
  const auto initial = static_cast<double>(config_.initial.count());
  const auto cap = static_cast<double>(config_.max.count());
  // pow() of a bounded exponent; the min() keeps the product finite long before it overflows.
  const double base = std::min(cap, initial * std::pow(config_.multiplier, static_cast<double>(attempt_)));
  const double delay = base * (1.0 - config_.jitter * uniform01());
  if (attempt_ < 1'000) {
    ++attempt_;
  }
  return std::chrono::nanoseconds{std::max<std::int64_t>(1, static_cast<std::int64_t>(delay))};
}

void ReconnectPolicy::on_open(std::int64_t now_ns) noexcept {
  opened_at_ns_ = now_ns;
}

void ReconnectPolicy::on_close(std::int64_t now_ns) noexcept {
  if (opened_at_ns_ >= 0 && now_ns - opened_at_ns_ >= config_.reset_after.count()) {
    attempt_ = 0;
  }
  opened_at_ns_ = -1;
}

}  // namespace tickpath::net
