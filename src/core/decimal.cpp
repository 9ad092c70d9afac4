#include "tickpath/core/decimal.hpp"

#include <array>
#include <cstring>
#include <limits>

#include "tickpath/core/hints.hpp"

// Accepted text is exactly JSON's number grammar (RFC 8259 §6):
//   [ "-" ] ( "0" | [1-9][0-9]* ) [ "." [0-9]+ ] [ ( "e" | "E" ) [ "+" | "-" ] [0-9]+ ]
// so "+1", ".5", "5.", "007", " 1", "0x10", "NaN" and "Infinity" are Malformed. Kraken sends JSON
// numbers, and the few REST fields sent as strings ("limitPrice":"50") hold the same grammar;
// accepting more would only let a corrupted frame through. The caller strips any quotes.
//
// The value is read as significand * 10^exponent, and
//   units = significand * 10^exponent / (mantissa * 10^increment_exponent)
// is evaluated exactly. Two paths:
//  - narrow: at most 19 digits, so the significand fits a uint64 without any overflow check in
//    the digit loop. Dividing by a power of ten is an exact division (shift by n, then multiply by
//    the inverse of 5^n modulo 2^64) whose exactness test is a compare, so "4787.0" in lots of 1
//    costs no division instruction.
//  - wide (rare, NOINLINE): more digits, such as "23062948.000000000000000". Trailing zeros are
//    deferred into the exponent, the significand is accumulated in unsigned __int128 and at most
//    38 significant digits are accepted (10^38 < 2^128); more is Overflow, since such a value
//    cannot be a whole number of increments that fits int64 anyway.

namespace tickpath {
namespace {

__extension__ using U128 = unsigned __int128;

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kInt64MinMagnitude = std::uint64_t{1} << 63U;  // |INT64_MIN|

// The exponent's digits stop accumulating here, so "1e999999999999999999999" cannot overflow; any
// exponent this large is decided (Overflow or OffGrid) long before its exact value would matter,
// as frac_len and the increment exponent are far smaller.
constexpr std::int64_t kExponentCap = 100'000'000'000'000'000;  // 1e17

constexpr int kNarrowDigits = 19;  // 10^19 - 1 < 2^64
constexpr int kWideDigits = 38;    // 10^38 - 1 < 2^128

constexpr auto kPow10 = [] {
  std::array<std::uint64_t, kNarrowDigits + 1> t{};
  t[0] = 1;
  for (std::size_t i = 1; i < t.size(); ++i) {
    t[i] = t[i - 1] * 10;
  }
  return t;
}();

constexpr auto kPow10Wide = [] {
  std::array<U128, kWideDigits + 1> t{};
  t[0] = 1;
  for (std::size_t i = 1; i < t.size(); ++i) {
    t[i] = t[i - 1] * 10;
  }
  return t;
}();

// Exact division by 5^n: x * kInv5[n] mod 2^64 is x / 5^n when 5^n divides x, and is at most
// kMaxQuot5[n] exactly when it does (Granlund & Montgomery 1994, §9).
constexpr std::uint64_t inverse_mod_2_64(std::uint64_t odd) {
  std::uint64_t x = odd;  // correct to 3 bits: odd * odd == 1 (mod 8)
  for (int i = 0; i < 5; ++i) {
    x *= 2 - odd * x;  // Newton step doubles the correct bits: 3, 6, 12, 24, 48, 96
  }
  return x;
}

constexpr auto kInv5 = [] {
  std::array<std::uint64_t, kNarrowDigits + 1> t{};
  const std::uint64_t inv = inverse_mod_2_64(5);
  t[0] = 1;
  for (std::size_t i = 1; i < t.size(); ++i) {
    t[i] = t[i - 1] * inv;
  }
  return t;
}();

constexpr auto kMaxQuot5 = [] {
  std::array<std::uint64_t, kNarrowDigits + 1> t{};
  std::uint64_t pow5 = 1;
  for (std::uint64_t& limit : t) {
    limit = kU64Max / pow5;
    pow5 *= 5;
  }
  return t;
}();

static_assert(inverse_mod_2_64(5) * 5 == 1);
static_assert(inverse_mod_2_64(25) * 25 == 1);

TICKPATH_ALWAYS_INLINE unsigned digit_value(char c) noexcept {
  return static_cast<unsigned>(static_cast<unsigned char>(c)) - unsigned{'0'};
}

// The value of text when it has at most 19 digits. Lives in registers: nothing takes its address.
struct Number {
  std::uint64_t significand{0};  // all digits, leading and trailing zeros included
  std::int64_t exponent{0};      // value = significand * 10^exponent
  bool negative{false};
  bool wide{false};  // more than 19 digits: significand and exponent are unusable, see scan_wide
};

// Reads the digits after 'e'/'E' and an optional sign, saturating at kExponentCap. Returns where
// it stopped; nullptr when there is no digit.
TICKPATH_ALWAYS_INLINE const char* scan_exponent(const char* p, const char* end,
                                                 std::int64_t& exponent) noexcept {
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    ++p;
  }
  const char* const begin = p;
  std::int64_t e = 0;
  for (; p != end; ++p) {
    const unsigned d = digit_value(*p);
    if (d > 9) {
      break;
    }
    if (e < kExponentCap) {
      e = e * 10 + static_cast<std::int64_t>(d);
    }
  }
  exponent = negative ? -e : e;
  return p == begin ? nullptr : p;
}

// Checks text against the JSON number grammar; evaluates it when narrow. Hot path.
TICKPATH_ALWAYS_INLINE DecimalError scan(std::string_view text, Number& n) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  if (p == end) {
    return DecimalError::Empty;
  }
  if (*p == '-') {
    n.negative = true;
    ++p;
  }

  // Integer part. The sum wraps for more than 19 digits (well defined for unsigned); n.wide then
  // sends the caller to scan_wide, which starts again.
  std::uint64_t sig = 0;
  const char* const int_begin = p;
  for (; p != end; ++p) {
    const unsigned d = digit_value(*p);
    if (d > 9) {
      break;
    }
    sig = sig * 10 + d;
  }
  const std::int64_t int_len = p - int_begin;
  if (TICKPATH_UNLIKELY(int_len == 0 || (int_len > 1 && *int_begin == '0'))) {
    return DecimalError::Malformed;  // no digit, or a leading zero ("007")
  }

  std::int64_t frac_len = 0;
  if (p != end && *p == '.') {
    ++p;
    const char* const frac_begin = p;
    for (; p != end; ++p) {
      const unsigned d = digit_value(*p);
      if (d > 9) {
        break;
      }
      sig = sig * 10 + d;
    }
    frac_len = p - frac_begin;
    if (TICKPATH_UNLIKELY(frac_len == 0)) {
      return DecimalError::Malformed;  // "5."
    }
  }

  std::int64_t exponent = 0;
  if (p != end && (*p == 'e' || *p == 'E')) {
    p = scan_exponent(p + 1, end, exponent);
    if (TICKPATH_UNLIKELY(p == nullptr)) {
      return DecimalError::Malformed;  // "1e", "1e+"
    }
  }
  if (TICKPATH_UNLIKELY(p != end)) {
    return DecimalError::Malformed;  // trailing garbage, whitespace, a second '.', ...
  }

  n.significand = sig;
  n.exponent = exponent - frac_len;
  n.wide = int_len + frac_len > kNarrowDigits;
  return DecimalError::Ok;
}

struct WideNumber {
  U128 significand{0};  // no trailing zeros (or zero)
  std::int64_t exponent{0};
};

// Reads text, already accepted by scan, with trailing zeros deferred into the exponent.
// Overflow when there are more than 38 significant digits.
TICKPATH_NOINLINE DecimalError scan_wide(std::string_view text, WideNumber& w) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  p += *p == '-' ? 1 : 0;
  U128 sig = 0;
  std::int64_t sig_digits = 0;  // digits in sig
  std::int64_t pending = 0;     // zeros after the last nonzero digit, not yet multiplied in
  std::int64_t frac_len = 0;
  bool in_fraction = false;
  for (; p != end && *p != 'e' && *p != 'E'; ++p) {
    if (*p == '.') {
      in_fraction = true;
      continue;
    }
    frac_len += in_fraction ? 1 : 0;
    const unsigned d = digit_value(*p);
    if (d == 0) {
      pending += sig != 0 ? 1 : 0;  // leading zeros carry no value
      continue;
    }
    sig_digits += sig != 0 ? pending + 1 : 1;
    if (sig_digits > kWideDigits) {
      return DecimalError::Overflow;
    }
    sig = sig * kPow10Wide[static_cast<std::size_t>(pending) + 1] + d;
    pending = 0;
  }
  std::int64_t exponent = 0;
  if (p != end) {
    scan_exponent(p + 1, end, exponent);
  }
  w.significand = sig;
  w.exponent = exponent + pending - frac_len;
  return DecimalError::Ok;
}

TICKPATH_ALWAYS_INLINE UnitsResult signed_units(bool negative, std::uint64_t magnitude) noexcept {
  if (TICKPATH_UNLIKELY(magnitude > (negative ? kInt64MinMagnitude : kInt64MinMagnitude - 1))) {
    return {0, DecimalError::Overflow};
  }
  // Negating in uint64 first keeps INT64_MIN well defined (the conversion is modular in C++20).
  return {static_cast<std::int64_t>(negative ? 0 - magnitude : magnitude), DecimalError::Ok};
}

// units = sig * 10^exponent / increment in 128 bits. Exact for every input; slow (128-bit
// division), so only for wide numbers and narrow ones whose scaled value leaves 64 bits.
TICKPATH_NOINLINE UnitsResult units_wide(bool negative, U128 sig, std::int64_t exponent,
                                         Increment increment) noexcept {
  if (sig == 0) {
    return {0, DecimalError::Ok};
  }
  const std::int64_t k = exponent - increment.exponent;
  U128 value = 0;
  if (k < 0) {
    if (k < -kWideDigits) {
      return {0, DecimalError::OffGrid};  // 10^39 > 2^128 > sig > 0: cannot divide it
    }
    const U128 divisor = kPow10Wide[static_cast<std::size_t>(-k)];
    if (sig % divisor != 0) {
      return {0, DecimalError::OffGrid};
    }
    value = sig / divisor;
  } else {
    // Past these bounds sig * 10^k / mantissa is at least 2^128 / 2^63: Overflow, not OffGrid.
    if (k > kWideDigits || __builtin_mul_overflow(sig, kPow10Wide[static_cast<std::size_t>(k)], &value)) {
      return {0, DecimalError::Overflow};
    }
  }
  const auto mantissa = static_cast<std::uint64_t>(increment.mantissa);
  if (value % mantissa != 0) {
    return {0, DecimalError::OffGrid};
  }
  value /= mantissa;
  if (value > kInt64MinMagnitude) {
    return {0, DecimalError::Overflow};
  }
  return signed_units(negative, static_cast<std::uint64_t>(value));
}

TICKPATH_NOINLINE UnitsResult to_units_wide(std::string_view text, Increment increment) noexcept {
  WideNumber w;
  if (const DecimalError e = scan_wide(text, w); e != DecimalError::Ok) {
    return {0, e};
  }
  return units_wide(text.front() == '-', w.significand, w.exponent, increment);
}

// Writes the decimal digits of v right-aligned ending at end; returns the first digit written.
char* write_digits_backwards(std::uint64_t v, char* end) noexcept {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  while (v >= 100) {
    const std::size_t pair = static_cast<std::size_t>(v % 100) * 2;
    v /= 100;
    *--end = kPairs[pair + 1];
    *--end = kPairs[pair];
  }
  if (v >= 10) {
    const std::size_t pair = static_cast<std::size_t>(v) * 2;
    *--end = kPairs[pair + 1];
    *--end = kPairs[pair];
  } else {
    *--end = static_cast<char>('0' + v);
  }
  return end;
}

}  // namespace

const char* to_string(DecimalError e) noexcept {
  switch (e) {
    case DecimalError::Ok:
      return "ok";
    case DecimalError::Empty:
      return "empty";
    case DecimalError::Malformed:
      return "malformed";
    case DecimalError::OffGrid:
      return "off grid";
    case DecimalError::Overflow:
      return "overflow";
  }
  return "unknown";
}

IncrementResult parse_increment(std::string_view text) noexcept {
  Number n;
  if (const DecimalError e = scan(text, n); e != DecimalError::Ok) {
    return {{}, e};
  }
  if (n.negative) {
    return {{}, DecimalError::Malformed};
  }
  WideNumber w{n.significand, n.exponent};
  if (n.wide) {
    if (const DecimalError e = scan_wide(text, w); e != DecimalError::Ok) {
      return {{}, e};
    }
  }
  if (w.significand == 0) {
    return {{}, DecimalError::Malformed};
  }
  while (w.significand % 10 == 0) {  // cold path: normalise "0.50" and "1000"
    w.significand /= 10;
    ++w.exponent;
  }
  if (w.significand > static_cast<U128>(std::numeric_limits<std::int64_t>::max()) ||
      w.exponent < kMinIncrementExponent || w.exponent > kMaxIncrementExponent) {
    return {{}, DecimalError::Overflow};
  }
  return {{static_cast<std::int64_t>(w.significand), static_cast<std::int32_t>(w.exponent)},
          DecimalError::Ok};
}

UnitsResult to_units(std::string_view text, Increment increment) noexcept {
  Number n;
  if (const DecimalError e = scan(text, n); TICKPATH_UNLIKELY(e != DecimalError::Ok)) {
    return {0, e};
  }
  if (TICKPATH_UNLIKELY(increment.mantissa <= 0)) {
    return {0, DecimalError::Malformed};
  }
  if (TICKPATH_UNLIKELY(n.wide)) {
    return to_units_wide(text, increment);
  }
  std::uint64_t value = n.significand;
  if (value == 0) {
    return {0, DecimalError::Ok};  // "0", "-0", "0.000", "0e999999999"
  }

  const std::int64_t k = n.exponent - increment.exponent;
  if (k < 0) {
    // value / 10^-k must be exact. 0 < value < 10^19, so 10^19 and beyond never divide it.
    if (TICKPATH_UNLIKELY(k < -(kNarrowDigits - 1))) {
      return {0, DecimalError::OffGrid};
    }
    const auto shift = static_cast<unsigned>(-k);
    if ((value & ((std::uint64_t{1} << shift) - 1)) != 0) {
      return {0, DecimalError::OffGrid};
    }
    value = (value >> shift) * kInv5[shift];
    if (value > kMaxQuot5[shift]) {
      return {0, DecimalError::OffGrid};
    }
  } else if (TICKPATH_UNLIKELY(k > kNarrowDigits ||
                               __builtin_mul_overflow(value, kPow10[static_cast<std::size_t>(k)], &value))) {
    return units_wide(n.negative, n.significand, n.exponent, increment);
  }

  // Most tick sizes and size steps are powers of ten (mantissa 1); Kraken's others are 0.5, 0.05
  // and 0.025, whose constant divisors compile to a multiply instead of a 64-bit division.
  const auto mantissa = static_cast<std::uint64_t>(increment.mantissa);
  std::uint64_t quotient = value;
  switch (mantissa) {
    case 1:
      break;
    case 5:
      quotient = value / 5;
      break;
    case 25:
      quotient = value / 25;
      break;
    default:
      quotient = value / mantissa;
      break;
  }
  if (quotient * mantissa != value) {
    return {0, DecimalError::OffGrid};
  }
  return signed_units(n.negative, quotient);
}

std::size_t format_units(std::int64_t units, Increment increment, char* out, std::size_t cap) noexcept {
  if (increment.mantissa <= 0) {
    return 0;
  }
  if (units == 0) {
    if (cap < 1) {
      return 0;
    }
    out[0] = '0';
    return 1;
  }
  const bool negative = units < 0;
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  // |units| <= 2^63 and mantissa < 2^63, so the product fits in 126 bits: at most 38 digits.
  const U128 value = static_cast<U128>(magnitude) * static_cast<std::uint64_t>(increment.mantissa);

  std::array<char, kWideDigits + 2> buf;
  char* const digits_end = buf.data() + buf.size();
  char* first = nullptr;
  if (value <= kU64Max) {
    first = write_digits_backwards(static_cast<std::uint64_t>(value), digits_end);
  } else {
    // One 128-bit division splits the value into two 64-bit halves of at most 19 digits each.
    const U128 low_pow = kPow10Wide[kNarrowDigits];
    char* const low_first = write_digits_backwards(static_cast<std::uint64_t>(value % low_pow), digits_end);
    char* const zeros_first = digits_end - kNarrowDigits;
    std::memset(zeros_first, '0', static_cast<std::size_t>(low_first - zeros_first));
    first = write_digits_backwards(static_cast<std::uint64_t>(value / low_pow), zeros_first);
  }

  // No trailing zeros after the point: move them back into the exponent.
  char* last = digits_end;
  std::int64_t exponent = increment.exponent;
  while (exponent < 0 && *(last - 1) == '0') {
    --last;
    ++exponent;
  }
  const std::int64_t ndigits = last - first;
  const std::int64_t sign = negative ? 1 : 0;

  std::int64_t length = 0;
  if (exponent >= 0) {
    length = sign + ndigits + exponent;
  } else if (ndigits > -exponent) {
    length = sign + ndigits + 1;
  } else {
    length = sign + 2 - exponent;  // "0." then -exponent digits
  }
  if (static_cast<std::uint64_t>(length) > cap) {
    return 0;
  }

  char* p = out;
  if (negative) {
    *p++ = '-';
  }
  if (exponent >= 0) {
    std::memcpy(p, first, static_cast<std::size_t>(ndigits));
    p += ndigits;
    std::memset(p, '0', static_cast<std::size_t>(exponent));
  } else if (ndigits > -exponent) {
    const std::int64_t int_digits = ndigits + exponent;
    std::memcpy(p, first, static_cast<std::size_t>(int_digits));
    p += int_digits;
    *p++ = '.';
    std::memcpy(p, first + int_digits, static_cast<std::size_t>(-exponent));
  } else {
    *p++ = '0';
    *p++ = '.';
    const std::int64_t zeros = -exponent - ndigits;
    std::memset(p, '0', static_cast<std::size_t>(zeros));
    p += zeros;
    std::memcpy(p, first, static_cast<std::size_t>(ndigits));
  }
  return static_cast<std::size_t>(length);
}

}  // namespace tickpath
