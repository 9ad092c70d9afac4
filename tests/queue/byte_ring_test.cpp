// Single-threaded behaviour of ByteRing: the test thread plays both roles. The two-thread stress
// lives in spsc_stress_test.cpp (label `concurrency`).

#include "tickpath/queue/byte_ring.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <span>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "tickpath/core/hints.hpp"

namespace {

using tickpath::queue::ByteRing;

struct Seen {
  std::uint32_t type;
  std::vector<std::byte> payload;
};

std::vector<std::byte> bytes_of(std::size_t length, std::uint8_t seed) {
  std::vector<std::byte> out(length);
  for (std::size_t i = 0; i < length; ++i) {
    out[i] = static_cast<std::byte>(static_cast<std::uint8_t>(seed + i * 7));
  }
  return out;
}

std::vector<Seen> drain_all(ByteRing& ring, std::size_t max_records = SIZE_MAX) {
  std::vector<Seen> out;
  (void)ring.drain(
      [&](std::uint32_t type, std::span<const std::byte> payload) {
        out.push_back(Seen{type, std::vector<std::byte>(payload.begin(), payload.end())});
      },
      max_records);
  return out;
}

// Moves a fresh ring's head and tail to byte position `position` (a multiple of 8), one
// record at a time; the ring is empty afterwards.
void advance_to(ByteRing& ring, std::size_t position) {
  REQUIRE(position % 8 == 0);
  REQUIRE(position < ring.capacity());
  while (position > 0) {
    const std::size_t step = std::min(position, ring.max_record_size() + ByteRing::kHeaderSize);
    REQUIRE(ring.try_write(1, bytes_of(step - ByteRing::kHeaderSize, 0)));
    REQUIRE(drain_all(ring).size() == 1);
    position -= step;
  }
  REQUIRE(ring.empty_approx());
}

}  // namespace

TEST_CASE("ByteRing rejects capacities that are not powers of two in range", "[queue][byte_ring]") {
  CHECK_THROWS_AS(ByteRing(0), std::invalid_argument);
  CHECK_THROWS_AS(ByteRing(32), std::invalid_argument);  // below kMinCapacity
  CHECK_THROWS_AS(ByteRing(100), std::invalid_argument);
  CHECK_THROWS_AS(ByteRing(ByteRing::kMaxCapacity * 2), std::invalid_argument);
  CHECK_THROWS_WITH(ByteRing(96), Catch::Contains("ByteRing") && Catch::Contains("got 96"));
  CHECK_NOTHROW(ByteRing(ByteRing::kMinCapacity));
}

TEST_CASE("ByteRing max_record_size is half the buffer minus the header", "[queue][byte_ring]") {
  ByteRing ring(1024);
  CHECK(ring.capacity() == 1024);
  CHECK(ring.max_record_size() == 512 - ByteRing::kHeaderSize);
}

TEST_CASE("ByteRing round-trips a record's type and payload", "[queue][byte_ring]") {
  ByteRing ring(256);
  const auto payload = bytes_of(13, 5);
  std::byte* out = ring.try_claim(42, payload.size());
  REQUIRE(out != nullptr);
  std::memcpy(out, payload.data(), payload.size());
  CHECK(ring.empty_approx());  // nothing visible before commit
  ring.commit();
  CHECK(ring.size_approx() == 24);  // 8-byte header + 13 bytes padded to 16
  const auto seen = drain_all(ring);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].type == 42);
  CHECK(seen[0].payload == payload);
  CHECK(ring.empty_approx());
}

TEST_CASE("ByteRing carries zero-length payloads as header-only records", "[queue][byte_ring]") {
  ByteRing ring(64);
  for (std::uint32_t type = 0; type < 8; ++type) {
    REQUIRE(ring.try_claim(type, 0) != nullptr);
    ring.commit();
  }
  CHECK(ring.size_approx() == 64);
  CHECK(ring.try_claim(9, 0) == nullptr);
  const auto seen = drain_all(ring);
  REQUIRE(seen.size() == 8);
  for (std::uint32_t type = 0; type < 8; ++type) {
    CHECK(seen[type].type == type);
    CHECK(seen[type].payload.empty());
  }
}

TEST_CASE("ByteRing payloads are 8-byte aligned for the producer and the consumer", "[queue][byte_ring]") {
  ByteRing ring(512);
  for (int lap = 0; lap < 20; ++lap) {
    for (std::size_t length = 0; length < 20; ++length) {
      std::byte* out = ring.try_claim(1, length);
      if (out == nullptr) {
        break;
      }
      CHECK(reinterpret_cast<std::uintptr_t>(out) % 8 == 0);
      ring.commit();
    }
    (void)ring.drain([](std::uint32_t, std::span<const std::byte> payload) {
      CHECK(reinterpret_cast<std::uintptr_t>(payload.data()) % 8 == 0);
    });
  }
}

TEST_CASE("ByteRing refuses a claim when full and accepts it after a drain", "[queue][byte_ring]") {
  ByteRing ring(128);
  // 4 records of 8 + 24 bytes fill 128 exactly.
  for (int i = 0; i < 4; ++i) {
    REQUIRE(ring.try_write(7, bytes_of(24, static_cast<std::uint8_t>(i))));
  }
  CHECK(ring.size_approx() == 128);
  CHECK(ring.try_claim(7, 0) == nullptr);
  CHECK_FALSE(ring.try_write(7, bytes_of(1, 0)));
  CHECK(drain_all(ring, 1).size() == 1);
  CHECK(ring.try_write(7, bytes_of(24, 9)));
  CHECK(ring.try_claim(7, 0) == nullptr);
  const auto seen = drain_all(ring);
  REQUIRE(seen.size() == 4);
  CHECK(seen[3].payload == bytes_of(24, 9));
}

TEST_CASE("ByteRing wraps a record that does not fit before the end with a padding record",
          "[queue][byte_ring]") {
  ByteRing ring(64);
  advance_to(ring, 40);                  // 24 bytes left before the end of the buffer
  const auto payload = bytes_of(20, 3);  // record of 8 + 24 = 32 bytes > 24: must wrap
  std::byte* out = ring.try_claim(5, payload.size());
  REQUIRE(out != nullptr);
  std::memcpy(out, payload.data(), payload.size());
  ring.commit();
  CHECK(ring.size_approx() == 24 + 32);  // the padding occupies the gap until the consumer skips it
  std::size_t calls = 0;
  const std::byte* seen_at = nullptr;
  CHECK(ring.drain([&](std::uint32_t type, std::span<const std::byte> p) {
    ++calls;
    seen_at = p.data();
    CHECK(type == 5);
    CHECK(std::vector<std::byte>(p.begin(), p.end()) == payload);
  }) == 1);  // the padding record is not reported
  CHECK(calls == 1);
  CHECK(seen_at == out);
  CHECK(ring.empty_approx());
}

TEST_CASE("ByteRing does not wrap when the start of the buffer is still in use", "[queue][byte_ring]") {
  ByteRing ring(64);
  advance_to(ring, 40);
  REQUIRE(ring.try_write(1, bytes_of(8, 1)));  // bytes [40, 56)
  // 8 bytes left before the end: a 16-byte record needs 8 bytes of padding plus 16 at offset 0;
  // 48 bytes are free and [0, 40) is among them, so it fits.
  REQUIRE(ring.try_write(2, bytes_of(8, 2)));  // padding [56, 64) + record [0, 16)
  // Now [40, 64) + [0, 16) are used; 24 bytes free at [16, 40): a 32-byte record cannot fit.
  CHECK(ring.try_claim(3, 24) == nullptr);
  REQUIRE(ring.try_write(3, bytes_of(16, 3)));  // exactly 24 bytes, fits at [16, 40)
  CHECK(ring.size_approx() == 64);
  const auto seen = drain_all(ring);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].payload == bytes_of(8, 1));
  CHECK(seen[1].payload == bytes_of(8, 2));
  CHECK(seen[2].payload == bytes_of(16, 3));
}

TEST_CASE("ByteRing accepts a max-size record at every position and rejects one byte more",
          "[queue][byte_ring]") {
  ByteRing ring(256);
  const std::size_t max = ring.max_record_size();
  for (std::size_t position = 0; position < 256; position += 8) {
    CAPTURE(position);
    ByteRing fresh(256);
    advance_to(fresh, position);
    CHECK(fresh.try_claim(1, max + 1) == nullptr);
    const auto payload = bytes_of(max, static_cast<std::uint8_t>(position));
    REQUIRE(fresh.try_write(1, payload));
    const auto seen = drain_all(fresh);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].payload == payload);
  }
  CHECK(ring.try_claim(1, max + 1) == nullptr);
  CHECK(ring.try_claim(1, SIZE_MAX) == nullptr);
}

TEST_CASE("ByteRing commit with a length shortens the claimed record", "[queue][byte_ring]") {
  ByteRing ring(256);
  std::byte* out = ring.try_claim(9, ring.max_record_size());
  REQUIRE(out != nullptr);
  const auto frame = bytes_of(11, 4);
  std::memcpy(out, frame.data(), frame.size());
  ring.commit(frame.size());
  CHECK(ring.size_approx() == 24);
  REQUIRE(ring.try_write(10, bytes_of(3, 1)));
  const auto seen = drain_all(ring);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].type == 9);
  CHECK(seen[0].payload == frame);
  CHECK(seen[1].type == 10);
}

TEST_CASE("ByteRing cancel publishes nothing and frees the claim", "[queue][byte_ring]") {
  ByteRing ring(64);
  advance_to(ring, 48);
  REQUIRE(ring.try_claim(1, 24) != nullptr);  // wraps: padding at 48, record at 0
  ring.cancel();
  CHECK(ring.empty_approx());
  CHECK(drain_all(ring).empty());
  REQUIRE(ring.try_write(2, bytes_of(4, 2)));  // lands at 48 as if the claim never happened
  const auto seen = drain_all(ring);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].type == 2);
}

TEST_CASE("ByteRing drain stops at max_records, skips padding without counting it", "[queue][byte_ring]") {
  ByteRing ring(128);
  advance_to(ring, 112);
  REQUIRE(ring.try_write(1, bytes_of(16, 1)));  // 24 bytes > 16 left: padding + record at 0
  REQUIRE(ring.try_write(2, bytes_of(0, 0)));
  REQUIRE(ring.try_write(3, bytes_of(5, 3)));
  auto first = drain_all(ring, 1);
  REQUIRE(first.size() == 1);
  CHECK(first[0].type == 1);
  CHECK(drain_all(ring, 0).empty());
  auto rest = drain_all(ring);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].type == 2);
  CHECK(rest[1].type == 3);
  CHECK(rest[1].payload == bytes_of(5, 3));
}

TEST_CASE("ByteRing drain counts the record whose callback threw as consumed", "[queue][byte_ring]") {
  ByteRing ring(256);
  for (std::uint32_t type = 0; type < 4; ++type) {
    REQUIRE(ring.try_write(type, bytes_of(4, 0)));
  }
  auto throw_on_one = [](std::uint32_t type, std::span<const std::byte>) {
    if (type == 1) {
      throw std::runtime_error("poison");
    }
  };
  static_assert(!noexcept(ring.drain(throw_on_one)));
  static_assert(noexcept(ring.drain([](std::uint32_t, std::span<const std::byte>) noexcept {})));
  CHECK_THROWS_AS(ring.drain(throw_on_one), std::runtime_error);
  const auto rest = drain_all(ring);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].type == 2);
  CHECK(rest[1].type == 3);
}

TEST_CASE("ByteRing behaves like a FIFO of byte strings under random claims and drains",
          "[queue][byte_ring]") {
  ByteRing ring(512);
  std::deque<Seen> model;
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::size_t written = 0;
  std::size_t rejected = 0;
  for (int step = 0; step < 20000; ++step) {
    if (next() % 3 != 0) {
      const std::size_t length = static_cast<std::size_t>(next() % (ring.max_record_size() + 1));
      const auto type = static_cast<std::uint32_t>(next() % 1000);
      const auto payload = bytes_of(length, static_cast<std::uint8_t>(step));
      if (ring.try_write(type, payload)) {
        model.push_back(Seen{type, payload});
        ++written;
      } else {
        ++rejected;
      }
    } else {
      const std::size_t max = static_cast<std::size_t>(next() % 4);
      const auto seen = drain_all(ring, max);
      REQUIRE(seen.size() <= max);
      for (const auto& s : seen) {
        REQUIRE_FALSE(model.empty());
        REQUIRE(s.type == model.front().type);
        REQUIRE(s.payload == model.front().payload);
        model.pop_front();
      }
      if (seen.size() < max) {
        REQUIRE(model.empty());
      }
    }
  }
  CHECK(written > 1000);
  CHECK(rejected > 100);  // the ring was full often enough to exercise that path
}
