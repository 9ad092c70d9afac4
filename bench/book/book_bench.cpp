// Book designs side by side: ns per delta for the flat window (production), the sorted vector and
// the std::map peer, on one generated stream shaped like the real 2021 Kraken session and, when
// ../shared/kraken-samples is present, on that session itself. Before any timing, every design
// replays every stream and must end with the same book and the same answer to each delta as the
// std::map book; the run stops with exit code 1 otherwise. Results: bench/book/README.md.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "tickpath/book/l2_book.hpp"
#include "tickpath/book/map_side.hpp"

namespace tickpath::book {
namespace {

struct Delta {
  Price price;
  Qty qty;
  Side side;
  std::uint16_t book;  // index of the instrument's book (the replay has ten)
};

struct Session {
  std::vector<std::vector<Level>> bids;  // one snapshot per book, best first
  std::vector<std::vector<Level>> asks;
  std::vector<Delta> deltas;
};

// ---------------------------------------------------------------------------------------------
// The generated session. Shape taken from the 2021 capture (kraken-futures-protocol.md §6.7, and
// measured on ws_book_delta.jsonl lines 1-7014 for this file): 34 % deletions, 34 % new levels,
// 32 % size changes; by rank from the top, 31 % of deltas hit the top 5 levels, 62 % the top 15,
// 88 % the top 35 and 95 % the top 50; 2.7 % improve on the best; 0.5 % land 1000+ ticks away.
// Levels are dense near the top (gaps of 1-2 ticks) and sparser deeper, with a few far-away
// levels like the 2021 PI_ETHUSD asks at 9 999 999.95. Prices are integer ticks; every delete
// refers to an existing level and the book never crosses, as in the capture.

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t below(std::uint64_t n) { return engine_() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

 private:
  std::mt19937_64 engine_;
};

// Rank from the top following the capture's distribution (bucket upper bounds, cumulative %).
std::size_t draw_rank(Rng& rng, std::size_t size) {
  struct Bucket {
    std::size_t lo, hi;
    std::uint64_t cumulative_permille;
  };
  static constexpr Bucket kBuckets[] = {{0, 5, 310},   {5, 10, 510},   {10, 15, 620},       {15, 20, 710},
                                        {20, 25, 780}, {25, 30, 850},  {30, 35, 880},       {35, 40, 900},
                                        {40, 50, 950}, {50, 200, 995}, {200, 100'000, 1000}};
  const std::uint64_t u = rng.below(1000);
  for (const Bucket& b : kBuckets) {
    if (u < b.cumulative_permille) {
      const std::size_t hi = std::min(b.hi, size);
      const std::size_t lo = std::min(b.lo, hi - 1);
      return lo + static_cast<std::size_t>(rng.below(hi - lo));
    }
  }
  return 0;
}

// One side of the generated book as ticks -> lots, best first (bids use std::greater).
template <typename Compare>
using SideMap = std::map<std::int64_t, std::int64_t, Compare>;

Session make_generated_session(std::size_t levels_per_side, std::size_t delta_count, std::uint64_t seed) {
  Rng rng(seed);
  SideMap<std::greater<>> bids;
  SideMap<std::less<>> asks;
  const std::int64_t mid = 2'000'000;
  const auto gap = [&](std::size_t rank) {
    if (rng.below(1000) < 5) {
      return rng.between(1'000, 50'000);  // a far level
    }
    return 1 + rng.between(0, 1 + static_cast<std::int64_t>(rank / 100));
  };
  std::int64_t bid = mid - 1;
  std::int64_t ask = mid + 1;
  for (std::size_t rank = 0; rank < levels_per_side; ++rank) {
    bids[bid] = rng.between(1, 50'000);
    asks[ask] = rng.between(1, 50'000);
    bid -= gap(rank);
    ask += gap(rank);
  }

  Session session;
  session.bids.emplace_back();
  session.asks.emplace_back();
  for (const auto& [p, q] : bids) {
    session.bids[0].push_back(Level{Price{p}, Qty{q}});
  }
  for (const auto& [p, q] : asks) {
    session.asks[0].push_back(Level{Price{p}, Qty{q}});
  }

  // Generic over the side: `worse` is -1 for bids, +1 for asks.
  const auto step = [&](auto& side_map, const auto& other_map, Side side, std::int64_t worse) -> Delta {
    const std::size_t size = side_map.size();
    const std::uint64_t kind = rng.below(100);
    const auto at_rank = [&](std::size_t r) {
      return std::next(side_map.begin(), static_cast<std::ptrdiff_t>(r));
    };
    if (kind < 34 && size > levels_per_side / 2) {  // delete
      const auto it = at_rank(draw_rank(rng, size));
      const Delta d{Price{it->first}, Qty{0}, side, 0};
      side_map.erase(it);
      return d;
    }
    if (kind >= 68 && size > 0) {  // size change
      const auto it = at_rank(draw_rank(rng, size));
      it->second = rng.between(1, 50'000);
      return Delta{Price{it->first}, Qty{it->second}, side, 0};
    }
    // A new level: better than the best 8 % of the time (without crossing), else in a gap.
    const std::int64_t best = side_map.begin()->first;
    const std::int64_t other_best = other_map.begin()->first;
    std::int64_t price = 0;
    if (rng.below(100) < 8 && (best - worse * 1 - other_best) * worse > 0) {
      price = best - worse;
    } else {
      for (auto it = at_rank(draw_rank(rng, size));; ++it) {
        const auto after = std::next(it);
        if (after == side_map.end()) {
          price = it->first + worse * rng.between(1, 5);
          break;
        }
        if ((after->first - it->first) * worse > 1) {
          price = it->first + worse * rng.between(1, (after->first - it->first) * worse - 1);
          break;
        }
      }
    }
    const std::int64_t lots = rng.between(1, 50'000);
    side_map[price] = lots;
    return Delta{Price{price}, Qty{lots}, side, 0};
  };

  session.deltas.reserve(delta_count);
  for (std::size_t i = 0; i < delta_count; ++i) {
    session.deltas.push_back(rng.below(2) == 0 ? step(bids, asks, Side::Buy, -1)
                                               : step(asks, bids, Side::Sell, 1));
  }
  return session;
}

// ---------------------------------------------------------------------------------------------
// The real 2021 session: ws_book_snapshot.jsonl lines 1-10 and ws_book_delta.jsonl lines 1-7014
// (10 inverse products, 30.6 s of production traffic; see kraken-samples/SOURCES.md, CF2021).
// Numbers are converted exactly (decimal mantissa and exponent, no double).

struct Decimal {
  std::int64_t mantissa;
  int exponent;
};

std::optional<Decimal> parse_decimal(std::string_view text) {
  std::int64_t m = 0;
  int exponent = 0;
  bool fraction = false;
  for (const char c : text) {
    if (c == '.') {
      fraction = true;
    } else if (c >= '0' && c <= '9') {
      m = m * 10 + (c - '0');
      exponent -= fraction ? 1 : 0;
    } else {
      return std::nullopt;
    }
  }
  return Decimal{m, exponent};
}

std::optional<std::int64_t> to_units(std::string_view text, Decimal increment) {
  const auto value = parse_decimal(text);
  if (!value) {
    return std::nullopt;
  }
  std::int64_t a = value->mantissa;
  std::int64_t b = increment.mantissa;
  for (int e = value->exponent; e > increment.exponent; --e) {
    a *= 10;
  }
  for (int e = increment.exponent; e > value->exponent; --e) {
    b *= 10;
  }
  if (a % b != 0) {
    return std::nullopt;  // off the tick grid
  }
  return a / b;
}

// Tick sizes of the 2021 products (kraken-futures-protocol.md §3.2, REAL 2021).
Decimal tick_of(std::string_view product) {
  if (product.find("XBT") != std::string_view::npos) {
    return {5, -1};
  }
  if (product.find("ETH") != std::string_view::npos) {
    return {5, -2};
  }
  if (product.find("LTC") != std::string_view::npos) {
    return {1, -2};
  }
  if (product.find("BCH") != std::string_view::npos) {
    return {1, -1};
  }
  return {1, -4};  // XRP
}

std::string_view field(std::string_view line, std::string_view key, std::size_t from = 0) {
  const std::size_t at = line.find(key, from);
  if (at == std::string_view::npos) {
    return {};
  }
  const std::size_t start = at + key.size();
  const std::size_t end = line.find_first_of(",}]", start);
  return line.substr(start, end - start);
}

// Appends every {"price":..,"qty":..} between begin and end of line.
bool parse_levels(std::string_view line, std::size_t begin, std::size_t end, Decimal tick,
                  std::vector<Level>& out) {
  for (std::size_t at = line.find("\"price\":", begin); at < end; at = line.find("\"price\":", at + 1)) {
    const auto price = to_units(field(line, "\"price\":", at), tick);
    const auto qty = to_units(field(line, "\"qty\":", at), Decimal{1, 0});
    if (!price || !qty) {
      return false;
    }
    out.push_back(Level{Price{*price}, Qty{*qty}});
  }
  return true;
}

std::optional<Session> load_2021_session() {
  const std::string dir = TICKPATH_SAMPLES_DIR;
  std::ifstream snapshots(dir + "/ws_book_snapshot.jsonl");
  std::ifstream deltas(dir + "/ws_book_delta.jsonl");
  if (!snapshots || !deltas) {
    return std::nullopt;
  }
  Session session;
  std::vector<std::string> products;
  std::string line;
  for (int i = 0; i < 10 && std::getline(snapshots, line); ++i) {
    const std::string_view l = line;
    const std::string_view product = field(l, "\"product_id\":");
    const Decimal tick = tick_of(product);
    const std::size_t bids_at = l.find("\"bids\":");
    const std::size_t asks_at = l.find("\"asks\":");
    session.bids.emplace_back();
    session.asks.emplace_back();
    if (bids_at == std::string_view::npos || asks_at == std::string_view::npos ||
        !parse_levels(l, bids_at, asks_at, tick, session.bids.back()) ||
        !parse_levels(l, asks_at, l.size(), tick, session.asks.back())) {
      return std::nullopt;
    }
    products.emplace_back(product);
  }
  for (int i = 0; i < 7014 && std::getline(deltas, line); ++i) {
    const std::string_view l = line;
    const std::string_view product = field(l, "\"product_id\":");
    const auto book = std::find(products.begin(), products.end(), product);
    const auto price = to_units(field(l, "\"price\":"), tick_of(product));
    const auto qty = to_units(field(l, "\"qty\":"), Decimal{1, 0});
    if (book == products.end() || !price || !qty) {
      return std::nullopt;
    }
    session.deltas.push_back(Delta{Price{*price}, Qty{*qty},
                                   field(l, "\"side\":") == "\"buy\"" ? Side::Buy : Side::Sell,
                                   static_cast<std::uint16_t>(book - products.begin())});
  }
  return session;
}

// ---------------------------------------------------------------------------------------------

constexpr std::size_t kGeneratedDeltas = std::size_t{1} << 18;

const Session& generated_session(std::size_t levels_per_side) {
  static std::map<std::size_t, Session> cache;
  auto it = cache.find(levels_per_side);
  if (it == cache.end()) {
    it =
        cache.emplace(levels_per_side, make_generated_session(levels_per_side, kGeneratedDeltas, 2021)).first;
  }
  return it->second;
}

const std::optional<Session>& real_session() {
  static const std::optional<Session> session = load_2021_session();
  return session;
}

template <typename Book>
std::vector<Book> make_books(const Session& session, const BookConfig& config) {
  std::vector<Book> books;
  for (std::size_t i = 0; i < session.bids.size(); ++i) {
    books.emplace_back(config);
    books.back().apply_snapshot(session.bids[i], session.asks[i]);
  }
  return books;
}

// ---------------------------------------------------------------------------------------------
// The agreement check: every design, every stream, every delta's answer and the final books.

// Everything but recentres, which only the flat design has.
bool same_counters(const BookStats& a, const BookStats& b) {
  return a.snapshots == b.snapshots && a.absent_deletes == b.absent_deletes && a.rejected == b.rejected &&
         a.evictions == b.evictions && a.drops == b.drops && a.capacity_grows == b.capacity_grows;
}

template <typename Book>
bool replays_like_map_book(const Session& session, const BookConfig& config, const char* what) {
  std::vector<Book> books = make_books<Book>(session, config);
  std::vector<MapBook> reference = make_books<MapBook>(session, config);
  for (std::size_t i = 0; i < session.deltas.size(); ++i) {
    const Delta& d = session.deltas[i];
    const DeltaResult got = books[d.book].apply_delta(d.side, d.price, d.qty);
    const DeltaResult want = reference[d.book].apply_delta(d.side, d.price, d.qty);
    if (got != want || books[d.book].crossed() != reference[d.book].crossed()) {
      std::fprintf(stderr, "book bench: %s disagrees with the std::map book at delta %zu (%s vs %s)\n", what,
                   i, to_string(got), to_string(want));
      return false;
    }
  }
  std::vector<Level> a;
  std::vector<Level> b;
  for (std::size_t i = 0; i < books.size(); ++i) {
    for (const Side side : {Side::Buy, Side::Sell}) {
      a.resize(books[i].level_count(side));
      b.resize(reference[i].level_count(side));
      a.resize(books[i].depth(side, a));
      b.resize(reference[i].depth(side, b));
      if (a != b || !same_counters(books[i].stats(), reference[i].stats())) {
        std::fprintf(stderr,
                     "book bench: %s ends with a different book %zu (%s side) than the std::map book\n", what,
                     i, to_string(side));
        return false;
      }
    }
  }
  return true;
}

bool all_designs_agree() {
  bool ok = true;
  for (const std::size_t levels : {std::size_t{300}, std::size_t{2000}}) {
    const Session& s = generated_session(levels);
    ok = replays_like_map_book<FlatBook>(s, BookConfig{}, "FlatBook") && ok;
    ok = replays_like_map_book<FlatBook>(s, BookConfig{.window_ticks = 65536}, "FlatBook/w65536") && ok;
    ok = replays_like_map_book<SortedVectorBook>(s, BookConfig{}, "SortedVectorBook") && ok;
  }
  if (const auto& real = real_session()) {
    ok = replays_like_map_book<FlatBook>(*real, BookConfig{}, "FlatBook on 2021") && ok;
    ok = replays_like_map_book<SortedVectorBook>(*real, BookConfig{}, "SortedVectorBook on 2021") && ok;
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Benchmarks. Each iteration applies a batch of consecutive deltas; at the end of the stream the
// books are re-snapshotted with the timer paused. ns_per_delta is the figure to read.

constexpr std::size_t kBatch = 256;

enum class Work { Apply, ApplyThenTop };

template <typename Book, Work kWork>
void run_stream(benchmark::State& state, const Session& session, const BookConfig& config) {
  std::vector<Book> books = make_books<Book>(session, config);
  const std::vector<Delta>& deltas = session.deltas;
  std::size_t next = 0;
  std::int64_t applied = 0;
  for (auto _ : state) {
    const std::size_t begin = next;
    const std::size_t end = std::min(next + kBatch, deltas.size());
    for (; next < end; ++next) {
      const Delta& d = deltas[next];
      Book& book = books[d.book];
      benchmark::DoNotOptimize(book.apply_delta(d.side, d.price, d.qty));
      if constexpr (kWork == Work::ApplyThenTop) {
        // What the session and a strategy do after each delta.
        benchmark::DoNotOptimize(book.crossed());
        benchmark::DoNotOptimize(book.best_bid());
        benchmark::DoNotOptimize(book.best_ask());
      }
    }
    applied += static_cast<std::int64_t>(end - begin);
    if (next == deltas.size()) {
      state.PauseTiming();
      for (std::size_t i = 0; i < books.size(); ++i) {
        books[i].apply_snapshot(session.bids[i], session.asks[i]);
      }
      next = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(applied);
  state.counters["ns_per_delta"] = benchmark::Counter(
      static_cast<double>(applied), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["recentres"] = static_cast<double>(books[0].stats().recentres);
}

// Args: levels per side, flat window ticks.
template <typename Book, Work kWork>
void BM_Generated(benchmark::State& state) {
  const auto levels = static_cast<std::size_t>(state.range(0));
  run_stream<Book, kWork>(state, generated_session(levels), BookConfig{.window_ticks = state.range(1)});
}

template <typename Book, Work kWork>
void BM_Replay2021(benchmark::State& state) {
  run_stream<Book, kWork>(state, *real_session(), BookConfig{});
}

template <typename Book>
void BM_BestBidAsk(benchmark::State& state) {
  const Session& session = generated_session(static_cast<std::size_t>(state.range(0)));
  std::vector<Book> books = make_books<Book>(session, BookConfig{});
  const Book& book = books[0];
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.best_bid());
    benchmark::DoNotOptimize(book.best_ask());
    benchmark::ClobberMemory();  // the book may have changed: reload it every time
  }
}

template <typename Book>
void BM_QtyAtDeltaPrices(benchmark::State& state) {
  const Session& session = generated_session(static_cast<std::size_t>(state.range(0)));
  std::vector<Book> books = make_books<Book>(session, BookConfig{});
  const Book& book = books[0];
  std::size_t next = 0;
  for (auto _ : state) {
    const Delta& d = session.deltas[next];
    benchmark::DoNotOptimize(book.qty_at(d.side, d.price));
    next = next + 1 == session.deltas.size() ? 0 : next + 1;
  }
}

template <typename Book>
void BM_Snapshot(benchmark::State& state) {
  const Session& session = generated_session(static_cast<std::size_t>(state.range(0)));
  Book book{BookConfig{}};
  for (auto _ : state) {
    book.apply_snapshot(session.bids[0], session.asks[0]);
    benchmark::DoNotOptimize(book.best_bid());
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(session.bids[0].size() + session.asks[0].size()));
}

void generated_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"levels", "window"});
  b->Args({300, 4096})->Args({2000, 4096});
}
void flat_args(benchmark::internal::Benchmark* b) {
  generated_args(b);
  b->Args({2000, 65536});
}

BENCHMARK_TEMPLATE(BM_Generated, FlatBook, Work::Apply)->Apply(flat_args);
BENCHMARK_TEMPLATE(BM_Generated, SortedVectorBook, Work::Apply)->Apply(generated_args);
BENCHMARK_TEMPLATE(BM_Generated, MapBook, Work::Apply)->Apply(generated_args);
BENCHMARK_TEMPLATE(BM_Generated, FlatBook, Work::ApplyThenTop)->Apply(generated_args);
BENCHMARK_TEMPLATE(BM_Generated, SortedVectorBook, Work::ApplyThenTop)->Apply(generated_args);
BENCHMARK_TEMPLATE(BM_Generated, MapBook, Work::ApplyThenTop)->Apply(generated_args);
BENCHMARK_TEMPLATE(BM_BestBidAsk, FlatBook)->Arg(2000);
BENCHMARK_TEMPLATE(BM_BestBidAsk, SortedVectorBook)->Arg(2000);
BENCHMARK_TEMPLATE(BM_BestBidAsk, MapBook)->Arg(2000);
BENCHMARK_TEMPLATE(BM_QtyAtDeltaPrices, FlatBook)->Arg(2000);
BENCHMARK_TEMPLATE(BM_QtyAtDeltaPrices, SortedVectorBook)->Arg(2000);
BENCHMARK_TEMPLATE(BM_QtyAtDeltaPrices, MapBook)->Arg(2000);
BENCHMARK_TEMPLATE(BM_Snapshot, FlatBook)->Arg(2000);
BENCHMARK_TEMPLATE(BM_Snapshot, SortedVectorBook)->Arg(2000);
BENCHMARK_TEMPLATE(BM_Snapshot, MapBook)->Arg(2000);

}  // namespace
}  // namespace tickpath::book

int main(int argc, char** argv) {
  using namespace tickpath::book;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  if (!all_designs_agree()) {
    std::fprintf(stderr, "book bench: the designs disagree; no figures are reported\n");
    return 1;
  }
  if (real_session()) {
    benchmark::RegisterBenchmark("BM_Replay2021<FlatBook>", BM_Replay2021<FlatBook, Work::Apply>);
    benchmark::RegisterBenchmark("BM_Replay2021<SortedVectorBook>",
                                 BM_Replay2021<SortedVectorBook, Work::Apply>);
    benchmark::RegisterBenchmark("BM_Replay2021<MapBook>", BM_Replay2021<MapBook, Work::Apply>);
  } else {
    std::fprintf(stderr, "book bench: %s absent, skipping the 2021 replay\n", TICKPATH_SAMPLES_DIR);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
