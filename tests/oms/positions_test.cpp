#include "tickpath/oms/positions.hpp"

#include <cstdint>
#include <deque>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>
#include <string_view>

#include <catch2/catch.hpp>

namespace {

using tickpath::ContractKind;
using tickpath::Decimal;
using tickpath::Increment;
using tickpath::InstrumentId;
using tickpath::InstrumentRegistry;
using tickpath::Price;
using tickpath::Qty;
using tickpath::Side;
using tickpath::oms::FillDeduper;
using tickpath::oms::FillId;
using tickpath::oms::kMoneyScale;
using tickpath::oms::Money;
using tickpath::oms::Position;
using tickpath::oms::PositionBook;

constexpr Money kMoneyMax = std::numeric_limits<Money>::max();
constexpr Money kMoneyMin = std::numeric_limits<Money>::min();

Increment inc(std::string_view text) {
  const tickpath::IncrementResult r = tickpath::parse_increment(text);
  REQUIRE(r.error == tickpath::DecimalError::Ok);
  return r.value;
}

Decimal dec(std::string_view text) {
  const tickpath::DecimalResult r = tickpath::parse_decimal(text);
  REQUIRE(r.error == tickpath::DecimalError::Ok);
  return r.value;
}

Money money(std::string_view text) {
  return tickpath::oms::to_money(dec(text));
}

// PF_XBTUSD: tick 1 USD, step 0.0001 BTC (10 000 lots = 1 BTC), PnL in USD.
// PI_XBTUSD: tick 0.5 USD (price ticks = 2 * USD), step 1 contract of 1 USD, PnL in BTC.
struct Instruments {
  InstrumentRegistry registry{8};
  InstrumentId pf;
  InstrumentId pi;

  Instruments() {
    pf = registry.add({"PF_XBTUSD", inc("1"), inc("0.0001"), ContractKind::Linear});
    pi = registry.add({"PI_XBTUSD", inc("0.5"), inc("1"), ContractKind::Inverse});
  }
};

Price pi_usd(std::int64_t usd) {
  return Price{usd * 2};
}

FillId fill_id(std::uint64_t n) {
  FillId id;
  id.valid = true;
  for (std::size_t i = 0; i < 8; ++i) {
    id.bytes[i] = static_cast<std::uint8_t>(n >> (8 * i));
  }
  id.bytes[15] = 0x42;
  return id;
}

}  // namespace

TEST_CASE("to_money turns fee text into billionths, rounding half away from zero", "[oms][positions]") {
  CHECK(money("16") == 16 * kMoneyScale);
  CHECK(money("-2.15") == -2'150'000'000);
  CHECK(money("5.2e-9") == 5);  // a real fee_paid: 5.2e-9 BTC
  CHECK(money("2.5e-9") == 3);
  CHECK(money("-2.5e-9") == -3);
  CHECK(money("2.4999e-9") == 2);
  CHECK(money("0") == 0);
  CHECK(money("1e-99") == 0);
  CHECK(money("0.000000001") == 1);
  CHECK(money("1e90") == kMoneyMax);
  CHECK(money("-1e90") == kMoneyMin);
  CHECK(money("123456789012345678") == kMoneyMax);  // 1.2e17 units of currency do not fit
  CHECK(money("9.223372036") == 9'223'372'036);
}

TEST_CASE("a linear position opens, adds, partly closes, flips and closes with exact USD PnL",
          "[oms][positions]") {
  const Instruments ins;
  PositionBook book{ins.registry};
  const auto& pf = ins.registry.get(ins.pf);
  CHECK(book.size() == 2);
  CHECK(book.get(ins.pf).flat());

  // Buy 1 BTC at 40 000, 16 USD taker fee.
  const Position& p = book.apply_fill(ins.pf, Side::Buy, Price{40'000}, Qty{10'000}, money("16"));
  CHECK(p.qty == Qty{10'000});
  CHECK(p.average_price(pf) == Approx(40'000.0));
  CHECK(p.realised_pnl == 0);
  CHECK(p.fees == money("16"));
  CHECK(book.unrealised_pnl(ins.pf, Price{40'500}) == money("500"));

  // Add 0.5 BTC at 43 000 with a maker rebate: average (40 000 + 21 500) / 1.5 = 41 000.
  book.apply_fill(ins.pf, Side::Buy, Price{43'000}, Qty{5'000}, money("-2.15"));
  CHECK(book.get(ins.pf).qty == Qty{15'000});
  CHECK(book.get(ins.pf).average_price(pf) == Approx(41'000.0));
  CHECK(book.get(ins.pf).fees == money("13.85"));
  CHECK(book.unrealised_pnl(ins.pf, Price{42'000}) == money("1500"));   // 1.5 * 1 000
  CHECK(book.unrealised_pnl(ins.pf, Price{40'000}) == money("-1500"));  // 1.5 * -1 000

  // Sell 0.6 BTC at 44 000: realises 0.6 * 3 000 = 1 800; the average stays.
  book.apply_fill(ins.pf, Side::Sell, Price{44'000}, Qty{6'000}, money("10.56"));
  CHECK(book.get(ins.pf).qty == Qty{9'000});
  CHECK(book.get(ins.pf).realised_pnl == money("1800"));
  CHECK(book.get(ins.pf).average_price(pf) == Approx(41'000.0));

  // Sell 1.2 BTC at 39 000: closes 0.9 (0.9 * -2 000 = -1 800), opens 0.3 short at 39 000.
  book.apply_fill(ins.pf, Side::Sell, Price{39'000}, Qty{12'000}, money("0"));
  CHECK(book.get(ins.pf).qty == Qty{-3'000});
  CHECK(book.get(ins.pf).realised_pnl == 0);
  CHECK(book.get(ins.pf).average_price(pf) == Approx(39'000.0));
  CHECK(book.unrealised_pnl(ins.pf, Price{38'000}) == money("300"));  // a short gains as it falls
  CHECK(book.unrealised_pnl(ins.pf, Price{40'000}) == money("-300"));

  // total = realised + unrealised - fees = 0 + 300 - 24.41
  CHECK(book.total_pnl(ins.pf, Price{38'000}) == money("275.59"));
  CHECK(book.total_pnl(ins.pf, Price::min()) == money("-24.41"));

  // Buy the 0.3 back at 39 500: -150.
  book.apply_fill(ins.pf, Side::Buy, Price{39'500}, Qty{3'000}, money("1"));
  const Position& done = book.get(ins.pf);
  CHECK(done.flat());
  CHECK(done.basis == 0);
  CHECK(done.realised_pnl == money("-150"));
  CHECK(done.fees == money("25.41"));
  CHECK(done.fills == 5);
  CHECK(done.average_price(pf) == 0.0);
  CHECK(book.unrealised_pnl(ins.pf, Price{50'000}) == 0);
  CHECK(book.total_pnl(ins.pf, Price{50'000}) == money("-175.41"));
}

TEST_CASE("a linear partial close at a fractional average keeps the total exact", "[oms][positions]") {
  const Instruments ins;
  PositionBook book{ins.registry};
  // 1 lot at 40 000 and 2 at 40 001: average 40 000.666... ticks.
  book.apply_fill(ins.pf, Side::Buy, Price{40'000}, Qty{1}, 0);
  book.apply_fill(ins.pf, Side::Buy, Price{40'001}, Qty{2}, 0);
  CHECK(book.get(ins.pf).average_price(ins.registry.get(ins.pf)) == Approx(40'000.0 + 2.0 / 3.0));
  // Selling 1 lot at 40 001 gains a third of a tick of 0.0001 BTC: 3.33e-5 USD.
  book.apply_fill(ins.pf, Side::Sell, Price{40'001}, Qty{1}, 0);
  CHECK(book.get(ins.pf).realised_pnl == 33'333);
  // The rest closes with the remaining two thirds: the total is exactly one tick on one lot.
  book.apply_fill(ins.pf, Side::Sell, Price{40'001}, Qty{2}, 0);
  CHECK(book.get(ins.pf).realised_pnl == 100'000);  // 0.0001 USD
  CHECK(book.get(ins.pf).flat());
}

TEST_CASE("an inverse position has a harmonic average entry and PnL in coin", "[oms][positions]") {
  const Instruments ins;
  PositionBook book{ins.registry};
  const auto& pi = ins.registry.get(ins.pi);

  // 10 000 contracts at 40 000 (0.25 BTC) and 10 000 at 50 000 (0.2 BTC).
  book.apply_fill(ins.pi, Side::Buy, pi_usd(40'000), Qty{10'000}, money("0.00000125"));
  CHECK(book.get(ins.pi).average_price(pi) == Approx(40'000.0));
  book.apply_fill(ins.pi, Side::Buy, pi_usd(50'000), Qty{10'000}, money("-5.2e-9"));
  CHECK(book.get(ins.pi).qty == Qty{20'000});
  // Harmonic mean: 20 000 / 0.45 = 44 444.44..., not the arithmetic 45 000.
  CHECK(book.get(ins.pi).average_price(pi) == Approx(20'000.0 / 0.45));
  CHECK(book.get(ins.pi).basis == 450'000'000'000'000'000);  // 0.45 BTC in 1e-18
  CHECK(book.get(ins.pi).fees == 1'250 - 5);
  // At 45 000: 0.45 - 20 000 / 45 000 = 0.0055555... BTC.
  CHECK(book.unrealised_pnl(ins.pi, pi_usd(45'000)) == 5'555'556);

  // Sell 5 000 at 60 000: the closed quarter of the basis is 0.1125 BTC, worth 5 000 / 60 000 now:
  // 0.1125 - 0.083333... = 0.0291666... BTC.
  book.apply_fill(ins.pi, Side::Sell, pi_usd(60'000), Qty{5'000}, 0);
  CHECK(book.get(ins.pi).qty == Qty{15'000});
  CHECK(book.get(ins.pi).realised_pnl == 29'166'667);
  CHECK(book.get(ins.pi).average_price(pi) == Approx(20'000.0 / 0.45));

  // Sell 25 000 at 40 000: closes 15 000 (0.3375 - 0.375 = -0.0375 BTC), opens 10 000 short.
  book.apply_fill(ins.pi, Side::Sell, pi_usd(40'000), Qty{25'000}, 0);
  CHECK(book.get(ins.pi).qty == Qty{-10'000});
  CHECK(book.get(ins.pi).realised_pnl == 29'166'667 - 37'500'000);
  CHECK(book.get(ins.pi).average_price(pi) == Approx(40'000.0));
  // A short gains as the price falls: 10 000 * (1/32 000 - 1/40 000) = 0.0625 BTC.
  CHECK(book.unrealised_pnl(ins.pi, pi_usd(32'000)) == 62'500'000);
  CHECK(book.unrealised_pnl(ins.pi, pi_usd(50'000)) == -50'000'000);  // 0.2 - 0.25
  CHECK(book.total_pnl(ins.pi, pi_usd(32'000)) == 29'166'667 - 37'500'000 + 62'500'000 - 1'245);

  // Closing at the entry realises nothing more.
  book.apply_fill(ins.pi, Side::Buy, pi_usd(40'000), Qty{10'000}, 0);
  CHECK(book.get(ins.pi).flat());
  CHECK(book.get(ins.pi).realised_pnl == -8'333'333);
  CHECK(book.get(ins.pf).flat());  // instruments are separate
}

TEST_CASE("set adopts the venue's position and keeps realised PnL and fees", "[oms][positions]") {
  const Instruments ins;
  PositionBook book{ins.registry};
  book.apply_fill(ins.pf, Side::Buy, Price{40'000}, Qty{10'000}, money("4"));
  book.apply_fill(ins.pf, Side::Sell, Price{41'000}, Qty{5'000}, 0);  // +500
  // The venue says 2 BTC long at 40 012.5 (an average off the 1 USD grid).
  book.set(ins.pf, Qty{20'000}, dec("40012.5"));
  const Position& p = book.get(ins.pf);
  CHECK(p.qty == Qty{20'000});
  CHECK(p.average_price(ins.registry.get(ins.pf)) == Approx(40'012.5));
  CHECK(p.realised_pnl == money("500"));
  CHECK(p.fees == money("4"));
  CHECK(book.unrealised_pnl(ins.pf, Price{40'013}) == money("1"));  // 2 * 0.5

  book.set(ins.pf, Qty{-10'000}, Price{40'100});
  CHECK(book.get(ins.pf).qty == Qty{-10'000});
  CHECK(book.unrealised_pnl(ins.pf, Price{40'000}) == money("100"));

  book.set(ins.pi, Qty{-10'000}, pi_usd(40'000));
  CHECK(book.get(ins.pi).basis == 250'000'000'000'000'000);
  CHECK(book.unrealised_pnl(ins.pi, pi_usd(32'000)) == 62'500'000);
  book.set(ins.pi, Qty{10'000}, dec("40012.5"));
  CHECK(book.get(ins.pi).average_price(ins.registry.get(ins.pi)) == Approx(40'012.5));

  // An unusable entry: the quantity still counts, its PnL is unknown (0).
  book.set(ins.pi, Qty{10'000}, Price{0});
  CHECK(book.get(ins.pi).qty == Qty{10'000});
  CHECK(book.unrealised_pnl(ins.pi, pi_usd(50'000)) == 0);
  book.set(ins.pi, Qty{10'000}, dec("-1"));
  CHECK(book.unrealised_pnl(ins.pi, pi_usd(50'000)) == 0);
  // Flat.
  book.set(ins.pf, Qty{0}, Price{40'000});
  CHECK(book.get(ins.pf).flat());
  CHECK(book.get(ins.pf).basis == 0);
  CHECK(book.total_pnl(ins.pf, Price{1}) == money("496"));
  // Unknown instrument: nothing happens.
  book.set(InstrumentId{5}, Qty{1}, Price{1});
  CHECK(book.get(InstrumentId{5}).flat());
}

TEST_CASE("fills with an unknown instrument, a bad quantity or price change nothing", "[oms][positions]") {
  const Instruments ins;
  PositionBook book{ins.registry};
  book.apply_fill(ins.pf, Side::Buy, Price{40'000}, Qty{10}, 7);
  const Position before = book.get(ins.pf);
  CHECK(book.apply_fill(ins.pf, Side::Buy, Price{40'000}, Qty{0}, 5).qty == Qty{10});
  CHECK(book.apply_fill(ins.pf, Side::Sell, Price{40'000}, Qty{-3}, 5).qty == Qty{10});
  CHECK(book.apply_fill(ins.pf, Side::Sell, Price{0}, Qty{3}, 5).qty == Qty{10});
  CHECK(book.apply_fill(ins.pf, Side::Sell, Price::min(), Qty{3}, 5).qty == Qty{10});
  CHECK(book.apply_fill(ins.pf, Side::Sell, Price::max(), Qty{3}, 5).qty == Qty{10});
  CHECK(book.apply_fill(InstrumentId{3}, Side::Buy, Price{1}, Qty{1}, 5).flat());
  CHECK(book.apply_fill(InstrumentId{}, Side::Buy, Price{1}, Qty{1}, 5).flat());
  // A quantity that would overflow the position.
  CHECK(book.apply_fill(ins.pf, Side::Buy, Price{1}, Qty{std::numeric_limits<std::int64_t>::max()}, 5).qty ==
        Qty{10});
  CHECK(book.invalid_fills() == 8);
  const Position& after = book.get(ins.pf);
  CHECK(after.fees == before.fees);
  CHECK(after.basis == before.basis);
  CHECK(after.fills == 1);
  CHECK(book.unrealised_pnl(ins.pf, Price::min()) == 0);
  CHECK(book.unrealised_pnl(ins.pf, Price{-5}) == 0);
  CHECK(book.unrealised_pnl(InstrumentId{3}, Price{1}) == 0);
  CHECK(book.total_pnl(InstrumentId{3}, Price{1}) == 0);

  // A short may reach -INT64_MAX lots but not INT64_MIN, whose size has no int64 value; set()
  // ignores that quantity too.
  constexpr std::int64_t kMaxLots = std::numeric_limits<std::int64_t>::max();
  CHECK(book.apply_fill(ins.pi, Side::Sell, Price{1}, Qty{kMaxLots}, 0).qty == Qty{-kMaxLots});
  CHECK(book.apply_fill(ins.pi, Side::Sell, Price{1}, Qty{1}, 0).qty == Qty{-kMaxLots});
  CHECK(book.invalid_fills() == 9);
  CHECK(book.apply_fill(ins.pi, Side::Buy, Price{1}, Qty{kMaxLots}, 0).flat());
  book.set(ins.pi, Qty{std::numeric_limits<std::int64_t>::min()}, Price{1});
  CHECK(book.get(ins.pi).flat());
}

TEST_CASE("FillDeduper answers seen for a duplicate fill id", "[oms][positions][dedupe]") {
  FillDeduper dedupe{16};
  CHECK(dedupe.capacity() == 16);
  CHECK(dedupe.insert(fill_id(1)));
  CHECK(dedupe.insert(fill_id(2)));
  CHECK_FALSE(dedupe.insert(fill_id(1)));
  CHECK_FALSE(dedupe.insert(fill_id(2)));
  CHECK(dedupe.contains(fill_id(1)));
  CHECK_FALSE(dedupe.contains(fill_id(3)));
  CHECK(dedupe.size() == 2);
  CHECK(dedupe.duplicates() == 2);
}

TEST_CASE("FillDeduper forgets the oldest id first when full", "[oms][positions][dedupe]") {
  FillDeduper dedupe{3};
  CHECK(dedupe.insert(fill_id(1)));
  CHECK(dedupe.insert(fill_id(2)));
  CHECK(dedupe.insert(fill_id(3)));
  CHECK_FALSE(dedupe.insert(fill_id(1)));  // seen: does not refresh or evict anything
  CHECK(dedupe.insert(fill_id(4)));        // evicts 1
  CHECK(dedupe.size() == 3);
  CHECK_FALSE(dedupe.contains(fill_id(1)));
  CHECK(dedupe.contains(fill_id(2)));
  CHECK(dedupe.contains(fill_id(4)));
  CHECK(dedupe.insert(fill_id(1)));  // forgotten, so new again; evicts 2
  CHECK_FALSE(dedupe.contains(fill_id(2)));
  CHECK(dedupe.contains(fill_id(3)));
}

TEST_CASE("FillDeduper passes invalid ids through and counts them", "[oms][positions][dedupe]") {
  FillDeduper dedupe{4};
  const FillId none{};
  CHECK(dedupe.insert(none));
  CHECK(dedupe.insert(none));
  CHECK_FALSE(dedupe.contains(none));
  CHECK(dedupe.size() == 0);
  CHECK(dedupe.invalid_ids() == 2);
  FillId invalid_with_bytes = fill_id(9);
  invalid_with_bytes.valid = false;
  CHECK(dedupe.insert(invalid_with_bytes));
  CHECK_FALSE(dedupe.contains(fill_id(9)));
}

TEST_CASE("FillDeduper refuses a capacity it cannot hold", "[oms][positions][dedupe]") {
  CHECK_THROWS_AS(FillDeduper{0}, std::invalid_argument);
  CHECK_THROWS_AS(FillDeduper{(std::size_t{1} << 30U) + 1}, std::invalid_argument);
  CHECK_NOTHROW(FillDeduper{1});
}

TEST_CASE("FillDeduper agrees with a FIFO set model over a long random stream", "[oms][positions][dedupe]") {
  // Few distinct ids so that duplicates, re-insertions after eviction and probe-run deletions
  // (backward shifts across the table's wrap-around) all happen many times.
  for (const std::size_t capacity : {1U, 2U, 7U, 64U, 100U}) {
    FillDeduper dedupe{capacity};
    std::deque<std::uint64_t> fifo;
    std::set<std::uint64_t> members;
    std::mt19937_64 rng{capacity};
    for (int i = 0; i < 20'000; ++i) {
      const std::uint64_t n = rng() % (capacity * 3 + 2);
      const bool expected_new = members.count(n) == 0;
      INFO("capacity " << capacity << " step " << i << " id " << n);
      REQUIRE(dedupe.insert(fill_id(n)) == expected_new);
      if (expected_new) {
        if (fifo.size() == capacity) {
          members.erase(fifo.front());
          fifo.pop_front();
        }
        fifo.push_back(n);
        members.insert(n);
      }
      REQUIRE(dedupe.size() == fifo.size());
      if (i % 97 == 0) {
        for (std::uint64_t k = 0; k < capacity * 3 + 2; ++k) {
          REQUIRE(dedupe.contains(fill_id(k)) == (members.count(k) != 0));
        }
      }
    }
  }
}
