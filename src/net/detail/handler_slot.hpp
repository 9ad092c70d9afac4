#pragma once
// Storage for completion handlers without per-operation allocation (private to net).
//
// HandlerSlot: one pending operation's handler, type-erased. Its buffer grows to the largest
//   handler stored and is then reused, so a read loop allocates only on the first read.
// HandlerArena + ArenaAllocator: the associated allocator of the session's own handlers. Asio and
//   Beast allocate every intermediate state through it (posted completions, Beast's "stable"
//   ping/close state), so those come from a few recycled fixed blocks instead of the heap.
//   Requests that do not fit (the one-off HTTP upgrade state) fall back to the heap and are
//   counted, so the steady-state test can prove the heap is not used.
// Single-threaded: the owning session's thread only.

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include <boost/system/error_code.hpp>

#include "tickpath/core/assert.hpp"

namespace tickpath::net::detail {

class HandlerSlot {
 public:
  HandlerSlot() noexcept = default;
  HandlerSlot(const HandlerSlot&) = delete;
  HandlerSlot& operator=(const HandlerSlot&) = delete;
  ~HandlerSlot() {
    reset();
    ::operator delete(storage_);
  }

  template <typename H>
  void emplace(H&& handler) {
    using D = std::decay_t<H>;
    static_assert(alignof(D) <= alignof(std::max_align_t), "over-aligned handler");
    TICKPATH_ASSERT(invoke_ == nullptr, "one pending operation per slot");
    if (sizeof(D) > capacity_) {
      ::operator delete(storage_);
      storage_ = nullptr;
      capacity_ = 0;
      storage_ = ::operator new(sizeof(D));
      capacity_ = sizeof(D);
    }
    ::new (storage_) D(std::forward<H>(handler));
    invoke_ = [](void* p, boost::system::error_code ec, std::size_t n) {
      D* stored = static_cast<D*>(p);
      D local(std::move(*stored));
      stored->~D();
      std::move(local)(ec, n);
    };
    destroy_ = [](void* p) noexcept { static_cast<D*>(p)->~D(); };
  }

  [[nodiscard]] bool armed() const noexcept { return invoke_ != nullptr; }

  // Moves the handler out (the slot is free again before it runs, so the handler may start the
  // next operation on this slot) and invokes it.
  void complete(boost::system::error_code ec, std::size_t n) {
    TICKPATH_ASSERT(invoke_ != nullptr, "complete() on an empty slot");
    auto* invoke = invoke_;
    invoke_ = nullptr;
    destroy_ = nullptr;
    invoke(storage_, ec, n);
  }

  // Destroys a pending handler without running it (the connection is being torn down).
  void reset() noexcept {
    if (destroy_ != nullptr) {
      destroy_(storage_);
      invoke_ = nullptr;
      destroy_ = nullptr;
    }
  }

 private:
  void* storage_{nullptr};
  std::size_t capacity_{0};
  void (*invoke_)(void*, boost::system::error_code, std::size_t){nullptr};
  void (*destroy_)(void*) noexcept {nullptr};
};

class HandlerArena {
 public:
  static constexpr std::size_t kBlockSize = 1024;
  static constexpr std::size_t kBlocks = 32;

  HandlerArena() = default;
  HandlerArena(const HandlerArena&) = delete;
  HandlerArena& operator=(const HandlerArena&) = delete;
  ~HandlerArena() { TICKPATH_ASSERT(used_ == 0, "handler memory outlives its arena"); }

  [[nodiscard]] void* allocate(std::size_t size) {
    if (size <= kBlockSize && used_ != ~std::uint32_t{0}) {
      const int index = __builtin_ctz(~used_);
      used_ |= std::uint32_t{1} << index;
      return blocks_[index].bytes;
    }
    ++heap_allocations_;
    return ::operator new(size);
  }

  void deallocate(void* p) noexcept {
    const auto* bytes = static_cast<const unsigned char*>(p);
    const auto* first = blocks_[0].bytes;
    if (bytes >= first && bytes < first + sizeof(blocks_)) {
      const auto index = static_cast<std::size_t>(bytes - first) / sizeof(Block);
      used_ &= ~(std::uint32_t{1} << index);
      return;
    }
    ::operator delete(p);
  }

  // Allocations that did not fit a block (size or exhaustion) and went to the heap.
  [[nodiscard]] std::uint64_t heap_allocations() const noexcept { return heap_allocations_; }

 private:
  static_assert(kBlocks == 32, "used_ is a 32-bit mask");
  struct alignas(std::max_align_t) Block {
    unsigned char bytes[kBlockSize];
  };
  Block blocks_[kBlocks];
  std::uint32_t used_{0};
  std::uint64_t heap_allocations_{0};
};

template <typename T>
class ArenaAllocator {
 public:
  using value_type = T;

  explicit ArenaAllocator(HandlerArena& arena) noexcept : arena_(&arena) {}
  template <typename U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept : arena_(other.arena_) {}  // NOLINT

  [[nodiscard]] T* allocate(std::size_t n) {
    static_assert(alignof(T) <= alignof(std::max_align_t), "over-aligned handler state");
    return static_cast<T*>(arena_->allocate(sizeof(T) * n));
  }
  void deallocate(T* p, std::size_t /*n*/) noexcept { arena_->deallocate(p); }

  friend bool operator==(const ArenaAllocator& a, const ArenaAllocator& b) noexcept {
    return a.arena_ == b.arena_;
  }
  friend bool operator!=(const ArenaAllocator& a, const ArenaAllocator& b) noexcept {
    return a.arena_ != b.arena_;
  }

 private:
  template <typename>
  friend class ArenaAllocator;
  HandlerArena* arena_;
};

}  // namespace tickpath::net::detail
