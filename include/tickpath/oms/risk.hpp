#pragma once
// Pre-trade risk (issue #5): every new order and every modify passes RiskChecker on the hot thread
// before anything is sent; a verdict other than Ok means the action is refused locally and never
// reaches the venue. Cancels are never checked: nothing may stand between the engine and taking
// risk off.
//
// Limits are per instrument (InstrumentRiskLimits; the defaults mean "no limit"). The PnL guard
// (check_pnl) latches a halt on a loss or drawdown limit; a halt refuses every new order and
// modify until an operator calls reset_halt().
//
// Threads: one owner (the hot thread); the constructor is cold (allocates, throws). Every check is
// noexcept, allocation-free and branch-light: target < 50 ns for a full check_new
// (bench/oms/risk_bench.cpp).

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "tickpath/core/instrument.hpp"
#include "tickpath/core/types.hpp"
#include "tickpath/oms/types.hpp"

namespace tickpath::oms {

// Why an action was refused (Ok = accepted). Checks run in this order, the first failure wins:
// Halted, UnknownInstrument, InvalidQty, InvalidPrice, MaxOrderQty, MaxOrderNotional (or
// NoReferencePrice), MaxPosition, MaxOpenOrders, PriceCollar (or NoReferencePrice), OrderRate.
// MaxLoss and MaxDrawdown come from check_pnl only.
enum class RiskVerdict : std::uint8_t {
  Ok = 0,
  Halted,            // trading is halted (halt_reason() says why)
  InvalidQty,        // qty <= 0 (a modify: new open qty <= 0, or old open qty < 0)
  InvalidPrice,      // a limit-type order without a real price (<= 0 ticks or a sentinel)
  MaxOrderQty,       // qty > max_order_qty
  MaxOrderNotional,  // notional(price, qty) > max_order_notional
  MaxPosition,       // the worst-case position on the order's side would exceed max_position
  MaxOpenOrders,     // open_orders + 1 > max_open_orders
  PriceCollar,       // |price - mid| > mid * price_collar_bps / 1e4
  NoReferencePrice,  // a check needs the mid and there is none
  OrderRate,         // more than max_orders_per_second new + modify in the last second
  UnknownInstrument,
  MaxLoss,      // check_pnl: total pnl <= -max_loss
  MaxDrawdown,  // check_pnl: peak - total >= max_drawdown
};
inline constexpr std::size_t kRiskVerdictCount = 14;

enum class HaltReason : std::uint8_t { None = 0, MaxLoss, MaxDrawdown, KillSwitch, Operator, FatalError };

[[nodiscard]] const char* to_string(RiskVerdict v) noexcept;
[[nodiscard]] const char* to_string(HaltReason r) noexcept;

// One instrument's limits; the defaults mean "no limit". Validated by the RiskChecker constructor.
struct InstrumentRiskLimits {
  Qty max_order_qty{std::numeric_limits<std::int64_t>::max()};         // lots, >= 0
  Money max_order_notional{std::numeric_limits<std::int64_t>::max()};  // quote currency (USD), >= 0
  Qty max_position{std::numeric_limits<std::int64_t>::max()};          // lots, >= 0: see check_position
  std::uint32_t max_open_orders{std::numeric_limits<std::uint32_t>::max()};
  std::uint32_t price_collar_bps{0};                             // |price - mid| <= mid * bps / 1e4; 0 = off
  std::uint32_t max_orders_per_second{0};                        // new + modify per rolling second; 0 = off;
                                                                 // <= RiskChecker::kMaxOrdersPerSecond
  Money max_loss{std::numeric_limits<std::int64_t>::max()};      // settlement currency, > 0
  Money max_drawdown{std::numeric_limits<std::int64_t>::max()};  // settlement currency, > 0
};

// What the OMS knows about one instrument when it asks: position (signed lots), the open quantity
// of its resting buy and sell orders (>= 0, pending ones included), how many orders are open, and
// the mid price (Price::min() = no reference; <= 0 ticks counts as none too).
struct RiskInputs {
  Qty position{};
  Qty open_buy{};
  Qty open_sell{};
  std::uint32_t open_orders{0};
  Price mid{Price::min()};
};

// The notional of qty at price in quote units (USD) as Money: linear qty * size_step * price *
// tick_size; inverse qty * size_step (contracts are USD; price unused). 128-bit intermediates, one
// rounding (half away from zero), saturating at the int64 range.
[[nodiscard]] Money notional(const Instrument& instrument, Price price, Qty qty) noexcept;

// Verdict counts, indexed by static_cast<std::size_t>(RiskVerdict).
struct RiskCounters {
  std::array<std::uint64_t, kRiskVerdictCount> new_orders{};
  std::array<std::uint64_t, kRiskVerdictCount> modifies{};
  std::array<std::uint64_t, kRiskVerdictCount> pnl{};
};

class RiskChecker {
 public:
  static constexpr std::uint32_t kMaxOrdersPerSecond = 100'000;  // bounds the timestamp rings
  static constexpr std::int64_t kRateWindowNs = 1'000'000'000;

  // Cold. limits[i] belongs to InstrumentId{i}; instruments without an entry have no limits.
  // Covers the instruments the registry holds now (later additions are UnknownInstrument).
  // Throws std::invalid_argument when limits.size() > registry.size() or a limit is out of range
  // (negative max_order_qty / max_order_notional / max_position, max_loss or max_drawdown <= 0,
  // max_orders_per_second > kMaxOrdersPerSecond); the message names the instrument.
  RiskChecker(const InstrumentRegistry& registry, std::vector<InstrumentRiskLimits> limits);

  // Every check for a new order (the fields of an ActionKind::New; kind itself is not looked at).
  // Records the order in the rate window only when the verdict is Ok. Market orders: price is
  // ignored, the notional uses the mid (NoReferencePrice without one when a notional limit applies
  // and the price matters, i.e. linear), the collar does not apply (the venue's own collar does).
  [[nodiscard]] RiskVerdict check_new(const OrderAction& action, const RiskInputs& in,
                                      std::int64_t now_ns) noexcept;

  // A modify of an order of `side`: new_price is its price after the edit, or Price::min() when the
  // price does not change (then the collar is skipped and the notional uses the mid, as for a
  // market order); old_open and new_open are its open quantity before and after (in.open_buy /
  // open_sell include old_open). Records in the rate window only when Ok.
  [[nodiscard]] RiskVerdict check_modify(InstrumentId id, Side side, Price new_price, Qty old_open,
                                         Qty new_open, const RiskInputs& in, std::int64_t now_ns) noexcept;

  // The individual checks, public for tests and callers that compose their own. None records.
  // qty > 0 and <= max_order_qty.
  [[nodiscard]] RiskVerdict check_qty(InstrumentId id, Qty qty) const noexcept;
  // notional(price, qty) <= max_order_notional; price Price::min() (or <= 0) = none.
  [[nodiscard]] RiskVerdict check_notional(InstrumentId id, Price price, Qty qty) const noexcept;
  // Worst case on the order's side: buy: position + open_buy + delta, sell: position - open_sell -
  // delta; Ok when |that| <= max_position, and always when it moves the worst case toward zero or
  // delta <= 0 (shrinking an order never adds risk, even over a limit lowered meanwhile).
  [[nodiscard]] RiskVerdict check_position(InstrumentId id, Side side, Qty delta,
                                           const RiskInputs& in) const noexcept;
  // open_orders + 1 <= max_open_orders.
  [[nodiscard]] RiskVerdict check_open_orders(InstrumentId id, const RiskInputs& in) const noexcept;
  // |price - mid| * 1e4 <= mid * price_collar_bps (exact); Ok when the collar is off.
  [[nodiscard]] RiskVerdict check_collar(InstrumentId id, Price price, Price mid) const noexcept;
  // Fewer than max_orders_per_second orders recorded in (now - 1 s, now].
  [[nodiscard]] RiskVerdict check_rate(InstrumentId id, std::int64_t now_ns) const noexcept;
  // Records one new/modify at now_ns in the rate window (check_new/check_modify do on Ok).
  void record_order(InstrumentId id, std::int64_t now_ns) noexcept;

  // PnL guard: total_pnl = realised + unrealised - fees of that instrument (PositionBook::total_pnl).
  // Keeps the peak (starting at 0, the flat session start). total <= -max_loss latches
  // halt(MaxLoss) and returns MaxLoss; peak - total >= max_drawdown latches halt(MaxDrawdown).
  [[nodiscard]] RiskVerdict check_pnl(InstrumentId id, Money total_pnl) noexcept;
  // The peak check_pnl measures drawdown from (an operator resuming after a drawdown halt restarts
  // it: reset_halt() alone keeps it, so the next check_pnl would halt again).
  [[nodiscard]] Money pnl_peak(InstrumentId id) const noexcept;
  void reset_pnl_peak(InstrumentId id, Money peak) noexcept;

  // Trading halts: every check_new / check_modify answers Halted. The first reason is kept until
  // reset_halt() (None counts as Operator). Cancels are never checked here.
  void halt(HaltReason reason) noexcept;
  void reset_halt() noexcept { halt_reason_ = HaltReason::None; }
  [[nodiscard]] bool halted() const noexcept { return halt_reason_ != HaltReason::None; }
  [[nodiscard]] HaltReason halt_reason() const noexcept { return halt_reason_; }

  // An unknown id gives the "no limits" defaults.
  [[nodiscard]] const InstrumentRiskLimits& limits(InstrumentId id) const noexcept;
  [[nodiscard]] const RiskCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] std::size_t size() const noexcept { return states_.size(); }

 private:
  struct RateRing {
    std::size_t offset{0};  // into rate_times_
    std::uint32_t size{0};  // = max_orders_per_second
    std::uint32_t head{0};  // oldest
    std::uint32_t count{0};
  };
  struct State {
    InstrumentRiskLimits limits{};
    const Instrument* instrument{nullptr};
    RateRing rate{};
    Money peak{0};
  };

  [[nodiscard]] const State* find(InstrumentId id) const noexcept {
    return id.value() < states_.size() ? &states_[id.value()] : nullptr;
  }
  [[nodiscard]] static RiskVerdict qty_verdict(const State& s, Qty qty) noexcept;
  [[nodiscard]] static RiskVerdict notional_verdict(const State& s, Price price, Qty qty) noexcept;
  [[nodiscard]] static RiskVerdict position_verdict(const State& s, Side side, std::int64_t delta,
                                                    const RiskInputs& in) noexcept;
  [[nodiscard]] static RiskVerdict collar_verdict(const State& s, Price price, Price mid) noexcept;
  [[nodiscard]] RiskVerdict rate_verdict(const State& s, std::int64_t now_ns) const noexcept;
  void record(State& s, std::int64_t now_ns) noexcept;
  [[nodiscard]] RiskVerdict check_new_impl(const OrderAction& action, const RiskInputs& in,
                                           std::int64_t now_ns) noexcept;
  [[nodiscard]] RiskVerdict check_modify_impl(InstrumentId id, Side side, Price new_price, Qty old_open,
                                              Qty new_open, const RiskInputs& in,
                                              std::int64_t now_ns) noexcept;

  std::vector<State> states_;             // by InstrumentId value
  std::vector<std::int64_t> rate_times_;  // every instrument's rate ring, back to back
  HaltReason halt_reason_{HaltReason::None};
  RiskCounters counters_{};
};

}  // namespace tickpath::oms
