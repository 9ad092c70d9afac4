#include "tickpath/net/https_get.hpp"

#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tickpath/net/tls_context.hpp"
#include "tickpath/net/url.hpp"

namespace tickpath::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kMaxHeaderBytes = 64U * 1024U;

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != prefix[i]) {
      return false;
    }
  }
  return true;
}

WsUrl as_ws_url(const HttpUrl& u) {
  return WsUrl{u.tls, u.host, u.port, u.target};
}

// One request as a chain of steps: resolve -> connect -> TLS handshake (https) -> write -> read.
// Each network step is an asynchronous operation on a private io_context that run() drives to
// completion on the calling thread, so beast::tcp_stream's expiry (set once, to the request's
// deadline) bounds connect, handshake, write and read together: Beast applies timeouts to
// asynchronous operations only, never to its synchronous calls.
class Request {
 public:
  Request(const HttpUrl& url, const HttpGetOptions& options)
      : url_(url), options_(options), name_(url.to_string()), deadline_(Clock::now() + options.timeout) {}

  HttpResponse plain() {
    beast::tcp_stream stream(ioc_);
    connect(stream, resolve());
    return exchange(stream);
  }

  HttpResponse tls(const TlsContext& context) {
    // The SSL object carries SNI (DNS names) and the expected peer identity (DNS name, or IP
    // literal checked against IP SANs), both set by TlsContext; the stream takes ownership.
    asio::ssl::stream<beast::tcp_stream> stream(ioc_, context.new_client_session(url_.host));
    connect(stream.next_layer(), resolve());
    tls_handshake(stream);
    // No close_notify on the way out: the body is complete by HTTP framing (Content-Length or
    // chunked), and an EOF-delimited body cut short surfaces as stream_truncated in read.
    return exchange(stream);
  }

 private:
  [[noreturn]] void fail(std::string_view step, const std::string& why) const {
    throw std::runtime_error("GET " + name_ + ": " + std::string(step) + " failed: " + why);
  }

  [[noreturn]] void fail(std::string_view step, const error_code& ec) const {
    if (ec == beast::error::timeout) {
      throw std::runtime_error("GET " + name_ + ": timed out after " +
                               std::to_string(options_.timeout.count()) + " ms (during " + std::string(step) +
                               ")");
    }
    fail(step, ec.message());
  }

  // Runs the one pending operation (and the stream's timer) to completion.
  void run() {
    ioc_.run();
    ioc_.restart();
  }

  tcp::resolver::results_type resolve() {
    tcp::resolver resolver(ioc_);
    error_code ec;
    // Blocking getaddrinfo: it cannot be cancelled (see HttpGetOptions::timeout).
    tcp::resolver::results_type endpoints =
        resolver.resolve(url_.host, std::to_string(url_.port), tcp::resolver::numeric_service, ec);
    if (ec) {
      fail("resolve", ec);
    }
    if (Clock::now() >= deadline_) {
      fail("resolve", beast::error::timeout);
    }
    return endpoints;
  }

  void connect(beast::tcp_stream& stream, const tcp::resolver::results_type& endpoints) {
    stream.expires_at(deadline_);  // stays in force for every later step on this stream
    error_code ec;
    stream.async_connect(endpoints, [&ec](const error_code& e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      fail("connect", ec);
    }
  }

  void tls_handshake(asio::ssl::stream<beast::tcp_stream>& stream) {
    error_code ec;
    stream.async_handshake(asio::ssl::stream_base::client, [&ec](const error_code& e) { ec = e; });
    run();
    if (!ec) {
      return;
    }
    if (ec == beast::error::timeout) {
      fail("TLS handshake", ec);
    }
    std::string why = ec.message();
    const long verify = SSL_get_verify_result(stream.native_handle());
    if (verify != X509_V_OK) {
      why += " (";
      why += X509_verify_cert_error_string(verify);
      why += ")";
    }
    fail("TLS handshake", why);
  }

  template <typename Stream>
  HttpResponse exchange(Stream& stream) {
    http::request<http::empty_body> request{http::verb::get, url_.target, 11};
    request.set(http::field::host, url_.host_header());
    request.set(http::field::user_agent, options_.user_agent);
    request.set(http::field::accept, options_.accept);
    request.set(http::field::connection, "close");
    error_code ec;
    http::async_write(stream, request, [&ec](const error_code& e, std::size_t) { ec = e; });
    run();
    if (ec) {
      fail("write", ec);
    }

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
    http::async_read(stream, buffer, parser, [&ec](const error_code& e, std::size_t) { ec = e; });
    run();
    if (ec == http::error::body_limit) {
      fail("read", "body larger than " + std::to_string(options_.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      fail("read", "header larger than " + std::to_string(kMaxHeaderBytes) + " bytes");
    }
    if (ec) {
      fail("read", ec);
    }
    HttpResponse out;
    out.status = parser.get().result_int();
    out.body = std::move(parser.get().body());
    return out;
  }

  const HttpUrl& url_;
  const HttpGetOptions& options_;
  const std::string name_;
  const Clock::time_point deadline_;
  asio::io_context ioc_{1};
};

}  // namespace

std::string HttpUrl::host_header() const {
  return as_ws_url(*this).host_header();
}

std::string HttpUrl::to_string() const {
  return (tls ? "https://" : "http://") + host_header() + target;
}

std::optional<HttpUrl> parse_http_url(std::string_view text, std::string* error) {
  // The authority/path rules are the websocket URL's (url.hpp); only the schemes differ.
  std::string as_ws;
  if (starts_with_ci(text, "https://")) {
    as_ws = "wss://" + std::string(text.substr(8));
  } else if (starts_with_ci(text, "http://")) {
    as_ws = "ws://" + std::string(text.substr(7));
  } else {
    if (error != nullptr) {
      *error = "url scheme must be http:// or https://";
    }
    return std::nullopt;
  }
  std::optional<WsUrl> ws = parse_ws_url(as_ws, error);
  if (!ws) {
    return std::nullopt;
  }
  return HttpUrl{ws->tls, std::move(ws->host), ws->port, std::move(ws->target)};
}

HttpResponse https_get(std::string_view url, const TlsContext& tls, const HttpGetOptions& options) {
  std::string error;
  const std::optional<HttpUrl> parsed = parse_http_url(url, &error);
  if (!parsed) {
    throw std::invalid_argument("GET " + std::string(url) + ": " + error);
  }
  if (options.timeout.count() <= 0) {
    throw std::invalid_argument("GET " + parsed->to_string() + ": timeout must be positive");
  }
  Request request(*parsed, options);
  return parsed->tls ? request.tls(tls) : request.plain();
}

}  // namespace tickpath::net
