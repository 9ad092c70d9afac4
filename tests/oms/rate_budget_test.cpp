#include "tickpath/oms/rate_budget.hpp"

#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using tickpath::oms::RateBudget;
using tickpath::oms::RateBudgetConfig;
using tickpath::oms::RateClass;
using tickpath::oms::RequestKind;

constexpr std::int64_t kSec = 1'000'000'000;
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

std::size_t cls_index(RateClass c) {
  return static_cast<std::size_t>(c);
}

}  // namespace

TEST_CASE("request_cost follows the Kraken Futures cost table of section 5.3", "[oms][rate]") {
  using tickpath::oms::request_cost;
  static_assert(request_cost(RequestKind::SendOrder) == 10);  // usable in constant expressions
  CHECK(request_cost(RequestKind::SendOrder) == 10);
  CHECK(request_cost(RequestKind::EditOrder) == 10);
  CHECK(request_cost(RequestKind::CancelOrder) == 10);
  CHECK(request_cost(RequestKind::BatchOrder, 0) == 9);
  CHECK(request_cost(RequestKind::BatchOrder, 1) == 10);
  CHECK(request_cost(RequestKind::BatchOrder, 10) == 19);
  CHECK(request_cost(RequestKind::OpenOrders) == 2);
  CHECK(request_cost(RequestKind::OpenPositions) == 2);
  CHECK(request_cost(RequestKind::Accounts) == 2);
  CHECK(request_cost(RequestKind::Fills) == 2);
  CHECK(request_cost(RequestKind::Fills, 0, true) == 25);
  CHECK(request_cost(RequestKind::CancelAll) == 25);
  CHECK(request_cost(RequestKind::CancelAllAfter) == 25);
  CHECK(request_cost(RequestKind::OrdersStatus) == 1);
  // The flags only matter to their own endpoints.
  CHECK(request_cost(RequestKind::SendOrder, 7, true) == 10);
  // A batch too large to ever pay for stays too large instead of wrapping.
  CHECK(request_cost(RequestKind::BatchOrder, std::numeric_limits<std::size_t>::max()) > 500);
}

TEST_CASE("rate_class puts cancels, cancel-all and the dead man's switch in the cancel class",
          "[oms][rate]") {
  using tickpath::oms::rate_class;
  static_assert(rate_class(RequestKind::CancelAllAfter) == RateClass::Cancel);
  CHECK(rate_class(RequestKind::CancelOrder) == RateClass::Cancel);
  CHECK(rate_class(RequestKind::CancelAll) == RateClass::Cancel);
  CHECK(rate_class(RequestKind::CancelAllAfter) == RateClass::Cancel);
  for (const RequestKind k :
       {RequestKind::SendOrder, RequestKind::EditOrder, RequestKind::BatchOrder, RequestKind::OpenOrders,
        RequestKind::OpenPositions, RequestKind::Fills, RequestKind::OrdersStatus, RequestKind::Accounts}) {
    INFO(tickpath::oms::to_string(k));
    CHECK(rate_class(k) == RateClass::Order);
  }
}

TEST_CASE("the cancel reserve keeps cancels possible after orders exhaust their share", "[oms][rate]") {
  RateBudget budget{RateBudgetConfig{}};  // 500 per 10 s + 1 s guard, 100 reserved
  std::int64_t t = 1'000 * kSec;
  for (int i = 0; i < 40; ++i) {  // 400 = capacity - reserve
    REQUIRE(budget.try_spend(10, RateClass::Order, t));
    t += 1'000'000;  // 1 ms apart
  }
  CHECK(budget.used(t) == 400);
  CHECK(budget.available(RateClass::Order, t) == 0);
  CHECK(budget.available(RateClass::Cancel, t) == 100);
  CHECK_FALSE(budget.try_spend(10, RateClass::Order, t));  // a new order is refused locally
  CHECK_FALSE(budget.try_spend(1, RateClass::Order, t));   // even a status query
  CHECK(budget.used(t) == 400);                            // a refusal spends nothing

  // An emergency cancel-all and cancels still fit.
  CHECK(budget.try_spend(25, RateClass::Cancel, t));
  CHECK(budget.try_spend(25, RateClass::Cancel, t));
  CHECK(budget.try_spend(25, RateClass::Cancel, t));
  CHECK(budget.try_spend(10, RateClass::Cancel, t));
  CHECK(budget.try_spend(10, RateClass::Cancel, t));
  CHECK(budget.available(RateClass::Cancel, t) == 5);
  CHECK_FALSE(budget.try_spend(10, RateClass::Cancel, t));  // the venue's cap holds for cancels too
  CHECK(budget.try_spend(5, RateClass::Cancel, t));
  CHECK(budget.used(t) == 500);
  CHECK(budget.available(RateClass::Cancel, t) == 0);
  CHECK(budget.available(RateClass::Order, t) == 0);  // never negative

  const auto& c = budget.counters();
  CHECK(c.allowed[cls_index(RateClass::Order)] == 40);
  CHECK(c.refused[cls_index(RateClass::Order)] == 2);
  CHECK(c.allowed[cls_index(RateClass::Cancel)] == 6);
  CHECK(c.refused[cls_index(RateClass::Cancel)] == 1);
  CHECK(c.spent_units[cls_index(RateClass::Order)] == 400);
  CHECK(c.spent_units[cls_index(RateClass::Cancel)] == 100);
}

TEST_CASE("orders may use the reserve's room once cancels are not using it, but not the reserve itself",
          "[oms][rate]") {
  RateBudget budget{RateBudgetConfig{.capacity = 100, .cancel_reserve = 30}};
  CHECK(budget.try_spend(50, RateClass::Cancel, 0));  // cancels may spend anywhere in the budget
  CHECK(budget.available(RateClass::Order, 0) == 20);
  CHECK_FALSE(budget.try_spend(21, RateClass::Order, 0));
  CHECK(budget.try_spend(20, RateClass::Order, 0));
  CHECK(budget.available(RateClass::Cancel, 0) == 30);
}

TEST_CASE("spends leave the budget exactly window plus guard after they were made", "[oms][rate]") {
  RateBudget budget{
      RateBudgetConfig{.capacity = 50, .window_ns = 10 * kSec, .guard_ns = kSec, .cancel_reserve = 0}};
  CHECK(budget.span_ns() == 11 * kSec);
  const std::int64_t t0 = 5 * kSec;
  REQUIRE(budget.try_spend(30, RateClass::Order, t0));
  REQUIRE(budget.try_spend(20, RateClass::Order, t0 + 2 * kSec));
  CHECK(budget.used(t0 + 10 * kSec) == 50);  // past the venue's window but inside the guard
  CHECK_FALSE(budget.try_spend(1, RateClass::Order, t0 + 11 * kSec - 1));
  CHECK(budget.used(t0 + 11 * kSec - 1) == 50);
  CHECK(budget.used(t0 + 11 * kSec) == 20);  // the first spend has left
  CHECK(budget.available(RateClass::Order, t0 + 11 * kSec) == 30);
  CHECK(budget.used(t0 + 13 * kSec) == 0);
  CHECK(budget.try_spend(50, RateClass::Order, t0 + 13 * kSec));
}

TEST_CASE("next_available_ns is the exact time at which try_spend starts to succeed", "[oms][rate]") {
  const RateBudgetConfig config{
      .capacity = 100, .window_ns = 10 * kSec, .guard_ns = kSec, .cancel_reserve = 20};
  RateBudget budget{config};
  const std::int64_t span = 11 * kSec;
  // Order share 80: spends of 10, 25, 25, 20 at t = 1, 2, 2, 3 s.
  REQUIRE(budget.try_spend(10, RateClass::Order, 1 * kSec));
  REQUIRE(budget.try_spend(25, RateClass::Order, 2 * kSec));
  REQUIRE(budget.try_spend(25, RateClass::Order, 2 * kSec));
  REQUIRE(budget.try_spend(20, RateClass::Order, 3 * kSec));
  const std::int64_t now = 4 * kSec;

  CHECK(budget.next_available_ns(20, RateClass::Cancel, now) == now);             // the reserve is free now
  CHECK(budget.next_available_ns(10, RateClass::Order, now) == 1 * kSec + span);  // the 10 leaves
  CHECK(budget.next_available_ns(11, RateClass::Order, now) == 2 * kSec + span);  // both 25s leave together
  CHECK(budget.next_available_ns(60, RateClass::Order, now) == 2 * kSec + span);
  CHECK(budget.next_available_ns(61, RateClass::Order, now) == 3 * kSec + span);
  CHECK(budget.next_available_ns(80, RateClass::Order, now) == 3 * kSec + span);
  CHECK(budget.next_available_ns(30, RateClass::Cancel, now) == 1 * kSec + span);
  // More than the class may ever hold, or not a cost: never.
  CHECK(budget.next_available_ns(81, RateClass::Order, now) == kNever);
  CHECK(budget.next_available_ns(101, RateClass::Cancel, now) == kNever);
  CHECK(budget.next_available_ns(0, RateClass::Order, now) == kNever);

  // The answer is exact: one nanosecond earlier fails, at the time it succeeds.
  const std::int64_t at = budget.next_available_ns(11, RateClass::Order, now);
  CHECK_FALSE(budget.try_spend(11, RateClass::Order, at - 1));
  CHECK(budget.try_spend(11, RateClass::Order, at));
  CHECK(budget.next_available_ns(5, RateClass::Order, at) == at);
}

TEST_CASE("a cost below one unit is refused and counted", "[oms][rate]") {
  RateBudget budget{RateBudgetConfig{}};
  CHECK_FALSE(budget.try_spend(0, RateClass::Order, 0));
  CHECK_FALSE(budget.try_spend(-10, RateClass::Cancel, 0));
  CHECK(budget.used(0) == 0);
  CHECK(budget.counters().refused[0] == 1);
  CHECK(budget.counters().refused[1] == 1);
}

TEST_CASE("a clock that steps back never lets a spend expire early", "[oms][rate]") {
  RateBudget budget{RateBudgetConfig{.capacity = 20, .window_ns = 10, .guard_ns = 0, .cancel_reserve = 0}};
  REQUIRE(budget.try_spend(10, RateClass::Order, 100));
  REQUIRE(budget.try_spend(10, RateClass::Order, 95));  // stamped 100, not 95
  CHECK(budget.used(105) == 20);
  CHECK(budget.used(109) == 20);
  CHECK(budget.used(110) == 0);
}

TEST_CASE("a rate budget with an impossible configuration throws", "[oms][rate]") {
  const auto make = [](RateBudgetConfig c) { return RateBudget{c}; };
  CHECK_THROWS_AS(make({.capacity = 0, .cancel_reserve = 0}), std::invalid_argument);
  CHECK_THROWS_AS(make({.capacity = -5, .cancel_reserve = 0}), std::invalid_argument);
  CHECK_THROWS_AS(make({.capacity = 100, .cancel_reserve = -1}), std::invalid_argument);
  CHECK_THROWS_AS(make({.capacity = 100, .cancel_reserve = 100}), std::invalid_argument);
  CHECK_THROWS_AS(make({.capacity = 100, .cancel_reserve = 150}), std::invalid_argument);
  CHECK_THROWS_AS(make({.window_ns = 0}), std::invalid_argument);
  CHECK_THROWS_AS(make({.window_ns = -1}), std::invalid_argument);
  CHECK_THROWS_AS(make({.guard_ns = -1}), std::invalid_argument);
  CHECK_THROWS_AS(make({.window_ns = kNever, .guard_ns = 1}), std::invalid_argument);
  CHECK_THROWS_AS(make({.capacity = 1'000'000'000, .cancel_reserve = 0}), std::invalid_argument);
  CHECK_NOTHROW(make({.capacity = 1, .cancel_reserve = 0}));
  CHECK_NOTHROW(make({.guard_ns = 0}));
  CHECK_NOTHROW(make(RateBudgetConfig{}));
}

TEST_CASE("a 1000-action burst never puts more than the capacity in any venue window", "[oms][rate]") {
  // A strategy hammering the gateway: new orders, edits, queries, cancels and cancel-alls, time
  // coming in bursts with pauses between them. Every decision is
  // checked against a brute-force reference over the recorded spends, and the venue's view (each
  // spend counted 0..guard later, any sliding window) never exceeds the capacity.
  const RateBudgetConfig config{};  // the production defaults
  RateBudget budget{config};
  const std::int64_t span = config.window_ns + config.guard_ns;
  struct Spend {
    std::int64_t t;
    std::int64_t cost;
    std::int64_t venue_t;
  };
  std::vector<Spend> spends;
  std::mt19937_64 rng{20240605};
  const RequestKind kinds[] = {RequestKind::SendOrder, RequestKind::SendOrder,   RequestKind::SendOrder,
                               RequestKind::EditOrder, RequestKind::BatchOrder,  RequestKind::OpenOrders,
                               RequestKind::Fills,     RequestKind::CancelOrder, RequestKind::CancelOrder,
                               RequestKind::CancelAll, RequestKind::OrdersStatus};
  std::int64_t t = 50 * kSec;
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    // Bursts (0-5 ms apart, sometimes the same nanosecond) separated by pauses of 50-400 ms.
    const std::uint64_t gap_ms = rng() % 10 < 7 ? rng() % 6 : 50 + rng() % 351;
    t += static_cast<std::int64_t>(gap_ms) * 1'000'000 +
         (gap_ms == 0 ? 0 : static_cast<std::int64_t>(rng() % 1000));
    const RequestKind kind = kinds[rng() % std::size(kinds)];
    const std::int64_t cost = tickpath::oms::request_cost(kind, rng() % 12, rng() % 4 == 0);
    const RateClass cls = tickpath::oms::rate_class(kind);

    // Reference: what is live at t, by brute force.
    std::int64_t live = 0;
    for (const Spend& s : spends) {
      if (t - s.t < span) {
        live += s.cost;
      }
    }
    const std::int64_t limit =
        cls == RateClass::Cancel ? config.capacity : config.capacity - config.cancel_reserve;
    const bool expected = live + cost <= limit;
    REQUIRE(budget.used(t) == live);
    REQUIRE(budget.available(cls, t) == (limit - live > 0 ? limit - live : 0));
    const bool allowed = budget.try_spend(cost, cls, t);
    REQUIRE(allowed == expected);
    if (allowed) {
      const auto delay = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(config.guard_ns + 1));
      spends.push_back({t, cost, t + delay});
    } else {
      ++refused;
      // The budget's promise: waiting until next_available_ns is enough, and necessary.
      const std::int64_t at = budget.next_available_ns(cost, cls, t);
      REQUIRE(at > t);
      std::int64_t live_at = 0;
      std::int64_t live_before = 0;
      for (const Spend& s : spends) {
        live_at += at - s.t < span ? s.cost : 0;
        live_before += at - 1 - s.t < span ? s.cost : 0;
      }
      REQUIRE(live_at + cost <= limit);
      REQUIRE(live_before + cost > limit);
    }
  }
  // The scenario must actually press on the limit, and still let most through.
  INFO("refused " << refused << ", allowed " << spends.size());
  CHECK(refused > 300);
  CHECK(spends.size() > 150);

  // Our windows of span: at most capacity. The venue's sliding windows of window_ns over the
  // delayed counting times: at most capacity too.
  for (const Spend& a : spends) {
    std::int64_t ours = 0;
    std::int64_t venue = 0;
    for (const Spend& b : spends) {
      ours += (b.t >= a.t && b.t - a.t < span) ? b.cost : 0;
      venue += (b.venue_t >= a.venue_t && b.venue_t - a.venue_t < config.window_ns) ? b.cost : 0;
    }
    REQUIRE(ours <= config.capacity);
    REQUIRE(venue <= config.capacity);
  }
}
