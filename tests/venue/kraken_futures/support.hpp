#pragma once
// Test helpers for the Kraken Futures adapter: padded frames, a recording handler and sink, the
// fixture loader and a small instrument registry.

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tickpath/core/events.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/venue/kraken_futures/messages.hpp"

namespace tickpath::test::kf {

// A frame copied into a buffer with simdjson's padding after it, as the net layer hands them over.
struct Frame {
  explicit Frame(std::string_view text) : len(text.size()), buf(text.size() + 64, ' ') {
    buf.replace(0, text.size(), text);
  }
  [[nodiscard]] const char* data() const { return buf.data(); }
  [[nodiscard]] std::size_t capacity() const { return buf.size(); }
  std::size_t len;
  std::string buf;
};

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(TICKPATH_SOURCE_DIR) + "/tests/data/kraken_futures/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

// PI_XBTUSD 0.5/1, PI_ETHUSD 0.05/1, PF_XBTUSD 1/0.0001, PI_LTCUSD 0.01/1.
inline InstrumentRegistry test_registry() {
  InstrumentRegistry r(16);
  r.add({"PI_XBTUSD", {5, -1}, {1, 0}, ContractKind::Inverse});
  r.add({"PI_ETHUSD", {5, -2}, {1, 0}, ContractKind::Inverse});
  r.add({"PF_XBTUSD", {1, 0}, {1, -4}, ContractKind::Linear});
  r.add({"PI_LTCUSD", {1, -2}, {1, 0}, ContractKind::Inverse});
  return r;
}

struct ControlCopy {
  venue::kraken_futures::MessageKind kind;
  venue::kraken_futures::Feed feed;
  InstrumentId instrument;
  std::string feed_text, product, message;
  std::int64_t version;
};

struct Recorder {
  std::vector<BookSnapshotBegin> begins;
  std::vector<BookLevel> levels;
  std::vector<BookSnapshotEnd> ends;
  std::vector<BookDelta> deltas;
  std::vector<Trade> trades;
  std::vector<Ticker> tickers;
  std::vector<std::pair<std::int64_t, std::int64_t>> heartbeats;
  std::vector<ControlCopy> controls;
  std::vector<BookInvalidated> invalidations;

  void on_snapshot_begin(const BookSnapshotBegin& e) { begins.push_back(e); }
  void on_book_level(const BookLevel& e) { levels.push_back(e); }
  void on_snapshot_end(const BookSnapshotEnd& e) { ends.push_back(e); }
  void on_book_delta(const BookDelta& e) { deltas.push_back(e); }
  void on_trade(const Trade& e) { trades.push_back(e); }
  void on_ticker(const Ticker& e) { tickers.push_back(e); }
  void on_heartbeat(std::int64_t exchange_ns, std::int64_t recv_ns) {
    heartbeats.emplace_back(exchange_ns, recv_ns);
  }
  void on_control(const venue::kraken_futures::ControlMessage& c) {
    controls.push_back({c.kind, c.feed, c.instrument, std::string(c.feed_text), std::string(c.product),
                        std::string(c.message), c.version});
  }
  void on_book_invalidated(const BookInvalidated& e) { invalidations.push_back(e); }
  [[nodiscard]] std::size_t total() const {
    return begins.size() + levels.size() + ends.size() + deltas.size() + trades.size() + tickers.size() +
           heartbeats.size() + controls.size() + invalidations.size();
  }
};

struct RecordingSink {
  std::vector<std::string> sent;
  int reconnects = 0;
  void send_text(std::string_view t) { sent.emplace_back(t); }
  void request_reconnect() { ++reconnects; }
};

}  // namespace tickpath::test::kf
