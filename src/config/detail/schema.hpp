#pragma once
// The file format, written once. describe() lists each section's keys in file order with their
// type, range and checks; a visitor walks it. Loader (load.cpp) reads, type-checks and validates
// TOML through it, and reports every key of the file it did not ask for as unknown; Printer
// (format.cpp) writes TOML through it. So adding a key is one struct member and one line here,
// and format_config can never disagree with the loader about names or order.
//
// A visitor V provides, for a key and a reference to the member it maps to (const when printing):
//   text(key, std::string&, TextCheck, FieldFlags)        a TOML string
//   boolean(key, bool&, FieldFlags)                       a TOML boolean
//   integer(key, Int&, IntRange, FieldFlags)              a TOML integer, range-checked
//   choice(key, Enum&, names, FieldFlags)                 a TOML string naming an enumerator
//   real(key, double&, RealRange, FieldFlags)             a TOML float (or integer), range-checked
//   text_list(key, std::vector<std::string>&, TextCheck, FieldFlags)   an array of strings
//   choice_list(key, std::vector<Enum>&, names, FieldFlags)            an array of enumerator names
//   increment(key, IncrementConfig&, FieldFlags)          a TOML string or number, exact
//   forbidden(key, advice)                                a key that must not appear (reading only)
//   section(key, Struct&)                                 a sub-table, described by describe()
//   table_array(key, std::vector<Struct>&)                an array of tables ([[key]])
// Within one section, scalar keys come before sub-tables (TOML requires it of the printer).

#include <array>
#include <concepts>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "tickpath/config/config.hpp"

namespace tickpath::config::detail {

// T is U or const U: one describe() serves the loader (mutable) and the printer (const).
template <class T, class U>
concept Cv = std::same_as<std::remove_const_t<T>, U>;

struct FieldFlags {
  bool required{false};  // a missing key is an error (otherwise the default stays)
  bool redact{false};    // printed as kRedacted when non-empty
};

// Inclusive range, optionally restricted to powers of two.
struct IntRange {
  std::int64_t min{0};
  std::int64_t max{std::numeric_limits<std::int64_t>::max()};
  bool power_of_two{false};
};

// Inclusive range of a float.
struct RealRange {
  double min{0};
  double max{0};
};

// Returns "" when the text is acceptable, else why not. The reason must not quote the text: the
// error names the key and its position, and some values (api_key) are not to be echoed.
// nullptr = any text without control characters.
using TextCheck = std::string (*)(std::string_view text);

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

inline constexpr std::array<EnumName<IdleKind>, 3> kIdleKindNames{{
    {IdleKind::BusySpin, "busy_spin"},
    {IdleKind::Backoff, "backoff"},
    {IdleKind::Sleep, "sleep"},
}};

inline constexpr std::array<EnumName<VenueKind>, 1> kVenueKindNames{{
    {VenueKind::KrakenFutures, "kraken_futures"},
}};

inline constexpr std::array<EnumName<MarketDataFeed>, 4> kMarketDataFeedNames{{
    {MarketDataFeed::Book, "book"},
    {MarketDataFeed::Trade, "trade"},
    {MarketDataFeed::Ticker, "ticker"},
    {MarketDataFeed::TickerLite, "ticker_lite"},
}};

inline constexpr std::array<EnumName<UnknownOrdersPolicy>, 2> kUnknownOrdersPolicyNames{{
    {UnknownOrdersPolicy::Cancel, "cancel"},
    {UnknownOrdersPolicy::Adopt, "adopt"},
}};

inline constexpr std::int64_t kMaxCpu = 1023;                // CPU_SETSIZE - 1
inline constexpr std::int64_t kMaxRunSeconds = 315'360'000;  // ten years; ns still fit in int64
inline constexpr std::int64_t kMaxSleepNs = 1'000'000'000;   // longer sleeps delay shutdown
inline constexpr std::int64_t kMaxIdleRounds = 1'000'000'000;
inline constexpr std::int64_t kMaxWatchdogMs = 3'600'000;  // an hour
inline constexpr std::int64_t kMaxKeepAliveMs = 60'000;    // Kraken drops connections unpinged ~60 s
inline constexpr std::int64_t kMaxStepTimeoutMs = 60'000;
inline constexpr std::int64_t kMaxBackoffMs = 3'600'000;
inline constexpr std::int64_t kMaxBackoffResetMs = 86'400'000;

std::string check_engine_name(std::string_view text);
std::string check_thread_name(std::string_view text);
std::string check_rest_url(std::string_view text);
std::string check_ws_url(std::string_view text);
std::string check_env_name(std::string_view text);
std::string check_api_key(std::string_view text);
std::string check_symbol(std::string_view text);

// Parses a positive decimal increment into out; returns "" or why the text is not one.
std::string parse_increment_text(std::string_view text, Increment& out);

inline constexpr std::string_view kApiSecretAdvice =
    "secrets must not be written in the config file; put the API secret in the environment "
    "variable named by venue.api_secret_env (default TICKPATH_API_SECRET) or in a file named by "
    "venue.api_secret_file (mode 0600 or 0400)";

template <class V, Cv<EngineSection> T>
void describe(V& v, T& s) {
  v.text("name", s.name, check_engine_name, {});
  v.integer("run_seconds", s.run_seconds, {.min = 0, .max = kMaxRunSeconds}, {});
}

template <class V, Cv<ThreadConfig> T>
void describe(V& v, T& t) {
  v.integer("cpu", t.cpu, {.min = -1, .max = kMaxCpu}, {});
  v.choice("idle", t.idle, kIdleKindNames, {});
  v.text("name", t.name, check_thread_name, {});
  v.integer("spin_count", t.spin_count, {.min = 0, .max = kMaxIdleRounds}, {});
  v.integer("yield_count", t.yield_count, {.min = 0, .max = kMaxIdleRounds}, {});
  v.integer("min_sleep_ns", t.min_sleep_ns, {.min = 1, .max = kMaxSleepNs}, {});
  v.integer("max_sleep_ns", t.max_sleep_ns, {.min = 1, .max = kMaxSleepNs}, {});
  v.integer("sleep_ns", t.sleep_ns, {.min = 1, .max = kMaxSleepNs}, {});
}

template <class V, Cv<ThreadsConfig> T>
void describe(V& v, T& t) {
  v.section("hot", t.hot);
  v.section("cold", t.cold);
  v.section("journal", t.journal);
}

template <class V, Cv<RingsConfig> T>
void describe(V& v, T& r) {
  v.integer("journal_capacity_bytes", r.journal_capacity_bytes,
            {.min = std::int64_t{1} << 12, .max = std::int64_t{1} << 30, .power_of_two = true}, {});
  v.integer("cold_to_hot_capacity", r.cold_to_hot_capacity,
            {.min = 8, .max = std::int64_t{1} << 20, .power_of_two = true}, {});
  v.integer("hot_to_cold_capacity", r.hot_to_cold_capacity,
            {.min = 8, .max = std::int64_t{1} << 20, .power_of_two = true}, {});
}

template <class V, Cv<VenueConfig> T>
void describe(V& v, T& s) {
  v.choice("kind", s.kind, kVenueKindNames, {});
  v.text("rest_url", s.rest_url, check_rest_url, {});
  v.text("ws_url", s.ws_url, check_ws_url, {});
  v.text("ca_file", s.ca_file, nullptr, {});
  v.text("api_key", s.api_key, check_api_key, {.redact = true});
  v.text("api_key_env", s.api_key_env, check_env_name, {});
  v.text("api_secret_env", s.api_secret_env, check_env_name, {});
  v.text("api_secret_file", s.api_secret_file, nullptr, {});
  v.forbidden("api_secret", kApiSecretAdvice);
}

template <class V, Cv<InstrumentConfig> T>
void describe(V& v, T& i) {
  v.text("symbol", i.symbol, check_symbol, {.required = true});
  v.increment("tick_size", i.tick_size, {.required = true});
  v.increment("size_step", i.size_step, {.required = true});
}

template <class V, Cv<MarketDataConfig> T>
void describe(V& v, T& m) {
  v.text_list("products", m.products, check_symbol, {});
  v.choice_list("feeds", m.feeds, kMarketDataFeedNames, {});
  v.integer("product_silence_ms", m.product_silence_ms, {.min = 0, .max = kMaxWatchdogMs}, {});
  v.integer("connection_silence_ms", m.connection_silence_ms, {.min = 0, .max = kMaxWatchdogMs}, {});
  v.integer("ping_interval_ms", m.ping_interval_ms, {.min = 1, .max = kMaxKeepAliveMs}, {});
  v.integer("pong_timeout_ms", m.pong_timeout_ms, {.min = 1, .max = kMaxKeepAliveMs}, {});
  v.integer("resolve_timeout_ms", m.resolve_timeout_ms, {.min = 1, .max = kMaxStepTimeoutMs}, {});
  v.integer("connect_timeout_ms", m.connect_timeout_ms, {.min = 1, .max = kMaxStepTimeoutMs}, {});
  v.integer("tls_handshake_timeout_ms", m.tls_handshake_timeout_ms, {.min = 1, .max = kMaxStepTimeoutMs}, {});
  v.integer("ws_handshake_timeout_ms", m.ws_handshake_timeout_ms, {.min = 1, .max = kMaxStepTimeoutMs}, {});
  v.integer("close_timeout_ms", m.close_timeout_ms, {.min = 1, .max = kMaxStepTimeoutMs}, {});
  v.integer("backoff_initial_ms", m.backoff_initial_ms, {.min = 1, .max = kMaxBackoffMs}, {});
  v.integer("backoff_max_ms", m.backoff_max_ms, {.min = 1, .max = kMaxBackoffMs}, {});
  v.real("backoff_multiplier", m.backoff_multiplier, {.min = 1.0, .max = 10.0}, {});
  v.real("backoff_jitter", m.backoff_jitter, {.min = 0.0, .max = 1.0}, {});
  v.integer("backoff_reset_after_ms", m.backoff_reset_after_ms, {.min = 0, .max = kMaxBackoffResetMs}, {});
  v.integer("max_message_bytes", m.max_message_bytes,
            {.min = std::int64_t{1} << 12, .max = std::int64_t{1} << 30}, {});
}

inline constexpr std::array<EnumName<SimInvalidProductReply>, 2> kSimInvalidProductReplyNames{{
    {SimInvalidProductReply::Alert, "alert"},
    {SimInvalidProductReply::Error, "error"},
}};

inline constexpr std::array<EnumName<SimPrivateOrder>, 2> kSimPrivateOrderNames{{
    {SimPrivateOrder::OrdersFirst, "orders_first"},
    {SimPrivateOrder::FillsFirst, "fills_first"},
}};

inline constexpr std::array<EnumName<SimNonceCheck>, 2> kSimNonceCheckNames{{
    {SimNonceCheck::Off, "off"},
    {SimNonceCheck::Increasing, "increasing"},
}};

inline constexpr std::array<EnumName<SimActivityKind>, 3> kSimActivityKindNames{{
    {SimActivityKind::Random, "random"},
    {SimActivityKind::Replay, "replay"},
    {SimActivityKind::None, "none"},
}};

inline constexpr std::int64_t kMaxSimDelayMs = 600'000;
// Nonces are often epoch nanoseconds (~2^61 today); the bound keeps max - tolerance in range.
inline constexpr std::int64_t kMaxNonceTolerance = std::int64_t{1} << 62;

std::string check_host(std::string_view text);
std::string check_decimal(std::string_view text);
std::string check_sim_balance(std::string_view text);

inline constexpr std::string_view kSimSecretAdvice =
    "secrets must not be written in the config file; put the account's API secret in the "
    "environment variable named by api_secret_env or in a file named by api_secret_file (mode 0600 "
    "or 0400)";

template <class V, Cv<SimInstrumentConfig> T>
void describe(V& v, T& i) {
  v.text("symbol", i.symbol, check_symbol, {.required = true});
  v.increment("tick_size", i.tick_size, {.required = true});
  v.increment("size_step", i.size_step, {.required = true});
  v.text("reference_price", i.reference_price, check_decimal, {.required = true});
  v.real("maker_fee", i.maker_fee, {.min = -0.01, .max = 0.01}, {});
  v.real("taker_fee", i.taker_fee, {.min = -0.01, .max = 0.01}, {});
}

template <class V, Cv<SimAccountConfig> T>
void describe(V& v, T& a) {
  v.text("name", a.name, check_engine_name, {.required = true});
  v.text("api_key", a.api_key, check_api_key, {.required = true});
  v.text("api_secret_env", a.api_secret_env, nullptr, {});
  v.text("api_secret_file", a.api_secret_file, nullptr, {});
  v.text_list("balances", a.balances, check_sim_balance, {});
  v.forbidden("api_secret", kSimSecretAdvice);
}

template <class V, Cv<SimMarketConfig> T>
void describe(V& v, T& m) {
  v.choice("kind", m.kind, kSimActivityKindNames, {});
  v.real("deltas_per_second", m.deltas_per_second, {.min = 0.0, .max = 1e7}, {});
  v.integer("levels", m.levels, {.min = 1, .max = 10'000}, {});
  v.real("trades_per_second", m.trades_per_second, {.min = 0.0, .max = 1e6}, {});
  v.real("volatility", m.volatility, {.min = 0.0, .max = 0.1}, {});
  v.text("replay_file", m.replay_file, nullptr, {});
  v.real("replay_speed", m.replay_speed, {.min = 0.0, .max = 1e6}, {});
  v.boolean("replay_loop", m.replay_loop, {});
}

template <class V, Cv<SimFaultsConfig> T>
void describe(V& v, T& f) {
  v.real("reject_fraction", f.reject_fraction, {.min = 0.0, .max = 1.0}, {});
  v.integer("rest_delay_ms", f.rest_delay_ms, {.min = 0, .max = kMaxSimDelayMs}, {});
  v.real("rest_drop_fraction", f.rest_drop_fraction, {.min = 0.0, .max = 1.0}, {});
  v.real("malformed_frame_fraction", f.malformed_frame_fraction, {.min = 0.0, .max = 1.0}, {});
}

template <class V, Cv<SimConfig> T>
void describe(V& v, T& s) {
  v.boolean("embedded", s.embedded, {});
  v.integer("seed", s.seed, {.min = 0}, {});
  v.text("listen_address", s.listen_address, check_host, {});
  v.integer("port", s.port, {.min = 0, .max = 65'535}, {});
  v.boolean("tls", s.tls, {});
  v.text("cert_file", s.cert_file, nullptr, {});
  v.text("key_file", s.key_file, nullptr, {});
  v.text("ca_out_file", s.ca_out_file, nullptr, {});
  v.boolean("control", s.control, {});
  v.choice("nonce_check", s.nonce_check, kSimNonceCheckNames, {});
  v.integer("nonce_tolerance", s.nonce_tolerance, {.min = 0, .max = kMaxNonceTolerance}, {});
  v.boolean("lenient_signature", s.lenient_signature, {});
  v.integer("rate_limit_budget", s.rate_limit_budget, {.min = 1, .max = 1'000'000}, {});
  v.integer("rate_limit_window_ms", s.rate_limit_window_ms, {.min = 1, .max = kMaxWatchdogMs}, {});
  v.integer("ws_ping_timeout_ms", s.ws_ping_timeout_ms, {.min = 0, .max = kMaxWatchdogMs}, {});
  v.integer("ws_max_message_bytes", s.ws_max_message_bytes, {.min = 128, .max = std::int64_t{1} << 24}, {});
  v.integer("ws_max_requests_per_second", s.ws_max_requests_per_second, {.min = 1, .max = 1'000'000}, {});
  v.integer("ws_max_subscriptions", s.ws_max_subscriptions, {.min = 0, .max = 1'000'000}, {});
  v.integer("heartbeat_interval_ms", s.heartbeat_interval_ms, {.min = 1, .max = kMaxWatchdogMs}, {});
  v.integer("ticker_interval_ms", s.ticker_interval_ms, {.min = 1, .max = kMaxWatchdogMs}, {});
  v.choice("invalid_product_reply", s.invalid_product_reply, kSimInvalidProductReplyNames, {});
  v.choice("private_order", s.private_order, kSimPrivateOrderNames, {});
  v.real("market_collar", s.market_collar, {.min = 0.0001, .max = 1.0}, {});
  v.real("price_collar", s.price_collar, {.min = 0.0, .max = 10.0}, {});
  v.integer("max_open_orders", s.max_open_orders, {.min = 1, .max = 1'000'000}, {});
  v.table_array("instruments", s.instruments);
  v.table_array("accounts", s.accounts);
  v.section("market", s.market);
  v.section("faults", s.faults);
}

inline constexpr std::int64_t kMaxDmsSeconds = 86'400;
inline constexpr std::int64_t kMaxRiskCount = 1'000'000;

// "" (no limit) or a positive decimal that parse_decimal reads exactly.
std::string check_limit(std::string_view text);
// check_limit, and a whole number of kMoneyResolution that fits in int64 (the engine's Money).
inline constexpr Increment kMoneyResolution{.mantissa = 1, .exponent = -9};
std::string check_money_limit(std::string_view text);

template <class V, Cv<GatewayConfig> T>
void describe(V& v, T& g) {
  v.boolean("enabled", g.enabled, {});
  v.integer("rest_connections", g.rest_connections, {.min = 1, .max = 16}, {});
  v.integer("request_timeout_ms", g.request_timeout_ms, {.min = 100, .max = 600'000}, {});
  v.integer("send_queue", g.send_queue, {.min = 1, .max = std::int64_t{1} << 20}, {});
  v.integer("dms_timeout_s", g.dms_timeout_s, {.min = 0, .max = kMaxDmsSeconds}, {});
  v.integer("dms_refresh_s", g.dms_refresh_s, {.min = 1, .max = kMaxDmsSeconds}, {});
  v.choice("unknown_orders", g.unknown_orders, kUnknownOrdersPolicyNames, {});
  v.integer("shutdown_wait_ms", g.shutdown_wait_ms, {.min = 0, .max = 60'000}, {});
  v.text("kill_switch_file", g.kill_switch_file, nullptr, {});
  v.integer("kill_switch_poll_ms", g.kill_switch_poll_ms, {.min = 10, .max = 60'000}, {});
  v.integer("max_orders", g.max_orders, {.min = 64, .max = std::int64_t{1} << 20, .power_of_two = true}, {});
  v.integer("fill_memory", g.fill_memory, {.min = 1'024, .max = std::int64_t{1} << 24}, {});
  v.integer("rate_budget", g.rate_budget, {.min = 1, .max = 1'000'000}, {});
  v.integer("rate_window_ms", g.rate_window_ms, {.min = 1, .max = kMaxWatchdogMs}, {});
  v.integer("rate_guard_ms", g.rate_guard_ms, {.min = 0, .max = 60'000}, {});
  v.integer("cancel_reserve", g.cancel_reserve, {.min = 0, .max = 1'000'000}, {});
}

template <class V, Cv<RiskConfig> T>
void describe(V& v, T& r) {
  v.text("symbol", r.symbol, check_symbol, {.required = true});
  v.text("max_order_qty", r.max_order_qty, check_limit, {});
  v.text("max_order_notional", r.max_order_notional, check_money_limit, {});
  v.text("max_position", r.max_position, check_limit, {});
  v.integer("max_open_orders", r.max_open_orders, {.min = 0, .max = kMaxRiskCount}, {});
  v.integer("price_collar_bps", r.price_collar_bps, {.min = 0, .max = 10'000}, {});
  v.integer("max_orders_per_second", r.max_orders_per_second, {.min = 0, .max = kMaxRiskCount}, {});
  v.text("max_loss", r.max_loss, check_money_limit, {});
  v.text("max_drawdown", r.max_drawdown, check_money_limit, {});
}

template <class V, Cv<EngineConfig> T>
void describe(V& v, T& c) {
  v.section("engine", c.engine);
  v.section("threads", c.threads);
  v.section("rings", c.rings);
  v.section("venue", c.venue);
  v.table_array("instruments", c.instruments);
  v.section("market_data", c.market_data);
  v.section("gateway", c.gateway);
  v.table_array("risk", c.risk);
  v.section("sim", c.sim);
}

}  // namespace tickpath::config::detail
