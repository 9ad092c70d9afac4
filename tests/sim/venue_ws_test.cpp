// Websocket v1 of the simulator's protocol layer (venue.hpp), without a network: text requests in,
// recorded messages out, checked against kraken-futures-protocol.md §6 and §8.
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "sim/venue_test_support.hpp"

namespace tickpath::sim::test {
namespace {

std::string send_query(std::string_view type, std::string_view symbol, std::string_view side,
                       std::string_view size, std::string_view price) {
  return "orderType=" + std::string(type) + "&symbol=" + std::string(symbol) + "&side=" + std::string(side) +
         "&size=" + std::string(size) + (price.empty() ? "" : "&limitPrice=" + std::string(price));
}

struct Fixture {
  explicit Fixture(config::SimConfig c = make_config())
      : config(std::move(c)),
        venue(config, make_accounts(), now),
        alice(venue, "KEY-A", 1, now),
        bob(venue, "KEY-B", 2, now) {
    id = venue.ws_open(&ws, now);
  }
  void text(std::string_view t) { venue.ws_text(id, t, now); }
  void order(Client& who, std::string_view type, std::string_view symbol, std::string_view side,
             std::string_view size, std::string_view price) {
    Json j(who.post("sendorder", send_query(type, symbol, side, size, price)).body);
    REQUIRE(j.ok);
    REQUIRE(has(j.root, "sendStatus"));
  }
  // challenge + signed private subscribe on `conn`.
  void auth_subscribe(ConnectionId conn, RecordingWs& w, std::string_view feed, Client& who) {
    venue.ws_text(conn, R"({"event":"challenge","api_key":")" + who.key + "\"}", now);
    REQUIRE_FALSE(w.messages.empty());
    const std::string challenge = field(w.messages.back(), "message");
    w.messages.pop_back();
    REQUIRE(challenge.size() == 36);
    const kf::Signature sig = who.signer.sign_challenge(challenge);
    venue.ws_text(conn,
                  R"({"event":"subscribe","feed":")" + std::string(feed) + R"(","api_key":")" + who.key +
                      R"(","original_challenge":")" + challenge + R"(","signed_challenge":")" +
                      std::string(sig.data(), sig.size()) + "\"}",
                  now);
  }
  config::SimConfig config;
  std::int64_t now{kT0};
  Venue venue;
  Client alice;
  Client bob;
  RecordingWs ws;
  ConnectionId id{};
};

std::vector<std::string> of_feed(const std::vector<std::string>& msgs, std::string_view feed) {
  std::vector<std::string> r;
  for (const auto& m : msgs) {
    if (field(m, "feed") == feed && field(m, "event").empty()) {
      r.push_back(m);
    }
  }
  return r;
}

std::size_t index_of(const std::vector<std::string>& msgs, std::string_view feed) {
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    if (field(msgs[i], "feed") == feed && field(msgs[i], "event").empty()) {
      return i;
    }
  }
  return msgs.size();
}

}  // namespace

TEST_CASE("ws: info on connect, then one ack per product in request order with uppercase ids",
          "[sim][venue]") {
  Fixture f;
  auto m = f.ws.take();
  REQUIRE(m.size() == 1);
  CHECK(m[0] == R"({"event":"info","version":1})");
  f.text(R"({"event":"subscribe","feed":"book","product_ids":["pi_xbtusd","PF_XBTUSD"]})");
  m = f.ws.take();
  REQUIRE(m.size() == 4);
  CHECK(m[0] == R"({"event":"subscribed","feed":"book","product_ids":["PI_XBTUSD"]})");
  CHECK(field(m[1], "feed") == "book_snapshot");
  CHECK(field(m[1], "product_id") == "PI_XBTUSD");
  CHECK(m[2] == R"({"event":"subscribed","feed":"book","product_ids":["PF_XBTUSD"]})");
  CHECK(field(m[3], "product_id") == "PF_XBTUSD");
  f.text(R"({"event":"subscribe","feed":"heartbeat"})");
  CHECK(f.ws.take() == std::vector<std::string>{R"({"event":"subscribed","feed":"heartbeat"})"});
  f.text(R"({"event":"unsubscribe","feed":"book","product_ids":["PF_XBTUSD"]})");
  CHECK(f.ws.take() ==
        std::vector<std::string>{R"({"event":"unsubscribed","feed":"book","product_ids":["PF_XBTUSD"]})"});
  CHECK(f.venue.stats().ws_connections == 1);
  CHECK(f.venue.stats().ws_messages_in == 3);
}

TEST_CASE("ws: bad requests get the documented errors and alerts", "[sim][venue]") {
  Fixture f;
  (void)f.ws.take();
  auto one = [&](std::string_view request) {
    f.text(request);
    auto m = f.ws.take();
    REQUIRE(m.size() >= 1);
    return m[0];
  };
  CHECK(one("{not json") == R"({"event":"error","message":"Json Error"})");
  CHECK(one(R"({"event":"ping"})") == R"({"event":"alert","message":"Bad websocket message"})");
  CHECK(one("[1,2]") == R"({"event":"alert","message":"Bad websocket message"})");
  CHECK(one(R"({"feed":"book"})") == R"({"event":"alert","message":"Bad websocket message"})");
  CHECK(one(R"({"event":"subscribe","feed":"liquidations","product_ids":["PI_XBTUSD"]})") ==
        R"({"event":"alert","message":"Couldn't subscribe to invalid feed"})");
  CHECK(one(R"({"event":"subscribe","feed":"book","product_ids":["PI_NOPE"]})") ==
        R"({"event":"alert","message":"Couldn't subscribe to invalid product `PI_NOPE`"})");
  CHECK(one(R"({"event":"unsubscribe","feed":"trade","product_ids":["PI_XBTUSD"]})") ==
        R"({"event":"alert","message":"Not subscribed to feed"})");
  CHECK(one(R"({"event":"unsubscribe","feed":"heartbeat"})") ==
        R"({"event":"alert","message":"Not subscribed to feed"})");
  CHECK(one(R"({"event":"subscribe","feed":"open_orders"})") ==
        R"({"event":"alert","message":"Failed to subscribe to authenticated feed"})");
  // Duplicate subscribe: alert, then the snapshot again.
  f.text(R"({"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD"]})");
  (void)f.ws.take();
  f.text(R"({"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD"]})");
  auto m = f.ws.take();
  REQUIRE(m.size() == 2);
  CHECK(m[0] == R"({"event":"alert","message":"Already subscribed to feed, re-requesting"})");
  CHECK(field(m[1], "feed") == "book_snapshot");
  CHECK(f.venue.stats().ws_bad_messages == 10);

  config::SimConfig c = make_config();
  c.invalid_product_reply = config::SimInvalidProductReply::Error;
  Fixture g(c);
  (void)g.ws.take();
  g.text(R"({"event":"subscribe","feed":"ticker","product_ids":["PI_NOPE","PI_XBTUSD"]})");
  m = g.ws.take();
  REQUIRE(m.size() == 3);
  CHECK(m[0] == R"({"event":"error","message":"Invalid product id"})");
  CHECK(m[1] == R"({"event":"subscribed","feed":"ticker","product_ids":["PI_XBTUSD"]})");
}

TEST_CASE("ws: book snapshot then contiguous deltas that rebuild the venue's book", "[sim][venue]") {
  Fixture f;
  f.order(f.alice, "lmt", "PI_XBTUSD", "buy", "100", "49999.5");
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "30", "50000");
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "20", "50001");
  (void)f.ws.take();
  f.text(R"({"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD"]})");
  auto m = f.ws.take();
  REQUIRE(m.size() == 2);
  CHECK(m[1].find(
            R"("tickSize":null,"bids":[{"price":49999.5,"qty":100.0}],"asks":[{"price":50000.0,"qty":30.0},)"
            R"({"price":50001.0,"qty":20.0}])") != std::string::npos);
  Json snap(m[1]);
  REQUIRE(snap.ok);
  std::uint64_t seq = snap["seq"].get_uint64().value();
  std::map<double, double> bids;
  std::map<double, double> asks;
  const simdjson::dom::array array_1 = snap["bids"].get_array().value();
  for (auto l : array_1) {
    bids[l["price"].get_double().value()] = l["qty"].get_double().value();
  }
  const simdjson::dom::array array_2 = snap["asks"].get_array().value();
  for (auto l : array_2) {
    asks[l["price"].get_double().value()] = l["qty"].get_double().value();
  }
  // A sweep of two levels gives one delta per level; a new level; a cancel deletes with 0.0.
  f.order(f.alice, "lmt", "PI_XBTUSD", "buy", "40", "50001");
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "5", "50010");
  REQUIRE(str(Json(f.alice.post("cancelallorders", "").body)["result"]) == "success");
  m = f.ws.take();
  auto deltas = of_feed(m, "book");
  REQUIRE(deltas.size() >= 4);
  bool saw_delete = false;
  for (const auto& d : deltas) {
    Json j(d);
    REQUIRE(j.ok);
    CHECK(j["seq"].get_uint64().value() == seq + 1);
    seq = j["seq"].get_uint64().value();
    auto& side = str(j["side"]) == "buy" ? bids : asks;
    const double qty = j["qty"].get_double().value();
    if (qty == 0.0) {
      saw_delete = true;
      CHECK(d.find(R"("qty":0.0)") != std::string::npos);
      side.erase(j["price"].get_double().value());
    } else {
      side[j["price"].get_double().value()] = qty;
    }
    CHECK(j["timestamp"].get_int64().value() == kT0);
  }
  CHECK(saw_delete);
  CHECK(f.venue.stats().book_deltas_out == deltas.size());
  Json book(public_get(f.venue, "/derivatives/api/v3/orderbook?symbol=PI_XBTUSD", f.now).body);
  REQUIRE(book.ok);
  std::map<double, double> rest_asks;
  const simdjson::dom::array array_3 = book["orderBook"]["asks"].get_array().value();
  for (auto l : array_3) {
    rest_asks[l.at(0).get_double().value()] = l.at(1).get_double().value();
  }
  CHECK(rest_asks == asks);
  CHECK(book["orderBook"]["bids"].get_array().value().size() == bids.size());
}

TEST_CASE("ws: trade snapshot newest first, then live trades with the taker side", "[sim][venue]") {
  Fixture f;
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "30", "50000");
  for (int i = 0; i < 3; ++i) {
    f.now += 10;
    f.order(f.alice, "ioc", "PI_XBTUSD", "buy", "1", "50000");
  }
  (void)f.ws.take();
  f.text(R"({"event":"subscribe","feed":"trade","product_ids":["PI_XBTUSD"]})");
  auto m = f.ws.take();
  REQUIRE(m.size() == 2);
  Json snap(m[1]);
  REQUIRE(snap.ok);
  CHECK(str(snap["feed"]) == "trade_snapshot");
  auto trades = snap["trades"].get_array().value();
  REQUIRE(trades.size() == 3);
  CHECK(trades.at(0)["seq"].get_uint64().value() > trades.at(1)["seq"].get_uint64().value());
  CHECK(trades.at(0)["time"].get_int64().value() > trades.at(2)["time"].get_int64().value());
  CHECK(str(trades.at(0)["feed"]) == "trade");
  CHECK(str(trades.at(0)["type"]) == "fill");
  CHECK(str(trades.at(0)["side"]) == "buy");
  const std::uint64_t newest = trades.at(0)["seq"].get_uint64().value();
  f.order(f.bob, "lmt", "PI_XBTUSD", "buy", "1", "49000");
  f.order(f.alice, "ioc", "PI_XBTUSD", "sell", "1", "49000");
  auto live = of_feed(f.ws.take(), "trade");
  REQUIRE(live.size() == 1);
  Json t(live[0]);
  REQUIRE(t.ok);
  CHECK(t["seq"].get_uint64().value() == newest + 1);
  CHECK(str(t["side"]) == "sell");
  CHECK(live[0].find(R"("qty":1.0,"price":49000.0)") != std::string::npos);
  CHECK(str(t["uid"]).size() == 36);
}

TEST_CASE("ws: ticker on subscribe and every ticker_interval_ms; ticker_lite without time", "[sim][venue]") {
  Fixture f;
  f.order(f.alice, "lmt", "PI_XBTUSD", "buy", "100", "49999.5");
  (void)f.ws.take();
  f.text(R"({"event":"subscribe","feed":"ticker","product_ids":["PI_XBTUSD"]})");
  auto m = f.ws.take();
  REQUIRE(m.size() == 2);
  Json t(m[1]);
  REQUIRE(t.ok);
  CHECK(str(t["feed"]) == "ticker");
  CHECK(t["time"].get_int64().value() == kT0);
  CHECK(t["bid"].get_double().value() == 49999.5);
  CHECK(t["bid_size"].get_double().value() == 100.0);
  CHECK_FALSE(has(t.root, "ask"));
  for (const char* k : {"volume", "volumeQuote", "openInterest", "markPrice", "index", "premium", "change",
                        "open", "high", "low", "dtm", "maturityTime", "funding_rate", "relative_funding_rate",
                        "next_funding_rate_time", "suspended", "post_only"}) {
    CHECK(has(t.root, k));
  }
  CHECK(str(t["tag"]) == "perpetual");
  CHECK(str(t["pair"]) == "XBT:USD");
  CHECK(str(t["leverage"]) == "50x");
  CHECK(t["next_funding_rate_time"].get_int64().value() > kT0);
  f.text(R"({"event":"subscribe","feed":"ticker_lite","product_ids":["PI_XBTUSD"]})");
  m = f.ws.take();
  REQUIRE(m.size() == 2);
  Json lite(m[1]);
  REQUIRE(lite.ok);
  CHECK(str(lite["feed"]) == "ticker_lite");
  CHECK_FALSE(has(lite.root, "time"));
  CHECK_FALSE(has(lite.root, "bid_size"));
  CHECK(has(lite.root, "volumeQuote"));

  f.venue.tick(kT0 + 999, 1);
  CHECK(f.ws.take().empty());
  f.venue.tick(kT0 + 1000, 2);
  m = f.ws.take();
  CHECK(of_feed(m, "ticker").size() == 1);
  CHECK(of_feed(m, "ticker_lite").size() == 1);
  f.venue.tick(kT0 + 1999, 3);
  CHECK(f.ws.take().empty());
  f.venue.tick(kT0 + 2000, 4);
  CHECK(of_feed(f.ws.take(), "ticker").size() == 1);
}

TEST_CASE("ws: heartbeat every heartbeat_interval_ms to subscribers only", "[sim][venue]") {
  config::SimConfig c = make_config();
  c.heartbeat_interval_ms = 500;
  Fixture f(c);
  RecordingWs other;
  (void)f.venue.ws_open(&other, f.now);
  f.text(R"({"event":"subscribe","feed":"heartbeat"})");
  (void)f.ws.take();
  f.venue.tick(kT0 + 499, 1);
  CHECK(f.ws.take().empty());
  f.venue.tick(kT0 + 500, 2);
  CHECK(f.ws.take() == std::vector<std::string>{R"({"feed":"heartbeat","time":1790000000500})"});
  f.venue.tick(kT0 + 1000, 3);
  CHECK(f.ws.take().size() == 1);
  CHECK(other.take().size() == 1);  // the info message only
}

TEST_CASE("ws: challenge and signed private subscriptions", "[sim][venue]") {
  Fixture f;
  (void)f.ws.take();
  // A challenge is issued for any key.
  f.text(R"({"event":"challenge","api_key":"who-knows"})");
  auto m = f.ws.take();
  REQUIRE(m.size() == 1);
  CHECK(field(m[0], "event") == "challenge");
  CHECK(field(m[0], "message").size() == 36);
  f.text(R"({"event":"challenge"})");
  CHECK(f.ws.take()[0] == R"({"event":"alert","message":"Bad websocket message"})");

  f.auth_subscribe(f.id, f.ws, "open_orders", f.alice);
  m = f.ws.take();
  REQUIRE(m.size() == 2);
  CHECK(m[0] == R"({"event":"subscribed","feed":"open_orders"})");
  CHECK(m[1] == R"({"feed":"open_orders_snapshot","account":"alice","orders":[]})");

  // A valid signature of a challenge issued on another connection is refused.
  RecordingWs other;
  const ConnectionId oid = f.venue.ws_open(&other, f.now);
  f.venue.ws_text(oid, R"({"event":"challenge","api_key":"KEY-A"})", f.now);
  const std::string foreign = field(other.take().back(), "message");
  const kf::Signature sig = f.alice.signer.sign_challenge(foreign);
  const std::string signed_text(sig.data(), sig.size());
  f.text(R"({"event":"subscribe","feed":"fills","api_key":"KEY-A","original_challenge":")" + foreign +
         R"(","signed_challenge":")" + signed_text + "\"}");
  CHECK(f.ws.take()[0] == R"({"event":"alert","message":"Failed to subscribe to authenticated feed"})");
  // Right challenge, wrong key's signature.
  f.venue.ws_text(oid,
                  R"({"event":"subscribe","feed":"fills","api_key":"KEY-B","original_challenge":")" +
                      foreign + R"(","signed_challenge":")" + signed_text + "\"}",
                  f.now);
  CHECK(other.take()[0] == R"({"event":"alert","message":"Failed to subscribe to authenticated feed"})");
  // Right everything on the issuing connection.
  f.venue.ws_text(oid,
                  R"({"event":"subscribe","feed":"fills","api_key":"KEY-A","original_challenge":")" +
                      foreign + R"(","signed_challenge":")" + signed_text + "\"}",
                  f.now);
  m = other.take();
  REQUIRE(m.size() == 2);
  CHECK(m[1] == R"({"feed":"fills_snapshot","account":"alice","fills":[]})");
  // Unsubscribe must be signed too.
  f.venue.ws_text(oid, R"({"event":"unsubscribe","feed":"fills"})", f.now);
  CHECK(other.take()[0] == R"({"event":"alert","message":"Failed to subscribe to authenticated feed"})");
  f.venue.ws_text(oid,
                  R"({"event":"unsubscribe","feed":"fills","api_key":"KEY-A","original_challenge":")" +
                      foreign + R"(","signed_challenge":")" + signed_text + "\"}",
                  f.now);
  CHECK(other.take()[0] == R"({"event":"unsubscribed","feed":"fills"})");
}

TEST_CASE("ws: private snapshots and deltas: open_orders, fills (username), open_positions, balances",
          "[sim][venue]") {
  Fixture f;
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "1", "50000");
  f.order(f.alice, "lmt", "PI_XBTUSD", "buy", "1", "50000");  // an earlier fill for the snapshot
  (void)f.ws.take();
  for (const char* feed : {"open_orders", "fills", "open_positions", "balances"}) {
    f.auth_subscribe(f.id, f.ws, feed, f.alice);
  }
  auto m = f.ws.take();
  const auto fills_snap = of_feed(m, "fills_snapshot");
  REQUIRE(fills_snap.size() == 1);
  Json fs(fills_snap[0]);
  REQUIRE(fs.ok);
  CHECK(str(fs["account"]) == "alice");
  CHECK_FALSE(has(fs.root, "username"));
  CHECK(str(fs["fills"].at(0)["fill_type"]) == "taker");
  CHECK(fs["fills"].at(0)["buy"].get_bool().value());
  const auto pos = of_feed(m, "open_positions");
  REQUIRE(pos.size() == 1);
  CHECK(pos[0].find(R"("positions":[{"instrument":"PI_XBTUSD","balance":1.0,)") != std::string::npos);
  const auto bal = of_feed(m, "balances_snapshot");
  REQUIRE(bal.size() == 1);
  Json b(bal[0]);
  REQUIRE(b.ok);
  CHECK(b["holding"]["USD"].get_double().value() == 100000.0);
  CHECK(has(b["flex_futures"]["currencies"], "XBT"));
  CHECK(has(b["futures"], "F-XBT:USD"));

  // New order: full shape.
  f.now += 1;
  Json placed(
      f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "5", "49000") + "&cliOrdId=w1").body);
  REQUIRE(placed.ok);
  const std::string id = str(placed["sendStatus"]["order_id"]);
  m = f.ws.take();
  auto oo = of_feed(m, "open_orders");
  REQUIRE(oo.size() == 1);
  Json n(oo[0]);
  REQUIRE(n.ok);
  CHECK_FALSE(n["is_cancel"].get_bool().value());
  CHECK(str(n["reason"]) == "new_placed_order_by_user");
  CHECK(str(n["order"]["order_id"]) == id);
  CHECK(str(n["order"]["cli_ord_id"]) == "w1");
  CHECK(n["order"]["direction"].get_int64().value() == 0);
  CHECK(oo[0].find(R"("qty":5.0,"filled":0.0,"limit_price":49000.0,"stop_price":0.0,"type":"limit")") !=
        std::string::npos);

  // Partial fill: open_orders partial_fill (remaining qty), a fills delta with `username`,
  // positions and balances.
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "2", "49000");
  m = f.ws.take();
  oo = of_feed(m, "open_orders");
  REQUIRE(oo.size() == 1);
  CHECK(field(oo[0], "reason") == "partial_fill");
  CHECK(oo[0].find(R"("qty":3.0,"filled":2.0)") != std::string::npos);
  auto fl = of_feed(m, "fills");
  REQUIRE(fl.size() == 1);
  Json fd(fl[0]);
  REQUIRE(fd.ok);
  CHECK(str(fd["username"]) == "alice");
  CHECK_FALSE(has(fd.root, "account"));
  auto fill = fd["fills"].at(0);
  CHECK(str(fill["fill_type"]) == "maker");
  CHECK(str(fill["order_id"]) == id);
  CHECK(str(fill["cli_ord_id"]) == "w1");
  CHECK(str(fill["fee_currency"]) == "BTC");
  CHECK(fill["seq"].get_uint64().value() == 1);
  CHECK(fl[0].find(R"("qty":2.0,"remaining_order_qty":3.0)") != std::string::npos);
  CHECK(of_feed(m, "open_positions").size() == 1);
  CHECK(of_feed(m, "open_positions")[0].find(R"("balance":3.0)") != std::string::npos);
  CHECK(of_feed(m, "balances").size() == 1);

  // Cancel: the short shape.
  REQUIRE(str(Json(f.alice.post("cancelorder", "order_id=" + id).body)["result"]) == "success");
  oo = of_feed(f.ws.take(), "open_orders");
  REQUIRE(oo.size() == 1);
  CHECK(oo[0] == R"({"feed":"open_orders","order_id":")" + id +
                     R"(","cli_ord_id":"w1","is_cancel":true,"reason":"cancelled_by_user"})");
}

TEST_CASE("ws: private_order decides whether open_orders or fills goes first", "[sim][venue]") {
  for (const bool fills_first : {false, true}) {
    config::SimConfig c = make_config();
    c.private_order =
        fills_first ? config::SimPrivateOrder::FillsFirst : config::SimPrivateOrder::OrdersFirst;
    Fixture f(c);
    f.auth_subscribe(f.id, f.ws, "open_orders", f.alice);
    f.auth_subscribe(f.id, f.ws, "fills", f.alice);
    f.order(f.alice, "lmt", "PI_XBTUSD", "buy", "5", "49000");
    (void)f.ws.take();
    f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "5", "49000");
    auto m = f.ws.take();
    const std::size_t orders = index_of(m, "open_orders");
    const std::size_t fills = index_of(m, "fills");
    REQUIRE(orders < m.size());
    REQUIRE(fills < m.size());
    CHECK((fills < orders) == fills_first);
    // A full fill uses the short shape with reason full_fill.
    CHECK(field(m[orders], "reason") == "full_fill");
    CHECK(m[orders].find(R"("is_cancel":true)") != std::string::npos);
    // The control endpoint switches the order at run time.
    REQUIRE(control(f.venue, "POST",
                    fills_first ? "/sim/v1/fault?private_order=orders_first"
                                : "/sim/v1/fault?private_order=fills_first",
                    f.now)
                .status == 200);
    f.order(f.alice, "lmt", "PI_XBTUSD", "buy", "1", "49000");
    (void)f.ws.take();
    f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "1", "49000");
    m = f.ws.take();
    CHECK((index_of(m, "fills") < index_of(m, "open_orders")) == !fills_first);
  }
}

TEST_CASE("ws: only open_orders_verbose reports post-only rejections", "[sim][venue]") {
  Fixture f;
  f.auth_subscribe(f.id, f.ws, "open_orders", f.alice);
  f.auth_subscribe(f.id, f.ws, "open_orders_verbose", f.alice);
  auto m = f.ws.take();
  CHECK(of_feed(m, "open_orders_verbose_snapshot").size() == 1);
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "5", "50000");
  f.order(f.alice, "post", "PI_XBTUSD", "buy", "1", "50000");
  m = f.ws.take();
  CHECK(of_feed(m, "open_orders").empty());
  const auto v = of_feed(m, "open_orders_verbose");
  REQUIRE(v.size() == 1);
  CHECK(field(v[0], "reason") == "post_order_failed_because_it_would_filled");
}

TEST_CASE("ws: dead man's switch expiry cancels with reason dead_man_switch", "[sim][venue]") {
  Fixture f;
  f.auth_subscribe(f.id, f.ws, "open_orders", f.alice);
  f.order(f.alice, "lmt", "PI_XBTUSD", "buy", "1", "49000");
  f.order(f.alice, "lmt", "PF_XBTUSD", "buy", "1", "49000");
  REQUIRE(str(Json(f.alice.post("cancelallordersafter", "timeout=5").body)["result"]) == "success");
  (void)f.ws.take();
  f.venue.tick(kT0 + 5000, 1);
  const auto oo = of_feed(f.ws.take(), "open_orders");
  REQUIRE(oo.size() == 2);
  for (const auto& o : oo) {
    CHECK(field(o, "reason") == "dead_man_switch");
  }
  CHECK(f.venue.stats().dead_man_switch_fired == 1);
}

TEST_CASE("ws: control faults drop connections, skip a seq, freeze a product, break frames", "[sim][venue]") {
  Fixture f;
  RecordingWs pub;
  const ConnectionId pid = f.venue.ws_open(&pub, f.now);
  f.auth_subscribe(f.id, f.ws, "open_orders", f.alice);
  f.venue.ws_text(pid, R"({"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD"]})", f.now);
  (void)f.ws.take();
  Json snap(pub.take().back());
  REQUIRE(snap.ok);
  const std::uint64_t seq0 = snap["seq"].get_uint64().value();

  // skip_seq: the next delta jumps by two.
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?skip_seq=PI_XBTUSD", f.now).status == 200);
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "1", "50000");
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "1", "50001");
  auto d = of_feed(pub.take(), "book");
  REQUIRE(d.size() == 2);
  CHECK(Json(d[0])["seq"].get_uint64().value() == seq0 + 2);
  CHECK(Json(d[1])["seq"].get_uint64().value() == seq0 + 3);

  // freeze: nothing public for that product until the time is over; the socket stays open.
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?freeze=PI_XBTUSD&ms=1000", f.now).status == 200);
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "1", "50002");
  CHECK(pub.take().empty());
  CHECK_FALSE(pub.closed);
  f.now += 1000;
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "1", "50003");
  d = of_feed(pub.take(), "book");
  REQUIRE(d.size() == 1);
  CHECK(Json(d[0])["seq"].get_uint64().value() == seq0 + 5);  // the frozen delta is a gap
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?freeze=all&ms=0", f.now).status == 200);

  // malformed: the next public message is not JSON, the one after is.
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?malformed=1", f.now).status == 200);
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "1", "50004");
  f.order(f.bob, "lmt", "PI_XBTUSD", "sell", "1", "50005");
  auto raw = pub.take();
  REQUIRE(raw.size() == 2);
  CHECK_FALSE(Json(raw[0]).ok);
  CHECK(Json(raw[1]).ok);

  // drop_connections=private closes only connections with private feeds, abruptly.
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?drop_connections=private", f.now).status == 200);
  CHECK(f.ws.closed);
  CHECK(f.ws.abrupt);
  CHECK_FALSE(pub.closed);
  f.venue.ws_closed(f.id);
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?drop_connections=all", f.now).status == 200);
  CHECK(pub.closed);
  f.venue.ws_closed(pid);
  Json state(control(f.venue, "GET", "/sim/v1/state", f.now).body);
  REQUIRE(state.ok);
  CHECK(state["stats"]["ws_open"].get_uint64().value() == 0);
}

TEST_CASE("ws: per-connection limits: requests per second, subscriptions, idle timeout, size",
          "[sim][venue]") {
  config::SimConfig c = make_config();
  c.ws_max_requests_per_second = 2;
  c.ws_max_subscriptions = 1;
  c.ws_ping_timeout_ms = 5000;
  c.ws_max_message_bytes = 200;
  Fixture f(c);
  (void)f.ws.take();
  f.text(R"({"event":"subscribe","feed":"ticker","product_ids":["PI_XBTUSD"]})");
  f.text(R"({"event":"subscribe","feed":"ticker","product_ids":["PF_XBTUSD"]})");
  auto m = f.ws.take();
  CHECK(m.back() == R"({"event":"alert","message":"Too many subscriptions"})");
  f.text(R"({"event":"subscribe","feed":"heartbeat"})");
  CHECK(f.ws.take() == std::vector<std::string>{R"({"event":"alert","message":"Too many requests"})"});
  f.now += 1000;
  f.text(R"({"event":"unsubscribe","feed":"ticker","product_ids":["PI_XBTUSD"]})");
  CHECK(f.ws.take().size() == 1);
  // Pings keep the connection; silence closes it gracefully.
  f.venue.ws_ping(f.id, kT0 + 4000);
  f.venue.tick(kT0 + 8000, 1);
  CHECK_FALSE(f.ws.closed);
  f.venue.tick(kT0 + 9001, 2);
  CHECK(f.ws.closed);
  CHECK_FALSE(f.ws.abrupt);
  // Oversized frames close the connection.
  RecordingWs big;
  const ConnectionId bid = f.venue.ws_open(&big, f.now);
  f.venue.ws_text(bid, std::string(300, ' '), f.now);
  CHECK(big.closed);
}

TEST_CASE("ws: a random market keeps a contiguous, uncrossed book feed", "[sim][venue]") {
  config::SimConfig c = make_config();
  c.market.kind = config::SimActivityKind::Random;
  c.market.deltas_per_second = 2000;
  c.market.trades_per_second = 20;
  c.rate_limit_budget = 1'000'000;
  Fixture f(c);
  f.text(R"({"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD"]})");
  f.text(R"({"event":"subscribe","feed":"trade","product_ids":["PI_XBTUSD"]})");
  std::int64_t ns = 1'000'000'000;
  f.venue.tick(f.now, ns);  // starts the activity
  auto m = f.ws.take();
  std::optional<std::uint64_t> seq;
  std::map<double, double> bids;
  std::map<double, double> asks;
  std::size_t deltas = 0;
  std::size_t trades = 0;
  for (int step = 0; step < 2000; ++step) {
    f.now += 1;
    ns += 1'000'000;
    f.venue.tick(f.now, ns);
    auto batch = f.ws.take();
    m.insert(m.end(), batch.begin(), batch.end());
  }
  for (const auto& msg : m) {
    Json j(msg);
    REQUIRE(j.ok);
    std::string_view feed;
    if (has(j.root, "event") || j.root["feed"].get(feed) != simdjson::SUCCESS) {
      continue;
    }
    if (feed == "book_snapshot") {
      seq = j["seq"].get_uint64().value();
      const simdjson::dom::array array_4 = j["bids"].get_array().value();
      for (auto l : array_4) {
        bids[l["price"].get_double().value()] = l["qty"].get_double().value();
      }
      const simdjson::dom::array array_5 = j["asks"].get_array().value();
      for (auto l : array_5) {
        asks[l["price"].get_double().value()] = l["qty"].get_double().value();
      }
    } else if (feed == "book") {
      REQUIRE(seq);
      REQUIRE(j["seq"].get_uint64().value() == *seq + 1);
      seq = j["seq"].get_uint64().value();
      auto& side = str(j["side"]) == "buy" ? bids : asks;
      const double q = j["qty"].get_double().value();
      if (q == 0.0) {
        side.erase(j["price"].get_double().value());
      } else {
        side[j["price"].get_double().value()] = q;
      }
      ++deltas;
    } else if (feed == "trade") {
      ++trades;
    }
  }
  CHECK(deltas > 1000);
  CHECK(trades > 0);
  REQUIRE_FALSE(bids.empty());
  REQUIRE_FALSE(asks.empty());
  CHECK(bids.rbegin()->first < asks.begin()->first);
}

}  // namespace tickpath::sim::test
