// The order gateway end to end against the real simulator (tickpath-sim's Server) over loopback
// TLS: place / modify / cancel / fill, a REST answer that never comes, the private feed dropped
// mid-fill, a restart with orders resting, the dead man's switch after SIGKILL, a burst of 1000
// actions against the rate limit, shutdown and the kill switch.
//
// The engine side is the real Gateway (OMS + encoder + HTTPS pool + private feed); the other
// side of the trades is a second account talking to the simulator with signed REST requests.

#include "tickpath/venue/kraken_futures/gateway.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include "tickpath/core/clock.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/oms/client_id.hpp"
#include "tickpath/oms/oms.hpp"
#include "tickpath/sim/server.hpp"
#include "tickpath/venue/kraken_futures/auth.hpp"

#include "sim/server_test_support.hpp"
#include "sim/sim_client.hpp"
#include "support/alloc_counter.hpp"

namespace kf = tickpath::venue::kraken_futures;
namespace oms = tickpath::oms;
namespace sim = tickpath::sim;
using sim::test::kOther;
using sim::test::kTrader;
using sim::test::kTraderAccount;
using tickpath::InstrumentId;
using tickpath::Price;
using tickpath::Qty;
using tickpath::Side;

namespace {

constexpr InstrumentId kPfXbt{1};  // default_sim_instruments(): PI_XBTUSD, PF_XBTUSD, PI_ETHUSD, PF_ETHUSD
constexpr sim::InstrumentIndex kPfXbtIndex = 1;

tickpath::InstrumentRegistry sim_registry() {
  tickpath::InstrumentRegistry r(16);
  for (const auto& ins : tickpath::config::default_sim_instruments()) {
    r.add(tickpath::InstrumentSpec{.symbol = ins.symbol,
                                   .tick_size = ins.tick_size.value,
                                   .size_step = ins.size_step.value,
                                   .kind = tickpath::kind_from_symbol(ins.symbol)});
  }
  return r;
}

// Records everything the OMS reports.
struct Recorder final : oms::OmsListener {
  std::vector<oms::OrderEvent> events;
  std::vector<oms::FillEvent> fills;
  std::vector<oms::Alert> alerts;
  void on_order_event(const oms::OrderEvent& e) noexcept override { events.push_back(e); }
  void on_fill(const oms::FillEvent& f) noexcept override { fills.push_back(f); }
  void on_alert(const oms::Alert& a) noexcept override { alerts.push_back(a); }
  [[nodiscard]] std::size_t alerts_of(oms::AlertKind kind) const {
    std::size_t n = 0;
    for (const auto& a : alerts) {
      n += a.kind == kind ? 1U : 0U;
    }
    return n;
  }
};

std::string ca_path(const std::string& tag) {
  return (std::filesystem::temp_directory_path() /
          ("tickpath-gw-" + tag + "-" + std::to_string(::getpid()) + ".pem"))
      .string();
}

// A simulator with the trader and a counterparty, serving TLS on an ephemeral port.
struct Venue {
  explicit Venue(const std::string& tag, std::function<void(tickpath::config::SimConfig&)> tweak = {})
      : ca_file(ca_path(tag)) {
    tickpath::config::SimConfig c = sim::test::quiet_config();
    c.ca_out_file = ca_file;
    if (tweak) {
      tweak(c);
    }
    server.emplace(c, sim::test::trader_and_other_accounts());
    server->start();
    control.emplace(server->endpoints());
  }
  ~Venue() {
    control.reset();
    server->stop();
    std::error_code ec;
    std::filesystem::remove(ca_file, ec);
  }

  // POST /sim/v1/fault?query
  void fault(const std::string& query) {
    const sim::test::Reply r = control->request("POST", "/sim/v1/fault?" + query);
    REQUIRE(r.status == 200);
  }
  // The counterparty takes `size` of the trader's resting order at `price` (an IOC).
  void take(Side side, const std::string& size, const std::string& price) {
    const std::string body = "orderType=ioc&symbol=PF_XBTUSD&side=" + std::string(tickpath::to_string(side)) +
                             "&size=" + size + "&limitPrice=" + price;
    const sim::test::Reply r = control->signed_request(kOther, "POST", "sendorder", "", body);
    REQUIRE(r.status == 200);
    REQUIRE(sim::test::contains(r.body, R"("status":"placed")"));
  }
  // The counterparty rests a limit order.
  void rest_other(Side side, const std::string& size, const std::string& price) {
    const std::string body = "orderType=lmt&symbol=PF_XBTUSD&side=" + std::string(tickpath::to_string(side)) +
                             "&size=" + size + "&limitPrice=" + price;
    const sim::test::Reply r = control->signed_request(kOther, "POST", "sendorder", "", body);
    REQUIRE(r.status == 200);
    REQUIRE(sim::test::contains(r.body, R"("status":"placed")"));
  }
  [[nodiscard]] std::size_t open_orders() {
    return server->call([](sim::Venue& v) { return v.exchange().open_orders(kTraderAccount).size(); });
  }
  [[nodiscard]] Qty position() {
    return server->call([](sim::Venue& v) {
      const sim::Position* p = v.exchange().position(kTraderAccount, kPfXbtIndex);
      return p == nullptr ? Qty{} : p->size;
    });
  }
  [[nodiscard]] sim::VenueStats stats() {
    return server->call([](sim::Venue& v) { return v.stats(); });
  }

  std::string ca_file;
  std::optional<sim::Server> server;
  std::optional<sim::test::RestClient> control;
};

kf::GatewayConfig gateway_config(const Venue& venue,
                                 oms::UnknownOrderPolicy policy = oms::UnknownOrderPolicy::Cancel) {
  const sim::Endpoints& e = venue.server->endpoints();
  kf::GatewayConfig c{};
  c.rest.url = "https://127.0.0.1:" + std::to_string(e.port);
  c.rest.tls.ca_file = venue.ca_file;
  c.rest.tls.use_system_trust = false;
  c.rest.connections = 2;
  c.rest.request_timeout = std::chrono::milliseconds{2000};
  c.feed.ws.url = e.ws_url;
  c.feed.ws.tls.ca_file = venue.ca_file;
  c.feed.ws.tls.use_system_trust = false;
  c.feed.ws.backoff.initial = std::chrono::milliseconds{50};
  c.feed.ws.backoff.max = std::chrono::milliseconds{200};
  c.feed.api_key = kTrader.api_key;
  c.encoder.api_key = kTrader.api_key;
  c.encoder.host = "127.0.0.1:" + std::to_string(e.port);
  c.oms.unknown_orders = policy;
  c.oms.max_orders = 4096;
  c.oms.fill_memory = 4096;
  c.dms_timeout = std::chrono::seconds{60};
  c.dms_refresh = std::chrono::seconds{15};
  c.retry_delay = std::chrono::milliseconds{100};
  return c;
}

kf::Signer trader_signer() {
  auto s = kf::Signer::from_base64_secret(kTrader.secret_base64);
  REQUIRE(s.has_value());
  return *s;
}

// One engine: the gateway on the test thread, polled by run_until.
struct Engine {
  Engine(const Venue& venue, oms::UnknownOrderPolicy policy = oms::UnknownOrderPolicy::Cancel,
         std::function<void(kf::GatewayConfig&)> tweak = {})
      : registry(sim_registry()), signer(trader_signer()) {
    kf::GatewayConfig c = gateway_config(venue, policy);
    if (tweak) {
      tweak(c);
    }
    gateway.emplace(registry, signer, std::move(c), recorder, oms::ClientIdAllocator::from_clock());
    gateway->start();
  }
  ~Engine() {
    if (gateway) {
      gateway->stop();
    }
  }

  // Polls until pred() holds or the timeout passes; returns pred().
  bool run_until(const std::function<bool()>& pred,
                 std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return pred();
      }
      if (gateway->poll() == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds{200});
      }
    }
    return true;
  }
  // What a failed wait looks like, for the test log.
  [[nodiscard]] std::string describe() const {
    const auto& c = gateway->counters();
    std::string out =
        std::string("phase=") + kf::to_string(gateway->phase()) +
        " feed=" + kf::to_string(gateway->feed().phase()) + " queued=" + std::to_string(gateway->queued()) +
        " sent=" + std::to_string(c.requests_sent) + " answers=" + std::to_string(c.answers) +
        " failures=" + std::to_string(c.failures) + " query_failures=" + std::to_string(c.query_failures) +
        " reconciliations=" + std::to_string(c.reconciliations) +
        " open=" + std::to_string(gateway->oms().open_orders()) + " events:";
    for (const auto& e : recorder.events) {
      out += std::string(" ") + std::to_string(e.order) + ":" + oms::to_string(e.from) + "->" +
             oms::to_string(e.to);
    }
    return out;
  }
  void run_for(std::chrono::milliseconds d) {
    (void)run_until([] { return false; }, d);
  }

  [[nodiscard]] const oms::Order* order(oms::OrderId id) const { return gateway->oms().find(id); }
  [[nodiscard]] oms::OrderState state(oms::OrderId id) const {
    const oms::Order* o = order(id);
    REQUIRE(o != nullptr);
    return o->state;
  }
  // The state, with no request of the order still waiting for its answer (the feed may confirm
  // an order before the REST answer comes; until then the OMS refuses to modify or cancel it).
  bool wait_state(oms::OrderId id, oms::OrderState s,
                  std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    const bool ok = run_until(
        [&] { return state(id) == s && (oms::is_terminal(s) || !order(id)->has_inflight); }, timeout);
    if (!ok) {
      WARN(describe());
    }
    return ok;
  }

  oms::OrderId place(Side side, std::int64_t price_ticks, std::int64_t lots,
                     oms::OrderType type = oms::OrderType::Limit) {
    const oms::SubmitResult r =
        gateway->submit(oms::OrderAction::new_order(kPfXbt, side, type, Price{price_ticks}, Qty{lots}));
    REQUIRE(r.verdict == oms::Verdict::Accepted);
    return r.order;
  }

  tickpath::InstrumentRegistry registry;
  kf::Signer signer;
  Recorder recorder;
  std::optional<kf::TlsGateway> gateway;
};

// PF_XBTUSD: tick 1 USD, lot 0.0001 BTC; the simulator's reference price is 65000.
constexpr std::int64_t kBid = 64'000;
constexpr std::int64_t kAsk = 66'000;

}  // namespace

TEST_CASE("gateway: reconciles at start, arms the dead man's switch and goes live",
          "[gateway][integration]") {
  Venue venue("live");
  Engine engine(venue);
  REQUIRE(engine.run_until([&] { return engine.gateway->live(); }));
  CHECK(engine.gateway->counters().reconciliations == 1);
  REQUIRE(engine.run_until([&] { return engine.gateway->dms_trigger_ms() > 0; }));
  CHECK(engine.gateway->dms_trigger_ms() > tickpath::wall_ns() / 1'000'000 + 50'000);
  CHECK(engine.gateway->counters().dms_armed >= 1);
}

TEST_CASE("gateway: the dead man's switch is re-armed every refresh period and keeps orders alive",
          "[gateway][integration]") {
  Venue venue("dmsrefresh");
  Engine engine(venue, oms::UnknownOrderPolicy::Cancel, [](kf::GatewayConfig& c) {
    c.dms_timeout = std::chrono::seconds{2};
    c.dms_refresh = std::chrono::seconds{1};
  });
  REQUIRE(engine.run_until([&] { return engine.gateway->live() && engine.gateway->dms_trigger_ms() > 0; }));
  const std::int64_t first = engine.gateway->dms_trigger_ms();
  const oms::OrderId id = engine.place(Side::Buy, kBid, 100);
  REQUIRE(engine.wait_state(id, oms::OrderState::Open));
  // Past the first trigger time: only the refreshes keep the order resting.
  engine.run_for(std::chrono::milliseconds{3500});
  CHECK(engine.gateway->counters().dms_armed >= 3);
  CHECK(engine.gateway->dms_trigger_ms() >= first + 2000);
  CHECK(engine.gateway->counters().dms_failures == 0);
  CHECK(engine.state(id) == oms::OrderState::Open);
  CHECK(venue.open_orders() == 1);
  CHECK(venue.stats().dead_man_switch_fired == 0);
}

TEST_CASE("gateway: place, modify, cancel and fills against the simulator", "[gateway][integration]") {
  Venue venue("flow");
  Engine engine(venue);
  REQUIRE(engine.run_until([&] { return engine.gateway->live(); }));

  const oms::OrderId buy = engine.place(Side::Buy, kBid, 100);  // 0.01 BTC at 64000
  REQUIRE(engine.wait_state(buy, oms::OrderState::Open));
  CHECK(venue.open_orders() == 1);
  const oms::Order* o = engine.order(buy);
  REQUIRE(o != nullptr);
  CHECK(o->venue_id.valid);

  // Modify the price: the venue's order moves, ours follows through PendingModify.
  REQUIRE(engine.gateway->submit(oms::OrderAction::modify(buy, Price{kBid - 10}, Qty{})).verdict ==
          oms::Verdict::Accepted);
  CHECK(engine.state(buy) == oms::OrderState::PendingModify);
  REQUIRE(engine.run_until([&] {
    return engine.state(buy) == oms::OrderState::Open && engine.order(buy)->price == Price{kBid - 10} &&
           !engine.order(buy)->has_inflight;
  }));
  const auto venue_price = venue.server->call(
      [](sim::Venue& v) { return v.exchange().open_orders(kTraderAccount).front().limit_price; });
  CHECK(venue_price == Price{kBid - 10});

  // An edit that changes nothing is a no-op, not a failure.
  REQUIRE(engine.gateway->submit(oms::OrderAction::modify(buy, Price{kBid - 10}, Qty{})).verdict ==
          oms::Verdict::Accepted);
  REQUIRE(engine.wait_state(buy, oms::OrderState::Open));

  // Cancel.
  REQUIRE(engine.gateway->submit(oms::OrderAction::cancel(buy)).verdict == oms::Verdict::Accepted);
  REQUIRE(engine.wait_state(buy, oms::OrderState::Cancelled));
  CHECK(venue.open_orders() == 0);

  // A resting sell filled in two parts by the counterparty.
  const oms::OrderId sell = engine.place(Side::Sell, kAsk, 200);  // 0.02 BTC at 66000
  REQUIRE(engine.wait_state(sell, oms::OrderState::Open));
  venue.take(Side::Buy, "0.01", "66000");
  REQUIRE(engine.wait_state(sell, oms::OrderState::PartiallyFilled));
  CHECK(engine.order(sell)->filled == Qty{100});
  venue.take(Side::Buy, "0.01", "66000");
  REQUIRE(engine.wait_state(sell, oms::OrderState::Filled));
  REQUIRE(engine.run_until([&] { return engine.recorder.fills.size() == 2; }));
  CHECK(engine.gateway->oms().positions().get(kPfXbt).qty == Qty{-200});
  CHECK(venue.position() == Qty{-200});
  // Fees are booked (the simulator charges the maker fee on each fill).
  CHECK(engine.gateway->oms().positions().get(kPfXbt).fees != 0);

  // Venue rejects are data: a post-only buy that would cross the counterparty's resting sell, and
  // an IOC buy with nothing to take at its price.
  venue.rest_other(Side::Sell, "0.05", "66500");
  const oms::OrderId post = engine.place(Side::Buy, 66'500, 100, oms::OrderType::PostOnly);
  REQUIRE(engine.wait_state(post, oms::OrderState::Rejected));
  const oms::OrderId ioc = engine.place(Side::Buy, kBid, 100, oms::OrderType::Ioc);
  REQUIRE(engine.wait_state(ioc, oms::OrderState::Rejected));
  CHECK(venue.open_orders() == 0);
  CHECK(engine.gateway->counters().api_limit_exceeded == 0);
}

TEST_CASE(
    "gateway: a REST answer that never comes leaves the order Unknown until the private feed settles it",
    "[gateway][integration]") {
  Venue venue("timeout");
  Engine engine(venue, oms::UnknownOrderPolicy::Cancel,
                [](kf::GatewayConfig& c) { c.rest.request_timeout = std::chrono::milliseconds{300}; });
  REQUIRE(engine.run_until([&] { return engine.gateway->live(); }));
  const oms::OrderId id = engine.place(Side::Buy, kBid, 100);
  REQUIRE(engine.wait_state(id, oms::OrderState::Open));

  // The venue executes the cancel but its answer never reaches us, and the private feed is cut at
  // the same moment, so nothing else can tell what happened.
  bool late = false;
  SECTION("the answer is late: timeout") {
    late = true;
    venue.fault("rest_delay_ms=1500&drop_connections=private");
  }
  SECTION("the answer is dropped with the connection") {
    venue.fault("rest_drop_fraction=1&drop_connections=private");
  }
  REQUIRE(engine.gateway->submit(oms::OrderAction::cancel(id)).verdict == oms::Verdict::Accepted);
  REQUIRE(engine.run_until([&] { return engine.state(id) == oms::OrderState::Unknown; }));
  CHECK(venue.open_orders() == 0);  // the venue did cancel it
  if (late) {
    CHECK(engine.gateway->counters().timeouts >= 1);
  }
  // New orders are held while the feed is down.
  CHECK(engine.gateway
            ->submit(
                oms::OrderAction::new_order(kPfXbt, Side::Buy, oms::OrderType::Limit, Price{kBid}, Qty{100}))
            .verdict == oms::Verdict::Reconciling);

  // The feed comes back: its snapshot and the reconciliation settle the order.
  venue.fault("rest_delay_ms=0&rest_drop_fraction=0");
  const bool settled = engine.run_until(
      [&] { return engine.gateway->live() && engine.state(id) == oms::OrderState::Cancelled; });
  if (!settled) {
    WARN(engine.describe());
  }
  REQUIRE(settled);
  bool went_unknown = false;
  for (const oms::OrderEvent& e : engine.recorder.events) {
    went_unknown = went_unknown || (e.order == id && e.to == oms::OrderState::Unknown);
  }
  CHECK(went_unknown);
}

TEST_CASE(
    "gateway: the private feed dropped mid-fill: positions equal the simulator's, no fill counted twice",
    "[gateway][integration]") {
  Venue venue("midfill");
  Engine engine(venue);
  REQUIRE(engine.run_until([&] { return engine.gateway->live(); }));
  const oms::OrderId sell = engine.place(Side::Sell, kAsk, 500);
  REQUIRE(engine.wait_state(sell, oms::OrderState::Open));

  venue.take(Side::Buy, "0.01", "66000");
  REQUIRE(engine.run_until([&] { return engine.recorder.fills.size() == 1; }));

  // Drop the private feed, and fill while it is down.
  venue.fault("drop_connections=private");
  venue.take(Side::Buy, "0.02", "66000");
  REQUIRE(engine.run_until([&] { return engine.gateway->counters().feed_downs >= 1; }));
  // After the reconnect the snapshot repeats the first fill and brings the second.
  REQUIRE(engine.run_until([&] { return engine.gateway->live() && engine.recorder.fills.size() == 2; }));
  CHECK(engine.gateway->counters().reconciliations >= 2);
  engine.run_for(std::chrono::milliseconds{300});
  CHECK(engine.recorder.fills.size() == 2);  // the repeated fill was dropped
  CHECK(engine.gateway->oms().counters().duplicate_fills >= 1);
  CHECK(engine.gateway->oms().positions().get(kPfXbt).qty == Qty{-300});
  CHECK(venue.position() == Qty{-300});
  CHECK(engine.order(sell)->filled == Qty{300});
  CHECK(engine.state(sell) == oms::OrderState::PartiallyFilled);
}

TEST_CASE("gateway: a restarted engine reconciles the orders resting at the venue",
          "[gateway][integration]") {
  Venue venue("restart");
  {
    Engine first(venue);
    REQUIRE(first.run_until([&] { return first.gateway->live(); }));
    for (int i = 0; i < 3; ++i) {
      const oms::OrderId id = first.place(Side::Buy, kBid - i, 100);
      REQUIRE(first.wait_state(id, oms::OrderState::Open));
    }
    // Gone without cancelling (a crash, as far as the venue can tell).
  }
  REQUIRE(venue.open_orders() == 3);

  SECTION("adopted") {
    Engine second(venue, oms::UnknownOrderPolicy::Adopt);
    REQUIRE(second.run_until([&] { return second.gateway->live(); }));
    CHECK(second.gateway->oms().open_orders() == 3);
    CHECK(second.recorder.alerts_of(oms::AlertKind::AdoptedOrder) == 3);
    CHECK(venue.open_orders() == 3);
    // An adopted order is ours to cancel.
    const oms::Order* any = nullptr;
    for (oms::OrderId id = 1; id < 16 && any == nullptr; ++id) {
      any = second.order(id);
    }
    REQUIRE(any != nullptr);
    const oms::OrderId adopted = any->id;
    REQUIRE(second.gateway->submit(oms::OrderAction::cancel(adopted)).verdict == oms::Verdict::Accepted);
    REQUIRE(second.wait_state(adopted, oms::OrderState::Cancelled));
    CHECK(venue.open_orders() == 2);
  }
  SECTION("cancelled") {
    Engine second(venue, oms::UnknownOrderPolicy::Cancel);
    REQUIRE(second.run_until([&] { return second.gateway->live(); }));
    // Each is reported once, although the feed's snapshot and /openorders may both name it before
    // its cancel lands.
    CHECK(second.recorder.alerts_of(oms::AlertKind::UnknownVenueOrder) == 3);
    REQUIRE(second.run_until([&] { return venue.open_orders() == 0; }));
    CHECK(second.gateway->oms().open_orders() == 0);
  }
}

TEST_CASE("gateway: a burst of 1000 order actions never makes the simulator answer apiLimitExceeded",
          "[gateway][integration]") {
  Venue venue("burst");
  Engine engine(venue);
  REQUIRE(engine.run_until([&] { return engine.gateway->live(); }));
  REQUIRE(engine.run_until([&] { return engine.gateway->dms_trigger_ms() > 0; }));

  std::vector<oms::OrderId> resting;
  std::size_t accepted = 0;
  std::size_t rate_limited = 0;
  for (int i = 0; i < 1000; ++i) {
    oms::SubmitResult r{};
    if (i % 3 == 2 && !resting.empty()) {
      r = engine.gateway->submit(oms::OrderAction::cancel(resting.back()));
      resting.pop_back();
    } else {
      r = engine.gateway->submit(
          oms::OrderAction::new_order(kPfXbt, Side::Buy, oms::OrderType::Limit, Price{kBid - i}, Qty{10}));
      if (r.verdict == oms::Verdict::Accepted) {
        resting.push_back(r.order);
      }
    }
    accepted += r.verdict == oms::Verdict::Accepted ? 1U : 0U;
    rate_limited += r.verdict == oms::Verdict::RateLimited ? 1U : 0U;
    (void)engine.gateway->poll();
  }
  // The budget refused most of them locally; what was accepted goes out as connections free up.
  CHECK(rate_limited > 0);
  CHECK(accepted > 0);
  REQUIRE(engine.run_until([&] { return engine.gateway->queued() == 0; }, std::chrono::seconds{20}));
  // The emergency cancel is never blocked by the orders' budget.
  (void)engine.gateway->oms().cancel_all(tickpath::monotonic_ns());
  REQUIRE(engine.run_until([&] { return venue.open_orders() == 0; }, std::chrono::seconds{20}));
  CHECK(venue.stats().rate_limited == 0);
  CHECK(engine.gateway->counters().api_limit_exceeded == 0);
}

TEST_CASE("gateway: shutdown cancels everything and waits for the confirmation, the kill switch halts",
          "[gateway][integration]") {
  Venue venue("shutdown");
  Engine engine(venue);
  REQUIRE(engine.run_until([&] { return engine.gateway->live(); }));
  const oms::OrderId a = engine.place(Side::Buy, kBid, 100);
  REQUIRE(engine.wait_state(a, oms::OrderState::Open));

  SECTION("kill switch") {
    engine.gateway->kill(oms::HaltReason::KillSwitch);
    REQUIRE(engine.wait_state(a, oms::OrderState::Cancelled));
    CHECK(venue.open_orders() == 0);
    const oms::SubmitResult refused = engine.gateway->submit(
        oms::OrderAction::new_order(kPfXbt, Side::Buy, oms::OrderType::Limit, Price{kBid}, Qty{100}));
    CHECK(refused.verdict == oms::Verdict::Risk);
    CHECK(refused.risk == oms::RiskVerdict::Halted);
    engine.gateway->oms().reset_halt();
    const oms::OrderId b = engine.place(Side::Buy, kBid, 100);
    REQUIRE(engine.wait_state(b, oms::OrderState::Open));
  }
  SECTION("shutdown") {
    const oms::OrderId b = engine.place(Side::Buy, kBid - 5, 100);
    REQUIRE(engine.wait_state(b, oms::OrderState::Open));
    engine.gateway->begin_shutdown();
    REQUIRE(engine.run_until([&] { return engine.gateway->shutdown_complete(); }, std::chrono::seconds{5}));
    CHECK(venue.open_orders() == 0);
    CHECK(engine.state(a) == oms::OrderState::Cancelled);
    CHECK(engine.state(b) == oms::OrderState::Cancelled);
  }
}

// The hot path's promise (ARCHITECTURE.md §1): once warm, placing and cancelling orders through the
// gateway -- risk, budget, state machine, encoding, signing, the HTTPS pool, the answers and the
// private feed's messages -- allocates nothing on the engine's thread. Counting is per thread, so
// the simulator's own thread does not count. (OpenSSL's per-record mallocs are counted apart.)
TEST_CASE("gateway: placing and cancelling orders allocates nothing on the engine thread once warm",
          "[gateway][integration]") {
  Venue venue("alloc");
  Engine engine(venue);
  REQUIRE(engine.run_until([&] { return engine.gateway->live() && engine.gateway->dms_trigger_ms() > 0; }));
  engine.recorder.events.reserve(10'000);
  engine.recorder.fills.reserve(1'000);
  engine.recorder.alerts.reserve(1'000);
  kf::TlsGateway& gw = *engine.gateway;

  // One place + cancel round trip with plain loops (no std::function, no Catch macro inside).
  auto cycle = [&gw](std::int64_t price) noexcept {
    const std::int64_t deadline = tickpath::monotonic_ns() + 10 * tickpath::kNsPerSecond;
    const oms::SubmitResult r = gw.submit(
        oms::OrderAction::new_order(kPfXbt, Side::Buy, oms::OrderType::Limit, Price{price}, Qty{10}));
    if (r.verdict != oms::Verdict::Accepted) {
      return false;
    }
    auto settled = [&](oms::OrderState s) {
      const oms::Order* o = gw.oms().find(r.order);
      return o != nullptr && o->state == s && !o->has_inflight;
    };
    while (!settled(oms::OrderState::Open)) {
      if (tickpath::monotonic_ns() > deadline) {
        return false;
      }
      (void)gw.poll();
    }
    if (gw.submit(oms::OrderAction::cancel(r.order)).verdict != oms::Verdict::Accepted) {
      return false;
    }
    while (gw.oms().find(r.order)->state != oms::OrderState::Cancelled) {
      if (tickpath::monotonic_ns() > deadline) {
        return false;
      }
      (void)gw.poll();
    }
    return true;
  };
  for (int i = 0; i < 3; ++i) {  // warm-up: buffers grow to their working size
    REQUIRE(cycle(kBid - i));
  }
  constexpr int kCycles = 10;  // 20 requests, 200 of the 500 budget units
  int done = 0;
  tickpath::test::alloc_count_start();
  for (int i = 0; i < kCycles; ++i) {
    done += cycle(kBid - 10 - i) ? 1 : 0;
  }
  const tickpath::test::AllocCounts counts = tickpath::test::alloc_count_stop();
  REQUIRE(done == kCycles);
  CHECK(counts.news == 0);
  CHECK(venue.open_orders() == 0);
}

#ifdef TICKPATH_GATEWAY_CHILD_BIN
TEST_CASE("gateway: the dead man's switch cancels everything after the engine is killed with SIGKILL",
          "[gateway][integration]") {
  Venue venue("dms");
  const sim::Endpoints& e = venue.server->endpoints();
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::setenv("TICKPATH_API_SECRET", kTrader.secret_base64.c_str(), 1);
    const std::string port = std::to_string(e.port);
    ::execl(TICKPATH_GATEWAY_CHILD_BIN, TICKPATH_GATEWAY_CHILD_BIN, port.c_str(), venue.ca_file.c_str(),
            kTrader.api_key.c_str(), "3", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ::close(out[1]);
  // The child prints READY once its orders rest at the venue.
  std::string seen;
  char buf[256];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while (seen.find("READY") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    seen.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  REQUIRE(seen.find("READY") != std::string::npos);
  CHECK(venue.open_orders() == 3);

  REQUIRE(::kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(venue.open_orders() == 3);  // nothing cancels them but the switch

  // 61 s later on the venue's clock the switch armed by the child fires.
  const sim::test::Reply r = venue.control->request("POST", "/sim/v1/clock?advance_ms=61000");
  REQUIRE(r.status == 200);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  while (venue.open_orders() != 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  CHECK(venue.open_orders() == 0);
  CHECK(venue.stats().dead_man_switch_fired >= 1);
}
#endif
