// The simulator's transport: one Asio event loop, one listener for HTTP(S) and WS(S).
//
// A connection starts as HTTP (after the TLS handshake when TLS is on). Each request is read
// whole (Beast's parser, header and body limits), then either upgraded to a websocket (target
// /ws/v1) or answered by the Venue; keep-alive connections loop. Everything the Venue does runs
// on the loop thread, so the Venue needs no locks.

#include "tickpath/sim/server.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <sys/stat.h>
#include <thread>
#include <type_traits>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/rand.h>

#include "tickpath/config/secrets.hpp"
#include "tickpath/core/clock.hpp"
#include "tickpath/net/tls_cert.hpp"
#include "tickpath/venue/kraken_futures/auth.hpp"

namespace tickpath::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::string_view kWsPath = "/ws/v1";
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kHttpIdleTimeout = std::chrono::seconds(120);
constexpr std::size_t kMaxHttpHeaderBytes = 16 * 1024;
constexpr std::size_t kReadChunk = 64 * 1024;

std::int64_t wall_ms() {
  return wall_ns() / 1'000'000;
}

std::string_view header(const http::request<http::string_body>& req, std::string_view name) {
  const auto it = req.find(beast::string_view(name.data(), name.size()));
  if (it == req.end()) {
    return {};
  }
  const auto v = it->value();
  return {v.data(), v.size()};
}

}  // namespace

std::string base_url(bool tls, const std::string& address, std::uint16_t port, bool websocket) {
  const std::string scheme = websocket ? (tls ? "wss" : "ws") : (tls ? "https" : "http");
  const bool v6 = address.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

class Connection;

struct Server::Impl {
  explicit Impl(const config::SimConfig& c) : config(c), io(1), acceptor(io), tick_timer(io) {}

  config::SimConfig config;
  std::vector<AccountKey> accounts;
  std::string generated_file;
  std::optional<Venue> venue;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer tick_timer;
  std::optional<asio::ssl::context> tls;
  Endpoints endpoints;
  ServerStats stats;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<bool> running{false};
  std::vector<std::weak_ptr<Connection>> connections;

  void do_accept();
  void schedule_tick();
  void sweep_connections();
  void shutdown_all();
};

// Everything the loop owns per socket derives from this, so stop() can kill them all.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  virtual void kill() = 0;
};

namespace {

template <typename Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, tcp::socket>;

template <typename Stream>
tcp::socket& lowest(Stream& s) {
  if constexpr (kIsTls<Stream>) {
    return s.next_layer();
  } else {
    return s;
  }
}

// A websocket connection. Beast performs the upgrade handshake; after it, this class frames the
// connection itself on the underlying stream (RFC 6455, server side), so that every message queued
// while a write is in flight goes out in ONE write: at 100k book deltas/s, one TLS record and one
// send() per message would cost more than the simulator itself. Beast's stream object stays idle
// after the handshake (no pings, no timeouts armed), so nothing else touches the socket.
//
// Reads: client frames must be masked; text, binary and continuation frames build a message (at
// most ws_max_message_bytes, else close 1009); pings are answered with pongs; a close frame is
// answered and the connection ends. Protocol violations close with 1002.
template <typename Stream>
class WsSession final : public Connection, public WsConnection {
 public:
  WsSession(Server::Impl& server, Stream stream)
      : server_(server), ws_(std::move(stream)), timer_(server.io) {}

  void start(http::request<http::string_body> request) {
    max_message_ = static_cast<std::size_t>(server_.config.ws_max_message_bytes);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = kHandshakeTimeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    auto self = shared();
    ws_.async_accept(request, [self](error_code ec) {
      if (ec) {
        self->finish();
        return;
      }
      self->id_ = self->server_.venue->ws_open(self.get(), wall_ms());
      self->read_next();
    });
  }

  void send_text(std::string_view text) override {
    if (closing_ || dead_) {
      return;
    }
    append_frame(0x1, text);
    if (pending_.size() > Server::kMaxQueuedBytes) {
      ++server_.stats.ws_slow_consumers_cut;
      close(true);
      return;
    }
    flush();
  }

  void close(bool abrupt) override { begin_close(abrupt, 1000); }

  void kill() override {
    timer_.cancel();
    error_code ec;
    lowest(stream()).shutdown(tcp::socket::shutdown_both, ec);
    lowest(stream()).close(ec);
    finish();
  }

 private:
  std::shared_ptr<WsSession> shared() { return std::static_pointer_cast<WsSession>(shared_from_this()); }
  Stream& stream() { return ws_.next_layer(); }

  void append_frame(unsigned opcode, std::string_view payload) {
    const std::size_t n = payload.size();
    pending_.push_back(static_cast<char>(0x80U | opcode));
    if (n < 126) {
      pending_.push_back(static_cast<char>(n));
    } else if (n <= 0xFFFF) {
      pending_.push_back(static_cast<char>(126));
      pending_.push_back(static_cast<char>((n >> 8) & 0xFFU));
      pending_.push_back(static_cast<char>(n & 0xFFU));
    } else {
      pending_.push_back(static_cast<char>(127));
      for (int shift = 56; shift >= 0; shift -= 8) {
        pending_.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFFU));
      }
    }
    pending_.append(payload);
  }

  // Starts a write of everything pending unless one is in flight (its completion flushes again).
  void flush() {
    if (writing_ || pending_.empty() || dead_) {
      return;
    }
    writing_ = true;
    in_flight_.swap(pending_);
    pending_.clear();
    asio::async_write(stream(), asio::buffer(in_flight_), [self = shared()](error_code ec, std::size_t) {
      self->writing_ = false;
      self->in_flight_.clear();
      if (ec) {
        self->finish();
        return;
      }
      if (self->close_sent_ && self->pending_.empty()) {
        // Our close frame is out: give the client a moment to answer, then end.
        self->timer_.expires_after(std::chrono::seconds(1));
        self->timer_.async_wait([self](error_code wait_ec) {
          if (!wait_ec) {
            self->kill();
          }
        });
        return;
      }
      self->flush();
    });
  }

  void begin_close(bool abrupt, std::uint16_t code) {
    if (closing_ || dead_) {
      return;
    }
    closing_ = true;
    if (abrupt) {
      // Called from inside the Venue (send_text of a slow consumer, drop_connections): ws_closed
      // must come later, from the loop (venue.hpp), or the Venue frees the connection it is using.
      timer_.cancel();
      error_code ec;
      lowest(stream()).shutdown(tcp::socket::shutdown_both, ec);
      lowest(stream()).close(ec);
      asio::post(server_.io, [self = shared()] { self->finish(); });
      return;
    }
    const std::array<char, 2> payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFFU)};
    append_frame(0x8, std::string_view(payload.data(), payload.size()));
    close_sent_ = true;
    flush();
  }

  void read_next() {
    auto space = in_.prepare(kReadChunk);
    stream().async_read_some(space, [self = shared()](error_code ec, std::size_t n) {
      if (ec) {
        self->finish();
        return;
      }
      self->in_.commit(n);
      if (!self->parse()) {
        return;
      }
      if (!self->dead_) {
        self->read_next();
      }
    });
  }

  // Consumes every complete frame in in_; false when the connection is ending.
  bool parse() {
    for (;;) {
      const auto data = in_.cdata();
      const auto* p = static_cast<const unsigned char*>(data.data());
      const std::size_t size = data.size();
      if (size < 2) {
        return true;
      }
      const bool fin = (p[0] & 0x80U) != 0;
      const unsigned rsv = p[0] & 0x70U;
      const unsigned opcode = p[0] & 0x0FU;
      const bool masked = (p[1] & 0x80U) != 0;
      std::uint64_t length = p[1] & 0x7FU;
      std::size_t header = 2;
      if (length == 126) {
        if (size < 4) {
          return true;
        }
        length = (static_cast<std::uint64_t>(p[2]) << 8) | p[3];
        header = 4;
      } else if (length == 127) {
        if (size < 10) {
          return true;
        }
        length = 0;
        for (std::size_t i = 0; i < 8; ++i) {
          length = (length << 8) | p[2 + i];
        }
        header = 10;
      }
      const bool control = (opcode & 0x8U) != 0;
      if (rsv != 0 || !masked || (control && (!fin || length > 125)) ||
          (opcode != 0x0 && opcode != 0x1 && opcode != 0x2 && opcode != 0x8 && opcode != 0x9 &&
           opcode != 0xA)) {
        protocol_error(1002);
        return false;
      }
      if (!control && message_.size() + length > max_message_) {
        ++server_.stats.ws_oversized_frames;
        protocol_error(1009);
        return false;
      }
      if (size < header + 4 + length) {
        return true;
      }
      const unsigned char* mask = p + header;
      const unsigned char* payload = mask + 4;
      const auto unmask_into = [&](std::string& out) {
        const std::size_t at = out.size();
        out.resize(at + static_cast<std::size_t>(length));
        for (std::size_t i = 0; i < length; ++i) {
          out[at + i] = static_cast<char>(payload[i] ^ mask[i & 3U]);
        }
      };
      const std::size_t frame = header + 4 + static_cast<std::size_t>(length);
      if (opcode == 0x9) {  // ping: answer with the same payload
        std::string body;
        unmask_into(body);
        in_.consume(frame);
        if (id_ != 0) {
          server_.venue->ws_ping(id_, wall_ms());
        }
        if (!closing_) {
          append_frame(0xA, body);
          flush();
        }
        continue;
      }
      if (opcode == 0xA) {  // unsolicited pong: ignored
        in_.consume(frame);
        continue;
      }
      if (opcode == 0x8) {  // close: echo the code, then end
        std::string body;
        unmask_into(body);
        in_.consume(frame);
        const std::uint16_t code =
            body.size() >= 2 ? static_cast<std::uint16_t>((static_cast<unsigned char>(body[0]) << 8) |
                                                          static_cast<unsigned char>(body[1]))
                             : std::uint16_t{1000};
        if (close_sent_) {
          kill();
        } else {
          begin_close(false, code);
        }
        return false;
      }
      // Data frames: a continuation needs a message in progress, a new message must not start
      // inside one.
      if ((opcode == 0x0) != in_message_) {
        protocol_error(1002);
        return false;
      }
      in_message_ = !fin;
      unmask_into(message_);
      in_.consume(frame);
      if (fin) {
        if (id_ != 0 && !closing_) {
          server_.venue->ws_text(id_, message_, wall_ms());
        }
        message_.clear();
        if (dead_) {
          return false;
        }
      }
    }
  }

  void protocol_error(std::uint16_t code) {
    in_.consume(in_.size());
    message_.clear();
    begin_close(false, code);
  }

  // Tells the venue exactly once that the connection is gone.
  void finish() {
    if (dead_) {
      return;
    }
    dead_ = true;
    closing_ = true;
    pending_.clear();
    if (id_ != 0) {
      server_.venue->ws_closed(id_);
    }
  }

  Server::Impl& server_;
  websocket::stream<Stream> ws_;  // the handshake only
  asio::steady_timer timer_;
  beast::flat_buffer in_;
  std::string message_;    // the message being assembled from frames
  std::string pending_;    // framed bytes waiting for the next write
  std::string in_flight_;  // framed bytes of the write in progress
  std::size_t max_message_{0};
  ConnectionId id_{0};
  bool in_message_{false};
  bool writing_{false};
  bool closing_{false};
  bool close_sent_{false};
  bool dead_{false};
};

// An HTTP(S) connection: TLS handshake, then requests until the client closes, the connection
// idles out or a request upgrades it to a websocket.
template <typename Stream>
class HttpSession final : public Connection {
 public:
  template <typename... Args>
  HttpSession(Server::Impl& server, Args&&... args)
      : server_(server), stream_(std::forward<Args>(args)...), timer_(server.io) {}

  void start() {
    auto self = shared();
    if constexpr (kIsTls<Stream>) {
      arm_timer(kHandshakeTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server, [self](error_code ec) {
        if (ec) {
          ++self->server_.stats.tls_handshake_failures;
          self->kill();
          return;
        }
        self->read_next();
      });
    } else {
      read_next();
    }
  }

  void kill() override {
    timer_.cancel();
    error_code ec;
    lowest(stream_).shutdown(tcp::socket::shutdown_both, ec);
    lowest(stream_).close(ec);
  }

 private:
  std::shared_ptr<HttpSession> shared() { return std::static_pointer_cast<HttpSession>(shared_from_this()); }

  void arm_timer(std::chrono::steady_clock::duration after) {
    timer_.expires_after(after);
    timer_.async_wait([weak = std::weak_ptr<HttpSession>(shared())](error_code ec) {
      if (auto self = weak.lock(); self && !ec) {
        self->kill();
      }
    });
  }

  void read_next() {
    arm_timer(kHttpIdleTimeout);
    parser_.emplace();
    parser_->header_limit(kMaxHttpHeaderBytes);
    parser_->body_limit(Server::kMaxHttpBodyBytes);
    http::async_read(stream_, buffer_, *parser_, [self = shared()](error_code ec, std::size_t) {
      self->timer_.cancel();
      if (ec) {
        if (ec == http::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
          self->kill();
          return;
        }
        ++self->server_.stats.http_parse_errors;
        self->reject(ec == http::error::body_limit ? http::status::payload_too_large
                                                   : http::status::bad_request);
        return;
      }
      self->handle(self->parser_->release());
    });
  }

  // Malformed HTTP: a plain answer, then the connection closes (its framing cannot be trusted).
  void reject(http::status status) {
    auto res = std::make_shared<http::response<http::string_body>>(status, 11);
    res->set(http::field::content_type, "text/plain");
    res->body() = status == http::status::payload_too_large ? "Request too large" : "Bad Request";
    res->keep_alive(false);
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared(), res](error_code, std::size_t) { self->kill(); });
  }

  void handle(http::request<http::string_body> req) {
    if (websocket::is_upgrade(req)) {
      const beast::string_view target = req.target();
      const std::string_view path(target.data(), target.size());
      if (path.substr(0, path.find('?')) != kWsPath) {
        respond(req, HttpResponse{.status = 404, .body = "Not Found", .content_type = "text/plain"});
        return;
      }
      auto ws = std::make_shared<WsSession<Stream>>(server_, std::move(stream_));
      server_.connections.push_back(ws);
      ws->start(std::move(req));
      return;
    }
    const beast::string_view method = req.method_string();
    const beast::string_view target = req.target();
    const HttpRequest request{
        .method = {method.data(), method.size()},
        .target = {target.data(), target.size()},
        .body = req.body(),
        .content_type = header(req, "Content-Type"),
        .api_key = header(req, "APIKey"),
        .authent = header(req, "Authent"),
        .nonce = header(req, "Nonce"),
    };
    HttpResponse response = server_.venue->handle_http(request, wall_ms());
    if (response.drop) {
      kill();
      return;
    }
    if (response.delay_ms > 0) {
      auto delayed = std::make_shared<std::pair<http::request<http::string_body>, HttpResponse>>(
          std::move(req), std::move(response));
      timer_.expires_after(std::chrono::milliseconds(delayed->second.delay_ms));
      timer_.async_wait([self = shared(), delayed](error_code ec) {
        if (!ec) {
          self->respond(delayed->first, std::move(delayed->second));
        }
      });
      return;
    }
    respond(req, std::move(response));
  }

  void respond(const http::request<http::string_body>& req, HttpResponse response) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status),
                                                                   req.version());
    res->set(http::field::content_type, response.content_type);
    res->keep_alive(req.keep_alive());
    res->body() = std::move(response.body);
    res->prepare_payload();
    const bool keep_alive = res->keep_alive();
    http::async_write(stream_, *res, [self = shared(), res, keep_alive](error_code ec, std::size_t) {
      if (ec || !keep_alive) {
        self->kill();
        return;
      }
      self->read_next();
    });
  }

  Server::Impl& server_;
  Stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

using PlainHttp = HttpSession<tcp::socket>;
using TlsHttp = HttpSession<asio::ssl::stream<tcp::socket>>;

std::string random_base64(std::size_t bytes) {
  std::vector<std::uint8_t> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    throw std::runtime_error("tickpath-sim: no random bytes for a generated API key");
  }
  return venue::kraken_futures::base64_encode(raw);
}

std::vector<Balance> parse_balances(const std::vector<std::string>& entries) {
  std::vector<Balance> balances;
  for (const std::string& entry : entries) {
    const std::size_t colon = entry.find(':');
    balances.push_back(
        Balance{.currency = entry.substr(0, colon), .amount = std::stod(entry.substr(colon + 1))});
  }
  return balances;
}

// The accounts of the config, secrets read from the environment or 0600 files.
std::vector<AccountKey> load_accounts(const config::SimConfig& config) {
  std::vector<AccountKey> accounts;
  for (std::size_t i = 0; i < config.accounts.size(); ++i) {
    const config::SimAccountConfig& a = config.accounts[i];
    const config::SecretString secret = config::load_api_secret("sim.accounts[" + std::to_string(i) + "]",
                                                                a.api_secret_env, a.api_secret_file);
    accounts.push_back(AccountKey{.name = a.name,
                                  .api_key = a.api_key,
                                  .api_secret_base64 = std::string(secret.reveal()),
                                  .balances = parse_balances(a.balances)});
  }
  return accounts;
}

}  // namespace

void Server::Impl::do_accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    if (stopping.load()) {
      return;
    }
    if (!ec) {
      ++stats.connections_accepted;
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::shared_ptr<Connection> c;
      if (tls) {
        auto s = std::make_shared<TlsHttp>(*this, std::move(socket), *tls);
        c = s;
        s->start();
      } else {
        auto s = std::make_shared<PlainHttp>(*this, std::move(socket));
        c = s;
        s->start();
      }
      connections.push_back(c);
      if (connections.size() > 256 && (connections.size() & 255U) == 0) {
        sweep_connections();
      }
    }
    do_accept();
  });
}

void Server::Impl::sweep_connections() {
  std::erase_if(connections, [](const std::weak_ptr<Connection>& w) { return w.expired(); });
}

void Server::Impl::schedule_tick() {
  tick_timer.expires_after(std::chrono::milliseconds(1));
  tick_timer.async_wait([this](error_code ec) {
    if (ec || stopping.load()) {
      return;
    }
    venue->tick(wall_ms(), monotonic_ns());
    schedule_tick();
  });
}

void Server::Impl::shutdown_all() {
  error_code ec;
  acceptor.close(ec);
  tick_timer.cancel();
  for (const auto& weak : connections) {
    if (auto c = weak.lock()) {
      c->kill();
    }
  }
  connections.clear();
}

Server::Server(const config::SimConfig& config) : Server(config, load_accounts(config)) {}

Server::Server(const config::SimConfig& config, std::vector<AccountKey> accounts)
    : impl_(std::make_unique<Impl>(config)) {
  Impl& s = *impl_;
  if (accounts.empty()) {
    // No key configured: one generated key pair, the secret in a file only its owner can read.
    AccountKey key{
        .name = "sim-trader", .api_key = random_base64(30), .api_secret_base64 = random_base64(64)};
    key.balances = parse_balances(config::SimAccountConfig{}.balances);
    if (!config.ca_out_file.empty()) {
      const std::filesystem::path dir = std::filesystem::path(config.ca_out_file).parent_path();
      const std::filesystem::path file = (dir.empty() ? std::filesystem::path(".") : dir) / "sim-credentials";
      std::filesystem::create_directories(file.parent_path());
      std::filesystem::remove(file);
      const mode_t old = ::umask(077);
      {
        std::ofstream out(file);
        out << "api_key=" << key.api_key << "\napi_secret=" << key.api_secret_base64 << "\n";
        if (!out) {
          ::umask(old);
          throw std::runtime_error("tickpath-sim: cannot write " + file.string());
        }
      }
      ::umask(old);
      std::filesystem::permissions(file,
                                   std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                   std::filesystem::perm_options::replace);
      s.generated_file = file.string();
    }
    accounts.push_back(std::move(key));
  }
  s.accounts = accounts;
  s.venue.emplace(config, std::move(accounts), wall_ms());

  std::string certificate_pem;
  if (config.tls) {
    std::string key_pem;
    if (!config.cert_file.empty()) {
      const auto read = [](const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
          throw std::runtime_error("tickpath-sim: cannot read " + path);
        }
        return std::string(std::istreambuf_iterator<char>(in), {});
      };
      certificate_pem = read(config.cert_file);
      key_pem = read(config.key_file);
    } else {
      net::SelfSignedOptions options{};
      // The certificate names the address clients are given (127.0.0.1 and localhost always).
      if (config.listen_address != "127.0.0.1" && config.listen_address != "0.0.0.0" &&
          config.listen_address != "::") {
        options.ip_addresses.push_back(config.listen_address);
      }
      net::PemCertificate generated = net::generate_self_signed(options);
      certificate_pem = std::move(generated.certificate_pem);
      key_pem = std::move(generated.private_key_pem);
    }
    s.tls.emplace(asio::ssl::context::tls_server);
    s.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
    s.tls->use_certificate_chain(asio::buffer(certificate_pem));
    s.tls->use_private_key(asio::buffer(key_pem), asio::ssl::context::pem);
    if (!config.ca_out_file.empty()) {
      const std::filesystem::path path(config.ca_out_file);
      if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path());
      }
      net::write_pem_file(path, certificate_pem);
      s.endpoints.ca_file = config.ca_out_file;
    }
  }

  error_code ec;
  const asio::ip::address address = asio::ip::make_address(config.listen_address, ec);
  if (ec) {
    throw std::runtime_error("tickpath-sim: sim.listen_address '" + config.listen_address +
                             "' is not an IP address");
  }
  const tcp::endpoint endpoint(address, static_cast<std::uint16_t>(config.port));
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    s.acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw std::runtime_error("tickpath-sim: cannot listen on " + config.listen_address + ":" +
                             std::to_string(config.port) + ": " + ec.message());
  }
  const std::uint16_t port = s.acceptor.local_endpoint().port();
  s.endpoints.port = port;
  s.endpoints.rest_url = base_url(config.tls, config.listen_address, port, false) + "/derivatives/api/v3";
  s.endpoints.ws_url = base_url(config.tls, config.listen_address, port, true) + std::string(kWsPath);
  s.endpoints.ca_pem = certificate_pem;
}

Server::~Server() {
  stop();
}

void Server::start() {
  Impl& s = *impl_;
  if (s.running.exchange(true)) {
    return;
  }
  s.do_accept();
  s.schedule_tick();
  s.thread = std::thread([this] { impl_->io.run(); });
}

void Server::stop() {
  Impl& s = *impl_;
  if (!s.stopping.exchange(true)) {
    asio::post(s.io, [&s] {
      s.shutdown_all();
      s.io.stop();
    });
  }
  if (s.thread.joinable()) {
    s.thread.join();
  }
  s.running.store(false);
}

const Endpoints& Server::endpoints() const noexcept {
  return impl_->endpoints;
}

const std::vector<AccountKey>& Server::accounts() const noexcept {
  return impl_->accounts;
}

const std::string& Server::generated_credentials_file() const noexcept {
  return impl_->generated_file;
}

void Server::post_to_loop(std::function<void(Venue&)> fn) {
  Impl& s = *impl_;
  if (!s.running.load() || s.stopping.load()) {
    fn(*s.venue);
    return;
  }
  asio::post(s.io, [&s, fn = std::move(fn)] { fn(*s.venue); });
}

ServerStats Server::stats() {
  Impl& s = *impl_;
  if (!s.running.load() || s.stopping.load()) {
    return s.stats;
  }
  std::promise<ServerStats> p;
  auto f = p.get_future();
  asio::post(s.io, [&s, &p] { p.set_value(s.stats); });
  return f.get();
}

}  // namespace tickpath::sim
