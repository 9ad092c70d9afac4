#include "tickpath/oms/client_id.hpp"

#include <set>
#include <string>

#include <catch2/catch.hpp>

using tickpath::oms::ClientIdAllocator;
using tickpath::oms::ClientOrderId;

namespace {

bool only_base36_lowercase(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("client ids are 18 characters of [0-9a-z] and fit every venue length rule") {
  ClientIdAllocator ids(1'765'185'437'003ULL, 424'242U);
  for (int i = 0; i < 1000; ++i) {
    const auto a = ids.next();
    REQUIRE(a.counter == static_cast<std::uint64_t>(i + 1));
    REQUIRE(a.cli.size == 18);
    REQUIRE(a.cli.view().size() <= 18);
    REQUIRE(only_base36_lowercase(a.cli.view()));
    REQUIRE(a.cli.view().substr(0, 12) == ids.session());
  }
}

TEST_CASE("client id fields are fixed-width base 36: time, random, counter") {
  // 1'700'000'000'000 ms = "lp1y2nk0" in base 36 (checked by hand: 36^7 * 27 + ...).
  ClientIdAllocator ids(1'700'000'000'000ULL, 0U);
  const ClientOrderId first = ids.format(1);
  REQUIRE(first.view().substr(12) == "000001");
  REQUIRE(first.view().substr(8, 4) == "0000");
  std::uint64_t t = 0;
  for (const char c : first.view().substr(0, 8)) {
    t = t * 36 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  REQUIRE(t == 1'700'000'000'000ULL);
  REQUIRE(ids.format(35).view().substr(12) == "00000z");
  REQUIRE(ids.format(36).view().substr(12) == "000010");
  REQUIRE(ids.format(ClientIdAllocator::kMaxCounter).view().substr(12) == "zzzzzz");
  REQUIRE(ids.format(0).empty());
  REQUIRE(ids.format(ClientIdAllocator::kMaxCounter + 1).empty());
}

TEST_CASE("the counter inside an id gives the lookup back, and only for this session") {
  ClientIdAllocator ids(1'765'000'000'000ULL, 77U);
  ClientIdAllocator other(1'765'000'000'000ULL, 78U);  // same millisecond, other random part
  for (std::uint64_t c :
       {std::uint64_t{1}, std::uint64_t{36}, std::uint64_t{123'456'789}, ClientIdAllocator::kMaxCounter}) {
    const ClientOrderId id = ids.format(c);
    REQUIRE(ids.counter_of(id) == c);
    REQUIRE(other.counter_of(id) == 0);
  }
  REQUIRE(ids.counter_of(std::string_view{}) == 0);
  REQUIRE(ids.counter_of("TgAF6QMAAQAAbl1bG4QQ") == 0);  // a 20-character id of another tool
  std::string upper(ids.format(5).view());
  upper[17] = 'A';  // we never produce uppercase
  REQUIRE(ids.counter_of(upper) == 0);
  std::string punct(ids.format(5).view());
  punct[15] = '-';
  REQUIRE(ids.counter_of(punct) == 0);
  REQUIRE(ids.counter_of(std::string(ids.format(5).view()) + "0") == 0);
  REQUIRE(ids.counter_of(std::string(ids.session()) + "000000") == 0);  // counter 0 is "none"
}

TEST_CASE("two allocators made at different times or with different random parts never share an id") {
  ClientIdAllocator a(1'765'000'000'000ULL, 5U);
  ClientIdAllocator b(1'765'000'000'001ULL, 5U);  // restarted one millisecond later
  ClientIdAllocator c(1'765'000'000'000ULL, 6U);  // same millisecond, other random draw
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    REQUIRE(seen.insert(std::string(a.next().cli.view())).second);
    REQUIRE(seen.insert(std::string(b.next().cli.view())).second);
    REQUIRE(seen.insert(std::string(c.next().cli.view())).second);
  }
  REQUIRE(seen.size() == 15000);
}

TEST_CASE("allocators from the clock draw their random part from getrandom") {
  // Two sessions made back to back: the random parts differ except with probability 1/36^4 per
  // pair; eight tries make a false failure practically impossible while still catching a constant.
  std::set<std::uint32_t> randoms;
  for (int i = 0; i < 8; ++i) {
    const ClientIdAllocator ids = ClientIdAllocator::from_clock();
    REQUIRE(ids.random() < ClientIdAllocator::kRandomLimit);
    REQUIRE(ids.start_ms() > 1'700'000'000'000ULL);  // the wall clock in ms, not seconds or ns
    randoms.insert(ids.random());
  }
  REQUIRE(randoms.size() > 1);
}

TEST_CASE("the counter stops before it would wrap and never repeats an id") {
  ClientIdAllocator ids(1'765'000'000'000ULL, 9U, ClientIdAllocator::kMaxCounter - 1);
  const auto a = ids.next();
  const auto b = ids.next();
  REQUIRE(a.counter == ClientIdAllocator::kMaxCounter - 1);
  REQUIRE(b.counter == ClientIdAllocator::kMaxCounter);
  const auto c = ids.next();
  REQUIRE(c.counter == 0);
  REQUIRE(c.cli.empty());
  REQUIRE(ids.next().counter == 0);
}

TEST_CASE("out-of-range session parts are reduced into their fields instead of overflowing them") {
  ClientIdAllocator ids(ClientIdAllocator::kTimeLimit + 7, ClientIdAllocator::kRandomLimit + 3);
  REQUIRE(ids.start_ms() == 7);
  REQUIRE(ids.random() == 3);
  REQUIRE(ids.next().cli.size == ClientIdAllocator::kLength);
  ClientIdAllocator zero(1, 1, 0);  // a first counter of 0 would be "none": it starts at 1
  REQUIRE(zero.next().counter == 1);
}
