#pragma once
// Exact decimal text <-> integer units (ARCHITECTURE.md §3).
//
// JSON number text such as "84001.0", "5.2e-9", "0", "-3" or "23062948.000000000000000" is turned
// into an integer count of an increment (a tick size or a size step such as 0.5, 0.025, 1e-10 or
// 1000) without a double round trip. A value that is not a whole number of increments is OffGrid,
// never rounded. Hot-path safe: noexcept, no allocation.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tickpath {

enum class DecimalError : std::uint8_t {
  Ok = 0,
  Empty,      // no characters
  Malformed,  // not a decimal number (sign, digits, optional fraction, optional exponent)
  OffGrid,    // a valid number that is not a whole multiple of the increment
  Overflow,   // the number of units does not fit in int64 (or the text has too many digits)
};

[[nodiscard]] const char* to_string(DecimalError e) noexcept;

// A positive decimal increment: mantissa * 10^exponent, normalised so that the mantissa has no
// trailing zeros (0.5 -> {5,-1}, 0.025 -> {25,-3}, 1e-10 -> {1,-10}, 1000 -> {1,3}).
struct Increment {
  std::int64_t mantissa{1};
  std::int32_t exponent{0};

  friend constexpr bool operator==(const Increment&, const Increment&) noexcept = default;
};

struct IncrementResult {
  Increment value{};
  DecimalError error{DecimalError::Ok};
};

struct UnitsResult {
  std::int64_t units{0};
  DecimalError error{DecimalError::Ok};
};

// The exponents parse_increment accepts once normalised: 1e-24 up to 9223372036854775807e24. The
// bound keeps every format_units result within kMaxDecimalChars.
inline constexpr std::int32_t kMinIncrementExponent = -24;
inline constexpr std::int32_t kMaxIncrementExponent = 24;

// Parses an increment such as "0.5" or "1e-10". Zero and negative values are Malformed; a
// normalised mantissa beyond int64 or an exponent outside the range above is Overflow.
[[nodiscard]] IncrementResult parse_increment(std::string_view text) noexcept;

// Exact conversion of decimal text to a whole number of increments. The text must be a JSON number
// (no quotes, whitespace, '+', leading zeros, ".5" or "5."); "-0" is 0. Any thread; ~5-10 ns.
// An increment whose mantissa is not positive gives Malformed.
[[nodiscard]] UnitsResult to_units(std::string_view text, Increment increment) noexcept;

// Writes units * increment as plain decimal text (no exponent, no trailing zeros after the point,
// "0" for zero, a leading '-' when negative) into out, without a terminating NUL. Returns the number
// of characters written, or 0 if cap is too small or the increment's mantissa is not positive.
// kMaxDecimalChars always suffices for increments within [kMinIncrementExponent, kMaxIncrementExponent].
inline constexpr std::size_t kMaxDecimalChars = 64;
[[nodiscard]] std::size_t format_units(std::int64_t units, Increment increment, char* out,
                                       std::size_t cap) noexcept;

}  // namespace tickpath
