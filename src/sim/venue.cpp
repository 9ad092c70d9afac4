// Venue: construction, REST v3 (public and private), the control endpoint. The websocket side and
// the exchange listener are in venue_ws.cpp. Decisions where the protocol reference leaves a
// choice are listed in venue.hpp.
#include "tickpath/sim/venue.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "sim/detail/venue_impl.hpp"
#include "sim/detail/venue_json.hpp"

namespace tickpath::sim {

namespace detail {

namespace {

constexpr std::string_view kRestPrefix = "/derivatives/api/v3/";
constexpr std::string_view kControlPrefix = "/sim/v1/";
// History API (ccxt's fetchTrades): /api/history/v{2,3}/market/{symbol}/executions.
constexpr std::string_view kHistoryMarketPrefix = "/api/history/v3/market/";
constexpr std::string_view kHistoryMarketPrefixV2 = "/api/history/v2/market/";
constexpr double kHouseBalance = 1e12;

std::string to_upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return r;
}

std::string to_lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return r;
}

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

std::optional<std::int64_t> parse_int(std::string_view s) noexcept {
  std::int64_t v = 0;
  const auto* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, v);
  if (r.ec != std::errc{} || r.ptr != end || s.empty()) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> parse_double(std::string_view s) noexcept {
  double v = 0;
  const auto* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, v);
  if (r.ec != std::errc{} || r.ptr != end || s.empty() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// A JSON value (batch item or JSON body member) as the text a form field would carry. Numbers
// are re-printed in their shortest round-trip form, which gives back the decimal the client wrote
// for any number of up to 15 significant digits, so grid checks stay exact.
std::optional<std::string> json_value_text(simdjson::dom::element v) {
  switch (v.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string(std::string_view(v.get_string().value_unsafe()));
    case simdjson::dom::element_type::INT64:
      return fmt::format("{}", v.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return fmt::format("{}", v.get_uint64().value_unsafe());
    case simdjson::dom::element_type::DOUBLE:
      return fmt::format("{}", v.get_double().value_unsafe());
    case simdjson::dom::element_type::BOOL:
      return std::string(v.get_bool().value_unsafe() ? "true" : "false");
    default:
      return std::nullopt;
  }
}

std::optional<Params> object_to_params(simdjson::dom::object obj) {
  Params p;
  for (auto field : obj) {
    auto text = json_value_text(field.value);
    if (!text) {
      return std::nullopt;
    }
    p.push_back({std::string(field.key), std::move(*text)});
  }
  return p;
}

// An optional time bound (lastTime, lastFillTime): `fallback` when absent, nullopt when malformed.
std::optional<std::int64_t> time_param(const Params& p, std::string_view key, std::int64_t fallback) {
  const auto* f = find_param(p, key);
  if (f == nullptr) {
    return fallback;
  }
  return parse_time(f->value);
}

// One REST page (history, fills): of a newest-first list, the first 100 items older than `before`,
// comma-separated, each written by `write`.
template <class Items, class Write>
void append_page(std::string& out, const Items& items, std::int64_t before, Write write) {
  std::size_t n = 0;
  for (const auto& item : items) {
    if (item.time_ms >= before) {
      continue;
    }
    if (n == 100) {
      break;
    }
    if (n++ != 0) {
      out += ',';
    }
    write(item);
  }
}

Status outcome_status(const Outcome& o) noexcept {
  return o.kind == Outcome::Kind::Engine ? o.result.status : o.status;
}

}  // namespace

const Params::value_type* find_param(const Params& p, std::string_view key) noexcept {
  for (const auto& f : p) {
    if (f.key == key) {
      return &f;
    }
  }
  return nullptr;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

double change_percent(Price open, Price last) noexcept {
  return open.ticks() == 0
             ? 0.0
             : 100.0 * static_cast<double>(last.ticks() - open.ticks()) / static_cast<double>(open.ticks());
}

std::string kraken_currency(std::string_view c) {
  if (iequals(c, "BTC")) {
    return "XBT";
  }
  return to_upper(c);
}

void append_holdings(std::string& out, const std::vector<Balance>& balances, bool lower_case) {
  bool first = true;
  for (const auto& b : balances) {
    separate(out, first);
    append_string(out, lower_case ? to_lower(kraken_currency(b.currency)) : kraken_currency(b.currency));
    out += ':';
    append_double(out, b.amount);
  }
}

double Impl::append_flex_currencies(std::string& out, const std::vector<Balance>& balances,
                                    std::string_view collateral_key, std::string_view extra) {
  double total = 0.0;
  bool first = true;
  for (const auto& b : balances) {
    separate(out, first);
    const double value = b.amount * currency_usd_value(b.currency);
    total += value;
    append_string(out, kraken_currency(b.currency));
    out += R"(:{"quantity":)";
    append_double(out, b.amount);
    out += R"(,"value":)";
    append_double(out, value);
    out += R"(,")";
    out += collateral_key;
    out += R"(":)";
    append_double(out, value);
    out += R"(,"available":)";
    append_double(out, b.amount);
    out += extra;
    out += '}';
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Construction

Impl::Impl(const config::SimConfig& config, std::vector<AccountKey> accounts, std::int64_t now_ms)
    : config_(config), fault_rng_(config.seed ^ 0x5DEECE66DULL) {
  reject_fraction_ = config.faults.reject_fraction;
  rest_delay_ms_ = config.faults.rest_delay_ms;
  rest_drop_fraction_ = config.faults.rest_drop_fraction;
  malformed_fraction_ = config.faults.malformed_frame_fraction;
  private_order_ = config.private_order;

  ExchangeOptions options;
  options.seed = config.seed;
  options.market_collar = config.market_collar;
  options.price_collar = config.price_collar;
  options.max_open_orders = static_cast<std::size_t>(std::max<std::int64_t>(1, config.max_open_orders));
  exchange_ = std::make_unique<Exchange>(options, this);

  const std::vector<config::SimInstrumentConfig> list =
      config.instruments.empty() ? config::default_sim_instruments() : config.instruments;
  for (const auto& ic : list) {
    InstrumentSetup setup;
    setup.spec.symbol = ic.symbol;
    setup.spec.tick_size = ic.tick_size.value;
    setup.spec.size_step = ic.size_step.value;
    setup.spec.kind = kind_from_symbol(ic.symbol);
    const UnitsResult ref = to_units(ic.reference_price, ic.tick_size.value);
    if (ref.error != DecimalError::Ok || ref.units <= 0) {
      throw std::invalid_argument("sim instrument " + ic.symbol + ": reference_price '" + ic.reference_price +
                                  "' is not a positive price on the tick grid");
    }
    setup.reference_price = Price{ref.units};
    setup.maker_fee = ic.maker_fee;
    setup.taker_fee = ic.taker_fee;
    Instr in;
    in.index = exchange_->add_instrument(setup);
    in.symbol = ic.symbol;
    in.upper = to_upper(ic.symbol);
    in.lower = to_lower(ic.symbol);
    in.tick = ic.tick_size.value;
    in.step = ic.size_step.value;
    in.kind = setup.spec.kind;
    in.perpetual = in.upper[0] == 'P';
    // PI_XBTUSD / FI_XBTUSD_261225: the pair sits between the prefix and the optional maturity.
    std::string_view rest = std::string_view(in.upper).substr(3);
    const auto us = rest.find('_');
    const std::string_view pair = rest.substr(0, us);
    if (pair.size() > 3 && pair.substr(pair.size() - 3) == "USD") {
      in.base_symbol = std::string(pair.substr(0, pair.size() - 3));
      in.quote = "USD";
    } else {
      in.base_symbol = std::string(pair);
    }
    in.base = in.base_symbol == "XBT" ? "BTC" : in.base_symbol;
    if (us != std::string_view::npos) {
      const std::string_view date = rest.substr(us + 1);
      if (date.size() == 6) {
        const auto yymmdd = parse_int(date);
        if (yymmdd) {
          const std::int64_t y = 2000 + *yymmdd / 10000;
          const auto m = static_cast<unsigned>((*yymmdd / 100) % 100);
          const auto d = static_cast<unsigned>(*yymmdd % 100);
          if (m >= 1 && m <= 12 && d >= 1 && d <= 31) {
            in.maturity_ms = days_from_civil(y, m, d) * 86'400'000 + 8 * 3'600'000;
          }
        }
      }
    }
    instrs_.push_back(std::move(in));
  }

  const std::vector<Balance> house{{"USD", kHouseBalance}, {"BTC", kHouseBalance}, {"ETH", kHouseBalance}};
  maker_ = exchange_->add_account(
      {.name = "house-maker", .balances = house, .self_trade_allowed = true, .unlimited_orders = true});
  taker_ = exchange_->add_account(
      {.name = "house-taker", .balances = house, .self_trade_allowed = true, .unlimited_orders = true});

  for (auto& a : accounts) {
    if (find_key(a.api_key) != nullptr || a.api_key.empty()) {
      throw std::invalid_argument("sim account " + a.name + ": empty or duplicate api_key");
    }
    Key key;
    key.name = a.name;
    key.api_key = a.api_key;
    key.signer = kf::Signer::from_base64_secret(a.api_secret_base64);
    if (!key.signer) {
      throw std::invalid_argument("sim account " + a.name + ": the API secret is not valid base64");
    }
    key.account =
        exchange_->add_account({.name = a.name, .balances = a.balances, .self_trade_allowed = false});
    keys_.push_back(std::move(key));
  }
  next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
  next_ticker_ms_ = now_ms + config_.ticker_interval_ms;
}

Impl::~Impl() = default;

Instr* Impl::find_instr(std::string_view symbol) {
  for (auto& in : instrs_) {
    if (iequals(in.symbol, symbol)) {
      return &in;
    }
  }
  return nullptr;
}

NonceMemory::Verdict NonceMemory::accept(std::uint64_t nonce, std::uint64_t tolerance) noexcept {
  if (!any_ || nonce > highest_) {
    any_ = true;
    highest_ = nonce;
    remember(nonce);
    return Verdict::Accepted;
  }
  if (nonce == highest_) {
    return Verdict::Duplicate;
  }
  if (highest_ - nonce >= tolerance) {
    return Verdict::BelowThreshold;
  }
  // Out of order within the tolerance: a linear scan, but only late nonces pay for it.
  if (std::find(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(count_), nonce) !=
      recent_.begin() + static_cast<std::ptrdiff_t>(count_)) {
    return Verdict::Duplicate;
  }
  if (forgot_ && nonce <= forgotten_max_) {
    return Verdict::BelowThreshold;  // it may have been used before we forgot it
  }
  remember(nonce);
  return Verdict::Accepted;
}

void NonceMemory::remember(std::uint64_t nonce) noexcept {
  if (count_ == kRemembered) {
    const std::uint64_t evicted = recent_[next_];
    forgotten_max_ = forgot_ ? std::max(forgotten_max_, evicted) : evicted;
    forgot_ = true;
  } else {
    ++count_;
  }
  recent_[next_] = nonce;
  next_ = (next_ + 1) % kRemembered;
}

Key* Impl::find_key(std::string_view api_key) {
  for (auto& k : keys_) {
    if (k.api_key == api_key) {
      return &k;
    }
  }
  return nullptr;
}

Key* Impl::key_of_account(AccountId account) {
  for (auto& k : keys_) {
    if (k.account == account) {
      return &k;
    }
  }
  return nullptr;
}

std::int64_t Impl::open_interest(const Instr& in) const {
  std::int64_t oi = 0;
  for (std::size_t a = 0; a < exchange_->account_count(); ++a) {
    if (const Position* pos = exchange_->position(static_cast<AccountId>(a), in.index)) {
      oi += std::max<std::int64_t>(0, pos->size.lots());
    }
  }
  return oi;
}

double Impl::price_value(const Instr& in, Price p) const noexcept {
  return units_to_double(p.ticks(), in.tick);
}

double Impl::currency_usd_value(std::string_view currency) const {
  if (iequals(currency, "USD")) {
    return 1.0;
  }
  for (const auto& in : instrs_) {
    if (iequals(in.base, currency) || iequals(in.base_symbol, currency)) {
      return price_value(in, exchange_->reference_price(in.index));
    }
  }
  return 0.0;
}

// ---------------------------------------------------------------------------------------------
// Envelopes

HttpResponse Impl::success(std::string_view payload, std::int64_t now) {
  HttpResponse r;
  r.body.reserve(payload.size() + 80);
  r.body += R"({"result":"success","serverTime":)";
  append_iso(r.body, now);
  if (!payload.empty()) {
    r.body += ',';
    r.body += payload;
  }
  r.body += '}';
  return r;
}

HttpResponse Impl::error_a(std::string_view code, int http_status, std::int64_t now) {
  ++stats_.http_errors;
  HttpResponse r;
  r.status = http_status;
  r.body = R"({"result":"error","serverTime":)";
  append_iso(r.body, now);
  r.body += R"(,"error":)";
  append_string(r.body, code);
  r.body += '}';
  return r;
}

HttpResponse Impl::error_b(std::string_view argument, std::int64_t now) {
  ++stats_.http_errors;
  HttpResponse r;
  r.status = 400;
  r.body = R"({"status":"BAD_REQUEST","result":"error","errors":[{"code":11,"message":)";
  append_string(r.body, fmt::format("Argument invalid: {}", argument));
  r.body += R"(}],"serverTime":)";
  append_iso(r.body, now);
  r.body += '}';
  return r;
}

HttpResponse Impl::error_c(int http_status, std::int64_t now) {
  ++stats_.http_errors;
  HttpResponse r;
  r.status = http_status;
  const std::string_view name = http_status == 405 ? "METHOD_NOT_ALLOWED" : "NOT_FOUND";
  r.body = fmt::format(
      R"({{"status":"{}","result":"error","errors":[{{"code":0,"message":"{} {}"}}],"serverTime":)", name,
      http_status, name);
  append_iso(r.body, now);
  r.body += '}';
  return r;
}

// ---------------------------------------------------------------------------------------------
// Order JSON (§5.12)

void Impl::write_order(std::string& out, const OrderView& o) {
  const Instr& in = instrs_[o.instrument];
  out += R"({"orderId":)";
  append_uuid(out, o.id);
  out += R"(,"cliOrdId":)";
  if (o.cli_ord_id.empty()) {
    out += "null";
  } else {
    append_string(out, o.cli_ord_id);
  }
  out += R"(,"type":")";
  out += to_string(o.type);
  out += R"(","symbol":)";
  append_string(out, in.symbol);
  out += R"(,"side":")";
  out += tickpath::to_string(o.side);
  out += R"(","quantity":)";
  append_units(out, o.quantity.lots(), in.step, false);
  out += R"(,"filled":)";
  append_units(out, o.filled.lots(), in.step, false);
  out += R"(,"limitPrice":)";
  append_units(out, o.limit_price.ticks(), in.tick, false);
  out += R"(,"reduceOnly":)";
  out += o.reduce_only ? "true" : "false";
  out += R"(,"timestamp":)";
  append_iso(out, o.time_ms);
  out += R"(,"lastUpdateTimestamp":)";
  append_iso(out, o.last_update_ms);
  out += '}';
}

void Impl::write_events(std::string& out, const std::vector<OrderEvent>& events) {
  out += '[';
  bool first = true;
  for (const auto& e : events) {
    separate(out, first);
    const Instr& in = instrs_[e.order.instrument];
    auto reduced = [&](const std::optional<Qty>& q) {
      if (q) {
        append_units(out, q->lots(), in.step, false);
      } else {
        out += "null";
      }
    };
    switch (e.kind) {
      case OrderEvent::Kind::Place:
        out += R"({"order":)";
        write_order(out, e.order);
        out += R"(,"reducedQuantity":)";
        reduced(e.reduced_quantity);
        out += R"(,"type":"PLACE"})";
        break;
      case OrderEvent::Kind::Cancel:
        out += R"({"uid":)";
        append_uuid(out, e.order.id);
        out += R"(,"order":)";
        write_order(out, e.order);
        out += R"(,"type":"CANCEL"})";
        break;
      case OrderEvent::Kind::Edit:
        out += R"({"old":)";
        write_order(out, e.old_order ? *e.old_order : e.order);
        out += R"(,"new":)";
        write_order(out, e.order);
        out += R"(,"reducedQuantity":)";
        reduced(e.reduced_quantity);
        out += R"(,"type":"EDIT"})";
        break;
      case OrderEvent::Kind::Reject:
        out += R"({"uid":)";
        append_uuid(out, e.order.id);
        out += R"(,"order":)";
        write_order(out, e.order);
        out += R"(,"reason":)";
        append_string(out, to_string(e.reason));
        out += R"(,"type":"REJECT"})";
        break;
      case OrderEvent::Kind::Execution:
        out += R"({"executionId":)";
        append_uuid(out, e.execution_id);
        out += R"(,"price":)";
        append_units(out, e.price.ticks(), in.tick, false);
        out += R"(,"amount":)";
        append_units(out, e.amount.lots(), in.step, false);
        out += R"(,"orderPriorEdit":)";
        if (e.prior_edit) {
          write_order(out, *e.prior_edit);
        } else {
          out += "null";
        }
        out += R"(,"orderPriorExecution":)";
        write_order(out, e.old_order ? *e.old_order : e.order);
        out += R"(,"takerReducedQuantity":)";
        reduced(e.taker_reduced_quantity);
        out += R"(,"type":"EXECUTION"})";
        break;
    }
  }
  out += ']';
}

void Impl::count_outcome(const Outcome& o) {
  if (o.kind != Outcome::Kind::Engine && o.kind != Outcome::Kind::Status) {
    return;
  }
  const Status s = outcome_status(o);
  if (s == Status::Placed || s == Status::PartiallyFilled || s == Status::Filled || s == Status::Edited ||
      s == Status::Cancelled) {
    ++stats_.orders_accepted;
  } else {
    ++stats_.orders_rejected;
  }
}

// ---------------------------------------------------------------------------------------------
// Order requests: parameters -> engine

namespace {

// processBefore (optional): false, with `o` saying why, when it is malformed or already past.
[[nodiscard]] bool process_before_ok(const Params& p, std::int64_t now, Outcome& o) {
  const auto* pb = find_param(p, "processBefore");
  if (pb == nullptr) {
    return true;
  }
  const auto t = parse_time(pb->value);
  if (!t) {
    o.kind = Outcome::Kind::BadArgument;
    o.argument = "processBefore";
    return false;
  }
  if (now > *t) {
    o.status = Status::WouldProcessAfterSpecifiedTime;
    return false;
  }
  return true;
}

// The order an edit or cancel names: by id (both spellings are accepted, the endpoint's own
// `id_key` first) or else by cliOrdId. False, with `o` saying why, when neither is given (a
// missing `id_key`) or the id is no UUID (`not_found`, the endpoint's status for an unknown order).
[[nodiscard]] bool parse_order_ref(const Params& p, std::string_view id_key, std::string_view other_id_key,
                                   Status not_found, Outcome& o, OrderRef& ref) {
  const auto* id = find_param(p, id_key);
  if (id == nullptr) {
    id = find_param(p, other_id_key);
  }
  const auto* cli = find_param(p, "cliOrdId");
  if (id == nullptr && cli == nullptr) {
    o.kind = Outcome::Kind::MissingArgument;
    o.argument = std::string(id_key);
    return false;
  }
  o.kind = Outcome::Kind::Status;
  if (id != nullptr) {
    o.requested_id = id->value;
    ref.order_id = Uuid::parse(id->value);
    if (!ref.order_id) {
      o.status = not_found;
      return false;
    }
  } else {
    ref.cli_ord_id = cli->value;
    o.cli_ord_id = cli->value;
  }
  return true;
}

}  // namespace

Outcome Impl::do_send(Key& key, const Params& p, std::int64_t now) {
  Outcome o;
  if (const auto* cli = find_param(p, "cliOrdId")) {
    o.cli_ord_id = cli->value;
  }
  const auto* ot = find_param(p, "orderType");
  const auto* sym = find_param(p, "symbol");
  const auto* side = find_param(p, "side");
  const auto* size = find_param(p, "size");
  for (auto [f, name] : {std::pair{ot, "orderType"}, {sym, "symbol"}, {side, "side"}, {size, "size"}}) {
    if (f == nullptr) {
      o.kind = Outcome::Kind::MissingArgument;
      o.argument = name;
      return o;
    }
  }
  Instr* in = find_instr(sym->value);
  if (in == nullptr) {
    o.kind = Outcome::Kind::BadArgument;
    o.argument = "symbol";
    return o;
  }
  bool reduce_only = false;
  if (const auto* ro = find_param(p, "reduceOnly")) {
    if (ro->value == "true") {
      reduce_only = true;
    } else if (ro->value != "false") {
      o.kind = Outcome::Kind::BadArgument;
      o.argument = "reduceOnly";
      return o;
    }
  }
  o.kind = Outcome::Kind::Status;
  std::optional<OrderType> type;
  if (ot->value == "lmt") {
    type = OrderType::Limit;
  } else if (ot->value == "post") {
    type = OrderType::Post;
  } else if (ot->value == "ioc") {
    type = OrderType::Ioc;
  } else if (ot->value == "mkt") {
    type = OrderType::Market;
  } else if (ot->value == "fok") {
    type = OrderType::Fok;
  }
  if (!type) {
    // Trigger orders (stp, take_profit, trailing_stop) are not simulated; anything else is unknown.
    o.status = Status::InvalidOrderType;
    return o;
  }
  Side s = Side::Buy;
  if (side->value == "buy") {
    s = Side::Buy;
  } else if (side->value == "sell") {
    s = Side::Sell;
  } else {
    o.status = Status::InvalidSide;
    return o;
  }
  const UnitsResult q = to_units(size->value, in->step);
  if (q.error != DecimalError::Ok || q.units <= 0) {
    o.status = Status::InvalidSize;
    return o;
  }
  std::optional<Price> limit;
  if (*type != OrderType::Market) {
    const auto* lp = find_param(p, "limitPrice");
    if (lp == nullptr) {
      o.status = Status::InvalidPrice;
      return o;
    }
    const UnitsResult pr = to_units(lp->value, in->tick);
    if (pr.error != DecimalError::Ok || pr.units <= 0) {
      o.status = Status::InvalidPrice;
      return o;
    }
    limit = Price{pr.units};
  }
  if (!process_before_ok(p, now, o)) {
    return o;
  }
  if (reject_fraction_ > 0.0 && fault_rng_.unit() < reject_fraction_) {
    o.status = Status::MarketSuspended;
    return o;
  }
  NewOrder n;
  n.account = key.account;
  n.instrument = in->index;
  n.type = *type;
  n.side = s;
  n.size = Qty{q.units};
  n.limit_price = limit;
  n.reduce_only = reduce_only;
  n.cli_ord_id = o.cli_ord_id;
  o.kind = Outcome::Kind::Engine;
  o.result = exchange_->send(n, now);
  return o;
}

Outcome Impl::do_edit(Key& key, const Params& p, std::int64_t now) {
  Outcome o;
  OrderRef ref;
  if (!parse_order_ref(p, "orderId", "order_id", Status::OrderForEditNotFound, o, ref)) {
    return o;
  }
  const OrderView* ov = exchange_->find_order(key.account, ref);
  if (ov == nullptr) {
    o.status = Status::OrderForEditNotFound;
    return o;
  }
  const Instr& in = instrs_[ov->instrument];
  const Qty filled = ov->filled;
  if (o.requested_id.empty()) {
    char buf[Uuid::kTextLength];
    ov->id.format(buf);
    o.requested_id.assign(buf, Uuid::kTextLength);
  }
  if (o.cli_ord_id.empty()) {
    o.cli_ord_id = ov->cli_ord_id;
  }
  if (find_param(p, "stopPrice") != nullptr || find_param(p, "trailingStopMaxDeviation") != nullptr) {
    o.status = Status::OrderForEditNotAStop;
    return o;
  }
  bool absolute = false;
  if (const auto* qm = find_param(p, "qtyMode")) {
    if (qm->value == "ABSOLUTE") {
      absolute = true;
    } else if (qm->value != "RELATIVE") {
      o.kind = Outcome::Kind::BadArgument;
      o.argument = "qtyMode";
      return o;
    }
  }
  EditOrder e;
  e.account = key.account;
  e.ref = ref;
  if (const auto* size = find_param(p, "size")) {
    const UnitsResult q = to_units(size->value, in.step);
    std::int64_t open = q.units;
    if (absolute) {
      open -= filled.lots();
    }
    if (q.error != DecimalError::Ok || open <= 0) {
      o.status = Status::InvalidSize;
      return o;
    }
    e.size = Qty{open};
  }
  if (const auto* lp = find_param(p, "limitPrice")) {
    const UnitsResult pr = to_units(lp->value, in.tick);
    if (pr.error != DecimalError::Ok || pr.units <= 0) {
      o.status = Status::InvalidPrice;
      return o;
    }
    e.limit_price = Price{pr.units};
  }
  if (!process_before_ok(p, now, o)) {
    return o;
  }
  o.kind = Outcome::Kind::Engine;
  o.result = exchange_->edit(e, now);
  return o;
}

Outcome Impl::do_cancel(Key& key, const Params& p, std::int64_t now) {
  Outcome o;
  OrderRef ref;
  if (!parse_order_ref(p, "order_id", "orderId", Status::NotFound, o, ref)) {
    return o;
  }
  if (!process_before_ok(p, now, o)) {
    return o;
  }
  o.kind = Outcome::Kind::Engine;
  o.result = exchange_->cancel(key.account, ref, now);
  if (o.cli_ord_id.empty()) {
    o.cli_ord_id = o.result.cli_ord_id;
  }
  return o;
}

namespace {

// The order id to print: the engine's, else the one the request named.
void append_result_id(std::string& out, const Outcome& o, std::string_view key) {
  if (o.kind == Outcome::Kind::Engine && o.result.order_id) {
    out += '"';
    out += key;
    out += "\":";
    append_uuid(out, *o.result.order_id);
    out += ',';
  } else if (!o.requested_id.empty()) {
    out += '"';
    out += key;
    out += "\":";
    append_string(out, o.requested_id);
    out += ',';
  }
}

void append_cli(std::string& out, const Outcome& o) {
  std::string_view cli = o.cli_ord_id;
  if (cli.empty() && o.kind == Outcome::Kind::Engine) {
    cli = o.result.cli_ord_id;
  }
  if (!cli.empty()) {
    out += R"("cliOrdId":)";
    append_string(out, cli);
    out += ',';
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// REST dispatch

HttpResponse Impl::handle_http(const HttpRequest& request, std::int64_t now_ms) {
  const std::int64_t now = now_ms + clock_offset_ms_;
  ++stats_.http_requests;
  std::string_view path = request.target;
  std::string_view query;
  if (const auto q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (const auto h = query.find('#'); h != std::string_view::npos) {
    query = query.substr(0, h);
  }
  HttpResponse r;
  if (starts_with(path, kControlPrefix)) {
    r = config_.control ? handle_control(request, path, query, now) : error_c(404, now);
    flush_private(now);
    return r;
  }
  if ((starts_with(path, kHistoryMarketPrefix) || starts_with(path, kHistoryMarketPrefixV2)) &&
      request.method == "GET") {
    return handle_history(path, query, now);
  }
  if (!starts_with(path, kRestPrefix)) {
    return error_c(404, now);
  }
  r = handle_rest(request, path, query, now);
  flush_private(now);
  r.delay_ms = rest_delay_ms_;
  // The request has been executed: a dropped answer is the nasty case a client must reconcile.
  if (rest_drop_fraction_ > 0.0 && fault_rng_.unit() < rest_drop_fraction_) {
    r.drop = true;
  }
  return r;
}

// The public executions of one market (v2 and v3 answer alike), as the history API lists them (shape from
// ccxt's krakenfutures fetchTrades; numbers and timestamps are strings there). Query: count (default and
// maximum = what the simulator keeps), sort=asc|desc (default desc, newest first), since / before
// (epoch ms). No continuation token: the simulator keeps only its recent trades.
HttpResponse Impl::handle_history(std::string_view path, std::string_view query, std::int64_t now) {
  std::string_view rest = path.substr(kHistoryMarketPrefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.substr(slash) != "/executions") {
    return error_c(404, now);
  }
  const Instr* in = find_instr(rest.substr(0, slash));
  if (in == nullptr) {
    return error_c(404, now);
  }
  Params qp;
  if (!query.empty()) {
    auto f = kf::parse_form(query);
    if (!f) {
      return error_a("invalidArgument", 400, now);
    }
    qp = std::move(*f);
  }
  const auto number = [&](std::string_view key, std::int64_t fallback) -> std::optional<std::int64_t> {
    const auto* p = find_param(qp, key);
    if (p == nullptr) {
      return fallback;
    }
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(p->value.data(), p->value.data() + p->value.size(), v);
    if (ec != std::errc{} || end != p->value.data() + p->value.size() || v < 0) {
      return std::nullopt;
    }
    return v;
  };
  const auto count = number("count", 1000);
  const auto since = number("since", 0);
  const auto before = number("before", std::numeric_limits<std::int64_t>::max());
  if (!count || !since || !before) {
    return error_b("count/since/before", now);
  }
  const auto* sort = find_param(qp, "sort");
  const bool ascending = sort != nullptr && sort->value == "asc";
  std::vector<const TradeEvent*> picked;
  for (const TradeEvent& t : exchange_->trades(in->index)) {  // newest first
    if (t.time_ms >= *since && t.time_ms < *before) {
      picked.push_back(&t);
    }
  }
  if (ascending) {
    std::reverse(picked.begin(), picked.end());
  }
  if (picked.size() > static_cast<std::size_t>(*count)) {
    picked.resize(static_cast<std::size_t>(*count));
  }
  const auto order_type = [](OrderType t) -> std::string_view {
    switch (t) {
      case OrderType::Post:
        return "Post";
      case OrderType::Ioc:
        return "IoC";
      case OrderType::Market:
        return "Market";
      case OrderType::Fok:
        return "FillOrKill";
      case OrderType::Limit:
        break;
    }
    return "Limit";
  };
  const auto write_order = [&](std::string& out, const Uuid& id, Side side, Price limit, OrderType type,
                               std::int64_t time_ms, bool reduce_only, std::int64_t last_ms, Qty qty) {
    out += R"({"uid":)";
    append_uuid(out, id);
    out += R"(,"tradeable":)";
    append_string(out, in->upper);
    out += side == Side::Buy ? R"(,"direction":"Buy","quantity":")" : R"(,"direction":"Sell","quantity":")";
    append_units(out, qty.lots(), in->step, false);
    fmt::format_to(std::back_inserter(out), R"(","timestamp":"{}","limitPrice":")", time_ms);
    append_units(out, limit.ticks(), in->tick, false);
    out += R"(","orderType":")";
    out += order_type(type);
    fmt::format_to(std::back_inserter(out), R"(","reduceOnly":{},"lastUpdateTimestamp":"{}"}})",
                   reduce_only ? "true" : "false", last_ms);
  };
  std::string out = R"({"elements":[)";
  for (std::size_t i = 0; i < picked.size(); ++i) {
    const TradeEvent& t = *picked[i];
    if (i != 0) {
      out += ',';
    }
    out += R"({"uid":)";
    append_uuid(out, t.uid);
    fmt::format_to(std::back_inserter(out),
                   R"(,"timestamp":"{}","event":{{"Execution":{{"execution":{{"uid":)", t.time_ms);
    append_uuid(out, t.uid);
    out += R"(,"makerOrder":)";
    write_order(out, t.maker_order, opposite(t.taker_side), t.maker_limit, t.maker_type, t.maker_time_ms,
                t.maker_reduce_only, t.time_ms, t.qty);
    out += R"(,"takerOrder":)";
    write_order(out, t.taker_order, t.taker_side, t.taker_limit, t.taker_type, t.taker_time_ms,
                t.taker_reduce_only, t.time_ms, t.qty);
    fmt::format_to(std::back_inserter(out), R"(,"timestamp":"{}","quantity":")", t.time_ms);
    append_units(out, t.qty.lots(), in->step, false);
    out += R"(","price":")";
    append_units(out, t.price.ticks(), in->tick, false);
    out += R"(","markPrice":")";
    append_units(out, exchange_->reference_price(in->index).ticks(), in->tick, false);
    out += R"(","limitFilled":false},"takerReducedQuantity":""}}})";
  }
  fmt::format_to(std::back_inserter(out), R"(],"len":"{}"}})", picked.size());
  return HttpResponse{.status = 200, .body = std::move(out)};
}

HttpResponse Impl::handle_rest(const HttpRequest& request, std::string_view path, std::string_view query,
                               std::int64_t now) {
  std::string_view ep = path.substr(kRestPrefix.size());
  while (!ep.empty() && ep.back() == '/') {
    ep.remove_suffix(1);
  }
  const bool is_get = request.method == "GET";
  const bool is_post = request.method == "POST";

  // Query parameters of public endpoints.
  Params qp;
  if (!query.empty()) {
    auto f = kf::parse_form(query);
    if (!f) {
      return error_a("invalidArgument", 400, now);
    }
    qp = std::move(*f);
  }

  // ---- public
  auto public_route = [&](std::string_view name) { return ep == name; };
  if (public_route("instruments") || public_route("tickers") || public_route("orderbook") ||
      public_route("instruments/status") || public_route("feeschedules") || public_route("history") ||
      starts_with(ep, "tickers/")) {
    if (!is_get) {
      return error_c(405, now);
    }
    std::string out;
    if (ep == "instruments") {
      out += R"("instruments":[)";
      bool first = true;
      for (const auto& in : instrs_) {
        separate(out, first);
        const InstrumentSetup& setup = exchange_->instrument(in.index);
        const bool inverse = in.kind == ContractKind::Inverse;
        out += R"({"symbol":)";
        append_string(out, in.symbol);
        out += inverse ? R"(,"type":"futures_inverse")" : R"(,"type":"flexible_futures")";
        if (inverse) {
          out += R"(,"underlying":)";
          append_string(out, "rr_" + to_lower(in.base_symbol) + to_lower(in.quote));
        }
        if (in.maturity_ms != 0) {
          out += R"(,"lastTradingTime":)";
          append_iso(out, in.maturity_ms);
        }
        out += R"(,"tickSize":)";
        append_units(out, 1, in.tick, false);
        out += R"(,"contractSize":1,"tradeable":)";
        out += setup.suspended ? "false" : "true";
        out += R"(,"impactMidSize":1,"maxPositionSize":1000000000,"openingDate":"2022-01-01T00:00:00.000Z")";
        out +=
            inverse
                ? R"(,"marginLevels":[{"contracts":0,"initialMargin":0.02,"maintenanceMargin":0.01}])"
                : R"(,"marginLevels":[{"numNonContractUnits":0,"initialMargin":0.02,"maintenanceMargin":0.01}])";
        if (in.perpetual) {
          out += R"(,"fundingRateCoefficient":8,"maxRelativeFundingRate":0.001)";
        }
        // size step = 10^-p; a step that is not a power of ten has no exact precision.
        fmt::format_to(std::back_inserter(out), R"(,"contractValueTradePrecision":{})", -in.step.exponent);
        out += R"(,"postOnly":)";
        out += setup.post_only ? "true" : "false";
        fmt::format_to(
            std::back_inserter(out),
            R"(,"feeScheduleUid":"00000000-0000-4000-8000-{:012}","mtf":false,"base":"{}","quote":"{}",)"
            R"("pair":"{}:{}","category":"Layer 1","tags":[],"tradfi":false,"isExpired":false}})",
            in.index, in.base, in.quote, in.base, in.quote);
      }
      out += ']';
      return success(out, now);
    }
    if (ep == "instruments/status") {
      out += R"("instrumentStatus":[)";
      for (std::size_t i = 0; i < instrs_.size(); ++i) {
        if (i != 0) {
          out += ',';
        }
        out += R"({"tradeable":)";
        append_string(out, instrs_[i].symbol);
        out += R"(,"experiencingDislocation":false,"priceDislocationDirection":null,)"
               R"("experiencingExtremeVolatility":false,"extremeVolatilityInitialMarginMultiplier":1})";
      }
      out += ']';
      return success(out, now);
    }
    if (ep == "feeschedules") {
      out += R"("feeSchedules":[)";
      for (std::size_t i = 0; i < instrs_.size(); ++i) {
        const InstrumentSetup& setup = exchange_->instrument(instrs_[i].index);
        if (i != 0) {
          out += ',';
        }
        fmt::format_to(std::back_inserter(out),
                       R"({{"uid":"00000000-0000-4000-8000-{:012}","name":"{} fees","tiers":[{{"makerFee":)",
                       i, instrs_[i].symbol);
        append_double(out, setup.maker_fee * 100.0);
        out += R"(,"takerFee":)";
        append_double(out, setup.taker_fee * 100.0);
        out += R"(,"usdVolume":0.0}]})";
      }
      out += ']';
      return success(out, now);
    }
    auto write_ticker = [&](const Instr& in) {
      const InstrumentSetup& setup = exchange_->instrument(in.index);
      out += R"({"symbol":)";
      append_string(out, in.symbol);
      const auto& trades = exchange_->trades(in.index);
      if (!trades.empty()) {
        out += R"(,"last":)";
        append_units(out, trades.front().price.ticks(), in.tick, false);
        out += R"(,"lastTime":)";
        append_iso(out, trades.front().time_ms);
        out += R"(,"lastSize":)";
        append_units(out, trades.front().qty.lots(), in.step, false);
      }
      out += in.perpetual ? R"(,"tag":"perpetual")" : R"(,"tag":"month")";
      fmt::format_to(std::back_inserter(out), R"(,"pair":"{}:{}")", in.base_symbol, in.quote);
      const Price mark = exchange_->reference_price(in.index);
      out += R"(,"markPrice":)";
      append_units(out, mark.ticks(), in.tick, false);
      out += R"(,"indexPrice":)";
      append_units(out, mark.ticks(), in.tick, false);
      if (const auto b = exchange_->best(in.index, Side::Buy)) {
        out += R"(,"bid":)";
        append_units(out, b->price.ticks(), in.tick, false);
        out += R"(,"bidSize":)";
        append_units(out, b->qty.lots(), in.step, false);
      }
      if (const auto a = exchange_->best(in.index, Side::Sell)) {
        out += R"(,"ask":)";
        append_units(out, a->price.ticks(), in.tick, false);
        out += R"(,"askSize":)";
        append_units(out, a->qty.lots(), in.step, false);
      }
      out += R"(,"vol24h":)";
      append_units(out, exchange_->volume(in.index).lots(), in.step, false);
      out += R"(,"volumeQuote":)";
      append_double(out, in.volume_quote);
      out += R"(,"openInterest":)";
      append_units(out, open_interest(in), in.step, false);
      const Price open = in.open.value_or(setup.reference_price);
      out += R"(,"open24h":)";
      append_units(out, open.ticks(), in.tick, false);
      out += R"(,"high24h":)";
      append_units(out, in.high.value_or(open).ticks(), in.tick, false);
      out += R"(,"low24h":)";
      append_units(out, in.low.value_or(open).ticks(), in.tick, false);
      if (in.perpetual) {
        out += R"(,"fundingRate":0.0,"fundingRatePrediction":0.0)";
      }
      out += R"(,"suspended":)";
      out += setup.suspended ? "true" : "false";
      out += R"(,"postOnly":)";
      out += setup.post_only ? "true" : "false";
      const Price last = trades.empty() ? open : trades.front().price;
      out += R"(,"change24h":)";
      append_double(out, change_percent(open, last));
      out += '}';
    };
    if (ep == "tickers") {
      out += R"("tickers":[)";
      for (std::size_t i = 0; i < instrs_.size(); ++i) {
        if (i != 0) {
          out += ',';
        }
        write_ticker(instrs_[i]);
      }
      out += ']';
      return success(out, now);
    }
    if (starts_with(ep, "tickers/")) {
      const Instr* in = find_instr(ep.substr(8));
      if (in == nullptr) {
        return error_b("symbol", now);
      }
      out += R"("ticker":)";
      write_ticker(*in);
      return success(out, now);
    }
    const auto* sym = find_param(qp, "symbol");
    if (ep == "history") {
      // The last public trades, newest first, before lastTime when given (ccxt fetchTrades).
      if (sym == nullptr) {
        return error_a("requiredArgumentMissing", 400, now);
      }
      const Instr* hin = find_instr(sym->value);
      if (hin == nullptr) {
        return error_b("symbol", now);
      }
      const auto before = time_param(qp, "lastTime", std::numeric_limits<std::int64_t>::max());
      if (!before) {
        return error_b("lastTime", now);
      }
      out += R"("history":[)";
      append_page(out, exchange_->trades(hin->index), *before, [&](const TradeEvent& t) {
        out += R"({"time":)";
        append_iso(out, t.time_ms);
        fmt::format_to(std::back_inserter(out), R"(,"trade_id":{},"price":)", t.seq);
        append_units(out, t.price.ticks(), hin->tick, false);
        out += R"(,"size":)";
        append_units(out, t.qty.lots(), hin->step, false);
        out += t.taker_side == Side::Buy ? R"(,"side":"buy","type":"fill","uid":)"
                                         : R"(,"side":"sell","type":"fill","uid":)";
        append_uuid(out, t.uid);
        out += '}';
      });
      out += ']';
      return success(out, now);
    }
    // orderbook
    if (sym == nullptr) {
      return error_a("requiredArgumentMissing", 400, now);
    }
    const Instr* in = find_instr(sym->value);
    if (in == nullptr) {
      return error_b("symbol", now);
    }
    out += R"("orderBook":{"bids":[)";
    auto levels = [&](Side side) {
      bool first = true;
      for (const auto& l : exchange_->levels(in->index, side)) {
        separate(out, first);
        out += '[';
        append_units(out, l.price.ticks(), in->tick, false);
        out += ',';
        append_units(out, l.qty.lots(), in->step, false);
        out += ']';
      }
    };
    levels(Side::Buy);
    out += R"(],"asks":[)";
    levels(Side::Sell);
    out += "]}";
    return success(out, now);
  }

  // ---- private
  struct Route {
    std::string_view name;
    bool post;
    std::int64_t cost;
  };
  static constexpr std::array<Route, 11> kRoutes{{{"sendorder", true, 10},
                                                  {"editorder", true, 10},
                                                  {"cancelorder", true, 10},
                                                  {"cancelallorders", true, 25},
                                                  {"cancelallordersafter", true, 25},
                                                  {"batchorder", true, 9},
                                                  {"openorders", false, 2},
                                                  {"fills", false, 2},
                                                  {"openpositions", false, 2},
                                                  {"accounts", false, 2},
                                                  {"orders/status", true, 1}}};
  const Route* route = nullptr;
  for (const auto& r : kRoutes) {
    if (r.name == ep) {
      route = &r;
    }
  }
  if (route == nullptr) {
    return error_c(404, now);
  }
  if ((route->post && !is_post) || (!route->post && !is_get)) {
    return error_c(405, now);
  }

  // Authentication: Authent over exactly the bytes received (§4.2).
  Key* key = request.api_key.empty() ? nullptr : find_key(request.api_key);
  if (key == nullptr || request.authent.empty()) {
    ++stats_.auth_failures;
    return error_a("authenticationError", 200, now);
  }
  const std::string_view endpoint = kf::endpoint_path(path);
  std::string post_data;
  post_data.reserve(query.size() + request.body.size());
  post_data.append(query).append(request.body);
  bool authentic =
      kf::signature_equals(request.authent, key->signer->sign_rest(post_data, request.nonce, endpoint));
  if (!authentic && config_.lenient_signature) {
    const auto dq = kf::percent_decode(query);
    const auto db = kf::percent_decode(request.body);
    if (dq && db) {
      authentic =
          kf::signature_equals(request.authent, key->signer->sign_rest(*dq + *db, request.nonce, endpoint));
    }
  }
  if (!authentic) {
    ++stats_.auth_failures;
    return error_a("authenticationError", 200, now);
  }
  if (config_.nonce_check == config::SimNonceCheck::Increasing && !request.nonce.empty()) {
    std::uint64_t n = 0;
    const auto* end = request.nonce.data() + request.nonce.size();
    const auto r = std::from_chars(request.nonce.data(), end, n);
    if (r.ec != std::errc{} || r.ptr != end) {
      ++stats_.auth_failures;
      return error_a("authenticationError", 200, now);
    }
    const auto tolerance = static_cast<std::uint64_t>(std::max<std::int64_t>(config_.nonce_tolerance, 0));
    switch (key->nonces.accept(n, tolerance)) {
      case NonceMemory::Verdict::Accepted:
        break;
      case NonceMemory::Verdict::Duplicate:
        ++stats_.auth_failures;
        return error_a("nonceDuplicate", 200, now);
      case NonceMemory::Verdict::BelowThreshold:
        ++stats_.auth_failures;
        return error_a("nonceBelowThreshold", 200, now);
    }
  }

  // Parameters: query string then body (form, `json=` for batchorder, or a JSON object).
  Params params = std::move(qp);
  std::optional<std::string> batch_json;
  std::string_view body = request.body;
  if (route->name == "batchorder" && starts_with(body, "json=")) {
    const std::string_view value = body.substr(5);
    if (!value.empty() && value.front() == '{') {
      batch_json = std::string(value);  // ccxt: raw JSON, not percent-encoded
    } else {
      batch_json = kf::percent_decode(value);
      if (!batch_json) {
        return error_a("invalidArgument", 400, now);
      }
    }
  } else if (!body.empty() && body.front() == '{') {
    auto doc = parser_.parse(body.data(), body.size(), true);
    simdjson::dom::object obj;
    if (doc.get(obj) != simdjson::SUCCESS) {
      return error_a("Json Parse Error", 400, now);
    }
    auto extra = object_to_params(obj);
    if (!extra) {
      return error_a("invalidArgument", 400, now);
    }
    params.insert(params.end(), extra->begin(), extra->end());
  } else if (!body.empty()) {
    auto f = kf::parse_form(body);
    if (!f) {
      return error_a("invalidArgument", 400, now);
    }
    params.insert(params.end(), f->begin(), f->end());
  }
  if (route->name == "batchorder" && !batch_json) {
    if (const auto* j = find_param(params, "json")) {
      batch_json = j->value;
    }
  }

  // Cost, then the budget: a refused request is not executed.
  std::int64_t cost = route->cost;
  simdjson::dom::array batch;
  bool batch_ok = false;
  if (route->name == "batchorder" && batch_json) {
    auto doc = parser_.parse(batch_json->data(), batch_json->size(), true);
    simdjson::dom::object root;
    if (doc.get(root) == simdjson::SUCCESS && root["batchOrder"].get(batch) == simdjson::SUCCESS) {
      batch_ok = true;
      cost += static_cast<std::int64_t>(batch.size());
    }
  }
  if (route->name == "fills" && find_param(params, "lastFillTime") != nullptr) {
    cost = 25;
  }
  while (!key->window.empty() && key->window.front().first <= now - config_.rate_limit_window_ms) {
    key->window_used -= key->window.front().second;
    key->window.pop_front();
  }
  if (key->window_used + cost > config_.rate_limit_budget) {
    ++stats_.rate_limited;
    return error_a("apiLimitExceeded", 200, now);
  }
  key->window.emplace_back(now, cost);
  key->window_used += cost;

  std::string out;
  auto outcome_error = [&](const Outcome& o) -> std::optional<HttpResponse> {
    if (o.kind == Outcome::Kind::MissingArgument) {
      return error_a("requiredArgumentMissing", 400, now);
    }
    if (o.kind == Outcome::Kind::BadArgument) {
      return error_b(o.argument, now);
    }
    return std::nullopt;
  };
  const std::string_view name = route->name;
  if (name == "sendorder" || name == "editorder") {
    // The same answer but for its names: sendStatus.order_id, editStatus.orderId.
    const bool is_send = name == "sendorder";
    const Outcome o = is_send ? do_send(*key, params, now) : do_edit(*key, params, now);
    if (auto e = outcome_error(o)) {
      return *e;
    }
    count_outcome(o);
    out += is_send ? R"("sendStatus":{)" : R"("editStatus":{)";
    append_result_id(out, o, is_send ? "order_id" : "orderId");
    append_cli(out, o);
    out += R"("status":)";
    append_string(out, to_string(outcome_status(o)));
    out += R"(,"receivedTime":)";
    append_iso(out, now);
    out += R"(,"orderEvents":)";
    write_events(out, o.result.events);
    out += '}';
    return success(out, now);
  }
  if (name == "cancelorder") {
    const Outcome o = do_cancel(*key, params, now);
    if (auto e = outcome_error(o)) {
      return *e;
    }
    const Status st = outcome_status(o);
    out += R"("cancelStatus":{"status":)";
    append_string(out, to_string(st));
    if (st != Status::NotFound) {
      out += ',';
      append_result_id(out, o, "order_id");
      append_cli(out, o);
      out.pop_back();
    }
    out += R"(,"receivedTime":)";
    append_iso(out, now);
    if (st != Status::NotFound) {
      out += R"(,"orderEvents":)";
      write_events(out, o.result.events);
    }
    out += '}';
    return success(out, now);
  }
  if (name == "cancelallorders") {
    std::optional<InstrumentIndex> only;
    std::string cancel_only = "all";
    if (const auto* sym = find_param(params, "symbol")) {
      const Instr* in = find_instr(sym->value);
      if (in == nullptr) {
        return error_b("symbol", now);
      }
      only = in->index;
      cancel_only = in->symbol;
    }
    const CancelAllResult r = exchange_->cancel_all(key->account, only, now);
    out += R"("cancelStatus":{"receivedTime":)";
    append_iso(out, now);
    out += R"(,"cancelOnly":)";
    append_string(out, cancel_only);
    out += R"(,"status":)";
    append_string(out, to_string(r.status));
    out += R"(,"cancelledOrders":[)";
    bool first = true;
    for (const auto& ov : r.cancelled) {
      separate(out, first);
      out += '{';
      if (!ov.cli_ord_id.empty()) {
        out += R"("cliOrdId":)";
        append_string(out, ov.cli_ord_id);
        out += ',';
      }
      out += R"("order_id":)";
      append_uuid(out, ov.id);
      out += '}';
    }
    out += R"(],"orderEvents":)";
    write_events(out, r.events);
    out += '}';
    return success(out, now);
  }
  if (name == "cancelallordersafter") {
    const auto* t = find_param(params, "timeout");
    if (t == nullptr) {
      return error_a("requiredArgumentMissing", 400, now);
    }
    const auto timeout = parse_int(t->value);
    if (!timeout || *timeout < 0) {
      return error_b("timeout", now);
    }
    const std::int64_t trigger = exchange_->arm_dead_man_switch(key->account, *timeout, now);
    key->dms_trigger_ms = trigger;
    out += R"("status":{"currentTime":)";
    append_iso(out, now);
    out += R"(,"triggerTime":)";
    if (trigger == 0) {
      out += R"("0")";
    } else {
      append_iso(out, trigger);
    }
    out += '}';
    return success(out, now);
  }
  if (name == "batchorder") {
    if (!batch_json) {
      return error_a("requiredArgumentMissing", 400, now);
    }
    if (!batch_ok) {
      return error_a("Json Parse Error", 400, now);
    }
    // Validate the whole batch first: a structural problem refuses every instruction.
    std::vector<std::pair<std::string, Params>> items;
    for (auto item : batch) {
      simdjson::dom::object obj;
      if (item.get(obj) != simdjson::SUCCESS) {
        return error_b("batchOrder", now);
      }
      auto ip = object_to_params(obj);
      if (!ip) {
        return error_b("batchOrder", now);
      }
      const auto* kind = find_param(*ip, "order");
      if (kind == nullptr || (kind->value != "send" && kind->value != "edit" && kind->value != "cancel")) {
        return error_b("order", now);
      }
      std::string k = kind->value;
      items.emplace_back(std::move(k), std::move(*ip));
    }
    out += R"("batchStatus":[)";
    bool first = true;
    for (const auto& [kind, ip] : items) {
      separate(out, first);
      Outcome o;
      if (kind == "send") {
        o = do_send(*key, ip, now);
      } else if (kind == "edit") {
        o = do_edit(*key, ip, now);
      } else {
        o = do_cancel(*key, ip, now);
      }
      if (o.kind == Outcome::Kind::MissingArgument || o.kind == Outcome::Kind::BadArgument) {
        // Per-instruction argument problems cannot become a shape-B answer once others executed.
        o.kind = Outcome::Kind::Status;
        o.status = o.argument == "size"        ? Status::InvalidSize
                   : o.argument == "side"      ? Status::InvalidSide
                   : o.argument == "orderType" ? Status::InvalidOrderType
                   : kind == "send"            ? Status::MarketInactive
                   : kind == "edit"            ? Status::OrderForEditNotFound
                                               : Status::NotFound;
      }
      count_outcome(o);
      out += '{';
      if (const auto* tag = find_param(ip, "order_tag")) {
        out += R"("order_tag":)";
        append_string(out, tag->value);
        out += ',';
      }
      append_result_id(out, o, "order_id");
      append_cli(out, o);
      out += R"("status":)";
      append_string(out, to_string(outcome_status(o)));
      out += R"(,"dateTimeReceived":)";
      append_iso(out, now);
      out += R"(,"orderEvents":)";
      write_events(out, o.result.events);
      out += '}';
    }
    out += ']';
    return success(out, now);
  }
  if (name == "openorders") {
    out += R"("openOrders":[)";
    bool first = true;
    for (const auto& ov : exchange_->open_orders(key->account)) {
      const Instr& in = instrs_[ov.instrument];
      separate(out, first);
      out += R"({"order_id":)";
      append_uuid(out, ov.id);
      if (!ov.cli_ord_id.empty()) {
        out += R"(,"cliOrdId":)";
        append_string(out, ov.cli_ord_id);
      }
      out += R"(,"status":)";
      out += ov.filled.is_zero() ? R"("untouched")" : R"("partiallyFilled")";
      out += R"(,"side":")";
      out += tickpath::to_string(ov.side);
      out += R"(","orderType":"lmt","symbol":)";
      append_string(out, in.symbol);
      out += R"(,"limitPrice":)";
      append_units(out, ov.limit_price.ticks(), in.tick, false);
      out += R"(,"filledSize":)";
      append_units(out, ov.filled.lots(), in.step, false);
      out += R"(,"unfilledSize":)";
      append_units(out, ov.remaining().lots(), in.step, false);
      out += R"(,"reduceOnly":)";
      out += ov.reduce_only ? "true" : "false";
      out += R"(,"receivedTime":)";
      append_iso(out, ov.time_ms);
      out += R"(,"lastUpdateTime":)";
      append_iso(out, ov.last_update_ms);
      out += '}';
    }
    out += ']';
    return success(out, now);
  }
  if (name == "fills") {
    const auto before = time_param(params, "lastFillTime", std::numeric_limits<std::int64_t>::max());
    if (!before) {
      return error_b("lastFillTime", now);
    }
    out += R"("fills":[)";
    append_page(out, exchange_->fills(key->account), *before, [&](const FillEvent& f) {
      const Instr& in = instrs_[f.instrument];
      out += R"({"fill_id":)";
      append_uuid(out, f.fill_id);
      out += R"(,"symbol":)";
      append_string(out, in.symbol);
      out += R"(,"side":")";
      out += tickpath::to_string(f.side);
      out += R"(","order_id":)";
      append_uuid(out, f.order_id);
      if (!f.cli_ord_id.empty()) {
        out += R"(,"cliOrdId":)";
        append_string(out, f.cli_ord_id);
      }
      out += R"(,"size":)";
      append_units(out, f.qty.lots(), in.step, false);
      out += R"(,"price":)";
      append_units(out, f.price.ticks(), in.tick, false);
      out += R"(,"fillTime":)";
      append_iso(out, f.time_ms);
      out += f.maker ? R"(,"fillType":"maker"})" : R"(,"fillType":"taker"})";
    });
    out += ']';
    return success(out, now);
  }
  if (name == "openpositions") {
    out += R"("openPositions":[)";
    bool first = true;
    for (const auto& pos : exchange_->positions(key->account)) {
      const Instr& in = instrs_[pos.instrument];
      separate(out, first);
      std::int64_t fill_time = now;
      for (const auto& f : exchange_->fills(key->account)) {
        if (f.instrument == pos.instrument) {
          fill_time = f.time_ms;
          break;
        }
      }
      out += pos.size.lots() >= 0 ? R"({"side":"long","symbol":)" : R"({"side":"short","symbol":)";
      append_string(out, in.symbol);
      out += R"(,"price":)";
      append_double(out, pos.entry_price);
      out += R"(,"fillTime":)";
      append_iso(out, fill_time);
      out += R"(,"size":)";
      append_units(out, std::abs(pos.size.lots()), in.step, false);
      out += R"(,"unrealizedFunding":0)";
      if (in.kind == ContractKind::Linear) {
        out += R"(,"pnlCurrency":"USD")";
      }
      out += '}';
    }
    out += ']';
    return success(out, now);
  }
  if (name == "accounts") {
    const auto& balances = exchange_->balances(key->account);
    out += R"("accounts":{"cash":{"type":"cashAccount","balances":{)";
    append_holdings(out, balances, true);
    out += R"(}},"flex":{"type":"multiCollateralMarginAccount","currencies":{)";
    const double total = append_flex_currencies(out, balances, "collateral", "");
    double upnl = 0.0;
    for (const auto& pos : exchange_->positions(key->account)) {
      const Instr& in = instrs_[pos.instrument];
      if (in.kind == ContractKind::Linear && pos.entry_price > 0) {
        const double mark = price_value(in, exchange_->reference_price(in.index));
        upnl += units_to_double(pos.size.lots(), in.step) * (mark - pos.entry_price);
      }
    }
    out += R"(},"initialMargin":0,"initialMarginWithOrders":0,"maintenanceMargin":0,"balanceValue":)";
    append_double(out, total);
    out += R"(,"portfolioValue":)";
    append_double(out, total + upnl);
    out += R"(,"collateralValue":)";
    append_double(out, total);
    out += R"(,"pnl":)";
    append_double(out, upnl);
    out += R"(,"unrealizedFunding":0,"totalUnrealized":)";
    append_double(out, upnl);
    out += R"(,"totalUnrealizedAsMargin":)";
    append_double(out, upnl);
    out += R"(,"availableMargin":)";
    append_double(out, total + upnl);
    out += R"(,"marginEquity":)";
    append_double(out, total + upnl);
    out += '}';
    // One single-collateral margin account per inverse pair (fi_xbtusd), in the pair's coin.
    std::vector<std::string> done;
    for (const auto& in : instrs_) {
      if (in.kind != ContractKind::Inverse) {
        continue;
      }
      const std::string acct = "fi_" + to_lower(in.base_symbol) + to_lower(in.quote);
      if (std::find(done.begin(), done.end(), acct) != done.end()) {
        continue;
      }
      done.push_back(acct);
      double coin = 0.0;
      for (const auto& b : balances) {
        if (iequals(b.currency, in.base) || iequals(b.currency, in.base_symbol)) {
          coin = b.amount;
        }
      }
      double pnl = 0.0;
      for (const auto& pos : exchange_->positions(key->account)) {
        const Instr& pin = instrs_[pos.instrument];
        if (pin.kind == ContractKind::Inverse && pin.base_symbol == in.base_symbol && pos.entry_price > 0) {
          const double mark = price_value(pin, exchange_->reference_price(pin.index));
          if (mark > 0) {
            pnl += units_to_double(pos.size.lots(), pin.step) * (1.0 / pos.entry_price - 1.0 / mark);
          }
        }
      }
      const std::string ccy = to_lower(in.base_symbol);
      out += ',';
      append_string(out, acct);
      out += R"(:{"type":"marginAccount","currency":)";
      append_string(out, ccy);
      out += R"(,"balances":{)";
      append_string(out, ccy);
      out += ':';
      append_double(out, coin);
      out += R"(},"auxiliary":{"usd":0,"pv":)";
      append_double(out, coin + pnl);
      out += R"(,"pnl":)";
      append_double(out, pnl);
      out += R"(,"af":)";
      append_double(out, coin + pnl);
      out += R"(,"funding":0},"marginRequirements":{"im":0,"mm":0,"lt":0,"tt":0},)"
             R"("triggerEstimates":{"im":0,"mm":0,"lt":0,"tt":0}})";
    }
    out += '}';
    return success(out, now);
  }
  // orders/status: the account's open orders named by orderIds / cliOrdIds (repeated keys or
  // comma lists both accepted).
  std::vector<std::string> ids;
  std::vector<std::string> clis;
  for (const auto& f : params) {
    auto split = [](std::vector<std::string>& into, std::string_view v) {
      while (!v.empty()) {
        const auto c = v.find(',');
        into.emplace_back(v.substr(0, c));
        if (c == std::string_view::npos) {
          break;
        }
        v.remove_prefix(c + 1);
      }
    };
    if (f.key == "orderIds" || f.key == "orderIds[]") {
      split(ids, f.value);
    } else if (f.key == "cliOrdIds" || f.key == "cliOrdIds[]") {
      split(clis, f.value);
    }
  }
  out += R"("orders":[)";
  bool first = true;
  auto emit = [&](const OrderView& ov) {
    separate(out, first);
    out += R"({"order":{"type":"ORDER",)";
    std::string order;
    write_order(order, ov);
    out += std::string_view(order).substr(1);
    out += ov.filled.is_zero() ? R"(,"status":"ENTERED_BOOK")" : R"(,"status":"PARTIALLY_FILLED")";
    out += R"(,"updateReason":null,"error":null})";
  };
  for (const auto& id : ids) {
    OrderRef ref;
    ref.order_id = Uuid::parse(id);
    if (ref.order_id) {
      if (const OrderView* ov = exchange_->find_order(key->account, ref)) {
        emit(*ov);
      }
    }
  }
  for (const auto& cli : clis) {
    OrderRef ref;
    ref.cli_ord_id = cli;
    if (const OrderView* ov = exchange_->find_order(key->account, ref)) {
      emit(*ov);
    }
  }
  out += ']';
  return success(out, now);
}

// ---------------------------------------------------------------------------------------------
// Control endpoint

HttpResponse Impl::handle_control(const HttpRequest& request, std::string_view path, std::string_view query,
                                  std::int64_t now) {
  const std::string_view ep = path.substr(kControlPrefix.size());
  Params params;
  for (std::string_view text : {query, request.body}) {
    if (text.empty() || text.front() == '{') {
      continue;
    }
    auto f = kf::parse_form(text);
    if (!f) {
      return error_a("invalidArgument", 400, now);
    }
    params.insert(params.end(), f->begin(), f->end());
  }
  const bool is_get = request.method == "GET";
  const bool is_post = request.method == "POST";
  std::string out;
  if (ep == "state") {
    if (!is_get) {
      return error_c(405, now);
    }
    const VenueStats& s = stats_;
    fmt::format_to(std::back_inserter(out),
                   R"("stats":{{"http_requests":{},"http_errors":{},"auth_failures":{},"rate_limited":{},)"
                   R"("ws_connections":{},"ws_open":{},"ws_messages_in":{},"ws_bad_messages":{},)"
                   R"("ws_messages_out":{},"book_deltas_out":{},"orders_accepted":{},"orders_rejected":{},)"
                   R"("fills":{},"dead_man_switch_fired":{}}},)",
                   s.http_requests, s.http_errors, s.auth_failures, s.rate_limited, s.ws_connections,
                   conns_.size(), s.ws_messages_in, s.ws_bad_messages, s.ws_messages_out, s.book_deltas_out,
                   s.orders_accepted, s.orders_rejected, s.fills, s.dead_man_switch_fired);
    fmt::format_to(
        std::back_inserter(out),
        R"("faults":{{"reject_fraction":{},"rest_delay_ms":{},"rest_drop_fraction":{},)"
        R"("malformed_fraction":{},"malformed_pending":{},"private_order":"{}","clock_offset_ms":{}}},)",
        reject_fraction_, rest_delay_ms_, rest_drop_fraction_, malformed_fraction_, malformed_pending_,
        to_string(private_order_), clock_offset_ms_);
    out += R"("instruments":[)";
    for (std::size_t i = 0; i < instrs_.size(); ++i) {
      const Instr& in = instrs_[i];
      if (i != 0) {
        out += ',';
      }
      out += R"({"symbol":)";
      append_string(out, in.symbol);
      fmt::format_to(std::back_inserter(out), R"(,"seq":{},"trade_seq":{},"frozen":{},"suspended":{})",
                     exchange_->book_seq(in.index) + in.seq_offset, exchange_->trade_seq(in.index),
                     frozen(in, now) ? "true" : "false",
                     exchange_->instrument(in.index).suspended ? "true" : "false");
      for (const Side side : {Side::Buy, Side::Sell}) {
        out += side == Side::Buy ? R"(,"best_bid":)" : R"(,"best_ask":)";
        if (const auto b = exchange_->best(in.index, side)) {
          out += R"({"price":)";
          append_units(out, b->price.ticks(), in.tick, false);
          out += R"(,"qty":)";
          append_units(out, b->qty.lots(), in.step, false);
          out += '}';
        } else {
          out += "null";
        }
      }
      out += '}';
    }
    out += ']';
    return success(out, now);
  }
  if (!is_post) {
    return is_get && (ep == "fault" || ep == "clock" || ep == "dms/fire") ? error_c(405, now)
                                                                          : error_c(404, now);
  }
  auto bad = [&](std::string_view what) {
    ++stats_.http_errors;
    HttpResponse r;
    r.status = 400;
    r.body = R"({"result":"error","serverTime":)";
    append_iso(r.body, now);
    r.body += R"(,"error":)";
    append_string(r.body, what);
    r.body += '}';
    return r;
  };
  if (ep == "clock") {
    const auto* a = find_param(params, "advance_ms");
    const auto v = a == nullptr ? std::nullopt : parse_int(a->value);
    if (!v || *v < 0) {
      return bad("advance_ms must be a non-negative integer");
    }
    clock_offset_ms_ += *v;
    const std::int64_t t = now + *v;
    exchange_->advance(t);
    out += R"("currentTime":)";
    append_iso(out, t);
    fmt::format_to(std::back_inserter(out), R"(,"clock_offset_ms":{})", clock_offset_ms_);
    return success(out, t);
  }
  if (ep == "dms/fire") {
    std::int64_t fired = 0;
    for (auto& k : keys_) {
      if (k.dms_trigger_ms != 0) {
        (void)exchange_->cancel_all(k.account, std::nullopt, now, UpdateReason::DeadManSwitch);
        (void)exchange_->arm_dead_man_switch(k.account, 0, now);
        k.dms_trigger_ms = 0;
        ++stats_.dead_man_switch_fired;
        ++fired;
      }
    }
    fmt::format_to(std::back_inserter(out), R"("fired":{})", fired);
    return success(out, now);
  }
  if (ep != "fault") {
    return error_c(404, now);
  }
  // Validate everything before applying anything.
  auto fraction = [](std::string_view v) -> std::optional<double> {
    const auto d = parse_double(v);
    if (!d || *d < 0.0 || *d > 1.0) {
      return std::nullopt;
    }
    return d;
  };
  std::int64_t freeze_ms = std::numeric_limits<std::int64_t>::max() / 4;
  if (const auto* m = find_param(params, "ms")) {
    const auto v = parse_int(m->value);
    if (!v || *v < 0) {
      return bad("ms must be a non-negative integer");
    }
    freeze_ms = *v;
  }
  std::vector<std::string> applied;
  for (const auto& f : params) {
    const std::string_view k = f.key;
    const std::string_view v = f.value;
    if (k == "ms") {
      continue;
    }
    if (k == "drop_connections") {
      if (v != "all" && v != "private" && v != "public" && !v.empty()) {
        return bad("drop_connections must be all, private or public");
      }
    } else if (k == "skip_seq" || k == "suspend" || k == "resume") {
      if (find_instr(v) == nullptr) {
        return bad(fmt::format("unknown symbol {}", v));
      }
    } else if (k == "freeze") {
      if (v != "all" && find_instr(v) == nullptr) {
        return bad(fmt::format("unknown symbol {}", v));
      }
    } else if (k == "rest_delay_ms" || k == "malformed") {
      const auto n = parse_int(v);
      if (!n || *n < 0) {
        return bad(fmt::format("{} must be a non-negative integer", k));
      }
    } else if (k == "rest_drop_fraction" || k == "reject_fraction" || k == "malformed_fraction") {
      if (!fraction(v)) {
        return bad(fmt::format("{} must be within 0 .. 1", k));
      }
    } else if (k == "private_order") {
      if (v != "orders_first" && v != "fills_first") {
        return bad("private_order must be orders_first or fills_first");
      }
    } else {
      return bad(fmt::format("unknown fault {}", k));
    }
  }
  for (const auto& f : params) {
    const std::string_view k = f.key;
    const std::string_view v = f.value;
    if (k == "ms") {
      continue;
    }
    if (k == "drop_connections") {
      close_connections(v == "private" ? 1 : v == "public" ? 2 : 0);
    } else if (k == "skip_seq") {
      find_instr(v)->skip_next = true;
    } else if (k == "suspend") {
      exchange_->set_suspended(find_instr(v)->index, true);
    } else if (k == "resume") {
      exchange_->set_suspended(find_instr(v)->index, false);
    } else if (k == "freeze") {
      const std::int64_t until = freeze_ms == 0 ? 0 : now + freeze_ms;
      if (v == "all") {
        freeze_all_until_ms_ = until;
        for (auto& in : instrs_) {
          in.frozen_until_ms = until;
        }
      } else {
        find_instr(v)->frozen_until_ms = until;
      }
    } else if (k == "rest_delay_ms") {
      rest_delay_ms_ = *parse_int(v);
    } else if (k == "malformed") {
      malformed_pending_ = *parse_int(v);
    } else if (k == "rest_drop_fraction") {
      rest_drop_fraction_ = *fraction(v);
    } else if (k == "reject_fraction") {
      reject_fraction_ = *fraction(v);
    } else if (k == "malformed_fraction") {
      malformed_fraction_ = *fraction(v);
    } else if (k == "private_order") {
      private_order_ =
          v == "orders_first" ? config::SimPrivateOrder::OrdersFirst : config::SimPrivateOrder::FillsFirst;
    }
    applied.emplace_back(k);
  }
  out += R"("applied":[)";
  for (std::size_t i = 0; i < applied.size(); ++i) {
    if (i != 0) {
      out += ',';
    }
    append_string(out, applied[i]);
  }
  out += ']';
  return success(out, now);
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Venue

struct Venue::Impl final : detail::Impl {
  using detail::Impl::Impl;
};

Venue::Venue(const config::SimConfig& config, std::vector<AccountKey> accounts, std::int64_t now_ms)
    : impl_(std::make_unique<Impl>(config, std::move(accounts), now_ms)) {}

Venue::~Venue() = default;

HttpResponse Venue::handle_http(const HttpRequest& request, std::int64_t now_ms) {
  return impl_->handle_http(request, now_ms);
}

ConnectionId Venue::ws_open(WsConnection* connection, std::int64_t now_ms) {
  return impl_->ws_open(connection, now_ms);
}

void Venue::ws_text(ConnectionId id, std::string_view text, std::int64_t now_ms) {
  impl_->ws_text(id, text, now_ms);
}

void Venue::ws_ping(ConnectionId id, std::int64_t now_ms) {
  impl_->ws_ping(id, now_ms);
}

void Venue::ws_closed(ConnectionId id) {
  impl_->ws_closed(id);
}

void Venue::tick(std::int64_t now_ms, std::int64_t now_ns) {
  impl_->tick(now_ms, now_ns);
}

const VenueStats& Venue::stats() const noexcept {
  return impl_->stats_;
}

Exchange& Venue::exchange() noexcept {
  return *impl_->exchange_;
}

}  // namespace tickpath::sim
