#include "tickpath/oms/rate_budget.hpp"

#include <limits>
#include <stdexcept>

namespace tickpath::oms {
namespace {

const RateBudgetConfig& validated(const RateBudgetConfig& c) {
  if (c.capacity < 1) {
    throw std::invalid_argument("rate budget: capacity must be >= 1");
  }
  if (c.cancel_reserve < 0 || c.cancel_reserve >= c.capacity) {
    throw std::invalid_argument("rate budget: cancel_reserve must be >= 0 and < capacity");
  }
  if (c.window_ns <= 0) {
    throw std::invalid_argument("rate budget: window_ns must be > 0");
  }
  if (c.guard_ns < 0) {
    throw std::invalid_argument("rate budget: guard_ns must be >= 0");
  }
  if (c.guard_ns > std::numeric_limits<std::int64_t>::max() - c.window_ns) {
    throw std::invalid_argument("rate budget: window_ns + guard_ns overflows");
  }
  // One ring entry per unit: a larger budget would make the ring a memory hazard, and no venue
  // grants one.
  if (c.capacity > 10'000'000) {
    throw std::invalid_argument("rate budget: capacity must be <= 10000000");
  }
  return c;
}

}  // namespace

RateBudget::RateBudget(const RateBudgetConfig& config)
    : config_(validated(config)),
      span_ns_(config.window_ns + config.guard_ns),
      ring_(static_cast<std::size_t>(config.capacity), Entry{0, 0}) {}

std::int64_t RateBudget::next_available_ns(std::int64_t cost, RateClass cls, std::int64_t now_ns) noexcept {
  expire(now_ns);
  const std::int64_t lim = limit(cls);
  if (cost < 1 || cost > lim) {
    return std::numeric_limits<std::int64_t>::max();
  }
  std::int64_t remaining = used_;
  if (remaining + cost <= lim) {
    return now_ns;
  }
  // Walk the spends oldest first until enough has left the window; the answer is the expiry of
  // the last one needed (spends with the same stamp leave together).
  std::size_t i = head_;
  for (std::size_t n = 0; n < count_; ++n) {
    const Entry& e = ring_[i];
    remaining -= e.cost;
    if (remaining + cost <= lim) {
      const std::int64_t t = e.time_ns;
      return t > std::numeric_limits<std::int64_t>::max() - span_ns_
                 ? std::numeric_limits<std::int64_t>::max()
                 : t + span_ns_;
    }
    i = i + 1 == ring_.size() ? 0 : i + 1;
  }
  return std::numeric_limits<std::int64_t>::max();  // unreachable: cost <= lim
}

}  // namespace tickpath::oms
