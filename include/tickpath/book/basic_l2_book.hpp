#pragma once
// An L2 order book for one instrument: price levels on integer ticks, both sides.
//
// BasicL2Book<S> is the whole public contract; S (a SideStore) is the data structure behind each
// side. Production code uses tickpath::book::L2Book (l2_book.hpp), which names the design the
// benchmark chose; tests and benchmarks instantiate every design through this one template.
//
// Thread: one owner, the hot thread that runs the market-data session; no method is thread-safe.
// Units: Price in ticks, Qty in lots of the instrument. Allocation: the constructor and the
// snapshot methods may allocate (cold path); every other method is noexcept and never allocates.
// Venue semantics (kraken-futures-protocol.md §6.7, §7.1): a snapshot carries full depth; each
// delta carries the new absolute quantity of one level, 0 deleting it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "tickpath/book/level.hpp"
#include "tickpath/book/side_store.hpp"
#include "tickpath/core/hints.hpp"
#include "tickpath/core/types.hpp"

namespace tickpath::book {

template <SideStore S>
class BasicL2Book {
 public:
  using Store = S;

  // Sizes both sides from config (cold). Throws std::invalid_argument on a bad config.
  explicit BasicL2Book(const BookConfig& config = {}) : sides_{S(config), S(config)} {}

  // --- snapshot (cold path) -------------------------------------------------------------------
  // Replaces the whole book and marks it valid. Levels may come in any order (Kraken sends best
  // first, which is the O(n) case); each is applied as a delta onto an empty book, so a qty of 0
  // adds nothing and a repeated price keeps its last qty. Negative quantities and out-of-range
  // prices are skipped and counted as rejected. Grows the capacity (allocates) if a side needs
  // more than it has.
  void apply_snapshot(std::span<const Level> bids, std::span<const Level> asks) {
    begin_snapshot();
    for (const Level& level : bids) {
      add_snapshot_level(Side::Buy, level.price, level.qty);
    }
    for (const Level& level : asks) {
      add_snapshot_level(Side::Sell, level.price, level.qty);
    }
    end_snapshot();
  }

  // The same, streamed: lets the parser feed levels straight from the message with no temporary
  // array. Between begin and end the book is invalid: no queries and no deltas.
  void begin_snapshot() noexcept {
    valid_ = false;
    sides_[0].begin_snapshot();
    sides_[1].begin_snapshot();
  }
  void add_snapshot_level(Side side, Price price, Qty qty) {
    if (TICKPATH_UNLIKELY(!acceptable(price, qty))) {
      ++stats_.rejected;
      return;
    }
    store(side).snapshot_add(to_key(side, price), qty.lots());
  }
  void end_snapshot() noexcept {
    sides_[0].end_snapshot();
    sides_[1].end_snapshot();
    ++stats_.snapshots;
    valid_ = true;
  }

  // --- delta (hot path) -----------------------------------------------------------------------
  // Sets the level at `price` on `side` to the absolute quantity `qty`; qty 0 deletes it. It does
  // not check crossing (call crossed() afterwards) nor validity (the session drops deltas while
  // the book is invalid). See DeltaResult for what each answer means; all leave the book usable.
  [[nodiscard]] DeltaResult apply_delta(Side side, Price price, Qty qty) noexcept {
    if (TICKPATH_UNLIKELY(!acceptable(price, qty))) {
      ++stats_.rejected;
      return DeltaResult::Rejected;
    }
    const DeltaResult result = store(side).apply(to_key(side, price), qty.lots());
    if (TICKPATH_UNLIKELY(result >= DeltaResult::DeleteOfAbsentLevel)) {
      count(result);
    }
    return result;
  }

  // --- queries (hot path, O(1) unless noted) --------------------------------------------------
  // The best level of a side, or nullopt when the side is empty.
  [[nodiscard]] std::optional<Level> best(Side side) const noexcept {
    const S& s = store(side);
    if (s.empty()) {
      return std::nullopt;
    }
    return Level{from_key(side, s.best_key()), Qty{s.best_lots()}};
  }
  [[nodiscard]] std::optional<Level> best_bid() const noexcept { return best(Side::Buy); }
  [[nodiscard]] std::optional<Level> best_ask() const noexcept { return best(Side::Sell); }

  // Quantity resting at a price; Qty{0} when there is no level (or the price is out of range).
  // O(1) near the top for the flat design, O(log n) for far levels.
  [[nodiscard]] Qty qty_at(Side side, Price price) const noexcept {
    if (TICKPATH_UNLIKELY(!acceptable(price, Qty{}))) {
      return Qty{};
    }
    return Qty{store(side).lots_at(to_key(side, price))};
  }

  // Writes the best min(out.size(), level_count(side)) levels of a side, best first (bids by
  // descending price, asks ascending), and returns how many it wrote. O(levels written).
  std::size_t depth(Side side, std::span<Level> out) const noexcept {
    const std::size_t n = store(side).copy_best_first(out.data(), out.size());
    if (side == Side::Buy) {
      for (std::size_t i = 0; i < n; ++i) {
        out[i].price = Price{-out[i].price.ticks()};
      }
    }
    return n;
  }

  [[nodiscard]] std::size_t level_count(Side side) const noexcept { return store(side).size(); }
  // Levels a side may hold before deltas evict (grows only through snapshots).
  [[nodiscard]] std::size_t level_capacity(Side side) const noexcept { return store(side).capacity(); }

  // True when both sides are non-empty and best bid >= best ask (crossed or locked). Kraken's book
  // never crossed in the 2021 capture, so a true here means the book is wrong: the session should
  // invalidate it and resubscribe.
  [[nodiscard]] bool crossed() const noexcept {
    const S& bids = sides_[0];
    const S& asks = sides_[1];
    return !bids.empty() && !asks.empty() && -bids.best_key() >= asks.best_key();
  }

  // Set by end_snapshot; cleared by begin_snapshot, clear() and invalidate(). The market-data
  // session invalidates on a sequence gap and drops deltas until the next snapshot.
  [[nodiscard]] bool valid() const noexcept { return valid_; }
  void invalidate() noexcept { valid_ = false; }

  // Empties both sides and invalidates; keeps the capacity and the counters.
  void clear() noexcept {
    sides_[0].clear();
    sides_[1].clear();
    valid_ = false;
  }

  [[nodiscard]] BookStats stats() const noexcept {
    BookStats s = stats_;
    s.capacity_grows = sides_[0].capacity_grows() + sides_[1].capacity_grows();
    s.recentres = sides_[0].recentres() + sides_[1].recentres();
    return s;
  }

  // A side's store, for tests that check a design's own invariants.
  [[nodiscard]] const S& side_store(Side side) const noexcept { return store(side); }

 private:
  TICKPATH_COLD void count(DeltaResult result) noexcept {
    switch (result) {
      case DeltaResult::DeleteOfAbsentLevel:
        ++stats_.absent_deletes;
        break;
      case DeltaResult::InsertedEvictingWorst:
        ++stats_.evictions;
        break;
      case DeltaResult::DroppedAtCapacity:
        ++stats_.drops;
        break;
      case DeltaResult::Rejected:
        ++stats_.rejected;
        break;
      case DeltaResult::Inserted:
      case DeltaResult::Updated:
      case DeltaResult::Deleted:
        break;
    }
  }

  // Indexing rather than choosing keeps the side out of the branch predictor: feeds alternate
  // sides unpredictably.
  [[nodiscard]] S& store(Side side) noexcept { return sides_[static_cast<std::size_t>(side)]; }
  [[nodiscard]] const S& store(Side side) const noexcept { return sides_[static_cast<std::size_t>(side)]; }

  // Both sides are stored by a key where smaller is better (side_store.hpp).
  // Negation when side == Buy, written as (x ^ m) - m so that it compiles without a branch.
  [[nodiscard]] static constexpr Key flip(Side side, std::int64_t x) noexcept {
    const std::int64_t m = static_cast<std::int64_t>(side == Side::Sell) - 1;  // -1 for bids, 0 for asks
    return (x ^ m) - m;
  }
  [[nodiscard]] static constexpr Key to_key(Side side, Price price) noexcept {
    return flip(side, price.ticks());
  }
  [[nodiscard]] static constexpr Price from_key(Side side, Key key) noexcept {
    return Price{flip(side, key)};
  }
  // |ticks| <= kMaxPriceTicks (one unsigned compare) and qty >= 0.
  [[nodiscard]] static constexpr bool acceptable(Price price, Qty qty) noexcept {
    const std::uint64_t shifted =
        static_cast<std::uint64_t>(price.ticks()) + static_cast<std::uint64_t>(kMaxPriceTicks);
    return shifted <= 2 * static_cast<std::uint64_t>(kMaxPriceTicks) && qty.lots() >= 0;
  }

  std::array<S, 2> sides_;  // [Side::Buy], [Side::Sell]
  BookStats stats_{};
  bool valid_ = false;
};

}  // namespace tickpath::book
