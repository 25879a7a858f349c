// The JSON forms of campaigns, promotions, mechanics, reviews and pending revisions, as the
// API reads them from request bodies and the store reads them back from its rows.
// Oracle: reading never throws; every field error is named by its JSON path; whatever
// decodes (a mechanic, a review, a revision) encodes to JSON that decodes to the same JSON,
// and what ReadCampaign / ReadPromotion accepted serialises.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "offers/campaign_json.h"

namespace {

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void CheckFieldErrors(const std::vector<vitrine::FieldError>& errors) {
  for (const vitrine::FieldError& e : errors) {
    // The field is the JSON path, empty only for a key that is itself "".
    FUZZ_CHECK(!e.field.empty() || e.message.find("field") != std::string::npos,
               "error without a field: %s", e.message.c_str());
    FUZZ_CHECK(!e.message.empty(), "error on %s without a message", e.field.c_str());
  }
}

template <typename T, typename Decode>
void CheckRoundTrip(const nlohmann::json& json, Decode decode, const char* what) {
  auto value = decode(json);
  if (!value.ok()) {
    FUZZ_CHECK(!value.status().message().empty(), "%s refused without a message", what);
    return;
  }
  const nlohmann::json encoded = vitrine::ToJson(*value);
  auto again = decode(encoded);
  FUZZ_CHECK(again.ok(), "%s does not decode its own form: %s", what,
             again.status().ToString().c_str());
  FUZZ_CHECK(vitrine::ToJson(*again) == encoded, "%s round trip: %s", what,
             Dump(encoded).substr(0, 300).c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;
  const nlohmann::json json =
      nlohmann::json::parse(data, data + size, /*callback=*/nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;

  std::vector<vitrine::FieldError> errors;
  vitrine::Campaign campaign;
  vitrine::ReadCampaign(json, &campaign, &errors);
  CheckFieldErrors(errors);
  if (errors.empty()) Dump(vitrine::ToJson(campaign));

  errors.clear();
  vitrine::Promotion promotion;
  vitrine::ReadPromotion(json, &promotion, &errors);
  CheckFieldErrors(errors);
  if (errors.empty()) Dump(vitrine::ToJson(promotion));

  errors.clear();
  vitrine::Mechanic mechanic;
  vitrine::ReadMechanic(json, "mechanic", &mechanic, &errors);
  CheckFieldErrors(errors);

  CheckRoundTrip<vitrine::Mechanic>(
      json, [](const nlohmann::json& j) { return vitrine::MechanicFromJson(j); }, "mechanic");
  CheckRoundTrip<vitrine::CampaignReview>(
      json, [](const nlohmann::json& j) { return vitrine::CampaignReviewFromJson(j); }, "review");
  CheckRoundTrip<vitrine::CampaignRevision>(
      json, [](const nlohmann::json& j) { return vitrine::CampaignRevisionFromJson(j); },
      "revision");
  return 0;
}
