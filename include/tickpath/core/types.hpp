#pragma once
// The vocabulary every component shares. Prices are integer ticks and quantities integer lots of
// their instrument (ARCHITECTURE.md §3); nothing past the venue adapter sees a floating-point price.
// What one tick or one lot is worth lives in the instrument (core/instrument.hpp).

#include <compare>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace tickpath {

// A price in integer ticks of its instrument's tick size. May be negative (spreads, some indices).
class Price {
 public:
  constexpr Price() noexcept = default;
  constexpr explicit Price(std::int64_t ticks) noexcept : ticks_(ticks) {}

  [[nodiscard]] constexpr std::int64_t ticks() const noexcept { return ticks_; }

  // Moving a price by a whole number of ticks; the difference of two prices is a tick count.
  [[nodiscard]] constexpr Price offset(std::int64_t ticks) const noexcept { return Price{ticks_ + ticks}; }
  [[nodiscard]] friend constexpr std::int64_t operator-(Price a, Price b) noexcept {
    return a.ticks_ - b.ticks_;
  }

  friend constexpr auto operator<=>(Price, Price) noexcept = default;

  // Sentinels for "no price": below and above every real price.
  [[nodiscard]] static constexpr Price min() noexcept {
    return Price{std::numeric_limits<std::int64_t>::min()};
  }
  [[nodiscard]] static constexpr Price max() noexcept {
    return Price{std::numeric_limits<std::int64_t>::max()};
  }

 private:
  std::int64_t ticks_{0};
};

// A quantity in integer lots of its instrument's size step (contracts for PI_/FI_, base-currency
// steps for PF_/FF_). Signed, so it also carries positions (long > 0, short < 0).
class Qty {
 public:
  constexpr Qty() noexcept = default;
  constexpr explicit Qty(std::int64_t lots) noexcept : lots_(lots) {}

  [[nodiscard]] constexpr std::int64_t lots() const noexcept { return lots_; }
  [[nodiscard]] constexpr bool is_zero() const noexcept { return lots_ == 0; }

  [[nodiscard]] friend constexpr Qty operator+(Qty a, Qty b) noexcept { return Qty{a.lots_ + b.lots_}; }
  [[nodiscard]] friend constexpr Qty operator-(Qty a, Qty b) noexcept { return Qty{a.lots_ - b.lots_}; }
  [[nodiscard]] constexpr Qty operator-() const noexcept { return Qty{-lots_}; }
  constexpr Qty& operator+=(Qty o) noexcept {
    lots_ += o.lots_;
    return *this;
  }
  constexpr Qty& operator-=(Qty o) noexcept {
    lots_ -= o.lots_;
    return *this;
  }

  friend constexpr auto operator<=>(Qty, Qty) noexcept = default;

 private:
  std::int64_t lots_{0};
};

enum class Side : std::uint8_t { Buy = 0, Sell = 1 };

[[nodiscard]] constexpr Side opposite(Side s) noexcept {
  return s == Side::Buy ? Side::Sell : Side::Buy;
}
[[nodiscard]] constexpr const char* to_string(Side s) noexcept {
  return s == Side::Buy ? "buy" : "sell";
}

// Dense index of an instrument in the process's InstrumentRegistry; usable as an array index.
class InstrumentId {
 public:
  using value_type = std::uint16_t;
  constexpr InstrumentId() noexcept = default;
  constexpr explicit InstrumentId(value_type v) noexcept : value_(v) {}

  [[nodiscard]] constexpr value_type value() const noexcept { return value_; }
  [[nodiscard]] constexpr bool valid() const noexcept { return value_ != kInvalid; }

  friend constexpr auto operator<=>(InstrumentId, InstrumentId) noexcept = default;

  static constexpr value_type kInvalid = std::numeric_limits<value_type>::max();

 private:
  value_type value_{kInvalid};
};

static_assert(sizeof(Price) == 8 && std::is_trivially_copyable_v<Price>);
static_assert(sizeof(Qty) == 8 && std::is_trivially_copyable_v<Qty>);
static_assert(sizeof(InstrumentId) == 2 && std::is_trivially_copyable_v<InstrumentId>);

}  // namespace tickpath
