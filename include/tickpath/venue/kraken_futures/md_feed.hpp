#pragma once
// MdFeed: the Kraken Futures public market-data feed over a real websocket. It binds a
// net::WsSession (wss:// or ws://) to a MarketDataSession (market_data.hpp):
//
//   WsSession --on_open-->  MarketDataSession::on_connected   (subscribe every feed and product)
//             --on_frame--> MarketDataSession::on_frame       (in place, frame's receive time)
//             --on_close--> MarketDataSession::on_disconnected (every book invalid until its snapshot)
//   MarketDataSession --send_text-->         WsSession::send_text
//                     --request_reconnect--> WsSession::reconnect  (after the session's poll returns)
//
// Thread: one owner, the hot thread (or a feed thread in the split topology). The constructor may
// run elsewhere before the owner starts (thread creation publishes it); from start() on, every call
// is the owner's. MdFeedAgent adapts it to engine::Agent (int do_work() noexcept, on_start,
// on_stop) so engine::AgentRunner can run it.
//
// Clock: poll() reads the monotonic clock once (monotonic_ns, vDSO) plus the TSC. A frame's
// receive time on that clock is the poll's reading plus the TSC ticks from the start of the poll
// to the frame's recv() (WsFrame::recv_tsc), converted with the TscClock given at construction
// (process_tsc_clock() by default); with an uncalibrated clock it is the poll's reading. The
// watchdogs run on the same reading (MarketDataSession::poll), so every `_ns` the market-data
// session sees comes from one clock. (WsSession::poll reads the clock for its own deadlines.)
//
// Hot path (ARCHITECTURE §1): per frame, no allocation, no logging, no exception, no syscall but
// the socket's recv. Not hot: on_open (builds the subscribe requests), resync requests
// (send_text copies the text into the websocket's send queue) and reconnects.
//
// Failure handling: a request that cannot be queued on an open connection (send queue full) would
// leave the subscription state wrong, so the feed reconnects and everything is subscribed again;
// it is counted (MdFeedCounters). Everything else is counted by the sessions themselves.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include <boost/system/error_code.hpp>

#include "tickpath/core/clock.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/net/ws_session.hpp"
#include "tickpath/venue/kraken_futures/market_data.hpp"

namespace tickpath::venue::kraken_futures {

struct MdFeedConfig {
  net::WsSessionConfig ws{.url = "wss://futures.kraken.com/ws/v1"};  // transport, timeouts, backoff
  MarketDataConfig market_data{};                                    // products, feeds, watchdogs
};

// Written by the owning thread only.
struct MdFeedCounters {
  std::uint64_t send_failures = 0;      // a request the websocket did not queue
  std::uint64_t reconnects_forced = 0;  // reconnects the feed asked of the websocket
  std::uint64_t setup_failures = 0;     // on_open could not build the subscriptions (allocation)
};

template <typename Transport, MarketDataHandler H>
class MdFeed final : private net::WsHandler {
 public:
  // Where MarketDataSession sends its requests: forwards to the websocket session.
  class Sink {
   public:
    explicit Sink(MdFeed& feed) noexcept : feed_(&feed) {}
    void send_text(std::string_view text) noexcept { feed_->send(text); }
    void request_reconnect() noexcept { feed_->reconnect_pending_ = true; }

   private:
    MdFeed* feed_;
  };

  using Session = MarketDataSession<H, Sink>;
  using Ws = net::WsSession<Transport>;

  // Cold. Throws std::invalid_argument for a product missing from the registry (MarketDataSession)
  // or a bad URL / config (WsSession), std::runtime_error for TLS set-up failures. The registry
  // and the handler must outlive the feed. Does not connect: call start().
  MdFeed(const InstrumentRegistry& registry, MdFeedConfig config, H& handler,
         const TscClock& tsc = process_tsc_clock())
      : tsc_(&tsc),
        sink_(*this),
        md_(registry, config.market_data, handler, sink_),
        ws_(std::move(config.ws), *this) {}

  MdFeed(const MdFeed&) = delete;
  MdFeed& operator=(const MdFeed&) = delete;
  MdFeed(MdFeed&&) = delete;
  MdFeed& operator=(MdFeed&&) = delete;
  ~MdFeed() override = default;

  // Cold. Starts connecting (first attempt at once, failures back off). Again after stop() to
  // reconnect.
  void start() { ws_.start(); }
  // Cold. Graceful close (bounded by the close timeout); keep calling poll() until stopped().
  void stop() { ws_.stop(); }
  [[nodiscard]] bool stopped() const noexcept { return ws_.state() == net::SessionState::Stopped; }

  // One duty cycle: the websocket (reads, completes frames into the market-data session, pings,
  // deadlines), then the market-data watchdogs, on one clock reading. Returns the work done.
  int poll() noexcept {
    poll_ns_ = monotonic_ns();
    poll_tsc_ = rdtsc();
    int work = ws_.poll();
    work += md_.poll(poll_ns_);
    if (TICKPATH_UNLIKELY(reconnect_pending_)) {
      reconnect_pending_ = false;
      ++counters_.reconnects_forced;
      ws_.reconnect();
      ++work;
    }
    return work;
  }

  [[nodiscard]] const Session& market_data() const noexcept { return md_; }
  [[nodiscard]] const Ws& ws() const noexcept { return ws_; }
  [[nodiscard]] net::SessionState state() const noexcept { return ws_.state(); }
  [[nodiscard]] const MdFeedCounters& counters() const noexcept { return counters_; }

 private:
  void on_open() noexcept override {
    try {
      md_.on_connected(monotonic_ns());
    } catch (...) {
      // Only allocation can fail here; without its subscriptions the connection is useless.
      ++counters_.setup_failures;
      reconnect_pending_ = true;
    }
  }

  void on_frame(const net::WsFrame& frame) noexcept override {
    // recv_tsc is taken after poll_tsc_ within this poll; a TSC that differs across cores could
    // make it smaller, then the poll's own reading stands.
    const std::uint64_t ticks = frame.recv_tsc > poll_tsc_ ? frame.recv_tsc - poll_tsc_ : 0;
    const std::int64_t recv_ns = poll_ns_ + tsc_->to_ns(ticks);
    md_.on_frame(frame.payload.data(), frame.payload.size(), frame.payload.size() + net::kFramePadding,
                 recv_ns);
  }

  void on_close(net::CloseReason /*reason*/, const boost::system::error_code& /*ec*/) noexcept override {
    reconnect_pending_ = false;  // the connection it was meant for is gone already
    md_.on_disconnected(monotonic_ns());
  }

  void send(std::string_view text) noexcept {
    net::SendResult result = net::SendResult::NotOpen;
    try {
      result = ws_.send_text(text);
    } catch (...) {
      result = net::SendResult::QueueFull;  // allocation failed: as good as full
    }
    if (TICKPATH_UNLIKELY(result != net::SendResult::Queued)) {
      ++counters_.send_failures;
      if (ws_.state() == net::SessionState::Open) {
        reconnect_pending_ = true;
      }
    }
  }

  const TscClock* tsc_;
  Sink sink_;
  Session md_;
  Ws ws_;
  MdFeedCounters counters_{};
  std::int64_t poll_ns_ = 0;
  std::uint64_t poll_tsc_ = 0;
  bool reconnect_pending_ = false;
};

// engine::Agent for one MdFeed: on_start connects, do_work polls, on_stop closes gracefully and
// polls until the websocket has stopped (at most the close timeout plus a margin).
template <typename Feed>
class MdFeedAgent {
 public:
  explicit MdFeedAgent(Feed& feed, std::chrono::nanoseconds stop_limit = std::chrono::seconds{5}) noexcept
      : feed_(&feed), stop_limit_(stop_limit) {}

  void on_start() { feed_->start(); }
  int do_work() noexcept { return feed_->poll(); }
  void on_stop() {
    feed_->stop();
    const std::int64_t deadline = monotonic_ns() + stop_limit_.count();
    while (!feed_->stopped() && monotonic_ns() < deadline) {
      (void)feed_->poll();
    }
  }

 private:
  Feed* feed_;
  std::chrono::nanoseconds stop_limit_;
};

}  // namespace tickpath::venue::kraken_futures
