// Behaviour of the L2 book, run over every design behind BasicL2Book (flat window, sorted vector,
// std::map), so the production choice and its peers are held to one contract.

#include "tickpath/book/l2_book.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "tickpath/book/map_side.hpp"

namespace tickpath::book {
namespace {

Level lvl(std::int64_t ticks, std::int64_t lots) {
  return Level{Price{ticks}, Qty{lots}};
}

template <typename Book>
std::vector<Level> full_depth(const Book& book, Side side) {
  std::vector<Level> out(book.level_count(side));
  out.resize(book.depth(side, out));
  return out;
}

// A small book like the head of a Kraken snapshot: bids best first (descending), asks ascending.
template <typename Book>
void load_small_book(Book& book) {
  const std::array bids{lvl(100, 5), lvl(99, 7), lvl(97, 1)};
  const std::array asks{lvl(101, 2), lvl(102, 4), lvl(105, 9)};
  book.apply_snapshot(bids, asks);
}

}  // namespace

#define TICKPATH_BOOK_DESIGNS FlatBook, SortedVectorBook, MapBook

TEMPLATE_TEST_CASE("an empty book has no best level and is neither crossed nor valid", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  const TestType book;
  CHECK_FALSE(book.best_bid().has_value());
  CHECK_FALSE(book.best_ask().has_value());
  CHECK_FALSE(book.crossed());
  CHECK_FALSE(book.valid());
  CHECK(book.level_count(Side::Buy) == 0);
  CHECK(book.qty_at(Side::Sell, Price{1}) == Qty{0});
}

TEMPLATE_TEST_CASE("a snapshot sets the best bid and ask and makes the book valid", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  REQUIRE(book.valid());
  CHECK(book.best_bid() == lvl(100, 5));
  CHECK(book.best_ask() == lvl(101, 2));
  CHECK(book.level_count(Side::Buy) == 3);
  CHECK(book.level_count(Side::Sell) == 3);
  CHECK(book.stats().snapshots == 1);
}

TEMPLATE_TEST_CASE("the streamed snapshot builder gives the same book as apply_snapshot", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType streamed;
  streamed.begin_snapshot();
  streamed.add_snapshot_level(Side::Buy, Price{100}, Qty{5});
  streamed.add_snapshot_level(Side::Sell, Price{101}, Qty{2});
  streamed.add_snapshot_level(Side::Buy, Price{99}, Qty{7});
  streamed.add_snapshot_level(Side::Sell, Price{102}, Qty{4});
  streamed.add_snapshot_level(Side::Buy, Price{97}, Qty{1});
  streamed.add_snapshot_level(Side::Sell, Price{105}, Qty{9});
  CHECK_FALSE(streamed.valid());
  streamed.end_snapshot();

  TestType whole;
  load_small_book(whole);
  CHECK(streamed.valid());
  CHECK(full_depth(streamed, Side::Buy) == full_depth(whole, Side::Buy));
  CHECK(full_depth(streamed, Side::Sell) == full_depth(whole, Side::Sell));
}

TEMPLATE_TEST_CASE("snapshot levels in any order, repeated or zero, read as deltas on an empty book",
                   "[book]", TICKPATH_BOOK_DESIGNS) {
  TestType book;
  const std::array bids{lvl(97, 1), lvl(100, 5), lvl(99, 7), lvl(100, 6), lvl(98, 0), lvl(96, 3), lvl(96, 0)};
  const std::array asks{lvl(105, 9), lvl(101, 2), lvl(105, 8)};
  book.apply_snapshot(bids, asks);
  CHECK(full_depth(book, Side::Buy) == std::vector{lvl(100, 6), lvl(99, 7), lvl(97, 1)});
  CHECK(full_depth(book, Side::Sell) == std::vector{lvl(101, 2), lvl(105, 8)});
}

TEMPLATE_TEST_CASE("a delta at a new price inserts a level", "[book]", TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  CHECK(book.apply_delta(Side::Buy, Price{98}, Qty{3}) == DeltaResult::Inserted);
  CHECK(book.qty_at(Side::Buy, Price{98}) == Qty{3});
  CHECK(book.level_count(Side::Buy) == 4);
  CHECK(book.apply_delta(Side::Sell, Price{100}, Qty{1}) == DeltaResult::Inserted);
  CHECK(book.best_ask() == lvl(100, 1));
}

TEMPLATE_TEST_CASE("a delta at an existing price replaces its quantity with the new absolute total", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  CHECK(book.apply_delta(Side::Buy, Price{100}, Qty{11}) == DeltaResult::Updated);
  CHECK(book.best_bid() == lvl(100, 11));
  CHECK(book.apply_delta(Side::Sell, Price{105}, Qty{1}) == DeltaResult::Updated);
  CHECK(book.qty_at(Side::Sell, Price{105}) == Qty{1});
  CHECK(book.level_count(Side::Sell) == 3);
}

TEMPLATE_TEST_CASE("a delta with quantity zero deletes the level and the next best takes over", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  CHECK(book.apply_delta(Side::Buy, Price{100}, Qty{0}) == DeltaResult::Deleted);
  CHECK(book.best_bid() == lvl(99, 7));
  CHECK(book.apply_delta(Side::Sell, Price{101}, Qty{0}) == DeltaResult::Deleted);
  CHECK(book.apply_delta(Side::Sell, Price{102}, Qty{0}) == DeltaResult::Deleted);
  CHECK(book.best_ask() == lvl(105, 9));
  CHECK(book.apply_delta(Side::Sell, Price{105}, Qty{0}) == DeltaResult::Deleted);
  CHECK_FALSE(book.best_ask().has_value());
  CHECK(book.level_count(Side::Sell) == 0);
}

TEMPLATE_TEST_CASE("a delete of an absent level is ignored and counted", "[book]", TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  CHECK(book.apply_delta(Side::Buy, Price{98}, Qty{0}) == DeltaResult::DeleteOfAbsentLevel);
  CHECK(book.apply_delta(Side::Sell, Price{100}, Qty{0}) == DeltaResult::DeleteOfAbsentLevel);
  CHECK(book.apply_delta(Side::Sell, Price{1'000'000'000}, Qty{0}) == DeltaResult::DeleteOfAbsentLevel);
  CHECK(book.stats().absent_deletes == 3);
  CHECK(full_depth(book, Side::Buy) == std::vector{lvl(100, 5), lvl(99, 7), lvl(97, 1)});
}

TEMPLATE_TEST_CASE("depth lists bids by descending and asks by ascending price", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  std::array<Level, 8> out{};
  REQUIRE(book.depth(Side::Buy, out) == 3);
  CHECK(out[0] == lvl(100, 5));
  CHECK(out[1] == lvl(99, 7));
  CHECK(out[2] == lvl(97, 1));
  REQUIRE(book.depth(Side::Sell, out) == 3);
  CHECK(out[0] == lvl(101, 2));
  CHECK(out[1] == lvl(102, 4));
  CHECK(out[2] == lvl(105, 9));
}

TEMPLATE_TEST_CASE("depth writes no more levels than the output holds", "[book]", TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  std::array<Level, 2> out{};
  REQUIRE(book.depth(Side::Buy, out) == 2);
  CHECK(out[1] == lvl(99, 7));
  CHECK(book.depth(Side::Sell, std::span<Level>{}) == 0);
}

TEMPLATE_TEST_CASE("qty_at reports the level's quantity, and zero where there is none", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  CHECK(book.qty_at(Side::Buy, Price{99}) == Qty{7});
  CHECK(book.qty_at(Side::Buy, Price{98}) == Qty{0});
  CHECK(book.qty_at(Side::Buy, Price{101}) == Qty{0});  // an ask price asked on the bid side
  CHECK(book.qty_at(Side::Sell, Price{105}) == Qty{9});
  CHECK(book.qty_at(Side::Sell, Price::max()) == Qty{0});
  CHECK(book.qty_at(Side::Buy, Price::min()) == Qty{0});
}

TEMPLATE_TEST_CASE("crossed is true once the best bid reaches the best ask", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  CHECK_FALSE(book.crossed());
  REQUIRE(book.apply_delta(Side::Buy, Price{101}, Qty{1}) == DeltaResult::Inserted);  // locked
  CHECK(book.crossed());
  REQUIRE(book.apply_delta(Side::Buy, Price{101}, Qty{0}) == DeltaResult::Deleted);
  CHECK_FALSE(book.crossed());
  REQUIRE(book.apply_delta(Side::Sell, Price{99}, Qty{1}) == DeltaResult::Inserted);  // crossed
  CHECK(book.crossed());
}

TEMPLATE_TEST_CASE("clear empties and invalidates the book, and a new snapshot restores it", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  book.clear();
  CHECK_FALSE(book.valid());
  CHECK(book.level_count(Side::Buy) == 0);
  CHECK(book.level_count(Side::Sell) == 0);
  CHECK_FALSE(book.best_bid().has_value());

  const std::array bids{lvl(50'000, 1)};
  const std::array asks{lvl(50'001, 2), lvl(50'010, 3)};
  book.apply_snapshot(bids, asks);
  CHECK(book.valid());
  CHECK(book.best_bid() == lvl(50'000, 1));
  CHECK(full_depth(book, Side::Sell) == std::vector{lvl(50'001, 2), lvl(50'010, 3)});
  CHECK(book.stats().snapshots == 2);
}

TEMPLATE_TEST_CASE("a re-snapshot replaces every level of the previous book", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  const std::array bids{lvl(10, 1), lvl(9, 1)};
  const std::array<Level, 0> asks{};
  book.apply_snapshot(bids, asks);
  CHECK(full_depth(book, Side::Buy) == std::vector{lvl(10, 1), lvl(9, 1)});
  CHECK(book.level_count(Side::Sell) == 0);
  CHECK(book.qty_at(Side::Buy, Price{100}) == Qty{0});
}

TEMPLATE_TEST_CASE("invalidate marks the book invalid without touching its levels", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book;
  load_small_book(book);
  book.invalidate();
  CHECK_FALSE(book.valid());
  CHECK(book.best_bid() == lvl(100, 5));
}

TEMPLATE_TEST_CASE("far-from-top prices are kept, found and listed in order", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  // PI_ETHUSD 2021 at tick 0.05: best ask 2004.6 = 40 092 ticks, a resting ask at 9 999 999.95 =
  // 199 999 999 ticks, a bid at 0.05 = 1 tick.
  TestType book;
  const std::array bids{lvl(40'078, 10), lvl(40'070, 5), lvl(1, 100)};
  const std::array asks{lvl(40'092, 3), lvl(60'000, 1), lvl(199'999'999, 7)};
  book.apply_snapshot(bids, asks);
  CHECK(book.qty_at(Side::Sell, Price{199'999'999}) == Qty{7});
  CHECK(book.qty_at(Side::Buy, Price{1}) == Qty{100});
  CHECK(book.apply_delta(Side::Sell, Price{150'000'000}, Qty{2}) == DeltaResult::Inserted);
  CHECK(book.apply_delta(Side::Buy, Price{-5}, Qty{4}) == DeltaResult::Inserted);
  CHECK(book.apply_delta(Side::Sell, Price{199'999'999}, Qty{8}) == DeltaResult::Updated);
  CHECK(full_depth(book, Side::Sell) ==
        std::vector{lvl(40'092, 3), lvl(60'000, 1), lvl(150'000'000, 2), lvl(199'999'999, 8)});
  CHECK(full_depth(book, Side::Buy) == std::vector{lvl(40'078, 10), lvl(40'070, 5), lvl(1, 100), lvl(-5, 4)});
  CHECK(book.apply_delta(Side::Sell, Price{60'000}, Qty{0}) == DeltaResult::Deleted);
  CHECK(book.apply_delta(Side::Sell, Price{40'092}, Qty{0}) == DeltaResult::Deleted);
  CHECK(book.best_ask() == lvl(150'000'000, 2));  // the best can come from far away
  CHECK(book.apply_delta(Side::Buy, Price{40'078}, Qty{0}) == DeltaResult::Deleted);
  CHECK(book.apply_delta(Side::Buy, Price{40'070}, Qty{0}) == DeltaResult::Deleted);
  CHECK(book.best_bid() == lvl(1, 100));
}

TEMPLATE_TEST_CASE("prices at and beyond the representable range are accepted or rejected", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book;
  CHECK(book.apply_delta(Side::Sell, Price{kMaxPriceTicks}, Qty{1}) == DeltaResult::Inserted);
  CHECK(book.apply_delta(Side::Sell, Price{-kMaxPriceTicks}, Qty{1}) == DeltaResult::Inserted);
  CHECK(book.apply_delta(Side::Buy, Price{kMaxPriceTicks}, Qty{1}) == DeltaResult::Inserted);
  CHECK(book.apply_delta(Side::Buy, Price{-kMaxPriceTicks}, Qty{1}) == DeltaResult::Inserted);
  CHECK(book.apply_delta(Side::Sell, Price{kMaxPriceTicks + 1}, Qty{1}) == DeltaResult::Rejected);
  CHECK(book.apply_delta(Side::Buy, Price::min(), Qty{0}) == DeltaResult::Rejected);
  CHECK(book.apply_delta(Side::Buy, Price{5}, Qty{-1}) == DeltaResult::Rejected);
  CHECK(book.stats().rejected == 3);
  CHECK(book.best_bid() == lvl(kMaxPriceTicks, 1));
  CHECK(book.best_ask() == lvl(-kMaxPriceTicks, 1));
  CHECK(book.crossed());
}

TEMPLATE_TEST_CASE("rejected snapshot levels are skipped and counted", "[book]", TICKPATH_BOOK_DESIGNS) {
  TestType book;
  const std::array bids{lvl(100, 5), lvl(99, -1), Level{Price::min(), Qty{1}}};
  const std::array asks{lvl(101, 2)};
  book.apply_snapshot(bids, asks);
  CHECK(book.stats().rejected == 2);
  CHECK(full_depth(book, Side::Buy) == std::vector{lvl(100, 5)});
}

TEMPLATE_TEST_CASE("at capacity a better level evicts the worst and a worse one is dropped", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book{BookConfig{.level_capacity = 3}};
  load_small_book(book);
  REQUIRE(book.level_capacity(Side::Buy) == 3);
  // An update needs no room.
  CHECK(book.apply_delta(Side::Buy, Price{97}, Qty{2}) == DeltaResult::Updated);
  // Better than the worst bid (97): it goes in, 97 goes out.
  CHECK(book.apply_delta(Side::Buy, Price{98}, Qty{3}) == DeltaResult::InsertedEvictingWorst);
  CHECK(full_depth(book, Side::Buy) == std::vector{lvl(100, 5), lvl(99, 7), lvl(98, 3)});
  // Worse than every bid: not stored.
  CHECK(book.apply_delta(Side::Buy, Price{90}, Qty{1}) == DeltaResult::DroppedAtCapacity);
  // A new best ask evicts the worst ask (105).
  CHECK(book.apply_delta(Side::Sell, Price{100}, Qty{1}) == DeltaResult::InsertedEvictingWorst);
  CHECK(full_depth(book, Side::Sell) == std::vector{lvl(100, 1), lvl(101, 2), lvl(102, 4)});
  CHECK(book.apply_delta(Side::Sell, Price{200}, Qty{1}) == DeltaResult::DroppedAtCapacity);
  // The evicted level is gone: deleting it is a delete of an absent level.
  CHECK(book.apply_delta(Side::Sell, Price{105}, Qty{0}) == DeltaResult::DeleteOfAbsentLevel);
  // A delete makes room again.
  CHECK(book.apply_delta(Side::Buy, Price{99}, Qty{0}) == DeltaResult::Deleted);
  CHECK(book.apply_delta(Side::Buy, Price{90}, Qty{1}) == DeltaResult::Inserted);
  const BookStats stats = book.stats();
  CHECK(stats.evictions == 2);
  CHECK(stats.drops == 2);
  CHECK(stats.absent_deletes == 1);
  CHECK(stats.capacity_grows == 0);
}

TEMPLATE_TEST_CASE("a snapshot larger than the capacity grows it and counts the growth", "[book]",
                   TICKPATH_BOOK_DESIGNS) {
  TestType book{BookConfig{.level_capacity = 2}};
  std::vector<Level> bids;
  for (std::int64_t i = 0; i < 5; ++i) {
    bids.push_back(lvl(1000 - i, 1));
  }
  book.apply_snapshot(bids, std::span<const Level>{});
  CHECK(book.level_count(Side::Buy) == 5);
  CHECK(book.level_capacity(Side::Buy) == 8);  // 2 -> 4 -> 8
  CHECK(book.level_capacity(Side::Sell) == 2);
  CHECK(book.stats().capacity_grows == 2);
  // The grown capacity now applies to deltas: three more fit, the fourth evicts.
  CHECK(book.apply_delta(Side::Buy, Price{1001}, Qty{1}) == DeltaResult::Inserted);
  CHECK(book.apply_delta(Side::Buy, Price{1002}, Qty{1}) == DeltaResult::Inserted);
  CHECK(book.apply_delta(Side::Buy, Price{1003}, Qty{1}) == DeltaResult::Inserted);
  CHECK(book.apply_delta(Side::Buy, Price{1004}, Qty{1}) == DeltaResult::InsertedEvictingWorst);
  CHECK(book.qty_at(Side::Buy, Price{996}) == Qty{0});
}

TEMPLATE_TEST_CASE("a bad configuration is refused at construction", "[book]", TICKPATH_BOOK_DESIGNS) {
  CHECK_THROWS_AS(TestType{BookConfig{.level_capacity = 0}}, std::invalid_argument);
}

TEST_CASE("the flat window follows the market when it moves further than the window", "[book][flat]") {
  FlatBook book{BookConfig{.level_capacity = 64, .window_ticks = 4096}};
  const FlatSide& bids = book.side_store(Side::Buy);
  REQUIRE(bids.window_ticks() == 4096);
  const std::array initial{lvl(100'000, 1), lvl(99'990, 2), lvl(95'000, 3), lvl(90'000, 4)};
  book.apply_snapshot(initial, std::span<const Level>{});
  CHECK(bids.invariants_hold());
  CHECK(book.stats().recentres == 0);

  // A rally of 10 000 ticks: the new best is far better than the window.
  CHECK(book.apply_delta(Side::Buy, Price{110'000}, Qty{5}) == DeltaResult::Inserted);
  CHECK(book.stats().recentres == 1);
  CHECK(bids.invariants_hold());
  CHECK(book.best_bid() == lvl(110'000, 5));
  CHECK(full_depth(book, Side::Buy) ==
        std::vector{lvl(110'000, 5), lvl(100'000, 1), lvl(99'990, 2), lvl(95'000, 3), lvl(90'000, 4)});

  // It fades: deleting the top walks the window back down through the overflow.
  CHECK(book.apply_delta(Side::Buy, Price{110'000}, Qty{0}) == DeltaResult::Deleted);
  CHECK(bids.invariants_hold());
  CHECK(book.best_bid() == lvl(100'000, 1));
  CHECK(book.apply_delta(Side::Buy, Price{100'000}, Qty{0}) == DeltaResult::Deleted);
  CHECK(book.apply_delta(Side::Buy, Price{99'990}, Qty{0}) == DeltaResult::Deleted);
  CHECK(bids.invariants_hold());
  CHECK(book.best_bid() == lvl(95'000, 3));
  CHECK(book.qty_at(Side::Buy, Price{90'000}) == Qty{4});
  CHECK(book.stats().recentres >= 2);
}

TEST_CASE("the flat window slides with a best that drifts one tick at a time", "[book][flat]") {
  FlatBook book{BookConfig{.level_capacity = 16, .window_ticks = 4096}};
  const FlatSide& asks = book.side_store(Side::Sell);
  // The best ask walks 20 000 ticks up (worse for asks) one level at a time, then back down.
  REQUIRE(book.apply_delta(Side::Sell, Price{0}, Qty{1}) == DeltaResult::Inserted);
  for (std::int64_t p = 1; p <= 20'000; ++p) {
    REQUIRE(book.apply_delta(Side::Sell, Price{p}, Qty{1}) == DeltaResult::Inserted);
    REQUIRE(book.apply_delta(Side::Sell, Price{p - 1}, Qty{0}) == DeltaResult::Deleted);
    REQUIRE(book.best_ask() == lvl(p, 1));
  }
  CHECK(asks.invariants_hold());
  for (std::int64_t p = 19'999; p >= -20'000; --p) {
    REQUIRE(book.apply_delta(Side::Sell, Price{p}, Qty{2}) == DeltaResult::Inserted);
    REQUIRE(book.apply_delta(Side::Sell, Price{p + 1}, Qty{0}) == DeltaResult::Deleted);
    REQUIRE(book.best_ask() == lvl(p, 2));
  }
  CHECK(asks.invariants_hold());
  CHECK(book.level_count(Side::Sell) == 1);
  // About one recentre per W/4 ticks travelled in either direction.
  CHECK(book.stats().recentres >= 40'000 / 1024);
  CHECK(book.stats().recentres <= 2 * 60'000 / 960);
}

TEST_CASE("the flat window is at least 4096 ticks wide and a power of two", "[book][flat]") {
  CHECK(FlatSide{BookConfig{.window_ticks = 1}}.window_ticks() == 4096);
  CHECK(FlatSide{BookConfig{.window_ticks = 5000}}.window_ticks() == 8192);
  CHECK_THROWS_AS(FlatSide{BookConfig{.window_ticks = 0}}, std::invalid_argument);
  CHECK_THROWS_AS(FlatSide{BookConfig{.window_ticks = std::int64_t{1} << 25}}, std::invalid_argument);
}

}  // namespace tickpath::book
