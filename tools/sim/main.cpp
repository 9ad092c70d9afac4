// tickpath-sim: a local Kraken Futures exchange (matching engine, REST v3, websocket v1).
//
//   tickpath-sim --config FILE     serve the [sim] section of FILE until SIGINT / SIGTERM
//   tickpath-sim --check-config FILE
//   tickpath-sim --version
//
// At start it prints one line per URL and what a client needs to trust and sign in:
//   rest <scheme>://<address>:<port>/derivatives/api/v3
//   websocket <ws scheme>://<address>:<port>/ws/v1
//   ca_file <path>                 (TLS only, when [sim] ca_out_file is set)
//   api_key <key> <account name>   (one line per account; secrets are never printed)
//   credentials_file <path>        (only when the key was generated: the secret is in that file, mode 0600)
//
// Exit codes: 0 stopped by a signal, 1 cannot start (message on stderr), 2 config error, 64 usage.

#include <csignal>
#include <cstdio>
#include <exception>
#include <pthread.h>
#include <string>
#include <string_view>

#include "tickpath/config/error.hpp"
#include "tickpath/config/load.hpp"
#include "tickpath/sim/server.hpp"
#include "tickpath/version.hpp"

namespace {

int usage() {
  std::fputs(
      "usage: tickpath-sim --config FILE | --check-config FILE | --version\n"
      "  Serves the Kraken Futures REST v3 API and websocket v1 described by the [sim] section of\n"
      "  FILE (see config/engine.example.toml) until SIGINT or SIGTERM.\n",
      stderr);
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc >= 2 ? argv[1] : "";
  if (argc == 2 && mode == "--version") {
    std::printf("tickpath-sim %s (%s)\n", std::string(tickpath::kVersion).c_str(),
                std::string(tickpath::kGitCommit).c_str());
    return 0;
  }
  if (argc != 3 || (mode != "--config" && mode != "--check-config")) {
    return usage();
  }
  tickpath::config::EngineConfig config;
  try {
    config = tickpath::config::load_config_file(argv[2]);
  } catch (const tickpath::config::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (mode == "--check-config") {
    std::printf("tickpath-sim: %s is valid\n", argv[2]);
    return 0;
  }

  // Signals are taken synchronously by this thread (sigwait); every other thread, the server's
  // included, inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    tickpath::sim::Server server(config.sim);
    const tickpath::sim::Endpoints& e = server.endpoints();
    std::printf("rest %s\n", e.rest_url.c_str());
    std::printf("websocket %s\n", e.ws_url.c_str());
    if (!e.ca_file.empty()) {
      std::printf("ca_file %s\n", e.ca_file.c_str());
    }
    for (const tickpath::sim::AccountKey& account : server.accounts()) {
      std::printf("api_key %s %s\n", account.api_key.c_str(), account.name.c_str());
    }
    if (!server.generated_credentials_file().empty()) {
      std::printf("credentials_file %s\n", server.generated_credentials_file().c_str());
    }
    std::fflush(stdout);
    server.start();
    int received = 0;
    sigwait(&signals, &received);
    std::fprintf(stderr, "tickpath-sim: %s, stopping\n", received == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
  } catch (const tickpath::config::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tickpath-sim: %s\n", e.what());
    return 1;
  }
  return 0;
}
