#include "offers/campaign_json.h"

#include <date/date.h>

#include <cmath>

namespace vitrine {
namespace {

using nlohmann::json;

std::string FormatLocal(LocalTime t) {
  const auto days = std::chrono::floor<std::chrono::days>(t.time_since_epoch());
  const date::year_month_day ymd{date::sys_days(days)};
  const auto rest = t.time_since_epoch() - days;
  const auto h = std::chrono::duration_cast<std::chrono::hours>(rest);
  const auto m = std::chrono::duration_cast<std::chrono::minutes>(rest - h);
  const auto s = rest - h - m;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(h.count()), static_cast<long>(m.count()),
                static_cast<long>(s.count()));
  return buf;
}

// "2026-12-02T00:00" or "2026-12-02T00:00:00" or "2026-12-02": a wall-clock time, no offset.
std::optional<LocalTime> ParseLocal(const std::string& text) {
  if (text.find_first_of("Zz+") != std::string::npos ||
      (text.size() > 19 && text.find('-', 19) != std::string::npos)) {
    return std::nullopt;
  }
  // ParseInstant reads a time without offset in the given zone; UTC makes it the wall clock.
  static const TimeZone utc = *TimeZone::Locate("UTC");
  auto instant = ParseInstant(text, utc);
  if (!instant.ok()) return std::nullopt;
  return LocalTime(instant->time_since_epoch());
}

nlohmann::json ScopeJson(const StoreScope& scope) {
  return {{"kind", StoreScopeKindName(scope.kind)}, {"ids", scope.ids}};
}

void CheckKnown(const json& object, const std::string& path,
                std::initializer_list<std::string_view> allowed, std::vector<FieldError>* errors) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) errors->push_back({path + key, "is not a known field"});
  }
}

bool ReadString(const json& object, const char* key, const std::string& path, std::string* out,
                std::vector<FieldError>* errors) {
  auto it = object.find(key);
  if (it == object.end()) return false;
  if (!it->is_string()) {
    errors->push_back({path + key, "must be a string"});
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

bool ReadInt(const json& object, const char* key, const std::string& path, int* out,
             std::vector<FieldError>* errors) {
  auto it = object.find(key);
  if (it == object.end()) return false;
  if (!it->is_number_integer() || it->get<int64_t>() < -1000000 || it->get<int64_t>() > 1000000) {
    errors->push_back({path + key, "must be a whole number"});
    return false;
  }
  *out = it->get<int>();
  return true;
}

bool ReadMoney(const json& object, const char* key, const std::string& path, Money* out,
               std::vector<FieldError>* errors) {
  auto it = object.find(key);
  if (it == object.end()) {
    errors->push_back({path + key, "is required"});
    return false;
  }
  Result<Money> money = Status::InvalidArgument("must be a price such as \"1,50\"");
  if (it->is_string()) {
    money = Money::Parse(it->get<std::string>());
  } else if (it->is_number() && std::isfinite(it->get<double>())) {
    money = Money::Euros(static_cast<int64_t>(std::llround(it->get<double>() * 100)));
  }
  if (!money.ok()) {
    errors->push_back({path + key, money.status().message()});
    return false;
  }
  *out = *money;
  return true;
}

void ReadScope(const json& value, const std::string& path, StoreScope* scope,
               std::vector<FieldError>* errors) {
  if (!value.is_object()) {
    errors->push_back({path, "must be an object {\"kind\", \"ids\"}"});
    return;
  }
  CheckKnown(value, path + ".", {"kind", "ids"}, errors);
  std::string kind = "all";
  ReadString(value, "kind", path + ".", &kind, errors);
  auto parsed = ParseStoreScopeKind(kind);
  if (!parsed) {
    errors->push_back({path + ".kind", "must be all, zones, banners or stores"});
    return;
  }
  scope->kind = *parsed;
  scope->ids.clear();
  if (auto ids = value.find("ids"); ids != value.end()) {
    if (!ids->is_array()) {
      errors->push_back({path + ".ids", "must be an array of strings"});
      return;
    }
    for (const auto& id : *ids) {
      if (!id.is_string()) {
        errors->push_back({path + ".ids", "must be an array of strings"});
        return;
      }
      scope->ids.push_back(id.get<std::string>());
    }
  }
}

// The fields of a mechanic's JSON form onto `*mechanic`, one FieldError per bad field;
// parameters are not range-checked here.
void DecodeMechanic(const json& value, const std::string& path, Mechanic* mechanic,
                    std::vector<FieldError>* errors) {
  if (!value.is_object()) {
    errors->push_back({path, "must be an object with a \"type\""});
    return;
  }
  std::string type;
  if (!ReadString(value, "type", path + ".", &type, errors)) {
    errors->push_back({path + ".type", "is required"});
    return;
  }
  auto kind = ParseMechanicKind(type);
  if (!kind) {
    errors->push_back({path + ".type",
                       "must be percent_off, amount_off, fixed_price, nth_item_percent_off, "
                       "multibuy, bundle_price or loyalty_credit"});
    return;
  }
  const std::string p = path + ".";
  auto require_int = [&](const char* key, int* out) {
    if (!value.contains(key)) errors->push_back({p + key, "is required"});
    ReadInt(value, key, p, out, errors);
  };
  switch (*kind) {
    case MechanicKind::kPercentOff: {
      PercentOff m;
      CheckKnown(value, p, {"type", "percent"}, errors);
      require_int("percent", &m.percent);
      *mechanic = m;
      break;
    }
    case MechanicKind::kLoyaltyCredit: {
      LoyaltyCredit m;
      CheckKnown(value, p, {"type", "percent"}, errors);
      require_int("percent", &m.percent);
      *mechanic = m;
      break;
    }
    case MechanicKind::kAmountOff: {
      AmountOff m;
      CheckKnown(value, p, {"type", "amount"}, errors);
      ReadMoney(value, "amount", p, &m.amount, errors);
      *mechanic = m;
      break;
    }
    case MechanicKind::kFixedPrice: {
      FixedPrice m;
      CheckKnown(value, p, {"type", "price"}, errors);
      ReadMoney(value, "price", p, &m.price, errors);
      *mechanic = m;
      break;
    }
    case MechanicKind::kNthItemPercentOff: {
      NthItemPercentOff m;
      CheckKnown(value, p, {"type", "n", "percent"}, errors);
      require_int("n", &m.n);
      require_int("percent", &m.percent);
      *mechanic = m;
      break;
    }
    case MechanicKind::kMultibuy: {
      Multibuy m;
      CheckKnown(value, p, {"type", "buy", "pay"}, errors);
      require_int("buy", &m.buy);
      require_int("pay", &m.pay);
      *mechanic = m;
      break;
    }
    case MechanicKind::kBundlePrice: {
      BundlePrice m;
      CheckKnown(value, p, {"type", "quantity", "price"}, errors);
      require_int("quantity", &m.quantity);
      ReadMoney(value, "price", p, &m.price, errors);
      *mechanic = m;
      break;
    }
  }
}

}  // namespace

json ToJson(const Mechanic& mechanic) {
  json out = {{"type", MechanicKindName(KindOf(mechanic))}};
  std::visit(
      [&out](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, PercentOff> || std::is_same_v<T, LoyaltyCredit>) {
          out["percent"] = m.percent;
        } else if constexpr (std::is_same_v<T, AmountOff>) {
          out["amount"] = m.amount.ToFeedString();
        } else if constexpr (std::is_same_v<T, FixedPrice>) {
          out["price"] = m.price.ToFeedString();
        } else if constexpr (std::is_same_v<T, NthItemPercentOff>) {
          out["n"] = m.n;
          out["percent"] = m.percent;
        } else if constexpr (std::is_same_v<T, Multibuy>) {
          out["buy"] = m.buy;
          out["pay"] = m.pay;
        } else if constexpr (std::is_same_v<T, BundlePrice>) {
          out["quantity"] = m.quantity;
          out["price"] = m.price.ToFeedString();
        }
      },
      mechanic);
  return out;
}

json ToJson(const Campaign& c) {
  return {{"id", c.id},
          {"name", c.name},
          {"description", c.description},
          {"start", FormatLocal(c.start_local)},
          {"end", FormatLocal(c.end_local)},
          {"channels", c.channels},
          {"scope", ScopeJson(c.scope)},
          {"theme", {{"brand_kit", c.theme.brand_kit}, {"templates", c.theme.template_by_format}}},
          {"status", CampaignStatusName(c.status)},
          {"version", c.version},
          {"created_at", FormatUtc(c.created_at)},
          {"updated_at", FormatUtc(c.updated_at)},
          {"created_by", c.created_by.empty() ? json() : json(c.created_by)},
          {"edited_by", c.edited_by},
          {"last_review", c.last_review ? ToJson(*c.last_review) : json()}};
}

json ToJson(const CampaignReview& review) {
  return {
      {"decision", CampaignStatusName(review.decision)},
      {"comment", review.comment},
      {"reviewer", review.reviewer},
      {"at", FormatUtc(review.at)},
      {"override_reason", review.override_reason.empty() ? json() : json(review.override_reason)},
      {"revision", review.revision}};
}

Result<CampaignReview> CampaignReviewFromJson(const json& value) {
  if (!value.is_object()) return Status::InvalidArgument("a review must be an object");
  // Fields of the wrong type are an InvalidArgument, not nlohmann's type_error.
  for (const char* key : {"decision", "comment", "reviewer", "at"}) {
    if (auto it = value.find(key); it != value.end() && !it->is_string()) {
      return Status::InvalidArgument(std::string("a review's ") + key + " must be a string");
    }
  }
  if (auto it = value.find("revision"); it != value.end() && !it->is_boolean()) {
    return Status::InvalidArgument("a review's revision must be true or false");
  }
  CampaignReview review;
  const std::string decision = value.value("decision", "");
  const auto status = ParseCampaignStatus(decision);
  if (status != CampaignStatus::kApproved && status != CampaignStatus::kRejected) {
    return Status::InvalidArgument("a review's decision must be approved or rejected, not \"" +
                                   decision + "\"");
  }
  review.decision = *status;
  review.comment = value.value("comment", "");
  review.reviewer = value.value("reviewer", "");
  auto at = ParseInstant(value.value("at", ""));
  if (!at.ok()) return at.status().WithContext("review at");
  review.at = *at;
  if (auto reason = value.find("override_reason"); reason != value.end() && reason->is_string()) {
    review.override_reason = reason->get<std::string>();
  }
  review.revision = value.value("revision", false);
  return review;
}

json ToJson(const CampaignRevision& revision) {
  json j = ToJson(revision.campaign);
  j["promotions"] = json::array();
  for (const Promotion& p : revision.promotions) j["promotions"].push_back(ToJson(p));
  return j;
}

json ToJson(const Promotion& p) {
  json selector = {{"kind", ProductSelectorKindName(p.selector.kind)}};
  switch (p.selector.kind) {
    case ProductSelector::Kind::kProducts:
      selector["product_ids"] = p.selector.product_ids;
      break;
    case ProductSelector::Kind::kCategory:
      selector["category"] = p.selector.category;
      break;
    case ProductSelector::Kind::kBrand:
      selector["brand"] = p.selector.brand;
      break;
  }
  auto optional_string = [](const std::optional<std::string>& s) { return s ? json(*s) : json(); };
  return {{"id", p.id},
          {"campaign_id", p.campaign_id},
          {"name", optional_string(p.name)},
          {"selector", std::move(selector)},
          {"mechanic", ToJson(p.mechanic)},
          {"priority", p.priority},
          {"exclusive", p.exclusive},
          {"scope", p.scope ? ScopeJson(*p.scope) : json()},
          {"badge", optional_string(p.badge_override)},
          {"legal", optional_string(p.legal_override)},
          {"per_customer_limit", p.per_customer_limit ? json(*p.per_customer_limit) : json()},
          {"version", p.version}};
}

void ReadMechanic(const json& value, const std::string& path, Mechanic* mechanic,
                  std::vector<FieldError>* errors) {
  const size_t before = errors->size();
  DecodeMechanic(value, path, mechanic, errors);
  if (errors->size() == before) {
    for (FieldError& e : Validate(*mechanic, path)) errors->push_back(std::move(e));
  }
}

Result<Mechanic> MechanicFromJson(const json& value) {
  Mechanic mechanic;
  std::vector<FieldError> errors;
  DecodeMechanic(value, "mechanic", &mechanic, &errors);
  if (errors.empty()) return mechanic;
  std::string message;
  for (const FieldError& e : errors) {
    if (!message.empty()) message += "; ";
    message += e.field + ": " + e.message;
  }
  return Status::InvalidArgument(std::move(message));
}

void ReadCampaign(const json& value, Campaign* c, std::vector<FieldError>* errors) {
  if (!value.is_object()) {
    errors->push_back({"body", "must be a JSON object"});
    return;
  }
  CheckKnown(value, "", {"name", "description", "start", "end", "channels", "scope", "theme"},
             errors);
  ReadString(value, "name", "", &c->name, errors);
  ReadString(value, "description", "", &c->description, errors);
  for (const char* key : {"start", "end"}) {
    std::string text;
    if (!ReadString(value, key, "", &text, errors)) continue;
    auto local = ParseLocal(text);
    if (!local) {
      errors->push_back({key,
                         "must be a local date-time without offset, e.g. 2026-12-02T00:00 "
                         "(each store applies its own time zone)"});
      continue;
    }
    (std::string_view(key) == "start" ? c->start_local : c->end_local) = *local;
  }
  if (auto channels = value.find("channels"); channels != value.end()) {
    if (!channels->is_array()) {
      errors->push_back({"channels", "must be an array of strings"});
    } else {
      c->channels.clear();
      for (const auto& ch : *channels) {
        if (ch.is_string()) {
          c->channels.insert(ch.get<std::string>());
        } else {
          errors->push_back({"channels", "must be an array of strings"});
        }
      }
    }
  }
  if (auto scope = value.find("scope"); scope != value.end()) {
    ReadScope(*scope, "scope", &c->scope, errors);
  }
  if (auto theme = value.find("theme"); theme != value.end()) {
    if (!theme->is_object()) {
      errors->push_back({"theme", "must be an object {\"brand_kit\", \"templates\"}"});
    } else {
      CheckKnown(*theme, "theme.", {"brand_kit", "templates"}, errors);
      ReadString(*theme, "brand_kit", "theme.", &c->theme.brand_kit, errors);
      if (auto templates = theme->find("templates"); templates != theme->end()) {
        if (!templates->is_object()) {
          errors->push_back({"theme.templates", "must map formats to template ids"});
        } else {
          c->theme.template_by_format.clear();
          for (const auto& [format, id] : templates->items()) {
            if (id.is_string()) {
              c->theme.template_by_format[format] = id.get<std::string>();
            } else {
              errors->push_back({"theme.templates." + format, "must be a template id"});
            }
          }
        }
      }
    }
  }
}

void ReadPromotion(const json& value, Promotion* p, std::vector<FieldError>* errors) {
  if (!value.is_object()) {
    errors->push_back({"body", "must be a JSON object"});
    return;
  }
  CheckKnown(value, "",
             {"name", "selector", "mechanic", "priority", "exclusive", "scope", "badge", "legal",
              "per_customer_limit"},
             errors);
  if (auto selector = value.find("selector"); selector != value.end()) {
    if (!selector->is_object()) {
      errors->push_back({"selector", "must be an object with a \"kind\""});
    } else {
      CheckKnown(*selector, "selector.", {"kind", "product_ids", "category", "brand"}, errors);
      std::string kind;
      ReadString(*selector, "kind", "selector.", &kind, errors);
      ProductSelector s;
      if (kind == "products") {
        s.kind = ProductSelector::Kind::kProducts;
        auto ids = selector->find("product_ids");
        if (ids == selector->end() || !ids->is_array()) {
          errors->push_back({"selector.product_ids", "must be an array of product ids"});
        } else {
          for (const auto& id : *ids) {
            if (id.is_string())
              s.product_ids.push_back(id.get<std::string>());
            else
              errors->push_back({"selector.product_ids", "must be an array of product ids"});
          }
        }
      } else if (kind == "category") {
        s.kind = ProductSelector::Kind::kCategory;
        ReadString(*selector, "category", "selector.", &s.category, errors);
      } else if (kind == "brand") {
        s.kind = ProductSelector::Kind::kBrand;
        ReadString(*selector, "brand", "selector.", &s.brand, errors);
      } else {
        errors->push_back({"selector.kind", "must be products, category or brand"});
      }
      p->selector = std::move(s);
    }
  }
  if (auto mechanic = value.find("mechanic"); mechanic != value.end()) {
    ReadMechanic(*mechanic, "mechanic", &p->mechanic, errors);
  }
  ReadInt(value, "priority", "", &p->priority, errors);
  if (auto exclusive = value.find("exclusive"); exclusive != value.end()) {
    if (exclusive->is_boolean())
      p->exclusive = exclusive->get<bool>();
    else
      errors->push_back({"exclusive", "must be true or false"});
  }
  if (auto scope = value.find("scope"); scope != value.end()) {
    if (scope->is_null()) {
      p->scope.reset();
    } else {
      StoreScope s;
      ReadScope(*scope, "scope", &s, errors);
      p->scope = s;
    }
  }
  for (auto [key, target] : {std::pair{"name", &p->name}, std::pair{"badge", &p->badge_override},
                             std::pair{"legal", &p->legal_override}}) {
    auto it = value.find(key);
    if (it == value.end()) continue;
    if (it->is_null()) {
      target->reset();
    } else if (it->is_string()) {
      *target = it->get<std::string>();
    } else {
      errors->push_back({key, "must be a string or null"});
    }
  }
  if (auto limit = value.find("per_customer_limit"); limit != value.end()) {
    if (limit->is_null()) {
      p->per_customer_limit.reset();
    } else if (limit->is_number_integer() && limit->get<int64_t>() >= 1 &&
               limit->get<int64_t>() <= 1000000) {
      p->per_customer_limit = limit->get<int>();
    } else {
      errors->push_back({"per_customer_limit", "must be a whole number from 1, or null"});
    }
  }
}

}  // namespace vitrine

namespace vitrine {
namespace {

// The fields of `value` but `drop`: what ReadCampaign and ReadPromotion accept of ToJson's form.
json Without(const json& value, std::initializer_list<const char*> drop) {
  json rest = value;
  for (const char* key : drop) rest.erase(key);
  return rest;
}

Status Unreadable(const std::string& what, const std::vector<FieldError>& errors) {
  std::string message = what + " is not in its stored form:";
  for (const FieldError& e : errors) message += " " + e.field + " " + e.message + ";";
  return Status::InvalidArgument(std::move(message));
}

}  // namespace

Result<CampaignRevision> CampaignRevisionFromJson(const json& value) {
  try {
    CampaignRevision revision;
    Campaign& c = revision.campaign;
    std::vector<FieldError> errors;
    ReadCampaign(Without(value, {"id", "status", "version", "created_at", "updated_at",
                                 "created_by", "edited_by", "last_review", "promotions"}),
                 &c, &errors);
    if (!errors.empty()) return Unreadable("revision", errors);
    c.id = value.at("id").get<std::string>();
    const std::string status = value.at("status").get<std::string>();
    const auto parsed = ParseCampaignStatus(status);
    if (!parsed) return Status::InvalidArgument("revision status \"" + status + "\"");
    c.status = *parsed;
    c.version = value.at("version").get<int>();
    for (auto [key, out] :
         {std::pair{"created_at", &c.created_at}, {"updated_at", &c.updated_at}}) {
      auto at = ParseInstant(value.at(key).get<std::string>());
      if (!at.ok()) return at.status().WithContext(std::string("revision ") + key);
      *out = *at;
    }
    if (value.at("created_by").is_string()) c.created_by = value["created_by"].get<std::string>();
    c.edited_by = value.at("edited_by").get<std::set<std::string>>();
    if (!value.at("last_review").is_null()) {
      auto review = CampaignReviewFromJson(value["last_review"]);
      if (!review.ok()) return review.status();
      c.last_review = *std::move(review);
    }
    for (const json& p : value.at("promotions")) {
      Promotion promotion;
      ReadPromotion(Without(p, {"id", "campaign_id", "version", "mechanic"}), &promotion, &errors);
      if (!errors.empty()) return Unreadable("revision promotion", errors);
      // Decoded without ReadMechanic's range checks: what was kept reads back as it was.
      auto mechanic = MechanicFromJson(p.at("mechanic"));
      if (!mechanic.ok()) return mechanic.status();
      promotion.mechanic = *mechanic;
      promotion.id = p.at("id").get<std::string>();
      promotion.campaign_id = p.at("campaign_id").get<std::string>();
      promotion.version = p.at("version").get<int>();
      revision.promotions.push_back(std::move(promotion));
    }
    return revision;
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("revision is not in its stored form: ") + e.what());
  }
}

}  // namespace vitrine
