// The public history API of the simulator's protocol layer, without a network:
// GET /api/history/v{2,3}/market/{symbol}/executions (what ccxt's krakenfutures fetchTrades calls).
// The trades come from signed orders of two accounts, so the maker/taker orders each execution
// names can be checked against the order ids the REST answers gave.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/venue_test_support.hpp"

namespace tickpath::sim::test {
namespace {

struct Fixture {
  Fixture()
      : venue(config, make_accounts(), now), alice(venue, "KEY-A", 1, now), bob(venue, "KEY-B", 2, now) {}
  config::SimConfig config{make_config()};
  std::int64_t now{kT0};
  Venue venue;
  Client alice;
  Client bob;
};

std::string send_query(std::string_view type, std::string_view symbol, std::string_view side,
                       std::string_view size, std::string_view price) {
  return "orderType=" + std::string(type) + "&symbol=" + std::string(symbol) + "&side=" + std::string(side) +
         "&size=" + std::string(size) + "&limitPrice=" + std::string(price);
}

// Sends an order; returns {order_id, executionId of its first EXECUTION event or ""}.
struct Sent {
  std::string order_id;
  std::string execution_id;
};

Sent send(Client& c, std::string_view query) {
  const HttpResponse r = c.post("sendorder", query);
  INFO(r.body);
  Json j(r.body);
  REQUIRE(j.ok);
  REQUIRE(str(j["sendStatus"]["status"]) == "placed");
  Sent s{.order_id = str(j["sendStatus"]["order_id"]), .execution_id = {}};
  const simdjson::dom::array events = j["sendStatus"]["orderEvents"].get_array().value();
  for (auto ev : events) {
    if (str(ev["type"]) == "EXECUTION") {
      s.execution_id = str(ev["executionId"]);
      break;
    }
  }
  return s;
}

// Three trades on PI_XBTUSD at kT0+1000 (alice buys 4 from bob at 50000), kT0+3000 (bob sells 2
// into alice's bid at 49990) and kT0+4000 (alice buys bob's remaining 6 at 50000).
struct Trades {
  Sent bob_ask;
  Sent alice_take_1;
  Sent alice_bid;
  Sent bob_take;
  Sent alice_take_2;
};

Trades make_trades(Fixture& f) {
  Trades t;
  t.bob_ask = send(f.bob, send_query("lmt", "PI_XBTUSD", "sell", "10", "50000"));
  f.now = kT0 + 1000;
  t.alice_take_1 = send(f.alice, send_query("lmt", "PI_XBTUSD", "buy", "4", "50001"));
  f.now = kT0 + 2000;
  t.alice_bid = send(f.alice, send_query("post", "PI_XBTUSD", "buy", "5", "49990"));
  f.now = kT0 + 3000;
  t.bob_take = send(f.bob, send_query("lmt", "PI_XBTUSD", "sell", "2", "49000"));
  f.now = kT0 + 4000;
  t.alice_take_2 = send(f.alice, send_query("lmt", "PI_XBTUSD", "buy", "6", "50000"));
  f.now = kT0 + 5000;
  REQUIRE_FALSE(t.alice_take_1.execution_id.empty());
  REQUIRE_FALSE(t.bob_take.execution_id.empty());
  REQUIRE_FALSE(t.alice_take_2.execution_id.empty());
  REQUIRE(t.alice_bid.execution_id.empty());
  return t;
}

HttpResponse history(Fixture& f, std::string_view symbol_and_query, std::string_view version = "v3") {
  const std::string target =
      "/api/history/" + std::string(version) + "/market/" + std::string(symbol_and_query);
  return public_get(f.venue, target, f.now);
}

// The execution timestamps (offsets from kT0) of an answer, in the order listed; checks the
// envelope (len, element uid = execution uid, timestamps as strings) on the way.
std::vector<std::int64_t> offsets(const HttpResponse& r) {
  INFO(r.body);
  REQUIRE(r.status == 200);
  Json j(r.body);
  REQUIRE(j.ok);
  std::vector<std::int64_t> out;
  const simdjson::dom::array elements = j["elements"].get_array().value();
  for (auto e : elements) {
    auto x = e["event"]["Execution"]["execution"];
    CHECK(str(e["uid"]) == str(x["uid"]));
    CHECK(str(e["timestamp"]) == str(x["timestamp"]));
    out.push_back(std::stoll(str(e["timestamp"])) - kT0);
  }
  CHECK(str(j["len"]) == std::to_string(out.size()));
  return out;
}

using V = std::vector<std::int64_t>;

}  // namespace

TEST_CASE("history: executions are listed newest first with both orders of each trade",
          "[sim][venue][history]") {
  Fixture f;
  const Trades t = make_trades(f);
  const HttpResponse r = history(f, "PI_XBTUSD/executions");
  CHECK(offsets(r) == V{4000, 3000, 1000});
  INFO(r.body);
  Json j(r.body);
  REQUIRE(j.ok);
  auto elements = j["elements"].get_array().value();
  REQUIRE(elements.size() == 3);

  // Newest: alice (taker, buy) lifted bob's resting sell.
  auto newest = elements.at(0)["event"]["Execution"]["execution"];
  CHECK(str(newest["uid"]) == t.alice_take_2.execution_id);
  CHECK(str(newest["price"]) == "50000");
  CHECK(str(newest["quantity"]) == "6");
  CHECK(str(newest["takerOrder"]["uid"]) == t.alice_take_2.order_id);
  CHECK(str(newest["takerOrder"]["direction"]) == "Buy");
  CHECK(str(newest["takerOrder"]["tradeable"]) == "PI_XBTUSD");
  CHECK(str(newest["takerOrder"]["orderType"]) == "Limit");
  CHECK(str(newest["makerOrder"]["uid"]) == t.bob_ask.order_id);
  CHECK(str(newest["makerOrder"]["direction"]) == "Sell");
  CHECK(str(newest["makerOrder"]["limitPrice"]) == "50000");
  CHECK(str(newest["makerOrder"]["timestamp"]) == std::to_string(kT0));

  // Middle: bob (taker, sell) hit alice's post-only bid at the maker's price.
  auto middle = elements.at(1)["event"]["Execution"]["execution"];
  CHECK(str(middle["uid"]) == t.bob_take.execution_id);
  CHECK(str(middle["price"]) == "49990");
  CHECK(str(middle["quantity"]) == "2");
  CHECK(str(middle["takerOrder"]["uid"]) == t.bob_take.order_id);
  CHECK(str(middle["takerOrder"]["direction"]) == "Sell");
  CHECK(str(middle["takerOrder"]["limitPrice"]) == "49000");
  CHECK(str(middle["makerOrder"]["uid"]) == t.alice_bid.order_id);
  CHECK(str(middle["makerOrder"]["direction"]) == "Buy");
  CHECK(str(middle["makerOrder"]["orderType"]) == "Post");

  // Oldest: the first lift of bob's ask.
  auto oldest = elements.at(2)["event"]["Execution"]["execution"];
  CHECK(str(oldest["uid"]) == t.alice_take_1.execution_id);
  CHECK(str(oldest["quantity"]) == "4");
  CHECK(str(oldest["takerOrder"]["uid"]) == t.alice_take_1.order_id);
  CHECK(str(oldest["takerOrder"]["limitPrice"]) == "50001");
  CHECK(str(oldest["makerOrder"]["uid"]) == t.bob_ask.order_id);
  CHECK(str(oldest["timestamp"]) == std::to_string(kT0 + 1000));

  // The v2 path answers alike; the symbol is matched case-insensitively.
  CHECK(history(f, "PI_XBTUSD/executions", "v2").body == r.body);
  CHECK(history(f, "pi_xbtusd/executions").body == r.body);
}

TEST_CASE("history: sort, count, since and before select and order the executions", "[sim][venue][history]") {
  Fixture f;
  (void)make_trades(f);
  CHECK(offsets(history(f, "PI_XBTUSD/executions?sort=asc")) == V{1000, 3000, 4000});
  CHECK(offsets(history(f, "PI_XBTUSD/executions?sort=desc")) == V{4000, 3000, 1000});
  // count keeps the first ones in the chosen order.
  CHECK(offsets(history(f, "PI_XBTUSD/executions?count=2")) == V{4000, 3000});
  CHECK(offsets(history(f, "PI_XBTUSD/executions?count=2&sort=asc")) == V{1000, 3000});
  CHECK(offsets(history(f, "PI_XBTUSD/executions?count=0")).empty());
  // since is inclusive, before exclusive.
  const std::string at3000 = std::to_string(kT0 + 3000);
  CHECK(offsets(history(f, "PI_XBTUSD/executions?since=" + at3000)) == V{4000, 3000});
  CHECK(offsets(history(f, "PI_XBTUSD/executions?before=" + at3000)) == V{1000});
  CHECK(offsets(history(f, "PI_XBTUSD/executions?since=" + std::to_string(kT0 + 500) +
                               "&before=" + std::to_string(kT0 + 3500) + "&sort=asc")) == V{1000, 3000});
  CHECK(offsets(history(f, "PI_XBTUSD/executions?since=" + std::to_string(kT0 + 9000))).empty());
  // Another market has no executions of its own.
  CHECK(offsets(history(f, "PF_XBTUSD/executions")).empty());
}

TEST_CASE("history: linear products print exact decimal quantities and prices", "[sim][venue][history]") {
  Fixture f;
  (void)send(f.bob, send_query("lmt", "PF_XBTUSD", "sell", "0.0125", "50000"));
  f.now += 10;
  (void)send(f.alice, send_query("lmt", "PF_XBTUSD", "buy", "0.0123", "50000"));
  const HttpResponse r = history(f, "PF_XBTUSD/executions");
  INFO(r.body);
  Json j(r.body);
  REQUIRE(j.ok);
  auto x = j["elements"].at(0)["event"]["Execution"]["execution"];
  CHECK(str(x["quantity"]) == "0.0123");  // exact, not a binary-float rendering
  CHECK(str(x["price"]) == "50000");
  CHECK(str(x["takerOrder"]["tradeable"]) == "PF_XBTUSD");
}

TEST_CASE("history: unknown markets or paths are 404, bad numbers are argument errors",
          "[sim][venue][history]") {
  Fixture f;
  (void)make_trades(f);
  for (const char* target :
       {"XX_NOPE/executions", "PI_XBTUSD/trades", "PI_XBTUSD", "PI_XBTUSD/executions/x"}) {
    INFO(target);
    const HttpResponse r = history(f, target);
    CHECK(r.status == 404);
    Json j(r.body);
    REQUIRE(j.ok);
    CHECK(str(j["status"]) == "NOT_FOUND");
    CHECK(str(j["result"]) == "error");
  }
  for (const char* query : {"count=abc", "count=-1", "count=2x", "since=yesterday", "before=-5"}) {
    INFO(query);
    const HttpResponse r = history(f, std::string("PI_XBTUSD/executions?") + query);
    CHECK(r.status == 400);
    Json j(r.body);
    REQUIRE(j.ok);
    CHECK(str(j["result"]) == "error");
    CHECK(str(j["errors"].at(0)["message"]).rfind("Argument invalid: ", 0) == 0);
  }
  // Only GET is served there.
  HttpRequest post{.method = "POST", .target = "/api/history/v3/market/PI_XBTUSD/executions"};
  CHECK(f.venue.handle_http(post, f.now).status == 404);
}

}  // namespace tickpath::sim::test
