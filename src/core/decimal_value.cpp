#include "tickpath/core/decimal_value.hpp"

#include <array>

namespace tickpath {
namespace {

constexpr auto kPow10 = [] {
  std::array<std::int64_t, kMaxDecimalDigits + 1> t{};
  t[0] = 1;
  for (std::size_t i = 1; i < t.size(); ++i) {
    t[i] = t[i - 1] * 10;
  }
  return t;
}();

// The exponent text stops accumulating here; any larger exponent is Overflow anyway.
constexpr std::int64_t kExponentCap = 1'000'000;

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

}  // namespace

// Digits are accumulated with zeros deferred: a run of zeros is only multiplied in when a non-zero
// digit follows it, so trailing zeros (of the integer part or of the fraction) never count against
// the 18-digit budget and the result comes out normalised.
DecimalResult parse_decimal(std::string_view text) noexcept {
  if (text.empty()) {
    return {{}, DecimalError::Empty};
  }
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (*p == '-') {
    negative = true;
    ++p;
  }
  std::int64_t mantissa = 0;
  int digits = 0;                  // significant digits in mantissa
  std::int64_t pending_zeros = 0;  // zeros seen since the last non-zero digit
  std::int64_t exponent = 0;
  bool overflow = false;

  const auto take = [&](char c) noexcept {
    const int d = c - '0';
    if (d == 0) {
      ++pending_zeros;
      return;
    }
    if (mantissa == 0) {
      pending_zeros = 0;  // leading zeros are not significant
    }
    const std::int64_t need = digits == 0 ? 1 : pending_zeros + 1;
    if (digits + need > kMaxDecimalDigits) {
      overflow = true;
      return;
    }
    mantissa = mantissa * kPow10[static_cast<std::size_t>(need)] + d;
    digits += static_cast<int>(need);
    pending_zeros = 0;
  };

  // Integer part: "0" or [1-9][0-9]*.
  if (p == end || !is_digit(*p)) {
    return {{}, DecimalError::Malformed};
  }
  if (*p == '0') {
    ++p;
    if (p != end && is_digit(*p)) {
      return {{}, DecimalError::Malformed};
    }
  } else {
    while (p != end && is_digit(*p)) {
      take(*p++);
    }
  }
  std::int64_t frac_len = 0;
  if (p != end && *p == '.') {
    ++p;
    if (p == end || !is_digit(*p)) {
      return {{}, DecimalError::Malformed};
    }
    while (p != end && is_digit(*p)) {
      take(*p++);
      ++frac_len;
    }
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p != end && (*p == '+' || *p == '-')) {
      exp_negative = *p == '-';
      ++p;
    }
    if (p == end || !is_digit(*p)) {
      return {{}, DecimalError::Malformed};
    }
    std::int64_t e = 0;
    while (p != end && is_digit(*p)) {
      if (e < kExponentCap) {
        e = e * 10 + (*p - '0');
      }
      ++p;
    }
    exponent = exp_negative ? -e : e;
  }
  if (p != end) {
    return {{}, DecimalError::Malformed};
  }
  if (overflow) {
    return {{}, DecimalError::Overflow};
  }
  if (mantissa == 0) {
    return {{0, 0}, DecimalError::Ok};
  }
  // Value = mantissa * 10^(pending_zeros - frac_len + exponent).
  const std::int64_t e = exponent - frac_len + pending_zeros;
  if (e < kMinDecimalExponent || e > kMaxDecimalExponent) {
    return {{}, DecimalError::Overflow};
  }
  return {{negative ? -mantissa : mantissa, static_cast<std::int32_t>(e)}, DecimalError::Ok};
}

std::size_t format_decimal(Decimal value, char* out, std::size_t cap) noexcept {
  std::array<char, kMaxDecimalValueChars> buf{};
  std::size_t n = 0;
  if (value.mantissa == 0) {
    buf[n++] = '0';
  } else {
    if (value.mantissa < 0) {
      buf[n++] = '-';
    }
    // Digits of |mantissa| (int64 min cannot occur: mantissas have at most 18 digits).
    std::array<char, 20> digits{};
    std::size_t nd = 0;
    std::uint64_t m = static_cast<std::uint64_t>(value.mantissa < 0 ? -value.mantissa : value.mantissa);
    while (m != 0) {
      digits[nd++] = static_cast<char>('0' + static_cast<char>(m % 10));
      m /= 10;
    }
    const std::int64_t e = value.exponent;
    if (e >= 0) {
      for (std::size_t i = nd; i > 0; --i) {
        buf[n++] = digits[i - 1];
      }
      for (std::int64_t i = 0; i < e; ++i) {
        buf[n++] = '0';
      }
    } else {
      const auto frac = static_cast<std::size_t>(-e);
      if (nd <= frac) {
        buf[n++] = '0';
        buf[n++] = '.';
        for (std::size_t i = nd; i < frac; ++i) {
          buf[n++] = '0';
        }
        for (std::size_t i = nd; i > 0; --i) {
          buf[n++] = digits[i - 1];
        }
      } else {
        for (std::size_t i = nd; i > 0; --i) {
          buf[n++] = digits[i - 1];
          if (i - 1 == frac) {
            buf[n++] = '.';
          }
        }
      }
    }
  }
  if (n > cap) {
    return 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = buf[i];
  }
  return n;
}

}  // namespace tickpath
