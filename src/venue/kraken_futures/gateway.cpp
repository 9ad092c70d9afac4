// The order gateway: design notes are on the public header.

#include "tickpath/venue/kraken_futures/gateway.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "tickpath/core/clock.hpp"
#include "tickpath/core/hints.hpp"
#include "tickpath/oms/rate_budget.hpp"

namespace tickpath::venue::kraken_futures {

const char* to_string(GatewayPhase phase) noexcept {
  switch (phase) {
    case GatewayPhase::Idle:
      return "idle";
    case GatewayPhase::Connecting:
      return "connecting";
    case GatewayPhase::Reconciling:
      return "reconciling";
    case GatewayPhase::Live:
      return "live";
    case GatewayPhase::Stopping:
      return "stopping";
    case GatewayPhase::Stopped:
      return "stopped";
  }
  return "?";
}

namespace {

[[nodiscard]] bool is_order_request(oms::RequestKind kind) noexcept {
  switch (kind) {
    case oms::RequestKind::SendOrder:
    case oms::RequestKind::EditOrder:
    case oms::RequestKind::CancelOrder:
    case oms::RequestKind::CancelAll:
    case oms::RequestKind::CancelAllAfter:
    case oms::RequestKind::BatchOrder:
      return true;
    default:
      return false;
  }
}

[[nodiscard]] oms::RequestError to_request_error(net::HttpFailure failure) noexcept {
  switch (failure) {
    case net::HttpFailure::NotSent:
      return oms::RequestError::NotSent;
    case net::HttpFailure::Timeout:
      return oms::RequestError::Timeout;
    case net::HttpFailure::ConnectionLost:
      return oms::RequestError::ConnectionLost;
    case net::HttpFailure::ResponseTooLarge:
    case net::HttpFailure::BadResponse:
      // An answer came but could not be read: what the venue did is unknown.
      return oms::RequestError::Malformed;
  }
  return oms::RequestError::Other;
}

}  // namespace

template <typename Transport>
Gateway<Transport>::Gateway(const InstrumentRegistry& registry, const Signer& signer, GatewayConfig config,
                            oms::OmsListener& listener, oms::ClientIdAllocator ids)
    : registry_(&registry),
      config_(std::move(config)),
      encoder_(registry, signer, config_.encoder),
      parser_(registry, config_.rest.max_response_bytes),
      oms_(registry, config_.oms, static_cast<oms::RequestSink&>(*this), listener, std::move(ids)),
      pool_(config_.rest, static_cast<net::HttpsHandler&>(*this)),
      feed_(registry, signer, config_.feed, static_cast<PrivateFeedHandler&>(*this)),
      queue_(config_.send_queue),
      in_flight_(config_.rest.connections),
      venue_positions_(registry.size()),
      buffer_(std::make_unique<RequestBuffer>()),
      position_seen_(registry.size(), false) {
  if (config_.send_queue == 0) {
    throw std::invalid_argument("gateway: send_queue must be at least 1");
  }
  if (config_.dms_timeout.count() > 0 &&
      (config_.dms_refresh.count() <= 0 || config_.dms_refresh >= config_.dms_timeout)) {
    throw std::invalid_argument("gateway: dms_refresh must be between 1 s and dms_timeout - 1 s");
  }
}

template <typename Transport>
Gateway<Transport>::~Gateway() = default;

template <typename Transport>
void Gateway<Transport>::start() {
  phase_ = GatewayPhase::Connecting;
  // Nothing may be sent on state we have not reconciled yet.
  oms_.begin_reconcile(monotonic_ns());
  pool_.start();
  feed_.start();
}

template <typename Transport>
void Gateway<Transport>::stop() {
  feed_.stop();
  pool_.stop();
  const std::int64_t deadline = monotonic_ns() + 2 * kNsPerSecond;
  while (!feed_.stopped() && monotonic_ns() < deadline) {
    (void)feed_.poll();
    (void)pool_.poll();
  }
  phase_ = GatewayPhase::Stopped;
}

template <typename Transport>
int Gateway<Transport>::poll() noexcept {
  int work = pool_.poll();
  work += feed_.poll();
  const std::int64_t now = monotonic_ns();
  work += run_timers(now);
  work += dispatch(now);
  return work;
}

template <typename Transport>
oms::SubmitResult Gateway<Transport>::submit(const oms::OrderAction& action) noexcept {
  // After begin_shutdown() the OMS is halted: new orders and edits are refused there.
  return oms_.submit(action, monotonic_ns());
}

template <typename Transport>
void Gateway<Transport>::on_mark(InstrumentId instrument, Price mid) noexcept {
  oms_.on_mark(instrument, mid, monotonic_ns());
}

template <typename Transport>
void Gateway<Transport>::kill(oms::HaltReason reason) noexcept {
  const std::int64_t now = monotonic_ns();
  oms_.halt(reason, now);  // with cancel_on_halt the OMS sends the cancel-all itself
  if (!config_.oms.cancel_on_halt) {
    (void)oms_.cancel_all(now);
  }
}

template <typename Transport>
void Gateway<Transport>::begin_shutdown() noexcept {
  const std::int64_t now = monotonic_ns();
  phase_ = GatewayPhase::Stopping;
  cancel_all_confirmed_ = false;
  if (oms_.halted()) {
    (void)oms_.cancel_all(now);  // halted earlier: its cancel-all is done, send a new one
  } else {
    oms_.halt(oms::HaltReason::Operator, now);
    if (!config_.oms.cancel_on_halt) {
      (void)oms_.cancel_all(now);
    }
  }
}

template <typename Transport>
bool Gateway<Transport>::shutdown_complete() const noexcept {
  return cancel_all_confirmed_ && oms_.open_orders() == 0;
}

template <typename Transport>
Qty Gateway<Transport>::venue_position(InstrumentId instrument) const noexcept {
  return instrument.value() < venue_positions_.size() ? venue_positions_[instrument.value()] : Qty{};
}

// --- sending ------------------------------------------------------------------------------------

template <typename Transport>
bool Gateway<Transport>::send(const oms::Request& request) noexcept {
  if (TICKPATH_UNLIKELY(!queue_.push(request))) {
    ++counters_.queue_full;
    return false;
  }
  ++counters_.requests_queued;
  return true;
}

template <typename Transport>
bool Gateway<Transport>::order_in_flight(oms::OrderId order) const noexcept {
  if (order == 0) {
    return false;
  }
  for (const InFlight& slot : in_flight_) {
    if (slot.tag != 0 && slot.request.order == order) {
      return true;
    }
  }
  return false;
}

template <typename Transport>
int Gateway<Transport>::dispatch(std::int64_t now_ns) noexcept {
  if (queue_.size() == 0 || pool_.idle() == 0) {
    return 0;
  }
  int sent = 0;
  // Requests that could not be encoded are answered NotSent after the compaction (the OMS may
  // queue new requests from inside on_reply).
  oms::Request failed[8];
  std::size_t n_failed = 0;
  queue_.compact([&](std::size_t i) noexcept {
    const oms::Request& r = queue_[i];
    if (pool_.idle() == 0 || order_in_flight(r.order) || n_failed == std::size(failed)) {
      return true;  // stays queued
    }
    auto slot =
        std::find_if(in_flight_.begin(), in_flight_.end(), [](const InFlight& s) { return s.tag == 0; });
    if (slot == in_flight_.end()) {
      return true;
    }
    const EncodedRequest encoded = encoder_.encode(r, nonces_.next(wall_ns()), *buffer_);
    if (TICKPATH_UNLIKELY(encoded.bytes.empty())) {
      ++counters_.encode_failures;
      failed[n_failed++] = r;
      return false;
    }
    const std::uint64_t tag = next_tag_++;
    if (!pool_.submit(tag, encoded.bytes)) {
      return true;
    }
    slot->request = r;
    slot->tag = tag;
    slot->round = reconcile_round_;
    ++counters_.requests_sent;
    ++sent;
    return false;
  });
  for (std::size_t i = 0; i < n_failed; ++i) {
    const oms::Request& r = failed[i];
    if (is_order_request(r.kind)) {
      oms::OrderReply reply{};
      reply.order = r.order;
      reply.kind = r.kind;
      reply.error = oms::RequestError::NotSent;
      oms_.on_reply(reply, now_ns);
    } else {
      query_failed(r, now_ns);
    }
  }
  return sent + static_cast<int>(n_failed);
}

// --- answers ------------------------------------------------------------------------------------

template <typename Transport>
void Gateway<Transport>::on_response(std::uint64_t tag, unsigned status,
                                     std::span<const char> body) noexcept {
  auto it =
      std::find_if(in_flight_.begin(), in_flight_.end(), [tag](const InFlight& s) { return s.tag == tag; });
  if (it == in_flight_.end()) {
    return;  // not ours (cannot happen: the pool answers each tag once)
  }
  const InFlight slot = *it;
  it->tag = 0;
  ++counters_.answers;
  const std::int64_t now = monotonic_ns();
  if (is_order_request(slot.request.kind)) {
    handle_order_answer(slot, status, body, now);
  } else if (slot.round == reconcile_round_) {
    handle_query_answer(slot, status, body, now);
  }
}

template <typename Transport>
void Gateway<Transport>::on_failure(std::uint64_t tag, net::HttpFailure failure,
                                    const boost::system::error_code& /*ec*/) noexcept {
  auto it =
      std::find_if(in_flight_.begin(), in_flight_.end(), [tag](const InFlight& s) { return s.tag == tag; });
  if (it == in_flight_.end()) {
    return;
  }
  const InFlight slot = *it;
  it->tag = 0;
  ++counters_.failures;
  if (failure == net::HttpFailure::Timeout) {
    ++counters_.timeouts;
  }
  const std::int64_t now = monotonic_ns();
  if (slot.request.kind == oms::RequestKind::CancelAllAfter) {
    dms_in_flight_ = false;
    ++counters_.dms_failures;
    dms_next_ns_ = now + std::chrono::nanoseconds{config_.retry_delay}.count();
  }
  if (is_order_request(slot.request.kind)) {
    oms::OrderReply reply{};
    reply.order = slot.request.order;
    reply.kind = slot.request.kind;
    reply.error = to_request_error(failure);
    oms_.on_reply(reply, now);
    if (oms::outcome_unknown(reply.error)) {
      want_reconcile(now);  // the OMS holds the order Unknown: ask the venue after a while
    }
  } else if (slot.round == reconcile_round_) {
    query_failed(slot.request, now);
  }
}

template <typename Transport>
void Gateway<Transport>::handle_order_answer(const InFlight& slot, unsigned status,
                                             std::span<const char> body, std::int64_t now_ns) noexcept {
  oms::OrderReply reply = parser_.parse_reply(slot.request.kind, status, body.data(), body.size(),
                                              body.size() + net::kFramePadding, *this);
  reply.order = slot.request.order;
  reply.kind = slot.request.kind;
  if (reply.error == oms::RequestError::ApiLimitExceeded) {
    ++counters_.api_limit_exceeded;
  }
  if (slot.request.kind == oms::RequestKind::CancelAllAfter) {
    dms_in_flight_ = false;
    if (reply.error == oms::RequestError::None) {
      ++counters_.dms_armed;
      dms_trigger_ms_ = reply.trigger_ms;
      dms_next_ns_ = now_ns + std::chrono::nanoseconds{config_.dms_refresh}.count();
    } else {
      ++counters_.dms_failures;
      dms_next_ns_ = now_ns + std::chrono::nanoseconds{config_.retry_delay}.count();
    }
  }
  if (slot.request.kind == oms::RequestKind::CancelAll && reply.error == oms::RequestError::None) {
    cancel_all_confirmed_ = true;
  }
  oms_.on_reply(reply, now_ns);
  if (oms::outcome_unknown(reply.error)) {
    want_reconcile(now_ns);  // the OMS holds the order Unknown: ask the venue after a while
  }
}

template <typename Transport>
void Gateway<Transport>::want_reconcile(std::int64_t now_ns) noexcept {
  if (!reconcile_wanted_) {
    reconcile_wanted_ = true;
    reconcile_at_ns_ = now_ns + std::chrono::nanoseconds{config_.retry_delay}.count();
  }
}

template <typename Transport>
void Gateway<Transport>::handle_query_answer(const InFlight& slot, unsigned status,
                                             std::span<const char> body, std::int64_t now_ns) noexcept {
  const char* data = body.data();
  const std::size_t size = body.size();
  const std::size_t capacity = size + net::kFramePadding;
  oms::RequestError error = oms::RequestError::None;
  switch (slot.request.kind) {
    case oms::RequestKind::OpenOrders:
      error = parser_.parse_open_orders(status, data, size, capacity, *this);
      if (error == oms::RequestError::None) {
        finish_query(kQueryOrders, now_ns);
      }
      break;
    case oms::RequestKind::OpenPositions:
      reconciling_positions_ = true;
      error = parser_.parse_open_positions(status, data, size, capacity, *this);
      reconciling_positions_ = false;
      if (error == oms::RequestError::None) {
        finish_query(kQueryPositions, now_ns);
      }
      break;
    case oms::RequestKind::Fills: {
      parsing_fills_page_ = true;
      page_rows_ = 0;
      page_oldest_ms_ = 0;
      page_reached_known_ = false;
      const std::int64_t known = last_fill_ms_;
      page_known_limit_ms_ = known;
      error = parser_.parse_fills(status, data, size, capacity, *this);
      parsing_fills_page_ = false;
      if (error != oms::RequestError::None) {
        break;
      }
      ++fill_pages_;
      // A full page whose oldest fill is still newer than anything we knew: there may be more.
      const bool more = known != 0 && page_rows_ >= 100 && !page_reached_known_ && page_oldest_ms_ > 0 &&
                        fill_pages_ < config_.max_fill_pages;
      if (more) {
        if (!queue_query(oms::RequestKind::Fills, page_oldest_ms_, now_ns)) {
          retry_queries_ |= kQueryFills;
          retry_at_ns_ = now_ns + std::chrono::nanoseconds{config_.retry_delay}.count();
        }
      } else {
        finish_query(kQueryFills, now_ns);
      }
      break;
    }
    default:
      break;
  }
  if (error != oms::RequestError::None) {
    if (error == oms::RequestError::ApiLimitExceeded) {
      ++counters_.api_limit_exceeded;
    }
    query_failed(slot.request, now_ns);
  }
}

// --- reconciliation -----------------------------------------------------------------------------

template <typename Transport>
bool Gateway<Transport>::queue_query(oms::RequestKind kind, std::int64_t arg, std::int64_t now_ns) noexcept {
  const std::int64_t cost = oms::request_cost(kind, 0, kind == oms::RequestKind::Fills && arg != 0);
  if (!oms_.budget().try_spend(cost, oms::rate_class(kind), now_ns)) {
    return false;
  }
  oms::Request r{};
  r.kind = kind;
  r.arg = arg;
  return send(r);
}

template <typename Transport>
void Gateway<Transport>::start_reconcile(std::int64_t now_ns) noexcept {
  if (phase_ == GatewayPhase::Stopping || phase_ == GatewayPhase::Stopped) {
    return;
  }
  phase_ = GatewayPhase::Reconciling;
  ++reconcile_round_;
  reconcile_wanted_ = false;
  // Queries of an earlier round that still wait for a connection are not needed any more.
  queue_.compact([this](std::size_t i) noexcept { return is_order_request(queue_[i].kind); });
  oms_.begin_reconcile(now_ns);
  queries_pending_ = kQueryOrders | kQueryPositions | kQueryFills;
  fill_pages_ = 0;
  retry_queries_ = kQueryOrders | kQueryPositions | kQueryFills;
  retry_at_ns_ = now_ns;  // sent by run_timers as the budget allows
}

template <typename Transport>
void Gateway<Transport>::finish_query(unsigned query, std::int64_t now_ns) noexcept {
  if ((queries_pending_ & query) == 0) {
    return;
  }
  queries_pending_ &= ~query;
  if (queries_pending_ == 0 && phase_ == GatewayPhase::Reconciling) {
    oms_.end_reconcile(now_ns);
    ++counters_.reconciliations;
    phase_ = GatewayPhase::Live;
  }
}

template <typename Transport>
void Gateway<Transport>::query_failed(const oms::Request& request, std::int64_t now_ns) noexcept {
  ++counters_.query_failures;
  unsigned query = 0;
  switch (request.kind) {
    case oms::RequestKind::OpenOrders:
      query = kQueryOrders;
      break;
    case oms::RequestKind::OpenPositions:
      query = kQueryPositions;
      break;
    case oms::RequestKind::Fills:
      query = kQueryFills;
      fill_pages_ = 0;  // start the walk again from the newest page
      break;
    default:
      return;
  }
  if ((queries_pending_ & query) != 0) {
    // Start the round again once the venue answers: a fresh begin_reconcile re-evaluates which
    // orders had requests in flight, so an order left Unknown meanwhile is settled by it.
    queries_pending_ = 0;
    retry_queries_ = 0;
    want_reconcile(now_ns);
  }
}

template <typename Transport>
int Gateway<Transport>::run_timers(std::int64_t now_ns) noexcept {
  int work = 0;
  if (TICKPATH_UNLIKELY(retry_queries_ != 0 && now_ns >= retry_at_ns_)) {
    const std::pair<unsigned, oms::RequestKind> queries[] = {
        {kQueryOrders, oms::RequestKind::OpenOrders},
        {kQueryPositions, oms::RequestKind::OpenPositions},
        {kQueryFills, oms::RequestKind::Fills}};
    for (const auto& [bit, kind] : queries) {
      if ((retry_queries_ & bit) != 0 && queue_query(kind, 0, now_ns)) {
        retry_queries_ &= ~bit;
        ++work;
      }
    }
    if (retry_queries_ != 0) {
      retry_at_ns_ = now_ns + 10'000'000;  // budget short: look again in 10 ms
    }
  }
  if (TICKPATH_UNLIKELY(reconcile_wanted_ && now_ns >= reconcile_at_ns_ && feed_.ready() &&
                        (phase_ == GatewayPhase::Live || phase_ == GatewayPhase::Reconciling))) {
    start_reconcile(now_ns);
    ++work;
  }
  if (config_.dms_timeout.count() > 0 && !dms_in_flight_ && now_ns >= dms_next_ns_ && pool_.open() > 0 &&
      phase_ != GatewayPhase::Stopped) {
    oms::Request r{};
    r.kind = oms::RequestKind::CancelAllAfter;
    r.arg = config_.dms_timeout.count();
    if (oms_.budget().try_spend(oms::request_cost(r.kind), oms::rate_class(r.kind), now_ns) && send(r)) {
      dms_in_flight_ = true;
      ++work;
    } else {
      dms_next_ns_ = now_ns + 10'000'000;
    }
  }
  return work;
}

// --- private feed -------------------------------------------------------------------------------

template <typename Transport>
void Gateway<Transport>::on_feed_down() noexcept {
  ++counters_.feed_downs;
  if (phase_ == GatewayPhase::Stopping || phase_ == GatewayPhase::Stopped) {
    return;
  }
  // Without the feed we cannot see fills or removals: hold new orders until reconciled.
  phase_ = GatewayPhase::Connecting;
  queries_pending_ = 0;
  retry_queries_ = 0;
  reconcile_wanted_ = false;
  oms_.begin_reconcile(monotonic_ns());
}

template <typename Transport>
void Gateway<Transport>::on_feed_ready() noexcept {
  start_reconcile(monotonic_ns());
}

template <typename Transport>
void Gateway<Transport>::on_alert(std::string_view /*message*/) noexcept {
  ++counters_.feed_alerts;
}

template <typename Transport>
void Gateway<Transport>::on_order_update(const oms::OrderUpdate& update) noexcept {
  oms_.on_order_update(update, monotonic_ns());
}

template <typename Transport>
void Gateway<Transport>::on_fill(const oms::Fill& fill) noexcept {
  if (parsing_fills_page_) {
    ++page_rows_;
    if (page_oldest_ms_ == 0 || fill.time_ms < page_oldest_ms_) {
      page_oldest_ms_ = fill.time_ms;
    }
    if (page_known_limit_ms_ != 0 && fill.time_ms <= page_known_limit_ms_) {
      page_reached_known_ = true;
    }
  }
  last_fill_ms_ = std::max(last_fill_ms_, fill.time_ms);
  // Fills from before this run for orders that are not ours are history to the OMS (it remembers
  // their ids and takes positions from /openpositions instead).
  oms_.on_fill(fill, monotonic_ns());
}

template <typename Transport>
void Gateway<Transport>::on_positions_begin() noexcept {
  std::fill(position_seen_.begin(), position_seen_.end(), false);
}

template <typename Transport>
void Gateway<Transport>::on_position(const oms::VenuePosition& position) noexcept {
  const std::size_t i = position.instrument.value();
  if (i < venue_positions_.size()) {
    venue_positions_[i] = position.balance;
    position_seen_[i] = true;
  }
  if (reconciling_positions_) {
    oms_.reconcile_position(position, monotonic_ns());
  }
}

template <typename Transport>
void Gateway<Transport>::on_positions_end() noexcept {
  // Both the feed and /openpositions list open positions only: the others are flat.
  for (std::size_t i = 0; i < position_seen_.size(); ++i) {
    if (position_seen_[i]) {
      continue;
    }
    venue_positions_[i] = Qty{};
    if (reconciling_positions_) {
      oms::VenuePosition flat{};
      flat.instrument = InstrumentId{static_cast<InstrumentId::value_type>(i)};
      oms_.reconcile_position(flat, monotonic_ns());
    }
  }
}

template <typename Transport>
void Gateway<Transport>::on_open_order(const oms::VenueOrder& order) noexcept {
  oms_.reconcile_open_order(order, monotonic_ns());
}

template <typename Transport>
void Gateway<Transport>::on_unknown_instrument(std::string_view /*symbol*/) noexcept {
  ++counters_.unknown_instruments;
}

template <typename Transport>
void Gateway<Transport>::on_malformed(std::string_view /*what*/) noexcept {
  ++counters_.malformed;
}

template class Gateway<net::TlsTransport>;
template class Gateway<net::PlainTransport>;

}  // namespace tickpath::venue::kraken_futures
