// The keep-alive HTTP(S) pool. Design notes and the hot-path contract are on the public header.
// The connect steps follow ws_session.cpp's (same detail:: resolver, non-blocking connect and
// polled transports), without Beast's websocket on top: the pool writes request bytes and feeds
// the read bytes to Beast's basic_parser itself.

#include "tickpath/net/https_pool.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/error.hpp>

#include "tickpath/core/assert.hpp"
#include "tickpath/core/clock.hpp"
#include "tickpath/net/https_get.hpp"

#include "net/detail/https_response_parser.hpp"
#include "net/detail/polled_socket.hpp"
#include "net/detail/socket_ops.hpp"
#include "net/detail/tls_stream.hpp"

namespace tickpath::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

const char* to_string(HttpFailure failure) noexcept {
  switch (failure) {
    case HttpFailure::NotSent:
      return "not_sent";
    case HttpFailure::Timeout:
      return "timeout";
    case HttpFailure::ConnectionLost:
      return "connection_lost";
    case HttpFailure::ResponseTooLarge:
      return "response_too_large";
    case HttpFailure::BadResponse:
      return "bad_response";
  }
  return "unknown";
}

namespace {

template <typename T>
struct PoolTransport;
template <>
struct PoolTransport<TlsTransport> {
  using Stream = detail::TlsStream;
  static constexpr bool kTls = true;
};
template <>
struct PoolTransport<PlainTransport> {
  using Stream = detail::PolledSocket;
  static constexpr bool kTls = false;
};

// Raw input of one connection: an answer's status line and fields must fit (basic_parser needs
// them contiguous); body bytes are consumed as they arrive, so this does not bound the body.
constexpr std::size_t kReadBytes = 32U * 1024U;
constexpr std::uint32_t kHeaderLimit = 16U * 1024U;
constexpr std::size_t kMaxConnections = 64;
// A connection that answered, or stayed open this long, counts as having worked: when it ends it
// is reopened at once instead of after a backoff delay.
constexpr std::int64_t kStableNs = kNsPerSecond;

HttpUrl validate(const HttpsPoolConfig& c, bool tls) {
  std::string why;
  std::optional<HttpUrl> url = parse_http_url(c.url, &why);
  if (!url) {
    throw std::invalid_argument("https pool url '" + c.url + "': " + why);
  }
  if (url->tls != tls) {
    throw std::invalid_argument("https pool url '" + c.url + "': scheme does not match the transport (" +
                                (tls ? "https:// expected" : "http:// expected") + ")");
  }
  auto positive = [](std::chrono::nanoseconds d, const char* name) {
    if (d.count() <= 0) {
      throw std::invalid_argument(std::string("https pool ") + name + " must be positive");
    }
  };
  positive(c.request_timeout, "request_timeout");
  positive(c.connect_timeout, "connect_timeout");
  if (c.idle_timeout.count() < 0) {
    throw std::invalid_argument("https pool idle_timeout must not be negative (0 = never)");
  }
  if (c.idle_read_interval.count() < 0) {
    throw std::invalid_argument("https pool idle_read_interval must not be negative (0 = every poll)");
  }
  if (c.connections == 0 || c.connections > kMaxConnections) {
    throw std::invalid_argument("https pool connections must be in 1.." + std::to_string(kMaxConnections));
  }
  if (c.max_request_bytes == 0) {
    throw std::invalid_argument("https pool max_request_bytes must be positive");
  }
  if (c.max_response_bytes == 0) {
    throw std::invalid_argument("https pool max_response_bytes must be positive");
  }
  return std::move(*url);
}

bool is_head(std::span<const char> request) noexcept {
  return request.size() >= 5 && std::memcmp(request.data(), "HEAD ", 5) == 0;
}

}  // namespace

template <typename Transport>
class HttpsPool<Transport>::Impl {
  using Stream = typename PoolTransport<Transport>::Stream;
  static constexpr bool kTls = PoolTransport<Transport>::kTls;

  enum class State : std::uint8_t { Idle, Resolving, Connecting, TlsHandshake, Open, Backoff, Stopped };

  // One connection. Heap-allocated once (the transports' handlers point at it).
  struct Conn {
    Conn(const HttpsPoolConfig& cfg, std::size_t index)
        : policy(backoff_for(cfg.backoff, index)),
          tx(new char[cfg.max_request_bytes]),
          rx(new char[kReadBytes]),
          body(cfg.initial_response_bytes, cfg.max_response_bytes) {}

    static BackoffConfig backoff_for(BackoffConfig b, std::size_t index) {
      if (b.seed != 0) {
        b.seed += index;  // deterministic, but the connections' jitter differs
      }
      return b;
    }

    State state{State::Idle};
    // Bumped whenever the connection is torn down: a callback that closed or reopened it (stop(),
    // a failed write in a re-entrant submit()) is noticed by the code that called the callback.
    std::uint64_t gen{0};
    ReconnectPolicy policy;
    detail::Resolver resolver;
    std::size_t next_endpoint{0};
    detail::Fd connecting_fd;
    std::optional<Stream> stream;
    std::int64_t deadline_ns{0};  // connect deadline, or the end of the backoff delay
    std::int64_t opened_ns{0};
    std::int64_t last_used_ns{0};  // opened or last answered
    std::int64_t next_idle_read_ns{0};
    std::uint64_t answers{0};  // on this connection since it opened

    // The transports' completions, recorded by the handlers and acted upon after the transport's
    // poll() returned (never inside it, and never inside submit()).
    bool hs_done{false};
    bool rd_done{false};
    bool wr_done{false};
    bool read_armed{false};
    bool write_armed{false};
    error_code hs_ec;
    error_code rd_ec;
    error_code wr_ec;
    std::size_t rd_n{0};
    std::size_t wr_n{0};

    // The request in flight.
    bool in_flight{false};
    bool written{false};  // every byte accepted by the transport
    bool head{false};
    std::uint64_t tag{0};
    std::int64_t request_deadline_ns{0};
    std::unique_ptr<char[]> tx;
    std::size_t tx_len{0};
    std::size_t tx_off{0};

    // The answer being read.
    std::unique_ptr<char[]> rx;
    std::size_t rx_len{0};
    std::optional<detail::ResponseParser> parser;
    detail::ResponseBody body;
  };

  // Completion handlers: record and return. The transports store them in per-operation slots that
  // keep their memory, so after the first read and the warm-up write of a connection no handler
  // allocates.
  struct OnHandshake {
    Conn* c;
    void operator()(error_code ec) const noexcept {
      c->hs_ec = ec;
      c->hs_done = true;
    }
  };
  struct OnRead {
    Conn* c;
    void operator()(error_code ec, std::size_t n) const noexcept {
      c->read_armed = false;
      c->rd_ec = ec;
      c->rd_n = n;
      c->rd_done = true;
    }
  };
  struct OnWrite {
    Conn* c;
    void operator()(error_code ec, std::size_t n) const noexcept {
      c->write_armed = false;
      c->wr_ec = ec;
      c->wr_n = n;
      c->wr_done = true;
    }
  };

 public:
  Impl(HttpsPoolConfig config, HttpsHandler& handler)
      : cfg_(std::move(config)), handler_(handler), url_(validate(cfg_, kTls)), ex_(io_.get_executor(), io_) {
    host_header_ = url_.host_header();
    cfg_.initial_response_bytes = std::min(cfg_.initial_response_bytes, cfg_.max_response_bytes);
    if constexpr (kTls) {
      tls_.emplace(cfg_.tls);
    }
    conns_.reserve(cfg_.connections);
    for (std::size_t i = 0; i < cfg_.connections; ++i) {
      conns_.push_back(std::make_unique<Conn>(cfg_, i));
    }
  }

  ~Impl() {
    for (auto& c : conns_) {
      c->stream.reset();
    }
  }

  void start() {
    if (started_ || stopping_) {
      return;
    }
    started_ = true;
    now_ns_ = monotonic_ns();
    for (auto& c : conns_) {
      c->policy.reset();
      begin_resolve(*c);
    }
  }

  void stop() {
    if (stopping_) {
      return;
    }
    started_ = false;
    stopping_ = true;  // a start() from a failure callback below is ignored
    now_ns_ = monotonic_ns();
    for (auto& c : conns_) {
      end(*c, c->written ? HttpFailure::ConnectionLost : HttpFailure::NotSent, asio::error::operation_aborted,
          Reopen::Never);
    }
    stopping_ = false;
  }

  bool submit(std::uint64_t tag, std::span<const char> request) noexcept {
    if (request.empty() || request.size() > cfg_.max_request_bytes) {
      ++counters_.refused;
      return false;
    }
    for (;;) {
      Conn* best = nullptr;
      for (auto& c : conns_) {
        if (is_idle(*c) && (best == nullptr || c->last_used_ns < best->last_used_ns)) {
          best = c.get();
        }
      }
      if (best == nullptr) {
        ++counters_.refused;
        return false;
      }
      if (write_request(*best, tag, request)) {
        ++counters_.requests;
        return true;
      }
      // That connection was dead (the write failed before a byte left): it is closed now, without
      // a callback; try the next idle one.
    }
  }

  [[nodiscard]] std::size_t idle() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(conns_.begin(), conns_.end(), [](const auto& c) { return is_idle(*c); }));
  }

  [[nodiscard]] std::size_t open() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(conns_.begin(), conns_.end(), [](const auto& c) { return c->state == State::Open; }));
  }

  int poll() noexcept {
    now_ns_ = monotonic_ns();
    int work = 0;
    for (auto& c : conns_) {
      work += poll_conn(*c);
    }
    return work;
  }

  [[nodiscard]] const HttpsPoolCounters& counters() const noexcept {
    std::uint64_t growths = 0;
    for (const auto& c : conns_) {
      growths += c->body.growths();
    }
    counters_.body_growths = growths;
    return counters_;
  }
  [[nodiscard]] const std::string& host_header() const noexcept { return host_header_; }
  [[nodiscard]] long tls_verify_result() const noexcept { return verify_result_; }
  [[nodiscard]] error_code last_connect_error() const noexcept { return last_connect_error_; }

 private:
  enum class Reopen : std::uint8_t { Never, Now, IfStable };

  [[nodiscard]] static bool is_idle(const Conn& c) noexcept {
    return c.state == State::Open && !c.in_flight && !c.rd_done && !c.write_armed;
  }

  // Another connection is not open yet (opening, or waiting to reopen): an idle recycle now could
  // leave the pool with nothing open.
  [[nodiscard]] bool any_reopening(const Conn& self) const noexcept {
    return std::any_of(conns_.begin(), conns_.end(), [&self](const auto& c) {
      return c.get() != &self && (c->state == State::Resolving || c->state == State::Connecting ||
                                  c->state == State::TlsHandshake || c->state == State::Backoff);
    });
  }

  int poll_conn(Conn& c) noexcept {
    switch (c.state) {
      case State::Idle:
      case State::Stopped:
        return 0;
      case State::Backoff:
        if (now_ns_ >= c.deadline_ns) {
          begin_resolve(c);
          return 1;
        }
        return 0;
      case State::Resolving:
        return poll_resolving(c);
      case State::Connecting:
        return poll_connecting(c);
      case State::TlsHandshake:
        return poll_handshake(c);
      case State::Open:
        return poll_open(c);
    }
    return 0;
  }

  // --- connect chain (cold) -----------------------------------------------------------------

  void begin_resolve(Conn& c) noexcept {
    ++counters_.connect_attempts;
    c.state = State::Resolving;
    c.deadline_ns = now_ns_ + cfg_.connect_timeout.count();
    detail::Resolver::Status status = detail::Resolver::Status::Failed;
    try {
      status = c.resolver.start(url_.host, url_.port);
    } catch (const std::exception&) {
      connect_failed(c, asio::error::no_memory);
      return;
    }
    if (status == detail::Resolver::Status::Done) {
      begin_connect(c);
    } else if (status == detail::Resolver::Status::Failed) {
      connect_failed(c, c.resolver.error());
    }
  }

  int poll_resolving(Conn& c) noexcept {
    switch (c.resolver.poll()) {
      case detail::Resolver::Status::Done:
        begin_connect(c);
        return 1;
      case detail::Resolver::Status::Failed:
        connect_failed(c, c.resolver.error());
        return 1;
      default:
        if (now_ns_ > c.deadline_ns) {
          connect_failed(c, asio::error::timed_out);
          return 1;
        }
        return 0;
    }
  }

  void begin_connect(Conn& c) noexcept {
    c.state = State::Connecting;
    c.next_endpoint = 0;
    try_next_endpoint(c, asio::error::host_not_found);
  }

  void try_next_endpoint(Conn& c, error_code last) noexcept {
    const auto& endpoints = c.resolver.endpoints();
    while (c.next_endpoint < endpoints.size()) {
      error_code ec;
      detail::Fd fd = detail::start_connect(endpoints[c.next_endpoint], ec);
      if (fd.valid()) {
        c.connecting_fd = std::move(fd);
        return;
      }
      last = ec;
      ++c.next_endpoint;
    }
    connect_failed(c, last);
  }

  int poll_connecting(Conn& c) noexcept {
    error_code ec;
    switch (detail::poll_connect(c.connecting_fd.get(), ec)) {
      case detail::ConnectStatus::Connected:
        on_connected(c);
        return 1;
      case detail::ConnectStatus::Failed:
        c.connecting_fd.reset();
        ++c.next_endpoint;
        try_next_endpoint(c, ec);
        return 1;
      case detail::ConnectStatus::Pending:
        break;
    }
    if (now_ns_ > c.deadline_ns) {
      connect_failed(c, asio::error::timed_out);
      return 1;
    }
    return 0;
  }

  void on_connected(Conn& c) noexcept {
    try {
      if constexpr (kTls) {
        SSL* ssl = tls_->new_client_session(url_.host);
        c.stream.emplace(ex_, std::move(c.connecting_fd), ssl);
      } else {
        c.stream.emplace(ex_, std::move(c.connecting_fd));
      }
    } catch (const std::exception&) {
      c.stream.reset();
      connect_failed(c, asio::error::no_memory);
      return;
    }
    if constexpr (kTls) {
      c.state = State::TlsHandshake;
      c.hs_done = false;
      c.stream->async_handshake(OnHandshake{&c});
      (void)poll_handshake(c);  // the ClientHello goes out now
    } else {
      opened(c);
    }
  }

  int poll_handshake(Conn& c) noexcept {
    if constexpr (kTls) {
      const int work = c.stream->poll();
      if (c.hs_done) {
        c.hs_done = false;
        verify_result_ = c.stream->verify_result();
        if (c.hs_ec) {
          connect_failed(c, c.hs_ec);
        } else {
          opened(c);
        }
        return 1;
      }
      if (now_ns_ > c.deadline_ns) {
        connect_failed(c, asio::error::timed_out);
        return 1;
      }
      return work;
    } else {
      return 0;
    }
  }

  void opened(Conn& c) noexcept {
    c.state = State::Open;
    ++counters_.connects;
    c.policy.on_open(now_ns_);
    c.opened_ns = now_ns_;
    c.last_used_ns = now_ns_;
    c.next_idle_read_ns = now_ns_;
    c.answers = 0;
    c.rx_len = 0;
    c.parser.reset();
    c.in_flight = false;
    c.written = false;
    // Warm-up: a zero-byte write completes on the next transport poll without a syscall and
    // leaves the write slot sized for OnWrite, so the first real request does not allocate.
    try {
      arm_read(c);
      c.write_armed = true;
      c.stream->async_write_some(asio::const_buffer(c.tx.get(), 0), OnWrite{&c});
    } catch (const std::exception&) {
      end(c, HttpFailure::NotSent, asio::error::no_memory, Reopen::IfStable);
      return;
    }
    (void)c.stream->poll();
    c.wr_done = false;
    handler_.on_connection_open();
  }

  void connect_failed(Conn& c, error_code ec) noexcept {
    ++counters_.connect_failures;
    last_connect_error_ = ec;
    teardown(c);
    schedule_reopen(c, false);
  }

  // --- requests and answers -----------------------------------------------------------------

  void arm_read(Conn& c) {
    c.read_armed = true;
    c.stream->async_read_some(asio::mutable_buffer(c.rx.get() + c.rx_len, kReadBytes - c.rx_len), OnRead{&c});
  }

  void arm_write(Conn& c) {
    c.write_armed = true;
    c.stream->async_write_some(asio::const_buffer(c.tx.get() + c.tx_off, c.tx_len - c.tx_off), OnWrite{&c});
  }

  // Copies the request and writes what the socket takes now. False (the connection closed, no
  // callback) when the write failed before any byte was accepted.
  bool write_request(Conn& c, std::uint64_t tag, std::span<const char> request) noexcept {
    const std::int64_t now = monotonic_ns();
    std::memcpy(c.tx.get(), request.data(), request.size());
    c.tx_len = request.size();
    c.tx_off = 0;
    c.tag = tag;
    c.head = is_head(request);
    c.in_flight = true;
    c.written = false;
    c.request_deadline_ns = now + cfg_.request_timeout.count();
    arm_write(c);  // the slot was sized by the warm-up write: no allocation
    (void)c.stream->poll();
    if (!c.wr_done) {
      return true;  // the transport could not write yet; poll() continues
    }
    c.wr_done = false;
    if (c.wr_ec && c.tx_off == 0) {
      c.in_flight = false;
      now_ns_ = now;
      end(c, HttpFailure::NotSent, c.wr_ec, Reopen::IfStable);
      return false;
    }
    return after_write(c);
  }

  // A write completed: advance, or fail the request. False when the connection ended.
  bool after_write(Conn& c) noexcept {
    if (c.wr_ec) {
      end(c, c.tx_off == 0 ? HttpFailure::NotSent : HttpFailure::ConnectionLost, c.wr_ec, Reopen::IfStable);
      return false;
    }
    if (!c.in_flight) {
      return true;  // the warm-up write
    }
    c.tx_off += c.wr_n;
    counters_.bytes_sent += c.wr_n;
    if (c.tx_off < c.tx_len) {
      arm_write(c);
    } else {
      c.written = true;
    }
    return true;
  }

  int poll_open(Conn& c) noexcept {
    if (!c.in_flight && !c.rd_done) {
      if (now_ns_ < c.next_idle_read_ns) {
        return maybe_recycle(c);
      }
      c.next_idle_read_ns = now_ns_ + cfg_.idle_read_interval.count();
    }
    int work = 0;
    if (!c.rd_done || c.write_armed) {
      work += c.stream->poll();
    }
    if (c.wr_done) {
      c.wr_done = false;
      if (!after_write(c)) {
        return work + 1;
      }
    }
    if (c.rd_done) {
      c.rd_done = false;
      ++work;
      if (!after_read(c)) {
        return work;
      }
    }
    if (c.in_flight && now_ns_ > c.request_deadline_ns) {
      // Not completely written: the venue cannot have acted on a truncated request.
      end(c, c.written ? HttpFailure::Timeout : HttpFailure::NotSent, asio::error::timed_out,
          Reopen::IfStable);
      return work + 1;
    }
    return work + maybe_recycle(c);
  }

  int maybe_recycle(Conn& c) noexcept {
    if (cfg_.idle_timeout.count() == 0 || c.in_flight ||
        now_ns_ - c.last_used_ns < cfg_.idle_timeout.count() || any_reopening(c)) {
      return 0;
    }
    ++counters_.idle_recycles;
    end(c, HttpFailure::NotSent, {}, Reopen::Now);
    return 1;
  }

  // A read completed. False when the connection ended.
  bool after_read(Conn& c) noexcept {
    if (c.rd_ec) {
      on_read_error(c);
      return false;
    }
    counters_.bytes_received += c.rd_n;
    c.rx_len += c.rd_n;
    const std::uint64_t gen = c.gen;
    if (!parse_input(c) || c.gen != gen || c.state != State::Open) {
      return false;
    }
    if (!c.read_armed) {
      try {
        arm_read(c);
      } catch (const std::exception&) {
        end(c, HttpFailure::ConnectionLost, asio::error::no_memory, Reopen::IfStable);
        return false;
      }
    }
    return true;
  }

  void on_read_error(Conn& c) noexcept {
    const error_code ec = c.rd_ec;
    if (!c.in_flight) {
      ++counters_.server_closes;  // an idle keep-alive closed by the server: reopen silently
      end(c, HttpFailure::NotSent, ec, Reopen::IfStable);
      return;
    }
    // An answer delimited by the end of the stream (no Content-Length, not chunked). Accepted
    // only on a clean end: a TCP FIN, or TLS close_notify (the TLS stream reports it as eof).
    if (ec == asio::error::eof && c.parser && c.parser->is_header_done() && c.parser->need_eof()) {
      error_code pec;
      c.parser->put_eof(pec);
      if (!pec && c.parser->is_done()) {
        deliver(c, 0, true);
        return;
      }
    }
    end(c, c.written ? HttpFailure::ConnectionLost : HttpFailure::NotSent, ec, Reopen::IfStable);
  }

  // Feeds rx to the parser. False when the connection ended (an answer ended it, or it failed).
  bool parse_input(Conn& c) noexcept {
    std::size_t off = 0;
    while (off < c.rx_len) {
      if (!c.in_flight) {
        ++counters_.unsolicited;  // nothing asked for these bytes: the stream cannot be trusted
        end(c, HttpFailure::NotSent, {}, Reopen::IfStable);
        return false;
      }
      if (!c.parser) {
        c.parser.emplace(c.body, kHeaderLimit, c.head);
      }
      error_code ec;
      const std::size_t used = c.parser->put(asio::const_buffer(c.rx.get() + off, c.rx_len - off), ec);
      off += used;
      if (ec == http::error::need_more) {
        break;
      }
      if (ec) {
        end(c, ec == http::error::body_limit ? HttpFailure::ResponseTooLarge : HttpFailure::BadResponse, ec,
            Reopen::IfStable);
        return false;
      }
      if (c.parser->is_done()) {
        const unsigned status = c.parser->status();
        if (status / 100 == 1) {
          if (status == 101) {  // we never ask to switch protocols
            end(c, HttpFailure::BadResponse, http::error::bad_status, Reopen::IfStable);
            return false;
          }
          ++counters_.informational;
          c.parser.reset();
          continue;
        }
        const std::uint64_t gen = c.gen;
        deliver(c, c.rx_len - off, false);
        if (c.gen != gen || c.state != State::Open) {
          return false;
        }
        c.rx_len = 0;
        return true;
      }
      if (used == 0) {
        break;
      }
    }
    if (off > 0) {
      std::memmove(c.rx.get(), c.rx.get() + off, c.rx_len - off);
      c.rx_len -= off;
    }
    if (c.rx_len == kReadBytes) {  // cannot happen below the header limit; never spin on it
      end(c, HttpFailure::BadResponse, http::error::header_limit, Reopen::IfStable);
      return false;
    }
    return true;
  }

  // The answer is complete: the connection is idle again (or ends: Connection: close, HTTP/1.0,
  // EOF-delimited, bytes beyond the answer, the request not completely written) before the
  // handler hears it, so a submit() from inside on_response can use this connection.
  void deliver(Conn& c, std::size_t leftover, bool at_eof) noexcept {
    const unsigned status = c.parser->status();
    const bool keep = !at_eof && c.parser->keep_alive() && c.written && leftover == 0;
    const std::uint64_t tag = c.tag;
    c.parser.reset();
    c.in_flight = false;
    c.written = false;
    c.last_used_ns = now_ns_;
    c.next_idle_read_ns = now_ns_;
    ++c.answers;
    ++counters_.responses;
    if (!keep) {
      if (leftover != 0) {
        ++counters_.unsolicited;
      } else {
        ++counters_.keepalive_ends;
      }
      end(c, HttpFailure::NotSent, {}, Reopen::IfStable);  // nothing in flight: no callback
    }
    handler_.on_response(tag, status, c.body.view());  // the body outlives the stream
  }

  // Ends the connection: the transport is destroyed (its pending handlers with it), the state
  // leaves Open before the handler hears of a request in flight, then the connection is reopened
  // now, after a backoff delay, or not at all (stop()).
  void end(Conn& c, HttpFailure failure, error_code ec, Reopen reopen) noexcept {
    const bool had_request = c.in_flight;
    const std::uint64_t tag = c.tag;
    const bool was_open = c.state == State::Open;
    const bool stable = was_open && (c.answers > 0 || now_ns_ - c.opened_ns >= kStableNs);
    if (was_open) {
      ++counters_.disconnects;
      c.policy.on_close(now_ns_);
    }
    teardown(c);
    if (reopen == Reopen::Never || !started_) {
      c.state = c.state == State::Idle ? State::Idle : State::Stopped;
    } else {
      schedule_reopen(c, reopen == Reopen::Now || stable);
    }
    if (had_request) {
      switch (failure) {
        case HttpFailure::NotSent:
          ++counters_.not_sent;
          break;
        case HttpFailure::Timeout:
          ++counters_.timeouts;
          break;
        case HttpFailure::ConnectionLost:
          ++counters_.connection_lost;
          break;
        case HttpFailure::ResponseTooLarge:
          ++counters_.too_large;
          break;
        case HttpFailure::BadResponse:
          ++counters_.bad_responses;
          break;
      }
      handler_.on_failure(tag, failure, ec);
    }
  }

  void teardown(Conn& c) noexcept {
    ++c.gen;
    c.stream.reset();
    c.connecting_fd.reset();
    c.resolver.cancel();
    c.parser.reset();
    c.rx_len = 0;
    c.in_flight = false;
    c.written = false;
    c.hs_done = c.rd_done = c.wr_done = false;
    c.read_armed = c.write_armed = false;
  }

  void schedule_reopen(Conn& c, bool now) noexcept {
    c.state = State::Backoff;
    if (now) {
      c.policy.reset();
      c.deadline_ns = now_ns_;  // the next poll() starts it
    } else {
      c.deadline_ns = now_ns_ + c.policy.next_delay().count();
    }
  }

  HttpsPoolConfig cfg_;
  HttpsHandler& handler_;
  HttpUrl url_;
  std::string host_header_;
  std::optional<TlsContext> tls_;
  // The transports need an executor; nothing is ever posted to or run on this context (their
  // handlers complete inside their own poll()).
  asio::io_context io_{1};
  detail::PolledExecutor ex_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::int64_t now_ns_{0};
  long verify_result_{0};
  error_code last_connect_error_;
  bool started_{false};
  bool stopping_{false};
  mutable HttpsPoolCounters counters_;
};

template <typename Transport>
HttpsPool<Transport>::HttpsPool(HttpsPoolConfig config, HttpsHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(config), handler)) {}

template <typename Transport>
HttpsPool<Transport>::~HttpsPool() = default;

template <typename Transport>
void HttpsPool<Transport>::start() {
  impl_->start();
}

template <typename Transport>
void HttpsPool<Transport>::stop() {
  impl_->stop();
}

template <typename Transport>
bool HttpsPool<Transport>::submit(std::uint64_t tag, std::span<const char> request) noexcept {
  return impl_->submit(tag, request);
}

template <typename Transport>
std::size_t HttpsPool<Transport>::idle() const noexcept {
  return impl_->idle();
}

template <typename Transport>
std::size_t HttpsPool<Transport>::open() const noexcept {
  return impl_->open();
}

template <typename Transport>
int HttpsPool<Transport>::poll() noexcept {
  return impl_->poll();
}

template <typename Transport>
const HttpsPoolCounters& HttpsPool<Transport>::counters() const noexcept {
  return impl_->counters();
}

template <typename Transport>
const std::string& HttpsPool<Transport>::host_header() const noexcept {
  return impl_->host_header();
}

template <typename Transport>
long HttpsPool<Transport>::tls_verify_result() const noexcept {
  return impl_->tls_verify_result();
}

template <typename Transport>
boost::system::error_code HttpsPool<Transport>::last_connect_error() const noexcept {
  return impl_->last_connect_error();
}

template class HttpsPool<TlsTransport>;
template class HttpsPool<PlainTransport>;

}  // namespace tickpath::net
