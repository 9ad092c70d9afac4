// OrderMessageParser and its helpers (kraken-futures-protocol.md §5.2, §5.5-5.13, §6.3, §6.10-6.12,
// §9): synthetic answers and private-feed messages of every kind and shape, the error envelopes,
// liberal spellings and types, and bytes that are not what they should be. The last cases read the
// real captures in ../shared/kraken-samples when they are present.

#include "tickpath/venue/kraken_futures/order_messages.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "tickpath/core/instrument.hpp"
#include "tickpath/oms/types.hpp"

#include "support/samples.hpp"

// Allocation counting through the sanitizer runtime's malloc hooks (every test build has ASan or
// TSan; the encoder test in this binary already owns operator new).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TICKPATH_TEST_MALLOC_HOOKS 1
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*,
                                                                             std::size_t),
                                                         void (*free_hook)(const volatile void*));
#endif

using namespace tickpath;
using namespace tickpath::venue::kraken_futures;
using oms::RequestError;
using oms::RequestKind;
using oms::UpdateReason;
using oms::VenueStatus;

namespace {

// A message in a buffer of exactly size + 64 bytes (the padding simdjson may read), so that ASan
// catches any read past it. `pad` fills the padding: simdjson's checks must not depend on it.
struct Body {
  explicit Body(std::string_view text, char pad = ' ') : size(text.size()), bytes(text.size() + 64, pad) {
    std::copy(text.begin(), text.end(), bytes.begin());
  }
  [[nodiscard]] const char* data() const { return bytes.data(); }
  [[nodiscard]] std::size_t capacity() const { return bytes.size(); }
  std::size_t size;
  std::vector<char> bytes;
};

// PI_XBTUSD 0.5/1 (inverse), PF_XBTUSD 1/0.0001, PF_ETHUSD 0.1/0.001.
InstrumentRegistry synthetic_registry() {
  InstrumentRegistry r(8);
  r.add({"PI_XBTUSD", {5, -1}, {1, 0}, ContractKind::Inverse});
  r.add({"PF_XBTUSD", {1, 0}, {1, -4}, ContractKind::Linear});
  r.add({"PF_ETHUSD", {1, -1}, {1, -3}, ContractKind::Linear});
  return r;
}

const InstrumentId kPiXbt{0};
const InstrumentId kPfXbt{1};
const InstrumentId kPfEth{2};

oms::VenueOrderId vid(std::string_view text) {
  const oms::VenueOrderId id = venue_order_id_from_text(text);
  REQUIRE(id.valid);
  return id;
}

oms::FillId fid(std::string_view text) {
  const oms::FillId id = fill_id_from_text(text);
  REQUIRE(id.valid);
  return id;
}

std::int64_t iso_ms(std::string_view text) {
  std::int64_t ms = 0;
  REQUIRE(parse_iso8601_ms(text, ms));
  return ms;
}

// Every callback, in order, plus the records.
struct Recorder final : OrderEntryHandler {
  std::vector<std::string> log;
  std::vector<oms::OrderUpdate> updates;
  std::vector<oms::Fill> fills;
  std::vector<oms::VenuePosition> positions;
  std::vector<oms::VenueOrder> open_orders;
  std::vector<std::string> unknown, malformed, ignored;

  void on_info() noexcept override { log.emplace_back("info"); }
  void on_challenge(std::string_view c) noexcept override { log.push_back("challenge " + std::string(c)); }
  void on_subscribed(std::string_view f) noexcept override { log.push_back("subscribed " + std::string(f)); }
  void on_subscribe_failed(std::string_view f) noexcept override {
    log.push_back("subscribe_failed " + std::string(f));
  }
  void on_alert(std::string_view m) noexcept override { log.push_back("alert " + std::string(m)); }
  void on_orders_snapshot_begin() noexcept override { log.emplace_back("orders_begin"); }
  void on_order_update(const oms::OrderUpdate& u) noexcept override {
    log.emplace_back("order");
    updates.push_back(u);
  }
  void on_orders_snapshot_end() noexcept override { log.emplace_back("orders_end"); }
  void on_fills_snapshot_begin() noexcept override { log.emplace_back("fills_begin"); }
  void on_fill(const oms::Fill& f) noexcept override {
    log.emplace_back("fill");
    fills.push_back(f);
  }
  void on_fills_snapshot_end() noexcept override { log.emplace_back("fills_end"); }
  void on_positions_begin() noexcept override { log.emplace_back("positions_begin"); }
  void on_position(const oms::VenuePosition& p) noexcept override {
    log.emplace_back("position");
    positions.push_back(p);
  }
  void on_positions_end() noexcept override { log.emplace_back("positions_end"); }
  void on_open_order(const oms::VenueOrder& o) noexcept override {
    log.emplace_back("open_order");
    open_orders.push_back(o);
  }
  void on_unknown_instrument(std::string_view s) noexcept override {
    log.push_back("unknown_instrument " + std::string(s));
    unknown.emplace_back(s);
  }
  void on_malformed(std::string_view w) noexcept override {
    log.push_back("malformed " + std::string(w));
    malformed.emplace_back(w);
  }
  void on_ignored(std::string_view w) noexcept override {
    log.push_back("ignored " + std::string(w));
    ignored.emplace_back(w);
  }

  // Records delivered (anything but problems and ignored messages).
  [[nodiscard]] std::size_t records() const {
    return updates.size() + fills.size() + positions.size() + open_orders.size();
  }
  void clear() { *this = Recorder{}; }
};

struct Fixture {
  InstrumentRegistry registry = synthetic_registry();
  OrderMessageParser parser{registry, 1U << 20U};
  Recorder rec;

  void feed(std::string_view text, char pad = ' ') {
    const Body b(text, pad);
    parser.parse_private(b.data(), b.size, b.capacity(), rec);
  }
  oms::OrderReply reply(RequestKind kind, std::string_view text, unsigned http = 200, char pad = ' ') {
    const Body b(text, pad);
    return parser.parse_reply(kind, http, b.data(), b.size, b.capacity(), rec);
  }
  RequestError open_orders(std::string_view text, unsigned http = 200) {
    const Body b(text);
    return parser.parse_open_orders(http, b.data(), b.size, b.capacity(), rec);
  }
  RequestError open_positions(std::string_view text, unsigned http = 200) {
    const Body b(text);
    return parser.parse_open_positions(http, b.data(), b.size, b.capacity(), rec);
  }
  RequestError fills(std::string_view text, unsigned http = 200) {
    const Body b(text);
    return parser.parse_fills(http, b.data(), b.size, b.capacity(), rec);
  }
};

// Synthetic ids (version-4 shaped, never seen on the venue).
constexpr std::string_view kOrderA = "0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9";
constexpr std::string_view kOrderB = "10000000-2000-4000-8000-00000000000b";
constexpr std::string_view kOrderC = "c0ffee00-1234-4abc-9def-0123456789ab";
constexpr std::string_view kFill1 = "f1000000-0000-4000-8000-000000000001";
constexpr std::string_view kFill2 = "f2000000-0000-4000-8000-000000000002";
constexpr std::string_view kFill3 = "F3000000-0000-4000-8000-0000000000AB";

// --- private-feed fixtures (synthetic; key order differs from the venue's on purpose) ---------------

const std::string kOrdersSnapshot =
    R"({"account":"9e8d7c6b-0000-4000-8000-0000000000aa","orders":[)"
    R"({"order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","instrument":"PI_XBTUSD",)"
    R"("direction":1,"qty":250.0,"filled":50.0,"limit_price":61234.5,"stop_price":0.0,)"
    R"("type":"limit","time":1714979289123,"last_update_time":1714979290456,)"
    R"("reduce_only":true,"cli_ord_id":"tp-7"},)"
    R"({"instrument":"PF_XBTUSD","time":1714979000000,"last_update_time":1714979000000,)"
    R"("qty":0.0125,"filled":0,"limit_price":60000,"stop_price":59000,"type":"stop",)"
    R"("order_id":"10000000-2000-4000-8000-00000000000b","direction":0,)"
    R"("reduce_only":false,"triggerSignal":"mark"}],"feed":"open_orders_snapshot"})";

}  // namespace

// ================================================================================================
// Helpers

TEST_CASE("order messages: ISO-8601 times become epoch milliseconds", "[kraken][orders]") {
  struct Case {
    std::string_view text;
    std::int64_t ms;
  };
  const std::vector<Case> good{
      {"2024-05-06T07:08:09.123Z", 1714979289123},
      {"2024-05-06T07:08:09Z", 1714979289000},
      {"2024-05-06T07:08:09.123456Z", 1714979289123},  // microseconds truncated
      {"2024-05-06T07:08:09.1Z", 1714979289100},
      {"2024-05-06T07:08:09.999999999Z", 1714979289999},
      {"2024-05-06t07:08:09.123z", 1714979289123},
      {"2024-05-06 07:08:09.123", 1714979289123},  // no zone: UTC
      {"2024-05-06T09:08:09+02:00", 1714979289000},
      {"2024-05-06T05:38:09.123-0130", 1714979289123},
      {"2024-05-06T09:08:09+02", 1714979289000},
      {"2024-02-29T23:59:59.999Z", 1709251199999},
      {"1970-01-01T00:00:00Z", 0},
      {"1969-12-31T23:59:59Z", -1000},
      {"2031-12-31T00:00:00Z", 1956441600000},
  };
  for (const Case& c : good) {
    INFO(c.text);
    std::int64_t ms = 42;
    REQUIRE(parse_iso8601_ms(c.text, ms));
    CHECK(ms == c.ms);
  }
  for (const std::string_view bad :
       {"", "0", "1714979289123", "2024-05-06", "2024-05-06T07:08", "2023-02-29T00:00:00Z",
        "2024-13-01T00:00:00Z", "2024-04-31T00:00:00Z", "2024-05-06T24:00:00Z", "2024-05-06T07:60:00Z",
        "2024-05-06T07:08:09.Z", "2024-05-06T07:08:09ZZ", "2024-05-06T07:08:09+2", "2024-05-06X07:08:09Z",
        "2024/05/06T07:08:09Z", "2024-05-06T07:08:09.123Z ", "+2024-05-06T07:08:09Z",
        "2024-05-06T07:08:09+24:00"}) {
    INFO(bad);
    std::int64_t ms = 42;
    CHECK_FALSE(parse_iso8601_ms(bad, ms));
    CHECK(ms == 42);
  }
}

TEST_CASE("order messages: UUID texts become venue order and fill ids", "[kraken][orders]") {
  const oms::VenueOrderId lower = venue_order_id_from_text("0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9");
  REQUIRE(lower.valid);
  CHECK(lower.bytes[0] == 0x0a);
  CHECK(lower.bytes[15] == 0xd9);
  CHECK(venue_order_id_from_text("0A1B2C3D-4E5F-4061-8273-8495A6B7C8D9") == lower);
  CHECK_FALSE(venue_order_id_from_text("0a1b2c3d-4e5f-4061-8273-8495a6b7c8d").valid);   // short
  CHECK_FALSE(venue_order_id_from_text("0a1b2c3d-4e5f-4061-8273-8495a6b7c8dg").valid);  // not hex
  CHECK_FALSE(venue_order_id_from_text("0a1b2c3d4e5f-4061-8273-8495a6b7c8d9-").valid);  // dashes
  CHECK_FALSE(venue_order_id_from_text("").valid);
  CHECK(fill_id_from_text(kFill3).valid);
  CHECK(fill_id_from_text(kFill3).bytes[15] == 0xab);
  CHECK_FALSE(fill_id_from_text("not-a-uuid").valid);
}

TEST_CASE("order messages: every order status string of §5.13 maps, in any case", "[kraken][orders]") {
  struct Case {
    std::string_view text;
    VenueStatus status;
  };
  const std::vector<Case> table{
      {"placed", VenueStatus::Placed},
      {"partiallyFilled", VenueStatus::PartiallyFilled},
      {"filled", VenueStatus::Filled},
      {"cancelled", VenueStatus::Cancelled},
      {"edited", VenueStatus::Edited},
      {"notFound", VenueStatus::NotFound},
      {"noOrdersToCancel", VenueStatus::NoOrdersToCancel},
      {"invalidOrderType", VenueStatus::InvalidOrderType},
      {"invalidSide", VenueStatus::InvalidSide},
      {"invalidSize", VenueStatus::InvalidSize},
      {"invalidPrice", VenueStatus::InvalidPrice},
      {"insufficientAvailableFunds", VenueStatus::InsufficientAvailableFunds},
      {"selfFill", VenueStatus::SelfFill},
      {"tooManySmallOrders", VenueStatus::TooManySmallOrders},
      {"tooManyOrders", VenueStatus::TooManyOrders},
      {"maxPositionViolation", VenueStatus::MaxPositionViolation},
      {"marketSuspended", VenueStatus::MarketSuspended},
      {"marketInactive", VenueStatus::MarketInactive},
      {"marketIsPostOnly", VenueStatus::MarketIsPostOnly},
      {"clientOrderIdAlreadyExist", VenueStatus::ClientOrderIdAlreadyExist},
      {"clientOrderIdTooLong", VenueStatus::ClientOrderIdTooLong},
      {"clientOrderIdTooBig", VenueStatus::ClientOrderIdTooBig},
      {"clientOrderIdInvalid", VenueStatus::ClientOrderIdInvalid},
      {"outsidePriceCollar", VenueStatus::OutsidePriceCollar},
      {"wouldIncreasePriceDislocation", VenueStatus::WouldIncreasePriceDislocation},
      {"postWouldExecute", VenueStatus::PostWouldExecute},
      {"iocWouldNotExecute", VenueStatus::IocWouldNotExecute},
      {"wouldCauseLiquidation", VenueStatus::WouldCauseLiquidation},
      {"wouldNotReducePosition", VenueStatus::WouldNotReducePosition},
      {"orderForEditNotFound", VenueStatus::OrderForEditNotFound},
      {"orderForEditNotAStop", VenueStatus::OrderForEditNotAStop},
      {"fixedLeverageTooHigh", VenueStatus::FixedLeverageTooHigh},
      {"cannotEditTriggerPriceOfTrailingStop", VenueStatus::CannotEditTriggerPriceOfTrailingStop},
      {"cannotEditLimitPriceOfTrailingStop", VenueStatus::CannotEditLimitPriceOfTrailingStop},
      {"wouldProcessAfterSpecifiedTime", VenueStatus::WouldProcessAfterSpecifiedTime},
  };
  // The table names every VenueStatus but Unknown exactly once.
  std::vector<int> seen;
  for (const Case& c : table) {
    seen.push_back(static_cast<int>(c.status));
  }
  std::sort(seen.begin(), seen.end());
  REQUIRE(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  REQUIRE(seen.size() == static_cast<std::size_t>(VenueStatus::WouldProcessAfterSpecifiedTime));

  Fixture fx;
  for (const Case& c : table) {
    INFO(c.text);
    CHECK(venue_status_from_text(c.text) == c.status);
    std::string upper(c.text);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char ch) { return static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch); });
    CHECK(venue_status_from_text(upper) == c.status);
    // And through a whole sendorder answer.
    const std::string body =
        R"({"result":"success","sendStatus":{"status":")" + std::string(c.text) +
        R"(","receivedTime":"2024-05-06T07:08:09.123Z"},"serverTime":"2024-05-06T07:08:09.124Z"})";
    const oms::OrderReply r = fx.reply(RequestKind::SendOrder, body);
    CHECK(r.error == RequestError::None);
    CHECK(r.status == c.status);
  }
  CHECK(fx.parser.counters().unknown_enums == 0);
  for (const std::string_view unknown : {"", "place", "placedd", "unknown", "FILLED_ALREADY"}) {
    CHECK(venue_status_from_text(unknown) == VenueStatus::Unknown);
  }
  const oms::OrderReply r =
      fx.reply(RequestKind::SendOrder, R"({"result":"success","sendStatus":{"status":"somethingNew"}})");
  CHECK(r.error == RequestError::None);
  CHECK(r.status == VenueStatus::Unknown);
  CHECK(fx.parser.counters().unknown_enums == 1);
}

TEST_CASE("order messages: error codes of shape A map to request errors", "[kraken][orders]") {
  struct Case {
    std::string_view code;
    RequestError error;
  };
  const std::vector<Case> table{
      {"apiLimitExceeded", RequestError::ApiLimitExceeded},
      {"authenticationError", RequestError::AuthenticationError},
      {"nonceBelowThreshold", RequestError::NonceBelowThreshold},
      {"nonceDuplicate", RequestError::NonceDuplicate},
      {"invalidArgument", RequestError::InvalidArgument},
      {"requiredArgumentMissing", RequestError::InvalidArgument},
      {"invalidAmount", RequestError::InvalidArgument},
      {"invalidUnit", RequestError::InvalidArgument},
      {"Server Error", RequestError::ServerError},
      {"Unavailable", RequestError::ServerError},
      {"notFound", RequestError::NotFound},
      {"accountInactive", RequestError::Other},
      {"insufficientFunds", RequestError::Other},
      {"invalidAccount", RequestError::Other},
      {"Json Parse Error", RequestError::Other},
      {"marketUnavailable", RequestError::Other},
      {"unknownError", RequestError::Other},
      {"", RequestError::Other},
  };
  Fixture fx;
  for (const Case& c : table) {
    INFO(c.code);
    CHECK(request_error_from_code(c.code) == c.error);
    const std::string body = R"({"result":"error","error":")" + std::string(c.code) +
                             R"(","serverTime":"2024-05-06T07:08:09.123Z"})";
    const oms::OrderReply r = fx.reply(RequestKind::CancelOrder, body, 400);
    CHECK(r.error == (c.code.empty() ? RequestError::Other : c.error));
    CHECK(r.http_status == 400);
    CHECK(r.kind == RequestKind::CancelOrder);
    CHECK(r.status == VenueStatus::Unknown);
  }
}

TEST_CASE("order messages: reasons match by prefix, spelling drift included", "[kraken][orders]") {
  struct Case {
    std::string_view text;
    UpdateReason reason;
  };
  const std::vector<Case> table{
      {"new_placed_order_by_user", UpdateReason::NewPlacedOrderByUser},
      {"liquidation", UpdateReason::Liquidation},
      {"stop_order_triggered", UpdateReason::StopOrderTriggered},
      {"limit_order_from_stop", UpdateReason::LimitOrderFromStop},
      {"partial_fill", UpdateReason::PartialFill},
      {"full_fill", UpdateReason::FullFill},
      {"cancelled_by_user", UpdateReason::CancelledByUser},
      {"contract_expired", UpdateReason::ContractExpired},
      {"not_enough_margin", UpdateReason::NotEnoughMargin},
      {"market_inactive", UpdateReason::MarketInactive},
      {"cancelled_by_admin", UpdateReason::CancelledByAdmin},
      {"dead_man_switch", UpdateReason::DeadManSwitch},
      {"ioc_order_failed_because_it_would_not_be_executed", UpdateReason::IocWouldNotExecute},
      {"ioc_order_failed_because_it_would_not", UpdateReason::IocWouldNotExecute},  // roq's truncation
      {"post_order_failed_because_it_would_filled", UpdateReason::PostWouldExecute},
      {"post_order_failed_because_it_would_be_filled", UpdateReason::PostWouldExecute},  // DOC example
      {"would_execute_self", UpdateReason::WouldExecuteSelf},
      {"would_not_reduce_position", UpdateReason::WouldNotReducePosition},
      {"order_for_edit_not_found", UpdateReason::OrderForEditNotFound},
      {"edited_by_user", UpdateReason::EditedByUser},
      {"FULL_FILL", UpdateReason::FullFill},
      {"POST_WOULD_EXECUTE", UpdateReason::PostWouldExecute},  // REST REJECT spelling
      {"IOC_WOULD_NOT_EXECUTE", UpdateReason::IocWouldNotExecute},
      {"dead_mans_switch", UpdateReason::DeadManSwitch},
      {"EDIT_HAS_NO_EFFECT", UpdateReason::Unknown},
      {"", UpdateReason::Unknown},
      {"full", UpdateReason::Unknown},
      {"cancelled_by", UpdateReason::Unknown},
      {"something_new", UpdateReason::Unknown},
  };
  for (const Case& c : table) {
    INFO(c.text);
    CHECK(update_reason_from_text(c.text) == c.reason);
  }
}

// ================================================================================================
// Private feed

TEST_CASE("private feed: control events, dispatched on event before feed", "[kraken][orders]") {
  Fixture fx;
  fx.feed(R"({"event":"info","version":1})");
  fx.feed(R"({"message":"7d2c1a9e-1111-4222-8333-444455556666","event":"challenge"})");
  fx.feed(R"({"event":"subscribed","feed":"open_orders"})");
  // The DOC shape echoes the credentials; an `orders` array on an event is not a snapshot.
  fx.feed(
      R"({"event":"subscribed","feed":"fills","api_key":"k","original_challenge":"c","signed_challenge":"s",)"
      R"("orders":[{"instrument":"PI_XBTUSD"}]})");
  fx.feed(R"({"event":"subscribed_failed","feed":"open_positions"})");
  fx.feed(R"({"event":"alert","message":"Failed to subscribe to authenticated feed"})");
  fx.feed(R"({"event":"error","message":"Json Error"})");
  fx.feed(R"({"event":"unsubscribed","feed":"fills"})");
  fx.feed(R"({"event":"unsubscribed_failed","feed":"fills"})");
  fx.feed(R"({"event":"surprise"})");
  const std::vector<std::string> expected{"info",
                                          "challenge 7d2c1a9e-1111-4222-8333-444455556666",
                                          "subscribed open_orders",
                                          "subscribed fills",
                                          "subscribe_failed open_positions",
                                          "alert Failed to subscribe to authenticated feed",
                                          "alert Json Error",
                                          "ignored unsubscribed",
                                          "ignored unsubscribed_failed",
                                          "ignored surprise"};
  CHECK(fx.rec.log == expected);
  CHECK(fx.parser.counters().messages == 10);
  CHECK(fx.parser.counters().ignored == 3);
  CHECK(fx.parser.counters().malformed == 0);

  fx.rec.clear();
  fx.feed(R"({"event":"challenge"})");  // a challenge without its text is of no use
  fx.feed(R"({"event":"challenge","message":17})");
  fx.feed(R"({"event":3,"feed":"fills"})");
  REQUIRE(fx.rec.malformed.size() == 3);
  CHECK(fx.rec.malformed[0] == "challenge: message: missing");
  CHECK(fx.rec.malformed[2] == "private: event: not a string");
  CHECK(fx.rec.records() == 0);
}

TEST_CASE("private feed: heartbeat, other feeds and feedless messages are ignored", "[kraken][orders]") {
  Fixture fx;
  fx.feed(R"({"feed":"heartbeat","time":1714979289123})");
  fx.feed(R"({"feed":"balances_snapshot","account":"a","holding":{"USD":1.5},"seq":1})");
  fx.feed(R"({"feed":"account_log","new_entry":{"id":3}})");
  fx.feed(R"({"time":5})");
  const std::vector<std::string> expected{"ignored heartbeat", "ignored balances_snapshot",
                                          "ignored account_log", "ignored "};
  CHECK(fx.rec.log == expected);
  CHECK(fx.parser.counters().ignored == 4);
}

TEST_CASE("private feed: open_orders snapshot of full order objects", "[kraken][orders]") {
  Fixture fx;
  fx.feed(kOrdersSnapshot);
  const std::vector<std::string> expected{"orders_begin", "order", "order", "orders_end"};
  REQUIRE(fx.rec.log == expected);

  const oms::OrderUpdate& a = fx.rec.updates[0];
  CHECK(a.from_snapshot);
  CHECK(a.has_order);
  CHECK_FALSE(a.is_cancel);
  CHECK(a.reason == UpdateReason::Unknown);
  CHECK(a.order.order_id == vid(kOrderA));
  CHECK(a.order.cli.view() == "tp-7");
  CHECK(a.order.instrument == kPiXbt);
  CHECK(a.order.side == Side::Sell);
  CHECK(a.order.type == oms::OrderType::Limit);
  CHECK(a.order.reduce_only);
  CHECK(a.order.price == Price{122469});  // 61234.5 / 0.5
  CHECK(a.order.qty == Qty{250});         // remaining
  CHECK(a.order.filled == Qty{50});
  CHECK(a.order.time_ms == 1714979289123);
  CHECK(a.order.last_update_ms == 1714979290456);

  const oms::OrderUpdate& b = fx.rec.updates[1];
  CHECK(b.has_order);
  CHECK(b.order.order_id == vid(kOrderB));
  CHECK(b.order.cli.empty());
  CHECK(b.order.instrument == kPfXbt);
  CHECK(b.order.side == Side::Buy);
  CHECK(b.order.type == oms::OrderType::Limit);  // a stop, delivered as Limit and counted
  CHECK_FALSE(b.order.reduce_only);
  CHECK(b.order.price == Price{60000});
  CHECK(b.order.qty == Qty{125});  // 0.0125 / 0.0001
  CHECK(b.order.filled == Qty{0});
  CHECK(fx.parser.counters().foreign_order_types == 1);
  CHECK(fx.parser.counters().unknown_enums == 0);
  CHECK(fx.parser.counters().order_updates == 2);

  // An empty account still brackets its (empty) snapshot: the OMS learns there is nothing open.
  fx.rec.clear();
  fx.feed(R"({"feed":"open_orders_verbose_snapshot","account":"x","orders":[]})");
  CHECK(fx.rec.log == std::vector<std::string>{"orders_begin", "orders_end"});
  // A snapshot without its list is not "nothing open".
  fx.rec.clear();
  fx.feed(R"({"feed":"open_orders_snapshot","account":"x"})");
  fx.feed(R"({"feed":"open_orders_snapshot","orders":{}})");
  CHECK(fx.rec.log == std::vector<std::string>{"malformed open_orders_snapshot: orders: missing",
                                               "malformed open_orders_snapshot: orders: not an array"});
}

TEST_CASE("private feed: open_orders deltas with the full order object", "[kraken][orders]") {
  Fixture fx;
  fx.feed(
      R"({"feed":"open_orders","is_cancel":false,"reason":"new_placed_order_by_user","order":)"
      R"({"type":"limit","reduce_only":false,"direction":0,"order_id":"c0ffee00-1234-4abc-9def-0123456789ab",)"
      R"("cli_ord_id":"tp-900","instrument":"PF_ETHUSD","qty":1.5,"filled":0.0,"limit_price":3050.7,)"
      R"("stop_price":0.0,"time":1714979300000,"last_update_time":1714979300000}})");
  fx.feed(
      R"({"order":{"instrument":"PF_ETHUSD","time":1714979300000,"last_update_time":1714979301000,"qty":1.2,)"
      R"("filled":0.3,"limit_price":3050.7,"stop_price":0.0,"type":"limit",)"
      R"("order_id":"c0ffee00-1234-4abc-9def-0123456789ab","cli_ord_id":"tp-900","direction":0,)"
      R"("reduce_only":false},"reason":"partial_fill","is_cancel":false,"feed":"open_orders"})");
  // 2026: a full fill removes the order with its object, qty 0 and filled = the whole size (§9.12).
  fx.feed(
      R"({"feed":"open_orders","order":{"instrument":"PF_ETHUSD","time":1714979300000,)"
      R"("last_update_time":1714979302000,"qty":0.0,"filled":1.5,"limit_price":3050.7,"stop_price":0.0,)"
      R"("type":"limit","order_id":"c0ffee00-1234-4abc-9def-0123456789ab","direction":0,"reduce_only":false},)"
      R"("is_cancel":true,"reason":"full_fill"})");
  REQUIRE(fx.rec.updates.size() == 3);
  for (const oms::OrderUpdate& u : fx.rec.updates) {
    CHECK(u.has_order);
    CHECK_FALSE(u.from_snapshot);
    CHECK(u.order.order_id == vid(kOrderC));
    CHECK(u.order.instrument == kPfEth);
    CHECK(u.order.price == Price{30507});
    CHECK(u.order.side == Side::Buy);
  }
  CHECK(fx.rec.updates[0].reason == UpdateReason::NewPlacedOrderByUser);
  CHECK(fx.rec.updates[0].order.qty == Qty{1500});
  CHECK(fx.rec.updates[0].order.cli.view() == "tp-900");
  CHECK(fx.rec.updates[1].reason == UpdateReason::PartialFill);
  CHECK(fx.rec.updates[1].order.qty == Qty{1200});
  CHECK(fx.rec.updates[1].order.filled == Qty{300});
  CHECK(fx.rec.updates[1].order.last_update_ms == 1714979301000);
  CHECK(fx.rec.updates[2].is_cancel);
  CHECK(fx.rec.updates[2].reason == UpdateReason::FullFill);
  CHECK(fx.rec.updates[2].order.qty == Qty{0});
  CHECK(fx.rec.updates[2].order.filled == Qty{1500});
  CHECK(fx.rec.updates[2].order.cli.empty());
  CHECK(fx.rec.malformed.empty());
}

TEST_CASE("private feed: open_orders deltas in the short shape (ids only)", "[kraken][orders]") {
  Fixture fx;
  fx.feed(
      R"({"reason":"cancelled_by_user","is_cancel":true,"order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
      R"("feed":"open_orders"})");
  fx.feed(R"({"feed":"open_orders","order_id":"10000000-2000-4000-8000-00000000000b","cli_ord_id":"tp-12",)"
          R"("is_cancel":true,"reason":"dead_man_switch"})");
  fx.feed(R"({"feed":"open_orders","cli_ord_id":"tp-13","is_cancel":true,)"
          R"("reason":"post_order_failed_because_it_would_be_filled"})");
  REQUIRE(fx.rec.updates.size() == 3);
  for (const oms::OrderUpdate& u : fx.rec.updates) {
    CHECK_FALSE(u.has_order);
    CHECK(u.is_cancel);
    CHECK_FALSE(u.order.instrument.valid());
  }
  CHECK(fx.rec.updates[0].order.order_id == vid(kOrderA));
  CHECK(fx.rec.updates[0].order.cli.empty());
  CHECK(fx.rec.updates[0].reason == UpdateReason::CancelledByUser);
  CHECK(fx.rec.updates[1].order.order_id == vid(kOrderB));
  CHECK(fx.rec.updates[1].order.cli.view() == "tp-12");
  CHECK(fx.rec.updates[1].reason == UpdateReason::DeadManSwitch);
  CHECK_FALSE(fx.rec.updates[2].order.order_id.valid);
  CHECK(fx.rec.updates[2].order.cli.view() == "tp-13");
  CHECK(fx.rec.updates[2].reason == UpdateReason::PostWouldExecute);

  // Neither an order object nor any id: nothing to apply.
  fx.rec.clear();
  fx.feed(R"({"feed":"open_orders","is_cancel":true,"reason":"cancelled_by_user"})");
  fx.feed(R"({"feed":"open_orders","order_id":"nope","is_cancel":true,"reason":"cancelled_by_user"})");
  fx.feed(R"({"feed":"open_orders","order":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","is_cancel":true})");
  fx.feed(R"({"feed":"open_orders","order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","is_cancel":"maybe"})");
  CHECK(fx.rec.records() == 0);
  CHECK(fx.rec.log == std::vector<std::string>{"malformed open_orders: order_id: missing",
                                               "malformed open_orders: order_id: not a UUID",
                                               "malformed open_orders: order: not an object",
                                               "malformed open_orders: is_cancel: not a boolean"});
}

TEST_CASE("private feed: a full_fill removal may come before its fill", "[kraken][orders]") {
  Fixture fx;
  fx.feed(R"({"feed":"open_orders","order_id":"c0ffee00-1234-4abc-9def-0123456789ab","cli_ord_id":"tp-77",)"
          R"("is_cancel":true,"reason":"full_fill"})");
  fx.feed(
      R"({"username":"9e8d7c6b-0000-4000-8000-0000000000aa","feed":"fills","fills":[{"instrument":"PF_ETHUSD",)"
      R"("seq":8,"buy":true,"time":1714979400000,"price":3049.9,"qty":2.0,"remaining_order_qty":0.0,)"
      R"("order_id":"c0ffee00-1234-4abc-9def-0123456789ab","cli_ord_id":"tp-77",)"
      R"("fill_id":"f1000000-0000-4000-8000-000000000001","fill_type":"maker","fee_paid":0.6099,)"
      R"("fee_currency":"USD"}]})");
  REQUIRE(fx.rec.log == std::vector<std::string>{"order", "fill"});
  const oms::OrderUpdate& u = fx.rec.updates[0];
  const oms::Fill& f = fx.rec.fills[0];
  CHECK(u.reason == UpdateReason::FullFill);
  CHECK(u.is_cancel);
  CHECK_FALSE(u.has_order);
  CHECK(f.order_id == u.order.order_id);
  CHECK(f.cli == u.order.cli);
  CHECK(f.remaining == Qty{0});
  CHECK(f.qty == Qty{2000});
}

TEST_CASE("private feed: fills snapshot (account) and deltas (username)", "[kraken][orders]") {
  Fixture fx;
  fx.feed(
      R"({"feed":"fills_snapshot","account":"9e8d7c6b-0000-4000-8000-0000000000aa","fills":[)"
      R"({"fill_id":"f1000000-0000-4000-8000-000000000001","instrument":"PI_XBTUSD","time":1714979000001,)"
      R"("price":61000.5,"seq":3,"buy":true,"qty":10.0,"order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
      R"("cli_ord_id":"tp-1","fill_type":"maker","fee_paid":-2.5e-9,"fee_currency":"BTC"},)"
      R"({"instrument":"PI_XBTUSD","time":1714979000002,"price":61001.0,"seq":4,"buy":false,"qty":3,)"
      R"("order_id":"10000000-2000-4000-8000-00000000000b","fill_id":"f2000000-0000-4000-8000-000000000002",)"
      R"("fill_type":"takerAfterEdit","fee_paid":1.23E-8,"fee_currency":"BTC","taker_order_type":"lmt"}]})");
  fx.feed(
      R"({"fills":[{"instrument":"PF_XBTUSD","time":1714979500000,"price":60001.0,"seq":5,"buy":false,)"
      R"("qty":0.005,"remaining_order_qty":0.0075,"order_id":"10000000-2000-4000-8000-00000000000b",)"
      R"("fill_id":"F3000000-0000-4000-8000-0000000000AB","fill_type":"taker","fee_paid":0.150003,)"
      R"("fee_currency":"USD","taker_order_type":"market","order_type":"limit"},)"
      R"({"instrument":"PF_XBTUSD","time":1714979500001,"price":60002,"seq":6,"buy":true,"qty":0.001,)"
      R"("order_id":"10000000-2000-4000-8000-00000000000b","fill_id":"f2000000-0000-4000-8000-000000000002",)"
      R"("fill_type":"liquidation"}],"feed":"fills","username":"9e8d7c6b-0000-4000-8000-0000000000aa"})");
  REQUIRE(fx.rec.log == std::vector<std::string>{"fills_begin", "fill", "fill", "fills_end", "fill", "fill"});

  const oms::Fill& a = fx.rec.fills[0];
  CHECK(a.from_snapshot);
  CHECK(a.fill_id == fid(kFill1));
  CHECK(a.order_id == vid(kOrderA));
  CHECK(a.cli.view() == "tp-1");
  CHECK(a.instrument == kPiXbt);
  CHECK(a.side == Side::Buy);
  CHECK(a.liquidity == oms::Liquidity::Maker);
  CHECK(a.price == Price{122001});
  CHECK(a.qty == Qty{10});
  CHECK(a.remaining == Qty{-1});  // not sent (2021 shape)
  CHECK(a.has_fee);
  CHECK(a.fee == Decimal{-25, -10});  // a rebate
  CHECK(a.time_ms == 1714979000001);
  CHECK(a.seq == 3);

  const oms::Fill& b = fx.rec.fills[1];
  CHECK(b.side == Side::Sell);
  CHECK(b.liquidity == oms::Liquidity::Taker);  // takerAfterEdit
  CHECK(b.fee == Decimal{123, -10});
  CHECK(b.qty == Qty{3});
  CHECK(b.cli.empty());

  const oms::Fill& c = fx.rec.fills[2];
  CHECK_FALSE(c.from_snapshot);
  CHECK(c.fill_id == fid(kFill3));
  CHECK(c.instrument == kPfXbt);
  CHECK(c.price == Price{60001});
  CHECK(c.qty == Qty{50});
  CHECK(c.remaining == Qty{75});
  CHECK(c.fee == Decimal{150003, -6});
  CHECK(c.liquidity == oms::Liquidity::Taker);
  CHECK(c.seq == 5);

  const oms::Fill& d = fx.rec.fills[3];
  CHECK(d.liquidity == oms::Liquidity::Other);
  CHECK_FALSE(d.has_fee);
  CHECK(d.fee == Decimal{});
  CHECK(fx.parser.counters().fills == 4);
  CHECK(fx.parser.counters().unknown_enums == 0);
}

TEST_CASE("private feed: open_positions, the full list every time", "[kraken][orders]") {
  Fixture fx;
  fx.feed(
      R"({"feed":"open_positions","account":"9e8d7c6b-0000-4000-8000-0000000000aa","positions":[)"
      R"({"balance":-12.0,"instrument":"PI_XBTUSD","pnl":-1.5e-7,"entry_price":61234.25,"mark_price":61300.0,)"
      R"("liquidation_threshold":70000.0,"effective_leverage":0.02},)"
      R"({"instrument":"PF_XBTUSD","balance":0.0375,"entry_price":60123.456789,"pnl":12.34567890123456789,)"
      R"("initial_margin":10.0,"pnl_currency":"USD"}],"seq":4,"timestamp":1714979600000})");
  fx.feed(R"({"feed":"open_positions","account":"a","positions":[]})");
  REQUIRE(fx.rec.log == std::vector<std::string>{"positions_begin", "position", "position", "positions_end",
                                                 "positions_begin", "positions_end"});
  const oms::VenuePosition& a = fx.rec.positions[0];
  CHECK(a.instrument == kPiXbt);
  CHECK(a.balance == Qty{-12});
  CHECK(a.entry_price == Decimal{6123425, -2});  // off the 0.5 grid: an average, kept exact
  CHECK(a.pnl == Decimal{-15, -8});
  const oms::VenuePosition& b = fx.rec.positions[1];
  CHECK(b.instrument == kPfXbt);
  CHECK(b.balance == Qty{375});
  CHECK(b.entry_price == Decimal{60123456789, -6});
  // 19 significant digits do not fit a Decimal (18 do): the informational PnL is left empty, counted.
  CHECK(b.pnl == Decimal{});
  CHECK(fx.parser.counters().bad_optional_fields == 1);
  CHECK(fx.rec.malformed.empty());
}

TEST_CASE("private feed: numbers as strings, lowercase symbols and ids", "[kraken][orders]") {
  Fixture fx;
  fx.feed(
      R"({"feed":"open_orders","order":{"instrument":"pi_xbtusd","time":"1714979289123",)"
      R"("last_update_time":"1714979289124","qty":"40","filled":"0","limit_price":"60999.5",)"
      R"("type":"LIMIT","order_id":"0A1B2C3D-4E5F-4061-8273-8495A6B7C8D9","direction":"1",)"
      R"("reduce_only":"true","cli_ord_id":"tp-3"},"is_cancel":"false","reason":"NEW_PLACED_ORDER_BY_USER"})");
  fx.feed(
      R"({"feed":"fills","username":"u","fills":[{"instrument":"Pf_EthUsd","time":"1714979289125",)"
      R"("price":"3000.1","seq":"9","buy":"false","qty":"0.010","remaining_order_qty":"0",)"
      R"("order_id":"c0ffee00-1234-4abc-9def-0123456789ab","fill_id":"f2000000-0000-4000-8000-000000000002",)"
      R"("fill_type":"MAKER","fee_paid":"-0.0003"}]})");
  fx.feed(R"({"feed":"open_positions","positions":[{"instrument":"pf_xbtusd","balance":"-0.5",)"
          R"("entry_price":"59000.5","pnl":"0"}]})");
  REQUIRE(fx.rec.updates.size() == 1);
  REQUIRE(fx.rec.fills.size() == 1);
  REQUIRE(fx.rec.positions.size() == 1);
  const oms::OrderUpdate& u = fx.rec.updates[0];
  CHECK(u.has_order);
  CHECK_FALSE(u.is_cancel);
  CHECK(u.reason == UpdateReason::NewPlacedOrderByUser);
  CHECK(u.order.instrument == kPiXbt);
  CHECK(u.order.order_id == vid(kOrderA));
  CHECK(u.order.side == Side::Sell);
  CHECK(u.order.reduce_only);
  CHECK(u.order.qty == Qty{40});
  CHECK(u.order.price == Price{121999});
  CHECK(u.order.time_ms == 1714979289123);
  const oms::Fill& f = fx.rec.fills[0];
  CHECK(f.instrument == kPfEth);
  CHECK(f.side == Side::Sell);
  CHECK(f.price == Price{30001});
  CHECK(f.qty == Qty{10});
  CHECK(f.remaining == Qty{0});
  CHECK(f.seq == 9);
  CHECK(f.liquidity == oms::Liquidity::Maker);
  CHECK(f.fee == Decimal{-3, -4});
  CHECK(fx.rec.positions[0].balance == Qty{-5000});
  CHECK(fx.rec.positions[0].entry_price == Decimal{590005, -1});
  CHECK(fx.parser.counters().unknown_enums == 0);
  CHECK(fx.rec.malformed.empty());
}

TEST_CASE("private feed: unknown enum strings are counted, never fatal", "[kraken][orders]") {
  Fixture fx;
  fx.feed(
      R"({"feed":"open_orders","order":{"instrument":"PI_XBTUSD","time":1,"last_update_time":2,"qty":5,)"
      R"("filled":0,"limit_price":100,"type":"iceberg","order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
      R"("direction":0,"reduce_only":false},"is_cancel":true,"reason":"removed_for_a_new_reason"})");
  fx.feed(R"({"feed":"fills","username":"u","fills":[{"instrument":"PI_XBTUSD","time":3,"price":100,"seq":1,)"
          R"("buy":true,"qty":1,"order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
          R"("fill_id":"f1000000-0000-4000-8000-000000000001","fill_type":"somethingElse","fee_paid":0}]})");
  REQUIRE(fx.rec.updates.size() == 1);
  REQUIRE(fx.rec.fills.size() == 1);
  CHECK(fx.rec.updates[0].reason == UpdateReason::Unknown);
  CHECK(fx.rec.updates[0].order.type == oms::OrderType::Limit);
  CHECK(fx.rec.updates[0].is_cancel);
  CHECK(fx.rec.fills[0].liquidity == oms::Liquidity::Other);
  CHECK(fx.parser.counters().unknown_enums == 3);
  CHECK(fx.parser.counters().malformed == 0);
}

TEST_CASE("private feed: one unreadable record does not cost the others", "[kraken][orders]") {
  Fixture fx;
  // Snapshot: good; price off the 0.5 grid; unknown instrument; no side; not an object.
  fx.feed(R"({"feed":"open_orders_snapshot","orders":[)"
          R"({"instrument":"PI_XBTUSD","qty":1,"filled":0,"limit_price":100.5,"direction":0,)"
          R"("order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9"},)"
          R"({"instrument":"PI_XBTUSD","qty":1,"filled":0,"limit_price":100.25,"direction":0,)"
          R"("order_id":"10000000-2000-4000-8000-00000000000b","cli_ord_id":"tp-2"},)"
          R"({"instrument":"PI_DOGEUSD","qty":1,"filled":0,"limit_price":0.1,"direction":0,)"
          R"("order_id":"c0ffee00-1234-4abc-9def-0123456789ab"},)"
          R"({"instrument":"PI_XBTUSD","qty":1,"filled":0,"limit_price":100,"cli_ord_id":"tp-4"},)"
          R"(17]})");
  // The problem first, then what is left of the record.
  REQUIRE(fx.rec.log == std::vector<std::string>{
                            "orders_begin", "order", "malformed open_orders_snapshot: limit_price: off grid",
                            "order", "unknown_instrument PI_DOGEUSD", "order",
                            "malformed open_orders_snapshot: side: missing", "order",
                            "malformed open_orders_snapshot: entry: not an object", "orders_end"});
  CHECK(fx.rec.updates[0].has_order);
  CHECK(fx.rec.updates[0].order.price == Price{201});
  // The unreadable ones arrive reduced to their ids (the short form), never lost.
  for (std::size_t i = 1; i < 4; ++i) {
    CHECK_FALSE(fx.rec.updates[i].has_order);
    CHECK_FALSE(fx.rec.updates[i].order.instrument.valid());
    CHECK(fx.rec.updates[i].order.qty == Qty{0});
  }
  CHECK(fx.rec.updates[1].order.order_id == vid(kOrderB));
  CHECK(fx.rec.updates[1].order.cli.view() == "tp-2");
  CHECK(fx.rec.updates[2].order.order_id == vid(kOrderC));
  CHECK(fx.rec.updates[3].order.cli.view() == "tp-4");
  CHECK(fx.parser.counters().malformed == 3);
  CHECK(fx.parser.counters().unknown_instruments == 1);

  // A readable order without a readable id cannot be applied: reported, dropped.
  fx.rec.clear();
  fx.feed(R"({"feed":"open_orders_snapshot","orders":[{"instrument":"PI_XBTUSD","qty":1,"limit_price":100,)"
          R"("direction":0,"order_id":"0a1b2c3d"},{"instrument":"PI_XBTUSD","qty":1,"direction":1}]})");
  CHECK(fx.rec.log ==
        std::vector<std::string>{"orders_begin", "malformed open_orders_snapshot: order_id: not a UUID",
                                 "malformed open_orders_snapshot: order_id: missing", "orders_end"});

  // Fills and positions: the bad record is skipped.
  fx.rec.clear();
  fx.feed(
      R"({"feed":"fills","fills":[)"
      R"({"instrument":"PF_XBTUSD","price":60000,"qty":0.00005,"buy":true,"fill_id":"f1000000-0000-4000-8000-000000000001"},)"
      R"({"instrument":"PF_XBTUSD","price":60000.5,"qty":0.001,"buy":true,"fill_id":"f1000000-0000-4000-8000-000000000001"},)"
      R"({"instrument":"PF_XBTUSD","qty":0.001,"buy":true},)"
      R"({"instrument":"PF_XBTUSD","price":60000,"qty":0.001,"buy":"yes"},)"
      R"({"instrument":"PF_SOLUSD","price":150,"qty":1,"buy":true},)"
      R"({"instrument":"PF_XBTUSD","price":60000,"qty":0.001,"buy":true,"fill_id":"x","fee_paid":"free"}]})");
  REQUIRE(fx.rec.log ==
          std::vector<std::string>{"malformed fills: qty: off grid", "malformed fills: price: off grid",
                                   "malformed fills: price: missing", "malformed fills: buy: not a boolean",
                                   "unknown_instrument PF_SOLUSD", "fill"});
  CHECK_FALSE(fx.rec.fills[0].fill_id.valid);  // kept, but it cannot dedupe
  CHECK_FALSE(fx.rec.fills[0].has_fee);
  CHECK(fx.parser.counters().bad_optional_fields == 2);

  fx.rec.clear();
  fx.feed(
      R"({"feed":"open_positions","positions":[{"instrument":"PF_XBTUSD","balance":0.00001,"entry_price":1},)"
      R"({"instrument":"PF_XBTUSD","balance":1,"entry_price":"n/a"},{"instrument":"PI_XBTUSD","balance":3}]})");
  CHECK(fx.rec.log == std::vector<std::string>{"positions_begin",
                                               "malformed open_positions: balance: off grid",
                                               "malformed open_positions: entry_price: not a decimal",
                                               "position", "positions_end"});
}

TEST_CASE("private feed: malformed, truncated and mistyped messages never crash", "[kraken][orders]") {
  Fixture fx;
  const std::vector<std::string_view> bad{
      "",
      "not json",
      "[]",
      "[{\"feed\":\"fills\"}]",
      "123",
      "\"open_orders\"",
      "null",
      "{",
      "}",
      "{\"feed\":\"fills\",\"fills\":{}}",
      "{\"feed\":\"fills\",\"fills\":[{\"instrument\":\"PI_XBTUSD\",\"price\":1,}]}",
      "{\"feed\":\"fills\" \"fills\":[]}",
      "{\"feed\":\"fills\",\"fills\":[]}{\"feed\":\"fills\",\"fills\":[]}",
      "{\"feed\":\"fills\",\"fills\":[]} x",
      "{\"feed\":\"open_orders\",\"order\":{\"qty\":tru}}",
      "{\"feed\":\"open_orders\",\"order\":{\"qty\":1e}}",
      "{\"feed\":\"open_orders\",\"order_id\":\"\\u00zz\"}",
      "{\"feed\":5}",
      "{\"feed\":\"open_positions\",\"positions\":\"all\"}",
      "{\"feed\":\"open_positions\",\"positions\":[[1,2],{\"instrument\":{}}]}",
      "{\"feed\":\"fills\",\"fills\":[{\"instrument\":\"PI_XBTUSD\",\"price\":[1],\"qty\":{\"a\":1},\"buy\":"
      "null}]}",
  };
  for (const std::string_view text : bad) {
    INFO(text);
    for (const char pad : {' ', '}', ']', '"', '\0'}) {
      fx.rec.clear();
      fx.feed(text, pad);
      CHECK(fx.rec.records() == 0);
      CHECK_FALSE(fx.rec.malformed.empty());
    }
  }

  // Every strict prefix of a valid snapshot is invalid JSON: one on_malformed, no record, never
  // half a snapshot -- whatever bytes follow it in the buffer.
  const std::string good = kOrdersSnapshot;
  std::size_t malformed_before = fx.parser.counters().malformed;
  for (std::size_t n = 0; n < good.size(); ++n) {
    for (const char pad : {' ', '}', ']'}) {
      INFO(n << " pad " << pad);
      fx.rec.clear();
      fx.feed(std::string_view(good).substr(0, n), pad);
      REQUIRE(fx.rec.log.size() == 1);
      CHECK(fx.rec.malformed.size() == 1);
    }
  }
  CHECK(fx.parser.counters().malformed == malformed_before + 3 * good.size());

  // Single-byte corruptions: never a crash; whatever is delivered is well-formed.
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const char c : {'"', '{', '}', '[', ']', ',', ':', 'x', '9', '\\'}) {
      std::string mutated = good;
      mutated[i] = c;
      fx.rec.clear();
      fx.feed(mutated);
      for (const oms::OrderUpdate& u : fx.rec.updates) {
        CHECK((u.order.order_id.valid || !u.order.cli.empty()));
      }
    }
  }

  // Too large for the parser, or not padded.
  fx.rec.clear();
  const std::string text = R"({"event":"info","version":1})";
  std::vector<char> tight(text.begin(), text.end());
  tight.resize(text.size() + 10, ' ');
  fx.parser.parse_private(tight.data(), text.size(), tight.size(), fx.rec);
  CHECK(fx.rec.malformed == std::vector<std::string>{"private: too large or not padded"});
  OrderMessageParser small(fx.registry, 16);
  fx.rec.clear();
  const Body b(text);
  small.parse_private(b.data(), b.size, b.capacity(), fx.rec);
  CHECK(fx.rec.malformed.size() == 1);
  CHECK(small.counters().malformed == 1);
}

// ================================================================================================
// REST order answers

TEST_CASE("rest: sendorder placed, with the PLACE event's order", "[kraken][orders]") {
  Fixture fx;
  const oms::OrderReply r = fx.reply(
      RequestKind::SendOrder,
      R"({"serverTime":"2024-05-06T07:08:09.130Z","result":"success","sendStatus":{"status":"placed",)"
      R"("receivedTime":"2024-05-06T07:08:09.123Z","cliOrdId":"tp-41","order_id":"c0ffee00-1234-4abc-9def-0123456789ab",)"
      R"("orderEvents":[{"type":"PLACE","reducedQuantity":null,"order":{"symbol":"pi_xbtusd","side":"sell",)"
      R"("orderId":"c0ffee00-1234-4abc-9def-0123456789ab","cliOrdId":"tp-41","type":"post","quantity":300,)"
      R"("filled":0,"limitPrice":62000.5,"reduceOnly":true,"timestamp":"2024-05-06T07:08:09.123Z",)"
      R"("lastUpdateTimestamp":"2024-05-06T07:08:09.125Z"}}]}})");
  CHECK(r.error == RequestError::None);
  CHECK(r.kind == RequestKind::SendOrder);
  CHECK(r.order == 0);
  CHECK(r.http_status == 200);
  CHECK(r.status == VenueStatus::Placed);
  CHECK_FALSE(r.edit_no_effect);
  CHECK(r.executed == Qty{0});
  REQUIRE(r.has_order);
  const oms::VenueOrder& o = r.order_state;
  CHECK(o.order_id == vid(kOrderC));
  CHECK(o.cli.view() == "tp-41");
  CHECK(o.instrument == kPiXbt);
  CHECK(o.side == Side::Sell);
  CHECK(o.type == oms::OrderType::PostOnly);
  CHECK(o.reduce_only);
  CHECK(o.price == Price{124001});
  CHECK(o.qty == Qty{300});
  CHECK(o.filled == Qty{0});
  CHECK(o.time_ms == iso_ms("2024-05-06T07:08:09.123Z"));
  CHECK(o.last_update_ms == iso_ms("2024-05-06T07:08:09.125Z"));
  CHECK(fx.rec.log.empty());
}

TEST_CASE("rest: sendorder that executed at once still says placed, executions summed", "[kraken][orders]") {
  Fixture fx;
  const oms::OrderReply r = fx.reply(
      RequestKind::SendOrder,
      R"({"result":"success","sendStatus":{"order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","status":"placed",)"
      R"("orderEvents":[{"type":"EXECUTION","executionId":"e0000000-0000-4000-8000-000000000001","price":3001.2,)"
      R"("amount":0.25,"orderPriorEdit":null,"orderPriorExecution":{"orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
      R"("cliOrdId":null,"type":"ioc","symbol":"PF_ETHUSD","side":"buy","quantity":1,"filled":0,)"
      R"("limitPrice":3010,"reduceOnly":false,"timestamp":"2024-05-06T07:08:09.123Z",)"
      R"("lastUpdateTimestamp":"2024-05-06T07:08:09.123Z"},"takerReducedQuantity":null},)"
      R"({"amount":"0.5","price":"3001.3","type":"EXECUTION","orderPriorExecution":{"symbol":"PF_ETHUSD",)"
      R"("orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","side":"buy","quantity":1,"filled":0.25}}]}})");
  CHECK(r.error == RequestError::None);
  CHECK(r.status == VenueStatus::Placed);
  CHECK_FALSE(r.has_order);  // no PLACE: only the executions' prior states
  CHECK(r.executed == Qty{750});
  CHECK(r.order_state.order_id == vid(kOrderA));
  CHECK(r.order_state.cli.empty());
  CHECK(fx.rec.log.empty());
}

TEST_CASE("rest: sendorder business rejections are successes with a status", "[kraken][orders]") {
  Fixture fx;
  const oms::OrderReply r = fx.reply(
      RequestKind::SendOrder,
      R"({"result":"success","sendStatus":{"status":"postWouldExecute","cliOrdId":"tp-5",)"
      R"("receivedTime":"2024-05-06T07:08:09.123Z","orderEvents":[{"uid":"10000000-2000-4000-8000-00000000000b",)"
      R"("order":{"orderId":"10000000-2000-4000-8000-00000000000b","cliOrdId":"tp-5","type":"post",)"
      R"("symbol":"PF_XBTUSD","side":"buy","quantity":0.01,"filled":0,"limitPrice":61000,"reduceOnly":false,)"
      R"("timestamp":"2024-05-06T07:08:09.123Z","lastUpdateTimestamp":"2024-05-06T07:08:09.123Z"},)"
      R"("reason":"POST_WOULD_EXECUTE","type":"REJECT"}]}})");
  CHECK(r.error == RequestError::None);
  CHECK(r.status == VenueStatus::PostWouldExecute);
  CHECK_FALSE(r.has_order);
  CHECK_FALSE(r.edit_no_effect);
  CHECK(r.order_state.order_id == vid(kOrderB));  // named by the REJECT event
  CHECK(r.order_state.cli.view() == "tp-5");

  // A parameter rejection with no events and no id.
  const oms::OrderReply s =
      fx.reply(RequestKind::SendOrder,
               R"({"result":"success","sendStatus":{"status":"invalidSize","orderEvents":[]}})");
  CHECK(s.error == RequestError::None);
  CHECK(s.status == VenueStatus::InvalidSize);
  CHECK_FALSE(s.order_state.order_id.valid);
}

TEST_CASE("rest: editorder edited reports the EDIT event's new order", "[kraken][orders]") {
  Fixture fx;
  const oms::OrderReply r = fx.reply(
      RequestKind::EditOrder,
      R"({"result":"success","editStatus":{"orderEvents":[{"type":"EDIT","old":{"orderId":)"
      R"("0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","symbol":"PI_XBTUSD","side":"buy","quantity":10,"filled":4,)"
      R"("limitPrice":60000,"type":"lmt"},"new":{"orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
      R"("cliOrdId":"tp-8","type":"lmt","symbol":"PI_XBTUSD","side":"buy","quantity":12,"filled":4,)"
      R"("limitPrice":60010.5,"reduceOnly":false,"timestamp":"2024-05-06T07:00:00.000Z",)"
      R"("lastUpdateTimestamp":"2024-05-06T07:08:09.500Z"},"reducedQuantity":null}],)"
      R"("status":"edited","orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
      R"("receivedTime":"2024-05-06T07:08:09.500Z"},"serverTime":"2024-05-06T07:08:09.501Z"})");
  CHECK(r.error == RequestError::None);
  CHECK(r.status == VenueStatus::Edited);
  REQUIRE(r.has_order);
  CHECK(r.order_state.order_id == vid(kOrderA));
  CHECK(r.order_state.cli.view() == "tp-8");
  CHECK(r.order_state.price == Price{120021});
  CHECK(r.order_state.qty == Qty{8});  // remaining = quantity - filled
  CHECK(r.order_state.filled == Qty{4});
  CHECK(r.order_state.last_update_ms == iso_ms("2024-05-06T07:08:09.500Z"));
  CHECK_FALSE(r.edit_no_effect);
}

TEST_CASE("rest: editorder without effect is edited with a REJECT EDIT_HAS_NO_EFFECT", "[kraken][orders]") {
  Fixture fx;
  const oms::OrderReply r = fx.reply(
      RequestKind::EditOrder,
      R"({"result":"success","editStatus":{"status":"edited","orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
      R"("orderEvents":[{"type":"REJECT","reason":"EDIT_HAS_NO_EFFECT","uid":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
      R"("order":{"orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","cliOrdId":"tp-9","symbol":"PI_XBTUSD",)"
      R"("side":"sell","type":"lmt","quantity":1,"filled":0,"limitPrice":65000,"reduceOnly":false}}]}})");
  CHECK(r.error == RequestError::None);
  CHECK(r.status == VenueStatus::Edited);
  CHECK(r.edit_no_effect);
  CHECK_FALSE(r.has_order);
  CHECK(r.order_state.order_id == vid(kOrderA));
  CHECK(r.order_state.cli.view() == "tp-9");
}

TEST_CASE("rest: editorder that crossed reports filled and the execution", "[kraken][orders]") {
  Fixture fx;
  const oms::OrderReply r = fx.reply(
      RequestKind::EditOrder,
      R"({"editStatus":{"status":"filled","orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","orderEvents":[)"
      R"({"type":"EXECUTION","amount":7,"price":60100,"orderPriorEdit":{"symbol":"PI_XBTUSD","side":"buy",)"
      R"("quantity":7,"filled":0,"limitPrice":59000,"orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9"},)"
      R"("orderPriorExecution":{"symbol":"PI_XBTUSD","side":"buy","quantity":7,"filled":0,"limitPrice":60150,)"
      R"("orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9"}}]},"result":"success"})");
  CHECK(r.error == RequestError::None);
  CHECK(r.status == VenueStatus::Filled);
  CHECK(r.executed == Qty{7});
  CHECK_FALSE(r.has_order);
}

TEST_CASE("rest: cancelorder cancelled and notFound", "[kraken][orders]") {
  Fixture fx;
  const oms::OrderReply r = fx.reply(
      RequestKind::CancelOrder,
      R"({"result":"success","cancelStatus":{"status":"cancelled","order_id":"10000000-2000-4000-8000-00000000000b",)"
      R"("receivedTime":"2024-05-06T07:08:09.123Z","orderEvents":[{"type":"CANCEL",)"
      R"("uid":"10000000-2000-4000-8000-00000000000b","order":{"orderId":"10000000-2000-4000-8000-00000000000b",)"
      R"("cliOrdId":null,"type":"lmt","symbol":"PF_XBTUSD","side":"sell","quantity":0.5,"filled":0.2,)"
      R"("limitPrice":65000,"reduceOnly":false,"timestamp":"2024-05-06T07:00:00Z",)"
      R"("lastUpdateTimestamp":"2024-05-06T07:05:00Z"}}]},"serverTime":"2024-05-06T07:08:09.123Z"})");
  CHECK(r.error == RequestError::None);
  CHECK(r.status == VenueStatus::Cancelled);
  REQUIRE(r.has_order);
  CHECK(r.order_state.order_id == vid(kOrderB));
  CHECK(r.order_state.cli.empty());
  CHECK(r.order_state.side == Side::Sell);
  CHECK(r.order_state.qty == Qty{3000});
  CHECK(r.order_state.filled == Qty{2000});
  CHECK(r.order_state.time_ms == iso_ms("2024-05-06T07:00:00Z"));
  CHECK(fx.rec.updates.empty());  // a single cancel is the reply, not an update

  const oms::OrderReply n = fx.reply(
      RequestKind::CancelOrder,
      R"({"result":"success","cancelStatus":{"status":"notFound","receivedTime":"2024-05-06T07:08:09.123Z"}})");
  CHECK(n.error == RequestError::None);
  CHECK(n.status == VenueStatus::NotFound);
  CHECK_FALSE(n.has_order);
  CHECK_FALSE(n.order_state.order_id.valid);
}

TEST_CASE("rest: cancelallorders reports every cancelled order as an update", "[kraken][orders]") {
  Fixture fx;
  const oms::OrderReply r = fx.reply(
      RequestKind::CancelAll,
      R"({"result":"success","cancelStatus":{"status":"cancelled","cancelOnly":"PF_XBTUSD",)"
      R"("receivedTime":"2024-05-06T07:08:09.123Z","cancelledOrders":[)"
      R"({"order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","cliOrdId":"tp-20"},)"
      R"({"order_id":"10000000-2000-4000-8000-00000000000b"},{"cli_ord_id":"tp-22"},{}],)"
      R"("orderEvents":[{"type":"CANCEL","uid":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","order":{)"
      R"("orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","symbol":"PF_XBTUSD","side":"buy","quantity":1,)"
      R"("filled":0,"limitPrice":50000}}]}})");
  CHECK(r.error == RequestError::None);
  CHECK(r.status == VenueStatus::Cancelled);
  REQUIRE(fx.rec.log == std::vector<std::string>{"order", "order", "order",
                                                 "malformed cancelledOrders: order_id: missing"});
  for (const oms::OrderUpdate& u : fx.rec.updates) {
    CHECK(u.is_cancel);
    CHECK(u.reason == UpdateReason::CancelledByUser);
    CHECK_FALSE(u.has_order);
    CHECK_FALSE(u.from_snapshot);
  }
  CHECK(fx.rec.updates[0].order.order_id == vid(kOrderA));
  CHECK(fx.rec.updates[0].order.cli.view() == "tp-20");
  CHECK(fx.rec.updates[1].order.order_id == vid(kOrderB));
  CHECK(fx.rec.updates[2].order.cli.view() == "tp-22");

  // noOrdersToCancel may still list cancelled orders: always iterate.
  fx.rec.clear();
  const oms::OrderReply n = fx.reply(
      RequestKind::CancelAll,
      R"({"result":"success","cancelStatus":{"status":"noOrdersToCancel","cancelOnly":"all",)"
      R"("cancelledOrders":[{"order_id":"c0ffee00-1234-4abc-9def-0123456789ab"}],"orderEvents":[]}})");
  CHECK(n.status == VenueStatus::NoOrdersToCancel);
  REQUIRE(fx.rec.updates.size() == 1);
  CHECK(fx.rec.updates[0].order.order_id == vid(kOrderC));

  // A broken answer delivers none of its cancellations.
  fx.rec.clear();
  const oms::OrderReply b =
      fx.reply(RequestKind::CancelAll,
               R"({"result":"success","cancelStatus":{"status":"cancelled","cancelledOrders":[)"
               R"({"order_id":"c0ffee00-1234-4abc-9def-0123456789ab"}],"orderEvents":[}})");
  CHECK(b.error == RequestError::Malformed);
  CHECK(fx.rec.updates.empty());
}

TEST_CASE("rest: cancelallordersafter armed and disarmed", "[kraken][orders]") {
  Fixture fx;
  const oms::OrderReply armed =
      fx.reply(RequestKind::CancelAllAfter,
               R"({"result":"success","status":{"currentTime":"2024-05-06T07:08:09.123Z",)"
               R"("triggerTime":"2024-05-06T07:09:09.123Z"},"serverTime":"2024-05-06T07:08:09.123Z"})");
  CHECK(armed.error == RequestError::None);
  CHECK(armed.kind == RequestKind::CancelAllAfter);
  CHECK(armed.trigger_ms == iso_ms("2024-05-06T07:09:09.123Z"));
  const oms::OrderReply disarmed = fx.reply(
      RequestKind::CancelAllAfter,
      R"({"serverTime":"2024-05-06T07:08:09.123Z","status":{"triggerTime":"0","currentTime":"2024-05-06T07:08:09.123Z"},"result":"success"})");
  CHECK(disarmed.error == RequestError::None);
  CHECK(disarmed.trigger_ms == 0);
  const oms::OrderReply bad =
      fx.reply(RequestKind::CancelAllAfter, R"({"result":"success","status":{"triggerTime":"soon"}})");
  CHECK(bad.error == RequestError::Malformed);
  const oms::OrderReply missing = fx.reply(RequestKind::CancelAllAfter, R"({"result":"success"})");
  CHECK(missing.error == RequestError::Malformed);
  const oms::OrderReply refused =
      fx.reply(RequestKind::CancelAllAfter, R"({"result":"error","error":"apiLimitExceeded"})", 429);
  CHECK(refused.error == RequestError::ApiLimitExceeded);
}

TEST_CASE("rest: every error envelope shape, HTML, text and empty bodies", "[kraken][orders]") {
  struct Case {
    const char* name;
    std::string body;
    unsigned http;
    RequestError error;
  };
  const std::vector<Case> table{
      {"A auth",
       R"({"result":"error","error":"authenticationError","serverTime":"2024-05-06T07:08:09.123Z"})", 401,
       RequestError::AuthenticationError},
      {"A nonce", R"({"serverTime":"2024-05-06T07:08:09.123Z","error":"nonceDuplicate","result":"error"})",
       200, RequestError::NonceDuplicate},
      {"A rate limit", R"({"result":"error","error":"apiLimitExceeded"})", 429,
       RequestError::ApiLimitExceeded},
      {"A server", R"({"result":"error","error":"Server Error"})", 500, RequestError::ServerError},
      {"A other", R"({"result":"error","error":"accountInactive"})", 200, RequestError::Other},
      {"A without result", R"({"error":"invalidArgument"})", 400, RequestError::InvalidArgument},
      {"B",
       R"({"status":"BAD_REQUEST","result":"error","errors":[{"code":11,"message":"Argument invalid: side"}],)"
       R"("serverTime":"2024-05-06T07:08:09.123Z"})",
       400, RequestError::InvalidArgument},
      {"B two errors", R"({"result":"error","errors":[{"code":11,"message":"a"},{"code":12,"message":"b"}]})",
       200, RequestError::InvalidArgument},
      {"C", R"({"status":"NOT_FOUND","result":"error","errors":[{"code":0,"message":"404 NOT_FOUND"}]})", 404,
       RequestError::NotFound},
      {"C on 200",
       R"({"result":"error","errors":[{"message":"404 NOT_FOUND","code":0}],"status":"NOT_FOUND"})", 200,
       RequestError::NotFound},
      {"D",
       R"({"timestamp":1714979289123,"path":"/derivatives/api/v3/sendorderx","status":404,)"
       R"("error":"Not Found","message":"","requestId":"abc-1"})",
       404, RequestError::NotFound},
      {"D on 200", R"({"path":"/x","status":404,"error":"Not Found","message":""})", 200,
       RequestError::NotFound},
      {"D 500", R"({"status":500,"error":"Internal Server Error","message":"boom"})", 500,
       RequestError::ServerError},
      {"E HTML", "<!DOCTYPE html><html><body>Kraken</body></html>", 200, RequestError::NotJson},
      {"E text", "Invalid resolution", 400, RequestError::NotJson},
      {"E empty", "", 200, RequestError::NotJson},
      {"E whitespace", " \r\n", 200, RequestError::NotJson},
      {"E HTML 502", "<html><head><title>502 Bad Gateway</title></head></html>", 502,
       RequestError::ServerError},
      {"E HTML 429", "<html>Too Many Requests</html>", 429, RequestError::ApiLimitExceeded},
      {"E empty 503", "", 503, RequestError::ServerError},
      {"E empty 403", "", 403, RequestError::AuthenticationError},
      {"no result", R"({"serverTime":"2024-05-06T07:08:09.123Z"})", 200, RequestError::Malformed},
      {"no result 503", R"({})", 503, RequestError::ServerError},
      {"odd result", R"({"result":"failure"})", 200, RequestError::Other},
      {"success without payload", R"({"result":"success","serverTime":"2024-05-06T07:08:09.123Z"})", 200,
       RequestError::Malformed},
      {"payload not an object", R"({"result":"success","sendStatus":"placed"})", 200,
       RequestError::Malformed},
      {"truncated", R"({"result":"success","sendStatus":{"status":"placed")", 200, RequestError::Malformed},
      {"truncated 500", R"({"result":"succ)", 500, RequestError::ServerError},
      {"array", R"([{"result":"success"}])", 200, RequestError::Malformed},
      {"trailing bytes", R"({"result":"success","sendStatus":{"status":"placed"}} {})", 200,
       RequestError::Malformed},
  };
  Fixture fx;
  for (const Case& c : table) {
    INFO(c.name);
    const oms::OrderReply r = fx.reply(RequestKind::SendOrder, c.body, c.http);
    CHECK(r.error == c.error);
    CHECK(r.http_status == c.http);
    CHECK(r.kind == RequestKind::SendOrder);
    CHECK(r.status == VenueStatus::Unknown);
    CHECK_FALSE(r.has_order);
    // The queries read the same envelopes.
    CHECK(fx.open_orders(c.body, c.http) ==
          (std::string_view(c.name).find("payload") != std::string_view::npos ? RequestError::Malformed
                                                                              : c.error));
  }
  CHECK(fx.rec.records() == 0);
  CHECK(fx.parser.counters().not_json == 2 * 8);

  // A success body wins over an odd HTTP status.
  const oms::OrderReply ok =
      fx.reply(RequestKind::CancelOrder, R"({"result":"success","cancelStatus":{"status":"notFound"}})", 500);
  CHECK(ok.error == RequestError::None);
  CHECK(ok.status == VenueStatus::NotFound);
  CHECK(ok.http_status == 500);
}

TEST_CASE("rest: truncated and corrupted order answers never crash", "[kraken][orders]") {
  Fixture fx;
  const std::string good =
      R"({"result":"success","cancelStatus":{"status":"cancelled","cancelledOrders":[)"
      R"({"order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","cliOrdId":"tp-20"}],"orderEvents":[{"type":"CANCEL",)"
      R"("uid":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","order":{"orderId":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
      R"("symbol":"PF_XBTUSD","side":"buy","quantity":1,"filled":0,"limitPrice":50000}}]}})";
  REQUIRE(fx.reply(RequestKind::CancelAll, good).error == RequestError::None);
  REQUIRE(fx.rec.updates.size() == 1);
  for (std::size_t n = 0; n < good.size(); ++n) {
    for (const char pad : {' ', '}', ']'}) {
      INFO(n << " pad " << pad);
      fx.rec.clear();
      const oms::OrderReply r =
          fx.reply(RequestKind::CancelAll, std::string_view(good).substr(0, n), 200, pad);
      CHECK(r.error == (n == 0 ? RequestError::NotJson : RequestError::Malformed));
      CHECK(fx.rec.updates.empty());
    }
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const char c : {'"', '{', '}', '[', ']', ',', ':', 'x', '7', '\\', '-'}) {
      std::string mutated = good;
      mutated[i] = c;
      fx.rec.clear();
      const oms::OrderReply r = fx.reply(RequestKind::CancelAll, mutated);
      if (r.error != RequestError::None) {
        CHECK(fx.rec.updates.empty());
      }
    }
  }
}

// ================================================================================================
// REST queries

TEST_CASE("rest: /openorders rows, numbers as strings", "[kraken][orders]") {
  Fixture fx;
  const RequestError e = fx.open_orders(
      R"({"result":"success","openOrders":[{"receivedTime":"2024-05-06T07:08:09.123456Z","status":"untouched",)"
      R"("order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","cliOrdId":"tp-30","symbol":"pf_ethusd","side":"sell",)"
      R"("orderType":"lmt","limitPrice":"3100.5","unfilledSize":"0.75","filledSize":"0.25","reduceOnly":false,)"
      R"("lastUpdateTime":"2024-05-06T07:08:10Z"},)"
      R"({"order_id":"10000000-2000-4000-8000-00000000000b","cli_ord_id":"tp-31","symbol":"PI_XBTUSD",)"
      R"("side":"buy","orderType":"take_profit","limitPrice":55000,"stopPrice":55500,"unfilledSize":100,)"
      R"("filledSize":0,"reduceOnly":true,"triggerSignal":"mark","status":"untouched",)"
      R"("receivedTime":"2024-05-06T07:00:00.000Z","lastUpdateTime":"2024-05-06T07:00:00.000Z"},)"
      R"({"order_id":"c0ffee00-1234-4abc-9def-0123456789ab","symbol":"FF_XBTUSD_261225","side":"buy",)"
      R"("orderType":"lmt","limitPrice":1,"unfilledSize":1,"filledSize":0}],"serverTime":"2024-05-06T07:08:11Z"})");
  CHECK(e == RequestError::None);
  REQUIRE(fx.rec.log ==
          std::vector<std::string>{"open_order", "open_order", "unknown_instrument FF_XBTUSD_261225"});
  const oms::VenueOrder& a = fx.rec.open_orders[0];
  CHECK(a.order_id == vid(kOrderA));
  CHECK(a.cli.view() == "tp-30");
  CHECK(a.instrument == kPfEth);
  CHECK(a.side == Side::Sell);
  CHECK(a.type == oms::OrderType::Limit);
  CHECK(a.price == Price{31005});
  CHECK(a.qty == Qty{750});
  CHECK(a.filled == Qty{250});
  CHECK(a.time_ms == iso_ms("2024-05-06T07:08:09.123Z"));
  CHECK(a.last_update_ms == iso_ms("2024-05-06T07:08:10Z"));
  const oms::VenueOrder& b = fx.rec.open_orders[1];
  CHECK(b.cli.view() == "tp-31");
  CHECK(b.type == oms::OrderType::Limit);
  CHECK(b.reduce_only);
  CHECK(b.qty == Qty{100});
  CHECK(fx.parser.counters().foreign_order_types == 1);
  CHECK(fx.parser.counters().open_orders == 2);

  fx.rec.clear();
  CHECK(fx.open_orders(R"({"result":"success","openOrders":[]})") == RequestError::None);
  CHECK(fx.rec.log.empty());
  CHECK(fx.open_orders(R"({"result":"success","openOrders":{}})") == RequestError::Malformed);
  CHECK(fx.open_orders(R"({"result":"error","error":"authenticationError"})", 401) ==
        RequestError::AuthenticationError);
  CHECK(fx.rec.records() == 0);
}

TEST_CASE("rest: /openpositions rows, long and short", "[kraken][orders]") {
  Fixture fx;
  const RequestError e = fx.open_positions(
      R"({"result":"success","openPositions":[{"side":"short","symbol":"PF_XBTUSD","price":"61000.123",)"
      R"("fillTime":"2024-05-06T07:08:09.123Z","size":"0.25","unrealizedFunding":"-0.0012345","pnlCurrency":"USD"},)"
      R"({"symbol":"PI_XBTUSD","size":40,"side":"long","price":60000.5,"unrealizedFunding":null},)"
      R"({"symbol":"PI_XBTUSD","size":40,"side":"flat","price":1}],"serverTime":"2024-05-06T07:08:10Z"})");
  CHECK(e == RequestError::None);
  REQUIRE(fx.rec.log == std::vector<std::string>{"positions_begin", "position", "position",
                                                 "malformed openPositions: side: not long/short",
                                                 "positions_end"});
  CHECK(fx.rec.positions[0].instrument == kPfXbt);
  CHECK(fx.rec.positions[0].balance == Qty{-2500});
  CHECK(fx.rec.positions[0].entry_price == Decimal{61000123, -3});
  CHECK(fx.rec.positions[0].pnl == Decimal{});
  CHECK(fx.rec.positions[1].balance == Qty{40});
  CHECK(fx.rec.positions[1].entry_price == Decimal{600005, -1});

  fx.rec.clear();
  CHECK(fx.open_positions("<html></html>", 502) == RequestError::ServerError);
  CHECK(fx.rec.log.empty());  // no begin/end around an unusable answer
}

TEST_CASE("rest: /fills rows, newest first, no fee", "[kraken][orders]") {
  Fixture fx;
  const RequestError e = fx.fills(
      R"({"result":"success","fills":[{"fill_id":"f2000000-0000-4000-8000-000000000002","symbol":"PF_ETHUSD",)"
      R"("side":"sell","order_id":"c0ffee00-1234-4abc-9def-0123456789ab","size":"0.02","price":"3000.4",)"
      R"("fillTime":"2024-05-06T07:08:09.456Z","fillType":"maker","cliOrdId":"tp-50"},)"
      R"({"fillType":"taker","fillTime":"2024-05-06T07:00:00Z","price":61000,"size":5,"order_id":)"
      R"("0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","side":"buy","symbol":"PI_XBTUSD",)"
      R"("fill_id":"f1000000-0000-4000-8000-000000000001"},)"
      R"({"fill_id":"f3000000-0000-4000-8000-000000000003","symbol":"PI_XBTUSD","side":"buy","size":1,)"
      R"("price":61000,"fillTime":"yesterday","fillType":"partialLiquidation"}],"serverTime":"2024-05-06T07:08:10Z"})");
  CHECK(e == RequestError::None);
  REQUIRE(fx.rec.log == std::vector<std::string>{"fill", "fill", "malformed fills: time: not a time"});
  const oms::Fill& a = fx.rec.fills[0];
  CHECK(a.fill_id == fid(kFill2));
  CHECK(a.instrument == kPfEth);
  CHECK(a.side == Side::Sell);
  CHECK(a.price == Price{30004});
  CHECK(a.qty == Qty{20});
  CHECK(a.liquidity == oms::Liquidity::Maker);
  CHECK(a.cli.view() == "tp-50");
  CHECK(a.time_ms == iso_ms("2024-05-06T07:08:09.456Z"));
  CHECK(a.from_snapshot);
  CHECK_FALSE(a.has_fee);
  CHECK(a.seq == 0);
  CHECK(a.remaining == Qty{-1});
  const oms::Fill& b = fx.rec.fills[1];
  CHECK(b.liquidity == oms::Liquidity::Taker);
  CHECK(b.time_ms < a.time_ms);
  CHECK(b.price == Price{122000});

  fx.rec.clear();
  CHECK(fx.fills(R"({"result":"success","fills":[{"symbol":"PI_XBTUSD",)") == RequestError::Malformed);
  CHECK(fx.fills(R"({"result":"success"})") == RequestError::Malformed);
  CHECK(fx.rec.log.empty());
}

// ================================================================================================
// Steady state

namespace {

#if defined(TICKPATH_TEST_MALLOC_HOOKS)
thread_local bool t_count_mallocs = false;
thread_local std::uint64_t t_mallocs = 0;
void on_malloc(const volatile void* /*p*/, std::size_t /*n*/) {
  if (t_count_mallocs) {
    ++t_mallocs;
  }
}
void on_free(const volatile void* /*p*/) {}
#endif

// Counts without storing (a recording handler would allocate).
struct CountingHandler final : OrderEntryHandler {
  std::uint64_t calls = 0;
  std::int64_t checksum = 0;
  void on_challenge(std::string_view c) noexcept override { calls += c.size(); }
  void on_subscribed(std::string_view) noexcept override { ++calls; }
  void on_alert(std::string_view) noexcept override { ++calls; }
  void on_order_update(const oms::OrderUpdate& u) noexcept override {
    ++calls;
    checksum += u.order.qty.lots();
  }
  void on_fill(const oms::Fill& f) noexcept override {
    ++calls;
    checksum += f.qty.lots();
  }
  void on_position(const oms::VenuePosition& p) noexcept override {
    ++calls;
    checksum += p.balance.lots();
  }
  void on_open_order(const oms::VenueOrder& o) noexcept override {
    ++calls;
    checksum += o.qty.lots();
  }
  void on_malformed(std::string_view w) noexcept override { calls += w.size(); }
  void on_ignored(std::string_view) noexcept override { ++calls; }
};

}  // namespace

TEST_CASE("order messages: parsing allocates nothing once warmed up", "[kraken][orders]") {
#if !defined(TICKPATH_TEST_MALLOC_HOOKS)
  TICKPATH_SKIP("malloc hooks need a sanitizer build");
#else
  static const bool installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
  REQUIRE(installed);
  const InstrumentRegistry registry = synthetic_registry();
  OrderMessageParser parser(registry, 1U << 20U);
  CountingHandler h;
  const std::vector<Body> private_messages{
      Body(kOrdersSnapshot),
      Body(R"({"feed":"open_orders","order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9","is_cancel":true,)"
           R"("reason":"cancelled_by_user"})"),
      Body(
          R"({"feed":"fills","username":"u","fills":[{"instrument":"PF_XBTUSD","time":1,"price":60001.0,"seq":5,)"
          R"("buy":false,"qty":0.005,"order_id":"10000000-2000-4000-8000-00000000000b",)"
          R"("fill_id":"F3000000-0000-4000-8000-0000000000AB","fill_type":"taker","fee_paid":0.15}]})"),
      Body(
          R"({"feed":"open_positions","positions":[{"instrument":"PI_XBTUSD","balance":-12.0,"entry_price":1.5,)"
          R"("pnl":2e-9}]})"),
      Body(R"({"event":"challenge","message":"7d2c1a9e-1111-4222-8333-444455556666"})"),
      Body(R"({"feed":"heartbeat","time":1714979289123})"),
      Body(R"({"feed":"fills","fills":[{"instrument":"PF_XBTUSD","price":60000.5,"qty":0.001,"buy":true}]})"),
      Body(R"({"feed":"open_orders","order":{"instrument":"PI_XBTUSD","qty":1)"),
  };
  const Body send(
      R"({"result":"success","sendStatus":{"status":"placed","order_id":)"
      R"("c0ffee00-1234-4abc-9def-0123456789ab","orderEvents":[{"type":"PLACE","order":{"symbol":)"
      R"("PI_XBTUSD","side":"buy","quantity":3,"filled":1,"limitPrice":100,"orderId":)"
      R"("c0ffee00-1234-4abc-9def-0123456789ab"}},{"type":"EXECUTION","amount":1,)"
      R"("orderPriorExecution":{"symbol":"PI_XBTUSD"}}]}})");
  const Body cancel_all(R"({"result":"success","cancelStatus":{"status":"cancelled","cancelledOrders":[)"
                        R"({"order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9"}]}})");
  const Body error(R"({"status":"BAD_REQUEST","result":"error","errors":[{"code":11,"message":"x"}]})");
  const Body html("<html></html>");
  const Body open_orders(
      R"({"result":"success","openOrders":[{"order_id":"0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9",)"
      R"("symbol":"PF_ETHUSD","side":"sell","orderType":"lmt","limitPrice":"3100.5",)"
      R"("unfilledSize":"0.75","filledSize":"0.25","receivedTime":"2024-05-06T07:08:09Z"}]})");
  const auto run = [&] {
    for (const Body& b : private_messages) {
      parser.parse_private(b.data(), b.size, b.capacity(), h);
    }
    h.checksum += parser.parse_reply(RequestKind::SendOrder, 200, send.data(), send.size, send.capacity(), h)
                      .order_state.qty.lots();
    (void)parser.parse_reply(RequestKind::CancelAll, 200, cancel_all.data(), cancel_all.size,
                             cancel_all.capacity(), h);
    (void)parser.parse_reply(RequestKind::SendOrder, 400, error.data(), error.size, error.capacity(), h);
    (void)parser.parse_reply(RequestKind::SendOrder, 502, html.data(), html.size, html.capacity(), h);
    (void)parser.parse_open_orders(200, open_orders.data(), open_orders.size, open_orders.capacity(), h);
  };
  run();  // warm-up
  const std::uint64_t calls_once = h.calls;
  t_mallocs = 0;
  t_count_mallocs = true;
  for (int i = 0; i < 100; ++i) {
    run();
  }
  t_count_mallocs = false;
  CHECK(t_mallocs == 0);
  CHECK(h.calls == 101 * calls_once);  // the work was done
  CHECK(h.checksum != 0);
  // The hook does see allocations (the check above can fail).
  t_count_mallocs = true;
  const auto* probe = new std::vector<int>(100);
  t_count_mallocs = false;
  delete probe;
  CHECK(t_mallocs > 0);
#endif
}

// ================================================================================================
// The real captures (../shared/kraken-samples, see SOURCES.md): REST order entry of a 2021 demo
// account (ROQ2021), REST queries with string numbers (CCXT), the private feeds (ROQ2021,
// nautilus_trader). Values are checked, not copied.

namespace {

std::vector<std::string> sample_lines(const std::string& name) {
  std::ifstream in(tickpath::test::samples_dir() / name);
  REQUIRE(in.good());
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return lines;
}

std::string sample_file(const std::string& name) {
  std::ifstream in(tickpath::test::samples_dir() / name);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The products the captures trade.
InstrumentRegistry samples_registry() {
  InstrumentRegistry r(16);
  r.add({"PI_XBTUSD", {5, -1}, {1, 0}, ContractKind::Inverse});
  r.add({"PF_XBTUSD", {1, 0}, {1, -4}, ContractKind::Linear});
  r.add({"PF_ETHUSD", {1, -1}, {1, -3}, ContractKind::Linear});
  r.add({"PF_LTCUSD", {1, -2}, {1, -1}, ContractKind::Linear});
  r.add({"PF_FTMUSD", {1, -5}, {1, 0}, ContractKind::Linear});
  r.add({"PI_ETHUSD", {5, -2}, {1, 0}, ContractKind::Inverse});
  r.add({"FI_XBTUSD_200925", {5, -1}, {1, 0}, ContractKind::Inverse});
  return r;
}

struct SampleFixture {
  InstrumentRegistry registry = samples_registry();
  OrderMessageParser parser{registry, 1U << 20U};
  Recorder rec;

  oms::OrderReply reply(RequestKind kind, const std::string& text, unsigned http = 200) {
    const Body b(text);
    return parser.parse_reply(kind, http, b.data(), b.size, b.capacity(), rec);
  }
  void feed(const std::string& text) {
    const Body b(text);
    parser.parse_private(b.data(), b.size, b.capacity(), rec);
  }
};

}  // namespace

TEST_CASE("samples: real REST order-entry answers", "[kraken][orders][samples]") {
  TICKPATH_REQUIRE_SAMPLES();
  SampleFixture fx;
  const InstrumentId pi = fx.registry.find("PI_XBTUSD");

  const auto send = sample_lines("rest_sendorder.jsonl");
  REQUIRE(send.size() == 2);
  const oms::OrderReply placed = fx.reply(RequestKind::SendOrder, send[0]);
  CHECK(placed.error == RequestError::None);
  CHECK(placed.status == VenueStatus::Placed);
  REQUIRE(placed.has_order);
  CHECK(placed.order_state.order_id.valid);
  CHECK(placed.order_state.cli.size == 20);
  CHECK(placed.order_state.instrument == pi);  // "pi_xbtusd" in 2021
  CHECK(placed.order_state.side == Side::Buy);
  CHECK(placed.order_state.type == oms::OrderType::Limit);
  CHECK(placed.order_state.price == Price{80332});  // 40166 / 0.5
  CHECK(placed.order_state.qty == Qty{1});
  CHECK(placed.order_state.filled == Qty{0});
  CHECK(placed.order_state.time_ms == iso_ms("2021-07-30T04:19:40.804Z"));
  CHECK(placed.executed == Qty{0});
  const oms::OrderReply executed = fx.reply(RequestKind::SendOrder, send[1]);
  CHECK(executed.error == RequestError::None);
  CHECK(executed.status == VenueStatus::Placed);  // §9.18
  CHECK_FALSE(executed.has_order);
  CHECK(executed.executed == Qty{1});
  CHECK(executed.order_state.order_id.valid);
  CHECK(executed.order_state.cli.size == 20);

  const auto edit = sample_lines("rest_editorder.jsonl");
  REQUIRE(edit.size() == 3);
  const oms::OrderReply edited = fx.reply(RequestKind::EditOrder, edit[0]);
  CHECK(edited.status == VenueStatus::Edited);
  REQUIRE(edited.has_order);
  CHECK(edited.order_state.price == Price{77963});  // the `new` price, 38981.5
  CHECK(edited.order_state.last_update_ms > edited.order_state.time_ms);
  CHECK_FALSE(edited.edit_no_effect);
  const oms::OrderReply no_effect = fx.reply(RequestKind::EditOrder, edit[1]);
  CHECK(no_effect.status == VenueStatus::Edited);
  CHECK(no_effect.edit_no_effect);
  CHECK_FALSE(no_effect.has_order);
  CHECK(no_effect.order_state.order_id.valid);
  CHECK(no_effect.order_state.cli.size == 20);  // from the REJECT event's order
  const oms::OrderReply crossed = fx.reply(RequestKind::EditOrder, edit[2]);
  CHECK(crossed.status == VenueStatus::Filled);
  CHECK(crossed.executed == Qty{1});

  const auto cancel = sample_lines("rest_cancelorder.jsonl");
  REQUIRE(cancel.size() == 2);
  const oms::OrderReply cancelled = fx.reply(RequestKind::CancelOrder, cancel[0]);
  CHECK(cancelled.status == VenueStatus::Cancelled);
  REQUIRE(cancelled.has_order);
  CHECK(cancelled.order_state.price == Price{83872});
  const oms::OrderReply not_found = fx.reply(RequestKind::CancelOrder, cancel[1]);
  CHECK(not_found.status == VenueStatus::NotFound);
  CHECK_FALSE(not_found.order_state.order_id.valid);

  const auto cancel_all = sample_lines("rest_cancelallorders.jsonl");
  REQUIRE(cancel_all.size() == 2);
  CHECK(fx.reply(RequestKind::CancelAll, cancel_all[0]).status == VenueStatus::NoOrdersToCancel);
  CHECK(fx.rec.updates.empty());
  CHECK(fx.reply(RequestKind::CancelAll, cancel_all[1]).status == VenueStatus::Cancelled);
  REQUIRE(fx.rec.updates.size() == 1);
  CHECK(fx.rec.updates[0].is_cancel);
  CHECK(fx.rec.updates[0].order.order_id.valid);
  CHECK(fx.rec.updates[0].order.cli.size == 20);

  const auto errors = sample_lines("rest_errors.jsonl");
  REQUIRE(errors.size() == 6);
  const std::vector<RequestError> expected{
      RequestError::AuthenticationError, RequestError::InvalidArgument,     RequestError::NotFound,
      RequestError::InvalidArgument,     RequestError::AuthenticationError, RequestError::NotFound};
  for (std::size_t i = 0; i < errors.size(); ++i) {
    INFO("rest_errors.jsonl line " << i + 1);
    CHECK(fx.reply(RequestKind::SendOrder, errors[i]).error == expected[i]);
    CHECK(fx.reply(RequestKind::SendOrder, errors[i], 400).error == expected[i]);
  }
  CHECK(fx.parser.counters().malformed == 0);
  CHECK(fx.parser.counters().unknown_enums == 0);
  CHECK(fx.rec.malformed.empty());
}

TEST_CASE("samples: real REST queries with numbers as strings", "[kraken][orders][samples]") {
  TICKPATH_REQUIRE_SAMPLES();
  SampleFixture fx;
  const InstrumentId ltc = fx.registry.find("PF_LTCUSD");

  for (const std::string& line : sample_lines("rest_openorders.jsonl")) {
    const Body b(line);
    CHECK(fx.parser.parse_open_orders(200, b.data(), b.size, b.capacity(), fx.rec) == RequestError::None);
  }
  REQUIRE(fx.rec.open_orders.size() == 2);
  for (const oms::VenueOrder& o : fx.rec.open_orders) {
    CHECK(o.order_id.valid);
    CHECK(o.instrument == ltc);
    CHECK(o.side == Side::Buy);
    CHECK(o.price == Price{5000});  // "50" on the 0.01 grid
    CHECK(o.qty == Qty{1});         // "0.1" in steps of 0.1
    CHECK(o.filled == Qty{0});
    CHECK(o.time_ms > 0);
    CHECK(o.last_update_ms == o.time_ms);
  }
  CHECK(fx.rec.open_orders[0].time_ms == iso_ms("2025-10-21T08:42:03.057Z"));  // microseconds truncated

  const auto positions = sample_lines("rest_openpositions.jsonl");
  REQUIRE(positions.size() == 1);
  {
    const Body b(positions[0]);
    CHECK(fx.parser.parse_open_positions(200, b.data(), b.size, b.capacity(), fx.rec) == RequestError::None);
  }
  REQUIRE(fx.rec.positions.size() == 1);
  CHECK(fx.rec.positions[0].instrument == ltc);
  CHECK(fx.rec.positions[0].balance == Qty{1});
  CHECK(fx.rec.positions[0].entry_price == Decimal{6854, -2});

  const auto fills = sample_lines("rest_fills.jsonl");
  REQUIRE(fills.size() == 1);
  {
    const Body b(fills[0]);
    CHECK(fx.parser.parse_fills(200, b.data(), b.size, b.capacity(), fx.rec) == RequestError::None);
  }
  REQUIRE(fx.rec.fills.size() == 2);
  CHECK(fx.rec.fills[0].instrument == ltc);
  CHECK(fx.rec.fills[0].side == Side::Buy);
  CHECK(fx.rec.fills[0].price == Price{6854});
  CHECK(fx.rec.fills[0].qty == Qty{1});
  CHECK(fx.rec.fills[1].instrument == fx.registry.find("PF_FTMUSD"));
  CHECK(fx.rec.fills[1].side == Side::Sell);
  CHECK(fx.rec.fills[1].price == Price{50008});
  CHECK(fx.rec.fills[1].qty == Qty{1});
  CHECK(fx.rec.fills[0].time_ms > fx.rec.fills[1].time_ms);  // newest first
  for (const oms::Fill& f : fx.rec.fills) {
    CHECK(f.fill_id.valid);
    CHECK(f.order_id.valid);
    CHECK(f.liquidity == oms::Liquidity::Taker);
    CHECK_FALSE(f.has_fee);
  }
  CHECK(fx.rec.malformed.empty());
  CHECK(fx.rec.unknown.empty());
}

TEST_CASE("samples: real private-feed messages", "[kraken][orders][samples]") {
  TICKPATH_REQUIRE_SAMPLES();
  SampleFixture fx;
  const InstrumentId pi = fx.registry.find("PI_XBTUSD");

  // open_orders (ROQ2021): a snapshot of one order, three full-shape deltas, three short ones.
  const auto orders = sample_lines("ws_open_orders.jsonl");
  REQUIRE(orders.size() == 7);
  for (const std::string& line : orders) {
    fx.feed(line);
  }
  REQUIRE(fx.rec.log.size() == 9);
  CHECK(fx.rec.log.front() == "orders_begin");
  CHECK(fx.rec.log[2] == "orders_end");
  REQUIRE(fx.rec.updates.size() == 7);
  CHECK(fx.rec.updates[0].from_snapshot);
  for (std::size_t i = 0; i < 4; ++i) {
    const oms::OrderUpdate& u = fx.rec.updates[i];
    CHECK(u.has_order);
    CHECK_FALSE(u.is_cancel);
    CHECK(u.order.instrument == pi);
    CHECK(u.order.side == Side::Buy);
    CHECK(u.order.qty == Qty{1});
    CHECK(u.order.price.ticks() > 70000);
  }
  CHECK(fx.rec.updates[1].reason == UpdateReason::NewPlacedOrderByUser);
  CHECK(fx.rec.updates[2].order.cli.size == 20);
  CHECK(fx.rec.updates[3].reason == UpdateReason::EditedByUser);
  CHECK(fx.rec.updates[3].order.last_update_ms > fx.rec.updates[3].order.time_ms);
  for (std::size_t i = 4; i < 7; ++i) {
    CHECK_FALSE(fx.rec.updates[i].has_order);
    CHECK(fx.rec.updates[i].is_cancel);
  }
  CHECK(fx.rec.updates[4].order.order_id == fx.rec.updates[0].order.order_id);  // the snapshot's order
  CHECK(fx.rec.updates[4].reason == UpdateReason::CancelledByUser);
  CHECK(fx.rec.updates[6].reason == UpdateReason::FullFill);
  const oms::OrderUpdate full_fill = fx.rec.updates[6];

  // fills (ROQ2021): a snapshot of five with `account`, a delta with `username`.
  fx.rec.clear();
  const auto fills = sample_lines("ws_fills.jsonl");
  REQUIRE(fills.size() == 2);
  fx.feed(fills[0]);
  fx.feed(fills[1]);
  REQUIRE(fx.rec.log == std::vector<std::string>{"fills_begin", "fill", "fill", "fill", "fill", "fill",
                                                 "fills_end", "fill"});
  for (std::size_t i = 0; i < fx.rec.fills.size(); ++i) {
    const oms::Fill& f = fx.rec.fills[i];
    CHECK(f.seq == i);
    CHECK(f.from_snapshot == (i < 5));
    CHECK(f.instrument == pi);
    CHECK(f.qty == Qty{1});
    CHECK(f.has_fee);
    CHECK(f.fee.mantissa > 0);
    CHECK(f.fee.exponent < -8);  // a few 1e-9 BTC
    CHECK(f.liquidity == oms::Liquidity::Maker);
    CHECK(f.fill_id.valid);
  }
  // The delta is the fill of the order whose full_fill removal came first (§9.11).
  CHECK(fx.rec.fills[5].order_id == full_fill.order.order_id);
  CHECK(fx.rec.fills[5].cli == full_fill.order.cli);
  CHECK(fx.rec.fills[5].fee == Decimal{52, -10});

  // open_positions (ROQ2021): the full list each time.
  fx.rec.clear();
  for (const std::string& line : sample_lines("ws_open_positions.jsonl")) {
    fx.feed(line);
  }
  REQUIRE(fx.rec.positions.size() == 2);
  for (const oms::VenuePosition& p : fx.rec.positions) {
    CHECK(p.instrument == pi);
    CHECK(p.balance == Qty{1});
    CHECK(p.entry_price == Decimal{400125, -1});
    CHECK(p.pnl.mantissa != 0);
  }
  CHECK(fx.rec.positions[0].pnl.mantissa > 0);
  CHECK(fx.rec.positions[1].pnl.mantissa < 0);

  // Control events (CF2021, BYTEX2026, PYKSDK, GOPING2026) and the heartbeat.
  fx.rec.clear();
  for (const std::string& line : sample_lines("ws_events.jsonl")) {
    fx.feed(line);
  }
  for (const std::string& line : sample_lines("ws_heartbeat.jsonl")) {
    fx.feed(line);
  }
  const auto count = [&](std::string_view prefix) {
    return std::count_if(fx.rec.log.begin(), fx.rec.log.end(),
                         [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
  };
  CHECK(count("info") == 3);
  CHECK(count("challenge ") == 1);
  CHECK(count("subscribed open_orders") == 1);
  CHECK(count("subscribed ") == 34);
  CHECK(count("alert ") == 4);
  CHECK(count("ignored unsubscribed") == 3);
  CHECK(count("ignored heartbeat") == 1);
  CHECK(fx.rec.records() == 0);

  // nautilus_trader (LIKELY-REAL 2025-2026): a fills delta with remaining_order_qty and a 2026
  // full_fill removal carrying its whole order.
  fx.rec.clear();
  fx.feed(sample_file("raw/nautilus_trader/ws_futures_fills_delta.json"));
  REQUIRE(fx.rec.fills.size() == 1);
  const oms::Fill& f = fx.rec.fills[0];
  CHECK(f.instrument == fx.registry.find("PF_ETHUSD"));
  CHECK(f.price == Price{31620});
  CHECK(f.qty == Qty{1});
  CHECK(f.remaining == Qty{0});
  CHECK(f.side == Side::Buy);
  CHECK(f.liquidity == oms::Liquidity::Taker);
  CHECK(f.fee == Decimal{1581, -6});
  CHECK(f.cli.empty());  // a 36-character client id is not one of ours
  fx.feed(sample_file("raw/nautilus_trader/ws_futures_open_orders_delta_full_fill.json"));
  REQUIRE(fx.rec.updates.size() == 1);
  const oms::OrderUpdate& u = fx.rec.updates[0];
  CHECK(u.has_order);
  CHECK(u.is_cancel);
  CHECK(u.reason == UpdateReason::FullFill);
  CHECK(u.order.instrument == fx.registry.find("PF_XBTUSD"));
  CHECK(u.order.qty == Qty{0});
  CHECK(u.order.filled == Qty{1});
  // The reason spelling of the post-only rejection (real; its ids are synthetic).
  fx.feed(sample_file("raw/nautilus_trader/ws_futures_open_orders_cancel_post_only.json"));
  REQUIRE(fx.rec.updates.size() == 2);
  CHECK(fx.rec.updates[1].reason == UpdateReason::PostWouldExecute);

  CHECK(fx.parser.counters().malformed == 0);
  CHECK(fx.parser.counters().unknown_instruments == 0);
  CHECK(fx.parser.counters().unknown_enums == 0);
}
