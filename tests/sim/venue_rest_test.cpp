// REST v3 of the simulator's protocol layer (venue.hpp), without a network: signed requests in,
// JSON answers out, checked against the shapes of kraken-futures-protocol.md §5.
#include <string>

#include <catch2/catch.hpp>

#include "tickpath/venue/kraken_futures/form.hpp"

#include "sim/venue_test_support.hpp"

namespace tickpath::sim::test {
namespace {

struct Fixture {
  explicit Fixture(config::SimConfig c = make_config())
      : config(std::move(c)),
        venue(config, make_accounts(), now),
        alice(venue, "KEY-A", 1, now),
        bob(venue, "KEY-B", 2, now) {}
  config::SimConfig config;
  std::int64_t now{kT0};
  Venue venue;
  Client alice;
  Client bob;
};

std::string send_query(std::string_view type, std::string_view symbol, std::string_view side,
                       std::string_view size, std::string_view price, std::string_view extra = "") {
  std::string q = "orderType=" + std::string(type) + "&symbol=" + std::string(symbol) +
                  "&side=" + std::string(side) + "&size=" + std::string(size);
  if (!price.empty()) {
    q += "&limitPrice=" + std::string(price);
  }
  if (!extra.empty()) {
    q += "&" + std::string(extra);
  }
  return q;
}

std::string status_of(const HttpResponse& r, std::string_view wrapper) {
  Json j(r.body);
  REQUIRE(j.ok);
  return str(j[wrapper]["status"]);
}

void require_error_a(const HttpResponse& r, std::string_view code) {
  INFO(r.body);
  Json j(r.body);
  REQUIRE(j.ok);
  CHECK(str(j["result"]) == "error");
  CHECK(str(j["error"]) == code);
  CHECK(has(j.root, "serverTime"));
}

void require_error_b(const HttpResponse& r, std::string_view argument) {
  CHECK(r.status == 400);
  Json j(r.body);
  REQUIRE(j.ok);
  CHECK(str(j["status"]) == "BAD_REQUEST");
  CHECK(str(j["result"]) == "error");
  CHECK(str(j["errors"].at(0)["message"]) == "Argument invalid: " + std::string(argument));
  CHECK(j["errors"].at(0)["code"].get_int64().value() == 11);
}

}  // namespace

TEST_CASE("rest: public instruments list every configured product with exact numbers", "[sim][venue]") {
  Fixture f;
  const HttpResponse r = public_get(f.venue, "/derivatives/api/v3/instruments", f.now);
  CHECK(r.status == 200);
  CHECK(r.body.find(R"("serverTime":"2026-)") != std::string::npos);
  Json j(r.body);
  REQUIRE(j.ok);
  CHECK(str(j["result"]) == "success");
  auto list = j["instruments"].get_array().value();
  REQUIRE(list.size() == 2);
  auto pi = list.at(0);
  CHECK(str(pi["symbol"]) == "PI_XBTUSD");
  CHECK(str(pi["type"]) == "futures_inverse");
  CHECK(str(pi["underlying"]) == "rr_xbtusd");
  CHECK(pi["tickSize"].get_double().value() == 0.5);
  CHECK(pi["contractValueTradePrecision"].get_int64().value() == 0);
  CHECK(pi["tradeable"].get_bool().value());
  CHECK(has(pi["marginLevels"].at(0), "contracts"));
  CHECK(str(pi["base"]) == "BTC");
  auto pf = list.at(1);
  CHECK(str(pf["type"]) == "flexible_futures");
  CHECK_FALSE(has(pf, "underlying"));
  CHECK(pf["contractValueTradePrecision"].get_int64().value() == 4);
  CHECK(has(pf["marginLevels"].at(0), "numNonContractUnits"));
  CHECK(pf["fundingRateCoefficient"].get_int64().value() == 8);
}

TEST_CASE("rest: unknown paths, wrong methods and bad public arguments use the error shapes",
          "[sim][venue]") {
  Fixture f;
  HttpResponse r = public_get(f.venue, "/derivatives/api/v3/nosuchthing", f.now);
  CHECK(r.status == 404);
  Json j(r.body);
  REQUIRE(j.ok);
  CHECK(str(j["status"]) == "NOT_FOUND");
  CHECK(str(j["errors"].at(0)["message"]) == "404 NOT_FOUND");
  CHECK(public_get(f.venue, "/api/v3/instruments", f.now).status == 404);
  CHECK(public_get(f.venue, "/derivatives/api/v3/historicalfundingrates", f.now).status == 404);
  HttpRequest post{.method = "POST", .target = "/derivatives/api/v3/tickers"};
  CHECK(f.venue.handle_http(post, f.now).status == 405);
  require_error_b(public_get(f.venue, "/derivatives/api/v3/tickers/PI_NOPE", f.now), "symbol");
  require_error_b(public_get(f.venue, "/derivatives/api/v3/orderbook?symbol=PI_NOPE", f.now), "symbol");
  r = public_get(f.venue, "/derivatives/api/v3/orderbook", f.now);
  CHECK(r.status == 400);
  require_error_a(r, "requiredArgumentMissing");
  CHECK(f.alice.get("openorders").status == 200);
  CHECK(f.alice.post("openorders", "").status == 405);
  CHECK(f.venue.stats().http_errors >= 6);
}

TEST_CASE("rest: tickers and the order book reflect resting orders", "[sim][venue]") {
  Fixture f;
  REQUIRE(status_of(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "100", "49999.5")),
                    "sendStatus") == "placed");
  REQUIRE(status_of(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "7", "49990")),
                    "sendStatus") == "placed");
  REQUIRE(status_of(f.bob.post("sendorder", send_query("lmt", "PI_XBTUSD", "sell", "5", "50010")),
                    "sendStatus") == "placed");
  HttpResponse r = public_get(f.venue, "/derivatives/api/v3/orderbook?symbol=pi_xbtusd", f.now);
  CHECK(r.body.find(R"("orderBook":{"bids":[[49999.5,100],[49990,7]],"asks":[[50010,5]]})") !=
        std::string::npos);
  r = public_get(f.venue, "/derivatives/api/v3/tickers/PI_XBTUSD", f.now);
  Json j(r.body);
  REQUIRE(j.ok);
  CHECK(j["ticker"]["bid"].get_double().value() == 49999.5);
  CHECK(j["ticker"]["askSize"].get_int64().value() == 5);
  CHECK(str(j["ticker"]["tag"]) == "perpetual");
  CHECK(str(j["ticker"]["pair"]) == "XBT:USD");
  r = public_get(f.venue, "/derivatives/api/v3/tickers", f.now);
  Json all(r.body);
  REQUIRE(all.ok);
  CHECK(all["tickers"].get_array().value().size() == 2);
  CHECK(public_get(f.venue, "/derivatives/api/v3/instruments/status", f.now).status == 200);
  CHECK(public_get(f.venue, "/derivatives/api/v3/feeschedules", f.now).body.find(R"("makerFee":0.02)") !=
        std::string::npos);
}

TEST_CASE("rest: sendorder places a resting order with the exact PLACE event", "[sim][venue]") {
  Fixture f;
  // ccxt style: parameters in the query string, empty body, lowercase symbol.
  const HttpResponse r =
      f.alice.post("sendorder", send_query("lmt", "pf_xbtusd", "buy", "0.0125", "49000", "cliOrdId=my-1"));
  CHECK(r.status == 200);
  Json j(r.body);
  REQUIRE(j.ok);
  auto s = j["sendStatus"];
  CHECK(str(s["status"]) == "placed");
  CHECK(str(s["cliOrdId"]) == "my-1");
  const std::string id = str(s["order_id"]);
  CHECK(id.size() == 36);
  auto ev = s["orderEvents"].at(0);
  CHECK(str(ev["type"]) == "PLACE");
  CHECK(ev["reducedQuantity"].is_null());
  auto o = ev["order"];
  CHECK(str(o["orderId"]) == id);
  CHECK(str(o["symbol"]) == "PF_XBTUSD");
  CHECK(str(o["type"]) == "lmt");
  CHECK(str(o["side"]) == "buy");
  CHECK(str(o["timestamp"]) == str(s["receivedTime"]));
  CHECK(r.body.find(R"("quantity":0.0125,"filled":0,"limitPrice":49000,"reduceOnly":false)") !=
        std::string::npos);

  // A form body works the same, and cliOrdId is absent (order cliOrdId null) when not given.
  const HttpResponse r2 =
      f.alice.post("sendorder", "", send_query("post", "PF_XBTUSD", "sell", "1", "51000"));
  Json j2(r2.body);
  REQUIRE(j2.ok);
  CHECK(str(j2["sendStatus"]["status"]) == "placed");
  CHECK_FALSE(has(j2["sendStatus"], "cliOrdId"));
  CHECK(j2["sendStatus"]["orderEvents"].at(0)["order"]["cliOrdId"].is_null());

  Json open(f.alice.get("openorders").body);
  REQUIRE(open.ok);
  auto orders = open["openOrders"].get_array().value();
  REQUIRE(orders.size() == 2);
  CHECK(str(orders.at(1)["order_id"]) == id);  // newest first
  CHECK(str(orders.at(1)["status"]) == "untouched");
  CHECK(str(orders.at(1)["cliOrdId"]) == "my-1");
  CHECK(orders.at(1)["unfilledSize"].get_double().value() == 0.0125);
  CHECK(f.venue.stats().orders_accepted == 2);
}

TEST_CASE("rest: an order that trades reports placed with EXECUTION events, fills and positions",
          "[sim][venue]") {
  Fixture f;
  REQUIRE(status_of(f.bob.post("sendorder", send_query("lmt", "PI_XBTUSD", "sell", "10", "50000")),
                    "sendStatus") == "placed");
  f.now += 5;
  const HttpResponse r = f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "4", "50001"));
  Json j(r.body);
  REQUIRE(j.ok);
  auto s = j["sendStatus"];
  CHECK(str(s["status"]) == "placed");
  auto ev = s["orderEvents"].at(0);
  CHECK(str(ev["type"]) == "EXECUTION");
  CHECK(ev["price"].get_int64().value() == 50000);
  CHECK(ev["amount"].get_int64().value() == 4);
  CHECK(ev["orderPriorEdit"].is_null());
  CHECK(ev["takerReducedQuantity"].is_null());
  CHECK(ev["orderPriorExecution"]["filled"].get_int64().value() == 0);
  CHECK(str(ev["executionId"]).size() == 36);

  Json fills(f.alice.get("fills").body);
  REQUIRE(fills.ok);
  auto fa = fills["fills"].at(0);
  CHECK(str(fa["fillType"]) == "taker");
  CHECK(str(fa["side"]) == "buy");
  CHECK(fa["size"].get_int64().value() == 4);
  CHECK(str(fa["symbol"]) == "PI_XBTUSD");
  Json bf(f.bob.get("fills").body);
  REQUIRE(bf.ok);
  CHECK(str(bf["fills"].at(0)["fillType"]) == "maker");

  Json pos(f.alice.get("openpositions").body);
  REQUIRE(pos.ok);
  CHECK(str(pos["openPositions"].at(0)["side"]) == "long");
  CHECK(pos["openPositions"].at(0)["size"].get_int64().value() == 4);
  Json bpos(f.bob.get("openpositions").body);
  REQUIRE(bpos.ok);
  CHECK(str(bpos["openPositions"].at(0)["side"]) == "short");

  // Bob's order is partially filled now.
  Json open(f.bob.get("openorders").body);
  REQUIRE(open.ok);
  CHECK(str(open["openOrders"].at(0)["status"]) == "partiallyFilled");
  CHECK(open["openOrders"].at(0)["filledSize"].get_int64().value() == 4);
  CHECK(f.venue.stats().fills >= 2);

  // Public trade history (ccxt fetchTrades).
  Json h(public_get(f.venue, "/derivatives/api/v3/history?symbol=PI_XBTUSD", f.now).body);
  REQUIRE(h.ok);
  auto hist = h["history"].get_array().value();
  REQUIRE(hist.size() == 1);
  CHECK(str(hist.at(0)["side"]) == "buy");
  CHECK(hist.at(0)["size"].get_int64().value() == 4);
  CHECK(hist.at(0)["price"].get_int64().value() == 50000);
  Json none(
      public_get(f.venue, "/derivatives/api/v3/history?symbol=PI_XBTUSD&lastTime=2020-01-01T00:00:00Z", f.now)
          .body);
  REQUIRE(none.ok);
  CHECK(none["history"].get_array().value().size() == 0);
  require_error_b(public_get(f.venue, "/derivatives/api/v3/history?symbol=XX", f.now), "symbol");
}

TEST_CASE("rest: parameter problems give order statuses, missing or unknown arguments error shapes",
          "[sim][venue]") {
  Fixture f;
  auto st = [&](const std::string& q) { return status_of(f.alice.post("sendorder", q), "sendStatus"); };
  CHECK(st(send_query("lmt", "PI_XBTUSD", "buy", "1.5", "50000")) ==
        "invalidSize");  // off the 1-contract grid
  CHECK(st(send_query("lmt", "PI_XBTUSD", "buy", "0", "50000")) == "invalidSize");
  CHECK(st(send_query("lmt", "PI_XBTUSD", "buy", "abc", "50000")) == "invalidSize");
  CHECK(st(send_query("lmt", "PI_XBTUSD", "buy", "-1", "50000")) == "invalidSize");
  CHECK(st(send_query("lmt", "PF_XBTUSD", "buy", "0.00015", "50000")) == "invalidSize");
  CHECK(st(send_query("lmt", "PI_XBTUSD", "buy", "1", "50000.3")) == "invalidPrice");  // never rounded
  CHECK(st(send_query("lmt", "PI_XBTUSD", "buy", "1", "")) == "invalidPrice");
  CHECK(st(send_query("lmt", "PI_XBTUSD", "buy", "1", "1e")) == "invalidPrice");
  CHECK(st(send_query("stp", "PI_XBTUSD", "buy", "1", "50000", "stopPrice=49000")) == "invalidOrderType");
  CHECK(st(send_query("take_profit", "PI_XBTUSD", "buy", "1", "50000")) == "invalidOrderType");
  CHECK(st(send_query("trailing_stop", "PI_XBTUSD", "buy", "1", "")) == "invalidOrderType");
  CHECK(st(send_query("limit", "PI_XBTUSD", "buy", "1", "50000")) == "invalidOrderType");
  CHECK(st(send_query("lmt", "PI_XBTUSD", "long", "1", "50000")) == "invalidSide");
  // The rejection carries no order_id and no events; cliOrdId is echoed.
  Json j(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1.5", "50000", "cliOrdId=x")).body);
  REQUIRE(j.ok);
  CHECK_FALSE(has(j["sendStatus"], "order_id"));
  CHECK(str(j["sendStatus"]["cliOrdId"]) == "x");
  CHECK(j["sendStatus"]["orderEvents"].get_array().value().size() == 0);

  HttpResponse r = f.alice.post("sendorder", "orderType=lmt&side=buy&size=1&limitPrice=50000");
  CHECK(r.status == 400);
  require_error_a(r, "requiredArgumentMissing");
  require_error_b(f.alice.post("sendorder", send_query("lmt", "PI_NOPEUSD", "buy", "1", "50000")), "symbol");
  require_error_b(
      f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "50000", "reduceOnly=yes")),
      "reduceOnly");
  CHECK(st(send_query("lmt", "PI_XBTUSD", "buy", "1", "50000", "processBefore=2020-01-01T00:00:00.000Z")) ==
        "wouldProcessAfterSpecifiedTime");
  CHECK(f.venue.exchange().open_orders(2).empty());
  CHECK(f.venue.stats().orders_rejected >= 14);
}

TEST_CASE("rest: every engine rejection reaches the client as its status", "[sim][venue]") {
  config::SimConfig c = make_config();
  c.max_open_orders = 3;
  Fixture f(c);
  auto send = [&](Client& who, const std::string& q) {
    return status_of(who.post("sendorder", q), "sendStatus");
  };
  REQUIRE(send(f.bob, send_query("lmt", "PI_XBTUSD", "sell", "10", "50000")) == "placed");
  // post-only crossing: postWouldExecute with a REJECT event.
  Json post(f.alice.post("sendorder", send_query("post", "PI_XBTUSD", "buy", "1", "50000")).body);
  REQUIRE(post.ok);
  CHECK(str(post["sendStatus"]["status"]) == "postWouldExecute");
  CHECK(str(post["sendStatus"]["orderEvents"].at(0)["type"]) == "REJECT");
  CHECK(str(post["sendStatus"]["orderEvents"].at(0)["reason"]) == "POST_WOULD_EXECUTE");
  CHECK(send(f.alice, send_query("ioc", "PI_XBTUSD", "buy", "1", "49000")) == "iocWouldNotExecute");
  CHECK(send(f.alice, send_query("fok", "PI_XBTUSD", "buy", "11", "50000")) == "iocWouldNotExecute");
  CHECK(send(f.alice, send_query("lmt", "PI_XBTUSD", "sell", "1", "51000", "reduceOnly=true")) ==
        "wouldNotReducePosition");
  CHECK(send(f.alice, send_query("lmt", "PI_XBTUSD", "buy", "1", "20000")) == "outsidePriceCollar");
  REQUIRE(send(f.alice, send_query("lmt", "PI_XBTUSD", "buy", "1", "49800", "cliOrdId=dup")) == "placed");
  CHECK(send(f.alice, send_query("lmt", "PI_XBTUSD", "buy", "1", "49800", "cliOrdId=dup")) ==
        "clientOrderIdAlreadyExist");
  CHECK(send(f.alice, send_query("lmt", "PI_XBTUSD", "buy", "1", "49800",
                                 "cliOrdId=" + std::string(101, 'c'))) == "clientOrderIdTooLong");
  REQUIRE(send(f.alice, send_query("lmt", "PI_XBTUSD", "buy", "1", "49800")) == "placed");
  REQUIRE(send(f.alice, send_query("lmt", "PI_XBTUSD", "buy", "1", "49800")) == "placed");
  CHECK(send(f.alice, send_query("lmt", "PI_XBTUSD", "buy", "1", "49800")) == "tooManyOrders");
  // A market order with liquidity executes (mkt needs no limitPrice).
  CHECK(send(f.alice, send_query("mkt", "PI_XBTUSD", "buy", "2", "")) == "placed");
  // Market state: the control endpoint suspends the product.
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?suspend=PI_XBTUSD", f.now).status == 200);
  CHECK(send(f.bob, send_query("lmt", "PI_XBTUSD", "sell", "1", "50500")) == "marketSuspended");
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?resume=PI_XBTUSD", f.now).status == 200);
  CHECK(send(f.bob, send_query("lmt", "PI_XBTUSD", "sell", "1", "50500")) == "placed");
  // Fault injection: reject_fraction 1 refuses every order with marketSuspended.
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?reject_fraction=1", f.now).status == 200);
  CHECK(send(f.bob, send_query("lmt", "PI_XBTUSD", "sell", "1", "50500")) == "marketSuspended");
}

TEST_CASE("rest: a reduce-only order larger than the position is shrunk (reducedQuantity)", "[sim][venue]") {
  Fixture f;
  REQUIRE(status_of(f.bob.post("sendorder", send_query("lmt", "PI_XBTUSD", "sell", "3", "50000")),
                    "sendStatus") == "placed");
  REQUIRE(status_of(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "3", "50000")),
                    "sendStatus") == "placed");
  Json j(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "sell", "10", "51000", "reduceOnly=true"))
             .body);
  REQUIRE(j.ok);
  CHECK(str(j["sendStatus"]["status"]) == "placed");
  CHECK(j["sendStatus"]["orderEvents"].at(0)["reducedQuantity"].get_int64().value() == 3);
}

TEST_CASE("rest: editorder edits, reports no-op edits, fills on a crossing edit and refuses bad edits",
          "[sim][venue]") {
  Fixture f;
  Json placed(
      f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "5", "49000", "cliOrdId=e1")).body);
  REQUIRE(placed.ok);
  const std::string id = str(placed["sendStatus"]["order_id"]);
  f.now += 10;
  Json e(f.alice.post("editorder", "orderId=" + id + "&size=6&limitPrice=49100").body);
  REQUIRE(e.ok);
  auto es = e["editStatus"];
  CHECK(str(es["status"]) == "edited");
  CHECK(str(es["orderId"]) == id);
  auto ev = es["orderEvents"].at(0);
  CHECK(str(ev["type"]) == "EDIT");
  CHECK(ev["old"]["limitPrice"].get_int64().value() == 49000);
  CHECK(ev["new"]["limitPrice"].get_int64().value() == 49100);
  CHECK(ev["new"]["quantity"].get_int64().value() == 6);
  CHECK(str(ev["new"]["timestamp"]) == str(ev["old"]["timestamp"]));
  CHECK(str(ev["new"]["lastUpdateTimestamp"]) != str(ev["old"]["lastUpdateTimestamp"]));

  Json noop(f.alice.post("editorder", "cliOrdId=e1&limitPrice=49100").body);
  REQUIRE(noop.ok);
  CHECK(str(noop["editStatus"]["status"]) == "edited");
  CHECK(str(noop["editStatus"]["orderEvents"].at(0)["reason"]) == "EDIT_HAS_NO_EFFECT");

  CHECK(status_of(f.alice.post("editorder", "orderId=" + id + "&size=1.5"), "editStatus") == "invalidSize");
  CHECK(status_of(f.alice.post("editorder", "orderId=" + id + "&limitPrice=49100.2"), "editStatus") ==
        "invalidPrice");
  CHECK(status_of(f.alice.post("editorder", "orderId=00000000-0000-4000-8000-000000000000&size=1"),
                  "editStatus") == "orderForEditNotFound");
  CHECK(status_of(f.alice.post("editorder", "orderId=garbage&size=1"), "editStatus") ==
        "orderForEditNotFound");
  CHECK(status_of(f.bob.post("editorder", "orderId=" + id + "&size=1"), "editStatus") ==
        "orderForEditNotFound");
  CHECK(status_of(f.alice.post("editorder", "orderId=" + id + "&stopPrice=1"), "editStatus") ==
        "orderForEditNotAStop");
  // ABSOLUTE quantity counts past fills; equal to the fills leaves nothing open.
  CHECK(status_of(f.alice.post("editorder", "orderId=" + id + "&size=0&qtyMode=ABSOLUTE"), "editStatus") ==
        "invalidSize");
  require_error_b(f.alice.post("editorder", "orderId=" + id + "&size=1&qtyMode=SOMETIMES"), "qtyMode");
  require_error_a(f.alice.post("editorder", "size=1"), "requiredArgumentMissing");

  // Crossing edit: executes, status filled, orderPriorEdit set.
  REQUIRE(status_of(f.bob.post("sendorder", send_query("lmt", "PI_XBTUSD", "sell", "6", "49500")),
                    "sendStatus") == "placed");
  Json fill(f.alice.post("editorder", "orderId=" + id + "&limitPrice=49500").body);
  REQUIRE(fill.ok);
  CHECK(str(fill["editStatus"]["status"]) == "filled");
  bool execution = false;
  const simdjson::dom::array array_1 = fill["editStatus"]["orderEvents"].get_array().value();
  for (auto x : array_1) {
    if (str(x["type"]) == "EXECUTION") {
      execution = true;
      CHECK(x["orderPriorEdit"]["limitPrice"].get_int64().value() == 49100);
    }
  }
  CHECK(execution);
}

TEST_CASE("rest: cancelorder and cancelallorders", "[sim][venue]") {
  Fixture f;
  Json a(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "5", "49000", "cliOrdId=c1")).body);
  Json b(f.alice.post("sendorder", send_query("lmt", "PF_XBTUSD", "buy", "1", "49000")).body);
  REQUIRE(a.ok);
  REQUIRE(b.ok);
  const std::string id = str(a["sendStatus"]["order_id"]);
  Json c(f.alice.post("cancelorder", "order_id=" + id).body);
  REQUIRE(c.ok);
  CHECK(str(c["cancelStatus"]["status"]) == "cancelled");
  CHECK(str(c["cancelStatus"]["order_id"]) == id);
  CHECK(str(c["cancelStatus"]["cliOrdId"]) == "c1");
  CHECK(str(c["cancelStatus"]["orderEvents"].at(0)["type"]) == "CANCEL");
  CHECK(str(c["cancelStatus"]["orderEvents"].at(0)["uid"]) == id);

  const HttpResponse nf = f.alice.post("cancelorder", "order_id=" + id);
  CHECK(nf.body.find(R"("cancelStatus":{"status":"notFound","receivedTime":")") != std::string::npos);
  Json nfj(nf.body);
  REQUIRE(nfj.ok);
  CHECK_FALSE(has(nfj["cancelStatus"], "order_id"));
  CHECK_FALSE(has(nfj["cancelStatus"], "orderEvents"));
  CHECK(status_of(f.alice.post("cancelorder", "cliOrdId=unknown"), "cancelStatus") == "notFound");
  require_error_a(f.alice.post("cancelorder", ""), "requiredArgumentMissing");

  // Cancel of a completely filled order: `filled`.
  Json filled(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "sell", "2", "50000")).body);
  REQUIRE(filled.ok);
  REQUIRE(status_of(f.bob.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "2", "50000")),
                    "sendStatus") == "placed");
  CHECK(status_of(f.alice.post("cancelorder", "order_id=" + str(filled["sendStatus"]["order_id"])),
                  "cancelStatus") == "filled");

  Json all(f.alice.post("cancelallorders", "symbol=pf_xbtusd").body);
  REQUIRE(all.ok);
  CHECK(str(all["cancelStatus"]["status"]) == "cancelled");
  CHECK(str(all["cancelStatus"]["cancelOnly"]) == "PF_XBTUSD");
  CHECK(str(all["cancelStatus"]["cancelledOrders"].at(0)["order_id"]) == str(b["sendStatus"]["order_id"]));
  CHECK(str(all["cancelStatus"]["orderEvents"].at(0)["type"]) == "CANCEL");
  Json none(f.alice.post("cancelallorders", "").body);
  REQUIRE(none.ok);
  CHECK(str(none["cancelStatus"]["status"]) == "noOrdersToCancel");
  CHECK(str(none["cancelStatus"]["cancelOnly"]) == "all");
  CHECK(none["cancelStatus"]["cancelledOrders"].get_array().value().size() == 0);
  require_error_b(f.alice.post("cancelallorders", "symbol=XX"), "symbol");
}

TEST_CASE("rest: authentication failures and nonce rules", "[sim][venue]") {
  config::SimConfig c = make_config();
  c.nonce_tolerance = 0;  // strictly increasing; the tolerance window is tested in venue_nonce_test.cpp
  Fixture f(c);
  const std::string q = send_query("lmt", "PI_XBTUSD", "buy", "1", "49000");
  // No key.
  const std::string bare_target = "/derivatives/api/v3/sendorder?" + q;
  HttpRequest bare{.method = "POST", .target = bare_target};
  require_error_a(f.venue.handle_http(bare, f.now), "authenticationError");
  // Unknown key.
  Client mallory(f.venue, "KEY-X", 1, f.now);
  require_error_a(mallory.post("sendorder", q), "authenticationError");
  // Bob's key signed with alice's secret.
  Client wrong(f.venue, "KEY-B", 1, f.now);
  require_error_a(wrong.post("sendorder", q), "authenticationError");
  // Signed over other bytes (a tampered size).
  {
    const std::string path = "/derivatives/api/v3/sendorder";
    const kf::Signature sig = f.alice.signer.sign_rest(q, "", kf::endpoint_path(path));
    const std::string authent(sig.data(), sig.size());
    const std::string target = path + "?" + send_query("lmt", "PI_XBTUSD", "buy", "2", "49000");
    HttpRequest r{.method = "POST", .target = target, .api_key = "KEY-A", .authent = authent};
    require_error_a(f.venue.handle_http(r, f.now), "authenticationError");
  }
  CHECK(f.venue.stats().auth_failures == 4);
  CHECK(f.venue.exchange().open_orders(2).empty());

  // Nonces: increasing accepted, equal -> nonceDuplicate, lower -> nonceBelowThreshold.
  f.alice.nonce = 1000;
  CHECK(f.alice.get("openorders").status == 200);
  require_error_a(f.alice.get("openorders"), "nonceDuplicate");
  f.alice.nonce = 999;
  require_error_a(f.alice.get("openorders"), "nonceBelowThreshold");
  f.alice.nonce = 1001;
  CHECK(str(Json(f.alice.get("openorders").body)["result"]) == "success");
  f.alice.nonce.reset();  // omitting the header is allowed
  CHECK(str(Json(f.alice.get("openorders").body)["result"]) == "success");
  // A private GET with a query string is signed over it.
  CHECK(str(Json(f.alice.get("fills", "lastFillTime=2026-01-01T00:00:00.000Z").body)["result"]) == "success");
}

TEST_CASE("rest: a signature over the decoded parameters is refused unless lenient_signature",
          "[sim][venue]") {
  for (const bool lenient : {false, true}) {
    config::SimConfig c = make_config();
    c.lenient_signature = lenient;
    Fixture f(c);
    std::string encoded = send_query("lmt", "PI_XBTUSD", "buy", "1", "49000", "cliOrdId=");
    kf::percent_encode("123+/=", encoded);
    const std::string decoded = send_query("lmt", "PI_XBTUSD", "buy", "1", "49000", "cliOrdId=123+/=");
    const std::string path = "/derivatives/api/v3/sendorder";
    const kf::Signature sig = f.alice.signer.sign_rest(decoded, "", kf::endpoint_path(path));
    const std::string authent(sig.data(), sig.size());
    const std::string target = path + "?" + encoded;
    HttpRequest r{.method = "POST", .target = target, .api_key = "KEY-A", .authent = authent};
    Json j(f.venue.handle_http(r, f.now).body);
    REQUIRE(j.ok);
    if (lenient) {
      CHECK(str(j["sendStatus"]["status"]) == "placed");
      CHECK(str(j["sendStatus"]["cliOrdId"]) == "123+/=");
    } else {
      CHECK(str(j["error"]) == "authenticationError");
    }
    // The encoded form is always accepted.
    CHECK(status_of(f.alice.post("sendorder", encoded + "x"), "sendStatus") == "placed");
  }
}

TEST_CASE("rest: the rate limit refuses requests over budget without executing them, then recovers",
          "[sim][venue]") {
  config::SimConfig c = make_config();
  c.rate_limit_budget = 30;
  c.rate_limit_window_ms = 1000;
  Fixture f(c);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(status_of(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "49000")),
                      "sendStatus") == "placed");
    f.now += 100;
  }
  const HttpResponse r = f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "49000"));
  CHECK(r.status == 200);
  require_error_a(r, "apiLimitExceeded");
  CHECK(f.venue.exchange().open_orders(2).size() == 3);
  CHECK(f.venue.stats().rate_limited == 1);
  // Another key has its own budget; public endpoints cost nothing.
  CHECK(status_of(f.bob.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "49000")),
                  "sendStatus") == "placed");
  CHECK(public_get(f.venue, "/derivatives/api/v3/tickers", f.now).status == 200);
  // The first request leaves the sliding window 1000 ms after it was made.
  f.now = kT0 + 1000;
  CHECK(status_of(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "49000")),
                  "sendStatus") == "placed");
  require_error_a(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "49000")),
                  "apiLimitExceeded");
  // fills with lastFillTime costs 25.
  f.now = kT0 + 10'000;
  CHECK(str(Json(f.alice.get("fills", "lastFillTime=2026-01-01T00:00:00.000Z").body)["result"]) == "success");
  require_error_a(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "49000")),
                  "apiLimitExceeded");
}

TEST_CASE("rest: the dead man's switch arms, disarms and cancels everything on expiry", "[sim][venue]") {
  Fixture f;
  REQUIRE(status_of(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "49000")),
                    "sendStatus") == "placed");
  REQUIRE(status_of(f.alice.post("sendorder", send_query("lmt", "PF_XBTUSD", "buy", "1", "49000")),
                    "sendStatus") == "placed");
  Json off(f.alice.post("cancelallordersafter", "timeout=0").body);
  REQUIRE(off.ok);
  CHECK(str(off["status"]["triggerTime"]) == "0");
  Json on(f.alice.post("cancelallordersafter", "timeout=60").body);
  REQUIRE(on.ok);
  CHECK(str(on["status"]["currentTime"]) == "2026-09-21T14:13:20.000Z");
  CHECK(str(on["status"]["triggerTime"]) == "2026-09-21T14:14:20.000Z");
  require_error_a(f.alice.post("cancelallordersafter", ""), "requiredArgumentMissing");
  require_error_b(f.alice.post("cancelallordersafter", "timeout=soon"), "timeout");

  f.venue.tick(kT0 + 59'999, 1);
  CHECK(f.venue.exchange().open_orders(2).size() == 2);
  f.venue.tick(kT0 + 60'000, 2);
  CHECK(f.venue.exchange().open_orders(2).empty());
  CHECK(f.venue.stats().dead_man_switch_fired == 1);
}

TEST_CASE("rest: batchorder takes raw or percent-encoded json and answers per instruction", "[sim][venue]") {
  Fixture f;
  Json placed(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "5", "49000")).body);
  REQUIRE(placed.ok);
  const std::string id = str(placed["sendStatus"]["order_id"]);
  const std::string json =
      R"({"batchOrder":[{"order":"send","order_tag":"1","orderType":"lmt","symbol":"PI_XBTUSD","side":"buy",)"
      R"("size":1000,"limitPrice":49400.5,"cliOrdId":"b+1"},)"
      R"({"order":"send","order_tag":"2","orderType":"lmt","symbol":"PF_XBTUSD","side":"sell","size":"0.0001",)"
      R"("limitPrice":"51000"},)"
      R"({"order":"send","order_tag":"3","orderType":"lmt","symbol":"PI_XBTUSD","side":"buy","size":1.5,)"
      R"("limitPrice":49000},)"
      R"({"order":"edit","order_id":")" +
      id + R"(","size":7,"limitPrice":49001},)" + R"({"order":"cancel","order_id":")" + id + R"("}]})";
  // ccxt: body `json=<raw JSON>`, signed over exactly those bytes.
  const HttpResponse r = f.alice.post("batchorder", "", "json=" + json);
  Json j(r.body);
  REQUIRE(j.ok);
  auto items = j["batchStatus"].get_array().value();
  REQUIRE(items.size() == 5);
  CHECK(str(items.at(0)["status"]) == "placed");
  CHECK(str(items.at(0)["order_tag"]) == "1");
  CHECK(str(items.at(0)["cliOrdId"]) == "b+1");
  CHECK(has(items.at(0), "dateTimeReceived"));
  CHECK(r.body.find(R"("quantity":1000,"filled":0,"limitPrice":49400.5)") != std::string::npos);
  CHECK(str(items.at(1)["status"]) == "placed");
  CHECK(str(items.at(2)["status"]) == "invalidSize");
  CHECK(str(items.at(3)["status"]) == "edited");
  CHECK(str(items.at(4)["status"]) == "cancelled");
  CHECK(str(items.at(4)["order_id"]) == id);

  // The documented form: json=<percent-encoded JSON>.
  std::string body = "json=";
  kf::percent_encode(
      R"({"batchOrder":[{"order":"send","order_tag":"a","orderType":"post","symbol":"PI_XBTUSD","side":"buy","size":2,"limitPrice":48000}]})",
      body);
  Json e(f.alice.post("batchorder", "", body).body);
  REQUIRE(e.ok);
  CHECK(str(e["batchStatus"].at(0)["status"]) == "placed");
  CHECK(f.venue.exchange().open_orders(2).size() == 3);

  require_error_a(f.alice.post("batchorder", "", "json={not json"), "Json Parse Error");
  require_error_a(f.alice.post("batchorder", "", ""), "requiredArgumentMissing");
  require_error_b(f.alice.post("batchorder", "", R"(json={"batchOrder":[{"order":"explode"}]})"), "order");
}

TEST_CASE("rest: fills page 100 at a time, newest first, with the lastFillTime cursor", "[sim][venue]") {
  config::SimConfig c = make_config();
  c.rate_limit_budget = 1'000'000;
  Fixture f(c);
  REQUIRE(status_of(f.bob.post("sendorder", send_query("lmt", "PI_XBTUSD", "sell", "1000", "50000")),
                    "sendStatus") == "placed");
  for (int i = 0; i < 105; ++i) {
    f.now += 1;
    REQUIRE(status_of(f.alice.post("sendorder", send_query("ioc", "PI_XBTUSD", "buy", "1", "50000")),
                      "sendStatus") == "placed");
  }
  Json first(f.alice.get("fills").body);
  REQUIRE(first.ok);
  auto page = first["fills"].get_array().value();
  REQUIRE(page.size() == 100);
  const std::string newest = str(page.at(0)["fillTime"]);
  const std::string oldest = str(page.at(99)["fillTime"]);
  CHECK(newest > oldest);
  Json second(f.alice.get("fills", "lastFillTime=" + oldest).body);
  REQUIRE(second.ok);
  auto rest = second["fills"].get_array().value();
  CHECK(rest.size() == 5);
  CHECK(str(rest.at(0)["fillTime"]) < oldest);
  require_error_b(f.alice.get("fills", "lastFillTime=yesterday"), "lastFillTime");
}

TEST_CASE("rest: accounts show cash, flex and one margin account per inverse pair", "[sim][venue]") {
  Fixture f;
  Json j(f.alice.get("accounts").body);
  REQUIRE(j.ok);
  auto acc = j["accounts"];
  CHECK(str(acc["cash"]["type"]) == "cashAccount");
  CHECK(acc["cash"]["balances"]["usd"].get_double().value() == 100000.0);
  CHECK(str(acc["flex"]["type"]) == "multiCollateralMarginAccount");
  CHECK(acc["flex"]["currencies"]["XBT"]["quantity"].get_double().value() == 10.0);
  CHECK(acc["flex"]["currencies"]["XBT"]["value"].get_double().value() == 500000.0);
  CHECK(acc["flex"]["balanceValue"].get_double().value() == 600000.0);
  CHECK(str(acc["fi_xbtusd"]["type"]) == "marginAccount");
  CHECK(acc["fi_xbtusd"]["balances"]["xbt"].get_double().value() == 10.0);
}

TEST_CASE("rest: orders/status reports open orders by id and client id", "[sim][venue]") {
  Fixture f;
  Json a(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "5", "49000", "cliOrdId=s1")).body);
  REQUIRE(a.ok);
  Json j(
      f.alice.post("orders/status", "orderIds=" + str(a["sendStatus"]["order_id"]) + "&cliOrdIds=s1").body);
  REQUIRE(j.ok);
  auto orders = j["orders"].get_array().value();
  REQUIRE(orders.size() == 2);
  CHECK(str(orders.at(0)["status"]) == "ENTERED_BOOK");
  CHECK(str(orders.at(1)["order"]["cliOrdId"]) == "s1");
}

TEST_CASE("rest: fault injection delays or drops answers; control is absent when disabled", "[sim][venue]") {
  Fixture f;
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?rest_delay_ms=250", f.now).status == 200);
  CHECK(public_get(f.venue, "/derivatives/api/v3/tickers", f.now).delay_ms == 250);
  REQUIRE(control(f.venue, "POST", "/sim/v1/fault?rest_delay_ms=0&rest_drop_fraction=1", f.now).status ==
          200);
  const HttpResponse dropped = f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "49000"));
  CHECK(dropped.drop);
  CHECK(f.venue.exchange().open_orders(2).size() == 1);  // executed, answer lost
  CHECK(control(f.venue, "POST", "/sim/v1/fault?bogus=1", f.now).status == 400);
  CHECK(control(f.venue, "POST", "/sim/v1/fault?reject_fraction=2", f.now).status == 400);
  CHECK(control(f.venue, "GET", "/sim/v1/nothing", f.now).status == 404);
  Json state(control(f.venue, "GET", "/sim/v1/state", f.now).body);
  REQUIRE(state.ok);
  CHECK(state["stats"]["http_requests"].get_uint64().value() >= 5);
  CHECK(str(state["instruments"].at(0)["symbol"]) == "PI_XBTUSD");
  CHECK(state["instruments"].at(0)["best_bid"]["price"].get_int64().value() == 49000);
  CHECK(state["instruments"].at(0)["best_ask"].is_null());

  config::SimConfig c = make_config();
  c.control = false;
  Fixture g(c);
  CHECK(control(g.venue, "GET", "/sim/v1/state", g.now).status == 404);
}

TEST_CASE("rest: the control clock advances venue time and fires dead man's switches", "[sim][venue]") {
  Fixture f;
  REQUIRE(status_of(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "49000")),
                    "sendStatus") == "placed");
  REQUIRE(str(Json(f.alice.post("cancelallordersafter", "timeout=30").body)["result"]) == "success");
  REQUIRE(control(f.venue, "POST", "/sim/v1/clock?advance_ms=31000", f.now).status == 200);
  CHECK(f.venue.exchange().open_orders(2).empty());
  Json t(f.alice.get("openorders").body);
  REQUIRE(t.ok);
  CHECK(str(t["serverTime"]) == "2026-09-21T14:13:51.000Z");
  REQUIRE(status_of(f.alice.post("sendorder", send_query("lmt", "PI_XBTUSD", "buy", "1", "49000")),
                    "sendStatus") == "placed");
  REQUIRE(str(Json(f.alice.post("cancelallordersafter", "timeout=30").body)["result"]) == "success");
  Json fired(control(f.venue, "POST", "/sim/v1/dms/fire", f.now).body);
  REQUIRE(fired.ok);
  CHECK(fired["fired"].get_int64().value() == 1);
  CHECK(f.venue.exchange().open_orders(2).empty());
}

}  // namespace tickpath::sim::test
