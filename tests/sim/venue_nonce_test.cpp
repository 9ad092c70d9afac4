// The simulator's Nonce rule (venue.hpp, config::SimConfig::nonce_tolerance): nonces must increase
// per API key, but Kraken "tolerates nonces that are out of order for a brief period" (protocol
// §4.2), which a client signing on several keep-alive connections relies on. Whole signed
// requests in, JSON answers out; no network.
#include <cstdint>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "sim/venue_test_support.hpp"

namespace tickpath::sim::test {
namespace {

// Nonces of the magnitude a client using epoch microseconds sends.
constexpr std::uint64_t kBase = 1'790'000'000'000'000;
// Alice's exchange account (after the two house accounts), as in venue_rest_test.cpp.
constexpr AccountId kAlice = 2;

config::SimConfig nonce_config(std::int64_t tolerance) {
  config::SimConfig c = make_config();
  c.nonce_tolerance = tolerance;
  c.rate_limit_budget = 1'000'000;  // the long tests send thousands of requests
  return c;
}

struct Fixture {
  explicit Fixture(config::SimConfig c = nonce_config(10'000'000))
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

// "success", or the error code of a shape-A answer.
std::string outcome(const HttpResponse& r) {
  INFO(r.body);
  Json j(r.body);
  REQUIRE(j.ok);
  const std::string result = str(j["result"]);
  return result == "success" ? result : str(j["error"]);
}

std::string openorders(Client& client, std::uint64_t nonce) {
  client.nonce = nonce;
  return outcome(client.get("openorders"));
}

std::string send_limit(Client& client, std::uint64_t nonce, std::string_view cli_ord_id) {
  client.nonce = nonce;
  const HttpResponse r = client.post("sendorder",
                                     "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=1&limitPrice=49000"
                                     "&cliOrdId=" +
                                         std::string(cli_ord_id));
  const std::string result = outcome(r);
  if (result != "success") {
    return result;
  }
  return str(Json(r.body)["sendStatus"]["status"]);
}

TEST_CASE("nonce: two orders signed in order but received swapped are both placed", "[sim][venue][nonce]") {
  Fixture f;
  // Signed at kBase + 1 and kBase + 2 on two connections; the second overtakes the first.
  CHECK(send_limit(f.alice, kBase + 2, "second") == "placed");
  CHECK(send_limit(f.alice, kBase + 1, "first") == "placed");
  CHECK(f.venue.exchange().open_orders(kAlice).size() == 2);
  CHECK(f.venue.stats().auth_failures == 0);
}

TEST_CASE("nonce: a late nonce within the tolerance is accepted once, then is a duplicate",
          "[sim][venue][nonce]") {
  Fixture f;
  CHECK(openorders(f.alice, kBase + 10) == "success");
  CHECK(openorders(f.alice, kBase + 5) == "success");
  CHECK(openorders(f.alice, kBase + 5) == "nonceDuplicate");
  CHECK(openorders(f.alice, kBase + 10) == "nonceDuplicate");
  CHECK(openorders(f.alice, kBase + 7) == "success");
  CHECK(openorders(f.alice, kBase + 11) == "success");
  CHECK(openorders(f.alice, kBase + 10) == "nonceDuplicate");
  CHECK(openorders(f.alice, kBase + 6) == "success");
  CHECK(f.venue.stats().auth_failures == 3);
}

TEST_CASE("nonce: a duplicate nonce does not execute its request", "[sim][venue][nonce]") {
  Fixture f;
  CHECK(send_limit(f.alice, kBase + 2, "a") == "placed");
  CHECK(send_limit(f.alice, kBase + 1, "b") == "placed");
  const std::size_t open = f.venue.exchange().open_orders(kAlice).size();
  CHECK(open == 2);
  CHECK(send_limit(f.alice, kBase + 1, "c") == "nonceDuplicate");
  CHECK(send_limit(f.alice, kBase + 2, "d") == "nonceDuplicate");
  CHECK(f.venue.exchange().open_orders(kAlice).size() == open);
}

TEST_CASE("nonce: the tolerance window is exclusive at its lower end", "[sim][venue][nonce]") {
  Fixture f(nonce_config(1'000));
  CHECK(openorders(f.alice, kBase) == "success");
  CHECK(openorders(f.alice, kBase - 1'000) == "nonceBelowThreshold");
  CHECK(openorders(f.alice, kBase - 5'000'000) == "nonceBelowThreshold");
  CHECK(openorders(f.alice, kBase - 999) == "success");
  // The window follows the highest nonce.
  CHECK(openorders(f.alice, kBase + 500) == "success");
  CHECK(openorders(f.alice, kBase - 500) == "nonceBelowThreshold");
  CHECK(openorders(f.alice, kBase - 499) == "success");
}

TEST_CASE("nonce: the default tolerance is 10000000 nonce units", "[sim][venue][nonce]") {
  Fixture f(make_config());
  CHECK(f.config.nonce_tolerance == 10'000'000);
  CHECK(openorders(f.alice, kBase) == "success");
  CHECK(openorders(f.alice, kBase - 10'000'000) == "nonceBelowThreshold");
  CHECK(openorders(f.alice, kBase - 9'999'999) == "success");
}

TEST_CASE("nonce: tolerance 0 keeps nonces strictly increasing", "[sim][venue][nonce]") {
  Fixture f(nonce_config(0));
  CHECK(openorders(f.alice, 1'000) == "success");
  CHECK(openorders(f.alice, 1'000) == "nonceDuplicate");
  CHECK(openorders(f.alice, 999) == "nonceBelowThreshold");
  CHECK(openorders(f.alice, 1'001) == "success");
  CHECK(f.venue.stats().auth_failures == 2);
}

TEST_CASE("nonce: small first nonces are within the window of a young key", "[sim][venue][nonce]") {
  // highest - tolerance would be negative: nothing below the highest is out of the window.
  Fixture f;
  CHECK(openorders(f.alice, 5) == "success");
  CHECK(openorders(f.alice, 0) == "success");
  CHECK(openorders(f.alice, 0) == "nonceDuplicate");
  CHECK(openorders(f.alice, 3) == "success");
}

TEST_CASE("nonce: a nonce older than the remembered ones is refused, so none is ever accepted twice",
          "[sim][venue][nonce]") {
  Fixture f;
  // 1025 even nonces: the first one (kBase + 2) drops out of the 1024 remembered.
  for (std::uint64_t i = 1; i <= 1'025; ++i) {
    REQUIRE(openorders(f.alice, kBase + 2 * i) == "success");
  }
  CHECK(openorders(f.alice, kBase + 2) == "nonceBelowThreshold");  // used, forgotten
  CHECK(openorders(f.alice, kBase + 1) == "nonceBelowThreshold");  // unused, but cannot be told apart
  CHECK(openorders(f.alice, kBase + 4) == "nonceDuplicate");       // the oldest remembered
  CHECK(openorders(f.alice, kBase + 3) == "success");              // above every forgotten nonce
  CHECK(openorders(f.alice, kBase + 3) == "nonceDuplicate");
  // Accepting kBase + 3 pushed kBase + 4 out: it is now below the threshold, never accepted again.
  CHECK(openorders(f.alice, kBase + 4) == "nonceBelowThreshold");
  CHECK(openorders(f.alice, kBase + 6) == "nonceDuplicate");
  CHECK(openorders(f.alice, kBase + 2 * 1'025 + 1) == "success");
}

TEST_CASE("nonce: many late nonces interleaved with new ones are each accepted exactly once",
          "[sim][venue][nonce]") {
  // Two connections, each sending its own increasing nonces, the second always one request
  // behind: odd nonces arrive after the next even one.
  Fixture f;
  for (std::uint64_t i = 1; i <= 3'000; ++i) {
    REQUIRE(openorders(f.alice, kBase + 2 * i) == "success");
    REQUIRE(openorders(f.alice, kBase + 2 * i - 1) == "success");
  }
  CHECK(openorders(f.alice, kBase + 5'999) == "nonceDuplicate");
  CHECK(openorders(f.alice, kBase + 6'000) == "nonceDuplicate");
  CHECK(openorders(f.alice, kBase + 1) == "nonceBelowThreshold");
  CHECK(f.venue.stats().auth_failures == 3);
}

TEST_CASE("nonce: each API key has its own nonces", "[sim][venue][nonce]") {
  Fixture f(nonce_config(0));
  CHECK(openorders(f.alice, kBase + 100) == "success");
  CHECK(openorders(f.bob, kBase + 100) == "success");
  CHECK(openorders(f.bob, kBase + 1) == "nonceBelowThreshold");
  CHECK(openorders(f.alice, kBase + 101) == "success");
  CHECK(openorders(f.bob, kBase + 101) == "success");
}

TEST_CASE("nonce: requests without a Nonce header are not checked", "[sim][venue][nonce]") {
  Fixture f(nonce_config(0));
  CHECK(openorders(f.alice, kBase) == "success");
  f.alice.nonce.reset();
  CHECK(outcome(f.alice.get("openorders")) == "success");
  CHECK(outcome(f.alice.get("openorders")) == "success");
  CHECK(openorders(f.alice, kBase) == "nonceDuplicate");
}

TEST_CASE("nonce: with nonce_check off, repeated and old nonces are accepted", "[sim][venue][nonce]") {
  config::SimConfig c = nonce_config(0);
  c.nonce_check = config::SimNonceCheck::Off;
  Fixture f(c);
  CHECK(openorders(f.alice, kBase) == "success");
  CHECK(openorders(f.alice, kBase) == "success");
  CHECK(openorders(f.alice, 1) == "success");
  CHECK(f.venue.stats().auth_failures == 0);
}

TEST_CASE("nonce: a Nonce that is not a decimal integer is an authentication error", "[sim][venue][nonce]") {
  Fixture f;
  const std::string path = "/derivatives/api/v3/openorders";
  for (const std::string_view nonce : {"12a", "-5", "1.5", "99999999999999999999999"}) {
    INFO(nonce);
    const kf::Signature sig = f.alice.signer.sign_rest("", nonce, kf::endpoint_path(path));
    const std::string authent(sig.data(), sig.size());
    HttpRequest r{.method = "GET", .target = path, .api_key = "KEY-A", .authent = authent, .nonce = nonce};
    CHECK(outcome(f.venue.handle_http(r, f.now)) == "authenticationError");
  }
}

}  // namespace
}  // namespace tickpath::sim::test
