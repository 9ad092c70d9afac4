#pragma once
// The engine's trading run: market data and the order gateway on one thread (the hot thread of
// ARCHITECTURE.md §1), with the operator's controls:
//   SIGINT / SIGTERM  cancel every order, wait for the venue's confirmation (bounded by
//                     [gateway] shutdown_wait_ms), then exit
//   SIGUSR1           kill switch: cancel every order and halt (cancel-only)
//   SIGUSR2           reset a halt (kill switch, max loss, max drawdown)
//   kill_switch_file  the file appearing acts like SIGUSR1 (checked on a cold thread)
// One JSON status line per second on stdout: gateway phase, orders, positions, PnL, counters.

#include <csignal>
#include <string>
#include <string_view>

#include "tickpath/config/config.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/venue/kraken_futures/gateway.hpp"

namespace tickpath::app {

// Signal flags the run loop reads (set by the process's signal handlers).
struct Controls {
  volatile std::sig_atomic_t* stop = nullptr;   // SIGINT / SIGTERM
  volatile std::sig_atomic_t* kill = nullptr;   // SIGUSR1 (counts up)
  volatile std::sig_atomic_t* reset = nullptr;  // SIGUSR2 (counts up)
};

// Credentials for the venue: the key id and the base64 secret (never printed; the caller keeps the
// secret's storage, e.g. a config::SecretString, alive for the call).
struct Credentials {
  std::string api_key;
  std::string_view secret_base64;
};

// The gateway's settings from the engine config (REST URL, websocket, encoder host, OMS sizes,
// risk limits converted to lots and Money). Throws std::invalid_argument for values the
// instruments cannot represent.
[[nodiscard]] venue::kraken_futures::GatewayConfig make_gateway_config(const config::EngineConfig& config,
                                                                       const InstrumentRegistry& registry,
                                                                       const std::string& api_key);

// Runs until run_seconds pass or a stop signal, then shuts down as above. Returns the exit code
// (0, or 3 when open orders could not be confirmed cancelled within shutdown_wait_ms).
int run_trading(const config::EngineConfig& config, const Credentials& credentials, const Controls& controls);

}  // namespace tickpath::app
