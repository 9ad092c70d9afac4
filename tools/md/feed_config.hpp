#pragma once
// EngineConfig ([venue], [[instruments]], [market_data]) -> what MdFeed and its registry need.
// Cold, start-up only; throws std::invalid_argument / config::ConfigError with the key's name.
// Lives with the tool until the engine's wiring takes it over.

#include <chrono>
#include <stdexcept>
#include <string>

#include "tickpath/config/config.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/venue/kraken_futures/md_feed.hpp"

namespace tickpath::tools::md {

// Instruments from [[instruments]] (tick size and size step as configured). Inverse contracts by
// the venue's prefix convention (kraken-futures-protocol.md §2.2: PI_, FI_ inverse).
inline InstrumentRegistry make_registry(const config::EngineConfig& config) {
  InstrumentRegistry registry(config.instruments.size() + 1);
  for (const config::InstrumentConfig& i : config.instruments) {
    const bool inverse =
        i.symbol.size() > 3 &&
        (i.symbol[0] == 'P' || i.symbol[0] == 'p' || i.symbol[0] == 'F' || i.symbol[0] == 'f') &&
        (i.symbol[1] == 'I' || i.symbol[1] == 'i') && i.symbol[2] == '_';
    registry.add({i.symbol, i.tick_size.value, i.size_step.value,
                  inverse ? ContractKind::Inverse : ContractKind::Linear});
  }
  return registry;
}

inline venue::kraken_futures::MdFeedConfig make_md_feed_config(const config::EngineConfig& config) {
  using std::chrono::milliseconds;
  const config::MarketDataConfig& m = config.market_data;
  venue::kraken_futures::MdFeedConfig out;
  out.ws.url = config.venue.ws_url;
  out.ws.tls.ca_file = config.venue.ca_file;
  out.ws.ping_interval = milliseconds{m.ping_interval_ms};
  out.ws.pong_timeout = milliseconds{m.pong_timeout_ms};
  out.ws.resolve_timeout = milliseconds{m.resolve_timeout_ms};
  out.ws.connect_timeout = milliseconds{m.connect_timeout_ms};
  out.ws.tls_handshake_timeout = milliseconds{m.tls_handshake_timeout_ms};
  out.ws.ws_handshake_timeout = milliseconds{m.ws_handshake_timeout_ms};
  out.ws.close_timeout = milliseconds{m.close_timeout_ms};
  out.ws.max_message_bytes = static_cast<std::size_t>(m.max_message_bytes);
  out.ws.initial_buffer_bytes = std::min(out.ws.initial_buffer_bytes, out.ws.max_message_bytes);
  out.ws.backoff.initial = milliseconds{m.backoff_initial_ms};
  out.ws.backoff.max = milliseconds{m.backoff_max_ms};
  out.ws.backoff.multiplier = m.backoff_multiplier;
  out.ws.backoff.jitter = m.backoff_jitter;
  out.ws.backoff.reset_after = milliseconds{m.backoff_reset_after_ms};

  venue::kraken_futures::MarketDataConfig& md = out.market_data;
  md.products = m.products;
  md.subscribe_book = md.subscribe_trade = md.subscribe_ticker = false;
  for (const config::MarketDataFeed f : m.feeds) {
    switch (f) {
      case config::MarketDataFeed::Book:
        md.subscribe_book = true;
        break;
      case config::MarketDataFeed::Trade:
        md.subscribe_trade = true;
        break;
      case config::MarketDataFeed::Ticker:
        md.subscribe_ticker = true;
        break;
      case config::MarketDataFeed::TickerLite:
        md.subscribe_ticker = true;
        md.ticker_lite = true;
        break;
    }
  }
  md.product_silence = milliseconds{m.product_silence_ms};
  md.connection_silence = milliseconds{m.connection_silence_ms};
  md.parser.max_message_bytes = out.ws.max_message_bytes;
  return out;
}

}  // namespace tickpath::tools::md
