#pragma once
// Normalised market-data events: the contract between a venue adapter and everything after it
// (books, strategies, the journal). ARCHITECTURE.md §1/§3, STYLE B1.9; shaped like hftbacktest's
// Event: small, fixed-size, trivially copyable, integer ticks and lots only, no venue strings.
//
// Every event starts with an EventHeader carrying the instrument, the exchange time (ns since the
// Unix epoch; 0 when the venue sends none, e.g. Kraken's ticker_lite) and the local receive time
// of the frame that carried it (whatever clock the net layer stamps frames with: monotonic ns or
// TSC ticks; one clock per process), plus the venue's sequence number where it has one.
//
// Versioned: the journal stores these bytes. Change a layout => bump kEventsVersion.

#include <array>
#include <cstdint>
#include <type_traits>

#include "tickpath/core/decimal_value.hpp"
#include "tickpath/core/types.hpp"

namespace tickpath {

inline constexpr std::uint8_t kEventsVersion = 1;

enum class EventType : std::uint8_t {
  BookSnapshotBegin = 1,  // a full book follows: BookLevel x N, then BookSnapshotEnd
  BookLevel = 2,          // one level of a snapshot
  BookSnapshotEnd = 3,    // the book is complete and valid from here
  BookDelta = 4,          // one level set to an absolute quantity (0 deletes)
  Trade = 5,              // one public trade (live or from a snapshot of recent trades)
  Ticker = 6,             // best bid/ask and reference values (mark, index, funding)
  BookInvalidated = 7,    // the book must not be used until the next snapshot
};

// Why a book was invalidated.
enum class InvalidReason : std::uint8_t {
  SequenceGap = 1,   // a delta's seq was not last + 1
  Crossed = 2,       // best bid >= best ask after an update
  Disconnect = 3,    // the connection dropped; every book waits for a new snapshot
  Stale = 4,         // the product went silent longer than the watchdog allows
  Unsubscribed = 5,  // the venue ended the subscription (ack or failed subscribe)
};

// What a public trade was (Kraken `type`). Unknown spellings map to Unknown and are counted.
enum class TradeKind : std::uint8_t {
  Unknown = 0,
  Fill = 1,
  Liquidation = 2,
  PartialLiquidation = 3,
  Termination = 4,
  Block = 5,
  Assignment = 6,
  Unwind = 7,
  CoveredLiquidation = 8,
};

// Header flags.
inline constexpr std::uint8_t kEventHasSeq = 0x01;           // seq is the venue's
inline constexpr std::uint8_t kEventHasExchangeTime = 0x02;  // exchange_ns is the venue's
inline constexpr std::uint8_t kEventFromSnapshot = 0x04;     // a Trade from a snapshot of recent trades

// 32 bytes. `side` and `code` are meaningful per type: side for BookLevel/BookDelta/Trade (taker
// side), code = TradeKind for Trade and InvalidReason for BookInvalidated.
struct EventHeader {
  std::int64_t exchange_ns{0};  // venue time, ns since the Unix epoch; 0 when absent
  std::int64_t recv_ns{0};      // local receive time of the frame (net layer's clock)
  std::uint64_t seq{0};         // venue sequence number; 0 when absent (see kEventHasSeq)
  InstrumentId instrument{};
  EventType type{EventType::BookDelta};
  std::uint8_t version{kEventsVersion};
  std::uint8_t flags{0};
  Side side{Side::Buy};
  std::uint8_t code{0};
  std::uint8_t reserved{0};
};

struct alignas(64) BookSnapshotBegin {
  EventHeader header{};
  std::uint32_t bid_levels{0};  // BookLevel events that follow, per side
  std::uint32_t ask_levels{0};
};

struct alignas(64) BookLevel {
  EventHeader header{};  // side = the level's side
  Price price{};
  Qty qty{};
};

struct alignas(64) BookSnapshotEnd {
  EventHeader header{};
  std::uint32_t bid_levels{0};
  std::uint32_t ask_levels{0};
};

struct alignas(64) BookDelta {
  EventHeader header{};  // side = the level's side
  Price price{};
  Qty qty{};  // new absolute quantity; 0 deletes the level
};

struct alignas(64) Trade {
  EventHeader header{};  // side = taker side, code = TradeKind
  Price price{};
  Qty qty{};
  std::array<std::uint8_t, 16> trade_id{};  // venue uuid as 16 bytes; all zero when not a uuid

  [[nodiscard]] TradeKind kind() const noexcept { return static_cast<TradeKind>(header.code); }
};

// Which Ticker fields the venue sent (Kraken's ticker_lite has no time, sizes, mark or funding).
enum TickerField : std::uint32_t {
  kTickerBid = 1U << 0,
  kTickerAsk = 1U << 1,
  kTickerBidSize = 1U << 2,
  kTickerAskSize = 1U << 3,
  kTickerLast = 1U << 4,
  kTickerMark = 1U << 5,
  kTickerIndex = 1U << 6,
  kTickerFundingRate = 1U << 7,
  kTickerFundingRatePrediction = 1U << 8,
  kTickerRelativeFundingRate = 1U << 9,
  kTickerRelativeFundingRatePrediction = 1U << 10,
  kTickerNextFundingTime = 1U << 11,
  kTickerOpenInterest = 1U << 12,
  kTickerVolume = 1U << 13,
  kTickerVolumeQuote = 1U << 14,
  kTickerChange = 1U << 15,
  kTickerPremium = 1U << 16,
  kTickerSuspended = 1U << 17,
  kTickerPostOnly = 1U << 18,
};

// On-grid values are ticks/lots; off-grid reference values are exact Decimals.
struct alignas(64) Ticker {
  EventHeader header{};
  std::uint32_t present{0};  // TickerField bits
  std::uint8_t suspended{0};
  std::uint8_t post_only{0};
  std::uint8_t lite{0};  // 1: from a reduced ticker (Kraken ticker_lite)
  std::uint8_t reserved{0};
  Price bid{};
  Price ask{};
  Qty bid_size{};
  Qty ask_size{};
  Price last{};
  std::int64_t next_funding_ns{0};  // absolute, ns since the Unix epoch
  Decimal mark{};
  Decimal index{};
  Decimal funding_rate{};  // absolute, quote units per contract
  Decimal funding_rate_prediction{};
  Decimal relative_funding_rate{};  // a fraction
  Decimal relative_funding_rate_prediction{};
  Decimal open_interest{};
  Decimal volume{};        // 24 h, contracts or base units
  Decimal volume_quote{};  // 24 h, quote currency
  Decimal change{};        // 24 h, percent
  Decimal premium{};

  [[nodiscard]] bool has(TickerField f) const noexcept { return (present & f) != 0; }
};

struct alignas(64) BookInvalidated {
  EventHeader header{};  // code = InvalidReason; seq = last applied seq (0 if none)
};

[[nodiscard]] constexpr const char* to_string(InvalidReason r) noexcept {
  switch (r) {
    case InvalidReason::SequenceGap:
      return "sequence_gap";
    case InvalidReason::Crossed:
      return "crossed";
    case InvalidReason::Disconnect:
      return "disconnect";
    case InvalidReason::Stale:
      return "stale";
    case InvalidReason::Unsubscribed:
      return "unsubscribed";
  }
  return "?";
}

[[nodiscard]] constexpr const char* to_string(TradeKind k) noexcept {
  switch (k) {
    case TradeKind::Unknown:
      return "unknown";
    case TradeKind::Fill:
      return "fill";
    case TradeKind::Liquidation:
      return "liquidation";
    case TradeKind::PartialLiquidation:
      return "partial_liquidation";
    case TradeKind::Termination:
      return "termination";
    case TradeKind::Block:
      return "block";
    case TradeKind::Assignment:
      return "assignment";
    case TradeKind::Unwind:
      return "unwind";
    case TradeKind::CoveredLiquidation:
      return "covered_liquidation";
  }
  return "?";
}

static_assert(sizeof(EventHeader) == 32 && std::is_trivially_copyable_v<EventHeader>);
static_assert(sizeof(BookSnapshotBegin) == 64 && std::is_trivially_copyable_v<BookSnapshotBegin>);
static_assert(sizeof(BookLevel) == 64 && std::is_trivially_copyable_v<BookLevel>);
static_assert(sizeof(BookSnapshotEnd) == 64 && std::is_trivially_copyable_v<BookSnapshotEnd>);
static_assert(sizeof(BookDelta) == 64 && std::is_trivially_copyable_v<BookDelta>);
static_assert(sizeof(Trade) == 64 && std::is_trivially_copyable_v<Trade>);
static_assert(sizeof(Ticker) == 320 && std::is_trivially_copyable_v<Ticker>);
static_assert(sizeof(BookInvalidated) == 64 && std::is_trivially_copyable_v<BookInvalidated>);

}  // namespace tickpath
