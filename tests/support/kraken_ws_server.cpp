#include "support/kraken_ws_server.hpp"

// Same GCC 12 diagnostics in Asio code as in src/net/ws_session.cpp (tsan preset only): a
// -Wnull-dereference false positive in io_context's executor operator== and -Wtsan for Asio's
// fences. Third-party code; silenced for this translation unit only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#include <algorithm>
#include <cctype>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <simdjson.h>

#include "tickpath/core/clock.hpp"

namespace tickpath::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

enum class FeedKind : std::uint8_t { Book, Trade, Ticker, TickerLite };

std::optional<FeedKind> feed_of(std::string_view name) {
  if (name == "book")
    return FeedKind::Book;
  if (name == "trade")
    return FeedKind::Trade;
  if (name == "ticker")
    return FeedKind::Ticker;
  if (name == "ticker_lite")
    return FeedKind::TickerLite;
  return std::nullopt;
}

std::int64_t epoch_ms() {
  return wall_ns() / 1'000'000;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string num(std::int64_t v) {
  return std::to_string(v) + ".0";  // Kraken prints floats; integral values stay on every grid
}

}  // namespace

// One client connection: its subscriptions and mutes, the write queue. Lives on the server
// thread; owned by the handlers in flight (shared_ptr), listed weakly by the server.
struct Connection : std::enable_shared_from_this<Connection> {
  explicit Connection(std::size_t product_count) : product_muted(product_count, false) {}
  virtual ~Connection() = default;
  virtual void send(std::string text) = 0;
  virtual void close() = 0;
  virtual void kill() = 0;  // no handshake: shuts the socket

  [[nodiscard]] bool subscribed(FeedKind f, std::size_t product) const {
    return subs.count({f, product}) != 0;
  }
  [[nodiscard]] bool wants(FeedKind f, std::size_t product) const {
    return open && !muted && !product_muted[product] && subscribed(f, product);
  }

  std::set<std::pair<FeedKind, std::size_t>> subs;
  std::vector<bool> product_muted;
  bool muted{false};
  bool open{false};  // handshake done, not closing
  bool dead{false};  // the socket failed or was closed: dropped from the server's list
};

struct KrakenWsServer::Impl {
  struct Product {
    std::string symbol;
    std::int64_t mid{0};
    ServerBook book;
    std::uint64_t trade_seq{5000};
    bool skip_next{false};
  };

  KrakenWsServer& owner;
  KrakenServerConfig cfg;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer tick_timer{io};
  std::optional<asio::ssl::context> tls;
  std::thread thread;
  std::atomic<bool> stopping{false};

  // Server thread only.
  std::vector<Product> products;
  // Owned here too: a connection that stopped reading (ignore-pings mode) and has nothing to
  // write has no handler in flight to keep it alive.
  std::vector<std::shared_ptr<Connection>> connections;
  std::mt19937_64 rng;
  std::uint64_t ticks{0};
  std::int64_t last_ticker_ns{0};
  bool paused{false};
  std::chrono::milliseconds request_delay{0};
  std::size_t ignore_pings_after{std::numeric_limits<std::size_t>::max()};
  simdjson::dom::parser json;

  mutable std::mutex mutex;  // guards the two below (read by the test thread)
  std::vector<std::string> received;
  std::map<std::string, int> book_subscribes;

  Impl(KrakenWsServer& o, KrakenServerConfig c) : owner(o), cfg(std::move(c)), rng(cfg.seed) {
    std::int64_t mid = 10'000;
    for (const std::string& symbol : cfg.products) {
      Product p;
      p.symbol = upper(symbol);
      p.mid = mid;
      p.book.seq = cfg.first_seq;
      for (int i = 1; i <= cfg.levels; ++i) {
        p.book.bids[mid - i] = 10 * i;
        p.book.asks[mid + i] = 10 * i + 1;
      }
      products.push_back(std::move(p));
      mid += 5'000;
    }
  }

  [[nodiscard]] std::optional<std::size_t> product_index(std::string_view symbol) const {
    const std::string u = upper(symbol);
    for (std::size_t i = 0; i < products.size(); ++i) {
      if (products[i].symbol == u) {
        return i;
      }
    }
    return std::nullopt;
  }

  template <typename F>
  void for_each_connection(F&& f) {
    std::erase_if(connections, [](const std::shared_ptr<Connection>& c) { return c->dead; });
    const std::vector<std::shared_ptr<Connection>> all = connections;  // f may mark one dead
    for (const auto& c : all) {
      f(*c);
    }
  }

  // --- accepting ----------------------------------------------------------------------------

  void do_accept();
  void count_ping() { owner.pings_.fetch_add(1); }
  void count_closed() { owner.open_.fetch_sub(1); }

  void on_open(const std::shared_ptr<Connection>& c) {
    owner.handshakes_.fetch_add(1);
    owner.open_.fetch_add(1);
    c->send(R"({"event":"info","version":1})");
  }

  // --- requests (§6.2, §8 items 1-2) ------------------------------------------------------------

  void on_request(Connection& c, const std::string& text) {
    {
      std::lock_guard lock(mutex);
      received.push_back(text);
    }
    simdjson::dom::element doc;
    if (json.parse(text).get(doc) != simdjson::SUCCESS) {
      c.send(R"({"event":"error","message":"Json Error"})");
      return;
    }
    std::string_view event;
    std::string_view feed_name;
    if (doc["event"].get(event) != simdjson::SUCCESS || doc["feed"].get(feed_name) != simdjson::SUCCESS ||
        (event != "subscribe" && event != "unsubscribe")) {
      c.send(R"({"event":"alert","message":"Bad websocket message"})");
      return;
    }
    const std::optional<FeedKind> feed = feed_of(feed_name);
    if (!feed) {
      c.send(R"({"event":"alert","message":"Couldn't subscribe to invalid feed"})");
      return;
    }
    simdjson::dom::array ids;
    if (doc["product_ids"].get(ids) != simdjson::SUCCESS) {
      c.send(R"({"event":"alert","message":"Bad websocket message"})");
      return;
    }
    const bool subscribe = event == "subscribe";
    for (simdjson::dom::element id : ids) {
      std::string_view symbol;
      if (id.get(symbol) != simdjson::SUCCESS) {
        continue;
      }
      const std::optional<std::size_t> p = product_index(symbol);
      if (!p) {
        c.send("{\"event\":\"alert\",\"message\":\"Couldn't subscribe to invalid product `" +
               std::string(symbol) + "`\"}");
        continue;
      }
      const std::string& sym = products[*p].symbol;
      c.send(std::string(R"({"event":")") + (subscribe ? "subscribed" : "unsubscribed") + R"(","feed":")" +
             std::string(feed_name) + R"(","product_ids":[")" + sym + R"("]})");
      if (!subscribe) {
        c.subs.erase({*feed, *p});
        continue;
      }
      c.subs.insert({*feed, *p});
      switch (*feed) {
        case FeedKind::Book: {
          c.product_muted[*p] = false;
          {
            std::lock_guard lock(mutex);
            ++book_subscribes[sym];
          }
          c.send(snapshot_text(products[*p]));
          break;
        }
        case FeedKind::Trade:
          c.send(R"({"feed":"trade_snapshot","product_id":")" + sym + R"(","trades":[)" +
                 trade_text(products[*p], products[*p].trade_seq) + "]}");
          break;
        case FeedKind::Ticker:
        case FeedKind::TickerLite:
          c.send(ticker_text(products[*p], *feed == FeedKind::TickerLite));
          break;
      }
    }
  }

  // --- messages (§6.5, §6.7, §6.8) --------------------------------------------------------------

  static std::string levels_text(const std::map<std::int64_t, std::int64_t>& side, bool descending) {
    std::string out = "[";
    bool first = true;
    const auto add = [&](const std::pair<const std::int64_t, std::int64_t>& l) {
      out += first ? "" : ",";
      first = false;
      out += R"({"price":)" + num(l.first) + R"(,"qty":)" + num(l.second) + "}";
    };
    if (descending) {
      std::for_each(side.rbegin(), side.rend(), add);
    } else {
      std::for_each(side.begin(), side.end(), add);
    }
    return out + "]";
  }

  static std::string snapshot_text(const Product& p) {
    return R"({"feed":"book_snapshot","product_id":")" + p.symbol + R"(","timestamp":)" +
           std::to_string(epoch_ms()) + R"(,"seq":)" + std::to_string(p.book.seq) +
           R"(,"tickSize":null,"bids":)" + levels_text(p.book.bids, true) + R"(,"asks":)" +
           levels_text(p.book.asks, false) + "}";
  }

  static std::string trade_text(const Product& p, std::uint64_t seq) {
    return R"({"feed":"trade","product_id":")" + p.symbol + R"(","uid":"00000000-0000-4000-8000-)" +
           std::to_string(100'000'000'000 + seq) + R"(","side":"buy","type":"fill","seq":)" +
           std::to_string(seq) + R"(,"time":)" + std::to_string(epoch_ms()) + R"(,"qty":1.0,"price":)" +
           num(p.mid) + "}";
  }

  static std::string ticker_text(const Product& p, bool lite) {
    const std::int64_t bid = p.book.bids.empty() ? p.mid - 1 : p.book.bids.rbegin()->first;
    const std::int64_t ask = p.book.asks.empty() ? p.mid + 1 : p.book.asks.begin()->first;
    if (lite) {
      return R"({"feed":"ticker_lite","product_id":")" + p.symbol + R"(","bid":)" + num(bid) + R"(,"ask":)" +
             num(ask) +
             R"(,"change":0.0,"premium":0.0,"volume":1000.0,"tag":"perpetual","pair":"XBT:USD",)"
             R"("dtm":0,"maturityTime":0,"volumeQuote":1000.0})";
    }
    return R"({"feed":"ticker","product_id":")" + p.symbol + R"(","time":)" + std::to_string(epoch_ms()) +
           R"(,"bid":)" + num(bid) + R"(,"ask":)" + num(ask) + R"(,"bid_size":1.0,"ask_size":1.0,"last":)" +
           num(p.mid) +
           R"(,"volume":1000.0,"suspended":false,"tag":"perpetual","pair":"XBT:USD",)"
           R"("dtm":0,"maturityTime":0,"post_only":false})";
  }

  // --- the generator ------------------------------------------------------------------------

  void schedule_tick() {
    tick_timer.expires_after(cfg.tick);
    tick_timer.async_wait([this](error_code ec) {
      if (ec || stopping.load()) {
        return;
      }
      on_tick();
      schedule_tick();
    });
  }

  void on_tick() {
    if (paused) {
      return;
    }
    ++ticks;
    for (std::size_t i = 0; i < products.size(); ++i) {
      Product& p = products[i];
      const std::string delta = next_delta(p);
      const bool skip = std::exchange(p.skip_next, false);
      if (!skip) {
        for_each_connection([&](Connection& c) {
          if (c.wants(FeedKind::Book, i)) {
            c.send(delta);
          }
        });
      }
      if (ticks % 8 == 0) {
        const std::string trade = trade_text(p, ++p.trade_seq);
        for_each_connection([&](Connection& c) {
          if (c.wants(FeedKind::Trade, i)) {
            c.send(trade);
          }
        });
      }
    }
    const std::int64_t now = monotonic_ns();
    if (now - last_ticker_ns >= std::chrono::nanoseconds(cfg.ticker_interval).count()) {
      last_ticker_ns = now;
      for (std::size_t i = 0; i < products.size(); ++i) {
        for_each_connection([&](Connection& c) {
          if (c.wants(FeedKind::Ticker, i)) {
            c.send(ticker_text(products[i], false));
          } else if (c.wants(FeedKind::TickerLite, i)) {
            c.send(ticker_text(products[i], true));
          }
        });
      }
    }
  }

  // One level change: a random side and distance from the mid; a third of the changes delete an
  // existing level. Bids stay below the mid and asks above it, so the book never crosses.
  std::string next_delta(Product& p) {
    const bool buy = (rng() & 1U) != 0;
    auto& side = buy ? p.book.bids : p.book.asks;
    const auto distance = static_cast<std::int64_t>(1 + rng() % static_cast<std::uint64_t>(cfg.levels + 2));
    const std::int64_t price = buy ? p.mid - distance : p.mid + distance;
    std::int64_t qty = static_cast<std::int64_t>(1 + rng() % 100);
    if (rng() % 3 == 0 && side.count(price) != 0) {
      qty = 0;
    }
    if (qty == 0) {
      side.erase(price);
    } else {
      side[price] = qty;
    }
    ++p.book.seq;
    return R"({"feed":"book","product_id":")" + p.symbol + R"(","side":")" + (buy ? "buy" : "sell") +
           R"(","seq":)" + std::to_string(p.book.seq) + R"(,"price":)" + num(price) + R"(,"qty":)" +
           num(qty) + R"(,"timestamp":)" + std::to_string(epoch_ms()) + "}";
  }

  // Runs f on the server thread and waits for it.
  template <typename F>
  auto call(F f) const -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(const_cast<asio::io_context&>(io), [&task] { task(); });
    return result.get();
  }
};

namespace {

// One connection over stream type Ws (TLS or plain websocket).
template <typename Ws>
class Session final : public Connection {
 public:
  template <typename... Args>
  Session(KrakenWsServer::Impl& server, std::size_t ignore_after, Args&&... args)
      : Connection(server.products.size()),
        server_(server),
        ws_(std::forward<Args>(args)...),
        timer_(ws_.get_executor()),
        ignore_after_(ignore_after) {}

  void start() {
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) {
        server_.count_ping();
      }
    });
    ws_.text(true);
    if constexpr (kTls) {
      ws_.next_layer().async_handshake(asio::ssl::stream_base::server, [self = shared()](error_code ec) {
        if (!ec) {
          self->accept();
        }
      });
    } else {
      accept();
    }
  }

  void send(std::string text) override {
    if (closing_) {
      return;
    }
    queue_.push_back(std::move(text));
    if (!writing_) {
      write_next();
    }
  }

  void close() override {
    if (closing_ || !open) {
      return;
    }
    closing_ = true;
    open = false;
    server_.count_closed();
    ws_.async_close(websocket::close_code::going_away, [self = shared()](error_code) {});
  }

  void kill() override {
    timer_.cancel();
    error_code ec;
    beast::get_lowest_layer(ws_).shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close(ec);
    lost();
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Ws, websocket::stream<tcp::socket>>;

  std::shared_ptr<Session> shared() { return std::static_pointer_cast<Session>(shared_from_this()); }

  void accept() {
    ws_.async_accept([self = shared()](error_code ec) {
      if (ec) {
        return;
      }
      self->open = true;
      self->server_.on_open(self);
      self->read_next();
    });
  }

  void read_next() {
    if (reads_ >= ignore_after_) {
      return;  // no read pending: the client's Pings go unanswered
    }
    ws_.async_read(buffer_, [self = shared()](error_code ec, std::size_t) {
      if (ec) {
        self->lost();
        return;
      }
      ++self->reads_;
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->server_.request_delay.count() == 0) {
        self->handle(text);
        self->read_next();
        return;
      }
      // A slow venue: the request is answered (and the next one read) after the delay.
      self->timer_.expires_after(self->server_.request_delay);
      self->timer_.async_wait([self, t = std::move(text)](error_code wait_ec) {
        if (wait_ec) {
          return;
        }
        self->handle(t);
        self->read_next();
      });
    });
  }

  void handle(const std::string& text) {
    if (!closing_) {
      server_.on_request(*this, text);
    }
  }

  void write_next() {
    writing_ = true;
    ws_.async_write(asio::buffer(queue_.front()), [self = shared()](error_code ec, std::size_t) {
      if (ec) {
        self->queue_.clear();
        self->writing_ = false;
        self->lost();
        return;
      }
      self->queue_.pop_front();
      if (self->queue_.empty() || self->closing_) {
        self->writing_ = false;
        self->queue_.clear();
      } else {
        self->write_next();
      }
    });
  }

  void lost() {
    dead = true;
    if (open) {
      open = false;
      server_.count_closed();
    }
    closing_ = true;
  }

  KrakenWsServer::Impl& server_;
  Ws ws_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::size_t ignore_after_;
  std::size_t reads_{0};
  bool writing_{false};
  bool closing_{false};
};

using PlainSession = Session<websocket::stream<tcp::socket>>;
using TlsSession = Session<websocket::stream<asio::ssl::stream<tcp::socket>>>;

}  // namespace

void KrakenWsServer::Impl::do_accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec || stopping.load()) {
      return;
    }
    socket.set_option(tcp::no_delay(true));
    std::shared_ptr<Connection> c;
    if (tls) {
      auto s = std::make_shared<TlsSession>(*this, ignore_pings_after, std::move(socket), *tls);
      s->start();
      c = s;
    } else {
      auto s = std::make_shared<PlainSession>(*this, ignore_pings_after, std::move(socket));
      s->start();
      c = s;
    }
    connections.push_back(c);  // listed before the handshake so that stop() can kill it
    do_accept();
  });
}

KrakenWsServer::KrakenWsServer(const net::PemCertificate* cert, KrakenServerConfig config)
    : impl_(std::make_unique<Impl>(*this, std::move(config))) {
  if (cert != nullptr) {
    impl_->tls.emplace(asio::ssl::context::tls_server);
    impl_->tls->use_certificate_chain(asio::buffer(cert->certificate_pem));
    impl_->tls->use_private_key(asio::buffer(cert->private_key_pem), asio::ssl::context::pem);
  }
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->do_accept();
  impl_->schedule_tick();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

KrakenWsServer::~KrakenWsServer() {
  stop();
}

std::string KrakenWsServer::url() const {
  return std::string(impl_->tls ? "wss://" : "ws://") + "127.0.0.1:" + std::to_string(port_) + "/ws/v1";
}

void KrakenWsServer::skip_next_delta(const std::string& product) {
  impl_->call([this, product] {
    if (const auto p = impl_->product_index(product)) {
      impl_->products[*p].skip_next = true;
    }
  });
}

void KrakenWsServer::mute_product(const std::string& product) {
  impl_->call([this, product] {
    if (const auto p = impl_->product_index(product)) {
      impl_->for_each_connection([&](Connection& c) { c.product_muted[*p] = true; });
    }
  });
}

void KrakenWsServer::mute_connections() {
  impl_->call([this] { impl_->for_each_connection([](Connection& c) { c.muted = true; }); });
}

void KrakenWsServer::close_connections() {
  impl_->call([this] { impl_->for_each_connection([](Connection& c) { c.close(); }); });
}

void KrakenWsServer::set_ignore_pings_after(std::size_t requests) {
  impl_->call([this, requests] { impl_->ignore_pings_after = requests; });
}

void KrakenWsServer::set_request_delay(std::chrono::milliseconds delay) {
  impl_->call([this, delay] { impl_->request_delay = delay; });
}

void KrakenWsServer::set_paused(bool paused) {
  impl_->call([this, paused] { impl_->paused = paused; });
}

ServerBook KrakenWsServer::book(const std::string& product) const {
  return impl_->call([this, product] {
    const auto p = impl_->product_index(product);
    return p ? impl_->products[*p].book : ServerBook{};
  });
}

std::vector<std::string> KrakenWsServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->received;
}

int KrakenWsServer::book_subscribes(const std::string& product) const {
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->book_subscribes.find(upper(product));
  return it == impl_->book_subscribes.end() ? 0 : it->second;
}

void KrakenWsServer::stop() {
  if (impl_->stopping.exchange(true)) {
    return;
  }
  asio::post(impl_->io, [this] {
    error_code ec;
    impl_->acceptor.close(ec);
    impl_->tick_timer.cancel();
    impl_->for_each_connection([](Connection& c) { c.kill(); });  // also cancels pending timers
  });
  impl_->thread.join();
  impl_->connections.clear();
}

}  // namespace tickpath::test

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
