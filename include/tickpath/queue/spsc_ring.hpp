#pragma once
// SpscRing<T>: bounded, lock-free, single-producer / single-consumer ring of trivially copyable
// records. The only way two tickpath threads talk (ARCHITECTURE.md §1).
//
// Threads. Exactly one thread at a time may act as the producer and one as the consumer:
//   producer: try_push, try_emplace, try_push_n
//   consumer: try_pop, front, pop, drain
//   any thread: capacity, size_approx, empty_approx (snapshots; stale by the time you read them)
// Handing a role to another thread needs a happens-before edge (a join, a mutex, a release/acquire
// pair) between the old and the new owner.
//
// Cost. Nothing after construction allocates, locks, throws or makes a syscall. Each side keeps a
// private copy of the other side's index and only touches the other side's cache lines when that
// copy says the ring is full (producer) or empty (consumer).

#include <algorithm>
#include <atomic>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <type_traits>
#include <utility>

#include "tickpath/core/assert.hpp"
#include "tickpath/core/hints.hpp"
#include "tickpath/queue/detail/ring_storage.hpp"

namespace tickpath::queue {

template <class T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "SpscRing carries trivially copyable records only");
  static_assert(!std::is_const_v<T> && !std::is_volatile_v<T>, "SpscRing<T>: T must be unqualified");
  static_assert(alignof(T) <= kFalseSharingRange, "SpscRing<T>: T is over-aligned for the storage");
  static_assert(std::atomic<std::size_t>::is_always_lock_free);

 public:
  using value_type = T;

  // Largest capacity whose storage (plus guards) stays well inside the address space.
  static constexpr std::size_t kMaxCapacity =
      std::bit_floor(static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max() / 4) / sizeof(T));

  // Allocates and pre-faults storage for exactly `capacity` records (all of them usable).
  // Throws std::invalid_argument unless capacity is a power of two in [1, kMaxCapacity], and
  // std::bad_alloc if the storage cannot be allocated. Cold: call it before the loop starts.
  explicit SpscRing(std::size_t capacity) : fixed_(capacity) {
    // The layout is the performance: each thread's writes stay inside its own prefetch pair.
    static_assert(alignof(SpscRing) == kFalseSharingRange);
    static_assert(sizeof(ProducerSide) == kFalseSharingRange && alignof(ProducerSide) == kFalseSharingRange);
    static_assert(sizeof(ConsumerSide) == kFalseSharingRange && alignof(ConsumerSide) == kFalseSharingRange);
    static_assert(sizeof(Fixed) == kFalseSharingRange && alignof(Fixed) == kFalseSharingRange);
    static_assert(sizeof(SpscRing) == 3 * kFalseSharingRange, "one block per writer + one read-only");
    static_assert(
        offsetof(ProducerSide, write_local) == kCacheLine && offsetof(ConsumerSide, read_local) == kCacheLine,
        "private fields sit on the second line of their block, apart from the shared index");
  }

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;
  SpscRing(SpscRing&&) = delete;
  SpscRing& operator=(SpscRing&&) = delete;
  ~SpscRing() = default;

  // ---- producer ----------------------------------------------------------------------------

  // Copies `item` into the ring. false: the ring is full and nothing was written.
  [[nodiscard]] bool try_push(const T& item) noexcept { return try_emplace(item); }

  // Constructs a T in place from `args`. false: the ring is full, nothing was constructed.
  // If T's constructor throws, nothing is published and the exception propagates.
  template <class... A>
  requires std::is_constructible_v<T, A&&...>
  [[nodiscard]] bool try_emplace(A&&... args) noexcept(std::is_nothrow_constructible_v<T, A&&...>) {
    const std::size_t write = producer_.write_local;
    if (TICKPATH_UNLIKELY(write - producer_.read_cache >= capacity())) {
      // Acquire: the consumer has finished reading every slot below `read` before we reuse one.
      producer_.read_cache = consumer_.read.load(std::memory_order_acquire);
      if (write - producer_.read_cache >= capacity()) {
        return false;
      }
    }
    ::new (static_cast<void*>(fixed_.slots + (write & fixed_.mask))) T(std::forward<A>(args)...);
    publish_write(write + 1);
    return true;
  }

  // Copies up to `n` records from `items` (as many as fit, in order) and publishes them with a
  // single index store. Returns how many were pushed: 0 when full, n when all fitted.
  [[nodiscard]] std::size_t try_push_n(const T* items, std::size_t n) noexcept {
    const std::size_t write = producer_.write_local;
    std::size_t free = capacity() - (write - producer_.read_cache);
    if (free < n) {
      producer_.read_cache = consumer_.read.load(std::memory_order_acquire);
      free = capacity() - (write - producer_.read_cache);
    }
    const std::size_t count = std::min(n, free);
    if (count == 0) {
      return 0;
    }
    const std::size_t first = write & fixed_.mask;
    const std::size_t before_wrap = std::min(count, capacity() - first);
    std::memcpy(fixed_.slots + first, items, before_wrap * sizeof(T));
    std::memcpy(fixed_.slots, items + before_wrap, (count - before_wrap) * sizeof(T));
    publish_write(write + count);
    return count;
  }

  // ---- consumer ----------------------------------------------------------------------------

  // Copies the oldest record into `out` and removes it. false: the ring is empty, `out` untouched.
  [[nodiscard]] bool try_pop(T& out) noexcept {
    const std::size_t read = consumer_.read_local;
    if (TICKPATH_UNLIKELY(read == consumer_.write_cache) && !refresh_write_cache(read)) {
      return false;
    }
    out = fixed_.slots[read & fixed_.mask];
    publish_read(read + 1);
    return true;
  }

  // The oldest record, in place, or nullptr when the ring is empty. The pointer stays valid (the
  // producer will not overwrite the slot) until the consumer calls pop() or drain().
  [[nodiscard]] T* front() noexcept {
    const std::size_t read = consumer_.read_local;
    if (TICKPATH_UNLIKELY(read == consumer_.write_cache) && !refresh_write_cache(read)) {
      return nullptr;
    }
    return fixed_.slots + (read & fixed_.mask);
  }

  // Removes the record front() returned. Precondition: front() returned non-null since the last
  // pop (checked by TICKPATH_ASSERT in debug and sanitizer builds).
  void pop() noexcept {
    const std::size_t read = consumer_.read_local;
    TICKPATH_ASSERT(read != consumer_.write_cache, "SpscRing::pop() on an empty ring (call front() first)");
    publish_read(read + 1);
  }

  // Calls f(const T&) for up to `max` records, oldest first, in place, then frees all of them with
  // one index store (one cache-line transfer to the producer per batch, not per record).
  // Returns the number of records handed to f. If f throws, the records already handed to f,
  // including the one that threw, count as consumed: a poison record is not redelivered.
  template <class F>
  requires std::invocable<F&, const T&> std::size_t drain(
      F&& f, std::size_t max = std::numeric_limits<std::size_t>::max())
  noexcept(std::is_nothrow_invocable_v<F&, const T&>) {
    const std::size_t read = consumer_.read_local;
    std::size_t available = consumer_.write_cache - read;
    if (available < max && !refresh_write_cache(read)) {
      return 0;
    }
    available = consumer_.write_cache - read;
    const std::size_t count = std::min(available, max);
    if (count == 0) {
      return 0;
    }
    PublishOnExit publish{*this, read};
    for (std::size_t i = 0; i < count; ++i) {
      const T& item = fixed_.slots[publish.position & fixed_.mask];
      ++publish.position;
      f(item);
    }
    return count;
  }

  // ---- any thread --------------------------------------------------------------------------

  [[nodiscard]] std::size_t capacity() const noexcept { return fixed_.mask + 1; }

  // Records in the ring at some instant during the call, in [0, capacity()].
  [[nodiscard]] std::size_t size_approx() const noexcept {
    // read first: read <= write at every instant, so a later `write` can never be behind it.
    const std::size_t read = consumer_.read.load(std::memory_order_acquire);
    const std::size_t write = producer_.write.load(std::memory_order_acquire);
    return std::min(write - read, capacity());
  }

  [[nodiscard]] bool empty_approx() const noexcept { return size_approx() == 0; }

 private:
  // Indices are free-running 64-bit counters (slot = index & mask): full is write - read ==
  // capacity, so every slot is usable and the counters never wrap in practice (2^64 records).
  //
  // Each side's block: line 0 holds the one field the other thread reads (the published index);
  // line 1 holds what only this side touches, including a plain copy of its own index, so the
  // hot path never loads from the line the other core is spinning on. Measured against the
  // rigtorp-style layout (own index read back from line 0) on the 2-vCPU dev box: round trip
  // 1.05-1.5x -> 0.95-1.1x the bare cache-line ping-pong; 64-byte records +10-40% records/s.
  struct alignas(kFalseSharingRange) ProducerSide {
    std::atomic<std::size_t> write{0};               // next slot to fill; stored only by the producer
    alignas(kCacheLine) std::size_t write_local{0};  // == write, readable without touching line 0
    std::size_t read_cache{0};                       // producer's last view of consumer_.read
  };
  struct alignas(kFalseSharingRange) ConsumerSide {
    std::atomic<std::size_t> read{0};               // next slot to read; stored only by the consumer
    alignas(kCacheLine) std::size_t read_local{0};  // == read, readable without touching line 0
    std::size_t write_cache{0};                     // consumer's last view of producer_.write
  };
  // Written once in the constructor, then read by both threads: its own block, so neither
  // side's index stores invalidate the line that holds the slot pointer and mask.
  struct alignas(kFalseSharingRange) Fixed {
    explicit Fixed(std::size_t capacity)
        : storage(detail::validate_capacity("SpscRing", capacity, 1, kMaxCapacity) * sizeof(T)),
          slots(static_cast<T*>(static_cast<void*>(storage.data()))),
          mask(capacity - 1) {}
    detail::AlignedBuffer storage;
    T* slots;
    std::size_t mask;
  };

  // Publishes the consumer's position once, when drain() returns or f throws.
  struct PublishOnExit {
    PublishOnExit(SpscRing& ring, std::size_t start) noexcept : owner(ring), position(start) {}
    PublishOnExit(const PublishOnExit&) = delete;
    PublishOnExit& operator=(const PublishOnExit&) = delete;
    ~PublishOnExit() { owner.publish_read(position); }
    SpscRing& owner;
    std::size_t position;
  };

  void publish_write(std::size_t write) noexcept {
    producer_.write_local = write;
    // Release: the slot writes before this are visible to the consumer before the new index is.
    producer_.write.store(write, std::memory_order_release);
  }

  void publish_read(std::size_t read) noexcept {
    consumer_.read_local = read;
    // Release: our reads of the freed slots happen before the producer may overwrite them.
    consumer_.read.store(read, std::memory_order_release);
  }

  // Slow path of the consumer: the cached write index says empty, so look at the real one.
  // Returns true when there is at least one record to read.
  [[nodiscard]] bool refresh_write_cache(std::size_t read) noexcept {
    // Acquire: the producer's writes to the slots below `write` are visible before we read them.
    consumer_.write_cache = producer_.write.load(std::memory_order_acquire);
    return read != consumer_.write_cache;
  }

  Fixed fixed_;
  ProducerSide producer_;
  ConsumerSide consumer_;
};

}  // namespace tickpath::queue
