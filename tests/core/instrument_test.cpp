#include "tickpath/core/instrument.hpp"

#include <array>
#include <cctype>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using tickpath::ContractKind;
using tickpath::DecimalError;
using tickpath::Increment;
using tickpath::InstrumentId;
using tickpath::InstrumentRegistry;
using tickpath::InstrumentSpec;

Increment inc(std::string_view text) {
  const tickpath::IncrementResult r = tickpath::parse_increment(text);
  REQUIRE(r.error == DecimalError::Ok);
  return r.value;
}

InstrumentSpec spec(std::string symbol, const char* tick = "0.5", const char* step = "1") {
  const ContractKind kind = tickpath::kind_from_symbol(symbol);
  return InstrumentSpec{std::move(symbol), inc(tick), inc(step), kind};
}

}  // namespace

TEST_CASE("kind_from_symbol reads the contract kind from the prefix in any case", "[core][instrument]") {
  CHECK(tickpath::kind_from_symbol("PI_XBTUSD") == ContractKind::Inverse);
  CHECK(tickpath::kind_from_symbol("pi_xbtusd") == ContractKind::Inverse);
  CHECK(tickpath::kind_from_symbol("FI_XBTUSD_261225") == ContractKind::Inverse);
  CHECK(tickpath::kind_from_symbol("fi_ethusd_211231") == ContractKind::Inverse);
  CHECK(tickpath::kind_from_symbol("PF_XBTUSD") == ContractKind::Linear);
  CHECK(tickpath::kind_from_symbol("Pf_PepeUsd") == ContractKind::Linear);
  CHECK(tickpath::kind_from_symbol("FF_XBTUSD_261225") == ContractKind::Linear);
}

TEST_CASE("kind_from_symbol rejects index rows and unknown prefixes", "[core][instrument]") {
  for (const char* symbol :
       {"in_xbtusd", "rr_xbtusd", "", "PI_", "PI", "PIXBTUSD", "XX_XBTUSD", "P_XBTUSD"}) {
    INFO("\"" << symbol << "\"");
    CHECK_THROWS_AS(tickpath::kind_from_symbol(symbol), std::invalid_argument);
  }
}

TEST_CASE("an instrument stores its symbol uppercase and converts its own prices and quantities",
          "[core][instrument]") {
  const tickpath::Instrument xbt{InstrumentId{3}, spec("pi_xbtusd", "0.5", "1")};
  CHECK(xbt.id() == InstrumentId{3});
  CHECK(xbt.symbol() == "PI_XBTUSD");
  CHECK(xbt.kind() == ContractKind::Inverse);
  CHECK(xbt.tick_size() == Increment{5, -1});
  CHECK(xbt.size_step() == Increment{1, 0});

  const tickpath::PriceResult price = xbt.price_from_text("84001.5");
  CHECK(price.error == DecimalError::Ok);
  CHECK(price.price == tickpath::Price{168003});
  CHECK(xbt.price_from_text("84001.25").error == DecimalError::OffGrid);

  const tickpath::QtyResult qty = xbt.qty_from_text("4787.0");
  CHECK(qty.error == DecimalError::Ok);
  CHECK(qty.qty == tickpath::Qty{4787});
  CHECK(xbt.qty_from_text("0.5").error == DecimalError::OffGrid);

  std::array<char, tickpath::kMaxDecimalChars> buf{};
  CHECK(std::string_view{buf.data(), xbt.format_price(tickpath::Price{168003}, buf.data(), buf.size())} ==
        "84001.5");
  CHECK(std::string_view{buf.data(), xbt.format_qty(tickpath::Qty{-25}, buf.data(), buf.size())} == "-25");

  const tickpath::Instrument pepe{InstrumentId{0}, spec("PF_PEPEUSD", "1e-10", "1000")};
  CHECK(pepe.kind() == ContractKind::Linear);
  CHECK(pepe.qty_from_text("98000").qty == tickpath::Qty{98});
  CHECK(pepe.qty_from_text("98123").error == DecimalError::OffGrid);
  CHECK(std::string_view{buf.data(), pepe.format_price(tickpath::Price{2}, buf.data(), buf.size())} ==
        "0.0000000002");
  CHECK(std::string_view{buf.data(), pepe.format_qty(tickpath::Qty{98}, buf.data(), buf.size())} == "98000");
}

TEST_CASE("an instrument rejects bad symbols and increments", "[core][instrument]") {
  const std::string longest = "PF_" + std::string(tickpath::Instrument::kMaxSymbolLength - 3, 'X');
  CHECK(tickpath::Instrument{InstrumentId{0}, spec(longest)}.symbol() == longest);
  CHECK_THROWS_AS((tickpath::Instrument{InstrumentId{0}, spec(longest + "X")}), std::invalid_argument);

  InstrumentSpec bad = spec("PF_XBTUSD");
  bad.symbol = "";
  CHECK_THROWS_AS((tickpath::Instrument{InstrumentId{0}, bad}), std::invalid_argument);
  bad.symbol = "PF_XBT USD";
  CHECK_THROWS_AS((tickpath::Instrument{InstrumentId{0}, bad}), std::invalid_argument);
  bad.symbol = std::string{"PF_\0XBT", 7};
  CHECK_THROWS_AS((tickpath::Instrument{InstrumentId{0}, bad}), std::invalid_argument);

  InstrumentSpec zero_tick = spec("PF_XBTUSD");
  zero_tick.tick_size = Increment{0, 0};
  CHECK_THROWS_AS((tickpath::Instrument{InstrumentId{0}, zero_tick}), std::invalid_argument);
  InstrumentSpec tiny_step = spec("PF_XBTUSD");
  tiny_step.size_step = Increment{1, -30};
  CHECK_THROWS_AS((tickpath::Instrument{InstrumentId{0}, tiny_step}), std::invalid_argument);
}

TEST_CASE("the registry hands out dense ids in the order instruments are added", "[core][instrument]") {
  InstrumentRegistry registry;
  CHECK(registry.size() == 0);
  CHECK(registry.add(spec("PI_XBTUSD")) == InstrumentId{0});
  CHECK(registry.add(spec("pf_xbtusd", "1", "0.0001")) == InstrumentId{1});
  CHECK(registry.add(spec("PF_DOGEUSD", "0.00001", "1")) == InstrumentId{2});
  CHECK(registry.size() == 3);
  REQUIRE(registry.instruments().size() == 3);
  CHECK(registry.instruments()[1].symbol() == "PF_XBTUSD");
  CHECK(registry.get(InstrumentId{2}).symbol() == "PF_DOGEUSD");
  CHECK(registry.get(InstrumentId{1}).size_step() == Increment{1, -4});
}

TEST_CASE("the registry finds symbols case-insensitively", "[core][instrument]") {
  InstrumentRegistry registry;
  const InstrumentId xbt = registry.add(spec("PI_XBTUSD"));
  const InstrumentId eth = registry.add(spec("fi_ethusd_211231", "0.05"));
  CHECK(registry.find("PI_XBTUSD") == xbt);
  CHECK(registry.find("pi_xbtusd") == xbt);
  CHECK(registry.find("Pi_XbTuSd") == xbt);
  CHECK(registry.find("FI_ETHUSD_211231") == eth);
  CHECK(registry.find("fi_ethusd_211231") == eth);
}

TEST_CASE("the registry returns an invalid id for absent symbols", "[core][instrument]") {
  InstrumentRegistry registry;
  registry.add(spec("PI_XBTUSD"));
  for (const std::string_view symbol :
       {std::string_view{"PI_ETHUSD"}, std::string_view{"PI_XBTUS"}, std::string_view{"PI_XBTUSDX"},
        std::string_view{""}, std::string_view{"PI_XBTUSD "}, std::string_view{"PI_XBTUSD\0", 10},
        std::string_view{"PI_XBTUSD_LONGER_THAN_THIRTY_ONE_CHARACTERS"}}) {
    INFO("\"" << symbol << "\"");
    CHECK_FALSE(registry.find(symbol).valid());
  }
}

TEST_CASE("the registry rejects duplicate, empty and overlong symbols", "[core][instrument]") {
  InstrumentRegistry registry;
  registry.add(spec("PI_XBTUSD"));
  CHECK_THROWS_AS(registry.add(spec("PI_XBTUSD")), std::invalid_argument);
  CHECK_THROWS_AS(registry.add(spec("pi_xbtusd")), std::invalid_argument);
  InstrumentSpec empty = spec("PI_XBTUSD");
  empty.symbol.clear();
  CHECK_THROWS_AS(registry.add(empty), std::invalid_argument);
  CHECK_THROWS_AS(registry.add(spec("PF_" + std::string(30, 'X'))), std::invalid_argument);
  CHECK(registry.size() == 1);
}

TEST_CASE("the registry throws when full and keeps what it has", "[core][instrument]") {
  InstrumentRegistry registry{2};
  CHECK(registry.capacity() == 2);
  registry.add(spec("PI_XBTUSD"));
  registry.add(spec("PI_ETHUSD", "0.05"));
  CHECK_THROWS_AS(registry.add(spec("PI_LTCUSD", "0.01")), std::invalid_argument);
  CHECK(registry.size() == 2);
  CHECK(registry.find("pi_ethusd") == InstrumentId{1});
  CHECK_FALSE(registry.find("PI_LTCUSD").valid());
}

TEST_CASE("the registry rejects a capacity it cannot index", "[core][instrument]") {
  CHECK_THROWS_AS(InstrumentRegistry{0}, std::invalid_argument);
  CHECK_THROWS_AS(InstrumentRegistry{InstrumentRegistry::kMaxCapacity + 1}, std::invalid_argument);
}

TEST_CASE("a full default registry finds every one of its symbols", "[core][instrument]") {
  InstrumentRegistry registry;
  const std::size_t count = registry.capacity();
  std::vector<const tickpath::Instrument*> addresses;
  for (std::size_t i = 0; i < count; ++i) {
    registry.add(spec("PF_T" + std::to_string(i) + "USD", "0.0001", "1"));
    addresses.push_back(&registry.get(InstrumentId{static_cast<InstrumentId::value_type>(i)}));
  }
  CHECK_THROWS_AS(registry.add(spec("PF_ONEMOREUSD")), std::invalid_argument);
  for (std::size_t i = 0; i < count; ++i) {
    const InstrumentId expected{static_cast<InstrumentId::value_type>(i)};
    const std::string symbol = "pf_t" + std::to_string(i) + "usd";
    REQUIRE(registry.find(symbol) == expected);
    REQUIRE(&registry.get(expected) == addresses[i]);  // storage never moved
  }
  CHECK_FALSE(registry.find("PF_T1024USD").valid());
}

TEST_CASE("the registry finds symbols of every length in any case", "[core][instrument]") {
  // Lengths 1 to 31 cross every word boundary of the lookup key.
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_";
  InstrumentRegistry registry;
  std::vector<std::string> symbols;
  for (std::size_t length = 1; length <= tickpath::Instrument::kMaxSymbolLength; ++length) {
    std::string symbol;
    for (std::size_t i = 0; i < length; ++i) {
      symbol += alphabet[(i * 7 + length) % alphabet.size()];
    }
    symbols.push_back(symbol);
    registry.add(InstrumentSpec{symbol, Increment{1, 0}, Increment{1, 0}, ContractKind::Linear});
  }
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const InstrumentId expected{static_cast<InstrumentId::value_type>(i)};
    std::string upper = symbols[i];
    std::string mixed = symbols[i];
    for (std::size_t j = 0; j < upper.size(); ++j) {
      upper[j] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[j])));
      if (j % 2 == 0) {
        mixed[j] = upper[j];
      }
    }
    INFO(symbols[i]);
    CHECK(registry.find(symbols[i]) == expected);
    CHECK(registry.find(upper) == expected);
    CHECK(registry.find(mixed) == expected);
    CHECK(registry.get(expected).symbol() == upper);
    // One character changed, dropped or added: absent (or another length's symbol, never this one).
    std::string changed = upper;
    changed.back() = changed.back() == 'Z' ? 'Y' : 'Z';
    CHECK(registry.find(changed) != expected);
    CHECK(registry.find(std::string_view{upper}.substr(0, upper.size() - 1)) != expected);
    CHECK(registry.find(upper + "A") != expected);
  }
  // Bytes that only look like letters once their high bit is dropped are not folded.
  registry.add(InstrumentSpec{"PF_AB", Increment{1, 0}, Increment{1, 0}, ContractKind::Linear});
  CHECK_FALSE(registry.find("PF_\xC1\xC2").valid());
  CHECK_FALSE(registry.find("PF_\xE1\xE2").valid());
  CHECK(registry.find("pf_ab").valid());
  CHECK_FALSE(registry.find("PF_@B").valid());  // '@' is 'A' - 1 ...
  CHECK_FALSE(registry.find("PF_[B").valid());  // ... and '[' is 'Z' + 1, '`' and '{' likewise
  CHECK_FALSE(registry.find("pf_`b").valid());
  CHECK_FALSE(registry.find("pf_{b").valid());
}
