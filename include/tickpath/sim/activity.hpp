#pragma once
// The background market: house accounts that keep each instrument's book populated and moving and
// that trade against resting orders, so a strategy's orders do get filled. Every change goes
// through the matching engine (exchange.hpp) as ordinary orders, so the public feed the simulator
// publishes is always consistent (contiguous seq, never crossed, deltas match the book).
//
//   Random: a seeded random walk of a fair price; a maker keeps `levels` price levels per side
//           around it and changes their sizes at deltas_per_second; a taker sends IOC orders at
//           trades_per_second that take the best level(s).
//   Replay: plays a recorded session (JSON lines of frames or a cryptofeed raw capture) with the
//           original or scaled timing: the maker's resting size at each price follows the
//           recorded book, recorded trades are replayed as taker orders.
//
// Random sizes: each order is worth about 100 to 25 000 USD of notional (log-uniform), converted to
// lots with the instrument's size step (and, for linear PF_/FF_, the fair price). Rates are per
// instrument. A maker level change is one request that changes one book level; orders the maker
// must cancel when the fair price moves count against deltas_per_second. The maker quotes around
// an anchor that follows the fair price with hysteresis (a band of about
// (volatility * price)^2 / (deltas_per_second / 4) ticks, 1 .. levels / 2), so recentring costs
// about a quarter of the delta budget. The maker's open orders: about 1.3 per level, at most 4.
//
// Replay: frames with a receive time play at (time - first time) / replay_speed after
// make_activity; frames without one (JSON lines) play at deltas_per_second * replay_speed frames
// per second (every frame at once when that is 0); replay_speed 0 plays as fast as the per-call
// cap allows. A product's deltas and trades are played only after its first book_snapshot (from the
// start when the file has none for it). Off-grid values are skipped and counted.
//
// Threads: not thread-safe; driven by the simulator's event-loop thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "tickpath/config/config.hpp"
#include "tickpath/sim/exchange.hpp"

namespace tickpath::sim {

// What an activity has done since it was made (tests, the control endpoint's state).
struct ActivityStats {
  std::uint64_t orders{0};        // requests sent to the exchange: send, edit, cancel
  std::uint64_t book_actions{0};  // random: maker level changes made; replay: book frames played
  std::uint64_t trades{0};        // taker IOC orders sent
  std::uint64_t recentred{0};     // random: maker orders cancelled because the fair price moved
  std::uint64_t off_grid{0};      // replay: prices/sizes off the instrument's grid (value skipped)
  std::uint64_t skipped{0};       // replay: frames not played (no level change, not yet synced)
  std::uint64_t loops{0};         // replay: times the file started over
};

class Activity {
 public:
  virtual ~Activity() = default;
  // Does the work due by now_ns (monotonic) and returns the number of orders it sent. now_ms is
  // the wall clock given to the exchange. Work is capped per call so one late call cannot stall
  // the event loop; what is left is done on later calls.
  virtual std::size_t step(std::int64_t now_ns, std::int64_t now_ms) = 0;
  // True when a replay has played its whole file (and does not loop).
  [[nodiscard]] virtual bool finished() const noexcept { return false; }
  [[nodiscard]] virtual ActivityStats stats() const noexcept { return {}; }
};

// The maker and taker are house accounts created by the caller (with self-trading allowed); the
// activity covers every instrument of the exchange. Throws std::runtime_error when a replay file
// cannot be read or names none of the exchange's instruments.
[[nodiscard]] std::unique_ptr<Activity> make_activity(const config::SimMarketConfig& config,
                                                      std::uint64_t seed, Exchange& exchange, AccountId maker,
                                                      AccountId taker, std::int64_t now_ns,
                                                      std::int64_t now_ms);

}  // namespace tickpath::sim
