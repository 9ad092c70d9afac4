#pragma once
// Vocabulary of the book component: a price level, what a delta did, sizing and counters.
// Venue-agnostic: prices are integer ticks and quantities integer lots (ARCHITECTURE.md §3).

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "tickpath/core/types.hpp"

namespace tickpath::book {

// One price level: the total quantity resting at a price.
struct Level {
  Price price{};
  Qty qty{};

  friend constexpr bool operator==(const Level&, const Level&) noexcept = default;
};

static_assert(sizeof(Level) == 16 && std::is_trivially_copyable_v<Level>);

// What apply_delta did. Every value leaves the book consistent. The first three are the normal
// outcomes; the others are also counted in BookStats, so they show in the status output even if
// the session does nothing more with them. Keep that order: the book tests for an anomaly with
// one comparison (result >= DeleteOfAbsentLevel).
enum class DeltaResult : std::uint8_t {
  Inserted,               // a new level was added
  Updated,                // an existing level now holds the new absolute quantity
  Deleted,                // qty 0 removed an existing level
  DeleteOfAbsentLevel,    // qty 0 for a level the book does not hold: ignored, counted
  InsertedEvictingWorst,  // the side was at capacity: its worst level was dropped to make room, counted
  DroppedAtCapacity,      // the side was at capacity and the level is worse than all it holds: not
                          // stored, counted
  Rejected,               // negative qty, or |price| > kMaxPriceTicks: ignored, counted
};

[[nodiscard]] constexpr const char* to_string(DeltaResult r) noexcept {
  switch (r) {
    case DeltaResult::Inserted:
      return "inserted";
    case DeltaResult::Updated:
      return "updated";
    case DeltaResult::Deleted:
      return "deleted";
    case DeltaResult::DeleteOfAbsentLevel:
      return "delete_of_absent_level";
    case DeltaResult::InsertedEvictingWorst:
      return "inserted_evicting_worst";
    case DeltaResult::DroppedAtCapacity:
      return "dropped_at_capacity";
    case DeltaResult::Rejected:
      return "rejected";
  }
  return "?";
}

// Prices are accepted within +-2^61 ticks (PF_PEPEUSD, tick 1e-10, would need a price of 2.3e8
// USD to leave it). The bound keeps every internal key difference inside int64.
inline constexpr std::int64_t kMaxPriceTicks = std::int64_t{1} << 61;

// Sizing, fixed at construction (cold). Defaults fit a full-depth Kraken Futures book: the 2021
// capture's biggest snapshot held 359 bids, PF_XBTUSD in 2026 about 1 800 bids / 1 281 asks.
struct BookConfig {
  // Levels each side may hold. Deltas never allocate: a new level beyond this evicts the side's
  // worst level (or is dropped if it is itself the worst). A snapshot larger than this grows the
  // capacity instead (snapshots are the cold path), which BookStats::capacity_grows counts.
  std::size_t level_capacity = 4096;
  // Width of the flat price-indexed window of the production book (FlatSide), in ticks, rounded
  // up to a power of two >= 4096. Levels beyond it are kept in a sorted overflow. Ignored by the
  // other designs. 4096 ticks hold 99.5 % of the 2021 deltas (see flat_side.hpp).
  std::int64_t window_ticks = 4096;
};

// Anomaly counters, monotonically increasing for the life of the book (clear() keeps them).
struct BookStats {
  std::uint64_t snapshots = 0;
  std::uint64_t absent_deletes = 0;  // DeleteOfAbsentLevel
  std::uint64_t rejected = 0;        // Rejected deltas and rejected snapshot levels
  std::uint64_t evictions = 0;       // InsertedEvictingWorst
  std::uint64_t drops = 0;           // DroppedAtCapacity
  std::uint64_t capacity_grows = 0;  // a snapshot outgrew level_capacity (allocation, cold path)
  std::uint64_t recentres = 0;       // FlatSide moved its window (no allocation); 0 for other designs

  friend constexpr bool operator==(const BookStats&, const BookStats&) noexcept = default;
};

}  // namespace tickpath::book
