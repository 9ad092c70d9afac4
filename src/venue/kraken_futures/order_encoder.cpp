#include "tickpath/venue/kraken_futures/order_encoder.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "tickpath/core/assert.hpp"
#include "tickpath/core/decimal.hpp"
#include "tickpath/venue/kraken_futures/form.hpp"

namespace tickpath::venue::kraken_futures {

namespace {

using oms::RequestKind;

constexpr std::string_view kAuthentHeader = "\r\nAuthent: ";
constexpr std::string_view kFormHeaders =
    "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ";
constexpr std::string_view kEndOfHead = "\r\n\r\n";
constexpr std::size_t kMaxUintDigits = 20;  // 18446744073709551615
// The body is written before the head (Content-Length and Authent depend on it) at the offset a
// Content-Length of this many digits gives, then moved by a few bytes when its length has more or
// fewer digits. Three digits: a sendorder body is 60-200 bytes.
constexpr std::size_t kGuessedLengthDigits = 3;

// RFC 3986 unreserved characters, the set form.hpp's percent_encode leaves as they are; used here to
// know the encoded length before writing into a bounded buffer.
constexpr std::array<bool, 256> make_unreserved() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  for (int c = '0'; c <= '9'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  for (const char c : {'-', '.', '_', '~'}) {
    t[static_cast<unsigned char>(c)] = true;
  }
  return t;
}
constexpr std::array<bool, 256> kUnreserved = make_unreserved();

std::size_t encoded_length(std::string_view text) noexcept {
  std::size_t n = text.size();
  for (const char c : text) {
    if (!kUnreserved[static_cast<unsigned char>(c)]) {
      n += 2;
    }
  }
  return n;
}

constexpr std::array<std::uint64_t, kMaxUintDigits> make_pow10() {
  std::array<std::uint64_t, kMaxUintDigits> t{};
  std::uint64_t p = 1;
  for (auto& v : t) {
    v = p;
    p *= 10;  // wraps after 10^19, which is never read
  }
  return t;
}
constexpr std::array<std::uint64_t, kMaxUintDigits> kPow10 = make_pow10();

// Without a division loop: a nonce has 16 digits and is formatted on every request.
std::size_t digit_count(std::uint64_t v) noexcept {
  if (v < 10) {
    return 1;
  }
  // bit_width * log10(2) (1233 / 4096) is the digit count or one less.
  const auto guess = static_cast<std::size_t>((std::bit_width(v | 1U) * 1233) >> 12);
  return guess + (guess < kMaxUintDigits && v >= kPow10[guess] ? 1 : 0);
}

// Decimal text of v into out (at least kMaxUintDigits); returns the length. Two digits per step.
std::size_t format_uint(std::uint64_t v, char* out) noexcept {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  const std::size_t n = digit_count(v);
  char* p = out + n;
  while (v >= 100) {
    const auto pair = static_cast<std::size_t>(v % 100) * 2;
    v /= 100;
    p -= 2;
    p[0] = kPairs[pair];
    p[1] = kPairs[pair + 1];
  }
  if (v >= 10) {
    const auto pair = static_cast<std::size_t>(v) * 2;
    p -= 2;
    p[0] = kPairs[pair];
    p[1] = kPairs[pair + 1];
  } else {
    *--p = static_cast<char>('0' + v);
  }
  return n;
}

// Appends into [pos, end). Any write that does not fit marks the writer failed and every later
// write is ignored, so encoders write straight through and check ok() once at the end.
// In percent mode every byte goes through percent-encoding: batchorder's JSON document is written
// as JSON and lands in the buffer as the value of the json= form field.
class Writer {
 public:
  Writer(char* pos, char* end, bool percent = false) noexcept : pos_(pos), end_(end), percent_(percent) {}

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] char* pos() const noexcept { return pos_; }
  void fail() noexcept { ok_ = false; }

  void put(std::string_view s) noexcept {
    if (percent_) {
      put_encoded(s);
      return;
    }
    if (!ok_ || s.size() > room()) {
      ok_ = false;
      return;
    }
    std::memcpy(pos_, s.data(), s.size());
    pos_ += s.size();
  }
  void put(char c) noexcept { put(std::string_view(&c, 1)); }

  // A form value: percent-encoded (in percent mode that is the only encoding, not a second one).
  void put_encoded(std::string_view s) noexcept {
    if (!ok_ || encoded_length(s) > room()) {
      ok_ = false;
      return;
    }
    pos_ += percent_encode(s, pos_);
  }

  void put_uint(std::uint64_t v) noexcept {
    char digits[kMaxUintDigits];
    put(std::string_view(digits, format_uint(v, digits)));
  }

  // units * increment as the instrument's plain decimal text; fails for sentinels and errors.
  void put_units(std::int64_t units, Increment increment) noexcept {
    char text[kMaxDecimalChars];
    const std::size_t n = format_units(units, increment, text, sizeof text);
    if (n == 0) {
      ok_ = false;
      return;
    }
    put(std::string_view(text, n));
  }

  void put_uuid(const oms::VenueOrderId& id) noexcept {
    char text[kUuidTextLength];
    format_uuid(id.bytes, text);
    put(std::string_view(text, sizeof text));
  }

  // A JSON string literal with its quotes; '"', '\' and control characters escaped (RFC 8259 §7).
  void put_json_string(std::string_view s) noexcept {
    constexpr char kHex[] = "0123456789abcdef";
    put('"');
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        const char esc[2] = {'\\', c};
        put(std::string_view(esc, 2));
      } else if (u < 0x20) {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0x0fU]};
        put(std::string_view(esc, 6));
      } else {
        put(c);
      }
    }
    put('"');
  }

 private:
  [[nodiscard]] std::size_t room() const noexcept { return static_cast<std::size_t>(end_ - pos_); }

  char* pos_;
  char* end_;
  bool percent_;
  bool ok_{true};
};

const char* order_type_text(oms::OrderType t) noexcept {
  switch (t) {
    case oms::OrderType::Limit:
      return "lmt";
    case oms::OrderType::PostOnly:
      return "post";
    case oms::OrderType::Ioc:
      return "ioc";
    case oms::OrderType::Market:
      return "mkt";
  }
  return nullptr;  // a value outside the enum (a corrupted request)
}

const char* side_text(Side s) noexcept {
  switch (s) {
    case Side::Buy:
      return "buy";
    case Side::Sell:
      return "sell";
  }
  return nullptr;
}

bool is_sentinel(Price p) noexcept {
  return p == Price::min() || p == Price::max();
}

std::string_view endpoint_name(RequestKind k) noexcept {
  switch (k) {
    case RequestKind::SendOrder:
      return "sendorder";
    case RequestKind::EditOrder:
      return "editorder";
    case RequestKind::CancelOrder:
      return "cancelorder";
    case RequestKind::CancelAll:
      return "cancelallorders";
    case RequestKind::CancelAllAfter:
      return "cancelallordersafter";
    case RequestKind::BatchOrder:
      return "batchorder";
    case RequestKind::OpenOrders:
      return "openorders";
    case RequestKind::OpenPositions:
      return "openpositions";
    case RequestKind::Fills:
      return "fills";
    case RequestKind::OrdersStatus:
      return "orders/status";
    case RequestKind::Accounts:
      return "accounts";
  }
  return {};
}

bool is_get(RequestKind k) noexcept {
  return k == RequestKind::OpenOrders || k == RequestKind::OpenPositions || k == RequestKind::Fills ||
         k == RequestKind::Accounts;
}

// Header values go into the head verbatim: no CR, LF or other control characters (a CR LF would
// start a header of the caller's choosing), and for tokens and hosts no spaces either.
void check_header_value(std::string_view name, std::string_view value, bool allow_space) {
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || (c == ' ' && !allow_space)) {
      throw std::invalid_argument("OrderEncoder: " + std::string(name) +
                                  " holds a control character or a space");
    }
  }
}

}  // namespace

std::uint64_t NonceSource::next(std::int64_t wall_ns) noexcept {
  const std::uint64_t us = wall_ns > 0 ? static_cast<std::uint64_t>(wall_ns / 1000) : 0;
  last_ = std::max(last_ + 1, us);
  return last_;
}

void format_uuid(const std::array<std::uint8_t, 16>& bytes, char* out) noexcept {
  constexpr char kHex[] = "0123456789abcdef";
  std::size_t o = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out[o++] = '-';
    }
    out[o++] = kHex[bytes[i] >> 4];
    out[o++] = kHex[bytes[i] & 0x0fU];
  }
}

std::size_t format_iso_millis(std::int64_t epoch_ms, char* out) noexcept {
  constexpr std::int64_t kMsPerDay = 86'400'000;
  constexpr std::int64_t kLast = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  if (epoch_ms < 0 || epoch_ms > kLast) {
    return 0;
  }
  const std::int64_t days = epoch_ms / kMsPerDay;
  std::int64_t ms_of_day = epoch_ms % kMsPerDay;
  // civil_from_days (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"), the inverse of
  // days_from_civil; days >= 0 here, so the era arithmetic needs no negative branch.
  const std::int64_t z = days + 719'468;
  const std::int64_t era = z / 146'097;
  const std::int64_t doe = z - era * 146'097;                                        // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                  // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                       // [0, 11], March = 0
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  const auto two = [](std::int64_t v, char* p) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  two(year / 100, out);
  two(year % 100, out + 2);
  out[4] = '-';
  two(month, out + 5);
  out[7] = '-';
  two(day, out + 8);
  out[10] = 'T';
  two(ms_of_day / 3'600'000, out + 11);
  ms_of_day %= 3'600'000;
  out[13] = ':';
  two(ms_of_day / 60'000, out + 14);
  ms_of_day %= 60'000;
  out[16] = ':';
  two(ms_of_day / 1000, out + 17);
  ms_of_day %= 1000;
  out[19] = '.';
  out[20] = static_cast<char>('0' + ms_of_day / 100);
  two(ms_of_day % 100, out + 21);
  out[23] = 'Z';
  return kIsoMillisLength;
}

OrderEncoder::OrderEncoder(const InstrumentRegistry& registry, const Signer& signer,
                           OrderEncoderConfig config)
    : registry_(&registry), signer_(signer) {
  if (config.api_key.empty()) {
    throw std::invalid_argument("OrderEncoder: empty api_key");
  }
  if (config.host.empty()) {
    throw std::invalid_argument("OrderEncoder: empty host");
  }
  if (!config.base_path.starts_with('/')) {
    throw std::invalid_argument("OrderEncoder: base_path must start with '/'");
  }
  check_header_value("api_key", config.api_key, false);
  check_header_value("host", config.host, false);
  check_header_value("user_agent", config.user_agent, true);
  check_header_value("base_path", config.base_path, false);
  if (config.base_path.find_first_of("?#") != std::string::npos) {
    throw std::invalid_argument("OrderEncoder: base_path holds a query or fragment");
  }
  std::string base = std::move(config.base_path);
  while (base.size() > 1 && base.back() == '/') {
    base.pop_back();  // "/derivatives/api/v3/" + "/sendorder" would not be the venue's path
  }
  if (base == "/") {
    base.clear();
  }

  head_tail_ = " HTTP/1.1\r\nHost: " + config.host;
  if (!config.user_agent.empty()) {
    head_tail_ += "\r\nUser-Agent: " + config.user_agent;
  }
  head_tail_ += "\r\nAPIKey: " + config.api_key + "\r\nNonce: ";

  for (std::size_t i = 0; i < kKindCount; ++i) {
    const auto kind = static_cast<RequestKind>(i);
    Route& r = routes_[i];
    r.post = !is_get(kind);
    r.path = base + "/" + std::string(endpoint_name(kind));
    r.endpoint = std::string(endpoint_path(r.path));
    r.head = (r.post ? "POST " : "GET ") + r.path;
    if (r.post) {
      r.head += head_tail_;
    }
    // The largest head (a GET's query aside) must leave most of the buffer to the parameters.
    const std::size_t largest = r.head.size() + head_tail_.size() + kMaxUintDigits + kAuthentHeader.size() +
                                kSignatureLength + kFormHeaders.size() + kMaxUintDigits + kEndOfHead.size();
    if (largest > RequestBuffer::kCapacity / 2) {
      throw std::invalid_argument("OrderEncoder: host, user_agent, api_key or base_path is too long");
    }
  }
}

std::string_view OrderEncoder::path(RequestKind kind) const noexcept {
  const auto i = static_cast<std::size_t>(kind);
  return i < kKindCount ? std::string_view(routes_[i].path) : std::string_view{};
}

const Instrument* OrderEncoder::instrument(InstrumentId id) const noexcept {
  if (!id.valid() || id.value() >= registry_->size()) {
    return nullptr;
  }
  return &registry_->get(id);
}

std::size_t OrderEncoder::params_offset(const Route& route, std::size_t nonce_digits) noexcept {
  if (!route.post) {
    return route.head.size() + 1;  // after "GET <path>?"
  }
  return route.head.size() + nonce_digits + kAuthentHeader.size() + kSignatureLength + kFormHeaders.size() +
         kGuessedLengthDigits + kEndOfHead.size();
}

EncodedRequest OrderEncoder::finish(const Route& route, std::size_t params_begin, std::size_t params_end,
                                    std::uint64_t nonce, RequestBuffer& out) const noexcept {
  char* const buf = out.bytes.data();
  char* const end = buf + out.bytes.size();
  char nonce_text[kMaxUintDigits];
  const std::string_view nonce_view(nonce_text, format_uint(nonce, nonce_text));
  const std::size_t params_size = params_end - params_begin;

  if (!route.post) {
    // GET <path>[?<query>] HTTP/1.1 ... : the query was written in place after the path.
    std::size_t pos = route.head.size();
    std::string_view query;
    if (params_size != 0) {
      buf[pos] = '?';
      query = std::string_view(buf + params_begin, params_size);
      pos = params_end;
    }
    const Signature sig = signer_.sign_rest(query, nonce_view, route.endpoint);
    route.head.copy(buf, route.head.size());
    Writer w(buf + pos, end);
    w.put(head_tail_);
    w.put(nonce_view);
    w.put(kAuthentHeader);
    w.put(std::string_view(sig.data(), sig.size()));
    w.put(kEndOfHead);
    if (!w.ok()) {
      out.size = 0;
      return {};
    }
    out.size = static_cast<std::size_t>(w.pos() - buf);
    return {out.view(), query, nonce};
  }

  // POST: the body sits where a 3-digit Content-Length puts it; move it when the length has a
  // different number of digits.
  const std::size_t length_digits = digit_count(params_size);
  const std::size_t body_begin = params_begin + length_digits - kGuessedLengthDigits;
  if (body_begin != params_begin) {
    if (body_begin + params_size > out.bytes.size()) {
      out.size = 0;
      return {};
    }
    std::memmove(buf + body_begin, buf + params_begin, params_size);
  }
  const std::string_view body(buf + body_begin, params_size);
  const Signature sig = signer_.sign_rest(body, nonce_view, route.endpoint);
  Writer w(buf, buf + body_begin);
  w.put(route.head);
  w.put(nonce_view);
  w.put(kAuthentHeader);
  w.put(std::string_view(sig.data(), sig.size()));
  w.put(kFormHeaders);
  w.put_uint(params_size);
  w.put(kEndOfHead);
  TICKPATH_ASSERT(w.ok() && w.pos() == buf + body_begin, "the head must end where the body starts");
  out.size = body_begin + params_size;
  return {out.view(), body, nonce};
}

EncodedRequest OrderEncoder::encode(const oms::Request& r, std::uint64_t nonce,
                                    RequestBuffer& out) const noexcept {
  out.size = 0;
  const auto kind_index = static_cast<std::size_t>(r.kind);
  if (kind_index >= kKindCount || r.kind == RequestKind::BatchOrder) {
    return {};
  }
  const Route& route = routes_[kind_index];
  const std::size_t begin = params_offset(route, digit_count(nonce));
  Writer w(out.bytes.data() + begin, out.bytes.data() + out.bytes.size());

  switch (r.kind) {
    case RequestKind::SendOrder: {
      const Instrument* in = instrument(r.instrument);
      const char* type = order_type_text(r.type);
      const char* side = side_text(r.side);
      if (in == nullptr || type == nullptr || side == nullptr || r.qty.lots() <= 0) {
        return {};
      }
      w.put("orderType=");
      w.put(type);
      w.put("&symbol=");
      w.put_encoded(in->symbol());
      w.put("&side=");
      w.put(side);
      w.put("&size=");
      w.put_units(r.qty.lots(), in->size_step());
      if (r.type != oms::OrderType::Market) {
        if (is_sentinel(r.price)) {
          return {};
        }
        w.put("&limitPrice=");
        w.put_units(r.price.ticks(), in->tick_size());
      }
      if (!r.cli.empty()) {
        w.put("&cliOrdId=");
        w.put_encoded(r.cli.view());
      }
      if (r.reduce_only) {
        w.put("&reduceOnly=true");
      }
      break;
    }
    case RequestKind::EditOrder: {
      if (r.venue_id.valid) {
        w.put("orderId=");
        w.put_uuid(r.venue_id);
      } else if (!r.cli.empty()) {
        w.put("cliOrdId=");
        w.put_encoded(r.cli.view());
      } else {
        return {};
      }
      const bool has_size = !r.qty.is_zero();
      const bool has_price = r.price != Price::min();
      const Instrument* in = instrument(r.instrument);
      if ((has_size || has_price) && in == nullptr) {
        return {};
      }
      if (has_size) {
        if (r.qty.lots() < 0) {
          return {};
        }
        w.put("&size=");
        w.put_units(r.qty.lots(), in->size_step());
      }
      if (has_price) {
        if (r.price == Price::max()) {
          return {};
        }
        w.put("&limitPrice=");
        w.put_units(r.price.ticks(), in->tick_size());
      }
      break;
    }
    case RequestKind::CancelOrder:
    case RequestKind::OrdersStatus: {
      const bool cancel = r.kind == RequestKind::CancelOrder;
      // cancelorder says order_id (snake case), orders/status orderIds (§5.7, §5.11).
      if (r.venue_id.valid) {
        w.put(cancel ? "order_id=" : "orderIds=");
        w.put_uuid(r.venue_id);
      } else if (!r.cli.empty()) {
        w.put(cancel ? "cliOrdId=" : "cliOrdIds=");
        w.put_encoded(r.cli.view());
      } else {
        return {};
      }
      break;
    }
    case RequestKind::CancelAll: {
      if (r.instrument.valid()) {
        const Instrument* in = instrument(r.instrument);
        if (in == nullptr) {
          return {};
        }
        w.put("symbol=");
        w.put_encoded(in->symbol());
      }
      break;
    }
    case RequestKind::CancelAllAfter: {
      if (r.arg < 0) {
        return {};
      }
      w.put("timeout=");
      w.put_uint(static_cast<std::uint64_t>(r.arg));
      break;
    }
    case RequestKind::Fills: {
      if (r.arg < 0) {
        return {};
      }
      if (r.arg != 0) {
        char iso[kIsoMillisLength];
        if (format_iso_millis(r.arg, iso) == 0) {
          return {};
        }
        w.put("lastFillTime=");
        w.put_encoded(std::string_view(iso, sizeof iso));  // ':' -> %3A
      }
      break;
    }
    case RequestKind::OpenOrders:
    case RequestKind::OpenPositions:
    case RequestKind::Accounts:
      break;
    case RequestKind::BatchOrder:
      return {};
  }
  if (!w.ok()) {
    return {};
  }
  return finish(route, begin, static_cast<std::size_t>(w.pos() - out.bytes.data()), nonce, out);
}

EncodedRequest OrderEncoder::encode_batch(std::span<const oms::Request> items, std::uint64_t nonce,
                                          RequestBuffer& out) const noexcept {
  out.size = 0;
  if (items.empty()) {
    return {};
  }
  const Route& route = routes_[static_cast<std::size_t>(RequestKind::BatchOrder)];
  const std::size_t begin = params_offset(route, digit_count(nonce));
  char* const end = out.bytes.data() + out.bytes.size();
  Writer form(out.bytes.data() + begin, end);
  form.put("json=");
  if (!form.ok()) {
    return {};
  }
  // The JSON document, written as JSON and percent-encoded on the way in.
  Writer w(form.pos(), end, true);
  w.put(R"({"batchOrder":[)");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const oms::Request& r = items[i];
    if (i != 0) {
      w.put(',');
    }
    switch (r.kind) {
      case RequestKind::SendOrder: {
        const Instrument* in = instrument(r.instrument);
        const char* type = order_type_text(r.type);
        const char* side = side_text(r.side);
        if (in == nullptr || type == nullptr || side == nullptr || r.qty.lots() <= 0) {
          return {};
        }
        w.put(R"({"order":"send","order_tag":")");
        w.put_uint(i);
        w.put(R"(","orderType":")");
        w.put(type);
        w.put(R"(","symbol":)");
        w.put_json_string(in->symbol());
        w.put(R"(,"side":")");
        w.put(side);
        w.put(R"(","size":)");
        w.put_units(r.qty.lots(), in->size_step());
        if (r.type != oms::OrderType::Market) {
          if (is_sentinel(r.price)) {
            return {};
          }
          w.put(R"(,"limitPrice":)");
          w.put_units(r.price.ticks(), in->tick_size());
        }
        if (!r.cli.empty()) {
          w.put(R"(,"cliOrdId":)");
          w.put_json_string(r.cli.view());
        }
        if (r.reduce_only) {
          w.put(R"(,"reduceOnly":true)");
        }
        w.put('}');
        break;
      }
      case RequestKind::EditOrder:
      case RequestKind::CancelOrder: {
        const bool edit = r.kind == RequestKind::EditOrder;
        w.put(edit ? R"({"order":"edit",)" : R"({"order":"cancel",)");
        // Batch items say order_id for edits too (§5.10), unlike editorder's orderId.
        if (r.venue_id.valid) {
          w.put(R"("order_id":")");
          w.put_uuid(r.venue_id);
          w.put('"');
        } else if (!r.cli.empty()) {
          w.put(R"("cliOrdId":)");
          w.put_json_string(r.cli.view());
        } else {
          return {};
        }
        if (edit) {
          const bool has_size = !r.qty.is_zero();
          const bool has_price = r.price != Price::min();
          const Instrument* in = instrument(r.instrument);
          if ((has_size || has_price) && in == nullptr) {
            return {};
          }
          if (has_size) {
            if (r.qty.lots() < 0) {
              return {};
            }
            w.put(R"(,"size":)");
            w.put_units(r.qty.lots(), in->size_step());
          }
          if (has_price) {
            if (r.price == Price::max()) {
              return {};
            }
            w.put(R"(,"limitPrice":)");
            w.put_units(r.price.ticks(), in->tick_size());
          }
        }
        w.put('}');
        break;
      }
      default:
        return {};
    }
    if (!w.ok()) {
      return {};
    }
  }
  w.put("]}");
  if (!w.ok()) {
    return {};
  }
  return finish(route, begin, static_cast<std::size_t>(w.pos() - out.bytes.data()), nonce, out);
}

}  // namespace tickpath::venue::kraken_futures
