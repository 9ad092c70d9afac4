#include "md/live.hpp"

#include <chrono>
#include <climits>
#include <cstdio>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "tickpath/core/clock.hpp"
#include "tickpath/net/ws_session.hpp"
#include "tickpath/venue/kraken_futures/market_data.hpp"

namespace kf = tickpath::venue::kraken_futures;

namespace tickpath::tools::md {
namespace {

// Counts messages for the once-a-second rates (the books themselves live in the session).
struct RateHandler {
  std::uint64_t frames_total = 0;
  std::vector<std::uint64_t> deltas;  // by InstrumentId
  std::vector<std::uint64_t> trades;
  std::vector<std::uint64_t> tickers;
  explicit RateHandler(std::size_t n) : deltas(n, 0), trades(n, 0), tickers(n, 0) {}
  void on_snapshot_begin(const tickpath::BookSnapshotBegin&) noexcept {}
  void on_book_level(const tickpath::BookLevel&) noexcept {}
  void on_snapshot_end(const tickpath::BookSnapshotEnd&) noexcept {}
  void on_book_delta(const tickpath::BookDelta& d) noexcept { ++deltas[d.header.instrument.value()]; }
  void on_trade(const tickpath::Trade& t) noexcept { ++trades[t.header.instrument.value()]; }
  void on_ticker(const tickpath::Ticker& t) noexcept { ++tickers[t.header.instrument.value()]; }
  void on_heartbeat(std::int64_t, std::int64_t) noexcept {}
  void on_control(const kf::ControlMessage&) noexcept {}
  void on_book_invalidated(const tickpath::BookInvalidated&) noexcept {}
};

void print_top(const tickpath::Instrument& ins, std::optional<tickpath::book::Level> level) {
  if (!level) {
    std::fputs("null", stdout);
    return;
  }
  char p[tickpath::kMaxDecimalChars];
  char q[tickpath::kMaxDecimalChars];
  const std::size_t pn = ins.format_price(level->price, p, sizeof p);
  const std::size_t qn = ins.format_qty(level->qty, q, sizeof q);
  std::printf("[\"%.*s\",\"%.*s\"]", static_cast<int>(pn), p, static_cast<int>(qn), q);
}

template <typename Transport>
int run_live_on(const tickpath::InstrumentRegistry& registry, kf::MdFeedConfig config, std::int64_t seconds,
                const char* tag, const volatile std::sig_atomic_t& g_stop) {
  RateHandler handler(registry.size());
  kf::MdFeed<Transport, RateHandler> feed(registry, std::move(config), handler);
  const auto& md = feed.market_data();
  std::vector<std::uint64_t> last_deltas(registry.size(), 0);
  std::vector<std::uint64_t> last_trades(registry.size(), 0);
  std::vector<std::uint64_t> last_tickers(registry.size(), 0);
  std::uint64_t last_frames = 0;
  const std::int64_t start_ns = tickpath::monotonic_ns();
  const std::int64_t end_ns = seconds > 0 ? start_ns + seconds * tickpath::kNsPerSecond : INT64_MAX;
  std::int64_t next_print_ns = start_ns + tickpath::kNsPerSecond;
  feed.start();
  while (g_stop == 0 && tickpath::monotonic_ns() < end_ns) {
    if (feed.poll() == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds{50});  // a tool, not the hot thread
    }
    const std::int64_t now = tickpath::monotonic_ns();
    if (now < next_print_ns) {
      continue;
    }
    next_print_ns += tickpath::kNsPerSecond;
    const kf::SessionCounters& sc = md.counters();
    std::printf(
        "{\"t\":%.3f,\"state\":\"%s\",\"frames_per_s\":%llu,\"connects\":%llu,\"disconnects\":%llu,"
        "\"rejected\":%llu,\"products\":[",
        static_cast<double>(now - start_ns) / 1e9, tickpath::net::to_string(feed.state()),
        static_cast<unsigned long long>(sc.frames - last_frames),
        static_cast<unsigned long long>(sc.connects), static_cast<unsigned long long>(sc.disconnects),
        static_cast<unsigned long long>(sc.rejected_frames));
    last_frames = sc.frames;
    for (std::size_t i = 0; i < md.product_count(); ++i) {
      const tickpath::InstrumentId id = md.product_id(i);
      const std::size_t k = id.value();
      const tickpath::Instrument& ins = registry.get(id);
      const tickpath::book::L2Book& book = md.product_book(i);
      const kf::ProductStats& ps = md.product_stats(i);
      std::printf("%s{\"product\":\"%.*s\",\"valid\":%s,\"seq\":%llu,\"bid\":", i == 0 ? "" : ",",
                  static_cast<int>(ins.symbol().size()), ins.symbol().data(), book.valid() ? "true" : "false",
                  static_cast<unsigned long long>(ps.last_seq));
      print_top(ins, book.valid() ? book.best_bid() : std::nullopt);
      std::fputs(",\"ask\":", stdout);
      print_top(ins, book.valid() ? book.best_ask() : std::nullopt);
      std::printf(
          ",\"deltas_per_s\":%llu,\"trades_per_s\":%llu,\"tickers_per_s\":%llu,\"gaps\":%llu,"
          "\"resyncs\":%llu}",
          static_cast<unsigned long long>(handler.deltas[k] - last_deltas[k]),
          static_cast<unsigned long long>(handler.trades[k] - last_trades[k]),
          static_cast<unsigned long long>(handler.tickers[k] - last_tickers[k]),
          static_cast<unsigned long long>(ps.gaps), static_cast<unsigned long long>(ps.resyncs));
      last_deltas[k] = handler.deltas[k];
      last_trades[k] = handler.trades[k];
      last_tickers[k] = handler.tickers[k];
    }
    std::fputs("]}\n", stdout);
    std::fflush(stdout);
  }
  feed.stop();
  const std::int64_t stop_deadline = tickpath::monotonic_ns() + 5 * tickpath::kNsPerSecond;
  while (!feed.stopped() && tickpath::monotonic_ns() < stop_deadline) {
    if (feed.poll() == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds{100});
    }
  }
  std::fprintf(stderr, "%s: stopped (%s), %llu frames, %llu connects\n", tag,
               tickpath::net::to_string(feed.state()), static_cast<unsigned long long>(md.counters().frames),
               static_cast<unsigned long long>(md.counters().connects));
  return 0;
}

}  // namespace

int run_live(const InstrumentRegistry& registry, kf::MdFeedConfig config, std::int64_t seconds,
             const char* tag, const volatile std::sig_atomic_t& stop) {
  if (config.ws.url.rfind("wss://", 0) == 0) {
    return run_live_on<net::TlsTransport>(registry, std::move(config), seconds, tag, stop);
  }
  return run_live_on<net::PlainTransport>(registry, std::move(config), seconds, tag, stop);
}

}  // namespace tickpath::tools::md
