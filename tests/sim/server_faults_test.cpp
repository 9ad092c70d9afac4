// The simulator's faults, timers and limits over real loopback TLS: the /sim/v1/ control endpoint
// (venue.hpp), the dead man's switch firing on wall time, the websocket idle timeout, the REST
// rate limit and floods of bad websocket input. The protocol layer has its own socket-free tests
// (venue_*_test.cpp); the question here is whether each fault is what a client sees on the wire.
//
// Timing: every wait is a deadline loop with generous bounds (a loaded 2-core machine, sanitizer
// builds), never a fixed sleep that must be "long enough"; the only fixed waits check that
// something does NOT happen, and those are long compared with the event loop's 1 ms tick.

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "tickpath/config/config.hpp"
#include "tickpath/sim/server.hpp"

#include "sim/server_test_support.hpp"
#include "sim/sim_client.hpp"

namespace tickpath::sim {
namespace {

using test::contains;
using test::Key;
using test::kOther;
using test::kTrader;
using test::kTraderAccount;
using test::quiet_config;
using test::RestClient;
using test::WsClient;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::int64_t elapsed_ms(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

// Polls pred every 20 ms until it holds or timeout passes.
bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
  const auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

// POST /sim/v1/fault?<query>; requires success.
test::Reply fault(RestClient& rest, std::string_view query) {
  const test::Reply r = rest.request("POST", "/sim/v1/fault?" + std::string(query));
  INFO(query << " -> " << r.body);
  REQUIRE(r.status == 200);
  REQUIRE(contains(r.body, R"("result":"success")"));
  return r;
}

std::string state(RestClient& rest) {
  const test::Reply r = rest.request("GET", "/sim/v1/state");
  REQUIRE(r.status == 200);
  return r.body;
}

// The /sim/v1/state object of one instrument ("{"symbol":"PI_XBTUSD",...}").
std::string instrument_state(RestClient& rest, std::string_view symbol) {
  const std::string body = state(rest);
  const std::size_t at = body.find(R"({"symbol":")" + std::string(symbol) + "\"");
  REQUIRE(at != std::string::npos);
  return body.substr(at, body.find('}', body.find("best_ask", at)) - at);
}

// A resting or trading limit order; returns the sendorder answer body (requires HTTP 200).
std::string send_order(RestClient& rest, const Key& key, std::string_view symbol, std::string_view side,
                       std::string_view size, std::string_view price, std::string_view cli_ord_id = "") {
  std::string q = "orderType=lmt&symbol=" + std::string(symbol) + "&side=" + std::string(side) +
                  "&size=" + std::string(size) + "&limitPrice=" + std::string(price);
  if (!cli_ord_id.empty()) {
    q += "&cliOrdId=" + std::string(cli_ord_id);
  }
  const test::Reply r = rest.signed_request(key, "POST", "sendorder", q);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.body;
}

std::string place(RestClient& rest, const Key& key, std::string_view symbol, std::string_view side,
                  std::string_view size, std::string_view price, std::string_view cli_ord_id = "") {
  const std::string body = send_order(rest, key, symbol, side, size, price, cli_ord_id);
  INFO(body);
  REQUIRE(contains(body, R"("status":"placed")"));
  const std::string id = test::field(body, "order_id");
  REQUIRE(id.size() == 36);
  return id;
}

std::size_t open_order_count(Server& server, AccountId account) {
  return server.call([account](Venue& v) { return v.exchange().open_orders(account).size(); });
}

// Reads the `info` message every connection starts with.
void expect_info(WsClient& ws) {
  const auto info = ws.read(5000ms);
  REQUIRE(info);
  CHECK(*info == R"({"event":"info","version":1})");
}

// Subscribes the book of the products and returns the snapshot seqs in the given order.
std::vector<std::int64_t> subscribe_book(WsClient& ws, const std::vector<std::string>& products) {
  std::string list;
  for (const std::string& p : products) {
    list += (list.empty() ? "\"" : ",\"") + p + "\"";
  }
  ws.send(R"({"event":"subscribe","feed":"book","product_ids":[)" + list + "]}");
  std::vector<std::int64_t> seqs(products.size(), -1);
  for (std::size_t n = 0; n < products.size(); ++n) {
    const auto snapshot = ws.read_until(R"("feed":"book_snapshot")", 5000ms);
    REQUIRE(snapshot);
    const auto seq = test::int_field(*snapshot, "seq");
    REQUIRE(seq);
    for (std::size_t i = 0; i < products.size(); ++i) {
      if (contains(*snapshot, R"("product_id":")" + products[i] + "\"")) {
        seqs[i] = *seq;
      }
    }
  }
  for (const std::int64_t s : seqs) {
    REQUIRE(s >= 0);
  }
  return seqs;
}

// The next book delta (skipping anything else); requires one within 5 s.
std::string next_delta(WsClient& ws) {
  const auto delta = ws.read_until(R"("feed":"book")", 5000ms);
  REQUIRE(delta);
  return *delta;
}

std::int64_t seq_of(std::string_view message) {
  const auto seq = test::int_field(message, "seq");
  REQUIRE(seq);
  return *seq;
}

// A private websocket of `key` subscribed to the feeds (snapshots read).
void subscribe_private(WsClient& ws, const Key& key, const std::vector<std::string>& feeds) {
  expect_info(ws);
  const std::string challenge = ws.authenticate(key);
  for (const std::string& feed : feeds) {
    ws.subscribe_private(key, feed, challenge);
    REQUIRE(ws.read_until(R"("feed":")" + feed + R"(_snapshot")", 5000ms));
  }
}

bool valid_json(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  return parser.parse(text).get(element) == simdjson::SUCCESS;
}

}  // namespace

TEST_CASE("faults: drop_connections ends websockets abruptly and new connections work",
          "[sim][server][faults]") {
  Server server(quiet_config(), test::trader_and_other_accounts());
  server.start();
  const Endpoints& e = server.endpoints();
  RestClient control(e);
  WsClient pub(e);
  expect_info(pub);
  (void)subscribe_book(pub, {"PI_XBTUSD"});
  WsClient priv(e);
  subscribe_private(priv, kTrader, {"open_orders"});

  // A bad value applies nothing.
  const test::Reply bad = control.request("POST", "/sim/v1/fault?drop_connections=some");
  CHECK(bad.status == 400);
  CHECK(contains(bad.body, R"("error":"drop_connections must be all, private or public")"));
  CHECK(pub.ping_pong());
  CHECK(priv.ping_pong());

  // private: only the connection with a private subscription goes.
  CHECK(contains(fault(control, "drop_connections=private").body, R"("applied":["drop_connections"])"));
  CHECK_FALSE(priv.read(5000ms));
  CHECK(priv.closed());
  CHECK(pub.ping_pong());
  CHECK_FALSE(pub.closed());

  (void)fault(control, "drop_connections=all");
  CHECK_FALSE(pub.read(5000ms));
  CHECK(pub.closed());
  CHECK(wait_for([&] { return contains(state(control), R"("ws_open":0)"); }));

  // The simulator accepts new connections and serves them as before.
  WsClient fresh(e);
  expect_info(fresh);
  (void)subscribe_book(fresh, {"PI_XBTUSD"});
  RestClient rest(e);
  (void)place(rest, kTrader, "PI_XBTUSD", "buy", "10", "60000");
  CHECK(contains(next_delta(fresh), R"("price":60000.0)"));
  CHECK(wait_for([&] { return contains(state(control), R"("ws_open":1)"); }));
}

TEST_CASE("faults: skip_seq makes one product's next delta skip a seq number, others stay contiguous",
          "[sim][server][faults]") {
  Server server(quiet_config(), test::trader_and_other_accounts());
  server.start();
  const Endpoints& e = server.endpoints();
  RestClient rest(e);
  WsClient ws(e);
  expect_info(ws);
  const auto seqs = subscribe_book(ws, {"PI_XBTUSD", "PF_XBTUSD"});
  std::int64_t pi = seqs[0];
  std::int64_t pf = seqs[1];

  // One resting order per product = one delta per product. Returns {PI seq, PF seq}.
  int price = 60000;
  auto round = [&] {
    price += 10;
    (void)place(rest, kTrader, "PI_XBTUSD", "buy", "10", std::to_string(price));
    const std::string d1 = next_delta(ws);
    REQUIRE(contains(d1, R"("product_id":"PI_XBTUSD")"));
    (void)place(rest, kTrader, "PF_XBTUSD", "buy", "0.01", std::to_string(price));
    const std::string d2 = next_delta(ws);
    REQUIRE(contains(d2, R"("product_id":"PF_XBTUSD")"));
    return std::pair{seq_of(d1), seq_of(d2)};
  };

  auto [pi1, pf1] = round();
  CHECK(pi1 == pi + 1);
  CHECK(pf1 == pf + 1);
  pi = pi1;
  pf = pf1;

  const test::Reply bad = rest.request("POST", "/sim/v1/fault?skip_seq=NOPE");
  CHECK(bad.status == 400);
  CHECK(contains(bad.body, "unknown symbol NOPE"));

  (void)fault(rest, "skip_seq=PI_XBTUSD");
  auto [pi2, pf2] = round();
  CHECK(pi2 == pi + 2);  // the gap a client must detect
  CHECK(pf2 == pf + 1);
  // The state shows the seq as on the wire.
  CHECK(contains(instrument_state(rest, "PI_XBTUSD"), R"("seq":)" + std::to_string(pi2)));

  // One skip only: contiguous again.
  auto [pi3, pf3] = round();
  CHECK(pi3 == pi2 + 1);
  CHECK(pf3 == pf2 + 1);
}

TEST_CASE("faults: a frozen product sends nothing while the socket stays alive, then resumes",
          "[sim][server][faults]") {
  Server server(quiet_config(), test::trader_and_other_accounts());
  server.start();
  const Endpoints& e = server.endpoints();
  RestClient rest(e);
  WsClient ws(e);
  expect_info(ws);
  (void)subscribe_book(ws, {"PI_XBTUSD", "PF_XBTUSD"});

  (void)fault(rest, "freeze=PI_XBTUSD");
  CHECK(contains(instrument_state(rest, "PI_XBTUSD"), R"("frozen":true)"));
  CHECK(contains(instrument_state(rest, "PF_XBTUSD"), R"("frozen":false)"));

  // A change of each book: only PF's delta arrives.
  (void)place(rest, kTrader, "PI_XBTUSD", "buy", "10", "60000");
  (void)place(rest, kTrader, "PF_XBTUSD", "buy", "0.01", "60000");
  std::vector<std::string> skipped;
  const auto pf_delta = ws.read_until(R"("product_id":"PF_XBTUSD")", 5000ms, &skipped);
  REQUIRE(pf_delta);
  CHECK(contains(*pf_delta, R"("feed":"book")"));
  CHECK(skipped.empty());
  (void)place(rest, kTrader, "PI_XBTUSD", "buy", "10", "60010");
  CHECK_FALSE(ws.read(700ms));
  CHECK_FALSE(ws.closed());
  CHECK(ws.ping_pong());

  // ms=0 unfreezes: the next change is sent.
  (void)fault(rest, "freeze=PI_XBTUSD&ms=0");
  CHECK(contains(instrument_state(rest, "PI_XBTUSD"), R"("frozen":false)"));
  (void)place(rest, kTrader, "PI_XBTUSD", "buy", "10", "60020");
  const std::string resumed = next_delta(ws);
  CHECK(contains(resumed, R"("product_id":"PI_XBTUSD")"));
  CHECK(contains(resumed, R"("price":60020.0)"));

  // A freeze with a duration ends by itself.
  (void)fault(rest, "freeze=PF_XBTUSD&ms=1500");
  (void)place(rest, kTrader, "PF_XBTUSD", "buy", "0.01", "60010");
  CHECK_FALSE(ws.read(300ms));
  CHECK(wait_for([&] { return contains(instrument_state(rest, "PF_XBTUSD"), R"("frozen":false)"); }));
  (void)place(rest, kTrader, "PF_XBTUSD", "buy", "0.01", "60020");
  const std::string after = next_delta(ws);
  CHECK(contains(after, R"("product_id":"PF_XBTUSD")"));
  CHECK(contains(after, R"("price":60020.0)"));
}

TEST_CASE("faults: malformed=N breaks exactly the next N public messages", "[sim][server][faults]") {
  Server server(quiet_config(), test::trader_and_other_accounts());
  server.start();
  const Endpoints& e = server.endpoints();
  RestClient rest(e);
  WsClient ws(e);
  expect_info(ws);
  (void)subscribe_book(ws, {"PI_XBTUSD"});

  const test::Reply bad = rest.request("POST", "/sim/v1/fault?malformed=-1");
  CHECK(bad.status == 400);
  (void)fault(rest, "malformed=3");
  CHECK(contains(state(rest), R"("malformed_pending":3)"));
  for (int i = 0; i < 5; ++i) {
    (void)place(rest, kTrader, "PI_XBTUSD", "buy", "10", std::to_string(60000 + 10 * i));
  }
  for (int i = 0; i < 5; ++i) {
    const auto message = ws.read(5000ms);
    REQUIRE(message);
    INFO(i << ": " << *message);
    if (i < 3) {
      CHECK_FALSE(valid_json(*message));
    } else {
      CHECK(valid_json(*message));
      CHECK(contains(*message, R"("feed":"book")"));
      CHECK(contains(*message, R"("price":)" + std::to_string(60000 + 10 * i) + ".0"));
    }
  }
  CHECK(contains(state(rest), R"("malformed_pending":0)"));
  CHECK(ws.ping_pong());  // a client that parses them must not be cut off by the venue
}

TEST_CASE("faults: rest_delay_ms delays every REST answer by at least that much", "[sim][server][faults]") {
  Server server(quiet_config(), test::trader_and_other_accounts());
  server.start();
  RestClient rest(server.endpoints());
  (void)fault(rest, "rest_delay_ms=400");
  CHECK(contains(state(rest), R"("rest_delay_ms":400)"));

  auto start = Clock::now();
  const test::Reply instruments = rest.get_public("instruments");
  CHECK(instruments.status == 200);
  CHECK(elapsed_ms(start) >= 400);
  start = Clock::now();
  const test::Reply open = rest.signed_request(kTrader, "GET", "openorders", "");
  CHECK(contains(open.body, R"("result":"success")"));
  CHECK(elapsed_ms(start) >= 400);

  (void)fault(rest, "rest_delay_ms=0");
  CHECK(contains(state(rest), R"("rest_delay_ms":0)"));
  CHECK(rest.get_public("instruments").status == 200);
}

TEST_CASE("faults: rest_drop_fraction executes the request and closes without an answer",
          "[sim][server][faults]") {
  Server server(quiet_config(), test::trader_and_other_accounts());
  server.start();
  const Endpoints& e = server.endpoints();
  RestClient control(e);
  (void)fault(control, "rest_drop_fraction=1");

  RestClient trader(e);
  const auto start = Clock::now();
  const test::Reply dropped = trader.signed_request(
      kTrader, "POST", "sendorder",
      "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=10&limitPrice=60000&cliOrdId=lost-1");
  CHECK(dropped.status == 0);  // no answer at all
  CHECK(dropped.body.empty());
  CHECK_FALSE(trader.connected());
  CHECK(elapsed_ms(start) < 8000);  // closed by the venue, not a client timeout

  // Control requests are never dropped; switch the fault off, then reconcile on a new connection.
  (void)fault(control, "rest_drop_fraction=0");
  RestClient reconcile(e);
  const test::Reply open = reconcile.signed_request(kTrader, "GET", "openorders", "");
  INFO(open.body);
  CHECK(contains(open.body, R"("cliOrdId":"lost-1")"));
  CHECK(open_order_count(server, kTraderAccount) == 1);
}

TEST_CASE("faults: reject_fraction 1 refuses every order with marketSuspended", "[sim][server][faults]") {
  Server server(quiet_config(), test::trader_and_other_accounts());
  server.start();
  RestClient rest(server.endpoints());

  // A bad value anywhere in the request applies nothing.
  const test::Reply bad = rest.request("POST", "/sim/v1/fault?reject_fraction=1&malformed_fraction=1.5");
  CHECK(bad.status == 400);
  CHECK(contains(bad.body, "malformed_fraction must be within 0 .. 1"));
  CHECK(contains(state(rest), R"("reject_fraction":0,)"));

  (void)fault(rest, "reject_fraction=1");
  for (int i = 0; i < 3; ++i) {
    const std::string body = send_order(rest, kTrader, "PI_XBTUSD", "buy", "10", "60000");
    INFO(body);
    CHECK(contains(body, R"("result":"success")"));
    CHECK(contains(body, R"("status":"marketSuspended")"));
    CHECK_FALSE(contains(body, R"("order_id")"));
  }
  CHECK(open_order_count(server, kTraderAccount) == 0);
  CHECK(server.call([](Venue& v) { return v.stats().orders_accepted; }) == 0);

  (void)fault(rest, "reject_fraction=0");
  (void)place(rest, kTrader, "PI_XBTUSD", "buy", "10", "60000");
  CHECK(open_order_count(server, kTraderAccount) == 1);
}

TEST_CASE("faults: private_order decides whether open_orders or fills goes first for one execution",
          "[sim][server][faults]") {
  Server server(quiet_config(), test::trader_and_other_accounts());
  server.start();
  const Endpoints& e = server.endpoints();
  RestClient rest(e);
  WsClient ws(e);
  subscribe_private(ws, kTrader, {"open_orders", "fills"});

  const test::Reply bad = rest.request("POST", "/sim/v1/fault?private_order=random");
  CHECK(bad.status == 400);
  CHECK(contains(bad.body, "private_order must be orders_first or fills_first"));

  // The trader's resting sell is taken whole by the other account; returns the order of the
  // trader's two messages about it: true when open_orders came first.
  auto execution = [&](std::string_view cli_ord_id) {
    const std::string id = place(rest, kTrader, "PI_XBTUSD", "sell", "10", "65000", cli_ord_id);
    const auto placed = ws.read_until(R"("reason":"new_placed_order_by_user")", 5000ms);
    REQUIRE(placed);
    REQUIRE(contains(*placed, id));
    const std::string taker = send_order(rest, kOther, "PI_XBTUSD", "buy", "10", "65000");
    REQUIRE(contains(taker, R"("type":"EXECUTION")"));
    std::optional<std::size_t> orders_at;
    std::optional<std::size_t> fills_at;
    for (std::size_t n = 0; n < 20 && (!orders_at || !fills_at); ++n) {
      const auto message = ws.read(5000ms);
      REQUIRE(message);
      if (contains(*message, R"("feed":"open_orders")")) {
        CHECK(contains(*message, id));
        CHECK(contains(*message, R"("reason":"full_fill")"));
        orders_at = n;
      } else if (contains(*message, R"("feed":"fills")")) {
        CHECK(contains(*message, id));
        CHECK(contains(*message, R"("fill_type":"maker")"));
        fills_at = n;
      }
    }
    REQUIRE(orders_at);
    REQUIRE(fills_at);
    return *orders_at < *fills_at;
  };

  CHECK(contains(state(rest), R"("private_order":"orders_first")"));  // the default
  CHECK(execution("po-1"));
  (void)fault(rest, "private_order=fills_first");
  CHECK(contains(state(rest), R"("private_order":"fills_first")"));
  CHECK_FALSE(execution("po-2"));
  (void)fault(rest, "private_order=orders_first");
  CHECK(execution("po-3"));
}

TEST_CASE("dead man's switch: expiry on wall time cancels everything and tells the private feed",
          "[sim][server][dms]") {
  Server server(quiet_config(), test::trader_and_other_accounts());
  server.start();
  const Endpoints& e = server.endpoints();
  RestClient rest(e);
  WsClient ws(e);
  subscribe_private(ws, kTrader, {"open_orders"});

  const std::string doomed = place(rest, kTrader, "PI_XBTUSD", "buy", "10", "60000", "dms-1");
  REQUIRE(ws.read_until(R"("reason":"new_placed_order_by_user")", 5000ms));
  const auto armed_at = Clock::now();
  const test::Reply arm = rest.signed_request(kTrader, "POST", "cancelallordersafter", "timeout=1");
  INFO(arm.body);
  REQUIRE(contains(arm.body, R"("result":"success")"));
  const std::string trigger = test::field(arm.body, "triggerTime");
  CHECK(trigger.size() >= 20);  // an ISO time, not "0"

  const auto fired = ws.read_until(R"("reason":"dead_man_switch")", 8000ms);
  REQUIRE(fired);
  CHECK(elapsed_ms(armed_at) >= 900);  // not before its time (wall clocks differ by < 100 ms)
  CHECK(contains(*fired, doomed));
  CHECK(contains(*fired, R"("is_cancel":true)"));
  const test::Reply open = rest.signed_request(kTrader, "GET", "openorders", "");
  CHECK(contains(open.body, R"("openOrders":[])"));
  CHECK(server.call([](Venue& v) { return v.stats().dead_man_switch_fired; }) == 1);

  // Disarmed in time: nothing is cancelled.
  const std::string kept = place(rest, kTrader, "PI_XBTUSD", "buy", "10", "60000", "dms-2");
  REQUIRE(ws.read_until(R"("reason":"new_placed_order_by_user")", 5000ms));
  const test::Reply rearm = rest.signed_request(kTrader, "POST", "cancelallordersafter", "timeout=1");
  CHECK(test::field(rearm.body, "triggerTime").size() >= 20);
  const test::Reply disarm = rest.signed_request(kTrader, "POST", "cancelallordersafter", "timeout=0");
  INFO(disarm.body);
  CHECK(contains(disarm.body, R"("triggerTime":"0")"));
  CHECK_FALSE(ws.read_until(R"("reason":"dead_man_switch")", 1500ms));
  CHECK_FALSE(ws.closed());
  const test::Reply still = rest.signed_request(kTrader, "GET", "openorders", "");
  CHECK(contains(still.body, kept));
  CHECK(open_order_count(server, kTraderAccount) == 1);
  CHECK(server.call([](Venue& v) { return v.stats().dead_man_switch_fired; }) == 1);

  // A bad timeout is an argument error.
  const test::Reply bad = rest.signed_request(kTrader, "POST", "cancelallordersafter", "timeout=soon");
  CHECK(bad.status == 400);
  CHECK(contains(bad.body, "Argument invalid: timeout"));
}

TEST_CASE("websocket idle timeout: a client that never pings is closed, one that pings stays",
          "[sim][server][timeouts]") {
  config::SimConfig c = quiet_config();
  c.ws_ping_timeout_ms = 1000;
  Server server(c, test::trader_and_other_accounts());
  server.start();
  const Endpoints& e = server.endpoints();
  WsClient silent(e);
  WsClient pinger(e);
  expect_info(silent);
  expect_info(pinger);

  // 3.5 timeouts long: the pinger pings about every 100 ms, the silent one only reads.
  const auto start = Clock::now();
  int pongs = 0;
  int missed = 0;
  while (elapsed_ms(start) < 3500) {
    (pinger.ping_pong(2000ms) ? pongs : missed) += 1;
    (void)silent.read(50ms);
    std::this_thread::sleep_for(50ms);
  }
  CHECK(missed == 0);
  CHECK(pongs >= 10);
  CHECK_FALSE(silent.read(5000ms));
  CHECK(silent.closed());
  CHECK_FALSE(pinger.closed());
  pinger.send(R"({"event":"subscribe","feed":"heartbeat"})");
  CHECK(pinger.read_until(R"("event":"subscribed","feed":"heartbeat")", 5000ms));
  CHECK(contains(RestClient(e).request("GET", "/sim/v1/state").body, R"("ws_open":1)"));
}

TEST_CASE("rate limit: the 51st sendorder in the window is refused unexecuted, then the budget recovers",
          "[sim][server][rate-limit]") {
  config::SimConfig c = quiet_config();
  // Long enough that 51 requests fit in it even under a sanitizer; recovery is waited for.
  constexpr std::int64_t kWindowMs = 3000;
  c.rate_limit_window_ms = kWindowMs;
  Server server(c, test::trader_and_other_accounts());
  server.start();
  RestClient rest(server.endpoints());

  const auto start = Clock::now();
  for (int i = 1; i <= 50; ++i) {
    (void)place(rest, kTrader, "PI_XBTUSD", "buy", "1", "60000", "rl-" + std::to_string(i));
  }
  const test::Reply refused =
      rest.signed_request(kTrader, "POST", "sendorder",
                          "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=1&limitPrice=60000&cliOrdId=rl-51");
  const std::int64_t burst_ms = elapsed_ms(start);
  INFO("51 orders took " << burst_ms << " ms, the window is " << kWindowMs << " ms");
  REQUIRE(burst_ms < kWindowMs);  // otherwise the first ones left the window: nothing to test
  CHECK(refused.status == 200);
  CHECK(contains(refused.body, R"("result":"error")"));
  CHECK(contains(refused.body, R"("error":"apiLimitExceeded")"));
  CHECK(open_order_count(server, kTraderAccount) == 50);
  CHECK(server.call([](Venue& v) { return v.stats().rate_limited; }) == 1);
  // Other keys have their own budget.
  CHECK(contains(send_order(rest, kOther, "PI_XBTUSD", "buy", "1", "60000"), R"("status":"placed")"));

  // Recovery: once the oldest requests leave the window, orders are accepted again.
  std::string accepted;
  const bool recovered = wait_for(
      [&] {
        accepted = send_order(rest, kTrader, "PI_XBTUSD", "buy", "1", "60000", "rl-late");
        return contains(accepted, R"("status":"placed")");
      },
      std::chrono::milliseconds(kWindowMs + 10'000));
  INFO(accepted);
  REQUIRE(recovered);
  CHECK(elapsed_ms(start) >= kWindowMs - 100);
  CHECK(open_order_count(server, kTraderAccount) == 51);
  const auto rl51 = server.call([](Venue& v) {
    for (const auto& o : v.exchange().open_orders(kTraderAccount)) {
      if (o.cli_ord_id == "rl-51") {
        return true;
      }
    }
    return false;
  });
  CHECK_FALSE(rl51);  // the refused request was never executed
}

TEST_CASE("a flood of bad websocket input never stalls the simulator", "[sim][server][bad-input]") {
  Server server(quiet_config(), test::trader_and_other_accounts());
  server.start();
  const Endpoints& e = server.endpoints();

  std::string huge = R"({"event":"subscribe","feed":"book","product_ids":[)";
  for (int i = 0; i < 500; ++i) {
    huge += (i == 0 ? "\"BAD_" : ",\"BAD_") + std::to_string(i) + "\"";
  }
  huge += "]}";
  const std::vector<std::string> garbage{
      "{not json",    R"({"event":"nosuchevent"})",
      huge,           "[]",
      "\x01\x02\x03", R"({"event":"subscribe","feed":"nosuchfeed","product_ids":["PI_XBTUSD"]})"};
  WsClient flooder(e);
  expect_info(flooder);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < 1000; ++i) {
    flooder.send(garbage[i % garbage.size()]);
  }
  CHECK_FALSE(flooder.closed());

  // While the flood is being worked off, a new client is served promptly.
  WsClient fresh(e);
  expect_info(fresh);
  (void)subscribe_book(fresh, {"PI_XBTUSD"});
  CHECK(elapsed_ms(start) < 15000);
  RestClient rest(e);
  CHECK(rest.get_public("instruments").status == 200);

  REQUIRE(
      wait_for([&] { return server.call([](Venue& v) { return v.stats().ws_messages_in; }) >= 1001; }, 20s));
  const VenueStats stats = server.call([](Venue& v) { return v.stats(); });
  CHECK(stats.ws_messages_in == 1001);   // the flood and the fresh client's subscribe
  CHECK(stats.ws_bad_messages >= 1000);  // each flood message is bad (or over the request rate)

  // And afterwards, too.
  WsClient later(e);
  expect_info(later);
  (void)subscribe_book(later, {"PF_XBTUSD"});
  (void)place(rest, kTrader, "PF_XBTUSD", "buy", "0.01", "60000");
  CHECK(contains(next_delta(later), R"("product_id":"PF_XBTUSD")"));
}

TEST_CASE("a websocket reader that falls too far behind is cut off alone", "[sim][server][bad-input]") {
  config::SimConfig c = quiet_config();
  c.ws_max_message_bytes = 1 << 20;
  c.ws_max_requests_per_second = 1'000'000;
  Server server(c, test::trader_and_other_accounts());
  server.start();
  const Endpoints& e = server.endpoints();

  // Each request names 240 unknown products of 4000 characters: ~1 MB of alerts comes back for
  // it. The client never reads, so after ~70 requests the unsent answers pass kMaxQueuedBytes.
  constexpr int kProducts = 240;
  constexpr std::size_t kNameBytes = 4000;
  const std::string filler(kNameBytes - 4, 'x');
  std::string request = R"({"event":"subscribe","feed":"trade","product_ids":[)";
  for (int i = 0; i < kProducts; ++i) {
    request += (i == 0 ? "\"" : ",\"") + filler + std::to_string(1000 + i) + "\"";
  }
  request += "]}";
  REQUIRE(request.size() < (1U << 20));
  WsClient slow(e);
  WsClient bystander(e);
  expect_info(bystander);
  const std::size_t needed = Server::kMaxQueuedBytes / (kProducts * kNameBytes) + 10;
  for (std::size_t i = 0; i < needed && !slow.closed(); ++i) {
    slow.send(request);
  }
  REQUIRE(wait_for([&] { return server.stats().ws_slow_consumers_cut == 1; }, 60s));

  // The slow one is gone (after whatever was already in flight); everyone else is served.
  CHECK(bystander.ping_pong());
  bystander.send(R"({"event":"subscribe","feed":"heartbeat"})");
  CHECK(bystander.read_until(R"("event":"subscribed","feed":"heartbeat")", 5000ms));
  WsClient fresh(e);
  expect_info(fresh);
  CHECK(wait_for(
      [&] { return contains(RestClient(e).request("GET", "/sim/v1/state").body, R"("ws_open":2)"); }));
  CHECK(server.stats().ws_slow_consumers_cut == 1);
}

}  // namespace tickpath::sim
