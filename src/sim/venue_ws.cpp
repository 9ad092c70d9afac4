// Venue: websocket v1 (requests, public and private feeds), the exchange listener and the timers.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include <fmt/format.h>

#include "sim/detail/venue_impl.hpp"
#include "sim/detail/venue_json.hpp"

namespace tickpath::sim::detail {

namespace {

constexpr std::string_view kInfo = R"({"event":"info","version":1})";
constexpr std::string_view kJsonError = R"({"event":"error","message":"Json Error"})";
constexpr std::string_view kBadMessage = R"({"event":"alert","message":"Bad websocket message"})";
constexpr std::string_view kInvalidFeed =
    R"({"event":"alert","message":"Couldn't subscribe to invalid feed"})";
constexpr std::string_view kAuthFailed =
    R"({"event":"alert","message":"Failed to subscribe to authenticated feed"})";
constexpr std::string_view kAlreadySubscribed =
    R"({"event":"alert","message":"Already subscribed to feed, re-requesting"})";
constexpr std::string_view kNotSubscribed = R"({"event":"alert","message":"Not subscribed to feed"})";
constexpr std::string_view kInvalidProductError = R"({"event":"error","message":"Invalid product id"})";
constexpr std::string_view kTooManyRequests = R"({"event":"alert","message":"Too many requests"})";
constexpr std::string_view kTooManySubscriptions = R"({"event":"alert","message":"Too many subscriptions"})";

constexpr std::array<std::string_view, kPublicFeedCount> kPublicFeedNames{"book", "trade", "ticker",
                                                                          "ticker_lite"};
constexpr std::array<std::string_view, kPrivateFeedCount> kPrivateFeedNames{"open_orders",
                                                                            "open_orders_verbose",
                                                                            "fills",
                                                                            "open_positions",
                                                                            "balances",
                                                                            "account_balances_and_margins",
                                                                            "notifications_auth",
                                                                            "account_log"};

void append_int(std::string& out, std::int64_t v) {
  fmt::format_to(std::back_inserter(out), "{}", v);
}

// The websocket `type` of a resting order and the fills feed's order_type (§5.4).
std::string_view fill_order_type(OrderType t) noexcept {
  switch (t) {
    case OrderType::Limit:
      return "limit";
    case OrderType::Post:
      return "post";
    case OrderType::Ioc:
      return "ioc";
    case OrderType::Market:
      return "market";
    case OrderType::Fok:
      return "fillOrKill";
  }
  return "limit";
}

void push_unique(std::vector<AccountId>& v, AccountId a) {
  if (std::find(v.begin(), v.end(), a) == v.end()) {
    v.push_back(a);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Sending

void Impl::send(Conn& c, std::string_view text) {
  c.ws->send_text(text);
  ++stats_.ws_messages_out;
}

bool Impl::malformed_next() {
  if (malformed_pending_ > 0) {
    --malformed_pending_;
    return true;
  }
  return malformed_fraction_ > 0.0 && fault_rng_.unit() < malformed_fraction_;
}

std::string_view Impl::maybe_malformed(std::string_view text) {
  if ((malformed_pending_ > 0 || malformed_fraction_ > 0.0) && malformed_next()) {
    return text.substr(0, text.size() / 2);  // cut inside the object: never valid JSON
  }
  return text;
}

void Impl::send_public(Conn& c, std::string_view text) {
  send(c, maybe_malformed(text));
}

void Impl::publish(std::vector<Conn*>& subs, std::string_view text) {
  text = maybe_malformed(text);
  for (Conn* c : subs) {
    c->ws->send_text(text);
  }
  stats_.ws_messages_out += subs.size();
}

bool Impl::frozen(const Instr& in, std::int64_t now) const noexcept {
  return now < in.frozen_until_ms;
}

void Impl::close_connections(int which) {
  std::vector<ConnectionId> ids;
  for (const auto& [id, c] : conns_) {
    const bool priv = c->has_private();
    if (which == 0 || (which == 1 && priv) || (which == 2 && !priv)) {
      ids.push_back(id);
    }
  }
  for (const ConnectionId id : ids) {
    const auto it = conns_.find(id);
    if (it != conns_.end() && !it->second->closing) {
      it->second->closing = true;
      it->second->ws->close(true);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

ConnectionId Impl::ws_open(WsConnection* connection, std::int64_t now_ms) {
  const std::int64_t now = now_ms + clock_offset_ms_;
  auto c = std::make_unique<Conn>();
  c->id = next_conn_id_++;
  c->ws = connection;
  c->last_ping_ms = now;
  c->rate_window_start_ms = now;
  c->public_mask.assign(instrs_.size(), 0);
  ++stats_.ws_connections;
  Conn& ref = *c;
  conns_.emplace(c->id, std::move(c));
  send(ref, kInfo);
  return ref.id;
}

void Impl::ws_ping(ConnectionId id, std::int64_t now_ms) {
  const auto it = conns_.find(id);
  if (it != conns_.end()) {
    it->second->last_ping_ms = now_ms + clock_offset_ms_;
  }
}

void Impl::ws_closed(ConnectionId id) {
  const auto it = conns_.find(id);
  if (it == conns_.end()) {
    return;
  }
  Conn* c = it->second.get();
  for (auto& in : instrs_) {
    for (auto& subs : in.subs) {
      subs.erase(std::remove(subs.begin(), subs.end(), c), subs.end());
    }
  }
  conns_.erase(it);
}

void Impl::ws_text(ConnectionId id, std::string_view text, std::int64_t now_ms) {
  const std::int64_t now = now_ms + clock_offset_ms_;
  const auto it = conns_.find(id);
  if (it == conns_.end() || it->second->closing) {
    return;
  }
  Conn& c = *it->second;
  ++stats_.ws_messages_in;
  if (static_cast<std::int64_t>(text.size()) > config_.ws_max_message_bytes) {
    ++stats_.ws_bad_messages;
    c.closing = true;
    c.ws->close(false);
    return;
  }
  if (now - c.rate_window_start_ms >= 1000) {
    c.rate_window_start_ms = now;
    c.rate_count = 0;
  }
  if (++c.rate_count > config_.ws_max_requests_per_second) {
    ++stats_.ws_bad_messages;
    send(c, kTooManyRequests);
    return;
  }
  simdjson::dom::element msg;
  if (parser_.parse(text.data(), text.size(), true).get(msg) != simdjson::SUCCESS) {
    ++stats_.ws_bad_messages;
    send(c, kJsonError);
    return;
  }
  std::string_view event;
  if (!msg.is_object() || msg["event"].get(event) != simdjson::SUCCESS) {
    ++stats_.ws_bad_messages;
    send(c, kBadMessage);
    return;
  }
  if (event == "subscribe" || event == "unsubscribe") {
    ws_subscribe(c, msg, event == "subscribe", now);
  } else if (event == "challenge") {
    std::string_view api_key;
    if (msg["api_key"].get(api_key) != simdjson::SUCCESS || api_key.empty()) {
      ++stats_.ws_bad_messages;
      send(c, kBadMessage);
      return;
    }
    // Issued for any key, checked only when used (REAL).
    std::string challenge = exchange_->ids().next().to_string();
    std::string out = R"({"event":"challenge","message":")";
    out += challenge;
    out += "\"}";
    if (c.challenges.size() >= 16) {
      c.challenges.erase(c.challenges.begin());
    }
    c.challenges.push_back(std::move(challenge));
    send(c, out);
  } else {
    ++stats_.ws_bad_messages;
    send(c, kBadMessage);
  }
  flush_private(now);
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

void Impl::ws_subscribe(Conn& c, simdjson::dom::element msg, bool subscribe, std::int64_t now) {
  std::string_view feed;
  if (msg["feed"].get(feed) != simdjson::SUCCESS) {
    ++stats_.ws_bad_messages;
    send(c, kBadMessage);
    return;
  }
  const auto max_subs = config_.ws_max_subscriptions;
  for (std::size_t f = 0; f < kPublicFeedCount; ++f) {
    if (feed != kPublicFeedNames[f]) {
      continue;
    }
    simdjson::dom::array products;
    if (msg["product_ids"].get(products) != simdjson::SUCCESS || products.size() == 0) {
      ++stats_.ws_bad_messages;
      send(c, kBadMessage);
      return;
    }
    const auto bit = static_cast<std::uint8_t>(1U << f);
    for (auto p : products) {
      std::string_view product;
      Instr* in = p.get(product) == simdjson::SUCCESS ? find_instr(product) : nullptr;
      if (in == nullptr) {
        ++stats_.ws_bad_messages;
        if (config_.invalid_product_reply == config::SimInvalidProductReply::Error) {
          send(c, kInvalidProductError);
        } else {
          std::string out = R"({"event":"alert","message":)";
          append_string(out, fmt::format("Couldn't subscribe to invalid product `{}`", product));
          out += '}';
          send(c, out);
        }
        continue;
      }
      std::uint8_t& mask = c.public_mask[in->index];
      auto& subs = in->subs[f];
      if (subscribe) {
        if ((mask & bit) != 0) {
          ++stats_.ws_bad_messages;
          send(c, kAlreadySubscribed);
        } else {
          if (max_subs > 0 && c.subscriptions >= max_subs) {
            ++stats_.ws_bad_messages;
            send(c, kTooManySubscriptions);
            continue;
          }
          mask = static_cast<std::uint8_t>(mask | bit);
          subs.push_back(&c);
          ++c.subscriptions;
          send(c,
               fmt::format(R"({{"event":"subscribed","feed":"{}","product_ids":["{}"]}})", feed, in->upper));
        }
        if (frozen(*in, now)) {
          continue;
        }
        if (f == kBook) {
          send_book_snapshot(c, *in);
        } else if (f == kTrade) {
          send_trade_snapshot(c, *in);
        } else {
          std::string out;
          format_ticker(out, *in, f == kTickerLite, now);
          send_public(c, out);
        }
      } else {
        if ((mask & bit) == 0) {
          ++stats_.ws_bad_messages;
          send(c, kNotSubscribed);
          continue;
        }
        mask = static_cast<std::uint8_t>(mask & ~bit);
        subs.erase(std::remove(subs.begin(), subs.end(), &c), subs.end());
        --c.subscriptions;
        send(c,
             fmt::format(R"({{"event":"unsubscribed","feed":"{}","product_ids":["{}"]}})", feed, in->upper));
      }
    }
    return;
  }
  if (feed == "heartbeat") {
    if (subscribe) {
      if (c.heartbeat) {
        ++stats_.ws_bad_messages;
        send(c, kAlreadySubscribed);
        return;
      }
      if (max_subs > 0 && c.subscriptions >= max_subs) {
        ++stats_.ws_bad_messages;
        send(c, kTooManySubscriptions);
        return;
      }
      c.heartbeat = true;
      ++c.subscriptions;
      send(c, R"({"event":"subscribed","feed":"heartbeat"})");
    } else {
      if (!c.heartbeat) {
        ++stats_.ws_bad_messages;
        send(c, kNotSubscribed);
        return;
      }
      c.heartbeat = false;
      --c.subscriptions;
      send(c, R"({"event":"unsubscribed","feed":"heartbeat"})");
    }
    return;
  }
  for (std::size_t f = 0; f < kPrivateFeedCount; ++f) {
    if (feed == kPrivateFeedNames[f]) {
      ws_private(c, msg, feed, static_cast<PrivateFeed>(f), subscribe, now);
      return;
    }
  }
  ++stats_.ws_bad_messages;
  send(c, kInvalidFeed);
}

void Impl::ws_private(Conn& c, simdjson::dom::element msg, std::string_view feed, PrivateFeed pf,
                      bool subscribe, std::int64_t now) {
  std::string_view api_key;
  std::string_view original;
  std::string_view signed_challenge;
  Key* key = nullptr;
  if (msg["api_key"].get(api_key) == simdjson::SUCCESS &&
      msg["original_challenge"].get(original) == simdjson::SUCCESS &&
      msg["signed_challenge"].get(signed_challenge) == simdjson::SUCCESS) {
    key = find_key(api_key);
  }
  const bool issued_here =
      std::find(c.challenges.begin(), c.challenges.end(), original) != c.challenges.end();
  if (key == nullptr || !issued_here ||
      !kf::signature_equals(signed_challenge, key->signer->sign_challenge(original))) {
    ++stats_.ws_bad_messages;
    send(c, kAuthFailed);
    return;
  }
  auto& slot = c.priv[pf];
  if (subscribe) {
    if (slot && *slot == key->account) {
      ++stats_.ws_bad_messages;
      send(c, kAlreadySubscribed);
    } else {
      if (!slot) {
        if (config_.ws_max_subscriptions > 0 && c.subscriptions >= config_.ws_max_subscriptions) {
          ++stats_.ws_bad_messages;
          send(c, kTooManySubscriptions);
          return;
        }
        ++c.subscriptions;
      }
      slot = key->account;
      send(c, fmt::format(R"({{"event":"subscribed","feed":"{}"}})", feed));
    }
    send_private_snapshot(c, pf, key->account, now);
  } else {
    if (!slot) {
      ++stats_.ws_bad_messages;
      send(c, kNotSubscribed);
      return;
    }
    slot.reset();
    --c.subscriptions;
    send(c, fmt::format(R"({{"event":"unsubscribed","feed":"{}"}})", feed));
  }
}

// ---------------------------------------------------------------------------------------------
// Public messages

void Impl::send_book_snapshot(Conn& c, const Instr& in) {
  std::string out;
  out.reserve(256);
  out += R"({"feed":"book_snapshot","product_id":")";
  out += in.upper;
  out += R"(","timestamp":)";
  append_int(out, exchange_->book_time_ms(in.index));
  out += R"(,"seq":)";
  append_int(out, static_cast<std::int64_t>(exchange_->book_seq(in.index) + in.seq_offset));
  out += R"(,"tickSize":null,"bids":[)";
  for (const Side side : {Side::Buy, Side::Sell}) {
    if (side == Side::Sell) {
      out += R"(],"asks":[)";
    }
    bool first = true;
    for (const auto& l : exchange_->levels(in.index, side)) {
      separate(out, first);
      out += R"({"price":)";
      append_units(out, l.price.ticks(), in.tick, true);
      out += R"(,"qty":)";
      append_units(out, l.qty.lots(), in.step, true);
      out += '}';
    }
  }
  out += "]}";
  send_public(c, out);
}

namespace {

void append_trade(std::string& out, const Instr& in, const TradeEvent& t) {
  out += R"({"feed":"trade","product_id":")";
  out += in.upper;
  out += R"(","uid":)";
  append_uuid(out, t.uid);
  out += t.taker_side == Side::Buy ? R"(,"side":"buy")" : R"(,"side":"sell")";
  out += R"(,"type":"fill","seq":)";
  append_int(out, static_cast<std::int64_t>(t.seq));
  out += R"(,"time":)";
  append_int(out, t.time_ms);
  out += R"(,"qty":)";
  append_units(out, t.qty.lots(), in.step, true);
  out += R"(,"price":)";
  append_units(out, t.price.ticks(), in.tick, true);
  out += '}';
}

}  // namespace

void Impl::send_trade_snapshot(Conn& c, const Instr& in) {
  std::string out = R"({"feed":"trade_snapshot","product_id":")";
  out += in.upper;
  out += R"(","trades":[)";
  std::size_t n = 0;
  for (const auto& t : exchange_->trades(in.index)) {  // newest first
    if (n == 100) {
      break;
    }
    if (n != 0) {
      out += ',';
    }
    ++n;
    append_trade(out, in, t);
  }
  out += "]}";
  send_public(c, out);
}

void Impl::format_ticker(std::string& out, const Instr& in, bool lite, std::int64_t now) {
  const InstrumentSetup& setup = exchange_->instrument(in.index);
  const Price mark = exchange_->reference_price(in.index);
  const Price open = in.open.value_or(setup.reference_price);
  const auto& trades = exchange_->trades(in.index);
  const Price last = trades.empty() ? open : trades.front().price;
  const double change = change_percent(open, last);
  const auto bid = exchange_->best(in.index, Side::Buy);
  const auto ask = exchange_->best(in.index, Side::Sell);
  const std::int64_t dtm =
      in.maturity_ms == 0 ? 0 : std::max<std::int64_t>(0, (in.maturity_ms - now) / 86'400'000);
  out += lite ? R"({"feed":"ticker_lite","product_id":")" : R"({"feed":"ticker","product_id":")";
  out += in.upper;
  out += '"';
  if (!lite) {
    out += R"(,"time":)";
    append_int(out, now);
  }
  if (bid) {
    out += R"(,"bid":)";
    append_units(out, bid->price.ticks(), in.tick, true);
  }
  if (ask) {
    out += R"(,"ask":)";
    append_units(out, ask->price.ticks(), in.tick, true);
  }
  if (!lite) {
    if (bid) {
      out += R"(,"bid_size":)";
      append_units(out, bid->qty.lots(), in.step, true);
    }
    if (ask) {
      out += R"(,"ask_size":)";
      append_units(out, ask->qty.lots(), in.step, true);
    }
    if (!trades.empty()) {
      out += R"(,"last":)";
      append_units(out, last.ticks(), in.tick, true);
    }
  }
  out += R"(,"volume":)";
  append_units(out, exchange_->volume(in.index).lots(), in.step, true);
  out += R"(,"volumeQuote":)";
  append_double(out, in.volume_quote);
  out += R"(,"change":)";
  append_double(out, change);
  out += R"(,"premium":0.0)";
  out += in.perpetual ? R"(,"tag":"perpetual")" : R"(,"tag":"month")";
  fmt::format_to(std::back_inserter(out), R"(,"pair":"{}:{}","dtm":{},"maturityTime":{})", in.base_symbol,
                 in.quote, dtm, in.maturity_ms);
  if (lite) {
    out += '}';
    return;
  }
  out += R"(,"openInterest":)";
  append_units(out, open_interest(in), in.step, true);
  out += R"(,"markPrice":)";
  append_units(out, mark.ticks(), in.tick, true);
  out += R"(,"index":)";
  append_units(out, mark.ticks(), in.tick, true);
  out += R"(,"open":)";
  append_units(out, open.ticks(), in.tick, true);
  out += R"(,"high":)";
  append_units(out, in.high.value_or(open).ticks(), in.tick, true);
  out += R"(,"low":)";
  append_units(out, in.low.value_or(open).ticks(), in.tick, true);
  out += R"(,"leverage":"50x","suspended":)";
  out += setup.suspended ? "true" : "false";
  out += R"(,"post_only":)";
  out += setup.post_only ? "true" : "false";
  if (in.perpetual) {
    // Funding is not simulated: zero rates, the next whole hour as the (absolute) funding time.
    const std::int64_t next_hour = (now / 3'600'000 + 1) * 3'600'000;
    out += R"(,"funding_rate":0.0,"funding_rate_prediction":0.0,"relative_funding_rate":0.0,)"
           R"("relative_funding_rate_prediction":0.0,"next_funding_rate_time":)";
    append_int(out, next_hour);
  }
  out += '}';
}

// ---------------------------------------------------------------------------------------------
// Private messages

void Impl::write_ws_order(std::string& out, const OrderView& o) {
  const Instr& in = instrs_[o.instrument];
  out += R"({"instrument":")";
  out += in.upper;
  out += R"(","time":)";
  append_int(out, o.time_ms);
  out += R"(,"last_update_time":)";
  append_int(out, o.last_update_ms);
  out += R"(,"qty":)";
  append_units(out, o.remaining().lots(), in.step, true);
  out += R"(,"filled":)";
  append_units(out, o.filled.lots(), in.step, true);
  out += R"(,"limit_price":)";
  append_units(out, o.limit_price.ticks(), in.tick, true);
  out += R"(,"stop_price":0.0,"type":"limit","order_id":)";
  append_uuid(out, o.id);
  if (!o.cli_ord_id.empty()) {
    out += R"(,"cli_ord_id":)";
    append_string(out, o.cli_ord_id);
  }
  out += o.side == Side::Buy ? R"(,"direction":0)" : R"(,"direction":1)";
  out += o.reduce_only ? R"(,"reduce_only":true})" : R"(,"reduce_only":false})";
}

void Impl::write_ws_fill(std::string& out, const FillEvent& f) {
  const Instr& in = instrs_[f.instrument];
  out += R"({"instrument":")";
  out += in.upper;
  out += R"(","time":)";
  append_int(out, f.time_ms);
  out += R"(,"price":)";
  append_units(out, f.price.ticks(), in.tick, true);
  out += R"(,"seq":)";
  append_int(out, static_cast<std::int64_t>(f.seq));
  out += f.side == Side::Buy ? R"(,"buy":true)" : R"(,"buy":false)";
  out += R"(,"qty":)";
  append_units(out, f.qty.lots(), in.step, true);
  out += R"(,"remaining_order_qty":)";
  append_units(out, f.remaining_order_qty.lots(), in.step, true);
  out += R"(,"order_id":)";
  append_uuid(out, f.order_id);
  if (!f.cli_ord_id.empty()) {
    out += R"(,"cli_ord_id":)";
    append_string(out, f.cli_ord_id);
  }
  out += R"(,"fill_id":)";
  append_uuid(out, f.fill_id);
  out += f.maker ? R"(,"fill_type":"maker")" : R"(,"fill_type":"taker")";
  out += R"(,"fee_paid":)";
  append_double(out, f.fee_paid);
  out += R"(,"fee_currency":)";
  append_string(out, f.fee_currency);
  if (!f.maker) {
    out += R"(,"taker_order_type":")";
    out += fill_order_type(f.order_type);
    out += '"';
  }
  out += R"(,"order_type":")";
  out += fill_order_type(f.order_type);
  out += "\"}";
}

void Impl::format_positions(std::string& out, AccountId account) {
  out += R"({"feed":"open_positions","account":)";
  append_string(out, exchange_->account_name(account));
  out += R"(,"positions":[)";
  bool first = true;
  for (const auto& pos : exchange_->positions(account)) {
    const Instr& in = instrs_[pos.instrument];
    separate(out, first);
    const double mark = price_value(in, exchange_->reference_price(in.index));
    const double size = units_to_double(pos.size.lots(), in.step);
    double pnl = 0.0;
    if (pos.entry_price > 0 && mark > 0) {
      pnl = in.kind == ContractKind::Linear ? size * (mark - pos.entry_price)
                                            : size * (1.0 / pos.entry_price - 1.0 / mark);
    }
    out += R"({"instrument":")";
    out += in.upper;
    out += R"(","balance":)";
    append_units(out, pos.size.lots(), in.step, true);
    out += R"(,"pnl":)";
    append_double(out, pnl);
    out += R"(,"entry_price":)";
    append_double(out, pos.entry_price);
    out += R"(,"mark_price":)";
    append_double(out, mark);
    out += R"(,"index_price":)";
    append_double(out, mark);
    out += R"(,"liquidation_threshold":0.0,"effective_leverage":0.0,"return_on_equity":0.0)";
    if (in.kind == ContractKind::Linear) {
      out += R"(,"pnl_currency":"USD")";
    }
    out += '}';
  }
  out += "]}";
}

void Impl::format_balances(std::string& out, AccountId account, bool snapshot, std::int64_t now) {
  Key* key = key_of_account(account);
  const std::uint64_t seq = key != nullptr ? key->balance_seq++ : 0;
  const auto& balances = exchange_->balances(account);
  out += snapshot ? R"({"feed":"balances_snapshot","account":)" : R"({"feed":"balances","account":)";
  append_string(out, exchange_->account_name(account));
  out += R"(,"holding":{)";
  append_holdings(out, balances, false);
  out += R"(},"futures":{)";
  bool first = true;
  std::vector<std::string> done;
  for (const auto& in : instrs_) {
    if (in.kind != ContractKind::Inverse) {
      continue;
    }
    const std::string name = fmt::format("F-{}:{}", in.base_symbol, in.quote);
    if (std::find(done.begin(), done.end(), name) != done.end()) {
      continue;
    }
    done.push_back(name);
    double coin = 0.0;
    for (const auto& b : balances) {
      if (kraken_currency(b.currency) == in.base_symbol) {
        coin = b.amount;
      }
    }
    separate(out, first);
    fmt::format_to(std::back_inserter(out),
                   R"("{}":{{"name":"{}","pair":"{}/{}","unit":"{}","portfolio_value":)", name, name,
                   in.base_symbol, in.quote, in.base_symbol);
    append_double(out, coin);
    out += R"(,"balance":)";
    append_double(out, coin);
    out += R"(,"maintenance_margin":0.0,"initial_margin":0.0,"available":)";
    append_double(out, coin);
    out += R"(,"unrealized_funding":0.0,"pnl":0.0})";
  }
  out += R"(},"flex_futures":{"currencies":{)";
  const double total =
      append_flex_currencies(out, balances, "collateral_value", R"(,"haircut":0.0,"conversion_spread":0.0)");
  out += R"(},"balance_value":)";
  append_double(out, total);
  out += R"(,"portfolio_value":)";
  append_double(out, total);
  out += R"(,"collateral_value":)";
  append_double(out, total);
  out +=
      R"(,"initial_margin":0.0,"initial_margin_without_orders":0.0,"maintenance_margin":0.0,"pnl":0.0,)"
      R"("unrealized_funding":0.0,"total_unrealized":0.0,"total_unrealized_as_margin":0.0,"margin_equity":)";
  append_double(out, total);
  out += R"(,"available_margin":)";
  append_double(out, total);
  out += R"(,"isolated":{},"cross":{}},"timestamp":)";
  append_int(out, now);
  out += R"(,"seq":)";
  append_int(out, static_cast<std::int64_t>(seq));
  out += '}';
}

void Impl::format_margins(std::string& out, AccountId account) {
  const auto& balances = exchange_->balances(account);
  out += R"({"feed":"account_balances_and_margins","account":)";
  append_string(out, exchange_->account_name(account));
  out += R"(,"margin_accounts":[)";
  bool first = true;
  for (const auto& b : balances) {
    separate(out, first);
    std::string ccy = kraken_currency(b.currency);
    for (char& ch : ccy) {
      ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    out += R"({"name":)";
    append_string(out, ccy == "usd" ? std::string("flex") : fmt::format("f-{}:usd", ccy));
    out += R"(,"balance":)";
    append_double(out, b.amount);
    out += R"(,"pnl":0.0,"funding":0.0,"pv":)";
    append_double(out, b.amount);
    out += R"(,"am":)";
    append_double(out, b.amount);
    out += R"(,"im":0.0,"mm":0.0})";
  }
  Key* key = key_of_account(account);
  out += R"(],"seq":)";
  append_int(out, key != nullptr ? static_cast<std::int64_t>(key->balance_seq++) : 0);
  out += '}';
}

void Impl::send_private_snapshot(Conn& c, PrivateFeed pf, AccountId account, std::int64_t now) {
  std::string out;
  const std::string& name = exchange_->account_name(account);
  switch (pf) {
    case kOpenOrders:
    case kOpenOrdersVerbose: {
      out += pf == kOpenOrders ? R"({"feed":"open_orders_snapshot","account":)"
                               : R"({"feed":"open_orders_verbose_snapshot","account":)";
      append_string(out, name);
      out += R"(,"orders":[)";
      bool first = true;
      for (const auto& o : exchange_->open_orders(account)) {
        separate(out, first);
        write_ws_order(out, o);
      }
      out += "]}";
      break;
    }
    case kFills: {
      out += R"({"feed":"fills_snapshot","account":)";
      append_string(out, name);
      out += R"(,"fills":[)";
      const auto& fills = exchange_->fills(account);
      const std::size_t n = std::min<std::size_t>(100, fills.size());
      for (std::size_t i = n; i-- > 0;) {  // oldest of the newest 100 first, as the venue sends
        write_ws_fill(out, fills[i]);
        if (i != 0) {
          out += ',';
        }
      }
      out += "]}";
      break;
    }
    case kOpenPositions:
      format_positions(out, account);
      break;
    case kBalances:
      format_balances(out, account, true, now);
      break;
    case kAccountBalancesAndMargins:
      format_margins(out, account);
      break;
    case kNotificationsAuth:
      out = R"({"feed":"notifications_auth","notifications":[]})";
      break;
    case kAccountLog:
      out = R"({"feed":"account_log_snapshot","logs":[]})";
      break;
    case kPrivateFeedCount:
      return;
  }
  send(c, out);
}

void Impl::flush_private(std::int64_t now) {
  if (pending_orders_.empty() && pending_fills_.empty() && dirty_positions_.empty() &&
      dirty_balances_.empty()) {
    return;
  }
  auto drain = [&](std::vector<std::pair<ConnectionId, std::string>>& list) {
    for (const auto& [id, text] : list) {
      const auto it = conns_.find(id);
      if (it != conns_.end() && !it->second->closing) {
        send(*it->second, text);
      }
    }
    list.clear();
  };
  if (private_order_ == config::SimPrivateOrder::OrdersFirst) {
    drain(pending_orders_);
    drain(pending_fills_);
  } else {
    drain(pending_fills_);
    drain(pending_orders_);
  }
  std::string out;
  for (const AccountId a : dirty_positions_) {
    out.clear();
    format_positions(out, a);
    for (auto& [id, c] : conns_) {
      if (c->priv[kOpenPositions] == a && !c->closing) {
        send(*c, out);
      }
    }
  }
  dirty_positions_.clear();
  for (const AccountId a : dirty_balances_) {
    bool balances = false;
    bool margins = false;
    for (auto& [id, c] : conns_) {
      balances = balances || c->priv[kBalances] == a;
      margins = margins || c->priv[kAccountBalancesAndMargins] == a;
    }
    for (const PrivateFeed pf : {kBalances, kAccountBalancesAndMargins}) {
      if ((pf == kBalances && !balances) || (pf == kAccountBalancesAndMargins && !margins)) {
        continue;
      }
      out.clear();
      if (pf == kBalances) {
        format_balances(out, a, false, now);
      } else {
        format_margins(out, a);
      }
      for (auto& [id, c] : conns_) {
        if (c->priv[pf] == a && !c->closing) {
          send(*c, out);
        }
      }
    }
  }
  dirty_balances_.clear();
}

// ---------------------------------------------------------------------------------------------
// Exchange listener

void Impl::on_book(InstrumentIndex instrument, Side side, Price price, Qty total, std::uint64_t seq,
                   std::int64_t time_ms) {
  Instr& in = instrs_[instrument];
  if (in.skip_next) {
    in.skip_next = false;
    ++in.seq_offset;
  }
  auto& subs = in.subs[kBook];
  if (subs.empty() || frozen(in, time_ms)) {
    return;
  }
  // Formatted once, the same bytes to every subscriber.
  std::string& b = delta_buf_;
  b.clear();
  b += R"({"feed":"book","product_id":")";
  b += in.upper;
  b += side == Side::Buy ? R"(","side":"buy","seq":)" : R"(","side":"sell","seq":)";
  append_int(b, static_cast<std::int64_t>(seq + in.seq_offset));
  b += R"(,"price":)";
  append_units(b, price.ticks(), in.tick, true);
  b += R"(,"qty":)";
  append_units(b, total.lots(), in.step, true);
  b += R"(,"timestamp":)";
  append_int(b, time_ms);
  b += '}';
  stats_.book_deltas_out += subs.size();
  publish(subs, b);
}

void Impl::on_trade(const TradeEvent& trade) {
  Instr& in = instrs_[trade.instrument];
  const double qty = units_to_double(trade.qty.lots(), in.step);
  // Inverse contracts are worth 1 USD each; linear sizes are in the base currency.
  in.volume_quote += in.kind == ContractKind::Inverse ? qty : qty * price_value(in, trade.price);
  if (!in.open) {
    in.open = trade.price;
  }
  if (!in.high || trade.price > *in.high) {
    in.high = trade.price;
  }
  if (!in.low || trade.price < *in.low) {
    in.low = trade.price;
  }
  auto& subs = in.subs[kTrade];
  if (subs.empty() || frozen(in, trade.time_ms)) {
    return;
  }
  delta_buf_.clear();
  append_trade(delta_buf_, in, trade);
  publish(subs, delta_buf_);
}

void Impl::on_order(const OrderUpdate& update) {
  const AccountId a = update.order.account;
  bool wanted = false;
  for (const auto& [id, c] : conns_) {
    wanted = wanted || c->priv[kOpenOrders] == a || c->priv[kOpenOrdersVerbose] == a;
  }
  if (!wanted) {
    return;
  }
  // Full order object for new/edit/partial fills; the short 2021 shape for removals.
  std::string body;
  if (update.is_cancel) {
    body += R"(,"order_id":)";
    append_uuid(body, update.order.id);
    if (!update.order.cli_ord_id.empty()) {
      body += R"(,"cli_ord_id":)";
      append_string(body, update.order.cli_ord_id);
    }
    body += R"(,"is_cancel":true,"reason":")";
  } else {
    body += R"(,"order":)";
    write_ws_order(body, update.order);
    body += R"(,"is_cancel":false,"reason":")";
  }
  body += to_string(update.reason);
  body += "\"}";
  const bool post_reject = update.reason == UpdateReason::PostOrderFailed;
  for (const auto& [id, c] : conns_) {
    if (c->priv[kOpenOrders] == a && !post_reject) {
      pending_orders_.emplace_back(id, R"({"feed":"open_orders")" + body);
    }
    if (c->priv[kOpenOrdersVerbose] == a) {
      pending_orders_.emplace_back(id, R"({"feed":"open_orders_verbose")" + body);
    }
  }
}

void Impl::on_fill(const FillEvent& fill) {
  ++stats_.fills;
  std::string text;
  for (const auto& [id, c] : conns_) {
    if (c->priv[kFills] != fill.account) {
      continue;
    }
    if (text.empty()) {
      text = R"({"feed":"fills","username":)";
      append_string(text, exchange_->account_name(fill.account));
      text += R"(,"fills":[)";
      write_ws_fill(text, fill);
      text += "]}";
    }
    pending_fills_.emplace_back(id, text);
  }
}

void Impl::on_position(AccountId account, InstrumentIndex /*instrument*/) {
  for (const auto& [id, c] : conns_) {
    if (c->priv[kOpenPositions] == account) {
      push_unique(dirty_positions_, account);
      return;
    }
  }
}

void Impl::on_balance(AccountId account) {
  for (const auto& [id, c] : conns_) {
    if (c->priv[kBalances] == account || c->priv[kAccountBalancesAndMargins] == account) {
      push_unique(dirty_balances_, account);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Timers

void Impl::tick(std::int64_t now_ms, std::int64_t now_ns) {
  const std::int64_t now = now_ms + clock_offset_ms_;
  if (!activity_started_) {
    // Created on the first tick, so its clock starts with the transport's monotonic clock.
    activity_started_ = true;
    if (config_.market.kind != config::SimActivityKind::None) {
      activity_ = make_activity(config_.market, config_.seed, *exchange_, maker_, taker_, now_ns, now);
    }
  }
  if (activity_) {
    (void)activity_->step(now_ns, now);
  }
  for (auto& k : keys_) {
    if (k.dms_trigger_ms != 0 && now >= k.dms_trigger_ms) {
      k.dms_trigger_ms = 0;
      ++stats_.dead_man_switch_fired;
    }
  }
  exchange_->advance(now);

  if (now >= next_heartbeat_ms_) {
    next_heartbeat_ms_ = now + config_.heartbeat_interval_ms;
    if (now >= freeze_all_until_ms_) {
      std::string text = R"({"feed":"heartbeat","time":)";
      append_int(text, now);
      text += '}';
      for (auto& [id, c] : conns_) {
        if (c->heartbeat && !c->closing) {
          send_public(*c, text);
        }
      }
    }
  }
  if (now >= next_ticker_ms_) {
    next_ticker_ms_ = now + config_.ticker_interval_ms;
    std::string text;
    for (auto& in : instrs_) {
      if (frozen(in, now)) {
        continue;
      }
      for (const PublicFeed f : {kTicker, kTickerLite}) {
        if (in.subs[f].empty()) {
          continue;
        }
        text.clear();
        format_ticker(text, in, f == kTickerLite, now);
        publish(in.subs[f], text);
      }
    }
  }
  if (config_.ws_ping_timeout_ms > 0) {
    std::vector<ConnectionId> idle;
    for (const auto& [id, c] : conns_) {
      if (!c->closing && now - c->last_ping_ms > config_.ws_ping_timeout_ms) {
        idle.push_back(id);
      }
    }
    for (const ConnectionId id : idle) {
      const auto it = conns_.find(id);
      if (it != conns_.end() && !it->second->closing) {
        it->second->closing = true;
        it->second->ws->close(false);
      }
    }
  }
  flush_private(now);
}

}  // namespace tickpath::sim::detail
