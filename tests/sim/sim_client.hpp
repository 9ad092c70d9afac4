#pragma once
// Small blocking clients for the simulator's tests: HTTPS/HTTP with keep-alive and a websocket,
// both on Boost.Beast over real loopback sockets, trusting the simulator's generated certificate.
// Each call has a deadline, so a stalled simulator fails the test instead of hanging it.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tickpath/sim/server.hpp"

namespace tickpath::sim::test {

struct Reply {
  int status{0};
  std::string body;
  std::string content_type;
};

// Credentials used to sign REST requests and websocket challenges.
struct Key {
  std::string api_key;
  std::string secret_base64;
};

class RestClient {
 public:
  // base_url e.g. "https://127.0.0.1:8443"; ca_pem trusted when the scheme is https.
  RestClient(const Endpoints& endpoints);
  ~RestClient();

  // A raw request: target is path + query as sent.
  Reply request(std::string_view method, std::string_view target, std::string_view body = {},
                const std::map<std::string, std::string>& headers = {});
  // GET of a public endpoint: "instruments" -> /derivatives/api/v3/instruments.
  Reply get_public(std::string_view endpoint);
  // A signed private request: parameters in the query string (`query`, already encoded) and/or a
  // form body; nonce "" = no Nonce header.
  Reply signed_request(const Key& key, std::string_view method, std::string_view endpoint,
                       std::string_view query, std::string_view body = {}, std::string_view nonce = {});

  // Sends raw bytes and returns what comes back until the server closes or the deadline passes.
  std::string raw_exchange(std::string_view bytes);

  [[nodiscard]] bool connected() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class WsClient {
 public:
  explicit WsClient(const Endpoints& endpoints, std::string_view path = "/ws/v1");
  ~WsClient();

  void send(std::string_view text);
  void ping();
  // The next text message, or nullopt when none arrives within timeout (or the connection ended).
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
  // Reads until a message containing `needle` arrives; returns it (nullopt on timeout). Messages
  // read on the way are appended to skipped when given.
  std::optional<std::string> read_until(std::string_view needle,
                                        std::chrono::milliseconds timeout = std::chrono::milliseconds(3000),
                                        std::vector<std::string>* skipped = nullptr);
  // True once the server has closed the connection (a read returned an error).
  [[nodiscard]] bool closed() const noexcept;
  // Subscribes a private feed: challenge, sign, subscribe. Returns the challenge used.
  std::string authenticate(const Key& key);
  void subscribe_private(const Key& key, std::string_view feed, const std::string& challenge);
  // Sends a protocol Ping and waits for its Pong; false when none comes within timeout or the
  // connection ends. A text message arriving first ends the wait too (false; the message is kept
  // for the next read()): call it when no message is expected.
  bool ping_pong(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Extracts a top-level-or-nested string field value `"key":"value"` (first occurrence); "" when
// absent. Good enough for assertions on the simulator's own compact JSON.
std::string field(std::string_view json, std::string_view key);
// Same for a number field `"key":123` (first occurrence, integer part); nullopt when absent.
std::optional<std::int64_t> int_field(std::string_view json, std::string_view key);

}  // namespace tickpath::sim::test
