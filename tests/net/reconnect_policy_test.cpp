#include "tickpath/net/reconnect_policy.hpp"

#include <chrono>
#include <stdexcept>

#include <catch2/catch.hpp>

namespace net = tickpath::net;
using namespace std::chrono_literals;

namespace {
net::BackoffConfig config(double jitter, std::uint64_t seed = 7) {
  net::BackoffConfig c;
  c.initial = 100ms;
  c.max = 2s;
  c.multiplier = 2.0;
  c.jitter = jitter;
  c.reset_after = 5s;
  c.seed = seed;
  return c;
}
}  // namespace

TEST_CASE("backoff doubles from initial up to max without jitter", "[net][backoff]") {
  net::ReconnectPolicy p(config(0.0));
  const std::chrono::nanoseconds expected[] = {100ms, 200ms, 400ms, 800ms, 1600ms, 2s, 2s, 2s};
  for (const auto e : expected) {
    CHECK(p.next_delay() == e);
  }
}

TEST_CASE("jitter keeps each delay within [base * (1 - jitter), base]", "[net][backoff]") {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    net::ReconnectPolicy p(config(0.3, seed));
    double base = 100e6;
    std::chrono::nanoseconds previous{0};
    for (int i = 0; i < 10; ++i) {
      const auto d = p.next_delay();
      CHECK(static_cast<double>(d.count()) <= base + 1);
      CHECK(static_cast<double>(d.count()) >= base * 0.7 - 1);
      if (base < 2e9) {
        CHECK(d > previous);  // 2 * 0.7 > 1: strictly growing below the cap
      }
      previous = d;
      base = std::min(base * 2, 2e9);
    }
  }
}

TEST_CASE("the same seed gives the same delays and different seeds differ", "[net][backoff]") {
  net::ReconnectPolicy a(config(0.5, 99));
  net::ReconnectPolicy b(config(0.5, 99));
  net::ReconnectPolicy c(config(0.5, 100));
  bool any_difference = false;
  for (int i = 0; i < 8; ++i) {
    const auto da = a.next_delay();
    CHECK(da == b.next_delay());
    any_difference = any_difference || da != c.next_delay();
  }
  CHECK(any_difference);
}

TEST_CASE("a connection that stayed up for reset_after resets the backoff", "[net][backoff]") {
  net::ReconnectPolicy p(config(0.0));
  (void)p.next_delay();
  (void)p.next_delay();
  (void)p.next_delay();
  CHECK(p.attempt() == 3);

  p.on_open(0);
  p.on_close(std::chrono::nanoseconds(4s).count());  // too short: keeps growing
  CHECK(p.attempt() == 3);
  CHECK(p.next_delay() == 800ms);

  p.on_open(10'000'000'000);
  p.on_close(10'000'000'000 + std::chrono::nanoseconds(5s).count());
  CHECK(p.attempt() == 0);
  CHECK(p.next_delay() == 100ms);
}

TEST_CASE("rejects inconsistent backoff settings", "[net][backoff]") {
  auto c = config(0.1);
  c.initial = 0ms;
  CHECK_THROWS_AS(net::ReconnectPolicy(c), std::invalid_argument);
  c = config(0.1);
  c.max = 50ms;
  CHECK_THROWS_AS(net::ReconnectPolicy(c), std::invalid_argument);
  c = config(0.1);
  c.multiplier = 0.5;
  CHECK_THROWS_AS(net::ReconnectPolicy(c), std::invalid_argument);
  c = config(1.5);
  CHECK_THROWS_AS(net::ReconnectPolicy(c), std::invalid_argument);
}

TEST_CASE("never overflows after many attempts", "[net][backoff]") {
  net::ReconnectPolicy p(config(0.2));
  for (int i = 0; i < 5000; ++i) {
    const auto d = p.next_delay();
    REQUIRE(d > 0ns);
    REQUIRE(d <= 2s);
  }
}
