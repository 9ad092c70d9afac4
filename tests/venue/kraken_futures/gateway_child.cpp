// A minimal engine process for the dead man's switch test (gateway_test.cpp): the real Gateway
// against a simulator on 127.0.0.1:<port>, trusting <ca_file>, with the key <api_key> and the
// secret from TICKPATH_API_SECRET. It places <n> resting PF_XBTUSD buy orders, prints READY when
// the venue has confirmed them all, then keeps polling (re-arming the switch) until it is killed.
//
//   gateway_child <port> <ca_file> <api_key> <n>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "tickpath/config/config.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/oms/client_id.hpp"
#include "tickpath/venue/kraken_futures/gateway.hpp"

namespace kf = tickpath::venue::kraken_futures;
namespace oms = tickpath::oms;

namespace {
struct Quiet final : oms::OmsListener {
  void on_order_event(const oms::OrderEvent&) noexcept override {}
  void on_fill(const oms::FillEvent&) noexcept override {}
};
}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 || std::getenv("TICKPATH_API_SECRET") == nullptr) {
    std::fprintf(stderr,
                 "usage: gateway_child <port> <ca_file> <api_key> <n>  (secret in TICKPATH_API_SECRET)\n");
    return 64;
  }
  const std::string port = argv[1];
  const int n = std::atoi(argv[4]);
  tickpath::InstrumentRegistry registry(16);
  for (const auto& ins : tickpath::config::default_sim_instruments()) {
    registry.add(tickpath::InstrumentSpec{.symbol = ins.symbol,
                                          .tick_size = ins.tick_size.value,
                                          .size_step = ins.size_step.value,
                                          .kind = tickpath::kind_from_symbol(ins.symbol)});
  }
  auto signer = kf::Signer::from_base64_secret(std::getenv("TICKPATH_API_SECRET"));
  if (!signer) {
    std::fprintf(stderr, "gateway_child: bad secret\n");
    return 2;
  }
  kf::GatewayConfig c{};
  c.rest.url = "https://127.0.0.1:" + port;
  c.rest.tls.ca_file = argv[2];
  c.rest.tls.use_system_trust = false;
  c.feed.ws.url = "wss://127.0.0.1:" + port + "/ws/v1";
  c.feed.ws.tls.ca_file = argv[2];
  c.feed.ws.tls.use_system_trust = false;
  c.feed.api_key = argv[3];
  c.encoder.api_key = argv[3];
  c.encoder.host = "127.0.0.1:" + port;
  c.dms_timeout = std::chrono::seconds{60};
  c.dms_refresh = std::chrono::seconds{15};
  Quiet quiet;
  kf::TlsGateway gateway(registry, *signer, c, quiet, oms::ClientIdAllocator::from_clock());
  gateway.start();
  const tickpath::InstrumentId pf{1};
  std::vector<oms::OrderId> ids;
  bool ready = false;
  for (;;) {
    if (gateway.poll() == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds{200});
    }
    if (gateway.live() && gateway.dms_trigger_ms() > 0 && ids.empty()) {
      for (int i = 0; i < n; ++i) {
        const auto r = gateway.submit(oms::OrderAction::new_order(
            pf, tickpath::Side::Buy, oms::OrderType::Limit, tickpath::Price{64'000 - i}, tickpath::Qty{100}));
        if (r.verdict != oms::Verdict::Accepted) {
          std::fprintf(stderr, "gateway_child: order refused\n");
          return 1;
        }
        ids.push_back(r.order);
      }
    }
    if (!ready && !ids.empty()) {
      bool all_open = true;
      for (const oms::OrderId id : ids) {
        const oms::Order* o = gateway.oms().find(id);
        all_open = all_open && o != nullptr && o->state == oms::OrderState::Open;
      }
      if (all_open) {
        ready = true;
        std::printf("READY\n");
        std::fflush(stdout);
      }
    }
  }
}
