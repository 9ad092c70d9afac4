#pragma once
// The order state machine as an explicit table: kTransitions[state][input] says what every input
// does in every state. The OMS (oms/oms.hpp) turns requests, REST answers, private-feed messages,
// fills and reconciliation results into these inputs, looks the cell up, and publishes every
// move as an OrderEvent (for the strategy and the journal).
//
// Cells are one of:
//   Move(s)  go to s (possibly the same state: a fill in PartiallyFilled) and emit an event
//   Resting  go to Open when nothing is filled yet, else PartiallyFilled, and emit an event
//   Ignore   a late or repeated input that tells nothing new: no change, no event
//   Invalid  cannot happen if the venue and the OMS behave: counted and alerted, no change
//
// What the table encodes (kraken-futures-protocol.md §5.5-5.9, §5.13, §6.10-6.11, §7.2, §9.11-18):
//   * Quantities come from fills only. The OMS picks Fill or FillComplete by comparing the filled
//     quantity with the order's size, so "complete" never depends on an open_orders removal.
//   * FillRemoval (open_orders is_cancel + full_fill, a cancel answered `filled`, a send whose
//     executions cover the order) never makes an order Cancelled or Filled: the order leaves the
//     venue's open set and waits for its fills (which may come before or after) to complete it.
//   * Terminal states absorb everything but fills. A late fill refines them: Cancelled/Rejected +
//     FillComplete -> Filled, Rejected + Fill -> Cancelled (part filled, the rest removed), so the
//     final state does not depend on whether the fill or the removal came first.
//   * A venue rule removal (post-only or IOC failure, self-trade, reduce-only) is Rejected while
//     nothing is filled; the OMS sends Cancelled instead once something is.
//   * A request whose answer never came (timeout, dropped connection, unreadable answer) and a
//     modify/cancel the venue answered notFound leave the order Unknown until the private feed, a
//     fill or reconciliation settles it (Placed / Edited / Cancelled / Rejected / FillComplete).
//   * An edit that changed nothing (`edited` + EDIT_HAS_NO_EFFECT) or was refused returns the order
//     to Open/PartiallyFilled. So does a refused cancel.
//   * Answers that arrive after the feed has already moved the order on are Ignore: the OMS only
//     feeds a REST answer to the table when that request is the order's one in flight.
//
// Pure constexpr data and functions: any thread, no allocation.

#include <array>
#include <cstddef>
#include <cstdint>

#include "tickpath/oms/types.hpp"

namespace tickpath::oms {

// The state machine's inputs. The first kOrderInputCount index the table; Created and Adopted are
// event causes outside it (an order record coming into existence).
enum class OrderInput : std::uint8_t {
  ModifySent = 0,  // we sent an edit
  CancelSent,      // we sent a cancel (or a cancel-all covering the order)
  Placed,          // the venue has it open: send answer placed, open_orders entry, /openorders row
  Rejected,        // the venue refused it or removed it for a rule, nothing filled
  Edited,          // an edit was applied (editStatus edited/filled, open_orders edited_by_user)
  EditNoEffect,    // editStatus edited with REJECT EDIT_HAS_NO_EFFECT
  EditRejected,    // the edit was refused or never sent
  CancelRejected,  // the cancel was refused or never sent
  NotFound,        // a cancel/edit answered that the venue does not have the order open
  Timeout,         // a request's outcome is unknown (no answer, dropped connection, unreadable)
  Fill,            // a new fill; the order is not complete
  FillComplete,    // a new fill completes the order (or reconciliation finds the fills cover it)
  FillRemoval,     // the venue removed it because it filled: wait for the fills
  Cancelled,       // removed with quantity left: cancel, dead man's switch, admin, expiry, ...
  Created,         // (not a table input) submit() made the record, state PendingNew
  Adopted,         // (not a table input) reconciliation took over an order found at the venue
};
inline constexpr std::size_t kOrderInputCount = 14;  // table columns: ModifySent .. Cancelled
inline constexpr std::size_t kEventCauseCount = 16;  // every OrderInput value

enum class TransitionKind : std::uint8_t { Invalid = 0, Ignore, Move, Resting };

struct Transition {
  TransitionKind kind{TransitionKind::Invalid};
  OrderState to{OrderState::PendingNew};  // Move only

  friend constexpr bool operator==(const Transition&, const Transition&) noexcept = default;
};

namespace detail {
inline constexpr Transition kI{TransitionKind::Invalid, OrderState::PendingNew};
inline constexpr Transition kX{TransitionKind::Ignore, OrderState::PendingNew};
inline constexpr Transition kR{TransitionKind::Resting, OrderState::PendingNew};
[[nodiscard]] constexpr Transition mv(OrderState s) noexcept {
  return {TransitionKind::Move, s};
}
inline constexpr Transition kNew = mv(OrderState::PendingNew);
inline constexpr Transition kOpen = mv(OrderState::Open);
inline constexpr Transition kPart = mv(OrderState::PartiallyFilled);
inline constexpr Transition kFilled = mv(OrderState::Filled);
inline constexpr Transition kCanc = mv(OrderState::Cancelled);
inline constexpr Transition kRej = mv(OrderState::Rejected);
inline constexpr Transition kPMod = mv(OrderState::PendingModify);
inline constexpr Transition kPCan = mv(OrderState::PendingCancel);
inline constexpr Transition kUnkn = mv(OrderState::Unknown);
}  // namespace detail

using TransitionRow = std::array<Transition, kOrderInputCount>;

// Rows by OrderState, columns by OrderInput (ModifySent .. Cancelled).
// clang-format off
inline constexpr std::array<TransitionRow, kOrderStateCount> kTransitions = [] {
  using namespace detail;
  std::array<TransitionRow, kOrderStateCount> t{};
  //                   ModifySent CancelSent Placed Rejected Edited EditNoEff EditRej CancelRej NotFound Timeout Fill   FillCompl FillRemoval Cancelled
  t[0] /*PendingNew*/ = {kI,      kI,        kR,    kRej,    kI,    kI,       kI,     kI,       kI,      kUnkn,  kPart, kFilled,  kR,         kCanc};
  t[1] /*Open*/       = {kPMod,   kPCan,     kX,    kRej,    kX,    kX,       kX,     kX,       kX,      kX,     kPart, kFilled,  kOpen,      kCanc};
  t[2] /*PartFilled*/ = {kPMod,   kPCan,     kX,    kCanc,   kX,    kX,       kX,     kX,       kX,      kX,     kPart, kFilled,  kPart,      kCanc};
  t[3] /*Filled*/     = {kI,      kI,        kX,    kX,      kX,    kX,       kX,     kX,       kX,      kX,     kI,    kFilled,  kX,         kX};
  t[4] /*Cancelled*/  = {kI,      kI,        kX,    kX,      kX,    kX,       kX,     kX,       kX,      kX,     kCanc, kFilled,  kX,         kX};
  t[5] /*Rejected*/   = {kI,      kI,        kX,    kX,      kX,    kX,       kX,     kX,       kX,      kX,     kCanc, kFilled,  kX,         kX};
  t[6] /*PendModify*/ = {kI,      kI,        kX,    kRej,    kR,    kR,       kR,     kI,       kUnkn,   kUnkn,  kPMod, kFilled,  kPMod,      kCanc};
  t[7] /*PendCancel*/ = {kI,      kI,        kX,    kRej,    kI,    kI,       kI,     kR,       kUnkn,   kUnkn,  kPCan, kFilled,  kR,         kCanc};
  t[8] /*Unknown*/    = {kI,      kI,        kR,    kRej,    kR,    kI,       kI,     kI,       kI,      kI,     kUnkn, kFilled,  kR,         kCanc};
  return t;
}();
// clang-format on

[[nodiscard]] constexpr Transition transition(OrderState state, OrderInput input) noexcept {
  const auto s = static_cast<std::size_t>(state);
  const auto i = static_cast<std::size_t>(input);
  if (s >= kOrderStateCount || i >= kOrderInputCount) {
    return detail::kI;
  }
  return kTransitions[s][i];
}

// One step: where the order goes and whether that is an event.
struct Step {
  OrderState from{OrderState::PendingNew};
  OrderState to{OrderState::PendingNew};
  TransitionKind kind{TransitionKind::Invalid};

  [[nodiscard]] constexpr bool valid() const noexcept { return kind != TransitionKind::Invalid; }
  [[nodiscard]] constexpr bool emits() const noexcept {
    return kind == TransitionKind::Move || kind == TransitionKind::Resting;
  }
};

// has_fills: the order's filled quantity is > 0 (decides Open vs PartiallyFilled for Resting).
[[nodiscard]] constexpr Step step(OrderState state, OrderInput input, bool has_fills) noexcept {
  const Transition t = transition(state, input);
  switch (t.kind) {
    case TransitionKind::Move:
      return {state, t.to, t.kind};
    case TransitionKind::Resting:
      return {state, has_fills ? OrderState::PartiallyFilled : OrderState::Open, t.kind};
    case TransitionKind::Ignore:
    case TransitionKind::Invalid:
      break;
  }
  return {state, state, t.kind};
}

[[nodiscard]] const char* to_string(OrderInput input) noexcept;
[[nodiscard]] const char* to_string(TransitionKind kind) noexcept;

}  // namespace tickpath::oms
