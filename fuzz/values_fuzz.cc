// Money, Currency, Gtin and Quantity parsing over any text, and their round trips.
// Oracle: whatever parses formats without overflow and parses back to the same value (a
// price from its feed form, a barcode from its digits, a quantity from its display form and
// its total from its feed form); a quantity stays within Quantity's limits.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/gtin.h"
#include "common/money.h"
#include "common/quantity.h"
#include "fuzz_check.h"

namespace {

void CheckMoney(std::string_view text) {
  auto money = vitrine::Money::Parse(text);
  if (!money.ok()) return;
  const std::string feed = money->ToFeedString();
  auto again = vitrine::Money::Parse(feed);
  FUZZ_CHECK(again.ok() && *again == *money, "\"%s\" -> \"%s\" does not parse back",
             std::string(text).c_str(), feed.c_str());
  FUZZ_CHECK(!money->ToFrenchDisplay().empty(), "empty display");
}

void CheckGtin(std::string_view text) {
  auto gtin = vitrine::Gtin::Parse(text);
  if (!gtin.ok()) return;
  const std::string& digits = gtin->digits();
  FUZZ_CHECK(
      digits.size() == 8 || digits.size() == 12 || digits.size() == 13 || digits.size() == 14,
      "%zu digits", digits.size());
  FUZZ_CHECK(vitrine::Gtin::CheckDigit(digits.substr(0, digits.size() - 1)) == digits.back() - '0',
             "check digit of %s", digits.c_str());
  FUZZ_CHECK(gtin->ToGtin14().size() == 14, "GTIN-14 of %s", digits.c_str());
  auto again = vitrine::Gtin::Parse(digits);
  FUZZ_CHECK(again.ok() && *again == *gtin, "%s does not parse back", digits.c_str());
}

void CheckQuantity(std::string_view text) {
  auto q = vitrine::Quantity::Parse(text);
  if (!q.ok()) return;
  const int64_t limit = vitrine::kMaxQuantityBaseUnits * 1000;
  FUZZ_CHECK(q->per_item_milli_base() > 0 && q->per_item_milli_base() <= limit &&
                 q->total_milli_base() <= limit,
             "\"%s\": %lld per item, %lld in total", std::string(text).c_str(),
             static_cast<long long>(q->per_item_milli_base()),
             static_cast<long long>(q->total_milli_base()));
  FUZZ_CHECK(q->pack_count() >= 1 && q->pack_count() <= vitrine::kMaxPackCount, "%d packs",
             q->pack_count());
  const std::string display = q->ToDisplayString();
  auto shown = vitrine::Quantity::Parse(display);
  FUZZ_CHECK(shown.ok() && *shown == *q, "\"%s\" -> \"%s\" does not parse back",
             std::string(text).c_str(), display.c_str());
  const std::string feed = q->ToFeedString();
  auto fed = vitrine::Quantity::Parse(feed);
  FUZZ_CHECK(fed.ok() && fed->total_milli_base() == q->total_milli_base() &&
                 fed->dimension() == q->dimension(),
             "\"%s\" -> \"%s\" does not parse back", std::string(text).c_str(), feed.c_str());
  FUZZ_CHECK(q->UnitPricingBase().dimension() == q->dimension(), "unit pricing base");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckMoney(text);
  if (size >= 3) {
    auto currency = vitrine::Currency::Parse(text.substr(0, 3));
    if (currency.ok()) {
      FUZZ_CHECK(currency->code().size() == 3, "currency code");
      auto money = vitrine::Money::Parse(text.substr(3), *currency);
      if (money.ok()) CheckMoney(money->ToFeedString());
    }
  }
  CheckGtin(text);
  CheckQuantity(text);
  return 0;
}
