// Names of the order vocabulary, for logs, reports and the journal dump.

#include "tickpath/oms/types.hpp"

namespace tickpath::oms {

const char* to_string(OrderType t) noexcept {
  switch (t) {
    case OrderType::Limit:
      return "limit";
    case OrderType::PostOnly:
      return "post_only";
    case OrderType::Ioc:
      return "ioc";
    case OrderType::Market:
      return "market";
  }
  return "?";
}

const char* to_string(OrderState s) noexcept {
  switch (s) {
    case OrderState::PendingNew:
      return "pending_new";
    case OrderState::Open:
      return "open";
    case OrderState::PartiallyFilled:
      return "partially_filled";
    case OrderState::Filled:
      return "filled";
    case OrderState::Cancelled:
      return "cancelled";
    case OrderState::Rejected:
      return "rejected";
    case OrderState::PendingModify:
      return "pending_modify";
    case OrderState::PendingCancel:
      return "pending_cancel";
    case OrderState::Unknown:
      return "unknown";
  }
  return "?";
}

const char* to_string(ActionKind k) noexcept {
  switch (k) {
    case ActionKind::New:
      return "new";
    case ActionKind::Modify:
      return "modify";
    case ActionKind::Cancel:
      return "cancel";
    case ActionKind::CancelAll:
      return "cancel_all";
  }
  return "?";
}

const char* to_string(VenueStatus s) noexcept {
  switch (s) {
    case VenueStatus::Unknown:
      return "unknown";
    case VenueStatus::Placed:
      return "placed";
    case VenueStatus::PartiallyFilled:
      return "partiallyFilled";
    case VenueStatus::Filled:
      return "filled";
    case VenueStatus::Cancelled:
      return "cancelled";
    case VenueStatus::Edited:
      return "edited";
    case VenueStatus::NotFound:
      return "notFound";
    case VenueStatus::NoOrdersToCancel:
      return "noOrdersToCancel";
    case VenueStatus::InvalidOrderType:
      return "invalidOrderType";
    case VenueStatus::InvalidSide:
      return "invalidSide";
    case VenueStatus::InvalidSize:
      return "invalidSize";
    case VenueStatus::InvalidPrice:
      return "invalidPrice";
    case VenueStatus::InsufficientAvailableFunds:
      return "insufficientAvailableFunds";
    case VenueStatus::SelfFill:
      return "selfFill";
    case VenueStatus::TooManySmallOrders:
      return "tooManySmallOrders";
    case VenueStatus::TooManyOrders:
      return "tooManyOrders";
    case VenueStatus::MaxPositionViolation:
      return "maxPositionViolation";
    case VenueStatus::MarketSuspended:
      return "marketSuspended";
    case VenueStatus::MarketInactive:
      return "marketInactive";
    case VenueStatus::MarketIsPostOnly:
      return "marketIsPostOnly";
    case VenueStatus::ClientOrderIdAlreadyExist:
      return "clientOrderIdAlreadyExist";
    case VenueStatus::ClientOrderIdTooLong:
      return "clientOrderIdTooLong";
    case VenueStatus::ClientOrderIdTooBig:
      return "clientOrderIdTooBig";
    case VenueStatus::ClientOrderIdInvalid:
      return "clientOrderIdInvalid";
    case VenueStatus::OutsidePriceCollar:
      return "outsidePriceCollar";
    case VenueStatus::WouldIncreasePriceDislocation:
      return "wouldIncreasePriceDislocation";
    case VenueStatus::PostWouldExecute:
      return "postWouldExecute";
    case VenueStatus::IocWouldNotExecute:
      return "iocWouldNotExecute";
    case VenueStatus::WouldCauseLiquidation:
      return "wouldCauseLiquidation";
    case VenueStatus::WouldNotReducePosition:
      return "wouldNotReducePosition";
    case VenueStatus::OrderForEditNotFound:
      return "orderForEditNotFound";
    case VenueStatus::OrderForEditNotAStop:
      return "orderForEditNotAStop";
    case VenueStatus::FixedLeverageTooHigh:
      return "fixedLeverageTooHigh";
    case VenueStatus::CannotEditTriggerPriceOfTrailingStop:
      return "cannotEditTriggerPriceOfTrailingStop";
    case VenueStatus::CannotEditLimitPriceOfTrailingStop:
      return "cannotEditLimitPriceOfTrailingStop";
    case VenueStatus::WouldProcessAfterSpecifiedTime:
      return "wouldProcessAfterSpecifiedTime";
  }
  return "?";
}

const char* to_string(RequestError e) noexcept {
  switch (e) {
    case RequestError::None:
      return "none";
    case RequestError::Timeout:
      return "timeout";
    case RequestError::ConnectionLost:
      return "connection_lost";
    case RequestError::NotSent:
      return "not_sent";
    case RequestError::ApiLimitExceeded:
      return "api_limit_exceeded";
    case RequestError::AuthenticationError:
      return "authentication_error";
    case RequestError::NonceBelowThreshold:
      return "nonce_below_threshold";
    case RequestError::NonceDuplicate:
      return "nonce_duplicate";
    case RequestError::InvalidArgument:
      return "invalid_argument";
    case RequestError::NotFound:
      return "not_found";
    case RequestError::ServerError:
      return "server_error";
    case RequestError::NotJson:
      return "not_json";
    case RequestError::Malformed:
      return "malformed";
    case RequestError::Other:
      return "other";
  }
  return "?";
}

const char* to_string(RequestKind k) noexcept {
  switch (k) {
    case RequestKind::SendOrder:
      return "send_order";
    case RequestKind::EditOrder:
      return "edit_order";
    case RequestKind::CancelOrder:
      return "cancel_order";
    case RequestKind::CancelAll:
      return "cancel_all";
    case RequestKind::CancelAllAfter:
      return "cancel_all_after";
    case RequestKind::BatchOrder:
      return "batch_order";
    case RequestKind::OpenOrders:
      return "open_orders";
    case RequestKind::OpenPositions:
      return "open_positions";
    case RequestKind::Fills:
      return "fills";
    case RequestKind::OrdersStatus:
      return "orders_status";
    case RequestKind::Accounts:
      return "accounts";
  }
  return "?";
}

const char* to_string(UpdateReason r) noexcept {
  switch (r) {
    case UpdateReason::Unknown:
      return "unknown";
    case UpdateReason::NewPlacedOrderByUser:
      return "new_placed_order_by_user";
    case UpdateReason::PartialFill:
      return "partial_fill";
    case UpdateReason::FullFill:
      return "full_fill";
    case UpdateReason::CancelledByUser:
      return "cancelled_by_user";
    case UpdateReason::CancelledByAdmin:
      return "cancelled_by_admin";
    case UpdateReason::DeadManSwitch:
      return "dead_man_switch";
    case UpdateReason::ContractExpired:
      return "contract_expired";
    case UpdateReason::NotEnoughMargin:
      return "not_enough_margin";
    case UpdateReason::MarketInactive:
      return "market_inactive";
    case UpdateReason::Liquidation:
      return "liquidation";
    case UpdateReason::StopOrderTriggered:
      return "stop_order_triggered";
    case UpdateReason::LimitOrderFromStop:
      return "limit_order_from_stop";
    case UpdateReason::IocWouldNotExecute:
      return "ioc_would_not_execute";
    case UpdateReason::PostWouldExecute:
      return "post_would_execute";
    case UpdateReason::WouldExecuteSelf:
      return "would_execute_self";
    case UpdateReason::WouldNotReducePosition:
      return "would_not_reduce_position";
    case UpdateReason::OrderForEditNotFound:
      return "order_for_edit_not_found";
    case UpdateReason::EditedByUser:
      return "edited_by_user";
  }
  return "?";
}

const char* to_string(Liquidity l) noexcept {
  switch (l) {
    case Liquidity::Unknown:
      return "unknown";
    case Liquidity::Maker:
      return "maker";
    case Liquidity::Taker:
      return "taker";
    case Liquidity::Other:
      return "other";
  }
  return "?";
}

}  // namespace tickpath::oms
