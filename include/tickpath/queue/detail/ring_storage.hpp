#pragma once
// Cold-path helpers shared by SpscRing and ByteRing: capacity validation and the one allocation a
// ring makes in its lifetime. Not part of the public API.

#include <cstddef>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "tickpath/core/hints.hpp"

namespace tickpath::queue::detail {

// Throws std::invalid_argument unless `value` is a power of two in [min_value, max_value].
// Set-up code only (STYLE B1.6a): the message names the ring and the rejected value.
TICKPATH_COLD inline std::size_t validate_capacity(const char* ring, std::size_t value, std::size_t min_value,
                                                   std::size_t max_value) {
  const bool power_of_two = value != 0 && (value & (value - 1)) == 0;
  if (!power_of_two || value < min_value || value > max_value) {
    throw std::invalid_argument(std::string(ring) + ": capacity must be a power of two in [" +
                                std::to_string(min_value) + ", " + std::to_string(max_value) + "], got " +
                                std::to_string(value));
  }
  return value;
}

// Heap block whose usable bytes start on a kFalseSharingRange boundary and are fenced on both
// sides by kFalseSharingRange guard bytes, so no neighbouring allocation (or allocator metadata)
// shares a prefetch pair with the ring's storage. The whole block is zero-filled at construction:
// that pre-faults every page here, not on the first lap of the hot loop (STYLE B1.5).
class AlignedBuffer {
 public:
  explicit AlignedBuffer(std::size_t bytes)
      : base_(static_cast<std::byte*>(
            ::operator new (bytes + 2 * kFalseSharingRange, std::align_val_t{kFalseSharingRange}))),
        bytes_(bytes) {
    std::memset(base_, 0, bytes + 2 * kFalseSharingRange);
  }
  ~AlignedBuffer() { ::operator delete (base_, std::align_val_t{kFalseSharingRange}); }

  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&&) = delete;
  AlignedBuffer& operator=(AlignedBuffer&&) = delete;

  [[nodiscard]] std::byte* data() const noexcept { return base_ + kFalseSharingRange; }
  [[nodiscard]] std::size_t size() const noexcept { return bytes_; }

 private:
  std::byte* base_;
  std::size_t bytes_;
};

}  // namespace tickpath::queue::detail
