// tickpath: the engine executable.
//
//   tickpath --config FILE         run the engine on FILE
//   tickpath --check-config FILE   validate FILE, print the effective config (secrets redacted)
//   tickpath --version
//
// Run mode: with [sim] embedded = true the exchange simulator starts inside this process (its URLs
// replace venue.rest_url / ws_url, its certificate venue.ca_file when that is empty, its generated
// key the venue credentials). With [gateway] enabled = true the order gateway runs with the
// market-data feed (app/trading.hpp: reconciliation, dead man's switch, kill switch on SIGUSR1 or
// a file, halt reset on SIGUSR2, cancel-all with a bounded wait on SIGINT/SIGTERM); otherwise the
// market-data feed alone prints one status line per second. Both until engine.run_seconds pass
// or SIGINT / SIGTERM. Strategies are not built yet: nothing places orders on its own.
//
// Start-up and config errors are exceptions caught here once: printed, exit code 2 (STYLE B1.6a).

#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/core.h>

#include "tickpath/config/load.hpp"
#include "tickpath/config/secrets.hpp"
#include "tickpath/core/clock.hpp"
#include "tickpath/sim/server.hpp"
#include "tickpath/version.hpp"

#include "app/trading.hpp"
#include "md/feed_config.hpp"
#include "md/live.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 64;  // EX_USAGE
constexpr int kExitConfig = 2;

void print_usage(std::FILE* out) {
  fmt::print(out,
             "usage: tickpath --config FILE        run the engine\n"
             "       tickpath --check-config FILE  validate FILE and print the effective config\n"
             "       tickpath --version\n");
}

void print_version() {
  fmt::print("tickpath {} (commit {})\n", tickpath::kVersion, tickpath::kGitCommit);
}

int check_config(const std::filesystem::path& file) {
  const auto cfg = tickpath::config::load_config_file(file);
  fmt::print("# effective config of {} (secrets redacted)\n{}", file.string(),
             tickpath::config::format_config(cfg));
  return kExitOk;
}

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_kill = 0;
volatile std::sig_atomic_t g_reset = 0;

extern "C" void on_signal(int sig) {
  if (sig == SIGUSR1) {
    g_kill = g_kill + 1;
  } else if (sig == SIGUSR2) {
    g_reset = g_reset + 1;
  } else {
    g_stop = 1;
  }
}

int run(const std::filesystem::path& file) {
  auto cfg = tickpath::config::load_config_file(file);
  print_version();
  fmt::print("# effective config of {} (secrets redacted)\n{}", file.string(),
             tickpath::config::format_config(cfg));
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGUSR1, on_signal);
  std::signal(SIGUSR2, on_signal);

  std::optional<tickpath::sim::Server> sim;
  if (cfg.sim.embedded) {
    sim.emplace(cfg.sim);
    sim->start();
    const tickpath::sim::Endpoints& e = sim->endpoints();
    fmt::print("tickpath: embedded simulator: rest {} websocket {}{}{}\n", e.rest_url, e.ws_url,
               e.ca_file.empty() ? "" : " ca_file ", e.ca_file);
    cfg.venue.rest_url = e.rest_url;
    cfg.venue.ws_url = e.ws_url;
    if (cfg.venue.ca_file.empty()) {
      cfg.venue.ca_file = e.ca_file;
    }
  }
  int code = kExitOk;
  if (cfg.gateway.enabled) {
    // The embedded simulator's key, or the configured one (secrets.hpp: environment or 0600 file).
    tickpath::config::Credentials creds;
    if (sim) {
      creds.api_key = sim->accounts().front().api_key;
      creds.api_secret = tickpath::config::SecretString(sim->accounts().front().api_secret_base64);
    } else {
      creds = tickpath::config::load_credentials(cfg.venue);
    }
    fmt::print(
        "tickpath: order gateway on {} (key {}); strategies are not built yet, so nothing trades by "
        "itself\n",
        cfg.venue.rest_url, creds.api_key);
    std::fflush(stdout);
    code = tickpath::app::run_trading(cfg,
                                      {.api_key = creds.api_key, .secret_base64 = creds.api_secret.reveal()},
                                      {.stop = &g_stop, .kill = &g_kill, .reset = &g_reset});
  } else if (cfg.market_data.products.empty()) {
    fmt::print("tickpath: market_data.products is empty; waiting for SIGINT/SIGTERM or run_seconds\n");
    const std::int64_t end = cfg.engine.run_seconds > 0
                                 ? tickpath::monotonic_ns() + cfg.engine.run_seconds * tickpath::kNsPerSecond
                                 : INT64_MAX;
    while (g_stop == 0 && tickpath::monotonic_ns() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } else {
    fmt::print("tickpath: [gateway] is not enabled; running market data against {}\n", cfg.venue.ws_url);
    std::fflush(stdout);
    tickpath::calibrate_process_tsc_clock(std::chrono::milliseconds{50});
    code = tickpath::tools::md::run_live(tickpath::tools::md::make_registry(cfg),
                                         tickpath::tools::md::make_md_feed_config(cfg),
                                         cfg.engine.run_seconds, "tickpath", g_stop);
  }
  if (sim) {
    sim->stop();
    fmt::print("tickpath: embedded simulator stopped\n");
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 2 && (std::string_view(argv[1]) == "--version" || std::string_view(argv[1]) == "-V")) {
      print_version();
      return kExitOk;
    }
    if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
      print_usage(stdout);
      return kExitOk;
    }
    if (argc == 3 && std::string_view(argv[1]) == "--check-config") {
      return check_config(argv[2]);
    }
    if (argc == 3 && std::string_view(argv[1]) == "--config") {
      return run(argv[2]);
    }
    print_usage(stderr);
    return kExitUsage;
  } catch (const tickpath::config::ConfigError& e) {
    fmt::print(stderr, "tickpath: invalid config:\n{}\n", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tickpath: {}\n", e.what());
    return kExitConfig;
  }
}
