#pragma once
// The order management system (issue #5): the one place that knows every order's state, the
// positions and the limits. The gateway feeds it strategy actions (submit), REST answers
// (on_reply), the private feed (on_order_update, on_fill), reference prices (on_mark) and
// reconciliation snapshots; it answers with requests for the venue (RequestSink) and events for
// the strategy and the journal (OmsListener).
//
//   strategy --OrderAction--> submit --risk--budget--> RequestSink::send --> venue adapter
//   venue adapter --OrderReply/OrderUpdate/Fill--> on_* --state machine--> OmsListener
//
// Rules it keeps (kraken-futures-protocol.md §5.5-5.13, §6.10-6.12, §7.2, §9):
//   * The state machine is the table in oms/state_machine.hpp; every move is one OrderEvent.
//   * Filled quantities come from fills only, deduplicated by fill_id (FillDeduper); open_orders
//     quantities are the REMAINING size and never move `filled`. A removal for a full fill never
//     reports Cancelled: the order waits for its fills.
//   * Every handler is idempotent and order-independent: a fill before the REST answer, a removal
//     before the fill, a repeated snapshot, a late answer all end in the same state.
//   * Correlation: by venue order id (hash index), else by our client order id, whose counter is
//     the OrderId (ClientIdAllocator::counter_of: O(1), no map).
//   * Unknown or contradictory inputs are counted (OmsCounters) and alerted (OmsListener::on_alert),
//     never fatal, never corrupting: a fill for an order we do not know still moves the position.
//   * New orders and modifies pass RiskChecker and the RateBudget; cancels skip risk and may use the
//     budget's cancel reserve; cancel_all() is allowed even when halted or reconciling.
//
// Order table: max_orders slots (rounded up to a power of two), slot = OrderId & mask. A slot is
// reused only once its order is terminal; allocation skips ids whose slot holds a live order, so
// OrderIds stay unique but may have gaps. Terminal orders stay findable until their slot is reused
// (after about `capacity` newer orders).
//
// Threads: one owner, the hot thread. The constructor is cold (allocates, may throw); every other
// member is noexcept and allocation-free, logs nothing and makes no syscall. cancel_all(),
// end_reconcile() and a CancelAll answer walk the live orders (O(open orders)); everything else is
// O(1). The listener and the sink are called synchronously and must not call back into the Oms
// (asserted in debug builds): queue what they need and act after the call returns.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "tickpath/core/instrument.hpp"
#include "tickpath/core/types.hpp"
#include "tickpath/oms/client_id.hpp"
#include "tickpath/oms/positions.hpp"
#include "tickpath/oms/rate_budget.hpp"
#include "tickpath/oms/risk.hpp"
#include "tickpath/oms/state_machine.hpp"
#include "tickpath/oms/types.hpp"

namespace tickpath::oms {

// What submit() did with an action.
enum class Verdict : std::uint8_t {
  Accepted = 0,   // the request went to the sink (New: the order exists, state PendingNew)
  Risk,           // refused by pre-trade risk: SubmitResult::risk says why
  RateLimited,    // the rate budget cannot pay for the request now
  Reconciling,    // New/Modify held back while reconciliation runs (cancels still go)
  UnknownOrder,   // Modify/Cancel of an order the table does not hold (or not an ActionKind)
  NotModifiable,  // Modify/Cancel of an order that is terminal, pending, Unknown, already removed by
                  // a fill, or has a request in flight; also Modify of an IOC/market order
  TableFull,      // every order slot holds a live order (or the client id space is used up)
  SendFailed,     // the sink refused the request: it never left (New: the order is Rejected)
};
inline constexpr std::size_t kVerdictCount = 8;

struct SubmitResult {
  Verdict verdict{Verdict::Accepted};
  RiskVerdict risk{RiskVerdict::Ok};
  OrderId order{0};  // New: the new order (also when SendFailed); Modify/Cancel: the action's order
};

struct CancelAllResult {
  Verdict verdict{Verdict::Accepted};  // Accepted, RateLimited or SendFailed
  std::size_t orders{0};               // orders moved to PendingCancel
};

enum class UnknownOrderPolicy : std::uint8_t { Cancel, Adopt };

struct OmsConfig {
  std::size_t max_orders{16384};   // order slots (rounded up to a power of two), 1 .. 2^24
  std::size_t fill_memory{65536};  // fill ids remembered for deduplication
  UnknownOrderPolicy unknown_orders{UnknownOrderPolicy::Cancel};
  bool cancel_on_halt{true};  // a halt (halt() or a PnL limit) also sends cancel_all()
  RateBudgetConfig rate{};
  std::vector<InstrumentRiskLimits> risk{};  // by InstrumentId; missing = no limits
};

// The gateway encodes and queues (or writes) the request. Returns false when it could not take it
// (no connection, queue full): the OMS treats the request as never sent.
class RequestSink {
 public:
  virtual ~RequestSink() = default;
  [[nodiscard]] virtual bool send(const Request& request) noexcept = 0;
};

// One order as the OMS knows it.
struct Order {
  OrderId id{0};
  std::uint64_t tag{0};
  ClientOrderId cli{};
  VenueOrderId venue_id{};  // valid once any answer or feed message named it
  Price price{Price::min()};
  Qty qty{};     // total size: as submitted, then as edited (or as the venue reported it)
  Qty filled{};  // sum of the order's fills (never from open_orders)
  Qty open{};    // believed resting at the venue: qty - filled; 0 when terminal or removed
  Price pending_price{Price::min()};  // edit in flight: the price asked for (min = unchanged)
  Qty pending_qty{};                  // edit in flight: the total size asked for (0 = unchanged)
  std::int64_t created_ns{0};
  std::int64_t updated_ns{0};
  std::int64_t adopted_ms{0};  // adopted: the venue's last update time; fills up to it are counted
  InstrumentId instrument{};
  Side side{Side::Buy};
  OrderType type{OrderType::Limit};
  bool reduce_only{false};
  OrderState state{OrderState::PendingNew};
  RequestKind inflight{RequestKind::SendOrder};  // meaningful when has_inflight
  bool has_inflight{false};                      // a request for this order awaits its answer
  bool edit_pending{false};                      // pending_price / pending_qty hold an edit not yet settled
  bool removed{false};           // the venue removed it because it filled: waiting for the fills
  bool cancel_requested{false};  // a cancel-all ran before the venue acknowledged it: cancel it
                                 // as soon as it is known to rest
  bool adopted{false};           // found at the venue by reconciliation, not placed by this run
};

// One state-machine move (or the creation of a record), for the strategy and the journal.
struct alignas(64) OrderEvent {
  OrderId order{0};
  std::uint64_t tag{0};
  ClientOrderId cli{};
  VenueOrderId venue_id{};
  Price price{};
  Qty qty{};  // total
  Qty filled{};
  Qty open{};
  std::int64_t ts_ns{0};
  InstrumentId instrument{};
  Side side{Side::Buy};
  OrderType type{OrderType::Limit};
  OrderState from{OrderState::PendingNew};
  OrderState to{OrderState::PendingNew};
  OrderInput cause{OrderInput::Created};
  VenueStatus status{VenueStatus::Unknown};  // the REST answer's status, when one caused it
  RiskVerdict risk{RiskVerdict::Ok};
  UpdateReason reason{UpdateReason::Unknown};  // the open_orders reason, when one caused it
  RequestError error{RequestError::None};      // the request failure, when one caused it
};

// One fill as applied: the position after it (fills for unknown orders have order 0).
struct alignas(64) FillEvent {
  OrderId order{0};
  std::uint64_t tag{0};
  Fill fill{};
  Qty position_after{};
  Money realised_pnl_after{0};
  std::int64_t ts_ns{0};
};

enum class AlertKind : std::uint8_t {
  UnknownVenueOrder = 0,     // an open order at the venue we do not know (a, b: its qty, filled)
  AdoptedOrder,              // ... and we took it over (order = the new OrderId)
  VenueOrderCancelSent,      // ... and we sent a cancel for it (b = 1 when the send failed)
  TerminalOrderOpenAtVenue,  // the venue lists as open an order we hold as terminal: cancel sent
  FillForUnknownOrder,       // a = qty, b = price ticks; the position was still updated
  DuplicateFill,             // a fill id seen before outside a snapshot
  InvalidFill,               // qty/price <= 0 or an unknown instrument: ignored
  FillMismatch,              // the fill's instrument or side is not the order's
  Overfill,                  // fills exceed the order's size: a = filled, b = qty
  PositionMismatch,          // reconciliation: a = ours, b = venue's (ours kept: we have fills)
  PositionAdopted,           // reconciliation: a = ours before, b = the venue's, now ours
  SettledMissingOrder,       // reconciliation: our order was not at the venue; a = new state
  InvalidTransition,         // a = state, b = input (OrderInput)
  UnexpectedReply,           // an answer for no order or no matching request; a = RequestKind
  UnknownOrderUpdate,        // a removal for an order we do not know
  HaltLatched,               // a = HaltReason
  CancelAllFailed,           // a = Verdict
  ClientIdsExhausted,
};
inline constexpr std::size_t kAlertKindCount = 18;

struct alignas(64) Alert {
  AlertKind kind{AlertKind::UnknownVenueOrder};
  OrderId order{0};
  InstrumentId instrument{};
  VenueOrderId venue_id{};
  ClientOrderId cli{};
  std::int64_t a{0};
  std::int64_t b{0};
  std::int64_t ts_ns{0};
};

static_assert(std::is_trivially_copyable_v<OrderEvent> && sizeof(OrderEvent) == 128);
static_assert(std::is_trivially_copyable_v<FillEvent>);
static_assert(std::is_trivially_copyable_v<Alert>);

class OmsListener {
 public:
  virtual ~OmsListener() = default;
  virtual void on_order_event(const OrderEvent& event) noexcept = 0;
  virtual void on_fill(const FillEvent& event) noexcept = 0;
  virtual void on_alert(const Alert& /*alert*/) noexcept {}
};

struct OmsCounters {
  std::array<std::uint64_t, kVerdictCount> submits{};           // by Verdict
  std::array<std::uint64_t, kRiskVerdictCount> risk_refused{};  // by RiskVerdict
  std::uint64_t replies{0};
  std::uint64_t unexpected_replies{0};  // no order, or not the request in flight
  std::uint64_t unknown_status{0};      // a success answer with a status we do not know
  std::uint64_t order_updates{0};
  std::uint64_t unknown_order_updates{0};
  std::uint64_t fills{0};
  std::uint64_t duplicate_fills{0};
  std::uint64_t historical_fills{0};  // before this run (or already in an adopted order): skipped
  std::uint64_t unknown_order_fills{0};
  std::uint64_t invalid_fills{0};
  std::uint64_t overfills{0};
  std::uint64_t order_events{0};
  std::uint64_t ignored_inputs{0};
  std::uint64_t invalid_transitions{0};
  std::uint64_t alerts{0};
  std::uint64_t cancel_alls{0};
  std::uint64_t auto_cancels{0};  // cancels sent for orders a cancel-all could not cover
  std::uint64_t reconciles{0};
  std::uint64_t unknown_venue_orders{0};
  std::uint64_t unknown_venue_orders_repeated{0};  // named again while our cancel of it was recent
  std::uint64_t adopted_orders{0};
  std::uint64_t venue_cancels_sent{0};
  std::uint64_t venue_cancels_failed{0};
  std::uint64_t settled_filled{0};
  std::uint64_t settled_cancelled{0};
  std::uint64_t position_mismatches{0};
  std::uint64_t positions_adopted{0};
  std::uint64_t halts{0};
};

namespace detail {
// VenueOrderId -> slot, open addressing with linear probing and backward-shift deletion (no
// tombstones), load <= 1/2. Allocated once.
class VenueIdIndex {
 public:
  static constexpr std::uint32_t kNone = 0xffff'ffffU;
  explicit VenueIdIndex(std::size_t max_entries);
  [[nodiscard]] std::uint32_t find(const VenueOrderId& id) const noexcept;
  // false when the id is invalid or already present (the old mapping is kept).
  bool insert(const VenueOrderId& id, std::uint32_t slot) noexcept;
  void erase(const VenueOrderId& id) noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct Entry {
    std::array<std::uint8_t, 16> key{};
    std::uint32_t slot{kNone};  // kNone: empty
  };
  [[nodiscard]] std::size_t home(const std::array<std::uint8_t, 16>& key) const noexcept;
  std::vector<Entry> entries_;
  std::size_t mask_;
  std::size_t size_{0};
};
}  // namespace detail

class Oms {
 public:
  // Cold: allocates every table. Throws std::invalid_argument for max_orders outside 1 .. 2^24 and
  // whatever RiskChecker, RateBudget and FillDeduper throw for their parts of the config.
  Oms(const InstrumentRegistry& registry, OmsConfig config, RequestSink& sink, OmsListener& listener,
      ClientIdAllocator ids);
  Oms(const Oms&) = delete;
  Oms& operator=(const Oms&) = delete;
  ~Oms() = default;

  // ---- hot path ---------------------------------------------------------------------------
  // New: reconciliation, table space, risk, budget, then the record (event Created) and the
  // request. Modify: the order must be Open/PartiallyFilled with nothing in flight; action.qty is
  // the new TOTAL size (sent as the new open size, qty - filled). Cancel: same precondition, no
  // risk check, cancel budget. CancelAll: as cancel_all() for action.instrument (invalid = all).
  [[nodiscard]] SubmitResult submit(const OrderAction& action, std::int64_t now_ns) noexcept;

  // The answer to a SendOrder/EditOrder/CancelOrder/CancelAll request, or why there is none:
  // Timeout/ConnectionLost/ServerError/NotJson/Malformed/Other -> outcome unknown (Unknown);
  // NotSent and the refusals (ApiLimitExceeded, authentication, nonce, InvalidArgument, NotFound)
  // -> never processed: New -> Rejected, Modify/Cancel -> back to Open/PartiallyFilled.
  // Answers to other request kinds are ignored.
  void on_reply(const OrderReply& reply, std::int64_t now_ns) noexcept;
  // One private open_orders entry (snapshot or delta). An open order we do not know is handled as
  // in reconciliation (alert, then cancel or adopt by policy).
  void on_order_update(const OrderUpdate& update, std::int64_t now_ns) noexcept;
  // One fill from the private feed or REST /fills, deduplicated by fill_id. Fills older than this
  // run's start (ClientIdAllocator::start_ms) for orders that are not ours are history: skipped.
  // Publishes the FillEvent (position after it), then the order's OrderEvent.
  void on_fill(const Fill& fill, std::int64_t now_ns) noexcept;
  // The reference price of an instrument: risk's collar/notional reference, and the mark for the
  // PnL guard (a loss or drawdown limit latches a halt, see halt()).
  void on_mark(InstrumentId id, Price mid, std::int64_t now_ns) noexcept;

  // ---- reconciliation (at start and after every private-feed reconnect) --------------------
  // Holds back New/Modify (Verdict::Reconciling) until end_reconcile.
  void begin_reconcile(std::int64_t now_ns) noexcept;
  // One open order at the venue (/openorders row or snapshot entry): ours -> Placed (an Unknown
  // order takes the venue's price and size); not ours -> alert, then cancel or adopt by policy.
  void reconcile_open_order(const VenueOrder& order, std::int64_t now_ns) noexcept;
  // One venue position; instruments without one are flat at the venue.
  void reconcile_position(const VenuePosition& position, std::int64_t now_ns) noexcept;
  // Our live orders the venue did not list (and that had no request in flight during the
  // reconciliation) are settled: Filled when their fills cover them, else Cancelled. Positions are
  // compared: with no fills applied for the instrument yet the venue's is adopted
  // (PositionAdopted), else ours is kept and PositionMismatch raised. Releases New/Modify.
  void end_reconcile(std::int64_t now_ns) noexcept;
  [[nodiscard]] bool reconciling() const noexcept { return reconciling_; }

  // ---- safety -------------------------------------------------------------------------------
  // One CancelAll request (every instrument) paid from the cancel reserve; allowed when halted or
  // reconciling. Open/PartiallyFilled orders with nothing in flight go PendingCancel; PendingNew
  // and Unknown orders are marked and cancelled one by one if they turn out to rest.
  [[nodiscard]] CancelAllResult cancel_all(std::int64_t now_ns) noexcept;
  // Latches a halt (RiskChecker): New/Modify are refused with RiskVerdict::Halted. Alerts
  // HaltLatched and, with cancel_on_halt, sends cancel_all(). A second halt keeps the first reason.
  void halt(HaltReason reason, std::int64_t now_ns) noexcept;
  void reset_halt() noexcept { risk_.reset_halt(); }
  [[nodiscard]] bool halted() const noexcept { return risk_.halted(); }
  [[nodiscard]] HaltReason halt_reason() const noexcept { return risk_.halt_reason(); }

  // The gateway spends queries and the dead man's switch through it.
  [[nodiscard]] RateBudget& budget() noexcept { return budget_; }
  [[nodiscard]] RiskChecker& risk() noexcept { return risk_; }

  // ---- inspection ---------------------------------------------------------------------------
  [[nodiscard]] const Order* find(OrderId id) const noexcept;
  [[nodiscard]] const Order* find_by_venue_id(const VenueOrderId& id) const noexcept;
  [[nodiscard]] const Order* find_by_cli(const ClientOrderId& cli) const noexcept;
  [[nodiscard]] std::size_t open_orders() const noexcept { return live_; }  // non-terminal
  [[nodiscard]] const PositionBook& positions() const noexcept { return positions_; }
  [[nodiscard]] const OmsCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const ClientIdAllocator& ids() const noexcept { return ids_; }
  // What risk sees for an instrument right now.
  [[nodiscard]] RiskInputs risk_inputs(InstrumentId id) const noexcept;
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  // Recomputes the per-instrument open quantities and counts and the live list from the table and
  // compares them with the incremental ones. Cold (O(capacity)); for tests.
  [[nodiscard]] bool check_invariants() const noexcept;

 private:
  static constexpr std::uint32_t kNil = 0xffff'ffffU;

  struct Slot {
    Order order{};
    std::uint32_t prev{kNil};  // live list (non-terminal orders)
    std::uint32_t next{kNil};
    std::uint64_t seen_epoch{0};  // reconciliation epoch in which the venue listed it
    bool exempt{false};           // a request was in flight during this reconciliation
    bool used{false};
    bool linked{false};
    bool counted{false};  // contributes `exposure` to its instrument
    Qty exposure{};       // what it contributes to open_buy / open_sell
  };

  struct PerInstrument {
    Qty open_buy{};
    Qty open_sell{};
    std::uint32_t open_orders{0};
    Price mid{Price::min()};
    std::uint64_t fills_applied{0};
    VenuePosition venue{};
    bool venue_seen{false};
  };

  struct Context {
    VenueStatus status{VenueStatus::Unknown};
    UpdateReason reason{UpdateReason::Unknown};
    RequestError error{RequestError::None};
    RiskVerdict risk{RiskVerdict::Ok};
    const VenueOrder* venue{nullptr};  // the venue's view of the order, when the input carried one
  };

  class BusyGuard;

  [[nodiscard]] Slot* slot_of(OrderId id) noexcept;
  [[nodiscard]] const Slot* slot_of(OrderId id) const noexcept;
  [[nodiscard]] Slot* locate(const VenueOrderId& venue_id, const ClientOrderId& cli) noexcept;
  [[nodiscard]] bool known_instrument(InstrumentId id) const noexcept;
  [[nodiscard]] Slot* allocate_slot() noexcept;
  void learn_venue_id(Slot& slot, const VenueOrderId& venue_id) noexcept;
  void link(Slot& slot) noexcept;
  void unlink(Slot& slot) noexcept;
  void refresh(Slot& slot) noexcept;  // open, exposure and the live list after any change
  void apply(Slot& slot, OrderInput input, const Context& ctx, std::int64_t now_ns) noexcept;
  void emit(const Order& order, OrderState from, OrderInput cause, const Context& ctx,
            std::int64_t now_ns) noexcept;
  void alert(AlertKind kind, const Order* order, std::int64_t a, std::int64_t b,
             std::int64_t now_ns) noexcept;
  void alert_venue(AlertKind kind, const VenueOrder& order, std::int64_t a, std::int64_t b,
                   std::int64_t now_ns) noexcept;

  [[nodiscard]] SubmitResult submit_new(const OrderAction& action, std::int64_t now_ns) noexcept;
  [[nodiscard]] SubmitResult submit_modify(const OrderAction& action, std::int64_t now_ns) noexcept;
  [[nodiscard]] SubmitResult submit_cancel(OrderId id, std::int64_t now_ns) noexcept;
  [[nodiscard]] Verdict send_cancel(Slot& slot, std::int64_t now_ns) noexcept;
  [[nodiscard]] CancelAllResult cancel_all_impl(InstrumentId instrument, std::int64_t now_ns) noexcept;
  void maybe_auto_cancel(Slot& slot, std::int64_t now_ns) noexcept;
  void on_cancel_all_reply(const OrderReply& reply, std::int64_t now_ns) noexcept;
  void handle_unknown_venue_order(const VenueOrder& order, bool full, std::int64_t now_ns) noexcept;
  bool send_venue_cancel(const VenueOrder& order, std::int64_t now_ns) noexcept;
  void adopt_venue_values(Order& order, const VenueOrder& venue) noexcept;
  void check_pnl(InstrumentId id, std::int64_t now_ns) noexcept;
  void on_halt_latched(std::int64_t now_ns) noexcept;
  [[nodiscard]] SubmitResult finish(SubmitResult result) noexcept;

  const InstrumentRegistry* registry_;
  OmsConfig config_;
  RequestSink* sink_;
  OmsListener* listener_;
  ClientIdAllocator ids_;
  RiskChecker risk_;
  RateBudget budget_;
  PositionBook positions_;
  FillDeduper fills_;
  std::vector<Slot> slots_;  // power of two
  std::size_t mask_;
  detail::VenueIdIndex venue_index_;
  std::vector<PerInstrument> instruments_;
  std::uint32_t live_head_{kNil};
  std::size_t live_{0};
  std::uint64_t epoch_{0};
  bool reconciling_{false};
  // Unknown venue orders we sent a cancel for lately: the feed's snapshot and /openorders may both
  // name one before the cancel lands; within kRecentCancelNs it is not reported or cancelled twice.
  struct RecentCancel {
    VenueOrderId id{};
    std::int64_t sent_ns{0};
  };
  static constexpr std::int64_t kRecentCancelNs = 5'000'000'000;
  std::array<RecentCancel, 64> recent_cancels_{};
  std::size_t recent_cancel_next_{0};
  bool busy_{false};
  OmsCounters counters_{};
};

[[nodiscard]] const char* to_string(Verdict v) noexcept;
[[nodiscard]] const char* to_string(AlertKind k) noexcept;
[[nodiscard]] const char* to_string(UnknownOrderPolicy p) noexcept;

}  // namespace tickpath::oms
