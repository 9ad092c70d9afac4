#pragma once
// Client order ids (Kraken `cliOrdId`): allocated by the engine, unique across restarts, and short
// enough for every rule we know of (kraken-futures-protocol.md §5.5, §9.14: the documentation
// allows 100 characters, 20 are proven on the wire, nautilus_trader truncates to 18). Ours are
// exactly kLength = 18 characters of [0-9a-z], three fixed-width base-36 fields:
//
//   tttttttt rrrr cccccc
//   |        |    +-- counter: 6 digits, 1 .. 36^6 - 1 (2.18e9), per allocator, never reused
//   |        +------- random: 4 digits (36^4 = 1'679'616 values, ~20.7 bits) from getrandom(2)
//   +---------------- session start: wall clock in ms since the epoch, 8 digits (until 2059)
//
// Uniqueness argument:
//   * Fixed widths make the text an injective function of (start_ms, random, counter).
//   * Within one allocator the counter only increases and stops (next() fails) before it would
//     wrap, so no id repeats. The allocator is move-only: a copy would repeat the counter.
//   * Two allocators (a restart, a second engine on the same account) share ids only if their
//     session parts are equal: both started in the same millisecond (a restart normally starts
//     later; only a wall clock stepped back or two simultaneous starts allow it) AND drew the same
//     random value, 1 in 1.68e6 given the first. The venue checks as well: a repeat comes back as
//     clientOrderIdAlreadyExist, a reject handled as data.
//   * Ids of other sessions (older runs, other tools) never parse as ours (session part differs),
//     so reconciliation sees them as orders it does not know.
//
// Lookup: counter_of() recovers the counter from an id of this session in O(1) (no map); the OMS
// uses the counter as its OrderId.
//
// Threads: one owner (the OMS on the hot thread). from_clock() is cold (a syscall); everything
// else is noexcept, allocation-free and syscall-free.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tickpath/oms/types.hpp"

namespace tickpath::oms {

class ClientIdAllocator {
 public:
  static constexpr std::size_t kTimeDigits = 8;
  static constexpr std::size_t kRandomDigits = 4;
  static constexpr std::size_t kCounterDigits = 6;
  static constexpr std::size_t kSessionLength = kTimeDigits + kRandomDigits;
  static constexpr std::size_t kLength = kSessionLength + kCounterDigits;  // 18
  static constexpr std::uint64_t kTimeLimit = 2'821'109'907'456ULL;        // 36^8
  static constexpr std::uint32_t kRandomLimit = 1'679'616U;                // 36^4
  static constexpr std::uint64_t kMaxCounter = 2'176'782'335ULL;           // 36^6 - 1

  struct Allocated {
    std::uint64_t counter{0};  // 0: exhausted, cli is empty
    ClientOrderId cli{};
  };

  // A session from the wall clock (ms) and 32 bits of getrandom(2), reduced modulo kRandomLimit.
  // Cold. Throws std::system_error when getrandom fails.
  [[nodiscard]] static ClientIdAllocator from_clock();

  // A session from explicit parts (tests, replays): start_ms is reduced modulo kTimeLimit and
  // random modulo kRandomLimit. The first next() gives first_counter (clamped to >= 1).
  ClientIdAllocator(std::uint64_t start_ms, std::uint32_t random, std::uint64_t first_counter = 1) noexcept;

  ClientIdAllocator(ClientIdAllocator&&) noexcept = default;
  ClientIdAllocator& operator=(ClientIdAllocator&&) noexcept = default;
  ClientIdAllocator(const ClientIdAllocator&) = delete;
  ClientIdAllocator& operator=(const ClientIdAllocator&) = delete;
  ~ClientIdAllocator() = default;

  // The next id and its counter; {0, empty} once the counter space is used up (after kMaxCounter
  // ids: 1.4 years at 50 orders per second, more than the venue's budget allows).
  [[nodiscard]] Allocated next() noexcept;

  // The id of `counter` in this session (empty when counter is 0 or > kMaxCounter).
  [[nodiscard]] ClientOrderId format(std::uint64_t counter) const noexcept;

  // The counter inside an id of this session, or 0 when the id is not one of ours (another
  // session, another length, characters outside [0-9a-z], a counter of 0).
  [[nodiscard]] std::uint64_t counter_of(std::string_view cli) const noexcept;
  [[nodiscard]] std::uint64_t counter_of(const ClientOrderId& cli) const noexcept {
    return counter_of(cli.view());
  }

  // The session start this allocator was made with (ms since the epoch, modulo kTimeLimit): the
  // OMS treats fills older than this as history of earlier runs.
  [[nodiscard]] std::uint64_t start_ms() const noexcept { return start_ms_; }
  [[nodiscard]] std::uint32_t random() const noexcept { return random_; }
  // The 12-character session prefix every id of this allocator starts with.
  [[nodiscard]] std::string_view session() const noexcept { return {session_, kSessionLength}; }
  // The counter next() gives next (kMaxCounter + 1 when exhausted).
  [[nodiscard]] std::uint64_t peek() const noexcept { return next_; }

 private:
  std::uint64_t start_ms_;
  std::uint32_t random_;
  std::uint64_t next_;
  char session_[kSessionLength];
};

}  // namespace tickpath::oms
