#pragma once
// The reference model of the L2 book for the property test: a std::map per side written as
// plainly as possible, with the book's documented capacity rules spelled out again. It shares no
// code with include/tickpath/book beyond the vocabulary types.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <vector>

#include "tickpath/book/level.hpp"
#include "tickpath/core/types.hpp"

namespace tickpath::book::test {

class ModelBook {
 public:
  explicit ModelBook(std::size_t capacity) : capacity_{capacity, capacity} {}

  void snapshot(const std::vector<Level>& bids, const std::vector<Level>& asks) {
    bids_.clear();
    asks_.clear();
    for (const Level& l : bids) {
      snapshot_level(Side::Buy, l);
    }
    for (const Level& l : asks) {
      snapshot_level(Side::Sell, l);
    }
    ++stats_.snapshots;
    valid_ = true;
  }

  DeltaResult apply(Side side, Price price, Qty qty) {
    if (!acceptable(price, qty)) {
      ++stats_.rejected;
      return DeltaResult::Rejected;
    }
    const std::int64_t p = price.ticks();
    if (qty.lots() == 0) {
      if (erase(side, p)) {
        return DeltaResult::Deleted;
      }
      ++stats_.absent_deletes;
      return DeltaResult::DeleteOfAbsentLevel;
    }
    if (contains(side, p)) {
      put(side, p, qty.lots());
      return DeltaResult::Updated;
    }
    if (size(side) < capacity_[index(side)]) {
      put(side, p, qty.lots());
      return DeltaResult::Inserted;
    }
    // Full: the worst bid is the lowest price, the worst ask the highest.
    const std::int64_t worst = side == Side::Buy ? bids_.rbegin()->first : asks_.rbegin()->first;
    const bool worse_than_all = side == Side::Buy ? p < worst : p > worst;
    if (worse_than_all) {
      ++stats_.drops;
      return DeltaResult::DroppedAtCapacity;
    }
    erase(side, worst);
    put(side, p, qty.lots());
    ++stats_.evictions;
    return DeltaResult::InsertedEvictingWorst;
  }

  void clear() {
    bids_.clear();
    asks_.clear();
    valid_ = false;
  }

  [[nodiscard]] std::vector<Level> depth(Side side) const {
    std::vector<Level> out;
    if (side == Side::Buy) {
      for (const auto& [p, q] : bids_) {
        out.push_back(Level{Price{p}, Qty{q}});
      }
    } else {
      for (const auto& [p, q] : asks_) {
        out.push_back(Level{Price{p}, Qty{q}});
      }
    }
    return out;
  }

  [[nodiscard]] std::optional<Level> best(Side side) const {
    if (size(side) == 0) {
      return std::nullopt;
    }
    return side == Side::Buy ? Level{Price{bids_.begin()->first}, Qty{bids_.begin()->second}}
                             : Level{Price{asks_.begin()->first}, Qty{asks_.begin()->second}};
  }

  [[nodiscard]] Qty qty_at(Side side, Price price) const {
    if (side == Side::Buy) {
      const auto it = bids_.find(price.ticks());
      return Qty{it == bids_.end() ? 0 : it->second};
    }
    const auto it = asks_.find(price.ticks());
    return Qty{it == asks_.end() ? 0 : it->second};
  }

  [[nodiscard]] bool crossed() const {
    return !bids_.empty() && !asks_.empty() && bids_.begin()->first >= asks_.begin()->first;
  }

  [[nodiscard]] std::size_t size(Side side) const { return side == Side::Buy ? bids_.size() : asks_.size(); }
  [[nodiscard]] std::size_t capacity(Side side) const { return capacity_[index(side)]; }
  [[nodiscard]] const BookStats& stats() const { return stats_; }
  [[nodiscard]] bool valid() const { return valid_; }
  void invalidate() { valid_ = false; }

  // A price of an existing level, picked by rank from the top (rank < size).
  [[nodiscard]] std::int64_t price_at_rank(Side side, std::size_t rank) const {
    return side == Side::Buy ? std::next(bids_.begin(), static_cast<std::ptrdiff_t>(rank))->first
                             : std::next(asks_.begin(), static_cast<std::ptrdiff_t>(rank))->first;
  }

 private:
  static std::size_t index(Side side) { return side == Side::Buy ? 0 : 1; }
  static bool acceptable(Price price, Qty qty) {
    return qty.lots() >= 0 && price.ticks() >= -kMaxPriceTicks && price.ticks() <= kMaxPriceTicks;
  }
  bool contains(Side side, std::int64_t p) const {
    return side == Side::Buy ? bids_.contains(p) : asks_.contains(p);
  }
  bool erase(Side side, std::int64_t p) { return (side == Side::Buy ? bids_.erase(p) : asks_.erase(p)) != 0; }
  void put(Side side, std::int64_t p, std::int64_t q) {
    if (side == Side::Buy) {
      bids_[p] = q;
    } else {
      asks_[p] = q;
    }
  }
  void snapshot_level(Side side, const Level& l) {
    if (!acceptable(l.price, l.qty)) {
      ++stats_.rejected;
      return;
    }
    if (l.qty.lots() == 0) {
      erase(side, l.price.ticks());
      return;
    }
    if (!contains(side, l.price.ticks()) && size(side) == capacity_[index(side)]) {
      capacity_[index(side)] *= 2;
      ++stats_.capacity_grows;
    }
    put(side, l.price.ticks(), l.qty.lots());
  }

  std::map<std::int64_t, std::int64_t, std::greater<>> bids_;  // best (highest) first
  std::map<std::int64_t, std::int64_t> asks_;                  // best (lowest) first
  std::array<std::size_t, 2> capacity_;
  BookStats stats_{};
  bool valid_ = false;
};

}  // namespace tickpath::book::test
