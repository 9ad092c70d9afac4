#pragma once
// An exact decimal value: mantissa * 10^exponent, for venue numbers that are not on any tick grid
// (mark and index prices such as 84004.11362574516, funding rates such as 2.747066666667e-6,
// 24 h volumes and changes). Prices and quantities that belong to a book use Price/Qty instead.
//
// Parsed exactly from JSON number text (no double round trip). A value that needs more than 18
// significant digits, or whose exponent leaves [kMinDecimalExponent, kMaxDecimalExponent], is an
// error (Overflow), never rounded. Hot-path safe: noexcept, no allocation. Trivially copyable.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "tickpath/core/decimal.hpp"

namespace tickpath {

// Normalised: the mantissa has no trailing zeros, and zero is {0, 0}, so equal values compare
// equal member-wise ("1.50" == "1.5" == "15e-1").
struct Decimal {
  std::int64_t mantissa{0};
  std::int32_t exponent{0};

  friend constexpr bool operator==(const Decimal&, const Decimal&) noexcept = default;
};

static_assert(sizeof(Decimal) == 16 && std::is_trivially_copyable_v<Decimal>);

inline constexpr std::int32_t kMinDecimalExponent = -99;
inline constexpr std::int32_t kMaxDecimalExponent = 99;
// 18 digits: every such mantissa fits int64 with room to spare (10^18 - 1 < 2^63).
inline constexpr int kMaxDecimalDigits = 18;

struct DecimalResult {
  Decimal value{};
  DecimalError error{DecimalError::Ok};
};

// Parses JSON number text ([-](0|[1-9][0-9]*)[.[0-9]+][(e|E)[+|-][0-9]+]); anything else is Empty
// or Malformed. Leading and trailing zeros do not count as significant digits, so
// "23062948.000000000000000" is {23062948, 0}. Any thread; ~5-20 ns.
[[nodiscard]] DecimalResult parse_decimal(std::string_view text) noexcept;

// Plain decimal text (no exponent, "0" for zero, leading '-' when negative), without a NUL.
// Returns the characters written, or 0 when cap is too small; kMaxDecimalValueChars always fits.
inline constexpr std::size_t kMaxDecimalValueChars = 128;
[[nodiscard]] std::size_t format_decimal(Decimal value, char* out, std::size_t cap) noexcept;

}  // namespace tickpath
