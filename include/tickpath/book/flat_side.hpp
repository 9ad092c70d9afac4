#pragma once
// One book side as a flat price-indexed window with a sorted overflow for far levels.
//
// Candidate (b) of the book designs, and the production one (l2_book.hpp says why). The levels
// near the top live in an array indexed by price: a window of W ticks (a power of two >= 4096)
// holding each level's lots, plus a bitmap of occupied ticks and a summary bitmap of non-empty
// words. An insert, update or delete inside the window is one array store and one or two bit
// operations; when the best level is deleted the next one is found with a count-trailing-zeros on
// the bitmap (one word covers 64 ticks, the summary 4096), so even a sparse book never scans more
// than a handful of words.
//
// Levels worse than the window (Kraken sends full depth, and its books carry far-away orders: the
// 2021 PI_ETHUSD snapshot had asks at 9 999 999.95 USD, 2e8 ticks from the top) live in `far_`, a
// SortedVectorSide reserved at construction. 99.5 % of the 2021 deltas landed within 1 000 ticks of
// the best, so the overflow is touched rarely.
//
// Invariants (checked by the property test):
//   * every level is at key >= lo_; keys in [lo_, lo_ + W) are in the window, the rest in far_;
//   * the window is non-empty whenever the side is, so the best level is always in the window;
//   * the best stays in the better half of the window: lo_ <= best_ < lo_ + W/2.
// The window moves ("recentres") when a level arrives better than lo_, when the best drifts into
// the worse half, or when the window empties while far_ still holds levels. It then puts the best a
// quarter of the way in, so the next recentre needs a move of at least W/4 - 63 ticks. The array is
// a ring (slot = key mod W), so a recentre never moves the array: it only carries the levels that
// leave or enter the window between it and far_, and allocates nothing.
//
// Thread: single owner (the hot thread). Allocation: constructor and snapshot growth only.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "tickpath/book/level.hpp"
#include "tickpath/book/side_store.hpp"
#include "tickpath/book/sorted_vector_side.hpp"
#include "tickpath/core/hints.hpp"

namespace tickpath::book {

class FlatSide {
 public:
  // Throws std::invalid_argument when config.window_ticks is out of [1, 2^24].
  explicit FlatSide(const BookConfig& config);

  [[nodiscard]] std::size_t size() const noexcept { return count_ + far_.size(); }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::size_t capacity() const noexcept { return far_.capacity(); }
  [[nodiscard]] std::uint64_t capacity_grows() const noexcept { return far_.capacity_grows(); }
  [[nodiscard]] std::uint64_t recentres() const noexcept { return recentres_; }
  [[nodiscard]] std::size_t window_ticks() const noexcept { return width_; }

  [[nodiscard]] Key best_key() const noexcept { return best_; }
  [[nodiscard]] std::int64_t best_lots() const noexcept { return qty_[slot(best_)]; }

  [[nodiscard]] std::int64_t lots_at(Key key) const noexcept {
    if (count_ == 0) {
      return 0;
    }
    if (offset(key) < width_) {
      return qty_[slot(key)];
    }
    return key > lo_ ? far_.lots_at(key) : 0;
  }

  // The fast path: a delta inside the window, which is every delta but the far, the first and the
  // at-capacity ones. A branch-free variant (insert, update and delete as one path of masked
  // stores) measured 6 % faster on the generated stream but 2.4x slower on the 2021 replay, where
  // real feeds are predictable enough for the branches and its read-modify-writes of the bitmaps
  // chain one delta to the next; the branches stay (bench/book/README.md).
  [[nodiscard]] DeltaResult apply(Key key, std::int64_t lots) noexcept {
    if (TICKPATH_LIKELY(count_ != 0 && offset(key) < width_)) {
      std::int64_t& q = qty_[slot(key)];
      if (lots != 0) {
        if (q != 0) {
          q = lots;
          return DeltaResult::Updated;
        }
        if (TICKPATH_LIKELY(size() < capacity())) {
          place(key, lots);
          return DeltaResult::Inserted;
        }
      } else {
        if (q == 0) {
          return DeltaResult::DeleteOfAbsentLevel;
        }
        q = 0;
        unmark(key);
        --count_;
        if (key == best_) {
          on_best_removed();
        }
        return DeltaResult::Deleted;
      }
    }
    return apply_outside(key, lots);
  }

  std::size_t copy_best_first(Level* out, std::size_t n) const noexcept {
    std::size_t i = 0;
    for (Key key = count_ != 0 ? best_ : kNone; i < n && key != kNone; key = find_next(key + 1)) {
      out[i++] = Level{Price{key}, Qty{qty_[slot(key)]}};
    }
    for (std::size_t j = 0; i < n && j < far_.size(); ++j) {
      const SortedVectorSide::Entry& e = far_.entry_from_best(j);
      out[i++] = Level{Price{e.key}, Qty{e.lots}};
    }
    return i;
  }

  void clear() noexcept;
  void begin_snapshot() noexcept;
  void snapshot_add(Key key, std::int64_t lots) { far_.snapshot_add(key, lots); }
  void end_snapshot() noexcept;

  // Checks every invariant listed above by walking the whole window: O(W), for tests only.
  [[nodiscard]] bool invariants_hold() const noexcept;

 private:
  static constexpr Key kNone = std::numeric_limits<Key>::max();
  static constexpr std::size_t kMinWidth = 4096;  // the summary bitmap needs >= 64 words

  // Distance of key from the window start; keys below lo_ wrap to huge values, so one unsigned
  // compare against width_ tests both ends.
  [[nodiscard]] std::uint64_t offset(Key key) const noexcept {
    return static_cast<std::uint64_t>(key) - static_cast<std::uint64_t>(lo_);
  }
  [[nodiscard]] std::size_t slot(Key key) const noexcept {
    return static_cast<std::uint64_t>(key) & (width_ - 1);
  }
  [[nodiscard]] static Key align_down(Key key) noexcept { return key & ~Key{63}; }

  void mark(Key key) noexcept {
    const std::size_t s = slot(key);
    const std::size_t w = s >> 6;
    bits_[w] |= std::uint64_t{1} << (s & 63);
    summary_[w >> 6] |= std::uint64_t{1} << (w & 63);
  }
  void unmark(Key key) noexcept {
    const std::size_t s = slot(key);
    const std::size_t w = s >> 6;
    bits_[w] &= ~(std::uint64_t{1} << (s & 63));
    if (bits_[w] == 0) {
      summary_[w >> 6] &= ~(std::uint64_t{1} << (w & 63));
    }
  }
  // Stores a level in the window at a free slot.
  void place(Key key, std::int64_t lots) noexcept {
    qty_[slot(key)] = lots;
    mark(key);
    ++count_;
    if (key < best_) {
      best_ = key;
    }
  }

  // First offset in [0, len) from `start` at which the ring bitmap `ring` (of words_ bits, a
  // multiple of 64) has a set bit; len when there is none.
  [[nodiscard]] std::size_t ring_find(const std::uint64_t* ring, std::size_t start,
                                      std::size_t len) const noexcept {
    std::size_t done = 0;
    while (done < len) {
      const std::size_t p = (start + done) & (words_ - 1);
      const std::uint64_t bits = ring[p >> 6] >> (p & 63);
      if (bits != 0) {
        const std::size_t hit = done + static_cast<std::size_t>(std::countr_zero(bits));
        return hit < len ? hit : len;
      }
      done += 64 - (p & 63);
    }
    return len;
  }

  // The first level at a key >= from inside the window, or kNone. Precondition: from >= lo_.
  [[nodiscard]] Key find_next(Key from) const noexcept {
    const std::uint64_t off = offset(from);
    if (off >= width_) {
      return kNone;
    }
    const std::size_t s = slot(from);
    const std::size_t w = s >> 6;
    if (const std::uint64_t bits = bits_[w] >> (s & 63); bits != 0) {
      return from + std::countr_zero(bits);
    }
    const std::size_t logical_word = off >> 6;
    const std::size_t rest = words_ - logical_word - 1;
    const std::size_t next = (w + 1) & (words_ - 1);
    const std::size_t skip = ring_find(summary_.data(), next, rest);
    if (skip == rest) {
      return kNone;
    }
    const std::size_t found_word = (next + skip) & (words_ - 1);
    return lo_ + static_cast<Key>((logical_word + 1 + skip) * 64) + std::countr_zero(bits_[found_word]);
  }

  void on_best_removed() noexcept {
    if (count_ != 0) {
      best_ = find_next(best_ + 1);
      if (TICKPATH_LIKELY(best_ - lo_ < static_cast<Key>(width_ / 2))) {
        return;
      }
    }
    rebalance_after_best_removed();
  }

  // Out-of-window, empty-side and at-capacity cases; kept out of line so the fast path stays small.
  TICKPATH_COLD DeltaResult apply_outside(Key key, std::int64_t lots) noexcept;
  DeltaResult erase_outside(Key key) noexcept;
  DeltaResult set_outside(Key key, std::int64_t lots) noexcept;
  TICKPATH_COLD void rebalance_after_best_removed() noexcept;
  void move_window_better(Key new_lo) noexcept;
  void move_window_worse(Key new_lo) noexcept;
  void pull_from_far() noexcept;
  [[nodiscard]] Key window_worst() const noexcept;
  void remove_from_window(Key key) noexcept;
  void evict_worst() noexcept;

  // Hot fields first: everything a delta inside the window touches sits in the first cache line.
  Key lo_ = 0;                          // window start, 64-aligned; meaningful only while count_ != 0
  Key best_ = kNone;                    // best key (always inside the window), kNone when empty
  std::size_t count_ = 0;               // levels in the window
  std::size_t width_;                   // W, a power of two
  std::size_t words_;                   // W / 64
  std::vector<std::int64_t> qty_;       // lots per slot, 0 = no level
  std::vector<std::uint64_t> bits_;     // bit per slot: level present
  std::vector<std::uint64_t> summary_;  // bit per bits_ word: word non-zero
  SortedVectorSide far_;                // levels at keys >= lo_ + W, best at the back
  std::uint64_t recentres_ = 0;
};

}  // namespace tickpath::book
