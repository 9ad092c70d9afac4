#include "tickpath/venue/kraken_futures/parser.hpp"

#include <catch2/catch.hpp>

#include "venue/kraken_futures/support.hpp"

using namespace tickpath;
using namespace tickpath::venue::kraken_futures;
using tickpath::test::kf::fixture;
using tickpath::test::kf::Frame;
using tickpath::test::kf::Recorder;

namespace {

struct Fixture {
  InstrumentRegistry registry = tickpath::test::kf::test_registry();
  Parser parser{registry};
  Recorder rec;

  ParseResult parse(std::string_view text, std::int64_t recv_ns = 777) {
    const Frame f(text);
    return parser.parse(f.data(), f.len, f.capacity(), recv_ns, rec);
  }
  InstrumentId id(std::string_view s) const { return registry.find(s); }
};

constexpr std::int64_t kMs = 1'000'000;

}  // namespace

TEST_CASE("parses info with its version") {
  Fixture fx;
  const ParseResult r = fx.parse(fixture("info.json"));
  CHECK(r.ok());
  CHECK(r.kind == MessageKind::Info);
  REQUIRE(fx.rec.controls.size() == 1);
  CHECK(fx.rec.controls[0].kind == MessageKind::Info);
  CHECK(fx.rec.controls[0].version == 1);
  CHECK(fx.parser.counters().count(MessageKind::Info) == 1);
}

TEST_CASE("dispatches a subscribed ack on event although it carries a feed") {
  Fixture fx;
  const ParseResult r = fx.parse(fixture("subscribed.json"));
  CHECK(r.kind == MessageKind::Subscribed);
  CHECK(fx.rec.deltas.empty());
  REQUIRE(fx.rec.controls.size() == 1);
  const auto& c = fx.rec.controls[0];
  CHECK(c.feed == Feed::Book);
  CHECK(c.feed_text == "book");
  CHECK(c.product == "PI_ETHUSD");
  CHECK(c.instrument == fx.id("PI_ETHUSD"));
  CHECK(fx.parser.counters().count(MessageKind::Book) == 0);
}

TEST_CASE("dispatches an ack on event even when feed comes first") {
  Fixture fx;
  CHECK(fx.parse(R"({"feed":"book_snapshot","product_ids":["PI_XBTUSD"],"event":"subscribed"})").kind ==
        MessageKind::Subscribed);
  CHECK(fx.rec.begins.empty());
}

TEST_CASE("parses unsubscribed, subscribed_failed and unsubscribed_failed acks") {
  Fixture fx;
  CHECK(fx.parse(fixture("unsubscribed.json")).kind == MessageKind::Unsubscribed);
  CHECK(fx.parse(fixture("subscribed_failed.json")).kind == MessageKind::SubscribedFailed);
  CHECK(fx.parse(fixture("unsubscribed_failed.json")).kind == MessageKind::UnsubscribedFailed);
  REQUIRE(fx.rec.controls.size() == 3);
  CHECK(fx.rec.controls[0].feed == Feed::Ticker);
  CHECK(fx.rec.controls[0].product == "PI_XBTUSD");
  CHECK(fx.rec.controls[1].feed == Feed::Book);
  CHECK(fx.rec.controls[2].feed == Feed::Trade);
  CHECK(fx.rec.controls[2].instrument == fx.id("PI_XBTUSD"));
}

TEST_CASE("reports an ack naming several products once per product") {
  Fixture fx;
  CHECK(fx.parse(R"({"event":"subscribed","feed":"trade","product_ids":["PI_XBTUSD","pi_ethusd","PI_NOPE"]})")
            .ok());
  REQUIRE(fx.rec.controls.size() == 3);
  CHECK(fx.rec.controls[1].instrument == fx.id("PI_ETHUSD"));
  CHECK_FALSE(fx.rec.controls[2].instrument.valid());
  CHECK(fx.parser.counters().unknown_products == 1);
}

TEST_CASE("parses a product-less ack") {
  Fixture fx;
  CHECK(fx.parse(R"({"event":"subscribed","feed":"heartbeat"})").ok());
  REQUIRE(fx.rec.controls.size() == 1);
  CHECK(fx.rec.controls[0].feed == Feed::Heartbeat);
  CHECK(fx.rec.controls[0].product.empty());
}

TEST_CASE("parses challenge, alert and error messages") {
  Fixture fx;
  CHECK(fx.parse(fixture("challenge.json")).kind == MessageKind::Challenge);
  CHECK(fx.parse(fixture("alert.json")).kind == MessageKind::Alert);
  CHECK(fx.parse(fixture("error.json")).kind == MessageKind::Error);
  REQUIRE(fx.rec.controls.size() == 3);
  CHECK(fx.rec.controls[0].message == "5a2d547e-2226-4193-957e-7b19e32cf5b4");
  CHECK(fx.rec.controls[1].message == "Bad websocket message");
  CHECK(fx.rec.controls[2].message == "Invalid product id");
}

TEST_CASE("parses a heartbeat into exchange time in ns") {
  Fixture fx;
  CHECK(fx.parse(fixture("heartbeat.json"), 42).kind == MessageKind::Heartbeat);
  REQUIRE(fx.rec.heartbeats.size() == 1);
  CHECK(fx.rec.heartbeats[0].first == 1791518718452 * kMs);
  CHECK(fx.rec.heartbeats[0].second == 42);
}

TEST_CASE("parses a book snapshot into begin, levels best first, end") {
  Fixture fx;
  const ParseResult r = fx.parse(fixture("book_snapshot.json"), 99);
  REQUIRE(r.ok());
  CHECK(r.kind == MessageKind::BookSnapshot);
  REQUIRE(fx.rec.begins.size() == 1);
  REQUIRE(fx.rec.ends.size() == 1);
  const auto& b = fx.rec.begins[0];
  CHECK(b.header.type == EventType::BookSnapshotBegin);
  CHECK(b.header.instrument == fx.id("PI_XBTUSD"));
  CHECK(b.header.seq == 4100000);
  CHECK(b.header.exchange_ns == 1700000000654 * kMs);
  CHECK(b.header.recv_ns == 99);
  CHECK(b.bid_levels == 3);
  CHECK(b.ask_levels == 3);
  CHECK(fx.rec.ends[0].header.type == EventType::BookSnapshotEnd);
  CHECK(fx.rec.ends[0].header.seq == 4100000);
  REQUIRE(fx.rec.levels.size() == 6);
  // tick 0.5: 32170.5 -> 64341, "32170" -> 64340, 3.2195e4 -> 64390
  CHECK(fx.rec.levels[0].header.side == Side::Buy);
  CHECK(fx.rec.levels[0].price == Price{64341});
  CHECK(fx.rec.levels[0].qty == Qty{1200});
  CHECK(fx.rec.levels[1].price == Price{64340});
  CHECK(fx.rec.levels[1].qty == Qty{130775});
  CHECK(fx.rec.levels[2].price == Price{64318});
  CHECK(fx.rec.levels[2].qty == Qty{50});
  CHECK(fx.rec.levels[3].header.side == Side::Sell);
  CHECK(fx.rec.levels[3].price == Price{64385});
  CHECK(fx.rec.levels[3].qty == Qty{3000});
  CHECK(fx.rec.levels[4].qty == Qty{0});
  CHECK(fx.rec.levels[5].price == Price{64390});
  CHECK(fx.rec.levels[5].qty == Qty{75});
  CHECK(fx.rec.levels[5].header.type == EventType::BookLevel);
}

TEST_CASE("parses a book snapshot whose asks come before its product_id") {
  Fixture fx;
  CHECK(
      fx.parse(
            R"({"asks":[{"qty":1.0,"price":10.5}],"bids":[{"price":10,"qty":2}],"seq":5,"timestamp":1,"feed":"book_snapshot","product_id":"PI_XBTUSD"})")
          .ok());
  REQUIRE(fx.rec.levels.size() == 2);
  CHECK(fx.rec.levels[0].header.side == Side::Buy);
  CHECK(fx.rec.levels[0].price == Price{20});
  CHECK(fx.rec.levels[1].price == Price{21});
}

TEST_CASE("parses a book delta with every field") {
  Fixture fx;
  const ParseResult r = fx.parse(fixture("book.json"), 1234);
  REQUIRE(r.ok());
  CHECK(r.kind == MessageKind::Book);
  REQUIRE(fx.rec.deltas.size() == 1);
  const BookDelta& d = fx.rec.deltas[0];
  CHECK(d.header.type == EventType::BookDelta);
  CHECK(d.header.instrument == fx.id("PI_XBTUSD"));
  CHECK(d.header.side == Side::Sell);
  CHECK(d.header.seq == 4100001);
  CHECK(d.header.exchange_ns == 1700000031135 * kMs);
  CHECK(d.header.recv_ns == 1234);
  CHECK((d.header.flags & kEventHasSeq) != 0);
  CHECK(d.price == Price{64385});
  CHECK(d.qty == Qty{11900});
}

TEST_CASE("parses a delta whatever the key order and with whitespace") {
  Fixture fx;
  CHECK(fx.parse(" { \"qty\" : 0 , \"timestamp\":1, \"price\" : 2004.75 "
                 ",\"seq\":7,\"side\":\"buy\",\"product_id\":\"PI_ETHUSD\",\"feed\":\"book\" } ")
            .ok());
  REQUIRE(fx.rec.deltas.size() == 1);
  CHECK(fx.rec.deltas[0].price == Price{40095});
  CHECK(fx.rec.deltas[0].qty.is_zero());
  CHECK(fx.rec.deltas[0].header.side == Side::Buy);
}

TEST_CASE("reads qty 0 and 0.0 as a deletion and exponent numbers exactly") {
  Fixture fx;
  CHECK(
      fx.parse(
            R"({"feed":"book","product_id":"PF_XBTUSD","side":"buy","seq":1,"price":8.4001e4,"qty":0.0,"timestamp":1})")
          .ok());
  CHECK(
      fx.parse(
            R"({"feed":"book","product_id":"PF_XBTUSD","side":"buy","seq":2,"price":84001,"qty":5.2e-3,"timestamp":1})")
          .ok());
  CHECK(
      fx.parse(
            R"({"feed":"book","product_id":"PF_XBTUSD","side":"buy","seq":3,"price":84001,"qty":0,"timestamp":1})")
          .ok());
  REQUIRE(fx.rec.deltas.size() == 3);
  CHECK(fx.rec.deltas[0].price == Price{84001});
  CHECK(fx.rec.deltas[0].qty.is_zero());
  CHECK(fx.rec.deltas[1].qty == Qty{52});
  CHECK(fx.rec.deltas[2].qty.is_zero());
}

TEST_CASE("matches symbols case-insensitively") {
  Fixture fx;
  CHECK(
      fx.parse(
            R"({"feed":"book","product_id":"pi_XbtUsd","side":"buy","seq":1,"price":1.5,"qty":1,"timestamp":1})")
          .ok());
  REQUIRE(fx.rec.deltas.size() == 1);
  CHECK(fx.rec.deltas[0].header.instrument == fx.id("PI_XBTUSD"));
}

TEST_CASE("rejects an off-grid price or quantity and counts it") {
  Fixture fx;
  const ParseResult r = fx.parse(
      R"({"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":1,"price":100.25,"qty":1,"timestamp":1})");
  CHECK(r.error == ParseError::OffGrid);
  CHECK(r.kind == MessageKind::Book);
  CHECK(
      fx.parse(
            R"({"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":1,"price":100.5,"qty":1.5,"timestamp":1})")
          .error == ParseError::OffGrid);
  CHECK(fx.rec.total() == 0);
  CHECK(fx.parser.counters().count(ParseError::OffGrid) == 2);
}

TEST_CASE("rejects a whole snapshot when one level is off the grid") {
  Fixture fx;
  const ParseResult r = fx.parse(
      R"({"feed":"book_snapshot","product_id":"PI_XBTUSD","timestamp":1,"seq":1,"tickSize":null,"bids":[{"price":10,"qty":1}],"asks":[{"price":11,"qty":1},{"price":11.3,"qty":1}]})");
  CHECK(r.error == ParseError::OffGrid);
  CHECK(fx.rec.total() == 0);
}

TEST_CASE("ignores and counts data for an unknown product") {
  Fixture fx;
  const ParseResult r = fx.parse(
      R"({"feed":"book","product_id":"PI_DOGEUSD","side":"buy","seq":1,"price":1,"qty":1,"timestamp":1})");
  CHECK(r.ok());
  CHECK(fx.rec.total() == 0);
  CHECK(fx.parser.counters().unknown_products == 1);
}

TEST_CASE("parses a trade snapshot oldest first with kinds and ids") {
  Fixture fx;
  const ParseResult r = fx.parse(fixture("trade_snapshot.json"), 5);
  REQUIRE(r.ok());
  CHECK(r.kind == MessageKind::TradeSnapshot);
  REQUIRE(fx.rec.trades.size() == 2);
  const Trade& older = fx.rec.trades[0];
  CHECK(older.header.seq == 421134);
  CHECK(older.header.side == Side::Buy);
  CHECK(older.kind() == TradeKind::Liquidation);
  CHECK(older.price == Price{83990});
  CHECK(older.qty == Qty{46});
  CHECK(older.header.exchange_ns == 1790360001000 * kMs);
  CHECK((older.header.flags & kEventFromSnapshot) != 0);
  const Trade& newer = fx.rec.trades[1];
  CHECK(newer.header.seq == 421135);
  CHECK(newer.kind() == TradeKind::Fill);
  CHECK(newer.header.side == Side::Sell);
  CHECK(newer.trade_id[0] == 0x8a);
  CHECK(newer.trade_id[15] == 0xd0);
  CHECK(fx.parser.counters().snapshot_trades == 2);
}

TEST_CASE("parses a live trade with every field") {
  Fixture fx;
  const ParseResult r = fx.parse(fixture("trade.json"), 8);
  REQUIRE(r.ok());
  CHECK(r.kind == MessageKind::Trade);
  REQUIRE(fx.rec.trades.size() == 1);
  const Trade& t = fx.rec.trades[0];
  CHECK(t.header.type == EventType::Trade);
  CHECK(t.header.instrument == fx.id("PF_XBTUSD"));
  CHECK(t.header.seq == 421135);
  CHECK(t.header.exchange_ns == 1790360004381 * kMs);
  CHECK(t.header.recv_ns == 8);
  CHECK(t.header.side == Side::Sell);
  CHECK(t.kind() == TradeKind::Fill);
  CHECK(t.price == Price{83994});
  CHECK(t.qty == Qty{2});
  CHECK((t.header.flags & kEventFromSnapshot) == 0);
  const std::array<std::uint8_t, 16> id{0x8a, 0x2b, 0xe1, 0x2f, 0x7a, 0x3f, 0x4f, 0x8f,
                                        0xa1, 0x11, 0xd1, 0xb5, 0x20, 0x0a, 0xb1, 0xd0};
  CHECK(t.trade_id == id);
}

TEST_CASE("tolerates unknown trade types and counts them") {
  Fixture fx;
  for (const char* type : {"partialLiquidation", "termination", "block", "somethingNew"}) {
    const std::string msg = std::string(R"({"feed":"trade","product_id":"PF_XBTUSD","side":"buy","type":")") +
                            type + R"(","seq":1,"time":1,"qty":1,"price":1})";
    CHECK(fx.parse(msg).ok());
  }
  REQUIRE(fx.rec.trades.size() == 4);
  CHECK(fx.rec.trades[0].kind() == TradeKind::PartialLiquidation);
  CHECK(fx.rec.trades[1].kind() == TradeKind::Termination);
  CHECK(fx.rec.trades[2].kind() == TradeKind::Block);
  CHECK(fx.rec.trades[3].kind() == TradeKind::Unknown);
  CHECK(fx.parser.counters().unknown_enums == 1);
}

TEST_CASE("parses a full ticker with exact decimals for off-grid values") {
  Fixture fx;
  const ParseResult r = fx.parse(fixture("ticker.json"), 3);
  REQUIRE(r.ok());
  CHECK(r.kind == MessageKind::Ticker);
  REQUIRE(fx.rec.tickers.size() == 1);
  const Ticker& t = fx.rec.tickers[0];
  CHECK(t.header.instrument == fx.id("PF_XBTUSD"));
  CHECK(t.header.exchange_ns == 1790359997224 * kMs);
  CHECK(t.header.recv_ns == 3);
  CHECK(t.lite == 0);
  CHECK(t.bid == Price{84001});
  CHECK(t.ask == Price{84002});
  CHECK(t.bid_size == Qty{273});
  CHECK(t.ask_size == Qty{60});
  CHECK(t.last == Price{83997});
  CHECK(t.mark == Decimal{8400411362574516, -11});
  CHECK(t.index == Decimal{8399576, -2});
  CHECK(t.funding_rate == Decimal{912482213835, -12});
  CHECK(t.funding_rate_prediction == Decimal{13232500286425, -13});
  CHECK(t.relative_funding_rate == Decimal{2747066666667, -18});
  CHECK(t.relative_funding_rate_prediction == Decimal{1575425, -11});
  CHECK(t.next_funding_ns == 1790362800000 * kMs);
  CHECK(t.open_interest == Decimal{21897813, -4});
  CHECK(t.volume == Decimal{42372723, -4});
  CHECK(t.volume_quote == Decimal{356641614007, -3});
  CHECK(t.change == Decimal{-22, -2});
  CHECK(t.premium == Decimal{0, 0});
  CHECK(t.suspended == 0);
  CHECK(t.post_only == 0);
  for (TickerField f :
       {kTickerBid, kTickerAsk, kTickerBidSize, kTickerAskSize, kTickerLast, kTickerMark, kTickerIndex,
        kTickerFundingRate, kTickerFundingRatePrediction, kTickerRelativeFundingRate,
        kTickerRelativeFundingRatePrediction, kTickerNextFundingTime, kTickerOpenInterest, kTickerVolume,
        kTickerVolumeQuote, kTickerChange, kTickerPremium, kTickerSuspended, kTickerPostOnly}) {
    CHECK(t.has(f));
  }
  CHECK(fx.parser.counters().unknown_fields == 0);
}

TEST_CASE("parses ticker_lite without time, sizes or mark") {
  Fixture fx;
  const ParseResult r = fx.parse(fixture("ticker_lite.json"));
  REQUIRE(r.ok());
  CHECK(r.kind == MessageKind::TickerLite);
  REQUIRE(fx.rec.tickers.size() == 1);
  const Ticker& t = fx.rec.tickers[0];
  CHECK(t.lite == 1);
  CHECK(t.header.exchange_ns == 0);
  CHECK((t.header.flags & kEventHasExchangeTime) == 0);
  CHECK(t.bid == Price{64401});
  CHECK(t.ask == Price{64402});
  CHECK(t.change == Decimal{-68, -2});
  CHECK(t.volume == Decimal{36699134, -4});
  CHECK(t.volume_quote == Decimal{2369829770066, -4});
  CHECK(t.has(kTickerPremium));
  CHECK_FALSE(t.has(kTickerMark));
  CHECK_FALSE(t.has(kTickerBidSize));
}

TEST_CASE("tolerates and counts unknown fields, feeds and events") {
  Fixture fx;
  CHECK(
      fx.parse(
            R"({"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":1,"price":1,"qty":1,"timestamp":1,"brand_new":{"a":[1,2]}})")
          .ok());
  CHECK(fx.rec.deltas.size() == 1);
  CHECK(fx.parser.counters().unknown_fields == 1);
  CHECK(fx.parse(R"({"feed":"candles_trade_1m","product_id":"PF_XBTUSD","candle":{"open":"1"}})").kind ==
        MessageKind::UnknownFeed);
  CHECK(fx.parse(R"({"event":"pong"})").kind == MessageKind::UnknownEvent);
  CHECK(fx.parse(R"({"hello":1})").kind == MessageKind::Unknown);
  CHECK(fx.parser.counters().count(MessageKind::UnknownFeed) == 1);
  CHECK(fx.parser.counters().count(MessageKind::UnknownEvent) == 1);
  CHECK(fx.parser.counters().total_errors() == 0);
}

TEST_CASE("rejects truncated frames with a counted error") {
  Fixture fx;
  const std::string full = fixture("book.json");
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{20}, full.size() / 2, full.size() - 1}) {
    const ParseResult r = fx.parse(std::string_view(full).substr(0, n));
    CHECK_FALSE(r.ok());
  }
  const std::string snap = fixture("book_snapshot.json");
  CHECK_FALSE(fx.parse(std::string_view(snap).substr(0, snap.size() - 3)).ok());
  CHECK(fx.rec.total() == 0);
  CHECK(fx.parser.counters().total_errors() == 6);
  CHECK(fx.parser.counters().count(ParseError::InvalidJson) >= 5);
}

TEST_CASE("rejects wrong types with a counted error") {
  Fixture fx;
  CHECK(
      fx.parse(
            R"({"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":1,"price":"1.5","qty":1,"timestamp":1})")
          .error == ParseError::WrongType);
  CHECK(fx.parse(R"({"feed":"book","product_id":7,"side":"buy","seq":1,"price":1.5,"qty":1,"timestamp":1})")
            .error == ParseError::WrongType);
  CHECK(
      fx.parse(
            R"({"feed":"book_snapshot","product_id":"PI_XBTUSD","seq":1,"timestamp":1,"bids":{},"asks":[]})")
          .error == ParseError::WrongType);
  CHECK(
      fx.parse(
            R"({"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":1.5,"price":1.5,"qty":1,"timestamp":1})")
          .error == ParseError::BadNumber);
  CHECK(
      fx.parse(
            R"({"feed":"book","product_id":"PI_XBTUSD","side":"up","seq":1,"price":1.5,"qty":1,"timestamp":1})")
          .error == ParseError::BadSide);
  CHECK(fx.parse("[1,2,3]").error == ParseError::NotAnObject);
  CHECK(
      fx.parse(
            R"({"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":1,"price":-,"qty":1,"timestamp":1})")
          .ok() == false);
  CHECK(fx.rec.total() == 0);
  CHECK(fx.parser.counters().count(ParseError::WrongType) == 3);
}

TEST_CASE("rejects messages missing required fields") {
  Fixture fx;
  CHECK(fx.parse(R"({"feed":"book","product_id":"PI_XBTUSD","side":"buy","price":1.5,"qty":1,"timestamp":1})")
            .error == ParseError::MissingField);
  CHECK(fx.parse(R"({"feed":"book_snapshot","product_id":"PI_XBTUSD","seq":1,"timestamp":1,"bids":[]})")
            .error == ParseError::MissingField);
  CHECK(
      fx.parse(
            R"({"feed":"book_snapshot","product_id":"PI_XBTUSD","seq":1,"timestamp":1,"bids":[{"price":1}],"asks":[]})")
          .error == ParseError::MissingField);
  CHECK(
      fx.parse(R"({"feed":"trade","product_id":"PF_XBTUSD","side":"buy","seq":1,"qty":1,"price":1})").error ==
      ParseError::MissingField);
  CHECK(fx.parse(R"({"feed":"ticker","product_id":"PF_XBTUSD","bid":1})").error == ParseError::MissingField);
  CHECK(fx.parse(R"({"feed":"heartbeat"})").error == ParseError::MissingField);
  CHECK(fx.rec.total() == 0);
  CHECK(fx.parser.counters().count(ParseError::MissingField) == 6);
}

TEST_CASE("rejects a frame without room for the padding") {
  Fixture fx;
  const std::string text = fixture("book.json");
  CHECK(fx.parser.parse(text.data(), text.size(), text.size(), 0, fx.rec).error == ParseError::TooLarge);
}

TEST_CASE("reuses its buffers: many frames, one parser") {
  Fixture fx;
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(fx.parse(fixture("book_snapshot.json")).ok());
    REQUIRE(fx.parse(fixture("book.json")).ok());
  }
  CHECK(fx.rec.begins.size() == 1000);
  CHECK(fx.rec.deltas.size() == 1000);
}
