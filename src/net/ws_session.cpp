// The websocket session: the only translation unit that includes Beast's websocket (compile time),
// instantiated for both transports at the bottom. Design notes are on the public header.

#include "tickpath/net/ws_session.hpp"

// Two GCC 12 diagnostics fire inside Asio 1.81 code inlined into this translation unit, and only
// in the tsan preset (-O1 -fsanitize=thread):
//   -Wnull-dereference: a false positive in io_context's executor operator== reached through
//     the type-erased executors (io_context.hpp:994);
//   -Wtsan: Asio's std_fenced_block uses std::atomic_thread_fence, which TSan does not model.
//     Our handler io_context is single-threaded (the session's thread), so no ordering relies
//     on those fences here.
// Both concern third-party code; they are silenced for this translation unit only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "tickpath/core/clock.hpp"
#include "tickpath/net/url.hpp"

#include "net/detail/handler_slot.hpp"
#include "net/detail/polled_executor.hpp"
#include "net/detail/polled_socket.hpp"
#include "net/detail/socket_ops.hpp"
#include "net/detail/tls_stream.hpp"

namespace tickpath::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

const char* to_string(SessionState state) noexcept {
  switch (state) {
    case SessionState::Idle:
      return "idle";
    case SessionState::Resolving:
      return "resolving";
    case SessionState::Connecting:
      return "connecting";
    case SessionState::TlsHandshake:
      return "tls_handshake";
    case SessionState::WsHandshake:
      return "ws_handshake";
    case SessionState::Open:
      return "open";
    case SessionState::Closing:
      return "closing";
    case SessionState::Backoff:
      return "backoff";
    case SessionState::Stopped:
      return "stopped";
  }
  return "unknown";
}

const char* to_string(CloseReason reason) noexcept {
  switch (reason) {
    case CloseReason::ResolveFailed:
      return "resolve_failed";
    case CloseReason::ConnectFailed:
      return "connect_failed";
    case CloseReason::TlsHandshakeFailed:
      return "tls_handshake_failed";
    case CloseReason::WsHandshakeFailed:
      return "ws_handshake_failed";
    case CloseReason::StepTimeout:
      return "step_timeout";
    case CloseReason::PongTimeout:
      return "pong_timeout";
    case CloseReason::ServerClosed:
      return "server_closed";
    case CloseReason::ReadError:
      return "read_error";
    case CloseReason::WriteError:
      return "write_error";
    case CloseReason::MessageTooBig:
      return "message_too_big";
    case CloseReason::LocalClose:
      return "local_close";
    case CloseReason::Requested:
      return "requested";
  }
  return "unknown";
}

namespace {

template <typename T>
struct TransportTraits;
template <>
struct TransportTraits<TlsTransport> {
  using Stream = detail::TlsStream;
  static constexpr bool kTls = true;
};
template <>
struct TransportTraits<PlainTransport> {
  using Stream = detail::PolledSocket;
  static constexpr bool kTls = false;
};

void validate(const WsSessionConfig& c, bool tls, WsUrl& url) {
  std::string why;
  auto parsed = parse_ws_url(c.url, &why);
  if (!parsed) {
    throw std::invalid_argument("ws session url '" + c.url + "': " + why);
  }
  if (parsed->tls != tls) {
    throw std::invalid_argument("ws session url '" + c.url + "': scheme does not match the transport (" +
                                (tls ? "wss:// expected" : "ws:// expected") + ")");
  }
  url = std::move(*parsed);
  auto positive = [](std::chrono::nanoseconds d, const char* name) {
    if (d.count() <= 0) {
      throw std::invalid_argument(std::string("ws session ") + name + " must be positive");
    }
  };
  positive(c.ping_interval, "ping_interval");
  positive(c.pong_timeout, "pong_timeout");
  positive(c.resolve_timeout, "resolve_timeout");
  positive(c.connect_timeout, "connect_timeout");
  positive(c.tls_handshake_timeout, "tls_handshake_timeout");
  positive(c.ws_handshake_timeout, "ws_handshake_timeout");
  positive(c.close_timeout, "close_timeout");
  if (c.max_message_bytes == 0) {
    throw std::invalid_argument("ws session max_message_bytes must be positive");
  }
  if (c.max_send_queue == 0) {
    throw std::invalid_argument("ws session max_send_queue must be positive");
  }
}

}  // namespace

template <typename Transport>
class WsSession<Transport>::Impl {
  using Stream = typename TransportTraits<Transport>::Stream;
  static constexpr bool kTls = TransportTraits<Transport>::kTls;
  // permessage-deflate off: venues we speak to don't need it, and it would allocate zlib state.
  using Ws = websocket::stream<Stream, false>;
  using Alloc = detail::ArenaAllocator<void>;

  // Every completion handler is bound to one connection (gen); completions of an older
  // connection, still queued when it was torn down, are ignored. Their associated allocator
  // is the session's arena, so Asio and Beast allocate intermediate state from it.
  struct Bound {
    Impl* self;
    std::uint64_t gen;
    using allocator_type = Alloc;
    [[nodiscard]] allocator_type get_allocator() const noexcept { return allocator_type(self->arena_); }
  };
  struct OnTls : Bound {
    void operator()(error_code ec) const { this->self->on_tls(this->gen, ec); }
  };
  struct OnWsHandshake : Bound {
    void operator()(error_code ec) const { this->self->on_ws_handshake(this->gen, ec); }
  };
  struct OnRead : Bound {
    void operator()(error_code ec, std::size_t n) const { this->self->on_read(this->gen, ec, n); }
  };
  struct OnWrite : Bound {
    void operator()(error_code ec, std::size_t n) const { this->self->on_write(this->gen, ec, n); }
  };
  struct OnPing : Bound {
    void operator()(error_code ec) const { this->self->on_ping(this->gen, ec); }
  };
  struct OnClose : Bound {
    void operator()(error_code ec) const { this->self->on_close_done(this->gen, ec); }
  };

 public:
  Impl(WsSessionConfig config, WsHandler& handler)
      : cfg_(std::move(config)),
        handler_(handler),
        work_(asio::make_work_guard(io_)),
        ex_(io_.get_executor(), services_),
        policy_(cfg_.backoff),
        rx_(cfg_.max_message_bytes + kFramePadding) {
    validate(cfg_, kTls, url_);
    host_header_ = url_.host_header();
    if constexpr (kTls) {
      tls_.emplace(cfg_.tls);
    }
    rx_.reserve(std::min(cfg_.initial_buffer_bytes, cfg_.max_message_bytes) + kFramePadding);
  }

  ~Impl() {
    ++gen_;
    ws_.reset();
  }

  void start() {
    if (state_ != SessionState::Idle && state_ != SessionState::Stopped) {
      return;
    }
    stop_requested_ = false;
    policy_.reset();
    now_ns_ = monotonic_ns();
    begin_resolve();
  }

  void stop() {
    stop_requested_ = true;
    now_ns_ = monotonic_ns();
    switch (state_) {
      case SessionState::Idle:
      case SessionState::Stopped:
      case SessionState::Closing:
        return;
      case SessionState::Open:
        set_state(SessionState::Closing);
        deadline_ns_ = now_ns_ + cfg_.close_timeout.count();
        send_queue_.clear();
        ws_->async_close(websocket::close_code::normal, OnClose{{this, gen_}});
        return;
      case SessionState::Backoff:
        ++gen_;
        set_state(SessionState::Stopped);
        return;
      default:
        fail(CloseReason::LocalClose, asio::error::operation_aborted);
        return;
    }
  }

  void reconnect() noexcept {
    switch (state_) {
      case SessionState::Idle:
      case SessionState::Stopped:
      case SessionState::Closing:
      case SessionState::Backoff:
        return;
      default:
        fail(CloseReason::Requested, asio::error::operation_aborted);
        return;
    }
  }

  int poll() noexcept {
    now_ns_ = monotonic_ns();
    in_poll_ = true;
    int work = 0;
    switch (state_) {
      case SessionState::Idle:
      case SessionState::Stopped:
        break;
      case SessionState::Resolving:
        work += poll_resolving();
        break;
      case SessionState::Connecting:
        work += poll_connecting();
        break;
      case SessionState::Backoff:
        if (now_ns_ >= backoff_until_ns_) {
          ++work;
          begin_resolve();
        }
        break;
      case SessionState::TlsHandshake:
      case SessionState::WsHandshake:
      case SessionState::Open:
      case SessionState::Closing:
        work += ws_->next_layer().poll();
        work += static_cast<int>(io_.poll());
        check_deadlines();
        break;
    }
    if (teardown_pending_) {
      teardown_now();
    }
    in_poll_ = false;
    return work;
  }

  SendResult send_text(std::string_view text) {
    if (state_ != SessionState::Open) {
      return SendResult::NotOpen;
    }
    if (text.size() > cfg_.max_message_bytes) {
      return SendResult::TooLarge;
    }
    if (send_queue_.size() >= cfg_.max_send_queue) {
      return SendResult::QueueFull;
    }
    send_queue_.emplace_back(text);
    pump_send();
    return SendResult::Queued;
  }

  [[nodiscard]] SessionState state() const noexcept { return state_; }
  [[nodiscard]] const WsCounters& counters() const noexcept {
    counters_.handler_heap_allocations = arena_.heap_allocations();
    return counters_;
  }
  [[nodiscard]] long tls_verify_result() const noexcept { return verify_result_; }
  [[nodiscard]] std::chrono::nanoseconds current_backoff() const noexcept {
    return state_ == SessionState::Backoff ? backoff_ : std::chrono::nanoseconds{0};
  }

 private:
  void set_state(SessionState to) noexcept {
    if (to == state_) {
      return;
    }
    const SessionState from = state_;
    state_ = to;
    handler_.on_state(from, to);
  }

  // --- connect chain (cold) ---------------------------------------------------------------

  void begin_resolve() noexcept {
    ++counters_.connect_attempts;
    ++gen_;
    set_state(SessionState::Resolving);
    deadline_ns_ = now_ns_ + cfg_.resolve_timeout.count();
    detail::Resolver::Status status = detail::Resolver::Status::Failed;
    try {
      status = resolver_.start(url_.host, url_.port);
    } catch (const std::exception&) {
      fail(CloseReason::ResolveFailed, asio::error::no_memory);
      return;
    }
    if (status == detail::Resolver::Status::Done) {
      begin_connect();
    } else if (status == detail::Resolver::Status::Failed) {
      fail(CloseReason::ResolveFailed, resolver_.error());
    }
  }

  int poll_resolving() noexcept {
    switch (resolver_.poll()) {
      case detail::Resolver::Status::Done:
        begin_connect();
        return 1;
      case detail::Resolver::Status::Failed:
        fail(CloseReason::ResolveFailed, resolver_.error());
        return 1;
      default:
        if (now_ns_ > deadline_ns_) {
          ++counters_.step_timeouts;
          fail(CloseReason::StepTimeout, asio::error::timed_out);
          return 1;
        }
        return 0;
    }
  }

  void begin_connect() noexcept {
    set_state(SessionState::Connecting);
    deadline_ns_ = now_ns_ + cfg_.connect_timeout.count();
    next_endpoint_ = 0;
    last_connect_error_ = asio::error::host_not_found;
    try_next_endpoint();
  }

  void try_next_endpoint() noexcept {
    const auto& endpoints = resolver_.endpoints();
    while (next_endpoint_ < endpoints.size()) {
      error_code ec;
      detail::Fd fd = detail::start_connect(endpoints[next_endpoint_], ec);
      if (fd.valid()) {
        connecting_fd_ = std::move(fd);
        return;
      }
      last_connect_error_ = ec;
      ++next_endpoint_;
    }
    fail(CloseReason::ConnectFailed, last_connect_error_);
  }

  int poll_connecting() noexcept {
    error_code ec;
    switch (detail::poll_connect(connecting_fd_.get(), ec)) {
      case detail::ConnectStatus::Connected:
        on_connected();
        return 1;
      case detail::ConnectStatus::Failed:
        connecting_fd_.reset();
        last_connect_error_ = ec;
        ++next_endpoint_;
        try_next_endpoint();
        return 1;
      case detail::ConnectStatus::Pending:
        break;
    }
    if (now_ns_ > deadline_ns_) {
      ++counters_.step_timeouts;
      fail(CloseReason::StepTimeout, asio::error::timed_out);
      return 1;
    }
    return 0;
  }

  void on_connected() noexcept {
    try {
      if constexpr (kTls) {
        SSL* ssl = tls_->new_client_session(url_.host);
        ws_.emplace(ex_, std::move(connecting_fd_), ssl);
      } else {
        ws_.emplace(ex_, std::move(connecting_fd_));
      }
      configure_ws();
    } catch (const std::exception&) {
      ws_.reset();
      fail(kTls ? CloseReason::TlsHandshakeFailed : CloseReason::ConnectFailed, asio::error::no_memory);
      return;
    }
    if constexpr (kTls) {
      set_state(SessionState::TlsHandshake);
      deadline_ns_ = now_ns_ + cfg_.tls_handshake_timeout.count();
      ws_->next_layer().async_handshake(OnTls{{this, gen_}});
    } else {
      begin_ws_handshake();
    }
  }

  void configure_ws() {
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = websocket::stream_base::none();
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_->set_option(timeouts);  // ours are checked in poll(); Beast's would arm an Asio timer
    ws_->set_option(websocket::stream_base::decorator([ua = cfg_.user_agent](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, ua);
    }));
    ws_->read_message_max(cfg_.max_message_bytes);
    ws_->auto_fragment(false);
    ws_->text(true);
    const std::uint64_t gen = gen_;
    ws_->control_callback([this, gen](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) {
        on_pong(gen);
      }
    });
  }

  void on_tls(std::uint64_t gen, error_code ec) noexcept {
    if (gen != gen_) {
      return;
    }
    if constexpr (kTls) {
      verify_result_ = ws_->next_layer().verify_result();
    }
    if (ec) {
      fail(CloseReason::TlsHandshakeFailed, ec);
      return;
    }
    begin_ws_handshake();
  }

  void begin_ws_handshake() noexcept {
    set_state(SessionState::WsHandshake);
    deadline_ns_ = now_ns_ + cfg_.ws_handshake_timeout.count();
    ws_->async_handshake(host_header_, url_.target, OnWsHandshake{{this, gen_}});
  }

  void on_ws_handshake(std::uint64_t gen, error_code ec) noexcept {
    if (gen != gen_) {
      return;
    }
    if (ec) {
      fail(CloseReason::WsHandshakeFailed, ec);
      return;
    }
    set_state(SessionState::Open);
    ++counters_.connects;
    policy_.on_open(now_ns_);
    next_ping_ns_ = now_ns_ + cfg_.ping_interval.count();
    awaiting_pong_ = false;
    start_read();
    handler_.on_open();
  }

  // --- steady state -----------------------------------------------------------------------

  void start_read() noexcept { ws_->async_read(rx_, OnRead{{this, gen_}}); }

  void on_read(std::uint64_t gen, error_code ec, std::size_t /*n*/) noexcept {
    if (gen != gen_) {
      return;
    }
    if (ec) {
      if (state_ == SessionState::Closing) {
        return;  // our close handshake is finishing; on_close_done() ends it
      }
      const CloseReason reason = ec == websocket::error::closed            ? CloseReason::ServerClosed
                                 : ec == websocket::error::message_too_big ? CloseReason::MessageTooBig
                                                                           : CloseReason::ReadError;
      fail(reason, ec);
      return;
    }
    const std::size_t size = rx_.size();
    if (TICKPATH_UNLIKELY(rx_.capacity() - size < kFramePadding)) {
      rx_.reserve(size + kFramePadding);  // once per new largest message; flat_buffer keeps it
    }
    const WsFrame frame{std::span<const char>(static_cast<const char*>(rx_.data().data()), size),
                        ws_->next_layer().last_recv_tsc(), ws_->got_text()};
    ++counters_.frames_received;
    counters_.bytes_received += size;
    handler_.on_frame(frame);
    rx_.consume(size);
    if (gen == gen_ && state_ == SessionState::Open) {
      start_read();
    }
  }

  void on_pong(std::uint64_t gen) noexcept {
    if (gen != gen_ || !awaiting_pong_) {
      return;
    }
    awaiting_pong_ = false;
    ++counters_.pongs_received;
    next_ping_ns_ = ping_sent_ns_ + cfg_.ping_interval.count();
  }

  void on_ping(std::uint64_t gen, error_code ec) noexcept {
    if (gen != gen_) {
      return;
    }
    ping_in_flight_ = false;
    if (ec && state_ == SessionState::Open) {
      fail(CloseReason::WriteError, ec);
    }
  }

  void pump_send() {
    if (write_in_flight_ || send_queue_.empty() || state_ != SessionState::Open) {
      return;
    }
    write_in_flight_ = true;
    ws_->async_write(asio::buffer(send_queue_.front()), OnWrite{{this, gen_}});
  }

  void on_write(std::uint64_t gen, error_code ec, std::size_t n) noexcept {
    if (gen != gen_) {
      return;
    }
    write_in_flight_ = false;
    if (ec) {
      if (state_ == SessionState::Open) {
        fail(CloseReason::WriteError, ec);
      }
      return;
    }
    ++counters_.frames_sent;
    counters_.bytes_sent += n;
    if (!send_queue_.empty()) {
      send_queue_.pop_front();
    }
    try {
      pump_send();
    } catch (const std::exception&) {
      fail(CloseReason::WriteError, asio::error::no_memory);
    }
  }

  void on_close_done(std::uint64_t gen, error_code ec) noexcept {
    if (gen != gen_) {
      return;
    }
    fail(CloseReason::LocalClose, ec);
  }

  void check_deadlines() noexcept {
    switch (state_) {
      case SessionState::TlsHandshake:
      case SessionState::WsHandshake:
        if (now_ns_ > deadline_ns_) {
          ++counters_.step_timeouts;
          fail(CloseReason::StepTimeout, asio::error::timed_out);
        }
        return;
      case SessionState::Closing:
        if (now_ns_ > deadline_ns_) {
          fail(CloseReason::LocalClose, asio::error::timed_out);
        }
        return;
      case SessionState::Open:
        if (awaiting_pong_) {
          if (now_ns_ - ping_sent_ns_ > cfg_.pong_timeout.count()) {
            ++counters_.pong_timeouts;
            fail(CloseReason::PongTimeout, asio::error::timed_out);
          }
        } else if (!ping_in_flight_ && now_ns_ >= next_ping_ns_) {
          ping_in_flight_ = true;
          awaiting_pong_ = true;
          ping_sent_ns_ = now_ns_;
          ++counters_.pings_sent;
          ws_->async_ping(websocket::ping_data{}, OnPing{{this, gen_}});
        }
        return;
      default:
        return;
    }
  }

  // --- ending a connection ------------------------------------------------------------------

  // Ends the current connection or attempt: stale completions are ignored from now on (gen),
  // the stream is destroyed at the end of poll() (never inside its own call stack), the state
  // moves to Backoff (or Stopped), then the handler hears why.
  void fail(CloseReason reason, error_code ec) noexcept {
    if (state_ == SessionState::Backoff || state_ == SessionState::Stopped || state_ == SessionState::Idle) {
      return;
    }
    // A fresh reading, not the poll's: the backoff starts when the failure is handled, however
    // long the rest of this poll took (not steady state; a vDSO clock read).
    now_ns_ = monotonic_ns();
    const bool was_open = state_ == SessionState::Open || state_ == SessionState::Closing;
    ++gen_;
    if (was_open) {
      ++counters_.disconnects;
      policy_.on_close(now_ns_);
    }
    teardown_pending_ = true;
    send_queue_.clear();
    write_in_flight_ = false;
    ping_in_flight_ = false;
    awaiting_pong_ = false;
    if (stop_requested_ || !cfg_.reconnect || reason == CloseReason::LocalClose) {
      backoff_ = std::chrono::nanoseconds{0};
      set_state(SessionState::Stopped);
    } else {
      backoff_ = policy_.next_delay();
      backoff_until_ns_ = now_ns_ + backoff_.count();
      set_state(SessionState::Backoff);
    }
    handler_.on_close(reason, ec);
    if (!in_poll_) {
      teardown_now();
    }
  }

  void teardown_now() noexcept {
    teardown_pending_ = false;
    ws_.reset();
    connecting_fd_.reset();
    resolver_.cancel();
    rx_.clear();
  }

  WsSessionConfig cfg_;
  WsHandler& handler_;
  WsUrl url_;
  std::string host_header_;
  std::optional<TlsContext> tls_;

  // Destruction order matters: the stream (ws_) goes first, then queued handlers (io_), then
  // the timer service (services_), then the memory they were allocated from (arena_).
  detail::HandlerArena arena_;
  asio::io_context services_{1};  // Beast's timer service lives here; never run
  asio::io_context io_{1};        // completion handlers; owns no reactor
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  detail::PolledExecutor ex_;

  ReconnectPolicy policy_;
  detail::Resolver resolver_;
  std::size_t next_endpoint_{0};
  error_code last_connect_error_;
  detail::Fd connecting_fd_;
  std::optional<Ws> ws_;
  beast::flat_buffer rx_;
  std::deque<std::string> send_queue_;

  SessionState state_{SessionState::Idle};
  std::uint64_t gen_{0};
  std::int64_t now_ns_{0};
  std::int64_t deadline_ns_{0};
  std::int64_t backoff_until_ns_{0};
  std::chrono::nanoseconds backoff_{0};
  std::int64_t next_ping_ns_{0};
  std::int64_t ping_sent_ns_{0};
  long verify_result_{0};
  bool awaiting_pong_{false};
  bool ping_in_flight_{false};
  bool write_in_flight_{false};
  bool teardown_pending_{false};
  bool in_poll_{false};
  bool stop_requested_{false};
  mutable WsCounters counters_;
};

template <typename Transport>
WsSession<Transport>::WsSession(WsSessionConfig config, WsHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(config), handler)) {}

template <typename Transport>
WsSession<Transport>::~WsSession() = default;

template <typename Transport>
void WsSession<Transport>::start() {
  impl_->start();
}

template <typename Transport>
void WsSession<Transport>::stop() {
  impl_->stop();
}

template <typename Transport>
void WsSession<Transport>::reconnect() noexcept {
  impl_->reconnect();
}

template <typename Transport>
int WsSession<Transport>::poll() noexcept {
  return impl_->poll();
}

template <typename Transport>
SendResult WsSession<Transport>::send_text(std::string_view text) {
  return impl_->send_text(text);
}

template <typename Transport>
SessionState WsSession<Transport>::state() const noexcept {
  return impl_->state();
}

template <typename Transport>
const WsCounters& WsSession<Transport>::counters() const noexcept {
  return impl_->counters();
}

template <typename Transport>
long WsSession<Transport>::tls_verify_result() const noexcept {
  return impl_->tls_verify_result();
}

template <typename Transport>
std::chrono::nanoseconds WsSession<Transport>::current_backoff() const noexcept {
  return impl_->current_backoff();
}

template class WsSession<TlsTransport>;
template class WsSession<PlainTransport>;

}  // namespace tickpath::net

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
