// Names of the state machine's inputs and cell kinds, for logs, alerts and the journal dump.

#include "tickpath/oms/state_machine.hpp"

namespace tickpath::oms {

// Every non-terminal state can reach a terminal one, and every terminal row keeps the state for
// anything but fills: checked here once so a bad edit of the table fails the build.
namespace {
constexpr bool table_is_sound() noexcept {
  for (std::size_t s = 0; s < kOrderStateCount; ++s) {
    const auto state = static_cast<OrderState>(s);
    for (std::size_t i = 0; i < kOrderInputCount; ++i) {
      const auto input = static_cast<OrderInput>(i);
      const Transition t = kTransitions[s][i];
      if (is_terminal(state) && t.kind == TransitionKind::Move && !is_terminal(t.to)) {
        return false;  // terminal states never reopen
      }
      if (is_terminal(state) && t.kind == TransitionKind::Resting) {
        return false;
      }
      if (t.kind == TransitionKind::Move && t.to == OrderState::Filled && input != OrderInput::FillComplete) {
        return false;  // only fills complete an order
      }
    }
    if (!is_terminal(state) &&
        kTransitions[s][static_cast<std::size_t>(OrderInput::FillComplete)].to != OrderState::Filled) {
      return false;
    }
  }
  return true;
}
static_assert(table_is_sound());
}  // namespace

const char* to_string(OrderInput input) noexcept {
  switch (input) {
    case OrderInput::ModifySent:
      return "modify_sent";
    case OrderInput::CancelSent:
      return "cancel_sent";
    case OrderInput::Placed:
      return "placed";
    case OrderInput::Rejected:
      return "rejected";
    case OrderInput::Edited:
      return "edited";
    case OrderInput::EditNoEffect:
      return "edit_no_effect";
    case OrderInput::EditRejected:
      return "edit_rejected";
    case OrderInput::CancelRejected:
      return "cancel_rejected";
    case OrderInput::NotFound:
      return "not_found";
    case OrderInput::Timeout:
      return "timeout";
    case OrderInput::Fill:
      return "fill";
    case OrderInput::FillComplete:
      return "fill_complete";
    case OrderInput::FillRemoval:
      return "fill_removal";
    case OrderInput::Cancelled:
      return "cancelled";
    case OrderInput::Created:
      return "created";
    case OrderInput::Adopted:
      return "adopted";
  }
  return "?";
}

const char* to_string(TransitionKind kind) noexcept {
  switch (kind) {
    case TransitionKind::Invalid:
      return "invalid";
    case TransitionKind::Ignore:
      return "ignore";
    case TransitionKind::Move:
      return "move";
    case TransitionKind::Resting:
      return "resting";
  }
  return "?";
}

}  // namespace tickpath::oms
