// Tests core/decimal_value.hpp. It lives here because the venue adapter introduced it and
// tests/core/ belongs to another change in flight; move it to tests/core/ when that settles.
#include "tickpath/core/decimal_value.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace tickpath;

namespace {
std::string fmt(Decimal d) {
  char buf[kMaxDecimalValueChars];
  const std::size_t n = format_decimal(d, buf, sizeof buf);
  return std::string(buf, n);
}
}  // namespace

TEST_CASE("parses ticker values exactly and normalised") {
  CHECK(parse_decimal("84004.11362574516").value == Decimal{8400411362574516, -11});
  CHECK(parse_decimal("2.747066666667e-6").value == Decimal{2747066666667, -18});
  CHECK(parse_decimal("0.00001575425").value == Decimal{1575425, -11});
  CHECK(parse_decimal("-0.22").value == Decimal{-22, -2});
  CHECK(parse_decimal("1.50").value == Decimal{15, -1});
  CHECK(parse_decimal("15e-1").value == Decimal{15, -1});
  CHECK(parse_decimal("23062948.000000000000000").value == Decimal{23062948, 0});
  CHECK(parse_decimal("1000").value == Decimal{1, 3});
  CHECK(parse_decimal("0").value == Decimal{0, 0});
  CHECK(parse_decimal("-0.0").value == Decimal{0, 0});
  CHECK(parse_decimal("0.0").error == DecimalError::Ok);
}

TEST_CASE("errors instead of rounding when a decimal cannot be represented") {
  CHECK(parse_decimal("1234567890123456789").error == DecimalError::Overflow);  // 19 digits
  CHECK(parse_decimal("0.1234567890123456789").error == DecimalError::Overflow);
  CHECK(parse_decimal("1e200").error == DecimalError::Overflow);
  CHECK(parse_decimal("123456789012345678").error == DecimalError::Ok);  // 18 digits
}

TEST_CASE("rejects text that is not a JSON number") {
  for (const char* bad : {"+1", ".5", "5.", "01", "1e", "--1", "1.2.3", "abc", " 1", "1 "}) {
    INFO(bad);
    CHECK(parse_decimal(bad).error == DecimalError::Malformed);
  }
  CHECK(parse_decimal("").error == DecimalError::Empty);
}

TEST_CASE("formats decimals as plain text") {
  CHECK(fmt({8400411362574516, -11}) == "84004.11362574516");
  CHECK(fmt({2747066666667, -18}) == "0.000002747066666667");
  CHECK(fmt({1, 3}) == "1000");
  CHECK(fmt({-22, -2}) == "-0.22");
  CHECK(fmt({0, 0}) == "0");
  CHECK(fmt({5, 0}) == "5");
}
