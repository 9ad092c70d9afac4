#pragma once
// The order vocabulary every part of order entry shares (issue #5): strategies emit OrderActions,
// the OMS (oms/oms.hpp) checks and tracks them, the venue adapter encodes them
// (venue/kraken_futures/order_encoder.hpp) and turns the venue's answers back into the
// normalised reports at the bottom of this file. Nothing here knows JSON or venue strings.
//
// Every record is fixed-size and trivially copyable: actions and reports cross SPSC rings and are
// written to the journal as they are (versioned by kOmsVersion).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "tickpath/core/decimal_value.hpp"
#include "tickpath/core/types.hpp"

namespace tickpath::oms {

inline constexpr std::uint8_t kOmsVersion = 1;

// What the engine can send. Market = IOC within the venue's collar (Kraken `mkt`).
enum class OrderType : std::uint8_t { Limit = 0, PostOnly = 1, Ioc = 2, Market = 3 };

// The order state machine's states (oms/state_machine.hpp has the table).
//   PendingNew      sent, no answer yet
//   Open            resting, nothing filled
//   PartiallyFilled resting (or being removed), some quantity filled
//   Filled          terminal: filled completely (quantities from fills, never from removals)
//   Cancelled       terminal: removed by a cancel, the dead man's switch, expiry, the venue
//   Rejected        terminal: refused by the venue (or locally before it was sent)
//   PendingModify   an edit was sent and is not answered yet
//   PendingCancel   a cancel was sent and is not answered yet
//   Unknown         a request's answer never came (timeout, dropped connection) or the venue did
//                   not know the order: until the private feed or a query settles it
enum class OrderState : std::uint8_t {
  PendingNew = 0,
  Open = 1,
  PartiallyFilled = 2,
  Filled = 3,
  Cancelled = 4,
  Rejected = 5,
  PendingModify = 6,
  PendingCancel = 7,
  Unknown = 8,
};
inline constexpr std::size_t kOrderStateCount = 9;

[[nodiscard]] constexpr bool is_terminal(OrderState s) noexcept {
  return s == OrderState::Filled || s == OrderState::Cancelled || s == OrderState::Rejected;
}

// A client order id: at most kMaxClientOrderIdLength printable ASCII characters, inline.
// The engine allocates them (oms/client_id.hpp); adopted venue orders may carry any text the
// venue accepted, truncated ids are never produced (longer ids are not ours: size 0 = none).
struct ClientOrderId {
  static constexpr std::size_t kMaxLength = 31;
  std::array<char, kMaxLength> chars{};
  std::uint8_t size{0};

  [[nodiscard]] std::string_view view() const noexcept { return {chars.data(), size}; }
  [[nodiscard]] bool empty() const noexcept { return size == 0; }
  // Copies text when it fits (<= kMaxLength); otherwise leaves *this empty and returns false.
  bool assign(std::string_view text) noexcept {
    if (text.size() > kMaxLength) {
      size = 0;
      return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
      chars[i] = text[i];
    }
    size = static_cast<std::uint8_t>(text.size());
    return true;
  }
  friend bool operator==(const ClientOrderId& a, const ClientOrderId& b) noexcept {
    return a.view() == b.view();
  }
};

// The venue's order id: Kraken sends UUIDs ("f2af600b-5fe8-49be-8983-de874071563b"), kept as their
// 16 bytes. valid == false when the venue sent none (some rejections) or it was not a UUID.
struct VenueOrderId {
  std::array<std::uint8_t, 16> bytes{};
  bool valid{false};

  friend bool operator==(const VenueOrderId& a, const VenueOrderId& b) noexcept {
    return a.valid == b.valid && (!a.valid || a.bytes == b.bytes);
  }
};

// A fill's id (Kraken `fill_id`, a UUID), the deduplication key.
struct FillId {
  std::array<std::uint8_t, 16> bytes{};
  bool valid{false};

  friend bool operator==(const FillId& a, const FillId& b) noexcept {
    return a.valid == b.valid && (!a.valid || a.bytes == b.bytes);
  }
};

// The engine's own handle of an order: dense, never reused within a process run. 0 = none.
using OrderId = std::uint64_t;

// An amount of money in billionths (1e-9) of a currency: PnL, fees and notional. The currency is
// the instrument's settlement currency (USD for PF_/FF_, the base coin for PI_/FI_) for PnL and
// fees, and the quote currency (USD) for notional. int64 holds +-9.2e9 units at this scale;
// products are computed in 128 bits before the final rounding (ARCHITECTURE.md §3).
using Money = std::int64_t;
inline constexpr Money kMoneyScale = 1'000'000'000;

// ---------------------------------------------------------------------------------------------
// Order actions (strategy -> OMS)

enum class ActionKind : std::uint8_t { New = 0, Modify = 1, Cancel = 2, CancelAll = 3 };

// One normalised order action, 64 bytes. Fields per kind:
//   New:       instrument, side, type, price (ignored for Market), qty (> 0), reduce_only
//   Modify:    order, price and/or qty (new total size; Qty{0} = keep, Price::min() = keep)
//   Cancel:    order
//   CancelAll: instrument, or every instrument when instrument is invalid
// tag is the strategy's own number, echoed in every report about the order.
struct alignas(64) OrderAction {
  OrderId order{0};
  std::uint64_t tag{0};
  Price price{Price::min()};
  Qty qty{};
  InstrumentId instrument{};
  ActionKind kind{ActionKind::New};
  OrderType type{OrderType::Limit};
  Side side{Side::Buy};
  bool reduce_only{false};

  [[nodiscard]] static OrderAction new_order(InstrumentId instrument, Side side, OrderType type, Price price,
                                             Qty qty, std::uint64_t tag = 0,
                                             bool reduce_only = false) noexcept {
    OrderAction a;
    a.kind = ActionKind::New;
    a.instrument = instrument;
    a.side = side;
    a.type = type;
    a.price = price;
    a.qty = qty;
    a.tag = tag;
    a.reduce_only = reduce_only;
    return a;
  }
  [[nodiscard]] static OrderAction modify(OrderId order, Price price, Qty qty) noexcept {
    OrderAction a;
    a.kind = ActionKind::Modify;
    a.order = order;
    a.price = price;
    a.qty = qty;
    return a;
  }
  [[nodiscard]] static OrderAction cancel(OrderId order) noexcept {
    OrderAction a;
    a.kind = ActionKind::Cancel;
    a.order = order;
    return a;
  }
  [[nodiscard]] static OrderAction cancel_all(InstrumentId instrument = InstrumentId{}) noexcept {
    OrderAction a;
    a.kind = ActionKind::CancelAll;
    a.instrument = instrument;
    return a;
  }
};

// ---------------------------------------------------------------------------------------------
// Venue reports (venue adapter -> OMS), normalised from REST answers, the private feed and queries.

// Which venue status a REST order answer carried (kraken-futures-protocol.md §5.13), plus
// Unknown for any string not in that table (kept countable, never fatal).
enum class VenueStatus : std::uint8_t {
  Unknown = 0,
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

// Why a request failed as a whole (the envelope, §5.2), or None when the envelope was success.
enum class RequestError : std::uint8_t {
  None = 0,
  Timeout,              // no answer within the request timeout: outcome unknown
  ConnectionLost,       // the connection dropped after the request was written: outcome unknown
  NotSent,              // no connection could take it: the venue never saw it
  ApiLimitExceeded,     // rate limit (the budget should make this impossible)
  AuthenticationError,  // key, signature or clock
  NonceBelowThreshold,
  NonceDuplicate,
  InvalidArgument,  // shape B validation errors and the argument codes of shape A
  NotFound,         // unknown path (shapes C, D)
  ServerError,      // "Server Error", "Unavailable", HTTP 5xx
  NotJson,          // an HTML page or plain text
  Malformed,        // JSON we could not read
  Other,            // any other error code (counted)
};

// Whether the venue may or may not have processed a request that failed this way: the order waits
// (Unknown) for the private feed, a query or reconciliation to tell.
[[nodiscard]] constexpr bool outcome_unknown(RequestError e) noexcept {
  switch (e) {
    case RequestError::Timeout:
    case RequestError::ConnectionLost:
    case RequestError::ServerError:
    case RequestError::NotJson:
    case RequestError::Malformed:
    case RequestError::Other:
      return true;
    default:
      return false;
  }
}

// Which request an answer belongs to.
enum class RequestKind : std::uint8_t {
  SendOrder = 0,
  EditOrder,
  CancelOrder,
  CancelAll,
  CancelAllAfter,  // dead man's switch
  BatchOrder,
  OpenOrders,
  OpenPositions,
  Fills,
  OrdersStatus,
  Accounts,
};

// Why the private feed removed an order or changed it (Kraken `reason`, matched by prefix).
enum class UpdateReason : std::uint8_t {
  Unknown = 0,
  NewPlacedOrderByUser,
  PartialFill,
  FullFill,
  CancelledByUser,
  CancelledByAdmin,
  DeadManSwitch,
  ContractExpired,
  NotEnoughMargin,
  MarketInactive,
  Liquidation,
  StopOrderTriggered,
  LimitOrderFromStop,
  IocWouldNotExecute,
  PostWouldExecute,
  WouldExecuteSelf,
  WouldNotReducePosition,
  OrderForEditNotFound,
  EditedByUser,
};

enum class Liquidity : std::uint8_t { Unknown = 0, Maker, Taker, Other };

// One order as the venue sees it: an open_orders entry (snapshot or delta), an /openorders row,
// or the order inside a REST order event. qty is the REMAINING open size (Kraken §6.10: original
// = qty + filled); filled is cumulative.
struct alignas(64) VenueOrder {
  VenueOrderId order_id{};
  ClientOrderId cli{};
  InstrumentId instrument{};
  Side side{Side::Buy};
  OrderType type{OrderType::Limit};
  bool reduce_only{false};
  Price price{};
  Qty qty{};     // remaining
  Qty filled{};  // cumulative
  std::int64_t time_ms{0};
  std::int64_t last_update_ms{0};
};

// A private-feed open_orders message: is_cancel = the order left the open set for `reason`
// (a full fill, a cancel, a rejection: is_cancel is not "cancelled", §9.11). has_order says
// whether the full order object came (2026) or only the ids (2021 short shape).
struct alignas(64) OrderUpdate {
  VenueOrder order{};  // ids always set; the rest only when has_order
  UpdateReason reason{UpdateReason::Unknown};
  bool is_cancel{false};
  bool has_order{false};
  bool from_snapshot{false};
};

// One fill (private `fills` feed or REST /fills; the REST form carries no fee).
struct alignas(64) Fill {
  FillId fill_id{};
  VenueOrderId order_id{};
  ClientOrderId cli{};
  InstrumentId instrument{};
  Side side{Side::Buy};
  Liquidity liquidity{Liquidity::Unknown};
  bool has_fee{false};
  bool from_snapshot{false};
  Price price{};
  Qty qty{};
  Qty remaining{Qty{-1}};  // remaining_order_qty when sent, else -1
  Decimal fee{};           // fee_paid, in the fee currency (negative = rebate)
  std::int64_t time_ms{0};
  std::uint64_t seq{0};
};

// One open position as the venue reports it (open_positions feed or /openpositions).
struct alignas(64) VenuePosition {
  InstrumentId instrument{};
  Qty balance{};  // signed: long > 0
  Decimal entry_price{};
  Decimal pnl{};  // venue's unrealised PnL, informational
};

// ---------------------------------------------------------------------------------------------
// Requests (OMS -> venue adapter) and their answers (venue adapter -> OMS)

// One request the OMS wants sent. Fields per kind:
//   SendOrder:      order, cli, instrument, side, type, price (not for Market), qty, reduce_only
//   EditOrder:      order, venue_id (or cli when the venue id is not known yet), price (Price::min()
//                   = unchanged), qty = the new OPEN size (Kraken qtyMode RELATIVE; Qty{0} = unchanged)
//   CancelOrder:    order, venue_id (or cli)
//   CancelAll:      instrument, or every instrument when invalid
//   CancelAllAfter: arg = timeout in seconds (0 disarms)
//   OpenOrders, OpenPositions, Accounts: nothing
//   Fills:          arg = lastFillTime in epoch ms (0 = the newest page)
struct alignas(64) Request {
  OrderId order{0};
  ClientOrderId cli{};
  VenueOrderId venue_id{};
  Price price{Price::min()};
  Qty qty{};
  std::int64_t arg{0};
  InstrumentId instrument{};
  RequestKind kind{RequestKind::SendOrder};
  OrderType type{OrderType::Limit};
  Side side{Side::Buy};
  bool reduce_only{false};
};

// The answer to one order request (send, edit, cancel, cancel-all, dead man's switch), or why
// there was none. order/kind come from the request (the gateway remembers them); the rest from
// the venue. For cancel-all the individual cancellations are reported as OrderUpdates.
struct alignas(64) OrderReply {
  OrderId order{0};
  RequestKind kind{RequestKind::SendOrder};
  RequestError error{RequestError::None};  // None: the envelope was "success"
  VenueStatus status{VenueStatus::Unknown};
  bool edit_no_effect{false};  // an `edited` answer carrying REJECT EDIT_HAS_NO_EFFECT
  bool has_order{false};       // `order` holds the order as the answer left it (PLACE, EDIT new, CANCEL)
  unsigned http_status{0};
  Qty executed{};              // sum of the EXECUTION amounts in the answer
  VenueOrder order_state{};    // ids set whenever the answer named them
  std::int64_t trigger_ms{0};  // CancelAllAfter: the armed trigger time (0 = disarmed)
};

static_assert(sizeof(OrderAction) == 64 && std::is_trivially_copyable_v<OrderAction>);
static_assert(std::is_trivially_copyable_v<ClientOrderId> && sizeof(ClientOrderId) == 32);
static_assert(std::is_trivially_copyable_v<VenueOrder>);
static_assert(std::is_trivially_copyable_v<OrderUpdate>);
static_assert(std::is_trivially_copyable_v<Fill>);
static_assert(std::is_trivially_copyable_v<VenuePosition>);
static_assert(std::is_trivially_copyable_v<Request>);
static_assert(std::is_trivially_copyable_v<OrderReply>);

[[nodiscard]] const char* to_string(OrderType t) noexcept;
[[nodiscard]] const char* to_string(OrderState s) noexcept;
[[nodiscard]] const char* to_string(ActionKind k) noexcept;
[[nodiscard]] const char* to_string(VenueStatus s) noexcept;
[[nodiscard]] const char* to_string(RequestError e) noexcept;
[[nodiscard]] const char* to_string(RequestKind k) noexcept;
[[nodiscard]] const char* to_string(UpdateReason r) noexcept;
[[nodiscard]] const char* to_string(Liquidity l) noexcept;

}  // namespace tickpath::oms
