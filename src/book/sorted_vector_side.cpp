#include "tickpath/book/sorted_vector_side.hpp"

#include <algorithm>
#include <stdexcept>

namespace tickpath::book {

SortedVectorSide::SortedVectorSide(const BookConfig& config) : capacity_(config.level_capacity) {
  if (config.level_capacity == 0 || config.level_capacity > (std::size_t{1} << 24)) {
    throw std::invalid_argument("book: level_capacity must be in [1, 16777216]");
  }
  levels_.reserve(capacity_);
}

// The side is full and `key` is absent. Evicting the worst level keeps the top of the book exact,
// which is what quoting needs; the cost is a memmove of the whole side, acceptable because the
// capacity is sized above any book the venue has sent (BookStats::evictions shows it if not).
DeltaResult SortedVectorSide::insert_at_capacity(std::size_t pos, Key key, std::int64_t lots) noexcept {
  if (pos == 0) {
    return DeltaResult::DroppedAtCapacity;  // worse than every level held
  }
  erase_at(0);
  insert_at(pos - 1, key, lots);
  return DeltaResult::InsertedEvictingWorst;
}

void SortedVectorSide::grow() {
  capacity_ = grown_capacity(capacity_);
  levels_.reserve(capacity_);
  ++capacity_grows_;
}

void SortedVectorSide::begin_snapshot() noexcept {
  levels_.clear();
}

void SortedVectorSide::snapshot_add(Key key, std::int64_t lots) {
  // Staging order is ascending (best first). In-order levels append; anything else is placed by
  // binary search, so unordered or repeated levels still give the delta semantics.
  if (lots != 0 && (levels_.empty() || key > levels_.back().key)) {
    if (levels_.size() == capacity_) {
      grow();
    }
    levels_.push_back(Entry{key, lots});
    return;
  }
  const auto it =
      std::lower_bound(levels_.begin(), levels_.end(), key, [](const Entry& e, Key k) { return e.key < k; });
  const bool found = it != levels_.end() && it->key == key;
  if (lots == 0) {
    if (found) {
      levels_.erase(it);
    }
    return;
  }
  if (found) {
    it->lots = lots;
    return;
  }
  const auto index = it - levels_.begin();
  if (levels_.size() == capacity_) {
    grow();
  }
  levels_.insert(levels_.begin() + index, Entry{key, lots});
}

void SortedVectorSide::end_snapshot() noexcept {
  std::reverse(levels_.begin(), levels_.end());
}

}  // namespace tickpath::book
