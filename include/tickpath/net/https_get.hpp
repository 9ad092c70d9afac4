#pragma once
// A small blocking HTTP(S) GET client for cold threads: reference data at start-up (the venue's
// /instruments, kraken-futures-protocol.md §3.1), tools. NOT for the hot thread or any polled
// loop: every call resolves, connects, handshakes and reads on the calling thread and blocks
// until the answer is complete, the deadline passes or something fails. Allocates.
//
// Security is TlsContext's (tls_context.hpp): https:// always verifies the peer (chain plus the
// URL's host against the certificate: DNS names with SNI, IP literals against IP SANs, no SNI).
// http:// is plain TCP, meant for loopback tests and simulators.
//
// One request per connection (`Connection: close`), HTTP/1.1, no redirects followed (a 3xx is
// returned like any other status), no proxies, no decompression (no Accept-Encoding is sent).
//
// Errors (STYLE B1.6a: this is start-up work): std::runtime_error whose message starts with
// "GET <url>: " and names the failed step (resolve, connect, TLS handshake incl. OpenSSL's verify
// reason, write, read, timeout, body limit). Messages never contain header values.
//
// Thread-agnostic: no shared state; any cold thread may call it concurrently with its own
// TlsContext or a shared one (the context is read-only after construction).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickpath::net {

class TlsContext;

struct HttpUrl {
  bool tls{true};           // https:// (true) or http:// (false)
  std::string host;         // DNS name or IP literal (IPv6 without brackets), lower-cased
  std::uint16_t port{0};    // explicit, or 443 for https and 80 for http
  std::string target{"/"};  // path and query, always starting with '/'

  // "host" for the scheme's default port, else "host:port"; IPv6 literals in brackets.
  [[nodiscard]] std::string host_header() const;
  // "https://host[:port]/target": the URL as this client understood it (for messages).
  [[nodiscard]] std::string to_string() const;
};

// `https://host[:port][/path[?query]]` or `http://...`, with parse_ws_url's rules (no user info,
// no fragment, ports 1..65535, no whitespace). Returns nullopt and sets *error when given.
[[nodiscard]] std::optional<HttpUrl> parse_http_url(std::string_view text, std::string* error = nullptr);

struct HttpGetOptions {
  // One deadline for the whole request, from the call: connect, TLS handshake, write, read.
  // Name resolution runs first and counts against it, but getaddrinfo cannot be interrupted: a
  // DNS name whose lookup hangs is bounded by the system resolver (resolv.conf timeout/attempts),
  // after which the request fails as timed out. IP literals are not looked up.
  std::chrono::milliseconds timeout{std::chrono::seconds{10}};
  // Larger bodies fail the request ("body larger than N bytes"). The header is limited to 64 KiB.
  std::size_t max_body_bytes{16U * 1024U * 1024U};
  std::string user_agent{"tickpath"};
  std::string accept{"application/json"};  // the Accept header
};

struct HttpResponse {
  unsigned status{0};  // HTTP status code (any: the caller decides what is an error)
  std::string body;    // the complete body (de-chunked)
};

// GET url. tls is used for https:// only (ignored for http://). Blocks; see the header comment.
// Throws std::invalid_argument for an unusable URL or options, std::runtime_error otherwise.
[[nodiscard]] HttpResponse https_get(std::string_view url, const TlsContext& tls,
                                     const HttpGetOptions& options = {});

}  // namespace tickpath::net
