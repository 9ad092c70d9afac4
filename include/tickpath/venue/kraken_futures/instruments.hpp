#pragma once
// The answer of GET /derivatives/api/v3/instruments (kraken-futures-protocol.md §3.1) turned into
// InstrumentSpecs: exact tick size from `tickSize` (number or string text, no double round trip),
// size step 10^(-contractValueTradePrecision) (may be negative: -3 => steps of 1000, §9.22), and
// the contract kind from the symbol's prefix (PI_/FI_ inverse, PF_/FF_ linear, §2.2).
//
// Cold path (engine start, tools): allocates and throws std::runtime_error naming the row.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "tickpath/core/instrument.hpp"

namespace tickpath::net {
class TlsContext;
}

namespace tickpath::venue::kraken_futures {

struct SkippedInstrument {
  std::string symbol;
  std::string reason;  // "not tradeable", "type spot index", "no tickSize", ...
};

struct InstrumentList {
  std::vector<InstrumentSpec> specs;  // tradeable PI_/FI_/PF_/FF_ rows, symbols as sent
  std::vector<SkippedInstrument> skipped;
};

// Parses one /instruments JSON document. Rows are skipped (and listed) when untradeable, of an
// unsupported prefix, or without tickSize. A row with no contractValueTradePrecision (2021 answers)
// gets a size step of 1 when inverse (contracts are whole USD) and is skipped when linear.
// Throws std::runtime_error when the document is not an instruments answer or a number is invalid.
[[nodiscard]] InstrumentList parse_instruments(std::string_view json);

// GET <rest_base_url>/instruments over HTTPS (net::https_get: peer verified through tls; http://
// for local simulators) and parse_instruments on the answer. rest_base_url is the REST v3 base,
// e.g. "https://futures.kraken.com/derivatives/api/v3" (a trailing '/' is ignored); timeout bounds
// the whole request (https_get.hpp). Cold path, BLOCKS the calling thread: call it at start-up
// before the hot thread runs, never from it.
// Throws std::runtime_error naming the URL when the transport fails (including certificate
// verification), the body is not JSON (the demo host's HTML page with HTTP 200, protocol §1,
// §9.25), the venue answers `result` != "success" (its `error` / `errors[].message` / `status`
// and `message` quoted, §5.2), the HTTP status is not 200, or the document does not parse.
[[nodiscard]] InstrumentList fetch_instruments(const std::string& rest_base_url, const net::TlsContext& tls,
                                               std::chrono::milliseconds timeout = std::chrono::seconds{10});

// Reads a file holding one /instruments answer. Accepts a bare JSON document, a .jsonl file (line
// `line`, 1-based) or a capture line with a prefix before the first '{' (cryptofeed's
// "<url> -> <time>: <body>"). Throws std::runtime_error.
[[nodiscard]] InstrumentList load_instruments_file(const std::string& path, std::size_t line = 1);

// The symbols and increments of the 2021 production capture (cryptofeed KRAKEN_FUTURES.0, the
// /instruments answer fetched right before the websocket session): PI_/FI_ XBT 0.5, ETH 0.05,
// LTC 0.01, BCH 0.1, XRP 0.0001; all in whole contracts. A fallback for replaying that capture
// without an instruments file; prefer load_instruments_file.
[[nodiscard]] InstrumentList builtin_2021_instruments();

// Builds a registry (capacity = max(size, 1)) from specs. Throws std::invalid_argument on duplicates.
[[nodiscard]] InstrumentRegistry make_registry(const std::vector<InstrumentSpec>& specs);

}  // namespace tickpath::venue::kraken_futures
