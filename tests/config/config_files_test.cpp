// tests/config/config_files_test.cpp: the shipped config files load, and the example lists
// every key the code knows (STYLE B1.12: keep the example in sync with the test).

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tickpath/config/load.hpp"

namespace tickpath::config {
namespace {

std::filesystem::path config_dir() {
  return std::filesystem::path(TICKPATH_SOURCE_DIR) / "config";
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The lines that are neither blank nor comments.
std::vector<std::string> settings(const std::string& toml) {
  std::vector<std::string> lines;
  std::istringstream in(toml);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.front() != '#') {
      lines.push_back(line);
    }
  }
  return lines;
}

TEST_CASE("config/sim.toml loads as the embedded simulator run on 127.0.0.1", "[config][files]") {
  const std::filesystem::path path = config_dir() / "sim.toml";
  const EngineConfig c = load_config_file(path);
  CHECK(c.source == path.string());
  CHECK(c.sim.embedded);
  CHECK(c.venue.kind == VenueKind::KrakenFutures);
  CHECK(c.venue.rest_url == "https://127.0.0.1:8443/derivatives/api/v3");
  CHECK(c.venue.ws_url == "wss://127.0.0.1:8443/ws/v1");
  REQUIRE(c.instruments.size() == 4);
  CHECK(c.instruments[0] == InstrumentConfig{.symbol = "PI_XBTUSD",
                                             .tick_size = make_increment("0.5"),
                                             .size_step = make_increment("1")});
  CHECK(c.instruments[1] == InstrumentConfig{.symbol = "PF_XBTUSD",
                                             .tick_size = make_increment("1"),
                                             .size_step = make_increment("0.0001")});
  CHECK(c.instruments[2] == InstrumentConfig{.symbol = "PI_ETHUSD",
                                             .tick_size = make_increment("0.05"),
                                             .size_step = make_increment("1")});
  CHECK(c.instruments[3] == InstrumentConfig{.symbol = "PF_ETHUSD",
                                             .tick_size = make_increment("0.1"),
                                             .size_step = make_increment("0.001")});
  CHECK(c.market_data.products ==
        std::vector<std::string>{"PI_XBTUSD", "PF_XBTUSD", "PI_ETHUSD", "PF_ETHUSD"});
  CHECK(c.market_data.feeds ==
        std::vector<MarketDataFeed>{MarketDataFeed::Book, MarketDataFeed::Trade, MarketDataFeed::Ticker});
  CHECK(c.gateway == GatewayConfig{.enabled = true, .dms_timeout_s = 60, .dms_refresh_s = 15});
}

TEST_CASE("config/sim.toml gives each of its instruments risk limits", "[config][files]") {
  const EngineConfig c = load_config_file(config_dir() / "sim.toml");
  REQUIRE(c.risk.size() == c.instruments.size());
  for (std::size_t i = 0; i < c.risk.size(); ++i) {
    INFO(c.risk[i].symbol);
    CHECK(c.risk[i].symbol == c.instruments[i].symbol);
    CHECK_FALSE(c.risk[i].max_order_qty.empty());
    CHECK_FALSE(c.risk[i].max_position.empty());
    CHECK_FALSE(c.risk[i].max_loss.empty());
    CHECK(c.risk[i].price_collar_bps == 500);
    CHECK(c.risk[i].max_orders_per_second == 20);
  }
  CHECK(c.risk[1] == RiskConfig{.symbol = "PF_XBTUSD",
                                .max_order_qty = "1",
                                .max_order_notional = "100000",
                                .max_position = "5",
                                .max_open_orders = 50,
                                .price_collar_bps = 500,
                                .max_orders_per_second = 20,
                                .max_loss = "5000",
                                .max_drawdown = "7500"});
}

TEST_CASE(
    "config/engine.example.toml loads and shows the defaults besides its example instruments and limits",
    "[config][files]") {
  const std::filesystem::path path = config_dir() / "engine.example.toml";
  const EngineConfig c = load_config_file(path);
  const EngineConfig expected{
      .instruments =
          {{.symbol = "PI_XBTUSD", .tick_size = make_increment("0.5"), .size_step = make_increment("1")},
           {.symbol = "PF_XBTUSD", .tick_size = make_increment("1"), .size_step = make_increment("0.0001")}},
      .risk = {{.symbol = "PI_XBTUSD",
                .max_order_qty = "1000",
                .max_order_notional = "1000",
                .max_position = "5000",
                .max_open_orders = 20,
                .price_collar_bps = 200,
                .max_orders_per_second = 5,
                .max_loss = "0.01",
                .max_drawdown = "0.02"},
               {.symbol = "PF_XBTUSD",
                .max_order_qty = "0.01",
                .max_order_notional = "1000",
                .max_position = "0.05",
                .max_open_orders = 20,
                .price_collar_bps = 200,
                .max_orders_per_second = 5,
                .max_loss = "500",
                .max_drawdown = ""}},
      .source = path.string(),
  };
  CHECK(c == expected);
}

TEST_CASE("config/engine.example.toml sets every key that format_config prints, in the same order",
          "[config][files]") {
  const std::filesystem::path path = config_dir() / "engine.example.toml";
  const std::vector<std::string> example = settings(read_text(path));
  const std::vector<std::string> printed = settings(format_config(load_config_file(path)));
  CHECK(example == printed);
}

TEST_CASE("the shipped config files round-trip through format_config", "[config][files]") {
  for (const char* name : {"sim.toml", "engine.example.toml"}) {
    const EngineConfig c = load_config_file(config_dir() / name);
    INFO(name);
    CHECK(load_config_string(format_config(c), c.source) == c);
  }
}

}  // namespace
}  // namespace tickpath::config
