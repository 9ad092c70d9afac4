// Property test: seeded random snapshot/delta streams applied to every book design must leave it
// equal to the std::map model (tests/book/book_model.hpp) after every step: full depth of both
// sides, best levels, qty_at, crossed, the answer of each delta and the counters.
//
// The stream mixes what Kraken sends (inserts, updates and deletes near the top, far-from-top
// levels, re-snapshots) with what it should not (deletes of absent levels, negative quantities,
// out-of-range prices, unordered snapshots with repeats and zeros), and moves the market by
// thousands of ticks at a time so the flat design's window has to follow it. A failure prints the
// seed and step; rerun with the same seed to reproduce.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "tickpath/book/l2_book.hpp"
#include "tickpath/book/map_side.hpp"

#include "book/book_model.hpp"

namespace tickpath::book {
namespace {

using test::ModelBook;

// std::mt19937_64 is fully specified by the standard; the distributions are not, so the stream
// draws from the raw engine only and is the same on every standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t below(std::uint64_t n) { return engine_() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {  // inclusive
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  bool percent(std::uint64_t p) { return below(100) < p; }
  // Rank from the top: mostly the first few levels, sometimes deep (like the 2021 capture).
  std::size_t rank(std::size_t size) {
    std::size_t r = 0;
    while (r + 1 < size && percent(80)) {
      ++r;
    }
    return r;
  }

 private:
  std::mt19937_64 engine_;
};

struct Scenario {
  std::uint64_t seed;
  std::size_t capacity;  // small capacities exercise eviction, drops and snapshot growth
  std::int64_t window_ticks;
  std::int64_t grid;             // every price is a multiple of this: coarse grids land on window edges
  std::int64_t start_mid;        // in grid steps; near zero, prices cross into negative ticks
  std::int64_t snapshot_levels;  // per side, at most (one snapshot mid-run has 2-3 times more)
  std::size_t target_levels;     // the delta mix keeps each side near this many levels
  int steps;
};

template <typename Book>
void expect_equal(const Book& book, const ModelBook& model, std::vector<Level>& scratch) {
  for (const Side side : {Side::Buy, Side::Sell}) {
    REQUIRE(book.level_count(side) == model.size(side));
    REQUIRE(book.level_capacity(side) == model.capacity(side));
    scratch.resize(book.level_count(side) + 1);
    scratch.resize(book.depth(side, scratch));
    REQUIRE(scratch == model.depth(side));
    REQUIRE(book.best(side) == model.best(side));
  }
  REQUIRE(book.crossed() == model.crossed());
  REQUIRE(book.valid() == model.valid());
  const BookStats got = book.stats();
  const BookStats& want = model.stats();
  REQUIRE(got.snapshots == want.snapshots);
  REQUIRE(got.absent_deletes == want.absent_deletes);
  REQUIRE(got.rejected == want.rejected);
  REQUIRE(got.evictions == want.evictions);
  REQUIRE(got.drops == want.drops);
  REQUIRE(got.capacity_grows == want.capacity_grows);
}

template <typename Book>
void check_design_invariants(const Book& book) {
  if constexpr (std::is_same_v<typename Book::Store, FlatSide>) {
    REQUIRE(book.side_store(Side::Buy).invariants_hold());
    REQUIRE(book.side_store(Side::Sell).invariants_hold());
  }
}

// One side's snapshot levels around `mid`: best first by default, sometimes shuffled, with
// repeats, zeros and far levels.
std::vector<Level> make_snapshot_side(Rng& rng, Side side, std::int64_t mid, std::int64_t grid,
                                      std::size_t count) {
  std::vector<Level> levels;
  const std::int64_t dir = side == Side::Buy ? -grid : grid;
  std::int64_t price = mid + dir * rng.between(1, 5);
  for (std::size_t i = 0; i < count; ++i) {
    levels.push_back(Level{Price{price}, Qty{rng.between(1, 1000)}});
    price += dir * (rng.percent(97) ? rng.between(1, 4) : rng.between(100, 100'000));
  }
  if (rng.percent(30) && !levels.empty()) {
    levels.push_back(Level{levels[rng.below(levels.size())].price, Qty{rng.between(0, 3)}});  // repeat
    levels.push_back(Level{Price{mid + dir * rng.between(1, 50)}, Qty{0}});                   // zero
  }
  if (rng.percent(30)) {
    for (std::size_t i = levels.size(); i > 1; --i) {  // Fisher-Yates with the raw engine
      std::swap(levels[i - 1], levels[rng.below(i)]);
    }
  }
  return levels;
}

template <typename Book>
void run_scenario(const Scenario& sc) {
  INFO("seed " << sc.seed << ", capacity " << sc.capacity << ", window " << sc.window_ticks);
  Rng rng(sc.seed);
  Book book{BookConfig{.level_capacity = sc.capacity, .window_ticks = sc.window_ticks}};
  ModelBook model(sc.capacity);
  std::vector<Level> scratch;
  std::int64_t mid = sc.start_mid * sc.grid;

  const auto snapshot = [&](bool big) {
    const std::size_t n = static_cast<std::size_t>(
        big ? rng.between(2 * sc.snapshot_levels, 3 * sc.snapshot_levels)
            : (rng.percent(10) ? rng.between(0, 2) : rng.between(0, sc.snapshot_levels)));
    const std::vector<Level> bids = make_snapshot_side(rng, Side::Buy, mid, sc.grid, n);
    const std::vector<Level> asks =
        make_snapshot_side(rng, Side::Sell, mid, sc.grid, n / 2 + rng.below(n + 1));
    book.apply_snapshot(bids, asks);
    model.snapshot(bids, asks);
  };
  snapshot(false);
  expect_equal(book, model, scratch);

  for (int step = 0; step < sc.steps; ++step) {
    INFO("step " << step);
    const Side side = rng.percent(50) ? Side::Buy : Side::Sell;
    const std::int64_t worse = side == Side::Buy ? -sc.grid : sc.grid;  // one grid step worse
    const std::size_t size = model.size(side);
    const std::int64_t top = size != 0 ? model.best(side)->price.ticks() : mid;
    // Deletes outweigh new levels above the target size and the other way round below it, so the
    // book hovers around target_levels (and past the capacity in the tight scenarios).
    const std::uint64_t delete_share = size > sc.target_levels ? 450 : 150;
    const std::uint64_t roll = rng.below(1000);

    if (step == sc.steps / 2) {
      snapshot(true);  // one snapshot bigger than the capacity of the tight scenarios
    } else if (roll < 3) {
      snapshot(false);
    } else if (roll < 4) {
      book.clear();
      model.clear();
    } else if (roll < 6) {
      book.invalidate();
      model.invalidate();
    } else if (roll < 10) {
      // The market jumps thousands of ticks: move the mid, then trade there.
      mid += sc.grid * rng.between(-12'000, 12'000);
    } else {
      const std::uint64_t kind = rng.below(1000);
      Price price{};
      Qty qty{rng.between(1, 1000)};
      if (kind < 300 && size != 0) {  // update an existing level, near the top mostly
        price = Price{model.price_at_rank(side, rng.rank(size))};
      } else if (kind < 300 + delete_share && size != 0) {  // delete an existing level
        price = Price{model.price_at_rank(side, rng.rank(size))};
        qty = Qty{0};
      } else if (kind < 780) {  // a new level near the top: among the top levels, or just better
        const std::int64_t spread = 12 + static_cast<std::int64_t>(size);
        price = Price{top + worse * rng.between(-2, spread)};
      } else if (kind < 830) {  // delete a level that may well be absent
        price = Price{top + worse * rng.between(-3, 200)};
        qty = Qty{0};
      } else if (kind < 930) {  // far from the top (worse), sometimes very far
        price = Price{top +
                      worse * (rng.percent(50) ? rng.between(2'000, 50'000) : rng.between(1, 1'000'000'000))};
        qty = rng.percent(30) ? Qty{0} : qty;
      } else if (kind < 980) {  // better than the best by a lot
        price = Price{top - worse * rng.between(50, 9'000)};
      } else {  // malformed input
        price = rng.percent(50) ? Price{top} : rng.percent(50) ? Price::max() : Price{-kMaxPriceTicks - 1};
        qty = rng.percent(50) ? Qty{-rng.between(1, 5)} : qty;
      }
      const DeltaResult got = book.apply_delta(side, price, qty);
      const DeltaResult want = model.apply(side, price, qty);
      INFO(to_string(side) << " " << price.ticks() << " x " << qty.lots());
      REQUIRE(to_string(got) == std::string_view{to_string(want)});
      REQUIRE(book.qty_at(side, price) == model.qty_at(side, price));
      const Price probe{top + sc.grid * rng.between(-20, 20)};
      REQUIRE(book.qty_at(Side::Buy, probe) == model.qty_at(Side::Buy, probe));
      REQUIRE(book.qty_at(Side::Sell, probe) == model.qty_at(Side::Sell, probe));
    }
    expect_equal(book, model, scratch);
    if (step % 97 == 0) {
      check_design_invariants(book);
    }
  }
  check_design_invariants(book);
  // The stream must actually have exercised the rare paths it is meant to cover.
  CHECK(model.stats().absent_deletes > 0);
  CHECK(model.stats().rejected > 0);
  if (sc.capacity < 100) {
    CHECK(model.stats().evictions > 0);
    CHECK(model.stats().drops > 0);
    CHECK(model.stats().capacity_grows > 0);
  }
  if constexpr (std::is_same_v<typename Book::Store, FlatSide>) {
    if (sc.capacity >= 100) {
      CHECK(book.stats().recentres > 0);
    }
  }
}

constexpr Scenario kScenarios[] = {
    // Roomy capacity: no truncation, the book must match an unbounded map exactly.
    {.seed = 1,
     .capacity = 4096,
     .window_ticks = 4096,
     .grid = 1,
     .start_mid = 100'000,
     .snapshot_levels = 300,
     .target_levels = 250,
     .steps = 6000},
    {.seed = 2,
     .capacity = 4096,
     .window_ticks = 65536,
     .grid = 1,
     .start_mid = 3'000,
     .snapshot_levels = 300,
     .target_levels = 250,
     .steps = 6000},
    // Prices around zero (spreads, negative ticks).
    {.seed = 3,
     .capacity = 4096,
     .window_ticks = 4096,
     .grid = 1,
     .start_mid = 0,
     .snapshot_levels = 300,
     .target_levels = 250,
     .steps = 6000},
    // Coarse grids: prices on multiples of 64 and 1000 ticks hit the window's edges exactly.
    {.seed = 6,
     .capacity = 4096,
     .window_ticks = 4096,
     .grid = 64,
     .start_mid = 1'000,
     .snapshot_levels = 300,
     .target_levels = 250,
     .steps = 4000},
    {.seed = 7,
     .capacity = 4096,
     .window_ticks = 4096,
     .grid = 1000,
     .start_mid = -50,
     .snapshot_levels = 300,
     .target_levels = 250,
     .steps = 4000},
    // Tight capacity: evictions, drops and snapshot growth on every side.
    {.seed = 4,
     .capacity = 16,
     .window_ticks = 4096,
     .grid = 1,
     .start_mid = 50'000,
     .snapshot_levels = 12,
     .target_levels = 40,
     .steps = 6000},
    {.seed = 5,
     .capacity = 1,
     .window_ticks = 4096,
     .grid = 1,
     .start_mid = 7,
     .snapshot_levels = 1,
     .target_levels = 4,
     .steps = 3000},
};

}  // namespace

TEMPLATE_TEST_CASE("random snapshot and delta streams leave the book equal to a std::map model",
                   "[book][property]", FlatBook, SortedVectorBook, MapBook) {
  for (const Scenario& sc : kScenarios) {
    run_scenario<TestType>(sc);
  }
}

}  // namespace tickpath::book
