#include "tickpath/venue/kraken_futures/capture.hpp"

#include <fstream>
#include <stdexcept>

#include "tickpath/core/decimal.hpp"

namespace tickpath::venue::kraken_futures {
namespace {

// "1626994927.583642" -> epoch ns (exact, microsecond captures).
bool seconds_to_ns(std::string_view text, std::int64_t& out) {
  const UnitsResult r = to_units(text, Increment{1, -9});
  if (r.error != DecimalError::Ok) {
    return false;
  }
  out = r.units;
  return true;
}

}  // namespace

bool parse_capture_line(std::string_view line, CapturedFrame& out) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) {
    line.remove_suffix(1);
  }
  if (line.empty()) {
    return false;
  }
  if (line.front() == '{' || line.front() == '[') {
    out.event = CaptureEvent::Received;
    out.time_ns = 0;
    out.text.assign(line);
    return true;
  }
  // cryptofeed: "<url> <-> <s>", "<url> <- <s>: <json>", "<s>: <json>"
  if (const std::size_t pos = line.find(" <-> "); pos != std::string_view::npos) {
    out.event = CaptureEvent::Connect;
    out.text.clear();
    return seconds_to_ns(line.substr(pos + 5), out.time_ns);
  }
  std::string_view rest = line;
  out.event = CaptureEvent::Received;
  if (const std::size_t pos = line.find(" <- "); pos != std::string_view::npos && pos < line.find('{')) {
    out.event = CaptureEvent::Sent;
    rest = line.substr(pos + 4);
  }
  const std::size_t colon = rest.find(": ");
  if (colon == std::string_view::npos || !seconds_to_ns(rest.substr(0, colon), out.time_ns)) {
    return false;
  }
  out.text.assign(rest.substr(colon + 2));
  return true;
}

std::vector<CapturedFrame> read_capture(const std::string& path, std::size_t first_line,
                                        std::size_t last_line) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot open capture '" + path + "'");
  }
  std::vector<CapturedFrame> frames;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n < first_line) {
      continue;
    }
    if (n > last_line) {
      break;
    }
    CapturedFrame f;
    if (!parse_capture_line(line, f)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) {
        continue;
      }
      throw std::runtime_error(path + ":" + std::to_string(n) +
                               ": neither a JSON line nor a cryptofeed capture line");
    }
    f.line = n;
    frames.push_back(std::move(f));
  }
  return frames;
}

}  // namespace tickpath::venue::kraken_futures
