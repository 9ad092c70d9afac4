#include "tickpath/venue/kraken_futures/parser.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <simdjson.h>

#include "tickpath/core/hints.hpp"

// How a frame is read (kraken-futures-protocol.md §6): one pass over the top-level object's fields
// collects each known field's text (strings unescaped by simdjson, numbers as their raw token) and
// the levels / trades / product ids of the arrays, in whatever order the keys come (2021 and 2026
// payloads order them differently, §6.8). Only then is the frame classified (`event` first, §6.1)
// and converted, because a price cannot be turned into ticks before `product_id` names the
// instrument, and it may come last. All text views point into the input buffer or simdjson's
// string buffer, both valid until the next frame.
//
// Two readers fill that field table. Flat frames -- an object of strings, numbers and literals,
// plus `bids`/`asks` arrays of flat level objects, i.e. every book delta and snapshot, and live
// trades, tickers and heartbeats -- are read by FlatScanner below, in one pass over the bytes
// without simdjson. It accepts a subset of JSON: ASCII strings without escapes, number tokens (a
// run of number characters that starts like a number; their syntax is checked when they are
// converted, exactly as for simdjson's raw tokens), true/false/null, JSON whitespace. On anything
// else -- a nested value it does not expect, a repeated field, a value of the wrong type, a
// truncated or malformed frame, bytes after it -- it hands the frame back and simdjson reads it
// from scratch, errors included. For any frame the scanner accepts, both readers collect the same
// texts, and the classify/convert step is shared, so results and counters do not depend on which
// one read the frame (the differential tests in parser_fast_path_test.cpp check that, prefixes and
// byte mutations included). Deltas and levels laid out as Kraken sends them take a shorter path
// still (read_delta_as_sent, read_levels). Why: with simdjson's on-demand API a delta took ~210 ns
// here (per-field handle copies, store-forwarding stalls, stage 1), the scanner ~70 ns
// (bench/venue/kraken_futures, *SimdjsonOnly vs default).

namespace tickpath::venue::kraken_futures {
namespace {

namespace od = simdjson::ondemand;

enum class Field : std::uint8_t {
  // used
  Event,
  FeedName,
  ProductId,
  ProductIds,
  SideName,
  Seq,
  PriceText,
  QtyText,
  Timestamp,
  Time,
  Bids,
  Asks,
  Trades,
  Uid,
  Type,
  Message,
  Version,
  Bid,
  Ask,
  BidSize,
  AskSize,
  Last,
  Volume,
  VolumeQuote,
  OpenInterest,
  MarkPrice,
  Index,
  Premium,
  Change,
  FundingRate,
  FundingRatePrediction,
  RelativeFundingRate,
  RelativeFundingRatePrediction,
  NextFundingRateTime,
  Suspended,
  PostOnly,
  kUsedCount,
  // documented but not used: any type accepted, not counted as unknown
  Ignored = kUsedCount,
  Unknown,
};
constexpr std::size_t kUsedFields = static_cast<std::size_t>(Field::kUsedCount);
static_assert(kUsedFields <= 64);

enum class Want : std::uint8_t { String, Number, Bool, Array };

constexpr Want want(Field f) noexcept {
  switch (f) {
    case Field::Event:
    case Field::FeedName:
    case Field::ProductId:
    case Field::SideName:
    case Field::Uid:
    case Field::Type:
    case Field::Message:
      return Want::String;
    case Field::ProductIds:
    case Field::Bids:
    case Field::Asks:
    case Field::Trades:
      return Want::Array;
    case Field::Suspended:
    case Field::PostOnly:
      return Want::Bool;
    default:
      return Want::Number;
  }
}

// Known keys, grouped by first character so a lookup is one switch and a few compares.
Field lookup(std::string_view k) noexcept {
  if (k.empty()) {
    return Field::Unknown;
  }
  switch (k[0]) {
    case 'a':
      if (k == "ask")
        return Field::Ask;
      if (k == "asks")
        return Field::Asks;
      if (k == "ask_size")
        return Field::AskSize;
      if (k == "api_key")
        return Field::Ignored;
      break;
    case 'b':
      if (k == "bid")
        return Field::Bid;
      if (k == "bids")
        return Field::Bids;
      if (k == "bid_size")
        return Field::BidSize;
      break;
    case 'c':
      if (k == "change")
        return Field::Change;
      if (k == "candle")
        return Field::Ignored;
      break;
    case 'd':
      if (k == "dtm")
        return Field::Ignored;
      break;
    case 'e':
      if (k == "event")
        return Field::Event;
      break;
    case 'f':
      if (k == "feed")
        return Field::FeedName;
      if (k == "funding_rate")
        return Field::FundingRate;
      if (k == "funding_rate_prediction")
        return Field::FundingRatePrediction;
      break;
    case 'g':
      if (k == "greeks")
        return Field::Ignored;
      break;
    case 'h':
      if (k == "high")
        return Field::Ignored;
      break;
    case 'i':
      if (k == "index")
        return Field::Index;
      break;
    case 'l':
      if (k == "last")
        return Field::Last;
      if (k == "leverage" || k == "low")
        return Field::Ignored;
      break;
    case 'm':
      if (k == "markPrice")
        return Field::MarkPrice;
      if (k == "message")
        return Field::Message;
      if (k == "maturityTime")
        return Field::Ignored;
      break;
    case 'n':
      if (k == "next_funding_rate_time")
        return Field::NextFundingRateTime;
      break;
    case 'o':
      if (k == "openInterest")
        return Field::OpenInterest;
      if (k == "open" || k == "original_challenge")
        return Field::Ignored;
      break;
    case 'p':
      if (k == "product_id")
        return Field::ProductId;
      if (k == "price")
        return Field::PriceText;
      if (k == "product_ids")
        return Field::ProductIds;
      if (k == "premium")
        return Field::Premium;
      if (k == "post_only")
        return Field::PostOnly;
      if (k == "pair")
        return Field::Ignored;
      break;
    case 'q':
      if (k == "qty")
        return Field::QtyText;
      break;
    case 'r':
      if (k == "relative_funding_rate")
        return Field::RelativeFundingRate;
      if (k == "relative_funding_rate_prediction")
        return Field::RelativeFundingRatePrediction;
      break;
    case 's':
      if (k == "side")
        return Field::SideName;
      if (k == "seq")
        return Field::Seq;
      if (k == "suspended")
        return Field::Suspended;
      if (k == "signed_challenge")
        return Field::Ignored;
      break;
    case 't':
      if (k == "timestamp")
        return Field::Timestamp;
      if (k == "time")
        return Field::Time;
      if (k == "trades")
        return Field::Trades;
      if (k == "type")
        return Field::Type;
      if (k == "tickSize" || k == "tag")
        return Field::Ignored;
      break;
    case 'u':
      if (k == "uid")
        return Field::Uid;
      break;
    case 'v':
      if (k == "version")
        return Field::Version;
      if (k == "volume")
        return Field::Volume;
      if (k == "volumeQuote")
        return Field::VolumeQuote;
      break;
    default:
      break;
  }
  return Field::Unknown;
}

constexpr std::uint64_t bit(Field f) noexcept {
  return std::uint64_t{1} << static_cast<unsigned>(f);
}

// A number token may carry the whitespace that follows it.
std::string_view trim_number(std::string_view t) noexcept {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r')) {
    t.remove_suffix(1);
  }
  return t;
}

ParseError from_decimal_error(DecimalError e) noexcept {
  switch (e) {
    case DecimalError::Ok:
      return ParseError::None;
    case DecimalError::OffGrid:
      return ParseError::OffGrid;
    case DecimalError::Overflow:
      return ParseError::NumberOverflow;
    case DecimalError::Empty:
    case DecimalError::Malformed:
      break;
  }
  return ParseError::BadNumber;
}

// The value of the n (1..8) decimal digits at p; false when one of them is not a digit. Loads 8
// bytes whatever n (see to_u64). The digit test and the three-multiply conversion are simdjson's
// (is_made_of_eight_digits_fast, parse_eight_digits_unrolled), on a word whose missing leading
// digits are filled with '0'.
static_assert(std::endian::native == std::endian::little, "eight_digits reads words little-endian");
TICKPATH_ALWAYS_INLINE bool eight_digits(const char* p, std::size_t n, std::uint64_t& out) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  if (n < 8) {
    const auto shift = static_cast<unsigned>(8 * (8 - n));  // 8..56
    v = (v << shift) | (0x3030303030303030ULL >> (64U - shift));
  }
  if (((v & 0xF0F0F0F0F0F0F0F0ULL) | (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4U)) !=
      0x3333333333333333ULL) {
    return false;
  }
  v -= 0x3030303030303030ULL;
  v = (v * 10) + (v >> 8U);
  v = (((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32U))) +
       (((v >> 16U) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32U)))) >>
      32U;
  out = v;
  return true;
}

// A whole number written any JSON way ("123", "123.0", "1.23e2"); negative is BadNumber.
ParseError to_u64(std::string_view text, std::uint64_t& out) noexcept {
  // Sequence numbers and timestamps are plain digits: up to 16 of them (no leading zero) cannot
  // overflow, and give what to_units would. Reads 8 bytes at a time, i.e. up to 7 past the token:
  // number tokens lie in the frame buffer, which has SIMDJSON_PADDING bytes after the frame.
  if (const std::size_t n = text.size(); n - 1 < 16 && (n == 1 || text[0] != '0')) {
    std::uint64_t v = 0;
    if (n <= 8) {
      if (eight_digits(text.data(), n, v)) {
        out = v;
        return ParseError::None;
      }
    } else if (std::uint64_t low = 0;
               eight_digits(text.data(), n - 8, v) && eight_digits(text.data() + (n - 8), 8, low)) {
      out = v * 100'000'000 + low;
      return ParseError::None;
    }
  }
  const UnitsResult r = to_units(text, Increment{1, 0});
  if (r.error == DecimalError::OffGrid) {
    return ParseError::BadNumber;
  }
  if (r.error != DecimalError::Ok) {
    return from_decimal_error(r.error);
  }
  if (r.units < 0) {
    return ParseError::BadNumber;
  }
  out = static_cast<std::uint64_t>(r.units);
  return ParseError::None;
}

ParseError ms_to_ns(std::string_view text, std::int64_t& out) noexcept {
  std::uint64_t ms = 0;
  if (const ParseError e = to_u64(text, ms); e != ParseError::None) {
    return e;
  }
  constexpr std::uint64_t kMaxMs =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / 1'000'000;
  if (ms > kMaxMs) {
    return ParseError::NumberOverflow;
  }
  out = static_cast<std::int64_t>(ms) * 1'000'000;
  return ParseError::None;
}

bool side_from_text(std::string_view t, Side& out) noexcept {
  if (t == "buy") {
    out = Side::Buy;
    return true;
  }
  if (t == "sell") {
    out = Side::Sell;
    return true;
  }
  return false;
}

TradeKind trade_kind_from_text(std::string_view t) noexcept {
  if (t == "fill")
    return TradeKind::Fill;
  if (t == "liquidation")
    return TradeKind::Liquidation;
  if (t == "partialLiquidation")
    return TradeKind::PartialLiquidation;
  if (t == "termination")
    return TradeKind::Termination;
  if (t == "block")
    return TradeKind::Block;
  if (t == "assignment")
    return TradeKind::Assignment;
  if (t == "unwind")
    return TradeKind::Unwind;
  if (t == "coveredLiquidation")
    return TradeKind::CoveredLiquidation;
  return TradeKind::Unknown;
}

struct RawLevel {
  std::string_view price;
  std::string_view qty;
  Side side{Side::Buy};
};

// One element of trade_snapshot.trades (or the fields of a live trade).
struct RawTrade {
  std::uint32_t present{0};  // bit(Field) of the fields below
  std::string_view product_id, uid, side, type, seq, time, qty, price;
};

}  // namespace

struct Parser::Impl {
  od::parser json;
  bool fast_path = true;
  std::uint64_t present = 0;
  std::array<std::string_view, kUsedFields> text{};
  std::array<bool, kUsedFields> flag{};
  std::vector<RawLevel> levels;
  std::vector<RawTrade> trades;
  std::uint32_t bid_count = 0;
  std::uint32_t ask_count = 0;

  // Symbols as last sent -> the instrument the registry found for them, so that a frame costs two
  // word compares instead of an uppercasing hash lookup (~7 ns). Exact bytes, so a hit is what
  // find() answered for the same text; only found ids are kept, and ids never go away.
  // Direct-mapped; symbols of 8..16 characters (every Kraken symbol) are cached.
  struct SymbolSlot {
    std::uint64_t head{0};    // bytes [0, 8)
    std::uint64_t tail{0};    // bytes [n - 8, n)
    std::uint32_t length{0};  // 0: empty
    InstrumentId id{};
  };
  static constexpr std::size_t kSymbolSlots = 16;
  std::array<SymbolSlot, kSymbolSlots> symbols{};

  [[nodiscard]] bool has(Field f) const noexcept { return (present & bit(f)) != 0; }
  [[nodiscard]] std::string_view get(Field f) const noexcept { return text[static_cast<std::size_t>(f)]; }
};

namespace {

// simdjson errors while walking: a type mismatch on a value we asked for is WrongType, anything
// else means the text is not (complete) JSON.
ParseError json_error(simdjson::error_code e) noexcept {
  return e == simdjson::INCORRECT_TYPE ? ParseError::WrongType : ParseError::InvalidJson;
}

ParseError read_number(od::value& v, std::string_view& out) noexcept {
  od::json_type t{};
  if (const auto e = v.type().get(t)) {
    return json_error(e);
  }
  if (t != od::json_type::number) {
    return ParseError::WrongType;
  }
  out = trim_number(v.raw_json_token());
  return ParseError::None;
}

ParseError read_string(od::value& v, std::string_view& out) noexcept {
  od::json_type t{};
  if (const auto e = v.type().get(t)) {
    return json_error(e);
  }
  if (t != od::json_type::string) {
    return ParseError::WrongType;
  }
  // Fast path: the raw token between its quotes, when it holds no escape (product ids, sides and
  // feed names never do). Saves simdjson's unescape copy, a third of a delta's parse time.
  const std::string_view tok = trim_number(v.raw_json_token());
  if (TICKPATH_LIKELY(tok.size() >= 2 && tok.back() == '"' &&
                      tok.substr(1, tok.size() - 2).find('\\') == std::string_view::npos)) {
    out = tok.substr(1, tok.size() - 2);
    return ParseError::None;
  }
  if (const auto e = v.get_string().get(out)) {
    return json_error(e);
  }
  return ParseError::None;
}

// A key's text without unescaping: stage 1 has validated the string, so the first '"' not preceded
// by a backslash ends it. A key with an escape is returned with it, and so matches no known key
// (counted as unknown); Kraken's keys are plain ASCII.
std::string_view raw_key(const od::field& field) noexcept {
  const char* const begin = field.key().raw();
  const char* p = begin;
  while (*p != '"') {
    p += (*p == '\\') ? 2 : 1;
  }
  return {begin, static_cast<std::size_t>(p - begin)};
}

ParseError read_levels(od::value& v, Side side, std::vector<RawLevel>& out, std::uint32_t& count,
                       ParserCounters& counters) noexcept {
  od::array arr;
  if (const auto e = v.get_array().get(arr)) {
    return json_error(e);
  }
  count = 0;
  for (auto element : arr) {
    od::object level;
    if (const auto e = element.get_object().get(level)) {
      return json_error(e);
    }
    RawLevel raw{{}, {}, side};
    bool has_price = false;
    bool has_qty = false;
    for (auto field_result : level) {
      od::field field;
      if (const auto e = std::move(field_result).get(field)) {
        return json_error(e);
      }
      const std::string_view key = raw_key(field);
      od::value val = field.value();
      if (key == "price") {
        if (const ParseError e = read_number(val, raw.price); e != ParseError::None) {
          return e;
        }
        has_price = true;
      } else if (key == "qty") {
        if (const ParseError e = read_number(val, raw.qty); e != ParseError::None) {
          return e;
        }
        has_qty = true;
      } else {
        ++counters.unknown_fields;
      }
    }
    if (!has_price || !has_qty) {
      return ParseError::MissingField;
    }
    out.push_back(raw);  // reserved by the constructor; grows only past that (cold)
    ++count;
  }
  return ParseError::None;
}

ParseError read_trades(od::value& v, std::vector<RawTrade>& out, ParserCounters& counters) noexcept {
  od::array arr;
  if (const auto e = v.get_array().get(arr)) {
    return json_error(e);
  }
  for (auto element : arr) {
    od::object obj;
    if (const auto e = element.get_object().get(obj)) {
      return json_error(e);
    }
    RawTrade raw{};
    for (auto field_result : obj) {
      od::field field;
      if (const auto e = std::move(field_result).get(field)) {
        return json_error(e);
      }
      const std::string_view key = raw_key(field);
      od::value val = field.value();
      const Field id = lookup(key);
      std::string_view* slot = nullptr;
      switch (id) {
        case Field::ProductId:
          slot = &raw.product_id;
          break;
        case Field::Uid:
          slot = &raw.uid;
          break;
        case Field::SideName:
          slot = &raw.side;
          break;
        case Field::Type:
          slot = &raw.type;
          break;
        case Field::Seq:
          slot = &raw.seq;
          break;
        case Field::Time:
          slot = &raw.time;
          break;
        case Field::QtyText:
          slot = &raw.qty;
          break;
        case Field::PriceText:
          slot = &raw.price;
          break;
        case Field::FeedName:
          break;  // "trade" inside snapshot elements
        default:
          ++counters.unknown_fields;
          break;
      }
      if (slot == nullptr) {
        continue;
      }
      const ParseError e = want(id) == Want::String ? read_string(val, *slot) : read_number(val, *slot);
      if (e != ParseError::None) {
        return e;
      }
      raw.present |= static_cast<std::uint32_t>(bit(id));
    }
    out.push_back(raw);
  }
  return ParseError::None;
}

// --- the flat-frame scanner (see the top of the file) -----------------------------------------

constexpr bool is_ws(char c) noexcept {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

constexpr bool is_digit(char c) noexcept {
  return static_cast<unsigned char>(c) - static_cast<unsigned>('0') < 10;
}

#if !defined(__SSE2__)
// Characters a JSON number token is made of; to_units checks their order.
constexpr std::array<bool, 256> kNumberChars = [] {
  std::array<bool, 256> t{};
  for (char c : std::string_view("0123456789.eE+-")) {
    t[static_cast<unsigned char>(c)] = true;
  }
  return t;
}();
#endif

// The first byte in [p, end) that ends a plain string or makes it one the scanner leaves to
// simdjson: '"', '\\', a control character or a non-ASCII byte (UTF-8 is simdjson's to validate);
// `end` when there is none. Reads whole 16-byte blocks, i.e. up to 15 bytes past `end`: the
// caller guarantees SIMDJSON_PADDING readable bytes there.
TICKPATH_ALWAYS_INLINE const char* string_stop(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  for (; p < end; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them with the controls.
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                     _mm_cmplt_epi8(v, space));
    if (const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit)); mask != 0) {
      return p + __builtin_ctz(mask);
    }
  }
  return end;
#else
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) {
      return p;
    }
  }
  return end;
#endif
}

// The end of the run of number characters starting at p, or `end`. Same 16-byte reads as
// string_stop.
TICKPATH_ALWAYS_INLINE const char* number_stop(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  const __m128i zero = _mm_set1_epi8('0');
  const __m128i nine = _mm_set1_epi8(9);
  const __m128i dot = _mm_set1_epi8('.');
  const __m128i minus = _mm_set1_epi8('-');
  const __m128i plus = _mm_set1_epi8('+');
  const __m128i lower = _mm_set1_epi8(0x20);
  const __m128i e = _mm_set1_epi8('e');
  for (; p < end; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i d = _mm_sub_epi8(v, zero);
    const __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);  // unsigned v - '0' <= 9
    const __m128i sign = _mm_or_si128(_mm_cmpeq_epi8(v, minus), _mm_cmpeq_epi8(v, plus));
    const __m128i other =
        _mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(_mm_or_si128(v, lower), e));  // . e E
    const __m128i number = _mm_or_si128(_mm_or_si128(digit, sign), other);
    if (const auto mask = ~static_cast<unsigned>(_mm_movemask_epi8(number)) & 0xFFFFU; mask != 0) {
      return std::min(p + __builtin_ctz(mask), end);
    }
  }
  return end;
#else
  while (p < end && kNumberChars[static_cast<unsigned char>(*p)]) {
    ++p;
  }
  return p;
#endif
}

TICKPATH_ALWAYS_INLINE std::uint64_t load_u64(const char* p) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}
TICKPATH_ALWAYS_INLINE std::uint32_t load_u32(const char* p) noexcept {
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// p[0, N - 1) equals the literal: two overlapping word compares against constants, where libc's
// memcmp would be a call for 9..16 bytes. Reads only p[0, N - 1).
template <std::size_t N>
TICKPATH_ALWAYS_INLINE bool same_bytes(const char* p, const char (&lit)[N]) noexcept {
  constexpr std::size_t kLength = N - 1;
  static_assert(kLength >= 1 && kLength <= 16);
  if constexpr (kLength >= 8) {
    return ((load_u64(p) ^ load_u64(lit)) | (load_u64(p + kLength - 8) ^ load_u64(lit + kLength - 8))) == 0;
  } else if constexpr (kLength >= 4) {
    return ((load_u32(p) ^ load_u32(lit)) | (load_u32(p + kLength - 4) ^ load_u32(lit + kLength - 4))) == 0;
  } else {
    return std::memcmp(p, lit, kLength) == 0;
  }
}

// Known keys that flat book frames carry, by length first; anything else goes through lookup(),
// which gives the same answer for these.
TICKPATH_ALWAYS_INLINE Field key_field(const char* k, std::size_t n) noexcept {
  switch (n) {
    case 3:
      if (same_bytes(k, "seq"))
        return Field::Seq;
      if (same_bytes(k, "qty"))
        return Field::QtyText;
      break;
    case 4:
      if (same_bytes(k, "feed"))
        return Field::FeedName;
      if (same_bytes(k, "side"))
        return Field::SideName;
      if (same_bytes(k, "bids"))
        return Field::Bids;
      if (same_bytes(k, "asks"))
        return Field::Asks;
      break;
    case 5:
      if (same_bytes(k, "price"))
        return Field::PriceText;
      break;
    case 9:
      if (same_bytes(k, "timestamp"))
        return Field::Timestamp;
      break;
    case 10:
      if (same_bytes(k, "product_id"))
        return Field::ProductId;
      break;
    default:
      break;
  }
  return lookup({k, n});
}

// Reads a flat frame into the field table (see the top of the file). read() returns false when
// the frame is not one it handles, possibly leaving part of the table filled: the caller resets
// it and falls back to simdjson. Counters are the caller's to add to, on success only. Every read checks `p <
// end_` before it trusts a byte: what follows the frame is padding of any value.
class FlatScanner {
 public:
  FlatScanner(const char* data, std::size_t len, Parser::Impl& m) noexcept
      : p_(data), end_(data + len), m_(m) {}

  [[nodiscard]] bool read() noexcept {
    if (read_delta_as_sent()) {
      return true;
    }
    skip_ws();
    if (!take('{')) {
      return false;
    }
    skip_ws();
    if (!take('}')) {
      for (;;) {
        std::string_view key;
        if (!read_key(key)) {
          return false;
        }
        if (!read_member(key_field(key.data(), key.size()))) {
          return false;
        }
        skip_ws();
        if (take(',')) {
          skip_ws();
          continue;
        }
        if (take('}')) {
          break;
        }
        return false;
      }
    }
    skip_ws();
    return p_ == end_;  // trailing bytes: simdjson decides
  }

  [[nodiscard]] std::uint64_t unknown_fields() const noexcept { return unknown_fields_; }

 private:
  // The next bytes are `lit` (a literal of N - 1 characters): consume them.
  template <std::size_t N>
  [[nodiscard]] TICKPATH_ALWAYS_INLINE bool literal(const char (&lit)[N]) noexcept {
    if (end_ - p_ < static_cast<std::ptrdiff_t>(N - 1) || !same_bytes(p_, lit)) {
      return false;
    }
    p_ += N - 1;
    return true;
  }

  // A book delta laid out exactly as Kraken sends it (REAL 2021 capture, fixture book.json):
  //   {"feed":"book","product_id":"..","side":"..","seq":N,"price":N,"qty":N,"timestamp":N}
  // Reads the same texts the general loop below would, with a few compares instead of a key
  // lookup per field. Any other layout (order, whitespace, extra fields) is left to that loop,
  // from the start of the frame.
  [[nodiscard]] bool read_delta_as_sent() noexcept {
    const char* const start = p_;
    auto& t = m_.text;
    if (literal(R"({"feed":")") && read_plain(t[static_cast<std::size_t>(Field::FeedName)]) &&
        literal(R"(,"product_id":")") && read_plain(t[static_cast<std::size_t>(Field::ProductId)]) &&
        literal(R"(,"side":")") && read_plain(t[static_cast<std::size_t>(Field::SideName)]) &&
        literal(R"(,"seq":)") && read_number(t[static_cast<std::size_t>(Field::Seq)]) &&
        literal(R"(,"price":)") && read_number(t[static_cast<std::size_t>(Field::PriceText)]) &&
        literal(R"(,"qty":)") && read_number(t[static_cast<std::size_t>(Field::QtyText)]) &&
        literal(R"(,"timestamp":)") && read_number(t[static_cast<std::size_t>(Field::Timestamp)]) &&
        p_ + 1 == end_ && *p_ == '}') {
      m_.present = bit(Field::FeedName) | bit(Field::ProductId) | bit(Field::SideName) | bit(Field::Seq) |
                   bit(Field::PriceText) | bit(Field::QtyText) | bit(Field::Timestamp);
      p_ = end_;
      return true;
    }
    p_ = start;
    return false;
  }

  // The rest of a plain string whose opening quote has been read.
  [[nodiscard]] TICKPATH_ALWAYS_INLINE bool read_plain(std::string_view& out) noexcept {
    const char* const stop = string_stop(p_, end_);
    if (stop >= end_ || *stop != '"') {
      return false;
    }
    out = {p_, static_cast<std::size_t>(stop - p_)};
    p_ = stop + 1;
    return true;
  }

  // Kraken sends no whitespace: one compare decides in the common case.
  TICKPATH_ALWAYS_INLINE void skip_ws() noexcept {
    while (p_ < end_ && static_cast<unsigned char>(*p_) <= ' ' && is_ws(*p_)) {
      ++p_;
    }
  }
  [[nodiscard]] TICKPATH_ALWAYS_INLINE bool take(char c) noexcept {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // A plain string starting at p_ ('"'), its text without the quotes.
  [[nodiscard]] bool read_string(std::string_view& out) noexcept { return take('"') && read_plain(out); }

  // A key and the ':' after it.
  [[nodiscard]] bool read_key(std::string_view& key) noexcept {
    if (!read_string(key)) {
      return false;
    }
    skip_ws();
    if (!take(':')) {
      return false;
    }
    skip_ws();
    return true;
  }

  // A number token: the run of number characters from p_, which must start like a JSON number
  // (what simdjson's type() calls a number). Its syntax is checked when it is converted.
  [[nodiscard]] bool read_number(std::string_view& out) noexcept {
    const char* const begin = p_;
    if (p_ >= end_ || (*p_ != '-' && !is_digit(*p_))) {
      return false;
    }
    p_ = number_stop(p_, end_);
    out = {begin, static_cast<std::size_t>(p_ - begin)};
    return true;
  }

  [[nodiscard]] bool read_literal(std::string_view word) noexcept {
    if (end_ - p_ < static_cast<std::ptrdiff_t>(word.size()) ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // The value of a field we do not use: any scalar; objects and arrays go to simdjson.
  [[nodiscard]] bool skip_scalar() noexcept {
    if (p_ >= end_) {
      return false;
    }
    std::string_view ignored;
    switch (*p_) {
      case '"':
        return read_string(ignored);
      case 't':
        return read_literal("true");
      case 'f':
        return read_literal("false");
      case 'n':
        return read_literal("null");
      default:
        return read_number(ignored);
    }
  }

  [[nodiscard]] bool read_member(Field id) noexcept {
    if (id == Field::Ignored) {
      return skip_scalar();
    }
    if (id == Field::Unknown) {
      ++unknown_fields_;
      return skip_scalar();
    }
    // A repeated field: simdjson's reader defines what that means.
    if ((m_.present & bit(id)) != 0) {
      return false;
    }
    const auto idx = static_cast<std::size_t>(id);
    bool ok = false;
    switch (want(id)) {
      case Want::String:
        ok = read_string(m_.text[idx]);
        break;
      case Want::Number:
        ok = read_number(m_.text[idx]);
        break;
      case Want::Bool:
        if (read_literal("true")) {
          m_.flag[idx] = true;
          ok = true;
        } else if (read_literal("false")) {
          m_.flag[idx] = false;
          ok = true;
        }
        break;
      case Want::Array:
        if (id == Field::Bids) {
          ok = read_levels(Side::Buy, m_.bid_count);
        } else if (id == Field::Asks) {
          ok = read_levels(Side::Sell, m_.ask_count);
        }
        break;  // trades, product_ids: simdjson
    }
    m_.present |= bit(id);
    return ok;
  }

  // [{"price":..,"qty":..}, ...]: any key order; unknown scalar fields counted as simdjson's reader
  // counts them; a level without price or qty goes to simdjson (MissingField).
  [[nodiscard]] bool read_levels(Side side, std::uint32_t& count) noexcept {
    if (!take('[')) {
      return false;
    }
    skip_ws();
    count = 0;
    if (take(']')) {
      return true;
    }
    for (;;) {
      RawLevel level{{}, {}, side};
      // As Kraken sends them, {"price":N,"qty":N}, with a few compares; anything else (and what
      // this read half-way) through read_level.
      const char* const start = p_;
      if (!(literal(R"({"price":)") && read_number(level.price) && literal(R"(,"qty":)") &&
            read_number(level.qty) && take('}'))) {
        p_ = start;
        if (!read_level(level)) {
          return false;
        }
      }
      m_.levels.push_back(level);  // reserved by the constructor; grows only past that (cold)
      ++count;
      skip_ws();
      if (take(',')) {
        skip_ws();
        continue;
      }
      return take(']');
    }
  }

  // One level object in any form the scanner accepts.
  [[nodiscard]] bool read_level(RawLevel& level) noexcept {
    if (!take('{')) {
      return false;
    }
    skip_ws();
    bool has_price = false;
    bool has_qty = false;
    for (;;) {
      std::string_view key;
      if (!read_key(key)) {
        return false;
      }
      bool ok = false;
      if (key.size() == 5 && same_bytes(key.data(), "price")) {
        ok = read_number(level.price);
        has_price = true;
      } else if (key.size() == 3 && same_bytes(key.data(), "qty")) {
        ok = read_number(level.qty);
        has_qty = true;
      } else {
        ++unknown_fields_;
        ok = skip_scalar();
      }
      if (!ok) {
        return false;
      }
      skip_ws();
      if (take(',')) {
        skip_ws();
        continue;
      }
      if (take('}')) {
        return has_price && has_qty;
      }
      return false;
    }
  }

  const char* p_;
  const char* const end_;
  Parser::Impl& m_;
  std::uint64_t unknown_fields_ = 0;
};

MessageKind classify_event(std::string_view e) noexcept {
  if (e == "subscribed")
    return MessageKind::Subscribed;
  if (e == "unsubscribed")
    return MessageKind::Unsubscribed;
  if (e == "info")
    return MessageKind::Info;
  if (e == "subscribed_failed")
    return MessageKind::SubscribedFailed;
  if (e == "unsubscribed_failed")
    return MessageKind::UnsubscribedFailed;
  if (e == "challenge")
    return MessageKind::Challenge;
  if (e == "alert")
    return MessageKind::Alert;
  if (e == "error")
    return MessageKind::Error;
  return MessageKind::UnknownEvent;
}

MessageKind classify_feed(std::string_view f) noexcept {
  if (f == "book")
    return MessageKind::Book;
  if (f == "book_snapshot")
    return MessageKind::BookSnapshot;
  if (f == "trade")
    return MessageKind::Trade;
  if (f == "trade_snapshot")
    return MessageKind::TradeSnapshot;
  if (f == "ticker")
    return MessageKind::Ticker;
  if (f == "ticker_lite")
    return MessageKind::TickerLite;
  if (f == "heartbeat")
    return MessageKind::Heartbeat;
  return MessageKind::UnknownFeed;
}

MessageKind classify(const Parser::Impl& m) noexcept {
  if (m.has(Field::Event)) {
    return classify_event(m.get(Field::Event));
  }
  if (m.has(Field::FeedName)) {
    return classify_feed(m.get(Field::FeedName));
  }
  return MessageKind::Unknown;
}

bool has_all(const Parser::Impl& m, std::uint64_t required) noexcept {
  return (m.present & required) == required;
}

EventHeader header(EventType type, InstrumentId id, std::int64_t recv_ns) noexcept {
  EventHeader h{};
  h.type = type;
  h.instrument = id;
  h.recv_ns = recv_ns;
  return h;
}

}  // namespace

Parser::Parser(const InstrumentRegistry& registry, const ParserConfig& config)
    : registry_(&registry), impl_(std::make_unique<Impl>()) {
  if (impl_->json.allocate(config.max_message_bytes) != simdjson::SUCCESS) {
    throw std::runtime_error("kraken_futures::Parser: cannot allocate the simdjson buffers");
  }
  impl_->fast_path = config.fast_path;
  impl_->levels.reserve(config.snapshot_levels_reserve);
  impl_->trades.reserve(config.snapshot_trades_reserve);
  out_.levels.reserve(config.snapshot_levels_reserve);
  out_.trades.reserve(config.snapshot_trades_reserve);
  out_.products.reserve(config.product_ids_reserve);
  out_.product_instruments.reserve(config.product_ids_reserve);
}

Parser::~Parser() = default;
Parser::Parser(Parser&&) noexcept = default;

ParseResult Parser::decode(const char* data, std::size_t len, std::size_t capacity,
                           std::int64_t recv_ns) noexcept {
  Impl& m = *impl_;
  Decoded& out = out_;
  out.deliver = false;
  out.recv_ns = recv_ns;
  m.present = 0;
  m.levels.clear();
  m.trades.clear();
  m.bid_count = 0;
  m.ask_count = 0;
  out.products.clear();

  ParseResult result{MessageKind::Invalid, ParseError::None};
  const auto fail = [&](ParseError e) noexcept {
    result.error = e;
    result.kind = (m.has(Field::Event) || m.has(Field::FeedName)) ? classify(m) : MessageKind::Invalid;
    out.kind = result.kind;
    out.error = e;
    ++counters_.messages[static_cast<std::size_t>(result.kind)];
    ++counters_.errors[static_cast<std::size_t>(e)];
    return result;
  };

  // --- 1. collect ---------------------------------------------------------------------------
  if (TICKPATH_UNLIKELY(len > m.json.capacity() || capacity < len + simdjson::SIMDJSON_PADDING)) {
    return fail(ParseError::TooLarge);
  }
  if (TICKPATH_LIKELY(m.fast_path)) {
    FlatScanner scanner(data, len, m);
    if (TICKPATH_LIKELY(scanner.read())) {
      counters_.unknown_fields += scanner.unknown_fields();
      return convert(recv_ns);
    }
    m.present = 0;
    m.levels.clear();
    m.bid_count = 0;
    m.ask_count = 0;
  }
  od::document doc;
  if (m.json.iterate(data, len, capacity).get(doc)) {
    return fail(ParseError::InvalidJson);
  }
  od::object obj;
  if (const auto e = doc.get_object().get(obj)) {
    return fail(e == simdjson::INCORRECT_TYPE ? ParseError::NotAnObject : ParseError::InvalidJson);
  }
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) {
      return fail(ParseError::InvalidJson);
    }
    const Field id = lookup(raw_key(field));
    if (id == Field::Ignored) {
      continue;
    }
    if (id == Field::Unknown) {
      ++counters_.unknown_fields;
      continue;
    }
    od::value val = field.value();
    const auto idx = static_cast<std::size_t>(id);
    ParseError e = ParseError::None;
    switch (want(id)) {
      case Want::String:
        e = read_string(val, m.text[idx]);
        break;
      case Want::Number:
        e = read_number(val, m.text[idx]);
        break;
      case Want::Bool: {
        bool b = false;
        if (const auto je = val.get_bool().get(b)) {
          e = json_error(je);
        }
        m.flag[idx] = b;
        break;
      }
      case Want::Array:
        if (id == Field::Bids) {
          e = read_levels(val, Side::Buy, m.levels, m.bid_count, counters_);
        } else if (id == Field::Asks) {
          e = read_levels(val, Side::Sell, m.levels, m.ask_count, counters_);
        } else if (id == Field::Trades) {
          e = read_trades(val, m.trades, counters_);
        } else {  // product_ids
          od::array arr;
          if (const auto je = val.get_array().get(arr)) {
            e = json_error(je);
            break;
          }
          for (auto item : arr) {
            std::string_view s;
            if (const auto je = item.get_string().get(s)) {
              e = json_error(je);
              break;
            }
            out.products.push_back(s);
          }
        }
        break;
    }
    if (e != ParseError::None) {
      return fail(e);
    }
    m.present |= bit(id);
  }

  return convert(recv_ns);
}

// Step 2, whichever reader filled the field table: classify (`event` first) and convert.
ParseResult Parser::convert(std::int64_t recv_ns) noexcept {
  Impl& m = *impl_;
  Decoded& out = out_;
  ParseResult result{MessageKind::Invalid, ParseError::None};
  const auto fail = [&](ParseError e) noexcept {
    result.error = e;
    result.kind = (m.has(Field::Event) || m.has(Field::FeedName)) ? classify(m) : MessageKind::Invalid;
    out.kind = result.kind;
    out.error = e;
    ++counters_.messages[static_cast<std::size_t>(result.kind)];
    ++counters_.errors[static_cast<std::size_t>(e)];
    return result;
  };

  // --- 2. classify and convert --------------------------------------------------------------
  result.kind = classify(m);
  out.kind = result.kind;
  out.error = ParseError::None;

  const auto instrument_of = [&](std::string_view symbol) noexcept -> const Instrument* {
    const std::size_t n = symbol.size();
    const bool cacheable = n - 8 <= 8;
    Impl::SymbolSlot* slot = nullptr;
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
    if (TICKPATH_LIKELY(cacheable)) {
      head = load_u64(symbol.data());
      tail = load_u64(symbol.data() + n - 8);
      slot = &m.symbols[((head ^ (tail * 0x9E3779B97F4A7C15ULL)) >> 60U) % Impl::kSymbolSlots];
      if (TICKPATH_LIKELY(slot->length == n && slot->head == head && slot->tail == tail)) {
        return &registry_->get(slot->id);
      }
    }
    const InstrumentId id = registry_->find(symbol);
    if (!id.valid()) {
      ++counters_.unknown_products;
      return nullptr;
    }
    if (slot != nullptr) {
      *slot = Impl::SymbolSlot{head, tail, static_cast<std::uint32_t>(n), id};
    }
    return &registry_->get(id);
  };
  const auto price = [&](const Instrument& ins, std::string_view t, Price& p) noexcept {
    const PriceResult r = ins.price_from_text(t);
    p = r.price;
    return from_decimal_error(r.error);
  };
  const auto qty = [&](const Instrument& ins, std::string_view t, Qty& q) noexcept {
    const QtyResult r = ins.qty_from_text(t);
    q = r.qty;
    return from_decimal_error(r.error);
  };
  const auto decimal = [&](Field f, Decimal& d) noexcept {
    const DecimalResult r = parse_decimal(m.get(f));
    d = r.value;
    return from_decimal_error(r.error);
  };

  switch (result.kind) {
    case MessageKind::Book: {
      constexpr std::uint64_t kRequired = bit(Field::ProductId) | bit(Field::SideName) | bit(Field::Seq) |
                                          bit(Field::PriceText) | bit(Field::QtyText) | bit(Field::Timestamp);
      if (!has_all(m, kRequired)) {
        return fail(ParseError::MissingField);
      }
      BookDelta& d = out.delta;
      d.header = header(EventType::BookDelta, InstrumentId{}, recv_ns);
      d.header.flags = kEventHasSeq | kEventHasExchangeTime;
      if (!side_from_text(m.get(Field::SideName), d.header.side)) {
        return fail(ParseError::BadSide);
      }
      if (ParseError e = to_u64(m.get(Field::Seq), d.header.seq); e != ParseError::None) {
        return fail(e);
      }
      if (ParseError e = ms_to_ns(m.get(Field::Timestamp), d.header.exchange_ns); e != ParseError::None) {
        return fail(e);
      }
      const Instrument* ins = instrument_of(m.get(Field::ProductId));
      if (ins == nullptr) {
        break;
      }
      d.header.instrument = ins->id();
      if (ParseError e = price(*ins, m.get(Field::PriceText), d.price); e != ParseError::None) {
        return fail(e);
      }
      if (ParseError e = qty(*ins, m.get(Field::QtyText), d.qty); e != ParseError::None) {
        return fail(e);
      }
      out.deliver = true;
      break;
    }
    case MessageKind::BookSnapshot: {
      constexpr std::uint64_t kRequired = bit(Field::ProductId) | bit(Field::Seq) | bit(Field::Timestamp) |
                                          bit(Field::Bids) | bit(Field::Asks);
      if (!has_all(m, kRequired)) {
        return fail(ParseError::MissingField);
      }
      EventHeader h = header(EventType::BookSnapshotBegin, InstrumentId{}, recv_ns);
      h.flags = kEventHasSeq | kEventHasExchangeTime;
      if (ParseError e = to_u64(m.get(Field::Seq), h.seq); e != ParseError::None) {
        return fail(e);
      }
      if (ParseError e = ms_to_ns(m.get(Field::Timestamp), h.exchange_ns); e != ParseError::None) {
        return fail(e);
      }
      const Instrument* ins = instrument_of(m.get(Field::ProductId));
      if (ins == nullptr) {
        break;
      }
      h.instrument = ins->id();
      out.levels.clear();
      // Bids first, then asks, whatever order the arrays came in.
      for (int pass = 0; pass < 2; ++pass) {
        const Side want_side = pass == 0 ? Side::Buy : Side::Sell;
        for (const RawLevel& raw : m.levels) {
          if (raw.side != want_side) {
            continue;
          }
          BookLevel level{};
          level.header = h;
          level.header.type = EventType::BookLevel;
          level.header.side = raw.side;
          if (ParseError e = price(*ins, raw.price, level.price); e != ParseError::None) {
            return fail(e);
          }
          if (ParseError e = qty(*ins, raw.qty, level.qty); e != ParseError::None) {
            return fail(e);
          }
          out.levels.push_back(level);
        }
      }
      out.snapshot_begin = BookSnapshotBegin{h, m.bid_count, m.ask_count};
      h.type = EventType::BookSnapshotEnd;
      out.snapshot_end = BookSnapshotEnd{h, m.bid_count, m.ask_count};
      counters_.snapshot_levels += out.levels.size();
      out.deliver = true;
      break;
    }
    case MessageKind::Trade:
    case MessageKind::TradeSnapshot: {
      const bool snapshot = result.kind == MessageKind::TradeSnapshot;
      if (!m.has(Field::ProductId) || (snapshot && !m.has(Field::Trades))) {
        return fail(ParseError::MissingField);
      }
      if (!snapshot) {
        // A live trade's fields were collected at the top level: move them into one RawTrade.
        RawTrade raw{};
        for (Field f : {Field::ProductId, Field::Uid, Field::SideName, Field::Type, Field::Seq, Field::Time,
                        Field::QtyText, Field::PriceText}) {
          if (!m.has(f)) {
            continue;
          }
          raw.present |= static_cast<std::uint32_t>(bit(f));
          std::string_view* slot = f == Field::ProductId  ? &raw.product_id
                                   : f == Field::Uid      ? &raw.uid
                                   : f == Field::SideName ? &raw.side
                                   : f == Field::Type     ? &raw.type
                                   : f == Field::Seq      ? &raw.seq
                                   : f == Field::Time     ? &raw.time
                                   : f == Field::QtyText  ? &raw.qty
                                                          : &raw.price;
          *slot = m.get(f);
        }
        m.trades.push_back(raw);
      }
      const Instrument* ins = instrument_of(m.get(Field::ProductId));
      out.trades.clear();
      constexpr auto kRequired =
          static_cast<std::uint32_t>(bit(Field::SideName) | bit(Field::Seq) | bit(Field::Time) |
                                     bit(Field::QtyText) | bit(Field::PriceText));
      // Kraken sends snapshots newest first; deliver oldest first so time never goes backwards.
      for (std::size_t i = m.trades.size(); i > 0; --i) {
        const RawTrade& raw = m.trades[i - 1];
        if ((raw.present & kRequired) != kRequired) {
          return fail(ParseError::MissingField);
        }
        Trade t{};
        t.header = header(EventType::Trade, InstrumentId{}, recv_ns);
        t.header.flags = static_cast<std::uint8_t>(kEventHasSeq | kEventHasExchangeTime |
                                                   (snapshot ? kEventFromSnapshot : 0));
        if (!side_from_text(raw.side, t.header.side)) {
          return fail(ParseError::BadSide);
        }
        if (ParseError e = to_u64(raw.seq, t.header.seq); e != ParseError::None) {
          return fail(e);
        }
        if (ParseError e = ms_to_ns(raw.time, t.header.exchange_ns); e != ParseError::None) {
          return fail(e);
        }
        TradeKind kind = TradeKind::Unknown;
        if ((raw.present & bit(Field::Type)) != 0) {
          kind = trade_kind_from_text(raw.type);
          if (kind == TradeKind::Unknown) {
            ++counters_.unknown_enums;
          }
        }
        t.header.code = static_cast<std::uint8_t>(kind);
        if ((raw.present & bit(Field::Uid)) != 0) {
          (void)uuid_from_text(raw.uid, t.trade_id);
        }
        if (ins == nullptr) {
          continue;  // validated but not delivered
        }
        t.header.instrument = ins->id();
        if (ParseError e = price(*ins, raw.price, t.price); e != ParseError::None) {
          return fail(e);
        }
        if (ParseError e = qty(*ins, raw.qty, t.qty); e != ParseError::None) {
          return fail(e);
        }
        out.trades.push_back(t);
      }
      if (ins != nullptr) {
        if (snapshot) {
          counters_.snapshot_trades += out.trades.size();
        }
        out.deliver = true;
      }
      break;
    }
    case MessageKind::Ticker:
    case MessageKind::TickerLite: {
      const bool lite = result.kind == MessageKind::TickerLite;
      if (!m.has(Field::ProductId) || (!lite && !m.has(Field::Time))) {
        return fail(ParseError::MissingField);
      }
      Ticker& t = out.ticker;
      t = Ticker{};
      t.header = header(EventType::Ticker, InstrumentId{}, recv_ns);
      t.lite = lite ? 1 : 0;
      if (m.has(Field::Time)) {
        if (ParseError e = ms_to_ns(m.get(Field::Time), t.header.exchange_ns); e != ParseError::None) {
          return fail(e);
        }
        t.header.flags = kEventHasExchangeTime;
      }
      const Instrument* ins = instrument_of(m.get(Field::ProductId));
      if (ins == nullptr) {
        break;
      }
      t.header.instrument = ins->id();
      struct PriceMap {
        Field field;
        TickerField bit;
        Price Ticker::*member;
      };
      for (const PriceMap& pm :
           {PriceMap{Field::Bid, kTickerBid, &Ticker::bid}, PriceMap{Field::Ask, kTickerAsk, &Ticker::ask},
            PriceMap{Field::Last, kTickerLast, &Ticker::last}}) {
        if (m.has(pm.field)) {
          if (ParseError e = price(*ins, m.get(pm.field), t.*pm.member); e != ParseError::None) {
            return fail(e);
          }
          t.present |= pm.bit;
        }
      }
      if (m.has(Field::BidSize)) {
        if (ParseError e = qty(*ins, m.get(Field::BidSize), t.bid_size); e != ParseError::None) {
          return fail(e);
        }
        t.present |= kTickerBidSize;
      }
      if (m.has(Field::AskSize)) {
        if (ParseError e = qty(*ins, m.get(Field::AskSize), t.ask_size); e != ParseError::None) {
          return fail(e);
        }
        t.present |= kTickerAskSize;
      }
      struct DecimalMap {
        Field field;
        TickerField bit;
        Decimal Ticker::*member;
      };
      for (const DecimalMap& dm :
           {DecimalMap{Field::MarkPrice, kTickerMark, &Ticker::mark},
            DecimalMap{Field::Index, kTickerIndex, &Ticker::index},
            DecimalMap{Field::FundingRate, kTickerFundingRate, &Ticker::funding_rate},
            DecimalMap{Field::FundingRatePrediction, kTickerFundingRatePrediction,
                       &Ticker::funding_rate_prediction},
            DecimalMap{Field::RelativeFundingRate, kTickerRelativeFundingRate,
                       &Ticker::relative_funding_rate},
            DecimalMap{Field::RelativeFundingRatePrediction, kTickerRelativeFundingRatePrediction,
                       &Ticker::relative_funding_rate_prediction},
            DecimalMap{Field::OpenInterest, kTickerOpenInterest, &Ticker::open_interest},
            DecimalMap{Field::Volume, kTickerVolume, &Ticker::volume},
            DecimalMap{Field::VolumeQuote, kTickerVolumeQuote, &Ticker::volume_quote},
            DecimalMap{Field::Change, kTickerChange, &Ticker::change},
            DecimalMap{Field::Premium, kTickerPremium, &Ticker::premium}}) {
        if (m.has(dm.field)) {
          if (ParseError e = decimal(dm.field, t.*dm.member); e != ParseError::None) {
            return fail(e);
          }
          t.present |= dm.bit;
        }
      }
      if (m.has(Field::NextFundingRateTime)) {
        if (ParseError e = ms_to_ns(m.get(Field::NextFundingRateTime), t.next_funding_ns);
            e != ParseError::None) {
          return fail(e);
        }
        t.present |= kTickerNextFundingTime;
      }
      if (m.has(Field::Suspended)) {
        t.suspended = m.flag[static_cast<std::size_t>(Field::Suspended)] ? 1 : 0;
        t.present |= kTickerSuspended;
      }
      if (m.has(Field::PostOnly)) {
        t.post_only = m.flag[static_cast<std::size_t>(Field::PostOnly)] ? 1 : 0;
        t.present |= kTickerPostOnly;
      }
      out.deliver = true;
      break;
    }
    case MessageKind::Heartbeat: {
      if (!m.has(Field::Time)) {
        return fail(ParseError::MissingField);
      }
      if (ParseError e = ms_to_ns(m.get(Field::Time), out.heartbeat_ns); e != ParseError::None) {
        return fail(e);
      }
      out.deliver = true;
      break;
    }
    case MessageKind::Info:
    case MessageKind::Challenge:
    case MessageKind::Alert:
    case MessageKind::Error:
    case MessageKind::Subscribed:
    case MessageKind::Unsubscribed:
    case MessageKind::SubscribedFailed:
    case MessageKind::UnsubscribedFailed: {
      ControlMessage& c = out.control;
      c = ControlMessage{};
      c.kind = result.kind;
      if (m.has(Field::FeedName)) {
        c.feed_text = m.get(Field::FeedName);
        c.feed = feed_from_text(c.feed_text);
      }
      if (m.has(Field::Message)) {
        c.message = m.get(Field::Message);
      }
      if (result.kind == MessageKind::Info && m.has(Field::Version)) {
        std::uint64_t v = 0;
        if (ParseError e = to_u64(m.get(Field::Version), v); e != ParseError::None) {
          return fail(e);
        }
        c.version = static_cast<std::int64_t>(v);
      }
      if (result.kind == MessageKind::Challenge && !m.has(Field::Message)) {
        return fail(ParseError::MissingField);
      }
      // A product_id (singular) on an ack is accepted as well as product_ids.
      if (m.has(Field::ProductId)) {
        out.products.push_back(m.get(Field::ProductId));
      }
      out.product_instruments.clear();
      for (std::string_view p : out.products) {
        const InstrumentId id = registry_->find(p);
        if (!id.valid()) {
          ++counters_.unknown_products;
        }
        out.product_instruments.push_back(id);
      }
      out.deliver = true;
      break;
    }
    case MessageKind::UnknownEvent:
    case MessageKind::UnknownFeed:
    case MessageKind::Unknown:
    case MessageKind::Invalid:
      break;
  }
  ++counters_.messages[static_cast<std::size_t>(result.kind)];
  return result;
}

bool uuid_from_text(std::string_view text, std::array<std::uint8_t, 16>& out) noexcept {
  out = {};
  if (text.size() != 36) {
    return false;
  }
  std::array<std::uint8_t, 16> bytes{};
  std::size_t n = 0;
  int half = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') {
        return false;
      }
      continue;
    }
    int v = 0;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      return false;
    }
    if (half < 0) {
      half = v;
    } else {
      bytes[n++] = static_cast<std::uint8_t>((half << 4) | v);
      half = -1;
    }
  }
  out = bytes;
  return true;
}

const char* to_string(MessageKind k) noexcept {
  switch (k) {
    case MessageKind::Info:
      return "info";
    case MessageKind::Subscribed:
      return "subscribed";
    case MessageKind::Unsubscribed:
      return "unsubscribed";
    case MessageKind::SubscribedFailed:
      return "subscribed_failed";
    case MessageKind::UnsubscribedFailed:
      return "unsubscribed_failed";
    case MessageKind::Challenge:
      return "challenge";
    case MessageKind::Alert:
      return "alert";
    case MessageKind::Error:
      return "error";
    case MessageKind::UnknownEvent:
      return "unknown_event";
    case MessageKind::Heartbeat:
      return "heartbeat";
    case MessageKind::BookSnapshot:
      return "book_snapshot";
    case MessageKind::Book:
      return "book";
    case MessageKind::TradeSnapshot:
      return "trade_snapshot";
    case MessageKind::Trade:
      return "trade";
    case MessageKind::Ticker:
      return "ticker";
    case MessageKind::TickerLite:
      return "ticker_lite";
    case MessageKind::UnknownFeed:
      return "unknown_feed";
    case MessageKind::Unknown:
      return "unknown";
    case MessageKind::Invalid:
      return "invalid";
  }
  return "?";
}

const char* to_string(ParseError e) noexcept {
  switch (e) {
    case ParseError::None:
      return "none";
    case ParseError::InvalidJson:
      return "invalid_json";
    case ParseError::TooLarge:
      return "too_large";
    case ParseError::NotAnObject:
      return "not_an_object";
    case ParseError::WrongType:
      return "wrong_type";
    case ParseError::MissingField:
      return "missing_field";
    case ParseError::BadNumber:
      return "bad_number";
    case ParseError::OffGrid:
      return "off_grid";
    case ParseError::NumberOverflow:
      return "number_overflow";
    case ParseError::BadSide:
      return "bad_side";
  }
  return "?";
}

const char* to_string(Feed f) noexcept {
  switch (f) {
    case Feed::None:
      return "";
    case Feed::Book:
      return "book";
    case Feed::Trade:
      return "trade";
    case Feed::Ticker:
      return "ticker";
    case Feed::TickerLite:
      return "ticker_lite";
    case Feed::Heartbeat:
      return "heartbeat";
    case Feed::Other:
      return "other";
  }
  return "?";
}

Feed feed_from_text(std::string_view t) noexcept {
  if (t.empty())
    return Feed::None;
  if (t == "book")
    return Feed::Book;
  if (t == "trade")
    return Feed::Trade;
  if (t == "ticker")
    return Feed::Ticker;
  if (t == "ticker_lite")
    return Feed::TickerLite;
  if (t == "heartbeat")
    return Feed::Heartbeat;
  return Feed::Other;
}

}  // namespace tickpath::venue::kraken_futures
