#include "tickpath/venue/kraken_futures/market_data.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "venue/kraken_futures/support.hpp"

using namespace tickpath;
using namespace tickpath::venue::kraken_futures;
using tickpath::test::kf::Frame;
using tickpath::test::kf::Recorder;
using tickpath::test::kf::RecordingSink;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;

struct Harness {
  InstrumentRegistry registry = tickpath::test::kf::test_registry();
  Recorder rec;
  RecordingSink sink;
  MarketDataConfig config = [] {
    MarketDataConfig c;
    c.products = {"PI_XBTUSD", "pi_ethusd"};
    return c;
  }();
  MarketDataSession<Recorder, RecordingSink> session{registry, config, rec, sink};
  std::int64_t now = 1000 * kSec;

  void frame(const std::string& text) {
    const Frame f(text);
    session.on_frame(f.data(), f.len, f.capacity(), now);
  }
  void snapshot(const std::string& product, std::uint64_t seq, const std::string& bid = "100",
                const std::string& ask = "101") {
    frame(R"({"feed":"book_snapshot","product_id":")" + product + R"(","timestamp":1,"seq":)" +
          std::to_string(seq) + R"(,"tickSize":null,"bids":[{"price":)" + bid +
          R"(,"qty":5}],"asks":[{"price":)" + ask + R"(,"qty":7}]})");
  }
  void delta(const std::string& product, std::uint64_t seq, const std::string& side, const std::string& price,
             const std::string& qty) {
    frame(R"({"feed":"book","product_id":")" + product + R"(","side":")" + side + R"(","seq":)" +
          std::to_string(seq) + R"(,"price":)" + price + R"(,"qty":)" + qty + R"(,"timestamp":2})");
  }
  const book::L2Book& book(std::string_view s) { return *session.book(registry.find(s)); }
  const ProductStats& stats(std::string_view s) { return *session.stats(registry.find(s)); }
};

}  // namespace

TEST_CASE("subscribes book, trade and ticker for every product on connect") {
  Harness h;
  h.session.on_connected(h.now);
  REQUIRE(h.sink.sent.size() == 3);
  CHECK(h.sink.sent[0] == R"({"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD","PI_ETHUSD"]})");
  CHECK(h.sink.sent[1] == R"({"event":"subscribe","feed":"trade","product_ids":["PI_XBTUSD","PI_ETHUSD"]})");
  CHECK(h.sink.sent[2] == R"({"event":"subscribe","feed":"ticker","product_ids":["PI_XBTUSD","PI_ETHUSD"]})");
}

TEST_CASE("matches acks per product and counts unexpected ones") {
  Harness h;
  h.session.on_connected(h.now);
  h.frame(R"({"event":"subscribed","feed":"book","product_ids":["PI_XBTUSD"]})");
  h.frame(R"({"event":"subscribed","feed":"book","product_ids":["PI_ETHUSD"]})");
  h.frame(R"({"event":"subscribed","feed":"book","product_ids":["PI_ETHUSD"]})");         // duplicate
  h.frame(R"({"event":"subscribed","feed":"book","product_ids":["PF_XBTUSD"]})");         // not ours
  h.frame(R"({"event":"subscribed","feed":"ticker_lite","product_ids":["PI_XBTUSD"]})");  // not requested
  CHECK(h.session.counters().acks_matched == 2);
  CHECK(h.session.counters().unexpected_acks == 3);
  CHECK(h.rec.deltas.empty());
}

TEST_CASE("applies a snapshot and contiguous deltas and forwards them") {
  Harness h;
  h.session.on_connected(h.now);
  h.snapshot("PI_XBTUSD", 10);
  h.delta("PI_XBTUSD", 11, "buy", "100.5", "3");
  h.delta("PI_XBTUSD", 12, "sell", "101", "0");
  const book::L2Book& b = h.book("PI_XBTUSD");
  REQUIRE(b.valid());
  CHECK(b.best_bid()->price == Price{201});
  CHECK(b.best_bid()->qty == Qty{3});
  CHECK_FALSE(b.best_ask().has_value());
  CHECK(h.rec.deltas.size() == 2);
  CHECK(h.stats("PI_XBTUSD").last_seq == 12);
  CHECK(h.stats("PI_XBTUSD").deltas == 2);
}

TEST_CASE("a gap on one product resyncs that product only while the others keep updating") {
  Harness h;
  h.session.on_connected(h.now);
  h.snapshot("PI_XBTUSD", 10);
  h.snapshot("PI_ETHUSD", 500, "2000", "2000.05");
  h.sink.sent.clear();
  h.delta("PI_XBTUSD", 12, "buy", "99", "1");  // 11 missing
  CHECK_FALSE(h.book("PI_XBTUSD").valid());
  CHECK(h.stats("PI_XBTUSD").gaps == 1);
  CHECK(h.stats("PI_XBTUSD").resyncs == 1);
  REQUIRE(h.rec.invalidations.size() == 1);
  CHECK(h.rec.invalidations[0].header.instrument == h.registry.find("PI_XBTUSD"));
  CHECK(static_cast<InvalidReason>(h.rec.invalidations[0].header.code) == InvalidReason::SequenceGap);
  CHECK(h.rec.invalidations[0].header.recv_ns == h.now);
  REQUIRE(h.sink.sent.size() == 2);
  CHECK(h.sink.sent[0] == R"({"event":"unsubscribe","feed":"book","product_ids":["PI_XBTUSD"]})");
  CHECK(h.sink.sent[1] == R"({"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD"]})");
  // Later deltas of the broken book are dropped; the other product keeps going.
  h.delta("PI_XBTUSD", 13, "buy", "99", "1");
  h.delta("PI_ETHUSD", 501, "buy", "1999.95", "4");
  CHECK(h.stats("PI_XBTUSD").deltas_dropped == 1);
  CHECK(h.book("PI_ETHUSD").valid());
  CHECK(h.book("PI_ETHUSD").qty_at(Side::Buy, Price{39999}) == Qty{4});
  // Acks for the resync are matched; a fresh snapshot rebuilds the book.
  h.frame(R"({"event":"unsubscribed","feed":"book","product_ids":["PI_XBTUSD"]})");
  h.frame(R"({"event":"subscribed","feed":"book","product_ids":["PI_XBTUSD"]})");
  CHECK(h.session.counters().unexpected_acks == 0);
  h.snapshot("PI_XBTUSD", 40, "98", "99");
  CHECK(h.book("PI_XBTUSD").valid());
  h.delta("PI_XBTUSD", 41, "buy", "98", "9");
  CHECK(h.book("PI_XBTUSD").qty_at(Side::Buy, Price{196}) == Qty{9});
  CHECK(h.stats("PI_ETHUSD").gaps == 0);
  CHECK(h.stats("PI_ETHUSD").resyncs == 0);
}

TEST_CASE("a crossed book is invalidated and resynced") {
  Harness h;
  h.session.on_connected(h.now);
  h.snapshot("PI_XBTUSD", 10);
  h.sink.sent.clear();
  h.delta("PI_XBTUSD", 11, "buy", "101.5", "1");  // bid above the ask at 101
  CHECK_FALSE(h.book("PI_XBTUSD").valid());
  CHECK(h.stats("PI_XBTUSD").crossed == 1);
  REQUIRE(h.rec.invalidations.size() == 1);
  CHECK(static_cast<InvalidReason>(h.rec.invalidations[0].header.code) == InvalidReason::Crossed);
  CHECK(h.sink.sent.size() == 2);
  CHECK(h.rec.deltas.empty());
}

TEST_CASE("a crossed snapshot is invalidated and resynced") {
  Harness h;
  h.session.on_connected(h.now);
  h.snapshot("PI_XBTUSD", 10, "102", "101");
  CHECK_FALSE(h.book("PI_XBTUSD").valid());
  CHECK(h.stats("PI_XBTUSD").crossed == 1);
}

TEST_CASE("a rejected frame leaves the book untouched") {
  Harness h;
  h.session.on_connected(h.now);
  h.snapshot("PI_XBTUSD", 10);
  h.delta("PI_XBTUSD", 11, "buy", "100.25", "1");  // off grid
  CHECK(h.book("PI_XBTUSD").valid());
  CHECK(h.book("PI_XBTUSD").qty_at(Side::Buy, Price{200}) == Qty{5});
  CHECK(h.session.counters().rejected_frames == 1);
  h.delta("PI_XBTUSD", 11, "buy", "100", "2");  // the rejected frame did not consume seq 11
  CHECK(h.book("PI_XBTUSD").qty_at(Side::Buy, Price{200}) == Qty{2});
}

TEST_CASE("the product watchdog resubscribes a silent product only") {
  Harness h;
  h.config.product_silence = std::chrono::seconds{5};
  MarketDataSession<Recorder, RecordingSink> s{h.registry, h.config, h.rec, h.sink};
  s.on_connected(h.now);
  const auto frame = [&](const std::string& t, std::int64_t at) {
    const Frame f(t);
    s.on_frame(f.data(), f.len, f.capacity(), at);
  };
  frame(R"({"feed":"book_snapshot","product_id":"PI_XBTUSD","timestamp":1,"seq":1,"bids":[],"asks":[]})",
        h.now);
  frame(R"({"feed":"book_snapshot","product_id":"PI_ETHUSD","timestamp":1,"seq":1,"bids":[],"asks":[]})",
        h.now);
  h.sink.sent.clear();
  CHECK(s.poll(h.now + 4 * kSec) == 0);
  // PI_ETHUSD keeps ticking; PI_XBTUSD goes quiet.
  frame(R"({"feed":"ticker","product_id":"PI_ETHUSD","time":1})", h.now + 4 * kSec);
  CHECK(s.poll(h.now + 6 * kSec) == 1);
  REQUIRE(h.sink.sent.size() == 6);  // unsubscribe + subscribe for book, trade, ticker
  for (const std::string& m : h.sink.sent) {
    CHECK(m.find("PI_XBTUSD") != std::string::npos);
    CHECK(m.find("PI_ETHUSD") == std::string::npos);
  }
  CHECK(s.stats(h.registry.find("PI_XBTUSD"))->stale == 1);
  CHECK_FALSE(s.book(h.registry.find("PI_XBTUSD"))->valid());
  CHECK(s.book(h.registry.find("PI_ETHUSD"))->valid());
  REQUIRE(h.rec.invalidations.size() == 1);
  CHECK(static_cast<InvalidReason>(h.rec.invalidations[0].header.code) == InvalidReason::Stale);
  CHECK(h.sink.reconnects == 0);
  // Not again before another full period.
  CHECK(s.poll(h.now + 7 * kSec) == 0);
}

TEST_CASE("the connection watchdog requests one reconnect after silence") {
  Harness h;
  h.config.connection_silence = std::chrono::seconds{3};
  h.config.product_silence = std::chrono::seconds{0};
  MarketDataSession<Recorder, RecordingSink> s{h.registry, h.config, h.rec, h.sink};
  s.on_connected(h.now);
  CHECK(s.poll(h.now + 2 * kSec) == 0);
  const Frame f(R"({"feed":"heartbeat","time":1})");
  s.on_frame(f.data(), f.len, f.capacity(), h.now + 2 * kSec);
  CHECK(s.poll(h.now + 4 * kSec) == 0);
  CHECK(s.poll(h.now + 6 * kSec) == 1);
  CHECK(h.sink.reconnects == 1);
  CHECK(s.poll(h.now + 9 * kSec) == 0);
  CHECK(h.sink.reconnects == 1);
  CHECK(s.counters().reconnect_requests == 1);
}

TEST_CASE("a reconnect invalidates every book and rebuilds them from new snapshots") {
  Harness h;
  h.session.on_connected(h.now);
  h.snapshot("PI_XBTUSD", 10);
  h.snapshot("PI_ETHUSD", 500, "2000", "2000.05");
  h.session.on_disconnected(h.now + 1);
  CHECK_FALSE(h.book("PI_XBTUSD").valid());
  CHECK_FALSE(h.book("PI_ETHUSD").valid());
  REQUIRE(h.rec.invalidations.size() == 2);
  CHECK(static_cast<InvalidReason>(h.rec.invalidations[0].header.code) == InvalidReason::Disconnect);
  h.sink.sent.clear();
  h.session.on_connected(h.now + 2);
  CHECK(h.sink.sent.size() == 3);
  // Seq counters restart on the new connection: a delta before the snapshot is dropped, not a gap.
  h.delta("PI_XBTUSD", 11, "buy", "100", "1");
  CHECK(h.stats("PI_XBTUSD").gaps == 0);
  CHECK(h.stats("PI_XBTUSD").deltas_dropped == 1);
  h.snapshot("PI_XBTUSD", 3, "90", "91");
  h.snapshot("PI_ETHUSD", 7, "1900", "1900.05");
  CHECK(h.book("PI_XBTUSD").valid());
  CHECK(h.book("PI_ETHUSD").valid());
  CHECK(h.book("PI_XBTUSD").best_bid()->price == Price{180});
  h.delta("PI_XBTUSD", 4, "sell", "91", "0");
  CHECK_FALSE(h.book("PI_XBTUSD").best_ask().has_value());
  CHECK(h.session.counters().connects == 2);
  CHECK(h.session.counters().disconnects == 1);
}

TEST_CASE("rejects an unknown product in the config at construction") {
  InstrumentRegistry registry = tickpath::test::kf::test_registry();
  Recorder rec;
  RecordingSink sink;
  MarketDataConfig config;
  config.products = {"PI_NOPE"};
  using Session = MarketDataSession<Recorder, RecordingSink>;
  CHECK_THROWS_AS(Session(registry, config, rec, sink), std::invalid_argument);
}
