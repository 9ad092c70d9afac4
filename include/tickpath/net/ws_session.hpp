#pragma once
// A websocket client session (wss:// or ws://) driven by the hot thread's duty cycle.
//
// Lifecycle (every transition is reported to WsHandler::on_state):
//
//   Idle --start()--> Resolving -> Connecting -> TlsHandshake (wss only) -> WsHandshake -> Open
//                         ^                                                              |
//                         |        any failure, step timeout, pong timeout, server close |
//                      Backoff <------------------------------------------------- then on_close
//   stop(): Open -> Closing (close frame, bounded by close_timeout) -> Stopped; else -> Stopped.
//
// Threading: one owning thread (the hot thread) calls everything, including the constructor's
// successors start()/poll()/send_text()/stop(); handler callbacks run inside poll() on that thread.
//
// The hot-path contract (ARCHITECTURE §1, STYLE B1.5): poll() never blocks and never throws. In
// the steady state -- Open, frames flowing, no sends queued -- a poll() makes one recv() on the
// socket (plus a send() when a ping, pong or queued text goes out) and no other syscall: no
// epoll_wait, no timerfd, no clock syscall (clock_gettime goes through the vDSO), no allocation
// by our code, Asio or Beast, and no logging. One exception we do not control: OpenSSL 3.0's
// record layer mallocs small blocks per TLS record (see TlsConfig::max_version; with TLS 1.2
// none on the receive path). tests/net/steady_state_test.cpp measures all of this. How:
//   * the transports are our own Asio streams over a non-blocking socket: poll() does one recv()
//     into the pending read's buffer (plain) or into OpenSSL's input BIO (TLS) and completes the
//     stored handler;
//   * Beast's websocket stream runs on top; its handlers are dispatched through an io_context
//     that owns no reactor (nothing installs one: Beast's timer service is redirected to a
//     separate, never-run context), so io_context::poll() is pure user space;
//   * Beast's own timeouts are off; step timeouts, the ping interval and the pong timeout are
//     compared against monotonic_ns() once per poll();
//   * handler state that Asio/Beast allocate (posted completions, the ping operation) comes from
//     a fixed per-session arena; the receive buffer and handler slots are reused after warm-up.
// Not steady state (may allocate and make other syscalls, still never block): resolving
// (a short-lived getaddrinfo helper thread for names; IP literals convert inline), connecting
// (non-blocking connect, then a zero-timeout poll(2) + SO_ERROR per poll), the handshakes,
// send_text(), closing and reconnecting.
//
// Frames: each complete message (fragments assembled) is handed to on_frame() as one contiguous
// span inside a buffer the session owns, followed by at least kFramePadding readable bytes
// (simdjson's SIMDJSON_PADDING), so a parser can run in place. The span is valid until on_frame()
// returns. Messages above max_message_bytes fail the connection (CloseReason::MessageTooBig).
//
// Transport: WsSession<TlsTransport> speaks wss:// (TLS 1.2+, peer verification always on, see
// tls_context.hpp); WsSession<PlainTransport> speaks ws:// (tests, simulator on loopback). Both
// are instantiated in ws_session.cpp, the only translation unit that includes Beast.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

#include "tickpath/net/reconnect_policy.hpp"
#include "tickpath/net/tls_context.hpp"

namespace tickpath::net {

// Readable bytes guaranteed after every frame handed to on_frame (>= SIMDJSON_PADDING == 64).
inline constexpr std::size_t kFramePadding = 64;

struct TlsTransport {};    // wss://
struct PlainTransport {};  // ws://

enum class SessionState : std::uint8_t {
  Idle,
  Resolving,
  Connecting,
  TlsHandshake,
  WsHandshake,
  Open,
  Closing,
  Backoff,
  Stopped,
};

// Why a connection (or an attempt) ended; passed to on_close with the underlying error_code.
enum class CloseReason : std::uint8_t {
  ResolveFailed,       // getaddrinfo failed (ec: asio netdb/addrinfo errors)
  ConnectFailed,       // every resolved address refused or failed (ec: the last errno)
  TlsHandshakeFailed,  // includes certificate / host name verification (ec: ssl category)
  WsHandshakeFailed,   // HTTP upgrade refused or malformed (ec: beast websocket/http errors)
  StepTimeout,         // a connect step exceeded its timeout (ec: asio::error::timed_out)
  PongTimeout,         // no Pong within pong_timeout after our Ping (ec: asio::error::timed_out)
  ServerClosed,        // the server sent a close frame (ec: websocket::error::closed)
  ReadError,           // EOF, reset, TLS error while open
  WriteError,          // a send failed while open
  MessageTooBig,       // a message exceeded max_message_bytes
  LocalClose,          // stop() was called (the session goes to Stopped, not Backoff)
  Requested,           // reconnect() was called (ec: asio::error::operation_aborted)
};

[[nodiscard]] const char* to_string(SessionState state) noexcept;
[[nodiscard]] const char* to_string(CloseReason reason) noexcept;

struct WsFrame {
  std::span<const char> payload;  // the whole message; payload.data() + size() + kFramePadding readable
  std::uint64_t recv_tsc{0};      // rdtsc() when the recv() that completed this message returned
  bool text{true};                // text (true) or binary (false) message
};

// Implemented by the venue adapter (or a test). All callbacks run inside poll() on the session's
// thread and must not throw. on_open() and on_close() are cold (may allocate, may call
// send_text() / stop()); on_frame() is the hot path.
class WsHandler {
 public:
  virtual ~WsHandler() = default;
  // The websocket handshake completed; subscribe here (state is not resumed across reconnects,
  // kraken-futures-protocol.md §6.1 item 6).
  virtual void on_open() noexcept = 0;
  virtual void on_frame(const WsFrame& frame) noexcept = 0;
  // A connection or connection attempt ended. Called once per attempt that does not reach Open
  // and once per Open connection, right after the state moved to Backoff (or Stopped), so
  // on_state() has already reported the transition and WsSession::current_backoff() tells the
  // delay. The connection's stream is destroyed at the end of the current poll().
  virtual void on_close(CloseReason reason, const boost::system::error_code& ec) noexcept = 0;
  virtual void on_state(SessionState /*from*/, SessionState /*to*/) noexcept {}
};

struct WsSessionConfig {
  std::string url;  // "wss://host[:port]/path" or "ws://..."; must match the transport
  TlsConfig tls{};  // trust anchors (wss only); verification itself cannot be disabled
  std::chrono::nanoseconds ping_interval{std::chrono::seconds{20}};  // protocol Ping period
  std::chrono::nanoseconds pong_timeout{std::chrono::seconds{10}};   // Ping -> Pong deadline
  std::chrono::nanoseconds resolve_timeout{std::chrono::seconds{5}};
  std::chrono::nanoseconds connect_timeout{std::chrono::seconds{5}};
  std::chrono::nanoseconds tls_handshake_timeout{std::chrono::seconds{5}};
  std::chrono::nanoseconds ws_handshake_timeout{std::chrono::seconds{5}};
  std::chrono::nanoseconds close_timeout{std::chrono::seconds{2}};
  std::size_t max_message_bytes{16U * 1024U * 1024U};
  // Receive buffer reserved at construction (grows, once, for larger messages; never shrinks).
  std::size_t initial_buffer_bytes{256U * 1024U};
  std::size_t max_send_queue{1024};  // queued text messages
  std::string user_agent{"tickpath"};
  BackoffConfig backoff{};
  bool reconnect{true};  // false: a closed connection ends in Stopped instead of Backoff
};

// Every counter is written by the session's thread only; read them there (or after it stopped).
struct WsCounters {
  std::uint64_t connect_attempts{0};  // Resolving entered
  std::uint64_t connects{0};          // Open reached
  std::uint64_t disconnects{0};       // Open (or Closing) left
  std::uint64_t bytes_received{0};    // message payload bytes delivered to on_frame
  std::uint64_t frames_received{0};   // messages delivered to on_frame
  std::uint64_t bytes_sent{0};        // payload bytes of text messages written
  std::uint64_t frames_sent{0};       // text messages written
  std::uint64_t pings_sent{0};
  std::uint64_t pongs_received{0};
  std::uint64_t pong_timeouts{0};
  std::uint64_t step_timeouts{0};
  std::uint64_t handler_heap_allocations{0};  // Asio/Beast handler state that missed the arena
};

enum class SendResult : std::uint8_t { Queued, NotOpen, QueueFull, TooLarge };

template <typename Transport>
class WsSession {
 public:
  // Cold. Throws std::invalid_argument for a bad URL or config, std::runtime_error for TLS
  // set-up failures (unreadable CA file). The handler must outlive the session.
  WsSession(WsSessionConfig config, WsHandler& handler);
  ~WsSession();
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  // Idle/Stopped -> Resolving. The first attempt starts immediately; failures back off.
  void start();
  // Graceful: an Open connection sends a close frame and waits for the server's (close_timeout);
  // the session ends in Stopped and does not reconnect. Call poll() until state() == Stopped.
  void stop();
  // Drops the current connection (or connection attempt) at once, without a close handshake --
  // the peer is presumed dead or stale (a silent feed) -- and reconnects after a backoff delay,
  // exactly as after a failure: on_close(CloseReason::Requested, operation_aborted), then Backoff.
  // No effect in Idle, Backoff, Closing or Stopped. Cold (tears the stream down); may be called
  // from a handler callback.
  void reconnect() noexcept;

  // One duty cycle: drives the current step, runs completions, checks deadlines. Returns the
  // amount of work done (0 = idle). noexcept, non-blocking; see the steady-state contract above.
  int poll() noexcept;

  // Queues a text message (copied) behind any queued before it; messages go out in order, one
  // websocket write at a time. Only while Open; the queue is dropped when the connection ends.
  [[nodiscard]] SendResult send_text(std::string_view text);

  [[nodiscard]] SessionState state() const noexcept;
  [[nodiscard]] const WsCounters& counters() const noexcept;
  // X509_V_OK (0) or the X509_V_ERR_* reason of the last TLS handshake (always 0 for ws://).
  [[nodiscard]] long tls_verify_result() const noexcept;
  // The delay chosen for the current Backoff (0 outside Backoff).
  [[nodiscard]] std::chrono::nanoseconds current_backoff() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

using TlsWsSession = WsSession<TlsTransport>;
using PlainWsSession = WsSession<PlainTransport>;

extern template class WsSession<TlsTransport>;
extern template class WsSession<PlainTransport>;

}  // namespace tickpath::net
