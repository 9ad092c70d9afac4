#include "tickpath/sim/activity.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "tickpath/core/decimal.hpp"
#include "tickpath/venue/kraken_futures/capture.hpp"

namespace tickpath::sim {
namespace {

namespace od = simdjson::ondemand;

constexpr std::size_t kMaxOrdersPerLevel = 4;
// Per-call cap: at least this many actions, or 2 ms worth of the configured rates.
constexpr double kMinActionsPerStep = 1000.0;
constexpr double kStepWorthSeconds = 0.002;
// Unspent credit is kept for at most this long: a stalled event loop does not earn a burst of
// minutes of activity, and recentring debt does not silence the maker for long.
constexpr double kMaxCreditSeconds = 1.0;
// Order notional range in USD (log-uniform).
constexpr double kMinNotionalUsd = 100.0;
constexpr double kMaxNotionalUsd = 25'000.0;
// Real-capture mix (kraken-futures-protocol.md §6.7): 34 % deletions, 34 % new levels, 32 % size
// changes.
constexpr double kNewShare = 0.34;
constexpr double kDeleteShare = 0.34;
constexpr double kChangeShare = 0.32;

[[nodiscard]] double increment_value(Increment inc) noexcept {
  return static_cast<double>(inc.mantissa) * std::pow(10.0, static_cast<double>(inc.exponent));
}

[[nodiscard]] std::size_t side_index(Side side) noexcept {
  return side == Side::Buy ? 0U : 1U;
}

[[nodiscard]] std::int64_t to_i64(double v) noexcept {
  return static_cast<std::int64_t>(v);
}

// The maker's orders at one price of one side.
struct MakerLevel {
  std::array<Uuid, kMaxOrdersPerLevel> orders{};
  std::size_t count{0};
  std::size_t pick{0};  // index in SideBook::prices_
};

// The maker's levels on one side of one instrument: ordered (best/worst, recentring) and with a
// dense list of prices for O(1) random picks.
class SideBook {
 public:
  explicit SideBook(Side side) : side_(side) {}

  [[nodiscard]] Side side() const noexcept { return side_; }
  [[nodiscard]] std::size_t size() const noexcept { return levels_.size(); }
  [[nodiscard]] bool empty() const noexcept { return levels_.empty(); }

  [[nodiscard]] MakerLevel* find(std::int64_t price) noexcept {
    const auto it = levels_.find(price);
    return it == levels_.end() ? nullptr : &it->second;
  }

  MakerLevel& get_or_insert(std::int64_t price) {
    auto [it, inserted] = levels_.try_emplace(price);
    if (inserted) {
      it->second.pick = prices_.size();
      prices_.push_back(price);
    }
    return it->second;
  }

  void erase(std::int64_t price) {
    const auto it = levels_.find(price);
    if (it == levels_.end()) {
      return;
    }
    const std::size_t pick = it->second.pick;
    const std::int64_t moved = prices_.back();
    prices_[pick] = moved;
    prices_.pop_back();
    if (moved != price) {
      levels_.find(moved)->second.pick = pick;
    }
    levels_.erase(it);
  }

  [[nodiscard]] std::int64_t random_price(Rng& rng) const noexcept {
    return prices_[static_cast<std::size_t>(rng.below(prices_.size()))];
  }

  // Best (closest to the other side) and worst prices; the book must not be empty.
  [[nodiscard]] std::int64_t best() const noexcept {
    return side_ == Side::Buy ? levels_.rbegin()->first : levels_.begin()->first;
  }
  [[nodiscard]] std::int64_t worst() const noexcept {
    return side_ == Side::Buy ? levels_.begin()->first : levels_.rbegin()->first;
  }

  // Prices from best towards worst while pred(price) holds (copied: callers erase as they go).
  template <typename Pred>
  void collect_from_best(Pred pred, std::vector<std::int64_t>& out) const {
    out.clear();
    if (side_ == Side::Buy) {
      for (auto it = levels_.rbegin(); it != levels_.rend() && pred(it->first); ++it) {
        out.push_back(it->first);
      }
    } else {
      for (auto it = levels_.begin(); it != levels_.end() && pred(it->first); ++it) {
        out.push_back(it->first);
      }
    }
  }

  [[nodiscard]] const std::map<std::int64_t, MakerLevel>& levels() const noexcept { return levels_; }

 private:
  Side side_;
  std::map<std::int64_t, MakerLevel> levels_;
  std::vector<std::int64_t> prices_;
};

// The maker account as both activities drive it: its orders per level, and every request counted.
class Maker {
 public:
  Maker(Exchange& exchange, AccountId account, std::size_t instruments)
      : exchange_(exchange), account_(account) {
    books_.reserve(instruments);
    for (std::size_t i = 0; i < instruments; ++i) {
      books_.push_back({SideBook{Side::Buy}, SideBook{Side::Sell}});
    }
  }

  [[nodiscard]] SideBook& book(InstrumentIndex instrument, Side side) noexcept {
    return books_[instrument][side_index(side)];
  }
  [[nodiscard]] std::uint64_t requests() const noexcept { return requests_; }
  [[nodiscard]] Exchange& exchange() noexcept { return exchange_; }

  // The open remainder of one of the maker's orders; 0 when it is gone (filled or cancelled).
  [[nodiscard]] Qty remaining(const Uuid& id) const {
    const OrderView* order = exchange_.find_order(account_, OrderRef{id, {}});
    if (order == nullptr || order->remaining().lots() <= 0) {
      return Qty{0};
    }
    return order->remaining();
  }

  // Drops the orders of a level that others have filled; returns the level's open total. The level
  // itself stays (callers erase it when it is empty).
  Qty prune(MakerLevel& level, std::array<Qty, kMaxOrdersPerLevel>& remaining) const {
    Qty total{};
    std::size_t kept = 0;
    for (std::size_t i = 0; i < level.count; ++i) {
      const Qty r = this->remaining(level.orders[i]);
      if (r.lots() > 0) {
        level.orders[kept] = level.orders[i];
        remaining[kept] = r;
        ++kept;
        total += r;
      }
    }
    level.count = kept;
    return total;
  }

  // Rests a new limit order and remembers it when part of it stays on the book. A maker order may
  // trade with another account's order that crosses it (that is how strategies get picked off).
  void place(InstrumentIndex instrument, Side side, std::int64_t price, std::int64_t lots,
             std::int64_t now_ms) {
    NewOrder order{};
    order.account = account_;
    order.instrument = instrument;
    order.type = OrderType::Limit;
    order.side = side;
    order.size = Qty{lots};
    order.limit_price = Price{price};
    ++requests_;
    const Result result = exchange_.send(order, now_ms);
    if (!result.order_id) {
      return;
    }
    bool executed = false;
    for (const OrderEvent& event : result.events) {
      executed = executed || event.kind == OrderEvent::Kind::Execution;
    }
    bool rests = false;
    if (executed) {
      rests = remaining(*result.order_id).lots() > 0;
    } else {
      rests = result.status == Status::Placed;
    }
    if (!rests) {
      return;
    }
    SideBook& side_book = book(instrument, side);
    MakerLevel& level = side_book.get_or_insert(price);
    if (level.count < kMaxOrdersPerLevel) {
      level.orders[level.count++] = *result.order_id;
    } else {
      // Cannot happen through the callers (they check count), but never lose track of an order.
      cancel_id(*result.order_id, now_ms);
    }
  }

  void cancel_id(const Uuid& id, std::int64_t now_ms) {
    ++requests_;
    (void)exchange_.cancel(account_, OrderRef{id, {}}, now_ms);
  }

  void edit_id(const Uuid& id, std::int64_t lots, std::int64_t now_ms) {
    EditOrder edit{};
    edit.account = account_;
    edit.ref = OrderRef{id, {}};
    edit.size = Qty{lots};
    ++requests_;
    (void)exchange_.edit(edit, now_ms);
  }

  // Cancels every order of a level and forgets it; returns the requests sent.
  std::size_t cancel_level(SideBook& side_book, std::int64_t price, std::int64_t now_ms) {
    MakerLevel* level = side_book.find(price);
    if (level == nullptr) {
      return 0;
    }
    std::array<Qty, kMaxOrdersPerLevel> rem{};
    prune(*level, rem);
    const std::size_t n = level->count;
    for (std::size_t i = 0; i < n; ++i) {
      cancel_id(level->orders[i], now_ms);
    }
    side_book.erase(price);
    return n;
  }

  // Makes the maker's open quantity at a price equal `lots` (0 removes it) with as few requests as
  // possible: normally one place, edit or cancel. Returns the requests sent.
  std::size_t set_level(InstrumentIndex instrument, Side side, std::int64_t price, std::int64_t lots,
                        std::int64_t now_ms) {
    SideBook& side_book = book(instrument, side);
    MakerLevel* level = side_book.find(price);
    if (level == nullptr) {
      if (lots <= 0) {
        return 0;
      }
      place(instrument, side, price, lots, now_ms);
      return 1;
    }
    std::array<Qty, kMaxOrdersPerLevel> rem{};
    const Qty current = prune(*level, rem);
    if (current.lots() == lots) {
      if (level->count == 0) {
        side_book.erase(price);
      }
      return 0;
    }
    if (lots <= 0) {
      return cancel_level(side_book, price, now_ms);
    }
    if (level->count == 0) {
      side_book.erase(price);
      place(instrument, side, price, lots, now_ms);
      return 1;
    }
    std::size_t sent = 0;
    // Keep the oldest order (its queue position) and fold the level into it.
    for (std::size_t i = 1; i < level->count; ++i) {
      cancel_id(level->orders[i], now_ms);
      ++sent;
    }
    level->count = 1;
    if (rem[0].lots() != lots) {
      edit_id(level->orders[0], lots, now_ms);
      ++sent;
    }
    return sent;
  }

 private:
  Exchange& exchange_;
  AccountId account_;
  std::vector<std::array<SideBook, 2>> books_;
  std::uint64_t requests_{0};
};

// ------------------------------------------------------------------------------------------------
// Random activity

class RandomActivity final : public Activity {
 public:
  RandomActivity(const config::SimMarketConfig& config, std::uint64_t seed, Exchange& exchange,
                 AccountId maker, AccountId taker, std::int64_t now_ns, std::int64_t now_ms)
      : exchange_(exchange),
        maker_(exchange, maker, exchange.instrument_count()),
        taker_(taker),
        deltas_per_second_(std::max(0.0, config.deltas_per_second)),
        trades_per_second_(std::max(0.0, config.trades_per_second)),
        volatility_(std::max(0.0, config.volatility)),
        levels_(static_cast<std::size_t>(std::max<std::int64_t>(1, config.levels))),
        window_(std::max<std::int64_t>(2 * std::max<std::int64_t>(1, config.levels), 4)),
        last_ns_(now_ns) {
    const std::size_t n = exchange.instrument_count();
    const double total_rate = (deltas_per_second_ + trades_per_second_) * static_cast<double>(n);
    cap_ = static_cast<std::uint64_t>(std::max(kMinActionsPerStep, total_rate * kStepWorthSeconds));
    instruments_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto index = static_cast<InstrumentIndex>(i);
      // One stream per instrument, so an instrument's activity does not depend on the others.
      State state{index, Rng{seed ^ (0x9E3779B97F4A7C15ULL * (i + 1))}};
      const InstrumentSetup& setup = exchange.instrument(index);
      state.fair = std::max(2.0, static_cast<double>(exchange.reference_price(index).ticks()));
      const double tick = increment_value(setup.spec.tick_size);
      const double step = increment_value(setup.spec.size_step);
      const auto lots_for = [&](double usd) {
        if (setup.spec.kind == ContractKind::Inverse) {
          return usd / step;  // contracts of 1 USD
        }
        return usd / (state.fair * tick * step);
      };
      const double min_lots = std::max(1.0, std::round(lots_for(kMinNotionalUsd)));
      const double max_lots = std::max(min_lots + 1.0, std::round(lots_for(kMaxNotionalUsd)));
      // The maker re-quotes around an anchor that follows the fair price with hysteresis: a
      // random walk's path length per second is unbounded as the step shrinks, and chasing every
      // tick would spend the whole delta budget on cancels. A band of sigma^2 / (budget / 4) ticks
      // keeps recentring to about a quarter of deltas_per_second.
      const double sigma = volatility_ * state.fair;  // ticks per sqrt(second)
      state.band = std::clamp(sigma * sigma / (0.25 * std::max(1.0, deltas_per_second_)), 1.0,
                              std::max(1.0, static_cast<double>(window_) / 4.0));
      state.anchor = state.fair;
      state.log_min_lots = std::log(min_lots);
      state.log_lots_span = std::log(max_lots) - state.log_min_lots;
      instruments_.push_back(state);
    }
    for (State& state : instruments_) {
      build_initial_book(state, now_ms);
    }
    stats_.orders = maker_.requests();
  }

  std::size_t step(std::int64_t now_ns, std::int64_t now_ms) override {
    const std::uint64_t before = maker_.requests() + stats_.trades;
    const double seconds = now_ns > last_ns_ ? static_cast<double>(now_ns - last_ns_) * 1e-9 : 0.0;
    last_ns_ = std::max(last_ns_, now_ns);
    const double max_delta_credit = std::max(1.0, deltas_per_second_ * kMaxCreditSeconds);
    const double max_trade_credit = std::max(1.0, trades_per_second_ * kMaxCreditSeconds);
    for (State& state : instruments_) {
      if (seconds > 0.0) {
        walk(state, seconds);
        state.delta_credit = std::min(state.delta_credit + seconds * deltas_per_second_, max_delta_credit);
        state.trade_credit = std::min(state.trade_credit + seconds * trades_per_second_, max_trade_credit);
      }
      const std::size_t cancelled = recentre(state, now_ms);
      state.delta_credit = std::max(state.delta_credit - static_cast<double>(cancelled), -max_delta_credit);
    }
    std::uint64_t budget = cap_;
    const std::size_t n = instruments_.size();
    for (std::size_t k = 0; k < n && budget > 0; ++k) {
      State& state = instruments_[(next_instrument_ + k) % n];
      auto deltas = static_cast<std::uint64_t>(std::max(0.0, std::floor(state.delta_credit)));
      auto trades = static_cast<std::uint64_t>(std::max(0.0, std::floor(state.trade_credit)));
      while ((deltas > 0 || trades > 0) && budget > 0) {
        if (trades > 0 && (deltas == 0 || state.rng.below(deltas + trades) < trades)) {
          --trades;
          state.trade_credit -= 1.0;
          take(state, now_ms);
        } else {
          --deltas;
          state.delta_credit -= 1.0;
          book_action(state, now_ms);
        }
        --budget;
      }
    }
    if (n > 0) {
      next_instrument_ = (next_instrument_ + 1) % n;
    }
    stats_.orders = maker_.requests() + stats_.trades;
    return static_cast<std::size_t>(stats_.orders - before);
  }

  [[nodiscard]] ActivityStats stats() const noexcept override { return stats_; }

 private:
  struct State {
    InstrumentIndex index{0};
    Rng rng;
    double fair{0.0};    // ticks
    double anchor{0.0};  // ticks: the price the maker quotes around
    double band{1.0};    // ticks: how far fair may drift before the anchor follows
    double delta_credit{0.0};
    double trade_credit{0.0};
    double log_min_lots{0.0};
    double log_lots_span{0.0};
  };

  enum class Action : std::uint8_t { New, Delete, Change };

  // Maker quotes: bids at or below the bid limit, asks at or above the ask limit, so the maker's own
  // book never crosses (floor(a - 0.5) < ceil(a + 0.5): spread >= 1 tick).
  [[nodiscard]] static std::int64_t limit(const State& state, Side side) noexcept {
    return side == Side::Buy ? to_i64(std::floor(state.anchor - 0.5)) : to_i64(std::ceil(state.anchor + 0.5));
  }
  // The far end of the side's window (inclusive); bids never go below 1 tick.
  [[nodiscard]] std::int64_t far_end(const State& state, Side side) const noexcept {
    return side == Side::Buy ? std::max<std::int64_t>(1, limit(state, side) - window_ + 1)
                             : limit(state, side) + window_ - 1;
  }

  [[nodiscard]] std::int64_t random_lots(State& state) noexcept {
    const double lots = std::exp(state.log_min_lots + state.rng.unit() * state.log_lots_span);
    return std::max<std::int64_t>(1, to_i64(std::round(lots)));
  }

  void build_initial_book(State& state, std::int64_t now_ms) {
    for (const Side side : {Side::Buy, Side::Sell}) {
      const std::int64_t top = limit(state, side);
      const std::int64_t dir = side == Side::Buy ? -1 : 1;
      // Half the window's prices, one in each pair of ticks: `levels` distinct levels.
      for (std::size_t k = 0; k < levels_; ++k) {
        const auto offset = static_cast<std::int64_t>(2 * k + state.rng.below(2));
        const std::int64_t price = top + dir * offset;
        if (price < 1) {
          break;
        }
        maker_.place(state.index, side, price, random_lots(state), now_ms);
      }
    }
  }

  void walk(State& state, double seconds) noexcept {
    if (volatility_ <= 0.0) {
      return;
    }
    // Triangular variate scaled to unit variance: cheap, and enough for a random walk.
    const double z = (state.rng.unit() + state.rng.unit() - 1.0) * std::sqrt(6.0);
    state.fair = std::max(2.0, state.fair * (1.0 + volatility_ * std::sqrt(seconds) * z));
    if (std::abs(state.fair - state.anchor) >= state.band) {
      state.anchor = state.fair;
    }
  }

  // Cancels maker levels on the wrong side of the fair price or beyond the window; returns the
  // requests sent. Also forgets a dead best level so the touch logic sees the real book.
  std::size_t recentre(State& state, std::int64_t now_ms) {
    std::size_t sent = 0;
    for (const Side side : {Side::Buy, Side::Sell}) {
      SideBook& book = maker_.book(state.index, side);
      const std::int64_t top = limit(state, side);
      const std::int64_t end = far_end(state, side);
      const bool buy = side == Side::Buy;
      while (!book.empty() && (buy ? book.best() > top : book.best() < top)) {
        sent += maker_.cancel_level(book, book.best(), now_ms);
      }
      while (!book.empty() && (buy ? book.worst() < end : book.worst() > end)) {
        sent += maker_.cancel_level(book, book.worst(), now_ms);
      }
      // Fills by other accounts (strategies' aggressive orders) are noticed here, at the touch.
      for (int i = 0; i < 4 && !book.empty(); ++i) {
        MakerLevel* level = book.find(book.best());
        std::array<Qty, kMaxOrdersPerLevel> rem{};
        maker_.prune(*level, rem);
        if (level->count > 0) {
          break;
        }
        book.erase(book.best());
      }
    }
    stats_.recentred += sent;
    return sent;
  }

  void book_action(State& state, std::int64_t now_ms) {
    const Side side = state.rng.below(2) == 0 ? Side::Buy : Side::Sell;
    SideBook& book = maker_.book(state.index, side);
    const double n = static_cast<double>(book.size());
    const double target = static_cast<double>(levels_);
    // Lean towards new levels when short of `levels`, towards deletions when over.
    const double imbalance = (target - n) / target;
    const double p_new = kNewShare * std::clamp(1.0 + 3.0 * imbalance, 0.0, 2.0);
    const double p_delete = kDeleteShare * std::clamp(1.0 - 3.0 * imbalance, 0.0, 2.0);
    const double u = state.rng.unit() * (p_new + p_delete + kChangeShare);
    Action action = u < p_new ? Action::New : (u < p_new + p_delete ? Action::Delete : Action::Change);
    if (book.empty()) {
      action = Action::New;
    }
    // A pick may land on a level that others have filled meanwhile: try a few.
    for (int attempt = 0; attempt < 3; ++attempt) {
      bool done = false;
      switch (action) {
        case Action::New:
          done = new_level(state, book, now_ms);
          if (!done) {
            action = Action::Change;
            continue;
          }
          break;
        case Action::Delete:
        case Action::Change:
          done = change_level(state, book, action == Action::Delete, now_ms);
          break;
      }
      if (done) {
        ++stats_.book_actions;
        return;
      }
      if (book.empty()) {
        action = Action::New;
      }
    }
  }

  bool new_level(State& state, SideBook& book, std::int64_t now_ms) {
    const Side side = book.side();
    const std::int64_t top = limit(state, side);
    const std::int64_t end = far_end(state, side);
    if (side == Side::Buy && top < 1) {
      return false;
    }
    const std::int64_t dir = side == Side::Buy ? -1 : 1;
    const std::int64_t span = std::max<std::int64_t>(1, (end - top) * dir + 1);
    // Keep the touch near the fair price: after a move, fill the gap at the top first.
    const std::int64_t gap = book.empty() ? span : (book.best() - top) * dir;
    if (gap >= 2) {
      const auto offset = static_cast<std::int64_t>(state.rng.below(static_cast<std::uint64_t>(gap)));
      maker_.place(state.index, side, top + dir * offset, random_lots(state), now_ms);
      return true;
    }
    for (int attempt = 0; attempt < 4; ++attempt) {
      const auto offset = static_cast<std::int64_t>(state.rng.below(static_cast<std::uint64_t>(span)));
      const std::int64_t price = top + dir * offset;
      if (book.find(price) == nullptr) {
        maker_.place(state.index, side, price, random_lots(state), now_ms);
        return true;
      }
    }
    return false;
  }

  // Delete: cancel the level's newest order (the level goes when it was its only one). Change:
  // resize one of its orders, or now and then add an order to it.
  bool change_level(State& state, SideBook& book, bool remove, std::int64_t now_ms) {
    if (book.empty()) {
      return false;
    }
    const std::int64_t price = book.random_price(state.rng);
    MakerLevel& level = *book.find(price);
    std::array<Qty, kMaxOrdersPerLevel> rem{};
    maker_.prune(level, rem);
    if (level.count == 0) {
      book.erase(price);
      return false;
    }
    if (remove) {
      maker_.cancel_id(level.orders[level.count - 1], now_ms);
      if (--level.count == 0) {
        book.erase(price);
      }
      return true;
    }
    if (level.count < kMaxOrdersPerLevel && state.rng.unit() < 0.25) {
      maker_.place(state.index, book.side(), price, random_lots(state), now_ms);
      return true;
    }
    const auto i = static_cast<std::size_t>(state.rng.below(level.count));
    std::int64_t lots = random_lots(state);
    if (lots == rem[i].lots()) {
      lots += 1;
    }
    maker_.edit_id(level.orders[i], lots, now_ms);
    return true;
  }

  // An IOC from the taker against the best level(s) of a random side.
  void take(State& state, std::int64_t now_ms) {
    const Side side = state.rng.below(2) == 0 ? Side::Buy : Side::Sell;
    const Side resting = opposite(side);
    const std::vector<LevelView> top = exchange_.levels(state.index, resting, 3);
    if (top.empty()) {
      return;
    }
    const std::int64_t dir = side == Side::Buy ? 1 : -1;
    std::int64_t lots = 0;
    Price limit_price = top[0].price;
    const double u = state.rng.unit();
    const double fraction = 0.05 + 0.95 * state.rng.unit();
    if (u < 0.15 && top.size() >= 2) {
      // A sweep: the first level(s) whole and part of the last.
      const std::size_t k =
          std::min<std::size_t>(top.size(), 2 + static_cast<std::size_t>(state.rng.below(2)));
      for (std::size_t i = 0; i + 1 < k; ++i) {
        lots += top[i].qty.lots();
      }
      lots += std::max<std::int64_t>(1, to_i64(static_cast<double>(top[k - 1].qty.lots()) * fraction));
      limit_price = top[k - 1].price;
    } else {
      lots = std::max<std::int64_t>(1, to_i64(static_cast<double>(top[0].qty.lots()) * fraction));
      if (u > 0.8) {
        // A few ticks through the touch: same size, so it still takes only what it would.
        limit_price = limit_price.offset(dir * static_cast<std::int64_t>(1 + state.rng.below(3)));
      }
    }
    NewOrder order{};
    order.account = taker_;
    order.instrument = state.index;
    order.type = OrderType::Ioc;
    order.side = side;
    order.size = Qty{lots};
    order.limit_price = limit_price;
    ++stats_.trades;
    (void)exchange_.send(order, now_ms);
    // Forget the maker orders the taker filled (only the levels it could reach).
    SideBook& book = maker_.book(state.index, resting);
    const std::int64_t reach = limit_price.ticks();
    book.collect_from_best([&](std::int64_t p) { return side == Side::Buy ? p <= reach : p >= reach; },
                           scratch_);
    for (const std::int64_t price : scratch_) {
      MakerLevel& level = *book.find(price);
      std::array<Qty, kMaxOrdersPerLevel> rem{};
      maker_.prune(level, rem);
      if (level.count == 0) {
        book.erase(price);
      }
    }
  }

  Exchange& exchange_;
  Maker maker_;
  AccountId taker_;
  double deltas_per_second_;
  double trades_per_second_;
  double volatility_;
  std::size_t levels_;
  std::int64_t window_;  // ticks per side in which the maker keeps its levels
  std::int64_t last_ns_;
  std::uint64_t cap_{0};
  std::size_t next_instrument_{0};
  std::vector<State> instruments_;
  std::vector<std::int64_t> scratch_;
  ActivityStats stats_{};
};

// ------------------------------------------------------------------------------------------------
// Replay

struct ReplayLevel {
  std::int64_t price{0};
  std::int64_t qty{0};
  Side side{Side::Buy};
};

struct ReplayEvent {
  enum class Kind : std::uint8_t { Snapshot, Delta, Trade };
  std::int64_t at_ns{0};  // after the start of the pass
  std::size_t first{0};   // Snapshot: its levels in ReplayActivity::levels_
  std::size_t count{0};
  std::int64_t price{0};  // Delta, Trade
  std::int64_t qty{0};
  InstrumentIndex instrument{0};
  Kind kind{Kind::Delta};
  Side side{Side::Buy};  // Delta: the level's side; Trade: the taker's side
};

[[nodiscard]] std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// A number's exact text; JSON strings holding a number are accepted too (REST habit, §2.3).
[[nodiscard]] bool number_text(od::value value, std::string_view& out) {
  od::json_type type{};
  if (value.type().get(type) != simdjson::SUCCESS) {
    return false;
  }
  if (type == od::json_type::number) {
    out = trim(value.raw_json_token());
    return true;
  }
  if (type == od::json_type::string) {
    return value.get_string().get(out) == simdjson::SUCCESS;
  }
  return false;
}

[[nodiscard]] bool string_value(od::value value, std::string_view& out) {
  return value.get_string().get(out) == simdjson::SUCCESS;
}

struct RawLevel {
  std::string_view price;
  std::string_view qty;
};

// The fields of one frame that replay needs, read in any key order.
struct RawFrame {
  std::string_view event;
  std::string_view feed;
  std::string_view product;
  std::string_view side;
  std::string_view price;
  std::string_view qty;
  std::vector<RawLevel> bids;
  std::vector<RawLevel> asks;
  bool has_event{false};
};

[[nodiscard]] bool read_levels(od::value value, std::vector<RawLevel>& out) {
  out.clear();
  od::array array{};
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return false;
  }
  for (auto element : array) {
    od::object object{};
    if (element.get_object().get(object) != simdjson::SUCCESS) {
      return false;
    }
    RawLevel level{};
    for (auto field : object) {
      std::string_view key;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
        return false;
      }
      if (key == "price") {
        if (!number_text(field.value(), level.price)) {
          return false;
        }
      } else if (key == "qty") {
        if (!number_text(field.value(), level.qty)) {
          return false;
        }
      }
    }
    out.push_back(level);
  }
  return true;
}

[[nodiscard]] bool read_frame(od::parser& parser, const simdjson::padded_string& json, RawFrame& frame) {
  frame = RawFrame{};
  od::document doc;
  if (parser.iterate(json).get(doc) != simdjson::SUCCESS) {
    return false;
  }
  od::object object{};
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return false;
    }
    bool ok = true;
    if (key == "event") {
      frame.has_event = true;
      ok = string_value(field.value(), frame.event);
    } else if (key == "feed") {
      ok = string_value(field.value(), frame.feed);
    } else if (key == "product_id") {
      ok = string_value(field.value(), frame.product);
    } else if (key == "side") {
      ok = string_value(field.value(), frame.side);
    } else if (key == "price") {
      ok = number_text(field.value(), frame.price);
    } else if (key == "qty") {
      ok = number_text(field.value(), frame.qty);
    } else if (key == "bids") {
      ok = read_levels(field.value(), frame.bids);
    } else if (key == "asks") {
      ok = read_levels(field.value(), frame.asks);
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

class ReplayActivity final : public Activity {
 public:
  ReplayActivity(const config::SimMarketConfig& config, Exchange& exchange, AccountId maker, AccountId taker,
                 std::int64_t now_ns)
      : exchange_(exchange),
        maker_(exchange, maker, exchange.instrument_count()),
        taker_(taker),
        loop_(config.replay_loop),
        base_ns_(now_ns),
        has_snapshot_(exchange.instrument_count(), false),
        synced_(exchange.instrument_count(), false) {
    load(config);
    cap_ =
        static_cast<std::size_t>(std::max(kMinActionsPerStep, config.deltas_per_second * kStepWorthSeconds));
    for (std::size_t i = 0; i < synced_.size(); ++i) {
      synced_[i] = !has_snapshot_[i];
    }
  }

  std::size_t step(std::int64_t now_ns, std::int64_t now_ms) override {
    const std::uint64_t before = maker_.requests() + stats_.trades;
    for (std::size_t played = 0; played < cap_;) {
      if (next_ == events_.size()) {
        if (!loop_) {
          finished_ = true;
          break;
        }
        restart(now_ms);
        continue;
      }
      const ReplayEvent& event = events_[next_];
      if (base_ns_ + event.at_ns > now_ns) {
        break;
      }
      ++next_;
      ++played;
      play(event, now_ms);
    }
    stats_.orders = maker_.requests() + stats_.trades;
    return static_cast<std::size_t>(stats_.orders - before);
  }

  [[nodiscard]] bool finished() const noexcept override { return finished_; }
  [[nodiscard]] ActivityStats stats() const noexcept override { return stats_; }

 private:
  void load(const config::SimMarketConfig& config) {
    std::vector<venue::kraken_futures::CapturedFrame> frames;
    try {
      frames = venue::kraken_futures::read_capture(config.replay_file);
    } catch (const std::exception& e) {
      throw std::runtime_error("sim replay: cannot read replay_file '" + config.replay_file +
                               "': " + e.what());
    }
    const double speed = std::max(0.0, config.replay_speed);
    // Frames without a receive time are spaced evenly at deltas_per_second (scaled by the speed).
    const double untimed_gap_ns = config.deltas_per_second > 0.0 ? 1e9 / config.deltas_per_second : 0.0;
    od::parser parser;
    RawFrame raw;
    std::int64_t first_time_ns = 0;
    double recorded_ns = 0.0;  // position in the recording, before scaling
    bool any_match = false;
    for (const auto& frame : frames) {
      if (frame.event != venue::kraken_futures::CaptureEvent::Received || frame.text.empty()) {
        continue;
      }
      const simdjson::padded_string json(frame.text);
      if (!read_frame(parser, json, raw)) {
        ++stats_.skipped;
        continue;
      }
      if (raw.has_event) {
        continue;  // subscription acks carry "feed" too (§9.1)
      }
      const bool snapshot = raw.feed == "book_snapshot";
      const bool delta = raw.feed == "book";
      const bool trade = raw.feed == "trade";
      if (!snapshot && !delta && !trade) {
        continue;
      }
      const std::optional<InstrumentIndex> index = exchange_.find_instrument(raw.product);
      if (!index) {
        ++stats_.skipped;
        continue;
      }
      any_match = true;
      ReplayEvent event{};
      event.instrument = *index;
      if (!convert(raw, *index, snapshot, delta, event)) {
        continue;
      }
      if (frame.time_ns > 0) {
        if (first_time_ns == 0) {
          first_time_ns = frame.time_ns;
        }
        recorded_ns = std::max(recorded_ns, static_cast<double>(frame.time_ns - first_time_ns));
      } else if (!events_.empty()) {
        recorded_ns += untimed_gap_ns;
      }
      event.at_ns = speed > 0.0 ? to_i64(recorded_ns / speed) : 0;
      events_.push_back(event);
    }
    if (!any_match) {
      throw std::runtime_error("sim replay: replay_file '" + config.replay_file +
                               "' has no book or trade message for any of the simulator's instruments");
    }
    if (events_.empty()) {
      throw std::runtime_error("sim replay: replay_file '" + config.replay_file +
                               "' has no playable message (every value off the instruments' grids)");
    }
    pass_ns_ = events_.back().at_ns + (speed > 0.0 ? to_i64(untimed_gap_ns / speed) : 0);
  }

  // Exact ticks and lots; a value off the grid skips the delta/trade or the one snapshot level.
  bool convert(const RawFrame& raw, InstrumentIndex index, bool snapshot, bool delta, ReplayEvent& event) {
    const InstrumentSpec& spec = exchange_.instrument(index).spec;
    const auto units = [&](std::string_view text, Increment inc, std::int64_t& out) {
      const UnitsResult r = to_units(text, inc);
      if (r.error != DecimalError::Ok) {
        ++stats_.off_grid;
        return false;
      }
      out = r.units;
      return true;
    };
    if (snapshot) {
      has_snapshot_[index] = true;
      event.kind = ReplayEvent::Kind::Snapshot;
      event.first = levels_.size();
      for (const Side side : {Side::Buy, Side::Sell}) {
        for (const RawLevel& level : side == Side::Buy ? raw.bids : raw.asks) {
          ReplayLevel out{};
          out.side = side;
          if (units(level.price, spec.tick_size, out.price) && units(level.qty, spec.size_step, out.qty) &&
              out.qty > 0) {
            levels_.push_back(out);
          }
        }
      }
      event.count = levels_.size() - event.first;
      return true;
    }
    if (raw.side != "buy" && raw.side != "sell") {
      ++stats_.skipped;
      return false;
    }
    event.kind = delta ? ReplayEvent::Kind::Delta : ReplayEvent::Kind::Trade;
    event.side = raw.side == "buy" ? Side::Buy : Side::Sell;
    if (!units(raw.price, spec.tick_size, event.price) || !units(raw.qty, spec.size_step, event.qty) ||
        event.qty < 0) {
      return false;
    }
    return true;
  }

  void restart(std::int64_t now_ms) {
    next_ = 0;
    base_ns_ += pass_ns_;
    ++stats_.loops;
    for (std::size_t i = 0; i < synced_.size(); ++i) {
      const auto index = static_cast<InstrumentIndex>(i);
      if (has_snapshot_[i]) {
        synced_[i] = false;  // its levels stay until the next snapshot replaces them
      } else {
        for (const Side side : {Side::Buy, Side::Sell}) {
          SideBook& book = maker_.book(index, side);
          while (!book.empty()) {
            (void)maker_.cancel_level(book, book.best(), now_ms);
          }
        }
      }
    }
  }

  void play(const ReplayEvent& event, std::int64_t now_ms) {
    switch (event.kind) {
      case ReplayEvent::Kind::Snapshot:
        play_snapshot(event, now_ms);
        ++stats_.book_actions;
        return;
      case ReplayEvent::Kind::Delta:
        if (!synced_[event.instrument]) {
          ++stats_.skipped;
          return;
        }
        (void)maker_.set_level(event.instrument, event.side, event.price, event.qty, now_ms);
        ++stats_.book_actions;
        return;
      case ReplayEvent::Kind::Trade:
        if (!synced_[event.instrument]) {
          ++stats_.skipped;
          return;
        }
        play_trade(event, now_ms);
        return;
    }
  }

  void play_snapshot(const ReplayEvent& event, std::int64_t now_ms) {
    const InstrumentIndex index = event.instrument;
    // Remove the levels the snapshot does not have first: what stays is on the snapshot's own
    // (uncrossed) side and price, so setting the rest never crosses the maker's book.
    for (const Side side : {Side::Buy, Side::Sell}) {
      target_.clear();
      for (std::size_t i = event.first; i < event.first + event.count; ++i) {
        if (levels_[i].side == side) {
          target_.push_back(levels_[i].price);
        }
      }
      std::sort(target_.begin(), target_.end());
      SideBook& book = maker_.book(index, side);
      scratch_.clear();
      for (const auto& [price, level] : book.levels()) {
        if (!std::binary_search(target_.begin(), target_.end(), price)) {
          scratch_.push_back(price);
        }
      }
      for (const std::int64_t price : scratch_) {
        (void)maker_.cancel_level(book, price, now_ms);
      }
    }
    for (std::size_t i = event.first; i < event.first + event.count; ++i) {
      const ReplayLevel& level = levels_[i];
      (void)maker_.set_level(index, level.side, level.price, level.qty, now_ms);
    }
    synced_[index] = true;
  }

  // The recorded trade as a taker IOC at its price, for at most what rests at that price or better.
  void play_trade(const ReplayEvent& event, std::int64_t now_ms) {
    const Side resting = opposite(event.side);
    const std::vector<LevelView> levels = exchange_.levels(event.instrument, resting, 64);
    std::int64_t available = 0;
    for (const LevelView& level : levels) {
      const bool reachable =
          event.side == Side::Buy ? level.price.ticks() <= event.price : level.price.ticks() >= event.price;
      if (!reachable) {
        break;
      }
      available += level.qty.lots();
    }
    const std::int64_t lots = std::min(event.qty, available);
    if (lots <= 0) {
      ++stats_.skipped;
      return;
    }
    NewOrder order{};
    order.account = taker_;
    order.instrument = event.instrument;
    order.type = OrderType::Ioc;
    order.side = event.side;
    order.size = Qty{lots};
    order.limit_price = Price{event.price};
    ++stats_.trades;
    (void)exchange_.send(order, now_ms);
  }

  Exchange& exchange_;
  Maker maker_;
  AccountId taker_;
  bool loop_;
  bool finished_{false};
  std::int64_t base_ns_;  // monotonic time at which the current pass started
  std::int64_t pass_ns_{0};
  std::size_t cap_{0};
  std::size_t next_{0};
  std::vector<ReplayEvent> events_;
  std::vector<ReplayLevel> levels_;
  std::vector<bool> has_snapshot_;
  std::vector<bool> synced_;
  std::vector<std::int64_t> target_;
  std::vector<std::int64_t> scratch_;
  ActivityStats stats_{};
};

class NoActivity final : public Activity {
 public:
  std::size_t step(std::int64_t /*now_ns*/, std::int64_t /*now_ms*/) override { return 0; }
};

}  // namespace

std::unique_ptr<Activity> make_activity(const config::SimMarketConfig& config, std::uint64_t seed,
                                        Exchange& exchange, AccountId maker, AccountId taker,
                                        std::int64_t now_ns, std::int64_t now_ms) {
  switch (config.kind) {
    case config::SimActivityKind::Random:
      return std::make_unique<RandomActivity>(config, seed, exchange, maker, taker, now_ns, now_ms);
    case config::SimActivityKind::Replay:
      return std::make_unique<ReplayActivity>(config, exchange, maker, taker, now_ns);
    case config::SimActivityKind::None:
      break;
  }
  return std::make_unique<NoActivity>();
}

}  // namespace tickpath::sim
