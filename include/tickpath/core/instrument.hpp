#pragma once
// Instruments: what one tick and one lot of a product are worth, and the symbol <-> InstrumentId
// map every component shares.
//
// Threads: the registry is built once at start-up (add() is cold, allocates and throws); after
// that it is read-only and any thread may call its const members concurrently.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tickpath/core/decimal.hpp"
#include "tickpath/core/types.hpp"

namespace tickpath {

// How a product's quantities are counted (kraken-futures-protocol.md §2.2):
//   Inverse: PI_ / FI_, quantities in contracts of 1 USD, margined in the base coin.
//   Linear:  PF_ / FF_, quantities in base-currency units, margined in USD.
enum class ContractKind : std::uint8_t { Inverse, Linear };

[[nodiscard]] constexpr const char* to_string(ContractKind k) noexcept {
  return k == ContractKind::Inverse ? "inverse" : "linear";
}

// The kind from the symbol's prefix, compared case-insensitively (Kraken has sent both "pi_xbtusd"
// and "PI_XBTUSD"). Cold. Throws std::invalid_argument for any other prefix, e.g. the untradeable
// "in_" and "rr_" index rows of /instruments.
[[nodiscard]] ContractKind kind_from_symbol(std::string_view symbol);

// What start-up knows about a product: from /instruments (tickSize, contractValueTradePrecision)
// or from the config.
struct InstrumentSpec {
  std::string symbol;
  Increment tick_size{};
  Increment size_step{};
  ContractKind kind{ContractKind::Linear};
};

struct PriceResult {
  Price price{};
  DecimalError error{DecimalError::Ok};
};

struct QtyResult {
  Qty qty{};
  DecimalError error{DecimalError::Ok};
};

// One tradeable product. Trivially copyable; the symbol lives inline (no heap), uppercase.
class Instrument {
 public:
  static constexpr std::size_t kMaxSymbolLength = 31;

  Instrument() noexcept = default;
  // Throws std::invalid_argument when the symbol is empty, longer than kMaxSymbolLength or holds a
  // byte outside printable ASCII, or when an increment's mantissa is not positive.
  Instrument(InstrumentId id, const InstrumentSpec& spec);

  [[nodiscard]] InstrumentId id() const noexcept { return id_; }
  [[nodiscard]] std::string_view symbol() const noexcept { return {symbol_.data(), symbol_length_}; }
  [[nodiscard]] Increment tick_size() const noexcept { return tick_size_; }
  [[nodiscard]] Increment size_step() const noexcept { return size_step_; }
  [[nodiscard]] ContractKind kind() const noexcept { return kind_; }

  // Exact venue text -> ticks / lots (see to_units): OffGrid when not a whole number of them.
  [[nodiscard]] PriceResult price_from_text(std::string_view text) const noexcept {
    const UnitsResult r = to_units(text, tick_size_);
    return {Price{r.units}, r.error};
  }
  [[nodiscard]] QtyResult qty_from_text(std::string_view text) const noexcept {
    const UnitsResult r = to_units(text, size_step_);
    return {Qty{r.units}, r.error};
  }

  // Plain decimal text for the venue (see format_units): characters written, 0 if cap is too small.
  [[nodiscard]] std::size_t format_price(Price price, char* out, std::size_t cap) const noexcept {
    return format_units(price.ticks(), tick_size_, out, cap);
  }
  [[nodiscard]] std::size_t format_qty(Qty qty, char* out, std::size_t cap) const noexcept {
    return format_units(qty.lots(), size_step_, out, cap);
  }

 private:
  Increment tick_size_{};
  Increment size_step_{};
  InstrumentId id_{};
  ContractKind kind_{ContractKind::Linear};
  std::uint8_t symbol_length_{0};
  std::array<char, kMaxSymbolLength + 1> symbol_{};  // uppercase, NUL-padded
};

static_assert(std::is_trivially_copyable_v<Instrument>);

// Symbol -> InstrumentId, and InstrumentId -> Instrument. Ids are dense (0, 1, 2, ... in the order
// of add()), so they index per-instrument arrays. Storage is sized by the constructor and never
// reallocates: references from get() stay valid for the registry's lifetime.
class InstrumentRegistry {
 public:
  static constexpr std::size_t kDefaultCapacity = 1024;
  static constexpr std::size_t kMaxCapacity = InstrumentId::kInvalid;  // ids 0 .. kInvalid - 1

  // Cold: allocates everything. Throws std::invalid_argument when capacity is 0 or > kMaxCapacity.
  explicit InstrumentRegistry(std::size_t capacity = kDefaultCapacity);

  // Cold. Stores the symbol uppercase and returns the new id. Throws std::invalid_argument on a
  // duplicate symbol (compared case-insensitively), a symbol Instrument rejects, or when full.
  InstrumentId add(const InstrumentSpec& spec);

  // Case-insensitive lookup; an invalid id when absent. Any thread; no allocation.
  [[nodiscard]] InstrumentId find(std::string_view symbol) const noexcept;

  // id must come from this registry (asserted in debug builds).
  [[nodiscard]] const Instrument& get(InstrumentId id) const noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return instruments_.size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::span<const Instrument> instruments() const noexcept { return instruments_; }

 private:
  // A symbol uppercased into 32 NUL-padded bytes, its length in the last: equality is four word
  // compares.
  using Key = std::array<std::uint64_t, 4>;

  struct Slot {
    std::uint32_t tag{0};  // high half of the key's hash: most mismatches stop here
    InstrumentId id{};     // invalid: empty slot
  };

  static std::size_t checked_capacity(std::size_t capacity);

  std::size_t capacity_;
  std::size_t mask_;  // slots_.size() - 1; open addressing with linear probing, load <= 1/2
  std::vector<Instrument> instruments_;
  std::vector<Key> keys_;  // by id
  std::vector<Slot> slots_;
};

}  // namespace tickpath
