#include "tickpath/core/decimal.hpp"

#include <array>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

namespace {

using tickpath::DecimalError;
using tickpath::Increment;

constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();

Increment inc(std::string_view text) {
  const tickpath::IncrementResult r = tickpath::parse_increment(text);
  REQUIRE(r.error == DecimalError::Ok);
  return r.value;
}

// "0052" -> "52", "000" -> "0": JSON allows no leading zero.
std::string without_leading_zeros(const std::string& digits) {
  const std::size_t first = digits.find_first_not_of('0');
  return first == std::string::npos ? std::string(1, '0') : digits.substr(first);
}

std::string format(std::int64_t units, Increment increment) {
  std::array<char, tickpath::kMaxDecimalChars> buf{};
  const std::size_t n = tickpath::format_units(units, increment, buf.data(), buf.size());
  REQUIRE(n > 0);
  return {buf.data(), n};
}

struct UnitsCase {
  const char* increment;
  const char* text;
  std::int64_t units;
  DecimalError error;
};

void check_units(const UnitsCase& c) {
  INFO("increment " << c.increment << ", text \"" << c.text << "\"");
  const tickpath::UnitsResult r = tickpath::to_units(c.text, inc(c.increment));
  CHECK(tickpath::to_string(r.error) == std::string_view{tickpath::to_string(c.error)});
  if (c.error == DecimalError::Ok) {
    CHECK(r.units == c.units);
  }
}

constexpr DecimalError kOk = DecimalError::Ok;
constexpr DecimalError kOffGrid = DecimalError::OffGrid;
constexpr DecimalError kOverflow = DecimalError::Overflow;
constexpr DecimalError kMalformed = DecimalError::Malformed;

}  // namespace

TEST_CASE("parse_increment normalises tick sizes and size steps", "[core][decimal]") {
  struct Case {
    const char* text;
    Increment expected;
  };
  const Case cases[] = {
      {"0.5", {5, -1}},
      {"0.05", {5, -2}},
      {"0.025", {25, -3}},
      {"0.01", {1, -2}},
      {"0.0001", {1, -4}},
      {"1e-10", {1, -10}},
      {"1", {1, 0}},
      {"0.1", {1, -1}},
      {"0.00001", {1, -5}},
      {"0.001", {1, -3}},
      {"1000", {1, 3}},
      {"0.50", {5, -1}},
      {"1E3", {1, 3}},
      {"25e-3", {25, -3}},
      {"1e-24", {1, -24}},
      {"1e24", {1, 24}},
      {"0.5000000000000000000000000", {5, -1}},
      {"9223372036854775807", {kI64Max, 0}},
  };
  for (const Case& c : cases) {
    INFO("\"" << c.text << "\"");
    const tickpath::IncrementResult r = tickpath::parse_increment(c.text);
    REQUIRE(r.error == DecimalError::Ok);
    CHECK(r.value.mantissa == c.expected.mantissa);
    CHECK(r.value.exponent == c.expected.exponent);
  }
}

TEST_CASE("parse_increment rejects zero, negative, garbage and out-of-range increments", "[core][decimal]") {
  struct Case {
    const char* text;
    DecimalError error;
  };
  const Case cases[] = {
      {"", DecimalError::Empty}, {"0", kMalformed},
      {"0.0", kMalformed},       {"-0.5", kMalformed},
      {"-1", kMalformed},        {"abc", kMalformed},
      {".5", kMalformed},        {"1e-25", kOverflow},
      {"1e25", kOverflow},       {"9223372036854775808", kOverflow},
  };
  for (const Case& c : cases) {
    INFO("\"" << c.text << "\"");
    CHECK(tickpath::to_string(tickpath::parse_increment(c.text).error) ==
          std::string_view{tickpath::to_string(c.error)});
  }
}

TEST_CASE("to_units converts venue prices exactly to ticks", "[core][decimal]") {
  const UnitsCase cases[] = {
      // PI_XBTUSD, tick 0.5
      {"0.5", "84001.0", 168002, kOk},
      {"0.5", "84001.5", 168003, kOk},
      {"0.5", "34892.5", 69785, kOk},
      {"0.5", "84001.25", 0, kOffGrid},
      {"0.5", "23062948.000000000000000", 46125896, kOk},
      {"0.5", "-23062948.000000000000000", -46125896, kOk},
      {"0.5", "1E+3", 2000, kOk},
      {"0.5", "-3", -6, kOk},
      {"0.5", "-0.5", -1, kOk},
      // PI_ETHUSD: 0.05 in production, 0.025 on the 2021 demo listing
      {"0.05", "2004.85", 40097, kOk},
      {"0.05", "5e-2", 1, kOk},
      {"0.05", "0.5e-1", 1, kOk},
      {"0.05", "2004.875", 0, kOffGrid},
      {"0.025", "2004.875", 80195, kOk},
      {"0.025", "2004.85", 80194, kOk},
      {"0.025", "0.0125", 0, kOffGrid},
      // PI_LTCUSD, PI_XRPUSD, PF_ETHUSD, PF_DOGEUSD, PF_XBTUSD
      {"0.01", "119.46", 11946, kOk},
      {"0.01", "119.465", 0, kOffGrid},
      {"0.0001", "0.6523", 6523, kOk},
      {"0.1", "2033.8", 20338, kOk},
      {"0.1", "2033.85", 0, kOffGrid},
      {"0.00001", "0.12345", 12345, kOk},
      {"0.00001", "0.123456", 0, kOffGrid},
      {"1", "84001.0", 84001, kOk},
      {"1", "84001.5", 0, kOffGrid},
      {"1", "1E+3", 1000, kOk},
      {"1", "0.1e1", 1, kOk},
      {"1", "10e17", 1'000'000'000'000'000'000, kOk},
      // PF_PEPEUSD, tick 1e-10; fees such as fee_paid 5.2e-9
      {"1e-10", "5.2e-9", 52, kOk},
      {"1e-10", "1e-10", 1, kOk},
      {"1e-10", "0.0000000002", 2, kOk},
      {"1e-10", "0.0000001234", 1234, kOk},
      {"1e-10", "1e-11", 0, kOffGrid},
      {"1e-10", "0.00000012345", 0, kOffGrid},
  };
  for (const UnitsCase& c : cases) {
    check_units(c);
  }
}

TEST_CASE("to_units converts venue quantities exactly to lots", "[core][decimal]") {
  const UnitsCase cases[] = {
      {"1", "4787.0", 4787, kOk},         {"1", "21884.0", 21884, kOk},     {"1", "1.0", 1, kOk},
      {"0.0001", "0.0568", 568, kOk},     {"0.0001", "7.8852", 78852, kOk}, {"0.0001", "0.0386", 386, kOk},
      {"0.0001", "0.00005", 0, kOffGrid}, {"0.001", "1.234", 1234, kOk},    {"0.001", "1.2345", 0, kOffGrid},
      {"1000", "98000", 98, kOk},         {"1000", "9.8e4", 98, kOk},       {"1000", "1e3", 1, kOk},
      {"1000", "98123", 0, kOffGrid},     {"1000", "500", 0, kOffGrid},     {"1000", "0", 0, kOk},
  };
  for (const UnitsCase& c : cases) {
    check_units(c);
  }
}

TEST_CASE("to_units reads every spelling of zero as zero", "[core][decimal]") {
  for (const char* text :
       {"0", "0.0", "-0", "-0.0", "0.000000000000000000000000000", "0e999999999", "0e-999999999", "-0E+5"}) {
    for (const char* increment : {"0.5", "1e-10", "1000"}) {
      check_units({increment, text, 0, kOk});
    }
  }
}

TEST_CASE("to_units reports values beyond int64 units as Overflow", "[core][decimal]") {
  const UnitsCase cases[] = {
      {"1", "9223372036854775807", kI64Max, kOk},
      {"1", "-9223372036854775808", kI64Min, kOk},
      {"1", "9223372036854775808", 0, kOverflow},
      {"1", "-9223372036854775809", 0, kOverflow},
      {"1", "1e18", 1'000'000'000'000'000'000, kOk},
      {"1", "1e19", 0, kOverflow},
      {"1", "12345678901234567890", 0, kOverflow},
      {"10", "12345678901234567890", 1234567890123456789, kOk},
      {"0.5", "4611686018427387903.5", kI64Max, kOk},
      {"0.5", "-4611686018427387904", kI64Min, kOk},
      {"0.5", "4611686018427387904", 0, kOverflow},
      {"0.5", "-4611686018427387904.5", 0, kOverflow},
      {"1e-10", "1000000000", 0, kOverflow},
      {"1", "1e999999999", 0, kOverflow},
      {"1", "-1e999999999", 0, kOverflow},
      {"1", "1e99999999999999999999999999", 0, kOverflow},
      {"0.5", "50000000000000000000000000000000000000000000000000.0", 0, kOverflow},
      // 39 significant digits can never be a whole number of increments that fits int64
      {"0.5", "1.00000000000000000000000000000000000001", 0, kOverflow},
      // a narrow significand scaled past 64 bits, brought back into range by the mantissa
      {"250", "9e20", 3'600'000'000'000'000'000, kOk},
  };
  for (const UnitsCase& c : cases) {
    check_units(c);
  }
}

TEST_CASE("to_units reports values finer than the increment as OffGrid", "[core][decimal]") {
  const UnitsCase cases[] = {
      {"1", "1e-999999999", 0, kOffGrid},
      {"1", "-1e-999999999", 0, kOffGrid},
      {"1", "0.1", 0, kOffGrid},
      {"1", "0.000000000000000001", 0, kOffGrid},
      {"1", "1.0000000000000000001", 0, kOffGrid},
      {"0.5", "0.25", 0, kOffGrid},
      {"0.5", "84001.0000000000000000001", 0, kOffGrid},
      {"0.025", "0.01", 0, kOffGrid},
  };
  for (const UnitsCase& c : cases) {
    check_units(c);
  }
}

TEST_CASE("to_units defers trailing and leading zeros in long numbers", "[core][decimal]") {
  const UnitsCase cases[] = {
      {"1", "100000000000000000000000000000000000000000000000000e-50", 1, kOk},
      {"1", "0.00000000000000000000000000000000000000000000000001e50", 1, kOk},
      {"1", "1234567890123456789", 1234567890123456789, kOk},
      {"1", "1234567890123456789.0000000000", 1234567890123456789, kOk},
      {"0.0001", "7.88520000000000000000000000000000000000000000000000", 78852, kOk},
  };
  for (const UnitsCase& c : cases) {
    check_units(c);
  }
  // A hand-built increment finer than parse_increment allows: only the digits in between count.
  const tickpath::UnitsResult r =
      tickpath::to_units("0.000000000000000000000000000000000000000000005", Increment{1, -45});
  CHECK(r.error == DecimalError::Ok);
  CHECK(r.units == 5);
}

TEST_CASE("to_units accepts only JSON number grammar", "[core][decimal]") {
  CHECK(tickpath::to_units("", inc("0.5")).error == DecimalError::Empty);
  CHECK(tickpath::to_units(std::string_view{}, inc("0.5")).error == DecimalError::Empty);
  const char* malformed[] = {"-",     "+1",    ".5",   "5.",       "-.5",       "1.e5", "007", "00",    "-01",
                             " 1",    "1 ",    "\t1",  "1\n",      "1e",        "1e+",  "1E-", "1.2.3", "--1",
                             "abc",   "NaN",   "nan",  "Infinity", "-Infinity", "0x10", "1,5", "1_000", "e5",
                             "1e5.0", "1e--5", "1ee5", "\"1\"",    "1d",        "١"};
  for (const char* text : malformed) {
    INFO("\"" << text << "\"");
    CHECK(tickpath::to_units(text, inc("0.5")).error == DecimalError::Malformed);
  }
  // An embedded NUL is not the end of the text.
  CHECK(tickpath::to_units(std::string_view{"1\0", 2}, inc("1")).error == DecimalError::Malformed);
}

TEST_CASE("to_units rejects an increment that is not positive", "[core][decimal]") {
  CHECK(tickpath::to_units("1", Increment{0, 0}).error == DecimalError::Malformed);
  CHECK(tickpath::to_units("1", Increment{-5, -1}).error == DecimalError::Malformed);
}

TEST_CASE("format_units writes plain decimal text", "[core][decimal]") {
  struct Case {
    std::int64_t units;
    Increment increment;
    const char* expected;
  };
  const Case cases[] = {
      {168003, inc("0.5"), "84001.5"},
      {168002, inc("0.5"), "84001"},
      {-168003, inc("0.5"), "-84001.5"},
      {-1, inc("0.5"), "-0.5"},
      {0, inc("0.5"), "0"},
      {2, inc("1e-10"), "0.0000000002"},
      {52, inc("1e-10"), "0.0000000052"},
      {98, inc("1000"), "98000"},
      {-98, inc("1000"), "-98000"},
      {386, inc("0.0001"), "0.0386"},
      {10, inc("0.1"), "1"},
      {80195, inc("0.025"), "2004.875"},
      {80194, inc("0.025"), "2004.85"},
      {40097, inc("0.05"), "2004.85"},
      {1, inc("1e-24"), "0.000000000000000000000001"},
      {kI64Max, inc("1"), "9223372036854775807"},
      {kI64Min, inc("1"), "-9223372036854775808"},
      {kI64Max, inc("0.025"), "230584300921369395.175"},
      {kI64Min, inc("0.025"), "-230584300921369395.2"},
      {kI64Min, Increment{kI64Max, -24}, "-85070591730234.615856620279821087277056"},
      {kI64Min, Increment{kI64Max, 24}, "-85070591730234615856620279821087277056000000000000000000000000"},
      // a mantissa with trailing zeros (not normalised) still prints no trailing zeros
      {3, Increment{10, -2}, "0.3"},
  };
  for (const Case& c : cases) {
    INFO(c.units << " x " << c.increment.mantissa << "e" << c.increment.exponent);
    CHECK(format(c.units, c.increment) == c.expected);
  }
}

TEST_CASE("format_units writes nothing when the buffer is too small", "[core][decimal]") {
  std::array<char, 8> buf{};
  CHECK(tickpath::format_units(168003, inc("0.5"), buf.data(), 7) == 7);
  CHECK(std::string_view{buf.data(), 7} == "84001.5");
  CHECK(tickpath::format_units(168003, inc("0.5"), buf.data(), 6) == 0);
  CHECK(tickpath::format_units(0, inc("0.5"), buf.data(), 0) == 0);
  CHECK(tickpath::format_units(2, inc("1e-10"), buf.data(), buf.size()) == 0);
  CHECK(tickpath::format_units(1, Increment{1, 100}, buf.data(), buf.size()) == 0);
  CHECK(tickpath::format_units(1, Increment{0, 0}, buf.data(), buf.size()) == 0);
}

TEST_CASE("to_units of format_units gives back the units for random values", "[core][decimal][property]") {
  const char* increments[] = {
      "0.5",     "0.05", "0.025", "0.01",  "0.0001", "1e-10", "1",    "0.1",
      "0.00001", "1000", "0.001", "1e-24", "1e24",   "0.125", "7e-3", "9223372036854775807"};
  std::mt19937_64 rng{20240611};  // fixed seed: a failure reproduces
  std::uniform_int_distribution<std::int64_t> full_range{kI64Min, kI64Max};
  std::uniform_int_distribution<std::int64_t> small{-2'000'000, 2'000'000};
  std::uniform_int_distribution<int> pick{0, 3};
  std::array<char, tickpath::kMaxDecimalChars> buf{};
  for (const char* increment_text : increments) {
    const Increment increment = inc(increment_text);
    for (int i = 0; i < 20'000; ++i) {
      const int kind = pick(rng);
      const auto near_edge = static_cast<std::int64_t>(rng() % 3);
      const std::int64_t units = kind == 0   ? full_range(rng)
                                 : kind == 1 ? small(rng)
                                 : kind == 2 ? full_range(rng) >> (rng() % 63)
                                             : (rng() % 2 == 0 ? kI64Max - near_edge : kI64Min + near_edge);
      const std::size_t n = tickpath::format_units(units, increment, buf.data(), buf.size());
      REQUIRE(n > 0);
      const std::string_view text{buf.data(), n};
      const tickpath::UnitsResult r = tickpath::to_units(text, increment);
      if (r.error != DecimalError::Ok || r.units != units) {
        FAIL_CHECK("increment " << increment_text << ", units " << units << ", text " << text << " -> "
                                << tickpath::to_string(r.error) << " " << r.units);
      }
    }
  }
}

TEST_CASE("equivalent spellings of a random value convert to the same units", "[core][decimal][property]") {
  const char* increments[] = {"0.5", "0.025", "0.0001", "1e-10", "1", "1000"};
  std::mt19937_64 rng{7};
  std::uniform_int_distribution<std::int64_t> units_dist{-1'000'000'000'000, 1'000'000'000'000};
  std::array<char, tickpath::kMaxDecimalChars> buf{};
  for (const char* increment_text : increments) {
    const Increment increment = inc(increment_text);
    for (int i = 0; i < 5'000; ++i) {
      const std::int64_t units = units_dist(rng);
      const std::string plain{buf.data(), tickpath::format_units(units, increment, buf.data(), buf.size())};
      const bool has_point = plain.find('.') != std::string::npos;

      // The same value with trailing zeros, or as digits with an exponent.
      std::string digits;
      std::int64_t exponent = 0;
      bool after_point = false;
      for (const char c : plain) {
        if (c == '.') {
          after_point = true;
        } else if (c != '-') {
          digits += c;
          exponent -= after_point ? 1 : 0;
        }
      }
      digits = without_leading_zeros(digits);  // "0.52" -> "52e-2"
      const std::string sign = units < 0 ? "-" : "";
      const std::string variants[] = {
          plain + (has_point ? "000" : ".000"),
          sign + digits + "e" + std::to_string(exponent),
          sign + digits + "000E" + std::to_string(exponent - 3),
      };
      for (const std::string& variant : variants) {
        const tickpath::UnitsResult r = tickpath::to_units(variant, increment);
        if (r.error != DecimalError::Ok || r.units != units) {
          FAIL_CHECK("increment " << increment_text << ", " << variant << " -> "
                                  << tickpath::to_string(r.error) << " " << r.units << ", expected "
                                  << units);
        }
      }

      // A nonzero digit one place finer than the increment puts the value off the grid.
      std::string finer = plain;
      if (!has_point) {
        finer += '.';
      }
      const std::size_t fraction_digits = finer.size() - finer.find('.') - 1;
      const auto wanted = static_cast<std::size_t>(increment.exponent < 0 ? -increment.exponent : 0);
      if (fraction_digits < wanted) {
        finer.append(wanted - fraction_digits, '0');
      }
      finer += '7';
      const tickpath::UnitsResult r = tickpath::to_units(finer, increment);
      if (r.error != DecimalError::OffGrid) {
        FAIL_CHECK("increment " << increment_text << ", " << finer << " -> " << tickpath::to_string(r.error));
      }
    }
  }
}

TEST_CASE("long spellings take the wide path and agree with the short ones on every outcome",
          "[core][decimal][property]") {
  // Random short numbers (at most 19 digits, the narrow path), each also written with enough extra
  // zeros to force the 128-bit path: both must give the same units or the same error.
  const Increment increments[] = {inc("0.5"),  inc("0.025"), inc("0.0001"),     inc("1e-10"),    inc("1"),
                                  inc("1000"), inc("7e-3"),  Increment{1, -45}, Increment{3, 20}};
  std::mt19937_64 rng{99};
  std::uniform_int_distribution<int> length_dist{1, 19};
  std::uniform_int_distribution<int> digit_dist{0, 9};
  std::uniform_int_distribution<int> exponent_dist{-40, 40};
  for (int i = 0; i < 50'000; ++i) {
    const int length = length_dist(rng);
    std::string digits;
    for (int j = 0; j < length; ++j) {
      digits += static_cast<char>('0' + digit_dist(rng));
    }
    digits = without_leading_zeros(digits);
    const auto point = static_cast<std::size_t>(rng() % (digits.size() + 1));
    const std::string whole = point == 0 ? std::string(1, '0') : digits.substr(0, point);
    const std::string fraction = digits.substr(point);
    const std::string sign = rng() % 4 == 0 ? "-" : "";
    const std::string exponent =
        rng() % 3 == 0 ? std::string(1, 'e').append(std::to_string(exponent_dist(rng))) : "";
    const std::string short_text =
        sign + whole + (fraction.empty() ? std::string{} : std::string(1, '.').append(fraction)) + exponent;
    const std::string long_text = sign + whole + "." + fraction + std::string(25, '0') + exponent;
    const Increment increment = increments[rng() % std::size(increments)];

    const tickpath::UnitsResult narrow = tickpath::to_units(short_text, increment);
    const tickpath::UnitsResult wide = tickpath::to_units(long_text, increment);
    if (narrow.error != wide.error || narrow.units != wide.units) {
      FAIL_CHECK(short_text << " -> " << tickpath::to_string(narrow.error) << " " << narrow.units << " but "
                            << long_text << " -> " << tickpath::to_string(wide.error) << " " << wide.units);
    }
  }
}
