#pragma once
// Kraken Futures REST order entry, the request side (kraken-futures-protocol.md §4, §5.1, §5.5-5.11):
// an oms::Request becomes one complete, signed HTTP/1.1 request in a caller-provided fixed buffer.
//
// Wire format (one choice among the two the venue accepts, §5.1):
//   POST (sendorder, editorder, cancelorder, cancelallorders, cancelallordersafter, batchorder,
//   orders/status): parameters in an application/x-www-form-urlencoded BODY, the query string empty.
//   GET (openorders, openpositions, fills, accounts): parameters in the query string.
//
//   POST /derivatives/api/v3/sendorder HTTP/1.1\r\n
//   Host: <host>\r\n
//   User-Agent: <user_agent>\r\n
//   APIKey: <api_key>\r\n
//   Nonce: <nonce>\r\n
//   Authent: <88 characters>\r\n
//   Content-Type: application/x-www-form-urlencoded\r\n      (POST only)
//   Content-Length: <body length>\r\n                         (POST only, also when 0)
//   \r\n
//   <body>
//
// Keep-alive is HTTP/1.1's default: no Connection header. Every value is percent-encoded once
// (RFC 3986 unreserved characters stay, uppercase hex, as form.hpp) and Authent is computed over
// exactly those bytes: post_data = the query string (GET) or the body (POST), §4.2.
//
// Parameters, in this order (omitted ones leave no '&'):
//   sendorder            orderType (lmt/post/ioc/mkt), symbol (uppercase), side (buy/sell),
//                        size, limitPrice (not for mkt), cliOrdId (when set), reduceOnly=true (when set)
//   editorder            orderId=<uuid> or cliOrdId, size (the new OPEN size; omitted when 0),
//                        limitPrice (omitted when Price::min())
//   cancelorder          order_id=<uuid> or cliOrdId
//   cancelallorders      symbol, or nothing for every instrument
//   cancelallordersafter timeout=<seconds>
//   fills                lastFillTime=<ISO-8601 UTC, milliseconds> when Request::arg != 0
//   orders/status        orderIds=<uuid> or cliOrdIds=<id> (one id)
//   batchorder           json=<percent-encoded {"batchOrder":[...]}> (§5.10)
// The venue id wins over the client id whenever it is valid. Sizes and prices are the instrument's
// plain decimal text (Instrument::format_qty / format_price, never an exponent). An edit that
// carries a price or a size needs Request::instrument to format it.
//
// Threads and cost: the encoder is immutable after construction; encode() and encode_batch() may be
// called from any thread, are noexcept, allocate nothing and make no syscall. A sendorder costs about
// 0.6 us, most of it the SHA-256 of the body plus two SHA-512 compressions, ~3.4x less than the same
// request signed with a fresh HMAC() (bench/venue/kraken_futures/order_encode_bench.cpp).
// The nonce is the caller's (NonceSource): requests must reach the venue in nonce order, so one
// thread should own a key's NonceSource and its connection (§4.2 "serialise signed requests").

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tickpath/core/instrument.hpp"
#include "tickpath/oms/types.hpp"
#include "tickpath/venue/kraken_futures/auth.hpp"

namespace tickpath::venue::kraken_futures {

struct OrderEncoderConfig {
  std::string api_key;                           // APIKey header
  std::string host;                              // Host header value: "futures.kraken.com", "127.0.0.1:8443"
  std::string base_path{"/derivatives/api/v3"};  // request path prefix; signing strips "/derivatives"
  std::string user_agent{"tickpath"};
};

// A fixed buffer for one complete HTTP/1.1 request. Reused from request to request; nothing in it
// needs initialising (encode writes bytes[0, size) and sets size, 0 on failure).
struct RequestBuffer {
  static constexpr std::size_t kCapacity = 8192;
  std::array<char, kCapacity> bytes;
  std::size_t size{0};

  [[nodiscard]] std::span<const char> view() const noexcept { return {bytes.data(), size}; }
};

// Strictly increasing nonces for one API key: max(last + 1, wall clock in epoch MICROseconds).
// Kraken only needs them to increase per key (§4.2); microseconds leave room for a burst of
// requests within one millisecond without running ahead of the clock, and stay above any
// millisecond nonce an earlier client may have used with the same key. A clock that steps back
// cannot make the sequence repeat: it then counts up from the last value. The flip side: once a
// key has seen microsecond nonces, a client that sends millisecond nonces with it is refused
// (nonceBelowThreshold) until the key is replaced. Not thread-safe: one owner (the thread that
// sends with this key).
class NonceSource {
 public:
  // wall_ns = wall_ns() (core/clock.hpp); negative values count as 0.
  [[nodiscard]] std::uint64_t next(std::int64_t wall_ns) noexcept;
  [[nodiscard]] std::uint64_t last() const noexcept { return last_; }

 private:
  std::uint64_t last_{0};
};

// One encoded request. bytes is empty when the request could not be encoded (see encode).
// post_data is the signed parameter text, a view inside bytes ("" when there are no parameters).
// Both point into the RequestBuffer passed to encode and live as long as its contents.
struct EncodedRequest {
  std::span<const char> bytes;
  std::string_view post_data;
  std::uint64_t nonce{0};

  [[nodiscard]] bool ok() const noexcept { return !bytes.empty(); }
};

// Text lengths of the two formatters below.
inline constexpr std::size_t kUuidTextLength = 36;   // 8-4-4-4-12
inline constexpr std::size_t kIsoMillisLength = 24;  // 2021-07-30T04:19:40.804Z

// Lowercase 8-4-4-4-12 text of 16 bytes (RFC 4122 byte order) into out[0, 36). No allocation.
void format_uuid(const std::array<std::uint8_t, 16>& bytes, char* out) noexcept;

// "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, proleptic Gregorian) for epoch milliseconds into out[0, 24):
// returns 24, or 0 when the time is outside 1970-01-01 .. 9999-12-31 (four-digit years only).
[[nodiscard]] std::size_t format_iso_millis(std::int64_t epoch_ms, char* out) noexcept;

class OrderEncoder {
 public:
  // Cold: copies the Signer and the configuration and precomputes every request head. The
  // registry must outlive the encoder. Throws std::invalid_argument when api_key or host is empty,
  // when a header value holds a control character (CR/LF would inject headers) or a space (APIKey,
  // Host), when base_path does not start with '/' or holds '?' or '#', or when the fixed head would
  // take more than half of a RequestBuffer.
  OrderEncoder(const InstrumentRegistry& registry, const Signer& signer, OrderEncoderConfig config);

  // One request for r.kind (every RequestKind but BatchOrder; see the parameter table above).
  // Empty bytes when r.kind is BatchOrder, the instrument is unknown, a value cannot be formatted
  // (a sentinel or non-positive size, a sentinel limit price, a negative timeout or fill time, an
  // edit/cancel/status without any id) or the request does not fit in out. On failure out.size is
  // 0 and out's bytes are unspecified.
  [[nodiscard]] EncodedRequest encode(const oms::Request& r, std::uint64_t nonce,
                                      RequestBuffer& out) const noexcept;

  // One batchorder (§5.10): a single form field json=<percent-encoded {"batchOrder":[...]}> where
  // item i is a send (order_tag "i", the sendorder fields), an edit (order_id or cliOrdId, size,
  // limitPrice) or a cancel (order_id or cliOrdId). Sizes and prices are JSON numbers, strings are
  // JSON-escaped before the percent-encoding. Empty bytes when items is empty, an item is not a
  // SendOrder, EditOrder or CancelOrder, any item fails as in encode(), or the batch does not fit.
  [[nodiscard]] EncodedRequest encode_batch(std::span<const oms::Request> items, std::uint64_t nonce,
                                            RequestBuffer& out) const noexcept;

  // The request path of a kind, e.g. "/derivatives/api/v3/sendorder" (for logs and tests).
  [[nodiscard]] std::string_view path(oms::RequestKind kind) const noexcept;

 private:
  static constexpr std::size_t kKindCount = static_cast<std::size_t>(oms::RequestKind::Accounts) + 1;

  struct Route {
    std::string path;      // base_path + "/" + endpoint
    std::string endpoint;  // endpoint_path(path): what Authent signs
    std::string head;      // POST: the request line and every header up to "Nonce: ";
                           // GET: "GET " + path (the query and head_tail_ follow)
    bool post{true};
  };

  // nullptr when id is invalid or not in the registry.
  [[nodiscard]] const Instrument* instrument(InstrumentId id) const noexcept;
  // Where the parameters are written: after "GET <path>?" for a GET; for a POST where the body
  // starts when Content-Length has three digits (finish moves it for other lengths).
  [[nodiscard]] static std::size_t params_offset(const Route& route, std::size_t nonce_digits) noexcept;
  // Signs out.bytes[params_begin, params_end) and writes the head around it.
  [[nodiscard]] EncodedRequest finish(const Route& route, std::size_t params_begin, std::size_t params_end,
                                      std::uint64_t nonce, RequestBuffer& out) const noexcept;

  const InstrumentRegistry* registry_;
  Signer signer_;
  std::array<Route, kKindCount> routes_;
  std::string head_tail_;  // " HTTP/1.1\r\nHost: ...\r\nUser-Agent: ...\r\nAPIKey: ...\r\nNonce: "
};

}  // namespace tickpath::venue::kraken_futures
