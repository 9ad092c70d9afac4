#pragma once
// A small websocket server for the net tests: Beast, synchronous, loopback, one thread per
// connection plus an accept thread. TLS (with a certificate from net::generate_self_signed) or
// plain TCP. What it does with each new connection is a Script, set before the client connects.
// Not a mock: the client under test talks real TCP/TLS/websocket to it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tickpath/net/tls_cert.hpp"

namespace tickpath::net::test {

struct Script {
  enum class After : std::uint8_t { Echo, Silent, Close };
  std::vector<std::string> on_open;  // text messages sent right after the handshake
  std::size_t stream_count{0};       // then this many generated frames ...
  std::size_t stream_bytes{0};       // ... of this size ("<seq>:" then filler)
  std::chrono::microseconds stream_gap{0};
  std::size_t fragment_bytes{0};  // > 0: messages go out in fragments of about this size
  After after{After::Echo};       // Echo: read (answers pings) and echo; Silent: neither; Close: close
  bool echo{true};                // in After::Echo, write received messages back
};

class WsTestServer {
 public:
  // Listens on 127.0.0.1, an ephemeral port. cert: TLS with that certificate; nullptr: plain.
  explicit WsTestServer(const PemCertificate* cert);
  ~WsTestServer();
  WsTestServer(const WsTestServer&) = delete;
  WsTestServer& operator=(const WsTestServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] std::string url(const std::string& host = "127.0.0.1", const std::string& path = "/ws") const;

  void set_script(Script script);  // for connections accepted from now on
  void stop();                     // closes everything and joins; idempotent

  [[nodiscard]] int tcp_accepts() const noexcept { return accepts_.load(); }
  [[nodiscard]] int handshakes() const noexcept { return handshakes_.load(); }
  [[nodiscard]] int pings() const noexcept { return pings_.load(); }
  [[nodiscard]] std::vector<std::string> received() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_{0};
  std::atomic<int> accepts_{0};
  std::atomic<int> handshakes_{0};
  std::atomic<int> pings_{0};
};

// A TCP listener that never accepts and never answers: connects succeed (kernel backlog), every
// handshake stalls. For step-timeout tests.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  int fd_{-1};
  std::uint16_t port_{0};
};

// A loopback port with nothing listening (connections are refused).
[[nodiscard]] std::uint16_t closed_port();

// A temporary file removed on destruction.
class TempFile {
 public:
  explicit TempFile(const std::string& contents);
  ~TempFile();
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace tickpath::net::test
