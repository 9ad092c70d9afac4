#include "tickpath/sim/exchange.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "tickpath/core/assert.hpp"

namespace tickpath::sim {

std::string_view to_string(OrderType type) noexcept {
  switch (type) {
    case OrderType::Limit:
      return "lmt";
    case OrderType::Post:
      return "post";
    case OrderType::Ioc:
      return "ioc";
    case OrderType::Market:
      return "mkt";
    case OrderType::Fok:
      return "fok";
  }
  return "lmt";
}

std::string_view to_string(Status status) noexcept {
  switch (status) {
    case Status::Placed:
      return "placed";
    case Status::PartiallyFilled:
      return "partiallyFilled";
    case Status::Filled:
      return "filled";
    case Status::Cancelled:
      return "cancelled";
    case Status::Edited:
      return "edited";
    case Status::NotFound:
      return "notFound";
    case Status::NoOrdersToCancel:
      return "noOrdersToCancel";
    case Status::InvalidOrderType:
      return "invalidOrderType";
    case Status::InvalidSide:
      return "invalidSide";
    case Status::InvalidSize:
      return "invalidSize";
    case Status::InvalidPrice:
      return "invalidPrice";
    case Status::InsufficientAvailableFunds:
      return "insufficientAvailableFunds";
    case Status::SelfFill:
      return "selfFill";
    case Status::TooManySmallOrders:
      return "tooManySmallOrders";
    case Status::TooManyOrders:
      return "tooManyOrders";
    case Status::MaxPositionViolation:
      return "maxPositionViolation";
    case Status::MarketSuspended:
      return "marketSuspended";
    case Status::MarketInactive:
      return "marketInactive";
    case Status::MarketIsPostOnly:
      return "marketIsPostOnly";
    case Status::ClientOrderIdAlreadyExist:
      return "clientOrderIdAlreadyExist";
    case Status::ClientOrderIdTooLong:
      return "clientOrderIdTooLong";
    case Status::ClientOrderIdTooBig:
      return "clientOrderIdTooBig";
    case Status::ClientOrderIdInvalid:
      return "clientOrderIdInvalid";
    case Status::OutsidePriceCollar:
      return "outsidePriceCollar";
    case Status::WouldIncreasePriceDislocation:
      return "wouldIncreasePriceDislocation";
    case Status::PostWouldExecute:
      return "postWouldExecute";
    case Status::IocWouldNotExecute:
      return "iocWouldNotExecute";
    case Status::WouldCauseLiquidation:
      return "wouldCauseLiquidation";
    case Status::WouldNotReducePosition:
      return "wouldNotReducePosition";
    case Status::OrderForEditNotFound:
      return "orderForEditNotFound";
    case Status::OrderForEditNotAStop:
      return "orderForEditNotAStop";
    case Status::FixedLeverageTooHigh:
      return "fixedLeverageTooHigh";
    case Status::CannotEditTriggerPriceOfTrailingStop:
      return "cannotEditTriggerPriceOfTrailingStop";
    case Status::CannotEditLimitPriceOfTrailingStop:
      return "cannotEditLimitPriceOfTrailingStop";
    case Status::WouldProcessAfterSpecifiedTime:
      return "wouldProcessAfterSpecifiedTime";
  }
  return "unknown";
}

std::string_view to_string(RejectReason reason) noexcept {
  switch (reason) {
    case RejectReason::None:
      return "";
    case RejectReason::PostWouldExecute:
      return "POST_WOULD_EXECUTE";
    case RejectReason::IocWouldNotExecute:
      return "IOC_WOULD_NOT_EXECUTE";
    case RejectReason::EditHasNoEffect:
      return "EDIT_HAS_NO_EFFECT";
    case RejectReason::WouldExecuteSelf:
      return "WOULD_EXECUTE_SELF";
    case RejectReason::WouldNotReducePosition:
      return "WOULD_NOT_REDUCE_POSITION";
    case RejectReason::InvalidPrice:
      return "INVALID_PRICE";
    case RejectReason::InvalidQuantity:
      return "INVALID_QUANTITY";
    case RejectReason::ClientOrderIdInUse:
      return "CLIENT_ORDER_ID_IN_USE";
    case RejectReason::ClientOrderIdTooLong:
      return "CLIENT_ORDER_ID_TOO_LONG";
    case RejectReason::PriceCollar:
      return "PRICE_COLLAR";
    case RejectReason::OrderLimitExceeded:
      return "ORDER_LIMIT_EXCEEDED";
    case RejectReason::MarketSuspended:
      return "MARKET_SUSPENDED";
    case RejectReason::InsufficientMargin:
      return "INSUFFICIENT_MARGIN";
    case RejectReason::MaxPositionExceeded:
      return "MAX_POSITION_EXCEEDED";
  }
  return "";
}

std::string_view to_string(UpdateReason reason) noexcept {
  switch (reason) {
    case UpdateReason::NewPlacedOrderByUser:
      return "new_placed_order_by_user";
    case UpdateReason::PartialFill:
      return "partial_fill";
    case UpdateReason::FullFill:
      return "full_fill";
    case UpdateReason::CancelledByUser:
      return "cancelled_by_user";
    case UpdateReason::EditedByUser:
      return "edited_by_user";
    case UpdateReason::DeadManSwitch:
      return "dead_man_switch";
    case UpdateReason::CancelledByAdmin:
      return "cancelled_by_admin";
    case UpdateReason::IocOrderFailed:
      return "ioc_order_failed_because_it_would_not_be_executed";
    case UpdateReason::PostOrderFailed:
      return "post_order_failed_because_it_would_filled";
    case UpdateReason::WouldExecuteSelf:
      return "would_execute_self";
    case UpdateReason::WouldNotReduce:
      return "would_not_reduce_position";
    case UpdateReason::MarketInactive:
      return "market_inactive";
  }
  return "";
}

namespace {

struct Order;

// One price level: its aggregate open quantity and its FIFO queue (intrusive, oldest at head).
struct Level {
  Qty total{};
  Order* head{nullptr};
  Order* tail{nullptr};
};

// Keyed by ticks for asks and by -ticks for bids, so begin() is the best level of either side and
// one code path serves both. Node-based: iterators and Level addresses stay valid while other
// levels come and go.
using LevelMap = std::map<std::int64_t, Level>;

struct Order {
  OrderView view{};
  LevelMap::iterator level{};
  Order* prev{nullptr};  // towards the level's head (older)
  Order* next{nullptr};
  Order* newer{nullptr};  // the account's open-order list, newest first
  Order* older{nullptr};
};

[[nodiscard]] constexpr std::size_t side_index(Side side) noexcept {
  return static_cast<std::size_t>(side);
}

[[nodiscard]] constexpr std::int64_t level_key(Side side, Price price) noexcept {
  return side == Side::Buy ? -price.ticks() : price.ticks();
}

[[nodiscard]] constexpr Price key_price(Side side, std::int64_t key) noexcept {
  return Price{side == Side::Buy ? -key : key};
}

// Would a `side` order limited at `limit` execute against liquidity resting at `resting`?
[[nodiscard]] constexpr bool crosses(Side side, Price limit, Price resting) noexcept {
  return side == Side::Buy ? resting <= limit : resting >= limit;
}

[[nodiscard]] double increment_value(Increment inc) {
  const auto mantissa = static_cast<double>(inc.mantissa);
  // Dividing by an exact power of ten (up to 1e22) rounds once; multiplying by 1e-n rounds twice.
  return inc.exponent >= 0 ? mantissa * std::pow(10.0, inc.exponent)
                           : mantissa / std::pow(10.0, -inc.exponent);
}

[[nodiscard]] std::string ascii_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - ('a' - 'A'));
    }
  }
  return out;
}

// "PI_XBTUSD" -> "BTC", "FI_ETHUSD_261225" -> "ETH", "PI_LTCUSD" -> "LTC": the coin an inverse
// product is margined and settled in (§2.1: Bitcoin is XBT in symbols, BTC in balances).
[[nodiscard]] std::string base_coin(std::string_view symbol) {
  std::string s = ascii_upper(symbol);
  const std::size_t first = s.find('_');
  if (first != std::string::npos) {
    s.erase(0, first + 1);
  }
  const std::size_t second = s.find('_');
  if (second != std::string::npos) {
    s.resize(second);
  }
  if (s.size() > 3 && s.compare(s.size() - 3, 3, "USD") == 0) {
    s.resize(s.size() - 3);
  }
  return s == "XBT" ? std::string{"BTC"} : s;
}

struct Book {
  InstrumentSetup setup{};
  std::string symbol_upper{};
  std::string currency{};  // settlement currency; FillEvent::fee_currency points here
  bool inverse{false};
  double tick_value{1.0};  // one tick / one lot in price / size units
  double lot_value{1.0};
  std::array<LevelMap, 2> sides{};  // by side_index
  std::uint64_t book_seq{0};
  std::uint64_t trade_seq{0};
  std::int64_t book_time_ms{0};
  std::deque<TradeEvent> trades{};
  std::optional<Price> last_trade{};
  Qty volume{};
};

struct Account {
  std::string name{};
  std::vector<Balance> balances{};
  bool self_trade_allowed{false};
  bool unlimited_orders{false};
  Order* newest{nullptr};
  std::size_t open_count{0};
  std::unordered_map<std::string, Order*> open_by_cli{};
  std::unordered_map<std::string, Uuid> finished_by_cli{};
  std::deque<FillEvent> fills{};
  std::uint64_t next_fill_seq{0};
  std::vector<Position> positions{};  // by instrument; grown on first trade
  std::vector<bool> traded{};
  std::int64_t dms_trigger_ms{0};
};

// What the taker would meet before executing anything: liquidity within its limit (counted up to
// `need`) and whether any of it is the taker's own.
struct Walk {
  bool crosses{false};
  bool self{false};
  Qty available{};
};

}  // namespace

struct Exchange::Impl {
  ExchangeOptions options;
  ExchangeListener* listener;
  UuidGenerator ids;
  std::deque<Book> books{};  // deque: stable addresses (fee_currency views into Book::currency)
  std::unordered_map<std::string, InstrumentIndex> by_symbol{};
  std::deque<Account> accounts{};
  std::unordered_map<Uuid, Order, UuidHash> orders{};  // open orders only
  std::unordered_map<Uuid, FinishedOrder, UuidHash> finished{};
  std::deque<Uuid> finished_fifo{};
  std::set<std::pair<std::int64_t, AccountId>> dms{};  // armed dead man's switches by trigger time

  Impl(ExchangeOptions opts, ExchangeListener* l) : options(opts), listener(l), ids(opts.seed) {}

  Account& account(AccountId id) {
    if (id >= accounts.size()) {
      throw std::out_of_range("sim::Exchange: unknown account");
    }
    return accounts[id];
  }
  const Account& account(AccountId id) const {
    if (id >= accounts.size()) {
      throw std::out_of_range("sim::Exchange: unknown account");
    }
    return accounts[id];
  }
  Book& book(InstrumentIndex index) {
    if (index >= books.size()) {
      throw std::out_of_range("sim::Exchange: unknown instrument");
    }
    return books[index];
  }
  const Book& book(InstrumentIndex index) const {
    if (index >= books.size()) {
      throw std::out_of_range("sim::Exchange: unknown instrument");
    }
    return books[index];
  }

  [[nodiscard]] static double price_real(const Book& b, Price p) noexcept {
    return static_cast<double>(p.ticks()) * b.tick_value;
  }
  [[nodiscard]] static double qty_real(const Book& b, Qty q) noexcept {
    return static_cast<double>(q.lots()) * b.lot_value;
  }

  [[nodiscard]] static Price reference(const Book& b) noexcept {
    if (b.last_trade) {
      return *b.last_trade;
    }
    const LevelMap& bids = b.sides[side_index(Side::Buy)];
    const LevelMap& asks = b.sides[side_index(Side::Sell)];
    if (!bids.empty() && !asks.empty()) {
      const std::int64_t bid = key_price(Side::Buy, bids.begin()->first).ticks();
      const std::int64_t ask = key_price(Side::Sell, asks.begin()->first).ticks();
      return Price{bid + (ask - bid) / 2};
    }
    return b.setup.reference_price;
  }

  // ---- order lookup ------------------------------------------------------------------------

  Order* find_open(Account& a, AccountId id, const OrderRef& ref) {
    if (ref.order_id) {
      auto it = orders.find(*ref.order_id);
      return it != orders.end() && it->second.view.account == id ? &it->second : nullptr;
    }
    if (ref.cli_ord_id.empty()) {
      return nullptr;
    }
    auto it = a.open_by_cli.find(ref.cli_ord_id);
    return it != a.open_by_cli.end() ? it->second : nullptr;
  }

  const FinishedOrder* find_done(const Account& a, AccountId id, const OrderRef& ref) const {
    Uuid key{};
    if (ref.order_id) {
      key = *ref.order_id;
    } else {
      if (ref.cli_ord_id.empty()) {
        return nullptr;
      }
      auto c = a.finished_by_cli.find(ref.cli_ord_id);
      if (c == a.finished_by_cli.end()) {
        return nullptr;
      }
      key = c->second;
    }
    auto it = finished.find(key);
    return it != finished.end() && it->second.order.account == id ? &it->second : nullptr;
  }

  void remember_finished(const OrderView& view, UpdateReason reason, std::int64_t now_ms) {
    if (options.finished_order_history == 0) {
      return;
    }
    while (finished_fifo.size() >= options.finished_order_history) {
      const Uuid old = finished_fifo.front();
      finished_fifo.pop_front();
      auto it = finished.find(old);
      if (it != finished.end()) {
        const OrderView& o = it->second.order;
        if (!o.cli_ord_id.empty()) {
          Account& a = accounts[o.account];
          auto c = a.finished_by_cli.find(o.cli_ord_id);
          if (c != a.finished_by_cli.end() && c->second == old) {
            a.finished_by_cli.erase(c);
          }
        }
        finished.erase(it);
      }
    }
    finished[view.id] = FinishedOrder{view, reason, now_ms};
    finished_fifo.push_back(view.id);
    if (!view.cli_ord_id.empty()) {
      accounts[view.account].finished_by_cli[view.cli_ord_id] = view.id;
    }
  }

  // ---- listener ----------------------------------------------------------------------------

  void emit_book(Book& b, InstrumentIndex index, Side side, Price price, Qty total,
                 std::int64_t now_ms) const {
    ++b.book_seq;
    b.book_time_ms = now_ms;
    if (listener != nullptr) {
      listener->on_book(index, side, price, total, b.book_seq, now_ms);
    }
  }

  void emit_order(const OrderView& view, bool is_cancel, UpdateReason reason) const {
    if (listener != nullptr) {
      listener->on_order(OrderUpdate{view, is_cancel, reason});
    }
  }

  // ---- book and account lists ---------------------------------------------------------------

  // Appends the order at the tail of its price level; returns the level's new total.
  static Qty link_level(Book& b, Order& o) {
    LevelMap& side = b.sides[side_index(o.view.side)];
    auto [it, inserted] = side.try_emplace(level_key(o.view.side, o.view.limit_price));
    Level& lvl = it->second;
    o.level = it;
    o.next = nullptr;
    o.prev = lvl.tail;
    if (lvl.tail != nullptr) {
      lvl.tail->next = &o;
    } else {
      lvl.head = &o;
    }
    lvl.tail = &o;
    lvl.total += o.view.remaining();
    return lvl.total;
  }

  // Takes the order out of its level (erasing the level when it empties); returns the level's
  // new total (0 = deleted).
  static Qty unlink_level(Book& b, Order& o) {
    Level& lvl = o.level->second;
    if (o.prev != nullptr) {
      o.prev->next = o.next;
    } else {
      lvl.head = o.next;
    }
    if (o.next != nullptr) {
      o.next->prev = o.prev;
    } else {
      lvl.tail = o.prev;
    }
    o.prev = nullptr;
    o.next = nullptr;
    lvl.total -= o.view.remaining();
    const Qty total = lvl.total;
    if (lvl.head == nullptr) {
      TICKPATH_ASSERT(total.is_zero(), "an empty level must have no quantity");
      b.sides[side_index(o.view.side)].erase(o.level);
    }
    return total;
  }

  static void link_account(Account& a, Order& o) {
    o.newer = nullptr;
    o.older = a.newest;
    if (a.newest != nullptr) {
      a.newest->newer = &o;
    }
    a.newest = &o;
    ++a.open_count;
    if (!o.view.cli_ord_id.empty()) {
      a.open_by_cli[o.view.cli_ord_id] = &o;
    }
  }

  static void unlink_account(Account& a, Order& o) {
    if (o.newer != nullptr) {
      o.newer->older = o.older;
    } else {
      a.newest = o.older;
    }
    if (o.older != nullptr) {
      o.older->newer = o.newer;
    }
    o.newer = nullptr;
    o.older = nullptr;
    --a.open_count;
    if (!o.view.cli_ord_id.empty()) {
      a.open_by_cli.erase(o.view.cli_ord_id);
    }
  }

  // Puts a new order on the book and in its account's open set.
  Order& rest(Book& b, InstrumentIndex index, Account& a, const OrderView& view, std::int64_t now_ms) {
    auto [it, inserted] = orders.try_emplace(view.id);
    TICKPATH_ASSERT(inserted, "order ids are unique");
    Order& o = it->second;
    o.view = view;
    const Qty total = link_level(b, o);
    link_account(a, o);
    emit_book(b, index, view.side, view.limit_price, total, now_ms);
    return o;
  }

  // Removes an open order that is already out of its level from the open set and forgets it.
  void retire(Account& a, Order& o, UpdateReason reason, std::int64_t now_ms) {
    unlink_account(a, o);
    remember_finished(o.view, reason, now_ms);
    orders.erase(o.view.id);
  }

  // ---- money --------------------------------------------------------------------------------

  static Balance& balance(Account& a, std::string_view currency) {
    for (Balance& bal : a.balances) {
      if (bal.currency == currency) {
        return bal;
      }
    }
    a.balances.push_back(Balance{std::string(currency), 0.0});
    return a.balances.back();
  }

  static Position& position_slot(Account& a, InstrumentIndex index) {
    if (a.positions.size() <= index) {
      a.positions.resize(std::size_t{index} + 1);
      a.traded.resize(std::size_t{index} + 1, false);
    }
    if (!a.traded[index]) {
      a.traded[index] = true;
      a.positions[index].instrument = index;
    }
    return a.positions[index];
  }

  // Applies one fill to the account's position; returns the realized PnL (settlement currency).
  static double apply_position(Account& a, const Book& b, InstrumentIndex index, Side side, Qty qty,
                               Price price) {
    Position& p = position_slot(a, index);
    const std::int64_t old_size = p.size.lots();
    const std::int64_t delta = side == Side::Buy ? qty.lots() : -qty.lots();
    const double px = price_real(b, price);
    double pnl = 0.0;
    if (old_size == 0 || (old_size > 0) == (delta > 0)) {
      // Increasing: the average entry over all contracts. Inverse products average harmonically
      // (contracts / coin value), which is what keeps their coin PnL additive.
      const double held = qty_real(b, Qty{old_size < 0 ? -old_size : old_size});
      const double added = qty_real(b, qty);
      if (old_size == 0) {
        p.entry_price = px;
      } else if (b.inverse) {
        p.entry_price = (held + added) / (held / p.entry_price + added / px);
      } else {
        p.entry_price = (held * p.entry_price + added * px) / (held + added);
      }
    } else {
      const std::int64_t held_lots = old_size < 0 ? -old_size : old_size;
      const std::int64_t closed_lots = std::min(held_lots, qty.lots());
      const double closed = qty_real(b, Qty{closed_lots});
      const double sign = old_size > 0 ? 1.0 : -1.0;
      pnl =
          b.inverse ? closed * (1.0 / p.entry_price - 1.0 / px) * sign : (px - p.entry_price) * closed * sign;
      p.realized_pnl += pnl;
      if (closed_lots == held_lots) {
        // Flat, or flipped: what is left over opens a new position at this price.
        p.entry_price = qty.lots() > held_lots ? px : 0.0;
      }
    }
    p.size = Qty{old_size + delta};
    return pnl;
  }

  FillEvent make_fill(Account& a, const Book& b, const OrderView& order, Uuid fill_id, Price price, Qty qty,
                      bool maker, std::int64_t now_ms) const {
    const double q = qty_real(b, qty);
    const double px = price_real(b, price);
    const double notional = b.inverse ? q / px : q * px;
    FillEvent f;
    f.account = order.account;
    f.instrument = order.instrument;
    f.fill_id = fill_id;
    f.order_id = order.id;
    f.cli_ord_id = order.cli_ord_id;
    f.side = order.side;
    f.price = price;
    f.qty = qty;
    f.remaining_order_qty = order.remaining();
    f.maker = maker;
    f.order_type = order.type;
    f.fee_paid = notional * (maker ? b.setup.maker_fee : b.setup.taker_fee);
    f.fee_currency = b.currency;
    f.seq = a.next_fill_seq++;
    f.time_ms = now_ms;
    a.fills.push_front(f);
    while (a.fills.size() > options.fill_history) {
      a.fills.pop_back();
    }
    return f;
  }

  // ---- matching -----------------------------------------------------------------------------

  static Walk walk(const Book& b, const OrderView& taker, Price limit, bool check_self) {
    Walk w;
    const Side maker_side = opposite(taker.side);
    const LevelMap& opp = b.sides[side_index(maker_side)];
    const Qty need = taker.remaining();
    for (auto it = opp.begin(); it != opp.end() && w.available < need; ++it) {
      if (!crosses(taker.side, limit, key_price(maker_side, it->first))) {
        break;
      }
      w.crosses = true;
      if (!check_self) {
        w.available += it->second.total;
        continue;
      }
      for (const Order* m = it->second.head; m != nullptr && w.available < need; m = m->next) {
        w.self = w.self || m->view.account == taker.account;
        w.available += m->view.remaining();
      }
    }
    return w;
  }

  // One execution between the taker and the maker at the head of a level: state first, then the
  // callbacks in the order trade, fills (maker, taker), order updates (maker, taker), then
  // position and balance of maker and taker.
  void execute(Book& b, InstrumentIndex index, OrderView& taker, Order& maker, Qty qty, Price price,
               const OrderView* prior_edit, Result& result, std::int64_t now_ms) {
    Account& ta = accounts[taker.account];
    Account& ma = accounts[maker.view.account];
    const Uuid execution_id = ids.next();
    const Uuid maker_fill_id = ids.next();
    const Uuid taker_fill_id = ids.next();

    OrderEvent ev;
    ev.kind = OrderEvent::Kind::Execution;
    ev.old_order = taker;
    taker.filled += qty;
    taker.last_update_ms = now_ms;
    maker.view.filled += qty;
    maker.view.last_update_ms = now_ms;
    maker.level->second.total -= qty;
    ev.order = taker;
    if (prior_edit != nullptr) {
      ev.prior_edit = *prior_edit;
    }
    ev.execution_id = execution_id;
    ev.price = price;
    ev.amount = qty;
    result.events.push_back(std::move(ev));

    TradeEvent trade;
    trade.instrument = index;
    trade.uid = execution_id;
    trade.taker_side = taker.side;
    trade.price = price;
    trade.qty = qty;
    trade.seq = ++b.trade_seq;
    trade.time_ms = now_ms;
    trade.maker_order = maker.view.id;
    trade.taker_order = taker.id;
    trade.maker_limit = maker.view.limit_price;
    trade.taker_limit = taker.limit_price;
    trade.maker_type = maker.view.type;
    trade.taker_type = taker.type;
    trade.maker_time_ms = maker.view.time_ms;
    trade.taker_time_ms = taker.time_ms;
    trade.maker_reduce_only = maker.view.reduce_only;
    trade.taker_reduce_only = taker.reduce_only;
    b.trades.push_front(trade);
    while (b.trades.size() > options.trade_history) {
      b.trades.pop_back();
    }
    b.last_trade = price;
    b.volume += qty;

    const FillEvent maker_fill = make_fill(ma, b, maker.view, maker_fill_id, price, qty, true, now_ms);
    FillEvent taker_fill = make_fill(ta, b, taker, taker_fill_id, price, qty, false, now_ms);
    if (prior_edit != nullptr) {
      taker_fill.after_edit = true;
      ta.fills.front().after_edit = true;
    }
    const double maker_pnl = apply_position(ma, b, index, maker.view.side, qty, price);
    balance(ma, b.currency).amount += maker_pnl - maker_fill.fee_paid;
    const double taker_pnl = apply_position(ta, b, index, taker.side, qty, price);
    balance(ta, b.currency).amount += taker_pnl - taker_fill.fee_paid;

    if (listener != nullptr) {
      listener->on_trade(trade);
      listener->on_fill(maker_fill);
      listener->on_fill(taker_fill);
      const bool maker_done = maker.view.remaining().is_zero();
      listener->on_order(OrderUpdate{maker.view, maker_done,
                                     maker_done ? UpdateReason::FullFill : UpdateReason::PartialFill});
      const bool taker_done = taker.remaining().is_zero();
      listener->on_order(
          OrderUpdate{taker, taker_done, taker_done ? UpdateReason::FullFill : UpdateReason::PartialFill});
      listener->on_position(maker.view.account, index);
      listener->on_balance(maker.view.account);
      listener->on_position(taker.account, index);
      listener->on_balance(taker.account);
    }
  }

  // Executes the taker against the opposite side up to `limit`, best level first, FIFO within a
  // level. One on_book per level touched, after that level's executions.
  void match(Book& b, InstrumentIndex index, OrderView& taker, Price limit, const OrderView* prior_edit,
             Result& result, std::int64_t now_ms) {
    const Side maker_side = opposite(taker.side);
    LevelMap& opp = b.sides[side_index(maker_side)];
    while (!taker.remaining().is_zero() && !opp.empty()) {
      auto lvl = opp.begin();
      const Price price = key_price(maker_side, lvl->first);
      if (!crosses(taker.side, limit, price)) {
        break;
      }
      while (!taker.remaining().is_zero() && lvl->second.head != nullptr) {
        Order& maker = *lvl->second.head;
        const Qty qty = std::min(taker.remaining(), maker.view.remaining());
        execute(b, index, taker, maker, qty, price, prior_edit, result, now_ms);
        if (maker.view.remaining().is_zero()) {
          Level& l = lvl->second;
          l.head = maker.next;
          if (l.head != nullptr) {
            l.head->prev = nullptr;
          } else {
            l.tail = nullptr;
          }
          maker.next = nullptr;
          retire(accounts[maker.view.account], maker, UpdateReason::FullFill, now_ms);
        }
      }
      const Qty total = lvl->second.total;
      if (lvl->second.head == nullptr) {
        TICKPATH_ASSERT(total.is_zero(), "an empty level must have no quantity");
        opp.erase(lvl);
      }
      emit_book(b, index, maker_side, price, total, now_ms);
    }
  }

  // A business rejection of an order that already has an id: REJECT event, open_orders(_verbose)
  // removal, and a finished record for /orders/status.
  Result& reject_new(Result& r, const OrderView& view, Status status, RejectReason reason,
                     UpdateReason update, std::int64_t now_ms) {
    r.status = status;
    r.order_id = view.id;
    OrderEvent ev;
    ev.kind = OrderEvent::Kind::Reject;
    ev.order = view;
    ev.reason = reason;
    r.events.push_back(std::move(ev));
    emit_order(view, true, update);
    remember_finished(view, update, now_ms);
    return r;
  }

  // A rejected edit leaves the order as it was: REJECT event only.
  static Result& reject_edit(Result& r, const OrderView& view, Status status, RejectReason reason) {
    r.status = status;
    OrderEvent ev;
    ev.kind = OrderEvent::Kind::Reject;
    ev.order = view;
    ev.reason = reason;
    r.events.push_back(std::move(ev));
    return r;
  }

  [[nodiscard]] bool outside_collar(const Book& b, Price limit) const {
    if (options.price_collar <= 0.0) {
      return false;
    }
    const Price ref = reference(b);
    if (ref.ticks() <= 0) {
      return false;
    }
    const double distance = std::fabs(static_cast<double>(limit.ticks() - ref.ticks()));
    return distance / static_cast<double>(ref.ticks()) > options.price_collar;
  }

  [[nodiscard]] Price market_limit(const Book& b, Side side) const {
    const double ref = static_cast<double>(reference(b).ticks());
    // The epsilon absorbs binary noise such as 10000 * 1.01 = 10100.000000000002; a real price
    // is a whole number of ticks, so it cannot change a true result.
    constexpr double kEps = 1e-6;
    if (side == Side::Buy) {
      return Price{static_cast<std::int64_t>(std::floor(ref * (1.0 + options.market_collar) + kEps))};
    }
    const auto ticks = static_cast<std::int64_t>(std::ceil(ref * (1.0 - options.market_collar) - kEps));
    return Price{std::max<std::int64_t>(ticks, 1)};
  }

  // ---- requests ------------------------------------------------------------------------------

  Result send(const NewOrder& req, std::int64_t now_ms) {
    Result r;
    r.cli_ord_id = req.cli_ord_id;
    Account& a = account(req.account);
    if (req.cli_ord_id.size() > options.max_cli_ord_id_length) {
      r.status = Status::ClientOrderIdTooLong;
      return r;
    }
    if (req.instrument >= books.size() || books[req.instrument].setup.suspended) {
      r.status = Status::MarketSuspended;
      return r;
    }
    Book& b = books[req.instrument];
    if (req.size.lots() <= 0) {
      r.status = Status::InvalidSize;
      return r;
    }
    Price limit{};
    if (req.type == OrderType::Market) {
      limit = market_limit(b, req.side);
    } else {
      if (!req.limit_price || req.limit_price->ticks() <= 0) {
        r.status = Status::InvalidPrice;
        return r;
      }
      limit = *req.limit_price;
    }
    if (b.setup.post_only && req.type != OrderType::Post) {
      r.status = Status::MarketIsPostOnly;
      return r;
    }
    if (!req.cli_ord_id.empty() && a.open_by_cli.contains(req.cli_ord_id)) {
      r.status = Status::ClientOrderIdAlreadyExist;
      return r;
    }
    if (req.type != OrderType::Market && outside_collar(b, limit)) {
      r.status = Status::OutsidePriceCollar;
      return r;
    }
    const bool can_rest = req.type == OrderType::Limit || req.type == OrderType::Post;
    if (can_rest && !a.unlimited_orders && a.open_count >= options.max_open_orders) {
      r.status = Status::TooManyOrders;
      return r;
    }

    // From here on the order exists: it has an id, and rejections carry it with a REJECT event.
    OrderView view;
    view.id = ids.next();
    view.cli_ord_id = req.cli_ord_id;
    view.account = req.account;
    view.instrument = req.instrument;
    view.type = req.type;
    view.side = req.side;
    view.quantity = req.size;
    view.limit_price = limit;
    view.reduce_only = req.reduce_only;
    view.time_ms = now_ms;
    view.last_update_ms = now_ms;
    r.order_id = view.id;

    std::optional<Qty> reduced;
    if (req.reduce_only) {
      const Position* p = a.positions.size() > req.instrument && a.traded[req.instrument]
                              ? &a.positions[req.instrument]
                              : nullptr;
      const std::int64_t pos = p != nullptr ? p->size.lots() : 0;
      const bool reduces = req.side == Side::Buy ? pos < 0 : pos > 0;
      if (!reduces) {
        return reject_new(r, view, Status::WouldNotReducePosition, RejectReason::WouldNotReducePosition,
                          UpdateReason::WouldNotReduce, now_ms);
      }
      const Qty held{pos < 0 ? -pos : pos};
      if (view.quantity > held) {
        view.quantity = held;
        reduced = held;
      }
    }

    const bool check_self = !a.self_trade_allowed && a.open_count > 0;
    const Walk w = walk(b, view, limit, check_self);
    if (req.type == OrderType::Post && w.crosses) {
      return reject_new(r, view, Status::PostWouldExecute, RejectReason::PostWouldExecute,
                        UpdateReason::PostOrderFailed, now_ms);
    }
    if (w.self) {
      return reject_new(r, view, Status::SelfFill, RejectReason::WouldExecuteSelf,
                        UpdateReason::WouldExecuteSelf, now_ms);
    }
    if (!can_rest && (!w.crosses || (req.type == OrderType::Fok && w.available < view.quantity))) {
      return reject_new(r, view, Status::IocWouldNotExecute, RejectReason::IocWouldNotExecute,
                        UpdateReason::IocOrderFailed, now_ms);
    }

    r.status = Status::Placed;  // also when it executed at once (REAL, §5.5)
    match(b, req.instrument, view, limit, nullptr, r, now_ms);
    if (view.remaining().is_zero()) {
      remember_finished(view, UpdateReason::FullFill, now_ms);
      return r;
    }
    if (!can_rest) {
      // The unexecuted rest of an ioc/mkt/fok order: it leaves the open set (it entered it
      // through partial_fill updates).
      emit_order(view, true, UpdateReason::IocOrderFailed);
      remember_finished(view, UpdateReason::IocOrderFailed, now_ms);
      return r;
    }
    rest(b, req.instrument, a, view, now_ms);
    OrderEvent place;
    place.kind = OrderEvent::Kind::Place;
    place.order = view;
    place.reduced_quantity = reduced;
    r.events.push_back(std::move(place));
    emit_order(view, false, UpdateReason::NewPlacedOrderByUser);
    return r;
  }

  Result edit(const EditOrder& req, std::int64_t now_ms) {
    Result r;
    Account& a = account(req.account);
    Order* found = find_open(a, req.account, req.ref);
    if (found == nullptr) {
      r.status = Status::OrderForEditNotFound;
      r.order_id = req.ref.order_id;
      r.cli_ord_id = req.ref.cli_ord_id;
      return r;
    }
    Order& o = *found;
    const OrderView old = o.view;
    r.order_id = old.id;
    r.cli_ord_id = old.cli_ord_id;
    Book& b = books[old.instrument];
    const InstrumentIndex index = old.instrument;

    Qty new_open = req.size.value_or(old.remaining());
    const Price new_price = req.limit_price.value_or(old.limit_price);
    if (new_open.lots() <= 0) {
      r.status = Status::InvalidSize;
      return r;
    }
    if (new_price.ticks() <= 0) {
      r.status = Status::InvalidPrice;
      return r;
    }
    if (new_price != old.limit_price && outside_collar(b, new_price)) {
      r.status = Status::OutsidePriceCollar;
      return r;
    }
    std::optional<Qty> reduced;
    if (old.reduce_only && new_open > old.remaining()) {
      const std::int64_t pos =
          a.positions.size() > index && a.traded[index] ? a.positions[index].size.lots() : 0;
      const bool reduces = old.side == Side::Buy ? pos < 0 : pos > 0;
      if (!reduces) {
        return reject_edit(r, old, Status::WouldNotReducePosition, RejectReason::WouldNotReducePosition);
      }
      const Qty held{pos < 0 ? -pos : pos};
      if (new_open > held) {
        new_open = held;
        reduced = old.filled + held;
      }
    }
    if (new_open == old.remaining() && new_price == old.limit_price) {
      r.status = Status::Edited;  // REAL: a no-op edit is `edited` with a REJECT event (§5.6)
      OrderEvent ev;
      ev.kind = OrderEvent::Kind::Reject;
      ev.order = old;
      ev.reason = RejectReason::EditHasNoEffect;
      r.events.push_back(std::move(ev));
      return r;
    }

    OrderView edited = old;
    edited.quantity = old.filled + new_open;
    edited.limit_price = new_price;
    edited.last_update_ms = now_ms;
    if (new_price != old.limit_price) {
      const Walk w = walk(b, edited, new_price, !a.self_trade_allowed);
      if (w.crosses && old.type == OrderType::Post) {
        return reject_edit(r, old, Status::PostWouldExecute, RejectReason::PostWouldExecute);
      }
      if (w.self) {
        return reject_edit(r, old, Status::SelfFill, RejectReason::WouldExecuteSelf);
      }
    }

    OrderEvent ev;
    ev.kind = OrderEvent::Kind::Edit;
    ev.old_order = old;
    ev.order = edited;
    ev.reduced_quantity = reduced;
    r.events.push_back(std::move(ev));
    r.status = Status::Edited;

    if (new_price == old.limit_price) {
      // Same level: a decrease keeps the queue position, an increase goes to the back.
      Qty total{};
      if (new_open > old.remaining()) {
        (void)unlink_level(b, o);  // may erase the level; link_level recreates it
        o.view = edited;
        total = link_level(b, o);
      } else {
        Level& lvl = o.level->second;
        lvl.total -= old.remaining() - new_open;
        o.view = edited;
        total = lvl.total;
      }
      emit_book(b, index, old.side, new_price, total, now_ms);
      emit_order(o.view, false, UpdateReason::EditedByUser);
      return r;
    }

    // New price: leave the old level, maybe execute, rest the remainder at the back of the new one.
    const Qty old_total = unlink_level(b, o);
    emit_book(b, index, old.side, old.limit_price, old_total, now_ms);
    o.view = edited;
    emit_order(o.view, false, UpdateReason::EditedByUser);
    match(b, index, o.view, new_price, &old, r, now_ms);
    if (o.view.remaining().is_zero()) {
      r.status = Status::Filled;
      retire(a, o, UpdateReason::FullFill, now_ms);
      return r;
    }
    const Qty total = link_level(b, o);
    emit_book(b, index, o.view.side, o.view.limit_price, total, now_ms);
    return r;
  }

  Result cancel(AccountId id, const OrderRef& ref, std::int64_t now_ms) {
    Result r;
    Account& a = account(id);
    Order* found = find_open(a, id, ref);
    if (found == nullptr) {
      const FinishedOrder* done = find_done(a, id, ref);
      if (done != nullptr && done->filled()) {
        r.status = Status::Filled;
        r.order_id = done->order.id;
        r.cli_ord_id = done->order.cli_ord_id;
      } else {
        r.status = Status::NotFound;  // REAL: no order_id, no events
      }
      return r;
    }
    r.status = Status::Cancelled;
    r.order_id = found->view.id;
    r.cli_ord_id = found->view.cli_ord_id;
    OrderEvent ev;
    ev.kind = OrderEvent::Kind::Cancel;
    ev.order = found->view;
    r.events.push_back(std::move(ev));
    remove_open(a, *found, UpdateReason::CancelledByUser, now_ms);
    return r;
  }

  // Cancels an open order: book update, open_orders removal, finished record.
  void remove_open(Account& a, Order& o, UpdateReason reason, std::int64_t now_ms) {
    Book& b = books[o.view.instrument];
    const Qty total = unlink_level(b, o);
    emit_book(b, o.view.instrument, o.view.side, o.view.limit_price, total, now_ms);
    o.view.last_update_ms = now_ms;
    emit_order(o.view, true, reason);
    retire(a, o, reason, now_ms);
  }

  CancelAllResult cancel_all(AccountId id, std::optional<InstrumentIndex> instrument, std::int64_t now_ms,
                             UpdateReason reason) {
    CancelAllResult r;
    Account& a = account(id);
    std::vector<Order*> victims;
    victims.reserve(a.open_count);
    for (Order* o = a.newest; o != nullptr; o = o->older) {
      if (!instrument || o->view.instrument == *instrument) {
        victims.push_back(o);
      }
    }
    for (Order* o : victims) {
      r.cancelled.push_back(o->view);
      OrderEvent ev;
      ev.kind = OrderEvent::Kind::Cancel;
      ev.order = o->view;
      r.events.push_back(std::move(ev));
      remove_open(a, *o, reason, now_ms);
    }
    r.status = r.cancelled.empty() ? Status::NoOrdersToCancel : Status::Cancelled;
    return r;
  }
};

Exchange::Exchange(ExchangeOptions options, ExchangeListener* listener)
    : impl_(std::make_unique<Impl>(options, listener)) {}

Exchange::~Exchange() = default;

InstrumentIndex Exchange::add_instrument(const InstrumentSetup& setup) {
  Impl& m = *impl_;
  if (setup.spec.symbol.empty()) {
    throw std::invalid_argument("sim::Exchange: empty instrument symbol");
  }
  if (setup.spec.tick_size.mantissa <= 0 || setup.spec.size_step.mantissa <= 0) {
    throw std::invalid_argument("sim::Exchange: tick size and size step must be positive: " +
                                setup.spec.symbol);
  }
  if (m.books.size() >= InstrumentId::kInvalid) {
    throw std::invalid_argument("sim::Exchange: too many instruments");
  }
  std::string upper = ascii_upper(setup.spec.symbol);
  if (m.by_symbol.contains(upper)) {
    throw std::invalid_argument("sim::Exchange: duplicate instrument " + upper);
  }
  const auto index = static_cast<InstrumentIndex>(m.books.size());
  Book& b = m.books.emplace_back();
  b.setup = setup;
  b.symbol_upper = upper;
  b.inverse = setup.spec.kind == ContractKind::Inverse;
  b.currency = b.inverse ? base_coin(upper) : std::string{"USD"};
  b.tick_value = increment_value(setup.spec.tick_size);
  b.lot_value = increment_value(setup.spec.size_step);
  // Real venues' sequence numbers are large and arbitrary; a seed-derived start catches clients
  // that assume they begin at 0 or 1, and stays repeatable. Its own generator, so that adding an
  // instrument does not shift the order/fill ids.
  Rng rng(m.options.seed ^ (0xB00C5E9ULL * (std::uint64_t{index} + 1)));
  b.book_seq = 1000 + rng.below(1'000'000);
  b.trade_seq = 1000 + rng.below(1'000'000);
  m.by_symbol.emplace(std::move(upper), index);
  return index;
}

AccountId Exchange::add_account(const AccountSetup& setup) {
  Impl& m = *impl_;
  const auto id = static_cast<AccountId>(m.accounts.size());
  Account& a = m.accounts.emplace_back();
  a.name = setup.name.empty() ? m.ids.next().to_string() : setup.name;
  a.balances = setup.balances;
  a.self_trade_allowed = setup.self_trade_allowed;
  a.unlimited_orders = setup.unlimited_orders;
  return id;
}

std::size_t Exchange::instrument_count() const noexcept {
  return impl_->books.size();
}

const InstrumentSetup& Exchange::instrument(InstrumentIndex index) const {
  return impl_->book(index).setup;
}

std::optional<InstrumentIndex> Exchange::find_instrument(std::string_view symbol) const {
  auto it = impl_->by_symbol.find(ascii_upper(symbol));
  if (it == impl_->by_symbol.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::size_t Exchange::account_count() const noexcept {
  return impl_->accounts.size();
}

const std::string& Exchange::account_name(AccountId account) const {
  return impl_->account(account).name;
}

Result Exchange::send(const NewOrder& order, std::int64_t now_ms) {
  return impl_->send(order, now_ms);
}

Result Exchange::edit(const EditOrder& edit, std::int64_t now_ms) {
  return impl_->edit(edit, now_ms);
}

Result Exchange::cancel(AccountId account, const OrderRef& ref, std::int64_t now_ms) {
  return impl_->cancel(account, ref, now_ms);
}

CancelAllResult Exchange::cancel_all(AccountId account, std::optional<InstrumentIndex> instrument,
                                     std::int64_t now_ms, UpdateReason reason) {
  return impl_->cancel_all(account, instrument, now_ms, reason);
}

std::int64_t Exchange::arm_dead_man_switch(AccountId account, std::int64_t timeout_s, std::int64_t now_ms) {
  Impl& m = *impl_;
  Account& a = m.account(account);
  if (a.dms_trigger_ms != 0) {
    m.dms.erase({a.dms_trigger_ms, account});
    a.dms_trigger_ms = 0;
  }
  if (timeout_s <= 0) {
    return 0;
  }
  a.dms_trigger_ms = now_ms + timeout_s * 1000;
  m.dms.emplace(a.dms_trigger_ms, account);
  return a.dms_trigger_ms;
}

void Exchange::advance(std::int64_t now_ms) {
  Impl& m = *impl_;
  while (!m.dms.empty() && m.dms.begin()->first <= now_ms) {
    const AccountId account = m.dms.begin()->second;
    m.dms.erase(m.dms.begin());
    m.accounts[account].dms_trigger_ms = 0;
    m.cancel_all(account, std::nullopt, now_ms, UpdateReason::DeadManSwitch);
  }
}

const OrderView* Exchange::find_order(AccountId account, const OrderRef& ref) const {
  Impl& m = *impl_;
  const Order* o = m.find_open(m.account(account), account, ref);
  return o != nullptr ? &o->view : nullptr;
}

const FinishedOrder* Exchange::find_finished(AccountId account, const OrderRef& ref) const {
  return impl_->find_done(impl_->account(account), account, ref);
}

std::vector<OrderView> Exchange::open_orders(AccountId account) const {
  const Account& a = impl_->account(account);
  std::vector<OrderView> out;
  out.reserve(a.open_count);
  for (const Order* o = a.newest; o != nullptr; o = o->older) {
    out.push_back(o->view);
  }
  return out;
}

const std::deque<FillEvent>& Exchange::fills(AccountId account) const {
  return impl_->account(account).fills;
}

std::vector<Position> Exchange::positions(AccountId account) const {
  const Account& a = impl_->account(account);
  std::vector<Position> out;
  for (std::size_t i = 0; i < a.positions.size(); ++i) {
    if (a.traded[i] && !a.positions[i].size.is_zero()) {
      out.push_back(a.positions[i]);
    }
  }
  return out;
}

const Position* Exchange::position(AccountId account, InstrumentIndex instrument) const {
  const Account& a = impl_->account(account);
  return instrument < a.positions.size() && a.traded[instrument] ? &a.positions[instrument] : nullptr;
}

std::string_view Exchange::settlement_currency(InstrumentIndex instrument) const {
  return impl_->book(instrument).currency;
}

const std::vector<Balance>& Exchange::balances(AccountId account) const {
  return impl_->account(account).balances;
}

std::vector<LevelView> Exchange::levels(InstrumentIndex instrument, Side side, std::size_t max_levels) const {
  const LevelMap& map = impl_->book(instrument).sides[side_index(side)];
  std::vector<LevelView> out;
  out.reserve(max_levels == 0 ? map.size() : std::min(max_levels, map.size()));
  for (const auto& [key, lvl] : map) {
    if (max_levels != 0 && out.size() >= max_levels) {
      break;
    }
    out.push_back(LevelView{key_price(side, key), lvl.total});
  }
  return out;
}

std::optional<LevelView> Exchange::best(InstrumentIndex instrument, Side side) const {
  const LevelMap& map = impl_->book(instrument).sides[side_index(side)];
  if (map.empty()) {
    return std::nullopt;
  }
  return LevelView{key_price(side, map.begin()->first), map.begin()->second.total};
}

std::uint64_t Exchange::book_seq(InstrumentIndex instrument) const {
  return impl_->book(instrument).book_seq;
}

std::uint64_t Exchange::trade_seq(InstrumentIndex instrument) const {
  return impl_->book(instrument).trade_seq;
}

std::int64_t Exchange::book_time_ms(InstrumentIndex instrument) const {
  return impl_->book(instrument).book_time_ms;
}

const std::deque<TradeEvent>& Exchange::trades(InstrumentIndex instrument) const {
  return impl_->book(instrument).trades;
}

Price Exchange::reference_price(InstrumentIndex instrument) const {
  return Impl::reference(impl_->book(instrument));
}

Qty Exchange::volume(InstrumentIndex instrument) const {
  return impl_->book(instrument).volume;
}

void Exchange::set_suspended(InstrumentIndex instrument, bool suspended) {
  impl_->book(instrument).setup.suspended = suspended;
}

UuidGenerator& Exchange::ids() noexcept {
  return impl_->ids;
}

}  // namespace tickpath::sim
