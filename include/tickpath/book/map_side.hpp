#pragma once
// One book side as a std::map: candidate (c), the well-known peer.
//
// The obvious implementation (a node per level, O(log n) per delta, one allocation per new level)
// kept behind the same interface so the benchmark measures the flat and sorted-vector designs
// against it in the same run, and so tools that want an obviously-correct book can have one.
// Not for the hot path: set() allocates a node for every new level (the allocation is treated as
// infallible; std::bad_alloc terminates).

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <stdexcept>

#include "tickpath/book/basic_l2_book.hpp"
#include "tickpath/book/level.hpp"
#include "tickpath/book/side_store.hpp"

namespace tickpath::book {

class MapSide {
 public:
  explicit MapSide(const BookConfig& config) : capacity_(config.level_capacity) {
    if (capacity_ == 0) {
      throw std::invalid_argument("book: level_capacity must be at least 1");
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return levels_.size(); }
  [[nodiscard]] bool empty() const noexcept { return levels_.empty(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::uint64_t capacity_grows() const noexcept { return capacity_grows_; }
  [[nodiscard]] std::uint64_t recentres() const noexcept { return 0; }

  [[nodiscard]] Key best_key() const noexcept { return levels_.begin()->first; }
  [[nodiscard]] std::int64_t best_lots() const noexcept { return levels_.begin()->second; }

  [[nodiscard]] std::int64_t lots_at(Key key) const noexcept {
    const auto it = levels_.find(key);
    return it == levels_.end() ? 0 : it->second;
  }

  [[nodiscard]] DeltaResult apply(Key key, std::int64_t lots) noexcept {
    if (lots == 0) {
      return levels_.erase(key) != 0 ? DeltaResult::Deleted : DeltaResult::DeleteOfAbsentLevel;
    }
    const auto it = levels_.lower_bound(key);
    if (it != levels_.end() && it->first == key) {
      it->second = lots;
      return DeltaResult::Updated;
    }
    if (levels_.size() == capacity_) {
      if (key > std::prev(levels_.end())->first) {
        return DeltaResult::DroppedAtCapacity;
      }
      levels_.erase(std::prev(levels_.end()));  // may be `it`, so no hint below
      levels_.emplace(key, lots);
      return DeltaResult::InsertedEvictingWorst;
    }
    levels_.emplace_hint(it, key, lots);
    return DeltaResult::Inserted;
  }

  std::size_t copy_best_first(Level* out, std::size_t n) const noexcept {
    std::size_t i = 0;
    for (auto it = levels_.begin(); i < n && it != levels_.end(); ++it) {
      out[i++] = Level{Price{it->first}, Qty{it->second}};
    }
    return i;
  }

  void clear() noexcept { levels_.clear(); }
  void begin_snapshot() noexcept { levels_.clear(); }
  void snapshot_add(Key key, std::int64_t lots) {
    if (lots == 0) {
      levels_.erase(key);
      return;
    }
    if (levels_.size() == capacity_ && !levels_.contains(key)) {
      capacity_ = grown_capacity(capacity_);
      ++capacity_grows_;
    }
    levels_.insert_or_assign(key, lots);
  }
  void end_snapshot() noexcept {}

 private:
  std::map<Key, std::int64_t> levels_;  // ascending keys: best first
  std::size_t capacity_;
  std::uint64_t capacity_grows_ = 0;
};

// The std::map book: the reference peer in tests and benchmarks.
using MapBook = BasicL2Book<MapSide>;

}  // namespace tickpath::book
