// tickpath-md: Kraken Futures market data without the engine.
//
//   tickpath-md replay FILE... [--depth N] [--instruments FILE|default] [--instruments-line N]
//       Runs recorded frames (JSON lines, or cryptofeed's raw capture format) through the same
//       parser, session logic and books as the engine, with no network, and prints one JSON line
//       per product (top N levels each side as decimal text, last seq, counts of messages, gaps,
//       crossed books, and the resyncs a live session would have sent) plus a summary line.
//       Tick sizes come from an /instruments answer (--instruments FILE; a .jsonl or capture file
//       holding several answers takes --instruments-line, default 1), or from the built-in table
//       of the 2021 capture's products (--instruments default, the default).
//   tickpath-md live --config FILE
//       Not yet: needs the net session.
//
// Exit codes: 0 ok, 1 bad input (message on stderr), 2 usage / not implemented.

#include <cctype>
#include <cstdio>
#include <cstring>
#include <exception>
#include <set>
#include <string>
#include <vector>

#include "tickpath/venue/kraken_futures/capture.hpp"
#include "tickpath/venue/kraken_futures/instruments.hpp"
#include "tickpath/venue/kraken_futures/market_data.hpp"

namespace kf = tickpath::venue::kraken_futures;

namespace {

struct NullHandler {
  void on_snapshot_begin(const tickpath::BookSnapshotBegin&) noexcept {}
  void on_book_level(const tickpath::BookLevel&) noexcept {}
  void on_snapshot_end(const tickpath::BookSnapshotEnd&) noexcept {}
  void on_book_delta(const tickpath::BookDelta&) noexcept {}
  void on_trade(const tickpath::Trade&) noexcept {}
  void on_ticker(const tickpath::Ticker&) noexcept {}
  void on_heartbeat(std::int64_t, std::int64_t) noexcept {}
  void on_control(const kf::ControlMessage&) noexcept {}
  void on_book_invalidated(const tickpath::BookInvalidated&) noexcept {}
};

// In replay nothing is sent: requests are counted (they are the resyncs a live session would do).
struct CountingSink {
  std::uint64_t sent = 0;
  std::uint64_t reconnects = 0;
  void send_text(std::string_view) noexcept { ++sent; }
  void request_reconnect() noexcept { ++reconnects; }
};

int usage() {
  std::fputs(
      "usage: tickpath-md replay FILE... [--depth N] [--instruments FILE|default] [--instruments-line N]\n"
      "       tickpath-md live --config FILE\n",
      stderr);
  return 2;
}

// Product ids named by data messages, in first-seen order (naive scan; the parser checks later).
std::vector<std::string> products_in(const std::vector<kf::CapturedFrame>& frames, bool& ticker_lite) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  constexpr std::string_view kKey = R"("product_id":")";
  for (const kf::CapturedFrame& f : frames) {
    if (f.event != kf::CaptureEvent::Received || f.text.find(R"("event")") != std::string::npos) {
      continue;
    }
    if (f.text.find(R"("feed":"ticker_lite")") != std::string::npos) {
      ticker_lite = true;
    }
    const std::size_t k = f.text.find(kKey);
    if (k == std::string::npos) {
      continue;
    }
    const std::size_t b = k + kKey.size();
    const std::size_t e = f.text.find('"', b);
    std::string p = f.text.substr(b, e - b);
    for (char& c : p) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (seen.insert(p).second) {
      out.push_back(p);
    }
  }
  return out;
}

void print_levels(const tickpath::Instrument& ins, const tickpath::book::L2Book& book, tickpath::Side side,
                  std::size_t depth) {
  std::vector<tickpath::book::Level> levels(depth);
  const std::size_t n = book.depth(side, levels);
  std::fputs("[", stdout);
  for (std::size_t i = 0; i < n; ++i) {
    char p[tickpath::kMaxDecimalChars];
    char q[tickpath::kMaxDecimalChars];
    const std::size_t pn = ins.format_price(levels[i].price, p, sizeof p);
    const std::size_t qn = ins.format_qty(levels[i].qty, q, sizeof q);
    std::printf("%s[\"%.*s\",\"%.*s\"]", i == 0 ? "" : ",", static_cast<int>(pn), p, static_cast<int>(qn), q);
  }
  std::fputs("]", stdout);
}

int replay(int argc, char** argv) {
  std::vector<std::string> files;
  std::size_t depth = 10;
  std::string instruments = "default";
  std::size_t instruments_line = 1;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--depth" && i + 1 < argc) {
      depth = std::stoul(argv[++i]);
    } else if (a == "--instruments" && i + 1 < argc) {
      instruments = argv[++i];
    } else if (a == "--instruments-line" && i + 1 < argc) {
      instruments_line = std::stoul(argv[++i]);
    } else if (a.rfind("--", 0) == 0) {
      return usage();
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    return usage();
  }
  const kf::InstrumentList list = instruments == "default"
                                      ? kf::builtin_2021_instruments()
                                      : kf::load_instruments_file(instruments, instruments_line);
  const tickpath::InstrumentRegistry registry = kf::make_registry(list.specs);

  std::vector<kf::CapturedFrame> frames;
  for (const std::string& f : files) {
    std::vector<kf::CapturedFrame> part = kf::read_capture(f);
    frames.insert(frames.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  kf::MarketDataConfig config;
  std::vector<std::string> unknown;
  for (const std::string& p : products_in(frames, config.ticker_lite)) {
    (registry.find(p).valid() ? config.products : unknown).push_back(p);
  }
  NullHandler handler;
  CountingSink sink;
  kf::MarketDataSession<NullHandler, CountingSink> session{registry, config, handler, sink};

  bool timed = false;
  bool connected = false;
  std::string buf;
  for (const kf::CapturedFrame& f : frames) {
    if (f.event == kf::CaptureEvent::Connect) {
      session.on_connected(f.time_ns);
      timed = true;
      connected = true;
      continue;
    }
    if (f.event == kf::CaptureEvent::Sent) {
      continue;
    }
    if (!connected) {
      session.on_connected(f.time_ns);  // a JSON-lines file: one implicit connection
      connected = true;
    }
    buf.assign(f.text);
    const std::size_t len = buf.size();
    buf.append(64, ' ');  // simdjson padding
    session.on_frame(buf.data(), len, buf.size(), f.time_ns);
    if (timed) {
      (void)session.poll(f.time_ns);  // the watchdogs, on the capture's receive times
    }
  }
  const std::uint64_t initial_requests = connected ? static_cast<std::uint64_t>(config.subscribe_book) +
                                                         static_cast<std::uint64_t>(config.subscribe_trade) +
                                                         static_cast<std::uint64_t>(config.subscribe_ticker)
                                                   : 0;

  std::uint64_t gaps = 0;
  std::uint64_t crossed = 0;
  std::uint64_t resyncs = 0;
  for (std::size_t i = 0; i < session.product_count(); ++i) {
    const tickpath::Instrument& ins = registry.get(session.product_id(i));
    const kf::ProductStats& s = session.product_stats(i);
    const tickpath::book::L2Book& book = session.product_book(i);
    gaps += s.gaps;
    crossed += s.crossed;
    resyncs += s.resyncs;
    std::printf(
        "{\"product\":\"%.*s\",\"valid\":%s,\"last_seq\":%llu,\"snapshots\":%llu,\"deltas\":%llu,"
        "\"deltas_dropped\":%llu,\"trades\":%llu,\"tickers\":%llu,\"gaps\":%llu,\"crossed\":%llu,\"stale\":%"
        "llu,"
        "\"resyncs\":%llu,\"bid_levels\":%zu,\"ask_levels\":%zu,\"bids\":",
        static_cast<int>(ins.symbol().size()), ins.symbol().data(), book.valid() ? "true" : "false",
        static_cast<unsigned long long>(s.last_seq), static_cast<unsigned long long>(s.snapshots),
        static_cast<unsigned long long>(s.deltas), static_cast<unsigned long long>(s.deltas_dropped),
        static_cast<unsigned long long>(s.trades), static_cast<unsigned long long>(s.tickers),
        static_cast<unsigned long long>(s.gaps), static_cast<unsigned long long>(s.crossed),
        static_cast<unsigned long long>(s.stale), static_cast<unsigned long long>(s.resyncs),
        book.level_count(tickpath::Side::Buy), book.level_count(tickpath::Side::Sell));
    print_levels(ins, book, tickpath::Side::Buy, depth);
    std::fputs(",\"asks\":", stdout);
    print_levels(ins, book, tickpath::Side::Sell, depth);
    std::fputs("}\n", stdout);
  }
  const kf::ParserCounters& pc = session.parser_counters();
  const kf::SessionCounters& sc = session.counters();
  std::printf(
      "{\"summary\":{\"frames\":%llu,\"rejected\":%llu,\"products\":%zu,\"gaps\":%llu,\"crossed\":%llu,"
      "\"resyncs\":%llu,\"reconnect_requests\":%llu,\"requests_beyond_initial\":%llu,\"acks_matched\":%llu,"
      "\"unexpected_acks\":%llu,\"unknown_products\":%llu,\"unknown_fields\":%llu,\"unknown_enums\":%llu,"
      "\"messages\":{",
      static_cast<unsigned long long>(sc.frames), static_cast<unsigned long long>(sc.rejected_frames),
      session.product_count(), static_cast<unsigned long long>(gaps),
      static_cast<unsigned long long>(crossed), static_cast<unsigned long long>(resyncs),
      static_cast<unsigned long long>(sink.reconnects),
      static_cast<unsigned long long>(sink.sent - initial_requests),
      static_cast<unsigned long long>(sc.acks_matched), static_cast<unsigned long long>(sc.unexpected_acks),
      static_cast<unsigned long long>(pc.unknown_products),
      static_cast<unsigned long long>(pc.unknown_fields), static_cast<unsigned long long>(pc.unknown_enums));
  bool first = true;
  for (std::size_t k = 0; k < kf::kMessageKindCount; ++k) {
    if (pc.messages[k] != 0) {
      std::printf("%s\"%s\":%llu", first ? "" : ",", kf::to_string(static_cast<kf::MessageKind>(k)),
                  static_cast<unsigned long long>(pc.messages[k]));
      first = false;
    }
  }
  std::fputs("},\"errors\":{", stdout);
  first = true;
  for (std::size_t k = 1; k < kf::kParseErrorCount; ++k) {
    if (pc.errors[k] != 0) {
      std::printf("%s\"%s\":%llu", first ? "" : ",", kf::to_string(static_cast<kf::ParseError>(k)),
                  static_cast<unsigned long long>(pc.errors[k]));
      first = false;
    }
  }
  std::fputs("},\"products_not_in_instruments\":[", stdout);
  for (std::size_t i = 0; i < unknown.size(); ++i) {
    std::printf("%s\"%s\"", i == 0 ? "" : ",", unknown[i].c_str());
  }
  std::printf("],\"instruments\":\"%s\"}}\n", instruments.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    return usage();
  }
  const std::string command = argv[1];
  try {
    if (command == "replay") {
      return replay(argc - 2, argv + 2);
    }
    if (command == "live") {
      std::fputs(
          "tickpath-md live: not yet: needs the net session (tickpath::net WsSession is not wired to the "
          "Kraken Futures market-data session yet)\n",
          stderr);
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tickpath-md: %s\n", e.what());
    return 1;
  }
  return usage();
}
