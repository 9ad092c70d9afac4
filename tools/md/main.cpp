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
//   tickpath-md live --config FILE [--seconds N] [--instruments-from-venue]
//       Connects to the config's venue.ws_url (wss:// trusting venue.ca_file when set, or ws://),
//       subscribes [market_data].products / feeds with the config's instruments ([[instruments]]),
//       and prints one JSON line per second: per product
//       the top of book (decimal text), last seq, valid flag and message rates per second, plus
//       connection counters. Runs until SIGINT / SIGTERM or N seconds, then closes cleanly.
//       --instruments-from-venue: first GET <venue.rest_url>/instruments (HTTPS trusting
//       venue.ca_file and the system store, or http://; at most 10 s, before the feed starts);
//       for every subscribed product the venue lists, its tick size, size step and contract kind
//       replace the [[instruments]] row (changes are reported on stderr). Subscribed products the
//       venue does not list keep the config's values, with a warning; other rows are kept as is.
//       Any failure (TLS, HTTP status, a non-JSON body such as the demo host's HTML page, a
//       `result` other than "success") exits 1 without connecting.
//
// Exit codes: 0 ok, 1 bad input (message on stderr), 2 usage / not implemented.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tickpath/config/load.hpp"
#include "tickpath/net/tls_context.hpp"
#include "tickpath/venue/kraken_futures/capture.hpp"
#include "tickpath/venue/kraken_futures/instruments.hpp"
#include "tickpath/venue/kraken_futures/market_data.hpp"
#include "tickpath/venue/kraken_futures/md_feed.hpp"

#include "md/feed_config.hpp"
#include "md/live.hpp"

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
      "       tickpath-md live --config FILE [--seconds N] [--instruments-from-venue]\n"
      "\n"
      "  --instruments-from-venue  fetch GET <venue.rest_url>/instruments at start (HTTPS trusting\n"
      "                            venue.ca_file, at most 10 s) and use the venue's tick size and size\n"
      "                            step for the subscribed products instead of [[instruments]]'s;\n"
      "                            products the venue does not list keep the config's values.\n",
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

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_signal(int /*sig*/) {
  g_stop = 1;
}

std::string increment_text(tickpath::Increment increment) {
  char text[tickpath::kMaxDecimalChars];
  const std::size_t n = tickpath::format_units(1, increment, text, sizeof text);
  return std::string(text, n);
}

bool same_symbol(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

// --instruments-from-venue: the config's instruments, with the venue's increments and kind for
// each subscribed product it lists. Cold: blocks this (main) thread on the request before any
// feed thread or loop exists. Throws std::runtime_error (fetch, TLS, venue error) naming the URL.
tickpath::InstrumentRegistry registry_from_venue(const tickpath::config::EngineConfig& config) {
  constexpr std::chrono::milliseconds kFetchTimeout{10000};
  const tickpath::net::TlsContext tls(tickpath::net::TlsConfig{.ca_file = config.venue.ca_file});
  const kf::InstrumentList fetched = kf::fetch_instruments(config.venue.rest_url, tls, kFetchTimeout);
  std::fprintf(stderr, "tickpath-md live: %zu instruments from %s/instruments (%zu rows skipped)\n",
               fetched.specs.size(), config.venue.rest_url.c_str(), fetched.skipped.size());

  const tickpath::InstrumentRegistry configured = tickpath::tools::md::make_registry(config);
  std::vector<tickpath::InstrumentSpec> specs;
  specs.reserve(configured.size());
  for (std::size_t i = 0; i < configured.size(); ++i) {
    const tickpath::Instrument& ins =
        configured.get(tickpath::InstrumentId{static_cast<tickpath::InstrumentId::value_type>(i)});
    specs.push_back({std::string(ins.symbol()), ins.tick_size(), ins.size_step(), ins.kind()});
  }
  for (const std::string& product : config.market_data.products) {
    const auto own = std::find_if(specs.begin(), specs.end(), [&](const tickpath::InstrumentSpec& s) {
      return same_symbol(s.symbol, product);
    });
    const auto venue =
        std::find_if(fetched.specs.begin(), fetched.specs.end(),
                     [&](const tickpath::InstrumentSpec& s) { return same_symbol(s.symbol, product); });
    if (venue == fetched.specs.end()) {
      std::fprintf(stderr,
                   "tickpath-md live: warning: %s is not a tradeable instrument of the venue; using the "
                   "config's increments\n",
                   product.c_str());
      continue;
    }
    if (own == specs.end()) {  // the loader requires every product in [[instruments]]; be safe
      specs.push_back(*venue);
      continue;
    }
    if (own->tick_size != venue->tick_size || own->size_step != venue->size_step ||
        own->kind != venue->kind) {
      std::fprintf(
          stderr, "tickpath-md live: %s: venue tick %s step %s (%s) replaces config tick %s step %s (%s)\n",
          product.c_str(), increment_text(venue->tick_size).c_str(), increment_text(venue->size_step).c_str(),
          tickpath::to_string(venue->kind), increment_text(own->tick_size).c_str(),
          increment_text(own->size_step).c_str(), tickpath::to_string(own->kind));
    }
    own->tick_size = venue->tick_size;
    own->size_step = venue->size_step;
    own->kind = venue->kind;
  }
  return kf::make_registry(specs);
}

int live(int argc, char** argv) {
  std::string config_path;
  std::int64_t seconds = 0;
  bool instruments_from_venue = false;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a == "--instruments-from-venue") {
      instruments_from_venue = true;
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::stoll(argv[++i]);
    } else {
      return usage();
    }
  }
  if (config_path.empty() || seconds < 0) {
    return usage();
  }
  const tickpath::config::EngineConfig config = tickpath::config::load_config_file(config_path);
  if (config.market_data.products.empty()) {
    std::fprintf(stderr, "tickpath-md live: %s: market_data.products is empty; nothing to subscribe\n",
                 config_path.c_str());
    return 1;
  }
  const tickpath::InstrumentRegistry registry =
      instruments_from_venue ? registry_from_venue(config) : tickpath::tools::md::make_registry(config);
  kf::MdFeedConfig feed_config = tickpath::tools::md::make_md_feed_config(config);
  tickpath::calibrate_process_tsc_clock(std::chrono::milliseconds{50});  // frame receive times
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return tickpath::tools::md::run_live(registry, std::move(feed_config), seconds, "tickpath-md live", g_stop);
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
      return live(argc - 2, argv + 2);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tickpath-md: %s\n", e.what());
    return 1;
  }
  return usage();
}
