#pragma once
// Helpers of the sim_venue tests: a recording WsConnection, a signed REST client and JSON access.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tickpath/config/config.hpp"
#include "tickpath/sim/venue.hpp"
#include "tickpath/venue/kraken_futures/auth.hpp"

namespace tickpath::sim::test {

namespace kf = tickpath::venue::kraken_futures;

inline constexpr std::int64_t kT0 = 1'790'000'000'000;  // 2026-09-21T...Z

class RecordingWs final : public WsConnection {
 public:
  void send_text(std::string_view text) override { messages.emplace_back(text); }
  void close(bool abrupt_close) override {
    closed = true;
    abrupt = abrupt_close;
  }
  // Messages received since the last take().
  std::vector<std::string> take() {
    std::vector<std::string> r = std::move(messages);
    messages.clear();
    return r;
  }
  std::vector<std::string> messages;
  bool closed{false};
  bool abrupt{false};
};

// A parsed JSON document that owns its parser.
struct Json {
  std::unique_ptr<simdjson::dom::parser> parser{std::make_unique<simdjson::dom::parser>()};
  simdjson::dom::element root;
  bool ok{false};

  explicit Json(std::string_view text) {
    ok = parser->parse(text.data(), text.size(), true).get(root) == simdjson::SUCCESS;
  }
  simdjson::dom::element operator[](std::string_view key) const { return root[key].value(); }
};

// Element or simdjson_result<element> (what operator[] and at() give).
template <class E>
std::string str(E e) {
  return std::string(std::string_view(e.get_string().value()));
}
inline std::string field(std::string_view json, std::string_view key) {
  Json j(json);
  std::string_view s;
  if (!j.ok || j.root[key].get(s) != simdjson::SUCCESS) {
    return "";
  }
  return std::string(s);
}
template <class E>
bool has(E e, std::string_view key) {
  return e[key].error() == simdjson::SUCCESS;
}

// A secret of 64 bytes, base64 (as Kraken issues them).
inline std::string make_secret(std::uint8_t salt) {
  std::array<std::uint8_t, 64> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::uint8_t>(i * 7 + salt);
  }
  return kf::base64_encode(bytes);
}

inline config::SimConfig make_config() {
  config::SimConfig c;
  c.seed = 7;
  c.market.kind = config::SimActivityKind::None;
  c.instruments = {
      {.symbol = "PI_XBTUSD",
       .tick_size = config::make_increment("0.5"),
       .size_step = config::make_increment("1"),
       .reference_price = "50000",
       .maker_fee = 0.0002,
       .taker_fee = 0.0005},
      {.symbol = "PF_XBTUSD",
       .tick_size = config::make_increment("1"),
       .size_step = config::make_increment("0.0001"),
       .reference_price = "50000",
       .maker_fee = 0.0002,
       .taker_fee = 0.0005},
  };
  return c;
}

inline std::vector<AccountKey> make_accounts() {
  return {{.name = "alice",
           .api_key = "KEY-A",
           .api_secret_base64 = make_secret(1),
           .balances = {{"USD", 100000.0}, {"BTC", 10.0}}},
          {.name = "bob",
           .api_key = "KEY-B",
           .api_secret_base64 = make_secret(2),
           .balances = {{"USD", 100000.0}, {"BTC", 10.0}}}};
}

// Signs and sends REST requests like a client would.
struct Client {
  Venue* venue;
  std::string key;
  kf::Signer signer;
  std::int64_t* now;
  std::optional<std::uint64_t> nonce{};  // sent (and signed) when set

  Client(Venue& v, std::string api_key, std::uint8_t salt, std::int64_t& clock)
      : venue(&v),
        key(std::move(api_key)),
        signer(*kf::Signer::from_base64_secret(make_secret(salt))),
        now(&clock) {}

  // endpoint e.g. "sendorder"; query without '?'.
  HttpResponse call(std::string_view method, std::string_view endpoint, std::string_view query = "",
                    std::string_view body = "", std::string_view content_type = "application/json") {
    const std::string path = "/derivatives/api/v3/" + std::string(endpoint);
    const std::string target = query.empty() ? path : path + "?" + std::string(query);
    const std::string nonce_text = nonce ? std::to_string(*nonce) : std::string();
    const std::string post_data = std::string(query) + std::string(body);
    const kf::Signature sig = signer.sign_rest(post_data, nonce_text, kf::endpoint_path(path));
    const std::string authent(sig.data(), sig.size());
    HttpRequest r{.method = method,
                  .target = target,
                  .body = body,
                  .content_type = content_type,
                  .api_key = key,
                  .authent = authent,
                  .nonce = nonce_text};
    return venue->handle_http(r, *now);
  }
  HttpResponse post(std::string_view endpoint, std::string_view query, std::string_view body = "") {
    return call("POST", endpoint, query, body,
                body.empty() ? "application/json" : "application/x-www-form-urlencoded");
  }
  HttpResponse get(std::string_view endpoint, std::string_view query = "") {
    return call("GET", endpoint, query);
  }
};

inline HttpResponse public_get(Venue& v, std::string_view target, std::int64_t now) {
  HttpRequest r{.method = "GET", .target = target};
  return v.handle_http(r, now);
}

inline HttpResponse control(Venue& v, std::string_view method, std::string_view target, std::int64_t now) {
  HttpRequest r{.method = method, .target = target};
  return v.handle_http(r, now);
}

}  // namespace tickpath::sim::test
