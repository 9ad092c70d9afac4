#pragma once
// The REST rate budget: a local mirror of Kraken Futures' cost model (kraken-futures-protocol.md
// §5.3: 500 cost units per 10 s per client, a cost per endpoint), so that the venue's
// `apiLimitExceeded` never happens. A request the budget cannot pay for is refused here and never
// sent; the caller retries at next_available_ns() or reports the refusal.
//
// Part of the budget (cancel_reserve) is kept for RateClass::Cancel: orders, edits and queries can
// exhaust their share, an emergency cancel-all or dead man's switch still goes out.
//
// Window: the guide does not say whether the venue's window slides or is fixed (§5.3); a sliding
// window is the stricter of the two, so we slide. Our window is window_ns + guard_ns long: the venue
// counts a request some time after we spend it (our queue, the wire, its gateway), and as long as
// that delay stays within guard_ns, any venue window of window_ns sees at most `capacity` units.
//
// Threads: one owner (the hot thread). Hot-path safe after construction: noexcept, no allocation.
// Times are a monotonic clock in ns; a time earlier than the newest spend is treated as that time.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tickpath/oms/types.hpp"

namespace tickpath::oms {

struct RateBudgetConfig {
  std::int64_t capacity{500};              // venue budget per window (cost units)
  std::int64_t window_ns{10'000'000'000};  // venue window
  std::int64_t guard_ns{1'000'000'000};    // our window is window_ns + guard_ns long: absorbs the
                                           // spread between when we send and when the venue counts
  std::int64_t cancel_reserve{100};        // units only RateClass::Cancel may use
};

// Order: new orders, edits, batches and every query. Cancel: cancel, cancel-all and the dead man's
// switch (arming or disarming), which may also spend the reserve.
enum class RateClass : std::uint8_t { Order = 0, Cancel = 1 };
inline constexpr std::size_t kRateClassCount = 2;

[[nodiscard]] constexpr const char* to_string(RateClass c) noexcept {
  return c == RateClass::Order ? "order" : "cancel";
}

// The §5.3 cost of one request. batch_items: instructions in a BatchOrder (cost 9 + N);
// fills_since: a Fills query with lastFillTime (25 instead of 2).
[[nodiscard]] constexpr std::int64_t request_cost(RequestKind kind, std::size_t batch_items = 0,
                                                  bool fills_since = false) noexcept {
  switch (kind) {
    case RequestKind::SendOrder:
    case RequestKind::EditOrder:
    case RequestKind::CancelOrder:
      return 10;
    case RequestKind::BatchOrder:
      // A batch beyond the whole budget can never be paid for; clamping keeps the sum exact.
      return 9 + static_cast<std::int64_t>(batch_items > 1'000'000 ? 1'000'000 : batch_items);
    case RequestKind::OpenOrders:
    case RequestKind::OpenPositions:
    case RequestKind::Accounts:
      return 2;
    case RequestKind::Fills:
      return fills_since ? 25 : 2;
    case RequestKind::CancelAll:
    case RequestKind::CancelAllAfter:
      return 25;
    case RequestKind::OrdersStatus:
      return 1;
  }
  return 25;  // not a RequestKind: charge like the dearest order endpoint
}

[[nodiscard]] constexpr RateClass rate_class(RequestKind kind) noexcept {
  switch (kind) {
    case RequestKind::CancelOrder:
    case RequestKind::CancelAll:
    case RequestKind::CancelAllAfter:
      return RateClass::Cancel;
    default:
      return RateClass::Order;
  }
}

// Indexed by static_cast<std::size_t>(RateClass).
struct RateBudgetCounters {
  std::array<std::uint64_t, kRateClassCount> allowed{};     // try_spend returned true
  std::array<std::uint64_t, kRateClassCount> refused{};     // try_spend returned false
  std::array<std::int64_t, kRateClassCount> spent_units{};  // cost of the allowed requests
};

class RateBudget {
 public:
  // Cold: allocates the ring (one entry per unit of capacity, the most that can be live since
  // every cost is >= 1). Throws std::invalid_argument when capacity < 1, cancel_reserve < 0 or
  // >= capacity, window_ns <= 0 or guard_ns < 0, window_ns + guard_ns overflows, or capacity
  // > 10 000 000 (the ring would be a memory hazard).
  explicit RateBudget(const RateBudgetConfig& config);

  // Spends cost units for a request of class cls at now_ns when the class may: Order while
  // used + cost <= capacity - cancel_reserve, Cancel while used + cost <= capacity. Records the
  // spend and returns true, or returns false and records nothing. cost < 1 is refused.
  [[nodiscard]] bool try_spend(std::int64_t cost, RateClass cls, std::int64_t now_ns) noexcept {
    const auto c = static_cast<std::size_t>(cls) & 1U;
    expire(now_ns);
    // used_ <= capacity always and cost is compared before adding: no overflow.
    if (cost < 1 || cost > limit(cls) - used_) {
      ++counters_.refused[c];
      return false;
    }
    record(cost, now_ns);
    ++counters_.allowed[c];
    counters_.spent_units[c] += cost;
    return true;
  }

  // What cls could spend at now_ns (>= 0).
  [[nodiscard]] std::int64_t available(RateClass cls, std::int64_t now_ns) noexcept {
    expire(now_ns);
    const std::int64_t free = limit(cls) - used_;
    return free > 0 ? free : 0;
  }

  // Units spent within the last window_ns + guard_ns.
  [[nodiscard]] std::int64_t used(std::int64_t now_ns) noexcept {
    expire(now_ns);
    return used_;
  }

  // The earliest time at which try_spend(cost, cls, t) would succeed if nothing else is spent:
  // now_ns when it would already, the expiry of the spend that frees enough otherwise, and
  // INT64_MAX (never) when cost exceeds what the class may ever hold or cost < 1.
  [[nodiscard]] std::int64_t next_available_ns(std::int64_t cost, RateClass cls,
                                               std::int64_t now_ns) noexcept;

  [[nodiscard]] const RateBudgetConfig& config() const noexcept { return config_; }
  [[nodiscard]] const RateBudgetCounters& counters() const noexcept { return counters_; }
  // The length of our window: window_ns + guard_ns.
  [[nodiscard]] std::int64_t span_ns() const noexcept { return span_ns_; }

 private:
  struct Entry {
    std::int64_t time_ns;  // when it was spent
    std::int64_t cost;
  };

  [[nodiscard]] std::int64_t limit(RateClass cls) const noexcept {
    return cls == RateClass::Cancel ? config_.capacity : config_.capacity - config_.cancel_reserve;
  }
  // Drops the entries that left the window at now_ns (time_ns + span_ns <= now_ns). They are in
  // time order, so the expired ones are a prefix. Compared as now - time >= span rather than
  // time + span <= now: neither side overflows for clock values of the same origin.
  void expire(std::int64_t now_ns) noexcept {
    while (count_ != 0) {
      const Entry& e = ring_[head_];
      if (now_ns < e.time_ns || now_ns - e.time_ns < span_ns_) {
        break;
      }
      used_ -= e.cost;
      head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
      --count_;
    }
  }
  // Appends an allowed spend. Since every cost is >= 1 and the live costs sum to <= capacity, the
  // ring (capacity entries) always has a free slot.
  void record(std::int64_t cost, std::int64_t now_ns) noexcept {
    std::size_t tail = head_ + count_;
    if (tail >= ring_.size()) {
      tail -= ring_.size();
    }
    // A clock that steps back must not reorder the ring: the spend is stamped with the newest
    // time, which only delays its expiry (the conservative direction).
    const std::int64_t t = now_ns < newest_ns_ && count_ != 0 ? newest_ns_ : now_ns;
    ring_[tail] = Entry{t, cost};
    ++count_;
    newest_ns_ = t;
    used_ += cost;
  }

  RateBudgetConfig config_;
  std::int64_t span_ns_;
  std::vector<Entry> ring_;  // FIFO of the live spends in time order; size = capacity
  std::size_t head_{0};      // oldest live entry
  std::size_t count_{0};
  std::int64_t used_{0};       // sum of the live costs
  std::int64_t newest_ns_{0};  // time of the newest spend (entries stay in time order)
  RateBudgetCounters counters_{};
};

}  // namespace tickpath::oms
