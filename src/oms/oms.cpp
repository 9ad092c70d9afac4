// The OMS: see oms/oms.hpp for the contract and oms/state_machine.hpp for the table.

#include "tickpath/oms/oms.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "tickpath/core/assert.hpp"

namespace tickpath::oms {

namespace {

constexpr std::size_t kMaxOrders = std::size_t{1} << 24;

std::size_t checked_capacity(std::size_t max_orders) {
  if (max_orders == 0 || max_orders > kMaxOrders) {
    throw std::invalid_argument("oms: max_orders must be in 1 .. 16777216");
  }
  std::size_t capacity = 1;
  while (capacity < max_orders) {
    capacity <<= 1;
  }
  return capacity;
}

// Reasons the venue removes an order for a rule rather than a cancel (§6.10; gocryptotrader maps
// them to rejected).
[[nodiscard]] bool rule_removal(UpdateReason r) noexcept {
  switch (r) {
    case UpdateReason::IocWouldNotExecute:
    case UpdateReason::PostWouldExecute:
    case UpdateReason::WouldExecuteSelf:
    case UpdateReason::WouldNotReducePosition:
    case UpdateReason::OrderForEditNotFound:
      return true;
    default:
      return false;
  }
}

[[nodiscard]] bool resting(OrderState s) noexcept {
  return s == OrderState::Open || s == OrderState::PartiallyFilled;
}

[[nodiscard]] bool immediate(OrderType t) noexcept {
  return t == OrderType::Ioc || t == OrderType::Market;
}

// The venue's size of an order: remaining + cumulative filled (§6.10, §9.12); 0 when unusable.
[[nodiscard]] Qty venue_total(const VenueOrder& v) noexcept {
  const Qty total = v.qty + v.filled;
  return (v.qty.lots() < 0 || v.filled.lots() < 0 || total.lots() <= 0) ? Qty{} : total;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// VenueIdIndex

namespace detail {

VenueIdIndex::VenueIdIndex(std::size_t max_entries)
    : entries_(checked_capacity(max_entries) * 2), mask_(entries_.size() - 1) {}

std::size_t VenueIdIndex::home(const std::array<std::uint8_t, 16>& key) const noexcept {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, key.data(), 8);
  std::memcpy(&b, key.data() + 8, 8);
  // UUIDs are mostly random, but not all of their bits are (version, variant): mix both halves.
  std::uint64_t h = a ^ (b * 0x9e37'79b9'7f4a'7c15ULL);
  h ^= h >> 33;
  h *= 0xff51'afd7'ed55'8ccdULL;
  h ^= h >> 33;
  return static_cast<std::size_t>(h) & mask_;
}

std::uint32_t VenueIdIndex::find(const VenueOrderId& id) const noexcept {
  if (!id.valid) {
    return kNone;
  }
  for (std::size_t i = home(id.bytes);; i = (i + 1) & mask_) {
    const Entry& e = entries_[i];
    if (e.slot == kNone) {
      return kNone;
    }
    if (e.key == id.bytes) {
      return e.slot;
    }
  }
}

bool VenueIdIndex::insert(const VenueOrderId& id, std::uint32_t slot) noexcept {
  if (!id.valid || slot == kNone || size_ * 2 >= entries_.size()) {
    return false;
  }
  for (std::size_t i = home(id.bytes);; i = (i + 1) & mask_) {
    Entry& e = entries_[i];
    if (e.slot == kNone) {
      e.key = id.bytes;
      e.slot = slot;
      ++size_;
      return true;
    }
    if (e.key == id.bytes) {
      return false;
    }
  }
}

void VenueIdIndex::erase(const VenueOrderId& id) noexcept {
  if (!id.valid) {
    return;
  }
  std::size_t i = home(id.bytes);
  for (;; i = (i + 1) & mask_) {
    if (entries_[i].slot == kNone) {
      return;
    }
    if (entries_[i].key == id.bytes) {
      break;
    }
  }
  entries_[i].slot = kNone;
  --size_;
  // Backward shift: pull later entries of the cluster into the hole when their home allows, so
  // lookups never stop early at it.
  for (std::size_t j = (i + 1) & mask_; entries_[j].slot != kNone; j = (j + 1) & mask_) {
    const std::size_t k = home(entries_[j].key);
    if (((j - k) & mask_) >= ((j - i) & mask_)) {
      entries_[i] = entries_[j];
      entries_[j].slot = kNone;
      i = j;
    }
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Construction and lookups

class Oms::BusyGuard {
 public:
  explicit BusyGuard(bool& busy) noexcept : busy_(busy) {
    TICKPATH_ASSERT(!busy_, "Oms called back from its listener or request sink");
    busy_ = true;
  }
  ~BusyGuard() { busy_ = false; }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;

 private:
  bool& busy_;
};

Oms::Oms(const InstrumentRegistry& registry, OmsConfig config, RequestSink& sink, OmsListener& listener,
         ClientIdAllocator ids)
    : registry_(&registry),
      config_(std::move(config)),
      sink_(&sink),
      listener_(&listener),
      ids_(std::move(ids)),
      risk_(registry, config_.risk),
      budget_(config_.rate),
      positions_(registry),
      fills_(config_.fill_memory),
      slots_(checked_capacity(config_.max_orders)),
      mask_(slots_.size() - 1),
      venue_index_(slots_.size()),
      instruments_(registry.size()) {}

bool Oms::known_instrument(InstrumentId id) const noexcept {
  return id.valid() && id.value() < instruments_.size();
}

Oms::Slot* Oms::slot_of(OrderId id) noexcept {
  if (id == 0) {
    return nullptr;
  }
  Slot& s = slots_[static_cast<std::size_t>(id) & mask_];
  return (s.used && s.order.id == id) ? &s : nullptr;
}

const Oms::Slot* Oms::slot_of(OrderId id) const noexcept {
  if (id == 0) {
    return nullptr;
  }
  const Slot& s = slots_[static_cast<std::size_t>(id) & mask_];
  return (s.used && s.order.id == id) ? &s : nullptr;
}

const Order* Oms::find(OrderId id) const noexcept {
  const Slot* s = slot_of(id);
  return s != nullptr ? &s->order : nullptr;
}

const Order* Oms::find_by_venue_id(const VenueOrderId& id) const noexcept {
  const std::uint32_t i = venue_index_.find(id);
  return i == detail::VenueIdIndex::kNone ? nullptr : &slots_[i].order;
}

const Order* Oms::find_by_cli(const ClientOrderId& cli) const noexcept {
  return find(ids_.counter_of(cli));
}

Oms::Slot* Oms::locate(const VenueOrderId& venue_id, const ClientOrderId& cli) noexcept {
  const std::uint32_t i = venue_index_.find(venue_id);
  if (i != detail::VenueIdIndex::kNone) {
    return &slots_[i];
  }
  Slot* s = slot_of(ids_.counter_of(cli));
  if (s == nullptr || s->order.adopted) {
    return nullptr;
  }
  if (venue_id.valid && s->order.venue_id.valid && !(s->order.venue_id == venue_id)) {
    return nullptr;  // our id on a different venue order: not ours to touch
  }
  learn_venue_id(*s, venue_id);
  return s;
}

void Oms::learn_venue_id(Slot& slot, const VenueOrderId& venue_id) noexcept {
  if (!venue_id.valid || slot.order.venue_id.valid) {
    return;
  }
  const auto index = static_cast<std::uint32_t>(&slot - slots_.data());
  if (venue_index_.insert(venue_id, index)) {
    slot.order.venue_id = venue_id;
  }
}

RiskInputs Oms::risk_inputs(InstrumentId id) const noexcept {
  RiskInputs in;
  if (!known_instrument(id)) {
    return in;
  }
  const PerInstrument& p = instruments_[id.value()];
  in.position = positions_.get(id).qty;
  in.open_buy = p.open_buy;
  in.open_sell = p.open_sell;
  in.open_orders = p.open_orders;
  in.mid = p.mid;
  return in;
}

// ---------------------------------------------------------------------------------------------
// The table, the live list and exposure

Oms::Slot* Oms::allocate_slot() noexcept {
  if (live_ >= slots_.size()) {
    return nullptr;
  }
  // live_ < capacity: among any `capacity` consecutive ids one maps to a free slot.
  for (;;) {
    const ClientIdAllocator::Allocated a = ids_.next();
    if (a.counter == 0) {
      return nullptr;
    }
    Slot& s = slots_[static_cast<std::size_t>(a.counter) & mask_];
    if (s.used && !is_terminal(s.order.state)) {
      continue;  // a live order keeps its slot; this id is skipped
    }
    if (s.used && s.order.venue_id.valid) {
      venue_index_.erase(s.order.venue_id);
    }
    TICKPATH_ASSERT(!s.linked && !s.counted, "a terminal order is still live");
    s = Slot{};
    s.used = true;
    s.order.id = a.counter;
    s.order.cli = a.cli;
    return &s;
  }
}

void Oms::link(Slot& slot) noexcept {
  const auto index = static_cast<std::uint32_t>(&slot - slots_.data());
  slot.prev = kNil;
  slot.next = live_head_;
  if (live_head_ != kNil) {
    slots_[live_head_].prev = index;
  }
  live_head_ = index;
  slot.linked = true;
  ++live_;
}

void Oms::unlink(Slot& slot) noexcept {
  if (slot.prev != kNil) {
    slots_[slot.prev].next = slot.next;
  } else {
    live_head_ = slot.next;
  }
  if (slot.next != kNil) {
    slots_[slot.next].prev = slot.prev;
  }
  slot.prev = kNil;
  slot.next = kNil;
  slot.linked = false;
  --live_;
}

void Oms::refresh(Slot& slot) noexcept {
  Order& o = slot.order;
  const bool live = !is_terminal(o.state);
  o.open = (!live || o.removed) ? Qty{} : std::max(o.qty - o.filled, Qty{});
  if (!known_instrument(o.instrument)) {
    return;  // never created for an unknown instrument; kept for safety
  }
  PerInstrument& p = instruments_[o.instrument.value()];
  if (slot.counted) {
    (o.side == Side::Buy ? p.open_buy : p.open_sell) -= slot.exposure;
    --p.open_orders;
    slot.counted = false;
    slot.exposure = Qty{};
  }
  if (live) {
    Qty exposure = o.open;
    if (o.edit_pending && !o.pending_qty.is_zero() && !o.removed) {
      // An edit in flight may grow the order: count the larger size until it is settled.
      exposure = std::max(exposure, o.pending_qty - o.filled);
    }
    slot.exposure = exposure;
    (o.side == Side::Buy ? p.open_buy : p.open_sell) += exposure;
    ++p.open_orders;
    slot.counted = true;
  }
  if (live && !slot.linked) {
    link(slot);
  } else if (!live && slot.linked) {
    unlink(slot);
  }
}

void Oms::apply(Slot& slot, OrderInput input, const Context& ctx, std::int64_t now_ns) noexcept {
  Order& o = slot.order;
  const Step st = step(o.state, input, o.filled.lots() > 0);
  if (!st.valid()) {
    ++counters_.invalid_transitions;
    refresh(slot);  // quantities the caller changed (a fill) still count
    alert(AlertKind::InvalidTransition, &o, static_cast<std::int64_t>(o.state),
          static_cast<std::int64_t>(input), now_ns);
    return;
  }
  if (!st.emits()) {
    ++counters_.ignored_inputs;
    refresh(slot);
    return;
  }
  switch (input) {
    case OrderInput::Edited:
      if (o.edit_pending) {
        const Qty venue = ctx.venue != nullptr ? venue_total(*ctx.venue) : Qty{};
        if (!venue.is_zero()) {
          o.qty = venue;
          o.price = ctx.venue->price;
        } else {
          if (!o.pending_qty.is_zero()) {
            o.qty = o.pending_qty;
          }
          if (o.pending_price != Price::min()) {
            o.price = o.pending_price;
          }
        }
      }
      o.edit_pending = false;
      break;
    case OrderInput::EditNoEffect:
    case OrderInput::EditRejected:
    case OrderInput::NotFound:
      o.edit_pending = false;
      break;
    default:
      break;
  }
  if (is_terminal(st.to)) {
    o.edit_pending = false;
  }
  o.state = st.to;
  o.updated_ns = now_ns;
  refresh(slot);
  emit(o, st.from, input, ctx, now_ns);
  maybe_auto_cancel(slot, now_ns);
}

void Oms::emit(const Order& o, OrderState from, OrderInput cause, const Context& ctx,
               std::int64_t now_ns) noexcept {
  OrderEvent e;
  e.order = o.id;
  e.tag = o.tag;
  e.cli = o.cli;
  e.venue_id = o.venue_id;
  e.price = o.price;
  e.qty = o.qty;
  e.filled = o.filled;
  e.open = o.open;
  e.ts_ns = now_ns;
  e.instrument = o.instrument;
  e.side = o.side;
  e.type = o.type;
  e.from = from;
  e.to = o.state;
  e.cause = cause;
  e.status = ctx.status;
  e.risk = ctx.risk;
  e.reason = ctx.reason;
  e.error = ctx.error;
  ++counters_.order_events;
  listener_->on_order_event(e);
}

void Oms::alert(AlertKind kind, const Order* order, std::int64_t a, std::int64_t b,
                std::int64_t now_ns) noexcept {
  Alert al;
  al.kind = kind;
  if (order != nullptr) {
    al.order = order->id;
    al.instrument = order->instrument;
    al.venue_id = order->venue_id;
    al.cli = order->cli;
  }
  al.a = a;
  al.b = b;
  al.ts_ns = now_ns;
  ++counters_.alerts;
  listener_->on_alert(al);
}

void Oms::alert_venue(AlertKind kind, const VenueOrder& order, std::int64_t a, std::int64_t b,
                      std::int64_t now_ns) noexcept {
  Alert al;
  al.kind = kind;
  al.instrument = order.instrument;
  al.venue_id = order.order_id;
  al.cli = order.cli;
  al.a = a;
  al.b = b;
  al.ts_ns = now_ns;
  ++counters_.alerts;
  listener_->on_alert(al);
}

// ---------------------------------------------------------------------------------------------
// Actions

SubmitResult Oms::finish(SubmitResult result) noexcept {
  ++counters_.submits[static_cast<std::size_t>(result.verdict)];
  if (result.verdict == Verdict::Risk) {
    ++counters_.risk_refused[static_cast<std::size_t>(result.risk)];
  }
  return result;
}

SubmitResult Oms::submit(const OrderAction& action, std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  switch (action.kind) {
    case ActionKind::New:
      return submit_new(action, now_ns);
    case ActionKind::Modify:
      return submit_modify(action, now_ns);
    case ActionKind::Cancel:
      return submit_cancel(action.order, now_ns);
    case ActionKind::CancelAll: {
      const CancelAllResult r = cancel_all_impl(action.instrument, now_ns);
      return finish({r.verdict, RiskVerdict::Ok, 0});
    }
  }
  return finish({Verdict::UnknownOrder, RiskVerdict::Ok, action.order});
}

SubmitResult Oms::submit_new(const OrderAction& action, std::int64_t now_ns) noexcept {
  if (reconciling_) {
    return finish({Verdict::Reconciling, RiskVerdict::Ok, 0});
  }
  if (!known_instrument(action.instrument)) {
    return finish({Verdict::Risk, RiskVerdict::UnknownInstrument, 0});
  }
  if (live_ >= slots_.size()) {
    return finish({Verdict::TableFull, RiskVerdict::Ok, 0});
  }
  const RiskVerdict rv = risk_.check_new(action, risk_inputs(action.instrument), now_ns);
  if (rv != RiskVerdict::Ok) {
    return finish({Verdict::Risk, rv, 0});
  }
  if (!budget_.try_spend(request_cost(RequestKind::SendOrder), rate_class(RequestKind::SendOrder), now_ns)) {
    return finish({Verdict::RateLimited, RiskVerdict::Ok, 0});
  }
  Slot* s = allocate_slot();
  if (s == nullptr) {
    alert(AlertKind::ClientIdsExhausted, nullptr, 0, 0, now_ns);
    return finish({Verdict::TableFull, RiskVerdict::Ok, 0});
  }
  Order& o = s->order;
  o.tag = action.tag;
  o.instrument = action.instrument;
  o.side = action.side;
  o.type = action.type;
  o.reduce_only = action.reduce_only;
  o.price = action.price;
  o.qty = action.qty;
  o.state = OrderState::PendingNew;
  o.has_inflight = true;
  o.inflight = RequestKind::SendOrder;
  o.created_ns = now_ns;
  o.updated_ns = now_ns;
  refresh(*s);
  emit(o, OrderState::PendingNew, OrderInput::Created, Context{}, now_ns);

  Request r;
  r.kind = RequestKind::SendOrder;
  r.order = o.id;
  r.cli = o.cli;
  r.instrument = o.instrument;
  r.side = o.side;
  r.type = o.type;
  r.price = o.type == OrderType::Market ? Price::min() : o.price;
  r.qty = o.qty;
  r.reduce_only = o.reduce_only;
  if (!sink_->send(r)) {
    o.has_inflight = false;
    Context ctx;
    ctx.error = RequestError::NotSent;
    apply(*s, OrderInput::Rejected, ctx, now_ns);
    return finish({Verdict::SendFailed, RiskVerdict::Ok, o.id});
  }
  return finish({Verdict::Accepted, RiskVerdict::Ok, o.id});
}

SubmitResult Oms::submit_modify(const OrderAction& action, std::int64_t now_ns) noexcept {
  if (reconciling_) {
    return finish({Verdict::Reconciling, RiskVerdict::Ok, action.order});
  }
  Slot* s = slot_of(action.order);
  if (s == nullptr) {
    return finish({Verdict::UnknownOrder, RiskVerdict::Ok, action.order});
  }
  Order& o = s->order;
  if (!resting(o.state) || o.has_inflight || o.removed || immediate(o.type)) {
    return finish({Verdict::NotModifiable, RiskVerdict::Ok, o.id});
  }
  const Qty new_total = action.qty.is_zero() ? o.qty : action.qty;
  const Qty new_open = new_total - o.filled;
  if (new_open.lots() <= 0) {
    return finish({Verdict::Risk, RiskVerdict::InvalidQty, o.id});
  }
  const RiskVerdict rv = risk_.check_modify(o.instrument, o.side, action.price, o.open, new_open,
                                            risk_inputs(o.instrument), now_ns);
  if (rv != RiskVerdict::Ok) {
    return finish({Verdict::Risk, rv, o.id});
  }
  if (!budget_.try_spend(request_cost(RequestKind::EditOrder), rate_class(RequestKind::EditOrder), now_ns)) {
    return finish({Verdict::RateLimited, RiskVerdict::Ok, o.id});
  }
  Request r;
  r.kind = RequestKind::EditOrder;
  r.order = o.id;
  r.cli = o.cli;
  r.venue_id = o.venue_id;
  r.instrument = o.instrument;
  r.side = o.side;
  r.type = o.type;
  r.price = action.price;
  r.qty = action.qty.is_zero() ? Qty{} : new_open;  // Kraken qtyMode RELATIVE: the new open size
  if (!sink_->send(r)) {
    return finish({Verdict::SendFailed, RiskVerdict::Ok, o.id});
  }
  o.has_inflight = true;
  o.inflight = RequestKind::EditOrder;
  o.edit_pending = true;
  o.pending_price = action.price;
  o.pending_qty = action.qty.is_zero() ? Qty{} : new_total;
  apply(*s, OrderInput::ModifySent, Context{}, now_ns);
  return finish({Verdict::Accepted, RiskVerdict::Ok, o.id});
}

SubmitResult Oms::submit_cancel(OrderId id, std::int64_t now_ns) noexcept {
  Slot* s = slot_of(id);
  if (s == nullptr) {
    return finish({Verdict::UnknownOrder, RiskVerdict::Ok, id});
  }
  const Order& o = s->order;
  if (!resting(o.state) || o.has_inflight || o.removed) {
    return finish({Verdict::NotModifiable, RiskVerdict::Ok, id});
  }
  return finish({send_cancel(*s, now_ns), RiskVerdict::Ok, id});
}

Verdict Oms::send_cancel(Slot& slot, std::int64_t now_ns) noexcept {
  Order& o = slot.order;
  if (!budget_.try_spend(request_cost(RequestKind::CancelOrder), rate_class(RequestKind::CancelOrder),
                         now_ns)) {
    return Verdict::RateLimited;
  }
  Request r;
  r.kind = RequestKind::CancelOrder;
  r.order = o.id;
  r.cli = o.cli;
  r.venue_id = o.venue_id;
  r.instrument = o.instrument;
  r.side = o.side;
  r.type = o.type;
  if (!sink_->send(r)) {
    return Verdict::SendFailed;
  }
  o.has_inflight = true;
  o.inflight = RequestKind::CancelOrder;
  if (reconciling_) {
    slot.exempt = true;
  }
  apply(slot, OrderInput::CancelSent, Context{}, now_ns);
  return Verdict::Accepted;
}

void Oms::maybe_auto_cancel(Slot& slot, std::int64_t now_ns) noexcept {
  const Order& o = slot.order;
  if (!o.cancel_requested || !resting(o.state) || o.has_inflight || o.removed) {
    return;
  }
  if (send_cancel(slot, now_ns) == Verdict::Accepted) {
    slot.order.cancel_requested = false;
    ++counters_.auto_cancels;
  }
}

CancelAllResult Oms::cancel_all(std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  return cancel_all_impl(InstrumentId{}, now_ns);
}

CancelAllResult Oms::cancel_all_impl(InstrumentId instrument, std::int64_t now_ns) noexcept {
  ++counters_.cancel_alls;
  if (!budget_.try_spend(request_cost(RequestKind::CancelAll), rate_class(RequestKind::CancelAll), now_ns)) {
    alert(AlertKind::CancelAllFailed, nullptr, static_cast<std::int64_t>(Verdict::RateLimited), 0, now_ns);
    return {Verdict::RateLimited, 0};
  }
  Request r;
  r.kind = RequestKind::CancelAll;
  r.instrument = instrument;
  if (!sink_->send(r)) {
    alert(AlertKind::CancelAllFailed, nullptr, static_cast<std::int64_t>(Verdict::SendFailed), 0, now_ns);
    return {Verdict::SendFailed, 0};
  }
  std::size_t moved = 0;
  for (std::uint32_t i = live_head_; i != kNil;) {
    Slot& s = slots_[i];
    i = s.next;  // apply() below never unlinks (PendingCancel is live), but stay safe
    Order& o = s.order;
    if (instrument.valid() && o.instrument != instrument) {
      continue;
    }
    if (resting(o.state) && !o.has_inflight && !o.removed) {
      o.has_inflight = true;
      o.inflight = RequestKind::CancelAll;
      if (reconciling_) {
        s.exempt = true;
      }
      apply(s, OrderInput::CancelSent, Context{}, now_ns);
      ++moved;
    } else if (o.state == OrderState::PendingNew || o.state == OrderState::Unknown) {
      // The venue may see the order only after the cancel-all: cancel it when it turns up resting.
      o.cancel_requested = true;
    }
  }
  return {Verdict::Accepted, moved};
}

// ---------------------------------------------------------------------------------------------
// Answers

void Oms::on_reply(const OrderReply& reply, std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  ++counters_.replies;
  switch (reply.kind) {
    case RequestKind::SendOrder:
    case RequestKind::EditOrder:
    case RequestKind::CancelOrder:
      break;
    case RequestKind::CancelAll:
      on_cancel_all_reply(reply, now_ns);
      return;
    default:
      return;  // dead man's switch and queries: the gateway's business
  }
  Slot* s = slot_of(reply.order);
  if (s == nullptr) {
    if (reply.order == 0 && reply.kind == RequestKind::CancelOrder) {
      return;  // the answer to a cancel of a venue order we do not track
    }
    ++counters_.unexpected_replies;
    alert(AlertKind::UnexpectedReply, nullptr, static_cast<std::int64_t>(reply.kind),
          static_cast<std::int64_t>(reply.order), now_ns);
    return;
  }
  Order& o = s->order;
  if (!o.has_inflight || o.inflight != reply.kind) {
    ++counters_.unexpected_replies;
    alert(AlertKind::UnexpectedReply, &o, static_cast<std::int64_t>(reply.kind), 0, now_ns);
    return;
  }
  o.has_inflight = false;
  learn_venue_id(*s, reply.order_state.order_id);

  Context ctx;
  ctx.status = reply.status;
  ctx.error = reply.error;
  ctx.venue = reply.has_order ? &reply.order_state : nullptr;
  const bool failed = reply.error != RequestError::None;
  const bool unknown = failed ? outcome_unknown(reply.error) : reply.status == VenueStatus::Unknown;
  if (!failed && reply.status == VenueStatus::Unknown) {
    ++counters_.unknown_status;
  }
  OrderInput input = OrderInput::Timeout;
  if (unknown) {
    input = OrderInput::Timeout;
  } else if (reply.kind == RequestKind::SendOrder) {
    if (failed) {
      input = OrderInput::Rejected;  // never processed (NotSent, refusals)
    } else {
      switch (reply.status) {
        case VenueStatus::Placed:
        case VenueStatus::PartiallyFilled:
        case VenueStatus::Filled:
          // §5.5/§9.18: an executed order may still say `placed`; the executions tell. Quantities
          // still come from the fills.
          if (reply.status == VenueStatus::Filled || (!o.qty.is_zero() && reply.executed >= o.qty)) {
            input = OrderInput::FillRemoval;
          } else if (immediate(o.type)) {
            input = OrderInput::Cancelled;  // an IOC's unfilled rest is gone
          } else {
            input = OrderInput::Placed;
          }
          break;
        case VenueStatus::Cancelled:
          input = OrderInput::Cancelled;
          break;
        case VenueStatus::Edited:
        case VenueStatus::NotFound:
        case VenueStatus::NoOrdersToCancel:
          ++counters_.unknown_status;
          input = OrderInput::Timeout;  // not a send status: we cannot tell what happened
          break;
        default:
          input = OrderInput::Rejected;  // §9.15: business rejections arrive as success + status
          break;
      }
    }
  } else if (reply.kind == RequestKind::EditOrder) {
    if (failed) {
      input = OrderInput::EditRejected;
    } else {
      switch (reply.status) {
        case VenueStatus::Edited:
          input = reply.edit_no_effect ? OrderInput::EditNoEffect : OrderInput::Edited;
          break;
        case VenueStatus::Filled:
        case VenueStatus::PartiallyFilled:
          input = OrderInput::Edited;  // applied and crossed: the fills follow on the feed
          break;
        case VenueStatus::OrderForEditNotFound:
        case VenueStatus::NotFound:
          input = OrderInput::NotFound;
          break;
        default:
          input = OrderInput::EditRejected;
          break;
      }
    }
  } else {  // CancelOrder
    if (failed) {
      input = OrderInput::CancelRejected;
    } else {
      switch (reply.status) {
        case VenueStatus::Cancelled:
          input = OrderInput::Cancelled;
          break;
        case VenueStatus::Filled:
          input = OrderInput::FillRemoval;  // §5.7: could not cancel, it is filled
          break;
        case VenueStatus::NotFound:
          input = OrderInput::NotFound;
          break;
        default:
          input = OrderInput::CancelRejected;
          break;
      }
    }
  }
  if (input == OrderInput::Rejected && o.filled.lots() > 0) {
    input = OrderInput::Cancelled;
  }
  if (input == OrderInput::FillRemoval) {
    o.removed = true;
    if (!is_terminal(o.state) && o.filled >= o.qty && o.filled.lots() > 0) {
      input = OrderInput::FillComplete;  // the fills came first and already cover it
    }
  }
  apply(*s, input, ctx, now_ns);
}

void Oms::on_cancel_all_reply(const OrderReply& reply, std::int64_t now_ns) noexcept {
  // Success: each cancellation arrives as an open_orders removal (the gateway may also turn
  // cancelledOrders into OrderUpdates); noOrdersToCancel can come with a non-empty list (§5.8), so
  // it settles nothing either. Failure: back to resting, or Unknown when the outcome is unknown.
  bool has_input = false;
  OrderInput input = OrderInput::Timeout;
  if (reply.error != RequestError::None) {
    has_input = true;
    input = outcome_unknown(reply.error) ? OrderInput::Timeout : OrderInput::CancelRejected;
  }
  Context ctx;
  ctx.status = reply.status;
  ctx.error = reply.error;
  for (std::uint32_t i = live_head_; i != kNil;) {
    Slot& s = slots_[i];
    i = s.next;
    Order& o = s.order;
    if (!o.has_inflight || o.inflight != RequestKind::CancelAll) {
      continue;
    }
    o.has_inflight = false;
    if (has_input) {
      apply(s, input, ctx, now_ns);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Private feed

void Oms::adopt_venue_values(Order& o, const VenueOrder& v) noexcept {
  const Qty total = venue_total(v);
  if (!total.is_zero()) {
    o.qty = total;
    if (v.price.ticks() > 0) {
      o.price = v.price;
    }
    o.edit_pending = false;  // the venue's values say whether a lost edit happened
  }
}

void Oms::on_order_update(const OrderUpdate& update, std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  ++counters_.order_updates;
  Slot* s = locate(update.order.order_id, update.order.cli);
  if (s == nullptr) {
    if (update.is_cancel) {
      ++counters_.unknown_order_updates;
      alert_venue(AlertKind::UnknownOrderUpdate, update.order, static_cast<std::int64_t>(update.reason), 0,
                  now_ns);
    } else {
      handle_unknown_venue_order(update.order, update.has_order, now_ns);
    }
    return;
  }
  Order& o = s->order;
  Context ctx;
  ctx.reason = update.reason;
  ctx.venue = update.has_order ? &update.order : nullptr;
  OrderInput input = OrderInput::Placed;
  if (update.is_cancel) {
    if (update.reason == UpdateReason::FullFill) {
      // §7.2: the removal may come before the fill; never Cancelled. The venue's size (remaining +
      // filled) also covers a reduce-only order the venue shrank.
      if (update.has_order && !is_terminal(o.state)) {
        const Qty total = venue_total(update.order);
        if (!total.is_zero()) {
          o.qty = total;
        }
      }
      o.removed = true;
      input = (!is_terminal(o.state) && o.filled >= o.qty && o.filled.lots() > 0) ? OrderInput::FillComplete
                                                                                  : OrderInput::FillRemoval;
    } else if (rule_removal(update.reason)) {
      input = o.filled.lots() > 0 ? OrderInput::Cancelled : OrderInput::Rejected;
    } else {
      input = OrderInput::Cancelled;  // §9.11: is_cancel for any other reason is a removal
    }
  } else if (update.reason == UpdateReason::EditedByUser) {
    input = OrderInput::Edited;
  } else {
    input = OrderInput::Placed;
    if (update.has_order && o.state == OrderState::Unknown) {
      adopt_venue_values(o, update.order);
    }
  }
  apply(*s, input, ctx, now_ns);
}

void Oms::on_fill(const Fill& fill, std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  ++counters_.fills;
  if (!fills_.insert(fill.fill_id)) {
    ++counters_.duplicate_fills;
    if (!fill.from_snapshot) {  // snapshots repeat fills by design (§9.13); a repeated delta is odd
      Alert al;
      al.kind = AlertKind::DuplicateFill;
      al.instrument = fill.instrument;
      al.venue_id = fill.order_id;
      al.cli = fill.cli;
      al.a = fill.qty.lots();
      al.b = fill.price.ticks();
      al.ts_ns = now_ns;
      ++counters_.alerts;
      listener_->on_alert(al);
    }
    return;
  }
  if (!known_instrument(fill.instrument) || fill.qty.lots() <= 0 || fill.price.ticks() <= 0) {
    ++counters_.invalid_fills;
    Alert al;
    al.kind = AlertKind::InvalidFill;
    al.instrument = fill.instrument;
    al.venue_id = fill.order_id;
    al.cli = fill.cli;
    al.a = fill.qty.lots();
    al.b = fill.price.ticks();
    al.ts_ns = now_ns;
    ++counters_.alerts;
    listener_->on_alert(al);
    return;
  }
  Slot* s = locate(fill.order_id, fill.cli);
  const auto start_ms = static_cast<std::int64_t>(ids_.start_ms());
  if (s != nullptr && s->order.adopted && fill.time_ms <= s->order.adopted_ms) {
    ++counters_.historical_fills;  // already in the venue's filled and position when we adopted it
    return;
  }
  if (s == nullptr && fill.time_ms > 0 && fill.time_ms < start_ms) {
    ++counters_.historical_fills;  // an earlier run's fill (a snapshot or /fills page)
    return;
  }

  const Money fee = fill.has_fee ? to_money(fill.fee) : Money{0};
  const Position& pos = positions_.apply_fill(fill.instrument, fill.side, fill.price, fill.qty, fee);
  ++instruments_[fill.instrument.value()].fills_applied;

  FillEvent fe;
  fe.fill = fill;
  fe.position_after = pos.qty;
  fe.realised_pnl_after = pos.realised_pnl;
  fe.ts_ns = now_ns;
  if (s != nullptr) {
    fe.order = s->order.id;
    fe.tag = s->order.tag;
  }
  listener_->on_fill(fe);

  if (s != nullptr) {
    Order& o = s->order;
    if (o.instrument != fill.instrument || o.side != fill.side) {
      alert(AlertKind::FillMismatch, &o, fill.qty.lots(), fill.price.ticks(), now_ns);
    }
    o.filled += fill.qty;
    if (o.filled > o.qty) {
      ++counters_.overfills;
      alert(AlertKind::Overfill, &o, o.filled.lots(), o.qty.lots(), now_ns);
    }
    apply(*s, o.filled >= o.qty ? OrderInput::FillComplete : OrderInput::Fill, Context{}, now_ns);
  } else {
    ++counters_.unknown_order_fills;
    Alert al;
    al.kind = AlertKind::FillForUnknownOrder;
    al.instrument = fill.instrument;
    al.venue_id = fill.order_id;
    al.cli = fill.cli;
    al.a = fill.qty.lots();
    al.b = fill.price.ticks();
    al.ts_ns = now_ns;
    ++counters_.alerts;
    listener_->on_alert(al);
  }
  check_pnl(fill.instrument, now_ns);
}

void Oms::on_mark(InstrumentId id, Price mid, std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  if (!known_instrument(id)) {
    return;
  }
  instruments_[id.value()].mid = mid;
  check_pnl(id, now_ns);
}

void Oms::check_pnl(InstrumentId id, std::int64_t now_ns) noexcept {
  const Price mid = instruments_[id.value()].mid;
  const Price mark = mid.ticks() > 0 && mid != Price::max() ? mid : Price::min();
  const bool was_halted = risk_.halted();
  (void)risk_.check_pnl(id, positions_.total_pnl(id, mark));
  if (!was_halted && risk_.halted()) {
    on_halt_latched(now_ns);
  }
}

// ---------------------------------------------------------------------------------------------
// Safety

void Oms::halt(HaltReason reason, std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  const bool was_halted = risk_.halted();
  risk_.halt(reason);
  if (!was_halted) {
    on_halt_latched(now_ns);
  }
}

void Oms::on_halt_latched(std::int64_t now_ns) noexcept {
  ++counters_.halts;
  alert(AlertKind::HaltLatched, nullptr, static_cast<std::int64_t>(risk_.halt_reason()), 0, now_ns);
  if (config_.cancel_on_halt) {
    (void)cancel_all_impl(InstrumentId{}, now_ns);
  }
}

// ---------------------------------------------------------------------------------------------
// Reconciliation

void Oms::begin_reconcile(std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  (void)now_ns;
  reconciling_ = true;
  ++epoch_;
  ++counters_.reconciles;
  for (PerInstrument& p : instruments_) {
    p.venue = VenuePosition{};
    p.venue_seen = false;
  }
  for (std::uint32_t i = live_head_; i != kNil; i = slots_[i].next) {
    slots_[i].exempt = slots_[i].order.has_inflight;
  }
}

void Oms::reconcile_open_order(const VenueOrder& order, std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  Slot* s = locate(order.order_id, order.cli);
  if (s == nullptr) {
    handle_unknown_venue_order(order, true, now_ns);
    return;
  }
  Order& o = s->order;
  if (is_terminal(o.state)) {
    // We hold it as done, the venue lists it as open (or listed it a moment ago): make sure.
    alert(AlertKind::TerminalOrderOpenAtVenue, &o, order.qty.lots(), order.filled.lots(), now_ns);
    (void)send_venue_cancel(order, now_ns);
    return;
  }
  s->seen_epoch = epoch_;
  if (o.state == OrderState::Unknown) {
    adopt_venue_values(o, order);
  }
  Context ctx;
  ctx.venue = &order;
  apply(*s, OrderInput::Placed, ctx, now_ns);
}

void Oms::handle_unknown_venue_order(const VenueOrder& v, bool full, std::int64_t now_ns) noexcept {
  if (v.order_id.valid) {
    for (const RecentCancel& r : recent_cancels_) {
      if (r.id == v.order_id && now_ns - r.sent_ns < kRecentCancelNs) {
        ++counters_.unknown_venue_orders_repeated;
        return;
      }
    }
  }
  ++counters_.unknown_venue_orders;
  alert_venue(AlertKind::UnknownVenueOrder, v, v.qty.lots(), v.filled.lots(), now_ns);
  const Qty total = venue_total(v);
  if (config_.unknown_orders == UnknownOrderPolicy::Adopt && full && v.order_id.valid &&
      known_instrument(v.instrument) && v.qty.lots() > 0 && !total.is_zero()) {
    Slot* s = allocate_slot();
    if (s != nullptr) {
      Order& o = s->order;
      o.cli = v.cli;  // the venue's (possibly empty or foreign): never one of ours
      o.instrument = v.instrument;
      o.side = v.side;
      o.type = v.type;
      o.reduce_only = v.reduce_only;
      o.price = v.price;
      o.qty = total;
      o.filled = v.filled;
      o.state = v.filled.lots() > 0 ? OrderState::PartiallyFilled : OrderState::Open;
      o.adopted = true;
      o.adopted_ms = std::max(v.last_update_ms, v.time_ms);
      o.created_ns = now_ns;
      o.updated_ns = now_ns;
      s->seen_epoch = epoch_;
      learn_venue_id(*s, v.order_id);
      refresh(*s);
      ++counters_.adopted_orders;
      emit(o, o.state, OrderInput::Adopted, Context{}, now_ns);
      alert(AlertKind::AdoptedOrder, &o, total.lots(), v.filled.lots(), now_ns);
      return;
    }
  }
  (void)send_venue_cancel(v, now_ns);
}

bool Oms::send_venue_cancel(const VenueOrder& v, std::int64_t now_ns) noexcept {
  bool sent = false;
  if (v.order_id.valid || !v.cli.empty()) {
    if (budget_.try_spend(request_cost(RequestKind::CancelOrder), rate_class(RequestKind::CancelOrder),
                          now_ns)) {
      Request r;
      r.kind = RequestKind::CancelOrder;
      r.order = 0;  // untracked: its answer is dropped, the feed/reconciliation tells the outcome
      r.venue_id = v.order_id;
      r.cli = v.order_id.valid ? ClientOrderId{} : v.cli;
      r.instrument = v.instrument;
      r.side = v.side;
      sent = sink_->send(r);
    }
  }
  if (sent) {
    if (v.order_id.valid) {
      recent_cancels_[recent_cancel_next_] = RecentCancel{v.order_id, now_ns};
      recent_cancel_next_ = (recent_cancel_next_ + 1) % recent_cancels_.size();
    }
    ++counters_.venue_cancels_sent;
  } else {
    ++counters_.venue_cancels_failed;
  }
  alert_venue(AlertKind::VenueOrderCancelSent, v, v.qty.lots(), sent ? 0 : 1, now_ns);
  return sent;
}

void Oms::reconcile_position(const VenuePosition& position, std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  (void)now_ns;
  if (!known_instrument(position.instrument)) {
    return;
  }
  PerInstrument& p = instruments_[position.instrument.value()];
  p.venue = position;
  p.venue_seen = true;
}

void Oms::end_reconcile(std::int64_t now_ns) noexcept {
  BusyGuard guard(busy_);
  for (std::uint32_t i = live_head_; i != kNil;) {
    Slot& s = slots_[i];
    i = s.next;  // apply() may unlink s
    Order& o = s.order;
    if (s.seen_epoch == epoch_ || o.has_inflight || s.exempt) {
      continue;
    }
    const bool covered = o.filled.lots() > 0 && o.filled >= o.qty;
    if (covered) {
      ++counters_.settled_filled;
    } else {
      ++counters_.settled_cancelled;
    }
    apply(s, covered ? OrderInput::FillComplete : OrderInput::Cancelled, Context{}, now_ns);
    alert(AlertKind::SettledMissingOrder, &o, static_cast<std::int64_t>(o.state), 0, now_ns);
  }
  for (std::size_t k = 0; k < instruments_.size(); ++k) {
    PerInstrument& p = instruments_[k];
    const InstrumentId id{static_cast<InstrumentId::value_type>(k)};
    const Qty venue = p.venue_seen ? p.venue.balance : Qty{};
    const Qty ours = positions_.get(id).qty;
    if (ours == venue) {
      continue;
    }
    Alert al;
    al.instrument = id;
    al.a = ours.lots();
    al.b = venue.lots();
    al.ts_ns = now_ns;
    if (p.fills_applied == 0) {
      positions_.set(id, venue, p.venue.entry_price);
      ++counters_.positions_adopted;
      al.kind = AlertKind::PositionAdopted;
    } else {
      ++counters_.position_mismatches;
      al.kind = AlertKind::PositionMismatch;
    }
    ++counters_.alerts;
    listener_->on_alert(al);
  }
  reconciling_ = false;
}

// ---------------------------------------------------------------------------------------------
// Checks

bool Oms::check_invariants() const noexcept {
  std::vector<PerInstrument> expect(instruments_.size());
  std::size_t live = 0;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    if (!s.used) {
      if (s.linked || s.counted) {
        return false;
      }
      continue;
    }
    const Order& o = s.order;
    const bool is_live = !is_terminal(o.state);
    if (s.linked != is_live || s.counted != is_live) {
      return false;
    }
    if (is_terminal(o.state) && !o.open.is_zero()) {
      return false;
    }
    if (o.open.lots() < 0 || (!is_live && o.open.lots() != 0)) {
      return false;
    }
    if (o.venue_id.valid && venue_index_.find(o.venue_id) != i) {
      return false;
    }
    if (is_live) {
      ++live;
      PerInstrument& p = expect[o.instrument.value()];
      (o.side == Side::Buy ? p.open_buy : p.open_sell) += s.exposure;
      ++p.open_orders;
    }
  }
  if (live != live_) {
    return false;
  }
  std::size_t walked = 0;
  for (std::uint32_t i = live_head_; i != kNil; i = slots_[i].next) {
    if (++walked > live_) {
      return false;
    }
  }
  if (walked != live_) {
    return false;
  }
  for (std::size_t k = 0; k < instruments_.size(); ++k) {
    if (expect[k].open_buy != instruments_[k].open_buy || expect[k].open_sell != instruments_[k].open_sell ||
        expect[k].open_orders != instruments_[k].open_orders) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Names

const char* to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::Accepted:
      return "accepted";
    case Verdict::Risk:
      return "risk";
    case Verdict::RateLimited:
      return "rate_limited";
    case Verdict::Reconciling:
      return "reconciling";
    case Verdict::UnknownOrder:
      return "unknown_order";
    case Verdict::NotModifiable:
      return "not_modifiable";
    case Verdict::TableFull:
      return "table_full";
    case Verdict::SendFailed:
      return "send_failed";
  }
  return "?";
}

const char* to_string(AlertKind k) noexcept {
  switch (k) {
    case AlertKind::UnknownVenueOrder:
      return "unknown_venue_order";
    case AlertKind::AdoptedOrder:
      return "adopted_order";
    case AlertKind::VenueOrderCancelSent:
      return "venue_order_cancel_sent";
    case AlertKind::TerminalOrderOpenAtVenue:
      return "terminal_order_open_at_venue";
    case AlertKind::FillForUnknownOrder:
      return "fill_for_unknown_order";
    case AlertKind::DuplicateFill:
      return "duplicate_fill";
    case AlertKind::InvalidFill:
      return "invalid_fill";
    case AlertKind::FillMismatch:
      return "fill_mismatch";
    case AlertKind::Overfill:
      return "overfill";
    case AlertKind::PositionMismatch:
      return "position_mismatch";
    case AlertKind::PositionAdopted:
      return "position_adopted";
    case AlertKind::SettledMissingOrder:
      return "settled_missing_order";
    case AlertKind::InvalidTransition:
      return "invalid_transition";
    case AlertKind::UnexpectedReply:
      return "unexpected_reply";
    case AlertKind::UnknownOrderUpdate:
      return "unknown_order_update";
    case AlertKind::HaltLatched:
      return "halt_latched";
    case AlertKind::CancelAllFailed:
      return "cancel_all_failed";
    case AlertKind::ClientIdsExhausted:
      return "client_ids_exhausted";
  }
  return "?";
}

const char* to_string(UnknownOrderPolicy p) noexcept {
  return p == UnknownOrderPolicy::Cancel ? "cancel" : "adopt";
}

}  // namespace tickpath::oms
