#pragma once
// Kraken Futures public WebSocket v1 vocabulary (kraken-futures-protocol.md §6): message kinds,
// feeds, parse errors, control messages and the parser's counters. Data messages leave the
// adapter as core events (tickpath/core/events.hpp); only control messages have their own struct.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tickpath/core/types.hpp"

namespace tickpath::venue::kraken_futures {

// What a frame was. Control messages are recognised by `event` FIRST (acks also carry `feed`,
// §6.1/§9.1); data messages by `feed`.
enum class MessageKind : std::uint8_t {
  Info,
  Subscribed,
  Unsubscribed,
  SubscribedFailed,
  UnsubscribedFailed,
  Challenge,
  Alert,
  Error,
  UnknownEvent,  // an `event` we do not know: counted, ignored
  Heartbeat,
  BookSnapshot,
  Book,
  TradeSnapshot,
  Trade,
  Ticker,
  TickerLite,
  UnknownFeed,  // a `feed` we do not know (candles, private feeds ...): counted, ignored
  Unknown,      // neither `event` nor `feed`: counted, ignored
  Invalid,      // the frame could not be parsed at all (see ParseError)
};
inline constexpr std::size_t kMessageKindCount = static_cast<std::size_t>(MessageKind::Invalid) + 1;

[[nodiscard]] const char* to_string(MessageKind k) noexcept;

// Why a frame was rejected. A rejected frame applies nothing (no handler call).
enum class ParseError : std::uint8_t {
  None,
  InvalidJson,     // not well-formed JSON: truncated, bad token, trailing bytes
  TooLarge,        // longer than ParserConfig::max_message_bytes, or no room for the padding
  NotAnObject,     // the document is not a JSON object
  WrongType,       // a known field has the wrong JSON type (e.g. a price as a string)
  MissingField,    // a field the message kind requires is absent
  BadNumber,       // a number that is not valid JSON number text, or a non-integer where one is due
  OffGrid,         // a price or quantity not on the instrument's tick / size grid
  NumberOverflow,  // a number that does not fit (ticks, lots, Decimal digits, ms -> ns)
  BadSide,         // `side` other than "buy" / "sell"
};
inline constexpr std::size_t kParseErrorCount = static_cast<std::size_t>(ParseError::BadSide) + 1;

[[nodiscard]] const char* to_string(ParseError e) noexcept;

// Outcome of one parse() call.
struct ParseResult {
  MessageKind kind{MessageKind::Invalid};
  ParseError error{ParseError::None};
  [[nodiscard]] bool ok() const noexcept { return error == ParseError::None; }
};

enum class Feed : std::uint8_t { None, Book, Trade, Ticker, TickerLite, Heartbeat, Other };

[[nodiscard]] const char* to_string(Feed f) noexcept;
// "book" -> Book ...; "" -> None; anything else -> Other. Case-sensitive (Kraken sends lowercase).
[[nodiscard]] Feed feed_from_text(std::string_view text) noexcept;

// One control message, or one product of an ack (an ack naming N products is reported N times).
// The string views point into the parser's buffers: valid only during the handler call.
struct ControlMessage {
  MessageKind kind{MessageKind::Info};
  Feed feed{Feed::None};
  InstrumentId instrument{};   // invalid when the ack names no product or an unknown one
  std::string_view feed_text;  // as sent ("candles_trade_1m" when feed == Other)
  std::string_view product;    // as sent; empty when none
  std::string_view message;    // alert / error / challenge text
  std::int64_t version{0};     // info
};

// Monotonic counters of one parser (read them from the owning thread).
struct ParserCounters {
  std::array<std::uint64_t, kMessageKindCount> messages{};  // every frame, by kind (Invalid = errors)
  std::array<std::uint64_t, kParseErrorCount> errors{};     // rejected frames, by error
  std::uint64_t unknown_fields = 0;                         // fields we do not know, per occurrence
  std::uint64_t unknown_enums = 0;                          // enum strings we do not know (trade `type`)
  std::uint64_t unknown_products = 0;  // data messages for products not in the registry (ignored)
  std::uint64_t snapshot_levels = 0;   // book levels delivered in snapshots
  std::uint64_t snapshot_trades = 0;   // trades delivered in trade snapshots

  [[nodiscard]] std::uint64_t count(MessageKind k) const noexcept {
    return messages[static_cast<std::size_t>(k)];
  }
  [[nodiscard]] std::uint64_t count(ParseError e) const noexcept {
    return errors[static_cast<std::size_t>(e)];
  }
  [[nodiscard]] std::uint64_t total_errors() const noexcept {
    std::uint64_t n = 0;
    for (std::size_t i = 1; i < errors.size(); ++i) {
      n += errors[i];
    }
    return n;
  }
};

}  // namespace tickpath::venue::kraken_futures
