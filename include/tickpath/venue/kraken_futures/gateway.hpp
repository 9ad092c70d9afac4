#pragma once
// Gateway: the engine's hands on Kraken Futures (issue #5). It binds the OMS (oms/oms.hpp: order
// state, fills, positions, risk, rate budget) to the venue:
//
//   strategy --submit(OrderAction)--> Oms --RequestSink::send(Request)--> send queue
//   send queue --OrderEncoder (signed, nonce)--> HttpsPool (keep-alive connections) --> venue
//   HttpsPool --on_response/on_failure--> OrderMessageParser --> Oms::on_reply / reconcile_*
//   PrivateFeed (open_orders, fills, open_positions) --> Oms::on_order_update / on_fill
//
// Requests wait in a bounded FIFO until a connection is idle; at most one request per order is on
// the wire at a time (a cancel never overtakes the send of its own order). A request whose answer
// does not come within the pool's request timeout (or whose connection drops) is reported to the
// OMS as Timeout / ConnectionLost: the order goes Unknown until the private feed or the next
// reconciliation settles it.
//
// Reconciliation (at start and after every private-feed reconnect): when the feed goes down, new
// orders are held (Oms::begin_reconcile); when it is ready again, /openorders, /openpositions and
// /fills are queried (fills walked back page by page until a fill we already know, at most
// max_fill_pages); when all three are in, Oms::end_reconcile settles, adopts or cancels, and new
// orders flow again. A failed query starts the round again after retry_delay, and a request whose
// outcome is unknown (timeout, lost connection, unreadable answer) asks for a new round after
// retry_delay, so an Unknown order is settled even when the feed has nothing to say about it. Fills from
// before this process for orders that are not ours are history to the OMS: their ids are remembered so they
// are never counted, and positions come from /openpositions instead.
//
// Safety: the dead man's switch (cancelallordersafter) is armed as soon as a connection is open
// and re-armed every dms_refresh; kill() cancels everything and halts (cancel-only) until
// Oms::reset_halt(); begin_shutdown() cancels everything and shutdown_complete() tells when the
// venue confirmed it (the caller bounds the wait).
//
// Thread: one owner, the hot thread, for everything from start() on. Hot path: submit() and the
// steady-state poll() (answers, feed messages) do not allocate, lock, log or throw; start-up,
// reconnects and the private feed's subscription messages may allocate.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <boost/system/error_code.hpp>

#include "tickpath/core/instrument.hpp"
#include "tickpath/net/https_pool.hpp"
#include "tickpath/oms/oms.hpp"
#include "tickpath/venue/kraken_futures/auth.hpp"
#include "tickpath/venue/kraken_futures/order_encoder.hpp"
#include "tickpath/venue/kraken_futures/order_messages.hpp"
#include "tickpath/venue/kraken_futures/private_feed.hpp"

namespace tickpath::venue::kraken_futures {

struct GatewayConfig {
  net::HttpsPoolConfig rest{};   // url = "https://host[:port]" of the REST API
  PrivateFeedConfig feed{};      // websocket URL and api key
  OrderEncoderConfig encoder{};  // api key, Host header, base path
  oms::OmsConfig oms{};
  std::size_t send_queue{1024};          // requests waiting for a connection
  std::chrono::seconds dms_timeout{60};  // 0 = the dead man's switch is not armed
  std::chrono::seconds dms_refresh{15};
  std::chrono::milliseconds retry_delay{1000};  // a failed query / DMS request is retried after this
  std::size_t max_fill_pages{20};               // reconciliation walks /fills back at most this many pages
};

enum class GatewayPhase : std::uint8_t {
  Idle,         // constructed
  Connecting,   // waiting for the private feed
  Reconciling,  // queries in flight; new orders held
  Live,         // orders flow
  Stopping,     // begin_shutdown(): cancel-all sent, new orders refused
  Stopped,
};

[[nodiscard]] const char* to_string(GatewayPhase phase) noexcept;

struct GatewayCounters {
  std::uint64_t requests_queued = 0;
  std::uint64_t requests_sent = 0;
  std::uint64_t queue_full = 0;       // RequestSink::send refused: queue at capacity
  std::uint64_t encode_failures = 0;  // a request that could not be encoded (reported NotSent)
  std::uint64_t answers = 0;          // HTTP answers read
  std::uint64_t failures = 0;         // timeouts, lost connections, unreadable answers
  std::uint64_t timeouts = 0;
  std::uint64_t api_limit_exceeded = 0;  // the venue said apiLimitExceeded (the budget should prevent it)
  std::uint64_t reconciliations = 0;     // completed
  std::uint64_t query_failures = 0;      // a reconciliation query failed and was retried
  std::uint64_t dms_armed = 0;           // successful cancelallordersafter answers
  std::uint64_t dms_failures = 0;
  std::uint64_t feed_downs = 0;
  std::uint64_t feed_alerts = 0;
  std::uint64_t malformed = 0;  // feed or REST messages the parser could not read
  std::uint64_t unknown_instruments = 0;
};

template <typename Transport>
class Gateway final : private oms::RequestSink, private net::HttpsHandler, private PrivateFeedHandler {
 public:
  // Cold: allocates every table. The registry, signer and listener must outlive the gateway.
  // Throws std::invalid_argument for a bad config (URLs, sizes), std::runtime_error for TLS.
  Gateway(const InstrumentRegistry& registry, const Signer& signer, GatewayConfig config,
          oms::OmsListener& listener, oms::ClientIdAllocator ids);
  ~Gateway() override;
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Cold: opens the REST connections and the private feed.
  void start();
  // One duty cycle: sockets, answers, feed messages, queued requests, DMS refresh, reconciliation.
  int poll() noexcept;

  // Hot: one order action through risk, the rate budget and the state machine. Refused with
  // Verdict::Reconciling while the private feed is down or reconciling (cancels always pass).
  [[nodiscard]] oms::SubmitResult submit(const oms::OrderAction& action) noexcept;
  // The book's mid for the price collar and unrealised PnL.
  void on_mark(InstrumentId instrument, Price mid) noexcept;

  // Operator kill switch: cancel everything and halt (cancel-only) until oms().reset_halt().
  void kill(oms::HaltReason reason) noexcept;
  // Shutdown: refuse new orders, cancel everything. Poll until shutdown_complete() (bounded by
  // the caller), then stop().
  void begin_shutdown() noexcept;
  // The cancel-all was answered with success and no order is open.
  [[nodiscard]] bool shutdown_complete() const noexcept;
  // Cold: closes the feed and the connections (in-flight requests end as ConnectionLost).
  void stop();

  [[nodiscard]] GatewayPhase phase() const noexcept { return phase_; }
  [[nodiscard]] bool live() const noexcept { return phase_ == GatewayPhase::Live; }
  [[nodiscard]] oms::Oms& oms() noexcept { return oms_; }
  [[nodiscard]] const oms::Oms& oms() const noexcept { return oms_; }
  [[nodiscard]] const GatewayCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const net::HttpsPool<Transport>& pool() const noexcept { return pool_; }
  [[nodiscard]] const PrivateFeed<Transport>& feed() const noexcept { return feed_; }
  [[nodiscard]] PrivateFeed<Transport>& feed() noexcept { return feed_; }
  // The venue's own view of a position, from the open_positions feed (informational).
  [[nodiscard]] Qty venue_position(InstrumentId instrument) const noexcept;
  // Epoch ms of the dead man's switch trigger the venue last confirmed (0 = not armed).
  [[nodiscard]] std::int64_t dms_trigger_ms() const noexcept { return dms_trigger_ms_; }
  [[nodiscard]] std::size_t queued() const noexcept { return queue_.size(); }

 private:
  struct InFlight {
    oms::Request request{};
    std::uint64_t tag{0};    // 0 = free slot
    std::uint64_t round{0};  // queries: the reconciliation round that sent it
  };
  enum Query : unsigned { kQueryOrders = 1U, kQueryPositions = 2U, kQueryFills = 4U };

  // oms::RequestSink
  bool send(const oms::Request& request) noexcept override;
  // net::HttpsHandler
  void on_response(std::uint64_t tag, unsigned status, std::span<const char> body) noexcept override;
  void on_failure(std::uint64_t tag, net::HttpFailure failure,
                  const boost::system::error_code& ec) noexcept override;
  // PrivateFeedHandler (feed) and OrderEntryHandler (feed and REST answers)
  void on_feed_down() noexcept override;
  void on_feed_ready() noexcept override;
  void on_alert(std::string_view message) noexcept override;
  void on_order_update(const oms::OrderUpdate& update) noexcept override;
  void on_fill(const oms::Fill& fill) noexcept override;
  void on_positions_begin() noexcept override;
  void on_position(const oms::VenuePosition& position) noexcept override;
  void on_positions_end() noexcept override;
  void on_open_order(const oms::VenueOrder& order) noexcept override;
  void on_unknown_instrument(std::string_view symbol) noexcept override;
  void on_malformed(std::string_view what) noexcept override;

  int dispatch(std::int64_t now_ns) noexcept;
  int run_timers(std::int64_t now_ns) noexcept;
  bool queue_query(oms::RequestKind kind, std::int64_t arg, std::int64_t now_ns) noexcept;
  void start_reconcile(std::int64_t now_ns) noexcept;
  void want_reconcile(std::int64_t now_ns) noexcept;
  void finish_query(unsigned query, std::int64_t now_ns) noexcept;
  void query_failed(const oms::Request& request, std::int64_t now_ns) noexcept;
  void handle_order_answer(const InFlight& slot, unsigned status, std::span<const char> body,
                           std::int64_t now_ns) noexcept;
  void handle_query_answer(const InFlight& slot, unsigned status, std::span<const char> body,
                           std::int64_t now_ns) noexcept;
  [[nodiscard]] bool order_in_flight(oms::OrderId order) const noexcept;

  // A bounded FIFO of requests that keeps its order but lets eligible entries leave first.
  class SendQueue {
   public:
    explicit SendQueue(std::size_t capacity) : items_(capacity) {}
    [[nodiscard]] bool push(const oms::Request& r) noexcept {
      if (size_ == items_.size()) {
        return false;
      }
      items_[size_++] = r;
      return true;
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] const oms::Request& operator[](std::size_t i) const noexcept { return items_[i]; }
    // Removes the entries flagged by keep(i) == false, preserving order.
    template <typename Keep>
    void compact(Keep keep) noexcept {
      std::size_t out = 0;
      for (std::size_t i = 0; i < size_; ++i) {
        if (keep(i)) {
          items_[out++] = items_[i];
        }
      }
      size_ = out;
    }

   private:
    std::vector<oms::Request> items_;
    std::size_t size_{0};
  };

  const InstrumentRegistry* registry_;
  GatewayConfig config_;
  OrderEncoder encoder_;
  NonceSource nonces_{};
  OrderMessageParser parser_;
  oms::Oms oms_;
  net::HttpsPool<Transport> pool_;
  PrivateFeed<Transport> feed_;
  SendQueue queue_;
  std::vector<InFlight> in_flight_;
  std::vector<Qty> venue_positions_;
  std::unique_ptr<RequestBuffer> buffer_;
  GatewayCounters counters_{};
  GatewayPhase phase_{GatewayPhase::Idle};
  std::uint64_t next_tag_{1};
  // reconciliation
  unsigned queries_pending_{0};
  bool reconcile_wanted_{
      false};  // a new round once reconcile_at_ns_ passes (unknown outcomes, failed queries)
  std::int64_t reconcile_at_ns_{0};
  std::uint64_t reconcile_round_{0};
  std::size_t fill_pages_{0};
  std::int64_t last_fill_ms_{0};    // newest fill time we know (0 = none)
  std::int64_t page_oldest_ms_{0};  // oldest fill on the current /fills page
  std::size_t page_rows_{0};
  bool page_reached_known_{false};
  bool parsing_fills_page_{false};
  std::int64_t page_known_limit_ms_{0};
  bool reconciling_positions_{false};
  std::vector<bool> position_seen_;  // instruments listed by the /openpositions answer being read
  std::int64_t retry_at_ns_{0};
  unsigned retry_queries_{0};
  // dead man's switch
  std::int64_t dms_next_ns_{0};
  std::int64_t dms_trigger_ms_{0};
  bool dms_in_flight_{false};
  // shutdown
  bool cancel_all_confirmed_{false};
};

using TlsGateway = Gateway<net::TlsTransport>;
using PlainGateway = Gateway<net::PlainTransport>;

extern template class Gateway<net::TlsTransport>;
extern template class Gateway<net::PlainTransport>;

}  // namespace tickpath::venue::kraken_futures
