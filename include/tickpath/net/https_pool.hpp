#pragma once
// A small pool of keep-alive HTTP/1.1 client connections (https:// or http://) driven by the hot
// thread's duty cycle: order entry over REST (kraken-futures-protocol.md §4). Several connections
// stay open so one slow answer does not hold the next order; each carries one request at a time
// (no pipelining) under its own deadline.
//
// Per connection:
//
//   Idle --start()--> Resolving -> Connecting -> TlsHandshake (https only) -> Open <-------+
//                          ^                                                     |          |
//                          |  connect failure/timeout; a connection that ends    |  submit  |
//                       Backoff <-------------------------------------------------+  -> answer
//   stop(): every connection -> Stopped (no close handshake; in-flight requests fail).
//
// A connection that ends after it worked (it answered at least once, or stayed up a second) is
// reopened at once; one that fails to connect, or dies right after connecting, backs off
// (BackoffConfig, per connection). Reasons it ends: a request timed out (a late answer must never
// be read as the next request's), the connection failed, an answer said `Connection: close` (or was
// HTTP/1.0 without keep-alive, or delimited by EOF), bytes arrived with nothing in flight, the
// server closed it while idle (reopened silently), or it sat unused for idle_timeout (reopened
// before the server's own keep-alive timeout closes it under a request).
//
// Requests are complete HTTP/1.1 request bytes built by the caller (the order encoder), written
// exactly as given; they should not ask for `Connection: close` (the pool would reconnect after
// each answer). A HEAD request (the bytes start with "HEAD ") is parsed as bodiless.
//
// Answers: Beast's basic_parser parses status line, fields and Content-Length or chunked bodies;
// 1xx interim answers are skipped. The body is copied into a buffer the connection owns (reserved
// at construction, grown once for a larger answer, never shrunk) and handed to on_response() with
// at least kFramePadding readable bytes after it, so simdjson can parse it in place.
//
// Outcomes: every submit() that returned true ends in exactly one on_response() or on_failure()
// for its tag, inside a later poll() (or inside stop()); submit() itself never calls the handler.
// Destroying the pool drops the requests in flight without a callback.
//
// Threading: one owning thread calls everything; callbacks run on it. Callbacks may call submit()
// (the connection that just answered is idle again when on_response runs), stop() and start()
// (except from the failure callbacks stop() itself makes: start() is ignored there).
//
// The hot-path contract (ARCHITECTURE §1, STYLE B1.5), as WsSession's: submit() and poll() never
// block and never throw. In the steady state -- connections open, requests written and answered --
// they make no syscall but the sockets' own: submit() writes the request at once (one send() or
// sendmsg(), plus one recv() because the transports poll their pending read in the same step),
// poll() makes one recv() on each connection with a request in flight and on each idle one at most
// every idle_read_interval (to notice servers closing idle keep-alives); no epoll, no timers, no
// clock syscall (deadlines are compared against monotonic_ns(), vDSO), no allocation by our code,
// Asio or Beast, no logging. OpenSSL 3.0's record layer mallocs small blocks per TLS record (see
// TlsConfig::max_version). tests/net/https_pool_test.cpp measures this. How: the connections are
// the polled transports of ws_session.hpp (our own non-blocking socket, OpenSSL over a BIO pair);
// their completion handlers only record the outcome (they are stored in slots warmed when the
// connection opens), the pool acts on it after the transport's poll returned; the parser is fed
// directly (no composed Beast operation, so no handler state to allocate).
// Not steady state (may allocate, may make other syscalls, still never blocks): connecting (a
// getaddrinfo helper thread for names; non-blocking connect; the TLS handshake runs on the owning
// thread, ~1 ms of CPU per connection), answers larger than any before (one growth), stop().

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <boost/system/error_code.hpp>

#include "tickpath/net/reconnect_policy.hpp"
#include "tickpath/net/tls_context.hpp"
#include "tickpath/net/ws_session.hpp"

namespace tickpath::net {

struct HttpsPoolConfig {
  std::string url;  // "https://host[:port]" or "http://..."; must match the transport; a path is ignored
  TlsConfig tls{};  // trust anchors (https only); verification itself cannot be disabled
  std::size_t connections{2};  // kept open, one request in flight each (no pipelining); 1..64
  // From submit() to the complete answer. On expiry the request fails (Timeout) and the
  // connection is closed and reopened.
  std::chrono::nanoseconds request_timeout{std::chrono::seconds{5}};
  // Resolve + connect + TLS handshake of one connection.
  std::chrono::nanoseconds connect_timeout{std::chrono::seconds{5}};
  // Reopen a connection unused this long (servers close idle keep-alives, and a request written
  // while the server closes is lost in between); 0 = never. One connection at a time is reopened,
  // and only while no other is opening, so the pool is never emptied by its own housekeeping.
  std::chrono::nanoseconds idle_timeout{std::chrono::seconds{50}};
  // An idle open connection is read (one recv) at most this often, to notice a server closing it;
  // connections with a request in flight are read on every poll(). 0 = every poll().
  std::chrono::nanoseconds idle_read_interval{std::chrono::milliseconds{1}};
  std::size_t max_request_bytes{16U * 1024U};           // submit() refuses larger requests
  std::size_t initial_response_bytes{64U * 1024U};      // body buffer reserved per connection
  std::size_t max_response_bytes{16U * 1024U * 1024U};  // larger bodies fail (ResponseTooLarge)
  BackoffConfig backoff{};  // reconnect delays of a failing connection (each connection its own)
};

enum class HttpFailure : std::uint8_t {
  // Never (completely) written: the venue cannot have acted on it. (Also: stop() before the
  // request was fully written.)
  NotSent,
  // Written, no complete answer within request_timeout; the connection was closed and reopened.
  // Outcome unknown.
  Timeout,
  // Written, the connection closed or failed before the answer completed (or stop() was called).
  // Outcome unknown.
  ConnectionLost,
  // The answer's body exceeded max_response_bytes (the connection was closed). The venue did act.
  ResponseTooLarge,
  // The answer could not be parsed (ec: Beast's http error; the connection was closed). The venue
  // may have acted.
  BadResponse,
};

[[nodiscard]] const char* to_string(HttpFailure failure) noexcept;

// Implemented by the order gateway (or a test). Callbacks run on the pool's thread, inside poll()
// (or stop()), and must not throw.
class HttpsHandler {
 public:
  virtual ~HttpsHandler() = default;
  // The complete answer to the request submitted with `tag` (any status: the caller decides what
  // is an error). body is valid during the call only and is followed by at least kFramePadding
  // readable bytes.
  virtual void on_response(std::uint64_t tag, unsigned status, std::span<const char> body) noexcept = 0;
  // The request submitted with `tag` ended without an answer. ec: the underlying error
  // (asio::error::timed_out for Timeout, operation_aborted for stop(), Beast's http errors for
  // BadResponse/ResponseTooLarge, the socket's or TLS error otherwise).
  virtual void on_failure(std::uint64_t tag, HttpFailure failure,
                          const boost::system::error_code& ec) noexcept = 0;
  // A connection (re)opened and is idle: a request the caller queued because submit() returned
  // false can go now (submit() may be called from here). Cold.
  virtual void on_connection_open() noexcept {}
};

// Written by the pool's thread only; read them there (or after it stopped).
struct HttpsPoolCounters {
  std::uint64_t requests{0};          // submit() returned true
  std::uint64_t refused{0};           // submit() returned false (none idle, or too large)
  std::uint64_t responses{0};         // on_response() calls (1xx interim answers not included)
  std::uint64_t timeouts{0};          // on_failure(Timeout)
  std::uint64_t connection_lost{0};   // on_failure(ConnectionLost)
  std::uint64_t not_sent{0};          // on_failure(NotSent)
  std::uint64_t too_large{0};         // on_failure(ResponseTooLarge)
  std::uint64_t bad_responses{0};     // on_failure(BadResponse)
  std::uint64_t informational{0};     // 1xx interim answers skipped
  std::uint64_t unsolicited{0};       // bytes arrived with nothing in flight (connection closed)
  std::uint64_t connect_attempts{0};  // Resolving entered
  std::uint64_t connects{0};          // Open reached
  std::uint64_t connect_failures{0};  // attempts that did not reach Open (incl. TLS verification)
  std::uint64_t disconnects{0};       // Open left, for any reason
  std::uint64_t server_closes{0};     // the server closed an idle connection (reopened silently)
  std::uint64_t keepalive_ends{0};    // answers that ended their connection (Connection: close, ...)
  std::uint64_t idle_recycles{0};     // connections reopened after idle_timeout
  std::uint64_t bytes_sent{0};        // request bytes written
  std::uint64_t bytes_received{0};    // response bytes read (status line, fields, framing, body)
  std::uint64_t body_growths{0};      // body buffers grown for an answer larger than any before
};

template <typename Transport>  // TlsTransport (https://) or PlainTransport (http://), ws_session.hpp
class HttpsPool {
 public:
  // Cold. Throws std::invalid_argument for a bad URL (or one whose scheme does not match the
  // transport) or config, std::runtime_error for TLS set-up failures (unreadable CA file).
  // Allocates every buffer: per connection max_request_bytes, initial_response_bytes + padding
  // and a 32 KiB read buffer. The handler must outlive the pool.
  HttpsPool(HttpsPoolConfig config, HttpsHandler& handler);
  ~HttpsPool();  // closes everything; no callbacks
  HttpsPool(const HttpsPool&) = delete;
  HttpsPool& operator=(const HttpsPool&) = delete;

  // Starts opening every connection (failures back off and retry). No effect while started.
  void start();
  // Closes every connection at once (no waiting). Requests in flight fail first: ConnectionLost,
  // or NotSent when not completely written (ec: operation_aborted). start() may follow.
  void stop();

  // Writes the request on the idle open connection unused longest; its answer or failure comes
  // back with `tag`. false: no connection is idle (the caller queues and retries after a
  // completion or on_connection_open()), the request is empty or larger than max_request_bytes,
  // or every idle connection failed the write outright -- nothing was sent and no callback will
  // come for this tag. noexcept; no allocation (the bytes are copied into the connection).
  [[nodiscard]] bool submit(std::uint64_t tag, std::span<const char> request) noexcept;

  [[nodiscard]] std::size_t idle() const noexcept;  // open connections with nothing in flight
  [[nodiscard]] std::size_t open() const noexcept;  // open connections

  // One duty cycle over every connection: connect steps, reads, answers, deadlines. Returns the
  // amount of work done (0 = idle). noexcept, non-blocking; callbacks run inside.
  int poll() noexcept;

  [[nodiscard]] const HttpsPoolCounters& counters() const noexcept;
  // The "Host" header value the requests should carry ("host" or "host:port").
  [[nodiscard]] const std::string& host_header() const noexcept;
  // X509_V_OK (0) or the X509_V_ERR_* reason of the last TLS handshake (always 0 for http://).
  [[nodiscard]] long tls_verify_result() const noexcept;
  // Why the last connection attempt failed (empty when none has).
  [[nodiscard]] boost::system::error_code last_connect_error() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

using TlsHttpsPool = HttpsPool<TlsTransport>;
using PlainHttpsPool = HttpsPool<PlainTransport>;

extern template class HttpsPool<TlsTransport>;
extern template class HttpsPool<PlainTransport>;

}  // namespace tickpath::net
