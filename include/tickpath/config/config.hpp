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

// [sim]: the exchange simulator used by the default run and the tests.
struct SimConfig {
  bool embedded{true};    // run tickpath-sim inside the engine process
  std::uint64_t seed{1};  // RNG seed of the simulator's scenarios, 0 .. 2^63-1

  friend bool operator==(const SimConfig&, const SimConfig&) = default;
};

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

struct EngineConfig {
  EngineSection engine{};
  ThreadsConfig threads{};
  RingsConfig rings{};
  VenueConfig venue{};
  std::vector<InstrumentConfig> instruments{};
  MarketDataConfig market_data{};
  SimConfig sim{};
  std::string source{};  // name of the file (or string) it was loaded from; compared by ==

  friend bool operator==(const EngineConfig&, const EngineConfig&) = default;
};

}  // namespace tickpath::config
