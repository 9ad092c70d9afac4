#pragma once
// ByteRing: bounded, lock-free, single-producer / single-consumer ring of variable-length records
// (raw websocket frames, journal records) over one power-of-two byte buffer. Every record is
// contiguous in memory and its payload is 8-byte aligned, so the consumer reads it in place.
//
// Threads. Exactly one producer thread and one consumer thread at a time:
//   producer: try_claim, commit, cancel, try_write
//   consumer: drain
//   any thread: capacity, max_record_size, size_approx, empty_approx
// Handing a role to another thread needs a happens-before edge between the old and new owner.
//
// Cost. Nothing after construction allocates, locks, throws or makes a syscall. The producer
// publishes once per record (commit); the consumer publishes once per drain() batch.
//
// Record layout (every record starts on an 8-byte boundary; positions are byte offsets):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +---------------------------------------------------------------+
//   |                 length: payload bytes (u32)                   |  +0
//   +---------------------------------------------------------------+
//   |          type (u32); kPaddingType = 0xFFFFFFFF reserved       |  +4
//   +---------------------------------------------------------------+
//   |                      payload (length bytes)                  ...  +8, 8-byte aligned
//   ...                                                             |
//   +---------------------------------------------------------------+
//   |              zero to seven bytes of padding to 8              |
//   +---------------------------------------------------------------+
//
// When a record does not fit between the tail and the end of the buffer, the producer fills that
// gap with one padding record (type kPaddingType, length = gap - 8) and writes the record at
// offset 0 (as Aeron's ring buffer does). Every gap is a multiple of 8 and at least 8, so a
// padding header always fits. The consumer skips padding records without reporting them.

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <type_traits>

#include "tickpath/core/assert.hpp"
#include "tickpath/core/hints.hpp"
#include "tickpath/queue/detail/ring_storage.hpp"

namespace tickpath::queue {

class ByteRing {
 public:
  // The on-buffer record header (diagram above).
  struct RecordHeader {
    std::uint32_t length;  // payload bytes, excluding this header and the padding to 8
    std::uint32_t type;    // caller-defined; kPaddingType is reserved for wrap padding
  };
  static_assert(sizeof(RecordHeader) == 8 && std::is_trivially_copyable_v<RecordHeader>);

  static constexpr std::uint32_t kPaddingType = 0xFFFF'FFFFU;
  static constexpr std::size_t kHeaderSize = sizeof(RecordHeader);
  static constexpr std::size_t kRecordAlignment = 8;
  static constexpr std::size_t kMinCapacity = 64;
  // Keeps max_record_size() (capacity / 2 - 8) inside RecordHeader::length.
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 32;

  // Allocates and pre-faults `capacity` bytes. Throws std::invalid_argument unless capacity is a
  // power of two in [kMinCapacity, kMaxCapacity], std::bad_alloc if it cannot be allocated.
  explicit ByteRing(std::size_t capacity) : fixed_(capacity) {
    static_assert(sizeof(ProducerSide) == kFalseSharingRange && alignof(ProducerSide) == kFalseSharingRange);
    static_assert(sizeof(ConsumerSide) == kFalseSharingRange && alignof(ConsumerSide) == kFalseSharingRange);
    static_assert(sizeof(Fixed) == kFalseSharingRange && alignof(Fixed) == kFalseSharingRange);
    static_assert(sizeof(ByteRing) == 3 * kFalseSharingRange,
                  "one 128-byte block per writer + one read-only");
    static_assert(kFalseSharingRange % kRecordAlignment == 0, "payloads must land 8-byte aligned");
    static_assert(
        offsetof(ProducerSide, tail_local) == kCacheLine && offsetof(ConsumerSide, head_local) == kCacheLine,
        "private fields sit on the second line of their block, apart from the shared index");
  }

  ByteRing(const ByteRing&) = delete;
  ByteRing& operator=(const ByteRing&) = delete;
  ByteRing(ByteRing&&) = delete;
  ByteRing& operator=(ByteRing&&) = delete;
  ~ByteRing() = default;

  // ---- producer ----------------------------------------------------------------------------

  // Reserves a contiguous, 8-byte-aligned span of `payload_len` writable bytes for one record of
  // `type`. Fill it, then commit() (or cancel()); at most one claim is open at a time.
  // nullptr: the ring has no room for it now (try again later), or payload_len >
  // max_record_size() (it never will). `type` must not be kPaddingType.
  [[nodiscard]] std::byte* try_claim(std::uint32_t type, std::size_t payload_len) noexcept {
    TICKPATH_ASSERT(!producer_.claim_open, "ByteRing::try_claim() with a claim already open");
    TICKPATH_ASSERT(type != kPaddingType, "ByteRing: type kPaddingType is reserved");
    if (TICKPATH_UNLIKELY(payload_len > fixed_.max_payload)) {
      return nullptr;
    }
    const std::uint64_t record = record_size(payload_len);
    std::uint64_t tail = producer_.tail_local;
    const std::uint64_t to_end = capacity() - (tail & fixed_.mask);
    const std::uint64_t needed = record <= to_end ? record : to_end + record;
    if (TICKPATH_UNLIKELY(needed > capacity() - (tail - producer_.head_cache))) {
      // Acquire: the consumer is done with every byte below `head` before we overwrite it.
      producer_.head_cache = consumer_.head.load(std::memory_order_acquire);
      if (needed > capacity() - (tail - producer_.head_cache)) {
        return nullptr;
      }
    }
    if (record > to_end) {
      write_header(tail & fixed_.mask, static_cast<std::uint32_t>(to_end - kHeaderSize), kPaddingType);
      tail += to_end;
    }
    const std::uint64_t offset = tail & fixed_.mask;
    write_header(offset, static_cast<std::uint32_t>(payload_len), type);
    producer_.claim_start = tail;
    producer_.claim_end = tail + record;
    producer_.claim_open = true;
    return fixed_.buffer + offset + kHeaderSize;
  }

  // Publishes the record claimed last, with the length it was claimed with.
  void commit() noexcept {
    TICKPATH_ASSERT(producer_.claim_open, "ByteRing::commit() without an open claim");
    producer_.claim_open = false;
    producer_.tail_local = producer_.claim_end;
    // Release: the header and payload writes are visible before the consumer sees the new tail.
    producer_.tail.store(producer_.claim_end, std::memory_order_release);
  }

  // Publishes the record claimed last, shortened to `payload_len` bytes (<= the claimed length),
  // e.g. after reading a frame of unknown size into a claim of max_record_size().
  void commit(std::size_t payload_len) noexcept {
    TICKPATH_ASSERT(producer_.claim_open, "ByteRing::commit() without an open claim");
    const std::uint64_t offset = producer_.claim_start & fixed_.mask;
    TICKPATH_ASSERT(producer_.claim_start + record_size(payload_len) <= producer_.claim_end,
                    "ByteRing::commit(len) may only shorten the claimed record");
    RecordHeader header;
    std::memcpy(&header, fixed_.buffer + offset, kHeaderSize);
    write_header(offset, static_cast<std::uint32_t>(payload_len), header.type);
    producer_.claim_end = producer_.claim_start + record_size(payload_len);
    commit();
  }

  // Drops the open claim; nothing is published and its space is reused by the next claim.
  void cancel() noexcept {
    TICKPATH_ASSERT(producer_.claim_open, "ByteRing::cancel() without an open claim");
    producer_.claim_open = false;
  }

  // try_claim + copy + commit. false: no room now, or the payload exceeds max_record_size().
  [[nodiscard]] bool try_write(std::uint32_t type, std::span<const std::byte> payload) noexcept {
    std::byte* out = try_claim(type, payload.size());
    if (out == nullptr) {
      return false;
    }
    if (!payload.empty()) {
      std::memcpy(out, payload.data(), payload.size());
    }
    commit();
    return true;
  }

  // ---- consumer ----------------------------------------------------------------------------

  // Calls f(std::uint32_t type, std::span<const std::byte> payload) for up to `max_records`
  // records, oldest first, in place (the payload is 8-byte aligned and valid only during the
  // call), then frees them all with one index store. Padding records are skipped and not counted.
  // Returns the number of records handed to f. If f throws, the records already handed to f,
  // including the one that threw, count as consumed.
  template <class F>
  requires std::invocable<F&, std::uint32_t, std::span<const std::byte>> std::size_t drain(
      F&& f, std::size_t max_records = std::numeric_limits<std::size_t>::max())
  noexcept(std::is_nothrow_invocable_v<F&, std::uint32_t, std::span<const std::byte>>) {
    PublishOnExit publish{consumer_, consumer_.head_local};
    std::uint64_t tail = consumer_.tail_cache;
    bool refreshed = false;
    std::size_t delivered = 0;
    while (delivered < max_records) {
      if (publish.position == tail) {
        if (refreshed) {
          break;
        }
        // Acquire: everything the producer wrote below `tail` is visible before we read it.
        tail = consumer_.tail_cache = producer_.tail.load(std::memory_order_acquire);
        refreshed = true;
        if (publish.position == tail) {
          break;
        }
      }
      const std::byte* record = fixed_.buffer + (publish.position & fixed_.mask);
      RecordHeader header;
      std::memcpy(&header, record, kHeaderSize);
      const std::uint64_t size = record_size(header.length);
      TICKPATH_ASSERT(size <= tail - publish.position, "ByteRing: record runs past the published tail");
      publish.position += size;
      if (header.type == kPaddingType) {
        continue;
      }
      ++delivered;
      f(header.type, std::span<const std::byte>(record + kHeaderSize, header.length));
    }
    return delivered;
  }

  // ---- any thread --------------------------------------------------------------------------

  [[nodiscard]] std::size_t capacity() const noexcept { return fixed_.mask + 1; }

  // Largest payload_len try_claim() can ever accept: capacity() / 2 - kHeaderSize. Any record up
  // to half the buffer fits contiguously once the consumer has caught up, wherever the tail is.
  [[nodiscard]] std::size_t max_record_size() const noexcept { return fixed_.max_payload; }

  // Bytes in use (headers, payloads and padding) at some instant during the call.
  [[nodiscard]] std::size_t size_approx() const noexcept {
    const std::uint64_t head = consumer_.head.load(std::memory_order_acquire);
    const std::uint64_t tail = producer_.tail.load(std::memory_order_acquire);
    return static_cast<std::size_t>(std::min<std::uint64_t>(tail - head, capacity()));
  }

  [[nodiscard]] bool empty_approx() const noexcept { return size_approx() == 0; }

 private:
  // Positions are free-running byte counters (offset = position & mask); they never wrap in
  // practice (2^64 bytes). As in SpscRing, line 0 of each side's block holds the one field the
  // other thread reads, line 1 what only this side touches (including a copy of its own index).
  struct alignas(kFalseSharingRange) ProducerSide {
    std::atomic<std::uint64_t> tail{0};  // end of the last committed record; stored by the producer
    alignas(kCacheLine) std::uint64_t tail_local{0};  // == tail, readable without touching line 0
    std::uint64_t head_cache{0};                      // producer's last view of consumer_.head
    std::uint64_t claim_start{0};                     // position of the open claim's header
    std::uint64_t claim_end{0};                       // tail after the open claim is committed
    bool claim_open{false};
  };
  struct alignas(kFalseSharingRange) ConsumerSide {
    std::atomic<std::uint64_t> head{0};  // start of the oldest unread record; stored by the consumer
    alignas(kCacheLine) std::uint64_t head_local{0};  // == head, readable without touching line 0
    std::uint64_t tail_cache{0};                      // consumer's last view of producer_.tail
  };
  // Written once in the constructor, then only read, by both threads.
  struct alignas(kFalseSharingRange) Fixed {
    explicit Fixed(std::size_t capacity)
        : storage(detail::validate_capacity("ByteRing", capacity, kMinCapacity, kMaxCapacity)),
          buffer(storage.data()),
          mask(capacity - 1),
          max_payload(capacity / 2 - kHeaderSize) {}
    detail::AlignedBuffer storage;
    std::byte* buffer;
    std::uint64_t mask;
    std::size_t max_payload;
  };

  // Publishes the consumer's position once, when drain() returns or f throws.
  struct PublishOnExit {
    PublishOnExit(ConsumerSide& consumer, std::uint64_t start) noexcept
        : side(consumer), start_position(start), position(start) {}
    PublishOnExit(const PublishOnExit&) = delete;
    PublishOnExit& operator=(const PublishOnExit&) = delete;
    ~PublishOnExit() {
      if (position != start_position) {
        side.head_local = position;
        // Release: our reads of the freed bytes happen before the producer may overwrite them.
        side.head.store(position, std::memory_order_release);
      }
    }
    ConsumerSide& side;
    std::uint64_t start_position;
    std::uint64_t position;
  };

  static constexpr std::uint64_t record_size(std::uint64_t payload_len) noexcept {
    return (kHeaderSize + payload_len + kRecordAlignment - 1) & ~std::uint64_t{kRecordAlignment - 1};
  }

  void write_header(std::uint64_t offset, std::uint32_t length, std::uint32_t type) noexcept {
    const RecordHeader header{length, type};
    std::memcpy(fixed_.buffer + offset, &header, kHeaderSize);
  }

  Fixed fixed_;
  ProducerSide producer_;
  ConsumerSide consumer_;
};

}  // namespace tickpath::queue
