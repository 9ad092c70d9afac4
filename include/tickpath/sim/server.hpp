#pragma once
// tickpath-sim's transport and its public face: a listener that serves the Kraken Futures REST
// v3 API and websocket v1 on one port (HTTPS/WSS with a certificate loaded or generated at start,
// or plain HTTP/WS), driving the protocol layer (venue.hpp) from one event-loop thread with a 1 ms
// timer. Beast parses HTTP and performs the websocket upgrade; the websocket framing after it is
// the simulator's own, so that queued messages leave in one write. tickpath-sim, the engine and
// the tests all run it on its own thread with start()/stop().
//
//   REST       <scheme>://<listen_address>:<port>/derivatives/api/v3/...
//   websocket  <ws scheme>://<listen_address>:<port>/ws/v1
//   control    <scheme>://<listen_address>:<port>/sim/v1/... (venue.hpp), when [sim] control = true
//
// Slow websocket readers are cut off: a connection whose unsent messages exceed
// kMaxQueuedBytes is closed (the real venue drops slow consumers too), so one stuck client cannot
// make the simulator's memory grow without bound.
//
// Threads: construct, start, stop and read endpoints() from one controlling thread; call() runs a
// function on the event-loop thread (the only thread that touches the Venue) and waits for it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tickpath/config/config.hpp"
#include "tickpath/sim/venue.hpp"

namespace tickpath::sim {

struct Endpoints {
  std::string rest_url;  // e.g. "https://127.0.0.1:8443/derivatives/api/v3"
  std::string ws_url;    // e.g. "wss://127.0.0.1:8443/ws/v1"
  std::string ca_file;   // PEM file clients trust ("" when plain or not written)
  std::string ca_pem;    // the certificate itself ("" when plain)
  std::uint16_t port{0};
};

// Counters of the transport (the venue keeps its own, VenueStats).
struct ServerStats {
  std::uint64_t connections_accepted{0};
  std::uint64_t tls_handshake_failures{0};
  std::uint64_t http_parse_errors{0};      // malformed or oversized HTTP requests (answered 400/413)
  std::uint64_t ws_slow_consumers_cut{0};  // closed for exceeding kMaxQueuedBytes
  std::uint64_t ws_oversized_frames{0};    // client frames above ws_max_message_bytes
};

class Server {
 public:
  static constexpr std::size_t kMaxQueuedBytes = std::size_t{64} << 20;
  static constexpr std::size_t kMaxHttpBodyBytes = std::size_t{1} << 20;

  // Builds the venue and binds the listener (throws std::runtime_error naming the address when it
  // cannot). Accounts: config.accounts with their secrets (config::load_credentials rules), or,
  // when there are none, one generated key whose secret is written to generated_credentials_file().
  explicit Server(const config::SimConfig& config);
  // Same, with the accounts given directly (tests, the embedded engine).
  Server(const config::SimConfig& config, std::vector<AccountKey> accounts);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves on a background thread until stop().
  void start();
  // From the controlling thread; idempotent. Closes every connection and joins the thread.
  void stop();

  [[nodiscard]] const Endpoints& endpoints() const noexcept;
  [[nodiscard]] const std::vector<AccountKey>& accounts() const noexcept;
  // Where a generated key's secret was written ("" when accounts came from the config).
  [[nodiscard]] const std::string& generated_credentials_file() const noexcept;

  // Runs fn(venue) on the event-loop thread and returns its result (waits). Before start() or
  // after stop() it runs fn on the calling thread.
  template <typename F>
  auto call(F&& fn) -> std::invoke_result_t<F, Venue&> {
    using R = std::invoke_result_t<F, Venue&>;
    std::packaged_task<R(Venue&)> task(std::forward<F>(fn));
    auto result = task.get_future();
    post_to_loop([&task](Venue& venue) { task(venue); });
    return result.get();
  }

  [[nodiscard]] ServerStats stats();

  struct Impl;  // the event loop's state (server.cpp); public only so its sessions can name it

 private:
  void post_to_loop(std::function<void(Venue&)> fn);

  std::unique_ptr<Impl> impl_;
};

// "https://127.0.0.1:8443" style base for an address and port (IPv6 literals bracketed).
[[nodiscard]] std::string base_url(bool tls, const std::string& address, std::uint16_t port, bool websocket);

}  // namespace tickpath::sim
