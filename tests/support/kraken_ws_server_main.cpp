// kraken-test-server: runs tests/support/kraken_ws_server.hpp on its own, for trying tools by hand:
//   kraken-test-server [--tls CA_FILE] [--seconds N] [--gap-every-ms M]
// Prints the URL on stdout; with --tls writes its generated certificate to CA_FILE (trust it as
// the CA). --gap-every-ms skips one delta of the second product every M ms.

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "support/kraken_ws_server.hpp"

int main(int argc, char** argv) {
  std::string ca_file;
  long seconds = 10;
  long gap_every_ms = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--tls") {
      ca_file = argv[i + 1];
    } else if (a == "--seconds") {
      seconds = std::stol(argv[i + 1]);
    } else if (a == "--gap-every-ms") {
      gap_every_ms = std::stol(argv[i + 1]);
    }
  }
  tickpath::net::PemCertificate cert;
  if (!ca_file.empty()) {
    cert = tickpath::net::generate_self_signed();
    tickpath::net::write_pem_file(ca_file, cert.certificate_pem);
  }
  tickpath::test::KrakenServerConfig config;
  config.tick = std::chrono::milliseconds{2};
  tickpath::test::KrakenWsServer server(ca_file.empty() ? nullptr : &cert, config);
  std::printf("%s\n", server.url().c_str());
  std::fflush(stdout);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds{seconds};
  auto next_gap = std::chrono::steady_clock::now() + std::chrono::milliseconds{gap_every_ms};
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    if (gap_every_ms > 0 && std::chrono::steady_clock::now() >= next_gap) {
      server.skip_next_delta(config.products[1]);
      next_gap += std::chrono::milliseconds{gap_every_ms};
    }
  }
  server.stop();
  return 0;
}
