// The simulator over real loopback sockets: TLS listener, REST keep-alive, websocket feeds,
// signed requests, faults and bad input at the transport level. The protocol details are tested
// without sockets in venue_*_test.cpp; here the question is whether the wire works end to end.

#include "tickpath/sim/server.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include "tickpath/config/config.hpp"
#include "tickpath/net/tls_cert.hpp"
#include "tickpath/venue/kraken_futures/auth.hpp"

#include "sim/server_test_support.hpp"
#include "sim/sim_client.hpp"
#include "support/network.hpp"

namespace tickpath::sim {
namespace {

using test::contains;
using test::Key;
using test::kTrader;
using test::quiet_config;
using test::RestClient;
using test::trader_accounts;
using test::WsClient;
using namespace std::chrono_literals;

TEST_CASE("the simulator serves REST over TLS with a certificate clients can trust", "[sim][server]") {
  Server server(quiet_config(), trader_accounts());
  server.start();
  const Endpoints& e = server.endpoints();
  CHECK(e.rest_url == "https://127.0.0.1:" + std::to_string(e.port) + "/derivatives/api/v3");
  CHECK(e.ws_url == "wss://127.0.0.1:" + std::to_string(e.port) + "/ws/v1");
  REQUIRE_FALSE(e.ca_pem.empty());

  RestClient rest(e);
  const test::Reply instruments = rest.get_public("instruments");
  CHECK(instruments.status == 200);
  CHECK(contains(instruments.body, R"("result":"success")"));
  CHECK(contains(instruments.body, R"("symbol":"PF_XBTUSD")"));
  CHECK(contains(instruments.body, R"("symbol":"PI_ETHUSD")"));
  // Keep-alive: the second request reuses the connection.
  CHECK(rest.connected());
  const test::Reply tickers = rest.get_public("tickers");
  CHECK(tickers.status == 200);
  CHECK(contains(tickers.body, R"("tickers":[)"));
  CHECK(server.stats().connections_accepted == 1);
}

TEST_CASE("the simulator serves a certificate loaded from cert_file and key_file", "[sim][server]") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("tickpath-sim-cert-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const net::PemCertificate pem = net::generate_self_signed({.common_name = "loaded-cert"});
  const auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  config::SimConfig c = quiet_config();
  c.cert_file = write("cert.pem", pem.certificate_pem);
  c.key_file = write("key.pem", pem.private_key_pem);
  c.ca_out_file = (dir / "out" / "ca.pem").string();  // written for clients, directories created
  {
    Server server(c, trader_accounts());
    server.start();
    CHECK(server.endpoints().ca_pem == pem.certificate_pem);
    CHECK(server.endpoints().ca_file == c.ca_out_file);
    std::ifstream written(c.ca_out_file);
    const std::string copy((std::istreambuf_iterator<char>(written)), std::istreambuf_iterator<char>());
    CHECK(copy == pem.certificate_pem);
    RestClient rest(server.endpoints());  // verifies the peer against that certificate
    CHECK(rest.get_public("instruments").status == 200);
  }
  c.key_file = (dir / "missing.pem").string();
  CHECK_THROWS_WITH(Server(c, trader_accounts()), Catch::Contains("missing.pem"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a port already in use is a start-up error naming the address", "[sim][server]") {
  Server first(quiet_config(), trader_accounts());
  config::SimConfig c = quiet_config();
  c.port = first.endpoints().port;
  CHECK_THROWS_WITH(Server(c, trader_accounts()),
                    Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(c.port)));
}

TEST_CASE("the simulator serves plain HTTP and WS when tls = false", "[sim][server]") {
  Server server(quiet_config(false), trader_accounts());
  server.start();
  CHECK(server.endpoints().rest_url.rfind("http://", 0) == 0);
  CHECK(server.endpoints().ws_url.rfind("ws://", 0) == 0);
  RestClient rest(server.endpoints());
  CHECK(rest.get_public("instruments").status == 200);
  WsClient ws(server.endpoints());
  const auto info = ws.read();
  REQUIRE(info);
  CHECK(*info == R"({"event":"info","version":1})");
}

TEST_CASE("a signed order placed over REST shows on the private websocket and is cancelled",
          "[sim][server]") {
  Server server(quiet_config(), trader_accounts());
  server.start();
  RestClient rest(server.endpoints());
  WsClient ws(server.endpoints());
  REQUIRE(ws.read());  // info
  const std::string challenge = ws.authenticate(kTrader);
  ws.subscribe_private(kTrader, "open_orders", challenge);
  REQUIRE(ws.read_until(R"("feed":"open_orders_snapshot")"));

  const test::Reply sent =
      rest.signed_request(kTrader, "POST", "sendorder",
                          "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=10&limitPrice=60000&cliOrdId=t-1");
  REQUIRE(sent.status == 200);
  CHECK(contains(sent.body, R"("status":"placed")"));
  const std::string order_id = test::field(sent.body, "order_id");
  REQUIRE(order_id.size() == 36);
  const auto placed = ws.read_until(R"("reason":"new_placed_order_by_user")");
  REQUIRE(placed);
  CHECK(contains(*placed, order_id));

  const test::Reply open = rest.signed_request(kTrader, "GET", "openorders", "");
  CHECK(contains(open.body, order_id));

  const test::Reply cancelled = rest.signed_request(kTrader, "POST", "cancelorder", "order_id=" + order_id);
  CHECK(contains(cancelled.body, R"("status":"cancelled")"));
  const auto removed = ws.read_until(R"("reason":"cancelled_by_user")");
  REQUIRE(removed);
  CHECK(contains(*removed, R"("is_cancel":true)"));
}

TEST_CASE("a wrong signature is refused with authenticationError and nothing is executed", "[sim][server]") {
  Server server(quiet_config(), trader_accounts());
  server.start();
  RestClient rest(server.endpoints());
  const Key wrong{.api_key = kTrader.api_key,
                  .secret_base64 = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"};
  const test::Reply reply = rest.signed_request(
      wrong, "POST", "sendorder", "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=1&limitPrice=60000");
  CHECK(contains(reply.body, R"("error":"authenticationError")"));
  CHECK(server.call([](Venue& v) { return v.exchange().open_orders(2).size(); }) == 0);
  CHECK(server.call([](Venue& v) { return v.stats().auth_failures; }) == 1);
}

TEST_CASE("the public book feed streams a snapshot and contiguous deltas over WSS", "[sim][server]") {
  config::SimConfig c = quiet_config();
  c.market.kind = config::SimActivityKind::Random;
  c.market.deltas_per_second = 2000;
  Server server(c, trader_accounts());
  server.start();
  WsClient ws(server.endpoints());
  REQUIRE(ws.read());
  ws.send(R"({"event":"subscribe","feed":"book","product_ids":["pi_xbtusd"]})");
  const auto ack = ws.read_until(R"("event":"subscribed")");
  REQUIRE(ack);
  CHECK(contains(*ack, R"("product_ids":["PI_XBTUSD"])"));
  const auto snapshot = ws.read_until(R"("feed":"book_snapshot")");
  REQUIRE(snapshot);
  CHECK(contains(*snapshot, R"("tickSize":null)"));
  const std::size_t seq_at = snapshot->find(R"("seq":)");
  REQUIRE(seq_at != std::string::npos);
  std::uint64_t last = std::stoull(snapshot->substr(seq_at + 6));
  int deltas = 0;
  while (deltas < 200) {
    const auto delta = ws.read_until(R"("feed":"book")");
    REQUIRE(delta);
    const std::size_t at = delta->find(R"("seq":)");
    REQUIRE(at != std::string::npos);
    const std::uint64_t seq = std::stoull(delta->substr(at + 6));
    REQUIRE(seq == last + 1);
    last = seq;
    ++deltas;
  }
}

TEST_CASE("bad HTTP is answered 400 or 413 and the simulator keeps serving", "[sim][server][bad-input]") {
  Server server(quiet_config(), trader_accounts());
  server.start();
  RestClient rest(server.endpoints());
  const std::string garbage = rest.raw_exchange("THIS IS NOT HTTP\r\n\r\n");
  CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);
  const std::string huge_body(Server::kMaxHttpBodyBytes + 10, 'a');
  const std::string too_big =
      rest.raw_exchange("POST /derivatives/api/v3/sendorder HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                        std::to_string(huge_body.size()) + "\r\n\r\n" + huge_body);
  CHECK(too_big.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(server.stats().http_parse_errors == 2);

  const test::Reply unknown = rest.request("GET", "/derivatives/api/v3/nosuchthing");
  CHECK(unknown.status == 404);
  CHECK(contains(unknown.body, R"("status":"NOT_FOUND")"));
  CHECK(rest.get_public("instruments").status == 200);
}

TEST_CASE("an oversized websocket frame closes that connection only", "[sim][server][bad-input]") {
  config::SimConfig c = quiet_config();
  c.ws_max_message_bytes = 1024;
  Server server(c, trader_accounts());
  server.start();
  WsClient victim(server.endpoints());
  WsClient bystander(server.endpoints());
  REQUIRE(victim.read());
  REQUIRE(bystander.read());
  victim.send(std::string(4096, 'x'));
  CHECK_FALSE(victim.read(3000ms));
  CHECK(victim.closed());
  CHECK(server.stats().ws_oversized_frames == 1);
  bystander.send("{not json");
  const auto error = bystander.read();
  REQUIRE(error);
  CHECK(contains(*error, R"("event":"error")"));
}

TEST_CASE("a flood of REST requests is answered, rate-limited, and never stalls the loop",
          "[sim][server][bad-input]") {
  Server server(quiet_config(), trader_accounts());
  server.start();
  RestClient rest(server.endpoints());
  int limited = 0;
  int answered = 0;
  for (int i = 0; i < 300; ++i) {
    const test::Reply r = rest.signed_request(kTrader, "GET", "openorders", "");
    answered += r.status != 0 ? 1 : 0;
    limited += contains(r.body, "apiLimitExceeded") ? 1 : 0;
  }
  CHECK(answered == 300);
  CHECK(limited == 300 - 250);  // openorders costs 2 of the 500 per window
  WsClient ws(server.endpoints());
  CHECK(ws.read());  // the websocket side is still responsive
}

}  // namespace
}  // namespace tickpath::sim
