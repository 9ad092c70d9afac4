#pragma once
// The simulator's matching engine: one central limit order book per instrument with price-time
// priority, the accounts that trade on it (positions, balances, fees), and the dead man's switch.
// It knows nothing of JSON, sockets or the Kraken wire format: the protocol layer (venue.hpp)
// validates and decodes requests into the structs below, and turns the results and the listener's
// callbacks into Kraken Futures messages (kraken-futures-protocol.md §5.12-5.13, §6).
//
// Prices are integer ticks and sizes integer lots of the instrument (core/types.hpp). Money
// (balances, fees, PnL) is double: the simulator reports it, it never matches on it.
//
// Determinism: every id (order, fill, trade, execution) comes from one seeded generator and every
// time from the `now_ms` arguments, so the same seed and the same calls give the same output.
//
// Threads: not thread-safe; the simulator drives it from its one event-loop thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tickpath/core/instrument.hpp"
#include "tickpath/core/types.hpp"
#include "tickpath/sim/uuid.hpp"

namespace tickpath::sim {

using AccountId = std::uint32_t;
using InstrumentIndex = std::uint16_t;

// sendorder `orderType` values the matching engine executes. Trigger orders (stp, take_profit,
// trailing_stop) are refused by the protocol layer with invalidOrderType.
enum class OrderType : std::uint8_t { Limit, Post, Ioc, Market, Fok };

// "lmt", "post", "ioc", "mkt", "fok" (REST orderEvents `type`).
[[nodiscard]] std::string_view to_string(OrderType type) noexcept;

// Every status string of kraken-futures-protocol.md §5.13 (sendStatus / editStatus / cancelStatus
// / batchStatus `status`).
enum class Status : std::uint8_t {
  Placed,
  PartiallyFilled,
  Filled,
  Cancelled,
  Edited,
  NotFound,
  NoOrdersToCancel,
  InvalidOrderType,
  InvalidSide,
  InvalidSize,
  InvalidPrice,
  InsufficientAvailableFunds,
  SelfFill,
  TooManySmallOrders,
  TooManyOrders,
  MaxPositionViolation,
  MarketSuspended,
  MarketInactive,
  MarketIsPostOnly,
  ClientOrderIdAlreadyExist,
  ClientOrderIdTooLong,
  ClientOrderIdTooBig,
  ClientOrderIdInvalid,
  OutsidePriceCollar,
  WouldIncreasePriceDislocation,
  PostWouldExecute,
  IocWouldNotExecute,
  WouldCauseLiquidation,
  WouldNotReducePosition,
  OrderForEditNotFound,
  OrderForEditNotAStop,
  FixedLeverageTooHigh,
  CannotEditTriggerPriceOfTrailingStop,
  CannotEditLimitPriceOfTrailingStop,
  WouldProcessAfterSpecifiedTime,
};

// The wire spelling, e.g. "iocWouldNotExecute".
[[nodiscard]] std::string_view to_string(Status status) noexcept;

// REJECT event reasons (OrderError, §5.12) the engine produces.
enum class RejectReason : std::uint8_t {
  None,
  PostWouldExecute,
  IocWouldNotExecute,
  EditHasNoEffect,
  WouldExecuteSelf,
  WouldNotReducePosition,
  InvalidPrice,
  InvalidQuantity,
  ClientOrderIdInUse,
  ClientOrderIdTooLong,
  PriceCollar,
  OrderLimitExceeded,
  MarketSuspended,
  InsufficientMargin,
  MaxPositionExceeded,
};

// "POST_WOULD_EXECUTE", ...
[[nodiscard]] std::string_view to_string(RejectReason reason) noexcept;

// Why an order left or changed in the open-order set: the `reason` of WS open_orders (§6.10).
enum class UpdateReason : std::uint8_t {
  NewPlacedOrderByUser,
  PartialFill,
  FullFill,
  CancelledByUser,
  EditedByUser,
  DeadManSwitch,
  CancelledByAdmin,
  IocOrderFailed,    // ioc_order_failed_because_it_would_not_be_executed
  PostOrderFailed,   // post_order_failed_because_it_would_filled
  WouldExecuteSelf,  // would_execute_self
  WouldNotReduce,    // would_not_reduce_position
  MarketInactive,
};

// The wire spelling, e.g. "new_placed_order_by_user".
[[nodiscard]] std::string_view to_string(UpdateReason reason) noexcept;

// One order as the venue reports it. `quantity` is the order's current total size (REST
// orderEvents `quantity`); `filled` what has executed; the open remainder is quantity - filled
// (WS open_orders `qty`).
struct OrderView {
  Uuid id{};
  std::string cli_ord_id{};  // "" = none (REST shows null)
  AccountId account{0};
  InstrumentIndex instrument{0};
  OrderType type{OrderType::Limit};
  Side side{Side::Buy};
  Qty quantity{};
  Qty filled{};
  Price limit_price{};
  bool reduce_only{false};
  std::int64_t time_ms{0};         // accepted
  std::int64_t last_update_ms{0};  // last change

  [[nodiscard]] Qty remaining() const noexcept { return quantity - filled; }
};

// One entry of a REST answer's `orderEvents` (§5.12).
struct OrderEvent {
  enum class Kind : std::uint8_t { Place, Cancel, Edit, Reject, Execution };
  Kind kind{Kind::Place};
  OrderView order{};                            // Place/Cancel/Reject: the order; Edit: new;
                                                // Execution: the order after this fill
  std::optional<OrderView> old_order{};         // Edit: old; Execution: orderPriorExecution
  std::optional<OrderView> prior_edit{};        // Execution: orderPriorEdit (an edit that crossed)
  std::optional<Qty> reduced_quantity{};        // Place/Edit: reduce-only shrank the order to this
  RejectReason reason{RejectReason::None};      // Reject
  Uuid execution_id{};                          // Execution
  Price price{};                                // Execution
  Qty amount{};                                 // Execution
  std::optional<Qty> taker_reduced_quantity{};  // Execution
};

// What a request did: the status string, the order it concerns (when one exists) and its events.
struct Result {
  Status status{Status::Placed};
  std::optional<Uuid> order_id{};
  std::string cli_ord_id{};
  std::vector<OrderEvent> events{};
};

// cancelallorders: the orders it removed.
struct CancelAllResult {
  Status status{Status::NoOrdersToCancel};  // Cancelled or NoOrdersToCancel
  std::vector<OrderView> cancelled{};
  std::vector<OrderEvent> events{};  // one Cancel per order
};

struct NewOrder {
  AccountId account{0};
  InstrumentIndex instrument{0};
  OrderType type{OrderType::Limit};
  Side side{Side::Buy};
  Qty size{};
  std::optional<Price> limit_price{};  // required except for Market
  bool reduce_only{false};
  std::string cli_ord_id{};
};

// An order named by venue id or by client id (exactly one of the two is set).
struct OrderRef {
  std::optional<Uuid> order_id{};
  std::string cli_ord_id{};
};

struct EditOrder {
  AccountId account{0};
  OrderRef ref{};
  std::optional<Qty> size{};  // new open size (qtyMode RELATIVE): remaining after the edit
  std::optional<Price> limit_price{};
};

// A public trade (§6.8). `seq` is per instrument.
struct TradeEvent {
  InstrumentIndex instrument{0};
  Uuid uid{};
  Side taker_side{Side::Buy};
  Price price{};
  Qty qty{};
  std::uint64_t seq{0};
  std::int64_t time_ms{0};
  // The two orders as they were just before this execution (the history API shows them).
  Uuid maker_order{};
  Uuid taker_order{};
  Price maker_limit{};
  Price taker_limit{};
  OrderType maker_type{OrderType::Limit};
  OrderType taker_type{OrderType::Limit};
  std::int64_t maker_time_ms{0};
  std::int64_t taker_time_ms{0};
  bool maker_reduce_only{false};
  bool taker_reduce_only{false};
};

// One fill of one account's order (§6.11). `seq` is per account.
struct FillEvent {
  AccountId account{0};
  InstrumentIndex instrument{0};
  Uuid fill_id{};
  Uuid order_id{};
  std::string cli_ord_id{};
  Side side{Side::Buy};
  Price price{};
  Qty qty{};
  Qty remaining_order_qty{};
  bool maker{false};
  OrderType order_type{OrderType::Limit};
  double fee_paid{0.0};
  std::string_view fee_currency{};  // "BTC"/"ETH" (inverse), "USD" (linear); lives as long as the Exchange
  std::uint64_t seq{0};             // per account, the first fill is 0 (REAL snapshot 0..4, §6.11)
  std::int64_t time_ms{0};
  bool after_edit{false};  // taker fill of an edit that crossed (REST fillType takerAfterEdit)
};

// A change in the open-order set (§6.10).
struct OrderUpdate {
  OrderView order{};
  bool is_cancel{false};
  UpdateReason reason{UpdateReason::NewPlacedOrderByUser};
};

struct Position {
  InstrumentIndex instrument{0};
  Qty size{};               // signed: long > 0
  double entry_price{0.0};  // average entry, in price units
  double realized_pnl{0.0};
};

// A currency balance of an account ("USD", "BTC", "ETH", ...).
struct Balance {
  std::string currency{};
  double amount{0.0};
};

// Level of the public book, aggregated over all accounts.
struct LevelView {
  Price price{};
  Qty qty{};
};

// Everything the engine tells the outside world, in the order it happens. The protocol layer
// turns these into feed messages; the listener must not call back into the Exchange.
class ExchangeListener {
 public:
  virtual ~ExchangeListener() = default;
  // One level's new absolute total (0 = deleted) and the instrument's book seq after it.
  virtual void on_book(InstrumentIndex instrument, Side side, Price price, Qty total, std::uint64_t seq,
                       std::int64_t time_ms) = 0;
  virtual void on_trade(const TradeEvent& trade) = 0;
  virtual void on_order(const OrderUpdate& update) = 0;
  virtual void on_fill(const FillEvent& fill) = 0;
  // An account's position in an instrument changed (size, entry or realized PnL).
  virtual void on_position(AccountId account, InstrumentIndex instrument) = 0;
  virtual void on_balance(AccountId account) = 0;
};

struct InstrumentSetup {
  InstrumentSpec spec{};     // symbol, tick size, size step, kind
  Price reference_price{};   // mark price before the first trade
  double maker_fee{0.0002};  // fraction of notional; negative = rebate
  double taker_fee{0.0005};
  bool suspended{false};
  bool post_only{false};
};

struct AccountSetup {
  std::string name{};  // shown as `account` / `username` in the private feeds; "" = a generated uuid
  std::vector<Balance> balances{};
  bool self_trade_allowed{false};  // house accounts may trade with themselves
  bool unlimited_orders{false};    // house accounts: exempt from max_open_orders (a maker keeps
                                   // levels x 2 x instruments orders resting)
};

struct ExchangeOptions {
  std::uint64_t seed{1};
  double market_collar{0.01};         // mkt = IOC limited to +-1 % of the reference price (DOC)
  double price_collar{0.0};           // lmt/post/ioc/fok further than this fraction from the
                                      // reference price -> outsidePriceCollar; 0 = off
  std::size_t max_open_orders{1000};  // per account -> tooManyOrders
  std::size_t max_cli_ord_id_length{100};
  std::size_t fill_history{10000};            // per account, for REST /fills and fills_snapshot
  std::size_t trade_history{100};             // per instrument, for trade_snapshot
  std::size_t finished_order_history{10000};  // all accounts: finished orders kept for cancel
                                              // (-> `filled`) and find_finished (orders/status)
};

// An order that left the open set (filled, cancelled, or rejected after it got an id), kept for a
// while so that cancelling a filled order answers `filled` (§5.7) and /orders/status can report it.
struct FinishedOrder {
  OrderView order{};
  // FullFill: completely executed. CancelledByUser / DeadManSwitch / CancelledByAdmin: cancelled.
  // IocOrderFailed: the unexecuted rest of an ioc/mkt/fok order. PostOrderFailed, WouldExecuteSelf,
  // WouldNotReduce: rejected before anything executed.
  UpdateReason reason{UpdateReason::FullFill};
  std::int64_t finished_ms{0};
  [[nodiscard]] bool filled() const noexcept { return reason == UpdateReason::FullFill; }
};

// Semantics where the venue is silent or UNCONFIRMED (kraken-futures-protocol.md §5.5-5.13, §8.8):
//
// send: checks run in this order and stop at the first failure. Parameter rejections come back
//   with a status only (no order_id, no events, no callbacks): clientOrderIdTooLong,
//   marketSuspended (also an unknown instrument index), invalidSize (<= 0), invalidPrice (missing
//   or <= 0; ignored for mkt), marketIsPostOnly, clientOrderIdAlreadyExist (only OPEN orders of the
//   same account block an id; finished orders' ids are reusable), outsidePriceCollar (not for
//   mkt), tooManyOrders (open orders of the account; only lmt/post count, they are the ones that
//   can rest). Business rejections give the order an id, one REJECT event, an on_order(is_cancel,
//   reason) for open_orders_verbose and a find_finished() record: wouldNotReducePosition,
//   postWouldExecute, selfFill, iocWouldNotExecute (ioc/mkt with no liquidity in the limit; fok
//   whose full size is not available in the limit).
//   Every accepted order answers `placed`, also when it executed at once (REAL, §5.5): EXECUTION
//   events first, then a PLACE event if a remainder rests. The unexecuted rest of an ioc/mkt/fok
//   gets no event; it leaves the open set with on_order(is_cancel, IocOrderFailed).
// mkt: an ioc whose limit is the reference price * (1 +- market_collar), rounded inwards to the
//   tick grid; OrderView::limit_price shows that limit, OrderView::type stays Market.
// Self-trade: if any order of the same account is among the liquidity the incoming order would
//   take, the whole order is rejected before anything executes (selfFill / WOULD_EXECUTE_SELF),
//   unless the account has self_trade_allowed.
// reduceOnly: checked against the position when the order is placed or grown by an edit (zero or
//   same direction: wouldNotReducePosition; larger than the position: shrunk to it, reported with
//   reducedQuantity = the new total quantity). Other open reduce-only orders are not counted, and
//   resting reduce-only orders are not re-checked when the position later changes.
// edit: the target is an OPEN order of the account (else orderForEditNotFound, no events). size is
//   the new open size (qtyMode RELATIVE). invalidSize / invalidPrice / outsidePriceCollar come
//   without events; no change at all gives `edited` + REJECT EDIT_HAS_NO_EFFECT (REAL); a post
//   order moved across the spread gives postWouldExecute, a self-match selfFill, a reduce-only
//   growth without position wouldNotReducePosition, each with a REJECT event and the order
//   unchanged. Otherwise an EDIT event (old, new) and on_order(EditedByUser). A size decrease keeps
//   the time priority; a size increase or a price change sends the order to the back of its
//   (new) level. An edit that crosses executes like an incoming order: EXECUTION events carry
//   orderPriorEdit, the fills are marked after_edit, and the status is `filled` when nothing is
//   left, else `edited`.
// cancel: `cancelled` + one CANCEL event (the order as it was); a recently filled order (see
//   finished_order_history) answers `filled` with its order_id and no events; anything else,
//   including a cancelled or another account's order, `notFound` without order_id or events.
// Executions: price of the resting order; one execution id, also the public trade's uid; one fill
//   per side with its own fill_id. Per execution the listener hears on_trade, on_fill (maker,
//   taker), on_order (maker, taker: PartialFill, or FullFill with is_cancel), on_position and
//   on_balance (maker, then taker); on_book once per level touched, after that level's executions.
//   An incoming order therefore appears in on_order through partial_fill before it rests
//   (new_placed_order_by_user), and a fully executed one only as full_fill.
// Sequences: book and trade seqs start at seed-derived values in [1000, 1001000) and grow by
//   exactly one per on_book / on_trade; fill seq is per account and starts at 0.
// Money: fee = notional * maker/taker fee (negative = rebate); notional = qty * price in USD for
//   linear products, contracts / price in the base coin for inverse ones. Realized PnL on reducing
//   trades: linear (exit - entry) * qty * sign, inverse qty * (1/entry - 1/exit) * sign. Fees and
//   PnL are booked to the balance of settlement_currency(). Average entry: arithmetic for linear,
//   harmonic (contract-weighted) for inverse, unchanged on a reduce, the fill price after a flip.
// Suspension only blocks new orders; edits and cancels still work.
class Exchange {
 public:
  // listener may be nullptr (benchmarks, tests that only look at results and queries).
  Exchange(ExchangeOptions options, ExchangeListener* listener);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  InstrumentIndex add_instrument(const InstrumentSetup& setup);
  AccountId add_account(const AccountSetup& setup);

  [[nodiscard]] std::size_t instrument_count() const noexcept;
  [[nodiscard]] const InstrumentSetup& instrument(InstrumentIndex index) const;
  // Case-insensitive; nullopt when unknown.
  [[nodiscard]] std::optional<InstrumentIndex> find_instrument(std::string_view symbol) const;
  [[nodiscard]] std::size_t account_count() const noexcept;
  [[nodiscard]] const std::string& account_name(AccountId account) const;

  // Requests. `now_ms` is the venue's clock (epoch ms).
  Result send(const NewOrder& order, std::int64_t now_ms);
  Result edit(const EditOrder& edit, std::int64_t now_ms);
  Result cancel(AccountId account, const OrderRef& ref, std::int64_t now_ms);
  // symbol: nullopt = every instrument.
  CancelAllResult cancel_all(AccountId account, std::optional<InstrumentIndex> instrument,
                             std::int64_t now_ms, UpdateReason reason = UpdateReason::CancelledByUser);

  // Dead man's switch: cancel all of the account's orders at now_ms + timeout_ms; timeout 0
  // disarms. Returns the trigger time (0 when disarmed).
  std::int64_t arm_dead_man_switch(AccountId account, std::int64_t timeout_s, std::int64_t now_ms);
  // Fires due timers (dead man's switches). Call regularly with the current time.
  void advance(std::int64_t now_ms);

  // Queries.
  // An OPEN order of the account (nullptr when unknown, finished or another account's).
  [[nodiscard]] const OrderView* find_order(AccountId account, const OrderRef& ref) const;
  // A recently finished order of the account (the last options.finished_order_history of all
  // accounts); nullptr when unknown or already forgotten.
  [[nodiscard]] const FinishedOrder* find_finished(AccountId account, const OrderRef& ref) const;
  // The account's open orders, newest first.
  [[nodiscard]] std::vector<OrderView> open_orders(AccountId account) const;
  // The account's fills, newest first.
  [[nodiscard]] const std::deque<FillEvent>& fills(AccountId account) const;
  [[nodiscard]] std::vector<Position> positions(AccountId account) const;  // non-zero only
  // nullptr until the account first trades the instrument; afterwards also when flat (size 0).
  [[nodiscard]] const Position* position(AccountId account, InstrumentIndex instrument) const;
  // The currency fees and realized PnL of the instrument are booked in: the base coin for inverse
  // products ("BTC" for PI_XBTUSD, "ETH" for PI_ETHUSD), "USD" for linear ones.
  [[nodiscard]] std::string_view settlement_currency(InstrumentIndex instrument) const;
  [[nodiscard]] const std::vector<Balance>& balances(AccountId account) const;
  // Book levels best first, at most max_levels (0 = all).
  [[nodiscard]] std::vector<LevelView> levels(InstrumentIndex instrument, Side side,
                                              std::size_t max_levels = 0) const;
  [[nodiscard]] std::optional<LevelView> best(InstrumentIndex instrument, Side side) const;
  [[nodiscard]] std::uint64_t book_seq(InstrumentIndex instrument) const;
  [[nodiscard]] std::uint64_t trade_seq(InstrumentIndex instrument) const;
  [[nodiscard]] std::int64_t book_time_ms(InstrumentIndex instrument) const;  // last change
  // The last trades, newest first.
  [[nodiscard]] const std::deque<TradeEvent>& trades(InstrumentIndex instrument) const;
  // Mark price: the last trade price, else the book mid, else the configured reference price.
  [[nodiscard]] Price reference_price(InstrumentIndex instrument) const;
  // Total traded quantity since start.
  [[nodiscard]] Qty volume(InstrumentIndex instrument) const;

  // Market state switches (control endpoint).
  void set_suspended(InstrumentIndex instrument, bool suspended);

  // The shared id generator (ids of orders, fills, trades, executions; also for the protocol
  // layer's challenges), seeded from options.seed.
  [[nodiscard]] UuidGenerator& ids() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tickpath::sim
