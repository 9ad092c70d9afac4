#pragma once
// The Kraken Futures protocol side of the simulator: REST v3 (public and private, signed) and the
// websocket v1 feeds (public and private) on top of the matching engine (exchange.hpp) and the
// background market (activity.hpp). It speaks in whole requests and whole messages: the transport
// (server.hpp) owns sockets, TLS, HTTP framing and websocket framing, and calls in here on its one
// event-loop thread. So everything here is testable without a network, and the transport is thin.
//
// Contract: kraken-futures-protocol.md §8 (what a faithful venue does), §4 (auth), §5 (REST),
// §6 (websocket), §9 (gotchas).
//
// Threads: not thread-safe; one thread calls everything. WsConnection::send_text and close must
// not call back into the Venue (ws_closed comes later, from the transport's own loop).
//
// Choices where the reference (§5.2, §5.3, §9) leaves one open:
//   * HTTP status: 200 for success and for shape-A auth/nonce/rate-limit errors
//     ({"result":"error","error":"authenticationError" | "nonceBelowThreshold" | "nonceDuplicate" |
//     "apiLimitExceeded"}); 400 for shape A `requiredArgumentMissing` (a required parameter is
//     absent: orderType/symbol/side/size, orderId|cliOrdId, order_id|cliOrdId, timeout, json,
//     orderbook/history symbol), `invalidArgument` (undecodable form), `Json Parse Error` (batch);
//     400 for shape B "Argument invalid: X" (unknown symbol, reduceOnly not true/false, qtyMode,
//     processBefore/lastFillTime/lastTime not a time, timeout not an integer, an unknown batch
//     `order`); 404 shape C for unknown paths (only /derivatives/api/v3/ is served); 405 shape C
//     ("METHOD_NOT_ALLOWED") for a known path with the wrong method.
//   * Order-level problems are statuses in a success envelope, with no order_id and no events:
//     invalidSize (garbage, zero, negative or off the size grid: never rounded), invalidPrice
//     (missing for lmt/post/ioc/fok, garbage, <= 0, off the tick grid), invalidOrderType (stp,
//     take_profit, trailing_stop: triggers are not simulated; any unknown value), invalidSide,
//     wouldProcessAfterSpecifiedTime, marketSuspended (faults.reject_fraction). Inside a batch,
//     a missing argument of one instruction becomes a status of that instruction.
//   * Signature: over query + body exactly as received (+ Nonce when the header is sent);
//     lenient_signature also accepts it over percent_decode(query) + percent_decode(body).
//     batchorder accepts `json=<raw JSON>` (ccxt) and `json=<percent-encoded JSON>`; a JSON-object
//     body is accepted as parameters too. Nonce (nonce_check Increasing; Kraken "tolerates nonces
//     that are out of order for a brief period"): above the key's highest -> accepted; within
//     nonce_tolerance below it and not among the last 1024 accepted -> accepted; a remembered one
//     -> nonceDuplicate; older, or at/below a forgotten one -> nonceBelowThreshold; a non-numeric
//     Nonce -> authenticationError.
//   * Rate limit: per API key, sliding window; cost per §5.3 (batchorder 9 + instructions, fills
//     25 with lastFillTime); checked after authentication; a refused request is not executed.
//   * rest_drop_fraction executes the request and then drops the answer (the case a client must
//     reconcile).
//   * accounts: `cash` and `flex` show every balance; each inverse pair's margin account
//     (fi_xbtusd) shows the pair's coin balance again (the engine has one balance per currency).
//   * Websocket: numbers always carry a decimal point (78022.0); open_orders uses the full order
//     object for new/edit/partial_fill and the short shape {order_id, cli_ord_id?, is_cancel,
//     reason} for every removal (cancel, full_fill, dead_man_switch, rejections); only
//     open_orders_verbose carries post-only rejections; fills_snapshot holds the newest 100 fills
//     oldest first; balances deltas carry every section. Private messages of one request are
//     queued and sent at its end: open_orders before fills (orders_first) or after
//     (fills_first), then open_positions and balances. Extra alerts (texts not seen live):
//     "Too many requests" (ws_max_requests_per_second, the request is dropped), "Too many
//     subscriptions" (ws_max_subscriptions). Frames over ws_max_message_bytes close the connection.
//
// Control endpoint (config.control; JSON answers in the REST success envelope, 400
// {"result":"error","error":"<text>"} on a bad value, nothing applied then):
//   GET  /sim/v1/state                  stats, faults, per instrument seq (as on the wire),
//                                       trade_seq, best_bid/best_ask {price, qty} or null, frozen
//   POST /sim/v1/fault?k=v&...          parameters in the query or a form body, any combination:
//        drop_connections=all|private|public  close websockets abruptly (private = has a private
//                                             subscription)
//        skip_seq=<symbol>             the product's next book delta skips one seq number
//        freeze=<symbol|all>&ms=<n>    no public message for the product (all: also heartbeats)
//                                      for n ms (no ms: until unfrozen); ms=0 unfreezes
//        malformed=<n>                 the next n public messages are cut in half (broken JSON)
//        malformed_fraction=<0..1>     that at random
//        rest_delay_ms=<n>, rest_drop_fraction=<0..1>, reject_fraction=<0..1>
//        private_order=orders_first|fills_first
//        suspend=<symbol>, resume=<symbol>    market suspension (engine marketSuspended)
//   POST /sim/v1/clock?advance_ms=<n>   moves the venue clock forward (all later times are
//                                       offset) and fires due dead man's switches
//   POST /sim/v1/dms/fire               fires every armed dead man's switch now

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tickpath/config/config.hpp"
#include "tickpath/sim/exchange.hpp"

namespace tickpath::sim {

struct HttpRequest {
  std::string_view method{};        // "GET", "POST", ...
  std::string_view target{};        // path and query, as received ("/derivatives/api/v3/openorders?x=1")
  std::string_view body{};          // as received
  std::string_view content_type{};  // "" when absent
  std::string_view api_key{};       // header APIKey, "" when absent
  std::string_view authent{};       // header Authent
  std::string_view nonce{};         // header Nonce ("" when absent)
};

struct HttpResponse {
  int status{200};
  std::string body{};
  std::string content_type{"application/json"};
  std::int64_t delay_ms{0};  // fault injection: answer this much later
  bool drop{false};          // fault injection: close the connection without answering
};

// One websocket connection, implemented by the transport.
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  // Queues one text message (copied). Never blocks.
  virtual void send_text(std::string_view text) = 0;
  // Ends the connection: gracefully (close frame) or abruptly (TCP reset, no close frame).
  virtual void close(bool abrupt) = 0;
};

using ConnectionId = std::uint64_t;

// Credentials of one simulated account (secret decoded from base64 by the caller's loader).
struct AccountKey {
  std::string name{};
  std::string api_key{};
  std::string api_secret_base64{};
  std::vector<Balance> balances{};
};

// Counters for tests and the control endpoint's /sim/v1/state.
struct VenueStats {
  std::uint64_t http_requests{0};
  std::uint64_t http_errors{0};  // answers with result "error"
  std::uint64_t auth_failures{0};
  std::uint64_t rate_limited{0};
  std::uint64_t ws_connections{0};
  std::uint64_t ws_messages_in{0};
  std::uint64_t ws_bad_messages{0};
  std::uint64_t ws_messages_out{0};
  std::uint64_t book_deltas_out{0};
  std::uint64_t orders_accepted{0};
  std::uint64_t orders_rejected{0};
  std::uint64_t fills{0};
  std::uint64_t dead_man_switch_fired{0};
};

class Venue {
 public:
  // `config` is the [sim] section; `accounts` the keys it accepts. Instruments come from
  // config.instruments (default_sim_instruments() when empty).
  Venue(const config::SimConfig& config, std::vector<AccountKey> accounts, std::int64_t now_ms);
  ~Venue();
  Venue(const Venue&) = delete;
  Venue& operator=(const Venue&) = delete;

  // One HTTP request: REST v3 under /derivatives/api/v3/, the control endpoint under /sim/v1/.
  [[nodiscard]] HttpResponse handle_http(const HttpRequest& request, std::int64_t now_ms);

  // Websocket lifecycle. ws_open sends the `info` message. ws_ping records a protocol Ping (the
  // transport answers it with a Pong itself). ws_closed must be called once for every opened id.
  ConnectionId ws_open(WsConnection* connection, std::int64_t now_ms);
  void ws_text(ConnectionId id, std::string_view text, std::int64_t now_ms);
  void ws_ping(ConnectionId id, std::int64_t now_ms);
  void ws_closed(ConnectionId id);

  // Timers: background market, tickers, heartbeats, dead man's switches, idle websockets.
  // Call at least every millisecond; now_ns is the monotonic clock, now_ms the wall clock.
  void tick(std::int64_t now_ms, std::int64_t now_ns);

  [[nodiscard]] const VenueStats& stats() const noexcept;
  [[nodiscard]] Exchange& exchange() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tickpath::sim
