#pragma once
// Positions and PnL per instrument, from fills, and the fill deduplicator (issue #5).
//
// The venue reports a fill more than once (a feed snapshot after a reconnect, REST /fills during
// reconciliation): FillDeduper remembers the newest fill ids so each fill moves a position once.
//
// PnL follows the contract kind (kraken-futures-protocol.md §2.2):
//   Linear (PF_/FF_): quantities in base units, PnL in USD:   qty_base * (exit - entry).
//   Inverse (PI_/FI_): quantities in USD contracts, PnL in coin: contracts * (1/entry - 1/exit)
//                      for a long, the opposite for a short; the average entry is the harmonic
//                      mean contracts / sum(contracts / price).
// Average-cost accounting: a reducing fill realises PnL on the closed part at the average entry; a
// fill that flips the position closes all of it and opens the rest at the fill price.
//
// Numbers: Money (1e-9 of the settlement currency). The cost basis of the open quantity is kept
// exactly in 128 bits (see Position); every conversion to Money rounds half away from zero once.
//
// Threads: one owner (the hot thread). Hot-path safe after construction: noexcept, no allocation.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tickpath/core/decimal_value.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/core/types.hpp"
#include "tickpath/oms/types.hpp"

namespace tickpath::oms {

namespace detail {
__extension__ using I128 = __int128;

// Internal to the oms component (positions.cpp, risk.cpp). value * 10^exp10, rounded half away
// from zero when exp10 < 0; saturates to the I128 range when it overflows.
[[nodiscard]] I128 scale_pow10(I128 value, int exp10) noexcept;
// I128 -> Money, saturating at the int64 range.
[[nodiscard]] Money clamp_money(I128 value) noexcept;
// num / den rounded half away from zero; den != 0.
[[nodiscard]] I128 div_round(I128 num, I128 den) noexcept;
}  // namespace detail

// Fee text (Fill::fee, a Decimal in the fee currency) -> Money, rounded half away from zero;
// saturates at the int64 range.
[[nodiscard]] Money to_money(Decimal value) noexcept;

// The cost basis scales (units of Position::basis):
//   Linear:  1e-9 lot * tick, i.e. sum(lots * ticks) * 1e9, so that the average entry of what is
//            left after a partial close stays exact to 1e-9 tick.
//   Inverse: 1e-18 coin, sum(contracts / price) in the settlement coin.
inline constexpr std::int64_t kLinearBasisScale = 1'000'000'000;
inline constexpr int kInverseBasisExponent = -18;

struct Position {
  Qty qty{};             // signed: long > 0
  Money realised_pnl{};  // settlement currency
  Money fees{};          // paid (negative = rebates received)
  // Exact cost basis of |qty| at its entry prices, >= 0, 0 when flat (scales above).
  detail::I128 basis{0};
  std::uint64_t fills{0};  // fills applied

  [[nodiscard]] bool flat() const noexcept { return qty.is_zero(); }
  // Average entry in price units (e.g. 40012.5), 0 when flat; for display and reports only.
  [[nodiscard]] double average_price(const Instrument& instrument) const noexcept;
};

class PositionBook {
 public:
  // Cold: one Position per instrument the registry holds now (instruments added later are
  // unknown to this book: their fills are counted in invalid_fills()).
  explicit PositionBook(const InstrumentRegistry& registry);

  // Applies one fill of qty > 0 at price > 0 ticks: increases, reduces or flips the position, adds
  // fee to fees. A fill with an unknown instrument, qty <= 0 or price <= 0 changes nothing and is
  // counted in invalid_fills(). Returns the position after the fill.
  const Position& apply_fill(InstrumentId id, Side side, Price price, Qty qty, Money fee) noexcept;

  // Adopts the venue's position (reconciliation): qty at the entry price; realised PnL and fees
  // are kept. The quantity is always adopted (it is what risk needs); an entry <= 0 ticks (or
  // Price::max()) leaves the entry unknown: basis 0, which unrealised_pnl reports as 0; later fills
  // on top of it are costed without it.
  void set(InstrumentId id, Qty qty, Price entry) noexcept;
  // The same with the venue's average entry as it came (VenuePosition::entry_price, usually off the
  // tick grid), kept exact up to the basis scale; an entry <= 0 is unknown as above.
  // Both ignore an unknown id and a qty of INT64_MIN (whose size has no int64 value).
  void set(InstrumentId id, Qty qty, Decimal entry) noexcept;

  // An unknown id gives a flat position.
  [[nodiscard]] const Position& get(InstrumentId id) const noexcept;

  // PnL of the open quantity if it were closed at mark (settlement currency); 0 when flat or when
  // mark is Price::min() or <= 0 ticks.
  [[nodiscard]] Money unrealised_pnl(InstrumentId id, Price mark) const noexcept;
  // realised + unrealised - fees (mark Price::min() = realised - fees), saturating.
  [[nodiscard]] Money total_pnl(InstrumentId id, Price mark) const noexcept;

  [[nodiscard]] std::uint64_t invalid_fills() const noexcept { return invalid_fills_; }
  [[nodiscard]] std::size_t size() const noexcept { return positions_.size(); }

 private:
  const InstrumentRegistry* registry_;
  std::vector<Position> positions_;  // by InstrumentId value
  std::uint64_t invalid_fills_{0};
};

// Remembers the newest `capacity` valid fill ids (FIFO eviction): open addressing with linear
// probing (load <= 1/2) over a FIFO ring of the ids. Ids that arrive again after more than
// `capacity` newer ones are taken as new: size it well above a /fills page (100) plus the fills
// one reconnect can replay.
class FillDeduper {
 public:
  // Cold: allocates everything. Throws std::invalid_argument when capacity is 0 or > 2^30.
  explicit FillDeduper(std::size_t capacity);

  // true: the id was not remembered and now is (the oldest is forgotten when full); false: seen.
  // An invalid id (the venue sent none) cannot be deduplicated: true, counted in invalid_ids().
  [[nodiscard]] bool insert(const FillId& id) noexcept;
  [[nodiscard]] bool contains(const FillId& id) const noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return fifo_.size(); }
  [[nodiscard]] std::uint64_t duplicates() const noexcept { return duplicates_; }
  [[nodiscard]] std::uint64_t invalid_ids() const noexcept { return invalid_ids_; }

 private:
  using Key = std::array<std::uint8_t, 16>;
  struct Slot {
    Key key{};
    bool used{false};
  };

  [[nodiscard]] std::size_t find_slot(const Key& key) const noexcept;  // the key's slot or the empty one
  void erase(const Key& key) noexcept;

  std::vector<Slot> slots_;  // power of two >= 2 * capacity
  std::size_t mask_;
  std::vector<Key> fifo_;  // remembered ids, oldest at head_
  std::size_t head_{0};
  std::size_t count_{0};
  std::uint64_t duplicates_{0};
  std::uint64_t invalid_ids_{0};
};

}  // namespace tickpath::oms
