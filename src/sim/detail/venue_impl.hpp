#pragma once
// Venue::Impl, shared by venue.cpp (construction, REST v3, control endpoint, exchange listener)
// and venue_ws.cpp (websocket v1 requests, feeds and timers).

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "tickpath/config/config.hpp"
#include "tickpath/core/instrument.hpp"
#include "tickpath/sim/activity.hpp"
#include "tickpath/sim/exchange.hpp"
#include "tickpath/sim/uuid.hpp"
#include "tickpath/sim/venue.hpp"
#include "tickpath/venue/kraken_futures/auth.hpp"
#include "tickpath/venue/kraken_futures/form.hpp"

namespace tickpath::sim::detail {

namespace kf = tickpath::venue::kraken_futures;

// Public feeds with products; index into Instr::subs and bit in Conn::public_mask.
enum PublicFeed : std::uint8_t { kBook = 0, kTrade = 1, kTicker = 2, kTickerLite = 3, kPublicFeedCount = 4 };

enum PrivateFeed : std::uint8_t {
  kOpenOrders = 0,
  kOpenOrdersVerbose,
  kFills,
  kOpenPositions,
  kBalances,
  kAccountBalancesAndMargins,
  kNotificationsAuth,
  kAccountLog,
  kPrivateFeedCount
};

struct Conn {
  ConnectionId id{0};
  WsConnection* ws{nullptr};
  std::int64_t last_ping_ms{0};
  std::int64_t rate_window_start_ms{0};
  std::int64_t rate_count{0};
  std::vector<std::string> challenges{};    // issued on this connection
  std::vector<std::uint8_t> public_mask{};  // per instrument, bit per PublicFeed
  std::array<std::optional<AccountId>, kPrivateFeedCount> priv{};
  bool heartbeat{false};
  std::int64_t subscriptions{0};
  bool closing{false};

  [[nodiscard]] bool has_private() const noexcept {
    for (const auto& p : priv) {
      if (p) {
        return true;
      }
    }
    return false;
  }
};

struct Instr {
  InstrumentIndex index{0};
  std::string symbol{};  // as configured (REST)
  std::string upper{};   // websocket product_id
  std::string lower{};
  Increment tick{};
  Increment step{};
  ContractKind kind{ContractKind::Linear};
  bool perpetual{true};
  std::string base_symbol{};  // "XBT" (as in the symbol)
  std::string base{};         // "BTC" (REST `base`)
  std::string quote{"USD"};
  std::int64_t maturity_ms{0};  // FI_/FF_ only
  std::array<std::vector<Conn*>, kPublicFeedCount> subs{};
  // Faults.
  std::uint64_t seq_offset{0};  // added to the engine's book seq on the wire
  bool skip_next{false};
  std::int64_t frozen_until_ms{0};
  // Trading statistics (since start) for the tickers.
  double volume_quote{0.0};
  std::optional<Price> open{};
  std::optional<Price> high{};
  std::optional<Price> low{};
};

// The Nonce rule of one API key (protocol §4.2: nonces must increase, but Kraken "tolerates nonces
// that are out of order for a brief period", and a client signing on several connections sends
// some out of order). A nonce above the highest seen is accepted. One below it is accepted when it
// is less than `tolerance` below, was not used: it is neither one of the kRemembered last accepted
// nonces nor at or below the highest nonce this memory has forgotten (which could have been it);
// such nonces are BelowThreshold, as is any older one. Tolerance 0 = strictly increasing.
class NonceMemory {
 public:
  enum class Verdict : std::uint8_t { Accepted, Duplicate, BelowThreshold };
  static constexpr std::size_t kRemembered = 1024;

  [[nodiscard]] Verdict accept(std::uint64_t nonce, std::uint64_t tolerance) noexcept;

 private:
  void remember(std::uint64_t nonce) noexcept;

  bool any_{false};
  std::uint64_t highest_{0};
  bool forgot_{false};
  std::uint64_t forgotten_max_{0};  // the highest nonce pushed out of recent_ (valid when forgot_)
  std::array<std::uint64_t, kRemembered> recent_{};  // ring of the last accepted nonces
  std::size_t next_{0};
  std::size_t count_{0};
};

struct Key {
  std::string name{};
  std::string api_key{};
  std::optional<kf::Signer> signer{};
  AccountId account{0};
  NonceMemory nonces{};
  std::deque<std::pair<std::int64_t, std::int64_t>> window{};  // (time, cost)
  std::int64_t window_used{0};
  std::int64_t dms_trigger_ms{0};
  std::uint64_t balance_seq{0};
};

// One order-level outcome of send/edit/cancel, before it is written as JSON.
struct Outcome {
  enum class Kind : std::uint8_t { Engine, Status, BadArgument, MissingArgument };
  Kind kind{Kind::Status};
  Status status{Status::Placed};
  std::string argument{};  // BadArgument / MissingArgument
  Result result{};         // Engine
  std::string cli_ord_id{};
  std::string requested_id{};  // edit/cancel: the order id the request named
};

using Params = std::vector<kf::FormField>;

struct Impl : ExchangeListener {
  Impl(const config::SimConfig& config, std::vector<AccountKey> accounts, std::int64_t now_ms);
  ~Impl() override;

  // ExchangeListener
  void on_book(InstrumentIndex instrument, Side side, Price price, Qty total, std::uint64_t seq,
               std::int64_t time_ms) override;
  void on_trade(const TradeEvent& trade) override;
  void on_order(const OrderUpdate& update) override;
  void on_fill(const FillEvent& fill) override;
  void on_position(AccountId account, InstrumentIndex instrument) override;
  void on_balance(AccountId account) override;

  // REST (venue.cpp)
  HttpResponse handle_http(const HttpRequest& request, std::int64_t now_ms);
  HttpResponse handle_rest(const HttpRequest& request, std::string_view path, std::string_view query,
                           std::int64_t now);
  HttpResponse handle_history(std::string_view path, std::string_view query, std::int64_t now);
  HttpResponse handle_control(const HttpRequest& request, std::string_view path, std::string_view query,
                              std::int64_t now);
  HttpResponse success(std::string_view payload, std::int64_t now);
  HttpResponse error_a(std::string_view code, int http_status, std::int64_t now);
  HttpResponse error_b(std::string_view argument, std::int64_t now);
  HttpResponse error_c(int http_status, std::int64_t now);
  Outcome do_send(Key& key, const Params& p, std::int64_t now);
  Outcome do_edit(Key& key, const Params& p, std::int64_t now);
  Outcome do_cancel(Key& key, const Params& p, std::int64_t now);
  void write_order(std::string& out, const OrderView& o);
  void write_events(std::string& out, const std::vector<OrderEvent>& events);
  void count_outcome(const Outcome& o);

  // Websocket (venue_ws.cpp)
  ConnectionId ws_open(WsConnection* connection, std::int64_t now_ms);
  void ws_text(ConnectionId id, std::string_view text, std::int64_t now_ms);
  void ws_ping(ConnectionId id, std::int64_t now_ms);
  void ws_closed(ConnectionId id);
  void tick(std::int64_t now_ms, std::int64_t now_ns);
  void send(Conn& c, std::string_view text);
  void send_public(Conn& c, std::string_view text);  // subject to the malformed fault
  void publish(std::vector<Conn*>& subs, std::string_view text);
  void ws_subscribe(Conn& c, simdjson::dom::element msg, bool subscribe, std::int64_t now);
  void ws_private(Conn& c, simdjson::dom::element msg, std::string_view feed, PrivateFeed pf, bool subscribe,
                  std::int64_t now);
  void send_book_snapshot(Conn& c, const Instr& in);
  void send_trade_snapshot(Conn& c, const Instr& in);
  void format_ticker(std::string& out, const Instr& in, bool lite, std::int64_t now);
  void send_private_snapshot(Conn& c, PrivateFeed pf, AccountId account, std::int64_t now);
  void write_ws_order(std::string& out, const OrderView& o);
  void write_ws_fill(std::string& out, const FillEvent& f);
  void format_positions(std::string& out, AccountId account);
  void format_balances(std::string& out, AccountId account, bool snapshot, std::int64_t now);
  void format_margins(std::string& out, AccountId account);
  void flush_private(std::int64_t now);
  [[nodiscard]] bool frozen(const Instr& in, std::int64_t now) const noexcept;
  [[nodiscard]] bool malformed_next();
  // The public message as sent under the malformed-frame fault (cut in half when one is due).
  std::string_view maybe_malformed(std::string_view text);
  void close_connections(int which);  // 0 all, 1 private, 2 public

  // Helpers
  [[nodiscard]] Instr* find_instr(std::string_view symbol);
  [[nodiscard]] Key* find_key(std::string_view api_key);
  [[nodiscard]] Key* key_of_account(AccountId account);
  [[nodiscard]] double price_value(const Instr& in, Price p) const noexcept;
  [[nodiscard]] double currency_usd_value(std::string_view currency) const;
  // Sum of the long positions of every account (REST tickers, websocket ticker).
  [[nodiscard]] std::int64_t open_interest(const Instr& in) const;
  // The flex (multi-collateral) account's "currencies" members, shared by REST /accounts and the
  // balances feed, which name the collateral value differently (`collateral_key`) and end each
  // entry differently (`extra`, written before its closing brace). Returns the total USD value.
  double append_flex_currencies(std::string& out, const std::vector<Balance>& balances,
                                std::string_view collateral_key, std::string_view extra);

  config::SimConfig config_;
  VenueStats stats_{};
  std::unique_ptr<Exchange> exchange_{};
  std::unique_ptr<Activity> activity_{};
  bool activity_started_{false};
  AccountId maker_{0};
  AccountId taker_{0};
  std::vector<Instr> instrs_{};
  std::vector<Key> keys_{};
  Rng fault_rng_;
  std::int64_t clock_offset_ms_{0};

  // Run-time faults.
  double reject_fraction_{0.0};
  std::int64_t rest_delay_ms_{0};
  double rest_drop_fraction_{0.0};
  double malformed_fraction_{0.0};
  std::int64_t malformed_pending_{0};
  std::int64_t freeze_all_until_ms_{0};
  config::SimPrivateOrder private_order_{config::SimPrivateOrder::OrdersFirst};

  // Websocket state.
  std::unordered_map<ConnectionId, std::unique_ptr<Conn>> conns_{};
  ConnectionId next_conn_id_{1};
  std::int64_t next_heartbeat_ms_{0};
  std::int64_t next_ticker_ms_{0};
  std::string delta_buf_{};  // book/trade messages, formatted once per event
  simdjson::dom::parser parser_{};

  // Private messages of the current call, flushed in private_order_ at its end.
  std::vector<std::pair<ConnectionId, std::string>> pending_orders_{};
  std::vector<std::pair<ConnectionId, std::string>> pending_fills_{};
  std::vector<AccountId> dirty_positions_{};
  std::vector<AccountId> dirty_balances_{};
};

[[nodiscard]] const Params::value_type* find_param(const Params& p, std::string_view key) noexcept;
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;
// The tickers' 24h change in percent of `open` (0 without an open price).
[[nodiscard]] double change_percent(Price open, Price last) noexcept;
// Kraken's spelling of a currency in account answers ("XBT" for bitcoin, upper case).
[[nodiscard]] std::string kraken_currency(std::string_view c);
// The members of an account's plain balance map ("XBT":1.5,...): REST /accounts spells the keys in
// lower case (`lower_case`), the balances feed in upper case.
void append_holdings(std::string& out, const std::vector<Balance>& balances, bool lower_case);

}  // namespace tickpath::sim::detail
