#include "tickpath/net/url.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <netinet/in.h>

namespace tickpath::net {
namespace {

std::optional<WsUrl> fail(std::string* error, const char* what) {
  if (error != nullptr) {
    *error = what;
  }
  return std::nullopt;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

bool is_ipv4(const std::string& host) noexcept {
  in_addr a{};
  return ::inet_pton(AF_INET, host.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& host) noexcept {
  in6_addr a{};
  return ::inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

// RFC 3986 reg-name restricted to what DNS host names use: letters, digits, '-', '.'.
bool is_dns_name(std::string_view host) noexcept {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') {
    return false;
  }
  for (const char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string WsUrl::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out = v6 ? "[" + host + "]" : host;
  const std::uint16_t default_port = tls ? 443 : 80;
  if (port != default_port) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

bool WsUrl::host_is_ip_literal() const noexcept {
  return is_ipv4(host) || is_ipv6(host);
}

std::optional<WsUrl> parse_ws_url(std::string_view text, std::string* error) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return fail(error, "url contains whitespace or a control character");
    }
  }
  WsUrl url;
  if (starts_with_ci(text, "wss://")) {
    url.tls = true;
    text.remove_prefix(6);
  } else if (starts_with_ci(text, "ws://")) {
    url.tls = false;
    text.remove_prefix(5);
  } else {
    return fail(error, "url scheme must be ws:// or wss://");
  }
  if (text.find('#') != std::string_view::npos) {
    return fail(error, "url must not contain a fragment");
  }
  const std::size_t slash = text.find_first_of("/?");
  std::string_view authority = text.substr(0, slash);
  if (slash != std::string_view::npos) {
    // Appending (not "/" + string) also keeps GCC 12's -Wrestrict false positive away at -O3.
    url.target = text[slash] == '/' ? std::string() : std::string("/");
    url.target.append(text.substr(slash));
  }
  if (authority.find('@') != std::string_view::npos) {
    return fail(error, "url must not contain user info");
  }
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return fail(error, "url has an unterminated IPv6 literal");
    }
    host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return fail(error, "url has junk after the IPv6 literal");
      }
      port = rest.substr(1);
      if (port.empty()) {
        return fail(error, "url has an empty port");
      }
    }
    url.host = std::string(host);
    if (!is_ipv6(url.host)) {
      return fail(error, "url has an invalid IPv6 literal");
    }
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) {
        return fail(error, "url has an empty port");
      }
    }
    if (host.empty()) {
      return fail(error, "url has an empty host");
    }
    if (!is_dns_name(host)) {
      return fail(error, "url host is not a valid host name or IPv4 address");
    }
    url.host.reserve(host.size());
    for (const char c : host) {
      url.host += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (port.empty()) {
    url.port = url.tls ? 443 : 80;
  } else {
    if (port.size() > 5) {
      return fail(error, "url port is out of range");
    }
    unsigned value = 0;
    for (const char c : port) {
      if (c < '0' || c > '9') {
        return fail(error, "url port is not a number");
      }
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) {
      return fail(error, "url port is out of range");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

}  // namespace tickpath::net
