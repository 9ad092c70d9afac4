// tests/venue/kraken_futures/md_feed_test.cpp: include/tickpath/venue/kraken_futures/md_feed.hpp
// over real sockets (plain ws and TLS with a generated CA) against a Kraken-like server on
// loopback (tests/support/kraken_ws_server.hpp), with millisecond-scale timings.

#include "tickpath/venue/kraken_futures/md_feed.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tickpath/config/load.hpp"
#include "tickpath/engine/agent.hpp"

#include "md/feed_config.hpp"
#include "net/ws_test_server.hpp"
#include "support/kraken_ws_server.hpp"

namespace tickpath::venue::kraken_futures {
namespace {

using namespace std::chrono_literals;
using test::KrakenServerConfig;
using test::KrakenWsServer;
using test::ServerBook;

const std::vector<std::string> kProducts{"PI_XBTUSD", "PI_ETHUSD", "PF_XBTUSD"};

const net::PemCertificate& server_cert() {
  static const net::PemCertificate cert = net::generate_self_signed();
  return cert;
}

const net::test::TempFile& ca_file() {
  static const net::test::TempFile file(server_cert().certificate_pem);
  return file;
}

// Tick size and size step 1: the server's integer prices and quantities are ticks and lots.
InstrumentRegistry unit_registry() {
  InstrumentRegistry r(8);
  r.add({"PI_XBTUSD", {1, 0}, {1, 0}, ContractKind::Inverse});
  r.add({"PI_ETHUSD", {1, 0}, {1, 0}, ContractKind::Inverse});
  r.add({"PF_XBTUSD", {1, 0}, {1, 0}, ContractKind::Linear});
  return r;
}

// Counts what the session hands on; the atomics are read by another thread in the agent test.
struct Handler {
  std::atomic<int> snapshots{0};
  std::atomic<std::uint64_t> deltas{0};
  std::uint64_t trades = 0;
  std::uint64_t tickers = 0;
  std::vector<int> invalidations = std::vector<int>(8, 0);

  void on_snapshot_begin(const BookSnapshotBegin&) noexcept {}
  void on_book_level(const BookLevel&) noexcept {}
  void on_snapshot_end(const BookSnapshotEnd&) noexcept { snapshots.fetch_add(1, std::memory_order_relaxed); }
  void on_book_delta(const BookDelta&) noexcept { deltas.fetch_add(1, std::memory_order_relaxed); }
  void on_trade(const Trade&) noexcept { ++trades; }
  void on_ticker(const Ticker&) noexcept { ++tickers; }
  void on_heartbeat(std::int64_t, std::int64_t) noexcept {}
  void on_control(const ControlMessage&) noexcept {}
  void on_book_invalidated(const BookInvalidated& e) noexcept {
    ++invalidations[e.header.instrument.value()];
  }
};

MdFeedConfig fast_config(const std::string& url) {
  MdFeedConfig c;
  c.ws.url = url;
  c.ws.tls.use_system_trust = false;
  c.ws.tls.ca_file = ca_file().path();
  c.ws.ping_interval = 1s;
  c.ws.pong_timeout = 1s;
  c.ws.close_timeout = 500ms;
  c.ws.backoff = {
      .initial = 40ms, .max = 200ms, .multiplier = 2.0, .jitter = 0.2, .reset_after = 10s, .seed = 7};
  c.market_data.products = kProducts;
  c.market_data.product_silence = 0ns;  // each test turns on the watchdog it is about
  c.market_data.connection_silence = 0ns;
  return c;
}

template <typename Feed, typename Pred>
bool run_until(Feed& feed, Pred pred, std::chrono::milliseconds timeout = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    if (feed.poll() == 0) {
      std::this_thread::sleep_for(20us);
    }
  }
  return true;
}

template <typename Feed>
void run_for(Feed& feed, std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  (void)run_until(
      feed, [&] { return std::chrono::steady_clock::now() > end; }, d + 1s);
}

template <typename Feed>
const ProductStats& stats(const Feed& feed, const std::string& symbol, const InstrumentRegistry& r) {
  const ProductStats* s = feed.market_data().stats(r.find(symbol));
  if (s == nullptr) {
    throw std::logic_error(symbol + " is not a product of the feed");
  }
  return *s;
}

template <typename Feed>
const book::L2Book& book_of(const Feed& feed, const std::string& symbol, const InstrumentRegistry& r) {
  const book::L2Book* b = feed.market_data().book(r.find(symbol));
  if (b == nullptr) {
    throw std::logic_error(symbol + " is not a product of the feed");
  }
  return *b;
}

template <typename Feed>
bool all_books_valid(const Feed& feed) {
  for (std::size_t i = 0; i < feed.market_data().product_count(); ++i) {
    if (!feed.market_data().product_book(i).valid()) {
      return false;
    }
  }
  return true;
}

// Pauses the generator, lets the client catch up with every seq, and checks each book level by
// level against the server's.
template <typename Feed>
void check_books_equal_server(Feed& feed, KrakenWsServer& server, const InstrumentRegistry& r) {
  server.set_paused(true);
  std::vector<ServerBook> truth;
  for (const std::string& p : kProducts) {
    truth.push_back(server.book(p));
  }
  REQUIRE(run_until(feed, [&] {
    for (std::size_t i = 0; i < kProducts.size(); ++i) {
      const ProductStats& s = stats(feed, kProducts[i], r);
      if (s.last_seq != truth[i].seq || !book_of(feed, kProducts[i], r).valid()) {
        return false;
      }
    }
    return true;
  }));
  for (std::size_t i = 0; i < kProducts.size(); ++i) {
    INFO(kProducts[i]);
    const book::L2Book& b = book_of(feed, kProducts[i], r);
    std::vector<book::Level> levels(64);
    for (const Side side : {Side::Buy, Side::Sell}) {
      const auto& expected = side == Side::Buy ? truth[i].bids : truth[i].asks;
      REQUIRE(b.level_count(side) == expected.size());
      const std::size_t n = b.depth(side, levels);
      REQUIRE(n == expected.size());
      std::size_t k = 0;
      if (side == Side::Buy) {
        for (auto it = expected.rbegin(); it != expected.rend(); ++it, ++k) {
          CHECK(levels[k].price.ticks() == it->first);
          CHECK(levels[k].qty.lots() == it->second);
        }
      } else {
        for (auto it = expected.begin(); it != expected.end(); ++it, ++k) {
          CHECK(levels[k].price.ticks() == it->first);
          CHECK(levels[k].qty.lots() == it->second);
        }
      }
    }
  }
  server.set_paused(false);
}

template <typename Transport>
void connects_subscribes_and_applies(const net::PemCertificate* cert) {
  KrakenWsServer server(cert);
  const InstrumentRegistry registry = unit_registry();
  Handler handler;
  MdFeed<Transport, Handler> feed(registry, fast_config(server.url()), handler);
  feed.start();
  REQUIRE(run_until(feed, [&] {
    return all_books_valid(feed) && stats(feed, "PF_XBTUSD", registry).deltas > 50 && handler.trades > 0 &&
           handler.tickers > 0;
  }));
  const SessionCounters& c = feed.market_data().counters();
  CHECK(c.connects == 1);
  CHECK(c.infos == 1);
  CHECK(c.requests_sent == 3);  // one subscribe per feed, every product in it
  CHECK(c.acks_matched == 9);   // one ack per product and feed
  CHECK(c.rejected_frames == 0);
  CHECK(c.unexpected_acks == 0);
  for (const std::string& p : kProducts) {
    INFO(p);
    CHECK(stats(feed, p, registry).snapshots == 1);
    CHECK(stats(feed, p, registry).gaps == 0);
  }
  check_books_equal_server(feed, server, registry);
  CHECK(feed.ws().tls_verify_result() == 0);
  feed.stop();
  REQUIRE(run_until(feed, [&] { return feed.stopped(); }));
  CHECK_FALSE(feed.market_data().connected());
}

TEST_CASE("MdFeed over plain ws connects, subscribes every feed and keeps every book equal to the server's",
          "[md_feed]") {
  connects_subscribes_and_applies<net::PlainTransport>(nullptr);
}

TEST_CASE("MdFeed over TLS trusting a generated CA connects, subscribes and applies", "[md_feed][tls]") {
  connects_subscribes_and_applies<net::TlsTransport>(&server_cert());
}

TEST_CASE("an MdFeed built from a [market_data] config subscribes only the configured feeds", "[md_feed]") {
  KrakenWsServer server(&server_cert());
  const config::EngineConfig cfg = config::load_config_string(R"(
[venue]
ws_url = ")" + server.url() + R"("
ca_file = ")" + ca_file().path() + R"("

[[instruments]]
symbol = "PI_XBTUSD"
tick_size = "0.5"
size_step = "1"

[[instruments]]
symbol = "PF_XBTUSD"
tick_size = "1"
size_step = "0.0001"

[market_data]
products = ["pi_xbtusd", "PF_XBTUSD"]
feeds = ["book", "ticker_lite"]
ping_interval_ms = 30
pong_timeout_ms = 500
backoff_initial_ms = 10
)",
                                                              "md.toml");
  const InstrumentRegistry registry = tools::md::make_registry(cfg);
  const MdFeedConfig feed_cfg = tools::md::make_md_feed_config(cfg);
  CHECK(feed_cfg.ws.ping_interval == 30ms);
  CHECK(feed_cfg.ws.backoff.initial == 10ms);
  CHECK(feed_cfg.market_data.ticker_lite);
  CHECK_FALSE(feed_cfg.market_data.subscribe_trade);
  Handler handler;
  MdFeed<net::TlsTransport, Handler> feed(registry, feed_cfg, handler);
  feed.start();
  REQUIRE(
      run_until(feed, [&] { return all_books_valid(feed) && handler.tickers > 0 && handler.deltas > 20; }));
  CHECK(feed.market_data().counters().requests_sent == 2);
  CHECK(feed.market_data().counters().acks_matched == 4);
  CHECK(handler.trades == 0);
  const std::vector<std::string> requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0] == R"({"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD","PF_XBTUSD"]})");
  CHECK(requests[1] ==
        R"({"event":"subscribe","feed":"ticker_lite","product_ids":["PI_XBTUSD","PF_XBTUSD"]})");
}

TEST_CASE("MdFeed pings the server on the configured interval and gets its pongs", "[md_feed]") {
  KrakenWsServer server(nullptr);
  const InstrumentRegistry registry = unit_registry();
  Handler handler;
  MdFeedConfig cfg = fast_config(server.url());
  cfg.ws.ping_interval = 20ms;
  cfg.ws.pong_timeout = 2s;
  MdFeed<net::PlainTransport, Handler> feed(registry, cfg, handler);
  feed.start();
  REQUIRE(run_until(feed, [&] { return feed.ws().counters().pongs_received >= 5; }));
  CHECK(server.pings() >= 5);
  CHECK(feed.ws().counters().pong_timeouts == 0);
  CHECK(feed.market_data().counters().connects == 1);
  CHECK(all_books_valid(feed));
}

TEST_CASE("a server that stops answering pings is dropped after the pong timeout and reconnected",
          "[md_feed]") {
  KrakenWsServer server(nullptr);
  server.set_ignore_pings_after(3);  // reads the three subscribe requests, then nothing
  const InstrumentRegistry registry = unit_registry();
  Handler handler;
  MdFeedConfig cfg = fast_config(server.url());
  cfg.ws.ping_interval = 30ms;
  cfg.ws.pong_timeout = 60ms;
  MdFeed<net::PlainTransport, Handler> feed(registry, cfg, handler);
  feed.start();
  REQUIRE(run_until(feed, [&] { return all_books_valid(feed); }));
  server.set_ignore_pings_after(SIZE_MAX);  // the next connection behaves
  REQUIRE(run_until(feed, [&] { return feed.ws().counters().pong_timeouts >= 1; }));
  REQUIRE(
      run_until(feed, [&] { return feed.market_data().counters().connects == 2 && all_books_valid(feed); }));
  for (const std::string& p : kProducts) {
    CHECK(stats(feed, p, registry).snapshots == 2);
  }
  run_for(feed, 200ms);  // pongs flow again on the new connection
  CHECK(feed.ws().counters().pong_timeouts == 1);
  CHECK(feed.ws().counters().pongs_received >= 1);
}

TEST_CASE("after a server close the feed backs off, reconnects and rebuilds every book from a fresh snapshot",
          "[md_feed]") {
  KrakenWsServer server(nullptr);
  const InstrumentRegistry registry = unit_registry();
  Handler handler;
  MdFeed<net::PlainTransport, Handler> feed(registry, fast_config(server.url()), handler);
  feed.start();
  REQUIRE(run_until(feed, [&] { return all_books_valid(feed) && handler.deltas > 30; }));
  server.close_connections();
  REQUIRE(run_until(feed, [&] { return feed.market_data().counters().disconnects == 1; }));
  const auto closed_at = std::chrono::steady_clock::now();
  // Every book is invalid until its new snapshot.
  CHECK_FALSE(book_of(feed, "PI_XBTUSD", registry).valid());
  for (const std::string& p : kProducts) {
    CHECK(handler.invalidations[registry.find(p).value()] == 1);
  }
  REQUIRE(run_until(feed, [&] { return feed.market_data().counters().connects == 2; }));
  const auto waited = std::chrono::steady_clock::now() - closed_at;
  CHECK(waited >= 30ms);  // backoff initial 40 ms, minus at most 20 % jitter
  REQUIRE(run_until(feed, [&] { return all_books_valid(feed); }));
  for (const std::string& p : kProducts) {
    INFO(p);
    CHECK(stats(feed, p, registry).snapshots == 2);
    CHECK(server.book_subscribes(p) == 2);
  }
  CHECK(feed.ws().counters().connects == 2);
  check_books_equal_server(feed, server, registry);
}

TEST_CASE("a product gone silent on an open connection is resubscribed alone", "[md_feed]") {
  KrakenWsServer server(nullptr);
  const InstrumentRegistry registry = unit_registry();
  Handler handler;
  MdFeedConfig cfg = fast_config(server.url());
  cfg.market_data.product_silence = 150ms;
  MdFeed<net::PlainTransport, Handler> feed(registry, cfg, handler);
  feed.start();
  REQUIRE(run_until(feed, [&] { return all_books_valid(feed); }));
  server.mute_product("PI_ETHUSD");
  REQUIRE(run_until(feed, [&] { return stats(feed, "PI_ETHUSD", registry).stale >= 1; }));
  REQUIRE(run_until(
      feed, [&] { return stats(feed, "PI_ETHUSD", registry).snapshots >= 2 && all_books_valid(feed); }));
  CHECK(stats(feed, "PI_ETHUSD", registry).resyncs >= 1);
  CHECK(server.book_subscribes("PI_ETHUSD") >= 2);
  for (const std::string p : {"PI_XBTUSD", "PF_XBTUSD"}) {
    INFO(p);
    CHECK(stats(feed, p, registry).stale == 0);
    CHECK(stats(feed, p, registry).resyncs == 0);
    CHECK(stats(feed, p, registry).snapshots == 1);
  }
  CHECK(feed.market_data().counters().connects == 1);
  check_books_equal_server(feed, server, registry);
}

TEST_CASE("a connection that is open but silent is dropped by the watchdog and reconnected", "[md_feed]") {
  KrakenWsServer server(nullptr);
  const InstrumentRegistry registry = unit_registry();
  Handler handler;
  MdFeedConfig cfg = fast_config(server.url());
  cfg.ws.ping_interval = 20ms;  // pings keep flowing: only the data stops
  cfg.market_data.connection_silence = 150ms;
  MdFeed<net::PlainTransport, Handler> feed(registry, cfg, handler);
  feed.start();
  REQUIRE(run_until(feed, [&] { return all_books_valid(feed); }));
  server.mute_connections();
  REQUIRE(run_until(feed, [&] { return feed.market_data().counters().reconnect_requests == 1; }));
  REQUIRE(
      run_until(feed, [&] { return feed.market_data().counters().connects == 2 && all_books_valid(feed); }));
  CHECK(feed.ws().counters().pong_timeouts == 0);
  CHECK(feed.counters().reconnects_forced == 1);
  for (const std::string& p : kProducts) {
    CHECK(stats(feed, p, registry).snapshots == 2);
  }
  check_books_equal_server(feed, server, registry);
}

TEST_CASE("a gap on one product resyncs that product only while the others keep updating", "[md_feed]") {
  KrakenServerConfig scfg;
  scfg.tick = 2ms;
  KrakenWsServer server(nullptr, scfg);
  const InstrumentRegistry registry = unit_registry();
  Handler handler;
  MdFeed<net::PlainTransport, Handler> feed(registry, fast_config(server.url()), handler);
  feed.start();
  REQUIRE(run_until(feed, [&] { return all_books_valid(feed) && handler.deltas > 30; }));
  const InstrumentId eth = registry.find("PI_ETHUSD");

  server.set_request_delay(60ms);  // the resync takes a while, as on the real venue
  server.skip_next_delta("PI_ETHUSD");
  REQUIRE(run_until(feed, [&] { return stats(feed, "PI_ETHUSD", registry).gaps == 1; }));
  const std::uint64_t xbt_at_gap = stats(feed, "PI_XBTUSD", registry).last_seq;
  const std::uint64_t pf_at_gap = stats(feed, "PF_XBTUSD", registry).last_seq;
  CHECK_FALSE(book_of(feed, "PI_ETHUSD", registry).valid());

  // While PI_ETHUSD waits for its snapshot, the others go on.
  REQUIRE(run_until(feed, [&] { return book_of(feed, "PI_ETHUSD", registry).valid(); }));
  CHECK(stats(feed, "PI_XBTUSD", registry).last_seq >= xbt_at_gap + 10);  // 60 ms at one delta / 2 ms
  CHECK(stats(feed, "PF_XBTUSD", registry).last_seq >= pf_at_gap + 10);
  CHECK(book_of(feed, "PI_XBTUSD", registry).valid());
  CHECK(book_of(feed, "PF_XBTUSD", registry).valid());

  const ProductStats& e = stats(feed, "PI_ETHUSD", registry);
  CHECK(e.resyncs == 1);
  CHECK(e.snapshots == 2);
  CHECK(handler.invalidations[eth.value()] == 1);
  CHECK(server.book_subscribes("PI_ETHUSD") == 2);
  for (const std::string p : {"PI_XBTUSD", "PF_XBTUSD"}) {
    INFO(p);
    CHECK(stats(feed, p, registry).gaps == 0);
    CHECK(stats(feed, p, registry).resyncs == 0);
    CHECK(stats(feed, p, registry).snapshots == 1);
    CHECK(handler.invalidations[registry.find(p).value()] == 0);
    CHECK(server.book_subscribes(p) == 1);
  }
  // Only the book feed of PI_ETHUSD was renewed: unsubscribe + subscribe, nothing else.
  const std::vector<std::string> requests = server.requests();
  REQUIRE(requests.size() == 5);
  CHECK(requests[3] == R"({"event":"unsubscribe","feed":"book","product_ids":["PI_ETHUSD"]})");
  CHECK(requests[4] == R"({"event":"subscribe","feed":"book","product_ids":["PI_ETHUSD"]})");
  CHECK(feed.market_data().counters().connects == 1);
  check_books_equal_server(feed, server, registry);
}

TEST_CASE("MdFeedAgent runs the feed on an AgentRunner thread and stops cleanly", "[md_feed][agent]") {
  KrakenWsServer server(&server_cert());
  const InstrumentRegistry registry = unit_registry();
  Handler handler;
  MdFeed<net::TlsTransport, Handler> feed(registry, fast_config(server.url()), handler);
  MdFeedAgent agent(feed);
  static_assert(engine::Agent<MdFeedAgent<MdFeed<net::TlsTransport, Handler>>>);
  {
    engine::AgentRunner runner(
        agent,
        config::ThreadConfig{.idle = config::IdleKind::Sleep, .name = "tp-md-test", .sleep_ns = 50'000});
    runner.start();
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while ((handler.snapshots.load() < 3 || handler.deltas.load() < 50) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    runner.stop();  // joins: the feed's state is ours to read from here on
  }
  CHECK(handler.snapshots.load() == 3);
  CHECK(handler.deltas.load() >= 50);
  CHECK(feed.stopped());
  CHECK(all_books_valid(feed) == false);  // a clean close invalidates every book
  CHECK(feed.market_data().counters().disconnects == 1);
}

}  // namespace
}  // namespace tickpath::venue::kraken_futures
