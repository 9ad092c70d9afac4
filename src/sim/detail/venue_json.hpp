#pragma once
// Small JSON and time helpers of the simulator's protocol layer (venue.cpp, venue_ws.cpp). Output
// goes into a caller-owned std::string so hot paths (book deltas) can reuse one buffer.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "tickpath/core/decimal.hpp"
#include "tickpath/sim/uuid.hpp"
#include "tickpath/venue/kraken_futures/order_encoder.hpp"

namespace tickpath::sim::detail {

// The comma between the elements of a JSON list: `bool first = true;` before the loop, then
// `separate(out, first);` before each element.
inline void separate(std::string& out, bool& first) {
  if (!first) {
    out += ',';
  }
  first = false;
}

// A JSON string literal with the characters JSON requires escaped.
inline void append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}",
                         static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// A UUID as a JSON string.
inline void append_uuid(std::string& out, const Uuid& id) {
  std::array<char, Uuid::kTextLength> buf{};
  id.format(buf.data());
  out.push_back('"');
  out.append(buf.data(), buf.size());
  out.push_back('"');
}

// units * increment as an exact plain decimal. `force_point` appends ".0" to integral values, as
// the websocket feeds print every number since 2023 ("qty":0.0, "price":78022.0).
inline void append_units(std::string& out, std::int64_t units, Increment increment, bool force_point) {
  std::array<char, kMaxDecimalChars> buf{};
  const std::size_t n = format_units(units, increment, buf.data(), buf.size());
  out.append(buf.data(), n);
  if (force_point && std::memchr(buf.data(), '.', n) == nullptr) {
    out += ".0";
  }
}

// Money and other reported (never matched on) values: shortest round-trip text; 0 for NaN/inf so
// the document stays valid JSON.
inline void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += '0';
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", v);
}

[[nodiscard]] inline double units_to_double(std::int64_t units, Increment increment) noexcept {
  return static_cast<double>(units) * static_cast<double>(increment.mantissa) *
         std::pow(10.0, static_cast<double>(increment.exponent));
}

// Howard Hinnant's days_from_civil (proleptic Gregorian, 1970-01-01 = day 0).
[[nodiscard]] inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? static_cast<unsigned>(-3) : 9U)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// "2026-09-25T17:54:01.754Z" (REST times: ISO-8601 UTC with milliseconds), the encoder's formatter.
// Outside its 1970..9999 range (a clock moved absurdly far) the epoch milliseconds are written.
inline void append_iso_raw(std::string& out, std::int64_t ms) {
  char text[venue::kraken_futures::kIsoMillisLength];
  const std::size_t n = venue::kraken_futures::format_iso_millis(ms, text);
  if (n == 0) {
    fmt::format_to(std::back_inserter(out), "{}", ms);
    return;
  }
  out.append(text, n);
}

inline void append_iso(std::string& out, std::int64_t ms) {
  out.push_back('"');
  append_iso_raw(out, ms);
  out.push_back('"');
}

[[nodiscard]] inline std::string iso_string(std::int64_t ms) {
  std::string s;
  append_iso_raw(s, ms);
  return s;
}

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)" or plain epoch milliseconds; nullopt otherwise.
[[nodiscard]] inline std::optional<std::int64_t> parse_time(std::string_view s) noexcept {
  if (s.empty()) {
    return std::nullopt;
  }
  auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<std::int64_t> {
    if (pos + n > s.size()) {
      return std::nullopt;
    }
    std::int64_t v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') {
        return std::nullopt;
      }
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.find('-') == std::string_view::npos) {
    if (s.size() > 18) {
      return std::nullopt;
    }
    return digits(0, s.size());
  }
  const auto y = digits(0, 4);
  const auto mo = digits(5, 2);
  const auto d = digits(8, 2);
  const auto h = digits(11, 2);
  const auto mi = digits(14, 2);
  const auto se = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || s.size() < 19 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' || *mo < 1 || *mo > 12 || *d < 1 ||
      *d > 31 || *h > 23 || *mi > 59 || *se > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t frac_ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 3) {
        frac_ms = frac_ms * 10 + (s[pos] - '0');
      }
      ++n;
      ++pos;
    }
    if (n == 0) {
      return std::nullopt;
    }
    for (int i = n; i < 3; ++i) {
      frac_ms *= 10;
    }
  }
  const std::string_view tail = s.substr(pos);
  if (tail != "Z" && tail != "+00:00" && !tail.empty()) {
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  return ((days * 24 + *h) * 60 + *mi) * 60'000 + *se * 1000 + frac_ms;
}

}  // namespace tickpath::sim::detail
