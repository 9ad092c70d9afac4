#pragma once
// Kraken Futures public WebSocket v1 parser (kraken-futures-protocol.md §6): one frame of JSON in,
// normalised core events (tickpath/core/events.hpp) or one ControlMessage per product out.
//
// Contract
//   * Thread: one owner (the session's thread). One long-lived Parser per session.
//   * parse() is noexcept and does not allocate once warmed up: the simdjson parser and the level /
//     trade buffers are sized by the constructor from ParserConfig and only grow (allocate) when a
//     snapshot exceeds them, which the first snapshots of a session do at most once.
//   * In place: `data` must have `capacity - len >= SIMDJSON_PADDING` (64) readable bytes after the
//     frame (the net layer guarantees kFramePadding). The buffer is not modified.
//   * Key order never matters: each object's fields are read once, then the message is
//     classified by `event` first, then by `feed` (§6.1, §9.1). Flat frames (all book traffic) are
//     read by a dedicated scanner, the rest by simdjson; both give the same answer for any frame.
//   * Numbers are converted exactly from their JSON text with the instrument's tick size / size step
//     (Instrument::price_from_text / qty_from_text); values off the grid reject the whole frame.
//     Ticker reference values off any grid (mark, index, funding) become exact Decimals.
//   * All-or-nothing: a frame is fully validated before the handler sees any of it, so a rejected
//     frame (a ParseError, counted) applies nothing. Unknown fields, feeds, events, trade types and
//     products are tolerated and counted, never errors.
//   * Events carry exchange time (ms from the venue, as ns) and `recv_ns` as given.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "tickpath/core/events.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/venue/kraken_futures/messages.hpp"

namespace tickpath::venue::kraken_futures {

// What a parser's output goes to (static dispatch, STYLE B1.7). A snapshot arrives as
// on_snapshot_begin, one on_book_level per level (bids best first, then asks best first),
// on_snapshot_end. A trade snapshot arrives as on_trade calls, oldest first, with
// kEventFromSnapshot set. Every call is made from inside parse().
template <typename H>
concept ParserHandler = requires(H& h, const BookSnapshotBegin& sb, const BookLevel& lv,
                                 const BookSnapshotEnd& se, const BookDelta& d, const Trade& t,
                                 const Ticker& tk, const ControlMessage& c, std::int64_t ns) {
  h.on_snapshot_begin(sb);
  h.on_book_level(lv);
  h.on_snapshot_end(se);
  h.on_book_delta(d);
  h.on_trade(t);
  h.on_ticker(tk);
  h.on_heartbeat(ns, ns);  // (exchange_ns, recv_ns)
  h.on_control(c);
};

struct ParserConfig {
  // Frames larger than this are rejected (TooLarge). Kraken sends full-depth snapshots, ~100 KB for
  // PF_XBTUSD in 2026 (§9.7); 8 MiB leaves a wide margin.
  std::size_t max_message_bytes = 8U << 20U;
  // Pre-sized buffers (levels per snapshot, both sides; trades per snapshot; products per ack).
  std::size_t snapshot_levels_reserve = 16384;
  std::size_t snapshot_trades_reserve = 1024;
  std::size_t product_ids_reserve = 1024;
  // Read flat frames (book deltas, snapshots, trades, tickers, heartbeats) with the built-in scanner
  // and keep simdjson for everything else; same results either way (parser.cpp, "Two readers").
  // False forces simdjson for every frame: for tests and benchmarks that compare the two.
  bool fast_path = true;
};

// The typed content of the last frame; filled by decode(), read by parse()'s dispatch.
struct Decoded {
  MessageKind kind{MessageKind::Invalid};
  ParseError error{ParseError::None};
  BookDelta delta{};
  BookSnapshotBegin snapshot_begin{};
  BookSnapshotEnd snapshot_end{};
  std::vector<BookLevel> levels;  // bids then asks, best first
  std::vector<Trade> trades;      // oldest first
  Ticker ticker{};
  std::int64_t heartbeat_ns{0};
  std::int64_t recv_ns{0};
  ControlMessage control{};
  std::vector<std::string_view> products;  // product_ids of an ack
  std::vector<InstrumentId> product_instruments;
  bool deliver{false};  // a data message for a known product, or a control message
};

class Parser {
 public:
  // Cold: allocates the simdjson buffers and the snapshot buffers. The registry must outlive the
  // parser. Throws std::runtime_error when simdjson cannot allocate.
  explicit Parser(const InstrumentRegistry& registry, const ParserConfig& config = {});
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  Parser(Parser&&) noexcept;
  Parser& operator=(Parser&&) = delete;

  // Parses one frame and, unless it is rejected or ignored, calls the handler.
  template <ParserHandler H>
  ParseResult parse(const char* data, std::size_t len, std::size_t capacity, std::int64_t recv_ns,
                    H& handler) noexcept {
    const ParseResult r = decode(data, len, capacity, recv_ns);
    if (r.ok() && out_.deliver) {
      dispatch(handler);
    }
    return r;
  }

  // Decodes one frame into decoded() without calling anyone (tests, benchmarks, tools).
  ParseResult decode(const char* data, std::size_t len, std::size_t capacity, std::int64_t recv_ns) noexcept;

  [[nodiscard]] const Decoded& decoded() const noexcept { return out_; }
  [[nodiscard]] const ParserCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const InstrumentRegistry& registry() const noexcept { return *registry_; }

  struct Impl;  // simdjson state and the raw field table (parser.cpp)

 private:
  template <ParserHandler H>
  void dispatch(H& handler) noexcept {
    switch (out_.kind) {
      case MessageKind::Book:
        handler.on_book_delta(out_.delta);
        return;
      case MessageKind::BookSnapshot:
        handler.on_snapshot_begin(out_.snapshot_begin);
        for (const BookLevel& level : out_.levels) {
          handler.on_book_level(level);
        }
        handler.on_snapshot_end(out_.snapshot_end);
        return;
      case MessageKind::Trade:
      case MessageKind::TradeSnapshot:
        for (const Trade& trade : out_.trades) {
          handler.on_trade(trade);
        }
        return;
      case MessageKind::Ticker:
      case MessageKind::TickerLite:
        handler.on_ticker(out_.ticker);
        return;
      case MessageKind::Heartbeat:
        handler.on_heartbeat(out_.heartbeat_ns, out_.recv_ns);
        return;
      case MessageKind::Subscribed:
      case MessageKind::Unsubscribed:
      case MessageKind::SubscribedFailed:
      case MessageKind::UnsubscribedFailed:
        if (out_.products.empty()) {
          handler.on_control(out_.control);
          return;
        }
        for (std::size_t i = 0; i < out_.products.size(); ++i) {
          ControlMessage c = out_.control;
          c.product = out_.products[i];
          c.instrument = out_.product_instruments[i];
          handler.on_control(c);
        }
        return;
      case MessageKind::Info:
      case MessageKind::Challenge:
      case MessageKind::Alert:
      case MessageKind::Error:
        handler.on_control(out_.control);
        return;
      default:
        return;
    }
  }

  // Classifies and converts the fields decode() collected (parser.cpp).
  ParseResult convert(std::int64_t recv_ns) noexcept;

  const InstrumentRegistry* registry_;
  std::unique_ptr<Impl> impl_;
  Decoded out_;
  ParserCounters counters_{};
};

// Converts a Kraken uuid text ("8a2be12f-7a3f-4f8f-a111-d1b5200ab1d0") into 16 bytes; false (and
// zeros) when it is not one.
bool uuid_from_text(std::string_view text, std::array<std::uint8_t, 16>& out) noexcept;

}  // namespace tickpath::venue::kraken_futures
