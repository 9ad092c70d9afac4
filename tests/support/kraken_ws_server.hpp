#pragma once
// A Kraken-Futures-like public websocket server for tests (kraken-futures-protocol.md §6.1-6.8,
// §8 items 1-5). Beast, asynchronous, one thread of its own, loopback; TLS (with a certificate
// from net::generate_self_signed, trusted by the client as its CA) or plain TCP. Not a mock: the
// client under test speaks real TCP/TLS/websocket to it.
//
// What it does:
//   * sends {"event":"info","version":1} on connect; answers protocol Pings (Beast does);
//   * answers subscribe / unsubscribe with one ack per product in request order; unknown feed or
//     product -> alert; a text that is no request -> alert "Bad websocket message";
//   * keeps one book per product (integer prices and quantities, never crossed: bids below a
//     fixed mid, asks above it) and, every `tick`, changes one level of each product's book with a
//     seeded generator: seq + 1, one `book` delta to every connection subscribed to it. A book
//     subscription gets a `book_snapshot` of the current book and seq first. Trades (own seq)
//     every 8 ticks, a full `ticker` every ticker_interval.
// On command (from any thread; takes effect on the server thread, in order):
//   skip_next_delta(P)   the next delta of P is applied but sent to nobody (a one-seq gap on P)
//   mute_product(P)      P's messages stop on every open connection until it subscribes P's book again
//   mute_connections()   every open connection gets no more data (pings still answered)
//   close_connections()  every open connection is closed with a close frame
//   set_ignore_pings_after(n)  connections accepted from now on stop reading after n requests, so
//                        their Pings go unanswered (Beast answers Pings while a read is pending)
//   set_request_delay(d) a slow venue: each request is answered d after it arrived
//   set_paused(b)        stop / resume the book generator (snapshots still answer subscribes)
// Queries block until the server thread answers.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tickpath/net/tls_cert.hpp"

namespace tickpath::test {

struct KrakenServerConfig {
  std::vector<std::string> products{"PI_XBTUSD", "PI_ETHUSD", "PF_XBTUSD"};  // upper case
  std::chrono::microseconds tick{1000};
  std::chrono::milliseconds ticker_interval{50};
  int levels{8};                  // price levels per side around the mid, each side
  std::uint64_t seed{42};         // generator seed
  std::uint64_t first_seq{1000};  // book seq of the initial book
};

// A book as the server holds it: price -> qty, integers (on any tick grid that divides 1).
struct ServerBook {
  std::uint64_t seq{0};
  std::map<std::int64_t, std::int64_t> bids;
  std::map<std::int64_t, std::int64_t> asks;
};

class KrakenWsServer {
 public:
  // Listens on 127.0.0.1, an ephemeral port. cert: TLS with that certificate; nullptr: plain.
  KrakenWsServer(const net::PemCertificate* cert, KrakenServerConfig config = {});
  ~KrakenWsServer();
  KrakenWsServer(const KrakenWsServer&) = delete;
  KrakenWsServer& operator=(const KrakenWsServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] std::string url() const;  // ws[s]://127.0.0.1:<port>/ws/v1

  void skip_next_delta(const std::string& product);
  void mute_product(const std::string& product);
  void mute_connections();
  void close_connections();
  void set_ignore_pings_after(std::size_t requests);  // SIZE_MAX (default): never
  void set_request_delay(std::chrono::milliseconds delay);
  void set_paused(bool paused);
  void stop();  // closes everything and joins; idempotent

  [[nodiscard]] ServerBook book(const std::string& product) const;
  [[nodiscard]] std::vector<std::string> requests() const;  // every text received, in order
  // Book subscriptions of product received so far (acked ones).
  [[nodiscard]] int book_subscribes(const std::string& product) const;
  [[nodiscard]] int handshakes() const noexcept { return handshakes_.load(); }
  [[nodiscard]] int pings() const noexcept { return pings_.load(); }
  [[nodiscard]] int open_connections() const noexcept { return open_.load(); }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_{0};
  std::atomic<int> handshakes_{0};
  std::atomic<int> pings_{0};
  std::atomic<int> open_{0};
};

}  // namespace tickpath::test
