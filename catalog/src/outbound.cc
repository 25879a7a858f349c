#include "catalog/outbound.h"

namespace vitrine {

std::string_view DestinationKindName(DestinationKind kind) {
  switch (kind) {
    case DestinationKind::kWebhook:
      return "webhook";
    case DestinationKind::kHttpPush:
      return "http_push";
    case DestinationKind::kSftpPush:
      return "sftp_push";
  }
  return "webhook";
}

std::optional<DestinationKind> ParseDestinationKind(std::string_view name) {
  for (DestinationKind kind :
       {DestinationKind::kWebhook, DestinationKind::kHttpPush, DestinationKind::kSftpPush}) {
    if (DestinationKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view DeliveryStateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kInflight:
      return "inflight";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kFailed:
      return "failed";
    case DeliveryState::kCancelled:
      return "cancelled";
  }
  return "pending";
}

std::optional<DeliveryState> ParseDeliveryState(std::string_view name) {
  for (DeliveryState state :
       {DeliveryState::kPending, DeliveryState::kInflight, DeliveryState::kDelivered,
        DeliveryState::kFailed, DeliveryState::kCancelled}) {
    if (DeliveryStateName(state) == name) return state;
  }
  return std::nullopt;
}

}  // namespace vitrine
