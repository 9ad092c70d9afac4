#include "tickpath/oms/state_machine.hpp"

#include <array>
#include <cstring>
#include <set>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

using namespace tickpath::oms;

namespace {

constexpr std::array<OrderState, kOrderStateCount> kStates = {
    OrderState::PendingNew,    OrderState::Open,          OrderState::PartiallyFilled,
    OrderState::Filled,        OrderState::Cancelled,     OrderState::Rejected,
    OrderState::PendingModify, OrderState::PendingCancel, OrderState::Unknown};

// The specification, written independently of the production table: one row per state, one
// token per input (ModifySent CancelSent Placed Rejected Edited EditNoEffect EditRejected
// CancelRejected NotFound Timeout Fill FillComplete FillRemoval Cancelled).
//   I invalid, X ignore, R resting (Open / PartiallyFilled by fills), or the target state:
//   N PendingNew, O Open, P PartiallyFilled, F Filled, C Cancelled, J Rejected, M PendingModify,
//   K PendingCancel, U Unknown.
constexpr std::array<std::string_view, kOrderStateCount> kSpec = {
    "I I R J I I I I I U P F R C",  // PendingNew
    "M K X J X X X X X X P F O C",  // Open
    "M K X C X X X X X X P F P C",  // PartiallyFilled
    "I I X X X X X X X X I F X X",  // Filled
    "I I X X X X X X X X C F X X",  // Cancelled
    "I I X X X X X X X X C F X X",  // Rejected
    "I I X J R R R I U U M F M C",  // PendingModify
    "I I X J I I I R U U K F R C",  // PendingCancel
    "I I R J R I I I I I U F R C",  // Unknown
};

OrderState state_of(char c) {
  switch (c) {
    case 'N':
      return OrderState::PendingNew;
    case 'O':
      return OrderState::Open;
    case 'P':
      return OrderState::PartiallyFilled;
    case 'F':
      return OrderState::Filled;
    case 'C':
      return OrderState::Cancelled;
    case 'J':
      return OrderState::Rejected;
    case 'M':
      return OrderState::PendingModify;
    case 'K':
      return OrderState::PendingCancel;
    case 'U':
      return OrderState::Unknown;
    default:
      FAIL("bad spec token " << c);
  }
  return OrderState::PendingNew;
}

char token(std::size_t s, std::size_t i) {
  return kSpec[s][i * 2];
}

}  // namespace

TEST_CASE("every cell of the transition table matches the written specification") {
  std::size_t moves = 0;
  std::size_t invalid = 0;
  std::size_t ignored = 0;
  for (std::size_t s = 0; s < kOrderStateCount; ++s) {
    REQUIRE(kSpec[s].size() == kOrderInputCount * 2 - 1);
    for (std::size_t i = 0; i < kOrderInputCount; ++i) {
      const OrderState state = kStates[s];
      const auto input = static_cast<OrderInput>(i);
      const char t = token(s, i);
      CAPTURE(to_string(state), to_string(input), t);
      for (const bool has_fills : {false, true}) {
        const Step st = step(state, input, has_fills);
        REQUIRE(st.from == state);
        switch (t) {
          case 'I':
            REQUIRE(st.kind == TransitionKind::Invalid);
            REQUIRE_FALSE(st.valid());
            REQUIRE_FALSE(st.emits());
            REQUIRE(st.to == state);  // state unchanged
            break;
          case 'X':
            REQUIRE(st.kind == TransitionKind::Ignore);
            REQUIRE(st.valid());
            REQUIRE_FALSE(st.emits());  // no event
            REQUIRE(st.to == state);
            break;
          case 'R':
            REQUIRE(st.kind == TransitionKind::Resting);
            REQUIRE(st.emits());
            REQUIRE(st.to == (has_fills ? OrderState::PartiallyFilled : OrderState::Open));
            break;
          default:
            REQUIRE(st.kind == TransitionKind::Move);
            REQUIRE(st.emits());
            REQUIRE(st.to == state_of(t));
            break;
        }
      }
      moves += (t != 'I' && t != 'X') ? 1 : 0;
      invalid += t == 'I' ? 1 : 0;
      ignored += t == 'X' ? 1 : 0;
    }
  }
  REQUIRE(moves + invalid + ignored == kOrderStateCount * kOrderInputCount);
  REQUIRE(moves == 51);
  REQUIRE(invalid == 29);
  REQUIRE(ignored == 46);
}

TEST_CASE("terminal states never reopen and only a completing fill makes an order Filled") {
  for (const OrderState state : kStates) {
    for (std::size_t i = 0; i < kOrderInputCount; ++i) {
      const auto input = static_cast<OrderInput>(i);
      CAPTURE(to_string(state), to_string(input));
      for (const bool has_fills : {false, true}) {
        const Step st = step(state, input, has_fills);
        if (is_terminal(state)) {
          REQUIRE(is_terminal(st.to));
        }
        if (st.to == OrderState::Filled && state != OrderState::Filled) {
          REQUIRE(input == OrderInput::FillComplete);
        }
        if (input == OrderInput::FillRemoval || input == OrderInput::Fill) {
          // A fill-driven removal or a partial fill never reports a cancellation by itself,
          // except Rejected + fill: part of it traded, the rest was removed.
          if (st.to == OrderState::Cancelled && state != OrderState::Cancelled) {
            REQUIRE(input == OrderInput::Fill);
            REQUIRE(state == OrderState::Rejected);
          }
        }
      }
    }
  }
}

TEST_CASE("every non-terminal state is settled by a completing fill or a removal") {
  for (const OrderState state : kStates) {
    if (is_terminal(state)) {
      continue;
    }
    CAPTURE(to_string(state));
    REQUIRE(step(state, OrderInput::FillComplete, true).to == OrderState::Filled);
    REQUIRE(step(state, OrderInput::Cancelled, false).to == OrderState::Cancelled);
  }
}

TEST_CASE("a late fill turns a removal into the same final state as the fill arriving first") {
  // Removal then fill versus fill then removal, for a fill that does not complete the order.
  for (const OrderState start : {OrderState::PendingNew, OrderState::Open, OrderState::PendingCancel}) {
    CAPTURE(to_string(start));
    const OrderState removal_first =
        step(step(start, OrderInput::Cancelled, false).to, OrderInput::Fill, true).to;
    const OrderState fill_first =
        step(step(start, OrderInput::Fill, true).to, OrderInput::Cancelled, true).to;
    REQUIRE(removal_first == OrderState::Cancelled);
    REQUIRE(fill_first == OrderState::Cancelled);
    // And for a completing fill with a fill-driven removal.
    const OrderState a =
        step(step(start, OrderInput::FillRemoval, false).to, OrderInput::FillComplete, true).to;
    const OrderState b =
        step(step(start, OrderInput::FillComplete, true).to, OrderInput::FillRemoval, true).to;
    REQUIRE(a == OrderState::Filled);
    REQUIRE(b == OrderState::Filled);
  }
  // A rule rejection seen before the fill that traded part of an IOC.
  REQUIRE(step(OrderState::Rejected, OrderInput::Fill, true).to == OrderState::Cancelled);
}

TEST_CASE("inputs out of range are invalid rather than read past the table") {
  const Step st = step(OrderState::Open, OrderInput::Created, false);
  REQUIRE(st.kind == TransitionKind::Invalid);
  REQUIRE(st.to == OrderState::Open);
  REQUIRE(transition(static_cast<OrderState>(200), OrderInput::Fill).kind == TransitionKind::Invalid);
}

TEST_CASE("state machine names are distinct for every input and cell kind") {
  std::set<std::string> names;
  for (std::size_t i = 0; i < kEventCauseCount; ++i) {
    const char* n = to_string(static_cast<OrderInput>(i));
    REQUIRE(std::strcmp(n, "?") != 0);
    names.insert(n);
  }
  REQUIRE(names.size() == kEventCauseCount);
  REQUIRE(std::strcmp(to_string(TransitionKind::Resting), "resting") == 0);
  REQUIRE(std::strcmp(to_string(static_cast<OrderInput>(99)), "?") == 0);
}
