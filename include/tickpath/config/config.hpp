#pragma once
// The engine's configuration as plain structs (STYLE B1.12). load.hpp turns a TOML file into an
// EngineConfig and validates it once, at start-up; components receive these structs (or parts of
// them) when they are built and never see the TOML library.
//
// The default member initialisers are the defaults of the file format: a key left out of the file
// keeps the value written here. Every member has an initialiser, so designated initialisers work:
//   EngineConfig cfg{.engine = {.run_seconds = 5}, .instruments = {...}};
// A default-constructed EngineConfig is valid (it has no instruments, which the loader allows).
// Ranges and other rules are enforced by the loader; structs built by hand are not re-checked.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tickpath/core/decimal.hpp"

namespace tickpath::config {

// What format_config prints in place of a credential. The loader rejects it as a value, so a
// printed config cannot be loaded back with a placeholder silently standing in for the key.
inline constexpr std::string_view kRedacted = "<redacted>";

// [engine]
struct EngineSection {
  std::string name{"tickpath"};  // 1-31 characters of [A-Za-z0-9_.-]; tags logs and the journal
  std::int64_t run_seconds{0};   // >= 0; 0 = run until SIGINT/SIGTERM

  friend bool operator==(const EngineSection&, const EngineSection&) = default;
};

// What a thread does when its agent's do_work() returned 0 (STYLE B1.8).
//   BusySpin: spin without yielding the CPU (the hot thread; needs a CPU to itself).
//   Backoff:  spin spin_count times, then sched_yield yield_count times, then sleep, starting at
//             min_sleep_ns and doubling up to max_sleep_ns (Aeron's BackoffIdleStrategy).
//   Sleep:    sleep sleep_ns each idle round.
// TOML: "busy_spin", "backoff", "sleep".
enum class IdleKind : std::uint8_t { BusySpin, Backoff, Sleep };

[[nodiscard]] std::string_view to_string(IdleKind kind) noexcept;

// [threads.hot], [threads.cold], [threads.journal]. Every field is validated whatever the idle
// kind, so switching kinds never exposes an unchecked value.
struct ThreadConfig {
  int cpu{-1};                           // CPU to pin to, 0..1023; -1 = not pinned
  IdleKind idle{IdleKind::Backoff};      // what to do when there is no work (above)
  std::string name{};                    // OS thread name, 1-15 printable ASCII characters
  std::int64_t spin_count{100};          // Backoff: busy spins before yielding, >= 0
  std::int64_t yield_count{10};          // Backoff: sched_yield calls before sleeping, >= 0
  std::int64_t min_sleep_ns{1'000};      // Backoff: first sleep, 1 ns .. 1 s
  std::int64_t max_sleep_ns{1'000'000};  // Backoff: longest sleep, min_sleep_ns .. 1 s
  std::int64_t sleep_ns{1'000'000};      // Sleep: each sleep, 1 ns .. 1 s

  friend bool operator==(const ThreadConfig&, const ThreadConfig&) = default;
};

// [threads]. Two threads may share a CPU only if neither of them busy-spins.
struct ThreadsConfig {
  ThreadConfig hot{.idle = IdleKind::BusySpin, .name = "tp-hot"};
  ThreadConfig cold{.idle = IdleKind::Backoff, .name = "tp-cold"};
  ThreadConfig journal{.idle = IdleKind::Backoff, .name = "tp-journal"};

  friend bool operator==(const ThreadsConfig&, const ThreadsConfig&) = default;
};

// [rings]: run-time capacities of the SPSC rings between threads; each a power of two.
struct RingsConfig {
  std::size_t journal_capacity_bytes{std::size_t{1} << 24};  // per producer, 4 KiB .. 1 GiB
  std::size_t cold_to_hot_capacity{4096};                    // records, 8 .. 1048576
  std::size_t hot_to_cold_capacity{4096};                    // records, 8 .. 1048576

  friend bool operator==(const RingsConfig&, const RingsConfig&) = default;
};

// TOML: "kraken_futures".
enum class VenueKind : std::uint8_t { KrakenFutures };

[[nodiscard]] std::string_view to_string(VenueKind kind) noexcept;

// [venue]. Secrets never live here: the API secret comes from the environment variable named by
// api_secret_env or from api_secret_file (secrets.hpp reads them); an api_secret key in the file
// is an error. Paths are used as written (relative ones resolve against the working directory)
// and are not checked by the loader: the component that opens them reports a missing file.
struct VenueConfig {
  VenueKind kind{VenueKind::KrakenFutures};
  std::string rest_url{"https://futures.kraken.com/derivatives/api/v3"};  // https:// or http://
  std::string ws_url{"wss://futures.kraken.com/ws/v1"};                   // wss:// or ws://
  std::string ca_file{};  // PEM file of trusted CAs; "" = the system trust store
  std::string api_key{};  // public key id; "" = read the variable named by api_key_env
  std::string api_key_env{"TICKPATH_API_KEY"};
  std::string api_secret_env{"TICKPATH_API_SECRET"};  // used when api_secret_file is ""
  std::string api_secret_file{};                      // file holding the secret; must be mode 0600 or 0400

  friend bool operator==(const VenueConfig&, const VenueConfig&) = default;
};

// A positive decimal increment (tick size or size step): the text as written (TOML underscores
// removed) and its exact value. The text is what format_config prints; the value is what code uses.
struct IncrementConfig {
  std::string text{"1"};
  Increment value{};

  friend bool operator==(const IncrementConfig&, const IncrementConfig&) = default;
};

// Builds an IncrementConfig from decimal text such as "0.5" or "1e-10"; throws ConfigError
// (error.hpp) if the text is not a positive decimal. For tests and code that builds configs.
[[nodiscard]] IncrementConfig make_increment(std::string_view text);

// [[instruments]]: symbols are unique, compared case-insensitively (Kraken Futures answers
// "pi_xbtusd" in some feeds for "PI_XBTUSD"); they are stored as written.
struct InstrumentConfig {
  std::string symbol{};         // required; 1-31 characters of [A-Za-z0-9_.:/-]
  IncrementConfig tick_size{};  // required; price increment
  IncrementConfig size_step{};  // required; quantity increment (one lot)

  friend bool operator==(const InstrumentConfig&, const InstrumentConfig&) = default;
};

// [[sim.instruments]]: a product the simulator lists and trades. Its contract kind (inverse or
// linear) follows the symbol's prefix (PI_/FI_ inverse, PF_/FF_ linear).
struct SimInstrumentConfig {
  std::string symbol{};           // required; as [[instruments]].symbol
  IncrementConfig tick_size{};    // required
  IncrementConfig size_step{};    // required
  std::string reference_price{};  // required; decimal, on the tick grid: the mark before trading
  double maker_fee{0.0002};       // fraction of notional, -0.01 .. 0.01 (negative = rebate)
  double taker_fee{0.0005};       // -0.01 .. 0.01

  friend bool operator==(const SimInstrumentConfig&, const SimInstrumentConfig&) = default;
};

// [[sim.accounts]]: an API key the simulator accepts. The secret (base64, as Kraken issues them)
// comes from the environment variable api_secret_env or the file api_secret_file (mode 0600/0400),
// never from this file.
struct SimAccountConfig {
  std::string name{};            // required; shown as `account` in the private feeds
  std::string api_key{};         // required; public key id
  std::string api_secret_env{};  // one of api_secret_env / api_secret_file is required
  std::string api_secret_file{};
  std::vector<std::string> balances{"USD:1000000", "BTC:10", "ETH:100"};  // "CURRENCY:amount"

  friend bool operator==(const SimAccountConfig&, const SimAccountConfig&) = default;
};

// TOML: "alert" (gocryptotrader's "Couldn't subscribe to invalid product `X`"), "error" (the
// DOC's {"event":"error","message":"Invalid product id"}).
enum class SimInvalidProductReply : std::uint8_t { Alert, Error };
// TOML: "orders_first", "fills_first": which private message of one execution goes out first.
enum class SimPrivateOrder : std::uint8_t { OrdersFirst, FillsFirst };
// TOML: "off" (Nonce header ignored), "increasing" (when sent, it must exceed the key's highest
// one, or lie less than SimConfig::nonce_tolerance below it and not have been used recently).
enum class SimNonceCheck : std::uint8_t { Off, Increasing };
// TOML: "random" (agents keep a moving book), "replay" (play replay_file), "none" (empty books).
enum class SimActivityKind : std::uint8_t { Random, Replay, None };

[[nodiscard]] std::string_view to_string(SimInvalidProductReply v) noexcept;
[[nodiscard]] std::string_view to_string(SimPrivateOrder v) noexcept;
[[nodiscard]] std::string_view to_string(SimNonceCheck v) noexcept;
[[nodiscard]] std::string_view to_string(SimActivityKind v) noexcept;

// [sim.market]: the background market. Rates are per instrument.
struct SimMarketConfig {
  SimActivityKind kind{SimActivityKind::Random};
  double deltas_per_second{200.0};  // book level changes, 0 .. 10000000
  std::int64_t levels{100};         // price levels kept per side, 1 .. 10000
  double trades_per_second{2.0};    // aggressive house orders that trade, 0 .. 1000000
  double volatility{0.0005};        // random-walk step of the fair price per second, fraction, 0 .. 0.1
  std::string replay_file{};        // JSON lines of frames or a cryptofeed raw capture
  double replay_speed{1.0};         // 0 = as fast as possible; 2 = twice the recorded pace
  bool replay_loop{false};

  friend bool operator==(const SimMarketConfig&, const SimMarketConfig&) = default;
};

// [sim.faults]: faults active from the start; the control endpoint changes them at run time.
struct SimFaultsConfig {
  double reject_fraction{0.0};           // orders answered marketSuspended at random, 0 .. 1
  std::int64_t rest_delay_ms{0};         // every REST answer delayed, 0 .. 600000
  double rest_drop_fraction{0.0};        // REST requests never answered (connection closed), 0 .. 1
  double malformed_frame_fraction{0.0};  // public messages replaced by broken JSON, 0 .. 1

  friend bool operator==(const SimFaultsConfig&, const SimFaultsConfig&) = default;
};

// [sim]: the exchange simulator (tickpath-sim) used by the default run, the tests and benchmarks.
struct SimConfig {
  bool embedded{true};    // run tickpath-sim inside the engine process
  std::uint64_t seed{1};  // RNG seed of ids and scenarios, 0 .. 2^63-1
  std::string listen_address{"127.0.0.1"};
  std::int64_t port{8443};  // 0 = any free port (printed at start), 0 .. 65535
  bool tls{true};           // https/wss; false = http/ws
  std::string cert_file{};  // PEM certificate and key to serve; "" = generate one at start
  std::string key_file{};
  std::string ca_out_file{"build/sim-ca.pem"};  // the certificate, written for clients to trust; "" = none
  bool control{true};                           // the /sim/v1/ control endpoint (faults, clock, state)
  SimNonceCheck nonce_check{SimNonceCheck::Increasing};
  // Kraken "tolerates nonces that are out of order for a brief period" (protocol §4.2): requests
  // signed microseconds apart and sent over several connections can arrive swapped. A nonce below
  // the key's highest is accepted when it is less than this many nonce units below it and not one
  // of the key's recent nonces; 0 = strictly increasing. 0 .. 2^62.
  std::int64_t nonce_tolerance{10'000'000};
  bool lenient_signature{false};                 // also accept Authent computed over the decoded parameters
  std::int64_t rate_limit_budget{500};           // cost units per window per API key, 1 .. 1000000
  std::int64_t rate_limit_window_ms{10'000};     // sliding window, 1 .. 3600000
  std::int64_t ws_ping_timeout_ms{60'000};       // close a websocket not pinged for this long; 0 = never
  std::int64_t ws_max_message_bytes{65'536};     // larger client frames close the connection, 128 .. 16 MiB
  std::int64_t ws_max_requests_per_second{100};  // per connection; excess gets an alert, 1 .. 1000000
  std::int64_t ws_max_subscriptions{0};          // per connection; 0 = unlimited
  std::int64_t heartbeat_interval_ms{1'000};     // `heartbeat` feed, 1 .. 3600000
  std::int64_t ticker_interval_ms{1'000};        // `ticker` / `ticker_lite`, 1 .. 3600000
  SimInvalidProductReply invalid_product_reply{SimInvalidProductReply::Alert};
  SimPrivateOrder private_order{SimPrivateOrder::OrdersFirst};
  double market_collar{0.01};          // mkt orders: IOC within this fraction of the mark, 0.0001 .. 1
  double price_collar{0.25};           // limit prices further than this from the mark are refused
                                       // (outsidePriceCollar), 0 .. 10; 0 = off
  std::int64_t max_open_orders{1000};  // per account (tooManyOrders), 1 .. 1000000
  std::vector<SimInstrumentConfig> instruments{};  // [] = PI_XBTUSD, PF_XBTUSD, PI_ETHUSD, PF_ETHUSD
  std::vector<SimAccountConfig> accounts{};        // [] = one generated key (printed at start)
  SimMarketConfig market{};
  SimFaultsConfig faults{};

  friend bool operator==(const SimConfig&, const SimConfig&) = default;
};

// The simulator's default instruments: Kraken's production tick sizes and size steps (§3.2).
[[nodiscard]] std::vector<SimInstrumentConfig> default_sim_instruments();

// Public market-data feeds. TOML: "book", "trade", "ticker", "ticker_lite".
enum class MarketDataFeed : std::uint8_t { Book, Trade, Ticker, TickerLite };

[[nodiscard]] std::string_view to_string(MarketDataFeed feed) noexcept;

// [market_data]: the venue's public websocket (venue.ws_url, venue.ca_file): what to subscribe,
// the watchdogs, keep-alive, connect-step timeouts and the reconnect backoff. Durations are
// milliseconds (`_ms`). Rules checked by the loader: every product is one of [[instruments]]
// (case-insensitively) and listed once; feeds are not empty, have no duplicates and hold at most
// one of "ticker" and "ticker_lite"; backoff_max_ms >= backoff_initial_ms.
struct MarketDataConfig {
  std::vector<std::string> products{};  // symbols to subscribe; [] = no market data
  std::vector<MarketDataFeed> feeds{MarketDataFeed::Book, MarketDataFeed::Trade, MarketDataFeed::Ticker};
  // Watchdogs, 0 = off. A product with no message for product_silence_ms is resubscribed (ticker
  // alone sends ~1 message/s per product); a connection with no frame at all for
  // connection_silence_ms is dropped and reconnected.
  std::int64_t product_silence_ms{15'000};     // 0 .. 3600000
  std::int64_t connection_silence_ms{10'000};  // 0 .. 3600000
  // Websocket keep-alive: protocol Ping every ping_interval_ms (Kraken closes connections not
  // pinged for ~60 s), the connection is dead when its Pong is pong_timeout_ms late.
  std::int64_t ping_interval_ms{20'000};  // 1 .. 60000
  std::int64_t pong_timeout_ms{10'000};   // 1 .. 60000
  // Connection steps, each 1 .. 60000.
  std::int64_t resolve_timeout_ms{5'000};
  std::int64_t connect_timeout_ms{5'000};
  std::int64_t tls_handshake_timeout_ms{5'000};
  std::int64_t ws_handshake_timeout_ms{5'000};
  std::int64_t close_timeout_ms{2'000};
  // Reconnect backoff (net/reconnect_policy.hpp): delay k = min(initial * multiplier^k, max),
  // minus up to jitter of it at random; the count resets once a connection stayed up
  // backoff_reset_after_ms.
  std::int64_t backoff_initial_ms{250};         // 1 .. 3600000
  std::int64_t backoff_max_ms{30'000};          // backoff_initial_ms .. 3600000
  double backoff_multiplier{2.0};               // 1 .. 10
  double backoff_jitter{0.2};                   // 0 .. 1
  std::int64_t backoff_reset_after_ms{60'000};  // 0 .. 86400000
  // Largest websocket message accepted (a PF_XBTUSD book snapshot is ~94 KB), 4 KiB .. 1 GiB.
  std::int64_t max_message_bytes{std::int64_t{1} << 24};

  friend bool operator==(const MarketDataConfig&, const MarketDataConfig&) = default;
};

// What reconciliation does with an order the venue reports open that the gateway did not send
// (or no longer knows, e.g. after a restart). TOML: "cancel" (cancel it), "adopt" (track it as
// ours). Cancel is the default: an order nobody owns keeps trading risk nobody watches.
enum class UnknownOrdersPolicy : std::uint8_t { Cancel, Adopt };

[[nodiscard]] std::string_view to_string(UnknownOrdersPolicy policy) noexcept;

// [gateway]: the order gateway (signed order entry over REST, the private feed, the dead man's
// switch, the kill switch). Rules checked by the loader besides the ranges: dms_refresh_s <
// dms_timeout_s when the switch is armed (dms_timeout_s > 0), cancel_reserve < rate_budget.
// Durations carry their unit in the name.
struct GatewayConfig {
  bool enabled{false};  // run the order gateway (needs venue credentials; the embedded sim provides them)
  std::int64_t rest_connections{2};        // keep-alive HTTPS connections, 1 .. 16
  std::int64_t request_timeout_ms{5'000};  // no answer by then: the order is Unknown until settled,
                                           // 100 .. 600000
  std::int64_t send_queue{1'024};          // requests waiting for a free connection, 1 .. 1048576
  // Dead man's switch (cancelallordersafter, protocol §5.9): armed with dms_timeout_s and re-armed
  // every dms_refresh_s; 0 = not armed, 0 .. 86400 (Kraken recommends 60 re-armed every 15-20).
  std::int64_t dms_timeout_s{60};
  std::int64_t dms_refresh_s{15};  // 1 .. dms_timeout_s - 1 when armed, else 1 .. 86400
  UnknownOrdersPolicy unknown_orders{UnknownOrdersPolicy::Cancel};  // venue orders reconciliation finds
                                                                    // that we do not know
  std::int64_t shutdown_wait_ms{5'000};   // SIGINT/SIGTERM/fatal: cancel all, then wait at most this
                                          // for the confirmation, 0 .. 60000
  std::string kill_switch_file{};         // when this file exists: cancel all and halt (cancel-only)
                                          // until reset; "" = no kill switch file
  std::int64_t kill_switch_poll_ms{200};  // how often the file is checked (cold thread), 10 .. 60000
  std::int64_t max_orders{16'384};        // live + recent orders kept, power of two, 64 .. 1048576
  std::int64_t fill_memory{65'536};       // fill ids remembered for deduplication, 1024 .. 16777216
  // The venue's REST cost budget as the gateway tracks it (protocol §5.3): rate_budget cost units
  // per rate_window_ms, with the window taken rate_guard_ms longer on our side so that clock skew
  // and in-flight requests cannot push the venue's count over; cancel_reserve of the units are
  // kept for cancels, so a full budget never stops us from pulling orders.
  std::int64_t rate_budget{500};        // 1 .. 1000000
  std::int64_t rate_window_ms{10'000};  // 1 .. 3600000
  std::int64_t rate_guard_ms{1'000};    // 0 .. 60000
  std::int64_t cancel_reserve{100};     // 0 .. rate_budget - 1

  friend bool operator==(const GatewayConfig&, const GatewayConfig&) = default;
};

// [[risk]]: pre-trade limits of one instrument. The symbol is one of [[instruments]] (compared
// case-insensitively) and has at most one entry; an instrument without one has no limits.
// Quantities and money are decimal TEXT in the instrument's units, exact like tick_size, and ""
// means no limit; the loader checks that a limit is a positive decimal (at most 18 significant
// digits), that quantity limits lie on the instrument's size_step grid and that money limits have
// at most 9 decimal places and fit the engine's Money (billionths in an int64: about 9.2e9).
// Integer limits use 0 for "no limit" / "off".
struct RiskConfig {
  std::string symbol{};                   // required
  std::string max_order_qty{};            // per order: base units (PF_/FF_) or contracts (PI_/FI_); on the
                                          // size_step grid
  std::string max_order_notional{};       // per order, quote currency (USD)
  std::string max_position{};             // absolute position including open orders on the same side; on
                                          // the size_step grid
  std::int64_t max_open_orders{0};        // 0 .. 1000000
  std::int64_t price_collar_bps{0};       // a limit price at most this far from the book's mid, 0 .. 10000
  std::int64_t max_orders_per_second{0};  // new + modify per rolling second, 0 .. 1000000
  std::string max_loss{};      // settlement currency (USD for PF_/FF_, the coin for PI_/FI_): trading
                               // halts when realised + unrealised - fees <= -max_loss
  std::string max_drawdown{};  // same currency: trading halts when that total falls this far below
                               // its peak

  friend bool operator==(const RiskConfig&, const RiskConfig&) = default;
};

struct EngineConfig {
  EngineSection engine{};
  ThreadsConfig threads{};
  RingsConfig rings{};
  VenueConfig venue{};
  std::vector<InstrumentConfig> instruments{};
  MarketDataConfig market_data{};
  GatewayConfig gateway{};
  std::vector<RiskConfig> risk{};
  SimConfig sim{};
  std::string source{};  // name of the file (or string) it was loaded from; compared by ==

  friend bool operator==(const EngineConfig&, const EngineConfig&) = default;
};

}  // namespace tickpath::config
