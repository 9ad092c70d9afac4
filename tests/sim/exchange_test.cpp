#include "tickpath/sim/exchange.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using tickpath::ContractKind;
using tickpath::Increment;
using tickpath::Price;
using tickpath::Qty;
using tickpath::Side;
using namespace tickpath::sim;  // NOLINT(google-build-using-namespace): test brevity

using Kind = OrderEvent::Kind;

constexpr std::int64_t kT0 = 1'700'000'000'000;

// Records every callback, checks the sequence numbers as they arrive and keeps the models a
// protocol layer would build from the callbacks alone (book levels, open orders).
class Recorder final : public ExchangeListener {
 public:
  struct BookCall {
    InstrumentIndex instrument;
    Side side;
    Price price;
    Qty total;
    std::uint64_t seq;
  };

  std::vector<std::string> log;    // one line per callback, ids included (determinism)
  std::vector<std::string> kinds;  // "book", "trade", "fill", "order", "position", "balance"
  std::vector<BookCall> books;
  std::vector<TradeEvent> trades;
  std::vector<FillEvent> fills;
  std::vector<OrderUpdate> orders;
  std::map<InstrumentIndex, std::uint64_t> book_seq;   // last seen
  std::map<InstrumentIndex, std::uint64_t> trade_seq;  // last seen
  std::map<AccountId, std::uint64_t> fill_count;
  // Models from the callbacks.
  std::map<std::tuple<InstrumentIndex, Side, std::int64_t>, std::int64_t> levels;
  std::unordered_map<Uuid, OrderView, UuidHash> open;
  int seq_errors = 0;

  void start(const Exchange& ex) {
    for (std::size_t i = 0; i < ex.instrument_count(); ++i) {
      const auto idx = static_cast<InstrumentIndex>(i);
      book_seq[idx] = ex.book_seq(idx);
      trade_seq[idx] = ex.trade_seq(idx);
    }
  }

  void clear() {
    log.clear();
    kinds.clear();
    books.clear();
    trades.clear();
    fills.clear();
    orders.clear();
  }

  void on_book(InstrumentIndex instrument, Side side, Price price, Qty total, std::uint64_t seq,
               std::int64_t time_ms) override {
    if (seq != book_seq[instrument] + 1) {
      ++seq_errors;
    }
    book_seq[instrument] = seq;
    books.push_back({instrument, side, price, total, seq});
    const auto key = std::make_tuple(instrument, side, price.ticks());
    if (total.is_zero()) {
      levels.erase(key);
    } else {
      levels[key] = total.lots();
    }
    kinds.emplace_back("book");
    std::ostringstream s;
    s << "book " << instrument << ' ' << to_string(side) << ' ' << price.ticks() << ' ' << total.lots() << ' '
      << seq << ' ' << time_ms;
    log.push_back(s.str());
  }

  void on_trade(const TradeEvent& t) override {
    if (t.seq != trade_seq[t.instrument] + 1) {
      ++seq_errors;
    }
    trade_seq[t.instrument] = t.seq;
    trades.push_back(t);
    kinds.emplace_back("trade");
    std::ostringstream s;
    s << "trade " << t.instrument << ' ' << t.uid.to_string() << ' ' << to_string(t.taker_side) << ' '
      << t.price.ticks() << ' ' << t.qty.lots() << ' ' << t.seq << ' ' << t.time_ms;
    log.push_back(s.str());
  }

  void on_order(const OrderUpdate& u) override {
    orders.push_back(u);
    if (u.is_cancel) {
      open.erase(u.order.id);
    } else {
      open[u.order.id] = u.order;
    }
    kinds.emplace_back("order");
    std::ostringstream s;
    s << "order " << u.order.id.to_string() << ' ' << u.order.cli_ord_id << ' ' << u.order.account << ' '
      << u.order.quantity.lots() << ' ' << u.order.filled.lots() << ' ' << u.order.limit_price.ticks() << ' '
      << u.is_cancel << ' ' << to_string(u.reason);
    log.push_back(s.str());
  }

  void on_fill(const FillEvent& f) override {
    if (f.seq != fill_count[f.account]) {
      ++seq_errors;
    }
    ++fill_count[f.account];
    fills.push_back(f);
    kinds.emplace_back("fill");
    std::ostringstream s;
    s << "fill " << f.account << ' ' << f.fill_id.to_string() << ' ' << f.order_id.to_string() << ' '
      << f.price.ticks() << ' ' << f.qty.lots() << ' ' << f.maker << ' ' << f.fee_paid << ' '
      << f.fee_currency << ' ' << f.seq;
    log.push_back(s.str());
  }

  void on_position(AccountId account, InstrumentIndex instrument) override {
    kinds.emplace_back("position");
    log.push_back("position " + std::to_string(account) + ' ' + std::to_string(instrument));
  }

  void on_balance(AccountId account) override {
    kinds.emplace_back("balance");
    log.push_back("balance " + std::to_string(account));
  }
};

InstrumentSetup linear_setup() {
  InstrumentSetup s;
  s.spec.symbol = "PF_XBTUSD";
  s.spec.tick_size = Increment{5, -1};  // 0.5 USD
  s.spec.size_step = Increment{1, -4};  // 0.0001 BTC
  s.spec.kind = ContractKind::Linear;
  s.reference_price = Price{200000};  // 100000 USD
  s.maker_fee = 0.0002;
  s.taker_fee = 0.0005;
  return s;
}

InstrumentSetup inverse_setup() {
  InstrumentSetup s;
  s.spec.symbol = "PI_XBTUSD";
  s.spec.tick_size = Increment{5, -1};
  s.spec.size_step = Increment{1, 0};  // 1 contract = 1 USD
  s.spec.kind = ContractKind::Inverse;
  s.reference_price = Price{100000};  // 50000 USD
  s.maker_fee = -0.0001;              // rebate
  s.taker_fee = 0.0005;
  return s;
}

struct Fixture {
  Recorder rec;
  Exchange ex;
  InstrumentIndex pf{};
  InstrumentIndex pi{};
  AccountId alice{};
  AccountId bob{};
  AccountId house{};
  std::int64_t now = kT0;

  explicit Fixture(ExchangeOptions options = {}) : ex(options, &rec) {
    pf = ex.add_instrument(linear_setup());
    pi = ex.add_instrument(inverse_setup());
    alice = ex.add_account(AccountSetup{"alice", {Balance{"USD", 10000.0}}, false});
    bob = ex.add_account(AccountSetup{"bob", {Balance{"USD", 10000.0}, Balance{"BTC", 1.0}}, false});
    house = ex.add_account(AccountSetup{"house", {}, true});
    rec.start(ex);
  }

  Result order(AccountId account, Side side, std::int64_t lots, std::optional<std::int64_t> ticks,
               OrderType type = OrderType::Limit, std::string cli = {}, bool reduce_only = false,
               std::optional<InstrumentIndex> instrument = std::nullopt) {
    NewOrder o;
    o.account = account;
    o.instrument = instrument.value_or(pf);
    o.type = type;
    o.side = side;
    o.size = Qty{lots};
    if (ticks) {
      o.limit_price = Price{*ticks};
    }
    o.reduce_only = reduce_only;
    o.cli_ord_id = std::move(cli);
    return ex.send(o, ++now);
  }
  Result buy(AccountId a, std::int64_t lots, std::int64_t ticks, OrderType type = OrderType::Limit,
             std::string cli = {}) {
    return order(a, Side::Buy, lots, ticks, type, std::move(cli));
  }
  Result sell(AccountId a, std::int64_t lots, std::int64_t ticks, OrderType type = OrderType::Limit,
              std::string cli = {}) {
    return order(a, Side::Sell, lots, ticks, type, std::move(cli));
  }
  Result edit(AccountId a, Uuid id, std::optional<std::int64_t> lots, std::optional<std::int64_t> ticks) {
    EditOrder e;
    e.account = a;
    e.ref.order_id = id;
    if (lots) {
      e.size = Qty{*lots};
    }
    if (ticks) {
      e.limit_price = Price{*ticks};
    }
    return ex.edit(e, ++now);
  }
  Result cancel(AccountId a, Uuid id) {
    OrderRef ref;
    ref.order_id = id;
    return ex.cancel(a, ref, ++now);
  }

  std::vector<std::pair<std::int64_t, std::int64_t>> book(Side side, InstrumentIndex inst) const {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const LevelView& l : ex.levels(inst, side)) {
      out.emplace_back(l.price.ticks(), l.qty.lots());
    }
    return out;
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> bids() const { return book(Side::Buy, pf); }
  std::vector<std::pair<std::int64_t, std::int64_t>> asks() const { return book(Side::Sell, pf); }

  double cash(AccountId a, std::string_view currency) const {
    for (const Balance& b : ex.balances(a)) {
      if (b.currency == currency) {
        return b.amount;
      }
    }
    return 0.0;
  }
  std::int64_t pos(AccountId a, InstrumentIndex inst) const {
    const Position* p = ex.position(a, inst);
    return p != nullptr ? p->size.lots() : 0;
  }
};

using Levels = std::vector<std::pair<std::int64_t, std::int64_t>>;

std::vector<Kind> event_kinds(const Result& r) {
  std::vector<Kind> out;
  for (const OrderEvent& e : r.events) {
    out.push_back(e.kind);
  }
  return out;
}

std::int64_t executed(const Result& r) {
  std::int64_t sum = 0;
  for (const OrderEvent& e : r.events) {
    if (e.kind == Kind::Execution) {
      sum += e.amount.lots();
    }
  }
  return sum;
}

// A parameter-level rejection: a status, no order id, no events, no callbacks.
void check_param_reject(const Result& r, Status expected) {
  CHECK(to_string(r.status) == to_string(expected));
  CHECK_FALSE(r.order_id);
  CHECK(r.events.empty());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Resting, priority, book updates

TEST_CASE("a limit order rests, is placed and appears on the book and in open orders", "[sim][exchange]") {
  Fixture f;
  const std::uint64_t seq0 = f.ex.book_seq(f.pf);
  const Result r = f.buy(f.alice, 5, 199990, OrderType::Limit, "my-1");
  CHECK(r.status == Status::Placed);
  REQUIRE(r.order_id);
  CHECK(r.cli_ord_id == "my-1");
  REQUIRE(r.events.size() == 1);
  const OrderEvent& place = r.events[0];
  CHECK(place.kind == Kind::Place);
  CHECK(place.order.id == *r.order_id);
  CHECK(place.order.quantity == Qty{5});
  CHECK(place.order.filled == Qty{0});
  CHECK(place.order.limit_price == Price{199990});
  CHECK(place.order.time_ms == f.now);
  CHECK(place.order.last_update_ms == f.now);
  CHECK_FALSE(place.reduced_quantity);

  CHECK(f.bids() == Levels{{199990, 5}});
  CHECK(f.asks().empty());
  CHECK(f.ex.book_seq(f.pf) == seq0 + 1);
  CHECK(f.ex.book_time_ms(f.pf) == f.now);
  REQUIRE(f.rec.books.size() == 1);
  CHECK(f.rec.books[0].seq == seq0 + 1);
  CHECK(f.rec.books[0].total == Qty{5});
  CHECK(f.rec.kinds == std::vector<std::string>{"book", "order"});
  REQUIRE(f.rec.orders.size() == 1);
  CHECK(f.rec.orders[0].reason == UpdateReason::NewPlacedOrderByUser);
  CHECK_FALSE(f.rec.orders[0].is_cancel);

  const auto open = f.ex.open_orders(f.alice);
  REQUIRE(open.size() == 1);
  CHECK(open[0].id == *r.order_id);
  const OrderView* by_cli = f.ex.find_order(f.alice, OrderRef{std::nullopt, "my-1"});
  REQUIRE(by_cli != nullptr);
  CHECK(by_cli->id == *r.order_id);
  CHECK(f.ex.find_order(f.bob, OrderRef{r.order_id, {}}) == nullptr);  // another account's order
  CHECK(f.ex.open_orders(f.bob).empty());
}

TEST_CASE("levels aggregate orders, are sorted best first and level updates carry totals",
          "[sim][exchange]") {
  Fixture f;
  f.buy(f.alice, 1, 100);
  f.buy(f.bob, 2, 100);
  f.buy(f.alice, 3, 102);
  f.sell(f.bob, 4, 105);
  f.sell(f.alice, 1, 104);
  CHECK(f.bids() == Levels{{102, 3}, {100, 3}});
  CHECK(f.asks() == Levels{{104, 1}, {105, 4}});
  CHECK(f.ex.levels(f.pf, Side::Buy, 1).size() == 1);
  REQUIRE(f.ex.best(f.pf, Side::Sell));
  CHECK(f.ex.best(f.pf, Side::Sell)->price == Price{104});
  CHECK_FALSE(f.ex.best(f.pi, Side::Buy));
  REQUIRE(f.rec.books.size() == 5);
  CHECK(f.rec.books[1].total == Qty{3});  // 1 + 2 at 100
  CHECK(f.rec.seq_errors == 0);
  // Open orders newest first.
  const auto open = f.ex.open_orders(f.alice);
  REQUIRE(open.size() == 3);
  CHECK(open[0].limit_price == Price{104});
  CHECK(open[2].limit_price == Price{100});
}

TEST_CASE("book seq starts at a seed-derived large value and is per instrument", "[sim][exchange]") {
  ExchangeOptions a;
  a.seed = 1;
  ExchangeOptions b;
  b.seed = 2;
  Fixture fa(a);
  Fixture fa2(a);
  Fixture fb(b);
  CHECK(fa.ex.book_seq(fa.pf) >= 1000);
  CHECK(fa.ex.book_seq(fa.pf) < 1'001'000);
  CHECK(fa.ex.trade_seq(fa.pf) >= 1000);
  CHECK(fa.ex.book_seq(fa.pf) == fa2.ex.book_seq(fa2.pf));
  CHECK(fa.ex.book_seq(fa.pf) != fb.ex.book_seq(fb.pf));
  CHECK(fa.ex.book_seq(fa.pf) != fa.ex.book_seq(fa.pi));
  fa.buy(fa.alice, 1, 100);
  CHECK(fa.ex.book_seq(fa.pi) == fa2.ex.book_seq(fa2.pi));  // untouched instrument keeps its seq
}

TEST_CASE("price-time priority: better price first, then the earlier order", "[sim][exchange]") {
  Fixture f;
  const Result first = f.sell(f.alice, 2, 101);
  const Result second = f.sell(f.bob, 2, 101);
  const Result better = f.sell(f.house, 1, 100);
  f.rec.clear();
  const Result taker = f.buy(f.house, 4, 101);  // house may meet its own order
  REQUIRE(taker.status == Status::Placed);
  REQUIRE(f.rec.fills.size() == 6);  // 3 executions x 2 sides
  // Maker fills in execution order: better price, then the first order at 101, then the second.
  std::vector<Uuid> maker_orders;
  std::vector<std::int64_t> maker_qty;
  for (const FillEvent& fill : f.rec.fills) {
    if (fill.maker) {
      maker_orders.push_back(fill.order_id);
      maker_qty.push_back(fill.qty.lots());
    }
  }
  CHECK(maker_orders == std::vector<Uuid>{*better.order_id, *first.order_id, *second.order_id});
  CHECK(maker_qty == std::vector<std::int64_t>{1, 2, 1});
  CHECK(f.asks() == Levels{{101, 1}});
  REQUIRE(f.ex.find_order(f.bob, OrderRef{second.order_id, {}}) != nullptr);
  CHECK(f.ex.find_order(f.bob, OrderRef{second.order_id, {}})->filled == Qty{1});
  CHECK(f.ex.find_order(f.alice, OrderRef{first.order_id, {}}) == nullptr);  // fully filled
}

// ---------------------------------------------------------------------------------------------
// Executions

TEST_CASE("a crossing limit order executes, reports placed with executions, and rests the rest",
          "[sim][exchange]") {
  Fixture f;
  f.sell(f.bob, 2, 100);
  f.sell(f.bob, 3, 101);
  f.rec.clear();
  const Result r = f.buy(f.alice, 7, 101, OrderType::Limit, "x");
  CHECK(r.status == Status::Placed);  // REAL: executed orders still say placed
  REQUIRE(r.events.size() == 3);
  CHECK(event_kinds(r) == std::vector<Kind>{Kind::Execution, Kind::Execution, Kind::Place});
  const OrderEvent& e1 = r.events[0];
  CHECK(e1.price == Price{100});
  CHECK(e1.amount == Qty{2});
  REQUIRE(e1.old_order);
  CHECK(e1.old_order->filled == Qty{0});
  CHECK(e1.order.filled == Qty{2});
  CHECK(e1.order.quantity == Qty{7});
  CHECK_FALSE(e1.prior_edit);
  const OrderEvent& e2 = r.events[1];
  CHECK(e2.price == Price{101});
  CHECK(e2.amount == Qty{3});
  CHECK(e2.old_order->filled == Qty{2});
  CHECK(e2.order.filled == Qty{5});
  CHECK(e1.execution_id != e2.execution_id);
  CHECK(r.events[2].order.filled == Qty{5});
  CHECK(r.events[2].order.remaining() == Qty{2});

  CHECK(f.asks().empty());
  CHECK(f.bids() == Levels{{101, 2}});
  CHECK(f.ex.volume(f.pf) == Qty{5});
  CHECK(f.pos(f.alice, f.pf) == 5);
  CHECK(f.pos(f.bob, f.pf) == -5);
  // Trades: taker side, contiguous seq, newest first in history; executionId = trade uid.
  REQUIRE(f.rec.trades.size() == 2);
  CHECK(f.rec.trades[0].taker_side == Side::Buy);
  CHECK(f.rec.trades[1].seq == f.rec.trades[0].seq + 1);
  CHECK(f.rec.trades[0].uid == e1.execution_id);
  const auto& history = f.ex.trades(f.pf);
  REQUIRE(history.size() == 2);
  CHECK(history[0].price == Price{101});
  CHECK(f.ex.trade_seq(f.pf) == f.rec.trades[1].seq);
  // Open orders feed: partial fills of the incoming order, then new_placed.
  REQUIRE(f.rec.open.count(*r.order_id) == 1);
  CHECK(f.rec.open[*r.order_id].filled == Qty{5});
  CHECK(f.rec.orders.back().reason == UpdateReason::NewPlacedOrderByUser);
  CHECK(f.rec.seq_errors == 0);
}

TEST_CASE("a sweep across N levels gives N book updates with consecutive seqs", "[sim][exchange]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) {
    f.sell(f.bob, 1, 100 + i);
    f.sell(f.house, 2, 100 + i);
  }
  f.rec.clear();
  const std::uint64_t before = f.ex.book_seq(f.pf);
  const Result r = f.buy(f.alice, 14, 104, OrderType::Ioc);
  CHECK(r.status == Status::Placed);
  CHECK(executed(r) == 14);
  REQUIRE(f.rec.books.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(f.rec.books[i].seq == before + 1 + i);
    CHECK(f.rec.books[i].price == Price{100 + static_cast<std::int64_t>(i)});
    CHECK(f.rec.books[i].side == Side::Sell);
    CHECK(f.rec.books[i].total == Qty{i < 4 ? 0 : 1});
  }
  CHECK(f.ex.book_seq(f.pf) == before + 5);
  CHECK(f.asks() == Levels{{104, 1}});
  CHECK(f.rec.trades.size() == 10);
}

TEST_CASE("one execution calls the listener in a fixed order", "[sim][exchange]") {
  Fixture f;
  const Result maker = f.sell(f.bob, 3, 100);
  f.rec.clear();
  const Result taker = f.buy(f.alice, 1, 100);
  CHECK(f.rec.kinds == std::vector<std::string>{"trade", "fill", "fill", "order", "order", "position",
                                                "balance", "position", "balance", "book"});
  REQUIRE(f.rec.fills.size() == 2);
  CHECK(f.rec.fills[0].account == f.bob);
  CHECK(f.rec.fills[0].maker);
  CHECK(f.rec.fills[0].order_id == *maker.order_id);
  CHECK(f.rec.fills[0].remaining_order_qty == Qty{2});
  CHECK(f.rec.fills[1].account == f.alice);
  CHECK_FALSE(f.rec.fills[1].maker);
  CHECK(f.rec.fills[1].order_id == *taker.order_id);
  CHECK(f.rec.fills[1].remaining_order_qty == Qty{0});
  CHECK(f.rec.fills[0].fill_id != f.rec.fills[1].fill_id);
  CHECK(f.rec.fills[0].seq == 0);  // first fill of each account is seq 0
  CHECK(f.rec.fills[1].seq == 0);
  REQUIRE(f.rec.orders.size() == 2);
  CHECK(f.rec.orders[0].reason == UpdateReason::PartialFill);
  CHECK_FALSE(f.rec.orders[0].is_cancel);
  CHECK(f.rec.orders[0].order.filled == Qty{1});
  CHECK(f.rec.orders[1].reason == UpdateReason::FullFill);
  CHECK(f.rec.orders[1].is_cancel);
  CHECK(f.rec.books.back().total == Qty{2});

  // The maker's full fill: is_cancel + full_fill, gone from open orders and the book.
  f.rec.clear();
  f.buy(f.alice, 2, 100);
  REQUIRE(f.rec.orders.size() == 2);
  CHECK(f.rec.orders[0].order.id == *maker.order_id);
  CHECK(f.rec.orders[0].reason == UpdateReason::FullFill);
  CHECK(f.rec.orders[0].is_cancel);
  CHECK(f.ex.open_orders(f.bob).empty());
  CHECK(f.asks().empty());
  CHECK(f.rec.books.back().total == Qty{0});
  CHECK(f.rec.fills[0].seq == 1);
}

// ---------------------------------------------------------------------------------------------
// Order types

TEST_CASE("post order that would take liquidity is rejected with postWouldExecute", "[sim][exchange]") {
  Fixture f;
  f.sell(f.bob, 1, 100);
  f.rec.clear();
  const auto levels_before = f.asks();
  const std::uint64_t seq_before = f.ex.book_seq(f.pf);
  const Result r = f.buy(f.alice, 1, 100, OrderType::Post, "p1");
  CHECK(r.status == Status::PostWouldExecute);
  REQUIRE(r.order_id);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == Kind::Reject);
  CHECK(r.events[0].reason == RejectReason::PostWouldExecute);
  CHECK(to_string(r.events[0].reason) == "POST_WOULD_EXECUTE");
  CHECK(r.events[0].order.type == OrderType::Post);
  CHECK(f.asks() == levels_before);
  CHECK(f.ex.book_seq(f.pf) == seq_before);
  CHECK(f.rec.trades.empty());
  REQUIRE(f.rec.orders.size() == 1);  // for open_orders_verbose only
  CHECK(f.rec.orders[0].is_cancel);
  CHECK(f.rec.orders[0].reason == UpdateReason::PostOrderFailed);
  CHECK(to_string(f.rec.orders[0].reason) == "post_order_failed_because_it_would_filled");
  const FinishedOrder* done = f.ex.find_finished(f.alice, OrderRef{std::nullopt, "p1"});
  REQUIRE(done != nullptr);
  CHECK(done->reason == UpdateReason::PostOrderFailed);
  CHECK_FALSE(done->filled());
  // A post order that does not cross rests like a limit order.
  const Result ok = f.buy(f.alice, 1, 99, OrderType::Post, "p1");  // id of a finished order: reusable
  CHECK(ok.status == Status::Placed);
  CHECK(f.bids() == Levels{{99, 1}});
}

TEST_CASE("ioc executes what it can and drops the rest, and none at all is iocWouldNotExecute",
          "[sim][exchange]") {
  Fixture f;
  f.sell(f.bob, 2, 100);
  f.sell(f.bob, 2, 102);
  f.rec.clear();
  const Result r = f.buy(f.alice, 5, 101, OrderType::Ioc);
  CHECK(r.status == Status::Placed);
  CHECK(executed(r) == 2);
  CHECK(event_kinds(r) == std::vector<Kind>{Kind::Execution});
  CHECK(f.bids().empty());  // the rest never rests
  CHECK(f.asks() == Levels{{102, 2}});
  REQUIRE(f.rec.orders.size() == 3);  // maker full fill, taker partial fill, taker removal
  CHECK(f.rec.orders[2].order.id == *r.order_id);
  CHECK(f.rec.orders[2].is_cancel);
  CHECK(f.rec.orders[2].reason == UpdateReason::IocOrderFailed);
  CHECK(f.rec.open.count(*r.order_id) == 0);
  REQUIRE(f.ex.find_finished(f.alice, OrderRef{r.order_id, {}}) != nullptr);
  CHECK(f.ex.find_finished(f.alice, OrderRef{r.order_id, {}})->order.filled == Qty{2});

  f.rec.clear();
  const Result none = f.buy(f.alice, 1, 101, OrderType::Ioc);
  CHECK(none.status == Status::IocWouldNotExecute);
  CHECK(to_string(none.status) == "iocWouldNotExecute");
  REQUIRE(none.events.size() == 1);
  CHECK(none.events[0].reason == RejectReason::IocWouldNotExecute);
  CHECK(f.rec.books.empty());
  REQUIRE(f.rec.orders.size() == 1);
  CHECK(f.rec.orders[0].reason == UpdateReason::IocOrderFailed);

  // Into an empty side.
  const Result empty = f.sell(f.alice, 1, 50, OrderType::Ioc);
  CHECK(empty.status == Status::IocWouldNotExecute);
}

TEST_CASE("fok executes completely or not at all", "[sim][exchange]") {
  Fixture f;
  f.sell(f.bob, 2, 100);
  f.sell(f.bob, 2, 101);
  f.sell(f.bob, 5, 103);
  f.rec.clear();
  const Result too_big = f.buy(f.alice, 5, 101, OrderType::Fok);
  CHECK(too_big.status == Status::IocWouldNotExecute);
  REQUIRE(too_big.events.size() == 1);
  CHECK(too_big.events[0].reason == RejectReason::IocWouldNotExecute);
  CHECK(f.rec.trades.empty());
  CHECK(f.asks() == Levels{{100, 2}, {101, 2}, {103, 5}});

  const Result exact = f.buy(f.alice, 4, 101, OrderType::Fok);
  CHECK(exact.status == Status::Placed);
  CHECK(executed(exact) == 4);
  CHECK(f.asks() == Levels{{103, 5}});
  const Result sweep = f.buy(f.alice, 5, 103, OrderType::Fok);
  CHECK(executed(sweep) == 5);
  CHECK(to_string(OrderType::Fok) == "fok");
}

TEST_CASE("market order is an ioc limited to the collar around the reference price", "[sim][exchange]") {
  Fixture f;  // market_collar 1 %
  f.sell(f.bob, 1, 10001);
  f.buy(f.alice, 1, 10001);  // last trade 10001 = reference
  REQUIRE(f.ex.reference_price(f.pf) == Price{10001});
  // Buy limit floor(10001 * 1.01) = floor(10101.01) = 10101; sell ceil(9900.99) = 9901.
  f.sell(f.bob, 1, 10101);
  f.sell(f.bob, 1, 10102);
  f.buy(f.house, 1, 9901);
  f.buy(f.house, 1, 9900);
  const Result mb = f.order(f.alice, Side::Buy, 5, std::nullopt, OrderType::Market);
  CHECK(mb.status == Status::Placed);
  CHECK(executed(mb) == 1);
  REQUIRE_FALSE(mb.events.empty());
  CHECK(mb.events[0].order.limit_price == Price{10101});
  CHECK(mb.events[0].order.type == OrderType::Market);
  CHECK(f.asks() == Levels{{10102, 1}});
  // The reference is now 10101: sell limit ceil(10101 * 0.99) = ceil(9999.99) = 10000.
  f.ex.cancel_all(f.house, std::nullopt, ++f.now);
  f.buy(f.house, 1, 10000);
  f.buy(f.house, 1, 9999);
  const Result ms = f.order(f.alice, Side::Sell, 5, std::nullopt, OrderType::Market);
  CHECK(executed(ms) == 1);
  CHECK(ms.events[0].order.limit_price == Price{10000});
  CHECK(f.bids() == Levels{{9999, 1}});
  // Nothing within the collar: iocWouldNotExecute.
  const Result none = f.order(f.alice, Side::Buy, 1, std::nullopt, OrderType::Market);
  CHECK(none.status == Status::IocWouldNotExecute);
  // A limit price sent with a market order is ignored.
  const Result ignored = f.order(f.alice, Side::Sell, 1, 1, OrderType::Market);
  CHECK(executed(ignored) == 1);
  CHECK(ignored.events[0].order.limit_price == Price{9900});  // ceil(10000 * 0.99)
}

TEST_CASE("market collar on an exact product rounds towards the reference", "[sim][exchange]") {
  ExchangeOptions o;
  o.market_collar = 0.01;
  Fixture f(o);
  f.sell(f.bob, 1, 10000);
  f.buy(f.alice, 1, 10000);  // reference 10000: 10000 * 1.01 must give 10100, not 10099
  f.sell(f.bob, 1, 10100);
  const Result mb = f.order(f.alice, Side::Buy, 1, std::nullopt, OrderType::Market);
  CHECK(executed(mb) == 1);
  f.buy(f.house, 1, 9999);  // reference 10100 now: sell limit ceil(9999) = 9999
  const Result ms = f.order(f.alice, Side::Sell, 1, std::nullopt, OrderType::Market);
  CHECK(executed(ms) == 1);
}

// ---------------------------------------------------------------------------------------------
// Self-trade, reduce-only, cliOrdId, parameter checks

TEST_CASE("self-trade prevention rejects the whole order before anything executes", "[sim][exchange]") {
  Fixture f;
  f.sell(f.bob, 1, 100);
  const Result own = f.sell(f.alice, 1, 101);
  f.rec.clear();
  const Result r = f.buy(f.alice, 2, 101);
  CHECK(r.status == Status::SelfFill);
  CHECK(to_string(r.status) == "selfFill");
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == Kind::Reject);
  CHECK(r.events[0].reason == RejectReason::WouldExecuteSelf);
  CHECK(f.rec.trades.empty());  // bob's ask was not taken either
  CHECK(f.asks() == Levels{{100, 1}, {101, 1}});
  REQUIRE(f.rec.orders.size() == 1);
  CHECK(f.rec.orders[0].reason == UpdateReason::WouldExecuteSelf);
  // Own order beyond what the taker would reach does not matter.
  const Result small = f.buy(f.alice, 1, 101);
  CHECK(small.status == Status::Placed);
  CHECK(executed(small) == 1);
  CHECK(f.ex.find_order(f.alice, OrderRef{own.order_id, {}}) != nullptr);
  // Own order behind the limit price does not matter.
  const Result limited = f.buy(f.alice, 1, 100);
  CHECK(limited.status == Status::Placed);
}

TEST_CASE("house accounts may trade with themselves", "[sim][exchange]") {
  Fixture f;
  f.sell(f.house, 2, 100);
  const Result r = f.buy(f.house, 2, 100);
  CHECK(r.status == Status::Placed);
  CHECK(executed(r) == 2);
  CHECK(f.pos(f.house, f.pf) == 0);
  CHECK(f.rec.fills.size() == 2);
  CHECK(f.rec.fills[0].seq + 1 == f.rec.fills[1].seq);
  CHECK(f.ex.fills(f.house).size() == 2);
}

TEST_CASE("reduce-only orders reject, shrink or pass", "[sim][exchange]") {
  Fixture f;
  // Flat: nothing to reduce.
  const Result flat = f.order(f.alice, Side::Sell, 1, 100, OrderType::Limit, {}, true);
  CHECK(flat.status == Status::WouldNotReducePosition);
  REQUIRE(flat.events.size() == 1);
  CHECK(flat.events[0].reason == RejectReason::WouldNotReducePosition);
  REQUIRE_FALSE(f.rec.orders.empty());
  CHECK(f.rec.orders.back().reason == UpdateReason::WouldNotReduce);

  f.sell(f.bob, 3, 100);
  f.buy(f.alice, 3, 100);  // alice long 3
  REQUIRE(f.pos(f.alice, f.pf) == 3);
  // Same direction.
  const Result same = f.order(f.alice, Side::Buy, 1, 90, OrderType::Limit, {}, true);
  CHECK(same.status == Status::WouldNotReducePosition);
  // Larger than the position: shrunk to it.
  const Result big = f.order(f.alice, Side::Sell, 10, 120, OrderType::Limit, {}, true);
  CHECK(big.status == Status::Placed);
  REQUIRE(big.events.size() == 1);
  CHECK(big.events[0].kind == Kind::Place);
  REQUIRE(big.events[0].reduced_quantity);
  CHECK(*big.events[0].reduced_quantity == Qty{3});
  CHECK(big.events[0].order.quantity == Qty{3});
  CHECK(big.events[0].order.reduce_only);
  CHECK(f.asks() == Levels{{120, 3}});
  // Within the position: unchanged, and it executes.
  f.buy(f.bob, 2, 95);
  const Result fits = f.order(f.alice, Side::Sell, 2, 95, OrderType::Ioc, {}, true);
  CHECK(executed(fits) == 2);
  CHECK_FALSE(fits.events[0].reduced_quantity);
  CHECK(f.pos(f.alice, f.pf) == 1);
}

TEST_CASE("cliOrdId: too long, in use by an open order, reusable once finished", "[sim][exchange]") {
  ExchangeOptions o;
  o.max_cli_ord_id_length = 10;
  Fixture f(o);
  const Result longer = f.buy(f.alice, 1, 100, OrderType::Limit, std::string(11, 'a'));
  check_param_reject(longer, Status::ClientOrderIdTooLong);
  CHECK(longer.cli_ord_id == std::string(11, 'a'));
  CHECK(f.buy(f.alice, 1, 100, OrderType::Limit, std::string(10, 'a')).status == Status::Placed);

  const Result first = f.buy(f.alice, 1, 100, OrderType::Limit, "dup");
  CHECK(first.status == Status::Placed);
  const Result dup = f.buy(f.alice, 1, 101, OrderType::Limit, "dup");
  check_param_reject(dup, Status::ClientOrderIdAlreadyExist);
  // Another account may use the same id.
  CHECK(f.buy(f.bob, 1, 100, OrderType::Limit, "dup").status == Status::Placed);
  // Empty = none: any number of orders.
  CHECK(f.buy(f.alice, 1, 90).status == Status::Placed);
  CHECK(f.buy(f.alice, 1, 90).status == Status::Placed);
  // Once the order is cancelled the id is free again.
  CHECK(f.ex.cancel(f.alice, OrderRef{std::nullopt, "dup"}, ++f.now).status == Status::Cancelled);
  CHECK(f.buy(f.alice, 1, 101, OrderType::Limit, "dup").status == Status::Placed);
}

TEST_CASE("parameter rejections have a status and neither order id nor events", "[sim][exchange]") {
  ExchangeOptions o;
  o.max_open_orders = 2;
  o.price_collar = 0.10;
  Fixture f(o);
  f.rec.clear();
  check_param_reject(f.buy(f.alice, 0, 200000), Status::InvalidSize);
  check_param_reject(f.buy(f.alice, -1, 200000), Status::InvalidSize);
  check_param_reject(f.buy(f.alice, 1, 0), Status::InvalidPrice);
  check_param_reject(f.buy(f.alice, 1, -5), Status::InvalidPrice);
  check_param_reject(f.order(f.alice, Side::Buy, 1, std::nullopt, OrderType::Limit), Status::InvalidPrice);
  check_param_reject(f.order(f.alice, Side::Buy, 1, std::nullopt, OrderType::Ioc), Status::InvalidPrice);
  check_param_reject(f.order(f.alice, Side::Buy, 1, 200000, OrderType::Limit, {}, false, InstrumentIndex{7}),
                     Status::MarketSuspended);
  // Collar: 10 % around the configured reference 200000.
  check_param_reject(f.buy(f.alice, 1, 179999), Status::OutsidePriceCollar);
  check_param_reject(f.sell(f.alice, 1, 220001), Status::OutsidePriceCollar);
  CHECK(f.buy(f.alice, 1, 180000).status == Status::Placed);
  CHECK(f.sell(f.alice, 1, 220000).status == Status::Placed);
  // Too many open orders (2): limit and post refused, ioc is not counted.
  check_param_reject(f.buy(f.alice, 1, 190000), Status::TooManyOrders);
  check_param_reject(f.buy(f.alice, 1, 190000, OrderType::Post), Status::TooManyOrders);
  CHECK(f.buy(f.alice, 1, 190000, OrderType::Ioc).status == Status::IocWouldNotExecute);
  CHECK(f.buy(f.bob, 1, 190000).status == Status::Placed);  // per account
  CHECK(f.rec.trades.empty());
  CHECK(f.rec.seq_errors == 0);

  // Suspended and post-only markets.
  f.ex.set_suspended(f.pf, true);
  CHECK(f.ex.instrument(f.pf).suspended);
  check_param_reject(f.buy(f.bob, 1, 200000), Status::MarketSuspended);
  f.ex.set_suspended(f.pf, false);
  CHECK(f.buy(f.bob, 1, 200000).status == Status::Placed);
  CHECK(f.buy(f.bob, 1, 200000).status == Status::TooManyOrders);
}

TEST_CASE("post-only market accepts only post orders", "[sim][exchange]") {
  Recorder rec;
  Exchange ex({}, &rec);
  InstrumentSetup s = linear_setup();
  s.post_only = true;
  const InstrumentIndex pf = ex.add_instrument(s);
  const AccountId a = ex.add_account({});
  NewOrder o;
  o.account = a;
  o.instrument = pf;
  o.size = Qty{1};
  o.limit_price = Price{100};
  o.type = OrderType::Limit;
  const Result lmt = ex.send(o, kT0);
  CHECK(lmt.status == Status::MarketIsPostOnly);
  CHECK(to_string(lmt.status) == "marketIsPostOnly");
  CHECK_FALSE(lmt.order_id);
  o.type = OrderType::Post;
  CHECK(ex.send(o, kT0).status == Status::Placed);
}

// ---------------------------------------------------------------------------------------------
// Edit

TEST_CASE("edit size: a decrease keeps time priority, an increase loses it", "[sim][exchange]") {
  Fixture f;
  const Result a = f.sell(f.alice, 5, 100);
  const Result b = f.sell(f.bob, 5, 100);
  f.rec.clear();
  const Result dec = f.edit(f.alice, *a.order_id, 3, std::nullopt);
  CHECK(dec.status == Status::Edited);
  REQUIRE(dec.events.size() == 1);
  CHECK(dec.events[0].kind == Kind::Edit);
  REQUIRE(dec.events[0].old_order);
  CHECK(dec.events[0].old_order->quantity == Qty{5});
  CHECK(dec.events[0].order.quantity == Qty{3});
  CHECK(dec.events[0].order.id == *a.order_id);
  CHECK(dec.events[0].order.time_ms == dec.events[0].old_order->time_ms);
  CHECK(dec.events[0].order.last_update_ms == f.now);
  CHECK(f.asks() == Levels{{100, 8}});
  CHECK(f.rec.kinds == std::vector<std::string>{"book", "order"});
  CHECK(f.rec.orders[0].reason == UpdateReason::EditedByUser);
  CHECK(to_string(UpdateReason::EditedByUser) == "edited_by_user");

  // alice (decreased) is still first.
  f.buy(f.house, 1, 100);
  CHECK(f.rec.fills[0].order_id == *a.order_id);
  // Increase: alice goes behind bob.
  f.edit(f.alice, *a.order_id, 6, std::nullopt);
  CHECK(f.asks() == Levels{{100, 11}});
  f.rec.clear();
  f.buy(f.house, 1, 100);
  REQUIRE_FALSE(f.rec.fills.empty());
  CHECK(f.rec.fills[0].order_id == *b.order_id);
}

TEST_CASE("edit price loses priority and a no-op edit is edited with EDIT_HAS_NO_EFFECT", "[sim][exchange]") {
  Fixture f;
  const Result a = f.buy(f.alice, 2, 100);
  const Result b = f.buy(f.bob, 2, 100);
  f.rec.clear();
  const Result moved = f.edit(f.alice, *a.order_id, std::nullopt, 99);
  CHECK(moved.status == Status::Edited);
  CHECK(f.bids() == Levels{{100, 2}, {99, 2}});
  REQUIRE(f.rec.books.size() == 2);  // old level, then new level
  CHECK(f.rec.books[0].price == Price{100});
  CHECK(f.rec.books[0].total == Qty{2});
  CHECK(f.rec.books[1].price == Price{99});
  CHECK(f.rec.books[1].seq == f.rec.books[0].seq + 1);
  f.edit(f.alice, *a.order_id, std::nullopt, 100);  // back: now behind bob
  f.rec.clear();
  f.sell(f.house, 1, 100);
  CHECK(f.rec.fills[0].order_id == *b.order_id);

  f.rec.clear();
  const OrderView* current = f.ex.find_order(f.alice, OrderRef{a.order_id, {}});
  REQUIRE(current != nullptr);
  const Result noop = f.edit(f.alice, *a.order_id, current->remaining().lots(), 100);
  CHECK(noop.status == Status::Edited);
  REQUIRE(noop.events.size() == 1);
  CHECK(noop.events[0].kind == Kind::Reject);
  CHECK(noop.events[0].reason == RejectReason::EditHasNoEffect);
  CHECK(to_string(noop.events[0].reason) == "EDIT_HAS_NO_EFFECT");
  CHECK(f.rec.log.empty());
  const Result empty = f.edit(f.alice, *a.order_id, std::nullopt, std::nullopt);
  CHECK(empty.events.at(0).reason == RejectReason::EditHasNoEffect);
}

TEST_CASE("edit size is the new open size after partial fills", "[sim][exchange]") {
  Fixture f;
  const Result a = f.sell(f.alice, 5, 100);
  f.buy(f.bob, 2, 100);
  const Result r = f.edit(f.alice, *a.order_id, 4, std::nullopt);  // RELATIVE: 4 open, 2 filled
  CHECK(r.status == Status::Edited);
  CHECK(r.events[0].order.quantity == Qty{6});
  CHECK(r.events[0].order.filled == Qty{2});
  CHECK(r.events[0].order.remaining() == Qty{4});
  CHECK(f.asks() == Levels{{100, 4}});
}

TEST_CASE("an edit that crosses executes: filled when complete, edited otherwise", "[sim][exchange]") {
  Fixture f;
  f.sell(f.bob, 2, 101);
  const Result a = f.buy(f.alice, 2, 99);
  f.rec.clear();
  const Result full = f.edit(f.alice, *a.order_id, std::nullopt, 101);
  CHECK(full.status == Status::Filled);
  CHECK(event_kinds(full) == std::vector<Kind>{Kind::Edit, Kind::Execution});
  const OrderEvent& ex = full.events[1];
  REQUIRE(ex.prior_edit);
  CHECK(ex.prior_edit->limit_price == Price{99});
  REQUIRE(ex.old_order);
  CHECK(ex.old_order->limit_price == Price{101});
  CHECK(ex.order.filled == Qty{2});
  CHECK(f.bids().empty());
  CHECK(f.asks().empty());
  CHECK(f.ex.open_orders(f.alice).empty());
  REQUIRE(f.rec.fills.size() == 2);
  CHECK(f.rec.fills[1].after_edit);
  CHECK_FALSE(f.rec.fills[0].after_edit);
  CHECK(f.rec.orders.front().reason == UpdateReason::EditedByUser);
  CHECK(f.rec.orders.back().reason == UpdateReason::FullFill);
  CHECK(f.rec.open.count(*a.order_id) == 0);
  CHECK(f.rec.seq_errors == 0);
  // Cancelling it now says filled.
  CHECK(f.cancel(f.alice, *a.order_id).status == Status::Filled);

  f.sell(f.bob, 1, 101);
  const Result b = f.buy(f.alice, 3, 99);
  const Result part = f.edit(f.alice, *b.order_id, std::nullopt, 102);
  CHECK(part.status == Status::Edited);
  CHECK(executed(part) == 1);
  CHECK(f.bids() == Levels{{102, 2}});
  CHECK(f.asks().empty());
  CHECK(f.rec.levels.size() == 1);
}

TEST_CASE("edit rejections leave the order unchanged", "[sim][exchange]") {
  Fixture f;
  f.sell(f.bob, 1, 101);
  const Result post = f.buy(f.alice, 1, 99, OrderType::Post);
  const Result mine = f.sell(f.alice, 1, 103);
  const Result lmt = f.buy(f.alice, 1, 98);
  f.rec.clear();

  const Result pw = f.edit(f.alice, *post.order_id, std::nullopt, 101);
  CHECK(pw.status == Status::PostWouldExecute);
  REQUIRE(pw.events.size() == 1);
  CHECK(pw.events[0].reason == RejectReason::PostWouldExecute);
  CHECK(pw.events[0].order.limit_price == Price{99});

  const Result self = f.edit(f.alice, *lmt.order_id, 2, 103);
  CHECK(self.status == Status::SelfFill);
  CHECK(self.events.at(0).reason == RejectReason::WouldExecuteSelf);

  CHECK(f.edit(f.alice, *lmt.order_id, 0, std::nullopt).status == Status::InvalidSize);
  CHECK(f.edit(f.alice, *lmt.order_id, std::nullopt, 0).status == Status::InvalidPrice);
  CHECK(f.edit(f.alice, *lmt.order_id, std::nullopt, -3).status == Status::InvalidPrice);
  CHECK(f.rec.log.empty());
  CHECK(f.bids() == Levels{{99, 1}, {98, 1}});
  CHECK(f.asks() == Levels{{101, 1}, {103, 1}});
  (void)mine;

  // Not found: unknown id, another account's order, a finished order, an unknown cli id.
  const Result unknown = f.edit(f.alice, f.ex.ids().next(), 1, std::nullopt);
  CHECK(unknown.status == Status::OrderForEditNotFound);
  CHECK(unknown.events.empty());
  CHECK(f.edit(f.bob, *lmt.order_id, 2, std::nullopt).status == Status::OrderForEditNotFound);
  f.cancel(f.alice, *lmt.order_id);
  CHECK(f.edit(f.alice, *lmt.order_id, 2, std::nullopt).status == Status::OrderForEditNotFound);
  EditOrder e;
  e.account = f.alice;
  e.ref.cli_ord_id = "nope";
  e.size = Qty{1};
  CHECK(f.ex.edit(e, ++f.now).status == Status::OrderForEditNotFound);
}

TEST_CASE("edit by cliOrdId, and collar and reduce-only checks on edits", "[sim][exchange]") {
  ExchangeOptions o;
  o.price_collar = 0.05;
  Fixture f(o);  // reference 200000
  CHECK(f.buy(f.alice, 1, 199000, OrderType::Limit, "c1").status == Status::Placed);
  EditOrder e;
  e.account = f.alice;
  e.ref.cli_ord_id = "c1";
  e.limit_price = Price{150000};
  CHECK(f.ex.edit(e, ++f.now).status == Status::OutsidePriceCollar);
  e.limit_price = Price{198000};
  const Result ok = f.ex.edit(e, ++f.now);
  CHECK(ok.status == Status::Edited);
  CHECK(ok.cli_ord_id == "c1");
  CHECK(f.bids() == Levels{{198000, 1}});

  // Reduce-only: growing beyond the position shrinks to it.
  f.sell(f.bob, 3, 200000);
  f.buy(f.house, 3, 200000);
  f.sell(f.house, 3, 201000);
  f.buy(f.alice, 3, 201000);  // alice long 3 + maybe 0 from her bid
  REQUIRE(f.pos(f.alice, f.pf) == 3);
  const Result ro = f.order(f.alice, Side::Sell, 1, 205000, OrderType::Limit, {}, true);
  REQUIRE(ro.status == Status::Placed);
  const Result grow = f.edit(f.alice, *ro.order_id, 10, std::nullopt);
  CHECK(grow.status == Status::Edited);
  REQUIRE(grow.events.at(0).reduced_quantity);
  CHECK(*grow.events[0].reduced_quantity == Qty{3});
  CHECK(grow.events[0].order.remaining() == Qty{3});
}

// ---------------------------------------------------------------------------------------------
// Cancel, cancel all, dead man's switch

TEST_CASE("cancel: open -> cancelled, filled -> filled, unknown -> notFound", "[sim][exchange]") {
  Fixture f;
  const Result a = f.buy(f.alice, 3, 100, OrderType::Limit, "a");
  f.sell(f.bob, 1, 100);  // partial fill of a
  f.rec.clear();
  const Result c = f.cancel(f.alice, *a.order_id);
  CHECK(c.status == Status::Cancelled);
  CHECK(c.order_id == a.order_id);
  CHECK(c.cli_ord_id == "a");
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].kind == Kind::Cancel);
  CHECK(c.events[0].order.filled == Qty{1});
  CHECK(c.events[0].order.quantity == Qty{3});
  CHECK(f.rec.kinds == std::vector<std::string>{"book", "order"});
  CHECK(f.rec.books[0].total == Qty{0});
  CHECK(f.rec.orders[0].is_cancel);
  CHECK(f.rec.orders[0].reason == UpdateReason::CancelledByUser);
  CHECK(f.bids().empty());
  // Cancelling again: gone.
  const Result again = f.cancel(f.alice, *a.order_id);
  CHECK(again.status == Status::NotFound);
  CHECK_FALSE(again.order_id);
  CHECK(again.events.empty());
  CHECK(f.ex.cancel(f.alice, OrderRef{std::nullopt, "a"}, ++f.now).status == Status::NotFound);

  // A filled order.
  const Result m = f.sell(f.bob, 1, 100, OrderType::Limit, "m");
  f.buy(f.alice, 1, 100);
  const Result filled = f.cancel(f.bob, *m.order_id);
  CHECK(filled.status == Status::Filled);
  CHECK(filled.order_id == m.order_id);
  CHECK(filled.events.empty());
  CHECK(f.ex.cancel(f.bob, OrderRef{std::nullopt, "m"}, ++f.now).status == Status::Filled);
  // Someone else's (filled) order is not found.
  CHECK(f.cancel(f.alice, *m.order_id).status == Status::NotFound);
  // Unknown ids.
  CHECK(f.cancel(f.alice, f.ex.ids().next()).status == Status::NotFound);
  CHECK(f.ex.cancel(f.alice, OrderRef{}, ++f.now).status == Status::NotFound);
}

TEST_CASE("finished orders are forgotten after finished_order_history", "[sim][exchange]") {
  ExchangeOptions o;
  o.finished_order_history = 3;
  Fixture f(o);
  const Result m = f.sell(f.bob, 1, 100, OrderType::Limit, "old");
  f.buy(f.alice, 1, 100);  // m and the taker finish
  CHECK(f.cancel(f.bob, *m.order_id).status == Status::Filled);
  f.buy(f.alice, 1, 90, OrderType::Ioc);  // two more finished orders push m out
  f.buy(f.alice, 1, 90, OrderType::Ioc);
  CHECK(f.cancel(f.bob, *m.order_id).status == Status::NotFound);
  CHECK(f.ex.find_finished(f.bob, OrderRef{std::nullopt, "old"}) == nullptr);
}

TEST_CASE("cancel_all per instrument and for everything", "[sim][exchange]") {
  Fixture f;
  f.buy(f.alice, 1, 100);
  f.buy(f.alice, 1, 101);
  f.order(f.alice, Side::Buy, 10, 100, OrderType::Limit, "pi", false, f.pi);
  f.buy(f.bob, 1, 100);
  f.rec.clear();
  const CancelAllResult one = f.ex.cancel_all(f.alice, f.pi, ++f.now);
  CHECK(one.status == Status::Cancelled);
  REQUIRE(one.cancelled.size() == 1);
  CHECK(one.cancelled[0].cli_ord_id == "pi");
  REQUIRE(one.events.size() == 1);
  CHECK(one.events[0].kind == Kind::Cancel);
  CHECK(f.book(Side::Buy, f.pi).empty());

  f.rec.clear();
  const CancelAllResult all = f.ex.cancel_all(f.alice, std::nullopt, ++f.now, UpdateReason::CancelledByAdmin);
  CHECK(all.status == Status::Cancelled);
  CHECK(all.cancelled.size() == 2);
  CHECK(all.events.size() == 2);
  CHECK(f.ex.open_orders(f.alice).empty());
  CHECK(f.bids() == Levels{{100, 1}});  // bob's order stays
  REQUIRE(f.rec.orders.size() == 2);
  for (const OrderUpdate& u : f.rec.orders) {
    CHECK(u.is_cancel);
    CHECK(u.reason == UpdateReason::CancelledByAdmin);
  }
  CHECK(f.rec.books.size() == 2);

  const CancelAllResult none = f.ex.cancel_all(f.alice, std::nullopt, ++f.now);
  CHECK(none.status == Status::NoOrdersToCancel);
  CHECK(to_string(none.status) == "noOrdersToCancel");
  CHECK(none.cancelled.empty());
}

TEST_CASE("dead man's switch cancels everything at the trigger time and can be disarmed", "[sim][exchange]") {
  Fixture f;
  f.buy(f.alice, 1, 100);
  f.sell(f.alice, 1, 110);
  f.buy(f.bob, 1, 99);
  const std::int64_t t = f.now;
  CHECK(f.ex.arm_dead_man_switch(f.alice, 60, t) == t + 60'000);
  CHECK(f.ex.arm_dead_man_switch(f.bob, 30, t) == t + 30'000);
  CHECK(f.ex.arm_dead_man_switch(f.bob, 0, t) == 0);  // disarmed
  f.rec.clear();
  f.ex.advance(t + 59'999);
  CHECK(f.ex.open_orders(f.alice).size() == 2);
  // Re-arming moves the trigger.
  CHECK(f.ex.arm_dead_man_switch(f.alice, 60, t + 30'000) == t + 90'000);
  f.ex.advance(t + 60'000);
  CHECK(f.ex.open_orders(f.alice).size() == 2);
  f.ex.advance(t + 90'000);
  CHECK(f.ex.open_orders(f.alice).empty());
  REQUIRE(f.rec.orders.size() == 2);
  CHECK(f.rec.orders[0].reason == UpdateReason::DeadManSwitch);
  CHECK(to_string(f.rec.orders[0].reason) == "dead_man_switch");
  CHECK(f.ex.open_orders(f.bob).size() == 1);  // bob disarmed
  // Fired once, then disarmed.
  f.buy(f.alice, 1, 100);
  f.ex.advance(t + 200'000);
  CHECK(f.ex.open_orders(f.alice).size() == 1);
  f.ex.advance(t + 200'000);
  CHECK(f.ex.open_orders(f.bob).size() == 1);
}

// ---------------------------------------------------------------------------------------------
// Money: fills, fees, positions, balances

TEST_CASE("linear fills: fees in USD on notional, realized PnL into the USD balance", "[sim][exchange]") {
  Fixture f;
  // 0.5 BTC (5000 lots of 0.0001) at 100000 USD (200000 ticks of 0.5).
  f.sell(f.bob, 5000, 200000);
  f.buy(f.alice, 5000, 200000);
  REQUIRE(f.rec.fills.size() == 2);
  const FillEvent& maker = f.rec.fills[0];
  const FillEvent& taker = f.rec.fills[1];
  CHECK(maker.fee_currency == "USD");
  CHECK(maker.fee_paid == Approx(50000.0 * 0.0002));
  CHECK(taker.fee_paid == Approx(50000.0 * 0.0005));
  CHECK(taker.order_type == OrderType::Limit);
  CHECK(f.cash(f.alice, "USD") == Approx(10000.0 - 25.0));
  CHECK(f.cash(f.bob, "USD") == Approx(10000.0 - 10.0));
  const Position* pa = f.ex.position(f.alice, f.pf);
  REQUIRE(pa != nullptr);
  CHECK(pa->size == Qty{5000});
  CHECK(pa->entry_price == Approx(100000.0));
  CHECK(pa->realized_pnl == 0.0);
  CHECK(f.ex.position(f.alice, f.pi) == nullptr);

  // alice sells 0.2 BTC at 101000: realized (101000 - 100000) * 0.2 = 200 USD.
  f.buy(f.bob, 2000, 202000);
  f.sell(f.alice, 2000, 202000);
  pa = f.ex.position(f.alice, f.pf);
  CHECK(pa->size == Qty{3000});
  CHECK(pa->entry_price == Approx(100000.0));  // unchanged on reduce
  CHECK(pa->realized_pnl == Approx(200.0));
  const double fee2 = 20200.0 * 0.0005;
  CHECK(f.cash(f.alice, "USD") == Approx(10000.0 - 25.0 + 200.0 - fee2));
  const Position* pb = f.ex.position(f.bob, f.pf);
  CHECK(pb->size == Qty{-3000});
  CHECK(pb->realized_pnl == Approx(-200.0));
  const auto positions = f.ex.positions(f.alice);
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].instrument == f.pf);
  // fills(): newest first, per account.
  const auto& fills = f.ex.fills(f.alice);
  REQUIRE(fills.size() == 2);
  CHECK(fills[0].price == Price{202000});
  CHECK(fills[0].seq == 1);
  CHECK(fills[1].seq == 0);
}

TEST_CASE("inverse fills: notional and fees in the base coin, coin PnL", "[sim][exchange]") {
  Fixture f;
  CHECK(f.ex.settlement_currency(f.pi) == "BTC");
  CHECK(f.ex.settlement_currency(f.pf) == "USD");
  // 10000 contracts (USD) at 50000 = 0.2 BTC notional.
  f.order(f.bob, Side::Sell, 10000, 100000, OrderType::Limit, {}, false, f.pi);
  f.order(f.alice, Side::Buy, 10000, 100000, OrderType::Limit, {}, false, f.pi);
  REQUIRE(f.rec.fills.size() == 2);
  CHECK(f.rec.fills[0].fee_currency == "BTC");
  CHECK(f.rec.fills[0].fee_paid == Approx(0.2 * -0.0001));  // maker rebate
  CHECK(f.rec.fills[1].fee_paid == Approx(0.2 * 0.0005));
  CHECK(f.cash(f.alice, "BTC") == Approx(-0.0001));  // created on first use
  CHECK(f.cash(f.bob, "BTC") == Approx(1.0 + 0.00002));
  // alice closes at 62500: pnl = 10000 * (1/50000 - 1/62500) = 0.2 - 0.16 = 0.04 BTC.
  f.order(f.bob, Side::Buy, 10000, 125000, OrderType::Limit, {}, false, f.pi);
  f.order(f.alice, Side::Sell, 10000, 125000, OrderType::Ioc, {}, false, f.pi);
  const Position* pa = f.ex.position(f.alice, f.pi);
  REQUIRE(pa != nullptr);
  CHECK(pa->size == Qty{0});
  CHECK(pa->realized_pnl == Approx(0.04));
  CHECK(pa->entry_price == 0.0);
  CHECK(f.ex.positions(f.alice).empty());  // flat positions are not listed
  CHECK(f.cash(f.alice, "BTC") == Approx(-0.0001 + 0.04 - 0.16 * 0.0005));
  CHECK(f.ex.position(f.bob, f.pi)->realized_pnl == Approx(-0.04));
}

TEST_CASE("base coin of inverse symbols", "[sim][exchange]") {
  Exchange ex({}, nullptr);
  InstrumentSetup s = inverse_setup();
  s.spec.symbol = "pi_ethusd";
  const InstrumentIndex eth = ex.add_instrument(s);
  s.spec.symbol = "FI_XBTUSD_261225";
  const InstrumentIndex fut = ex.add_instrument(s);
  CHECK(ex.settlement_currency(eth) == "ETH");
  CHECK(ex.settlement_currency(fut) == "BTC");
  CHECK(ex.find_instrument("PI_ETHUSD") == eth);
  CHECK(ex.find_instrument("fi_xbtusd_261225") == fut);
  CHECK_FALSE(ex.find_instrument("PI_XRPUSD"));
  CHECK(ex.instrument_count() == 2);
  CHECK(ex.instrument(eth).spec.symbol == "pi_ethusd");
}

TEST_CASE("position entry averages on increase, holds on reduce and resets on a flip", "[sim][exchange]") {
  Fixture f;
  // Linear: buy 1000 @ 100000 and 3000 @ 102000 -> entry 101500.
  f.sell(f.bob, 4000, 200000);
  f.buy(f.alice, 1000, 200000);
  f.ex.cancel_all(f.bob, std::nullopt, ++f.now);
  f.sell(f.bob, 3000, 204000);
  f.buy(f.alice, 3000, 204000);
  CHECK(f.ex.position(f.alice, f.pf)->entry_price == Approx(101500.0));
  // Sell 6000 @ 103000: closes 4000 (pnl 1500 * 0.4 = 600), opens short 2000 @ 103000.
  f.buy(f.bob, 6000, 206000);
  f.sell(f.alice, 6000, 206000);
  const Position* p = f.ex.position(f.alice, f.pf);
  CHECK(p->size == Qty{-2000});
  CHECK(p->entry_price == Approx(103000.0));
  CHECK(p->realized_pnl == Approx(600.0));

  // Inverse: harmonic average. 10000 @ 50000 + 10000 @ 62500 -> 20000 / (0.2 + 0.16) = 55555.56.
  f.order(f.bob, Side::Sell, 10000, 100000, OrderType::Limit, {}, false, f.pi);
  f.order(f.alice, Side::Buy, 10000, 100000, OrderType::Limit, {}, false, f.pi);
  f.order(f.bob, Side::Sell, 10000, 125000, OrderType::Limit, {}, false, f.pi);
  f.order(f.alice, Side::Buy, 10000, 125000, OrderType::Limit, {}, false, f.pi);
  CHECK(f.ex.position(f.alice, f.pi)->entry_price == Approx(20000.0 / 0.36));
}

TEST_CASE("reference price: configured, then the book mid, then the last trade", "[sim][exchange]") {
  Fixture f;
  CHECK(f.ex.reference_price(f.pf) == Price{200000});
  f.buy(f.alice, 1, 190000);
  CHECK(f.ex.reference_price(f.pf) == Price{200000});  // one side only
  f.sell(f.bob, 1, 190010);
  CHECK(f.ex.reference_price(f.pf) == Price{190005});
  f.buy(f.house, 1, 190010);
  CHECK(f.ex.reference_price(f.pf) == Price{190010});
  f.ex.cancel_all(f.alice, std::nullopt, ++f.now);
  CHECK(f.ex.reference_price(f.pf) == Price{190010});  // last trade sticks
}

TEST_CASE("fill and trade histories are capped, newest first", "[sim][exchange]") {
  ExchangeOptions o;
  o.fill_history = 3;
  o.trade_history = 2;
  Fixture f(o);
  for (int i = 0; i < 5; ++i) {
    f.sell(f.bob, 1, 100 + i);
    f.buy(f.alice, 1, 100 + i);
  }
  const auto& fills = f.ex.fills(f.alice);
  REQUIRE(fills.size() == 3);
  CHECK(fills[0].price == Price{104});
  CHECK(fills[0].seq == 4);
  CHECK(fills[2].price == Price{102});
  const auto& trades = f.ex.trades(f.pf);
  REQUIRE(trades.size() == 2);
  CHECK(trades[0].price == Price{104});
  CHECK(trades[0].seq == trades[1].seq + 1);
  CHECK(f.ex.volume(f.pf) == Qty{5});
}

TEST_CASE("setup: account names, instrument validation and unknown ids", "[sim][exchange]") {
  Exchange ex({}, nullptr);
  const AccountId named = ex.add_account(AccountSetup{"desk", {}, false});
  const AccountId anon = ex.add_account(AccountSetup{});
  CHECK(ex.account_count() == 2);
  CHECK(ex.account_name(named) == "desk");
  CHECK(Uuid::parse(ex.account_name(anon)).has_value());
  CHECK_THROWS_AS(ex.account_name(5), std::out_of_range);
  CHECK_THROWS_AS(ex.open_orders(5), std::out_of_range);

  ex.add_instrument(linear_setup());
  CHECK_THROWS_AS(ex.add_instrument(linear_setup()), std::invalid_argument);  // duplicate
  InstrumentSetup lower = linear_setup();
  lower.spec.symbol = "pf_xbtusd";
  CHECK_THROWS_AS(ex.add_instrument(lower), std::invalid_argument);  // duplicate, other case
  InstrumentSetup bad = linear_setup();
  bad.spec.symbol = "PF_ETHUSD";
  bad.spec.tick_size = Increment{0, 0};
  CHECK_THROWS_AS(ex.add_instrument(bad), std::invalid_argument);
  InstrumentSetup empty = linear_setup();
  empty.spec.symbol.clear();
  CHECK_THROWS_AS(ex.add_instrument(empty), std::invalid_argument);
  CHECK_THROWS_AS(ex.book_seq(3), std::out_of_range);
}

TEST_CASE("enum spellings are the wire strings and all distinct", "[sim][exchange]") {
  std::set<std::string_view> statuses;
  for (int i = 0; i <= static_cast<int>(Status::WouldProcessAfterSpecifiedTime); ++i) {
    const std::string_view s = to_string(static_cast<Status>(i));
    CHECK_FALSE(s.empty());
    statuses.insert(s);
  }
  CHECK(statuses.size() == static_cast<std::size_t>(Status::WouldProcessAfterSpecifiedTime) + 1);
  CHECK(to_string(Status::Placed) == "placed");
  CHECK(to_string(Status::ClientOrderIdAlreadyExist) == "clientOrderIdAlreadyExist");
  CHECK(to_string(Status::OrderForEditNotFound) == "orderForEditNotFound");
  CHECK(to_string(RejectReason::IocWouldNotExecute) == "IOC_WOULD_NOT_EXECUTE");
  CHECK(to_string(RejectReason::WouldNotReducePosition) == "WOULD_NOT_REDUCE_POSITION");
  CHECK(to_string(UpdateReason::IocOrderFailed) == "ioc_order_failed_because_it_would_not_be_executed");
  CHECK(to_string(OrderType::Limit) == "lmt");
  CHECK(to_string(OrderType::Market) == "mkt");
  CHECK(to_string(OrderType::Post) == "post");
  CHECK(to_string(OrderType::Ioc) == "ioc");
}

TEST_CASE("works without a listener", "[sim][exchange]") {
  Exchange ex({}, nullptr);
  const InstrumentIndex pf = ex.add_instrument(linear_setup());
  const AccountId a = ex.add_account({});
  const AccountId b = ex.add_account({});
  NewOrder o{a, pf, OrderType::Limit, Side::Sell, Qty{2}, Price{100}, false, {}};
  const std::uint64_t seq = ex.book_seq(pf);
  CHECK(ex.send(o, kT0).status == Status::Placed);
  o.account = b;
  o.side = Side::Buy;
  CHECK(executed(ex.send(o, kT0)) == 2);
  CHECK(ex.book_seq(pf) == seq + 2);
  CHECK(ex.trades(pf).size() == 1);
}

// ---------------------------------------------------------------------------------------------
// Randomized order flow

namespace {

struct FlowStats {
  std::map<Status, int> statuses;
  std::size_t fills = 0;
  std::vector<std::string> log;
};

// Replays random order flow and checks the invariants after every request.
FlowStats run_flow(std::uint64_t seed, int steps, bool check_invariants) {
  ExchangeOptions opts;
  opts.seed = seed;
  opts.max_open_orders = 40;
  opts.max_cli_ord_id_length = 8;
  Recorder rec;
  Exchange ex(opts, &rec);
  InstrumentSetup a = linear_setup();
  a.reference_price = Price{1000};
  InstrumentSetup b = inverse_setup();
  b.reference_price = Price{1000};
  const std::array<InstrumentIndex, 2> inst{ex.add_instrument(a), ex.add_instrument(b)};
  constexpr int kAccounts = 5;
  for (int i = 0; i < kAccounts; ++i) {
    ex.add_account(AccountSetup{"acct" + std::to_string(i), {}, i == 0});  // account 0: house
  }
  rec.start(ex);
  Rng rng(seed * 7919 + 1);
  std::int64_t now = kT0;
  std::unordered_set<Uuid, UuidHash> fill_ids;
  std::vector<Uuid> known;  // every order id seen, open or not
  std::map<InstrumentIndex, std::int64_t> traded;
  FlowStats stats;

  const auto record = [&](Status s) { ++stats.statuses[s]; };

  for (int step = 0; step < steps; ++step) {
    now += static_cast<std::int64_t>(rng.below(50));
    const auto acct = static_cast<AccountId>(rng.below(kAccounts));
    const InstrumentIndex ins = inst[rng.below(2)];
    const std::uint64_t action = rng.below(100);
    if (action < 60) {
      NewOrder o;
      o.account = acct;
      o.instrument = ins;
      o.side = rng.below(2) == 0 ? Side::Buy : Side::Sell;
      const std::uint64_t t = rng.below(20);
      o.type = t < 11   ? OrderType::Limit
               : t < 14 ? OrderType::Post
               : t < 17 ? OrderType::Ioc
               : t < 19 ? OrderType::Market
                        : OrderType::Fok;
      o.size = Qty{static_cast<std::int64_t>(rng.below(10)) + (rng.below(50) == 0 ? -1 : 1)};
      const Price mid = ex.reference_price(ins);
      o.limit_price = Price{mid.ticks() + static_cast<std::int64_t>(rng.below(21)) - 10};
      if (rng.below(100) == 0) {
        o.limit_price.reset();
      }
      o.reduce_only = rng.below(10) == 0;
      if (rng.below(4) == 0) {
        o.cli_ord_id = "c" + std::to_string(rng.below(rng.below(10) == 0 ? 100000000 : 30));
      }
      const Result r = ex.send(o, now);
      record(r.status);
      if (check_invariants) {
        if (r.status == Status::Placed) {
          REQUIRE(r.order_id);
          known.push_back(*r.order_id);
          // Executions + what rests + what was dropped = the (maybe reduced) quantity.
          const std::int64_t done = executed(r);
          const OrderView* open = ex.find_order(acct, OrderRef{r.order_id, {}});
          const FinishedOrder* fin = ex.find_finished(acct, OrderRef{r.order_id, {}});
          REQUIRE((open != nullptr) != (fin != nullptr));
          const OrderView& v = open != nullptr ? *open : fin->order;
          CHECK(v.filled.lots() == done);
          CHECK(v.quantity <= o.size);
          if (o.type == OrderType::Fok) {
            CHECK(done == v.quantity.lots());
          }
          if (o.type == OrderType::Ioc || o.type == OrderType::Market || o.type == OrderType::Fok) {
            CHECK(open == nullptr);
          }
        } else if (r.order_id) {
          REQUIRE(r.events.size() == 1);
          CHECK(r.events[0].kind == Kind::Reject);
        } else {
          CHECK(r.events.empty());
        }
      }
    } else if (action < 75) {
      const auto open = ex.open_orders(acct);
      EditOrder e;
      e.account = acct;
      if (!open.empty() && rng.below(10) != 0) {
        e.ref.order_id = open[rng.below(open.size())].id;
      } else {
        e.ref.order_id = known.empty() ? ex.ids().next() : known[rng.below(known.size())];
      }
      if (rng.below(2) == 0) {
        e.size = Qty{static_cast<std::int64_t>(rng.below(10))};
      }
      if (rng.below(2) == 0) {
        e.limit_price =
            Price{ex.reference_price(ins).ticks() + static_cast<std::int64_t>(rng.below(21)) - 10};
      }
      record(ex.edit(e, now).status);
    } else if (action < 93) {
      const auto open = ex.open_orders(acct);
      OrderRef ref;
      if (!open.empty() && rng.below(5) != 0) {
        ref.order_id = open[rng.below(open.size())].id;
      } else if (!known.empty()) {
        ref.order_id = known[rng.below(known.size())];
      }
      record(ex.cancel(acct, ref, now).status);
    } else if (action < 95) {
      const std::optional<InstrumentIndex> which =
          rng.below(2) == 0 ? std::optional<InstrumentIndex>{} : std::optional<InstrumentIndex>{ins};
      record(ex.cancel_all(acct, which, now).status);
    } else if (action < 97) {
      ex.arm_dead_man_switch(acct, static_cast<std::int64_t>(rng.below(3)), now);
    } else {
      ex.advance(now);
    }

    if (!check_invariants) {
      continue;
    }
    REQUIRE(rec.seq_errors == 0);
    for (const InstrumentIndex i : inst) {
      const auto bid = ex.best(i, Side::Buy);
      const auto ask = ex.best(i, Side::Sell);
      if (bid && ask) {
        REQUIRE(bid->price < ask->price);  // never crossed
      }
      REQUIRE(ex.book_seq(i) == rec.book_seq[i]);
    }
    for (const FillEvent& fill : rec.fills) {
      REQUIRE(fill_ids.insert(fill.fill_id).second);
    }
    for (const TradeEvent& t : rec.trades) {
      traded[t.instrument] += t.qty.lots();
    }
    stats.fills += rec.fills.size();
    rec.clear();

    if (step % 25 == 0 || step == steps - 1) {
      // Levels = the callback model = the sum of the resting orders.
      std::map<std::tuple<InstrumentIndex, Side, std::int64_t>, std::int64_t> from_levels;
      std::map<std::tuple<InstrumentIndex, Side, std::int64_t>, std::int64_t> from_orders;
      for (const InstrumentIndex i : inst) {
        for (const Side s : {Side::Buy, Side::Sell}) {
          std::optional<std::int64_t> prev;
          for (const LevelView& l : ex.levels(i, s)) {
            REQUIRE(l.qty.lots() > 0);
            if (prev) {
              REQUIRE((s == Side::Buy ? l.price.ticks() < *prev : l.price.ticks() > *prev));
            }
            prev = l.price.ticks();
            from_levels[{i, s, l.price.ticks()}] = l.qty.lots();
          }
        }
      }
      std::size_t open_total = 0;
      for (AccountId acc = 0; acc < kAccounts; ++acc) {
        for (const OrderView& v : ex.open_orders(acc)) {
          REQUIRE(v.remaining().lots() > 0);
          REQUIRE(v.account == acc);
          from_orders[{v.instrument, v.side, v.limit_price.ticks()}] += v.remaining().lots();
          REQUIRE(rec.open.count(v.id) == 1);  // the open_orders feed model agrees
          CHECK(rec.open[v.id].remaining() == v.remaining());
          CHECK(rec.open[v.id].limit_price == v.limit_price);
          ++open_total;
        }
        REQUIRE(ex.open_orders(acc).size() <= opts.max_open_orders);
      }
      REQUIRE(from_levels == from_orders);
      REQUIRE(from_levels == rec.levels);
      REQUIRE(rec.open.size() == open_total);
      // Positions net to zero; volume = the sum of the trades.
      for (const InstrumentIndex i : inst) {
        std::int64_t net = 0;
        for (AccountId acc = 0; acc < kAccounts; ++acc) {
          const Position* p = ex.position(acc, i);
          net += p != nullptr ? p->size.lots() : 0;
        }
        REQUIRE(net == 0);
        REQUIRE(ex.volume(i).lots() == traded[i]);
      }
    }
  }
  stats.log = std::move(rec.log);
  return stats;
}

}  // namespace

TEST_CASE("randomized order flow keeps book, orders, seqs and positions consistent", "[sim][exchange]") {
  for (const std::uint64_t seed : {1ULL, 2ULL, 3ULL}) {
    INFO("seed " << seed);
    const FlowStats s = run_flow(seed, 4000, true);
    CHECK(s.fills > 500);
    // The flow reaches the interesting statuses.
    for (const Status st :
         {Status::Placed, Status::Cancelled, Status::Edited, Status::NotFound, Status::PostWouldExecute,
          Status::IocWouldNotExecute, Status::WouldNotReducePosition, Status::OrderForEditNotFound,
          Status::InvalidSize, Status::SelfFill, Status::NoOrdersToCancel}) {
      INFO("status " << to_string(st));
      CHECK(s.statuses.count(st) == 1);
    }
  }
}

TEST_CASE("the same seed gives the same output, another seed different ids", "[sim][exchange]") {
  FlowStats a;
  FlowStats b;
  {
    // Same seed for the exchange and the flow, run twice.
    a = run_flow(11, 1500, false);
    b = run_flow(11, 1500, false);
  }
  REQUIRE_FALSE(a.log.empty());
  CHECK(a.log == b.log);
  CHECK(a.statuses == b.statuses);

  // Same flow, only the exchange seed differs: different ids, same book.
  const auto replay = [](std::uint64_t exchange_seed) {
    ExchangeOptions o;
    o.seed = exchange_seed;
    Recorder rec;
    Exchange ex(o, &rec);
    const InstrumentIndex pf = ex.add_instrument(linear_setup());
    const AccountId x = ex.add_account(AccountSetup{"x", {}, false});
    const AccountId y = ex.add_account(AccountSetup{"y", {}, false});
    Rng rng(77);
    std::vector<std::string> trades;
    for (int i = 0; i < 200; ++i) {
      NewOrder n{i % 2 == 0 ? x : y,
                 pf,
                 OrderType::Limit,
                 rng.below(2) == 0 ? Side::Buy : Side::Sell,
                 Qty{1 + static_cast<std::int64_t>(rng.below(5))},
                 Price{1000 + static_cast<std::int64_t>(rng.below(11))},
                 false,
                 {}};
      (void)ex.send(n, kT0 + i);
    }
    for (const TradeEvent& t : rec.trades) {
      trades.push_back(t.uid.to_string() + ' ' + std::to_string(t.price.ticks()) + ' ' +
                       std::to_string(t.qty.lots()));
    }
    return std::make_pair(trades, ex.levels(pf, Side::Buy).size());
  };
  const auto r1 = replay(5);
  const auto r2 = replay(6);
  REQUIRE(r1.first.size() == r2.first.size());
  REQUIRE_FALSE(r1.first.empty());
  CHECK(r1.first != r2.first);                              // ids differ
  CHECK(r1.first[0].substr(36) == r2.first[0].substr(36));  // prices and sizes do not
  CHECK(r1.second == r2.second);
}
