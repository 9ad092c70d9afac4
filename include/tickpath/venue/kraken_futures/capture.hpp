#pragma once
// Recorded websocket traffic, for replay without a network (tickpath-md replay, tests, benchmarks).
// Two formats are recognised line by line:
//   * JSON lines: one received message per line (`ws_book_delta.jsonl` style); no receive time.
//   * cryptofeed raw capture (`KRAKEN_FUTURES.ws.1.0`): `<url> <-> <epoch s>` (connect),
//     `<url> <- <epoch s>: <json>` (sent by the client), `<epoch s>: <json>` (received).
// Cold path: allocates, throws std::runtime_error.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace tickpath::venue::kraken_futures {

enum class CaptureEvent : std::uint8_t { Received, Sent, Connect };

struct CapturedFrame {
  CaptureEvent event{CaptureEvent::Received};
  std::int64_t time_ns{0};  // epoch ns from the capture; 0 when the format has none
  std::string text;         // the JSON message (empty for Connect)
  std::size_t line{0};      // 1-based line in the file
};

// Reads lines [first_line, last_line] (1-based, inclusive) of a capture file. Empty lines are
// skipped. Throws std::runtime_error when the file cannot be read.
[[nodiscard]] std::vector<CapturedFrame> read_capture(
    const std::string& path, std::size_t first_line = 1,
    std::size_t last_line = std::numeric_limits<std::size_t>::max());

// One line in either format; false when it is neither (the frame is left unspecified).
bool parse_capture_line(std::string_view line, CapturedFrame& out);

}  // namespace tickpath::venue::kraken_futures
