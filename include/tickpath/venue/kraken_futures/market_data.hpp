#pragma once
// Kraken Futures public market-data session logic (kraken-futures-protocol.md §6.1, §6.7, §7.1):
// subscribe, snapshot then deltas, per-product sequence checks, resync of one product, watchdogs.
//
// Transport-agnostic: whoever owns the socket (the net session live, a file in replay, a test)
// tells it on_connected / on_frame / on_disconnected and calls poll(now) from its duty cycle; it
// answers through a MarketDataSink (send_text, request_reconnect). Output goes to a
// MarketDataHandler (static dispatch) as normalised core events.
//
// Thread: one owner (the hot thread). Clock: every `*_ns` argument (frame receive time, connect
// time, poll time) must come from the same monotonic clock; the watchdogs compare them.
// Allocation: construction and on_connected (request text) allocate; on_frame and poll do not once
// the books and the parser are warmed up (a snapshot larger than any before may grow a book).
// Errors: start-up problems (an unknown product in the config) throw std::invalid_argument;
// runtime problems are counted (SessionCounters, ProductStats, ParserCounters) and turned into
// resubscriptions or a reconnect request.
//
// Book integrity (§6.7, §7.1): a book becomes valid with its snapshot (last_seq = snapshot seq);
// each delta must carry last_seq + 1. On a gap, or when the book crosses (best bid >= best ask),
// ONLY that product's book is invalidated (on_book_invalidated), its deltas are dropped, and
// `unsubscribe` + `subscribe` for the book feed of that product are sent; the next snapshot
// rebuilds it. Other products keep updating. A disconnect invalidates every book; on_connected
// subscribes everything again and each book is rebuilt from its new snapshot.

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tickpath/book/l2_book.hpp"
#include "tickpath/core/events.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/venue/kraken_futures/messages.hpp"
#include "tickpath/venue/kraken_futures/parser.hpp"

namespace tickpath::venue::kraken_futures {

// Where the session's requests go (the websocket session, or a recorder in tests and replay).
template <typename S>
concept MarketDataSink = requires(S& s, std::string_view text) {
  s.send_text(text);
  s.request_reconnect();
};

// Who receives the normalised events. Snapshot events arrive only for books the session accepts;
// deltas only when they were applied to a valid book.
template <typename H>
concept MarketDataHandler = ParserHandler<H> && requires(H& h, const BookInvalidated& inv) {
  h.on_book_invalidated(inv);
};

// Plain config with defaults (wired to TOML by the config component later).
struct MarketDataConfig {
  std::vector<std::string> products;  // symbols, any case; each must be in the registry
  bool subscribe_book = true;
  bool subscribe_trade = true;
  bool subscribe_ticker = true;
  bool ticker_lite = false;  // subscribe `ticker_lite` instead of `ticker`
  // Watchdogs (0 disables). ticker is ~1 msg/s per product (§6.5), so 15 s of silence on a
  // product means its subscription is dead; no frame at all for 10 s means the connection is.
  std::chrono::nanoseconds product_silence{std::chrono::seconds{15}};
  std::chrono::nanoseconds connection_silence{std::chrono::seconds{10}};
  book::BookConfig book{};
  ParserConfig parser{};
};

// Per-product counters, monotonic for the session's life.
struct ProductStats {
  std::uint64_t snapshots = 0;
  std::uint64_t deltas = 0;          // applied
  std::uint64_t deltas_dropped = 0;  // arrived while the book was invalid (awaiting a snapshot)
  std::uint64_t gaps = 0;
  std::uint64_t crossed = 0;
  std::uint64_t stale = 0;    // product watchdog fired
  std::uint64_t resyncs = 0;  // unsubscribe + subscribe sent for this product (gap, crossed, stale)
  std::uint64_t trades = 0;
  std::uint64_t tickers = 0;
  std::uint64_t invalidations = 0;
  std::uint64_t subscribe_failures = 0;
  std::uint64_t last_seq = 0;  // of the book
};

struct SessionCounters {
  std::uint64_t frames = 0;
  std::uint64_t rejected_frames = 0;  // ParseError != None (details in ParserCounters)
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t reconnect_requests = 0;  // connection watchdog
  std::uint64_t requests_sent = 0;
  std::uint64_t acks_matched = 0;
  std::uint64_t unexpected_acks = 0;  // an ack for no pending request (unknown product, other feed)
  std::uint64_t unexpected_data = 0;  // data for a product not configured on this session
  std::uint64_t alerts = 0;
  std::uint64_t errors = 0;
  std::uint64_t infos = 0;
};

template <MarketDataHandler H, MarketDataSink S>
class MarketDataSession {
 public:
  // Cold. Throws std::invalid_argument when a configured product is not in the registry or is
  // listed twice.
  MarketDataSession(const InstrumentRegistry& registry, const MarketDataConfig& config, H& handler, S& sink)
      : registry_(&registry),
        config_(config),
        handler_(&handler),
        sink_(&sink),
        parser_(registry, config.parser),
        slot_of_(registry.size(), kNoSlot) {
    products_.reserve(config.products.size());
    for (const std::string& symbol : config.products) {
      const InstrumentId id = registry.find(symbol);
      if (!id.valid()) {
        throw std::invalid_argument("kraken_futures market data: product '" + symbol +
                                    "' is not in the instrument list");
      }
      if (slot_of_[id.value()] != kNoSlot) {
        throw std::invalid_argument("kraken_futures market data: product '" + symbol + "' is listed twice");
      }
      slot_of_[id.value()] = static_cast<std::uint32_t>(products_.size());
      products_.emplace_back(id, config.book);
    }
    request_.reserve(256 + 32 * products_.size());
  }

  // --- transport events -------------------------------------------------------------------------
  // The websocket is open: subscribe every feed for every product (one request per feed). A second
  // on_connected without on_disconnected is treated as a reconnect.
  void on_connected(std::int64_t now_ns) {
    if (connected_) {
      on_disconnected(now_ns);
    }
    connected_ = true;
    reconnect_requested_ = false;
    last_frame_ns_ = now_ns;
    ++counters_.connects;
    for (Product& p : products_) {
      p.last_activity_ns = now_ns;
      p.awaiting_snapshot = true;
      for (Sub& s : p.subs) {
        s = Sub{};
      }
    }
    for (Feed feed : feeds()) {
      send_request("subscribe", feed, nullptr);
      for (Product& p : products_) {
        sub(p, feed).pending_subscribe = true;
      }
    }
  }

  // One complete frame (in place; capacity - len >= SIMDJSON_PADDING).
  void on_frame(const char* data, std::size_t len, std::size_t capacity, std::int64_t recv_ns) noexcept {
    ++counters_.frames;
    last_frame_ns_ = recv_ns;
    ParserAdapter adapter{this};
    const ParseResult r = parser_.parse(data, len, capacity, recv_ns, adapter);
    if (!r.ok()) {
      ++counters_.rejected_frames;
    }
  }

  // The connection is gone: every book is invalid until its next snapshot.
  void on_disconnected(std::int64_t now_ns) noexcept {
    if (!connected_) {
      return;
    }
    connected_ = false;
    ++counters_.disconnects;
    for (Product& p : products_) {
      if (p.book.valid() || !p.awaiting_snapshot) {
        invalidate(p, InvalidReason::Disconnect, 0, now_ns);
      }
      p.awaiting_snapshot = true;
      for (Sub& s : p.subs) {
        s = Sub{};
      }
    }
  }

  // Watchdogs. Returns the number of actions taken (0 when idle).
  int poll(std::int64_t now_ns) noexcept {
    if (!connected_) {
      return 0;
    }
    int work = 0;
    const std::int64_t conn_limit = config_.connection_silence.count();
    if (conn_limit > 0 && !reconnect_requested_ && now_ns - last_frame_ns_ > conn_limit) {
      reconnect_requested_ = true;
      ++counters_.reconnect_requests;
      sink_->request_reconnect();
      return 1;
    }
    const std::int64_t product_limit = config_.product_silence.count();
    if (product_limit > 0) {
      for (Product& p : products_) {
        if (now_ns - p.last_activity_ns > product_limit) {
          ++p.stats.stale;
          p.last_activity_ns = now_ns;  // next check one full period later
          resync(p, InvalidReason::Stale, 0, now_ns, /*all_feeds=*/true);
          ++work;
        }
      }
    }
    return work;
  }

  // --- queries -----------------------------------------------------------------------------------
  [[nodiscard]] bool connected() const noexcept { return connected_; }
  [[nodiscard]] std::size_t product_count() const noexcept { return products_.size(); }
  [[nodiscard]] InstrumentId product_id(std::size_t i) const noexcept { return products_[i].id; }
  [[nodiscard]] const book::L2Book& product_book(std::size_t i) const noexcept { return products_[i].book; }
  [[nodiscard]] const ProductStats& product_stats(std::size_t i) const noexcept { return products_[i].stats; }
  // The book of a configured instrument; nullptr otherwise. Check valid() before trusting it.
  [[nodiscard]] const book::L2Book* book(InstrumentId id) const noexcept {
    const Product* p = find(id);
    return p == nullptr ? nullptr : &p->book;
  }
  [[nodiscard]] const ProductStats* stats(InstrumentId id) const noexcept {
    const Product* p = find(id);
    return p == nullptr ? nullptr : &p->stats;
  }
  [[nodiscard]] const SessionCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const ParserCounters& parser_counters() const noexcept { return parser_.counters(); }
  [[nodiscard]] const Parser& parser() const noexcept { return parser_; }

 private:
  static constexpr std::uint32_t kNoSlot = 0xFFFFFFFFU;

  struct Sub {
    bool pending_subscribe = false;
    bool pending_unsubscribe = false;
    bool subscribed = false;
  };

  struct Product {
    Product(InstrumentId i, const book::BookConfig& bc) : id(i), book(bc) {}
    InstrumentId id;
    book::L2Book book;
    std::int64_t last_activity_ns = 0;
    bool awaiting_snapshot = true;
    Sub subs[3]{};  // book, trade, ticker
    ProductStats stats{};
  };

  // Forwards the parser's output into the session (keeps the session's own members private).
  struct ParserAdapter {
    MarketDataSession* self;
    void on_snapshot_begin(const BookSnapshotBegin& e) noexcept { self->snapshot_begin(e); }
    void on_book_level(const BookLevel& e) noexcept { self->book_level(e); }
    void on_snapshot_end(const BookSnapshotEnd& e) noexcept { self->snapshot_end(e); }
    void on_book_delta(const BookDelta& e) noexcept { self->book_delta(e); }
    void on_trade(const Trade& e) noexcept { self->trade(e); }
    void on_ticker(const Ticker& e) noexcept { self->ticker(e); }
    void on_heartbeat(std::int64_t exchange_ns, std::int64_t recv_ns) noexcept {
      self->handler_->on_heartbeat(exchange_ns, recv_ns);
    }
    void on_control(const ControlMessage& c) noexcept { self->control(c); }
  };

  [[nodiscard]] Product* find(InstrumentId id) noexcept {
    if (!id.valid() || id.value() >= slot_of_.size() || slot_of_[id.value()] == kNoSlot) {
      return nullptr;
    }
    return &products_[slot_of_[id.value()]];
  }
  [[nodiscard]] const Product* find(InstrumentId id) const noexcept {
    return const_cast<MarketDataSession*>(this)->find(id);
  }

  [[nodiscard]] std::vector<Feed> feeds() const {
    std::vector<Feed> f;
    if (config_.subscribe_book)
      f.push_back(Feed::Book);
    if (config_.subscribe_trade)
      f.push_back(Feed::Trade);
    if (config_.subscribe_ticker)
      f.push_back(config_.ticker_lite ? Feed::TickerLite : Feed::Ticker);
    return f;
  }
  [[nodiscard]] static std::size_t sub_index(Feed feed) noexcept {
    return feed == Feed::Book ? 0 : feed == Feed::Trade ? 1 : 2;
  }
  [[nodiscard]] static Sub& sub(Product& p, Feed feed) noexcept { return p.subs[sub_index(feed)]; }
  [[nodiscard]] bool configured(Feed feed) const noexcept {
    switch (feed) {
      case Feed::Book:
        return config_.subscribe_book;
      case Feed::Trade:
        return config_.subscribe_trade;
      case Feed::Ticker:
        return config_.subscribe_ticker && !config_.ticker_lite;
      case Feed::TickerLite:
        return config_.subscribe_ticker && config_.ticker_lite;
      default:
        return false;
    }
  }

  // {"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD",...]} for one product, or for all
  // when p is null. Reuses one reserved string: no allocation once sized.
  void send_request(std::string_view event, Feed feed, const Product* p) noexcept {
    request_.clear();
    request_ += R"({"event":")";
    request_ += event;
    request_ += R"(","feed":")";
    request_ += to_string(feed);
    request_ += R"(","product_ids":[)";
    bool first = true;
    for (const Product& q : products_) {
      if (p != nullptr && &q != p) {
        continue;
      }
      if (!first) {
        request_ += ',';
      }
      first = false;
      request_ += '"';
      request_ += registry_->get(q.id).symbol();
      request_ += '"';
    }
    request_ += "]}";
    ++counters_.requests_sent;
    sink_->send_text(request_);
  }

  void invalidate(Product& p, InvalidReason reason, std::int64_t exchange_ns, std::int64_t recv_ns) noexcept {
    const bool was_valid = p.book.valid();
    p.book.clear();
    p.awaiting_snapshot = true;
    ++p.stats.invalidations;
    (void)was_valid;
    BookInvalidated ev{};
    ev.header.type = EventType::BookInvalidated;
    ev.header.instrument = p.id;
    ev.header.exchange_ns = exchange_ns;
    ev.header.recv_ns = recv_ns;
    ev.header.seq = p.stats.last_seq;
    ev.header.flags = exchange_ns != 0 ? kEventHasExchangeTime : 0;
    ev.header.code = static_cast<std::uint8_t>(reason);
    handler_->on_book_invalidated(ev);
  }

  // Invalidate the book and resubscribe (the book feed only, or every feed for a stale product).
  void resync(Product& p, InvalidReason reason, std::int64_t exchange_ns, std::int64_t recv_ns,
              bool all_feeds) noexcept {
    if (config_.subscribe_book) {
      invalidate(p, reason, exchange_ns, recv_ns);
    }
    ++p.stats.resyncs;
    for (Feed feed : {Feed::Book, Feed::Trade, config_.ticker_lite ? Feed::TickerLite : Feed::Ticker}) {
      if (!configured(feed) || (!all_feeds && feed != Feed::Book)) {
        continue;
      }
      Sub& s = sub(p, feed);
      send_request("unsubscribe", feed, &p);
      send_request("subscribe", feed, &p);
      s.pending_unsubscribe = true;
      s.pending_subscribe = true;
    }
  }

  void snapshot_begin(const BookSnapshotBegin& e) noexcept {
    Product* p = find(e.header.instrument);
    if (p == nullptr) {
      ++counters_.unexpected_data;
      return;
    }
    p->last_activity_ns = e.header.recv_ns;
    in_snapshot_ = p;
    p->book.begin_snapshot();
    handler_->on_snapshot_begin(e);
  }
  void book_level(const BookLevel& e) noexcept {
    if (in_snapshot_ == nullptr) {
      return;
    }
    // May grow the book's capacity on the first oversized snapshot (cold; counted by the book).
    in_snapshot_->book.add_snapshot_level(e.header.side, e.price, e.qty);
    handler_->on_book_level(e);
  }
  void snapshot_end(const BookSnapshotEnd& e) noexcept {
    Product* p = in_snapshot_;
    in_snapshot_ = nullptr;
    if (p == nullptr) {
      return;
    }
    p->book.end_snapshot();
    p->awaiting_snapshot = false;
    p->stats.last_seq = e.header.seq;
    ++p->stats.snapshots;
    handler_->on_snapshot_end(e);
    if (p->book.crossed()) {
      ++p->stats.crossed;
      resync(*p, InvalidReason::Crossed, e.header.exchange_ns, e.header.recv_ns, false);
    }
  }

  void book_delta(const BookDelta& d) noexcept {
    Product* p = find(d.header.instrument);
    if (TICKPATH_UNLIKELY(p == nullptr)) {
      ++counters_.unexpected_data;
      return;
    }
    p->last_activity_ns = d.header.recv_ns;
    if (TICKPATH_UNLIKELY(!p->book.valid())) {
      ++p->stats.deltas_dropped;
      return;
    }
    if (TICKPATH_UNLIKELY(d.header.seq != p->stats.last_seq + 1)) {
      ++p->stats.gaps;
      resync(*p, InvalidReason::SequenceGap, d.header.exchange_ns, d.header.recv_ns, false);
      return;
    }
    (void)p->book.apply_delta(d.header.side, d.price, d.qty);  // anomalies are counted in BookStats
    p->stats.last_seq = d.header.seq;
    if (TICKPATH_UNLIKELY(p->book.crossed())) {
      ++p->stats.crossed;
      resync(*p, InvalidReason::Crossed, d.header.exchange_ns, d.header.recv_ns, false);
      return;
    }
    ++p->stats.deltas;
    handler_->on_book_delta(d);
  }

  void trade(const Trade& t) noexcept {
    Product* p = find(t.header.instrument);
    if (p == nullptr) {
      ++counters_.unexpected_data;
      return;
    }
    p->last_activity_ns = t.header.recv_ns;
    ++p->stats.trades;
    handler_->on_trade(t);
  }

  void ticker(const Ticker& t) noexcept {
    Product* p = find(t.header.instrument);
    if (p == nullptr) {
      ++counters_.unexpected_data;
      return;
    }
    p->last_activity_ns = t.header.recv_ns;
    ++p->stats.tickers;
    handler_->on_ticker(t);
  }

  void control(const ControlMessage& c) noexcept {
    switch (c.kind) {
      case MessageKind::Info:
        ++counters_.infos;
        break;
      case MessageKind::Alert:
        ++counters_.alerts;
        break;
      case MessageKind::Error:
        ++counters_.errors;
        break;
      case MessageKind::Subscribed:
      case MessageKind::Unsubscribed:
      case MessageKind::SubscribedFailed:
      case MessageKind::UnsubscribedFailed: {
        Product* p = find(c.instrument);
        if (p == nullptr || !configured(c.feed)) {
          ++counters_.unexpected_acks;
          break;
        }
        Sub& s = sub(*p, c.feed);
        const bool subscribe_ack =
            c.kind == MessageKind::Subscribed || c.kind == MessageKind::SubscribedFailed;
        bool& pending = subscribe_ack ? s.pending_subscribe : s.pending_unsubscribe;
        if (!pending) {
          ++counters_.unexpected_acks;
          break;
        }
        pending = false;
        ++counters_.acks_matched;
        if (c.kind == MessageKind::Subscribed) {
          s.subscribed = true;
        } else if (c.kind == MessageKind::Unsubscribed) {
          s.subscribed = false;
        } else if (c.kind == MessageKind::SubscribedFailed) {
          s.subscribed = false;
          ++p->stats.subscribe_failures;  // the product watchdog retries
        }
        break;
      }
      default:
        break;
    }
    handler_->on_control(c);
  }

  const InstrumentRegistry* registry_;
  MarketDataConfig config_;
  H* handler_;
  S* sink_;
  Parser parser_;
  std::vector<std::uint32_t> slot_of_;  // InstrumentId -> index in products_
  std::vector<Product> products_;
  Product* in_snapshot_ = nullptr;
  std::string request_;
  SessionCounters counters_{};
  std::int64_t last_frame_ns_ = 0;
  bool connected_ = false;
  bool reconnect_requested_ = false;
};

}  // namespace tickpath::venue::kraken_futures
