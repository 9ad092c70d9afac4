#pragma once
// Kraken Futures order entry, the answer side (kraken-futures-protocol.md §5.2, §5.4-5.13, §6.1,
// §6.3, §6.10-6.12, §9): REST order answers, REST queries and private-websocket messages in,
// normalised oms records (oms/types.hpp) out.
//
// Contract
//   * Thread: one owner per OrderMessageParser (the private feed's thread, or the thread that reads
//     REST answers). The free functions at the bottom are pure and callable from any thread.
//   * Never throws, never crashes on any input bytes: every parse_* is noexcept. A message that
//     cannot be read at all becomes on_malformed (private feed) or a RequestError (REST) and
//     delivers nothing; a single record that cannot be read (an unknown instrument, a price off the
//     tick grid, a missing side ...) is reported on its own and the other records still arrive.
//   * Two phases: the whole document is walked first (any key order, §9.20; every structural JSON
//     error caught), only then are records converted and handed over, in document order. So a
//     truncated snapshot produces on_malformed alone, never half a snapshot.
//   * In place: data has `capacity` readable bytes, capacity >= size + 64 (simdjson's padding,
//     net::kFramePadding). The buffer is not modified. String views given to the handler point into
//     it or into the parser: valid only during the call.
//   * Allocation: the constructor sizes simdjson and the record buffers; parsing allocates only when
//     a message holds more records than ever before (the buffers grow and stay grown).
//
// Liberal reading (the venue has changed spellings and types over the years):
//   * every number may be a JSON number or a string holding one (§2.3); prices and quantities are
//     converted exactly with the instrument's tick size / size step (Instrument::price_from_text,
//     qty_from_text), values off the grid are errors for their record (entry prices and PnL are
//     Decimals: no grid);
//   * symbols in any case (the registry lookup is case-insensitive); `cliOrdId` / `cli_ord_id`,
//     `order_id` / `orderId`, `symbol` / `instrument` are accepted wherever either may come;
//   * enum strings (status, reason, order type, side, fill type, event type) compare
//     case-insensitively; unknown strings become Unknown (counted in unknown_enums), never errors;
//   * `reason` is matched by prefix (§6.10 spelling drift: `post_order_failed_because_it_would_filled`
//     and `..._would_be_filled`, roq's truncated `ioc_order_failed_because_it_would_not`), and the
//     REST REJECT spellings (`POST_WOULD_EXECUTE`, `IOC_WOULD_NOT_EXECUTE` ...) map to the same
//     reasons;
//   * times: epoch ms (number or digit string) or ISO-8601 (any fraction, 'Z', an offset or none).
//
// Decisions
//   * Order types: limit/lmt -> Limit, post -> PostOnly, ioc -> Ioc, mkt/market -> Market. A
//     post-only order on the private feed says `limit` and stays Limit (it cannot be told apart).
//     Trigger and other foreign types (stop, stp, take_profit, trailing_stop, fok) are delivered as
//     Limit and counted in foreign_order_types: the OMS must see every open order of the account
//     (reconciliation, cancel-on-start) even though the engine never sends these.
//   * open_orders: when a full `order` object cannot be converted (unknown instrument, off-grid
//     price ...), the problem is reported AND the update still arrives in the short form
//     (has_order == false, ids, is_cancel, reason), which is a shape the venue sends anyway: a
//     removal is never lost to an unreadable detail. Without any readable id it is dropped.
//   * `qty` is the REMAINING size everywhere (§6.10): the private feed's `qty`, /openorders'
//     `unfilledSize`, and `quantity - filled` (clamped at 0) for REST order events, where `quantity`
//     is the order size (§5.12).
//   * A missing or null limit price is Price::min() ("none"); 0.0 (the feed's "none" for stops)
//     stays Price{0}.
//   * REST /fills rows arrive with from_snapshot = true (a query, i.e. a replay to dedupe by
//     fill_id) and has_fee = false; the venue's order (newest first) is kept. A fill whose fill_id
//     is not a UUID still arrives, with fill_id.valid == false (counted in bad_optional_fields).
//   * fee_currency is read but not kept: oms::Fill has no field for it (the currency follows from
//     the instrument, oms/types.hpp Money).
//   * REST /openpositions is delivered like the feed: on_positions_begin, rows, on_positions_end.
//     /openorders rows have no begin/end: the call's return is the end.
//   * HTTP status: a JSON envelope wins (a success body with a non-2xx status is a success). When
//     the body says nothing usable: 429 -> ApiLimitExceeded, 401/403 -> AuthenticationError,
//     404 -> NotFound, 5xx -> ServerError, otherwise NotJson (not JSON) or Malformed / Other.
//   * Whole-answer REST problems are returned, not reported to on_malformed (the caller has them);
//     on_malformed is for records inside a usable answer and for private-feed messages.
//   * `unsubscribed` / `unsubscribed_failed` events go to on_ignored (the gateway never unsubscribes).
//     A message with neither `event` nor `feed` goes to on_ignored("").

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "tickpath/core/instrument.hpp"
#include "tickpath/oms/types.hpp"

namespace tickpath::venue::kraken_futures {

// Callbacks; every default does nothing. All are called from inside a parse_* call.
class OrderEntryHandler {
 public:
  virtual ~OrderEntryHandler() = default;

  // Private websocket control (§6.3).
  virtual void on_info() noexcept {}
  virtual void on_challenge(std::string_view /*challenge*/) noexcept {}
  virtual void on_subscribed(std::string_view /*feed*/) noexcept {}
  virtual void on_subscribe_failed(std::string_view /*feed*/) noexcept {}
  virtual void on_alert(std::string_view /*message*/) noexcept {}  // `alert` and `error` events

  // open_orders (§6.10): snapshot entries (from_snapshot, has_order) between begin and end; deltas
  // on their own. Also each `cancelledOrders` entry of a cancel-all answer (is_cancel,
  // CancelledByUser, ids only).
  virtual void on_orders_snapshot_begin() noexcept {}
  virtual void on_order_update(const oms::OrderUpdate& /*update*/) noexcept {}
  virtual void on_orders_snapshot_end() noexcept {}

  // fills (§6.11): the snapshot between begin and end, deltas on their own; REST /fills rows
  // (no fee) on their own.
  virtual void on_fills_snapshot_begin() noexcept {}
  virtual void on_fill(const oms::Fill& /*fill*/) noexcept {}
  virtual void on_fills_snapshot_end() noexcept {}

  // open_positions (§6.12, the full list every time) and REST /openpositions.
  virtual void on_positions_begin() noexcept {}
  virtual void on_position(const oms::VenuePosition& /*position*/) noexcept {}
  virtual void on_positions_end() noexcept {}

  // REST /openorders rows, newest first as sent.
  virtual void on_open_order(const oms::VenueOrder& /*order*/) noexcept {}

  // Problems (count them): a symbol not in the registry (its record is skipped, or reduced to ids
  // for open_orders), a message or record we could not read (`what` says which and why).
  virtual void on_unknown_instrument(std::string_view /*symbol*/) noexcept {}
  virtual void on_malformed(std::string_view /*what*/) noexcept {}
  // A valid message we do not use: heartbeat, other feeds, unknown or unsubscribe events.
  virtual void on_ignored(std::string_view /*feed_or_event*/) noexcept {}
};

struct OrderMessageCounters {
  std::uint64_t messages = 0;             // parse_* calls
  std::uint64_t malformed = 0;            // unreadable messages, answers and records
  std::uint64_t not_json = 0;             // REST bodies that were not JSON (HTML, text, empty)
  std::uint64_t unknown_enums = 0;        // status, reason, type, fill type, event type strings
  std::uint64_t foreign_order_types = 0;  // stop / take_profit / trailing_stop / fok: delivered as Limit
  std::uint64_t unknown_instruments = 0;
  std::uint64_t ignored = 0;              // on_ignored calls
  std::uint64_t bad_optional_fields = 0;  // unreadable informational values (pnl, fill_id text): kept empty
  std::uint64_t order_updates = 0;        // on_order_update calls
  std::uint64_t fills = 0;                // on_fill calls
  std::uint64_t positions = 0;            // on_position calls
  std::uint64_t open_orders = 0;          // on_open_order calls
};

class OrderMessageParser {
 public:
  // Cold: allocates the simdjson parser for messages up to max_message_bytes and the record
  // buffers. The registry must outlive the parser. Throws std::runtime_error when simdjson cannot
  // allocate.
  explicit OrderMessageParser(const InstrumentRegistry& registry, std::size_t max_message_bytes = 16U << 20U);
  ~OrderMessageParser();
  OrderMessageParser(const OrderMessageParser&) = delete;
  OrderMessageParser& operator=(const OrderMessageParser&) = delete;
  OrderMessageParser(OrderMessageParser&&) noexcept;
  OrderMessageParser& operator=(OrderMessageParser&&) = delete;

  // One private-websocket text message. Dispatch: `event` first (info, challenge, subscribed,
  // subscribed_failed, alert, error; others ignored), then `feed` (open_orders[_verbose][_snapshot],
  // fills[_snapshot], open_positions; heartbeat and every other feed ignored), §6.1.
  void parse_private(const char* data, std::size_t size, std::size_t capacity,
                     OrderEntryHandler& handler) noexcept;

  // The answer to a sendorder / editorder / cancelorder / cancelallorders / cancelallordersafter
  // request: `kind` says which payload to read (sendStatus / editStatus / cancelStatus /
  // status{triggerTime}); reply.order is left 0 for the caller. body may be any bytes. Fills in:
  //   error           the envelope (§5.2): None, or ApiLimitExceeded ... NotJson / Malformed
  //   status          sendStatus/editStatus/cancelStatus.status (§5.13), Unknown if absent/unknown
  //   order_state     ids from order_id/orderId and cliOrdId, else from the events; the order from
  //                   the first PLACE `order`, EDIT `new` or CANCEL `order` event (has_order);
  //                   qty = quantity - filled (remaining), filled = filled
  //   executed        the sum of the EXECUTION `amount`s
  //   edit_no_effect  a REJECT event with reason EDIT_HAS_NO_EFFECT
  //   trigger_ms      cancelallordersafter: status.triggerTime ("0" = disarmed -> 0)
  // For cancelallorders each `cancelledOrders` entry also goes to handler.on_order_update (after
  // the whole body was read). BatchOrder answers get their envelope read only.
  [[nodiscard]] oms::OrderReply parse_reply(oms::RequestKind kind, unsigned http_status, const char* data,
                                            std::size_t size, std::size_t capacity,
                                            OrderEntryHandler& handler) noexcept;

  // Query answers: rows to the handler; None, or why the whole answer is unusable (then no row
  // was delivered).
  [[nodiscard]] oms::RequestError parse_open_orders(unsigned http_status, const char* data, std::size_t size,
                                                    std::size_t capacity,
                                                    OrderEntryHandler& handler) noexcept;
  [[nodiscard]] oms::RequestError parse_open_positions(unsigned http_status, const char* data,
                                                       std::size_t size, std::size_t capacity,
                                                       OrderEntryHandler& handler) noexcept;
  // REST /fills: rows newest first as sent, fillTime (ISO) -> time_ms, no fee, seq 0.
  [[nodiscard]] oms::RequestError parse_fills(unsigned http_status, const char* data, std::size_t size,
                                              std::size_t capacity, OrderEntryHandler& handler) noexcept;

  [[nodiscard]] const OrderMessageCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const InstrumentRegistry& registry() const noexcept { return *registry_; }

  struct Impl;  // simdjson state and the raw record buffers (order_messages.cpp)

 private:
  const InstrumentRegistry* registry_;
  std::unique_ptr<Impl> impl_;
  OrderMessageCounters counters_{};
};

// --- helpers (pure, any thread, noexcept, no allocation) ----------------------------------------

// A UUID text (8-4-4-4-12 hex, any case) as the venue's order / fill id; valid == false otherwise.
// The raw conversions are uuid_from_text (parser.hpp) and format_uuid (order_encoder.hpp).
[[nodiscard]] oms::VenueOrderId venue_order_id_from_text(std::string_view text) noexcept;
[[nodiscard]] oms::FillId fill_id_from_text(std::string_view text) noexcept;

// ISO-8601 date-time -> epoch milliseconds (UTC, proleptic Gregorian): "YYYY-MM-DDTHH:MM:SS" with
// an optional fraction of any length (truncated to ms), then 'Z', "+HH:MM" / "+HHMM" / "+HH" or
// nothing (UTC). 't' or ' ' may replace 'T'. False (out untouched) for anything else or an
// impossible date.
[[nodiscard]] bool parse_iso8601_ms(std::string_view text, std::int64_t& epoch_ms) noexcept;

// §5.13 status strings (case-insensitive); Unknown for anything else.
[[nodiscard]] oms::VenueStatus venue_status_from_text(std::string_view text) noexcept;

// Shape-A `error` codes (§5.2): apiLimitExceeded, authenticationError, nonceBelowThreshold,
// nonceDuplicate; invalidArgument / requiredArgumentMissing / invalidAmount / invalidUnit ->
// InvalidArgument; "Server Error" / Unavailable -> ServerError; notFound / "Not Found" -> NotFound;
// anything else (accountInactive, insufficientFunds, "Json Parse Error", unknownError ...) -> Other.
// Case-insensitive. Never None.
[[nodiscard]] oms::RequestError request_error_from_code(std::string_view code) noexcept;

// `reason` (§6.10, and the REST REJECT reasons of §5.12) -> UpdateReason by case-insensitive
// prefix; Unknown for anything else (including EDIT_HAS_NO_EFFECT, which is not a feed reason).
[[nodiscard]] oms::UpdateReason update_reason_from_text(std::string_view text) noexcept;

}  // namespace tickpath::venue::kraken_futures
