#pragma once
// Strict parser for websocket URLs: `wss://host[:port][/path[?query]]` and `ws://...`.
// Cold path (configuration); allocates. Thread-agnostic: a pure function.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickpath::net {

struct WsUrl {
  bool tls{true};           // wss:// (true) or ws:// (false)
  std::string host;         // DNS name or IP literal; IPv6 without the brackets
  std::uint16_t port{0};    // explicit, or 443 for wss and 80 for ws
  std::string target{"/"};  // path and query, always starting with '/'

  // The Host header value: "host" for the scheme's default port, "host:port" otherwise, with
  // brackets around an IPv6 literal (RFC 7230 §5.4).
  [[nodiscard]] std::string host_header() const;
  // True when host is an IPv4 or IPv6 literal (then it is verified against IP SANs, and no SNI is
  // sent: RFC 6066 §3 forbids IP literals in server_name).
  [[nodiscard]] bool host_is_ip_literal() const noexcept;
};

// Returns nullopt and sets *error (when given) to a message naming the problem for anything that
// is not one of the two forms above: other schemes, user-info, fragments, empty hosts, ports
// outside 1..65535, whitespace or control characters. Scheme and host are case-insensitive; the
// host is returned lower-cased.
[[nodiscard]] std::optional<WsUrl> parse_ws_url(std::string_view text, std::string* error = nullptr);

}  // namespace tickpath::net
