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
    case ChangeKind::kAll:
      return "all";
  }
  return "products";
}

std::optional<ChangeKind> ParseChangeKind(std::string_view name) {
  for (ChangeKind kind : {ChangeKind::kProducts, ChangeKind::kStores, ChangeKind::kStock,
                          ChangeKind::kCampaign, ChangeKind::kAll}) {
    if (ChangeKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string StockChangeKey(std::string_view product_id, std::string_view store_id) {
  std::string key;
  key.reserve(product_id.size() + 1 + store_id.size());
  key.append(product_id).append(1, '|').append(store_id);
  return key;
}

std::optional<std::pair<std::string_view, std::string_view>> SplitStockChangeKey(
    std::string_view key) {
  const size_t bar = key.find('|');
  if (bar == std::string_view::npos) return std::nullopt;
  return std::pair{key.substr(0, bar), key.substr(bar + 1)};
}

}  // namespace vitrine
