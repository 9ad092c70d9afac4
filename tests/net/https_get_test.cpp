// net::https_get and kraken_futures::fetch_instruments against a real HTTP(S) server on loopback
// (Beast, synchronous, its own thread; certificate from net::generate_self_signed, trusted
// through a CA file like the simulator's).

#include "tickpath/net/https_get.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>
#include <openssl/ssl.h>

#include "tickpath/net/tls_cert.hpp"
#include "tickpath/net/tls_context.hpp"
#include "tickpath/venue/kraken_futures/instruments.hpp"

#include "net/ws_test_server.hpp"
#include "support/network.hpp"
#include "support/samples.hpp"

namespace net = tickpath::net;
namespace kf = tickpath::venue::kraken_futures;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Catch::Matchers::Contains;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

namespace {

constexpr const char* kInstrumentsPath = "/derivatives/api/v3/instruments";

// Shaped like the 2026 production answer (kraken-futures-protocol.md §3.1, §3.2): an inverse
// perpetual, a linear perpetual with contractValueTradePrecision 4 and tickSize as a string
// (§2.3), an inverse future, and an index row that is skipped.
constexpr const char* kInstrumentsJson = R"({"result":"success","instruments":[
{"symbol":"PI_XBTUSD","type":"futures_inverse","underlying":"rr_xbtusd","tickSize":0.5,"contractSize":1,
 "tradeable":true,"impactMidSize":1,"maxPositionSize":1000000,"openingDate":"2022-01-01T00:00:00.000Z",
 "marginLevels":[{"contracts":0,"initialMargin":0.02,"maintenanceMargin":0.01}],
 "fundingRateCoefficient":8,"maxRelativeFundingRate":0.001,"isin":"GB00J62YGL67",
 "contractValueTradePrecision":0,"postOnly":false,"feeScheduleUid":"eef90775-995b-4596-9257-0917f6134766",
 "retailMarginLevels":[{"contracts":0,"initialMargin":0.5,"maintenanceMargin":0.25}],"category":"","tags":[]},
{"symbol":"PF_XBTUSD","type":"flexible_futures","tickSize":"1","contractSize":1,"tradeable":true,
 "impactMidSize":1,"maxPositionSize":1000000,"openingDate":"2022-01-01T00:00:00.000Z",
 "marginLevels":[{"numNonContractUnits":0,"initialMargin":0.02,"maintenanceMargin":0.01}],
 "fundingRateCoefficient":8,"maxRelativeFundingRate":0.25,"contractValueTradePrecision":4,"postOnly":false,
 "base":"BTC","quote":"USD","pair":"BTC:USD","category":"Layer 1","tags":[],"tradfi":false,"mtf":false},
{"symbol":"FI_XBTUSD_261225","type":"futures_inverse","underlying":"rr_xbtusd","tickSize":0.5,
 "contractSize":1,"tradeable":true,"lastTradingTime":"2026-12-25T16:00:00.000Z",
 "contractValueTradePrecision":0,"marginLevels":[{"contracts":0,"initialMargin":0.02,"maintenanceMargin":0.01}]},
{"symbol":"in_xbtusd","type":"spot index","tradeable":false}
],"serverTime":"2026-09-25T17:54:01.754Z"})";

struct Route {
  unsigned status{200};
  std::string content_type{"application/json"};
  std::string body;
};

// One thread accepting and serving connections one at a time: GET <path> answers the route
// registered for the path (404 with an error envelope otherwise). With hang() set, it reads the
// request and never answers until stopped. Every answer carries a Set-Cookie header whose value
// must never show up in a client's error message.
class LoopbackHttpServer {
 public:
  explicit LoopbackHttpServer(const net::PemCertificate* cert)
      : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    if (cert != nullptr) {
      tls_.emplace(asio::ssl::context::tls_server);
      tls_->use_certificate_chain(asio::buffer(cert->certificate_pem));
      tls_->use_private_key(asio::buffer(cert->private_key_pem), asio::ssl::context::pem);
    }
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackHttpServer() { stop(); }
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  void route(const std::string& path, Route r) {
    const std::lock_guard lock(mutex_);
    routes_[path] = std::move(r);
  }
  void hang() { hang_ = true; }

  [[nodiscard]] std::string url(const std::string& host, const std::string& path) const {
    return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_) + path;
  }
  [[nodiscard]] int requests() const noexcept { return requests_.load(); }
  [[nodiscard]] std::string last_sni() const {
    const std::lock_guard lock(mutex_);
    return last_sni_;
  }

  void stop() {
    if (!thread_.joinable()) {
      return;
    }
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    asio::io_context ioc;
    tcp::socket poke(ioc);
    boost::system::error_code ec;
    poke.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);  // unblocks accept()
    thread_.join();
  }

 private:
  bool stopping() {
    const std::lock_guard lock(mutex_);
    return stop_;
  }

  void serve() {
    for (;;) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (stopping()) {
        return;
      }
      if (ec) {
        continue;
      }
      if (!tls_) {
        answer(socket);
        continue;
      }
      asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (ec) {
        continue;  // e.g. the client rejected our certificate
      }
      if (const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name)) {
        const std::lock_guard lock(mutex_);
        last_sni_ = sni;
      }
      answer(stream);
    }
  }

  template <typename Stream>
  void answer(Stream& stream) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    boost::system::error_code ec;
    http::read(stream, buffer, request, ec);
    if (ec) {
      return;
    }
    ++requests_;
    std::unique_lock lock(mutex_);
    if (hang_) {
      wake_.wait(lock, [this] { return stop_; });
      return;
    }
    const auto it = routes_.find(std::string(request.target()));
    const Route r =
        it != routes_.end()
            ? it->second
            : Route{
                  404, "application/json",
                  R"({"status":"NOT_FOUND","result":"error","errors":[{"code":0,"message":"404 NOT_FOUND"}],)"
                  R"("serverTime":"2026-09-25T17:54:01.754Z"})"};
    lock.unlock();
    http::response<http::string_body> response{static_cast<http::status>(r.status), request.version()};
    response.set(http::field::content_type, r.content_type);
    response.set(http::field::set_cookie, "session=secret-cookie-value");
    response.body() = r.body;
    response.prepare_payload();
    http::write(stream, response, ec);
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::optional<asio::ssl::context> tls_;
  std::uint16_t port_{0};
  mutable std::mutex mutex_;  // guards routes_, stop_, last_sni_
  std::condition_variable wake_;
  std::map<std::string, Route> routes_;
  bool stop_{false};
  std::string last_sni_;
  std::atomic<bool> hang_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

net::TlsContext trusting(const std::string& ca_file) {
  return net::TlsContext(net::TlsConfig{.use_system_trust = false, .ca_file = ca_file});
}

const net::PemCertificate& server_cert() {
  static const net::PemCertificate cert = net::generate_self_signed();
  return cert;
}

std::string base_url(const LoopbackHttpServer& server, const std::string& host = "127.0.0.1") {
  return server.url(host, "/derivatives/api/v3");
}

}  // namespace

TEST_CASE("parses http and https urls with default ports", "[net][https_get]") {
  const auto a = net::parse_http_url("HTTPS://Futures.Kraken.com/derivatives/api/v3/instruments");
  REQUIRE(a);
  CHECK(a->tls);
  CHECK(a->host == "futures.kraken.com");
  CHECK(a->port == 443);
  CHECK(a->target == "/derivatives/api/v3/instruments");
  CHECK(a->to_string() == "https://futures.kraken.com/derivatives/api/v3/instruments");
  const auto b = net::parse_http_url("http://[::1]:8080");
  REQUIRE(b);
  CHECK_FALSE(b->tls);
  CHECK(b->port == 8080);
  CHECK(b->target == "/");
  CHECK(b->host_header() == "[::1]:8080");
  std::string error;
  CHECK_FALSE(net::parse_http_url("wss://futures.kraken.com/ws/v1", &error));
  CHECK(error == "url scheme must be http:// or https://");
  CHECK_FALSE(net::parse_http_url("https://user@host/", &error));
  CHECK_FALSE(net::parse_http_url("https://host:0/", &error));
}

TEST_CASE("fetches /instruments over https and reads increments and contract kinds", "[net][https_get]") {
  const net::test::TempFile ca(server_cert().certificate_pem);
  LoopbackHttpServer server(&server_cert());
  server.route(kInstrumentsPath, Route{200, "application/json", kInstrumentsJson});
  const net::TlsContext tls = trusting(ca.path());

  const kf::InstrumentList list = kf::fetch_instruments(base_url(server) + "/", tls, milliseconds{5000});
  REQUIRE(list.specs.size() == 3);
  CHECK(list.specs[0].symbol == "PI_XBTUSD");
  CHECK(list.specs[0].tick_size == tickpath::Increment{5, -1});
  CHECK(list.specs[0].size_step == tickpath::Increment{1, 0});
  CHECK(list.specs[0].kind == tickpath::ContractKind::Inverse);
  CHECK(list.specs[1].symbol == "PF_XBTUSD");
  CHECK(list.specs[1].tick_size == tickpath::Increment{1, 0});
  CHECK(list.specs[1].size_step == tickpath::Increment{1, -4});
  CHECK(list.specs[1].kind == tickpath::ContractKind::Linear);
  CHECK(list.specs[2].symbol == "FI_XBTUSD_261225");
  CHECK(list.specs[2].tick_size == tickpath::Increment{5, -1});
  CHECK(list.specs[2].kind == tickpath::ContractKind::Inverse);
  REQUIRE(list.skipped.size() == 1);
  CHECK(list.skipped[0].symbol == "in_xbtusd");
  CHECK(server.requests() == 1);
}

TEST_CASE("sends SNI and verifies a DNS name against the certificate", "[net][https_get]") {
  TICKPATH_REQUIRE_LOCALHOST();
  const net::test::TempFile ca(server_cert().certificate_pem);
  LoopbackHttpServer server(&server_cert());
  server.route("/x", Route{200, "text/plain", "hello"});
  const net::TlsContext tls = trusting(ca.path());
  const net::HttpResponse r = net::https_get(server.url("localhost", "/x"), tls);
  CHECK(r.status == 200);
  CHECK(r.body == "hello");
  CHECK(server.last_sni() == "localhost");
}

TEST_CASE("plain http works for local simulators", "[net][https_get]") {
  LoopbackHttpServer server(nullptr);
  server.route("/x?y=1", Route{200, "text/plain", "plain"});
  const net::TlsContext tls = trusting("");
  const net::HttpResponse r = net::https_get(server.url("127.0.0.1", "/x?y=1"), tls);
  CHECK(r.status == 200);
  CHECK(r.body == "plain");
}

TEST_CASE("a certificate from another CA fails verification and nothing is requested", "[net][https_get]") {
  const net::PemCertificate other = net::generate_self_signed();
  const net::test::TempFile wrong_ca(other.certificate_pem);
  LoopbackHttpServer server(&server_cert());
  server.route(kInstrumentsPath, Route{200, "application/json", kInstrumentsJson});
  const net::TlsContext tls = trusting(wrong_ca.path());
  const std::string url = base_url(server) + "/instruments";
  REQUIRE_THROWS_WITH(
      kf::fetch_instruments(base_url(server), tls, milliseconds{5000}),
      Contains("GET " + url + ": TLS handshake failed") && Contains("certificate verify failed"));
  CHECK(server.requests() == 0);
}

TEST_CASE("an IP literal is checked against the certificate's IP SANs", "[net][https_get]") {
  const net::PemCertificate cert =
      net::generate_self_signed({.dns_names = {"localhost"}, .ip_addresses = {"127.0.0.2"}});
  const net::test::TempFile ca(cert.certificate_pem);
  LoopbackHttpServer server(&cert);
  server.route("/x", Route{200, "text/plain", "hello"});
  const net::TlsContext tls = trusting(ca.path());
  REQUIRE_THROWS_WITH(net::https_get(server.url("127.0.0.1", "/x"), tls),
                      Contains("TLS handshake failed") && Contains("IP address mismatch"));
  CHECK(server.requests() == 0);
  if (tickpath::test::localhost_resolves()) {
    CHECK(net::https_get(server.url("localhost", "/x"), tls).body == "hello");  // the DNS SAN matches
  }
}

TEST_CASE("an HTML page with status 200 is an error, not an empty list", "[net][https_get]") {
  const net::test::TempFile ca(server_cert().certificate_pem);
  LoopbackHttpServer server(&server_cert());
  server.route(kInstrumentsPath,
               Route{200, "text/html",
                     "<!DOCTYPE html>\n<html><head><title>Kraken</title></head><body></body></html>"});
  const net::TlsContext tls = trusting(ca.path());
  REQUIRE_THROWS_WITH(kf::fetch_instruments(base_url(server), tls, milliseconds{5000}),
                      Contains(base_url(server) + "/instruments: HTTP 200: the body is not JSON") &&
                          Contains("<!DOCTYPE html>"));
}

TEST_CASE("a 404 and an error envelope name the status and the venue's message", "[net][https_get]") {
  const net::test::TempFile ca(server_cert().certificate_pem);
  LoopbackHttpServer server(&server_cert());
  const net::TlsContext tls = trusting(ca.path());
  // No route: the server answers shape C of protocol §5.2.
  std::string message;
  try {
    (void)kf::fetch_instruments(base_url(server), tls, milliseconds{5000});
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  CHECK_THAT(message,
             Contains("GET " + base_url(server) + "/instruments: HTTP 404: result 'error': 404 NOT_FOUND"));
  CHECK_THAT(message, !Contains("secret-cookie"));

  server.route(
      kInstrumentsPath,
      Route{200, "application/json",
            R"({"result":"error","error":"apiLimitExceeded","serverTime":"2026-09-25T17:54:01.754Z"})"});
  REQUIRE_THROWS_WITH(kf::fetch_instruments(base_url(server), tls, milliseconds{5000}),
                      Contains("HTTP 200: result 'error': apiLimitExceeded"));

  server.route(kInstrumentsPath, Route{503, "text/plain", "Service Unavailable"});
  REQUIRE_THROWS_WITH(kf::fetch_instruments(base_url(server), tls, milliseconds{5000}),
                      Contains("HTTP 503: the body is not JSON (starts with 'Service Unavailable')"));
}

TEST_CASE("a server that accepts but never answers times out within the bound", "[net][https_get]") {
  const net::test::TempFile ca(server_cert().certificate_pem);
  const net::TlsContext tls = trusting(ca.path());
  constexpr milliseconds kTimeout{300};
  // Sanitizer builds and a busy CI box: generous slack above the bound, none below it.
  constexpr milliseconds kSlack{3000};

  SECTION("after the TLS handshake, while reading the answer") {
    LoopbackHttpServer server(&server_cert());
    server.hang();
    const auto start = std::chrono::steady_clock::now();
    REQUIRE_THROWS_WITH(
        kf::fetch_instruments(base_url(server), tls, kTimeout),
        Contains("GET " + base_url(server) + "/instruments: timed out after 300 ms (during read)"));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed >= kTimeout - milliseconds{20});
    CHECK(elapsed < kTimeout + kSlack);
    CHECK(server.requests() == 1);
  }
  SECTION("before the TLS handshake (the listener never accepts)") {
    const net::test::SilentListener silent;
    const auto start = std::chrono::steady_clock::now();
    REQUIRE_THROWS_WITH(net::https_get("https://127.0.0.1:" + std::to_string(silent.port()) + "/", tls,
                                       net::HttpGetOptions{.timeout = kTimeout}),
                        Contains("timed out after 300 ms (during TLS handshake)"));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed >= kTimeout - milliseconds{20});
    CHECK(elapsed < kTimeout + kSlack);
  }
}

TEST_CASE("refused connections and oversized bodies fail with the step named", "[net][https_get]") {
  const net::TlsContext tls = trusting("");
  REQUIRE_THROWS_WITH(
      net::https_get("http://127.0.0.1:" + std::to_string(net::test::closed_port()) + "/", tls),
      Contains("connect failed"));
  LoopbackHttpServer server(nullptr);
  server.route("/big", Route{200, "application/json", std::string(4096, 'x')});
  REQUIRE_THROWS_WITH(
      net::https_get(server.url("127.0.0.1", "/big"), tls, net::HttpGetOptions{.max_body_bytes = 1000}),
      Contains("read failed: body larger than 1000 bytes"));
  REQUIRE_THROWS_AS(net::https_get("ftp://127.0.0.1/", tls), std::invalid_argument);
}
