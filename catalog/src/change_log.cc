#include "catalog/change_log.h"

namespace vitrine {

std::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kProducts:
      return "products";
    case ChangeKind::kStores:
      return "stores";
    case ChangeKind::kStock:
      return "stock";
    case ChangeKind::kCampaign:
      return "campaign";
  }
  return "products";
}

std::optional<ChangeKind> ParseChangeKind(std::string_view name) {
  for (ChangeKind kind :
       {ChangeKind::kProducts, ChangeKind::kStores, ChangeKind::kStock, ChangeKind::kCampaign}) {
    if (ChangeKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace vitrine
