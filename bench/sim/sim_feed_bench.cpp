// How many book deltas per second tickpath-sim delivers to one subscriber (issue #4: >= 100k/s on
// this 2-core machine). The simulator runs in this process on its own thread with the random
// market at the offered rate spread over its four default instruments; one Beast websocket client
// on the benchmark thread subscribes `book` for all four over loopback TLS (or plain WS) and
// counts the deltas it receives, checking every seq is the previous one + 1 per product.
//
// Each benchmark iteration receives kBatch deltas; the counter `deltas_per_s` is the received
// rate, `offered_per_s` what the market was asked to generate, `ratio` received/offered. A
// saturated run (offered far above what fits) shows the simulator's ceiling.

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "tickpath/sim/server.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr int kBatch = 10'000;

std::uint64_t number_after(std::string_view text, std::string_view key) {
  const std::size_t at = text.find(key);
  if (at == std::string_view::npos) {
    return 0;
  }
  std::uint64_t v = 0;
  for (std::size_t i = at + key.size(); i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    v = v * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  return v;
}

template <typename Ws>
void run_feed(benchmark::State& state, Ws& ws, double offered) {
  beast::flat_buffer buffer;
  ws.write(asio::buffer(std::string_view(
      R"({"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD","PF_XBTUSD","PI_ETHUSD","PF_ETHUSD"]})")));
  std::array<std::uint64_t, 4> last{};
  const std::array<std::string_view, 4> products{"\"PI_XBTUSD\"", "\"PF_XBTUSD\"", "\"PI_ETHUSD\"",
                                                 "\"PF_ETHUSD\""};
  const auto product_of = [&](std::string_view text) -> std::size_t {
    for (std::size_t p = 0; p < products.size(); ++p) {
      if (text.find(products[p]) != std::string_view::npos) {
        return p;
      }
    }
    return products.size();
  };
  std::uint64_t gaps = 0;
  std::uint64_t received = 0;
  const auto read_one = [&]() -> std::string_view {
    buffer.consume(buffer.size());
    ws.read(buffer);
    return {static_cast<const char*>(buffer.cdata().data()), buffer.cdata().size()};
  };
  // Snapshots first, so the timed part only counts deltas.
  int snapshots = 0;
  while (snapshots < 4) {
    const std::string_view text = read_one();
    if (text.find(R"("feed":"book_snapshot")") != std::string_view::npos) {
      last[product_of(text)] = number_after(text, R"("seq":)");
      ++snapshots;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    int n = 0;
    while (n < kBatch) {
      const std::string_view text = read_one();
      if (text.find(R"("feed":"book")") == std::string_view::npos) {
        continue;
      }
      const std::size_t p = product_of(text);
      const std::uint64_t seq = number_after(text, R"("seq":)");
      if (p < last.size()) {
        gaps += seq != last[p] + 1 ? 1U : 0U;
        last[p] = seq;
      }
      ++n;
    }
    received += static_cast<std::uint64_t>(n);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  state.counters["deltas_per_s"] = static_cast<double>(received) / seconds;
  state.counters["offered_per_s"] = offered;
  state.counters["ratio"] = static_cast<double>(received) / seconds / offered;
  state.counters["seq_gaps"] = static_cast<double>(gaps);
  state.SetItemsProcessed(static_cast<std::int64_t>(received));
}

void BM_SimBookFeed(benchmark::State& state) {
  const bool tls = state.range(0) != 0;
  const double offered = static_cast<double>(state.range(1));
  tickpath::config::SimConfig config{};
  config.port = 0;
  config.tls = tls;
  config.ca_out_file = "";
  config.market.kind = tickpath::config::SimActivityKind::Random;
  config.market.deltas_per_second = offered / 4;  // per instrument
  config.market.trades_per_second = 10;
  config.market.levels = 100;
  std::vector<tickpath::sim::AccountKey> accounts{
      {.name = "bench", .api_key = "bench", .api_secret_base64 = "YmVuY2hiZW5jaA==", .balances = {}}};
  tickpath::sim::Server server(config, accounts);
  server.start();
  const auto& e = server.endpoints();
  asio::io_context io;
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), e.port);
  if (tls) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(e.ca_pem));
    ctx.set_verify_mode(asio::ssl::verify_peer);
    websocket::stream<asio::ssl::stream<tcp::socket>> ws(io, ctx);
    beast::get_lowest_layer(ws).connect(ep);
    ws.next_layer().handshake(asio::ssl::stream_base::client);
    ws.handshake("127.0.0.1", "/ws/v1");
    run_feed(state, ws, offered);
  } else {
    websocket::stream<tcp::socket> ws(io);
    beast::get_lowest_layer(ws).connect(ep);
    ws.handshake("127.0.0.1", "/ws/v1");
    run_feed(state, ws, offered);
  }
  const tickpath::sim::VenueStats stats = server.call([](tickpath::sim::Venue& v) { return v.stats(); });
  state.counters["sim_deltas_out"] = static_cast<double>(stats.book_deltas_out);
  server.stop();
}

// {tls, offered deltas/s in total}: the issue's 100k, then doubling up to 1.6M to find the ceiling.
// An offered rate above the ceiling makes the subscriber a slow consumer, which the simulator cuts
// off once 64 MiB are queued (server.hpp): the client then reports the connection's end.
BENCHMARK(BM_SimBookFeed)
    ->ArgNames({"tls", "offered"})
    ->Args({1, 100'000})
    ->Args({1, 200'000})
    ->Args({1, 400'000})
    ->Args({0, 400'000})
    ->Args({1, 800'000})
    ->Args({1, 1'600'000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
