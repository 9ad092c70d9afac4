#include "tickpath/sim/uuid.hpp"

#include <array>
#include <cctype>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_set>

#include <catch2/catch.hpp>

namespace {

using tickpath::sim::Rng;
using tickpath::sim::Uuid;
using tickpath::sim::UuidGenerator;
using tickpath::sim::UuidHash;

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

TEST_CASE("generated uuids are lowercase version-4 RFC 4122 text", "[sim][uuid]") {
  UuidGenerator gen(42);
  for (int i = 0; i < 1000; ++i) {
    const Uuid u = gen.next();
    const std::string text = u.to_string();
    REQUIRE(text.size() == Uuid::kTextLength);
    for (std::size_t k = 0; k < text.size(); ++k) {
      if (k == 8 || k == 13 || k == 18 || k == 23) {
        CHECK(text[k] == '-');
      } else {
        CHECK(is_lower_hex(text[k]));
      }
    }
    CHECK(text[14] == '4');                                                    // version
    CHECK(std::string_view{"89ab"}.find(text[19]) != std::string_view::npos);  // variant 10xx
    CHECK((u.bytes[6] >> 4U) == 4);
    CHECK((u.bytes[8] & 0xC0U) == 0x80U);
  }
}

TEST_CASE("uuid format writes exactly 36 characters", "[sim][uuid]") {
  Uuid u;
  for (std::size_t i = 0; i < u.bytes.size(); ++i) {
    u.bytes[i] = static_cast<std::uint8_t>(0x10 * i + i);
  }
  std::array<char, 40> buf{};
  buf.fill('#');
  u.format(buf.data());
  CHECK(std::string(buf.data(), 36) == "00112233-4455-6677-8899-aabbccddeeff");
  CHECK(buf[36] == '#');
  CHECK(u.to_string() == "00112233-4455-6677-8899-aabbccddeeff");
}

TEST_CASE("uuid parse accepts either case and round-trips", "[sim][uuid]") {
  const auto lower = Uuid::parse("f2af600b-5fe8-49be-8983-de874071563b");
  const auto upper = Uuid::parse("F2AF600B-5FE8-49BE-8983-DE874071563B");
  REQUIRE(lower);
  REQUIRE(upper);
  CHECK(*lower == *upper);
  CHECK(lower->to_string() == "f2af600b-5fe8-49be-8983-de874071563b");
  CHECK(lower->bytes[0] == 0xF2);
  CHECK(lower->bytes[15] == 0x3B);

  UuidGenerator gen(7);
  for (int i = 0; i < 100; ++i) {
    const Uuid u = gen.next();
    const auto back = Uuid::parse(u.to_string());
    REQUIRE(back);
    CHECK(*back == u);
  }
}

TEST_CASE("uuid parse rejects malformed text", "[sim][uuid]") {
  CHECK_FALSE(Uuid::parse(""));
  CHECK_FALSE(Uuid::parse("f2af600b-5fe8-49be-8983-de874071563"));    // 35 chars
  CHECK_FALSE(Uuid::parse("f2af600b-5fe8-49be-8983-de874071563bb"));  // 37 chars
  CHECK_FALSE(Uuid::parse("f2af600b05fe8-49be-8983-de874071563b"));   // dash missing
  CHECK_FALSE(Uuid::parse("f2af600b-5fe8-49be-8983de874071563b-"));   // dash misplaced
  CHECK_FALSE(Uuid::parse("g2af600b-5fe8-49be-8983-de874071563b"));   // not hex
  CHECK_FALSE(Uuid::parse("f2af600b-5fe8-49be-8983-de87407156 b"));
  CHECK_FALSE(Uuid::parse("{2af600b-5fe8-49be-8983-de874071563b"));
}

TEST_CASE("uuid ordering and hashing follow the bytes", "[sim][uuid]") {
  const Uuid a = *Uuid::parse("00000000-0000-4000-8000-000000000001");
  const Uuid b = *Uuid::parse("00000000-0000-4000-8000-000000000002");
  CHECK(a < b);
  CHECK(a != b);
  CHECK(UuidHash{}(a) == UuidHash{}(*Uuid::parse("00000000-0000-4000-8000-000000000001")));
  CHECK(UuidHash{}(a) != UuidHash{}(b));
}

TEST_CASE("uuid generator is repeatable per seed and never repeats an id", "[sim][uuid]") {
  UuidGenerator g1(123);
  UuidGenerator g2(123);
  UuidGenerator g3(124);
  std::unordered_set<Uuid, UuidHash> seen;
  bool differs = false;
  for (int i = 0; i < 50000; ++i) {
    const Uuid u = g1.next();
    CHECK(u == g2.next());
    differs = differs || u != g3.next();
    CHECK(seen.insert(u).second);
  }
  CHECK(differs);
}

TEST_CASE("rng is repeatable per seed and seeds give different streams", "[sim][uuid]") {
  Rng a(1);
  Rng b(1);
  Rng c(2);
  Rng zero(0);
  int same_as_c = 0;
  std::set<std::uint64_t> zero_values;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = a.next();
    CHECK(x == b.next());
    same_as_c += x == c.next() ? 1 : 0;
    zero_values.insert(zero.next());
  }
  CHECK(same_as_c == 0);
  CHECK(zero_values.size() == 1000);  // splitmix64 seeding: seed 0 is not a stuck state
}

TEST_CASE("rng below stays in range and is close to uniform", "[sim][uuid]") {
  Rng rng(99);
  CHECK(rng.below(1) == 0);
  constexpr std::uint64_t kBuckets = 10;
  constexpr int kDraws = 100000;
  std::array<int, kBuckets> counts{};
  for (int i = 0; i < kDraws; ++i) {
    const std::uint64_t v = rng.below(kBuckets);
    REQUIRE(v < kBuckets);
    ++counts[v];
  }
  for (const int n : counts) {
    CHECK(n > 9500);  // expected 10000, sd ~95
    CHECK(n < 10500);
  }
  // A bound just above 2^63 rejects almost half the raw values: the result must stay in range
  // and both halves must occur.
  const std::uint64_t big = (std::uint64_t{1} << 63U) + 12345U;
  bool high = false;
  bool low = false;
  for (int i = 0; i < 200; ++i) {
    const std::uint64_t v = rng.below(big);
    REQUIRE(v < big);
    high = high || v >= (std::uint64_t{1} << 62U);
    low = low || v < (std::uint64_t{1} << 62U);
  }
  CHECK(high);
  CHECK(low);
}

TEST_CASE("rng unit draws lie between 0 inclusive and 1 exclusive with mean one half", "[sim][uuid]") {
  Rng rng(5);
  double sum = 0.0;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    const double u = rng.unit();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
  }
  CHECK(sum / kDraws == Approx(0.5).margin(0.01));
}
