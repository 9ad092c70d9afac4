#include "tickpath/oms/oms.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

using namespace tickpath;
using namespace tickpath::oms;

namespace {

constexpr std::uint64_t kStartMs = 1'765'000'000'000ULL;
constexpr std::int64_t kFillMs = 1'765'000'100'000;  // after the session start: this run's fills
const InstrumentId kXbt{0};
const InstrumentId kEth{1};

InstrumentRegistry make_registry() {
  InstrumentRegistry r(8);
  r.add({"PF_XBTUSD", Increment{5, -1}, Increment{1, -4}, ContractKind::Linear});
  r.add({"PF_ETHUSD", Increment{1, -1}, Increment{1, -3}, ContractKind::Linear});
  return r;
}

OmsConfig test_config() {
  OmsConfig c;
  c.max_orders = 256;
  c.fill_memory = 4096;
  c.rate.capacity = 5000;
  c.rate.cancel_reserve = 100;
  return c;
}

struct Sink final : RequestSink {
  std::vector<Request> sent;
  bool accept{true};
  bool send(const Request& r) noexcept override {
    if (!accept) {
      return false;
    }
    sent.push_back(r);
    return true;
  }
};

struct Listener final : OmsListener {
  std::vector<OrderEvent> events;
  std::vector<FillEvent> fills;
  std::vector<Alert> alerts;
  void on_order_event(const OrderEvent& e) noexcept override { events.push_back(e); }
  void on_fill(const FillEvent& e) noexcept override { fills.push_back(e); }
  void on_alert(const Alert& a) noexcept override { alerts.push_back(a); }

  [[nodiscard]] std::size_t count(AlertKind k) const {
    return static_cast<std::size_t>(
        std::count_if(alerts.begin(), alerts.end(), [k](const Alert& a) { return a.kind == k; }));
  }
  [[nodiscard]] std::vector<OrderEvent> of(OrderId id, std::size_t from = 0) const {
    std::vector<OrderEvent> out;
    for (std::size_t i = from; i < events.size(); ++i) {
      if (events[i].order == id) {
        out.push_back(events[i]);
      }
    }
    return out;
  }
};

VenueOrderId venue_of(OrderId id) {
  VenueOrderId v;
  v.valid = true;
  for (std::size_t i = 0; i < 8; ++i) {
    v.bytes[i] = static_cast<std::uint8_t>((id + 1000) >> (8 * i));
  }
  v.bytes[15] = 0x5a;
  return v;
}

FillId fill_id(std::uint64_t n) {
  FillId f;
  f.valid = true;
  for (std::size_t i = 0; i < 8; ++i) {
    f.bytes[i + 8] = static_cast<std::uint8_t>(n >> (8 * i));
  }
  f.bytes[0] = 0xf1;
  return f;
}

struct Harness {
  InstrumentRegistry registry = make_registry();
  Sink sink;
  Listener listener;
  Oms oms;
  std::int64_t now{1'000'000'000};
  std::uint64_t next_fill{1};

  explicit Harness(OmsConfig config = test_config())
      : oms(registry, std::move(config), sink, listener, ClientIdAllocator(kStartMs, 4242U)) {}

  std::int64_t tick() { return now += 1'000'000; }

  const Order& order(OrderId id) const {
    const Order* o = oms.find(id);
    REQUIRE(o != nullptr);
    return *o;
  }
  OrderState state(OrderId id) const { return order(id).state; }

  OrderId submit_new(Side side = Side::Buy, Qty qty = Qty{10}, Price price = Price{1000},
                     OrderType type = OrderType::Limit, InstrumentId inst = kXbt) {
    const SubmitResult r = oms.submit(OrderAction::new_order(inst, side, type, price, qty, 77), tick());
    REQUIRE(r.verdict == Verdict::Accepted);
    return r.order;
  }

  VenueOrder venue_order(OrderId id, Qty remaining, Qty filled) const {
    const Order& o = order(id);
    VenueOrder v;
    v.order_id = venue_of(id);
    v.cli = o.cli;
    v.instrument = o.instrument;
    v.side = o.side;
    v.type = o.type;
    v.price = o.pending_price != Price::min() && o.edit_pending ? o.pending_price : o.price;
    v.qty = remaining;
    v.filled = filled;
    v.time_ms = kFillMs;
    v.last_update_ms = kFillMs;
    return v;
  }

  OrderReply reply(OrderId id, RequestKind kind, VenueStatus status,
                   RequestError error = RequestError::None) const {
    OrderReply r;
    r.order = id;
    r.kind = kind;
    r.status = status;
    r.error = error;
    if (error == RequestError::None && status != VenueStatus::NotFound) {
      r.order_state.order_id = venue_of(id);
      r.order_state.cli = order(id).cli;
    }
    return r;
  }
  void send_reply(const OrderReply& r) { oms.on_reply(r, tick()); }
  void place(OrderId id, Qty executed = Qty{}) {
    OrderReply r = reply(id, RequestKind::SendOrder, VenueStatus::Placed);
    r.executed = executed;
    send_reply(r);
  }

  OrderUpdate update(OrderId id, UpdateReason reason, bool is_cancel, bool has_order = false,
                     Qty remaining = Qty{}, Qty filled = Qty{}) const {
    OrderUpdate u;
    u.order = venue_order(id, remaining, filled);
    u.reason = reason;
    u.is_cancel = is_cancel;
    u.has_order = has_order;
    return u;
  }
  void feed(const OrderUpdate& u) { oms.on_order_update(u, tick()); }

  Fill make_fill(OrderId id, Qty qty, Price price = Price{1000}) {
    const Order& o = order(id);
    Fill f;
    f.fill_id = fill_id(next_fill++);
    f.order_id = venue_of(id);
    f.cli = o.cli;
    f.instrument = o.instrument;
    f.side = o.side;
    f.price = price;
    f.qty = qty;
    f.has_fee = true;
    f.fee = Decimal{qty.lots(), -4};
    f.time_ms = kFillMs;
    return f;
  }
  void fill(OrderId id, Qty qty, Price price = Price{1000}) {
    oms.on_fill(make_fill(id, qty, price), tick());
  }

  std::size_t count_sent(RequestKind k) const {
    return static_cast<std::size_t>(
        std::count_if(sink.sent.begin(), sink.sent.end(), [k](const Request& r) { return r.kind == k; }));
  }
};

// Drives a new order into `s` through the public API.
OrderId make_in_state(Harness& h, OrderState s) {
  const OrderId id = h.submit_new();
  switch (s) {
    case OrderState::PendingNew:
      break;
    case OrderState::Open:
      h.place(id);
      break;
    case OrderState::PartiallyFilled:
      h.place(id);
      h.fill(id, Qty{3});
      break;
    case OrderState::Filled:
      h.place(id);
      h.fill(id, Qty{10});
      break;
    case OrderState::Cancelled:
      h.place(id);
      h.feed(h.update(id, UpdateReason::CancelledByUser, true));
      break;
    case OrderState::Rejected:
      h.send_reply(h.reply(id, RequestKind::SendOrder, VenueStatus::PostWouldExecute));
      break;
    case OrderState::PendingModify:
      h.place(id);
      REQUIRE(h.oms.submit(OrderAction::modify(id, Price{1001}, Qty{}), h.tick()).verdict ==
              Verdict::Accepted);
      break;
    case OrderState::PendingCancel:
      h.place(id);
      REQUIRE(h.oms.submit(OrderAction::cancel(id), h.tick()).verdict == Verdict::Accepted);
      break;
    case OrderState::Unknown:
      h.send_reply(h.reply(id, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::Timeout));
      break;
  }
  REQUIRE(h.state(id) == s);
  return id;
}

constexpr std::array<OrderState, kOrderStateCount> kAllStates = {
    OrderState::PendingNew,    OrderState::Open,          OrderState::PartiallyFilled,
    OrderState::Filled,        OrderState::Cancelled,     OrderState::Rejected,
    OrderState::PendingModify, OrderState::PendingCancel, OrderState::Unknown};

enum class Stimulus {
  Placed,
  RuleRemoval,
  Edited,
  PartialFill,
  CompletingFill,
  FullFillRemoval,
  CancelRemoval
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The table through the Oms

TEST_CASE("every feed input in every state moves the order exactly as the table says") {
  for (const OrderState s : kAllStates) {
    for (const Stimulus k : {Stimulus::Placed, Stimulus::RuleRemoval, Stimulus::Edited, Stimulus::PartialFill,
                             Stimulus::CompletingFill, Stimulus::FullFillRemoval, Stimulus::CancelRemoval}) {
      Harness h;
      const OrderId id = make_in_state(h, s);
      const Order before = h.order(id);
      CAPTURE(to_string(s), static_cast<int>(k));
      OrderInput input = OrderInput::Placed;
      Qty filled_after = before.filled;
      const std::size_t events_before = h.listener.events.size();
      const std::uint64_t invalid_before = h.oms.counters().invalid_transitions;
      switch (k) {
        case Stimulus::Placed:
          input = OrderInput::Placed;
          h.feed(h.update(id, UpdateReason::NewPlacedOrderByUser, false, true, before.qty - before.filled,
                          before.filled));
          break;
        case Stimulus::RuleRemoval:
          input = before.filled.lots() > 0 ? OrderInput::Cancelled : OrderInput::Rejected;
          h.feed(h.update(id, UpdateReason::WouldNotReducePosition, true));
          break;
        case Stimulus::Edited:
          input = OrderInput::Edited;
          h.feed(h.update(id, UpdateReason::EditedByUser, false, true, before.qty - before.filled,
                          before.filled));
          break;
        case Stimulus::PartialFill:
          filled_after = before.filled + Qty{2};
          input = filled_after >= before.qty ? OrderInput::FillComplete : OrderInput::Fill;
          h.fill(id, Qty{2});
          break;
        case Stimulus::CompletingFill: {
          const Qty rest = std::max(before.qty - before.filled, Qty{1});
          filled_after = before.filled + rest;
          input = OrderInput::FillComplete;
          h.fill(id, rest);
          break;
        }
        case Stimulus::FullFillRemoval:
          // Fills that already cover a live order complete it; a terminal one just ignores it.
          input = !is_terminal(s) && before.filled >= before.qty ? OrderInput::FillComplete
                                                                 : OrderInput::FillRemoval;
          h.feed(h.update(id, UpdateReason::FullFill, true));
          break;
        case Stimulus::CancelRemoval:
          input = OrderInput::Cancelled;
          h.feed(h.update(id, UpdateReason::CancelledByUser, true));
          break;
      }
      const Step expect = step(s, input, filled_after.lots() > 0);
      const Order& after = h.order(id);
      REQUIRE(after.state == expect.to);
      REQUIRE(after.filled == filled_after);
      const std::vector<OrderEvent> events = h.listener.of(id, events_before);
      if (expect.emits()) {
        REQUIRE(events.size() == 1);
        REQUIRE(events[0].from == s);
        REQUIRE(events[0].to == expect.to);
        REQUIRE(events[0].cause == input);
        REQUIRE(events[0].filled == filled_after);
        REQUIRE(events[0].open == after.open);
      } else {
        REQUIRE(events.empty());
      }
      REQUIRE(h.oms.counters().invalid_transitions - invalid_before == (expect.valid() ? 0U : 1U));
      if (!expect.valid()) {
        REQUIRE(h.listener.count(AlertKind::InvalidTransition) == 1);
      }
      REQUIRE(h.oms.check_invariants());
    }
  }
}

TEST_CASE("answers to the request in flight move the order as the table says") {
  struct Case {
    OrderState start;
    RequestKind kind;
    VenueStatus status;
    RequestError error;
    bool no_effect;
    OrderState expect;
    OrderInput cause;
  };
  const std::vector<Case> cases = {
      {OrderState::PendingNew, RequestKind::SendOrder, VenueStatus::Placed, RequestError::None, false,
       OrderState::Open, OrderInput::Placed},
      {OrderState::PendingNew, RequestKind::SendOrder, VenueStatus::InsufficientAvailableFunds,
       RequestError::None, false, OrderState::Rejected, OrderInput::Rejected},
      {OrderState::PendingNew, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::Timeout, false,
       OrderState::Unknown, OrderInput::Timeout},
      {OrderState::PendingNew, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::ConnectionLost,
       false, OrderState::Unknown, OrderInput::Timeout},
      {OrderState::PendingNew, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::NotSent, false,
       OrderState::Rejected, OrderInput::Rejected},
      {OrderState::PendingNew, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::ApiLimitExceeded,
       false, OrderState::Rejected, OrderInput::Rejected},
      {OrderState::PendingNew, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::ServerError, false,
       OrderState::Unknown, OrderInput::Timeout},
      {OrderState::PendingNew, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::None, false,
       OrderState::Unknown, OrderInput::Timeout},  // a status string we do not know
      {OrderState::PendingModify, RequestKind::EditOrder, VenueStatus::Edited, RequestError::None, false,
       OrderState::Open, OrderInput::Edited},
      {OrderState::PendingModify, RequestKind::EditOrder, VenueStatus::Edited, RequestError::None, true,
       OrderState::Open, OrderInput::EditNoEffect},
      {OrderState::PendingModify, RequestKind::EditOrder, VenueStatus::PostWouldExecute, RequestError::None,
       false, OrderState::Open, OrderInput::EditRejected},
      {OrderState::PendingModify, RequestKind::EditOrder, VenueStatus::OrderForEditNotFound,
       RequestError::None, false, OrderState::Unknown, OrderInput::NotFound},
      {OrderState::PendingModify, RequestKind::EditOrder, VenueStatus::Unknown, RequestError::Timeout, false,
       OrderState::Unknown, OrderInput::Timeout},
      {OrderState::PendingModify, RequestKind::EditOrder, VenueStatus::Unknown, RequestError::NotSent, false,
       OrderState::Open, OrderInput::EditRejected},
      {OrderState::PendingCancel, RequestKind::CancelOrder, VenueStatus::Cancelled, RequestError::None, false,
       OrderState::Cancelled, OrderInput::Cancelled},
      {OrderState::PendingCancel, RequestKind::CancelOrder, VenueStatus::Filled, RequestError::None, false,
       OrderState::Open, OrderInput::FillRemoval},
      {OrderState::PendingCancel, RequestKind::CancelOrder, VenueStatus::NotFound, RequestError::None, false,
       OrderState::Unknown, OrderInput::NotFound},
      {OrderState::PendingCancel, RequestKind::CancelOrder, VenueStatus::Unknown, RequestError::Timeout,
       false, OrderState::Unknown, OrderInput::Timeout},
      {OrderState::PendingCancel, RequestKind::CancelOrder, VenueStatus::Unknown, RequestError::NotSent,
       false, OrderState::Open, OrderInput::CancelRejected},
      {OrderState::PendingCancel, RequestKind::CancelOrder, VenueStatus::WouldProcessAfterSpecifiedTime,
       RequestError::None, false, OrderState::Open, OrderInput::CancelRejected},
  };
  for (const Case& c : cases) {
    CAPTURE(to_string(c.start), to_string(c.kind), to_string(c.status), to_string(c.error), c.no_effect);
    Harness h;
    const OrderId id = make_in_state(h, c.start);
    const std::size_t events_before = h.listener.events.size();
    OrderReply r = h.reply(id, c.kind, c.status, c.error);
    r.edit_no_effect = c.no_effect;
    h.send_reply(r);
    REQUIRE(h.state(id) == c.expect);
    REQUIRE_FALSE(h.order(id).has_inflight);
    const auto events = h.listener.of(id, events_before);
    REQUIRE(events.size() == 1);
    REQUIRE(events[0].cause == c.cause);
    REQUIRE(events[0].status == c.status);
    REQUIRE(events[0].error == c.error);
    REQUIRE(h.oms.counters().invalid_transitions == 0);
    // The same answer again is not for a request in flight: counted, nothing moves.
    h.send_reply(r);
    REQUIRE(h.state(id) == c.expect);
    REQUIRE(h.oms.counters().unexpected_replies == 1);
    REQUIRE(h.oms.check_invariants());
  }
}

// ---------------------------------------------------------------------------------------------
// Out-of-order arrivals, one by one

TEST_CASE("a fill before the REST answer makes the order partially filled and the answer changes nothing") {
  Harness h;
  const OrderId id = h.submit_new();
  h.fill(id, Qty{4});
  REQUIRE(h.state(id) == OrderState::PartiallyFilled);
  REQUIRE(h.order(id).filled == Qty{4});
  REQUIRE(h.order(id).open == Qty{6});
  const std::size_t n = h.listener.events.size();
  h.place(id);
  REQUIRE(h.state(id) == OrderState::PartiallyFilled);
  REQUIRE(h.listener.events.size() == n);  // ignored: nothing new
  REQUIRE(h.order(id).venue_id == venue_of(id));
  h.fill(id, Qty{6});
  REQUIRE(h.state(id) == OrderState::Filled);
  REQUIRE(h.oms.positions().get(kXbt).qty == Qty{10});
}

TEST_CASE("a full_fill removal before the fill never reports Cancelled and the fill completes the order") {
  for (const bool before_answer : {false, true}) {
    CAPTURE(before_answer);
    Harness h;
    const OrderId id = h.submit_new();
    if (!before_answer) {
      h.place(id);
    }
    h.feed(h.update(id, UpdateReason::FullFill, true));  // 2021 short shape: ids only
    REQUIRE(h.state(id) == OrderState::Open);
    REQUIRE(h.order(id).removed);
    REQUIRE(h.order(id).open == Qty{});
    if (before_answer) {
      h.place(id, Qty{10});
      REQUIRE(h.state(id) == OrderState::Open);
    }
    // Removed orders cannot be cancelled or modified: nothing rests at the venue.
    REQUIRE(h.oms.submit(OrderAction::cancel(id), h.tick()).verdict == Verdict::NotModifiable);
    h.fill(id, Qty{7});
    REQUIRE(h.state(id) == OrderState::PartiallyFilled);
    h.fill(id, Qty{3});
    REQUIRE(h.state(id) == OrderState::Filled);
    for (const OrderEvent& e : h.listener.events) {
      REQUIRE(e.to != OrderState::Cancelled);
    }
  }
}

TEST_CASE("a full_fill removal carrying the order takes the venue's size, covering a reduce-only shrink") {
  Harness h;
  const OrderId id = h.submit_new(Side::Sell, Qty{10});
  h.place(id);
  h.fill(id, Qty{6});
  // The venue shrank the reduce-only order to 6: remaining 0 + filled 6.
  h.feed(h.update(id, UpdateReason::FullFill, true, true, Qty{0}, Qty{6}));
  REQUIRE(h.state(id) == OrderState::Filled);
  REQUIRE(h.order(id).qty == Qty{6});
}

TEST_CASE("a cancel of an already filled order ends Filled whether the fills or the answer come first") {
  for (const bool answer_first : {false, true}) {
    CAPTURE(answer_first);
    Harness h;
    const OrderId id = h.submit_new();
    h.place(id);
    REQUIRE(h.oms.submit(OrderAction::cancel(id), h.tick()).verdict == Verdict::Accepted);
    REQUIRE(h.state(id) == OrderState::PendingCancel);
    const OrderReply filled = h.reply(id, RequestKind::CancelOrder, VenueStatus::Filled);
    if (answer_first) {
      h.send_reply(filled);
      REQUIRE(h.state(id) == OrderState::Open);  // not cancelled: waiting for the fills
      REQUIRE(h.order(id).open == Qty{});
    }
    h.fill(id, Qty{10});
    REQUIRE(h.state(id) == OrderState::Filled);
    if (!answer_first) {
      h.send_reply(filled);
      REQUIRE(h.state(id) == OrderState::Filled);
    }
    h.feed(h.update(id, UpdateReason::FullFill, true));
    REQUIRE(h.state(id) == OrderState::Filled);
    for (const OrderEvent& e : h.listener.events) {
      REQUIRE(e.to != OrderState::Cancelled);
    }
    REQUIRE(h.oms.counters().invalid_transitions == 0);
  }
}

TEST_CASE("an edit with no effect is a no-op back to the previous state") {
  Harness h;
  const OrderId id = h.submit_new();
  h.place(id);
  h.fill(id, Qty{2});
  REQUIRE(h.oms.submit(OrderAction::modify(id, Price{1000}, Qty{}), h.tick()).verdict == Verdict::Accepted);
  REQUIRE(h.state(id) == OrderState::PendingModify);
  REQUIRE(h.sink.sent.back().kind == RequestKind::EditOrder);
  REQUIRE(h.sink.sent.back().venue_id == venue_of(id));
  OrderReply r = h.reply(id, RequestKind::EditOrder, VenueStatus::Edited);
  r.edit_no_effect = true;
  h.send_reply(r);
  REQUIRE(h.state(id) == OrderState::PartiallyFilled);
  REQUIRE(h.order(id).price == Price{1000});
  REQUIRE(h.order(id).qty == Qty{10});
  REQUIRE_FALSE(h.order(id).edit_pending);
  REQUIRE(h.listener.events.back().cause == OrderInput::EditNoEffect);
  REQUIRE(h.oms.counters().invalid_transitions == 0);
}

TEST_CASE("an applied edit takes the new price and size, the open size sent relative to the fills") {
  Harness h;
  const OrderId id = h.submit_new();
  h.place(id);
  h.fill(id, Qty{4});
  REQUIRE(h.oms.submit(OrderAction::modify(id, Price{990}, Qty{15}), h.tick()).verdict == Verdict::Accepted);
  const Request& req = h.sink.sent.back();
  REQUIRE(req.qty == Qty{11});  // new total 15 - 4 filled: Kraken qtyMode RELATIVE
  REQUIRE(req.price == Price{990});
  // Risk counts the larger size while the edit is in flight.
  REQUIRE(h.oms.risk_inputs(kXbt).open_buy == Qty{11});
  h.send_reply(h.reply(id, RequestKind::EditOrder, VenueStatus::Edited));
  REQUIRE(h.state(id) == OrderState::PartiallyFilled);
  REQUIRE(h.order(id).price == Price{990});
  REQUIRE(h.order(id).qty == Qty{15});
  REQUIRE(h.order(id).open == Qty{11});
  // The feed's edited_by_user afterwards changes nothing.
  const std::size_t n = h.listener.events.size();
  h.feed(h.update(id, UpdateReason::EditedByUser, false, true, Qty{11}, Qty{4}));
  REQUIRE(h.listener.events.size() == n);
  REQUIRE(h.oms.check_invariants());
}

TEST_CASE("a refused edit leaves price and size as they were") {
  Harness h;
  const OrderId id = h.submit_new(Side::Buy, Qty{10}, Price{1000}, OrderType::PostOnly);
  h.place(id);
  REQUIRE(h.oms.submit(OrderAction::modify(id, Price{1200}, Qty{}), h.tick()).verdict == Verdict::Accepted);
  h.send_reply(h.reply(id, RequestKind::EditOrder, VenueStatus::PostWouldExecute));
  REQUIRE(h.state(id) == OrderState::Open);
  REQUIRE(h.order(id).price == Price{1000});
  REQUIRE(h.listener.events.back().status == VenueStatus::PostWouldExecute);
}

TEST_CASE("venue rejects are data: an event with the status, counted, never an error path") {
  Harness h;
  const OrderId id = h.submit_new(Side::Buy, Qty{10}, Price{1000}, OrderType::PostOnly);
  h.send_reply(h.reply(id, RequestKind::SendOrder, VenueStatus::PostWouldExecute));
  REQUIRE(h.state(id) == OrderState::Rejected);
  REQUIRE(h.listener.events.back().cause == OrderInput::Rejected);
  REQUIRE(h.listener.events.back().status == VenueStatus::PostWouldExecute);
  REQUIRE(h.oms.open_orders() == 0);
  REQUIRE(h.oms.risk_inputs(kXbt).open_buy == Qty{});
  // The verbose feed's removal for the same reason afterwards is ignored.
  h.feed(h.update(id, UpdateReason::PostWouldExecute, true));
  REQUIRE(h.state(id) == OrderState::Rejected);
  // And a removal seen first gives the same end.
  const OrderId id2 = h.submit_new(Side::Buy, Qty{10}, Price{1000}, OrderType::PostOnly);
  h.feed(h.update(id2, UpdateReason::PostWouldExecute, true));
  REQUIRE(h.state(id2) == OrderState::Rejected);
  h.send_reply(h.reply(id2, RequestKind::SendOrder, VenueStatus::PostWouldExecute));
  REQUIRE(h.state(id2) == OrderState::Rejected);
  REQUIRE(h.oms.counters().invalid_transitions == 0);
}

TEST_CASE("a send timeout leaves the order Unknown until the private feed settles it") {
  SECTION("the feed lists it open") {
    Harness h;
    const OrderId id = h.submit_new();
    h.send_reply(h.reply(id, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::Timeout));
    REQUIRE(h.state(id) == OrderState::Unknown);
    REQUIRE(h.oms.submit(OrderAction::cancel(id), h.tick()).verdict == Verdict::NotModifiable);
    REQUIRE_FALSE(h.order(id).venue_id.valid);
    h.feed(h.update(id, UpdateReason::NewPlacedOrderByUser, false, true, Qty{10}, Qty{}));
    REQUIRE(h.state(id) == OrderState::Open);
    REQUIRE(h.order(id).venue_id == venue_of(id));  // correlated by our client id
    REQUIRE(h.oms.find_by_venue_id(venue_of(id)) == &h.order(id));
  }
  SECTION("the feed removes it") {
    Harness h;
    const OrderId id = h.submit_new();
    h.send_reply(h.reply(id, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::ConnectionLost));
    h.feed(h.update(id, UpdateReason::CancelledByUser, true));
    REQUIRE(h.state(id) == OrderState::Cancelled);
  }
  SECTION("fills complete it") {
    Harness h;
    const OrderId id = h.submit_new();
    h.send_reply(h.reply(id, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::Timeout));
    h.fill(id, Qty{5});
    REQUIRE(h.state(id) == OrderState::Unknown);
    h.fill(id, Qty{5});
    REQUIRE(h.state(id) == OrderState::Filled);
  }
  SECTION("an edit timeout is settled by the feed's edited_by_user with the venue's values") {
    Harness h;
    const OrderId id = h.submit_new();
    h.place(id);
    REQUIRE(h.oms.submit(OrderAction::modify(id, Price{1010}, Qty{}), h.tick()).verdict == Verdict::Accepted);
    h.send_reply(h.reply(id, RequestKind::EditOrder, VenueStatus::Unknown, RequestError::Timeout));
    REQUIRE(h.state(id) == OrderState::Unknown);
    h.feed(h.update(id, UpdateReason::EditedByUser, false, true, Qty{10}, Qty{}));
    REQUIRE(h.state(id) == OrderState::Open);
    REQUIRE(h.order(id).price == Price{1010});
  }
}

TEST_CASE("a cancel answered notFound leaves the order Unknown until the feed or fills settle it") {
  SECTION("removed by someone else") {
    Harness h;
    const OrderId id = h.submit_new();
    h.place(id);
    REQUIRE(h.oms.submit(OrderAction::cancel(id), h.tick()).verdict == Verdict::Accepted);
    h.send_reply(h.reply(id, RequestKind::CancelOrder, VenueStatus::NotFound));
    REQUIRE(h.state(id) == OrderState::Unknown);
    h.feed(h.update(id, UpdateReason::DeadManSwitch, true));
    REQUIRE(h.state(id) == OrderState::Cancelled);
  }
  SECTION("already filled") {
    Harness h;
    const OrderId id = h.submit_new();
    h.place(id);
    REQUIRE(h.oms.submit(OrderAction::cancel(id), h.tick()).verdict == Verdict::Accepted);
    h.send_reply(h.reply(id, RequestKind::CancelOrder, VenueStatus::NotFound));
    h.feed(h.update(id, UpdateReason::FullFill, true));
    REQUIRE(h.state(id) == OrderState::Open);
    h.fill(id, Qty{10});
    REQUIRE(h.state(id) == OrderState::Filled);
  }
  SECTION("the removal came before the answer") {
    Harness h;
    const OrderId id = h.submit_new();
    h.place(id);
    REQUIRE(h.oms.submit(OrderAction::cancel(id), h.tick()).verdict == Verdict::Accepted);
    h.feed(h.update(id, UpdateReason::CancelledByUser, true));
    h.send_reply(h.reply(id, RequestKind::CancelOrder, VenueStatus::NotFound));
    REQUIRE(h.state(id) == OrderState::Cancelled);
    REQUIRE(h.oms.counters().invalid_transitions == 0);
  }
}

TEST_CASE("an IOC's executed part is kept and its rest cancelled in either arrival order") {
  for (const bool fill_first : {false, true}) {
    CAPTURE(fill_first);
    Harness h;
    const OrderId id = h.submit_new(Side::Buy, Qty{10}, Price{1000}, OrderType::Ioc);
    if (fill_first) {
      h.fill(id, Qty{4});
    }
    h.place(id, Qty{4});
    if (!fill_first) {
      REQUIRE(h.state(id) == OrderState::Cancelled);
      h.fill(id, Qty{4});
    }
    REQUIRE(h.state(id) == OrderState::Cancelled);
    REQUIRE(h.order(id).filled == Qty{4});
    REQUIRE(h.oms.positions().get(kXbt).qty == Qty{4});
  }
}

// ---------------------------------------------------------------------------------------------
// Submit paths

TEST_CASE("an accepted new order is sent with our client id, and its id finds it by every key") {
  Harness h;
  const SubmitResult r = h.oms.submit(
      OrderAction::new_order(kEth, Side::Sell, OrderType::PostOnly, Price{31620}, Qty{25}, 9, true),
      h.tick());
  REQUIRE(r.verdict == Verdict::Accepted);
  REQUIRE(r.order == 1);
  REQUIRE(h.sink.sent.size() == 1);
  const Request& req = h.sink.sent[0];
  REQUIRE(req.kind == RequestKind::SendOrder);
  REQUIRE(req.order == r.order);
  REQUIRE(req.cli == h.oms.ids().format(1));
  REQUIRE(req.instrument == kEth);
  REQUIRE(req.side == Side::Sell);
  REQUIRE(req.type == OrderType::PostOnly);
  REQUIRE(req.price == Price{31620});
  REQUIRE(req.qty == Qty{25});
  REQUIRE(req.reduce_only);
  const Order& o = h.order(r.order);
  REQUIRE(o.state == OrderState::PendingNew);
  REQUIRE(o.tag == 9);
  REQUIRE(h.oms.find_by_cli(o.cli) == &o);
  REQUIRE(h.listener.events.size() == 1);
  REQUIRE(h.listener.events[0].cause == OrderInput::Created);
  REQUIRE(h.listener.events[0].tag == 9);
  REQUIRE(h.oms.open_orders() == 1);
  REQUIRE(h.oms.risk_inputs(kEth).open_sell == Qty{25});
  REQUIRE(h.oms.risk_inputs(kEth).open_orders == 1);
  REQUIRE(h.oms.counters().submits[static_cast<std::size_t>(Verdict::Accepted)] == 1);
  h.place(r.order);
  REQUIRE(h.oms.find_by_venue_id(venue_of(r.order)) == &o);
}

TEST_CASE("risk refusals name the check and send nothing") {
  OmsConfig c = test_config();
  InstrumentRiskLimits limits;
  limits.max_order_qty = Qty{50};
  c.risk = {limits};
  Harness h(c);
  SubmitResult r =
      h.oms.submit(OrderAction::new_order(kXbt, Side::Buy, OrderType::Limit, Price{1000}, Qty{60}), h.tick());
  REQUIRE(r.verdict == Verdict::Risk);
  REQUIRE(r.risk == RiskVerdict::MaxOrderQty);
  r = h.oms.submit(OrderAction::new_order(InstrumentId{7}, Side::Buy, OrderType::Limit, Price{1000}, Qty{1}),
                   h.tick());
  REQUIRE(r.verdict == Verdict::Risk);
  REQUIRE(r.risk == RiskVerdict::UnknownInstrument);
  r = h.oms.submit(OrderAction::new_order(kXbt, Side::Buy, OrderType::Limit, Price{1000}, Qty{0}), h.tick());
  REQUIRE(r.risk == RiskVerdict::InvalidQty);
  REQUIRE(h.sink.sent.empty());
  REQUIRE(h.oms.open_orders() == 0);
  REQUIRE(h.oms.counters().risk_refused[static_cast<std::size_t>(RiskVerdict::MaxOrderQty)] == 1);
  // A modify that would grow past the limit is refused too, and the order stays as it was.
  const OrderId id = h.submit_new(Side::Buy, Qty{40});
  h.place(id);
  r = h.oms.submit(OrderAction::modify(id, Price::min(), Qty{55}), h.tick());
  REQUIRE(r.verdict == Verdict::Risk);
  REQUIRE(r.risk == RiskVerdict::MaxOrderQty);
  REQUIRE(h.state(id) == OrderState::Open);
  // A modify to a size at or below the filled quantity is refused locally.
  h.fill(id, Qty{5});
  r = h.oms.submit(OrderAction::modify(id, Price::min(), Qty{5}), h.tick());
  REQUIRE(r.verdict == Verdict::Risk);
  REQUIRE(r.risk == RiskVerdict::InvalidQty);
}

TEST_CASE("the rate budget refuses orders past its share but keeps the reserve for cancels") {
  OmsConfig c = test_config();
  c.rate.capacity = 60;
  c.rate.cancel_reserve = 30;  // orders may use 30 units: three sends
  Harness h(c);
  const OrderId a = h.submit_new();
  h.submit_new();
  h.submit_new();
  const SubmitResult r =
      h.oms.submit(OrderAction::new_order(kXbt, Side::Buy, OrderType::Limit, Price{1000}, Qty{1}), h.tick());
  REQUIRE(r.verdict == Verdict::RateLimited);
  REQUIRE(h.sink.sent.size() == 3);
  h.place(a);
  REQUIRE(h.oms.submit(OrderAction::modify(a, Price{999}, Qty{}), h.tick()).verdict == Verdict::RateLimited);
  REQUIRE(h.oms.submit(OrderAction::cancel(a), h.tick()).verdict == Verdict::Accepted);
  const CancelAllResult all = h.oms.cancel_all(h.tick());
  REQUIRE(all.verdict == Verdict::RateLimited);  // 10 + 25 > the 30 left: refused, alerted
  REQUIRE(h.listener.count(AlertKind::CancelAllFailed) == 1);
  // A window later everything is available again.
  h.now += 12'000'000'000;
  REQUIRE(h.oms.cancel_all(h.tick()).verdict == Verdict::Accepted);
}

TEST_CASE("modify and cancel of unknown, terminal, pending or in-flight orders are refused") {
  Harness h;
  REQUIRE(h.oms.submit(OrderAction::cancel(999), h.tick()).verdict == Verdict::UnknownOrder);
  REQUIRE(h.oms.submit(OrderAction::modify(999, Price{1}, Qty{}), h.tick()).verdict == Verdict::UnknownOrder);
  REQUIRE(h.oms.submit(OrderAction::cancel(0), h.tick()).verdict == Verdict::UnknownOrder);
  const OrderId pending = h.submit_new();
  REQUIRE(h.oms.submit(OrderAction::cancel(pending), h.tick()).verdict == Verdict::NotModifiable);
  const OrderId filled = make_in_state(h, OrderState::Filled);
  REQUIRE(h.oms.submit(OrderAction::cancel(filled), h.tick()).verdict == Verdict::NotModifiable);
  const OrderId cancelling = make_in_state(h, OrderState::PendingCancel);
  REQUIRE(h.oms.submit(OrderAction::modify(cancelling, Price{1}, Qty{}), h.tick()).verdict ==
          Verdict::NotModifiable);
  REQUIRE(h.oms.submit(OrderAction::cancel(cancelling), h.tick()).verdict == Verdict::NotModifiable);
  // Open through the feed while the send's answer is still awaited: one request at a time.
  const OrderId early = h.submit_new();
  h.feed(h.update(early, UpdateReason::NewPlacedOrderByUser, false, true, Qty{10}, Qty{}));
  REQUIRE(h.state(early) == OrderState::Open);
  REQUIRE(h.oms.submit(OrderAction::cancel(early), h.tick()).verdict == Verdict::NotModifiable);
  h.place(early);
  REQUIRE(h.oms.submit(OrderAction::cancel(early), h.tick()).verdict == Verdict::Accepted);
  // IOC orders are never modified (one that rests after a lost answer, say).
  const OrderId ioc = h.submit_new(Side::Buy, Qty{10}, Price{1000}, OrderType::Ioc);
  h.send_reply(h.reply(ioc, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::Timeout));
  h.feed(h.update(ioc, UpdateReason::NewPlacedOrderByUser, false, true, Qty{10}, Qty{}));
  REQUIRE(h.state(ioc) == OrderState::Open);
  REQUIRE(h.oms.submit(OrderAction::modify(ioc, Price{1}, Qty{}), h.tick()).verdict ==
          Verdict::NotModifiable);
  REQUIRE(h.oms.counters().invalid_transitions == 0);
}

TEST_CASE("a full table refuses new orders, and a terminal slot is reused under a fresh id") {
  OmsConfig c = test_config();
  c.max_orders = 2;
  Harness h(c);
  const OrderId a = h.submit_new();  // id 1 -> slot 1
  const OrderId b = h.submit_new();  // id 2 -> slot 0
  REQUIRE(
      h.oms.submit(OrderAction::new_order(kXbt, Side::Buy, OrderType::Limit, Price{1000}, Qty{1}), h.tick())
          .verdict == Verdict::TableFull);
  h.send_reply(h.reply(b, RequestKind::SendOrder, VenueStatus::InvalidPrice));
  const OrderId d = h.submit_new();
  REQUIRE(d == 4);  // id 3 maps to a's slot, still live: skipped
  REQUIRE(h.oms.find(b) == nullptr);
  REQUIRE(h.oms.find(a) != nullptr);
  REQUIRE(h.oms.find(3) == nullptr);
  REQUIRE(h.order(d).cli == h.oms.ids().format(4));
  REQUIRE(h.oms.counters().submits[static_cast<std::size_t>(Verdict::TableFull)] == 1);
  REQUIRE(h.oms.check_invariants());
}

TEST_CASE("a sink that cannot take the request: New is Rejected, cancel and modify change nothing") {
  Harness h;
  const OrderId open = h.submit_new();
  h.place(open);
  h.sink.accept = false;
  const SubmitResult r =
      h.oms.submit(OrderAction::new_order(kXbt, Side::Buy, OrderType::Limit, Price{1000}, Qty{1}), h.tick());
  REQUIRE(r.verdict == Verdict::SendFailed);
  REQUIRE(h.state(r.order) == OrderState::Rejected);
  REQUIRE(h.listener.events.back().error == RequestError::NotSent);
  REQUIRE(h.oms.submit(OrderAction::cancel(open), h.tick()).verdict == Verdict::SendFailed);
  REQUIRE(h.oms.submit(OrderAction::modify(open, Price{1}, Qty{}), h.tick()).verdict == Verdict::SendFailed);
  REQUIRE(h.state(open) == OrderState::Open);
  REQUIRE_FALSE(h.order(open).has_inflight);
  REQUIRE(h.oms.cancel_all(h.tick()).verdict == Verdict::SendFailed);
  REQUIRE(h.state(open) == OrderState::Open);
  REQUIRE(h.oms.check_invariants());
}

// ---------------------------------------------------------------------------------------------
// Fills and positions

TEST_CASE("duplicate fills from the feed, its snapshot and REST never double-count a position") {
  Harness h;
  const OrderId id = h.submit_new();
  h.place(id);
  const Fill f = h.make_fill(id, Qty{4});
  h.oms.on_fill(f, h.tick());
  Fill snapshot = f;
  snapshot.from_snapshot = true;
  h.oms.on_fill(snapshot, h.tick());  // fills_snapshot after a reconnect
  Fill rest = f;
  rest.has_fee = false;  // REST /fills carries no fee
  h.oms.on_fill(rest, h.tick());
  REQUIRE(h.oms.positions().get(kXbt).qty == Qty{4});
  REQUIRE(h.order(id).filled == Qty{4});
  REQUIRE(h.oms.counters().duplicate_fills == 2);
  REQUIRE(h.listener.fills.size() == 1);
  REQUIRE(h.listener.count(AlertKind::DuplicateFill) == 1);  // only the non-snapshot repeat
  REQUIRE(h.listener.fills[0].position_after == Qty{4});
  REQUIRE(h.listener.fills[0].order == id);
  REQUIRE(h.oms.positions().get(kXbt).fees == to_money(Decimal{4, -4}));
}

TEST_CASE("a fill for an unknown order moves the position and raises an alert") {
  Harness h;
  Fill f;
  f.fill_id = fill_id(1);
  f.order_id = venue_of(500);
  f.instrument = kEth;
  f.side = Side::Sell;
  f.price = Price{31000};
  f.qty = Qty{3};
  f.time_ms = kFillMs;
  h.oms.on_fill(f, h.tick());
  REQUIRE(h.oms.positions().get(kEth).qty == Qty{-3});
  REQUIRE(h.listener.count(AlertKind::FillForUnknownOrder) == 1);
  REQUIRE(h.oms.counters().unknown_order_fills == 1);
  REQUIRE(h.listener.fills.size() == 1);
  REQUIRE(h.listener.fills[0].order == 0);
  // A fill from before this run for an order we do not know is history: skipped.
  Fill old = f;
  old.fill_id = fill_id(2);
  old.time_ms = static_cast<std::int64_t>(kStartMs) - 1;
  h.oms.on_fill(old, h.tick());
  REQUIRE(h.oms.positions().get(kEth).qty == Qty{-3});
  REQUIRE(h.oms.counters().historical_fills == 1);
  // Invalid fills change nothing.
  Fill bad = f;
  bad.fill_id = fill_id(3);
  bad.qty = Qty{0};
  h.oms.on_fill(bad, h.tick());
  bad.fill_id = fill_id(4);
  bad.qty = Qty{1};
  bad.instrument = InstrumentId{9};
  h.oms.on_fill(bad, h.tick());
  REQUIRE(h.oms.counters().invalid_fills == 2);
  REQUIRE(h.oms.positions().get(kEth).qty == Qty{-3});
}

TEST_CASE("fills beyond the order's size are counted as an overfill but still applied") {
  Harness h;
  const OrderId id = h.submit_new();
  h.place(id);
  h.fill(id, Qty{10});
  h.fill(id, Qty{2});
  REQUIRE(h.state(id) == OrderState::Filled);
  REQUIRE(h.order(id).filled == Qty{12});
  REQUIRE(h.oms.counters().overfills == 1);
  REQUIRE(h.listener.count(AlertKind::Overfill) == 1);
  REQUIRE(h.oms.positions().get(kXbt).qty == Qty{12});
}

// ---------------------------------------------------------------------------------------------
// Reconciliation

TEST_CASE("reconciliation holds new orders and modifies back but lets cancels through") {
  Harness h;
  const OrderId id = h.submit_new();
  h.place(id);
  h.oms.begin_reconcile(h.tick());
  REQUIRE(h.oms.reconciling());
  REQUIRE(
      h.oms.submit(OrderAction::new_order(kXbt, Side::Buy, OrderType::Limit, Price{1000}, Qty{1}), h.tick())
          .verdict == Verdict::Reconciling);
  REQUIRE(h.oms.submit(OrderAction::modify(id, Price{1}, Qty{}), h.tick()).verdict == Verdict::Reconciling);
  REQUIRE(h.oms.submit(OrderAction::cancel(id), h.tick()).verdict == Verdict::Accepted);
  h.oms.end_reconcile(h.tick());
  REQUIRE_FALSE(h.oms.reconciling());
  REQUIRE(h.state(id) == OrderState::PendingCancel);  // in flight: not settled
  h.submit_new();
}

TEST_CASE("an unknown venue order named twice before its cancel lands is reported and cancelled once") {
  Harness h;
  h.oms.begin_reconcile(h.tick());
  VenueOrder v;
  v.order_id = venue_of(901);
  v.instrument = kXbt;
  v.side = Side::Buy;
  v.price = Price{900};
  v.qty = Qty{2};
  // The feed's snapshot, then the /openorders row of the same reconciliation.
  OrderUpdate u;
  u.order = v;
  u.has_order = true;
  u.from_snapshot = true;
  h.oms.on_order_update(u, h.tick());
  h.oms.reconcile_open_order(v, h.tick());
  h.oms.end_reconcile(h.tick());
  REQUIRE(h.listener.count(AlertKind::UnknownVenueOrder) == 1);
  REQUIRE(h.sink.sent.size() == 1);
  REQUIRE(h.oms.counters().unknown_venue_orders_repeated == 1);
}

TEST_CASE("reconciliation cancels an unknown venue order under the cancel policy") {
  Harness h;
  h.oms.begin_reconcile(h.tick());
  VenueOrder v;
  v.order_id = venue_of(900);
  v.cli.assign("someone-elses-id");
  v.instrument = kXbt;
  v.side = Side::Sell;
  v.price = Price{1100};
  v.qty = Qty{5};
  h.oms.reconcile_open_order(v, h.tick());
  h.oms.end_reconcile(h.tick());
  REQUIRE(h.listener.count(AlertKind::UnknownVenueOrder) == 1);
  REQUIRE(h.listener.count(AlertKind::VenueOrderCancelSent) == 1);
  REQUIRE(h.sink.sent.size() == 1);
  REQUIRE(h.sink.sent[0].kind == RequestKind::CancelOrder);
  REQUIRE(h.sink.sent[0].order == 0);
  REQUIRE(h.sink.sent[0].venue_id == venue_of(900));
  REQUIRE(h.oms.open_orders() == 0);
  REQUIRE(h.oms.counters().venue_cancels_sent == 1);
  // Its answer is not for an order we track: dropped quietly.
  OrderReply r;
  r.order = 0;
  r.kind = RequestKind::CancelOrder;
  r.status = VenueStatus::Cancelled;
  h.send_reply(r);
  REQUIRE(h.oms.counters().unexpected_replies == 0);
}

TEST_CASE("reconciliation adopts an unknown venue order under the adopt policy") {
  OmsConfig c = test_config();
  c.unknown_orders = UnknownOrderPolicy::Adopt;
  Harness h(c);
  h.oms.begin_reconcile(h.tick());
  VenueOrder v;
  v.order_id = venue_of(900);
  v.instrument = kXbt;
  v.side = Side::Sell;
  v.price = Price{1100};
  v.qty = Qty{6};     // remaining
  v.filled = Qty{4};  // before we adopted it
  v.last_update_ms = kFillMs;
  h.oms.reconcile_open_order(v, h.tick());
  h.oms.end_reconcile(h.tick());
  const Order* o = h.oms.find_by_venue_id(venue_of(900));
  REQUIRE(o != nullptr);
  REQUIRE(o->adopted);
  REQUIRE(o->state == OrderState::PartiallyFilled);
  REQUIRE(o->qty == Qty{10});
  REQUIRE(o->filled == Qty{4});
  REQUIRE(o->open == Qty{6});
  REQUIRE(h.sink.sent.empty());
  REQUIRE(h.listener.count(AlertKind::AdoptedOrder) == 1);
  REQUIRE(h.listener.events.back().cause == OrderInput::Adopted);
  REQUIRE(h.oms.risk_inputs(kXbt).open_sell == Qty{6});
  // A fill it had before adoption is already in its filled; a new one completes it.
  Fill old;
  old.fill_id = fill_id(1);
  old.order_id = venue_of(900);
  old.instrument = kXbt;
  old.side = Side::Sell;
  old.price = Price{1100};
  old.qty = Qty{4};
  old.time_ms = kFillMs - 10;
  h.oms.on_fill(old, h.tick());
  REQUIRE(o->filled == Qty{4});
  Fill fresh = old;
  fresh.fill_id = fill_id(2);
  fresh.qty = Qty{6};
  fresh.time_ms = kFillMs + 10;
  h.oms.on_fill(fresh, h.tick());
  REQUIRE(o->state == OrderState::Filled);
  REQUIRE(h.oms.positions().get(kXbt).qty == Qty{-6});
  // It can be cancelled like our own (before it filled); a second adoption does not duplicate it.
  REQUIRE(h.oms.counters().adopted_orders == 1);
}

TEST_CASE(
    "reconciliation settles our orders the venue no longer has, except those with a request in flight") {
  Harness h;
  const OrderId listed = h.submit_new();
  h.place(listed);
  const OrderId gone = h.submit_new();
  h.place(gone);
  const OrderId part = h.submit_new();
  h.place(part);
  h.fill(part, Qty{3});
  const OrderId unknown = h.submit_new();
  h.send_reply(h.reply(unknown, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::Timeout));
  const OrderId completes = h.submit_new();
  h.place(completes);
  const OrderId in_flight = h.submit_new();  // sent, no answer yet
  const OrderId answered_during = h.submit_new();

  h.oms.begin_reconcile(h.tick());
  h.oms.reconcile_open_order(h.venue_order(listed, Qty{10}, Qty{}), h.tick());
  h.fill(completes, Qty{10});  // REST /fills during the reconciliation
  h.place(answered_during);    // its answer arrives after /openorders was taken
  h.oms.end_reconcile(h.tick());

  REQUIRE(h.state(listed) == OrderState::Open);
  REQUIRE(h.state(gone) == OrderState::Cancelled);
  REQUIRE(h.state(part) == OrderState::Cancelled);
  REQUIRE(h.order(part).filled == Qty{3});
  REQUIRE(h.state(unknown) == OrderState::Cancelled);
  REQUIRE(h.state(completes) == OrderState::Filled);
  REQUIRE(h.state(in_flight) == OrderState::PendingNew);
  REQUIRE(h.state(answered_during) == OrderState::Open);
  REQUIRE(h.oms.counters().settled_cancelled == 3);
  REQUIRE(h.listener.count(AlertKind::SettledMissingOrder) == 3);
  REQUIRE(h.oms.check_invariants());
}

TEST_CASE("reconciliation gives an Unknown order the venue's price and size") {
  Harness h;
  const OrderId id = h.submit_new();
  h.place(id);
  REQUIRE(h.oms.submit(OrderAction::modify(id, Price{1020}, Qty{14}), h.tick()).verdict == Verdict::Accepted);
  h.send_reply(h.reply(id, RequestKind::EditOrder, VenueStatus::Unknown, RequestError::ConnectionLost));
  REQUIRE(h.state(id) == OrderState::Unknown);
  h.oms.begin_reconcile(h.tick());
  VenueOrder v = h.venue_order(id, Qty{12}, Qty{2});
  v.price = Price{1020};
  h.oms.reconcile_open_order(v, h.tick());
  h.oms.end_reconcile(h.tick());
  REQUIRE(h.state(id) == OrderState::Open);  // our filled is 0: the venue's 2 come as fills
  REQUIRE(h.order(id).qty == Qty{14});
  REQUIRE(h.order(id).price == Price{1020});
}

TEST_CASE("reconciliation adopts the venue position without fills and alerts a mismatch with them") {
  Harness h;
  VenuePosition p;
  p.instrument = kXbt;
  p.balance = Qty{25};
  p.entry_price = Decimal{50000, 0};
  h.oms.begin_reconcile(h.tick());
  h.oms.reconcile_position(p, h.tick());
  h.oms.end_reconcile(h.tick());
  REQUIRE(h.oms.positions().get(kXbt).qty == Qty{25});
  REQUIRE(h.listener.count(AlertKind::PositionAdopted) == 1);
  REQUIRE(h.listener.count(AlertKind::PositionMismatch) == 0);

  // Later: we trade, the venue disagrees.
  const OrderId id = h.submit_new();
  h.place(id);
  h.fill(id, Qty{5});
  h.oms.begin_reconcile(h.tick());
  h.oms.reconcile_open_order(h.venue_order(id, Qty{5}, Qty{5}), h.tick());
  h.oms.reconcile_position(p, h.tick());  // still 25 at the venue, we have 30
  h.oms.end_reconcile(h.tick());
  REQUIRE(h.oms.positions().get(kXbt).qty == Qty{30});
  REQUIRE(h.listener.count(AlertKind::PositionMismatch) == 1);
  REQUIRE(h.listener.alerts.back().a == 30);
  REQUIRE(h.listener.alerts.back().b == 25);
  // Matching positions raise nothing.
  p.balance = Qty{30};
  h.oms.begin_reconcile(h.tick());
  h.oms.reconcile_open_order(h.venue_order(id, Qty{5}, Qty{5}), h.tick());
  h.oms.reconcile_position(p, h.tick());
  h.oms.end_reconcile(h.tick());
  REQUIRE(h.listener.count(AlertKind::PositionMismatch) == 1);
}

TEST_CASE("reconciliation cancels an order the venue lists but we hold as terminal") {
  Harness h;
  const OrderId id = make_in_state(h, OrderState::Cancelled);
  h.oms.begin_reconcile(h.tick());
  h.oms.reconcile_open_order(h.venue_order(id, Qty{10}, Qty{}), h.tick());
  h.oms.end_reconcile(h.tick());
  REQUIRE(h.state(id) == OrderState::Cancelled);
  REQUIRE(h.listener.count(AlertKind::TerminalOrderOpenAtVenue) == 1);
  REQUIRE(h.sink.sent.back().kind == RequestKind::CancelOrder);
  REQUIRE(h.sink.sent.back().venue_id == venue_of(id));
}

TEST_CASE("an open order we do not know on the live feed is handled by the unknown-order policy") {
  Harness h;
  VenueOrder v;
  v.order_id = venue_of(777);
  v.instrument = kXbt;
  v.qty = Qty{3};
  OrderUpdate u;
  u.order = v;
  u.has_order = true;
  u.reason = UpdateReason::NewPlacedOrderByUser;
  h.feed(u);
  REQUIRE(h.listener.count(AlertKind::UnknownVenueOrder) == 1);
  REQUIRE(h.sink.sent.back().kind == RequestKind::CancelOrder);
  u.is_cancel = true;
  u.reason = UpdateReason::CancelledByUser;
  h.feed(u);
  REQUIRE(h.oms.counters().unknown_order_updates == 1);
  REQUIRE(h.listener.count(AlertKind::UnknownOrderUpdate) == 1);
}

// ---------------------------------------------------------------------------------------------
// Safety

TEST_CASE("cancel-all sends one request, moves resting orders to PendingCancel and catches late acks") {
  Harness h;
  const OrderId a = h.submit_new();
  h.place(a);
  const OrderId b = h.submit_new(Side::Sell, Qty{5}, Price{1100}, OrderType::Limit, kEth);
  h.place(b);
  h.fill(b, Qty{1});
  const OrderId late = h.submit_new();           // the venue may see it after the cancel-all
  h.oms.halt(HaltReason::KillSwitch, h.tick());  // cancel_on_halt
  REQUIRE(h.oms.halted());
  REQUIRE(h.count_sent(RequestKind::CancelAll) == 1);
  REQUIRE_FALSE(h.sink.sent.back().instrument.valid());
  REQUIRE(h.state(a) == OrderState::PendingCancel);
  REQUIRE(h.state(b) == OrderState::PendingCancel);
  REQUIRE(h.state(late) == OrderState::PendingNew);
  REQUIRE(h.listener.count(AlertKind::HaltLatched) == 1);
  // New orders are refused while halted; cancels are not.
  const SubmitResult r =
      h.oms.submit(OrderAction::new_order(kXbt, Side::Buy, OrderType::Limit, Price{1000}, Qty{1}), h.tick());
  REQUIRE(r.verdict == Verdict::Risk);
  REQUIRE(r.risk == RiskVerdict::Halted);
  // The late order turns up resting: cancelled on its own.
  h.place(late);
  REQUIRE(h.state(late) == OrderState::PendingCancel);
  REQUIRE(h.sink.sent.back().kind == RequestKind::CancelOrder);
  REQUIRE(h.sink.sent.back().order == late);
  REQUIRE(h.oms.counters().auto_cancels == 1);
  // The cancel-all's answer settles nothing by itself; the feed's removals do.
  OrderReply ok;
  ok.kind = RequestKind::CancelAll;
  ok.status = VenueStatus::Cancelled;
  h.send_reply(ok);
  REQUIRE(h.state(a) == OrderState::PendingCancel);
  h.feed(h.update(a, UpdateReason::CancelledByUser, true));
  h.feed(h.update(b, UpdateReason::CancelledByUser, true));
  REQUIRE(h.state(a) == OrderState::Cancelled);
  REQUIRE(h.state(b) == OrderState::Cancelled);
  REQUIRE(h.order(b).filled == Qty{1});
  h.oms.reset_halt();
  REQUIRE_FALSE(h.oms.halted());
  h.submit_new();
  REQUIRE(h.oms.check_invariants());
}

TEST_CASE("a cancel-all that failed returns the orders, one that timed out leaves them Unknown") {
  for (const RequestError error : {RequestError::NotSent, RequestError::Timeout}) {
    CAPTURE(to_string(error));
    Harness h;
    const OrderId a = h.submit_new();
    h.place(a);
    const OrderId filled_part = h.submit_new();
    h.place(filled_part);
    h.fill(filled_part, Qty{2});
    const CancelAllResult all = h.oms.cancel_all(h.tick());
    REQUIRE(all.verdict == Verdict::Accepted);
    REQUIRE(all.orders == 2);
    OrderReply r;
    r.kind = RequestKind::CancelAll;
    r.error = error;
    h.send_reply(r);
    if (error == RequestError::NotSent) {
      REQUIRE(h.state(a) == OrderState::Open);
      REQUIRE(h.state(filled_part) == OrderState::PartiallyFilled);
    } else {
      REQUIRE(h.state(a) == OrderState::Unknown);
      REQUIRE(h.state(filled_part) == OrderState::Unknown);
    }
    REQUIRE_FALSE(h.order(a).has_inflight);
  }
}

TEST_CASE("cancel-all for one instrument through submit leaves the other instrument's orders alone") {
  Harness h;
  const OrderId x = h.submit_new();
  h.place(x);
  const OrderId e = h.submit_new(Side::Buy, Qty{10}, Price{1000}, OrderType::Limit, kEth);
  h.place(e);
  REQUIRE(h.oms.submit(OrderAction::cancel_all(kEth), h.tick()).verdict == Verdict::Accepted);
  REQUIRE(h.sink.sent.back().instrument == kEth);
  REQUIRE(h.state(x) == OrderState::Open);
  REQUIRE(h.state(e) == OrderState::PendingCancel);
}

TEST_CASE("a loss past the limit latches a halt from the marks and cancels everything") {
  OmsConfig c = test_config();
  InstrumentRiskLimits limits;
  limits.max_loss = 100 * kMoneyScale;  // 100 USD
  c.risk = {limits};
  Harness h(c);
  // 1 BTC (10'000 lots of 0.0001) bought at 50'000 USD (100'000 ticks of 0.5).
  const OrderId id = h.submit_new(Side::Buy, Qty{10'000}, Price{100'000});
  h.place(id);
  h.fill(id, Qty{10'000}, Price{100'000});
  const OrderId resting = h.submit_new(Side::Buy, Qty{1}, Price{90'000});
  h.place(resting);
  h.oms.on_mark(kXbt, Price{99'900}, h.tick());  // -50 USD: fine
  REQUIRE_FALSE(h.oms.halted());
  h.oms.on_mark(kXbt, Price{99'700}, h.tick());  // -150 USD
  REQUIRE(h.oms.halted());
  REQUIRE(h.oms.halt_reason() == HaltReason::MaxLoss);
  REQUIRE(h.listener.count(AlertKind::HaltLatched) == 1);
  REQUIRE(h.count_sent(RequestKind::CancelAll) == 1);
  REQUIRE(h.state(resting) == OrderState::PendingCancel);
  h.oms.on_mark(kXbt, Price{99'600}, h.tick());
  REQUIRE(h.listener.count(AlertKind::HaltLatched) == 1);  // latched once
  REQUIRE(h.oms.risk_inputs(kXbt).mid == Price{99'600});
}

TEST_CASE("answers for no order or no request in flight are counted and alerted, never applied") {
  Harness h;
  OrderReply r;
  r.order = 12345;
  r.kind = RequestKind::SendOrder;
  r.status = VenueStatus::Placed;
  h.send_reply(r);
  REQUIRE(h.oms.counters().unexpected_replies == 1);
  const OrderId id = h.submit_new();
  h.place(id);
  h.send_reply(h.reply(id, RequestKind::CancelOrder, VenueStatus::Cancelled));  // no cancel was sent
  REQUIRE(h.state(id) == OrderState::Open);
  REQUIRE(h.oms.counters().unexpected_replies == 2);
  REQUIRE(h.listener.count(AlertKind::UnexpectedReply) == 2);
  OrderReply dms;
  dms.kind = RequestKind::CancelAllAfter;
  h.send_reply(dms);
  REQUIRE(h.oms.counters().unexpected_replies == 2);
}

TEST_CASE("oms names are distinct for every verdict and alert kind") {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < kVerdictCount; ++i) {
    names.emplace_back(to_string(static_cast<Verdict>(i)));
  }
  for (std::size_t i = 0; i < kAlertKindCount; ++i) {
    names.emplace_back(to_string(static_cast<AlertKind>(i)));
  }
  std::sort(names.begin(), names.end());
  REQUIRE(std::adjacent_find(names.begin(), names.end()) == names.end());
  REQUIRE(std::find(names.begin(), names.end(), "?") == names.end());
  REQUIRE(std::string(to_string(UnknownOrderPolicy::Adopt)) == "adopt");
}

TEST_CASE("the Oms refuses impossible table sizes at construction") {
  InstrumentRegistry registry = make_registry();
  Sink sink;
  Listener listener;
  OmsConfig c = test_config();
  c.max_orders = 0;
  REQUIRE_THROWS_AS(Oms(registry, c, sink, listener, ClientIdAllocator(kStartMs, 1)), std::invalid_argument);
  c.max_orders = (std::size_t{1} << 24) + 1;
  REQUIRE_THROWS_AS(Oms(registry, c, sink, listener, ClientIdAllocator(kStartMs, 1)), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Randomized: the same venue truth in any delivery order gives the same end

namespace {

enum class Truth {
  Rest,
  PartialRest,
  FillNow,
  FillLater,
  Reject,
  IocPartial,
  DmsCancel,
  TimeoutRest,
  TimeoutFilled
};
enum class Op {
  None,
  CancelOk,
  CancelRaceFill,
  CancelNotFound,
  CancelPartial,
  ModifyPrice,
  ModifyQty,
  ModifyNoEffect
};

struct Plan {
  Truth truth;
  Op op;
  InstrumentId instrument;
  Side side;
  OrderState expect;
  Qty expect_filled;
};

using Message = std::variant<OrderReply, OrderUpdate, Fill>;

struct Outcome {
  std::vector<std::tuple<OrderState, std::int64_t, std::int64_t, std::int64_t, std::int64_t>> orders;
  std::vector<std::tuple<std::int64_t, Money, detail::I128>> positions;  // qty, fees, basis
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

std::vector<Plan> plans() {
  using T = Truth;
  using O = Op;
  using S = OrderState;
  // ETH is traded on one side only so its cost basis (a sum) is order-independent too; XBT mixes
  // sides (average-cost realised PnL depends on the fill order, so only qty and fees compare).
  return {
      {T::Rest, O::None, kXbt, Side::Buy, S::Open, Qty{0}},
      {T::PartialRest, O::None, kXbt, Side::Sell, S::PartiallyFilled, Qty{3}},
      {T::FillNow, O::None, kEth, Side::Buy, S::Filled, Qty{10}},
      {T::FillLater, O::None, kXbt, Side::Sell, S::Filled, Qty{10}},
      {T::Reject, O::None, kXbt, Side::Buy, S::Rejected, Qty{0}},
      {T::IocPartial, O::None, kEth, Side::Buy, S::Cancelled, Qty{4}},
      {T::DmsCancel, O::None, kXbt, Side::Buy, S::Cancelled, Qty{2}},
      {T::TimeoutRest, O::None, kEth, Side::Buy, S::Open, Qty{0}},
      {T::TimeoutFilled, O::None, kXbt, Side::Buy, S::Filled, Qty{10}},
      {T::Rest, O::CancelOk, kXbt, Side::Sell, S::Cancelled, Qty{0}},
      {T::PartialRest, O::CancelRaceFill, kEth, Side::Buy, S::Filled, Qty{10}},
      {T::Rest, O::CancelNotFound, kXbt, Side::Buy, S::Cancelled, Qty{0}},
      {T::PartialRest, O::CancelPartial, kXbt, Side::Buy, S::Cancelled, Qty{5}},
      {T::Rest, O::ModifyPrice, kEth, Side::Buy, S::Open, Qty{0}},
      {T::PartialRest, O::ModifyQty, kXbt, Side::Sell, S::PartiallyFilled, Qty{3}},
      {T::TimeoutRest, O::ModifyNoEffect, kXbt, Side::Buy, S::Open, Qty{0}},
      {T::TimeoutRest, O::CancelRaceFill, kEth, Side::Buy, S::Filled, Qty{10}},
  };
}

struct Scenario {
  Harness& h;
  std::vector<Message> msgs;
  std::uint64_t fill_seq{0};

  OrderReply reply(OrderId id, RequestKind kind, VenueStatus status, RequestError error = RequestError::None,
                   Qty executed = Qty{}) {
    OrderReply r = h.reply(id, kind, status, error);
    r.executed = executed;
    return r;
  }
  void add_fill(OrderId id, std::int64_t lots, std::int64_t price_offset) {
    Fill f = h.make_fill(id, Qty{lots}, Price{1000 + price_offset});
    f.fill_id = fill_id(1'000'000 + ++fill_seq);  // independent of the harness's own counter
    msgs.emplace_back(f);
  }
  void add_update(OrderId id, UpdateReason reason, bool is_cancel, bool has_order, std::int64_t remaining,
                  std::int64_t filled) {
    msgs.emplace_back(h.update(id, reason, is_cancel, has_order, Qty{remaining}, Qty{filled}));
  }
};

void phase1(Scenario& s, OrderId id, Truth t) {
  using R = UpdateReason;
  switch (t) {
    case Truth::Rest:
      s.msgs.emplace_back(s.reply(id, RequestKind::SendOrder, VenueStatus::Placed));
      s.add_update(id, R::NewPlacedOrderByUser, false, true, 10, 0);
      break;
    case Truth::PartialRest:
      s.msgs.emplace_back(s.reply(id, RequestKind::SendOrder, VenueStatus::Placed));
      s.add_update(id, R::NewPlacedOrderByUser, false, true, 10, 0);
      s.add_fill(id, 3, 1);
      s.add_update(id, R::PartialFill, false, true, 7, 3);
      break;
    case Truth::FillNow:
      s.msgs.emplace_back(
          s.reply(id, RequestKind::SendOrder, VenueStatus::Placed, RequestError::None, Qty{10}));
      s.add_fill(id, 4, 2);
      s.add_fill(id, 6, 3);
      s.add_update(id, R::FullFill, true, true, 0, 10);
      break;
    case Truth::FillLater:
      s.msgs.emplace_back(s.reply(id, RequestKind::SendOrder, VenueStatus::Placed));
      s.add_update(id, R::NewPlacedOrderByUser, false, true, 10, 0);
      s.add_fill(id, 5, 4);
      s.add_update(id, R::PartialFill, false, true, 5, 5);
      s.add_fill(id, 5, 5);
      s.add_update(id, R::FullFill, true, false, 0, 0);
      break;
    case Truth::Reject: {
      OrderReply r = s.reply(id, RequestKind::SendOrder, VenueStatus::PostWouldExecute);
      r.order_state = VenueOrder{};  // no order id on this rejection
      s.msgs.emplace_back(r);
      s.add_update(id, R::PostWouldExecute, true, true, 10, 0);
      break;
    }
    case Truth::IocPartial:
      s.msgs.emplace_back(
          s.reply(id, RequestKind::SendOrder, VenueStatus::Placed, RequestError::None, Qty{4}));
      s.add_fill(id, 4, 6);
      break;
    case Truth::DmsCancel:
      s.msgs.emplace_back(s.reply(id, RequestKind::SendOrder, VenueStatus::Placed));
      s.add_update(id, R::NewPlacedOrderByUser, false, true, 10, 0);
      s.add_fill(id, 2, 7);
      s.add_update(id, R::PartialFill, false, true, 8, 2);
      s.add_update(id, R::DeadManSwitch, true, false, 0, 0);
      break;
    case Truth::TimeoutRest:
      s.msgs.emplace_back(s.reply(id, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::Timeout));
      s.add_update(id, R::NewPlacedOrderByUser, false, true, 10, 0);
      break;
    case Truth::TimeoutFilled:
      s.msgs.emplace_back(s.reply(id, RequestKind::SendOrder, VenueStatus::Unknown, RequestError::Timeout));
      s.add_fill(id, 10, 8);
      s.add_update(id, R::FullFill, true, true, 0, 10);
      break;
  }
}

// Sends the strategy's action for the op (the order is resting after phase 1) and queues the
// venue's answers to it.
void phase2(Scenario& s, OrderId id, Op op) {
  using R = UpdateReason;
  Harness& h = s.h;
  const Order o = h.order(id);
  const std::int64_t filled = o.filled.lots();
  const std::int64_t open = o.qty.lots() - filled;
  switch (op) {
    case Op::None:
      return;
    case Op::CancelOk:
    case Op::CancelRaceFill:
    case Op::CancelNotFound:
    case Op::CancelPartial:
      REQUIRE(h.oms.submit(OrderAction::cancel(id), h.tick()).verdict == Verdict::Accepted);
      break;
    case Op::ModifyPrice:
      REQUIRE(h.oms.submit(OrderAction::modify(id, Price{o.price.ticks() + 5}, Qty{}), h.tick()).verdict ==
              Verdict::Accepted);
      break;
    case Op::ModifyQty:
      REQUIRE(h.oms.submit(OrderAction::modify(id, Price::min(), Qty{15}), h.tick()).verdict ==
              Verdict::Accepted);
      break;
    case Op::ModifyNoEffect:
      REQUIRE(h.oms.submit(OrderAction::modify(id, o.price, Qty{}), h.tick()).verdict == Verdict::Accepted);
      break;
  }
  switch (op) {
    case Op::None:
      break;
    case Op::CancelOk:
      s.msgs.emplace_back(s.reply(id, RequestKind::CancelOrder, VenueStatus::Cancelled));
      s.add_update(id, R::CancelledByUser, true, true, open, filled);
      break;
    case Op::CancelRaceFill:
      s.add_fill(id, open / 2, 9);
      s.add_fill(id, open - open / 2, 10);
      s.add_update(id, R::FullFill, true, true, 0, filled + open);
      s.msgs.emplace_back(s.reply(id, RequestKind::CancelOrder, VenueStatus::Filled));
      break;
    case Op::CancelNotFound:
      s.msgs.emplace_back(s.reply(id, RequestKind::CancelOrder, VenueStatus::NotFound));
      s.add_update(id, R::DeadManSwitch, true, false, 0, 0);
      break;
    case Op::CancelPartial:
      s.add_fill(id, 2, 11);
      s.msgs.emplace_back(s.reply(id, RequestKind::CancelOrder, VenueStatus::Cancelled));
      s.add_update(id, R::CancelledByUser, true, true, open - 2, filled + 2);
      break;
    case Op::ModifyPrice:
    case Op::ModifyQty: {
      OrderReply r = s.reply(id, RequestKind::EditOrder, VenueStatus::Edited);
      const std::int64_t new_open = op == Op::ModifyQty ? 15 - filled : open;
      r.has_order = true;
      r.order_state = h.venue_order(id, Qty{new_open}, Qty{filled});
      s.msgs.emplace_back(r);
      s.add_update(id, R::EditedByUser, false, true, new_open, filled);
      break;
    }
    case Op::ModifyNoEffect: {
      OrderReply r = s.reply(id, RequestKind::EditOrder, VenueStatus::Edited);
      r.edit_no_effect = true;
      s.msgs.emplace_back(r);
      break;
    }
  }
}

void deliver(Harness& h, std::vector<Message>& msgs, std::mt19937_64* rng) {
  if (rng != nullptr) {
    // Repeat some fills (a snapshot or /fills page) and some open-order entries (a snapshot).
    const std::size_t n = msgs.size();
    for (std::size_t i = 0; i < n; ++i) {
      if ((*rng)() % 3 == 0) {
        if (auto* f = std::get_if<Fill>(&msgs[i])) {
          Fill again = *f;
          again.from_snapshot = true;
          msgs.emplace_back(again);
        } else if (auto* u = std::get_if<OrderUpdate>(&msgs[i]); u != nullptr && !u->is_cancel) {
          OrderUpdate again = *u;
          again.from_snapshot = true;
          msgs.emplace_back(again);
        }
      }
    }
    std::shuffle(msgs.begin(), msgs.end(), *rng);
  }
  for (const Message& m : msgs) {
    if (const auto* r = std::get_if<OrderReply>(&m)) {
      h.oms.on_reply(*r, h.tick());
    } else if (const auto* u = std::get_if<OrderUpdate>(&m)) {
      h.oms.on_order_update(*u, h.tick());
    } else {
      h.oms.on_fill(std::get<Fill>(m), h.tick());
    }
    REQUIRE(h.oms.check_invariants());
  }
  msgs.clear();
}

Outcome run(const std::vector<Plan>& ps, std::mt19937_64* rng) {
  Harness h;
  Scenario s{h, {}, 0};
  std::vector<OrderId> ids;
  for (const Plan& p : ps) {
    const OrderType type = p.truth == Truth::Reject       ? OrderType::PostOnly
                           : p.truth == Truth::IocPartial ? OrderType::Ioc
                                                          : OrderType::Limit;
    ids.push_back(h.submit_new(p.side, Qty{10}, Price{1000}, type, p.instrument));
  }
  for (std::size_t i = 0; i < ps.size(); ++i) {
    phase1(s, ids[i], ps[i].truth);
  }
  deliver(h, s.msgs, rng);
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (ps[i].op != Op::None) {
      const OrderState st = h.state(ids[i]);
      REQUIRE((st == OrderState::Open || st == OrderState::PartiallyFilled));
      REQUIRE_FALSE(h.order(ids[i]).has_inflight);
    }
    phase2(s, ids[i], ps[i].op);
  }
  deliver(h, s.msgs, rng);

  REQUIRE(h.oms.counters().invalid_transitions == 0);
  REQUIRE(h.oms.counters().unexpected_replies == 0);
  REQUIRE(h.oms.counters().unknown_order_fills == 0);
  REQUIRE(h.listener.count(AlertKind::InvalidTransition) == 0);
  Outcome out;
  std::int64_t xbt = 0;
  std::int64_t eth = 0;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const Order& o = h.order(ids[i]);
    CAPTURE(i, to_string(o.state));
    REQUIRE(o.state == ps[i].expect);
    REQUIRE(o.filled == ps[i].expect_filled);
    if (ps[i].op == Op::ModifyPrice) {
      REQUIRE(o.price == Price{1005});
    }
    if (ps[i].op == Op::ModifyQty) {
      REQUIRE(o.qty == Qty{15});
      REQUIRE(o.open == Qty{12});
    }
    const std::int64_t signed_fill = ps[i].side == Side::Buy ? o.filled.lots() : -o.filled.lots();
    (ps[i].instrument == kXbt ? xbt : eth) += signed_fill;
    const bool fill_driven = ps[i].expect == OrderState::Filled;
    for (const OrderEvent& e : h.listener.events) {
      if (e.order == ids[i] && fill_driven) {
        REQUIRE(e.to != OrderState::Cancelled);  // never Cancelled for a fill-driven removal
      }
    }
    out.orders.emplace_back(o.state, o.filled.lots(), o.qty.lots(), o.price.ticks(), o.open.lots());
  }
  REQUIRE(h.oms.positions().get(kXbt).qty == Qty{xbt});
  REQUIRE(h.oms.positions().get(kEth).qty == Qty{eth});
  REQUIRE(h.oms.open_orders() == 6);  // the resting ones
  for (const InstrumentId id : {kXbt, kEth}) {
    const Position& p = h.oms.positions().get(id);
    out.positions.emplace_back(p.qty.lots(), p.fees, id == kEth ? p.basis : detail::I128{0});
  }
  return out;
}

}  // namespace

TEST_CASE("shuffled deliveries of the same venue truth end in identical order states and positions") {
  const std::vector<Plan> ps = plans();
  const Outcome reference = run(ps, nullptr);
  for (std::uint64_t seed : {1ULL, 2ULL, 3ULL, 42ULL, 1234ULL, 99991ULL, 7ULL, 2026ULL}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    const Outcome shuffled = run(ps, &rng);
    REQUIRE(shuffled == reference);
  }
}
