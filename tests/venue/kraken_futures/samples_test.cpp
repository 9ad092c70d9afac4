// Replays of the real 2021 production capture (../shared/kraken-samples, CF2021 in SOURCES.md)
// through the parser, the session and the books, checked against an independent reference: RapidJSON
// with numbers kept as text, a naive text-to-integer conversion and std::map books.

#include "support/samples.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "tickpath/venue/kraken_futures/capture.hpp"
#include "tickpath/venue/kraken_futures/instruments.hpp"
#include "tickpath/venue/kraken_futures/market_data.hpp"

#include "venue/kraken_futures/support.hpp"

using namespace tickpath;
using namespace tickpath::venue::kraken_futures;

namespace {

const std::vector<std::string> kProducts2021 = {
    "FI_ETHUSD_211231", "PI_XRPUSD",        "PI_LTCUSD",        "FI_BCHUSD_210730", "PI_ETHUSD",
    "FI_XBTUSD_210924", "FI_ETHUSD_210730", "FI_BCHUSD_210924", "FI_XRPUSD_210924", "FI_XBTUSD_210730"};

// Naive and independent of core/decimal: decimal text -> value * 10^8 via string surgery.
std::int64_t scaled_1e8(const std::string& text) {
  std::string s = text;
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.erase(0, 1);
  }
  int exp = 0;
  if (const auto e = s.find_first_of("eE"); e != std::string::npos) {
    exp = std::stoi(s.substr(e + 1));
    s = s.substr(0, e);
  }
  std::string frac;
  if (const auto dot = s.find('.'); dot != std::string::npos) {
    frac = s.substr(dot + 1);
    s = s.substr(0, dot);
  }
  std::string digits = s + frac;
  int shift = 8 + exp - static_cast<int>(frac.size());
  while (shift > 0) {
    digits += '0';
    --shift;
  }
  while (shift < 0) {
    REQUIRE(digits.back() == '0');  // finer than 1e-8 would not be representable here
    digits.pop_back();
    ++shift;
  }
  const std::int64_t v = std::stoll(digits);
  return neg ? -v : v;
}

struct RefBook {
  std::map<std::int64_t, std::int64_t> bids, asks;  // price * 1e8 -> qty * 1e8
  std::uint64_t seq = 0;
  bool valid = false;
  std::uint64_t gaps = 0;
  std::uint64_t deltas = 0;
};

struct Reference {
  std::map<std::string, RefBook> books;
  void apply(const std::string& line) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseNumbersAsStringsFlag>(line.c_str());
    REQUIRE_FALSE(d.HasParseError());
    if (d.HasMember("event") || !d.HasMember("feed")) {
      return;
    }
    const std::string feed = d["feed"].GetString();
    if (feed == "book_snapshot") {
      RefBook& b = books[d["product_id"].GetString()];
      b.bids.clear();
      b.asks.clear();
      for (const auto& l : d["bids"].GetArray()) {
        const std::int64_t q = scaled_1e8(l["qty"].GetString());
        if (q != 0)
          b.bids[scaled_1e8(l["price"].GetString())] = q;
      }
      for (const auto& l : d["asks"].GetArray()) {
        const std::int64_t q = scaled_1e8(l["qty"].GetString());
        if (q != 0)
          b.asks[scaled_1e8(l["price"].GetString())] = q;
      }
      b.seq = std::stoull(d["seq"].GetString());
      b.valid = true;
    } else if (feed == "book") {
      auto it = books.find(d["product_id"].GetString());
      if (it == books.end() || !it->second.valid) {
        return;
      }
      RefBook& b = it->second;
      const std::uint64_t seq = std::stoull(d["seq"].GetString());
      if (seq != b.seq + 1) {
        ++b.gaps;
      }
      b.seq = seq;
      auto& side = std::string(d["side"].GetString()) == "buy" ? b.bids : b.asks;
      const std::int64_t p = scaled_1e8(d["price"].GetString());
      const std::int64_t q = scaled_1e8(d["qty"].GetString());
      if (q == 0)
        side.erase(p);
      else
        side[p] = q;
      ++b.deltas;
    }
  }
};

std::int64_t pow10(int n) {
  std::int64_t v = 1;
  for (int i = 0; i < n; ++i)
    v *= 10;
  return v;
}

// Our book, level by level, in the reference's units.
void check_equal(const InstrumentRegistry& registry, const book::L2Book& book, const RefBook& ref,
                 const std::string& symbol) {
  INFO(symbol);
  const Instrument& ins = registry.get(registry.find(symbol));
  const auto scale = [](std::int64_t units, Increment inc) {
    REQUIRE(8 + inc.exponent >= 0);
    return units * inc.mantissa * pow10(8 + inc.exponent);
  };
  for (Side side : {Side::Buy, Side::Sell}) {
    std::vector<book::Level> levels(book.level_count(side));
    REQUIRE(book.depth(side, levels) == levels.size());
    std::map<std::int64_t, std::int64_t> ours;
    for (const book::Level& l : levels) {
      ours[scale(l.price.ticks(), ins.tick_size())] = scale(l.qty.lots(), ins.size_step());
    }
    CHECK(ours == (side == Side::Buy ? ref.bids : ref.asks));
  }
}

InstrumentRegistry registry_2021() {
  // Line 2 of rest_instruments.jsonl is the production answer fetched right before the session.
  const InstrumentList list =
      load_instruments_file((tickpath::test::samples_dir() / "rest_instruments.jsonl").string(), 2);
  return make_registry(list.specs);
}

struct NullHandler {
  void on_snapshot_begin(const BookSnapshotBegin&) {}
  void on_book_level(const BookLevel&) {}
  void on_snapshot_end(const BookSnapshotEnd&) {}
  void on_book_delta(const BookDelta&) {}
  void on_trade(const Trade&) {}
  void on_ticker(const Ticker&) {}
  void on_heartbeat(std::int64_t, std::int64_t) {}
  void on_control(const ControlMessage&) {}
  void on_book_invalidated(const BookInvalidated&) {}
};

}  // namespace

TEST_CASE("samples: the 2021 instruments answer gives the capture's tick sizes") {
  TICKPATH_REQUIRE_SAMPLES();
  const InstrumentRegistry registry = registry_2021();
  for (const std::string& p : kProducts2021) {
    CHECK(registry.find(p).valid());
  }
  CHECK(registry.get(registry.find("PI_ETHUSD")).tick_size() == Increment{5, -2});
  CHECK(registry.get(registry.find("pi_xrpusd")).tick_size() == Increment{1, -4});
  CHECK(registry.get(registry.find("FI_XBTUSD_210730")).tick_size() == Increment{5, -1});
  CHECK(registry.get(registry.find("PI_LTCUSD")).size_step() == Increment{1, 0});
}

TEST_CASE("samples: snapshots 1-10 and deltas 1-7014 replay with zero gaps, equal to a std::map reference") {
  TICKPATH_REQUIRE_SAMPLES();
  const InstrumentRegistry registry = registry_2021();
  const auto snapshots =
      read_capture((tickpath::test::samples_dir() / "ws_book_snapshot.jsonl").string(), 1, 10);
  const auto deltas = read_capture((tickpath::test::samples_dir() / "ws_book_delta.jsonl").string(), 1, 7014);
  REQUIRE(snapshots.size() == 10);
  REQUIRE(deltas.size() == 7014);

  NullHandler handler;
  tickpath::test::kf::RecordingSink sink;
  MarketDataConfig config;
  config.products = kProducts2021;
  MarketDataSession<NullHandler, tickpath::test::kf::RecordingSink> session{registry, config, handler, sink};
  session.on_connected(0);
  sink.sent.clear();
  Reference ref;
  std::int64_t t = 0;
  for (const auto* frames : {&snapshots, &deltas}) {
    for (const CapturedFrame& f : *frames) {
      const tickpath::test::kf::Frame fr(f.text);
      session.on_frame(fr.data(), fr.len, fr.capacity(), ++t);
      ref.apply(f.text);
    }
  }
  CHECK(session.counters().rejected_frames == 0);
  CHECK(session.parser_counters().total_errors() == 0);
  CHECK(sink.sent.empty());  // no resync was needed
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < session.product_count(); ++i) {
    const std::string symbol(registry.get(session.product_id(i)).symbol());
    const ProductStats& s = session.product_stats(i);
    INFO(symbol);
    CHECK(s.gaps == 0);
    CHECK(s.crossed == 0);
    CHECK(s.resyncs == 0);
    CHECK(s.snapshots == 1);
    CHECK(s.deltas_dropped == 0);
    CHECK(session.product_book(i).valid());
    const RefBook& r = ref.books.at(symbol);
    CHECK(r.gaps == 0);
    CHECK(s.deltas == r.deltas);
    CHECK(s.last_seq == r.seq);
    check_equal(registry, session.product_book(i), r, symbol);
    total += s.deltas;
  }
  CHECK(total == 7014);
}

TEST_CASE("samples: ws_book_delta lines 7015-7020 are not part of the 2021 session") {
  TICKPATH_REQUIRE_SAMPLES();
  const auto snapshots =
      read_capture((tickpath::test::samples_dir() / "ws_book_snapshot.jsonl").string(), 1, 10);
  const auto all = read_capture((tickpath::test::samples_dir() / "ws_book_delta.jsonl").string());
  REQUIRE(all.size() == 7020);
  Reference ref;
  for (const auto& f : snapshots)
    ref.apply(f.text);
  for (std::size_t i = 0; i < 7014; ++i)
    ref.apply(all[i].text);
  std::set<std::string> session_products(kProducts2021.begin(), kProducts2021.end());
  for (std::size_t i = 7014; i < all.size(); ++i) {
    rapidjson::Document d;
    d.Parse(all[i].text.c_str());
    const std::string product = d["product_id"].GetString();
    INFO(all[i].line);
    if (session_products.count(product) != 0) {
      CHECK(d["seq"].GetUint64() != ref.books.at(product).seq + 1);
    }
  }
}

TEST_CASE("samples: the raw cryptofeed capture replays with zero gaps and zero crossed books") {
  TICKPATH_REQUIRE_SAMPLES();
  const InstrumentRegistry registry = registry_2021();
  const auto frames =
      read_capture((tickpath::test::samples_dir() / "raw/cryptofeed/KRAKEN_FUTURES.ws.1.0.txt").string());
  NullHandler handler;
  tickpath::test::kf::RecordingSink sink;
  MarketDataConfig config;
  config.products = kProducts2021;
  config.ticker_lite = true;  // what the 2021 client subscribed
  MarketDataSession<NullHandler, tickpath::test::kf::RecordingSink> session{registry, config, handler, sink};
  Reference ref;
  std::size_t received = 0;
  for (const CapturedFrame& f : frames) {
    if (f.event == CaptureEvent::Connect) {
      session.on_connected(f.time_ns);
      continue;
    }
    if (f.event == CaptureEvent::Sent) {
      continue;
    }
    ++received;
    const tickpath::test::kf::Frame fr(f.text);
    session.on_frame(fr.data(), fr.len, fr.capacity(), f.time_ns);
    CHECK(session.poll(f.time_ns) == 0);  // no watchdog fires on the real session
    ref.apply(f.text);
  }
  CHECK(received > 7014);
  CHECK(session.counters().rejected_frames == 0);
  CHECK(session.counters().acks_matched == 30);
  CHECK(session.counters().unexpected_acks == 0);
  CHECK(sink.reconnects == 0);
  CHECK(sink.sent.size() == 3);  // the initial subscriptions only
  std::uint64_t deltas = 0;
  for (std::size_t i = 0; i < session.product_count(); ++i) {
    const std::string symbol(registry.get(session.product_id(i)).symbol());
    const ProductStats& s = session.product_stats(i);
    INFO(symbol);
    CHECK(s.gaps == 0);
    CHECK(s.crossed == 0);
    CHECK(s.resyncs == 0);
    CHECK(s.snapshots == 1);
    CHECK(s.trades >= 100);  // the 100-trade snapshot at least
    check_equal(registry, session.product_book(i), ref.books.at(symbol), symbol);
    deltas += s.deltas;
  }
  CHECK(deltas == 7014);
}
