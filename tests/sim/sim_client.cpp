#include "sim/sim_client.hpp"

#include <stdexcept>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "tickpath/net/url.hpp"
#include "tickpath/venue/kraken_futures/auth.hpp"

namespace tickpath::sim::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr auto kDeadline = std::chrono::seconds(10);

// Runs the io_context until done is set or the deadline passes; false on timeout.
bool run_until(asio::io_context& io, const bool& done, std::chrono::steady_clock::duration timeout) {
  io.restart();
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < until) {
    io.run_one_until(until);
  }
  return done;
}

asio::ssl::context client_tls(const Endpoints& endpoints) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  if (!endpoints.ca_pem.empty()) {
    ctx.add_certificate_authority(asio::buffer(endpoints.ca_pem));
    ctx.set_verify_mode(asio::ssl::verify_peer);
  }
  return ctx;
}

bool is_tls(const Endpoints& endpoints) {
  return endpoints.rest_url.rfind("https://", 0) == 0;
}

}  // namespace

std::string field(std::string_view json, std::string_view key) {
  const std::string pattern = "\"" + std::string(key) + "\":\"";
  const std::size_t at = json.find(pattern);
  if (at == std::string_view::npos) {
    return {};
  }
  const std::size_t start = at + pattern.size();
  const std::size_t end = json.find('"', start);
  return std::string(json.substr(start, end - start));
}

std::optional<std::int64_t> int_field(std::string_view json, std::string_view key) {
  const std::string pattern = "\"" + std::string(key) + "\":";
  const std::size_t at = json.find(pattern);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  std::size_t i = at + pattern.size();
  const bool negative = i < json.size() && json[i] == '-';
  i += negative ? 1 : 0;
  if (i >= json.size() || json[i] < '0' || json[i] > '9') {
    return std::nullopt;
  }
  std::int64_t v = 0;
  for (; i < json.size() && json[i] >= '0' && json[i] <= '9'; ++i) {
    v = v * 10 + (json[i] - '0');
  }
  return negative ? -v : v;
}

struct RestClient::Impl {
  explicit Impl(const Endpoints& e) : endpoints(e), tls_ctx(client_tls(e)), tls(is_tls(e)) {}

  Endpoints endpoints;
  asio::io_context io;
  asio::ssl::context tls_ctx;
  bool tls;
  std::optional<asio::ssl::stream<tcp::socket>> tls_stream;
  std::optional<tcp::socket> plain;
  beast::flat_buffer buffer;

  tcp::socket& socket() { return tls ? tls_stream->next_layer() : *plain; }

  void connect() {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), endpoints.port);
    if (tls) {
      tls_stream.emplace(io, tls_ctx);
      tls_stream->next_layer().connect(ep);
      tls_stream->next_layer().set_option(tcp::no_delay(true));
      tls_stream->handshake(asio::ssl::stream_base::client);
    } else {
      plain.emplace(io);
      plain->connect(ep);
      plain->set_option(tcp::no_delay(true));
    }
    buffer.clear();
  }

  bool open() {
    return tls ? (tls_stream && tls_stream->next_layer().is_open()) : (plain && plain->is_open());
  }

  void close() {
    if (tls_stream) {
      error_code ec;
      tls_stream->next_layer().close(ec);
      tls_stream.reset();
    }
    if (plain) {
      error_code ec;
      plain->close(ec);
      plain.reset();
    }
  }

  template <class Op>
  bool run_op(Op&& op) {
    bool done = false;
    error_code result;
    op([&](error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    if (!run_until(io, done, kDeadline)) {
      close();
      io.restart();
      io.run();  // the aborted handler refers to this frame: let it run before returning
      return false;
    }
    return !result;
  }

  Reply exchange(http::request<http::string_body>& req) {
    if (!open()) {
      connect();
    }
    req.set(http::field::host, "127.0.0.1");
    req.prepare_payload();
    bool ok = tls ? run_op([&](auto h) { http::async_write(*tls_stream, req, h); })
                  : run_op([&](auto h) { http::async_write(*plain, req, h); });
    if (!ok) {
      close();
      return Reply{};
    }
    http::response<http::string_body> res;
    ok = tls ? run_op([&](auto h) { http::async_read(*tls_stream, buffer, res, h); })
             : run_op([&](auto h) { http::async_read(*plain, buffer, res, h); });
    if (!ok) {
      close();
      return Reply{};
    }
    if (!res.keep_alive()) {
      close();
    }
    const auto ct = res[http::field::content_type];
    return Reply{.status = static_cast<int>(res.result_int()),
                 .body = std::move(res.body()),
                 .content_type = std::string(ct.data(), ct.size())};
  }
};

RestClient::RestClient(const Endpoints& endpoints) : impl_(std::make_unique<Impl>(endpoints)) {}
RestClient::~RestClient() {
  impl_->close();
}

bool RestClient::connected() const noexcept {
  return impl_->open();
}

Reply RestClient::request(std::string_view method, std::string_view target, std::string_view body,
                          const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(beast::string_view(target.data(), target.size()));
  req.version(11);
  req.keep_alive(true);
  for (const auto& [k, v] : headers) {
    req.set(k, v);
  }
  req.body() = std::string(body);
  return impl_->exchange(req);
}

Reply RestClient::get_public(std::string_view endpoint) {
  return request("GET", "/derivatives/api/v3/" + std::string(endpoint));
}

Reply RestClient::signed_request(const Key& key, std::string_view method, std::string_view endpoint,
                                 std::string_view query, std::string_view body, std::string_view nonce) {
  namespace kf = venue::kraken_futures;
  const std::string path = "/derivatives/api/v3/" + std::string(endpoint);
  const auto signer = kf::Signer::from_base64_secret(key.secret_base64);
  if (!signer) {
    throw std::invalid_argument("test key secret is not base64");
  }
  const std::string post_data = std::string(query) + std::string(body);
  const kf::Signature sig = signer->sign_rest(post_data, nonce, kf::endpoint_path(path));
  std::map<std::string, std::string> headers{{"APIKey", key.api_key},
                                             {"Authent", std::string(sig.begin(), sig.end())}};
  if (!nonce.empty()) {
    headers["Nonce"] = std::string(nonce);
  }
  if (!body.empty()) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  const std::string target = query.empty() ? path : path + "?" + std::string(query);
  return request(method, target, body, headers);
}

std::string RestClient::raw_exchange(std::string_view bytes) {
  Impl& s = *impl_;
  s.close();
  s.connect();
  std::string out;
  // A write error is not the end: the server may have answered (413) and closed before reading
  // everything.
  (void)(s.tls ? s.run_op([&](auto h) { asio::async_write(*s.tls_stream, asio::buffer(bytes), h); })
               : s.run_op([&](auto h) { asio::async_write(*s.plain, asio::buffer(bytes), h); }));
  if (!s.open()) {
    return out;
  }
  char chunk[4096];
  for (;;) {
    std::size_t n = 0;
    bool done = false;
    error_code result;
    const auto handler = [&](error_code ec, std::size_t got) {
      result = ec;
      n = got;
      done = true;
    };
    if (s.tls) {
      s.tls_stream->async_read_some(asio::buffer(chunk), handler);
    } else {
      s.plain->async_read_some(asio::buffer(chunk), handler);
    }
    if (!run_until(s.io, done, std::chrono::seconds(3))) {
      s.close();
      s.io.restart();
      s.io.run();  // the aborted handler refers to this frame
      break;
    }
    out.append(chunk, n);
    if (result) {
      break;
    }
  }
  s.close();
  return out;
}

struct WsClient::Impl {
  explicit Impl(const Endpoints& e) : tls_ctx(client_tls(e)), tls(is_tls(e)) {}

  asio::io_context io;
  asio::ssl::context tls_ctx;
  bool tls;
  std::optional<websocket::stream<asio::ssl::stream<tcp::socket>>> wss;
  std::optional<websocket::stream<tcp::socket>> ws;
  beast::flat_buffer buffer;
  bool is_closed{false};
  // A read that timed out is still pending; the next read waits for it instead of starting one.
  bool read_pending{false};
  bool read_done{false};
  error_code read_ec;
  bool pong_seen{false};

  template <class F>
  auto with(F&& f) {
    return tls ? f(*wss) : f(*ws);
  }
};

WsClient::WsClient(const Endpoints& endpoints, std::string_view path)
    : impl_(std::make_unique<Impl>(endpoints)) {
  Impl& s = *impl_;
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), endpoints.port);
  if (s.tls) {
    s.wss.emplace(s.io, s.tls_ctx);
    beast::get_lowest_layer(*s.wss).connect(ep);
    s.wss->next_layer().handshake(asio::ssl::stream_base::client);
    s.wss->handshake("127.0.0.1", std::string(path));
  } else {
    s.ws.emplace(s.io);
    beast::get_lowest_layer(*s.ws).connect(ep);
    s.ws->handshake("127.0.0.1", std::string(path));
  }
}

WsClient::~WsClient() {
  Impl& s = *impl_;
  error_code ec;
  s.with([&](auto& w) {
    beast::get_lowest_layer(w).close(ec);
    return 0;
  });
  s.io.restart();
  s.io.run_for(std::chrono::milliseconds(20));
}

void WsClient::send(std::string_view text) {
  Impl& s = *impl_;
  s.with([&](auto& w) {
    error_code ec;
    w.text(true);
    w.write(asio::buffer(text), ec);
    if (ec) {
      s.is_closed = true;
    }
    return 0;
  });
}

void WsClient::ping() {
  Impl& s = *impl_;
  s.with([&](auto& w) {
    error_code ec;
    w.ping({}, ec);
    return 0;
  });
}

std::optional<std::string> WsClient::read(std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  if (s.is_closed) {
    return std::nullopt;
  }
  if (!s.read_pending) {
    s.read_pending = true;
    s.read_done = false;
    s.with([&](auto& w) {
      w.async_read(s.buffer, [&s](error_code ec, std::size_t) {
        s.read_ec = ec;
        s.read_done = true;
      });
      return 0;
    });
  }
  if (!run_until(s.io, s.read_done, timeout)) {
    return std::nullopt;
  }
  s.read_pending = false;
  if (s.read_ec) {
    s.is_closed = true;
    return std::nullopt;
  }
  std::string text = beast::buffers_to_string(s.buffer.data());
  s.buffer.consume(s.buffer.size());
  return text;
}

std::optional<std::string> WsClient::read_until(std::string_view needle, std::chrono::milliseconds timeout,
                                                std::vector<std::string>* skipped) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    auto message = read(std::max(left, std::chrono::milliseconds(1)));
    if (!message) {
      if (closed()) {
        return std::nullopt;
      }
      continue;
    }
    if (message->find(needle) != std::string::npos) {
      return message;
    }
    if (skipped != nullptr) {
      skipped->push_back(std::move(*message));
    }
  }
  return std::nullopt;
}

bool WsClient::closed() const noexcept {
  return impl_->is_closed;
}

std::string WsClient::authenticate(const Key& key) {
  send(R"({"event":"challenge","api_key":")" + key.api_key + R"("})");
  const auto reply = read_until(R"("event":"challenge")");
  if (!reply) {
    throw std::runtime_error("no challenge from the simulator");
  }
  return field(*reply, "message");
}

void WsClient::subscribe_private(const Key& key, std::string_view feed, const std::string& challenge) {
  namespace kf = venue::kraken_futures;
  const auto signer = kf::Signer::from_base64_secret(key.secret_base64);
  const kf::Signature sig = signer->sign_challenge(challenge);
  send(R"({"event":"subscribe","feed":")" + std::string(feed) + R"(","api_key":")" + key.api_key +
       R"(","original_challenge":")" + challenge + R"(","signed_challenge":")" +
       std::string(sig.begin(), sig.end()) + R"("})");
}

bool WsClient::ping_pong(std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  if (s.is_closed) {
    return false;
  }
  s.pong_seen = false;
  s.with([&](auto& w) {
    w.control_callback([&s](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) {
        s.pong_seen = true;
      }
    });
    return 0;
  });
  ping();
  // Control frames are only processed by a pending read: start one if none is (its message, if
  // any, stays for read()).
  if (!s.read_pending) {
    s.read_pending = true;
    s.read_done = false;
    s.with([&](auto& w) {
      w.async_read(s.buffer, [&s](error_code ec, std::size_t) {
        s.read_ec = ec;
        s.read_done = true;
      });
      return 0;
    });
  }
  s.io.restart();
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!s.pong_seen && !s.read_done && std::chrono::steady_clock::now() < until) {
    s.io.run_one_until(until);
  }
  if (s.read_done && s.read_ec) {
    s.is_closed = true;
  }
  s.with([&](auto& w) {
    w.control_callback();
    return 0;
  });
  return s.pong_seen;
}

}  // namespace tickpath::sim::test
