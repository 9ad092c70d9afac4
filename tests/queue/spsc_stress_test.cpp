// Two-thread stress for SpscRing and ByteRing (label `concurrency`, the tests CI's ThreadSanitizer
// run picks). A producer thread and a consumer thread move sequence-numbered, self-checking records
// through a small ring so it is full and empty over and over; the consumer checks every record for
// loss, duplication, reordering and corruption. Each side rotates through every API it may call.
//
// Record counts: 10^8 per ring in optimised builds; 10^6 under ThreadSanitizer (seconds, not
// hours); the ByteRing moves 3 x 10^7 in debug/ASan builds, where checking every payload byte at -O0
// is what costs. TICKPATH_STRESS_RECORDS=<n> overrides both counts.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <thread>

#include <catch2/catch.hpp>

#include "tickpath/core/hints.hpp"
#include "tickpath/queue/byte_ring.hpp"
#include "tickpath/queue/spsc_ring.hpp"

namespace {

using tickpath::queue::ByteRing;
using tickpath::queue::SpscRing;

#if defined(TICKPATH_TSAN)
constexpr std::uint64_t kSpscRecords = 1'000'000;
constexpr std::uint64_t kByteRecords = 1'000'000;
#elif !defined(NDEBUG) || defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kSpscRecords = 100'000'000;
constexpr std::uint64_t kByteRecords = 30'000'000;
#else
constexpr std::uint64_t kSpscRecords = 100'000'000;
constexpr std::uint64_t kByteRecords = 100'000'000;
#endif

std::uint64_t record_count(std::uint64_t default_count) {
  if (const char* env = std::getenv("TICKPATH_STRESS_RECORDS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const std::uint64_t parsed = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0' && parsed > 0) {
      return parsed;
    }
  }
  return default_count;
}

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Waiting on a full or empty ring: spin briefly, then give the CPU away. The box has two cores
// shared with compilers; a pure spin could starve the other side for a whole time slice.
class Backoff {
 public:
  void pause() noexcept {
    if (++spins_ < 64) {
      tickpath::cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
  void reset() noexcept { spins_ = 0; }

 private:
  unsigned spins_{0};
};

struct Failure {
  bool failed{false};
  std::uint64_t expected_seq{0};
  std::uint64_t got_seq{0};
  const char* what{""};

  void record(std::uint64_t expected, std::uint64_t got, const char* reason) {
    if (!failed) {
      failed = true;
      expected_seq = expected;
      got_seq = got;
      what = reason;
    }
  }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---- SpscRing -------------------------------------------------------------------------------

struct Message {
  std::uint64_t seq;
  std::uint64_t check;
};

Message make_message(std::uint64_t seq) {
  return Message{seq, mix(seq)};
}

void produce_messages(SpscRing<Message>& ring, std::uint64_t count) {
  Backoff backoff;
  std::array<Message, 16> batch{};
  std::uint64_t seq = 0;
  while (seq < count) {
    bool pushed = false;
    switch ((seq >> 10) % 3) {
      case 0:
        pushed = ring.try_push(make_message(seq));
        seq += pushed ? 1 : 0;
        break;
      case 1:
        pushed = ring.try_emplace(seq, mix(seq));
        seq += pushed ? 1 : 0;
        break;
      default: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(batch.size(), count - seq));
        for (std::size_t i = 0; i < n; ++i) {
          batch[i] = make_message(seq + i);
        }
        // Only a prefix may fit; the rest is rebuilt from seq on the next call.
        const std::size_t done = ring.try_push_n(batch.data(), n);
        seq += done;
        pushed = done > 0;
        break;
      }
    }
    if (pushed) {
      backoff.reset();
    } else {
      backoff.pause();
    }
  }
}

void consume_messages(SpscRing<Message>& ring, std::uint64_t count, Failure& failure) {
  Backoff backoff;
  std::uint64_t expected = 0;
  auto check = [&](const Message& m) {
    if (m.seq != expected || m.check != mix(expected)) {
      failure.record(expected, m.seq, m.seq != expected ? "sequence gap or reorder" : "corrupt record");
    }
    ++expected;
  };
  while (expected < count && !failure.failed) {
    std::size_t got = 0;
    switch ((expected >> 9) % 3) {
      case 0: {
        Message m{};
        if (ring.try_pop(m)) {
          check(m);
          got = 1;
        }
        break;
      }
      case 1:
        if (const Message* m = ring.front(); m != nullptr) {
          check(*m);
          ring.pop();
          got = 1;
        }
        break;
      default:
        got = ring.drain(check, 1 + static_cast<std::size_t>(expected % 61));
        break;
    }
    if (got > 0) {
      backoff.reset();
    } else {
      backoff.pause();
    }
  }
}

// ---- ByteRing -------------------------------------------------------------------------------

constexpr std::size_t kMaxPayload = 700;

std::size_t payload_length(std::uint64_t seq) {
  const std::uint64_t r = mix(seq ^ 0x5555);
  // One in 16 records is empty or near the maximum, the rest spread over [0, 256).
  switch (r & 15) {
    case 0:
      return 0;
    case 1:
      return kMaxPayload - static_cast<std::size_t>((r >> 8) % 8);
    default:
      return static_cast<std::size_t>((r >> 8) % 256);
  }
}

std::uint32_t record_type(std::uint64_t seq) {
  return static_cast<std::uint32_t>(seq % 100'000);
}

// Payload: the sequence number, then 8-byte words derived from it, then tail bytes; checkable
// word by word in place (the payload is 8-byte aligned).
void fill_payload(std::byte* out, std::size_t length, std::uint64_t seq) {
  std::size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    const std::uint64_t word = i == 0 ? seq : seq ^ (i * 0x9E3779B97F4A7C15ULL);
    std::memcpy(out + i, &word, 8);
  }
  for (; i < length; ++i) {
    out[i] = static_cast<std::byte>(static_cast<std::uint8_t>(seq + i));
  }
}

bool payload_matches(std::span<const std::byte> payload, std::uint64_t seq) {
  std::size_t i = 0;
  for (; i + 8 <= payload.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, payload.data() + i, 8);
    if (word != (i == 0 ? seq : seq ^ (i * 0x9E3779B97F4A7C15ULL))) {
      return false;
    }
  }
  for (; i < payload.size(); ++i) {
    if (payload[i] != static_cast<std::byte>(static_cast<std::uint8_t>(seq + i))) {
      return false;
    }
  }
  return true;
}

void produce_records(ByteRing& ring, std::uint64_t count) {
  Backoff backoff;
  std::array<std::byte, kMaxPayload> scratch{};
  for (std::uint64_t seq = 0; seq < count;) {
    const std::size_t length = payload_length(seq);
    bool written = false;
    switch (seq % 3) {
      case 0:
        if (std::byte* out = ring.try_claim(record_type(seq), length); out != nullptr) {
          fill_payload(out, length, seq);
          ring.commit();
          written = true;
        }
        break;
      case 1:
        // Claim more than needed, as a socket read into a max-size claim would, then shorten.
        if (std::byte* out = ring.try_claim(record_type(seq), std::min(length + 100, kMaxPayload));
            out != nullptr) {
          fill_payload(out, length, seq);
          ring.commit(length);
          written = true;
        }
        break;
      default:
        fill_payload(scratch.data(), length, seq);
        written = ring.try_write(record_type(seq), std::span<const std::byte>(scratch.data(), length));
        break;
    }
    if (written) {
      ++seq;
      backoff.reset();
    } else {
      backoff.pause();
    }
  }
}

void consume_records(ByteRing& ring, std::uint64_t count, Failure& failure) {
  Backoff backoff;
  std::uint64_t expected = 0;
  auto check = [&](std::uint32_t type, std::span<const std::byte> payload) {
    // The first payload word carries the sequence number when the payload is long enough.
    std::uint64_t got = type;
    if (payload.size() >= 8) {
      std::memcpy(&got, payload.data(), 8);
    }
    if (type != record_type(expected) || payload.size() != payload_length(expected)) {
      failure.record(expected, got, "type or length mismatch (gap or reorder)");
    } else if (reinterpret_cast<std::uintptr_t>(payload.data()) % 8 != 0) {
      failure.record(expected, got, "misaligned payload");
    } else if (!payload_matches(payload, expected)) {
      failure.record(expected, got, "payload mismatch");
    }
    ++expected;
  };
  while (expected < count && !failure.failed) {
    const std::size_t got = ring.drain(check, 1 + static_cast<std::size_t>(expected % 64));
    if (got > 0) {
      backoff.reset();
    } else {
      backoff.pause();
    }
  }
}

}  // namespace

TEST_CASE("SpscRing moves every record between two threads in order, none lost",
          "[queue][spsc][concurrency]") {
  const std::uint64_t count = record_count(kSpscRecords);
  SpscRing<Message> ring(1024);
  Failure failure;
  const auto start = std::chrono::steady_clock::now();
  std::atomic<bool> producer_done{false};
  std::thread producer([&] {
    produce_messages(ring, count);
    producer_done.store(true, std::memory_order_release);
  });
  consume_messages(ring, count, failure);
  while (!producer_done.load(std::memory_order_acquire)) {  // after a failure: unblock the producer
    (void)ring.drain([](const Message&) {});
  }
  producer.join();
  const double elapsed = seconds_since(start);
  std::printf("SpscRing stress: %" PRIu64 " records in %.2f s (%.1f M/s)\n", count, elapsed,
              static_cast<double>(count) / elapsed / 1e6);
  INFO("first failure: " << failure.what << ", expected seq " << failure.expected_seq << ", got "
                         << failure.got_seq);
  REQUIRE_FALSE(failure.failed);
  CHECK(ring.empty_approx());
}

TEST_CASE("ByteRing moves every variable-length record between two threads intact and in order",
          "[queue][byte_ring][concurrency]") {
  const std::uint64_t count = record_count(kByteRecords);
  ByteRing ring(16 * 1024);
  REQUIRE(ring.max_record_size() >= kMaxPayload);
  Failure failure;
  const auto start = std::chrono::steady_clock::now();
  std::atomic<bool> producer_done{false};
  std::thread producer([&] {
    produce_records(ring, count);
    producer_done.store(true, std::memory_order_release);
  });
  consume_records(ring, count, failure);
  while (!producer_done.load(std::memory_order_acquire)) {  // after a failure: unblock the producer
    (void)ring.drain([](std::uint32_t, std::span<const std::byte>) {});
  }
  producer.join();
  const double elapsed = seconds_since(start);
  std::printf("ByteRing stress: %" PRIu64 " records in %.2f s (%.1f M/s)\n", count, elapsed,
              static_cast<double>(count) / elapsed / 1e6);
  INFO("first failure: " << failure.what << ", expected seq " << failure.expected_seq << ", got "
                         << failure.got_seq);
  REQUIRE_FALSE(failure.failed);
  CHECK(ring.empty_approx());
}
