#pragma once
// The seam between BasicL2Book and the data structure that holds one side of it. Every design
// (FlatSide, SortedVectorSide, MapSide) implements this concept, so the tests and the benchmark run
// the same scenarios over each and the production choice is one alias in l2_book.hpp.
//
// A side store sees keys, not prices: key = -ticks for bids and +ticks for asks, so "smaller key =
// better price" on both sides and each design is written once. Quantities are lots (> 0 when set).

#include <concepts>
#include <cstddef>
#include <cstdint>

#include "tickpath/book/level.hpp"

namespace tickpath::book {

using Key = std::int64_t;

// The one capacity rule every design follows, so that all designs agree level for level:
// a snapshot that needs more room than `capacity` doubles it (cold path, counted).
[[nodiscard]] constexpr std::size_t grown_capacity(std::size_t capacity) noexcept {
  return capacity * 2;
}

// clang-format 14 cannot lay out compound requirements.
// clang-format off
template <typename S>
concept SideStore = requires(S s, const S cs, Key key, std::int64_t lots, Level* out, std::size_t n) {
  // Hot path: noexcept, no allocation.
  { cs.size() } noexcept -> std::same_as<std::size_t>;
  { cs.empty() } noexcept -> std::same_as<bool>;
  { cs.best_key() } noexcept -> std::same_as<Key>;            // precondition: !empty()
  { cs.best_lots() } noexcept -> std::same_as<std::int64_t>;  // precondition: !empty()
  { cs.lots_at(key) } noexcept -> std::same_as<std::int64_t>; // 0 when absent
  // Sets the level at key to lots (lots >= 0; 0 deletes) and says what it did: any DeltaResult
  // but Rejected, which the book decides before calling.
  { s.apply(key, lots) } noexcept -> std::same_as<DeltaResult>;
  // Writes up to n levels best first, with Level::price holding the key. Returns the count.
  { cs.copy_best_first(out, n) } noexcept -> std::same_as<std::size_t>;
  { cs.capacity() } noexcept -> std::same_as<std::size_t>;
  { cs.capacity_grows() } noexcept -> std::same_as<std::uint64_t>;
  { cs.recentres() } noexcept -> std::same_as<std::uint64_t>;
  // Cold path. Between begin_snapshot and end_snapshot only snapshot_add may be called; a level
  // is applied as a delta would be (lots 0 removes, a repeated key takes the last value), and the
  // store may grow its capacity with grown_capacity().
  { s.clear() } noexcept;
  s.begin_snapshot();
  s.snapshot_add(key, lots);
  s.end_snapshot();
};
// clang-format on

}  // namespace tickpath::book
