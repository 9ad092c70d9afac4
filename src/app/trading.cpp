// The engine's trading run: design notes are on trading.hpp.

#include "app/trading.hpp"

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "tickpath/core/clock.hpp"
#include "tickpath/core/decimal_value.hpp"
#include "tickpath/engine/idle.hpp"
#include "tickpath/engine/threads.hpp"
#include "tickpath/net/https_get.hpp"
#include "tickpath/oms/client_id.hpp"
#include "tickpath/oms/positions.hpp"
#include "tickpath/venue/kraken_futures/md_feed.hpp"

#include "md/feed_config.hpp"

namespace tickpath::app {

namespace kf = venue::kraken_futures;
using std::chrono::milliseconds;

namespace {

// Decimal text of a limit in the instrument's lots; "" = no limit.
Qty lots_limit(const Instrument& ins, const std::string& text, const char* key) {
  if (text.empty()) {
    return Qty{std::numeric_limits<std::int64_t>::max()};
  }
  const QtyResult r = ins.qty_from_text(text);
  if (r.error != DecimalError::Ok) {
    throw std::invalid_argument(
        fmt::format("risk {}: {} = {}: {}", ins.symbol(), key, text, to_string(r.error)));
  }
  return r.qty;
}

oms::Money money_limit(const std::string& text, const char* key, std::string_view symbol) {
  if (text.empty()) {
    return std::numeric_limits<std::int64_t>::max();
  }
  const DecimalResult r = parse_decimal(text);
  if (r.error != DecimalError::Ok) {
    throw std::invalid_argument(fmt::format("risk {}: {} = {}: {}", symbol, key, text, to_string(r.error)));
  }
  return oms::to_money(r.value);
}

// Market data that only remembers which books changed, so the loop can hand mids to the OMS.
struct MarkHandler {
  void on_snapshot_begin(const BookSnapshotBegin&) noexcept {}
  void on_book_level(const BookLevel&) noexcept {}
  void on_snapshot_end(const BookSnapshotEnd&) noexcept { changed = true; }
  void on_book_delta(const BookDelta&) noexcept { changed = true; }
  void on_trade(const Trade&) noexcept {}
  void on_ticker(const Ticker&) noexcept {}
  void on_heartbeat(std::int64_t, std::int64_t) noexcept {}
  void on_control(const kf::ControlMessage&) noexcept {}
  void on_book_invalidated(const BookInvalidated&) noexcept { changed = true; }
  bool changed = false;
};

// Counts what the OMS reports, for the status line (a journal takes this role later).
struct StatusListener final : oms::OmsListener {
  std::uint64_t events = 0;
  std::uint64_t fills = 0;
  std::uint64_t alerts = 0;
  std::uint64_t rejects = 0;
  void on_order_event(const oms::OrderEvent& e) noexcept override {
    ++events;
    rejects += e.to == oms::OrderState::Rejected ? 1U : 0U;
  }
  void on_fill(const oms::FillEvent&) noexcept override { ++fills; }
  void on_alert(const oms::Alert&) noexcept override { ++alerts; }
};

// The kill-switch file, checked on its own (cold) thread: a stat() per period stays off the hot one.
class KillFileWatcher {
 public:
  KillFileWatcher(std::string path, milliseconds period) : path_(std::move(path)) {
    if (!path_.empty()) {
      thread_ = std::jthread([this, period](std::stop_token st) {
        while (!st.stop_requested()) {
          std::error_code ec;
          present_.store(std::filesystem::exists(path_, ec), std::memory_order_relaxed);
          std::this_thread::sleep_for(period);
        }
      });
    }
  }
  [[nodiscard]] bool present() const noexcept { return present_.load(std::memory_order_relaxed); }

 private:
  std::string path_;
  std::atomic<bool> present_{false};
  std::jthread thread_;
};

template <typename Transport>
int run_on(const config::EngineConfig& cfg, const InstrumentRegistry& registry,
           const Credentials& credentials, const Controls& controls) {
  const auto signer = kf::Signer::from_base64_secret(credentials.secret_base64);
  if (!signer) {
    throw std::invalid_argument("venue: the API secret is not valid base64");
  }
  StatusListener listener;
  kf::Gateway<Transport> gateway(registry, *signer, make_gateway_config(cfg, registry, credentials.api_key),
                                 listener, oms::ClientIdAllocator::from_clock());
  MarkHandler marks;
  std::optional<kf::MdFeed<Transport, MarkHandler>> md;
  if (!cfg.market_data.products.empty()) {
    md.emplace(registry, tools::md::make_md_feed_config(cfg), marks);
    md->start();
  }
  gateway.start();
  KillFileWatcher kill_file(cfg.gateway.kill_switch_file, milliseconds{cfg.gateway.kill_switch_poll_ms});

  const std::int64_t start_ns = monotonic_ns();
  const std::int64_t end_ns =
      cfg.engine.run_seconds > 0 ? start_ns + cfg.engine.run_seconds * kNsPerSecond : INT64_MAX;
  std::int64_t next_status_ns = start_ns + kNsPerSecond;
  std::sig_atomic_t kills_seen = *controls.kill;
  std::sig_atomic_t resets_seen = *controls.reset;
  bool file_killed = false;
  std::vector<Price> last_mid(registry.size(), Price::min());

  auto print_status = [&](const char* event) {
    const oms::Oms& o = gateway.oms();
    std::string positions;
    for (const Instrument& ins : registry.instruments()) {
      const oms::Position& p = o.positions().get(ins.id());
      if (p.qty.is_zero() && p.realised_pnl == 0 && p.fees == 0) {
        continue;
      }
      char q[kMaxDecimalChars];
      const std::size_t qn = ins.format_qty(p.qty, q, sizeof q);
      positions += fmt::format(
          "{}{{\"product\":\"{}\",\"qty\":\"{}\",\"avg_price\":{:.6f},\"realised_pnl\":{:.9f},"
          "\"fees\":{:.9f}}}",
          positions.empty() ? "" : ",", ins.symbol(), std::string_view(q, qn), p.average_price(ins),
          static_cast<double>(p.realised_pnl) / 1e9, static_cast<double>(p.fees) / 1e9);
    }
    const kf::GatewayCounters& c = gateway.counters();
    fmt::print(
        "{{\"t\":{:.3f},\"event\":\"{}\",\"gateway\":\"{}\",\"feed\":\"{}\",\"halted\":{},\"open_orders\":{},"
        "\"order_events\":{},\"fills\":{},\"rejects\":{},\"alerts\":{},\"requests_sent\":{},\"timeouts\":{},"
        "\"reconciliations\":{},\"dms_trigger_ms\":{},\"positions\":[{}]}}\n",
        static_cast<double>(monotonic_ns() - start_ns) / 1e9, event, kf::to_string(gateway.phase()),
        kf::to_string(gateway.feed().phase()), o.halted() ? "true" : "false", o.open_orders(),
        listener.events, listener.fills, listener.rejects, listener.alerts, c.requests_sent, c.timeouts,
        c.reconciliations, gateway.dms_trigger_ms(), positions);
    std::fflush(stdout);
  };

  auto drain = [&](std::int64_t deadline_ns) {
    while (monotonic_ns() < deadline_ns && !gateway.shutdown_complete()) {
      int work = gateway.poll();
      if (md) {
        work += md->poll();
      }
      if (work == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds{100});
      }
    }
  };

  // The duty cycle runs on this thread, placed and idled as [threads.hot] says (engine/idle.hpp).
  const config::ThreadConfig& hot = cfg.threads.hot;
  engine::set_current_thread_name(hot.name);
  if (const std::error_code ec = engine::pin_current_thread(hot.cpu)) {
    throw std::system_error(ec, fmt::format("threads.hot: cannot pin to CPU {}", hot.cpu));
  }
  auto duty_cycle = [&](auto idle) {
    while (*controls.stop == 0 && monotonic_ns() < end_ns) {
      int work = gateway.poll();
      if (md) {
        work += md->poll();
        if (marks.changed) {
          marks.changed = false;
          for (std::size_t i = 0; i < md->market_data().product_count(); ++i) {
            const InstrumentId id = md->market_data().product_id(i);
            const book::L2Book& b = md->market_data().product_book(i);
            const auto bid = b.valid() ? b.best_bid() : std::nullopt;
            const auto ask = b.valid() ? b.best_ask() : std::nullopt;
            if (bid && ask) {
              const Price mid{(bid->price.ticks() + ask->price.ticks()) / 2};
              if (mid != last_mid[id.value()]) {
                last_mid[id.value()] = mid;
                gateway.on_mark(id, mid);
              }
            }
          }
        }
      }
      if (*controls.kill != kills_seen) {
        kills_seen = *controls.kill;
        gateway.kill(oms::HaltReason::KillSwitch);
        print_status("kill_switch");
      }
      if (kill_file.present() != file_killed) {
        file_killed = kill_file.present();
        if (file_killed) {
          gateway.kill(oms::HaltReason::KillSwitch);
          print_status("kill_switch_file");
        }
      }
      if (*controls.reset != resets_seen) {
        resets_seen = *controls.reset;
        gateway.oms().reset_halt();
        print_status("halt_reset");
      }
      const std::int64_t now = monotonic_ns();
      if (now >= next_status_ns) {
        next_status_ns += kNsPerSecond;
        print_status("status");
      }
      idle.idle(work);
    }
  };
  int code = 0;
  try {
    switch (hot.idle) {
      case config::IdleKind::BusySpin:
        duty_cycle(engine::BusySpinIdle{});
        break;
      case config::IdleKind::Backoff:
        duty_cycle(engine::BackoffIdle{{.spin_count = hot.spin_count,
                                        .yield_count = hot.yield_count,
                                        .min_sleep_ns = hot.min_sleep_ns,
                                        .max_sleep_ns = hot.max_sleep_ns}});
        break;
      case config::IdleKind::Sleep:
        duty_cycle(engine::SleepIdle{hot.sleep_ns});
        break;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "tickpath: fatal: {}; cancelling every order\n", e.what());
    code = 1;
  }
  // Shutdown (signal, run_seconds or a fatal error): cancel all, wait for the confirmation.
  gateway.begin_shutdown();
  print_status("shutdown");
  drain(monotonic_ns() + cfg.gateway.shutdown_wait_ms * 1'000'000);
  if (gateway.shutdown_complete()) {
    print_status("cancelled_all");
  } else {
    fmt::print(
        stderr,
        "tickpath: {} order(s) not confirmed cancelled after {} ms; the dead man's switch ({} s) remains "
        "armed at the venue\n",
        gateway.oms().open_orders(), cfg.gateway.shutdown_wait_ms, cfg.gateway.dms_timeout_s);
    code = code == 0 ? 3 : code;
  }
  gateway.stop();
  if (md) {
    md->stop();
    const std::int64_t deadline = monotonic_ns() + 2 * kNsPerSecond;
    while (!md->stopped() && monotonic_ns() < deadline) {
      (void)md->poll();
    }
  }
  return code;
}

}  // namespace

kf::GatewayConfig make_gateway_config(const config::EngineConfig& cfg, const InstrumentRegistry& registry,
                                      const std::string& api_key) {
  const config::GatewayConfig& g = cfg.gateway;
  std::string error;
  const auto rest = net::parse_http_url(cfg.venue.rest_url, &error);
  if (!rest) {
    throw std::invalid_argument("venue.rest_url: " + error);
  }
  kf::GatewayConfig out{};
  out.rest.url = fmt::format("{}://{}", rest->tls ? "https" : "http", rest->host_header());
  out.rest.tls.ca_file = cfg.venue.ca_file;
  out.rest.connections = static_cast<std::size_t>(g.rest_connections);
  out.rest.request_timeout = milliseconds{g.request_timeout_ms};
  out.feed.ws = tools::md::make_md_feed_config(cfg).ws;
  out.feed.api_key = api_key;
  out.encoder.api_key = api_key;
  out.encoder.host = rest->host_header();
  out.encoder.base_path = rest->target;
  while (out.encoder.base_path.size() > 1 && out.encoder.base_path.back() == '/') {
    out.encoder.base_path.pop_back();
  }
  out.send_queue = static_cast<std::size_t>(g.send_queue);
  out.dms_timeout = std::chrono::seconds{g.dms_timeout_s};
  out.dms_refresh = std::chrono::seconds{g.dms_refresh_s};
  out.oms.max_orders = static_cast<std::size_t>(g.max_orders);
  out.oms.fill_memory = static_cast<std::size_t>(g.fill_memory);
  out.oms.unknown_orders = g.unknown_orders == config::UnknownOrdersPolicy::Adopt
                               ? oms::UnknownOrderPolicy::Adopt
                               : oms::UnknownOrderPolicy::Cancel;
  out.oms.rate.capacity = g.rate_budget;
  out.oms.rate.window_ns = g.rate_window_ms * 1'000'000;
  out.oms.rate.guard_ns = g.rate_guard_ms * 1'000'000;
  out.oms.rate.cancel_reserve = g.cancel_reserve;
  out.oms.risk.assign(registry.size(), oms::InstrumentRiskLimits{});
  for (const config::RiskConfig& r : cfg.risk) {
    const InstrumentId id = registry.find(r.symbol);
    if (!id.valid()) {
      throw std::invalid_argument("risk: " + r.symbol + " is not an instrument");
    }
    const Instrument& ins = registry.get(id);
    oms::InstrumentRiskLimits& l = out.oms.risk[id.value()];
    l.max_order_qty = lots_limit(ins, r.max_order_qty, "max_order_qty");
    l.max_position = lots_limit(ins, r.max_position, "max_position");
    l.max_order_notional = money_limit(r.max_order_notional, "max_order_notional", ins.symbol());
    l.max_loss = money_limit(r.max_loss, "max_loss", ins.symbol());
    l.max_drawdown = money_limit(r.max_drawdown, "max_drawdown", ins.symbol());
    l.max_open_orders = r.max_open_orders > 0 ? static_cast<std::uint32_t>(r.max_open_orders)
                                              : std::numeric_limits<std::uint32_t>::max();
    l.price_collar_bps = static_cast<std::uint32_t>(r.price_collar_bps);
    l.max_orders_per_second = static_cast<std::uint32_t>(r.max_orders_per_second);
  }
  return out;
}

int run_trading(const config::EngineConfig& cfg, const Credentials& credentials, const Controls& controls) {
  const InstrumentRegistry registry = tools::md::make_registry(cfg);
  const bool tls = cfg.venue.rest_url.rfind("https://", 0) == 0;
  if (tls != (cfg.venue.ws_url.rfind("wss://", 0) == 0)) {
    throw std::invalid_argument("venue: rest_url and ws_url must both use TLS (https/wss) or neither");
  }
  calibrate_process_tsc_clock(milliseconds{50});
  return tls ? run_on<net::TlsTransport>(cfg, registry, credentials, controls)
             : run_on<net::PlainTransport>(cfg, registry, credentials, controls);
}

}  // namespace tickpath::app
