// OrderEncoder (kraken-futures-protocol.md §4, §5.1, §5.5-5.11): every request kind byte for byte,
// Authent recomputed here the slow, independent way (OpenSSL SHA-256 + HMAC-SHA-512 + base64 over the
// expected post_data; none of auth.cpp), the published signing vectors through the encoder, batch
// JSON, nonces, failures, and no allocation per request.

#include "tickpath/venue/kraken_futures/order_encoder.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tickpath/venue/kraken_futures/form.hpp"

#include "support/alloc_counter.hpp"

using namespace tickpath;
using namespace tickpath::venue::kraken_futures;
using oms::RequestKind;

namespace {

// The §4.2 test secret (roq's crypto test, also auth_test.cpp).
constexpr std::string_view kSecret =
    "DuWQ3317vPm8tlOoylWmhfQJwGkKiR+ABuNNocaPxU2DA5H9aZAKkGO0sYBSGKirtdlkm8dL9DAp6husEABgWyOr";
constexpr std::string_view kVectorAuthent =
    "YU08zbwSTBmsVOSQQh8EPPW6eAZUmqgpRy6t5EmO2j/5aEyX3LTw1G2H+CP0dqUWOhLIFoQAXuZQcK5vU/B/qQ==";
constexpr std::string_view kUuid = "f2af600b-5fe8-49be-8983-de874071563b";

// Independent of auth.cpp: OpenSSL's base64 (EVP_DecodeBlock / EVP_EncodeBlock), its EVP SHA-256
// and its one-shot HMAC.
std::string reference_authent(std::string_view post_data, std::string_view nonce, std::string_view path) {
  unsigned char key[128];
  const int key_len = EVP_DecodeBlock(key, reinterpret_cast<const unsigned char*>(kSecret.data()),
                                      static_cast<int>(kSecret.size()));
  REQUIRE(key_len == 66);  // 88 characters without padding
  const std::string message = std::string(post_data) + std::string(nonce) + std::string(path);
  unsigned char digest[32];
  REQUIRE(EVP_Digest(message.data(), message.size(), digest, nullptr, EVP_sha256(), nullptr) == 1);
  unsigned char mac[64];
  unsigned int mac_len = 0;
  REQUIRE(HMAC(EVP_sha512(), key, key_len, digest, sizeof digest, mac, &mac_len) != nullptr);
  REQUIRE(mac_len == 64);
  unsigned char b64[89];
  REQUIRE(EVP_EncodeBlock(b64, mac, 64) == 88);
  return {reinterpret_cast<const char*>(b64), 88};
}

std::array<std::uint8_t, 16> uuid_bytes(std::string_view text) {
  std::array<std::uint8_t, 16> b{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    if (text[i] == '-') {
      --i;
      continue;
    }
    b.at(n++) = static_cast<std::uint8_t>(std::stoul(std::string(text.substr(i, 2)), nullptr, 16));
  }
  REQUIRE(n == 16);
  return b;
}

oms::VenueOrderId venue_id(std::string_view text) {
  oms::VenueOrderId id;
  id.bytes = uuid_bytes(text);
  id.valid = true;
  return id;
}

oms::ClientOrderId cli(std::string_view text) {
  oms::ClientOrderId c;
  REQUIRE(c.assign(text));
  return c;
}

std::string text(const EncodedRequest& e) {
  return {e.bytes.data(), e.bytes.size()};
}

struct Fixture {
  InstrumentRegistry registry{16};
  InstrumentId pi;
  InstrumentId pf;
  Signer signer = *Signer::from_base64_secret(kSecret);
  OrderEncoder encoder;
  RequestBuffer buf;

  static OrderEncoderConfig config() {
    OrderEncoderConfig c;
    c.api_key = "test-key";
    c.host = "127.0.0.1:8443";
    return c;
  }
  explicit Fixture(OrderEncoderConfig c = config())
      : pi(registry.add({"PI_XBTUSD", Increment{5, -1}, Increment{1, 0}, ContractKind::Inverse})),
        pf(registry.add({"pf_xbtusd", Increment{1, 0}, Increment{1, -4}, ContractKind::Linear})),
        encoder(registry, signer, std::move(c)) {}
};

oms::Request send_order(InstrumentId id, Side side, oms::OrderType type, std::int64_t ticks,
                        std::int64_t lots) {
  oms::Request r;
  r.kind = RequestKind::SendOrder;
  r.instrument = id;
  r.side = side;
  r.type = type;
  r.price = Price{ticks};
  r.qty = Qty{lots};
  return r;
}

oms::Request of_kind(RequestKind k) {
  oms::Request r;
  r.kind = k;
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// sendorder

TEST_CASE("sendorder limit with a cliOrdId that needs percent-encoding, byte for byte") {
  Fixture f;
  oms::Request r = send_order(f.pi, Side::Buy, oms::OrderType::Limit, 89175, 1);  // 44587.5 at tick 0.5
  r.cli = cli("123+/=");
  const EncodedRequest e = f.encoder.encode(r, 1629361663947, f.buf);
  REQUIRE(e.ok());
  const std::string body =
      "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=1&limitPrice=44587.5&cliOrdId=123%2B%2F%3D";
  const std::string expected =
      "POST /derivatives/api/v3/sendorder HTTP/1.1\r\n"
      "Host: 127.0.0.1:8443\r\n"
      "User-Agent: tickpath\r\n"
      "APIKey: test-key\r\n"
      "Nonce: 1629361663947\r\n"
      "Authent: " +
      reference_authent(body, "1629361663947", "/api/v3/sendorder") +
      "\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 87\r\n"
      "\r\n"
      "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=1&limitPrice=44587.5&cliOrdId=123%2B%2F%3D";
  CHECK(text(e) == expected);
  CHECK(e.post_data == body);
  CHECK(e.nonce == 1629361663947U);
  // post_data is the tail of the request itself, not a copy.
  CHECK(e.post_data.data() == e.bytes.data() + e.bytes.size() - body.size());
  CHECK(f.buf.size == e.bytes.size());
  CHECK(e.bytes.data() == f.buf.bytes.data());
}

TEST_CASE("the §4.2 signing vector through the encoder's percent-encoding") {
  // The vector also sends reduceOnly=false, which the encoder omits (false is the default), so its
  // post_data is the encoder's body plus that field; everything up to it is the encoder's bytes.
  Fixture f;
  oms::Request r = send_order(f.pi, Side::Buy, oms::OrderType::Limit, 89175, 1);
  r.cli = cli("123+/=");
  const EncodedRequest e = f.encoder.encode(r, 1629361663947, f.buf);
  REQUIRE(e.ok());
  const std::string vector_post_data = std::string(e.post_data) + "&reduceOnly=false";
  CHECK(vector_post_data ==
        "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=1&limitPrice=44587.5&cliOrdId=123%2B%2F%3D&reduceOnly="
        "false");
  const Signature sig = f.signer.sign_rest(vector_post_data, "1629361663947", "/api/v3/sendorder");
  CHECK(std::string_view(sig.data(), sig.size()) == kVectorAuthent);
  CHECK(reference_authent(vector_post_data, "1629361663947", "/api/v3/sendorder") == kVectorAuthent);
}

TEST_CASE("the fills signing vector of auth_test_vectors.json reproduced entirely by the encoder") {
  // /derivatives/api/v3/fills, lastFillTime=2024-02-06T22%3A24%3A34.849Z, nonce 1700000000000.
  Fixture f;
  oms::Request r = of_kind(RequestKind::Fills);
  r.arg = 1707258274849;
  const EncodedRequest e = f.encoder.encode(r, 1700000000000, f.buf);
  REQUIRE(e.ok());
  CHECK(e.post_data == "lastFillTime=2024-02-06T22%3A24%3A34.849Z");
  const std::string expected =
      "GET /derivatives/api/v3/fills?lastFillTime=2024-02-06T22%3A24%3A34.849Z HTTP/1.1\r\n"
      "Host: 127.0.0.1:8443\r\n"
      "User-Agent: tickpath\r\n"
      "APIKey: test-key\r\n"
      "Nonce: 1700000000000\r\n"
      "Authent: pSaurOiHTjiPJJEHdi3RbiwdRR0uTI1UfH0b+MAkKntHZVHzSpCeZ91mLR6qzH1E/eJBZ8xGl4YvSorHdnjrng==\r\n"
      "\r\n";
  CHECK(text(e) == expected);
}

TEST_CASE("sendorder post-only sell reduce-only on a linear product, byte for byte") {
  Fixture f;
  oms::Request r = send_order(f.pf, Side::Sell, oms::OrderType::PostOnly, 65000, 123);
  r.reduce_only = true;
  const EncodedRequest e = f.encoder.encode(r, 1722000000000001, f.buf);
  REQUIRE(e.ok());
  const std::string body =
      "orderType=post&symbol=PF_XBTUSD&side=sell&size=0.0123&limitPrice=65000&reduceOnly=true";
  const std::string expected =
      "POST /derivatives/api/v3/sendorder HTTP/1.1\r\n"
      "Host: 127.0.0.1:8443\r\n"
      "User-Agent: tickpath\r\n"
      "APIKey: test-key\r\n"
      "Nonce: 1722000000000001\r\n"
      "Authent: " +
      reference_authent(body, "1722000000000001", "/api/v3/sendorder") +
      "\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 86\r\n"
      "\r\n"
      "orderType=post&symbol=PF_XBTUSD&side=sell&size=0.0123&limitPrice=65000&reduceOnly=true";
  CHECK(text(e) == expected);
}

TEST_CASE("sendorder ioc and mkt: mkt carries no limitPrice whatever the price field holds") {
  Fixture f;
  oms::Request ioc = send_order(f.pi, Side::Sell, oms::OrderType::Ioc, 79999, 25000);
  ioc.cli = cli("tp-1");
  EncodedRequest e = f.encoder.encode(ioc, 1722000000000002, f.buf);
  REQUIRE(e.ok());
  std::string body = "orderType=ioc&symbol=PI_XBTUSD&side=sell&size=25000&limitPrice=39999.5&cliOrdId=tp-1";
  CHECK(text(e) ==
        "POST /derivatives/api/v3/sendorder HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000002\r\n"
        "Authent: " +
            reference_authent(body, "1722000000000002", "/api/v3/sendorder") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 84\r\n"
            "\r\n"
            "orderType=ioc&symbol=PI_XBTUSD&side=sell&size=25000&limitPrice=39999.5&cliOrdId=tp-1");

  for (const Price p : {Price{70000}, Price::min()}) {
    oms::Request mkt = send_order(f.pf, Side::Buy, oms::OrderType::Market, 0, 15000);
    mkt.price = p;
    e = f.encoder.encode(mkt, 1722000000000003, f.buf);
    REQUIRE(e.ok());
    body = "orderType=mkt&symbol=PF_XBTUSD&side=buy&size=1.5";
    CHECK(text(e) ==
          "POST /derivatives/api/v3/sendorder HTTP/1.1\r\n"
          "Host: 127.0.0.1:8443\r\n"
          "User-Agent: tickpath\r\n"
          "APIKey: test-key\r\n"
          "Nonce: 1722000000000003\r\n"
          "Authent: " +
              reference_authent(body, "1722000000000003", "/api/v3/sendorder") +
              "\r\n"
              "Content-Type: application/x-www-form-urlencoded\r\n"
              "Content-Length: 48\r\n"
              "\r\n"
              "orderType=mkt&symbol=PF_XBTUSD&side=buy&size=1.5");
  }
}

TEST_CASE("the form body reads back as the fields that were meant, in order") {
  Fixture f;
  oms::Request r = send_order(f.pf, Side::Buy, oms::OrderType::Limit, 64000, 1);
  r.cli = cli("a b&c=d%e+f/\"g'~");
  r.reduce_only = true;
  const EncodedRequest e = f.encoder.encode(r, 1, f.buf);
  REQUIRE(e.ok());
  const auto fields = parse_form(e.post_data);
  REQUIRE(fields.has_value());
  REQUIRE(fields->size() == 7);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"orderType", "lmt"},    {"symbol", "PF_XBTUSD"},           {"side", "buy"},       {"size", "0.0001"},
      {"limitPrice", "64000"}, {"cliOrdId", "a b&c=d%e+f/\"g'~"}, {"reduceOnly", "true"}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    CHECK((*fields)[i].key == want[i].first);
    CHECK((*fields)[i].value == want[i].second);
  }
  // Only unreserved characters remain unescaped (no '+' for space: a '+' means '+' nowhere here).
  CHECK(e.post_data.find("cliOrdId=a%20b%26c%3Dd%25e%2Bf%2F%22g%27~") != std::string_view::npos);
}

// ---------------------------------------------------------------------------------------------
// editorder, cancelorder, cancelallorders, cancelallordersafter, orders/status

TEST_CASE("editorder by venue id with a new size and price, byte for byte") {
  Fixture f;
  oms::Request r = of_kind(RequestKind::EditOrder);
  r.venue_id = venue_id(kUuid);
  r.cli = cli("ignored-when-venue-id-known");
  r.instrument = f.pf;
  r.qty = Qty{5000};
  r.price = Price{64999};
  const EncodedRequest e = f.encoder.encode(r, 1722000000000010, f.buf);
  REQUIRE(e.ok());
  const std::string body = "orderId=f2af600b-5fe8-49be-8983-de874071563b&size=0.5&limitPrice=64999";
  CHECK(text(e) ==
        "POST /derivatives/api/v3/editorder HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000010\r\n"
        "Authent: " +
            reference_authent(body, "1722000000000010", "/api/v3/editorder") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 70\r\n"
            "\r\n"
            "orderId=f2af600b-5fe8-49be-8983-de874071563b&size=0.5&limitPrice=64999");
}

TEST_CASE("editorder by client id, price only, and with neither size nor price") {
  Fixture f;
  oms::Request r = of_kind(RequestKind::EditOrder);
  r.cli = cli("tp 42");
  r.instrument = f.pi;
  r.price = Price{88000};
  EncodedRequest e = f.encoder.encode(r, 1722000000000011, f.buf);
  REQUIRE(e.ok());
  std::string body = "cliOrdId=tp%2042&limitPrice=44000";
  CHECK(text(e) ==
        "POST /derivatives/api/v3/editorder HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000011\r\n"
        "Authent: " +
            reference_authent(body, "1722000000000011", "/api/v3/editorder") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 33\r\n"
            "\r\n"
            "cliOrdId=tp%2042&limitPrice=44000");

  // Nothing to change: still a valid request (the venue answers EDIT_HAS_NO_EFFECT, §5.6), and it
  // needs no instrument.
  oms::Request nothing = of_kind(RequestKind::EditOrder);
  nothing.venue_id = venue_id(kUuid);
  e = f.encoder.encode(nothing, 7, f.buf);
  REQUIRE(e.ok());
  CHECK(e.post_data == "orderId=f2af600b-5fe8-49be-8983-de874071563b");
}

TEST_CASE("cancelorder by venue id (order_id) and by client id, byte for byte") {
  Fixture f;
  oms::Request r = of_kind(RequestKind::CancelOrder);
  r.venue_id = venue_id(kUuid);
  EncodedRequest e = f.encoder.encode(r, 1722000000000020, f.buf);
  REQUIRE(e.ok());
  std::string body = "order_id=f2af600b-5fe8-49be-8983-de874071563b";
  CHECK(text(e) ==
        "POST /derivatives/api/v3/cancelorder HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000020\r\n"
        "Authent: " +
            reference_authent(body, "1722000000000020", "/api/v3/cancelorder") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 45\r\n"
            "\r\n"
            "order_id=f2af600b-5fe8-49be-8983-de874071563b");

  oms::Request by_cli = of_kind(RequestKind::CancelOrder);
  by_cli.cli = cli("tp-7");
  e = f.encoder.encode(by_cli, 1722000000000021, f.buf);
  REQUIRE(e.ok());
  body = "cliOrdId=tp-7";
  CHECK(text(e) ==
        "POST /derivatives/api/v3/cancelorder HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000021\r\n"
        "Authent: " +
            reference_authent(body, "1722000000000021", "/api/v3/cancelorder") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 13\r\n"
            "\r\n"
            "cliOrdId=tp-7");
}

TEST_CASE("cancelallorders for one symbol and for everything (empty body), byte for byte") {
  Fixture f;
  oms::Request r = of_kind(RequestKind::CancelAll);
  r.instrument = f.pf;
  EncodedRequest e = f.encoder.encode(r, 1722000000000030, f.buf);
  REQUIRE(e.ok());
  CHECK(text(e) ==
        "POST /derivatives/api/v3/cancelallorders HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000030\r\n"
        "Authent: " +
            reference_authent("symbol=PF_XBTUSD", "1722000000000030", "/api/v3/cancelallorders") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 16\r\n"
            "\r\n"
            "symbol=PF_XBTUSD");

  e = f.encoder.encode(of_kind(RequestKind::CancelAll), 1722000000000031, f.buf);
  REQUIRE(e.ok());
  CHECK(e.post_data.empty());
  CHECK(text(e) ==
        "POST /derivatives/api/v3/cancelallorders HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000031\r\n"
        "Authent: " +
            reference_authent("", "1722000000000031", "/api/v3/cancelallorders") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST_CASE("cancelallordersafter arms and disarms the dead man's switch, byte for byte") {
  Fixture f;
  oms::Request r = of_kind(RequestKind::CancelAllAfter);
  r.arg = 60;
  EncodedRequest e = f.encoder.encode(r, 1722000000000040, f.buf);
  REQUIRE(e.ok());
  CHECK(text(e) ==
        "POST /derivatives/api/v3/cancelallordersafter HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000040\r\n"
        "Authent: " +
            reference_authent("timeout=60", "1722000000000040", "/api/v3/cancelallordersafter") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 10\r\n"
            "\r\n"
            "timeout=60");
  r.arg = 0;
  e = f.encoder.encode(r, 1722000000000041, f.buf);
  REQUIRE(e.ok());
  CHECK(text(e) ==
        "POST /derivatives/api/v3/cancelallordersafter HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000041\r\n"
        "Authent: " +
            reference_authent("timeout=0", "1722000000000041", "/api/v3/cancelallordersafter") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 9\r\n"
            "\r\n"
            "timeout=0");
}

TEST_CASE("orders/status for one venue id and for one client id, byte for byte") {
  Fixture f;
  oms::Request r = of_kind(RequestKind::OrdersStatus);
  r.venue_id = venue_id(kUuid);
  EncodedRequest e = f.encoder.encode(r, 1722000000000050, f.buf);
  REQUIRE(e.ok());
  std::string body = "orderIds=f2af600b-5fe8-49be-8983-de874071563b";
  CHECK(text(e) ==
        "POST /derivatives/api/v3/orders/status HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000050\r\n"
        "Authent: " +
            reference_authent(body, "1722000000000050", "/api/v3/orders/status") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 45\r\n"
            "\r\n"
            "orderIds=f2af600b-5fe8-49be-8983-de874071563b");

  oms::Request by_cli = of_kind(RequestKind::OrdersStatus);
  by_cli.cli = cli("a&b=c");
  e = f.encoder.encode(by_cli, 1722000000000051, f.buf);
  REQUIRE(e.ok());
  body = "cliOrdIds=a%26b%3Dc";
  CHECK(text(e) ==
        "POST /derivatives/api/v3/orders/status HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000051\r\n"
        "Authent: " +
            reference_authent(body, "1722000000000051", "/api/v3/orders/status") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 19\r\n"
            "\r\n"
            "cliOrdIds=a%26b%3Dc");
}

// ---------------------------------------------------------------------------------------------
// GET queries

TEST_CASE("openorders, openpositions, accounts and newest fills are GETs signed over an empty post_data") {
  Fixture f;
  const struct {
    RequestKind kind;
    const char* expected_line;
    const char* endpoint;
  } cases[] = {
      {RequestKind::OpenOrders, "GET /derivatives/api/v3/openorders HTTP/1.1\r\n", "/api/v3/openorders"},
      {RequestKind::OpenPositions, "GET /derivatives/api/v3/openpositions HTTP/1.1\r\n",
       "/api/v3/openpositions"},
      {RequestKind::Accounts, "GET /derivatives/api/v3/accounts HTTP/1.1\r\n", "/api/v3/accounts"},
      {RequestKind::Fills, "GET /derivatives/api/v3/fills HTTP/1.1\r\n", "/api/v3/fills"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.endpoint);
    const EncodedRequest e = f.encoder.encode(of_kind(c.kind), 1722000000000060, f.buf);
    REQUIRE(e.ok());
    CHECK(e.post_data.empty());
    CHECK(text(e) == std::string(c.expected_line) +
                         "Host: 127.0.0.1:8443\r\n"
                         "User-Agent: tickpath\r\n"
                         "APIKey: test-key\r\n"
                         "Nonce: 1722000000000060\r\n"
                         "Authent: " +
                         reference_authent("", "1722000000000060", c.endpoint) + "\r\n\r\n");
  }
}

TEST_CASE("fills with lastFillTime is a GET with the ISO time percent-encoded in the query") {
  Fixture f;
  oms::Request r = of_kind(RequestKind::Fills);
  r.arg = 1627618780804;  // 2021-07-30T04:19:40.804Z (§2.4)
  const EncodedRequest e = f.encoder.encode(r, 1722000000000070, f.buf);
  REQUIRE(e.ok());
  const std::string query = "lastFillTime=2021-07-30T04%3A19%3A40.804Z";
  CHECK(text(e) ==
        "GET /derivatives/api/v3/fills?lastFillTime=2021-07-30T04%3A19%3A40.804Z HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000070\r\n"
        "Authent: " +
            reference_authent(query, "1722000000000070", "/api/v3/fills") + "\r\n\r\n");
  CHECK(e.post_data == query);
  CHECK(e.post_data.data() == e.bytes.data() + std::string_view("GET /derivatives/api/v3/fills?").size());
}

// ---------------------------------------------------------------------------------------------
// batchorder

TEST_CASE("batchorder: send, edit and cancel items as percent-encoded JSON, byte for byte") {
  Fixture f;
  oms::Request send = send_order(f.pi, Side::Buy, oms::OrderType::Limit, 18800, 1000);
  send.cli = cli("my-1");
  oms::Request edit = of_kind(RequestKind::EditOrder);
  edit.venue_id = venue_id("9c2cbcc8-14f6-42fe-a020-6e395babafd1");
  edit.instrument = f.pi;
  edit.qty = Qty{1000};
  edit.price = Price{18801};
  oms::Request cancel = of_kind(RequestKind::CancelOrder);
  cancel.venue_id = venue_id("566942c8-a3b5-4184-a451-622b09493129");
  const oms::Request items[] = {send, edit, cancel};
  const EncodedRequest e = f.encoder.encode_batch(items, 1722000000000080, f.buf);
  REQUIRE(e.ok());

  const std::string json =
      R"({"batchOrder":[{"order":"send","order_tag":"0","orderType":"lmt","symbol":"PI_XBTUSD","side":"buy",)"
      R"("size":1000,"limitPrice":9400,"cliOrdId":"my-1"},)"
      R"({"order":"edit","order_id":"9c2cbcc8-14f6-42fe-a020-6e395babafd1","size":1000,"limitPrice":9400.5},)"
      R"({"order":"cancel","order_id":"566942c8-a3b5-4184-a451-622b09493129"}]})";
  const std::string body =
      "json=%7B%22batchOrder%22%3A%5B%7B%22order%22%3A%22send%22%2C%22order_tag%22%3A%220%22%2C%22orderType%"
      "22%"
      "3A%22lmt%22%2C%22symbol%22%3A%22PI_XBTUSD%22%2C%22side%22%3A%22buy%22%2C%22size%22%3A1000%2C%"
      "22limitPrice%"
      "22%3A9400%2C%22cliOrdId%22%3A%22my-1%22%7D%2C%7B%22order%22%3A%22edit%22%2C%22order_id%22%3A%"
      "229c2cbcc8-"
      "14f6-42fe-a020-6e395babafd1%22%2C%22size%22%3A1000%2C%22limitPrice%22%3A9400.5%7D%2C%7B%22order%22%3A%"
      "22cancel%22%2C%22order_id%22%3A%22566942c8-a3b5-4184-a451-622b09493129%22%7D%5D%7D";
  CHECK(text(e) ==
        "POST /derivatives/api/v3/batchorder HTTP/1.1\r\n"
        "Host: 127.0.0.1:8443\r\n"
        "User-Agent: tickpath\r\n"
        "APIKey: test-key\r\n"
        "Nonce: 1722000000000080\r\n"
        "Authent: " +
            reference_authent(body, "1722000000000080", "/api/v3/batchorder") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 498\r\n"
            "\r\n" +
            body);
  // One field, json, whose decoded value is the document.
  const auto fields = parse_form(e.post_data);
  REQUIRE(fields.has_value());
  REQUIRE(fields->size() == 1);
  CHECK((*fields)[0].key == "json");
  CHECK((*fields)[0].value == json);
}

TEST_CASE("batchorder: order_tag is the item index, client ids are JSON-escaped then percent-encoded") {
  Fixture f;
  oms::Request a = send_order(f.pf, Side::Sell, oms::OrderType::PostOnly, 70000, 2);
  a.cli = cli(R"(q"b\s)");
  a.reduce_only = true;
  oms::Request b = send_order(f.pf, Side::Buy, oms::OrderType::Market, 0, 3);
  oms::Request c = of_kind(RequestKind::CancelOrder);
  c.cli = cli("x y");
  oms::Request d = of_kind(RequestKind::EditOrder);
  d.cli = cli("tp-9");
  d.instrument = f.pf;
  d.qty = Qty{4};
  const oms::Request items[] = {a, b, c, d};
  const EncodedRequest e = f.encoder.encode_batch(items, 9, f.buf);
  REQUIRE(e.ok());
  const auto fields = parse_form(e.post_data);
  REQUIRE(fields.has_value());
  REQUIRE(fields->size() == 1);
  CHECK(
      (*fields)[0].value ==
      R"({"batchOrder":[)"
      R"({"order":"send","order_tag":"0","orderType":"post","symbol":"PF_XBTUSD","side":"sell","size":0.0002,)"
      R"("limitPrice":70000,"cliOrdId":"q\"b\\s","reduceOnly":true},)"
      R"({"order":"send","order_tag":"1","orderType":"mkt","symbol":"PF_XBTUSD","side":"buy","size":0.0003},)"
      R"({"order":"cancel","cliOrdId":"x y"},)"
      R"({"order":"edit","cliOrdId":"tp-9","size":0.0004}]})");
  // Every byte of the value is unreserved or %XX: nothing was left raw for a form parser to misread.
  for (const char ch : e.post_data.substr(5)) {
    const bool unreserved = std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '-' || ch == '.' ||
                            ch == '_' || ch == '~' || ch == '%';
    CHECK(unreserved);
  }
  CHECK(e.post_data.find("%5C%22") != std::string_view::npos);  // \" inside the JSON string
}

TEST_CASE("a batchorder over 999 bytes moves its body for a four-digit Content-Length") {
  Fixture f;
  std::vector<oms::Request> items;
  for (int i = 0; i < 8; ++i) {
    oms::Request r = send_order(f.pi, Side::Buy, oms::OrderType::Limit, 80000 + i, 10 + i);
    r.cli = cli("batch-item-" + std::to_string(i));
    items.push_back(r);
  }
  const EncodedRequest e = f.encoder.encode_batch(items, 11, f.buf);
  REQUIRE(e.ok());
  REQUIRE(e.post_data.size() >= 1000);
  const std::string length_line = "\r\nContent-Length: " + std::to_string(e.post_data.size()) + "\r\n\r\n";
  const std::string t = text(e);
  CHECK(t.find(length_line) + length_line.size() == t.size() - e.post_data.size());
  CHECK(t.substr(t.size() - e.post_data.size()) == e.post_data);
  CHECK(t.find("Authent: " + reference_authent(e.post_data, "11", "/api/v3/batchorder") + "\r\n") !=
        std::string::npos);
  const auto fields = parse_form(e.post_data);
  REQUIRE(fields.has_value());
  CHECK((*fields)[0].value.find(R"("order_tag":"7","orderType":"lmt","symbol":"PI_XBTUSD","side":"buy",)"
                                R"("size":17,"limitPrice":40003.5,"cliOrdId":"batch-item-7"})") !=
        std::string::npos);
}

TEST_CASE("batchorder refuses an empty batch, other kinds, bad items and a batch that does not fit") {
  Fixture f;
  CHECK_FALSE(f.encoder.encode_batch({}, 1, f.buf).ok());
  CHECK(f.buf.size == 0);

  const oms::Request good = send_order(f.pi, Side::Buy, oms::OrderType::Limit, 100, 1);
  for (const RequestKind k : {RequestKind::CancelAll, RequestKind::CancelAllAfter, RequestKind::BatchOrder,
                              RequestKind::OpenOrders, RequestKind::Fills, RequestKind::OrdersStatus}) {
    CAPTURE(oms::to_string(k));
    const oms::Request items[] = {good, of_kind(k)};
    CHECK_FALSE(f.encoder.encode_batch(items, 1, f.buf).ok());
  }
  oms::Request unknown = good;
  unknown.instrument = InstrumentId{7};
  oms::Request no_id = of_kind(RequestKind::CancelOrder);
  oms::Request edit_no_instrument = of_kind(RequestKind::EditOrder);
  edit_no_instrument.venue_id = venue_id(kUuid);
  edit_no_instrument.price = Price{5};
  oms::Request zero_size = good;
  zero_size.qty = Qty{0};
  for (const oms::Request& bad : {unknown, no_id, edit_no_instrument, zero_size}) {
    const oms::Request items[] = {good, bad};
    CHECK_FALSE(f.encoder.encode_batch(items, 1, f.buf).ok());
    CHECK(f.buf.size == 0);
  }

  // Client ids of 31 reserved characters triple in size twice over (JSON stays, percent triples):
  // the batch grows until it no longer fits, and the last one that fit is within the buffer.
  oms::Request heavy = good;
  heavy.cli = cli(std::string(oms::ClientOrderId::kMaxLength, '/'));
  std::vector<oms::Request> items;
  std::size_t last_ok = 0;
  bool failed = false;
  for (int i = 0; i < 100 && !failed; ++i) {
    items.push_back(heavy);
    const EncodedRequest e = f.encoder.encode_batch(items, 1722000000000090, f.buf);
    if (e.ok()) {
      last_ok = e.bytes.size();
    } else {
      failed = true;
      CHECK(f.buf.size == 0);
    }
  }
  CHECK(failed);
  CHECK(last_ok > RequestBuffer::kCapacity - 300);
  CHECK(last_ok <= RequestBuffer::kCapacity);
}

// ---------------------------------------------------------------------------------------------
// Failures and configuration

TEST_CASE("encode refuses unknown instruments, unformattable values and missing ids") {
  Fixture f;
  const oms::Request good = send_order(f.pi, Side::Buy, oms::OrderType::Limit, 100, 1);
  REQUIRE(f.encoder.encode(good, 1, f.buf).ok());

  std::vector<std::pair<const char*, oms::Request>> bad;
  oms::Request r = good;
  r.instrument = InstrumentId{};  // invalid
  bad.emplace_back("invalid instrument", r);
  r.instrument = InstrumentId{2};  // beyond the registry
  bad.emplace_back("unknown instrument", r);
  r = good;
  r.qty = Qty{0};
  bad.emplace_back("zero size", r);
  r.qty = Qty{-1};
  bad.emplace_back("negative size", r);
  r = good;
  r.price = Price::min();
  bad.emplace_back("limit order without price", r);
  r.price = Price::max();
  bad.emplace_back("limit order at the max sentinel", r);
  r = good;
  r.type = static_cast<oms::OrderType>(9);
  bad.emplace_back("order type out of range", r);
  r = good;
  r.side = static_cast<Side>(2);
  bad.emplace_back("side out of range", r);
  r = of_kind(RequestKind::EditOrder);
  r.instrument = f.pi;
  r.price = Price{10};
  bad.emplace_back("edit without any id", r);
  r.venue_id = venue_id(kUuid);
  r.instrument = InstrumentId{5};
  bad.emplace_back("edit with a price and an unknown instrument", r);
  r.instrument = f.pi;
  r.qty = Qty{-3};
  bad.emplace_back("edit to a negative size", r);
  bad.emplace_back("cancel without any id", of_kind(RequestKind::CancelOrder));
  bad.emplace_back("orders/status without any id", of_kind(RequestKind::OrdersStatus));
  r = of_kind(RequestKind::CancelAll);
  r.instrument = InstrumentId{3};
  bad.emplace_back("cancel-all for an unknown instrument", r);
  r = of_kind(RequestKind::CancelAllAfter);
  r.arg = -1;
  bad.emplace_back("negative dead man's switch timeout", r);
  r = of_kind(RequestKind::Fills);
  r.arg = -5;
  bad.emplace_back("negative lastFillTime", r);
  r.arg = 253402300800000;  // year 10000
  bad.emplace_back("lastFillTime past year 9999", r);
  bad.emplace_back("batchorder through encode", of_kind(RequestKind::BatchOrder));
  bad.emplace_back("kind out of range", of_kind(static_cast<RequestKind>(42)));

  for (const auto& [what, req] : bad) {
    CAPTURE(what);
    f.buf.size = 123;
    const EncodedRequest e = f.encoder.encode(req, 1, f.buf);
    CHECK_FALSE(e.ok());
    CHECK(e.bytes.empty());
    CHECK(f.buf.size == 0);
  }
}

TEST_CASE("the constructor refuses empty or injectable header values and a relative base path") {
  InstrumentRegistry registry(4);
  const Signer signer = *Signer::from_base64_secret(kSecret);
  const auto make = [&](auto edit) {
    OrderEncoderConfig c;
    c.api_key = "key";
    c.host = "localhost";
    edit(c);
    return OrderEncoder(registry, signer, c);
  };
  CHECK_NOTHROW(make([](OrderEncoderConfig&) {}));
  CHECK_THROWS_AS(make([](OrderEncoderConfig& c) { c.api_key.clear(); }), std::invalid_argument);
  CHECK_THROWS_AS(make([](OrderEncoderConfig& c) { c.host.clear(); }), std::invalid_argument);
  CHECK_THROWS_AS(make([](OrderEncoderConfig& c) { c.api_key = "key\r\nX-Evil: 1"; }), std::invalid_argument);
  CHECK_THROWS_AS(make([](OrderEncoderConfig& c) { c.api_key = "two words"; }), std::invalid_argument);
  CHECK_THROWS_AS(make([](OrderEncoderConfig& c) { c.host = "h\n"; }), std::invalid_argument);
  CHECK_THROWS_AS(make([](OrderEncoderConfig& c) { c.user_agent = "ua\r"; }), std::invalid_argument);
  CHECK_THROWS_AS(make([](OrderEncoderConfig& c) { c.base_path = "derivatives/api/v3"; }),
                  std::invalid_argument);
  CHECK_THROWS_AS(make([](OrderEncoderConfig& c) { c.base_path = "/api/v3?x=1"; }), std::invalid_argument);
  CHECK_THROWS_AS(make([](OrderEncoderConfig& c) { c.host = std::string(5000, 'h'); }),
                  std::invalid_argument);
}

TEST_CASE(
    "another base path is signed as it is sent; a trailing slash is dropped; no User-Agent when empty") {
  InstrumentRegistry registry(4);
  const InstrumentId pi =
      registry.add({"PI_XBTUSD", Increment{5, -1}, Increment{1, 0}, ContractKind::Inverse});
  const Signer signer = *Signer::from_base64_secret(kSecret);
  OrderEncoderConfig c;
  c.api_key = "k";
  c.host = "futures.kraken.com";
  c.base_path = "/api/v3/";
  c.user_agent = "";
  const OrderEncoder enc(registry, signer, c);
  CHECK(enc.path(RequestKind::SendOrder) == "/api/v3/sendorder");
  CHECK(enc.path(RequestKind::OrdersStatus) == "/api/v3/orders/status");
  oms::Request r = of_kind(RequestKind::CancelAll);
  r.instrument = pi;
  RequestBuffer buf;
  const EncodedRequest e = enc.encode(r, 5, buf);
  REQUIRE(e.ok());
  CHECK(text(e) ==
        "POST /api/v3/cancelallorders HTTP/1.1\r\n"
        "Host: futures.kraken.com\r\n"
        "APIKey: k\r\n"
        "Nonce: 5\r\n"
        "Authent: " +
            reference_authent("symbol=PI_XBTUSD", "5", "/api/v3/cancelallorders") +
            "\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 16\r\n"
            "\r\n"
            "symbol=PI_XBTUSD");
}

TEST_CASE("encoding is a pure function of request and nonce, a buffer is reused cleanly") {
  Fixture f;
  const oms::Request big = send_order(f.pi, Side::Buy, oms::OrderType::Limit, 100, 1);
  oms::Request small = of_kind(RequestKind::CancelAllAfter);
  small.arg = 5;
  RequestBuffer other;
  const std::string first = text(f.encoder.encode(big, 77, f.buf));
  const std::string small_text = text(f.encoder.encode(small, 78, f.buf));
  const std::string again = text(f.encoder.encode(big, 77, other));
  CHECK(first == again);
  CHECK(small_text.size() < first.size());
  CHECK(small_text.ends_with("\r\n\r\ntimeout=5"));
  CHECK(text(f.encoder.encode(big, 78, f.buf)) != first);  // the nonce is signed
}

// ---------------------------------------------------------------------------------------------
// Nonces, formatters

TEST_CASE(
    "nonces strictly increase: microseconds of the wall clock, +1 when the clock stalls or steps back") {
  NonceSource n;
  CHECK(n.next(1'722'000'000'123'456'789) == 1'722'000'000'123'456U);
  CHECK(n.next(1'722'000'000'123'456'789) == 1'722'000'000'123'457U);  // same wall time
  CHECK(n.next(1'722'000'000'123'456'999) == 1'722'000'000'123'458U);  // same microsecond
  CHECK(n.next(1'000'000'000'000'000'000) == 1'722'000'000'123'459U);  // clock stepped back
  CHECK(n.next(1'722'000'000'200'000'000) == 1'722'000'000'200'000U);  // clock caught up
  CHECK(n.last() == 1'722'000'000'200'000U);
  NonceSource z;
  CHECK(z.next(-5) == 1);
  CHECK(z.next(0) == 2);
  std::uint64_t prev = 0;
  std::mt19937_64 rng(5);
  NonceSource r;
  for (int i = 0; i < 10'000; ++i) {
    const auto t = static_cast<std::int64_t>(rng() % 2'000'000'000'000'000'000ULL);
    const std::uint64_t v = r.next(t);
    REQUIRE(v > prev);
    prev = v;
  }
}

TEST_CASE("the Nonce header and the signed nonce are the decimal text of any 64-bit nonce") {
  Fixture f;
  oms::Request r = of_kind(RequestKind::CancelAllAfter);
  r.arg = 1234567890123;  // also exercises a 13-digit timeout
  std::vector<std::uint64_t> values = {0, 1, 9, 10, 99, 100, 999'999, 1'000'000, UINT64_MAX - 1, UINT64_MAX};
  std::uint64_t p = 1;
  for (int i = 0; i < 19; ++i) {
    p *= 10;
    values.push_back(p - 1);
    values.push_back(p);
  }
  for (const std::uint64_t n : values) {
    CAPTURE(n);
    const EncodedRequest e = f.encoder.encode(r, n, f.buf);
    REQUIRE(e.ok());
    const std::string nonce = std::to_string(n);
    CHECK(e.nonce == n);
    CHECK(e.post_data == "timeout=1234567890123");
    CHECK(text(e).find("\r\nNonce: " + nonce + "\r\nAuthent: " +
                       reference_authent("timeout=1234567890123", nonce, "/api/v3/cancelallordersafter") +
                       "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 21\r\n\r\n"
                       "timeout=1234567890123") != std::string::npos);
  }
}

TEST_CASE("format_iso_millis matches gmtime_r and the protocol's examples") {
  char out[kIsoMillisLength];
  REQUIRE(format_iso_millis(1627618780804, out) == kIsoMillisLength);
  CHECK(std::string_view(out, sizeof out) == "2021-07-30T04:19:40.804Z");
  REQUIRE(format_iso_millis(0, out) == kIsoMillisLength);
  CHECK(std::string_view(out, sizeof out) == "1970-01-01T00:00:00.000Z");
  REQUIRE(format_iso_millis(1709164800007, out) == kIsoMillisLength);
  CHECK(std::string_view(out, sizeof out) == "2024-02-29T00:00:00.007Z");
  REQUIRE(format_iso_millis(951868799999, out) == kIsoMillisLength);
  CHECK(std::string_view(out, sizeof out) == "2000-02-29T23:59:59.999Z");
  REQUIRE(format_iso_millis(253402300799999, out) == kIsoMillisLength);
  CHECK(std::string_view(out, sizeof out) == "9999-12-31T23:59:59.999Z");
  CHECK(format_iso_millis(253402300800000, out) == 0);
  CHECK(format_iso_millis(-1, out) == 0);

  std::mt19937_64 rng(42);
  for (int i = 0; i < 20'000; ++i) {
    const auto ms = static_cast<std::int64_t>(rng() % 253402300800000ULL);
    const auto secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    REQUIRE(gmtime_r(&secs, &tm) != nullptr);
    char want[96];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    REQUIRE(format_iso_millis(ms, out) == kIsoMillisLength);
    REQUIRE(std::string_view(out, sizeof out) == want);
  }
}

TEST_CASE("format_uuid writes lowercase 8-4-4-4-12") {
  char out[kUuidTextLength];
  format_uuid(uuid_bytes("F2AF600B-5FE8-49BE-8983-DE874071563B"), out);
  CHECK(std::string_view(out, sizeof out) == kUuid);
  std::array<std::uint8_t, 16> all{};
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = static_cast<std::uint8_t>(i * 17);
  }
  format_uuid(all, out);
  CHECK(std::string_view(out, sizeof out) == "00112233-4455-6677-8899-aabbccddeeff");
}

// ---------------------------------------------------------------------------------------------
// No allocation

TEST_CASE("1000 encodes of every kind and 100 batches allocate nothing") {
  Fixture f;
  oms::Request send = send_order(f.pf, Side::Buy, oms::OrderType::Limit, 64000, 12);
  send.cli = cli("tp/alloc+check=1");
  oms::Request edit = of_kind(RequestKind::EditOrder);
  edit.venue_id = venue_id(kUuid);
  edit.instrument = f.pf;
  edit.qty = Qty{3};
  edit.price = Price{64001};
  oms::Request cancel = of_kind(RequestKind::CancelOrder);
  cancel.cli = cli("tp-1");
  oms::Request fills = of_kind(RequestKind::Fills);
  fills.arg = 1627618780804;
  const oms::Request batch[] = {send, edit, cancel};
  std::vector<oms::Request> all = {send,
                                   edit,
                                   cancel,
                                   fills,
                                   of_kind(RequestKind::CancelAll),
                                   of_kind(RequestKind::CancelAllAfter),
                                   of_kind(RequestKind::OpenOrders),
                                   of_kind(RequestKind::OpenPositions),
                                   of_kind(RequestKind::Accounts)};
  NonceSource nonces;
  std::size_t bytes = 0;
  std::size_t failures = 0;

  tickpath::test::alloc_count_start();
  for (int i = 0; i < 1000; ++i) {
    const EncodedRequest e = f.encoder.encode(send, nonces.next(1'722'000'000'000'000'000 + i), f.buf);
    bytes += e.bytes.size();
    failures += e.ok() ? 0U : 1U;
  }
  for (int i = 0; i < 100; ++i) {
    for (const oms::Request& r : all) {
      const EncodedRequest e = f.encoder.encode(r, nonces.next(0), f.buf);
      failures += e.ok() ? 0U : 1U;
    }
    const EncodedRequest e = f.encoder.encode_batch(batch, nonces.next(0), f.buf);
    failures += e.ok() ? 0U : 1U;
  }
  const tickpath::test::AllocCounts allocs = tickpath::test::alloc_count_stop();

  CHECK(failures == 0);
  CHECK(bytes > std::size_t{300'000});
  CHECK(allocs.news == 0);
  if (tickpath::test::crypto_alloc_hooks_installed()) {
    CHECK(allocs.crypto_allocs == 0);
  } else {
    WARN("OpenSSL's allocator hook could not be installed; only operator new was counted");
  }
  // The counter itself works.
  tickpath::test::AllocScope scope;
  std::vector<int> v(3);
  CHECK(scope.stop().news == 1);
}
