// tests/config/format_test.cpp: format_config (include/tickpath/config/load.hpp).

#include <string>

#include <catch2/catch.hpp>

#include "tickpath/config/load.hpp"

namespace tickpath::config {
namespace {

// A config in which every key differs from its default.
EngineConfig everything_changed() {
  return EngineConfig{
      .engine = {.name = "desk-7.b", .run_seconds = 3600},
      .threads =
          {
              .hot = {.cpu = 2,
                      .idle = IdleKind::BusySpin,
                      .name = "hot \"q\"",
                      .spin_count = 1,
                      .yield_count = 2,
                      .min_sleep_ns = 3,
                      .max_sleep_ns = 4,
                      .sleep_ns = 5},
              .cold = {.cpu = 1,
                       .idle = IdleKind::Sleep,
                       .name = "c\\old",
                       .spin_count = 0,
                       .yield_count = 0,
                       .min_sleep_ns = 10,
                       .max_sleep_ns = 10,
                       .sleep_ns = 999},
              .journal = {.cpu = 1,
                          .idle = IdleKind::Backoff,
                          .name = "j",
                          .spin_count = 7,
                          .yield_count = 8,
                          .min_sleep_ns = 100,
                          .max_sleep_ns = 1'000'000'000,
                          .sleep_ns = 1},
          },
      .rings = {.journal_capacity_bytes = 4096, .cold_to_hot_capacity = 8, .hot_to_cold_capacity = 1 << 20},
      .venue = {.kind = VenueKind::KrakenFutures,
                .rest_url = "http://127.0.0.1:8080/derivatives/api/v3",
                .ws_url = "ws://127.0.0.1:8080/ws/v1",
                .ca_file = "/etc/tickpath/ca dir/\xc3\xa9.pem",
                .api_key = "",
                .api_key_env = "DESK_KEY",
                .api_secret_env = "DESK_SECRET",
                .api_secret_file = "/run/secrets/kraken"},
      .instruments = {{.symbol = "PI_XBTUSD",
                       .tick_size = make_increment("0.5"),
                       .size_step = make_increment("1")},
                      {.symbol = "PF_PEPEUSD",
                       .tick_size = make_increment("1e-10"),
                       .size_step = make_increment("1000")}},
      .market_data = {.products = {"pi_xbtusd", "PF_PEPEUSD"},
                      .feeds = {MarketDataFeed::TickerLite, MarketDataFeed::Book},
                      .product_silence_ms = 0,
                      .connection_silence_ms = 3'600'000,
                      .ping_interval_ms = 1,
                      .pong_timeout_ms = 60'000,
                      .resolve_timeout_ms = 1,
                      .connect_timeout_ms = 2,
                      .tls_handshake_timeout_ms = 3,
                      .ws_handshake_timeout_ms = 4,
                      .close_timeout_ms = 5,
                      .backoff_initial_ms = 7,
                      .backoff_max_ms = 3'600'000,
                      .backoff_multiplier = 1.5,
                      .backoff_jitter = 0.0,
                      .backoff_reset_after_ms = 0,
                      .max_message_bytes = 4096},
      .gateway = {.enabled = true,
                  .rest_connections = 16,
                  .request_timeout_ms = 100,
                  .send_queue = 1,
                  .dms_timeout_s = 86'400,
                  .dms_refresh_s = 86'399,
                  .unknown_orders = UnknownOrdersPolicy::Adopt,
                  .shutdown_wait_ms = 0,
                  .kill_switch_file = "/run/tickpath/HALT \"now\"",
                  .kill_switch_poll_ms = 60'000,
                  .max_orders = 64,
                  .fill_memory = 1'024,
                  .rate_budget = 1'000'000,
                  .rate_window_ms = 1,
                  .rate_guard_ms = 60'000,
                  .cancel_reserve = 999'999},
      .risk = {{.symbol = "pi_xbtusd",
                .max_order_qty = "100",
                .max_order_notional = "1e5",
                .max_position = "1000",
                .max_open_orders = 1'000'000,
                .price_collar_bps = 10'000,
                .max_orders_per_second = 1,
                .max_loss = "0.000001",
                .max_drawdown = "123456789.123456789"},
               {.symbol = "PF_PEPEUSD", .max_order_qty = "5000"}},
      .sim = {.embedded = false,
              .seed = 9'223'372'036'854'775'807ULL,
              .nonce_tolerance = std::int64_t{1} << 62},
      .source = "changed.toml",
  };
}

TEST_CASE("the printed defaults load back to the defaults", "[config]") {
  const EngineConfig defaults{.source = "defaults.toml"};
  CHECK(load_config_string(format_config(defaults), defaults.source) == defaults);
}

TEST_CASE("a config with every key changed round-trips through format_config", "[config]") {
  const EngineConfig config = everything_changed();
  const std::string printed = format_config(config);
  INFO(printed);
  CHECK(load_config_string(printed, config.source) == config);
}

TEST_CASE("format_config prints every key, defaults included, as TOML sections", "[config]") {
  const std::string printed = format_config(EngineConfig{.source = "d.toml"});
  CHECK_THAT(printed, Catch::StartsWith("# Effective tickpath configuration, loaded from d.toml.\n"));
  CHECK_THAT(printed, Catch::Contains("\n[engine]\nname = \"tickpath\"\nrun_seconds = 0\n"));
  CHECK_THAT(printed, Catch::Contains("\n[threads.hot]\ncpu = -1\nidle = \"busy_spin\"\nname = \"tp-hot\"\n"
                                      "spin_count = 100\nyield_count = 10\nmin_sleep_ns = 1000\n"
                                      "max_sleep_ns = 1000000\nsleep_ns = 1000000\n"));
  CHECK_THAT(printed, Catch::Contains("\n[threads.cold]\n"));
  CHECK_THAT(printed, Catch::Contains("\n[threads.journal]\n"));
  CHECK_THAT(printed,
             Catch::Contains("\n[rings]\njournal_capacity_bytes = 16777216\ncold_to_hot_capacity = 4096\n"
                             "hot_to_cold_capacity = 4096\n"));
  CHECK_THAT(printed,
             Catch::Contains("\n[venue]\nkind = \"kraken_futures\"\n"
                             "rest_url = \"https://futures.kraken.com/derivatives/api/v3\"\n"
                             "ws_url = \"wss://futures.kraken.com/ws/v1\"\nca_file = \"\"\napi_key = \"\"\n"
                             "api_key_env = \"TICKPATH_API_KEY\"\napi_secret_env = \"TICKPATH_API_SECRET\"\n"
                             "api_secret_file = \"\"\n"));
  CHECK_THAT(printed, Catch::Contains("\n# no [[instruments]]\n"));
  CHECK_THAT(printed,
             Catch::Contains("\n[market_data]\nproducts = []\nfeeds = [\"book\", \"trade\", \"ticker\"]\n"
                             "product_silence_ms = 15000\nconnection_silence_ms = 10000\n"
                             "ping_interval_ms = 20000\npong_timeout_ms = 10000\n"));
  CHECK_THAT(printed, Catch::Contains("\nbackoff_multiplier = 2.0\nbackoff_jitter = 0.2\n"));
  CHECK_THAT(printed,
             Catch::Contains("\n[gateway]\nenabled = false\nrest_connections = 2\nrequest_timeout_ms = 5000\n"
                             "send_queue = 1024\ndms_timeout_s = 60\ndms_refresh_s = 15\n"
                             "unknown_orders = \"cancel\"\nshutdown_wait_ms = 5000\nkill_switch_file = \"\"\n"
                             "kill_switch_poll_ms = 200\nmax_orders = 16384\nfill_memory = 65536\n"
                             "rate_budget = 500\nrate_window_ms = 10000\nrate_guard_ms = 1000\n"
                             "cancel_reserve = 100\n\n# no [[risk]]\n\n[sim]\n"));
  CHECK_THAT(printed,
             Catch::Contains("\n[sim]\nembedded = true\nseed = 1\nlisten_address = \"127.0.0.1\"\n"));
  CHECK_THAT(printed, Catch::Contains("\nnonce_check = \"increasing\"\nnonce_tolerance = 10000000\n"));
  CHECK_THAT(printed,
             Catch::Contains("\n# no [[sim.instruments]]\n\n# no [[sim.accounts]]\n\n[sim.market]\n"));
  CHECK_THAT(printed, Catch::EndsWith("\n[sim.faults]\nreject_fraction = 0.0\nrest_delay_ms = 0\n"
                                      "rest_drop_fraction = 0.0\nmalformed_frame_fraction = 0.0\n"));
  CHECK(printed.find("[threads]") == std::string::npos);
}

TEST_CASE("format_config prints instruments as an array of tables with exact increments", "[config]") {
  const std::string printed = format_config(everything_changed());
  CHECK_THAT(printed, Catch::Contains("\n[[instruments]]\nsymbol = \"PI_XBTUSD\"\ntick_size = \"0.5\"\n"
                                      "size_step = \"1\"\n\n[[instruments]]\nsymbol = \"PF_PEPEUSD\"\n"
                                      "tick_size = \"1e-10\"\nsize_step = \"1000\"\n"));
}

TEST_CASE("format_config prints risk limits as an array of tables with the decimals as written", "[config]") {
  const std::string printed = format_config(everything_changed());
  CHECK_THAT(printed, Catch::Contains("\n[[risk]]\nsymbol = \"pi_xbtusd\"\nmax_order_qty = \"100\"\n"
                                      "max_order_notional = \"1e5\"\nmax_position = \"1000\"\n"
                                      "max_open_orders = 1000000\nprice_collar_bps = 10000\n"
                                      "max_orders_per_second = 1\nmax_loss = \"0.000001\"\n"
                                      "max_drawdown = \"123456789.123456789\"\n\n[[risk]]\n"
                                      "symbol = \"PF_PEPEUSD\"\nmax_order_qty = \"5000\"\n"
                                      "max_order_notional = \"\"\n"));
  CHECK_THAT(printed, Catch::Contains("\nunknown_orders = \"adopt\"\n"));
  CHECK_THAT(printed, Catch::Contains("\nkill_switch_file = \"/run/tickpath/HALT \\\"now\\\"\"\n"));
}

TEST_CASE("format_config escapes strings so that they load back unchanged", "[config]") {
  const std::string printed = format_config(everything_changed());
  CHECK_THAT(printed, Catch::Contains("name = \"hot \\\"q\\\"\"\n"));
  CHECK_THAT(printed, Catch::Contains("name = \"c\\\\old\"\n"));
}

TEST_CASE("format_config redacts an inline api_key", "[config]") {
  EngineConfig config{.source = "k.toml"};
  config.venue.api_key = "PUBLIC-KEY-ID-123";
  const std::string printed = format_config(config);
  CHECK_THAT(printed, Catch::Contains("\napi_key = \"<redacted>\"\n"));
  CHECK(printed.find("PUBLIC-KEY-ID-123") == std::string::npos);
}

TEST_CASE("a printed config with a redacted api_key fails to load instead of using the placeholder",
          "[config]") {
  EngineConfig config{.source = "k.toml"};
  config.venue.api_key = "PUBLIC-KEY-ID-123";
  CHECK_THROWS_WITH(load_config_string(format_config(config), "k.toml"),
                    Catch::Contains("venue.api_key: is the placeholder that format_config prints"));
}

}  // namespace
}  // namespace tickpath::config
