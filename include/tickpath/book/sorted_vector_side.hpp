#pragma once
// One book side as a sorted vector with the best level at the back.
//
// Candidate (a) of the book designs, and the far-level overflow inside FlatSide. Keys sort
// descending, so the best (smallest key) is the last element: a delta at rank r from the top is
// found by a short backward scan and inserted or erased by moving the r elements behind it. The
// 2021 capture puts 31 % of deltas in the top 5 levels and 88 % in the top 35 (bench/book/README.md),
// so the move is usually a few hundred bytes at most. Far levels fall back to a binary search and a longer
// memmove, still without allocating: the vector is reserved to its capacity at construction.
//
// Thread: single owner (the hot thread). Allocation: constructor and snapshot growth only.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tickpath/book/level.hpp"
#include "tickpath/book/side_store.hpp"
#include "tickpath/core/assert.hpp"
#include "tickpath/core/hints.hpp"

namespace tickpath::book {

class SortedVectorSide {
 public:
  struct Entry {
    Key key;
    std::int64_t lots;
  };

  explicit SortedVectorSide(const BookConfig& config);

  [[nodiscard]] std::size_t size() const noexcept { return levels_.size(); }
  [[nodiscard]] bool empty() const noexcept { return levels_.empty(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::uint64_t capacity_grows() const noexcept { return capacity_grows_; }
  [[nodiscard]] std::uint64_t recentres() const noexcept { return 0; }

  [[nodiscard]] Key best_key() const noexcept { return levels_.back().key; }
  [[nodiscard]] std::int64_t best_lots() const noexcept { return levels_.back().lots; }
  [[nodiscard]] Key worst_key() const noexcept { return levels_.front().key; }

  [[nodiscard]] std::int64_t lots_at(Key key) const noexcept {
    const std::size_t pos = position(key);
    return found_at(pos, key) ? levels_[pos].lots : 0;
  }

  [[nodiscard]] DeltaResult apply(Key key, std::int64_t lots) noexcept {
    const std::size_t pos = position(key);
    const bool found = found_at(pos, key);
    if (lots == 0) {
      if (!found) {
        return DeltaResult::DeleteOfAbsentLevel;
      }
      erase_at(pos);
      return DeltaResult::Deleted;
    }
    if (found) {
      levels_[pos].lots = lots;
      return DeltaResult::Updated;
    }
    if (TICKPATH_UNLIKELY(levels_.size() == capacity_)) {
      return insert_at_capacity(pos, key, lots);
    }
    insert_at(pos, key, lots);
    return DeltaResult::Inserted;
  }

  std::size_t copy_best_first(Level* out, std::size_t n) const noexcept {
    const std::size_t count = n < levels_.size() ? n : levels_.size();
    for (std::size_t i = 0; i < count; ++i) {
      const Entry& e = levels_[levels_.size() - 1 - i];
      out[i] = Level{Price{e.key}, Qty{e.lots}};
    }
    return count;
  }

  void clear() noexcept { levels_.clear(); }

  // Cold path: see the SideStore concept. While staging, levels_ is sorted ascending (best first,
  // the order Kraken sends), so an in-order snapshot is a sequence of push_backs; end_snapshot
  // reverses it once.
  void begin_snapshot() noexcept;
  void snapshot_add(Key key, std::int64_t lots);
  void end_snapshot() noexcept;

  // Building blocks FlatSide uses for its overflow; each keeps the descending order.
  // position(): the number of levels with a key greater (worse) than `key`, i.e. where it lives or
  // would be inserted. Scans back from the best a few steps before falling back to binary search.
  [[nodiscard]] std::size_t position(Key key) const noexcept {
    const std::size_t n = levels_.size();
    const std::size_t stop = n > kLinearScan ? n - kLinearScan : 0;
    std::size_t pos = n;
    while (pos > stop && levels_[pos - 1].key <= key) {
      --pos;
    }
    if (pos == stop && stop > 0 && levels_[stop - 1].key <= key) {
      pos = binary_position(key, stop - 1);
    }
    return pos;
  }
  [[nodiscard]] bool found_at(std::size_t pos, Key key) const noexcept {
    return pos < levels_.size() && levels_[pos].key == key;
  }
  void update_at(std::size_t pos, std::int64_t lots) noexcept { levels_[pos].lots = lots; }
  void insert_at(std::size_t pos, Key key, std::int64_t lots) noexcept {
    TICKPATH_ASSERT(levels_.size() < levels_.capacity(), "insert would allocate");
    levels_.insert(levels_.begin() + static_cast<std::ptrdiff_t>(pos), Entry{key, lots});
  }
  void erase_at(std::size_t pos) noexcept {
    levels_.erase(levels_.begin() + static_cast<std::ptrdiff_t>(pos));
  }
  // Appends a level better than every level held (FlatSide's window spilling into the overflow).
  void push_best(Key key, std::int64_t lots) noexcept {
    TICKPATH_ASSERT(levels_.empty() || key < levels_.back().key, "push_best out of order");
    TICKPATH_ASSERT(levels_.size() < levels_.capacity(), "push_best would allocate");
    levels_.push_back(Entry{key, lots});
  }
  void pop_best() noexcept { levels_.pop_back(); }
  void pop_worst() noexcept { erase_at(0); }
  [[nodiscard]] const Entry& entry_from_best(std::size_t i) const noexcept {
    return levels_[levels_.size() - 1 - i];
  }

 private:
  // Beyond this many levels from the top a binary search is cheaper than walking on: 88 % of the
  // 2021 deltas fell in the top 35 levels, and a sequential walk has one mispredicted exit where a
  // binary search has one per step. Measured on the generated stream (ns/delta): 8 -> 51,
  // 16 -> 36, 32 -> 33, 64 -> 33.
  static constexpr std::size_t kLinearScan = 32;

  // First index in [0, end] whose key is <= key (levels_[end].key <= key holds).
  [[nodiscard]] std::size_t binary_position(Key key, std::size_t end) const noexcept {
    std::size_t lo = 0;
    std::size_t hi = end;
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (levels_[mid].key > key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  TICKPATH_COLD DeltaResult insert_at_capacity(std::size_t pos, Key key, std::int64_t lots) noexcept;
  TICKPATH_COLD void grow();

  std::vector<Entry> levels_;  // descending keys: worst at the front, best at the back
  std::size_t capacity_;
  std::uint64_t capacity_grows_ = 0;
};

}  // namespace tickpath::book
