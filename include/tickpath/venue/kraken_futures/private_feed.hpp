#pragma once
// PrivateFeed: the Kraken Futures private websocket (kraken-futures-protocol.md §4.3, §6.10-6.12)
// over a net::WsSession. On every connection it asks for a challenge, signs it, subscribes
// `open_orders`, `fills` and `open_positions` with the signed challenge, and reports itself ready
// once every subscription is acknowledged and the open-orders and fills snapshots have arrived.
// A reconnect starts over with a new challenge (§4.3 item 4, §6.1 item 6); the handler is told
// the feed went down, so it can hold new orders and reconcile when the feed is ready again.
//
//   WsSession --on_open--> {"event":"challenge","api_key":...}
//             --on_frame--> OrderMessageParser::parse_private --> this (control) / handler (data)
//   challenge -> sign -> subscribe x3 -> subscribed x3 + snapshots -> handler.on_feed_ready()
//
// Thread: one owner (the hot thread). Hot path: on_frame parses in place and forwards normalised
// records; no allocation (the parser is allocated at construction). Not hot: the connection
// set-up messages (send_text copies them) and reconnects.
//
// Failures: an alert while subscribing (a refused signature, §4.3 item 5) or a subscription that
// is not acknowledged within the subscribe timeout makes the feed reconnect (with the websocket's
// backoff); both are counted. Malformed messages are counted by the parser and reported to the
// handler (on_malformed); they never end the connection.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <boost/system/error_code.hpp>

#include "tickpath/core/clock.hpp"
#include "tickpath/core/hints.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/net/ws_session.hpp"
#include "tickpath/venue/kraken_futures/auth.hpp"
#include "tickpath/venue/kraken_futures/order_messages.hpp"

namespace tickpath::venue::kraken_futures {

// The feed's data callbacks (OrderEntryHandler) plus its lifecycle.
class PrivateFeedHandler : public OrderEntryHandler {
 public:
  // The connection is gone (or a set-up failed): order state from here on is unconfirmed until
  // on_feed_ready after the next connection.
  virtual void on_feed_down() noexcept {}
  // Subscribed to every feed and both snapshots (open orders, fills) delivered.
  virtual void on_feed_ready() noexcept {}
};

struct PrivateFeedConfig {
  net::WsSessionConfig ws{.url = "wss://futures.kraken.com/ws/v1"};
  std::string api_key;
  // From on_open to ready; longer means the venue ignored us: reconnect.
  std::chrono::nanoseconds subscribe_timeout{std::chrono::seconds{10}};
  std::size_t max_message_bytes{16U << 20U};
};

enum class PrivateFeedPhase : std::uint8_t { Down, Challenging, Subscribing, Ready };

[[nodiscard]] constexpr const char* to_string(PrivateFeedPhase p) noexcept {
  switch (p) {
    case PrivateFeedPhase::Down:
      return "down";
    case PrivateFeedPhase::Challenging:
      return "challenging";
    case PrivateFeedPhase::Subscribing:
      return "subscribing";
    case PrivateFeedPhase::Ready:
      return "ready";
  }
  return "?";
}

struct PrivateFeedCounters {
  std::uint64_t connections = 0;     // websocket opened
  std::uint64_t ready = 0;           // reached Ready
  std::uint64_t downs = 0;           // left a connected phase
  std::uint64_t alerts = 0;          // alert / error events
  std::uint64_t setup_failures = 0;  // refused, timed out or could not be sent: reconnected
  std::uint64_t malformed = 0;       // messages the parser could not read
  std::uint64_t unknown_instruments = 0;
};

template <typename Transport>
class PrivateFeed final : private net::WsHandler, private PrivateFeedHandler {
 public:
  // Cold. The registry, signer and handler must outlive the feed. Throws like WsSession.
  PrivateFeed(const InstrumentRegistry& registry, const Signer& signer, PrivateFeedConfig config,
              PrivateFeedHandler& handler)
      : signer_(&signer),
        handler_(&handler),
        config_(std::move(config)),
        parser_(registry, config_.max_message_bytes),
        ws_(config_.ws, static_cast<net::WsHandler&>(*this)) {}

  PrivateFeed(const PrivateFeed&) = delete;
  PrivateFeed& operator=(const PrivateFeed&) = delete;
  ~PrivateFeed() override = default;

  void start() { ws_.start(); }
  void stop() { ws_.stop(); }
  [[nodiscard]] bool stopped() const noexcept { return ws_.state() == net::SessionState::Stopped; }
  // Drop the connection now and reconnect (tests, watchdogs).
  void reconnect() noexcept { ws_.reconnect(); }

  int poll() noexcept {
    int work = ws_.poll();
    if (TICKPATH_UNLIKELY(phase_ == PrivateFeedPhase::Challenging ||
                          phase_ == PrivateFeedPhase::Subscribing)) {
      if (monotonic_ns() - opened_ns_ > config_.subscribe_timeout.count()) {
        fail_setup();
        ++work;
      }
    }
    if (TICKPATH_UNLIKELY(reconnect_pending_)) {
      reconnect_pending_ = false;
      ws_.reconnect();
      ++work;
    }
    return work;
  }

  [[nodiscard]] PrivateFeedPhase phase() const noexcept { return phase_; }
  [[nodiscard]] bool ready() const noexcept { return phase_ == PrivateFeedPhase::Ready; }
  [[nodiscard]] const PrivateFeedCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const OrderMessageParser& parser() const noexcept { return parser_; }
  [[nodiscard]] net::SessionState state() const noexcept { return ws_.state(); }

 private:
  static constexpr std::array<std::string_view, 3> kFeeds{"open_orders", "fills", "open_positions"};

  // --- net::WsHandler -------------------------------------------------------------------------
  void on_open() noexcept override {
    ++counters_.connections;
    phase_ = PrivateFeedPhase::Challenging;
    opened_ns_ = monotonic_ns();
    subscribed_ = 0;
    orders_snapshot_ = false;
    fills_snapshot_ = false;
    std::string text = R"({"event":"challenge","api_key":")";
    text += config_.api_key;
    text += "\"}";
    send(text);
  }

  void on_frame(const net::WsFrame& frame) noexcept override {
    parser_.parse_private(frame.payload.data(), frame.payload.size(),
                          frame.payload.size() + net::kFramePadding, static_cast<PrivateFeedHandler&>(*this));
  }

  void on_close(net::CloseReason /*reason*/, const boost::system::error_code& /*ec*/) noexcept override {
    reconnect_pending_ = false;
    go_down();
  }

  // --- OrderEntryHandler: control messages are ours, data goes to the handler --------------------
  void on_challenge(std::string_view challenge) noexcept override {
    if (phase_ != PrivateFeedPhase::Challenging) {
      return;
    }
    const Signature signed_challenge = signer_->sign_challenge(challenge);
    phase_ = PrivateFeedPhase::Subscribing;
    for (const std::string_view feed : kFeeds) {
      std::string text = R"({"event":"subscribe","feed":")";
      text += feed;
      text += R"(","api_key":")";
      text += config_.api_key;
      text += R"(","original_challenge":")";
      text += challenge;
      text += R"(","signed_challenge":")";
      text.append(signed_challenge.data(), signed_challenge.size());
      text += "\"}";
      if (!send(text)) {
        return;
      }
    }
  }

  void on_subscribed(std::string_view feed) noexcept override {
    for (std::size_t i = 0; i < kFeeds.size(); ++i) {
      if (feed == kFeeds[i]) {
        subscribed_ |= 1U << i;
      }
    }
    check_ready();
  }

  void on_subscribe_failed(std::string_view /*feed*/) noexcept override {
    ++counters_.alerts;
    if (phase_ != PrivateFeedPhase::Ready) {
      fail_setup();
    }
  }

  void on_alert(std::string_view message) noexcept override {
    ++counters_.alerts;
    handler_->on_alert(message);
    // While setting up, an alert is the venue refusing our signature (§4.3 item 5).
    if (phase_ == PrivateFeedPhase::Challenging || phase_ == PrivateFeedPhase::Subscribing) {
      fail_setup();
    }
  }

  void on_info() noexcept override { handler_->on_info(); }
  void on_orders_snapshot_begin() noexcept override { handler_->on_orders_snapshot_begin(); }
  void on_order_update(const oms::OrderUpdate& update) noexcept override {
    handler_->on_order_update(update);
  }
  void on_orders_snapshot_end() noexcept override {
    handler_->on_orders_snapshot_end();
    orders_snapshot_ = true;
    check_ready();
  }
  void on_fills_snapshot_begin() noexcept override { handler_->on_fills_snapshot_begin(); }
  void on_fill(const oms::Fill& fill) noexcept override { handler_->on_fill(fill); }
  void on_fills_snapshot_end() noexcept override {
    handler_->on_fills_snapshot_end();
    fills_snapshot_ = true;
    check_ready();
  }
  void on_positions_begin() noexcept override { handler_->on_positions_begin(); }
  void on_position(const oms::VenuePosition& position) noexcept override { handler_->on_position(position); }
  void on_positions_end() noexcept override { handler_->on_positions_end(); }
  void on_unknown_instrument(std::string_view symbol) noexcept override {
    ++counters_.unknown_instruments;
    handler_->on_unknown_instrument(symbol);
  }
  void on_malformed(std::string_view what) noexcept override {
    ++counters_.malformed;
    handler_->on_malformed(what);
  }
  void on_ignored(std::string_view what) noexcept override { handler_->on_ignored(what); }

  // --- helpers ------------------------------------------------------------------------------
  void check_ready() noexcept {
    if (phase_ == PrivateFeedPhase::Subscribing && subscribed_ == (1U << kFeeds.size()) - 1U &&
        orders_snapshot_ && fills_snapshot_) {
      phase_ = PrivateFeedPhase::Ready;
      ++counters_.ready;
      handler_->on_feed_ready();
    }
  }

  void go_down() noexcept {
    if (phase_ != PrivateFeedPhase::Down) {
      phase_ = PrivateFeedPhase::Down;
      ++counters_.downs;
      handler_->on_feed_down();
    }
  }

  void fail_setup() noexcept {
    ++counters_.setup_failures;
    go_down();
    reconnect_pending_ = true;
  }

  bool send(std::string_view text) noexcept {
    net::SendResult result = net::SendResult::NotOpen;
    try {
      result = ws_.send_text(text);
    } catch (...) {
      result = net::SendResult::QueueFull;
    }
    if (result != net::SendResult::Queued) {
      fail_setup();
      return false;
    }
    return true;
  }

  const Signer* signer_;
  PrivateFeedHandler* handler_;
  PrivateFeedConfig config_;
  OrderMessageParser parser_;
  net::WsSession<Transport> ws_;
  PrivateFeedCounters counters_{};
  PrivateFeedPhase phase_{PrivateFeedPhase::Down};
  std::int64_t opened_ns_{0};
  unsigned subscribed_{0};
  bool orders_snapshot_{false};
  bool fills_snapshot_{false};
  bool reconnect_pending_{false};
};

}  // namespace tickpath::venue::kraken_futures
