#pragma once
// The live market-data loop shared by `tickpath-md live` and the engine's run mode: MdFeed on the
// calling thread, one JSON status line per second on stdout (per product: top of book as decimal
// text, seq, validity, message rates, gaps, resyncs; plus connection counters), until `seconds`
// have passed (0 = no limit) or `stop` becomes non-zero (a signal handler sets it). Then the feed
// closes cleanly (bounded by 5 s). Returns the process exit code (0).

#include <csignal>
#include <cstdint>

#include "tickpath/core/instrument.hpp"
#include "tickpath/venue/kraken_futures/md_feed.hpp"

namespace tickpath::tools::md {

int run_live(const InstrumentRegistry& registry, venue::kraken_futures::MdFeedConfig config,
             std::int64_t seconds, const char* tag, const volatile std::sig_atomic_t& stop);

}  // namespace tickpath::tools::md
