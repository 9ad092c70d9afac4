#include "tickpath/oms/risk.hpp"

#include <cstdint>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using tickpath::ContractKind;
using tickpath::Increment;
using tickpath::InstrumentId;
using tickpath::InstrumentRegistry;
using tickpath::Price;
using tickpath::Qty;
using tickpath::Side;
using tickpath::oms::HaltReason;
using tickpath::oms::InstrumentRiskLimits;
using tickpath::oms::kMoneyScale;
using tickpath::oms::Money;
using tickpath::oms::OrderAction;
using tickpath::oms::OrderType;
using tickpath::oms::RiskChecker;
using tickpath::oms::RiskInputs;
using tickpath::oms::RiskVerdict;

constexpr std::int64_t kSec = 1'000'000'000;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

Increment inc(std::string_view text) {
  const tickpath::IncrementResult r = tickpath::parse_increment(text);
  REQUIRE(r.error == tickpath::DecimalError::Ok);
  return r.value;
}

// PF_XBTUSD: tick 1 USD, step 0.0001 BTC. PI_XBTUSD: tick 0.5 USD, step 1 contract (1 USD).
// PF_PEPEUSD: tick 1e-10 USD, step 1000 PEPE. PF_TINY: tick 1e-12, step 1 (sub-Money notionals).
struct Instruments {
  InstrumentRegistry registry{16};
  InstrumentId pf;
  InstrumentId pi;
  InstrumentId pepe;
  InstrumentId tiny;

  Instruments() {
    pf = registry.add({"PF_XBTUSD", inc("1"), inc("0.0001"), ContractKind::Linear});
    pi = registry.add({"PI_XBTUSD", inc("0.5"), inc("1"), ContractKind::Inverse});
    pepe = registry.add({"PF_PEPEUSD", inc("1e-10"), inc("1000"), ContractKind::Linear});
    tiny = registry.add({"PF_TINYUSD", inc("1e-12"), inc("1"), ContractKind::Linear});
  }
};

Money usd(std::int64_t whole) {
  return whole * kMoneyScale;
}

OrderAction buy(InstrumentId id, std::int64_t price, std::int64_t qty, OrderType type = OrderType::Limit) {
  return OrderAction::new_order(id, Side::Buy, type, Price{price}, Qty{qty});
}

OrderAction sell(InstrumentId id, std::int64_t price, std::int64_t qty, OrderType type = OrderType::Limit) {
  return OrderAction::new_order(id, Side::Sell, type, Price{price}, Qty{qty});
}

RiskInputs with_mid(std::int64_t mid) {
  RiskInputs in;
  in.mid = Price{mid};
  return in;
}

}  // namespace

TEST_CASE("notional of a linear instrument is qty * step * price * tick in USD", "[oms][risk]") {
  const Instruments ins;
  const auto& pf = ins.registry.get(ins.pf);
  // 1 BTC (10 000 lots of 0.0001) at 40 000 USD.
  CHECK(tickpath::oms::notional(pf, Price{40'000}, Qty{10'000}) == usd(40'000));
  // 0.0001 BTC at 40 001 USD = 4.0001 USD.
  CHECK(tickpath::oms::notional(pf, Price{40'001}, Qty{1}) == 4'000'100'000);
  // 3 000 PEPE at 1.2345e-6 USD = 0.0037035 USD.
  CHECK(tickpath::oms::notional(ins.registry.get(ins.pepe), Price{12'345}, Qty{3}) == 3'703'500);
  // Below one Money unit: 1500e-12 USD = 1.5e-9 -> 2 (half away from zero), 1499e-12 -> 1.
  const auto& tiny = ins.registry.get(ins.tiny);
  CHECK(tickpath::oms::notional(tiny, Price{1'500}, Qty{1}) == 2);
  CHECK(tickpath::oms::notional(tiny, Price{1'499}, Qty{1}) == 1);
  CHECK(tickpath::oms::notional(tiny, Price{1'500}, Qty{-1}) == -2);
  // Saturates instead of wrapping.
  CHECK(tickpath::oms::notional(pf, Price{kMax}, Qty{kMax}) == kMax);
  CHECK(tickpath::oms::notional(pf, Price{kMax}, Qty{-kMax}) == std::numeric_limits<Money>::min());
}

TEST_CASE("notional of an inverse instrument is its contracts in USD whatever the price", "[oms][risk]") {
  const Instruments ins;
  const auto& pi = ins.registry.get(ins.pi);
  CHECK(tickpath::oms::notional(pi, Price{80'000}, Qty{5'000}) == usd(5'000));
  CHECK(tickpath::oms::notional(pi, Price{1}, Qty{5'000}) == usd(5'000));
  CHECK(tickpath::oms::notional(pi, Price::min(), Qty{1}) == usd(1));
}

TEST_CASE("every risk verdict and halt reason has its own name", "[oms][risk]") {
  std::set<std::string> names;
  for (std::size_t i = 0; i < tickpath::oms::kRiskVerdictCount; ++i) {
    const std::string name = tickpath::oms::to_string(static_cast<RiskVerdict>(i));
    CHECK(name != "?");
    names.insert(name);
  }
  CHECK(names.size() == tickpath::oms::kRiskVerdictCount);
  CHECK(std::string{tickpath::oms::to_string(static_cast<RiskVerdict>(200))} == "?");
  CHECK(std::string{tickpath::oms::to_string(HaltReason::KillSwitch)} == "kill_switch");
  CHECK(std::string{tickpath::oms::to_string(HaltReason::None)} == "none");
  CHECK(std::string{tickpath::oms::to_string(static_cast<HaltReason>(99))} == "?");
}

TEST_CASE("without limits every well-formed order passes and is counted", "[oms][risk]") {
  const Instruments ins;
  RiskChecker risk{ins.registry, {}};
  CHECK(risk.size() == ins.registry.size());
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1'000'000'000), RiskInputs{}, 0) == RiskVerdict::Ok);
  CHECK(risk.check_new(sell(ins.pi, 1, kMax), RiskInputs{}, 0) == RiskVerdict::Ok);
  CHECK(risk.check_new(buy(ins.pf, 0, 10, OrderType::Market), RiskInputs{}, 0) == RiskVerdict::Ok);
  CHECK(risk.counters().new_orders[0] == 3);
  CHECK(risk.limits(ins.pf).max_order_qty.lots() == kMax);
  CHECK(risk.limits(InstrumentId{}).max_position.lots() == kMax);  // unknown: the defaults
}

TEST_CASE("a new order with a bad quantity, price or instrument is refused in that order", "[oms][risk]") {
  const Instruments ins;
  RiskChecker risk{ins.registry, {}};
  const RiskInputs in;
  CHECK(risk.check_new(buy(ins.pf, 40'000, 0), in, 0) == RiskVerdict::InvalidQty);
  CHECK(risk.check_new(buy(ins.pf, 40'000, -5), in, 0) == RiskVerdict::InvalidQty);
  CHECK(risk.check_new(buy(ins.pf, 0, 0), in, 0) == RiskVerdict::InvalidQty);  // qty is checked first
  for (const OrderType type : {OrderType::Limit, OrderType::PostOnly, OrderType::Ioc}) {
    INFO(tickpath::oms::to_string(type));
    CHECK(risk.check_new(buy(ins.pf, 0, 1, type), in, 0) == RiskVerdict::InvalidPrice);
    CHECK(risk.check_new(buy(ins.pf, -100, 1, type), in, 0) == RiskVerdict::InvalidPrice);
    CHECK(risk.check_new(buy(ins.pf, Price::min().ticks(), 1, type), in, 0) == RiskVerdict::InvalidPrice);
    CHECK(risk.check_new(buy(ins.pf, Price::max().ticks(), 1, type), in, 0) == RiskVerdict::InvalidPrice);
  }
  // A market order's price is not looked at.
  CHECK(risk.check_new(buy(ins.pf, Price::min().ticks(), 1, OrderType::Market), in, 0) == RiskVerdict::Ok);
  CHECK(risk.check_new(buy(InstrumentId{4}, 40'000, 1), in, 0) == RiskVerdict::UnknownInstrument);
  CHECK(risk.check_new(buy(InstrumentId{}, 40'000, 1), in, 0) == RiskVerdict::UnknownInstrument);
  CHECK(risk.counters().new_orders[static_cast<std::size_t>(RiskVerdict::InvalidPrice)] == 12);
  CHECK(risk.counters().new_orders[static_cast<std::size_t>(RiskVerdict::UnknownInstrument)] == 2);
}

TEST_CASE("max_order_qty and max_order_notional refuse only above the limit", "[oms][risk]") {
  const Instruments ins;
  std::vector<InstrumentRiskLimits> limits(2);
  limits[0].max_order_qty = Qty{20'000};       // 2 BTC
  limits[0].max_order_notional = usd(50'000);  // USD
  limits[1].max_order_notional = usd(10'000);  // PI_XBTUSD: 10 000 contracts
  RiskChecker risk{ins.registry, limits};
  const RiskInputs in = with_mid(40'000);
  CHECK(risk.check_new(buy(ins.pf, 2, 20'000), in, 0) == RiskVerdict::Ok);
  CHECK(risk.check_new(buy(ins.pf, 2, 20'001), in, 0) == RiskVerdict::MaxOrderQty);
  // 1.25 BTC at 40 000 = 50 000 USD: on the limit; one tick more is over.
  CHECK(risk.check_new(buy(ins.pf, 40'000, 12'500), in, 0) == RiskVerdict::Ok);
  CHECK(risk.check_new(sell(ins.pf, 40'001, 12'500), in, 0) == RiskVerdict::MaxOrderNotional);
  CHECK(risk.check_qty(ins.pf, Qty{20'001}) == RiskVerdict::MaxOrderQty);
  CHECK(risk.check_qty(ins.pf, Qty{0}) == RiskVerdict::InvalidQty);
  CHECK(risk.check_notional(ins.pf, Price{50'000}, Qty{10'000}) == RiskVerdict::Ok);
  CHECK(risk.check_notional(ins.pf, Price{50'001}, Qty{10'000}) == RiskVerdict::MaxOrderNotional);
  CHECK(risk.check_notional(ins.pf, Price::min(), Qty{1}) == RiskVerdict::NoReferencePrice);
  // Inverse: contracts are USD, the price does not matter.
  CHECK(risk.check_new(buy(ins.pi, 2, 10'000), in, 0) == RiskVerdict::Ok);
  CHECK(risk.check_new(buy(ins.pi, 200'000, 10'001), in, 0) == RiskVerdict::MaxOrderNotional);
  // Instruments without an entry have no limits.
  CHECK(risk.check_new(buy(ins.pepe, 1, kMax), in, 0) == RiskVerdict::Ok);
  CHECK(risk.check_qty(InstrumentId{9}, Qty{1}) == RiskVerdict::UnknownInstrument);
  CHECK(risk.check_notional(InstrumentId{9}, Price{1}, Qty{1}) == RiskVerdict::UnknownInstrument);
}

TEST_CASE("a market order is valued at the mid and needs one only when the price matters", "[oms][risk]") {
  const Instruments ins;
  std::vector<InstrumentRiskLimits> limits(2);
  limits[0].max_order_notional = usd(50'000);
  limits[0].price_collar_bps = 10;
  limits[1].max_order_notional = usd(10'000);
  limits[1].price_collar_bps = 10;
  RiskChecker risk{ins.registry, limits};
  CHECK(risk.check_new(buy(ins.pf, 0, 10'000, OrderType::Market), RiskInputs{}, 0) ==
        RiskVerdict::NoReferencePrice);
  CHECK(risk.check_new(buy(ins.pf, 0, 10'000, OrderType::Market), with_mid(50'000), 0) == RiskVerdict::Ok);
  CHECK(risk.check_new(buy(ins.pf, 0, 10'000, OrderType::Market), with_mid(50'001), 0) ==
        RiskVerdict::MaxOrderNotional);
  CHECK(risk.check_new(sell(ins.pf, 0, 10'000, OrderType::Market), with_mid(-3), 0) ==
        RiskVerdict::NoReferencePrice);
  // Inverse: the notional needs no price, and the collar does not apply to market orders.
  CHECK(risk.check_new(buy(ins.pi, 0, 10'000, OrderType::Market), RiskInputs{}, 0) == RiskVerdict::Ok);
  CHECK(risk.check_new(buy(ins.pi, 0, 10'001, OrderType::Market), RiskInputs{}, 0) ==
        RiskVerdict::MaxOrderNotional);
}

TEST_CASE("max_position bounds the worst case on the order's side, open orders included", "[oms][risk]") {
  const Instruments ins;
  std::vector<InstrumentRiskLimits> limits(1);
  limits[0].max_position = Qty{100};
  RiskChecker risk{ins.registry, limits};
  RiskInputs in = with_mid(40'000);
  in.position = Qty{40};
  in.open_buy = Qty{30};
  in.open_sell = Qty{500};  // the other side does not count for a buy
  CHECK(risk.check_new(buy(ins.pf, 40'000, 30), in, 0) == RiskVerdict::Ok);  // 40 + 30 + 30 = 100
  CHECK(risk.check_new(buy(ins.pf, 40'000, 31), in, 0) == RiskVerdict::MaxPosition);
  // Sell: 40 - 500 - qty is already beyond -100, but the sell only makes it worse.
  CHECK(risk.check_new(sell(ins.pf, 40'000, 1), in, 0) == RiskVerdict::MaxPosition);
  in.open_sell = Qty{0};
  CHECK(risk.check_new(sell(ins.pf, 40'000, 140), in, 0) == RiskVerdict::Ok);  // 40 - 140 = -100
  CHECK(risk.check_new(sell(ins.pf, 40'000, 141), in, 0) == RiskVerdict::MaxPosition);
  // Over the limit already (limit lowered, or adopted): an order that moves toward zero passes.
  in.position = Qty{150};
  in.open_buy = Qty{0};
  CHECK(risk.check_new(sell(ins.pf, 40'000, 20), in, 0) == RiskVerdict::Ok);            // 150 -> 130
  CHECK(risk.check_new(sell(ins.pf, 40'000, 299), in, 0) == RiskVerdict::Ok);           // 150 -> -149
  CHECK(risk.check_new(sell(ins.pf, 40'000, 300), in, 0) == RiskVerdict::MaxPosition);  // -150
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), in, 0) == RiskVerdict::MaxPosition);
  // The single check, with a delta (shrinking never adds risk).
  CHECK(risk.check_position(ins.pf, Side::Buy, Qty{-10}, in) == RiskVerdict::Ok);
  CHECK(risk.check_position(ins.pf, Side::Buy, Qty{0}, in) == RiskVerdict::Ok);
  CHECK(risk.check_position(ins.pf, Side::Buy, Qty{1}, in) == RiskVerdict::MaxPosition);
  CHECK(risk.check_position(InstrumentId{7}, Side::Buy, Qty{1}, in) == RiskVerdict::UnknownInstrument);
  // Extreme inputs do not overflow into a pass.
  in.position = Qty{kMax};
  in.open_buy = Qty{kMax};
  CHECK(risk.check_position(ins.pf, Side::Buy, Qty{kMax}, in) == RiskVerdict::MaxPosition);
}

TEST_CASE("max_open_orders refuses the order that would exceed it", "[oms][risk]") {
  const Instruments ins;
  std::vector<InstrumentRiskLimits> limits(1);
  limits[0].max_open_orders = 3;
  RiskChecker risk{ins.registry, limits};
  RiskInputs in = with_mid(40'000);
  in.open_orders = 2;
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), in, 0) == RiskVerdict::Ok);
  in.open_orders = 3;
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), in, 0) == RiskVerdict::MaxOpenOrders);
  CHECK(risk.check_open_orders(ins.pf, in) == RiskVerdict::MaxOpenOrders);
  CHECK(risk.check_open_orders(ins.pi, in) == RiskVerdict::Ok);
  CHECK(risk.check_open_orders(InstrumentId{}, in) == RiskVerdict::UnknownInstrument);
  // A modify does not add an order.
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'000}, Qty{1}, Qty{2}, in, 0) == RiskVerdict::Ok);
}

TEST_CASE("the price collar is exact in basis points around the mid and needs a mid", "[oms][risk]") {
  const Instruments ins;
  std::vector<InstrumentRiskLimits> limits(2);
  limits[0].price_collar_bps = 250;  // 2.5 %
  RiskChecker risk{ins.registry, limits};
  // mid 40 000: 2.5 % = 1 000 ticks either way.
  for (const OrderType type : {OrderType::Limit, OrderType::PostOnly, OrderType::Ioc}) {
    INFO(tickpath::oms::to_string(type));
    CHECK(risk.check_new(buy(ins.pf, 41'000, 1, type), with_mid(40'000), 0) == RiskVerdict::Ok);
    CHECK(risk.check_new(buy(ins.pf, 41'001, 1, type), with_mid(40'000), 0) == RiskVerdict::PriceCollar);
    CHECK(risk.check_new(sell(ins.pf, 39'000, 1, type), with_mid(40'000), 0) == RiskVerdict::Ok);
    CHECK(risk.check_new(sell(ins.pf, 38'999, 1, type), with_mid(40'000), 0) == RiskVerdict::PriceCollar);
    CHECK(risk.check_new(buy(ins.pf, 40'000, 1, type), RiskInputs{}, 0) == RiskVerdict::NoReferencePrice);
  }
  // Odd mid: 250 bps of 40 001 = 1 000.025 ticks; 1 000 away is inside, 1 001 is not.
  CHECK(risk.check_collar(ins.pf, Price{41'001}, Price{40'001}) == RiskVerdict::Ok);
  CHECK(risk.check_collar(ins.pf, Price{41'002}, Price{40'001}) == RiskVerdict::PriceCollar);
  CHECK(risk.check_collar(ins.pf, Price{0}, Price{40'001}) == RiskVerdict::InvalidPrice);
  CHECK(risk.check_collar(ins.pf, Price{40'000}, Price{0}) == RiskVerdict::NoReferencePrice);
  CHECK(risk.check_collar(InstrumentId{8}, Price{1}, Price{1}) == RiskVerdict::UnknownInstrument);
  // Collar off: no mid needed, any price.
  CHECK(risk.check_new(buy(ins.pi, 1'000'000, 1), RiskInputs{}, 0) == RiskVerdict::Ok);
  CHECK(risk.check_collar(ins.pi, Price{1}, Price::min()) == RiskVerdict::Ok);
}

TEST_CASE("max_orders_per_second counts new orders and modifies over a rolling second", "[oms][risk]") {
  const Instruments ins;
  std::vector<InstrumentRiskLimits> limits(2);
  limits[0].max_orders_per_second = 3;
  limits[0].max_order_qty = Qty{100};
  limits[1].max_orders_per_second = 1;
  RiskChecker risk{ins.registry, limits};
  const RiskInputs in = with_mid(40'000);
  const std::int64_t t = 100 * kSec;
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), in, t) == RiskVerdict::Ok);
  // A refused order is not recorded.
  CHECK(risk.check_new(buy(ins.pf, 40'000, 101), in, t + 1) == RiskVerdict::MaxOrderQty);
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'001}, Qty{1}, Qty{2}, in, t + 2) == RiskVerdict::Ok);
  CHECK(risk.check_new(sell(ins.pf, 40'000, 1), in, t + 3) == RiskVerdict::Ok);
  CHECK(risk.check_rate(ins.pf, t + 4) == RiskVerdict::OrderRate);
  CHECK(risk.check_new(sell(ins.pf, 40'000, 1), in, t + 4) == RiskVerdict::OrderRate);
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'001}, Qty{2}, Qty{1}, in, t + 5) ==
        RiskVerdict::OrderRate);
  // Per instrument.
  CHECK(risk.check_new(buy(ins.pi, 80'000, 1), in, t + 5) == RiskVerdict::Ok);
  CHECK(risk.check_new(buy(ins.pi, 80'000, 1), in, t + 6) == RiskVerdict::OrderRate);
  // The first order leaves the window exactly one second later.
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), in, t + kSec - 1) == RiskVerdict::OrderRate);
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), in, t + kSec) == RiskVerdict::Ok);
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), in, t + kSec + 1) == RiskVerdict::OrderRate);
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), in, t + kSec + 2) == RiskVerdict::Ok);  // the modify left
  // record_order is what an accepted check does.
  risk.record_order(ins.pepe, t);  // rate off: nothing to record, no effect
  CHECK(risk.check_rate(ins.pepe, t) == RiskVerdict::Ok);
  CHECK(risk.check_rate(ins.pi, t + kSec + 5) == RiskVerdict::Ok);
  risk.record_order(ins.pi, t + kSec + 5);
  CHECK(risk.check_rate(ins.pi, t + kSec + 6) == RiskVerdict::OrderRate);
  CHECK(risk.check_rate(InstrumentId{}, t) == RiskVerdict::UnknownInstrument);
  // A clock that steps back is refused rather than trusted.
  CHECK(risk.check_rate(ins.pi, t) == RiskVerdict::OrderRate);
}

TEST_CASE("check_modify checks the order as it would be after the edit", "[oms][risk]") {
  const Instruments ins;
  std::vector<InstrumentRiskLimits> limits(1);
  limits[0].max_order_qty = Qty{50};
  limits[0].max_order_notional = usd(200);  // 500 lots of 0.0001 at 4 000 = 200 USD
  limits[0].max_position = Qty{60};
  limits[0].price_collar_bps = 100;  // 1 %
  RiskChecker risk{ins.registry, limits};
  RiskInputs in = with_mid(40'000);
  in.position = Qty{20};
  in.open_buy = Qty{30};  // this order, 30 open
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'000}, Qty{30}, Qty{40}, in, 0) ==
        RiskVerdict::Ok);  // 60
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'000}, Qty{30}, Qty{41}, in, 0) ==
        RiskVerdict::MaxPosition);
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'000}, Qty{30}, Qty{51}, in, 0) ==
        RiskVerdict::MaxOrderQty);
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'000}, Qty{30}, Qty{0}, in, 0) ==
        RiskVerdict::InvalidQty);
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'000}, Qty{-1}, Qty{5}, in, 0) ==
        RiskVerdict::InvalidQty);
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{0}, Qty{30}, Qty{5}, in, 0) == RiskVerdict::InvalidPrice);
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'401}, Qty{30}, Qty{5}, in, 0) ==
        RiskVerdict::PriceCollar);
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'400}, Qty{30}, Qty{5}, in, 0) == RiskVerdict::Ok);
  // Notional at the new price: 50 lots at 40 000 = 200 USD.
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'001}, Qty{30}, Qty{50}, in, 0) ==
        RiskVerdict::MaxOrderNotional);
  // Price unchanged (Price::min()): no collar, notional at the mid.
  in.mid = Price{50'000};  // the order at 40 000 is now 20 % away
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price::min(), Qty{30}, Qty{10}, in, 0) == RiskVerdict::Ok);
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price::min(), Qty{30}, Qty{41}, in, 0) ==
        RiskVerdict::MaxOrderNotional);  // 41 lots at 50 000 = 205 USD
  in.mid = Price::min();
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price::min(), Qty{30}, Qty{10}, in, 0) ==
        RiskVerdict::NoReferencePrice);
  // Shrinking is never a position problem, even over the limit.
  in = with_mid(40'000);
  in.position = Qty{100};
  in.open_buy = Qty{30};
  CHECK(risk.check_modify(ins.pf, Side::Buy, Price{40'000}, Qty{30}, Qty{10}, in, 0) == RiskVerdict::Ok);
  CHECK(risk.check_modify(InstrumentId{5}, Side::Buy, Price{40'000}, Qty{30}, Qty{10}, in, 0) ==
        RiskVerdict::UnknownInstrument);
  CHECK(risk.counters().modifies[static_cast<std::size_t>(RiskVerdict::Ok)] == 4);
}

TEST_CASE("a halt refuses every new order and modify until the operator resets it", "[oms][risk]") {
  const Instruments ins;
  RiskChecker risk{ins.registry, {}};
  CHECK_FALSE(risk.halted());
  CHECK(risk.halt_reason() == HaltReason::None);
  risk.halt(HaltReason::KillSwitch);
  CHECK(risk.halted());
  CHECK(risk.halt_reason() == HaltReason::KillSwitch);
  // Halted is checked before everything else, even an unknown instrument.
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), with_mid(40'000), 0) == RiskVerdict::Halted);
  CHECK(risk.check_new(buy(InstrumentId{}, 0, 0), RiskInputs{}, 0) == RiskVerdict::Halted);
  CHECK(risk.check_modify(ins.pf, Side::Sell, Price{40'000}, Qty{1}, Qty{2}, RiskInputs{}, 0) ==
        RiskVerdict::Halted);
  // The first reason is kept.
  risk.halt(HaltReason::Operator);
  CHECK(risk.halt_reason() == HaltReason::KillSwitch);
  risk.reset_halt();
  CHECK_FALSE(risk.halted());
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), with_mid(40'000), 0) == RiskVerdict::Ok);
  risk.halt(HaltReason::None);  // a halt without a reason is the operator's
  CHECK(risk.halt_reason() == HaltReason::Operator);
  CHECK(risk.counters().new_orders[static_cast<std::size_t>(RiskVerdict::Halted)] == 2);
  CHECK(risk.counters().modifies[static_cast<std::size_t>(RiskVerdict::Halted)] == 1);
}

TEST_CASE("check_pnl latches a halt at the loss limit", "[oms][risk]") {
  const Instruments ins;
  std::vector<InstrumentRiskLimits> limits(2);
  limits[1].max_loss = usd(100);
  RiskChecker risk{ins.registry, limits};
  CHECK(risk.check_pnl(ins.pi, -usd(99)) == RiskVerdict::Ok);
  CHECK(risk.check_pnl(ins.pi, -usd(100) + 1) == RiskVerdict::Ok);
  CHECK_FALSE(risk.halted());
  CHECK(risk.check_pnl(ins.pi, -usd(100)) == RiskVerdict::MaxLoss);
  CHECK(risk.halted());
  CHECK(risk.halt_reason() == HaltReason::MaxLoss);
  CHECK(risk.check_new(buy(ins.pf, 40'000, 1), RiskInputs{}, 0) == RiskVerdict::Halted);  // all instruments
  // The halt stays latched when the PnL recovers.
  CHECK(risk.check_pnl(ins.pi, usd(5)) == RiskVerdict::Ok);
  CHECK(risk.halted());
  // No limit on the other instrument.
  CHECK(risk.check_pnl(ins.pf, std::numeric_limits<Money>::min()) == RiskVerdict::Ok);
  CHECK(risk.check_pnl(InstrumentId{}, 0) == RiskVerdict::UnknownInstrument);
  CHECK(risk.counters().pnl[static_cast<std::size_t>(RiskVerdict::MaxLoss)] == 1);
}

TEST_CASE("check_pnl halts at the drawdown limit measured from the peak", "[oms][risk]") {
  const Instruments ins;
  std::vector<InstrumentRiskLimits> limits(1);
  limits[0].max_drawdown = usd(50);
  RiskChecker risk{ins.registry, limits};
  CHECK(risk.pnl_peak(ins.pf) == 0);
  CHECK(risk.check_pnl(ins.pf, -usd(49)) == RiskVerdict::Ok);  // from the flat start
  CHECK(risk.check_pnl(ins.pf, usd(80)) == RiskVerdict::Ok);
  CHECK(risk.pnl_peak(ins.pf) == usd(80));
  CHECK(risk.check_pnl(ins.pf, usd(31)) == RiskVerdict::Ok);  // 49 down
  CHECK(risk.pnl_peak(ins.pf) == usd(80));
  CHECK(risk.check_pnl(ins.pf, usd(30)) == RiskVerdict::MaxDrawdown);
  CHECK(risk.halt_reason() == HaltReason::MaxDrawdown);
  // A reset alone does not forgive the drawdown; restarting the peak does.
  risk.reset_halt();
  CHECK(risk.check_pnl(ins.pf, usd(30)) == RiskVerdict::MaxDrawdown);
  risk.reset_halt();
  risk.reset_pnl_peak(ins.pf, usd(30));
  CHECK(risk.check_pnl(ins.pf, usd(30)) == RiskVerdict::Ok);
  CHECK_FALSE(risk.halted());
  CHECK(risk.pnl_peak(InstrumentId{}) == 0);
}

TEST_CASE("the risk checker refuses limits it cannot apply", "[oms][risk]") {
  const Instruments ins;
  CHECK_THROWS_AS(RiskChecker(ins.registry, std::vector<InstrumentRiskLimits>(5)), std::invalid_argument);
  const auto with = [&](auto mutate) {
    std::vector<InstrumentRiskLimits> limits(2);
    mutate(limits[1]);
    return RiskChecker{ins.registry, limits};
  };
  CHECK_THROWS_AS(with([](InstrumentRiskLimits& l) { l.max_order_qty = Qty{-1}; }), std::invalid_argument);
  CHECK_THROWS_AS(with([](InstrumentRiskLimits& l) { l.max_order_notional = -1; }), std::invalid_argument);
  CHECK_THROWS_AS(with([](InstrumentRiskLimits& l) { l.max_position = Qty{-1}; }), std::invalid_argument);
  CHECK_THROWS_AS(with([](InstrumentRiskLimits& l) { l.max_loss = 0; }), std::invalid_argument);
  CHECK_THROWS_AS(with([](InstrumentRiskLimits& l) { l.max_drawdown = -5; }), std::invalid_argument);
  CHECK_THROWS_AS(with([](InstrumentRiskLimits& l) { l.max_orders_per_second = 100'001; }),
                  std::invalid_argument);
  CHECK_THROWS_WITH(with([](InstrumentRiskLimits& l) { l.max_loss = 0; }), Catch::Contains("PI_XBTUSD"));
  // Zero quantities are allowed: they close an instrument to new risk.
  RiskChecker closed = with([](InstrumentRiskLimits& l) {
    l.max_order_qty = Qty{0};
    l.max_orders_per_second = 100'000;
  });
  CHECK(closed.check_new(buy(ins.pi, 80'000, 1), RiskInputs{}, 0) == RiskVerdict::MaxOrderQty);
  CHECK(closed.limits(ins.pi).max_orders_per_second == 100'000);
}
