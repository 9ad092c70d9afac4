#include "tickpath/sim/activity.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tickpath/core/decimal.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/venue/kraken_futures/capture.hpp"
#include "tickpath/venue/kraken_futures/parser.hpp"

#include "support/samples.hpp"

namespace {

using tickpath::ContractKind;
using tickpath::Increment;
using tickpath::InstrumentSpec;
using tickpath::Price;
using tickpath::Qty;
using tickpath::Side;
using tickpath::config::SimActivityKind;
using tickpath::config::SimMarketConfig;
using namespace tickpath::sim;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kStartNs = 1'000 * kMs;
constexpr std::int64_t kStartMs = 1'700'000'000'000;

Increment inc(const char* text) {
  const auto r = tickpath::parse_increment(text);
  REQUIRE(r.error == tickpath::DecimalError::Ok);
  return r.value;
}

// Everything the engine reports, in order, as comparable records.
struct Event {
  int kind{0};  // 0 book, 1 trade, 2 fill, 3 order
  std::int64_t a{0};
  std::int64_t b{0};
  std::int64_t c{0};
  std::int64_t d{0};
  std::uint64_t seq{0};
  Uuid id{};
  friend bool operator==(const Event&, const Event&) = default;
};

class Recorder final : public ExchangeListener {
 public:
  void on_book(InstrumentIndex instrument, Side side, Price price, Qty total, std::uint64_t seq,
               std::int64_t time_ms) override {
    events.push_back({0, instrument, static_cast<std::int64_t>(side), price.ticks(), total.lots(), seq, {}});
    (void)time_ms;
    ++book_changes;
  }
  void on_trade(const TradeEvent& t) override {
    events.push_back({1, t.instrument, static_cast<std::int64_t>(t.taker_side), t.price.ticks(), t.qty.lots(),
                      t.seq, t.uid});
    trades.push_back(t);
  }
  void on_order(const OrderUpdate& u) override {
    events.push_back({3, u.order.account, u.is_cancel ? 1 : 0, u.order.limit_price.ticks(),
                      u.order.remaining().lots(), 0, u.order.id});
  }
  void on_fill(const FillEvent& f) override {
    events.push_back(
        {2, f.account, static_cast<std::int64_t>(f.side), f.price.ticks(), f.qty.lots(), f.seq, f.fill_id});
  }
  void on_position(AccountId, InstrumentIndex) override {}
  void on_balance(AccountId) override {}

  std::vector<Event> events;
  std::vector<TradeEvent> trades;
  std::uint64_t book_changes{0};
};

struct Instr {
  const char* symbol;
  const char* tick;
  const char* step;
  std::int64_t reference_ticks;
};

// An exchange with house maker/taker accounts and one strategy account.
struct Venue {
  explicit Venue(const std::vector<Instr>& instruments, std::uint64_t seed = 7)
      : exchange(ExchangeOptions{.seed = seed, .max_open_orders = 1'000'000}, &recorder) {
    for (const Instr& i : instruments) {
      InstrumentSetup setup{};
      setup.spec = InstrumentSpec{i.symbol, inc(i.tick), inc(i.step), tickpath::kind_from_symbol(i.symbol)};
      setup.reference_price = Price{i.reference_ticks};
      exchange.add_instrument(setup);
    }
    const std::vector<Balance> money{{"USD", 1e12}, {"BTC", 1e9}, {"ETH", 1e9}};
    maker = exchange.add_account(AccountSetup{"maker", money, true});
    taker = exchange.add_account(AccountSetup{"taker", money, true});
    strategy = exchange.add_account(AccountSetup{"strategy", money, false});
  }

  [[nodiscard]] bool crossed(InstrumentIndex i) const {
    const auto bid = exchange.best(i, Side::Buy);
    const auto ask = exchange.best(i, Side::Sell);
    return bid && ask && bid->price >= ask->price;
  }

  Recorder recorder;
  Exchange exchange;
  AccountId maker{0};
  AccountId taker{0};
  AccountId strategy{0};
};

const std::vector<Instr> kTwo{{"PI_XBTUSD", "0.5", "1", 60'000}, {"PF_XBTUSD", "1", "0.0001", 80'000}};

SimMarketConfig random_config(double deltas, double trades, double volatility, std::int64_t levels) {
  SimMarketConfig c{};
  c.kind = SimActivityKind::Random;
  c.deltas_per_second = deltas;
  c.trades_per_second = trades;
  c.volatility = volatility;
  c.levels = levels;
  return c;
}

// Steps every `step_ms` of simulated time for `seconds`; returns the orders sent.
std::size_t run(Activity& activity, double seconds, std::int64_t step_ms = 1,
                std::int64_t from_ns = kStartNs) {
  std::size_t orders = 0;
  const auto steps = static_cast<std::int64_t>(seconds * 1000.0) / step_ms;
  for (std::int64_t k = 1; k <= steps; ++k) {
    orders += activity.step(from_ns + k * step_ms * kMs, kStartMs + k * step_ms);
  }
  return orders;
}

struct TempFile {
  explicit TempFile(const std::string& name, const std::string& content)
      : path(std::filesystem::temp_directory_path() / name) {
    std::ofstream out(path);
    out << content;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::filesystem::path path;
};

SimMarketConfig replay_config(const std::string& file, double speed = 0.0, bool loop = false) {
  SimMarketConfig c{};
  c.kind = SimActivityKind::Replay;
  c.replay_file = file;
  c.replay_speed = speed;
  c.replay_loop = loop;
  return c;
}

// Plays until the replay says it is done (bounded).
void play_all(Activity& activity, std::int64_t from_ns = kStartNs) {
  for (std::int64_t k = 1; k < 100'000 && !activity.finished(); ++k) {
    (void)activity.step(from_ns + k * kMs, kStartMs + k);
  }
  REQUIRE(activity.finished());
}

std::map<std::int64_t, std::int64_t> book_of(const Exchange& ex, InstrumentIndex i, Side side) {
  std::map<std::int64_t, std::int64_t> out;
  for (const LevelView& l : ex.levels(i, side)) {
    out[l.price.ticks()] = l.qty.lots();
  }
  return out;
}

}  // namespace

TEST_CASE("random activity builds levels per side at start, uncrossed", "[sim][activity]") {
  Venue v(kTwo);
  const auto activity =
      make_activity(random_config(200, 2, 0.0005, 50), 1, v.exchange, v.maker, v.taker, kStartNs, kStartMs);
  for (InstrumentIndex i = 0; i < 2; ++i) {
    CHECK(v.exchange.levels(i, Side::Buy).size() == 50);
    CHECK(v.exchange.levels(i, Side::Sell).size() == 50);
    CHECK_FALSE(v.crossed(i));
    // Around the reference price: the touch within a couple of ticks of it.
    const std::int64_t ref = v.exchange.instrument(i).reference_price.ticks();
    CHECK(ref - v.exchange.best(i, Side::Buy)->price.ticks() <= 3);
    CHECK(v.exchange.best(i, Side::Sell)->price.ticks() - ref <= 3);
  }
  // Sizes are notional-sensible: PF_XBTUSD lots of 0.0001 BTC (~8 USD) count in the tens to thousands.
  for (const LevelView& l : v.exchange.levels(1, Side::Buy)) {
    CHECK(l.qty.lots() >= 10);
    CHECK(l.qty.lots() <= 4 * 3200);
  }
  CHECK(activity->stats().orders == 200);
}

TEST_CASE("random activity is deterministic for a seed", "[sim][activity]") {
  const auto record = [](std::uint64_t seed) {
    Venue v(kTwo, 3);
    const auto activity = make_activity(random_config(2000, 20, 0.002, 30), seed, v.exchange, v.maker,
                                        v.taker, kStartNs, kStartMs);
    (void)run(*activity, 2.0);
    return v.recorder.events;
  };
  const std::vector<Event> a = record(42);
  const std::vector<Event> b = record(42);
  const std::vector<Event> c = record(43);
  REQUIRE(a.size() > 4000);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("random activity makes deltas_per_second book changes per instrument", "[sim][activity]") {
  const double volatility = GENERATE(0.0, 0.0005);
  Venue v(kTwo);
  const auto activity = make_activity(random_config(10'000, 0, volatility, 100), 5, v.exchange, v.maker,
                                      v.taker, kStartNs, kStartMs);
  const std::uint64_t initial = v.recorder.book_changes;
  const std::size_t orders = run(*activity, 1.0);
  const auto changes = static_cast<double>(v.recorder.book_changes - initial);
  INFO("volatility " << volatility << ", book changes " << changes << ", orders " << orders);
  CHECK(changes >= 2 * 10'000 * 0.97);
  CHECK(changes <= 2 * 10'000 * 1.03);
  CHECK(static_cast<double>(orders) >= 2 * 10'000 * 0.97);
  // The real mix: deletions and new levels each about a third.
  std::uint64_t deletions = 0;
  for (const Event& e : v.recorder.events) {
    deletions += (e.kind == 0 && e.d == 0) ? 1U : 0U;
  }
  const double deleted_share = static_cast<double>(deletions) / changes;
  INFO("deleted share " << deleted_share);
  CHECK(deleted_share > 0.2);
  CHECK(deleted_share < 0.45);
}

TEST_CASE("random book keeps its depth and never crosses over many steps", "[sim][activity]") {
  Venue v(kTwo);
  const auto activity =
      make_activity(random_config(500, 20, 0.0005, 40), 9, v.exchange, v.maker, v.taker, kStartNs, kStartMs);
  std::uint64_t trades_seen = 0;
  std::array<double, 2> spread_sum{};
  double samples = 0;
  for (std::int64_t k = 1; k <= 20'000; ++k) {  // 20 s, in 1 ms steps
    (void)activity->step(kStartNs + k * kMs, kStartMs + k);
    if (k % 10 == 0) {
      REQUIRE_FALSE(v.crossed(0));
      REQUIRE_FALSE(v.crossed(1));
      for (InstrumentIndex i = 0; i < 2; ++i) {
        spread_sum[i] +=
            static_cast<double>(v.exchange.best(i, Side::Sell)->price - v.exchange.best(i, Side::Buy)->price);
      }
      samples += 1;
    }
  }
  trades_seen = v.recorder.trades.size();
  CHECK(trades_seen > 2 * 20 * 20 / 2);
  for (InstrumentIndex i = 0; i < 2; ++i) {
    for (const Side side : {Side::Buy, Side::Sell}) {
      const std::size_t depth = v.exchange.levels(i, side).size();
      INFO("instrument " << i << " side " << static_cast<int>(side) << " depth " << depth);
      CHECK(depth >= 30);
      CHECK(depth <= 52);
    }
    // The book follows the fair price: the spread stays tight on average (the maker re-quotes
    // around an anchor that jumps by a band of ~7 and ~13 ticks here).
    const double mean_spread = spread_sum[i] / samples;
    std::printf("sim_activity: instrument %u mean spread %.2f ticks\n", static_cast<unsigned>(i),
                mean_spread);
    CHECK(mean_spread <= 8.0);
  }
  // Every maker order the activity believes in is still open (no leak of phantom orders).
  CHECK(v.exchange.open_orders(v.taker).empty());
}

TEST_CASE("a strategy's resting bid at the best bid gets filled by the taker", "[sim][activity]") {
  Venue v(kTwo);
  const auto activity =
      make_activity(random_config(200, 10, 0.0, 20), 11, v.exchange, v.maker, v.taker, kStartNs, kStartMs);
  const Price best_bid = v.exchange.best(0, Side::Buy)->price;
  NewOrder bid{};
  bid.account = v.strategy;
  bid.instrument = 0;
  bid.type = OrderType::Limit;
  bid.side = Side::Buy;
  bid.size = Qty{100};
  bid.limit_price = best_bid;
  const Result placed = v.exchange.send(bid, kStartMs);
  REQUIRE(placed.status == Status::Placed);
  std::int64_t k = 1;
  for (; k <= 60'000 && v.exchange.fills(v.strategy).empty(); ++k) {
    (void)activity->step(kStartNs + k * kMs, kStartMs + k);
  }
  INFO("filled after " << k << " ms");
  REQUIRE_FALSE(v.exchange.fills(v.strategy).empty());
  const FillEvent& fill = v.exchange.fills(v.strategy).front();
  CHECK(fill.price == best_bid);
  CHECK(fill.maker);
}

TEST_CASE("random activity honours the per-call cap and catches up later", "[sim][activity]") {
  Venue v({{"PI_XBTUSD", "0.5", "1", 60'000}});
  const auto activity =
      make_activity(random_config(100'000, 0, 0.0, 100), 1, v.exchange, v.maker, v.taker, kStartNs, kStartMs);
  // 100 ms late: 10 000 actions due, but one call does at most max(1000, 2 ms worth = 200).
  const std::size_t first = activity->step(kStartNs + 100 * kMs, kStartMs + 100);
  CHECK(first == 1000);
  std::size_t total = first;
  for (int k = 0; k < 20; ++k) {
    total += activity->step(kStartNs + 100 * kMs, kStartMs + 100);
  }
  CHECK(total >= 9'999);  // 0.1 s * 100 000/s in floating point
  CHECK(total <= 10'000);
  CHECK(activity->step(kStartNs + 100 * kMs, kStartMs + 100) == 0);
}

TEST_CASE("random activity sustains a high action rate", "[sim][activity]") {
  Venue v({{"PI_XBTUSD", "0.5", "1", 60'000}, {"PF_XBTUSD", "1", "0.0001", 80'000}});
  const auto activity = make_activity(random_config(50'000, 50, 0.001, 100), 1, v.exchange, v.maker, v.taker,
                                      kStartNs, kStartMs);
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t orders = run(*activity, 1.0);  // 100 000 actions of simulated time
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rate = static_cast<double>(orders) / wall;
  std::printf("sim_activity: %zu orders in %.3f s wall = %.0f orders/s\n", orders, wall, rate);
  CHECK(orders >= 97'000);
  // Sanitizer Debug builds are ~10x slower than release, where the target is >= 100k/s.
  CHECK(rate > 10'000);
}

TEST_CASE("activity kind none sends nothing", "[sim][activity]") {
  Venue v(kTwo);
  SimMarketConfig c{};
  c.kind = SimActivityKind::None;
  const auto activity = make_activity(c, 1, v.exchange, v.maker, v.taker, kStartNs, kStartMs);
  CHECK(run(*activity, 0.1) == 0);
  CHECK(v.recorder.events.empty());
  CHECK_FALSE(activity->finished());
}

TEST_CASE("replay of a JSON-lines file reproduces the recorded levels", "[sim][activity]") {
  const TempFile file("tickpath_activity_replay.jsonl",
                      R"({"event":"subscribed","feed":"book","product_ids":["PI_XBTUSD"]}
{"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":1,"price":99.0,"qty":5.0,"timestamp":1}
{"feed":"book_snapshot","product_id":"pi_xbtusd","timestamp":1,"seq":10,"tickSize":null,"bids":[{"price":100.0,"qty":10.0},{"price":99.5,"qty":20},{"price":98.0,"qty":30.0}],"asks":[{"qty":15.0,"price":101.0},{"price":102.5,"qty":25.0}]}
{"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":11,"price":99.5,"qty":0.0,"timestamp":2}
{"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":12,"price":100.5,"qty":7.0,"timestamp":2}
{"feed":"book","product_id":"PI_XBTUSD","side":"sell","seq":13,"price":101.0,"qty":40.0,"timestamp":3}
{"feed":"book","product_id":"PI_XBTUSD","side":"sell","seq":14,"price":101.25,"qty":1.0,"timestamp":3}
{"product_id":"PI_ETHUSD","feed":"book","side":"sell","seq":5,"price":2000.0,"qty":1.0,"timestamp":3}
{"feed":"book","product_id":"PI_XBTUSD",broken
{"feed":"trade","product_id":"PI_XBTUSD","uid":"u","side":"buy","type":"fill","seq":3,"time":4,"qty":12.0,"price":101.0}
{"feed":"book","product_id":"PI_XBTUSD","side":"sell","seq":15,"price":101.0,"qty":28.0,"timestamp":4}
{"feed":"trade","product_id":"PI_XBTUSD","uid":"v","side":"sell","type":"fill","seq":4,"time":5,"qty":3.0,"price":100.5}
{"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":16,"price":98.0,"qty":31.0,"timestamp":5}
)");
  Venue v({{"PI_XBTUSD", "0.5", "1", 200}});
  const auto activity =
      make_activity(replay_config(file.path.string()), 1, v.exchange, v.maker, v.taker, kStartNs, kStartMs);
  play_all(*activity);
  // Snapshot, then deltas; the trade at 101.0 took 12 and the next delta agreed (40 - 12 = 28).
  const std::map<std::int64_t, std::int64_t> bids{{201, 4}, {200, 10}, {196, 31}};
  const std::map<std::int64_t, std::int64_t> asks{{202, 28}, {205, 25}};
  CHECK(book_of(v.exchange, 0, Side::Buy) == bids);
  CHECK(book_of(v.exchange, 0, Side::Sell) == asks);
  REQUIRE(v.recorder.trades.size() == 2);
  CHECK(v.recorder.trades[0].taker_side == Side::Buy);
  CHECK(v.recorder.trades[0].price == Price{202});
  CHECK(v.recorder.trades[0].qty == Qty{12});
  CHECK(v.recorder.trades[1].taker_side == Side::Sell);
  CHECK(v.recorder.trades[1].price == Price{201});
  CHECK(v.recorder.trades[1].qty == Qty{3});
  const ActivityStats stats = activity->stats();
  CHECK(stats.off_grid == 1);  // 101.25 is not on the 0.5 grid
  CHECK(stats.trades == 2);
  CHECK(stats.skipped >= 3);  // the pre-snapshot delta, PI_ETHUSD, the broken line
  CHECK(v.exchange.open_orders(v.taker).empty());
}

TEST_CASE("replay follows the recorded timing scaled by replay_speed", "[sim][activity]") {
  // cryptofeed raw format: receive time in epoch seconds.
  const TempFile file("tickpath_activity_timing.txt",
                      R"(wss://futures.kraken.com/ws/v1 <-> 1626994927.0
1626994928.0: {"feed":"book_snapshot","product_id":"PI_XBTUSD","timestamp":1,"seq":10,"tickSize":null,"bids":[{"price":100.0,"qty":10.0}],"asks":[{"price":101.0,"qty":15.0}]}
1626994929.0: {"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":11,"price":100.0,"qty":11.0,"timestamp":2}
1626994930.0: {"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":12,"price":100.0,"qty":12.0,"timestamp":3}
)");
  Venue v({{"PI_XBTUSD", "0.5", "1", 200}});
  const auto activity = make_activity(replay_config(file.path.string(), 2.0), 1, v.exchange, v.maker, v.taker,
                                      kStartNs, kStartMs);
  CHECK(activity->step(kStartNs, kStartMs) == 2);  // the snapshot is due at once
  CHECK(book_of(v.exchange, 0, Side::Buy).at(200) == 10);
  CHECK(activity->step(kStartNs + 499 * kMs, kStartMs + 499) == 0);
  CHECK(activity->step(kStartNs + 500 * kMs, kStartMs + 500) == 1);  // 1 s recorded / 2
  CHECK(book_of(v.exchange, 0, Side::Buy).at(200) == 11);
  CHECK_FALSE(activity->finished());
  CHECK(activity->step(kStartNs + 999 * kMs, kStartMs + 999) == 0);
  CHECK(activity->step(kStartNs + 1000 * kMs, kStartMs + 1000) == 1);
  CHECK(book_of(v.exchange, 0, Side::Buy).at(200) == 12);
  (void)activity->step(kStartNs + 1001 * kMs, kStartMs + 1001);
  CHECK(activity->finished());
}

TEST_CASE("replay with replay_loop starts over from the snapshot", "[sim][activity]") {
  const TempFile file(
      "tickpath_activity_loop.jsonl",
      R"({"feed":"book_snapshot","product_id":"PI_XBTUSD","timestamp":1,"seq":10,"tickSize":null,"bids":[{"price":100.0,"qty":10.0}],"asks":[{"price":101.0,"qty":15.0}]}
{"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":11,"price":99.0,"qty":5.0,"timestamp":2}
{"feed":"book","product_id":"PI_XBTUSD","side":"buy","seq":12,"price":100.0,"qty":0.0,"timestamp":3}
)");
  Venue v({{"PI_XBTUSD", "0.5", "1", 200}});
  SimMarketConfig config = replay_config(file.path.string(), 1.0, true);
  config.deltas_per_second = 10.0;  // untimed frames: 100 ms apart
  const auto activity = make_activity(config, 1, v.exchange, v.maker, v.taker, kStartNs, kStartMs);
  (void)activity->step(kStartNs + 250 * kMs, kStartMs + 250);  // whole first pass (0, 100, 200 ms)
  CHECK(book_of(v.exchange, 0, Side::Buy) == std::map<std::int64_t, std::int64_t>{{198, 5}});
  (void)activity->step(kStartNs + 300 * kMs, kStartMs + 300);  // second pass: the snapshot again
  CHECK(activity->stats().loops == 1);
  CHECK(book_of(v.exchange, 0, Side::Buy) == std::map<std::int64_t, std::int64_t>{{200, 10}});
  CHECK(book_of(v.exchange, 0, Side::Sell) == std::map<std::int64_t, std::int64_t>{{202, 15}});
  (void)activity->step(kStartNs + 10'000 * kMs, kStartMs + 10'000);
  CHECK_FALSE(activity->finished());
  CHECK(activity->stats().loops > 1);
}

TEST_CASE("replay errors: unreadable file and no matching instrument", "[sim][activity]") {
  Venue v({{"PI_XBTUSD", "0.5", "1", 200}});
  CHECK_THROWS_WITH(make_activity(replay_config("/nonexistent/tickpath/replay.jsonl"), 1, v.exchange, v.maker,
                                  v.taker, kStartNs, kStartMs),
                    Catch::Contains("cannot read replay_file") && Catch::Contains("/nonexistent/tickpath"));
  const TempFile other("tickpath_activity_other.jsonl",
                       R"({"product_id":"PI_ETHUSD","feed":"book","side":"buy","seq":1,"price":99.0,"qty":5.0}
)");
  CHECK_THROWS_WITH(
      make_activity(replay_config(other.path.string()), 1, v.exchange, v.maker, v.taker, kStartNs, kStartMs),
      Catch::Contains("none of the simulator's instruments") || Catch::Contains("no book or trade message"));
  CHECK(v.recorder.events.empty());
}

TEST_CASE("replay of the real 2021 capture ends with the recorded top of book", "[sim][activity][samples]") {
  TICKPATH_REQUIRE_SAMPLES();
  const std::string path =
      (tickpath::test::samples_dir() / "raw/cryptofeed/KRAKEN_FUTURES.ws.1.0.txt").string();
  if (!std::filesystem::exists(path)) {
    TICKPATH_SKIP("the cryptofeed capture is absent");
  }
  const std::vector<Instr> instruments{
      {"PI_ETHUSD", "0.05", "1", 40'000},        {"PI_XRPUSD", "0.0001", "1", 6'000},
      {"PI_LTCUSD", "0.01", "1", 12'000},        {"FI_XBTUSD_210924", "0.5", "1", 64'000},
      {"FI_XBTUSD_210730", "0.5", "1", 64'000},  {"FI_ETHUSD_210730", "0.05", "1", 40'000},
      {"FI_ETHUSD_211231", "0.05", "1", 40'000}, {"FI_BCHUSD_210730", "0.1", "1", 4'400},
      {"FI_BCHUSD_210924", "0.1", "1", 4'400},   {"FI_XRPUSD_210924", "0.0001", "1", 6'000}};
  Venue v(instruments);
  const auto activity =
      make_activity(replay_config(path), 1, v.exchange, v.maker, v.taker, kStartNs, kStartMs);
  play_all(*activity);

  // The model: the same frames through the feed parser, applied to std::maps.
  tickpath::InstrumentRegistry registry;
  for (const Instr& i : instruments) {
    registry.add(InstrumentSpec{i.symbol, inc(i.tick), inc(i.step), tickpath::kind_from_symbol(i.symbol)});
  }
  tickpath::venue::kraken_futures::Parser parser(registry);
  std::vector<std::map<std::int64_t, std::int64_t>> bids(instruments.size());
  std::vector<std::map<std::int64_t, std::int64_t>> asks(instruments.size());
  std::size_t deltas = 0;
  std::size_t trades = 0;
  std::string buffer;
  for (const auto& frame : tickpath::venue::kraken_futures::read_capture(path)) {
    if (frame.event != tickpath::venue::kraken_futures::CaptureEvent::Received) {
      continue;
    }
    buffer.assign(frame.text);
    const std::size_t len = buffer.size();
    buffer.resize(len + 64, ' ');
    const auto r = parser.decode(buffer.data(), len, buffer.size(), 0);
    REQUIRE(r.ok());
    const auto& d = parser.decoded();
    using tickpath::venue::kraken_futures::MessageKind;
    if (r.kind == MessageKind::BookSnapshot) {
      const std::size_t i = d.snapshot_begin.header.instrument.value();
      bids[i].clear();
      asks[i].clear();
      for (const auto& level : d.levels) {
        (level.header.side == Side::Buy ? bids[i] : asks[i])[level.price.ticks()] = level.qty.lots();
      }
    } else if (r.kind == MessageKind::Book) {
      const std::size_t i = d.delta.header.instrument.value();
      auto& side = d.delta.header.side == Side::Buy ? bids[i] : asks[i];
      if (d.delta.qty.is_zero()) {
        side.erase(d.delta.price.ticks());
      } else {
        side[d.delta.price.ticks()] = d.delta.qty.lots();
      }
      ++deltas;
    } else if (r.kind == MessageKind::Trade) {
      ++trades;
    }
  }
  REQUIRE(deltas > 7000);
  REQUIRE(trades >= 3);  // the session has few live trades (the snapshots hold the rest)
  CHECK(activity->stats().off_grid == 0);
  CHECK(activity->stats().trades <= trades);
  CHECK(activity->stats().trades >= 1);
  CHECK(v.recorder.trades.size() >= 1);
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto index = static_cast<InstrumentIndex>(i);
    INFO(instruments[i].symbol);
    REQUIRE_FALSE(bids[i].empty());
    REQUIRE_FALSE(asks[i].empty());
    const auto bid = v.exchange.best(index, Side::Buy);
    const auto ask = v.exchange.best(index, Side::Sell);
    REQUIRE(bid);
    REQUIRE(ask);
    CHECK(bid->price.ticks() == bids[i].rbegin()->first);
    CHECK(bid->qty.lots() == bids[i].rbegin()->second);
    CHECK(ask->price.ticks() == asks[i].begin()->first);
    CHECK(ask->qty.lots() == asks[i].begin()->second);
    CHECK_FALSE(v.crossed(index));
    // The whole depth matches too: every recorded trade was followed by the delta that set its
    // level, so the taker's fills leave no trace once the deltas are played.
    CHECK(book_of(v.exchange, index, Side::Buy) == bids[i]);
    CHECK(book_of(v.exchange, index, Side::Sell) == asks[i]);
  }
}
