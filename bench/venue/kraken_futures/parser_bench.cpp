// Kraken Futures parse + apply, against the well-known peer: RapidJSON SAX feeding std::map books
// (numbers as double, ticks by llround(price / tick), the common way). Same inputs, same run; the
// two must agree on the final books (checked once before timing; a mismatch fails the benchmark).
//
// Inputs: the 2021 production session (snapshots 1-10 + deltas 1-7014 of ../shared/kraken-samples)
// when present, else a generated stream of the same shape (10 products, snapshot then contiguous
// deltas, ~1/3 deletions). Figures: ns per message (items/s), see bench/README.md for how to run.
// The *SimdjsonOnly variants force the parser's simdjson reader (ParserConfig::fast_path = false),
// which handles every frame the flat scanner hands back.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>
#include <rapidjson/reader.h>

#include "tickpath/venue/kraken_futures/capture.hpp"
#include "tickpath/venue/kraken_futures/instruments.hpp"
#include "tickpath/venue/kraken_futures/market_data.hpp"

namespace kf = tickpath::venue::kraken_futures;
using namespace tickpath;

namespace {

// With --benchmark_repetitions: the least disturbed run, the figure bench/README.md records on a
// shared machine (alongside the median).
double min_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
}

struct PaddedFrame {
  std::string buf;
  std::size_t len;
};

PaddedFrame pad(const std::string& s) {
  PaddedFrame f{s, s.size()};
  f.buf.append(64, ' ');
  return f;
}

struct Input {
  std::vector<PaddedFrame> frames;  // snapshots then deltas
  std::vector<std::string> products;
  bool real = false;
};

Input generated() {
  Input in;
  std::mt19937_64 rng(42);
  const char* names[] = {"PI_ETHUSD",        "PI_XRPUSD",        "PI_LTCUSD",        "FI_BCHUSD_210730",
                         "FI_ETHUSD_211231", "FI_XBTUSD_210924", "FI_ETHUSD_210730", "FI_BCHUSD_210924",
                         "FI_XRPUSD_210924", "FI_XBTUSD_210730"};
  std::vector<std::uint64_t> seq(10, 1000);
  for (int p = 0; p < 10; ++p) {
    in.products.emplace_back(names[p]);
    std::string s = R"({"feed":"book_snapshot","product_id":")" + in.products.back() +
                    R"(","timestamp":1700000000654,"seq":1000,"tickSize":null,"bids":[)";
    for (int i = 0; i < 100; ++i) {
      s += (i ? "," : "") + std::string(R"({"price":)") + std::to_string(1999 - i) +
           ".5,\"qty\":" + std::to_string(100 + i) + ".0}";
    }
    s += R"(],"asks":[)";
    for (int i = 0; i < 100; ++i) {
      s += (i ? "," : "") + std::string(R"({"price":)") + std::to_string(2001 + i) +
           ".5,\"qty\":" + std::to_string(100 + i) + ".0}";
    }
    s += "]}";
    in.frames.push_back(pad(s));
  }
  for (int i = 0; i < 7014; ++i) {
    const auto p = static_cast<std::size_t>(rng() % 10);
    const bool buy = (rng() & 1) != 0;
    const int level = static_cast<int>(rng() % 100);
    const bool del = rng() % 3 == 0;
    const std::string price = std::to_string(buy ? 1999 - level : 2001 + level) + ".5";
    in.frames.push_back(pad(R"({"feed":"book","product_id":")" + in.products[p] + R"(","side":")" +
                            (buy ? "buy" : "sell") + R"(","seq":)" + std::to_string(++seq[p]) +
                            R"(,"price":)" + price + R"(,"qty":)" +
                            (del ? std::string("0.0") : std::to_string(1 + rng() % 50000) + ".0") +
                            R"(,"timestamp":1700000031135})"));
  }
  return in;
}

const Input& input() {
  static const Input in = [] {
    const std::string dir = TICKPATH_SAMPLES_DIR;
    try {
      Input real;
      for (const auto& f : kf::read_capture(dir + "/ws_book_snapshot.jsonl", 1, 10)) {
        real.frames.push_back(pad(f.text));
      }
      for (const auto& f : kf::read_capture(dir + "/ws_book_delta.jsonl", 1, 7014)) {
        real.frames.push_back(pad(f.text));
      }
      real.products = {"FI_ETHUSD_211231", "PI_XRPUSD",        "PI_LTCUSD",        "FI_BCHUSD_210730",
                       "PI_ETHUSD",        "FI_XBTUSD_210924", "FI_ETHUSD_210730", "FI_BCHUSD_210924",
                       "FI_XRPUSD_210924", "FI_XBTUSD_210730"};
      real.real = true;
      std::fprintf(stderr, "input: 2021 production session (%zu frames)\n", real.frames.size());
      return real;
    } catch (const std::exception&) {
      Input g = generated();
      std::fprintf(stderr, "input: generated stream (%zu frames), samples absent\n", g.frames.size());
      return g;
    }
  }();
  return in;
}

const InstrumentRegistry& registry() {
  static const InstrumentRegistry r = kf::make_registry(kf::builtin_2021_instruments().specs);
  return r;
}

struct NullHandler {
  void on_snapshot_begin(const BookSnapshotBegin&) noexcept {}
  void on_book_level(const BookLevel&) noexcept {}
  void on_snapshot_end(const BookSnapshotEnd&) noexcept {}
  void on_book_delta(const BookDelta&) noexcept {}
  void on_trade(const Trade&) noexcept {}
  void on_ticker(const Ticker&) noexcept {}
  void on_heartbeat(std::int64_t, std::int64_t) noexcept {}
  void on_control(const kf::ControlMessage&) noexcept {}
  void on_book_invalidated(const BookInvalidated&) noexcept {}
};
struct NullSink {
  void send_text(std::string_view) noexcept {}
  void request_reconnect() noexcept {}
};

using Session = kf::MarketDataSession<NullHandler, NullSink>;

// --- the peer: RapidJSON SAX -> std::map ---------------------------------------------------------

struct PeerBook {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  std::uint64_t seq = 0;
  bool valid = false;
  double tick = 1;
};

class Peer {
 public:
  explicit Peer(const std::vector<std::string>& products) {
    for (const std::string& p : products) {
      const Instrument& ins = registry().get(registry().find(p));
      PeerBook b;
      b.tick = static_cast<double>(ins.tick_size().mantissa) * std::pow(10.0, ins.tick_size().exponent);
      index_[p] = books_.size();
      books_.push_back(b);
    }
  }

  struct Handler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
    enum class Key { Other, Feed, Product, Side, Seq, Price, Qty, Bids, Asks };
    Key key = Key::Other;
    int depth = 0;
    int array = 0;  // 1 bids, 2 asks
    std::string feed, product;
    bool buy = false;
    std::uint64_t seq = 0;
    double price = 0, qty = 0;
    double lp = 0, lq = 0;
    std::vector<std::pair<double, double>> bid_levels, ask_levels;

    bool Key(const char* s, rapidjson::SizeType n, bool) {
      const std::string_view k(s, n);
      key = k == "feed"         ? Key::Feed
            : k == "product_id" ? Key::Product
            : k == "side"       ? Key::Side
            : k == "seq"        ? Key::Seq
            : k == "price"      ? Key::Price
            : k == "qty"        ? Key::Qty
            : k == "bids"       ? Key::Bids
            : k == "asks"       ? Key::Asks
                                : Key::Other;
      if (key == Key::Bids)
        array = 1;
      if (key == Key::Asks)
        array = 2;
      return true;
    }
    bool String(const char* s, rapidjson::SizeType n, bool) {
      if (key == Key::Feed)
        feed.assign(s, n);
      else if (key == Key::Product)
        product.assign(s, n);
      else if (key == Key::Side)
        buy = std::string_view(s, n) == "buy";
      return true;
    }
    bool number(double v) {
      if (depth > 1) {
        (key == Key::Price ? lp : lq) = v;
      } else if (key == Key::Price) {
        price = v;
      } else if (key == Key::Qty) {
        qty = v;
      }
      return true;
    }
    bool Double(double v) { return number(v); }
    bool Int(int v) { return number(v); }
    bool Int64(std::int64_t v) { return number(static_cast<double>(v)); }
    bool Uint(unsigned v) {
      if (key == Key::Seq)
        seq = v;
      return number(v);
    }
    bool Uint64(std::uint64_t v) {
      if (key == Key::Seq)
        seq = v;
      return number(static_cast<double>(v));
    }
    bool StartObject() {
      ++depth;
      return true;
    }
    bool EndObject(rapidjson::SizeType) {
      if (depth == 2)
        (array == 1 ? bid_levels : ask_levels).emplace_back(lp, lq);
      --depth;
      return true;
    }
    bool Default() { return true; }
  };

  // Parses only (no apply): the message fields end up in h_.
  bool parse(const PaddedFrame& f) {
    h_.bid_levels.clear();
    h_.ask_levels.clear();
    h_.depth = 0;
    rapidjson::StringStream ss(f.buf.c_str());
    return !reader_.Parse(ss, h_).IsError();
  }

  void on_frame(const PaddedFrame& f) {
    if (!parse(f))
      return;
    auto it = index_.find(h_.product);
    if (it == index_.end())
      return;
    PeerBook& b = books_[it->second];
    if (h_.feed == "book_snapshot") {
      b.bids.clear();
      b.asks.clear();
      for (auto [p, q] : h_.bid_levels)
        if (q != 0)
          b.bids[std::llround(p / b.tick)] = std::llround(q);
      for (auto [p, q] : h_.ask_levels)
        if (q != 0)
          b.asks[std::llround(p / b.tick)] = std::llround(q);
      b.seq = h_.seq;
      b.valid = true;
    } else if (h_.feed == "book" && b.valid) {
      if (h_.seq != b.seq + 1) {
        b.valid = false;
        return;
      }
      b.seq = h_.seq;
      const std::int64_t key = std::llround(h_.price / b.tick);
      const std::int64_t q = std::llround(h_.qty);
      if (h_.buy) {
        if (q == 0)
          b.bids.erase(key);
        else
          b.bids[key] = q;
      } else {
        if (q == 0)
          b.asks.erase(key);
        else
          b.asks[key] = q;
      }
    }
  }
  const PeerBook& book(const std::string& p) const { return books_[index_.at(p)]; }

 private:
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<PeerBook> books_;
  rapidjson::Reader reader_;
  Handler h_;
};

// Both designs must agree level for level before any figure counts.
bool agree() {
  static const bool ok = [] {
    const Input& in = input();
    NullHandler h;
    NullSink s;
    kf::MarketDataConfig config;
    config.products = in.products;
    Session session(registry(), config, h, s);
    session.on_connected(0);
    Peer peer(in.products);
    for (const PaddedFrame& f : in.frames) {
      session.on_frame(f.buf.data(), f.len, f.buf.size(), 0);
      peer.on_frame(f);
    }
    for (const std::string& p : in.products) {
      const book::L2Book& ours = *session.book(registry().find(p));
      const PeerBook& theirs = peer.book(p);
      if (!ours.valid() || !theirs.valid)
        return false;
      for (Side side : {Side::Buy, Side::Sell}) {
        std::vector<book::Level> levels(ours.level_count(side));
        ours.depth(side, levels);
        std::vector<std::pair<std::int64_t, std::int64_t>> a, b;
        for (const auto& l : levels)
          a.emplace_back(l.price.ticks(), l.qty.lots());
        if (side == Side::Buy)
          for (auto [k, v] : theirs.bids)
            b.emplace_back(k, v);
        else
          for (auto [k, v] : theirs.asks)
            b.emplace_back(k, v);
        if (a != b)
          return false;
      }
    }
    return true;
  }();
  return ok;
}

// --- whole session: parse + apply ------------------------------------------------------------------

void BM_Session_Tickpath(benchmark::State& state) {
  if (!agree()) {
    state.SkipWithError("tickpath and the RapidJSON+std::map peer disagree on the final books");
    return;
  }
  const Input& in = input();
  NullHandler h;
  NullSink s;
  kf::MarketDataConfig config;
  config.products = in.products;
  Session session(registry(), config, h, s);
  session.on_connected(0);
  for (auto _ : state) {
    for (const PaddedFrame& f : in.frames) {
      session.on_frame(f.buf.data(), f.len, f.buf.size(), 0);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(in.frames.size()));
  state.counters["ns_per_msg"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(in.frames.size()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (session.counters().rejected_frames != 0)
    state.SkipWithError("rejected frames");
}
BENCHMARK(BM_Session_Tickpath)->Unit(benchmark::kMicrosecond)->ComputeStatistics("min", min_of);

void BM_Session_RapidJsonSaxStdMap(benchmark::State& state) {
  if (!agree()) {
    state.SkipWithError("tickpath and the RapidJSON+std::map peer disagree on the final books");
    return;
  }
  const Input& in = input();
  Peer peer(in.products);
  for (auto _ : state) {
    for (const PaddedFrame& f : in.frames) {
      peer.on_frame(f);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(in.frames.size()));
  state.counters["ns_per_msg"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(in.frames.size()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Session_RapidJsonSaxStdMap)->Unit(benchmark::kMicrosecond)->ComputeStatistics("min", min_of);

// --- parse only ------------------------------------------------------------------------------------

const PaddedFrame& one_delta() {
  static const PaddedFrame f = pad(
      R"({"feed":"book","product_id":"PI_LTCUSD","side":"sell","seq":3100001,"price":2004.75,"qty":11900.0,"timestamp":1700000031135})");
  return f;
}

const PaddedFrame& snapshot25() {
  static const PaddedFrame f = [] {
    std::string s =
        R"({"feed":"book_snapshot","product_id":"PI_ETHUSD","timestamp":1700000000674,"seq":3100000,"tickSize":null,"bids":[)";
    for (int i = 0; i < 25; ++i) {
      s += (i ? "," : "") + std::string(R"({"price":)") + std::to_string(2003 - i) +
           ".95,\"qty\":" + std::to_string(1000 + 37 * i) + ".0}";
    }
    s += R"(],"asks":[)";
    for (int i = 0; i < 25; ++i) {
      s += (i ? "," : "") + std::string(R"({"price":)") + std::to_string(2004 + i) +
           ".05,\"qty\":" + std::to_string(1000 + 41 * i) + ".0}";
    }
    return pad(s + "]}");
  }();
  return f;
}

// The same delta with its keys in another order (and the feed last): read by the scanner's
// general loop instead of its as-sent layout.
const PaddedFrame& one_delta_reordered() {
  static const PaddedFrame f = pad(
      R"({"product_id":"PI_ETHUSD","seq":3100001,"side":"sell","price":2004.75,"timestamp":1700000031135,"qty":11900.0,"feed":"book"})");
  return f;
}

kf::ParserConfig simdjson_only() {
  kf::ParserConfig c;
  c.fast_path = false;
  return c;
}

void parse_tickpath(benchmark::State& state, const PaddedFrame& f, const kf::ParserConfig& config = {}) {
  kf::Parser parser(registry(), config);
  for (auto _ : state) {
    const kf::ParseResult r = parser.decode(f.buf.data(), f.len, f.buf.size(), 0);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(parser.decoded().delta);
  }
  if (!parser.decode(f.buf.data(), f.len, f.buf.size(), 0).ok())
    state.SkipWithError("parse failed");
}

void parse_peer(benchmark::State& state, const PaddedFrame& f) {
  Peer peer({"PI_ETHUSD"});
  for (auto _ : state) {
    benchmark::DoNotOptimize(peer.parse(f));
  }
}

void BM_ParseDelta_Tickpath(benchmark::State& state) {
  parse_tickpath(state, one_delta());
}
void BM_ParseDeltaReordered_Tickpath(benchmark::State& state) {
  parse_tickpath(state, one_delta_reordered());
}
void BM_ParseDelta_TickpathSimdjsonOnly(benchmark::State& state) {
  parse_tickpath(state, one_delta(), simdjson_only());
}
void BM_ParseDelta_RapidJsonSax(benchmark::State& state) {
  parse_peer(state, one_delta());
}
void BM_ParseSnapshot25_Tickpath(benchmark::State& state) {
  parse_tickpath(state, snapshot25());
}
void BM_ParseSnapshot25_TickpathSimdjsonOnly(benchmark::State& state) {
  parse_tickpath(state, snapshot25(), simdjson_only());
}
void BM_ParseSnapshot25_RapidJsonSax(benchmark::State& state) {
  parse_peer(state, snapshot25());
}
BENCHMARK(BM_ParseDelta_Tickpath)->ComputeStatistics("min", min_of);
BENCHMARK(BM_ParseDeltaReordered_Tickpath)->ComputeStatistics("min", min_of);
BENCHMARK(BM_ParseDelta_TickpathSimdjsonOnly)->ComputeStatistics("min", min_of);
BENCHMARK(BM_ParseDelta_RapidJsonSax)->ComputeStatistics("min", min_of);
BENCHMARK(BM_ParseSnapshot25_Tickpath)->ComputeStatistics("min", min_of);
BENCHMARK(BM_ParseSnapshot25_TickpathSimdjsonOnly)->ComputeStatistics("min", min_of);
BENCHMARK(BM_ParseSnapshot25_RapidJsonSax)->ComputeStatistics("min", min_of);

}  // namespace

BENCHMARK_MAIN();
