#include "tickpath/venue/kraken_futures/order_messages.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "tickpath/venue/kraken_futures/parser.hpp"

// How a message is read: phase 1 walks the whole document once with simdjson's on-demand API and
// keeps, per record, the text of each field it knows (strings unescaped by simdjson, numbers as
// their raw token), in whatever order the keys come. Phase 2 runs only when phase 1 reached the end
// of the document without a JSON error: it classifies the message, converts each record (the
// instrument first, because prices and sizes need its tick size and size step) and calls the
// handler. All texts point into the input or into simdjson's string buffer, both valid until the
// next document. The raw record buffers are members, reserved by the constructor.

namespace tickpath::venue::kraken_futures {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

// --- text -----------------------------------------------------------------------------------------

constexpr char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool contains(std::string_view s, std::string_view what) noexcept {
  return s.find(what) != std::string_view::npos;
}

constexpr bool is_ws(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// A number token may carry the whitespace that follows it; a string-held number may be padded.
std::string_view trim(std::string_view t) noexcept {
  while (!t.empty() && is_ws(t.front())) {
    t.remove_prefix(1);
  }
  while (!t.empty() && is_ws(t.back())) {
    t.remove_suffix(1);
  }
  return t;
}

// --- captured values ------------------------------------------------------------------------------

enum class Kind : std::uint8_t { Absent, Null, String, Number, Bool, Object, Array };

// One field's value as read in phase 1. Containers are noted, not read (the walker reads the ones
// it wants itself).
struct Text {
  std::string_view text;
  Kind kind{Kind::Absent};

  [[nodiscard]] bool present() const noexcept { return kind != Kind::Absent && kind != Kind::Null; }
  [[nodiscard]] bool is_string() const noexcept { return kind == Kind::String; }
};

error_code capture(od::value& v, Text& out) noexcept {
  od::json_type t{};
  if (const error_code e = v.type().get(t)) {
    return e;
  }
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      if (const error_code e = v.get_string().get(s)) {
        return e;
      }
      out = {s, Kind::String};
      return SUCCESS;
    }
    case od::json_type::number:
      out = {trim(v.raw_json_token()), Kind::Number};
      return SUCCESS;
    case od::json_type::boolean: {
      bool b = false;
      if (const error_code e = v.get_bool().get(b)) {
        return e;
      }
      out = {b ? std::string_view("true") : std::string_view("false"), Kind::Bool};
      return SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (const error_code e = v.is_null().get(is_null)) {
        return e;
      }
      if (!is_null) {
        return simdjson::INCORRECT_TYPE;
      }
      out = {{}, Kind::Null};
      return SUCCESS;
    }
    case od::json_type::object:
      out = {{}, Kind::Object};
      return SUCCESS;
    case od::json_type::array:
      out = {{}, Kind::Array};
      return SUCCESS;
  }
  return simdjson::INCORRECT_TYPE;
}

// Calls f(key, value) for every field of obj; the first error (JSON or f's) ends the walk.
template <typename F>
error_code for_each_field(od::object& obj, F&& f) noexcept {
  for (auto field_result : obj) {
    od::field field;
    if (const error_code e = std::move(field_result).get(field)) {
      return e;
    }
    std::string_view key;
    if (const error_code e = field.unescaped_key().get(key)) {
      return e;
    }
    od::value value = field.value();
    if (const error_code e = f(key, value)) {
      return e;
    }
  }
  return SUCCESS;
}

// --- raw records ----------------------------------------------------------------------------------

// Every order surface in one table: the private feed's order object (§6.10), the REST order
// events' OrderJson (§5.12) and /openorders rows (§5.11).
enum class OF : std::uint8_t {
  Instrument,  // instrument, symbol
  OrderId,     // order_id, orderId
  Cli,         // cli_ord_id, cliOrdId
  Remaining,   // qty (feed), unfilledSize (/openorders)
  Quantity,    // quantity (REST events: the order size)
  Filled,      // filled, filledSize
  Price,       // limit_price, limitPrice
  Type,        // type, orderType
  SideText,    // side
  Direction,   // direction
  ReduceOnly,  // reduce_only, reduceOnly
  Time,        // time, timestamp, receivedTime
  LastUpdate,  // last_update_time, lastUpdateTimestamp, lastUpdateTime
  kCount,
};

int order_slot(std::string_view k) noexcept {
  OF f = OF::kCount;
  if (k == "instrument" || k == "symbol") {
    f = OF::Instrument;
  } else if (k == "order_id" || k == "orderId") {
    f = OF::OrderId;
  } else if (k == "cli_ord_id" || k == "cliOrdId") {
    f = OF::Cli;
  } else if (k == "qty" || k == "unfilledSize") {
    f = OF::Remaining;
  } else if (k == "quantity") {
    f = OF::Quantity;
  } else if (k == "filled" || k == "filledSize") {
    f = OF::Filled;
  } else if (k == "limit_price" || k == "limitPrice") {
    f = OF::Price;
  } else if (k == "type" || k == "orderType") {
    f = OF::Type;
  } else if (k == "side") {
    f = OF::SideText;
  } else if (k == "direction") {
    f = OF::Direction;
  } else if (k == "reduce_only" || k == "reduceOnly") {
    f = OF::ReduceOnly;
  } else if (k == "time" || k == "timestamp" || k == "receivedTime") {
    f = OF::Time;
  } else if (k == "last_update_time" || k == "lastUpdateTimestamp" || k == "lastUpdateTime") {
    f = OF::LastUpdate;
  } else {
    return -1;
  }
  return static_cast<int>(f);
}

// Fills: the private feed (§6.11) and REST /fills rows (§5.11).
enum class FF : std::uint8_t {
  Instrument,  // instrument, symbol
  Time,        // time, fillTime
  Price,       // price
  Seq,         // seq
  Buy,         // buy
  SideText,    // side
  Qty,         // qty, size
  Remaining,   // remaining_order_qty
  OrderId,     // order_id, orderId
  Cli,         // cli_ord_id, cliOrdId
  FillId,      // fill_id, fillId
  FillType,    // fill_type, fillType
  Fee,         // fee_paid
  kCount,
};

int fill_slot(std::string_view k) noexcept {
  FF f = FF::kCount;
  if (k == "instrument" || k == "symbol") {
    f = FF::Instrument;
  } else if (k == "time" || k == "fillTime") {
    f = FF::Time;
  } else if (k == "price") {
    f = FF::Price;
  } else if (k == "seq") {
    f = FF::Seq;
  } else if (k == "buy") {
    f = FF::Buy;
  } else if (k == "side") {
    f = FF::SideText;
  } else if (k == "qty" || k == "size") {
    f = FF::Qty;
  } else if (k == "remaining_order_qty") {
    f = FF::Remaining;
  } else if (k == "order_id" || k == "orderId") {
    f = FF::OrderId;
  } else if (k == "cli_ord_id" || k == "cliOrdId") {
    f = FF::Cli;
  } else if (k == "fill_id" || k == "fillId") {
    f = FF::FillId;
  } else if (k == "fill_type" || k == "fillType") {
    f = FF::FillType;
  } else if (k == "fee_paid") {
    f = FF::Fee;
  } else {
    return -1;
  }
  return static_cast<int>(f);
}

// Positions: the private feed (§6.12) and REST /openpositions (§5.11).
enum class PF : std::uint8_t {
  Instrument,  // instrument, symbol
  Balance,     // balance (signed)
  Size,        // size (unsigned, with side)
  SideText,    // side: long / short
  Entry,       // entry_price, price
  Pnl,         // pnl
  kCount,
};

int position_slot(std::string_view k) noexcept {
  PF f = PF::kCount;
  if (k == "instrument" || k == "symbol") {
    f = PF::Instrument;
  } else if (k == "balance") {
    f = PF::Balance;
  } else if (k == "size") {
    f = PF::Size;
  } else if (k == "side") {
    f = PF::SideText;
  } else if (k == "entry_price" || k == "price") {
    f = PF::Entry;
  } else if (k == "pnl") {
    f = PF::Pnl;
  } else {
    return -1;
  }
  return static_cast<int>(f);
}

template <typename Slot, int (*Lookup)(std::string_view)>
struct Raw {
  std::array<Text, static_cast<std::size_t>(Slot::kCount)> f{};
  bool not_object{false};  // the array element was not an object

  [[nodiscard]] const Text& operator[](Slot s) const noexcept { return f[static_cast<std::size_t>(s)]; }
  [[nodiscard]] Text& operator[](Slot s) noexcept { return f[static_cast<std::size_t>(s)]; }
};

using RawOrder = Raw<OF, order_slot>;
using RawFill = Raw<FF, fill_slot>;
using RawPosition = Raw<PF, position_slot>;

template <typename Slot, int (*Lookup)(std::string_view)>
error_code walk_record(od::object& obj, Raw<Slot, Lookup>& raw) noexcept {
  return for_each_field(obj, [&](std::string_view key, od::value& v) noexcept -> error_code {
    const int slot = Lookup(key);
    if (slot < 0) {
      return SUCCESS;  // unused or unknown field: skipped by the iteration
    }
    return capture(v, raw.f[static_cast<std::size_t>(slot)]);
  });
}

template <typename Slot, int (*Lookup)(std::string_view)>
error_code walk_record(od::value& v, Raw<Slot, Lookup>& raw) noexcept {
  od::object obj;
  if (const error_code e = v.get_object().get(obj)) {
    return e;
  }
  return walk_record(obj, raw);
}

// Appends one record per element of an array of objects; an element that is not an object is kept
// as a not_object record (reported in phase 2, the others still count).
template <typename R>
error_code walk_records(od::value& v, std::vector<R>& out) noexcept {
  od::array arr;
  if (const error_code e = v.get_array().get(arr)) {
    return e;
  }
  for (auto element_result : arr) {
    od::value element;
    if (const error_code e = std::move(element_result).get(element)) {
      return e;
    }
    od::json_type t{};
    if (const error_code e = element.type().get(t)) {
      return e;
    }
    out.emplace_back();  // reserved by the constructor; grows only past that
    if (t != od::json_type::object) {
      out.back().not_object = true;
      Text ignored;
      if (const error_code e = capture(element, ignored)) {
        return e;
      }
      continue;
    }
    if (const error_code e = walk_record(element, out.back())) {
      return e;
    }
  }
  return SUCCESS;
}

// The ids of a cancelledOrders entry, and one EXECUTION's amount with the symbol that sizes it.
struct RawIds {
  Text order_id, cli;
  bool not_object{false};
};

struct RawExec {
  Text amount, symbol;
};

// --- conversions ----------------------------------------------------------------------------------

// What went wrong with one record, for the handler: field + detail ("limit_price", "off_grid"),
// or the symbol of an unknown instrument.
struct Problem {
  enum class Kind : std::uint8_t { None, UnknownInstrument, Malformed };
  Kind kind{Kind::None};
  std::string_view field;
  std::string_view detail;

  [[nodiscard]] bool ok() const noexcept { return kind == Kind::None; }
  static Problem malformed(std::string_view field, std::string_view detail) noexcept {
    return {Kind::Malformed, field, detail};
  }
};

// The text of a number sent as a number or as a string holding one (§2.3); false for other types.
bool number_text(const Text& t, std::string_view& out) noexcept {
  if (t.kind == Kind::Number) {
    out = t.text;
    return true;
  }
  if (t.kind == Kind::String) {
    out = trim(t.text);
    return true;
  }
  return false;
}

const Instrument* find_instrument(const InstrumentRegistry& registry, const Text& t, std::string_view field,
                                  Problem& p) noexcept {
  if (!t.present()) {
    p = Problem::malformed(field, "missing");
    return nullptr;
  }
  if (!t.is_string()) {
    p = Problem::malformed(field, "not a string");
    return nullptr;
  }
  const InstrumentId id = registry.find(t.text);
  if (!id.valid()) {
    p = {Problem::Kind::UnknownInstrument, field, t.text};
    return nullptr;
  }
  return &registry.get(id);
}

bool to_price(const Instrument& ins, const Text& t, std::string_view field, Price& out, Problem& p) noexcept {
  std::string_view text;
  if (!number_text(t, text)) {
    p = Problem::malformed(field, "not a number");
    return false;
  }
  const PriceResult r = ins.price_from_text(text);
  if (r.error != DecimalError::Ok) {
    p = Problem::malformed(field, to_string(r.error));
    return false;
  }
  out = r.price;
  return true;
}

bool to_qty(const Instrument& ins, const Text& t, std::string_view field, Qty& out, Problem& p) noexcept {
  std::string_view text;
  if (!number_text(t, text)) {
    p = Problem::malformed(field, "not a number");
    return false;
  }
  const QtyResult r = ins.qty_from_text(text);
  if (r.error != DecimalError::Ok) {
    p = Problem::malformed(field, to_string(r.error));
    return false;
  }
  out = r.qty;
  return true;
}

bool to_decimal(const Text& t, Decimal& out) noexcept {
  std::string_view text;
  if (!number_text(t, text)) {
    return false;
  }
  const DecimalResult r = parse_decimal(text);
  if (r.error != DecimalError::Ok) {
    return false;
  }
  out = r.value;
  return true;
}

bool to_int(const Text& t, std::int64_t& out) noexcept {
  std::string_view text;
  if (!number_text(t, text)) {
    return false;
  }
  const UnitsResult r = to_units(text, Increment{1, 0});
  if (r.error != DecimalError::Ok) {
    return false;
  }
  out = r.units;
  return true;
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// Epoch ms from a number or digit string (websocket, history API) or an ISO-8601 string (REST).
bool to_time_ms(const Text& t, std::int64_t& out) noexcept {
  if (t.kind == Kind::Number || (t.kind == Kind::String && all_digits(trim(t.text)))) {
    return to_int(t, out);
  }
  if (t.kind == Kind::String) {
    return parse_iso8601_ms(trim(t.text), out);
  }
  return false;
}

bool to_bool(const Text& t, bool& out) noexcept {
  if (t.kind == Kind::Bool || t.kind == Kind::String || t.kind == Kind::Number) {
    const std::string_view s = trim(t.text);
    if (iequals(s, "true") || s == "1") {
      out = true;
      return true;
    }
    if (iequals(s, "false") || s == "0") {
      out = false;
      return true;
    }
  }
  return false;
}

bool side_from_text(std::string_view s, Side& out) noexcept {
  if (iequals(s, "buy")) {
    out = Side::Buy;
    return true;
  }
  if (iequals(s, "sell")) {
    out = Side::Sell;
    return true;
  }
  return false;
}

// `direction` 0/1 (feed), or a side word.
bool side_from_direction(const Text& t, Side& out) noexcept {
  std::int64_t d = -1;
  if (to_int(t, d)) {
    if (d == 0 || d == 1) {
      out = d == 0 ? Side::Buy : Side::Sell;
      return true;
    }
    return false;
  }
  return t.is_string() && side_from_text(trim(t.text), out);
}

oms::VenueOrderId order_id_of(const Text& t) noexcept {
  return t.is_string() ? venue_order_id_from_text(trim(t.text)) : oms::VenueOrderId{};
}

oms::ClientOrderId cli_of(const Text& t) noexcept {
  oms::ClientOrderId cli;
  if (t.is_string()) {
    (void)cli.assign(t.text);  // longer than ours can be: not ours, left empty
  }
  return cli;
}

oms::OrderType order_type_from(const Text& t, OrderMessageCounters& counters) noexcept {
  if (!t.present()) {
    return oms::OrderType::Limit;
  }
  const std::string_view s = t.is_string() ? trim(t.text) : std::string_view{};
  if (iequals(s, "lmt") || iequals(s, "limit")) {
    return oms::OrderType::Limit;
  }
  if (iequals(s, "post")) {
    return oms::OrderType::PostOnly;
  }
  if (iequals(s, "ioc")) {
    return oms::OrderType::Ioc;
  }
  if (iequals(s, "mkt") || iequals(s, "market")) {
    return oms::OrderType::Market;
  }
  if (iequals(s, "stop") || iequals(s, "stp") || iequals(s, "take_profit") || iequals(s, "trailing_stop") ||
      iequals(s, "fok")) {
    ++counters.foreign_order_types;
  } else {
    ++counters.unknown_enums;
  }
  return oms::OrderType::Limit;
}

oms::Liquidity liquidity_from(const Text& t, OrderMessageCounters& counters) noexcept {
  if (!t.present()) {
    return oms::Liquidity::Unknown;
  }
  const std::string_view s = t.is_string() ? trim(t.text) : std::string_view{};
  if (iequals(s, "maker")) {
    return oms::Liquidity::Maker;
  }
  // A resting order edited into the book's other side took liquidity.
  if (iequals(s, "taker") || iequals(s, "takerAfterEdit")) {
    return oms::Liquidity::Taker;
  }
  constexpr std::array<std::string_view, 8> kOther{
      "liquidation", "partialLiquidation", "partial liquidation", "assignor",
      "assignee",    "unwindBankrupt",     "unwindCounterparty",  "termination"};
  if (std::none_of(kOther.begin(), kOther.end(), [&](std::string_view o) { return iequals(s, o); })) {
    ++counters.unknown_enums;
  }
  return oms::Liquidity::Other;
}

// One order record -> VenueOrder. The ids are set before anything can fail, so that a caller can
// still use them (open_orders' short form).
Problem convert_order(const InstrumentRegistry& registry, const RawOrder& raw, oms::VenueOrder& out,
                      OrderMessageCounters& counters) noexcept {
  out = oms::VenueOrder{};
  out.order_id = order_id_of(raw[OF::OrderId]);
  out.cli = cli_of(raw[OF::Cli]);
  if (raw.not_object) {
    return Problem::malformed("entry", "not an object");
  }
  Problem p;
  const Instrument* ins = find_instrument(registry, raw[OF::Instrument], "instrument", p);
  if (ins == nullptr) {
    return p;
  }
  out.instrument = ins->id();
  if (raw[OF::SideText].present()) {
    if (!raw[OF::SideText].is_string() || !side_from_text(trim(raw[OF::SideText].text), out.side)) {
      return Problem::malformed("side", "not buy/sell");
    }
  } else if (raw[OF::Direction].present()) {
    if (!side_from_direction(raw[OF::Direction], out.side)) {
      return Problem::malformed("direction", "not 0/1");
    }
  } else {
    return Problem::malformed("side", "missing");
  }
  out.type = order_type_from(raw[OF::Type], counters);
  if (raw[OF::ReduceOnly].present() && !to_bool(raw[OF::ReduceOnly], out.reduce_only)) {
    return Problem::malformed("reduce_only", "not a boolean");
  }
  out.price = Price::min();
  if (raw[OF::Price].present() && !to_price(*ins, raw[OF::Price], "limit_price", out.price, p)) {
    return p;
  }
  if (raw[OF::Filled].present() && !to_qty(*ins, raw[OF::Filled], "filled", out.filled, p)) {
    return p;
  }
  if (raw[OF::Remaining].present()) {
    if (!to_qty(*ins, raw[OF::Remaining], "qty", out.qty, p)) {
      return p;
    }
  } else if (raw[OF::Quantity].present()) {
    Qty size{};
    if (!to_qty(*ins, raw[OF::Quantity], "quantity", size, p)) {
      return p;
    }
    out.qty = size > out.filled ? size - out.filled : Qty{0};
  } else {
    return Problem::malformed("qty", "missing");
  }
  if (raw[OF::Time].present() && !to_time_ms(raw[OF::Time], out.time_ms)) {
    return Problem::malformed("time", "not a time");
  }
  if (raw[OF::LastUpdate].present() && !to_time_ms(raw[OF::LastUpdate], out.last_update_ms)) {
    return Problem::malformed("last_update_time", "not a time");
  }
  return {};
}

Problem convert_fill(const InstrumentRegistry& registry, const RawFill& raw, oms::Fill& out,
                     OrderMessageCounters& counters) noexcept {
  out = oms::Fill{};
  if (raw.not_object) {
    return Problem::malformed("entry", "not an object");
  }
  Problem p;
  const Instrument* ins = find_instrument(registry, raw[FF::Instrument], "instrument", p);
  if (ins == nullptr) {
    return p;
  }
  out.instrument = ins->id();
  out.order_id = order_id_of(raw[FF::OrderId]);
  out.cli = cli_of(raw[FF::Cli]);
  if (const Text& id = raw[FF::FillId]; id.present()) {
    if (id.is_string()) {
      out.fill_id = fill_id_from_text(trim(id.text));
    }
    if (!out.fill_id.valid) {
      ++counters.bad_optional_fields;
    }
  }
  if (raw[FF::Buy].present()) {
    bool buy = false;
    if (!to_bool(raw[FF::Buy], buy)) {
      return Problem::malformed("buy", "not a boolean");
    }
    out.side = buy ? Side::Buy : Side::Sell;
  } else if (raw[FF::SideText].present()) {
    if (!raw[FF::SideText].is_string() || !side_from_text(trim(raw[FF::SideText].text), out.side)) {
      return Problem::malformed("side", "not buy/sell");
    }
  } else {
    return Problem::malformed("side", "missing");
  }
  if (!raw[FF::Price].present()) {
    return Problem::malformed("price", "missing");
  }
  if (!to_price(*ins, raw[FF::Price], "price", out.price, p)) {
    return p;
  }
  if (!raw[FF::Qty].present()) {
    return Problem::malformed("qty", "missing");
  }
  if (!to_qty(*ins, raw[FF::Qty], "qty", out.qty, p)) {
    return p;
  }
  if (raw[FF::Remaining].present() &&
      !to_qty(*ins, raw[FF::Remaining], "remaining_order_qty", out.remaining, p)) {
    return p;
  }
  out.liquidity = liquidity_from(raw[FF::FillType], counters);
  if (raw[FF::Fee].present()) {
    out.has_fee = to_decimal(raw[FF::Fee], out.fee);
    if (!out.has_fee) {
      out.fee = Decimal{};
      ++counters.bad_optional_fields;
    }
  }
  if (raw[FF::Time].present() && !to_time_ms(raw[FF::Time], out.time_ms)) {
    return Problem::malformed("time", "not a time");
  }
  if (raw[FF::Seq].present()) {
    std::int64_t seq = 0;
    if (!to_int(raw[FF::Seq], seq) || seq < 0) {
      return Problem::malformed("seq", "not a count");
    }
    out.seq = static_cast<std::uint64_t>(seq);
  }
  return {};
}

Problem convert_position(const InstrumentRegistry& registry, const RawPosition& raw, oms::VenuePosition& out,
                         OrderMessageCounters& counters) noexcept {
  out = oms::VenuePosition{};
  if (raw.not_object) {
    return Problem::malformed("entry", "not an object");
  }
  Problem p;
  const Instrument* ins = find_instrument(registry, raw[PF::Instrument], "instrument", p);
  if (ins == nullptr) {
    return p;
  }
  out.instrument = ins->id();
  if (raw[PF::Balance].present()) {
    if (!to_qty(*ins, raw[PF::Balance], "balance", out.balance, p)) {
      return p;
    }
  } else if (raw[PF::Size].present()) {
    if (!to_qty(*ins, raw[PF::Size], "size", out.balance, p)) {
      return p;
    }
    const Text& side = raw[PF::SideText];
    const std::string_view s = side.is_string() ? trim(side.text) : std::string_view{};
    if (iequals(s, "short") || iequals(s, "sell")) {
      out.balance = out.balance > Qty{0} ? -out.balance : out.balance;
    } else if (!iequals(s, "long") && !iequals(s, "buy")) {
      return Problem::malformed("side", "not long/short");
    }
  } else {
    return Problem::malformed("balance", "missing");
  }
  if (raw[PF::Entry].present() && !to_decimal(raw[PF::Entry], out.entry_price)) {
    return Problem::malformed("entry_price", "not a decimal");
  }
  if (raw[PF::Pnl].present() && !to_decimal(raw[PF::Pnl], out.pnl)) {
    out.pnl = Decimal{};
    ++counters.bad_optional_fields;
  }
  return {};
}

// --- time -----------------------------------------------------------------------------------------

constexpr bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr int days_in_month(std::int64_t y, int m) noexcept {
  constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, int m, int d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);

}  // namespace

// --- public helpers -------------------------------------------------------------------------------

oms::VenueOrderId venue_order_id_from_text(std::string_view text) noexcept {
  oms::VenueOrderId id;
  id.valid = uuid_from_text(text, id.bytes);
  return id;
}

oms::FillId fill_id_from_text(std::string_view text) noexcept {
  oms::FillId id;
  id.valid = uuid_from_text(text, id.bytes);
  return id;
}

bool parse_iso8601_ms(std::string_view t, std::int64_t& epoch_ms) noexcept {
  const auto digits = [&](std::size_t pos, std::size_t n, int& v) noexcept {
    if (pos + n > t.size()) {
      return false;
    }
    v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = t[pos + i];
      if (!is_digit(c)) {
        return false;
      }
      v = v * 10 + (c - '0');
    }
    return true;
  };
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!digits(0, 4, year) || t.size() < 19 || t[4] != '-' || !digits(5, 2, month) || t[7] != '-' ||
      !digits(8, 2, day) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || !digits(11, 2, hour) ||
      t[13] != ':' || !digits(14, 2, minute) || t[16] != ':' || !digits(17, 2, second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
      second > 60) {  // 60: a leap second, counted into the next minute
    return false;
  }
  std::size_t p = 19;
  std::int64_t ms = 0;
  if (p < t.size() && t[p] == '.') {
    ++p;
    const std::size_t start = p;
    std::int64_t scale = 100;
    while (p < t.size() && is_digit(t[p])) {
      ms += (t[p] - '0') * scale;  // digits past the millisecond are truncated
      scale /= 10;
      ++p;
    }
    if (p == start) {
      return false;
    }
  }
  std::int64_t offset_minutes = 0;
  if (p < t.size()) {
    const char c = t[p++];
    if (c == '+' || c == '-') {
      int oh = 0;
      int om = 0;
      if (!digits(p, 2, oh)) {
        return false;
      }
      p += 2;
      if (p < t.size()) {
        if (t[p] == ':') {
          ++p;
        }
        if (!digits(p, 2, om)) {
          return false;
        }
        p += 2;
      }
      if (oh > 23 || om > 59) {
        return false;
      }
      offset_minutes = (oh * 60 + om) * (c == '+' ? 1 : -1);
    } else if (c != 'Z' && c != 'z') {
      return false;
    }
  }
  if (p != t.size()) {
    return false;
  }
  const std::int64_t days = days_from_civil(year, month, day);
  const std::int64_t seconds = ((days * 24 + hour) * 60 + minute) * 60 + second - offset_minutes * 60;
  epoch_ms = seconds * 1000 + ms;
  return true;
}

oms::VenueStatus venue_status_from_text(std::string_view text) noexcept {
  using S = oms::VenueStatus;
  struct Entry {
    std::string_view text;
    S status;
  };
  static constexpr std::array<Entry, 35> kTable{{
      {"placed", S::Placed},
      {"partiallyFilled", S::PartiallyFilled},
      {"filled", S::Filled},
      {"cancelled", S::Cancelled},
      {"edited", S::Edited},
      {"notFound", S::NotFound},
      {"noOrdersToCancel", S::NoOrdersToCancel},
      {"invalidOrderType", S::InvalidOrderType},
      {"invalidSide", S::InvalidSide},
      {"invalidSize", S::InvalidSize},
      {"invalidPrice", S::InvalidPrice},
      {"insufficientAvailableFunds", S::InsufficientAvailableFunds},
      {"selfFill", S::SelfFill},
      {"tooManySmallOrders", S::TooManySmallOrders},
      {"tooManyOrders", S::TooManyOrders},
      {"maxPositionViolation", S::MaxPositionViolation},
      {"marketSuspended", S::MarketSuspended},
      {"marketInactive", S::MarketInactive},
      {"marketIsPostOnly", S::MarketIsPostOnly},
      {"clientOrderIdAlreadyExist", S::ClientOrderIdAlreadyExist},
      {"clientOrderIdTooLong", S::ClientOrderIdTooLong},
      {"clientOrderIdTooBig", S::ClientOrderIdTooBig},
      {"clientOrderIdInvalid", S::ClientOrderIdInvalid},
      {"outsidePriceCollar", S::OutsidePriceCollar},
      {"wouldIncreasePriceDislocation", S::WouldIncreasePriceDislocation},
      {"postWouldExecute", S::PostWouldExecute},
      {"iocWouldNotExecute", S::IocWouldNotExecute},
      {"wouldCauseLiquidation", S::WouldCauseLiquidation},
      {"wouldNotReducePosition", S::WouldNotReducePosition},
      {"orderForEditNotFound", S::OrderForEditNotFound},
      {"orderForEditNotAStop", S::OrderForEditNotAStop},
      {"fixedLeverageTooHigh", S::FixedLeverageTooHigh},
      {"cannotEditTriggerPriceOfTrailingStop", S::CannotEditTriggerPriceOfTrailingStop},
      {"cannotEditLimitPriceOfTrailingStop", S::CannotEditLimitPriceOfTrailingStop},
      {"wouldProcessAfterSpecifiedTime", S::WouldProcessAfterSpecifiedTime},
  }};
  for (const Entry& e : kTable) {
    if (iequals(text, e.text)) {
      return e.status;
    }
  }
  return S::Unknown;
}

oms::RequestError request_error_from_code(std::string_view code) noexcept {
  using E = oms::RequestError;
  const std::string_view c = trim(code);
  if (iequals(c, "apiLimitExceeded")) {
    return E::ApiLimitExceeded;
  }
  if (iequals(c, "authenticationError")) {
    return E::AuthenticationError;
  }
  if (iequals(c, "nonceBelowThreshold")) {
    return E::NonceBelowThreshold;
  }
  if (iequals(c, "nonceDuplicate")) {
    return E::NonceDuplicate;
  }
  if (iequals(c, "invalidArgument") || iequals(c, "requiredArgumentMissing") || iequals(c, "invalidAmount") ||
      iequals(c, "invalidUnit")) {
    return E::InvalidArgument;
  }
  if (iequals(c, "Server Error") || iequals(c, "Unavailable")) {
    return E::ServerError;
  }
  if (iequals(c, "notFound") || iequals(c, "Not Found")) {
    return E::NotFound;
  }
  return E::Other;
}

oms::UpdateReason update_reason_from_text(std::string_view text) noexcept {
  using R = oms::UpdateReason;
  struct Stem {
    std::string_view stem;
    R reason;
  };
  // Stems, not whole strings: the venue's spellings drift in their tails (§6.10).
  static constexpr std::array<Stem, 21> kStems{{
      {"new_placed_order_by_user", R::NewPlacedOrderByUser},
      {"partial_fill", R::PartialFill},
      {"full_fill", R::FullFill},
      {"cancelled_by_user", R::CancelledByUser},
      {"cancelled_by_admin", R::CancelledByAdmin},
      {"dead_man", R::DeadManSwitch},
      {"contract_expired", R::ContractExpired},
      {"not_enough_margin", R::NotEnoughMargin},
      {"market_inactive", R::MarketInactive},
      {"liquidation", R::Liquidation},
      {"stop_order_triggered", R::StopOrderTriggered},
      {"limit_order_from_stop", R::LimitOrderFromStop},
      {"ioc_order_failed", R::IocWouldNotExecute},
      {"post_order_failed", R::PostWouldExecute},
      {"would_execute_self", R::WouldExecuteSelf},
      {"would_not_reduce_position", R::WouldNotReducePosition},
      {"order_for_edit_not_found", R::OrderForEditNotFound},
      {"edited_by_user", R::EditedByUser},
      // REST REJECT reasons (§5.12 OrderError) for the same outcomes.
      {"post_would_execute", R::PostWouldExecute},
      {"ioc_would_not_execute", R::IocWouldNotExecute},
      {"insufficient_margin", R::NotEnoughMargin},
  }};
  const std::string_view t = trim(text);
  for (const Stem& s : kStems) {
    if (istarts_with(t, s.stem)) {
      return s.reason;
    }
  }
  return R::Unknown;
}

// --- the parser -----------------------------------------------------------------------------------

namespace {

constexpr std::size_t kRecordsReserve = 1024;
constexpr std::size_t kExecsReserve = 256;

// The top level of a private-feed message (§6.1, §6.3, §6.10-6.12).
struct PrivateRaw {
  Text event, feed, message, is_cancel, reason, order_id, cli;
  Text order_field, orders_field, fills_field, positions_field;  // their JSON types
  bool has_order{false};
};

// An order answer's envelope (§5.2) and payload (§5.5-5.9, §5.12).
struct ReplyRaw {
  // envelope
  Text result, error, status, message;
  bool has_errors{false};
  bool errors_not_found{false};
  // payload: sendStatus / editStatus / cancelStatus, or cancelallordersafter's status object
  bool has_payload{false};
  Text payload_type;  // the JSON type of the expected key when it is there but not an object
  Text order_status, order_id, cli;
  Text trigger_time;
  // from the events
  bool has_state{false};
  RawOrder state;  // first PLACE order / EDIT new / CANCEL order
  Text event_order_id, event_cli;
  Text fallback_symbol;  // the first symbol named anywhere: sizes EXECUTION amounts without one
  bool edit_no_effect{false};
};

// One orderEvents element.
struct RawEvent {
  Text type, reason, uid, amount;
  RawOrder order, new_order, prior;
  bool has_order{false}, has_new{false}, has_prior{false};
};

}  // namespace

struct OrderMessageParser::Impl {
  od::parser json;
  std::vector<RawOrder> orders;
  std::vector<RawFill> fills;
  std::vector<RawPosition> positions;
  std::vector<RawIds> cancelled;
  std::vector<RawExec> execs;
  RawOrder delta_order;
  std::array<char, 256> what{};

  void clear() noexcept {
    orders.clear();
    fills.clear();
    positions.clear();
    cancelled.clear();
    execs.clear();
  }

  // "a: b: c" in the member buffer (truncated to fit); valid until the next message.
  std::string_view compose(std::string_view a, std::string_view b = {}, std::string_view c = {}) noexcept {
    std::size_t n = 0;
    const auto put = [&](std::string_view s) noexcept {
      const std::size_t k = std::min(s.size(), what.size() - n);
      std::memcpy(what.data() + n, s.data(), k);
      n += k;
    };
    put(a);
    if (!b.empty()) {
      put(": ");
      put(b);
    }
    if (!c.empty()) {
      put(": ");
      put(c);
    }
    return {what.data(), n};
  }
};

namespace {

// Handler calls with their counters.
struct Out {
  OrderMessageParser::Impl& m;
  OrderEntryHandler& h;
  OrderMessageCounters& c;

  void malformed(std::string_view a, std::string_view b = {}, std::string_view d = {}) noexcept {
    ++c.malformed;
    h.on_malformed(m.compose(a, b, d));
  }
  void problem(std::string_view surface, const Problem& p) noexcept {
    if (p.kind == Problem::Kind::UnknownInstrument) {
      ++c.unknown_instruments;
      h.on_unknown_instrument(p.detail);
    } else if (p.kind == Problem::Kind::Malformed) {
      malformed(surface, p.field, p.detail);
    }
  }
  void ignored(std::string_view what) noexcept {
    ++c.ignored;
    h.on_ignored(what);
  }
  void order_update(const oms::OrderUpdate& u) noexcept {
    ++c.order_updates;
    h.on_order_update(u);
  }
  void fill(const oms::Fill& f) noexcept {
    ++c.fills;
    h.on_fill(f);
  }
  void position(const oms::VenuePosition& p) noexcept {
    ++c.positions;
    h.on_position(p);
  }
};

// An update reduced to the short form (§6.10): ids only.
void keep_ids_only(oms::OrderUpdate& u) noexcept {
  oms::VenueOrder ids;
  ids.order_id = u.order.order_id;
  ids.cli = u.order.cli;
  u.order = ids;
  u.has_order = false;
}

// One open_orders record (a snapshot entry or a delta): the order object when there is one, else
// (or when it cannot be converted: reported, then reduced to the short form) the ids; the ids at
// the top level of a delta fill in what the object lacks. Without any usable id there is nothing
// the OMS could apply: reported and dropped.
void deliver_order_update(Out& out, const InstrumentRegistry& registry, std::string_view feed,
                          oms::OrderUpdate& u, const RawOrder* raw, const Text& top_order_id,
                          const Text& top_cli) noexcept {
  bool reported = false;
  if (raw != nullptr) {
    const Problem p = convert_order(registry, *raw, u.order, out.c);
    u.has_order = p.ok();
    if (!p.ok()) {
      out.problem(feed, p);
      keep_ids_only(u);
      reported = true;
    }
  }
  if (!u.order.order_id.valid) {
    u.order.order_id = order_id_of(top_order_id);
  }
  if (u.order.cli.empty()) {
    u.order.cli = cli_of(top_cli);
  }
  if (!u.order.order_id.valid && u.order.cli.empty()) {
    if (!reported) {
      const bool sent = top_order_id.present() || (raw != nullptr && (*raw)[OF::OrderId].present());
      out.malformed(feed, "order_id", sent ? "not a UUID" : "missing");
    }
    return;
  }
  out.order_update(u);
}

const char* json_error_text(error_code e) noexcept {
  return e == simdjson::INCORRECT_TYPE ? "wrong JSON type" : simdjson::error_message(e);
}

// Starts a document: false (and why) when it cannot be read as one JSON object.
bool open_object(OrderMessageParser::Impl& m, const char* data, std::size_t size, std::size_t capacity,
                 od::document& doc, od::object& root, const char*& why) noexcept {
  if (size > m.json.capacity() || capacity < size + simdjson::SIMDJSON_PADDING) {
    why = "too large or not padded";
    return false;
  }
  if (const error_code e = m.json.iterate(data, size, capacity).get(doc)) {
    why = simdjson::error_message(e);
    return false;
  }
  if (const error_code e = doc.get_object().get(root)) {
    why = e == simdjson::INCORRECT_TYPE ? "not a JSON object" : simdjson::error_message(e);
    return false;
  }
  return true;
}

// After the root object's last field: nothing may follow it.
bool at_end(od::document& doc) noexcept {
  const char* location = nullptr;
  return doc.current_location().get(location) != SUCCESS;
}

error_code walk_ids(od::value& v, std::vector<RawIds>& out) noexcept {
  od::array arr;
  if (const error_code e = v.get_array().get(arr)) {
    return e;
  }
  for (auto element_result : arr) {
    od::value element;
    if (const error_code e = std::move(element_result).get(element)) {
      return e;
    }
    od::json_type t{};
    if (const error_code e = element.type().get(t)) {
      return e;
    }
    out.emplace_back();
    if (t != od::json_type::object) {
      out.back().not_object = true;
      Text ignored;
      if (const error_code e = capture(element, ignored)) {
        return e;
      }
      continue;
    }
    od::object obj;
    if (const error_code e = element.get_object().get(obj)) {
      return e;
    }
    RawIds& ids = out.back();
    if (const error_code e = for_each_field(obj, [&](std::string_view key, od::value& fv) noexcept {
          if (key == "order_id" || key == "orderId") {
            return capture(fv, ids.order_id);
          }
          if (key == "cliOrdId" || key == "cli_ord_id") {
            return capture(fv, ids.cli);
          }
          return SUCCESS;
        })) {
      return e;
    }
  }
  return SUCCESS;
}

void note_symbol(ReplyRaw& r, const RawOrder& o) noexcept {
  if (!r.fallback_symbol.present() && o[OF::Instrument].is_string()) {
    r.fallback_symbol = o[OF::Instrument];
  }
}

error_code walk_event(od::value& v, ReplyRaw& r, std::vector<RawExec>& execs,
                      OrderMessageCounters& counters) noexcept {
  od::object obj;
  if (const error_code e = v.get_object().get(obj)) {
    return e;
  }
  RawEvent ev;
  const auto sub_order = [](od::value& fv, RawOrder& into, bool& has) noexcept -> error_code {
    od::json_type t{};
    if (const error_code e = fv.type().get(t)) {
      return e;
    }
    if (t != od::json_type::object) {
      Text ignored;  // null (orderPriorEdit) or anything else: not an order
      return capture(fv, ignored);
    }
    has = true;
    return walk_record(fv, into);
  };
  if (const error_code e =
          for_each_field(obj, [&](std::string_view key, od::value& fv) noexcept -> error_code {
            if (key == "type") {
              return capture(fv, ev.type);
            }
            if (key == "reason") {
              return capture(fv, ev.reason);
            }
            if (key == "uid") {
              return capture(fv, ev.uid);
            }
            if (key == "amount") {
              return capture(fv, ev.amount);
            }
            if (key == "order") {
              return sub_order(fv, ev.order, ev.has_order);
            }
            if (key == "new") {
              return sub_order(fv, ev.new_order, ev.has_new);
            }
            if (key == "orderPriorExecution" || (key == "orderPriorEdit" && !ev.has_prior)) {
              return sub_order(fv, ev.prior, ev.has_prior);
            }
            return SUCCESS;
          })) {
    return e;
  }
  const std::string_view type = ev.type.is_string() ? trim(ev.type.text) : std::string_view{};
  // Ids for the reply when the status object named none (e.g. a REJECT).
  const RawOrder* named = ev.has_order   ? &ev.order
                          : ev.has_new   ? &ev.new_order
                          : ev.has_prior ? &ev.prior
                                         : nullptr;
  if (named != nullptr) {
    note_symbol(r, *named);
    if (!r.event_order_id.present()) {
      r.event_order_id = (*named)[OF::OrderId];
    }
    if (!r.event_cli.present()) {
      r.event_cli = (*named)[OF::Cli];
    }
  }
  if (!r.event_order_id.present() && ev.uid.is_string()) {
    r.event_order_id = ev.uid;
  }
  if (iequals(type, "PLACE") || iequals(type, "CANCEL")) {
    if (!r.has_state && ev.has_order) {
      r.has_state = true;
      r.state = ev.order;
    }
  } else if (iequals(type, "EDIT")) {
    if (!r.has_state && ev.has_new) {
      r.has_state = true;
      r.state = ev.new_order;
    }
  } else if (iequals(type, "REJECT")) {
    if (ev.reason.is_string() && iequals(trim(ev.reason.text), "EDIT_HAS_NO_EFFECT")) {
      r.edit_no_effect = true;
    }
  } else if (iequals(type, "EXECUTION")) {
    execs.push_back({ev.amount, ev.has_prior ? ev.prior[OF::Instrument] : Text{}});
  } else {
    ++counters.unknown_enums;  // FILL, EXPIRE ... (§5.12): tolerated
  }
  return SUCCESS;
}

// sendStatus / editStatus / cancelStatus.
error_code walk_order_status(od::value& v, ReplyRaw& r, OrderMessageParser::Impl& m,
                             OrderMessageCounters& counters) noexcept {
  od::object obj;
  if (const error_code e = v.get_object().get(obj)) {
    return e;
  }
  return for_each_field(obj, [&](std::string_view key, od::value& fv) noexcept -> error_code {
    if (key == "status") {
      return capture(fv, r.order_status);
    }
    if (key == "order_id" || key == "orderId") {
      return capture(fv, r.order_id);
    }
    if (key == "cliOrdId" || key == "cli_ord_id") {
      return capture(fv, r.cli);
    }
    if (key == "orderEvents") {
      od::json_type t{};
      if (const error_code e = fv.type().get(t)) {
        return e;
      }
      if (t != od::json_type::array) {
        Text ignored;  // null when there are none
        return capture(fv, ignored);
      }
      od::array events;
      if (const error_code e = fv.get_array().get(events)) {
        return e;
      }
      for (auto event_result : events) {
        od::value event;
        if (const error_code e = std::move(event_result).get(event)) {
          return e;
        }
        od::json_type et{};
        if (const error_code e = event.type().get(et)) {
          return e;
        }
        if (et != od::json_type::object) {
          ++counters.unknown_enums;
          Text ignored;
          if (const error_code e = capture(event, ignored)) {
            return e;
          }
          continue;
        }
        if (const error_code e = walk_event(event, r, m.execs, counters)) {
          return e;
        }
      }
      return SUCCESS;
    }
    if (key == "cancelledOrders") {
      od::json_type t{};
      if (const error_code e = fv.type().get(t)) {
        return e;
      }
      if (t != od::json_type::array) {
        Text ignored;
        return capture(fv, ignored);
      }
      return walk_ids(fv, m.cancelled);
    }
    return SUCCESS;
  });
}

// cancelallordersafter's {"currentTime":..., "triggerTime":...}.
error_code walk_dms_status(od::value& v, ReplyRaw& r) noexcept {
  od::object obj;
  if (const error_code e = v.get_object().get(obj)) {
    return e;
  }
  return for_each_field(obj, [&](std::string_view key, od::value& fv) noexcept -> error_code {
    if (key == "triggerTime") {
      return capture(fv, r.trigger_time);
    }
    return SUCCESS;
  });
}

// The envelope fields every REST answer may carry; other keys go to `payload`. Returns the first
// JSON error.
template <typename Payload>
error_code walk_envelope(od::object& root, ReplyRaw& r, Payload&& payload) noexcept {
  return for_each_field(root, [&](std::string_view key, od::value& v) noexcept -> error_code {
    if (key == "result") {
      return capture(v, r.result);
    }
    if (key == "error") {
      return capture(v, r.error);
    }
    if (key == "message") {
      return capture(v, r.message);
    }
    if (key == "errors") {
      od::json_type t{};
      if (const error_code e = v.type().get(t)) {
        return e;
      }
      r.has_errors = true;  // shape B or C, whatever its content
      if (t != od::json_type::array) {
        Text ignored;
        return capture(v, ignored);
      }
      od::array arr;
      if (const error_code e = v.get_array().get(arr)) {
        return e;
      }
      for (auto element_result : arr) {
        od::value element;
        if (const error_code e = std::move(element_result).get(element)) {
          return e;
        }
        od::json_type et{};
        if (const error_code e = element.type().get(et)) {
          return e;
        }
        if (et != od::json_type::object) {
          Text ignored;
          if (const error_code e = capture(element, ignored)) {
            return e;
          }
          continue;
        }
        od::object eo;
        if (const error_code e = element.get_object().get(eo)) {
          return e;
        }
        if (const error_code e =
                for_each_field(eo, [&](std::string_view k, od::value& ev) noexcept -> error_code {
                  if (k != "message") {
                    return SUCCESS;
                  }
                  Text msg;
                  if (const error_code ce = capture(ev, msg)) {
                    return ce;
                  }
                  if (msg.is_string() &&
                      (contains(msg.text, "NOT_FOUND") || contains(msg.text, "Not Found"))) {
                    r.errors_not_found = true;
                  }
                  return SUCCESS;
                })) {
          return e;
        }
      }
      return SUCCESS;
    }
    return payload(key, v);
  });
}

oms::RequestError from_http(unsigned http_status, oms::RequestError otherwise) noexcept {
  if (http_status == 429) {
    return oms::RequestError::ApiLimitExceeded;
  }
  if (http_status == 401 || http_status == 403) {
    return oms::RequestError::AuthenticationError;
  }
  if (http_status == 404) {
    return oms::RequestError::NotFound;
  }
  if (http_status >= 500 && http_status <= 599) {
    return oms::RequestError::ServerError;
  }
  return otherwise;
}

// What an error envelope says (§5.2, §9.16): errors[] (B, or C when it names NOT_FOUND), an integer
// status (D), an `error` code (A), a status word; then the HTTP status.
oms::RequestError error_from_body(const ReplyRaw& r, unsigned http_status) noexcept {
  if (r.has_errors) {
    const bool not_found =
        r.errors_not_found || (r.status.is_string() && iequals(trim(r.status.text), "NOT_FOUND"));
    return not_found ? oms::RequestError::NotFound : oms::RequestError::InvalidArgument;
  }
  if (r.status.kind == Kind::Number) {
    std::int64_t s = 0;
    if (to_int(r.status, s) && s >= 0 && s < 1000) {
      const oms::RequestError e = from_http(static_cast<unsigned>(s), oms::RequestError::None);
      if (e != oms::RequestError::None) {
        return e;
      }
    }
  }
  if (r.error.is_string() && !trim(r.error.text).empty()) {
    return request_error_from_code(r.error.text);
  }
  if (r.status.is_string()) {
    if (iequals(trim(r.status.text), "NOT_FOUND")) {
      return oms::RequestError::NotFound;
    }
    if (iequals(trim(r.status.text), "BAD_REQUEST")) {
      return oms::RequestError::InvalidArgument;
    }
  }
  return from_http(http_status, oms::RequestError::Other);
}

// The envelope's verdict; `success` tells whether the payload is to be read.
oms::RequestError envelope_error(const ReplyRaw& r, unsigned http_status) noexcept {
  if (r.result.present()) {
    if (r.result.is_string() && iequals(trim(r.result.text), "success")) {
      return oms::RequestError::None;
    }
    return error_from_body(r, http_status);
  }
  if (r.has_errors || r.status.kind == Kind::Number || r.error.is_string()) {
    return error_from_body(r, http_status);
  }
  return from_http(http_status, oms::RequestError::Malformed);
}

bool looks_like_json(const char* data, std::size_t size) noexcept {
  std::size_t i = 0;
  while (i < size && is_ws(data[i])) {
    ++i;
  }
  return i < size && (data[i] == '{' || data[i] == '[');
}

}  // namespace

OrderMessageParser::OrderMessageParser(const InstrumentRegistry& registry, std::size_t max_message_bytes)
    : registry_(&registry), impl_(std::make_unique<Impl>()) {
  if (impl_->json.allocate(max_message_bytes) != SUCCESS) {
    throw std::runtime_error("kraken_futures::OrderMessageParser: cannot allocate the simdjson buffers");
  }
  impl_->orders.reserve(kRecordsReserve);
  impl_->fills.reserve(kRecordsReserve);
  impl_->positions.reserve(kRecordsReserve);
  impl_->cancelled.reserve(kRecordsReserve);
  impl_->execs.reserve(kExecsReserve);
}

OrderMessageParser::~OrderMessageParser() = default;
OrderMessageParser::OrderMessageParser(OrderMessageParser&&) noexcept = default;

void OrderMessageParser::parse_private(const char* data, std::size_t size, std::size_t capacity,
                                       OrderEntryHandler& handler) noexcept {
  ++counters_.messages;
  Impl& m = *impl_;
  Out out{m, handler, counters_};
  m.clear();
  m.delta_order = RawOrder{};

  // --- phase 1 ---
  od::document doc;
  od::object root;
  const char* why = nullptr;
  if (!open_object(m, data, size, capacity, doc, root, why)) {
    out.malformed("private", why);
    return;
  }
  PrivateRaw r;
  const auto container = [](od::value& v, Text& type) noexcept -> error_code {
    // Notes the type; arrays and objects are then read by the caller.
    return capture(v, type);
  };
  const error_code walk =
      for_each_field(root, [&](std::string_view key, od::value& v) noexcept -> error_code {
        if (key == "event") {
          return capture(v, r.event);
        }
        if (key == "feed") {
          return capture(v, r.feed);
        }
        if (key == "message") {
          return capture(v, r.message);
        }
        if (key == "is_cancel") {
          return capture(v, r.is_cancel);
        }
        if (key == "reason") {
          return capture(v, r.reason);
        }
        if (key == "order_id" || key == "orderId") {
          return capture(v, r.order_id);
        }
        if (key == "cli_ord_id" || key == "cliOrdId") {
          return capture(v, r.cli);
        }
        if (key == "order") {
          if (const error_code e = container(v, r.order_field)) {
            return e;
          }
          if (r.order_field.kind != Kind::Object) {
            return SUCCESS;
          }
          r.has_order = true;
          return walk_record(v, m.delta_order);
        }
        Text* type = key == "orders"      ? &r.orders_field
                     : key == "fills"     ? &r.fills_field
                     : key == "positions" ? &r.positions_field
                                          : nullptr;
        if (type == nullptr) {
          return SUCCESS;
        }
        if (const error_code e = container(v, *type)) {
          return e;
        }
        if (type->kind != Kind::Array) {
          return SUCCESS;
        }
        if (type == &r.orders_field) {
          return walk_records(v, m.orders);
        }
        if (type == &r.fills_field) {
          return walk_records(v, m.fills);
        }
        return walk_records(v, m.positions);
      });
  if (walk != SUCCESS) {
    out.malformed("private", json_error_text(walk));
    return;
  }
  if (!at_end(doc)) {
    out.malformed("private", "bytes after the message");
    return;
  }

  // --- phase 2: event first, then feed (§6.1) ---
  if (r.event.present()) {
    if (!r.event.is_string()) {
      out.malformed("private", "event", "not a string");
      return;
    }
    const std::string_view event = r.event.text;
    const std::string_view feed = r.feed.is_string() ? r.feed.text : std::string_view{};
    const std::string_view message = r.message.is_string() ? r.message.text : std::string_view{};
    if (event == "info") {
      handler.on_info();
    } else if (event == "challenge") {
      if (message.empty()) {
        out.malformed("challenge", "message", "missing");
        return;
      }
      handler.on_challenge(message);
    } else if (event == "subscribed") {
      handler.on_subscribed(feed);
    } else if (event == "subscribed_failed") {
      handler.on_subscribe_failed(feed);
    } else if (event == "alert" || event == "error") {
      handler.on_alert(message);
    } else {
      out.ignored(event);  // unsubscribed, unsubscribed_failed, anything new
    }
    return;
  }
  if (!r.feed.present()) {
    out.ignored({});
    return;
  }
  if (!r.feed.is_string()) {
    out.malformed("private", "feed", "not a string");
    return;
  }
  const std::string_view feed = r.feed.text;
  const InstrumentRegistry& registry = *registry_;

  if (feed == "open_orders_snapshot" || feed == "open_orders_verbose_snapshot") {
    if (r.orders_field.kind != Kind::Array) {
      out.malformed(feed, "orders", r.orders_field.present() ? "not an array" : "missing");
      return;
    }
    handler.on_orders_snapshot_begin();
    for (const RawOrder& raw : m.orders) {
      oms::OrderUpdate u;
      u.from_snapshot = true;
      deliver_order_update(out, registry, feed, u, &raw, Text{}, Text{});
    }
    handler.on_orders_snapshot_end();
    return;
  }

  if (feed == "open_orders" || feed == "open_orders_verbose") {
    oms::OrderUpdate u;
    if (r.is_cancel.present() && !to_bool(r.is_cancel, u.is_cancel)) {
      out.malformed(feed, "is_cancel", "not a boolean");
      return;
    }
    if (r.reason.present()) {
      const std::string_view reason = r.reason.is_string() ? r.reason.text : std::string_view{};
      u.reason = update_reason_from_text(reason);
      if (u.reason == oms::UpdateReason::Unknown) {
        ++counters_.unknown_enums;
      }
    }
    if (r.order_field.present() && !r.has_order) {
      out.malformed(feed, "order", "not an object");
      return;
    }
    deliver_order_update(out, registry, feed, u, r.has_order ? &m.delta_order : nullptr, r.order_id, r.cli);
    return;
  }

  if (feed == "fills_snapshot" || feed == "fills") {
    const bool snapshot = feed == "fills_snapshot";
    if (r.fills_field.kind != Kind::Array) {
      out.malformed(feed, "fills", r.fills_field.present() ? "not an array" : "missing");
      return;
    }
    if (snapshot) {
      handler.on_fills_snapshot_begin();
    }
    for (const RawFill& raw : m.fills) {
      oms::Fill f;
      if (const Problem p = convert_fill(registry, raw, f, counters_); !p.ok()) {
        out.problem(feed, p);
        continue;
      }
      f.from_snapshot = snapshot;
      out.fill(f);
    }
    if (snapshot) {
      handler.on_fills_snapshot_end();
    }
    return;
  }

  if (feed == "open_positions" || feed == "open_positions_snapshot") {
    if (r.positions_field.kind != Kind::Array) {
      out.malformed(feed, "positions", r.positions_field.present() ? "not an array" : "missing");
      return;
    }
    handler.on_positions_begin();
    for (const RawPosition& raw : m.positions) {
      oms::VenuePosition pos;
      if (const Problem p = convert_position(registry, raw, pos, counters_); !p.ok()) {
        out.problem(feed, p);
        continue;
      }
      out.position(pos);
    }
    handler.on_positions_end();
    return;
  }

  out.ignored(feed);  // heartbeat, balances, account_log, notifications_auth ...
}

oms::OrderReply OrderMessageParser::parse_reply(oms::RequestKind kind, unsigned http_status, const char* data,
                                                std::size_t size, std::size_t capacity,
                                                OrderEntryHandler& handler) noexcept {
  ++counters_.messages;
  Impl& m = *impl_;
  Out out{m, handler, counters_};
  m.clear();

  oms::OrderReply reply;
  reply.kind = kind;
  reply.http_status = http_status;

  if (!looks_like_json(data, size)) {
    ++counters_.not_json;
    reply.error = from_http(http_status, oms::RequestError::NotJson);
    return reply;
  }
  od::document doc;
  od::object root;
  const char* why = nullptr;
  if (!open_object(m, data, size, capacity, doc, root, why)) {
    ++counters_.malformed;
    reply.error = from_http(http_status, oms::RequestError::Malformed);
    return reply;
  }
  std::string_view payload_key;
  switch (kind) {
    case oms::RequestKind::SendOrder:
      payload_key = "sendStatus";
      break;
    case oms::RequestKind::EditOrder:
      payload_key = "editStatus";
      break;
    case oms::RequestKind::CancelOrder:
    case oms::RequestKind::CancelAll:
      payload_key = "cancelStatus";
      break;
    case oms::RequestKind::CancelAllAfter:
      payload_key = "status";
      break;
    case oms::RequestKind::BatchOrder:
      payload_key = "batchStatus";
      break;
    default:
      break;
  }
  ReplyRaw r;
  const error_code walk =
      walk_envelope(root, r, [&](std::string_view key, od::value& v) noexcept -> error_code {
        const bool dms = kind == oms::RequestKind::CancelAllAfter;
        if (key == "status") {
          // An envelope word (B, C) or number (D), or the dead man's switch's object.
          od::json_type t{};
          if (const error_code e = v.type().get(t)) {
            return e;
          }
          if (t != od::json_type::object) {
            return capture(v, r.status);
          }
          if (!dms) {
            Text ignored;
            return capture(v, ignored);
          }
          r.has_payload = true;
          return walk_dms_status(v, r);
        }
        if (payload_key.empty() || key != payload_key) {
          return SUCCESS;
        }
        od::json_type t{};
        if (const error_code e = v.type().get(t)) {
          return e;
        }
        const od::json_type wanted =
            kind == oms::RequestKind::BatchOrder ? od::json_type::array : od::json_type::object;
        if (t != wanted) {
          return capture(v, r.payload_type);
        }
        r.has_payload = true;
        if (kind == oms::RequestKind::BatchOrder) {
          Text ignored;
          return capture(v, ignored);  // envelope only: batch items are not reported one by one
        }
        return walk_order_status(v, r, m, counters_);
      });
  if (walk != SUCCESS || !at_end(doc)) {
    ++counters_.malformed;
    reply.error = from_http(http_status, oms::RequestError::Malformed);
    return reply;
  }
  reply.error = envelope_error(r, http_status);
  if (reply.error != oms::RequestError::None) {
    return reply;
  }
  if (!payload_key.empty() && !r.has_payload) {
    ++counters_.malformed;  // a success without what it answers: the outcome is unknown
    reply.error = oms::RequestError::Malformed;
    return reply;
  }

  // --- phase 2 ---
  const InstrumentRegistry& registry = *registry_;
  const std::string_view surface = payload_key.empty() ? std::string_view("reply") : payload_key;
  if (kind == oms::RequestKind::CancelAllAfter) {
    const Text& t = r.trigger_time;
    std::int64_t ms = 0;
    if (t.present() && !(t.is_string() && trim(t.text) == "0") && !to_time_ms(t, ms)) {
      ++counters_.malformed;
      reply.error = oms::RequestError::Malformed;
      return reply;
    }
    reply.trigger_ms = ms;
    return reply;
  }
  if (r.order_status.present()) {
    reply.status =
        r.order_status.is_string() ? venue_status_from_text(r.order_status.text) : oms::VenueStatus::Unknown;
    if (reply.status == oms::VenueStatus::Unknown) {
      ++counters_.unknown_enums;
    }
  }
  reply.edit_no_effect = r.edit_no_effect;
  if (r.has_state) {
    const Problem p = convert_order(registry, r.state, reply.order_state, counters_);
    reply.has_order = p.ok();
    if (!p.ok()) {
      out.problem(surface, p);
      const oms::VenueOrder named = reply.order_state;
      reply.order_state = oms::VenueOrder{};
      reply.order_state.order_id = named.order_id;
      reply.order_state.cli = named.cli;
    }
  }
  // Ids: the status object's first, then whatever the events named.
  if (const oms::VenueOrderId id = order_id_of(r.order_id); id.valid) {
    reply.order_state.order_id = id;
  } else if (!reply.order_state.order_id.valid) {
    reply.order_state.order_id = order_id_of(r.event_order_id);
  }
  if (const oms::ClientOrderId cli = cli_of(r.cli); !cli.empty()) {
    reply.order_state.cli = cli;
  } else if (reply.order_state.cli.empty()) {
    reply.order_state.cli = cli_of(r.event_cli);
  }
  for (const RawExec& exec : m.execs) {
    Problem p;
    const Text& symbol = exec.symbol.present() ? exec.symbol : r.fallback_symbol;
    const Instrument* ins = find_instrument(registry, symbol, "symbol", p);
    Qty amount{};
    if (ins == nullptr || !exec.amount.present() || !to_qty(*ins, exec.amount, "amount", amount, p)) {
      if (p.ok()) {
        p = Problem::malformed("amount", "missing");
      }
      out.problem(surface, p);
      continue;
    }
    reply.executed += amount;
  }
  for (const RawIds& ids : m.cancelled) {
    oms::OrderUpdate u;
    u.is_cancel = true;
    u.reason = oms::UpdateReason::CancelledByUser;
    if (!ids.not_object) {
      u.order.order_id = order_id_of(ids.order_id);
      u.order.cli = cli_of(ids.cli);
    }
    if (!u.order.order_id.valid && u.order.cli.empty()) {
      out.malformed("cancelledOrders", "order_id", ids.not_object ? "entry not an object" : "missing");
      continue;
    }
    out.order_update(u);
  }
  return reply;
}

namespace {

// The shared start of the three queries: envelope, then the payload array into `rows`.
template <typename R>
oms::RequestError read_query(OrderMessageParser::Impl& m, OrderMessageCounters& counters,
                             unsigned http_status, const char* data, std::size_t size, std::size_t capacity,
                             std::string_view key, std::vector<R>& rows) noexcept {
  m.clear();
  if (!looks_like_json(data, size)) {
    ++counters.not_json;
    return from_http(http_status, oms::RequestError::NotJson);
  }
  od::document doc;
  od::object root;
  const char* why = nullptr;
  if (!open_object(m, data, size, capacity, doc, root, why)) {
    ++counters.malformed;
    return from_http(http_status, oms::RequestError::Malformed);
  }
  ReplyRaw r;
  const error_code walk =
      walk_envelope(root, r, [&](std::string_view k, od::value& v) noexcept -> error_code {
        if (k == "status") {
          return capture(v, r.status);
        }
        if (k != key) {
          return SUCCESS;
        }
        if (const error_code e = capture(v, r.payload_type)) {
          return e;
        }
        if (r.payload_type.kind != Kind::Array) {
          return SUCCESS;
        }
        r.has_payload = true;
        return walk_records(v, rows);
      });
  if (walk != SUCCESS || !at_end(doc)) {
    ++counters.malformed;
    return from_http(http_status, oms::RequestError::Malformed);
  }
  if (const oms::RequestError e = envelope_error(r, http_status); e != oms::RequestError::None) {
    return e;
  }
  if (!r.has_payload) {
    ++counters.malformed;
    return oms::RequestError::Malformed;
  }
  return oms::RequestError::None;
}

}  // namespace

oms::RequestError OrderMessageParser::parse_open_orders(unsigned http_status, const char* data,
                                                        std::size_t size, std::size_t capacity,
                                                        OrderEntryHandler& handler) noexcept {
  ++counters_.messages;
  Impl& m = *impl_;
  const oms::RequestError e =
      read_query(m, counters_, http_status, data, size, capacity, "openOrders", m.orders);
  if (e != oms::RequestError::None) {
    return e;
  }
  Out out{m, handler, counters_};
  for (const RawOrder& raw : m.orders) {
    oms::VenueOrder order;
    if (const Problem p = convert_order(*registry_, raw, order, counters_); !p.ok()) {
      out.problem("openOrders", p);
      continue;
    }
    ++counters_.open_orders;
    handler.on_open_order(order);
  }
  return oms::RequestError::None;
}

oms::RequestError OrderMessageParser::parse_open_positions(unsigned http_status, const char* data,
                                                           std::size_t size, std::size_t capacity,
                                                           OrderEntryHandler& handler) noexcept {
  ++counters_.messages;
  Impl& m = *impl_;
  const oms::RequestError e =
      read_query(m, counters_, http_status, data, size, capacity, "openPositions", m.positions);
  if (e != oms::RequestError::None) {
    return e;
  }
  Out out{m, handler, counters_};
  handler.on_positions_begin();
  for (const RawPosition& raw : m.positions) {
    oms::VenuePosition pos;
    if (const Problem p = convert_position(*registry_, raw, pos, counters_); !p.ok()) {
      out.problem("openPositions", p);
      continue;
    }
    out.position(pos);
  }
  handler.on_positions_end();
  return oms::RequestError::None;
}

oms::RequestError OrderMessageParser::parse_fills(unsigned http_status, const char* data, std::size_t size,
                                                  std::size_t capacity, OrderEntryHandler& handler) noexcept {
  ++counters_.messages;
  Impl& m = *impl_;
  const oms::RequestError e = read_query(m, counters_, http_status, data, size, capacity, "fills", m.fills);
  if (e != oms::RequestError::None) {
    return e;
  }
  Out out{m, handler, counters_};
  for (const RawFill& raw : m.fills) {
    oms::Fill f;
    if (const Problem p = convert_fill(*registry_, raw, f, counters_); !p.ok()) {
      out.problem("fills", p);
      continue;
    }
    f.from_snapshot = true;  // a query: a replay of fills the feed may have delivered
    f.has_fee = false;       // REST carries none (§5.11)
    f.fee = Decimal{};
    out.fill(f);
  }
  return oms::RequestError::None;
}

}  // namespace tickpath::venue::kraken_futures
