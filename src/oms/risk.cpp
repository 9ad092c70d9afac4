#include "tickpath/oms/risk.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "tickpath/core/hints.hpp"
#include "tickpath/oms/positions.hpp"

namespace tickpath::oms {

using detail::I128;

namespace {

constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();
const InstrumentRiskLimits kNoLimits{};

// A real price: Price::min() is "none" and nothing Kraken Futures trades is at or below zero.
TICKPATH_ALWAYS_INLINE bool real_price(Price p) noexcept {
  return p.ticks() > 0 && p != Price::max();
}

TICKPATH_ALWAYS_INLINE I128 abs128(I128 v) noexcept {
  return v < 0 ? -v : v;
}

TICKPATH_ALWAYS_INLINE std::size_t idx(RiskVerdict v) noexcept {
  return static_cast<std::size_t>(v) < kRiskVerdictCount ? static_cast<std::size_t>(v) : 0;
}

[[noreturn]] TICKPATH_COLD void bad_limit(const Instrument& inst, const char* what) {
  throw std::invalid_argument("risk limits of " + std::string{inst.symbol()} + ": " + what);
}

}  // namespace

const char* to_string(RiskVerdict v) noexcept {
  switch (v) {
    case RiskVerdict::Ok:
      return "ok";
    case RiskVerdict::Halted:
      return "halted";
    case RiskVerdict::InvalidQty:
      return "invalid_qty";
    case RiskVerdict::InvalidPrice:
      return "invalid_price";
    case RiskVerdict::MaxOrderQty:
      return "max_order_qty";
    case RiskVerdict::MaxOrderNotional:
      return "max_order_notional";
    case RiskVerdict::MaxPosition:
      return "max_position";
    case RiskVerdict::MaxOpenOrders:
      return "max_open_orders";
    case RiskVerdict::PriceCollar:
      return "price_collar";
    case RiskVerdict::NoReferencePrice:
      return "no_reference_price";
    case RiskVerdict::OrderRate:
      return "order_rate";
    case RiskVerdict::UnknownInstrument:
      return "unknown_instrument";
    case RiskVerdict::MaxLoss:
      return "max_loss";
    case RiskVerdict::MaxDrawdown:
      return "max_drawdown";
  }
  return "?";
}

const char* to_string(HaltReason r) noexcept {
  switch (r) {
    case HaltReason::None:
      return "none";
    case HaltReason::MaxLoss:
      return "max_loss";
    case HaltReason::MaxDrawdown:
      return "max_drawdown";
    case HaltReason::KillSwitch:
      return "kill_switch";
    case HaltReason::Operator:
      return "operator";
    case HaltReason::FatalError:
      return "fatal_error";
  }
  return "?";
}

Money notional(const Instrument& instrument, Price price, Qty qty) noexcept {
  const Increment step = instrument.size_step();
  if (instrument.kind() == ContractKind::Inverse) {
    // Contracts of one USD each: qty * step USD, whatever the price.
    return detail::clamp_money(detail::scale_pow10(I128{qty.lots()} * step.mantissa, step.exponent + 9));
  }
  const Increment tick = instrument.tick_size();
  // qty * price fits 127 bits; the mantissas are small for every real instrument (1, 5, 25), but a
  // product that does not fit saturates rather than wraps.
  I128 units = I128{qty.lots()} * price.ticks();
  const I128 mantissas = I128{step.mantissa} * tick.mantissa;
  if (mantissas != 1 && __builtin_mul_overflow(units, mantissas, &units)) {
    return (qty.lots() < 0) != (price.ticks() < 0) ? std::numeric_limits<Money>::min()
                                                   : std::numeric_limits<Money>::max();
  }
  return detail::clamp_money(detail::scale_pow10(units, step.exponent + tick.exponent + 9));
}

RiskChecker::RiskChecker(const InstrumentRegistry& registry, std::vector<InstrumentRiskLimits> limits) {
  if (limits.size() > registry.size()) {
    throw std::invalid_argument("risk limits: " + std::to_string(limits.size()) + " entries for " +
                                std::to_string(registry.size()) + " instruments");
  }
  states_.resize(registry.size());
  std::size_t ring_total = 0;
  for (std::size_t i = 0; i < states_.size(); ++i) {
    State& s = states_[i];
    s.instrument = &registry.get(InstrumentId{static_cast<InstrumentId::value_type>(i)});
    if (i < limits.size()) {
      s.limits = limits[i];
    }
    const InstrumentRiskLimits& l = s.limits;
    if (l.max_order_qty.lots() < 0) {
      bad_limit(*s.instrument, "max_order_qty must be >= 0");
    }
    if (l.max_order_notional < 0) {
      bad_limit(*s.instrument, "max_order_notional must be >= 0");
    }
    if (l.max_position.lots() < 0) {
      bad_limit(*s.instrument, "max_position must be >= 0");
    }
    if (l.max_loss <= 0) {
      bad_limit(*s.instrument, "max_loss must be > 0");
    }
    if (l.max_drawdown <= 0) {
      bad_limit(*s.instrument, "max_drawdown must be > 0");
    }
    if (l.max_orders_per_second > kMaxOrdersPerSecond) {
      bad_limit(*s.instrument, "max_orders_per_second must be <= 100000");
    }
    s.rate.offset = ring_total;
    s.rate.size = l.max_orders_per_second;
    ring_total += l.max_orders_per_second;
  }
  rate_times_.assign(ring_total, 0);
}

// ---------------------------------------------------------------------------------------------
// The checks on a known instrument

RiskVerdict RiskChecker::qty_verdict(const State& s, Qty qty) noexcept {
  if (qty.lots() <= 0) {
    return RiskVerdict::InvalidQty;
  }
  return qty > s.limits.max_order_qty ? RiskVerdict::MaxOrderQty : RiskVerdict::Ok;
}

RiskVerdict RiskChecker::notional_verdict(const State& s, Price price, Qty qty) noexcept {
  if (s.limits.max_order_notional == kNoLimit) {
    return RiskVerdict::Ok;
  }
  const bool linear = s.instrument->kind() == ContractKind::Linear;
  if (linear && !real_price(price)) {
    return RiskVerdict::NoReferencePrice;
  }
  return notional(*s.instrument, price, qty) > s.limits.max_order_notional ? RiskVerdict::MaxOrderNotional
                                                                           : RiskVerdict::Ok;
}

RiskVerdict RiskChecker::position_verdict(const State& s, Side side, std::int64_t delta,
                                          const RiskInputs& in) noexcept {
  if (delta <= 0 || s.limits.max_position.lots() == kNoLimit) {
    return RiskVerdict::Ok;
  }
  // 128 bits: three int64 terms cannot overflow it.
  const bool buy = side == Side::Buy;
  const I128 before =
      buy ? I128{in.position.lots()} + in.open_buy.lots() : I128{in.position.lots()} - in.open_sell.lots();
  const I128 after = buy ? before + delta : before - delta;
  const I128 worst = abs128(after);
  if (worst <= s.limits.max_position.lots() || worst < abs128(before)) {
    return RiskVerdict::Ok;
  }
  return RiskVerdict::MaxPosition;
}

RiskVerdict RiskChecker::collar_verdict(const State& s, Price price, Price mid) noexcept {
  const std::uint32_t bps = s.limits.price_collar_bps;
  if (bps == 0) {
    return RiskVerdict::Ok;
  }
  if (!real_price(mid)) {
    return RiskVerdict::NoReferencePrice;
  }
  const I128 distance = abs128(I128{price.ticks()} - mid.ticks());
  return distance * 10'000 <= I128{mid.ticks()} * bps ? RiskVerdict::Ok : RiskVerdict::PriceCollar;
}

RiskVerdict RiskChecker::rate_verdict(const State& s, std::int64_t now_ns) const noexcept {
  const RateRing& r = s.rate;
  if (r.size == 0 || r.count < r.size) {
    return RiskVerdict::Ok;
  }
  // Full: the oldest of the last `size` orders must have left the second. A clock that steps
  // back makes the difference negative: refused (conservative).
  const std::int64_t oldest = rate_times_[r.offset + r.head];
  return now_ns - oldest >= kRateWindowNs ? RiskVerdict::Ok : RiskVerdict::OrderRate;
}

void RiskChecker::record(State& s, std::int64_t now_ns) noexcept {
  RateRing& r = s.rate;
  if (r.size == 0) {
    return;
  }
  std::uint32_t at = r.head + r.count;
  if (at >= r.size) {
    at -= r.size;
  }
  rate_times_[r.offset + at] = now_ns;
  if (r.count < r.size) {
    ++r.count;
  } else {
    r.head = r.head + 1 == r.size ? 0 : r.head + 1;  // overwrote the oldest
  }
}

// ---------------------------------------------------------------------------------------------
// Whole actions

RiskVerdict RiskChecker::check_new_impl(const OrderAction& action, const RiskInputs& in,
                                        std::int64_t now_ns) noexcept {
  if (TICKPATH_UNLIKELY(halted())) {
    return RiskVerdict::Halted;
  }
  if (TICKPATH_UNLIKELY(action.instrument.value() >= states_.size())) {
    return RiskVerdict::UnknownInstrument;
  }
  State& s = states_[action.instrument.value()];
  const bool market = action.type == OrderType::Market;
  if (!market && !real_price(action.price)) {
    if (action.qty.lots() <= 0) {
      return RiskVerdict::InvalidQty;
    }
    return RiskVerdict::InvalidPrice;
  }
  RiskVerdict v = qty_verdict(s, action.qty);
  if (v != RiskVerdict::Ok) {
    return v;
  }
  const Price priced_at = market ? in.mid : action.price;
  if ((v = notional_verdict(s, priced_at, action.qty)) != RiskVerdict::Ok) {
    return v;
  }
  if ((v = position_verdict(s, action.side, action.qty.lots(), in)) != RiskVerdict::Ok) {
    return v;
  }
  if (in.open_orders >= s.limits.max_open_orders) {
    return RiskVerdict::MaxOpenOrders;
  }
  if (!market && (v = collar_verdict(s, action.price, in.mid)) != RiskVerdict::Ok) {
    return v;
  }
  if ((v = rate_verdict(s, now_ns)) != RiskVerdict::Ok) {
    return v;
  }
  record(s, now_ns);
  return RiskVerdict::Ok;
}

RiskVerdict RiskChecker::check_new(const OrderAction& action, const RiskInputs& in,
                                   std::int64_t now_ns) noexcept {
  const RiskVerdict v = check_new_impl(action, in, now_ns);
  ++counters_.new_orders[idx(v)];
  return v;
}

RiskVerdict RiskChecker::check_modify_impl(InstrumentId id, Side side, Price new_price, Qty old_open,
                                           Qty new_open, const RiskInputs& in, std::int64_t now_ns) noexcept {
  if (TICKPATH_UNLIKELY(halted())) {
    return RiskVerdict::Halted;
  }
  if (TICKPATH_UNLIKELY(id.value() >= states_.size())) {
    return RiskVerdict::UnknownInstrument;
  }
  State& s = states_[id.value()];
  if (old_open.lots() < 0) {
    return RiskVerdict::InvalidQty;
  }
  const bool keeps_price = new_price == Price::min();
  if (!keeps_price && !real_price(new_price)) {
    return new_open.lots() <= 0 ? RiskVerdict::InvalidQty : RiskVerdict::InvalidPrice;
  }
  RiskVerdict v = qty_verdict(s, new_open);
  if (v != RiskVerdict::Ok) {
    return v;
  }
  if ((v = notional_verdict(s, keeps_price ? in.mid : new_price, new_open)) != RiskVerdict::Ok) {
    return v;
  }
  if ((v = position_verdict(s, side, new_open.lots() - old_open.lots(), in)) != RiskVerdict::Ok) {
    return v;
  }
  if (!keeps_price && (v = collar_verdict(s, new_price, in.mid)) != RiskVerdict::Ok) {
    return v;
  }
  if ((v = rate_verdict(s, now_ns)) != RiskVerdict::Ok) {
    return v;
  }
  record(s, now_ns);
  return RiskVerdict::Ok;
}

RiskVerdict RiskChecker::check_modify(InstrumentId id, Side side, Price new_price, Qty old_open, Qty new_open,
                                      const RiskInputs& in, std::int64_t now_ns) noexcept {
  const RiskVerdict v = check_modify_impl(id, side, new_price, old_open, new_open, in, now_ns);
  ++counters_.modifies[idx(v)];
  return v;
}

// ---------------------------------------------------------------------------------------------
// Public single checks

RiskVerdict RiskChecker::check_qty(InstrumentId id, Qty qty) const noexcept {
  const State* s = find(id);
  return s == nullptr ? RiskVerdict::UnknownInstrument : qty_verdict(*s, qty);
}

RiskVerdict RiskChecker::check_notional(InstrumentId id, Price price, Qty qty) const noexcept {
  const State* s = find(id);
  return s == nullptr ? RiskVerdict::UnknownInstrument : notional_verdict(*s, price, qty);
}

RiskVerdict RiskChecker::check_position(InstrumentId id, Side side, Qty delta,
                                        const RiskInputs& in) const noexcept {
  const State* s = find(id);
  return s == nullptr ? RiskVerdict::UnknownInstrument : position_verdict(*s, side, delta.lots(), in);
}

RiskVerdict RiskChecker::check_open_orders(InstrumentId id, const RiskInputs& in) const noexcept {
  const State* s = find(id);
  if (s == nullptr) {
    return RiskVerdict::UnknownInstrument;
  }
  return in.open_orders >= s->limits.max_open_orders ? RiskVerdict::MaxOpenOrders : RiskVerdict::Ok;
}

RiskVerdict RiskChecker::check_collar(InstrumentId id, Price price, Price mid) const noexcept {
  const State* s = find(id);
  if (s == nullptr) {
    return RiskVerdict::UnknownInstrument;
  }
  if (!real_price(price) && s->limits.price_collar_bps != 0) {
    return RiskVerdict::InvalidPrice;
  }
  return collar_verdict(*s, price, mid);
}

RiskVerdict RiskChecker::check_rate(InstrumentId id, std::int64_t now_ns) const noexcept {
  const State* s = find(id);
  return s == nullptr ? RiskVerdict::UnknownInstrument : rate_verdict(*s, now_ns);
}

void RiskChecker::record_order(InstrumentId id, std::int64_t now_ns) noexcept {
  if (id.value() < states_.size()) {
    record(states_[id.value()], now_ns);
  }
}

// ---------------------------------------------------------------------------------------------
// PnL guard and halts

RiskVerdict RiskChecker::check_pnl(InstrumentId id, Money total_pnl) noexcept {
  RiskVerdict v = RiskVerdict::UnknownInstrument;
  if (id.value() < states_.size()) {
    State& s = states_[id.value()];
    if (total_pnl > s.peak) {
      s.peak = total_pnl;
    }
    // max_loss > 0 (validated), so -max_loss is representable. kNoLimit is skipped explicitly:
    // INT64_MIN + 1 would otherwise reach it.
    if (s.limits.max_loss != kNoLimit && total_pnl <= -s.limits.max_loss) {
      halt(HaltReason::MaxLoss);
      v = RiskVerdict::MaxLoss;
    } else if (s.limits.max_drawdown != kNoLimit && I128{s.peak} - total_pnl >= s.limits.max_drawdown) {
      halt(HaltReason::MaxDrawdown);
      v = RiskVerdict::MaxDrawdown;
    } else {
      v = RiskVerdict::Ok;
    }
  }
  ++counters_.pnl[idx(v)];
  return v;
}

Money RiskChecker::pnl_peak(InstrumentId id) const noexcept {
  const State* s = find(id);
  return s == nullptr ? 0 : s->peak;
}

void RiskChecker::reset_pnl_peak(InstrumentId id, Money peak) noexcept {
  if (id.value() < states_.size()) {
    states_[id.value()].peak = peak;
  }
}

void RiskChecker::halt(HaltReason reason) noexcept {
  if (halt_reason_ == HaltReason::None) {
    halt_reason_ = reason == HaltReason::None ? HaltReason::Operator : reason;
  }
}

const InstrumentRiskLimits& RiskChecker::limits(InstrumentId id) const noexcept {
  const State* s = find(id);
  return s == nullptr ? kNoLimits : s->limits;
}

}  // namespace tickpath::oms
