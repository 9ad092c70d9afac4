// Single-threaded behaviour of SpscRing: every call here runs on the test thread, which plays both
// roles. The two-thread stress lives in spsc_stress_test.cpp (label `concurrency`).

#include "tickpath/queue/spsc_ring.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "tickpath/core/hints.hpp"

namespace {

using tickpath::queue::SpscRing;

struct Quote {
  std::uint64_t seq;
  std::int64_t price_ticks;
};

static_assert(std::is_trivially_copyable_v<Quote>);
static_assert(alignof(SpscRing<Quote>) == tickpath::kFalseSharingRange);
static_assert(sizeof(SpscRing<Quote>) == 3 * tickpath::kFalseSharingRange);

std::vector<std::uint64_t> drain_all(SpscRing<std::uint64_t>& ring) {
  std::vector<std::uint64_t> out;
  (void)ring.drain([&](const std::uint64_t& v) { out.push_back(v); });
  return out;
}

}  // namespace

TEST_CASE("SpscRing rejects a capacity that is not a power of two", "[queue][spsc]") {
  CHECK_THROWS_AS(SpscRing<std::uint64_t>(0), std::invalid_argument);
  CHECK_THROWS_AS(SpscRing<std::uint64_t>(3), std::invalid_argument);
  CHECK_THROWS_AS(SpscRing<std::uint64_t>(1000), std::invalid_argument);
  CHECK_THROWS_AS(SpscRing<std::uint64_t>(std::numeric_limits<std::size_t>::max()), std::invalid_argument);
  CHECK_THROWS_AS(SpscRing<std::uint64_t>(SpscRing<std::uint64_t>::kMaxCapacity * 2), std::invalid_argument);
  CHECK_THROWS_WITH(SpscRing<std::uint64_t>(12), Catch::Contains("got 12"));
}

TEST_CASE("SpscRing accepts power-of-two capacities and uses every slot", "[queue][spsc]") {
  for (std::size_t capacity : {std::size_t{1}, std::size_t{2}, std::size_t{64}, std::size_t{1024}}) {
    SpscRing<std::uint64_t> ring(capacity);
    REQUIRE(ring.capacity() == capacity);
    for (std::uint64_t i = 0; i < capacity; ++i) {
      REQUIRE(ring.try_push(i));
    }
    CHECK_FALSE(ring.try_push(99));
    CHECK(ring.size_approx() == capacity);
  }
}

TEST_CASE("SpscRing starts empty and try_pop on empty leaves the output untouched", "[queue][spsc]") {
  SpscRing<Quote> ring(8);
  CHECK(ring.empty_approx());
  CHECK(ring.size_approx() == 0);
  CHECK(ring.front() == nullptr);
  Quote out{7, 7};
  CHECK_FALSE(ring.try_pop(out));
  CHECK(out.seq == 7);
  CHECK(ring.drain([](const Quote&) { FAIL("drain called f on an empty ring"); }) == 0);
}

TEST_CASE("SpscRing refuses a push when full and accepts one after a pop", "[queue][spsc]") {
  SpscRing<std::uint64_t> ring(4);
  for (std::uint64_t i = 0; i < 4; ++i) {
    REQUIRE(ring.try_push(i));
  }
  CHECK_FALSE(ring.try_push(4));
  CHECK_FALSE(ring.try_emplace(std::uint64_t{4}));
  std::uint64_t out = 0;
  REQUIRE(ring.try_pop(out));
  CHECK(out == 0);
  CHECK(ring.try_push(4));
  CHECK_FALSE(ring.try_push(5));
  CHECK(drain_all(ring) == std::vector<std::uint64_t>{1, 2, 3, 4});
}

TEST_CASE("SpscRing keeps FIFO order across many wrap-arounds", "[queue][spsc]") {
  SpscRing<Quote> ring(8);
  std::uint64_t next_in = 0;
  std::uint64_t next_out = 0;
  // Uneven push/pop counts so the indices cross the end of the buffer at every offset.
  for (int round = 0; round < 1000; ++round) {
    const int pushes = 1 + round % 7;
    for (int i = 0; i < pushes; ++i) {
      if (ring.try_push(Quote{next_in, static_cast<std::int64_t>(next_in) * -3})) {
        ++next_in;
      }
    }
    const int pops = 1 + (round * 5) % 6;
    for (int i = 0; i < pops; ++i) {
      Quote q{};
      if (!ring.try_pop(q)) {
        break;
      }
      REQUIRE(q.seq == next_out);
      REQUIRE(q.price_ticks == static_cast<std::int64_t>(next_out) * -3);
      ++next_out;
    }
  }
  CHECK(next_in > 1000);
  CHECK(next_in - next_out == ring.size_approx());
}

TEST_CASE("SpscRing try_emplace constructs the record in place", "[queue][spsc]") {
  SpscRing<Quote> ring(2);
  REQUIRE(ring.try_emplace(Quote{5, -10}));
  // Parenthesised aggregate initialisation (C++20): the fields are passed straight through.
  REQUIRE(ring.try_emplace(std::uint64_t{6}, std::int64_t{-12}));
  CHECK_FALSE(ring.try_emplace(std::uint64_t{7}, std::int64_t{-14}));
  Quote out{};
  REQUIRE(ring.try_pop(out));
  CHECK(out.seq == 5);
  CHECK(out.price_ticks == -10);
  REQUIRE(ring.try_pop(out));
  CHECK(out.seq == 6);
  CHECK(out.price_ticks == -12);
}

TEST_CASE("SpscRing front gives the oldest record in place until pop", "[queue][spsc]") {
  SpscRing<Quote> ring(4);
  REQUIRE(ring.try_push(Quote{1, 100}));
  REQUIRE(ring.try_push(Quote{2, 200}));
  Quote* first = ring.front();
  REQUIRE(first != nullptr);
  CHECK(first->seq == 1);
  CHECK(ring.front() == first);  // peeking twice does not consume
  first->price_ticks = 101;      // the consumer may work on the slot in place
  CHECK(ring.front()->price_ticks == 101);
  ring.pop();
  Quote* second = ring.front();
  REQUIRE(second != nullptr);
  CHECK(second->seq == 2);
  ring.pop();
  CHECK(ring.front() == nullptr);
  CHECK(ring.empty_approx());
}

TEST_CASE("SpscRing try_push_n pushes what fits and publishes it in one go", "[queue][spsc]") {
  SpscRing<std::uint64_t> ring(8);
  std::array<std::uint64_t, 12> items{};
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i] = 100 + i;
  }
  CHECK(ring.try_push_n(items.data(), 0) == 0);
  CHECK(ring.try_push_n(nullptr, 0) == 0);
  CHECK(ring.try_push_n(items.data(), 5) == 5);
  CHECK(ring.try_push_n(items.data() + 5, 7) == 3);  // only 3 slots left
  CHECK(ring.try_push_n(items.data(), 1) == 0);      // full
  CHECK(drain_all(ring) == std::vector<std::uint64_t>(items.begin(), items.begin() + 8));
}

TEST_CASE("SpscRing try_push_n splits a batch across the end of the buffer", "[queue][spsc]") {
  SpscRing<std::uint64_t> ring(8);
  std::array<std::uint64_t, 6> items{10, 11, 12, 13, 14, 15};
  REQUIRE(ring.try_push_n(items.data(), 6) == 6);
  std::uint64_t out = 0;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(ring.try_pop(out));
  }
  // read = 5, write = 6: the next six land in slots 6, 7, 0, 1, 2, 3.
  std::array<std::uint64_t, 6> more{20, 21, 22, 23, 24, 25};
  REQUIRE(ring.try_push_n(more.data(), 6) == 6);
  CHECK(drain_all(ring) == std::vector<std::uint64_t>{15, 20, 21, 22, 23, 24, 25});
}

TEST_CASE("SpscRing drain stops at max and resumes where it stopped", "[queue][spsc]") {
  SpscRing<std::uint64_t> ring(16);
  for (std::uint64_t i = 0; i < 10; ++i) {
    REQUIRE(ring.try_push(i));
  }
  std::vector<std::uint64_t> seen;
  auto collect = [&](const std::uint64_t& v) { seen.push_back(v); };
  CHECK(ring.drain(collect, 0) == 0);
  CHECK(ring.drain(collect, 4) == 4);
  CHECK(ring.size_approx() == 6);
  CHECK(ring.drain(collect, 4) == 4);
  CHECK(ring.drain(collect) == 2);
  CHECK(ring.drain(collect) == 0);
  CHECK(seen == std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("SpscRing drain frees every slot it handed out, across the wrap", "[queue][spsc]") {
  SpscRing<std::uint64_t> ring(4);
  std::uint64_t expected = 0;
  std::uint64_t next = 0;
  for (int round = 0; round < 50; ++round) {
    while (ring.try_push(next)) {
      ++next;
    }
    CHECK(ring.drain([&](const std::uint64_t& v) { CHECK(v == expected++); }) == 4);
  }
  CHECK(expected == 200);
}

TEST_CASE("SpscRing drain counts the record whose callback threw as consumed", "[queue][spsc]") {
  SpscRing<std::uint64_t> ring(8);
  for (std::uint64_t i = 0; i < 5; ++i) {
    REQUIRE(ring.try_push(i));
  }
  auto throw_on_two = [](const std::uint64_t& v) {
    if (v == 2) {
      throw std::runtime_error("poison");
    }
  };
  static_assert(!noexcept(ring.drain(throw_on_two)));
  static_assert(noexcept(ring.drain([](const std::uint64_t&) noexcept {})));
  CHECK_THROWS_AS(ring.drain(throw_on_two), std::runtime_error);
  CHECK(drain_all(ring) == std::vector<std::uint64_t>{3, 4});
}

TEST_CASE("SpscRing size_approx tracks pushes and pops", "[queue][spsc]") {
  SpscRing<std::uint64_t> ring(4);
  CHECK(ring.size_approx() == 0);
  REQUIRE(ring.try_push(1));
  REQUIRE(ring.try_push(2));
  CHECK(ring.size_approx() == 2);
  CHECK_FALSE(ring.empty_approx());
  std::uint64_t out = 0;
  REQUIRE(ring.try_pop(out));
  CHECK(ring.size_approx() == 1);
}

TEST_CASE("SpscRing slot storage is aligned to the false-sharing range", "[queue][spsc]") {
  SpscRing<std::uint64_t> ring(8);
  REQUIRE(ring.try_push(1));
  const auto address = reinterpret_cast<std::uintptr_t>(ring.front());
  CHECK(address % tickpath::kFalseSharingRange == 0);
}
