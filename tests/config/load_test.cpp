// tests/config/load_test.cpp: include/tickpath/config/load.hpp, the loader and its messages.

#include "tickpath/config/load.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

namespace tickpath::config {
namespace {

// The text of the ConfigError that loading toml throws, or a test failure if it loads.
std::string error_of(std::string_view toml) {
  try {
    (void)load_config_string(toml, "t.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("expected a ConfigError for:\n" << toml);
  return {};
}

std::vector<ConfigIssue> issues_of(std::string_view toml) {
  try {
    (void)load_config_string(toml, "t.toml");
  } catch (const ConfigError& e) {
    return e.issues();
  }
  FAIL("expected a ConfigError for:\n" << toml);
  return {};
}

TEST_CASE("an empty file gives every default", "[config]") {
  const EngineConfig c = load_config_string("", "empty.toml");
  CHECK(c.source == "empty.toml");
  CHECK(c.engine.name == "tickpath");
  CHECK(c.engine.run_seconds == 0);
  CHECK(c.threads.hot.cpu == -1);
  CHECK(c.threads.hot.idle == IdleKind::BusySpin);
  CHECK(c.threads.hot.name == "tp-hot");
  CHECK(c.threads.cold.idle == IdleKind::Backoff);
  CHECK(c.threads.cold.name == "tp-cold");
  CHECK(c.threads.journal.idle == IdleKind::Backoff);
  CHECK(c.threads.journal.name == "tp-journal");
  CHECK(c.threads.cold.min_sleep_ns <= c.threads.cold.max_sleep_ns);
  CHECK(c.rings.journal_capacity_bytes == (std::size_t{1} << 24));
  CHECK(c.rings.cold_to_hot_capacity == 4096);
  CHECK(c.rings.hot_to_cold_capacity == 4096);
  CHECK(c.venue.kind == VenueKind::KrakenFutures);
  CHECK(c.venue.rest_url == "https://futures.kraken.com/derivatives/api/v3");
  CHECK(c.venue.ws_url == "wss://futures.kraken.com/ws/v1");
  CHECK(c.venue.ca_file.empty());
  CHECK(c.venue.api_key.empty());
  CHECK(c.venue.api_key_env == "TICKPATH_API_KEY");
  CHECK(c.venue.api_secret_env == "TICKPATH_API_SECRET");
  CHECK(c.venue.api_secret_file.empty());
  CHECK(c.instruments.empty());
  CHECK(c.sim.embedded);
  CHECK(c.sim.seed == 1);
  CHECK(c == EngineConfig{.source = "empty.toml"});
}

TEST_CASE("keys that are given override the defaults and the others keep them", "[config]") {
  const EngineConfig c = load_config_string(R"(
[engine]
run_seconds = 30
[threads.cold]
cpu = 3
idle = "sleep"
sleep_ns = 500
[rings]
cold_to_hot_capacity = 1024
[venue]
api_key = "pub-key-id"
[sim]
seed = 42
)",
                                            "t.toml");
  EngineConfig expected{.source = "t.toml"};
  expected.engine.run_seconds = 30;
  expected.threads.cold.cpu = 3;
  expected.threads.cold.idle = IdleKind::Sleep;
  expected.threads.cold.sleep_ns = 500;
  expected.rings.cold_to_hot_capacity = 1024;
  expected.venue.api_key = "pub-key-id";
  expected.sim.seed = 42;
  CHECK(c == expected);
}

TEST_CASE("designated initialisers build a config that compares equal to the loaded one", "[config]") {
  const EngineConfig built{
      .engine = {.name = "desk-1", .run_seconds = 5},
      .threads = {.hot = {.cpu = 2, .idle = IdleKind::BusySpin, .name = "tp-hot"}},
      .instruments = {{.symbol = "PI_XBTUSD",
                       .tick_size = make_increment("0.5"),
                       .size_step = make_increment("1")}},
      .sim = {.embedded = false},
      .source = "t.toml",
  };
  const EngineConfig loaded = load_config_string(R"(
[engine]
name = "desk-1"
run_seconds = 5
[threads.hot]
cpu = 2
[[instruments]]
symbol = "PI_XBTUSD"
tick_size = "0.5"
size_step = "1"
[sim]
embedded = false
)",
                                                 "t.toml");
  CHECK(loaded == built);
}

TEST_CASE("a missing required key is reported at the position of its parent table", "[config]") {
  CHECK(
      error_of("[engine]\nname = \"x\"\n\n[[instruments]]\nsymbol = \"PI_XBTUSD\"\ntick_size = \"0.5\"\n") ==
      "t.toml:4:1: instruments[0].size_step: missing required key");
}

TEST_CASE("every missing required key of an instrument is reported", "[config]") {
  const std::vector<ConfigIssue> issues = issues_of("[[instruments]]\n");
  REQUIRE(issues.size() == 3);
  CHECK(issues[0].key == "instruments[0].symbol");
  CHECK(issues[1].key == "instruments[0].tick_size");
  CHECK(issues[2].key == "instruments[0].size_step");
  for (const ConfigIssue& issue : issues) {
    CHECK(issue.line == 1);
    CHECK(issue.column == 1);
    CHECK(issue.message == "missing required key");
  }
}

TEST_CASE("a value of the wrong type names the expected and the actual type at the value", "[config]") {
  CHECK(error_of("[threads.hot]\ncpu = \"3\"\n") ==
        "t.toml:2:7: threads.hot.cpu: expected an integer, got a string");
  CHECK(error_of("[sim]\nembedded = 1\n") ==
        "t.toml:2:12: sim.embedded: expected a boolean (true or false), got an integer");
  CHECK(error_of("[engine]\nname = 5\n") == "t.toml:2:8: engine.name: expected a string, got an integer");
  CHECK(error_of("[engine]\nrun_seconds = 1.5\n") ==
        "t.toml:2:15: engine.run_seconds: expected an integer, got a float");
  CHECK(error_of("[[instruments]]\nsymbol = \"X\"\ntick_size = true\nsize_step = \"1\"\n") ==
        "t.toml:3:13: instruments[0].tick_size: expected a decimal string such as \"0.5\" or a number, got a "
        "boolean");
}

TEST_CASE("a section given as another type is a type error at that value", "[config]") {
  CHECK(error_of("threads = 3\n") == "t.toml:1:11: threads: expected a table, got an integer");
  CHECK(error_of("[instruments]\nsymbol = \"X\"\n") ==
        "t.toml:1:1: instruments: expected an array of tables ([[instruments]]), got a table");
  CHECK(error_of("instruments = [1]\n") == "t.toml:1:16: instruments[0]: expected a table, got an integer");
}

TEST_CASE("an unknown key close to a known one is reported with a suggestion", "[config]") {
  CHECK(error_of("[threads.hot]\ncpus = 3\n") ==
        "t.toml:2:1: threads.hot.cpus: unknown key (did you mean 'cpu'?)");
  CHECK(error_of("[threads.hot]\nidel = \"sleep\"\n") ==
        "t.toml:2:1: threads.hot.idel: unknown key (did you mean 'idle'?)");
  CHECK(error_of("[engine]\nrun_second = 1\n") ==
        "t.toml:2:1: engine.run_second: unknown key (did you mean 'run_seconds'?)");
  CHECK(error_of("[venu]\nkind = \"kraken_futures\"\n") ==
        "t.toml:1:2: venu: unknown key (did you mean 'venue'?)");
  CHECK(error_of("[threads.hott]\ncpu = 1\n") ==
        "t.toml:1:10: threads.hott: unknown key (did you mean 'hot'?)");
}

TEST_CASE("an unknown key far from every known key is reported with the known keys instead", "[config]") {
  const std::string message = error_of("[engine]\nflavour = 2\n");
  CHECK(message == "t.toml:2:1: engine.flavour: unknown key (known keys here: name, run_seconds)");
  CHECK(message.find("did you mean") == std::string::npos);
}

TEST_CASE("keys that need quoting are quoted in the dotted key of a message", "[config]") {
  CHECK(error_of("[engine]\n\"a.b\" = 1\n") ==
        "t.toml:2:1: engine.\"a.b\": unknown key (known keys here: name, run_seconds)");
}

TEST_CASE("a value out of range states the allowed range and the value", "[config]") {
  CHECK(error_of("[threads.hot]\ncpu = 2048\n") ==
        "t.toml:2:7: threads.hot.cpu: out of range: must be between -1 and 1023, got 2048");
  CHECK(error_of("[engine]\nrun_seconds = -1\n") ==
        "t.toml:2:15: engine.run_seconds: out of range: must be between 0 and 315360000, got -1");
  CHECK(error_of("[sim]\nseed = -5\n") == "t.toml:2:8: sim.seed: out of range: must be at least 0, got -5");
  CHECK(error_of("[threads.journal]\nmin_sleep_ns = 0\n") ==
        "t.toml:2:16: threads.journal.min_sleep_ns: out of range: must be between 1 and 1000000000, got 0");
}

TEST_CASE("a ring capacity must be a power of two within its range", "[config]") {
  CHECK(
      error_of("[rings]\ncold_to_hot_capacity = 1000\n") ==
      "t.toml:2:24: rings.cold_to_hot_capacity: out of range: must be a power of two between 8 and 1048576, "
      "got 1000");
  CHECK(error_of("[rings]\njournal_capacity_bytes = 2048\n") ==
        "t.toml:2:26: rings.journal_capacity_bytes: out of range: must be a power of two between 4096 and "
        "1073741824, got 2048");
  CHECK(load_config_string("[rings]\nhot_to_cold_capacity = 8\n", "t.toml").rings.hot_to_cold_capacity == 8);
}

TEST_CASE("invalid text values are rejected with the rule they break", "[config]") {
  CHECK(error_of("[threads.cold]\nname = \"tickpath-cold-thread\"\n") ==
        "t.toml:2:8: threads.cold.name: is 20 characters long; the limit is 15 (Linux thread names hold 15 "
        "characters)");
  CHECK(error_of("[engine]\nname = \"\"\n") == "t.toml:2:8: engine.name: must not be empty");
  CHECK(error_of("[engine]\nname = \"my engine\"\n") ==
        "t.toml:2:8: engine.name: may only contain A-Z a-z 0-9 _ . -");
  CHECK(
      error_of("[venue]\napi_key_env = \"1KEY\"\n") ==
      "t.toml:2:15: venue.api_key_env: is not an environment variable name: it must not start with a digit");
  CHECK(error_of("[venue]\nca_file = \"a\\nb\"\n") ==
        "t.toml:2:11: venue.ca_file: must not contain control characters");
}

TEST_CASE("an unknown enumerated value lists the accepted values", "[config]") {
  CHECK(error_of("[venue]\nkind = \"binance\"\n") ==
        "t.toml:2:8: venue.kind: unknown value 'binance'; accepted values: 'kraken_futures'");
  CHECK(
      error_of("[threads.hot]\nidle = \"spin\"\n") ==
      "t.toml:2:8: threads.hot.idle: unknown value 'spin'; accepted values: 'busy_spin', 'backoff', 'sleep'");
}

TEST_CASE("venue URLs must use the right scheme and carry no credentials", "[config]") {
  CHECK(error_of("[venue]\nrest_url = \"wss://h/x\"\n") ==
        "t.toml:2:12: venue.rest_url: expected a URL starting with https:// or http://");
  CHECK(error_of("[venue]\nws_url = \"https://h/ws\"\n") ==
        "t.toml:2:10: venue.ws_url: expected a URL starting with wss:// or ws://");
  CHECK(error_of("[venue]\nws_url = \"wss://user:pw@h/ws\"\n") ==
        "t.toml:2:10: venue.ws_url: must not contain a user name or password; credentials come from "
        "venue.api_key_env, venue.api_secret_env or venue.api_secret_file");
  CHECK(error_of("[venue]\nrest_url = \"https:///x\"\n") == "t.toml:2:12: venue.rest_url: has no host");
  CHECK(error_of("[venue]\nrest_url = \"https://h:70000/x\"\n") ==
        "t.toml:2:12: venue.rest_url: has an invalid port; expected 1 to 65535");
  const EngineConfig ok = load_config_string(
      "[venue]\nrest_url = \"HTTP://[::1]:8080/derivatives/api/v3\"\nws_url = \"ws://localhost:8080\"\n",
      "t.toml");
  CHECK(ok.venue.rest_url == "HTTP://[::1]:8080/derivatives/api/v3");
}

TEST_CASE("a TOML syntax error reports the parser's message and position", "[config]") {
  const std::vector<ConfigIssue> issues = issues_of("[engine]\nname = \"tickpath\nrun_seconds = 1\n");
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].source == "t.toml");
  CHECK(issues[0].line == 2);
  CHECK(issues[0].key.empty());
  CHECK_THAT(issues[0].message, Catch::StartsWith("TOML syntax error: Error while parsing string"));
  CHECK_THAT(issues[0].to_string(), Catch::StartsWith("t.toml:2:"));

  CHECK_THAT(error_of("[sim]\nseed = 1\nseed = 2\n"), Catch::StartsWith("t.toml:3:") &&
                                                          Catch::Contains("TOML syntax error") &&
                                                          Catch::Contains("'seed'"));
}

TEST_CASE("an api_secret in the file is rejected with advice and without its value", "[config]") {
  const std::string message = error_of("[venue]\napi_secret = \"c2VjcmV0LXZhbHVlLTEyMw==\"\n");
  CHECK(message ==
        "t.toml:2:1: venue.api_secret: secrets must not be written in the config file; put the API secret in "
        "the "
        "environment variable named by venue.api_secret_env (default TICKPATH_API_SECRET) or in a file named "
        "by "
        "venue.api_secret_file (mode 0600 or 0400)");
  CHECK(message.find("c2VjcmV0") == std::string::npos);
}

TEST_CASE("a near miss of api_secret is not answered with a suggestion to write the secret", "[config]") {
  const std::string message = error_of("[venue]\napi_secrt = \"xyz\"\n");
  CHECK_THAT(message, Catch::StartsWith("t.toml:2:1: venue.api_secrt: unknown key"));
  CHECK(message.find("'api_secret'") == std::string::npos);
  CHECK(message.find("xyz") == std::string::npos);
}

TEST_CASE("a syntax error in a credential line withholds the parser's description", "[config]") {
  const std::string message = error_of("[venue]\napi_secret = 1234567890123456789012345\n");
  CHECK(message ==
        "t.toml:2:39: TOML syntax error in a line that sets a credential (details withheld so that the value "
        "is "
        "not printed)");
  CHECK(message.find("1234567890") == std::string::npos);
}

TEST_CASE("the redacted placeholder is not accepted as an api_key", "[config]") {
  CHECK(
      error_of("[venue]\napi_key = \"<redacted>\"\n") ==
      "t.toml:2:11: venue.api_key: is the placeholder that format_config prints; write the real key here, or "
      "remove the line to read the key from the variable named by venue.api_key_env");
}

TEST_CASE("a duplicate symbol is reported at its second occurrence, case-insensitively", "[config]") {
  constexpr std::string_view kToml = R"([[instruments]]
symbol = "PI_XBTUSD"
tick_size = "0.5"
size_step = "1"

[[instruments]]
symbol = "pi_xbtusd"
tick_size = "0.5"
size_step = "1"
)";
  CHECK(error_of(kToml) ==
        "t.toml:7:10: instruments[1].symbol: duplicate symbol 'pi_xbtusd': instruments[0].symbol (line 2) is "
        "already 'PI_XBTUSD'; symbols are compared case-insensitively");
}

TEST_CASE("an increment that is not a positive decimal is rejected", "[config]") {
  const auto with_tick = [](std::string_view tick) {
    return "[[instruments]]\nsymbol = \"X\"\ntick_size = " + std::string(tick) + "\nsize_step = \"1\"\n";
  };
  CHECK(error_of(with_tick("\"0.3x\"")) ==
        "t.toml:3:13: instruments[0].tick_size: '0.3x' is not a positive decimal number such as \"0.5\" or "
        "\"1e-4\"");
  CHECK(error_of(with_tick("-0.5")) ==
        "t.toml:3:13: instruments[0].tick_size: '-0.5' is not a positive decimal number such as \"0.5\" or "
        "\"1e-4\"");
  CHECK(error_of(with_tick("0")) ==
        "t.toml:3:13: instruments[0].tick_size: '0' is not a positive decimal number such as \"0.5\" or "
        "\"1e-4\"");
  CHECK(error_of(with_tick("\"\"")) == "t.toml:3:13: instruments[0].tick_size: must not be empty");
  CHECK_THAT(error_of(with_tick("inf")), Catch::Contains("'inf' is not a positive decimal number"));
  CHECK(error_of(with_tick("\"1e-30\"")) ==
        "t.toml:3:13: instruments[0].tick_size: '1e-30' is beyond what an increment can hold exactly (its "
        "digits "
        "must fit in 64 bits and its exponent lie between -24 and 24)");
}

TEST_CASE("increments are exact whether written as strings, integers or floats", "[config]") {
  const EngineConfig c = load_config_string(R"(
[[instruments]]
symbol = "A"
tick_size = 0.1
size_step = 1_000

[[instruments]]
symbol = "B"
tick_size = 1e-10
size_step = 0.000_1

[[instruments]]
symbol = "C"
tick_size = "0.025"
size_step = +5E-1

[[instruments]]
"symbol" = "D"
tick_size = 0.30000000000000004
size_step = 0x10
)",
                                            "t.toml");
  REQUIRE(c.instruments.size() == 4);
  CHECK(c.instruments[0].tick_size == IncrementConfig{.text = "0.1", .value = {1, -1}});
  CHECK(c.instruments[0].size_step == IncrementConfig{.text = "1000", .value = {1, 3}});
  CHECK(c.instruments[1].tick_size == IncrementConfig{.text = "1e-10", .value = {1, -10}});
  CHECK(c.instruments[1].size_step == IncrementConfig{.text = "0.0001", .value = {1, -4}});
  CHECK(c.instruments[2].tick_size == IncrementConfig{.text = "0.025", .value = {25, -3}});
  CHECK(c.instruments[2].size_step == IncrementConfig{.text = "5E-1", .value = {5, -1}});
  // The written text is kept even where a double would have rounded it.
  CHECK(c.instruments[3].tick_size.text == "0.30000000000000004");
  CHECK(c.instruments[3].tick_size.value == Increment{30000000000000004, -17});
  CHECK(c.instruments[3].size_step == IncrementConfig{.text = "16", .value = {16, 0}});
}

TEST_CASE("a float after non-ASCII text on its line is still quoted from its own text", "[config]") {
  // Columns count code points; the written text only comes back if they are mapped to bytes right
  // (the double's shortest form would be "-0.1").
  const std::vector<ConfigIssue> issues = issues_of(
      "instruments = [{symbol = \"\xc3\xa9\xe5\x90\x8d\", size_step = \"1\", "
      "tick_size = -0.1000000000000000055511151231257827}]\n");
  REQUIRE(issues.size() == 2);
  CHECK(issues[0].key == "instruments[0].symbol");
  CHECK(issues[1].key == "instruments[0].tick_size");
  CHECK(issues[1].column == 61);
  CHECK_THAT(issues[1].message,
             Catch::StartsWith("'-0.1000000000000000055511151231257827' is not a positive"));
}

TEST_CASE("every problem in a file is reported in one pass, in file order", "[config]") {
  const std::vector<ConfigIssue> issues = issues_of(R"([engine]
run_seconds = "soon"
colour = "blue"

[threads.hot]
cpu = 4096
idle = "spin"

[[instruments]]
symbol = "PI_XBTUSD"
tick_size = "half"
)");
  REQUIRE(issues.size() == 6);
  CHECK(issues[0].to_string() == "t.toml:2:15: engine.run_seconds: expected an integer, got a string");
  CHECK(issues[1].to_string() ==
        "t.toml:3:1: engine.colour: unknown key (known keys here: name, run_seconds)");
  CHECK(issues[2].to_string() ==
        "t.toml:6:7: threads.hot.cpu: out of range: must be between -1 and 1023, got 4096");
  CHECK(
      issues[3].to_string() ==
      "t.toml:7:8: threads.hot.idle: unknown value 'spin'; accepted values: 'busy_spin', 'backoff', 'sleep'");
  CHECK(issues[4].to_string() == "t.toml:9:1: instruments[0].size_step: missing required key");
  CHECK(issues[5].to_string() ==
        "t.toml:11:13: instruments[0].tick_size: 'half' is not a positive decimal number such as \"0.5\" or "
        "\"1e-4\"");
}

TEST_CASE("min_sleep_ns above max_sleep_ns is reported at max_sleep_ns", "[config]") {
  CHECK(error_of("[threads.cold]\nmin_sleep_ns = 5000\nmax_sleep_ns = 4000\n") ==
        "t.toml:3:16: threads.cold.max_sleep_ns: must be at least min_sleep_ns (5000), got 4000");
  CHECK(error_of("[threads.cold]\nmin_sleep_ns = 2000000\n") ==
        "t.toml:1:1: threads.cold.max_sleep_ns: must be at least min_sleep_ns (2000000), got 1000000");
}

TEST_CASE("two pinned threads may share a CPU only when neither busy-spins", "[config]") {
  CHECK(error_of("[threads.hot]\ncpu = 2\n[threads.journal]\ncpu = 2\n") ==
        "t.toml:4:7: threads.journal.cpu: CPU 2 is also given to threads.hot; a busy-spinning thread needs a "
        "CPU "
        "to itself");
  const EngineConfig shared = load_config_string(
      "[threads.cold]\ncpu = 1\n[threads.journal]\ncpu = 1\n[threads.hot]\ncpu = 2\n", "t.toml");
  CHECK(shared.threads.cold.cpu == 1);
  CHECK(shared.threads.journal.cpu == 1);
}

TEST_CASE("load_config_file names the file in its messages", "[config]") {
  const std::string missing = "/nonexistent/tickpath/engine.toml";
  try {
    (void)load_config_file(missing);
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == missing + ": cannot open the config file: No such file or directory");
  }
  try {
    (void)load_config_file("/");
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "/: cannot read the config file: it is a directory");
  }
}

TEST_CASE("make_increment builds an exact increment and rejects bad text", "[config]") {
  CHECK(make_increment("0.5") == IncrementConfig{.text = "0.5", .value = {5, -1}});
  CHECK(make_increment("1000") == IncrementConfig{.text = "1000", .value = {1, 3}});
  CHECK_THROWS_WITH(make_increment("abc"),
                    "increment 'abc' is not a positive decimal number such as \"0.5\" or \"1e-4\"");
}

TEST_CASE("enum names print as their TOML spelling", "[config]") {
  CHECK(to_string(IdleKind::BusySpin) == "busy_spin");
  CHECK(to_string(IdleKind::Backoff) == "backoff");
  CHECK(to_string(IdleKind::Sleep) == "sleep");
  CHECK(to_string(VenueKind::KrakenFutures) == "kraken_futures");
}

}  // namespace
}  // namespace tickpath::config

namespace tickpath::config {
namespace {

constexpr std::string_view kTwoInstruments = R"(
[[instruments]]
symbol = "PI_XBTUSD"
tick_size = "0.5"
size_step = "1"

[[instruments]]
symbol = "PF_XBTUSD"
tick_size = "1"
size_step = "0.0001"
)";

TEST_CASE("market_data defaults subscribe nothing, every feed, with the documented timings", "[config]") {
  const MarketDataConfig m = load_config_string("", "empty.toml").market_data;
  CHECK(m.products.empty());
  CHECK(m.feeds ==
        std::vector<MarketDataFeed>{MarketDataFeed::Book, MarketDataFeed::Trade, MarketDataFeed::Ticker});
  CHECK(m.product_silence_ms == 15'000);
  CHECK(m.connection_silence_ms == 10'000);
  CHECK(m.ping_interval_ms == 20'000);
  CHECK(m.pong_timeout_ms == 10'000);
  CHECK(m.backoff_initial_ms == 250);
  CHECK(m.backoff_max_ms == 30'000);
  CHECK(m.backoff_multiplier == 2.0);
  CHECK(m.backoff_jitter == 0.2);
  CHECK(m.max_message_bytes == (std::int64_t{1} << 24));
}

TEST_CASE("market_data products and feeds load as written", "[config]") {
  const EngineConfig c = load_config_string(std::string(kTwoInstruments) + R"(
[market_data]
products = ["pf_xbtusd", "PI_XBTUSD"]
feeds = ["ticker_lite", "book"]
backoff_multiplier = 3
backoff_jitter = 0.5
)",
                                            "t.toml");
  CHECK(c.market_data.products == std::vector<std::string>{"pf_xbtusd", "PI_XBTUSD"});
  CHECK(c.market_data.feeds == std::vector<MarketDataFeed>{MarketDataFeed::TickerLite, MarketDataFeed::Book});
  CHECK(c.market_data.backoff_multiplier == 3.0);
  CHECK(c.market_data.backoff_jitter == 0.5);
}

TEST_CASE("a market_data product that is not one of the instruments is reported at its element", "[config]") {
  const std::vector<ConfigIssue> issues = issues_of(std::string(kTwoInstruments) + R"(
[market_data]
products = ["PI_XBTUSD", "PI_ETHUSD", "pi_xbtusd"]
)");
  REQUIRE(issues.size() == 2);
  CHECK(issues[0].key == "market_data.products[1]");
  CHECK(issues[0].line == 13);
  CHECK_THAT(issues[0].message, Catch::Contains("'PI_ETHUSD' is not one of the [[instruments]]"));
  CHECK(issues[1].key == "market_data.products[2]");
  CHECK_THAT(issues[1].message, Catch::Contains("already market_data.products[0]"));
}

TEST_CASE("market_data feeds must be known, distinct, non-empty and not both tickers", "[config]") {
  CHECK_THAT(
      error_of("[market_data]\nfeeds = [\"book\", \"candles\"]\n"),
      Catch::Contains("market_data.feeds[1]: unknown value 'candles'; accepted values: 'book', 'trade', "
                      "'ticker', 'ticker_lite'"));
  CHECK_THAT(error_of("[market_data]\nfeeds = [\"book\", \"book\"]\n"),
             Catch::Contains("market_data.feeds[1]: 'book' is listed twice"));
  CHECK_THAT(error_of("[market_data]\nfeeds = []\n"),
             Catch::Contains("market_data.feeds: must name at least one"));
  CHECK_THAT(error_of("[market_data]\nfeeds = [\"ticker\", \"ticker_lite\"]\n"),
             Catch::Contains("market_data.feeds: 'ticker' and 'ticker_lite'"));
  CHECK_THAT(error_of("[market_data]\nfeeds = \"book\"\n"),
             Catch::Contains("market_data.feeds: expected an array of strings, got a string"));
  CHECK_THAT(error_of("[market_data]\nproducts = [1]\n"),
             Catch::Contains("market_data.products[0]: expected a string, got an integer"));
}

TEST_CASE("market_data timings and backoff are range-checked", "[config]") {
  CHECK_THAT(
      error_of("[market_data]\nping_interval_ms = 0\n"),
      Catch::Contains("market_data.ping_interval_ms: out of range: must be between 1 and 60000, got 0"));
  CHECK_THAT(error_of("[market_data]\nbackoff_jitter = 1.5\n"),
             Catch::Contains("market_data.backoff_jitter: out of range: must be between 0 and 1, got 1.5"));
  CHECK_THAT(error_of("[market_data]\nbackoff_multiplier = \"2\"\n"),
             Catch::Contains("market_data.backoff_multiplier: expected a number, got a string"));
  CHECK_THAT(
      error_of("[market_data]\nbackoff_initial_ms = 500\nbackoff_max_ms = 100\n"),
      Catch::Contains("market_data.backoff_max_ms: must be at least backoff_initial_ms (500), got 100"));
  CHECK_THAT(error_of("[market_data]\nmax_message_bytes = 100\n"),
             Catch::Contains("market_data.max_message_bytes: out of range"));
  CHECK_THAT(
      error_of("[market_data]\nproduct_silense_ms = 100\n"),
      Catch::Contains("market_data.product_silense_ms: unknown key (did you mean 'product_silence_ms'?)"));
}

TEST_CASE("market data feed names print as their TOML spelling", "[config]") {
  CHECK(to_string(MarketDataFeed::Book) == "book");
  CHECK(to_string(MarketDataFeed::TickerLite) == "ticker_lite");
}

}  // namespace
}  // namespace tickpath::config

namespace tickpath::config {
namespace {

TEST_CASE("a [sim] section with instruments, accounts, market and faults loads", "[config][sim]") {
  const EngineConfig c = load_config_string(R"([sim]
port = 0
tls = false
nonce_check = "off"
private_order = "fills_first"
[[sim.instruments]]
symbol = "PF_XBTUSD"
tick_size = "1"
size_step = "0.0001"
reference_price = "65000"
maker_fee = -0.0001
[[sim.accounts]]
name = "trader"
api_key = "k1"
api_secret_env = "SIM_SECRET"
balances = ["USD:500"]
[sim.market]
kind = "replay"
replay_file = "capture.txt"
replay_speed = 0.0
[sim.faults]
reject_fraction = 0.5
)",
                                            "t.toml");
  CHECK(c.sim.port == 0);
  CHECK_FALSE(c.sim.tls);
  CHECK(c.sim.nonce_check == SimNonceCheck::Off);
  CHECK(c.sim.private_order == SimPrivateOrder::FillsFirst);
  REQUIRE(c.sim.instruments.size() == 1);
  CHECK(c.sim.instruments[0].reference_price == "65000");
  CHECK(c.sim.instruments[0].maker_fee == -0.0001);
  REQUIRE(c.sim.accounts.size() == 1);
  CHECK(c.sim.accounts[0].balances == std::vector<std::string>{"USD:500"});
  CHECK(c.sim.market.kind == SimActivityKind::Replay);
  CHECK(c.sim.faults.reject_fraction == 0.5);
  CHECK(load_config_string(format_config(c), "t.toml") == c);
}

TEST_CASE("[sim] rules that span keys are checked", "[config][sim]") {
  const auto error = [](std::string_view text) {
    try {
      (void)load_config_string(text, "t.toml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(
      error("[[sim.instruments]]\nsymbol = \"PI_XBTUSD\"\ntick_size = \"0.5\"\nsize_step = \"1\"\n"
            "reference_price = \"100.25\"\n"),
      Catch::Contains("sim.instruments[0].reference_price: must be a positive price on the tick grid"));
  CHECK_THAT(error("[[sim.instruments]]\nsymbol = \"XBTUSD\"\ntick_size = \"0.5\"\nsize_step = \"1\"\n"
                   "reference_price = \"100\"\n"),
             Catch::Contains("sim.instruments[0].symbol: the simulator trades futures only"));
  CHECK_THAT(error("[[sim.accounts]]\nname = \"a\"\napi_key = \"k\"\n"),
             Catch::Contains("sim.accounts[0].api_secret_env: set exactly one of"));
  CHECK_THAT(error("[[sim.accounts]]\nname = \"a\"\napi_key = \"k\"\napi_secret = \"c2VjcmV0\"\n"
                   "api_secret_env = \"X\"\n"),
             Catch::Contains("sim.accounts[0].api_secret: secrets must not be written in the config file"));
  CHECK_THAT(error("[[sim.accounts]]\nname = \"a\"\napi_key = \"k\"\napi_secret_env = \"X\"\n"
                   "[[sim.accounts]]\nname = \"b\"\napi_key = \"k\"\napi_secret_env = \"Y\"\n"),
             Catch::Contains("sim.accounts[1].api_key: the same API key as sim.accounts[0]"));
  CHECK_THAT(error("[[sim.accounts]]\nname = \"a\"\napi_key = \"k\"\napi_secret_env = \"X\"\n"
                   "balances = [\"USD\"]\n"),
             Catch::Contains("sim.accounts[0].balances[0]: expected \"CURRENCY:amount\""));
  CHECK_THAT(error("[sim]\ncert_file = \"c.pem\"\n"),
             Catch::Contains("sim.key_file: cert_file and key_file go together"));
  CHECK_THAT(error("[sim.market]\nkind = \"replay\"\n"),
             Catch::Contains("sim.market.replay_file: kind = \"replay\" needs a replay_file"));
  CHECK_THAT(error("[sim]\nnonce_check = \"sometimes\"\n"), Catch::Contains("sim.nonce_check"));
}

}  // namespace
}  // namespace tickpath::config

namespace tickpath::config {
namespace {

constexpr std::string_view kXbtInstruments = R"([[instruments]]
symbol = "PI_XBTUSD"
tick_size = "0.5"
size_step = "1"

[[instruments]]
symbol = "PF_XBTUSD"
tick_size = "1"
size_step = "0.0001"
)";

TEST_CASE("gateway defaults are off, with Kraken's dead man's switch timing and rate budget",
          "[config][gateway]") {
  const EngineConfig c = load_config_string("", "empty.toml");
  const GatewayConfig& g = c.gateway;
  CHECK_FALSE(g.enabled);
  CHECK(g.rest_connections == 2);
  CHECK(g.request_timeout_ms == 5'000);
  CHECK(g.send_queue == 1'024);
  CHECK(g.dms_timeout_s == 60);
  CHECK(g.dms_refresh_s == 15);
  CHECK(g.unknown_orders == UnknownOrdersPolicy::Cancel);
  CHECK(g.shutdown_wait_ms == 5'000);
  CHECK(g.kill_switch_file.empty());
  CHECK(g.kill_switch_poll_ms == 200);
  CHECK(g.max_orders == 16'384);
  CHECK(g.fill_memory == 65'536);
  CHECK(g.rate_budget == 500);
  CHECK(g.rate_window_ms == 10'000);
  CHECK(g.rate_guard_ms == 1'000);
  CHECK(g.cancel_reserve == 100);
  CHECK(c.risk.empty());
}

TEST_CASE("a [gateway] section loads as written and round-trips", "[config][gateway]") {
  const EngineConfig c = load_config_string(R"([gateway]
enabled = true
rest_connections = 4
request_timeout_ms = 100
send_queue = 1048576
dms_timeout_s = 0
dms_refresh_s = 86400
unknown_orders = "adopt"
shutdown_wait_ms = 60000
kill_switch_file = "/tmp/halt"
kill_switch_poll_ms = 10
max_orders = 64
fill_memory = 1024
rate_budget = 1
rate_window_ms = 3600000
rate_guard_ms = 0
cancel_reserve = 0
)",
                                            "t.toml");
  const GatewayConfig expected{.enabled = true,
                               .rest_connections = 4,
                               .request_timeout_ms = 100,
                               .send_queue = 1'048'576,
                               .dms_timeout_s = 0,
                               .dms_refresh_s = 86'400,
                               .unknown_orders = UnknownOrdersPolicy::Adopt,
                               .shutdown_wait_ms = 60'000,
                               .kill_switch_file = "/tmp/halt",
                               .kill_switch_poll_ms = 10,
                               .max_orders = 64,
                               .fill_memory = 1'024,
                               .rate_budget = 1,
                               .rate_window_ms = 3'600'000,
                               .rate_guard_ms = 0,
                               .cancel_reserve = 0};
  CHECK(c.gateway == expected);
  CHECK(load_config_string(format_config(c), "t.toml") == c);
}

TEST_CASE("gateway values out of range are reported with the range", "[config][gateway]") {
  CHECK(error_of("[gateway]\nrest_connections = 0\n") ==
        "t.toml:2:20: gateway.rest_connections: out of range: must be between 1 and 16, got 0");
  CHECK(error_of("[gateway]\nrest_connections = 17\n") ==
        "t.toml:2:20: gateway.rest_connections: out of range: must be between 1 and 16, got 17");
  CHECK(error_of("[gateway]\nrequest_timeout_ms = 99\n") ==
        "t.toml:2:22: gateway.request_timeout_ms: out of range: must be between 100 and 600000, got 99");
  CHECK(error_of("[gateway]\nsend_queue = 0\n") ==
        "t.toml:2:14: gateway.send_queue: out of range: must be between 1 and 1048576, got 0");
  CHECK(error_of("[gateway]\ndms_timeout_s = 86401\n") ==
        "t.toml:2:17: gateway.dms_timeout_s: out of range: must be between 0 and 86400, got 86401");
  CHECK(error_of("[gateway]\ndms_refresh_s = 0\n") ==
        "t.toml:2:17: gateway.dms_refresh_s: out of range: must be between 1 and 86400, got 0");
  CHECK(error_of("[gateway]\nshutdown_wait_ms = -1\n") ==
        "t.toml:2:20: gateway.shutdown_wait_ms: out of range: must be between 0 and 60000, got -1");
  CHECK(error_of("[gateway]\nkill_switch_poll_ms = 9\n") ==
        "t.toml:2:23: gateway.kill_switch_poll_ms: out of range: must be between 10 and 60000, got 9");
  CHECK(error_of("[gateway]\nmax_orders = 1000\n") ==
        "t.toml:2:14: gateway.max_orders: out of range: must be a power of two between 64 and 1048576, got "
        "1000");
  CHECK(
      error_of("[gateway]\nmax_orders = 32\n") ==
      "t.toml:2:14: gateway.max_orders: out of range: must be a power of two between 64 and 1048576, got 32");
  CHECK(error_of("[gateway]\nfill_memory = 1023\n") ==
        "t.toml:2:15: gateway.fill_memory: out of range: must be between 1024 and 16777216, got 1023");
  CHECK(error_of("[gateway]\nrate_budget = 0\n") ==
        "t.toml:2:15: gateway.rate_budget: out of range: must be between 1 and 1000000, got 0");
  CHECK(error_of("[gateway]\nrate_window_ms = 3600001\n") ==
        "t.toml:2:18: gateway.rate_window_ms: out of range: must be between 1 and 3600000, got 3600001");
  CHECK(error_of("[gateway]\nrate_guard_ms = 60001\n") ==
        "t.toml:2:17: gateway.rate_guard_ms: out of range: must be between 0 and 60000, got 60001");
  CHECK(error_of("[gateway]\ncancel_reserve = -1\n") ==
        "t.toml:2:18: gateway.cancel_reserve: out of range: must be between 0 and 1000000, got -1");
  CHECK(error_of("[gateway]\nenabled = \"yes\"\n") ==
        "t.toml:2:11: gateway.enabled: expected a boolean (true or false), got a string");
  CHECK(error_of("[gateway]\nkill_switch_file = \"a\\tb\"\n") ==
        "t.toml:2:20: gateway.kill_switch_file: must not contain control characters");
  CHECK(error_of("gateway = 1\n") == "t.toml:1:11: gateway: expected a table, got an integer");
}

TEST_CASE("an armed dead man's switch must be re-armed before it fires", "[config][gateway]") {
  CHECK(error_of("[gateway]\ndms_timeout_s = 60\ndms_refresh_s = 60\n") ==
        "t.toml:3:17: gateway.dms_refresh_s: must be less than dms_timeout_s (60) so that the dead man's "
        "switch is re-armed before it fires, got 60");
  // The refresh keeps its default (15) and is reported at the [gateway] table.
  CHECK(error_of("[gateway]\ndms_timeout_s = 10\n") ==
        "t.toml:1:1: gateway.dms_refresh_s: must be less than dms_timeout_s (10) so that the dead man's "
        "switch is re-armed before it fires, got 15");
  CHECK(load_config_string("[gateway]\ndms_timeout_s = 2\ndms_refresh_s = 1\n", "t.toml")
            .gateway.dms_refresh_s == 1);
  // Not armed: the refresh period does not matter.
  CHECK(load_config_string("[gateway]\ndms_timeout_s = 0\ndms_refresh_s = 600\n", "t.toml")
            .gateway.dms_timeout_s == 0);
}

TEST_CASE("the cancel reserve must leave part of the rate budget to new orders", "[config][gateway]") {
  CHECK(
      error_of("[gateway]\nrate_budget = 100\ncancel_reserve = 100\n") ==
      "t.toml:3:18: gateway.cancel_reserve: must be less than rate_budget (100) so that new orders get some "
      "of the budget, got 100");
  CHECK(error_of("[gateway]\nrate_budget = 50\n") ==
        "t.toml:1:1: gateway.cancel_reserve: must be less than rate_budget (50) so that new orders get some "
        "of the budget, got 100");
  CHECK(load_config_string("[gateway]\nrate_budget = 100\ncancel_reserve = 99\n", "t.toml")
            .gateway.cancel_reserve == 99);
}

TEST_CASE("unknown_orders accepts 'cancel' and 'adopt' only", "[config][gateway]") {
  CHECK(error_of("[gateway]\nunknown_orders = \"ignore\"\n") ==
        "t.toml:2:18: gateway.unknown_orders: unknown value 'ignore'; accepted values: 'cancel', 'adopt'");
  CHECK(load_config_string("[gateway]\nunknown_orders = \"cancel\"\n", "t.toml").gateway.unknown_orders ==
        UnknownOrdersPolicy::Cancel);
  CHECK(to_string(UnknownOrdersPolicy::Cancel) == "cancel");
  CHECK(to_string(UnknownOrdersPolicy::Adopt) == "adopt");
}

TEST_CASE("unknown keys in [gateway] and [[risk]] are errors with a suggestion", "[config][gateway][risk]") {
  CHECK(error_of("[gateway]\ndms_timeout = 60\n") ==
        "t.toml:2:1: gateway.dms_timeout: unknown key (did you mean 'dms_timeout_s'?)");
  CHECK(error_of("[gateway]\nenable = true\n") ==
        "t.toml:2:1: gateway.enable: unknown key (did you mean 'enabled'?)");
  CHECK(error_of(std::string(kXbtInstruments) + "[[risk]]\nsymbol = \"PF_XBTUSD\"\nmax_positon = \"1\"\n") ==
        "t.toml:12:1: risk[0].max_positon: unknown key (did you mean 'max_position'?)");
  CHECK_THAT(error_of(std::string(kXbtInstruments) + "[[risk]]\nsymbol = \"PF_XBTUSD\"\nleverage = 5\n"),
             Catch::Contains("risk[0].leverage: unknown key (known keys here: symbol, max_order_qty, "
                             "max_order_notional, max_position, max_open_orders, price_collar_bps, "
                             "max_orders_per_second, max_loss, max_drawdown)"));
  CHECK(error_of("[gatway]\nenabled = true\n") ==
        "t.toml:1:2: gatway: unknown key (did you mean 'gateway'?)");
}

TEST_CASE("[[risk]] limits load as written, matching instruments case-insensitively", "[config][risk]") {
  const EngineConfig c = load_config_string(std::string(kXbtInstruments) + R"(
[[risk]]
symbol = "pf_xbtusd"
max_order_qty = "0.5"
max_order_notional = "50000"
max_position = "2.0001"
max_open_orders = 10
price_collar_bps = 250
max_orders_per_second = 20
max_loss = "1e3"
max_drawdown = "1500.25"

[[risk]]
symbol = "PI_XBTUSD"
max_position = "100000"
)",
                                            "t.toml");
  REQUIRE(c.risk.size() == 2);
  CHECK(c.risk[0] == RiskConfig{.symbol = "pf_xbtusd",
                                .max_order_qty = "0.5",
                                .max_order_notional = "50000",
                                .max_position = "2.0001",
                                .max_open_orders = 10,
                                .price_collar_bps = 250,
                                .max_orders_per_second = 20,
                                .max_loss = "1e3",
                                .max_drawdown = "1500.25"});
  CHECK(c.risk[1] == RiskConfig{.symbol = "PI_XBTUSD", .max_position = "100000"});
  CHECK(load_config_string(format_config(c), "t.toml") == c);
}

TEST_CASE("a [[risk]] symbol must be one of the instruments and have one entry", "[config][risk]") {
  CHECK(error_of(std::string(kXbtInstruments) + "[[risk]]\nsymbol = \"PF_ETHUSD\"\n") ==
        "t.toml:11:10: risk[0].symbol: 'PF_ETHUSD' is not one of the [[instruments]]");
  CHECK(error_of(std::string(kXbtInstruments) +
                 "[[risk]]\nsymbol = \"PF_XBTUSD\"\n[[risk]]\nsymbol = \"pf_xbtusd\"\nmax_loss = \"5\"\n") ==
        "t.toml:13:10: risk[1].symbol: 'pf_xbtusd' already has limits in risk[0]; one [[risk]] per "
        "instrument (symbols are compared case-insensitively)");
  // Without any [[instruments]], every [[risk]] is unknown.
  CHECK(error_of("[[risk]]\nsymbol = \"PF_XBTUSD\"\n") ==
        "t.toml:2:10: risk[0].symbol: 'PF_XBTUSD' is not one of the [[instruments]]");
  CHECK(error_of(std::string(kXbtInstruments) + "[[risk]]\nmax_loss = \"5\"\n") ==
        "t.toml:10:1: risk[0].symbol: missing required key");
  CHECK(error_of(std::string(kXbtInstruments) + "[[risk]]\nsymbol = \"PF XBT\"\n") ==
        "t.toml:11:10: risk[0].symbol: may only contain A-Z a-z 0-9 _ . : / -");
  CHECK(error_of("[risk]\nsymbol = \"PF_XBTUSD\"\n") ==
        "t.toml:1:1: risk: expected an array of tables ([[risk]]), got a table");
}

TEST_CASE("a risk quantity limit off the instrument's size_step grid names the key, step and symbol",
          "[config][risk]") {
  const std::vector<ConfigIssue> issues = issues_of(std::string(kXbtInstruments) + R"(
[[risk]]
symbol = "PF_XBTUSD"
max_order_qty = "0.00005"
max_position = "1.23456"

[[risk]]
symbol = "PI_XBTUSD"
max_order_qty = "10.5"
max_order_notional = "10.5"
max_loss = "0.00000001"
)");
  REQUIRE(issues.size() == 3);
  CHECK(issues[0].to_string() ==
        "t.toml:13:17: risk[0].max_order_qty: 0.00005 is not a multiple of size_step 0.0001 of PF_XBTUSD");
  CHECK(issues[1].to_string() ==
        "t.toml:14:16: risk[0].max_position: 1.23456 is not a multiple of size_step 0.0001 of PF_XBTUSD");
  CHECK(issues[2].to_string() ==
        "t.toml:18:17: risk[1].max_order_qty: 10.5 is not a multiple of size_step 1 of PI_XBTUSD");
  // Money limits are not on any lot grid.
  CHECK(load_config_string(std::string(kXbtInstruments) +
                               "[[risk]]\nsymbol = \"PI_XBTUSD\"\nmax_order_notional = \"10.5\"\n"
                               "max_loss = \"0.00000001\"\nmax_drawdown = \"0.5\"\n",
                           "t.toml")
            .risk.size() == 1);
}

TEST_CASE("a risk quantity too large for 64-bit lots is rejected", "[config][risk]") {
  CHECK(error_of(std::string(kXbtInstruments) +
                 "[[risk]]\nsymbol = \"PF_XBTUSD\"\nmax_position = \"100000000000000000\"\n") ==
        "t.toml:12:16: risk[0].max_position: 100000000000000000 is too large: as lots of size_step 0.0001 of "
        "PF_XBTUSD it does not fit in 64 bits");
}

TEST_CASE("risk decimal limits are positive decimal strings or empty", "[config][risk]") {
  const auto with = [](std::string_view key, std::string_view value) {
    return std::string(kXbtInstruments) + "[[risk]]\nsymbol = \"PF_XBTUSD\"\n" + std::string(key) + " = " +
           std::string(value) + "\n";
  };
  constexpr std::string_view kNotPositive =
      "is not a positive decimal number such as \"5\" or \"0.25\" (\"\" = no limit)";
  CHECK(error_of(with("max_loss", "\"0\"")) ==
        "t.toml:12:12: risk[0].max_loss: must be positive; write \"\" for no limit");
  CHECK(error_of(with("max_drawdown", "\"0.000\"")) ==
        "t.toml:12:16: risk[0].max_drawdown: must be positive; write \"\" for no limit");
  CHECK(error_of(with("max_loss", "\"-100\"")) ==
        "t.toml:12:12: risk[0].max_loss: " + std::string(kNotPositive));
  CHECK(error_of(with("max_order_notional", "\"1,000\"")) ==
        "t.toml:12:22: risk[0].max_order_notional: " + std::string(kNotPositive));
  CHECK(error_of(with("max_position", "\".5\"")) ==
        "t.toml:12:16: risk[0].max_position: " + std::string(kNotPositive));
  CHECK(error_of(with("max_order_qty", "\"1e\"")) ==
        "t.toml:12:17: risk[0].max_order_qty: " + std::string(kNotPositive));
  CHECK(error_of(with("max_loss", "\"1234567890123456789\"")) ==
        "t.toml:12:12: risk[0].max_loss: is not exact: a limit has at most 18 significant digits and an "
        "exponent between -99 and 99");
  // Numbers must be written as strings, like every exact decimal that is not an increment.
  CHECK(error_of(with("max_loss", "5000")) ==
        "t.toml:12:12: risk[0].max_loss: expected a string, got an integer");
  CHECK(error_of(with("max_order_qty", "0.5")) ==
        "t.toml:12:17: risk[0].max_order_qty: expected a string, got a float");
  CHECK(load_config_string(with("max_loss", "\"\""), "t.toml").risk[0].max_loss.empty());
}

TEST_CASE("risk money limits fit the engine's billionths of a currency", "[config][risk]") {
  const auto with = [](std::string_view key, std::string_view value) {
    return std::string(kXbtInstruments) + "[[risk]]\nsymbol = \"PI_XBTUSD\"\n" + std::string(key) + " = " +
           std::string(value) + "\n";
  };
  CHECK(error_of(with("max_loss", "\"0.0000000001\"")) ==
        "t.toml:12:12: risk[0].max_loss: has more than 9 decimal places; amounts are kept in billionths of "
        "the currency");
  CHECK(error_of(with("max_order_notional", "\"1e10\"")) ==
        "t.toml:12:22: risk[0].max_order_notional: is too large; amounts are kept in billionths of the "
        "currency in 64 bits (up to about 9.2 billion)");
  CHECK_THAT(error_of(with("max_drawdown", "\"1.0000000001\"")),
             Catch::Contains("risk[0].max_drawdown: has more than 9 decimal places"));
  CHECK(load_config_string(with("max_loss", "\"0.000000001\""), "t.toml").risk[0].max_loss == "0.000000001");
  CHECK(load_config_string(with("max_order_notional", "\"9223372036.8547758\""), "t.toml")
            .risk[0]
            .max_order_notional == "9223372036.8547758");
  // Quantities are not money: only their instrument's size_step bounds them.
  CHECK(load_config_string(with("max_position", "\"1e12\""), "t.toml").risk[0].max_position == "1e12");
}

TEST_CASE("risk integer limits are range-checked", "[config][risk]") {
  const auto with = [](std::string_view key, std::string_view value) {
    return std::string(kXbtInstruments) + "[[risk]]\nsymbol = \"PF_XBTUSD\"\n" + std::string(key) + " = " +
           std::string(value) + "\n";
  };
  CHECK(error_of(with("price_collar_bps", "10001")) ==
        "t.toml:12:20: risk[0].price_collar_bps: out of range: must be between 0 and 10000, got 10001");
  CHECK(error_of(with("max_open_orders", "-1")) ==
        "t.toml:12:19: risk[0].max_open_orders: out of range: must be between 0 and 1000000, got -1");
  CHECK(error_of(with("max_orders_per_second", "1000001")) ==
        "t.toml:12:25: risk[0].max_orders_per_second: out of range: must be between 0 and 1000000, got "
        "1000001");
  CHECK(error_of(with("max_open_orders", "\"5\"")) ==
        "t.toml:12:19: risk[0].max_open_orders: expected an integer, got a string");
}

TEST_CASE("sim.nonce_tolerance defaults to 10000000 and accepts 0 .. 2^62", "[config][sim]") {
  CHECK(load_config_string("", "t.toml").sim.nonce_tolerance == 10'000'000);
  CHECK(load_config_string("[sim]\nnonce_tolerance = 0\n", "t.toml").sim.nonce_tolerance == 0);
  CHECK(load_config_string("[sim]\nnonce_tolerance = 4611686018427387904\n", "t.toml").sim.nonce_tolerance ==
        std::int64_t{1} << 62);
  CHECK(error_of("[sim]\nnonce_tolerance = 4611686018427387905\n") ==
        "t.toml:2:19: sim.nonce_tolerance: out of range: must be between 0 and 4611686018427387904, got "
        "4611686018427387905");
  CHECK(error_of("[sim]\nnonce_tolerance = -1\n") ==
        "t.toml:2:19: sim.nonce_tolerance: out of range: must be between 0 and 4611686018427387904, got -1");
}

}  // namespace
}  // namespace tickpath::config
