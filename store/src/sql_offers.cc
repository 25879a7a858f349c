// SqlDatabase as CampaignRepository and OfferRepository: the tables of schema version 3,
// written through the same writer connection as the catalogue so that they join
// Transaction().

#include <algorithm>
#include <bit>
#include <cassert>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "offer_rules.h"
#include "offers/campaign_json.h"
#include "query_keys.h"
#include "sql_change_log.h"
#include "sql_connection.h"
#include "store/sql_database.h"

namespace vitrine {
namespace {

using nlohmann::json;
using store_internal::SqlConnection;
using store_internal::Statement;

// ---------------------------------------------------------------------------------------------
// How the authored values become JSON text. nlohmann throws on text this code did not write;
// every caller runs inside Read()/Write(), whose guard turns that into a Status.

json StoreScopeJson(const StoreScope& scope) {
  return {{"kind", StoreScopeKindName(scope.kind)}, {"ids", scope.ids}};
}

Result<StoreScope> ParseStoreScope(const std::string& text) {
  const json j = json::parse(text);
  const std::string kind_name = j.at("kind").get<std::string>();
  std::optional<StoreScope::Kind> kind = ParseStoreScopeKind(kind_name);
  if (!kind) return Status::Internal("unknown store scope \"" + kind_name + "\" in the database");
  return StoreScope{*kind, j.at("ids").get<std::vector<std::string>>()};
}

json ThemeJson(const Theme& theme) {
  return {{"brand_kit", theme.brand_kit}, {"template_by_format", theme.template_by_format}};
}

Theme ParseTheme(const std::string& text) {
  const json j = json::parse(text);
  return {j.at("brand_kit").get<std::string>(),
          j.at("template_by_format").get<std::map<std::string, std::string>>()};
}

json SelectorJson(const ProductSelector& s) {
  return {{"kind", ProductSelectorKindName(s.kind)},
          {"product_ids", s.product_ids},
          {"category", s.category},
          {"brand", s.brand}};
}

Result<ProductSelector> ParseSelector(const std::string& text) {
  const json j = json::parse(text);
  const std::string kind_name = j.at("kind").get<std::string>();
  ProductSelector s;
  bool known = false;
  for (auto kind : {ProductSelector::Kind::kProducts, ProductSelector::Kind::kCategory,
                    ProductSelector::Kind::kBrand}) {
    if (ProductSelectorKindName(kind) == kind_name) {
      s.kind = kind;
      known = true;
    }
  }
  if (!known) return Status::Internal("unknown selector \"" + kind_name + "\" in the database");
  s.product_ids = j.at("product_ids").get<std::vector<std::string>>();
  s.category = j.at("category").get<std::string>();
  s.brand = j.at("brand").get<std::string>();
  return s;
}

json MoneyJson(const Money& money) {
  return {{"minor", money.minor_units()}, {"currency", money.currency().code()}};
}

Result<Money> ParseMoney(const json& j) {
  Result<Currency> currency = Currency::Parse(j.at("currency").get<std::string>());
  if (!currency.ok()) return currency.status().WithContext("mechanic in the database");
  return Money(j.at("minor").get<int64_t>(), *currency);
}

// A mechanic is kept in campaign_json's form (offers/campaign_json.h: ToJson and
// MechanicFromJson, the one codec), spelled the way schema version 3 stores it: the kind in
// its own column rather than in "type", and money as {"minor", "currency"} rather than
// "1.50 EUR". Money is the only string among a mechanic's parameters, so the respelling
// needs no knowledge of the mechanics.
json MechanicParametersJson(const Mechanic& mechanic) {
  json j = ToJson(mechanic);
  j.erase("type");
  for (json& value : j) {
    if (!value.is_string()) continue;
    // ToJson wrote it with ToFeedString, which Money::Parse reads back exactly.
    value = MoneyJson(Money::Parse(value.get<std::string>()).value());
  }
  return j;
}

Result<Mechanic> ParseMechanic(const std::string& kind_name, const std::string& text) {
  if (!ParseMechanicKind(kind_name)) {
    return Status::Internal("unknown mechanic \"" + kind_name + "\" in the database");
  }
  json j = json::parse(text);
  if (!j.is_object()) return Status::Internal("mechanic parameters in the database: not an object");
  for (json& value : j) {
    if (!value.is_object()) continue;
    Result<Money> money = ParseMoney(value);
    if (!money.ok()) return money.status();
    value = money->ToFeedString();
  }
  j["type"] = kind_name;
  Result<Mechanic> mechanic = MechanicFromJson(j);
  if (!mechanic.ok()) {
    return Status::Internal("mechanic in the database: " + mechanic.status().message());
  }
  return mechanic;
}

void BindOptionalText(Statement& s, int index, const std::optional<std::string>& text) {
  if (text) {
    s.BindStatic(index, *text);
  } else {
    s.BindNull(index);
  }
}

void BindOptionalInt(Statement& s, int index, const std::optional<int64_t>& value) {
  if (value) {
    s.Bind(index, *value);
  } else {
    s.BindNull(index);
  }
}

std::optional<int64_t> MinorUnits(const std::optional<Money>& money) {
  if (!money) return std::nullopt;
  return money->minor_units();
}

// Hands out the next number of the counter `name` ("campaign", "promotion").
Result<int64_t> NextNumber(SqlConnection& conn, std::string_view name) {
  Result<Statement> s =
      conn.Prepare("UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value");
  if (!s.ok()) return s.status();
  s->Bind(1, name);
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("counter \"" + std::string(name) + "\" is missing");
  const int64_t value = s->Int(0);
  s->Reset();
  return value;
}

Result<bool> Exists(SqlConnection& conn, const std::string& sql, std::string_view key) {
  Result<Statement> s = conn.Prepare(sql);
  if (!s.ok()) return s.status();
  s->Bind(1, key);
  return s->Step();
}

// ---------------------------------------------------------------------------------------------
// Campaign rows

constexpr char kCampaignColumns[] =
    "id, name, description, start_local, end_local, channels, scope, theme, status, version, "
    "created_at, updated_at, authorship";

// The authorship column (schema version 7): {"created_by", "edited_by", "last_review"}.
json AuthorshipJson(const Campaign& c) {
  return {{"created_by", c.created_by.empty() ? json() : json(c.created_by)},
          {"edited_by", c.edited_by},
          {"last_review", c.last_review ? ToJson(*c.last_review) : json()}};
}

Status ParseAuthorship(const std::string& text, Campaign* c) {
  const json j = json::parse(text);
  if (auto by = j.find("created_by"); by != j.end() && by->is_string()) {
    c->created_by = by->get<std::string>();
  }
  if (auto by = j.find("edited_by"); by != j.end()) {
    c->edited_by = by->get<std::set<std::string>>();
  }
  if (auto review = j.find("last_review"); review != j.end() && !review->is_null()) {
    Result<CampaignReview> parsed = CampaignReviewFromJson(*review);
    if (!parsed.ok()) return parsed.status().WithContext("campaign " + c->id);
    c->last_review = *std::move(parsed);
  }
  return Status::Ok();
}

Result<Campaign> CampaignFromRow(const Statement& s) {
  Campaign c;
  c.id = s.Text(0);
  c.name = s.Text(1);
  c.description = s.Text(2);
  c.start_local = LocalTime(std::chrono::seconds(s.Int(3)));
  c.end_local = LocalTime(std::chrono::seconds(s.Int(4)));
  c.channels = json::parse(s.Text(5)).get<std::set<std::string>>();
  Result<StoreScope> scope = ParseStoreScope(s.Text(6));
  if (!scope.ok()) return scope.status().WithContext("campaign " + c.id);
  c.scope = std::move(scope).value();
  c.theme = ParseTheme(s.Text(7));
  const std::string status_name = s.Text(8);
  std::optional<CampaignStatus> status = ParseCampaignStatus(status_name);
  if (!status) {
    return Status::Internal("unknown status \"" + status_name + "\" of campaign " + c.id +
                            " in the database");
  }
  c.status = *status;
  c.version = static_cast<int>(s.Int(9));
  c.created_at = FromUnixSeconds(s.Int(10));
  c.updated_at = FromUnixSeconds(s.Int(11));
  VITRINE_RETURN_IF_ERROR(ParseAuthorship(s.Text(12), &c));
  return c;
}

// The texts a campaign row holds beside its plain columns, built before binding so that the
// statement can borrow them.
struct CampaignTexts {
  explicit CampaignTexts(const Campaign& c)
      : channels(json(c.channels).dump()),
        scope(StoreScopeJson(c.scope).dump()),
        theme(ThemeJson(c.theme).dump()),
        status(CampaignStatusName(c.status)),
        authorship(AuthorshipJson(c).dump()) {}
  std::string channels;
  std::string scope;
  std::string theme;
  std::string status;
  std::string authorship;
};

// Binds the kCampaignColumns in order from parameter 1.
void BindCampaign(Statement& s, const Campaign& c, const CampaignTexts& texts) {
  s.BindStatic(1, c.id);
  s.BindStatic(2, c.name);
  s.BindStatic(3, c.description);
  s.Bind(4, static_cast<int64_t>(c.start_local.time_since_epoch().count()));
  s.Bind(5, static_cast<int64_t>(c.end_local.time_since_epoch().count()));
  s.BindStatic(6, texts.channels);
  s.BindStatic(7, texts.scope);
  s.BindStatic(8, texts.theme);
  s.BindStatic(9, texts.status);
  s.Bind(10, static_cast<int64_t>(c.version));
  s.Bind(11, ToUnixSeconds(c.created_at));
  s.Bind(12, ToUnixSeconds(c.updated_at));
  s.BindStatic(13, texts.authorship);
}

// ---------------------------------------------------------------------------------------------
// Promotion rows

constexpr char kPromotionColumns[] =
    "id, campaign_id, selector, mechanic, mechanic_parameters, priority, exclusive, scope, "
    "badge_override, legal_override, per_customer_limit, version, name";

Result<Promotion> PromotionFromRow(const Statement& s) {
  Promotion p;
  p.id = s.Text(0);
  p.campaign_id = s.Text(1);
  Result<ProductSelector> selector = ParseSelector(s.Text(2));
  if (!selector.ok()) return selector.status().WithContext("promotion " + p.id);
  p.selector = std::move(selector).value();
  Result<Mechanic> mechanic = ParseMechanic(s.Text(3), s.Text(4));
  if (!mechanic.ok()) return mechanic.status().WithContext("promotion " + p.id);
  p.mechanic = *mechanic;
  p.priority = static_cast<int>(s.Int(5));
  p.exclusive = s.Int(6) != 0;
  if (!s.IsNull(7)) {
    Result<StoreScope> scope = ParseStoreScope(s.Text(7));
    if (!scope.ok()) return scope.status().WithContext("promotion " + p.id);
    p.scope = std::move(scope).value();
  }
  if (!s.IsNull(8)) p.badge_override = s.Text(8);
  if (!s.IsNull(9)) p.legal_override = s.Text(9);
  if (!s.IsNull(10)) p.per_customer_limit = static_cast<int>(s.Int(10));
  p.version = static_cast<int>(s.Int(11));
  if (!s.IsNull(12)) p.name = s.Text(12);
  return p;
}

struct PromotionTexts {
  explicit PromotionTexts(const Promotion& p)
      : selector(SelectorJson(p.selector).dump()),
        mechanic(MechanicKindName(KindOf(p.mechanic))),
        parameters(MechanicParametersJson(p.mechanic).dump()) {
    if (p.scope) scope = StoreScopeJson(*p.scope).dump();
  }
  std::string selector;
  std::string mechanic;
  std::string parameters;
  std::optional<std::string> scope;
};

// Binds the kPromotionColumns in order from parameter 1.
void BindPromotion(Statement& s, const Promotion& p, const PromotionTexts& texts) {
  s.BindStatic(1, p.id);
  s.BindStatic(2, p.campaign_id);
  s.BindStatic(3, texts.selector);
  s.BindStatic(4, texts.mechanic);
  s.BindStatic(5, texts.parameters);
  s.Bind(6, static_cast<int64_t>(p.priority));
  s.Bind(7, static_cast<int64_t>(p.exclusive ? 1 : 0));
  BindOptionalText(s, 8, texts.scope);
  BindOptionalText(s, 9, p.badge_override);
  BindOptionalText(s, 10, p.legal_override);
  BindOptionalInt(s, 11, p.per_customer_limit);
  s.Bind(12, static_cast<int64_t>(p.version));
  BindOptionalText(s, 13, p.name);
}

// ---------------------------------------------------------------------------------------------
// Offer rows

// The columns of an offer row, seq (the rowid) first and deleted last; ReadOffer and
// BindOfferContent follow this order.
constexpr const char* kOfferColumnNames[] = {"seq",
                                             "offer_id",
                                             "store_id",
                                             "campaign_id",
                                             "promotion_id",
                                             "product_id",
                                             "category",
                                             "channels",
                                             "valid_from",
                                             "valid_until",
                                             "timezone",
                                             "currency",
                                             "regular_minor",
                                             "shelf_minor",
                                             "effective_unit_minor",
                                             "unit_price_minor",
                                             "unit_pricing_base",
                                             "reference_minor",
                                             "discount_percent",
                                             "mechanic",
                                             "mechanic_parameters",
                                             "loyalty_credit_minor",
                                             "badge",
                                             "headline",
                                             "legal",
                                             "stock_quantity",
                                             "availability",
                                             "content_hash",
                                             "version",
                                             "deleted"};
constexpr int kOfferColumnCount = std::size(kOfferColumnNames);
std::string OfferColumnList() {
  std::string list;
  for (const char* name : kOfferColumnNames) {
    list += list.empty() ? "" : ", ";
    list += name;
  }
  return list;
}

// The columns of the view `offers`, in kOfferColumnNames order: what ReadOffer reads.
const std::string& OfferColumns() {
  static const std::string kColumns = OfferColumnList();
  return kColumns;
}

// The columns of a variant (table offer_variants, schema version 5): an offer's content
// but for its store fields, the texts as ids into offer_texts. BindVariant binds them in
// this order to ?1..?21.
constexpr const char* kOfferVariantColumns =
    "variant_hash, campaign_id, category_text, channels_text, valid_from, valid_until, "
    "timezone_text, currency, regular_minor, shelf_minor, effective_unit_minor, "
    "unit_price_minor, unit_pricing_base_text, reference_minor, discount_percent, "
    "mechanic_text, mechanic_parameters_text, loyalty_credit_minor, badge_text, headline_text, "
    "legal_text";
constexpr int kOfferVariantColumnCount = 21;

// ?1 seq, ?2 offer_id, ?3 store_id, ?4 variant, ?5 stock_quantity, ?6 availability,
// ?7 content_hash, ?8 version; a new row is live.
constexpr const char* kInsertOfferSql =
    "INSERT INTO offer_records(seq, offer_id, store_id, variant, stock_quantity, availability, "
    "content_hash, version, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)";
// The same parameters, and ?9 the seq the row had.
constexpr const char* kUpdateOfferSql =
    "UPDATE offer_records SET seq = ?1, offer_id = ?2, store_id = ?3, variant = ?4, "
    "stock_quantity = ?5, availability = ?6, content_hash = ?7, version = ?8, deleted = 0 "
    "WHERE seq = ?9";

Result<std::optional<Money>> ReadOptionalMoney(const Statement& s, int column, Currency c) {
  if (s.IsNull(column)) return std::optional<Money>();
  return std::optional<Money>(Money(s.Int(column), c));
}

// Reads the offer columns of the current row (deleted excepted).
Result<PublishedOffer> ReadOffer(const Statement& s) {
  PublishedOffer o;
  o.seq = s.Int(0);
  o.offer_id = s.Text(1);
  o.store_id = s.Text(2);
  o.campaign_id = s.Text(3);
  o.promotion_id = s.Text(4);
  o.product_id = s.Text(5);
  o.category = s.Text(6);
  o.channels = store_internal::ParseChannelsText(s.Text(7));
  o.validity = {FromUnixSeconds(s.Int(8)), FromUnixSeconds(s.Int(9))};
  o.timezone = s.Text(10);
  Result<Currency> currency = Currency::Parse(s.Text(11));
  if (!currency.ok()) {
    return currency.status().WithContext("offer " + o.offer_id + " of store " + o.store_id);
  }
  const Currency c = *currency;
  o.regular_price = Money(s.Int(12), c);
  o.shelf_price = Money(s.Int(13), c);
  o.effective_unit_price = Money(s.Int(14), c);
  o.unit_price = *ReadOptionalMoney(s, 15, c);
  o.unit_pricing_base = s.Text(16);
  o.reference_price = *ReadOptionalMoney(s, 17, c);
  if (!s.IsNull(18)) o.discount_percent = static_cast<int>(s.Int(18));
  o.mechanic = s.Text(19);
  o.mechanic_parameters = json::parse(s.Text(20));
  o.loyalty_credit = *ReadOptionalMoney(s, 21, c);
  o.badge = s.Text(22);
  o.headline = s.Text(23);
  o.legal = s.Text(24);
  o.stock_quantity = s.Int(25);
  const std::string availability = s.Text(26);
  std::optional<Availability> a = store_internal::ParseAvailability(availability);
  if (!a) {
    return Status::Internal("unknown availability \"" + availability + "\" of offer " + o.offer_id +
                            " in the database");
  }
  o.availability = *a;
  o.content_hash = s.Text(27);
  o.version = s.Int(28);
  return o;
}

// The ids of offer_texts rows, each text looked up (or added) once per write. Ids are not
// kept from one write to the next: a rolled-back transaction may have added them.
class OfferTextIds {
 public:
  explicit OfferTextIds(SqlConnection& conn) : conn_(conn) {}

  Result<int64_t> Of(std::string_view text) {
    if (auto it = ids_.find(text); it != ids_.end()) return it->second;
    Result<Statement> find = conn_.Prepare("SELECT id FROM offer_texts WHERE text = ?");
    if (!find.ok()) return find.status();
    find->Bind(1, text);
    Result<bool> row = find->Step();
    if (!row.ok()) return row.status();
    int64_t id = *row ? find->Int(0) : 0;
    find->Reset();
    if (!*row) {
      Result<Statement> add =
          conn_.Prepare("INSERT INTO offer_texts(text) VALUES (?) RETURNING id");
      if (!add.ok()) return add.status();
      add->Bind(1, text);
      Result<bool> added = add->Step();
      if (!added.ok()) return added.status();
      id = add->Int(0);
      add->Reset();
    }
    ids_.emplace(std::string(text), id);
    return id;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  SqlConnection& conn_;
  std::unordered_map<std::string, int64_t, Hash, std::equal_to<>> ids_;
};

// How many variants ReplaceOfferBatch adds before it deletes those no row uses.
constexpr int64_t kPruneVariantsAfter = 200'000;

// The ids in offer_texts of a variant's texts.
struct VariantTexts {
  int64_t category = 0;
  int64_t channels = 0;
  int64_t timezone = 0;
  int64_t unit_pricing_base = 0;
  int64_t mechanic = 0;
  int64_t parameters = 0;
  int64_t badge = 0;
  int64_t headline = 0;
  int64_t legal = 0;

  Status Resolve(const PublishedOffer& o, std::string_view parameters_text, OfferTextIds& ids) {
    struct Field {
      int64_t* id;
      std::string_view text;
    };
    const std::string channels_text = store_internal::ChannelsText(o.channels);
    for (const Field& f :
         {Field{&category, o.category}, Field{&channels, channels_text},
          Field{&timezone, o.timezone}, Field{&unit_pricing_base, o.unit_pricing_base},
          Field{&mechanic, o.mechanic}, Field{&parameters, parameters_text}, Field{&badge, o.badge},
          Field{&headline, o.headline}, Field{&legal, o.legal}}) {
      Result<int64_t> id = ids.Of(f.text);
      if (!id.ok()) return id.status();
      *f.id = *id;
    }
    return Status::Ok();
  }
};

// Binds a variant to ?1..?21 (kOfferVariantColumns).
void BindVariant(Statement& s, const PublishedOffer& o, std::string_view hash,
                 const VariantTexts& t) {
  s.BindStatic(1, hash);
  s.BindStatic(2, o.campaign_id);
  s.Bind(3, t.category);
  s.Bind(4, t.channels);
  s.Bind(5, ToUnixSeconds(o.validity.begin));
  s.Bind(6, ToUnixSeconds(o.validity.end));
  s.Bind(7, t.timezone);
  s.Bind(8, o.regular_price.currency().code());  // a temporary: copied
  s.Bind(9, o.regular_price.minor_units());
  s.Bind(10, o.shelf_price.minor_units());
  s.Bind(11, o.effective_unit_price.minor_units());
  BindOptionalInt(s, 12, MinorUnits(o.unit_price));
  s.Bind(13, t.unit_pricing_base);
  BindOptionalInt(s, 14, MinorUnits(o.reference_price));
  BindOptionalInt(s, 15,
                  o.discount_percent ? std::optional<int64_t>(*o.discount_percent) : std::nullopt);
  s.Bind(16, t.mechanic);
  s.Bind(17, t.parameters);
  BindOptionalInt(s, 18, MinorUnits(o.loyalty_credit));
  s.Bind(19, t.badge);
  s.Bind(20, t.headline);
  s.Bind(21, t.legal);
  static_assert(kOfferVariantColumnCount == 21);
}

// The row ids of a batch's variants in offer_variants, each found by its hash or added on
// first use; variants of one hash share a row.
class VariantIds {
 public:
  VariantIds(SqlConnection& conn, const OfferBatch& batch)
      : conn_(conn),
        batch_(batch),
        hashes_(batch.variants.size()),
        ids_(batch.variants.size()),
        texts_(conn) {}

  // VariantHash of batch.variants[v], computed once.
  const std::string& Hash(uint32_t v) {
    std::string& hash = hashes_[v];
    if (hash.empty()) hash = store_internal::VariantHashOf(batch_.variants[v]);
    return hash;
  }

  Result<int64_t> Id(uint32_t v) {
    if (ids_[v] != 0) return ids_[v];
    const std::string& hash = Hash(v);
    if (auto it = by_hash_.find(hash); it != by_hash_.end()) return ids_[v] = it->second;
    if (!find_) {
      Result<Statement> find =
          conn_.Prepare("SELECT id FROM offer_variants WHERE variant_hash = ?");
      if (!find.ok()) return find.status();
      find_.emplace(std::move(find).value());
    }
    find_->BindStatic(1, hash);
    Result<bool> row = find_->Step();
    if (!row.ok()) return row.status();
    int64_t id = *row ? find_->Int(0) : 0;
    find_->Reset();
    if (id == 0) {
      if (!add_) {
        std::string sql =
            std::string("INSERT INTO offer_variants(") + kOfferVariantColumns + ") VALUES (?";
        for (int i = 2; i <= kOfferVariantColumnCount; ++i) sql += ", ?";
        Result<Statement> add = conn_.Prepare(sql + ") RETURNING id");
        if (!add.ok()) return add.status();
        add_.emplace(std::move(add).value());
      }
      const PublishedOffer& content = batch_.variants[v].content;
      const std::string parameters = content.mechanic_parameters.dump();
      VariantTexts texts;
      VITRINE_RETURN_IF_ERROR(texts.Resolve(content, parameters, texts_));
      BindVariant(*add_, content, hash, texts);
      Result<bool> added = add_->Step();
      if (!added.ok()) return added.status().WithContext("offer \"" + content.offer_id + "\"");
      id = add_->Int(0);
      add_->Reset();
      ++added_;
    }
    by_hash_.emplace(hash, id);
    return ids_[v] = id;
  }

  int64_t added() const { return added_; }

 private:
  SqlConnection& conn_;
  const OfferBatch& batch_;
  std::vector<std::string> hashes_;
  std::vector<int64_t> ids_;                               // 0: not resolved yet
  std::unordered_map<std::string_view, int64_t> by_hash_;  // views into hashes_
  OfferTextIds texts_;
  std::optional<Statement> find_;
  std::optional<Statement> add_;
  int64_t added_ = 0;
};

// What ReplaceOffers needs to know of a stored offer.
struct StoredOfferState {
  int64_t seq = 0;
  std::string offer_id;
  std::string store_id;
  std::string content_hash;
  int64_t version = 0;
  bool deleted = false;
  bool given = false;  // among the offers of this call
  int64_t variant = 0;
  Availability availability = Availability::kInStock;
};

Availability StoredAvailability(std::string_view name) {
  return store_internal::ParseAvailability(name).value_or(Availability::kInStock);
}

// The changes one offer write makes to offer_counts, summed in memory per (store, campaign,
// channels, availability) and written once at the end of the write: a few hundred upserts
// instead of one per offer. Writes visit the offers store by store, so the store's row of
// deltas is found again without a lookup.
class OfferCountDeltas {
 public:
  explicit OfferCountDeltas(SqlConnection& conn) : conn_(conn) {}

  // The (campaign, channels) group of a batch variant's content.
  int GroupOf(const std::string& campaign_id, const std::vector<std::string>& channels) {
    return Intern(campaign_id, store_internal::ChannelsText(channels));
  }
  // The group of a stored variant, read once per variant.
  Result<int> GroupOfVariant(int64_t variant) {
    if (auto it = variant_groups_.find(variant); it != variant_groups_.end()) return it->second;
    if (!read_variant_) {
      Result<Statement> read = conn_.Prepare(
          "SELECT v.campaign_id, t.text FROM offer_variants v "
          "JOIN offer_texts t ON t.id = v.channels_text WHERE v.id = ?");
      if (!read.ok()) return read.status();
      read_variant_.emplace(std::move(read).value());
    }
    Statement& read = *read_variant_;
    read.Bind(1, variant);
    Result<bool> row = read.Step();
    if (!row.ok()) return row.status();
    if (!*row) {
      read.Reset();
      return Status::Internal("offer variant " + std::to_string(variant) + " is missing");
    }
    const int group = Intern(read.Text(0), read.Text(1));
    read.Reset();
    variant_groups_.emplace(variant, group);
    return group;
  }

  void Add(std::string_view store_id, int group, Availability availability, int64_t delta) {
    if (current_ == nullptr || current_store_ != store_id) {
      current_store_ = std::string(store_id);
      current_ = &by_store_[current_store_];
    }
    const size_t slot = static_cast<size_t>(group) * kAvailabilities + SlotOf(availability);
    if (current_->size() <= slot) current_->resize(groups_.size() * kAvailabilities, 0);
    (*current_)[slot] += delta;
  }

  Status Flush() {
    Result<Statement> upsert = conn_.Prepare(
        "INSERT INTO offer_counts(store_id, campaign_id, channels, availability, offers) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (store_id, campaign_id, channels, availability) "
        "DO UPDATE SET offers = offer_counts.offers + ?5");
    if (!upsert.ok()) return upsert.status();
    Result<Statement> drop = conn_.Prepare(
        "DELETE FROM offer_counts WHERE store_id = ? AND campaign_id = ? AND channels = ? "
        "AND availability = ? AND offers <= 0");
    if (!drop.ok()) return drop.status();
    for (const auto& [store_id, deltas] : by_store_) {
      for (size_t slot = 0; slot < deltas.size(); ++slot) {
        if (deltas[slot] == 0) continue;
        const auto& [campaign_id, channels] = groups_[slot / kAvailabilities];
        const std::string_view availability = AvailabilityName(kSlots[slot % kAvailabilities]);
        for (Statement* s : {&*upsert, &*drop}) {
          s->BindStatic(1, store_id);
          s->BindStatic(2, campaign_id);
          s->BindStatic(3, channels);
          s->BindStatic(4, availability);
        }
        upsert->Bind(5, deltas[slot]);
        Status run = upsert->RunDeferred();
        upsert->Reset();
        // A decrease may leave nothing of the group: its row goes.
        if (run.ok() && deltas[slot] < 0) run = drop->RunDeferred();
        drop->Reset();
        if (!run.ok()) return run;
      }
    }
    by_store_.clear();
    current_ = nullptr;
    return Status::Ok();
  }

 private:
  static constexpr size_t kAvailabilities = 3;
  static constexpr Availability kSlots[kAvailabilities] = {
      Availability::kOutOfStock, Availability::kLimited, Availability::kInStock};
  static size_t SlotOf(Availability a) {
    return a == Availability::kOutOfStock ? 0 : a == Availability::kLimited ? 1 : 2;
  }

  int Intern(std::string campaign_id, std::string channels) {
    auto key = std::make_pair(std::move(campaign_id), std::move(channels));
    auto [it, added] = group_ids_.try_emplace(key, static_cast<int>(groups_.size()));
    if (added) groups_.push_back(std::move(key));
    return it->second;
  }

  SqlConnection& conn_;
  std::optional<Statement> read_variant_;
  std::map<std::pair<std::string, std::string>, int> group_ids_;
  std::vector<std::pair<std::string, std::string>> groups_;
  std::unordered_map<int64_t, int> variant_groups_;
  std::map<std::string, std::vector<int64_t>, std::less<>> by_store_;
  std::string current_store_;
  std::vector<int64_t>* current_ = nullptr;
};

// Writes go in (store_id, offer_id) order: a chunk of products × every store then inserts
// into offers_by_store one store's range after the next, and into offers_by_key near its
// end (new offer ids are the chunk's few products). In (offer_id, store_id) order every
// product would visit all the stores' ranges again, and assembly was three times slower.
bool KeyLess(const StoredOfferState& a, std::string_view offer_id, std::string_view store_id) {
  if (const int c = a.store_id.compare(store_id); c != 0) return c < 0;
  return a.offer_id < offer_id;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Campaigns

Result<Campaign> SqlDatabase::CreateCampaign(Campaign campaign, Instant now) {
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<int64_t> number = NextNumber(conn, "campaign");
    if (!number.ok()) return number.status();
    campaign.id = store_internal::FormatEntityId(store_internal::kCampaignIdPrefix, *number);
    campaign.version = 1;
    campaign.created_at = now;
    campaign.updated_at = now;
    static const std::string kSql = std::string("INSERT INTO campaigns(") + kCampaignColumns +
                                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    const CampaignTexts texts(campaign);
    BindCampaign(*s, campaign, texts);
    return s->Run();
  }));
  return campaign;
}

Result<std::optional<Campaign>> SqlDatabase::GetCampaign(std::string_view id) {
  std::optional<Campaign> campaign;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    static const std::string kSql =
        std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE id = ?";
    return store_internal::LookUp<Campaign>(conn, kSql, id, CampaignFromRow, campaign);
  }));
  return campaign;
}

Result<Campaign> SqlDatabase::UpdateCampaign(const Campaign& campaign, int expected_version,
                                             Instant now) {
  Campaign stored = campaign;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<Statement> current =
        conn.Prepare("SELECT version, created_at FROM campaigns WHERE id = ?");
    if (!current.ok()) return current.status();
    current->Bind(1, campaign.id);
    Result<bool> row = current->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("campaign \"" + campaign.id + "\" does not exist");
    const int version = static_cast<int>(current->Int(0));
    if (version != expected_version) {
      return store_internal::StaleVersion("campaign", expected_version, version);
    }
    stored.version = version + 1;
    stored.created_at = FromUnixSeconds(current->Int(1));
    stored.updated_at = now;
    current->Reset();
    Result<Statement> s = conn.Prepare(
        "UPDATE campaigns SET id = ?1, name = ?2, description = ?3, start_local = ?4, "
        "end_local = ?5, channels = ?6, scope = ?7, theme = ?8, status = ?9, version = ?10, "
        "created_at = ?11, updated_at = ?12, authorship = ?13 WHERE id = ?1");
    if (!s.ok()) return s.status();
    const CampaignTexts texts(stored);
    BindCampaign(*s, stored, texts);
    return s->Run();
  }));
  return stored;
}

Result<bool> SqlDatabase::DeleteCampaign(std::string_view id) {
  Result<bool> deleted = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    // The promotions go with it through ON DELETE CASCADE.
    deleted = store_internal::DeleteByKey(conn, "DELETE FROM campaigns WHERE id = ?", id);
    return deleted.status();
  }));
  return deleted;
}

Result<Page<Campaign>> SqlDatabase::ListCampaigns(const CampaignQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckCampaignQuery(query));
  const std::string status =
      query.status ? std::string(CampaignStatusName(*query.status)) : std::string();
  std::string sql = std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE id > ?";
  if (query.status) sql += " AND status = ?";
  sql += " ORDER BY id LIMIT ?";
  Page<Campaign> page;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    int index = 0;
    s->Bind(++index, std::string_view(query.after));
    if (query.status) s->Bind(++index, std::string_view(status));
    s->Bind(++index, static_cast<int64_t>(query.limit) + 1);
    return CollectPage<Campaign>(
        *s, query.limit, CampaignFromRow, [](const Campaign& c) { return c.id; }, page);
  }));
  return page;
}

// ---------------------------------------------------------------------------------------------
// Promotions

Result<Promotion> SqlDatabase::CreatePromotion(Promotion promotion) {
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<bool> campaign =
        Exists(conn, "SELECT 1 FROM campaigns WHERE id = ?", promotion.campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (!*campaign) {
      return Status::NotFound("campaign \"" + promotion.campaign_id + "\" does not exist");
    }
    if (promotion.id.empty()) {
      Result<int64_t> number = NextNumber(conn, "promotion");
      if (!number.ok()) return number.status();
      promotion.id = store_internal::FormatEntityId(store_internal::kPromotionIdPrefix, *number);
    } else {
      Result<bool> taken = Exists(conn, "SELECT 1 FROM promotions WHERE id = ?", promotion.id);
      if (!taken.ok()) return taken.status();
      if (*taken) return Status::AlreadyExists("promotion \"" + promotion.id + "\" exists");
    }
    promotion.version = 1;
    static const std::string kSql = std::string("INSERT INTO promotions(") + kPromotionColumns +
                                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    const PromotionTexts texts(promotion);
    BindPromotion(*s, promotion, texts);
    return s->Run();
  }));
  return promotion;
}

Result<std::optional<Promotion>> SqlDatabase::GetPromotion(std::string_view id) {
  std::optional<Promotion> promotion;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    static const std::string kSql =
        std::string("SELECT ") + kPromotionColumns + " FROM promotions WHERE id = ?";
    return store_internal::LookUp<Promotion>(conn, kSql, id, PromotionFromRow, promotion);
  }));
  return promotion;
}

Result<Promotion> SqlDatabase::UpdatePromotion(const Promotion& promotion, int expected_version) {
  Promotion stored = promotion;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<Statement> current = conn.Prepare("SELECT version FROM promotions WHERE id = ?");
    if (!current.ok()) return current.status();
    current->Bind(1, promotion.id);
    Result<bool> row = current->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("promotion \"" + promotion.id + "\" does not exist");
    const int version = static_cast<int>(current->Int(0));
    current->Reset();
    if (version != expected_version) {
      return store_internal::StaleVersion("promotion", expected_version, version);
    }
    Result<bool> campaign =
        Exists(conn, "SELECT 1 FROM campaigns WHERE id = ?", promotion.campaign_id);
    if (!campaign.ok()) return campaign.status();
    if (!*campaign) {
      return Status::NotFound("campaign \"" + promotion.campaign_id + "\" does not exist");
    }
    stored.version = version + 1;
    Result<Statement> s = conn.Prepare(
        "UPDATE promotions SET id = ?1, campaign_id = ?2, selector = ?3, mechanic = ?4, "
        "mechanic_parameters = ?5, priority = ?6, exclusive = ?7, scope = ?8, "
        "badge_override = ?9, legal_override = ?10, per_customer_limit = ?11, version = ?12, "
        "name = ?13 "
        "WHERE id = ?1");
    if (!s.ok()) return s.status();
    const PromotionTexts texts(stored);
    BindPromotion(*s, stored, texts);
    return s->Run();
  }));
  return stored;
}

Result<bool> SqlDatabase::DeletePromotion(std::string_view id) {
  Result<bool> deleted = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    deleted = store_internal::DeleteByKey(conn, "DELETE FROM promotions WHERE id = ?", id);
    return deleted.status();
  }));
  return deleted;
}

Result<std::vector<Promotion>> SqlDatabase::ListPromotions(std::string_view campaign_id) {
  std::vector<Promotion> promotions;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    static const std::string kSql = std::string("SELECT ") + kPromotionColumns +
                                    " FROM promotions WHERE campaign_id = ? ORDER BY id";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->Bind(1, campaign_id);
    return CollectAll<Promotion>(*s, PromotionFromRow, promotions);
  }));
  return promotions;
}

Result<std::string> SqlDatabase::NewPromotionId() {
  std::string id;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<int64_t> number = NextNumber(conn, "promotion");
    if (!number.ok()) return number.status();
    id = store_internal::FormatEntityId(store_internal::kPromotionIdPrefix, *number);
    return Status::Ok();
  }));
  return id;
}

// ---------------------------------------------------------------------------------------------
// Revisions (schema version 7)

Result<std::optional<CampaignRevision>> SqlDatabase::GetRevision(std::string_view campaign_id) {
  std::optional<CampaignRevision> revision;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s =
        conn.Prepare("SELECT revision FROM campaign_revisions WHERE campaign_id = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, campaign_id);
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    Result<CampaignRevision> parsed = CampaignRevisionFromJson(json::parse(s->Text(0)));
    s->Reset();
    if (!parsed.ok()) {
      return Status::Internal("revision of campaign " + std::string(campaign_id) +
                              " in the database: " + parsed.status().message());
    }
    revision = *std::move(parsed);
    return Status::Ok();
  }));
  return revision;
}

Status SqlDatabase::PutRevision(const CampaignRevision& revision,
                                std::optional<int> expected_version) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckRevisionPromotions(revision));
  const std::string& id = revision.campaign.id;
  const std::string text = ToJson(revision).dump();
  return Write([&](Connection& conn) -> Status {
    Result<bool> campaign = Exists(conn, "SELECT 1 FROM campaigns WHERE id = ?", id);
    if (!campaign.ok()) return campaign.status();
    if (!*campaign) return Status::NotFound("campaign \"" + id + "\" does not exist");
    Result<Statement> current =
        conn.Prepare("SELECT version FROM campaign_revisions WHERE campaign_id = ?");
    if (!current.ok()) return current.status();
    current->Bind(1, id);
    Result<bool> row = current->Step();
    if (!row.ok()) return row.status();
    const std::optional<int> stored =
        *row ? std::optional(static_cast<int>(current->Int(0))) : std::nullopt;
    current->Reset();
    VITRINE_RETURN_IF_ERROR(store_internal::CheckRevisionVersion(id, expected_version, stored));
    for (const Promotion& p : revision.promotions) {
      for (const char* sql : {"SELECT campaign_id FROM promotions WHERE id = ?",
                              "SELECT campaign_id FROM campaign_revision_promotions "
                              "WHERE promotion_id = ?"}) {
        Result<Statement> owner = conn.Prepare(sql);
        if (!owner.ok()) return owner.status();
        owner->Bind(1, p.id);
        Result<bool> found = owner->Step();
        if (!found.ok()) return found.status();
        const std::string other = *found ? owner->Text(0) : id;
        owner->Reset();
        if (other != id) {
          return Status::InvalidArgument("promotion \"" + p.id + "\" is of campaign " + other);
        }
      }
    }
    // Replaced whole: the cascade drops the old promotion index.
    VITRINE_RETURN_IF_ERROR(store_internal::DeleteByKey(
                                conn, "DELETE FROM campaign_revisions WHERE campaign_id = ?", id)
                                .status());
    Result<Statement> insert = conn.Prepare(
        "INSERT INTO campaign_revisions(campaign_id, version, revision) VALUES (?, ?, ?)");
    if (!insert.ok()) return insert.status();
    insert->BindStatic(1, id);
    insert->Bind(2, static_cast<int64_t>(revision.campaign.version));
    insert->BindStatic(3, text);
    VITRINE_RETURN_IF_ERROR(insert->Run());
    Result<Statement> index = conn.Prepare(
        "INSERT INTO campaign_revision_promotions(promotion_id, campaign_id) VALUES (?, ?)");
    if (!index.ok()) return index.status();
    for (const Promotion& p : revision.promotions) {
      index->BindStatic(1, p.id);
      index->BindStatic(2, id);
      VITRINE_RETURN_IF_ERROR(index->Run());
      index->Reset();
    }
    return Status::Ok();
  });
}

Result<bool> SqlDatabase::DeleteRevision(std::string_view campaign_id) {
  Result<bool> deleted = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    deleted = store_internal::DeleteByKey(
        conn, "DELETE FROM campaign_revisions WHERE campaign_id = ?", campaign_id);
    return deleted.status();
  }));
  return deleted;
}

Result<std::optional<std::string>> SqlDatabase::FindRevisionOfPromotion(
    std::string_view promotion_id) {
  std::optional<std::string> campaign_id;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s =
        conn.Prepare("SELECT campaign_id FROM campaign_revision_promotions WHERE promotion_id = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, promotion_id);
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (*row) campaign_id = s->Text(0);
    s->Reset();
    return Status::Ok();
  }));
  return campaign_id;
}

// ---------------------------------------------------------------------------------------------
// Offers

namespace {

// The stored offers of `ranges` ranges of offer ids [?, ?) (a product's offer and its later
// stretches). On PostgreSQL one LATERAL index probe per range: the same ranges OR-ed in one
// WHERE were planned once per connection, often while offer_records was still empty, as a
// sequential scan, and then read the whole table for each statement (a demo's assembly took
// 16 s instead of 1). OFFSET 0 keeps the planner from flattening the LATERAL subquery into a
// hash join over a scan of the table, which it otherwise prefers for a few dozen ranges.
std::string StoredOffersOfRangesSql(size_t ranges, store_internal::SqlDialect dialect) {
  constexpr const char* kColumns =
      "seq, offer_id, store_id, content_hash, version, deleted, variant, availability";
  if (dialect == store_internal::SqlDialect::kSqlite) {
    assert(ranges == 1);
    return std::string("SELECT ") + kColumns + " FROM offer_records WHERE offer_id >= ? AND " +
           "offer_id < ?";
  }
  std::string sql = "SELECT o.* FROM (VALUES ";
  for (size_t i = 0; i < ranges; ++i) sql += i == 0 ? "(?, ?)" : ", (?, ?)";
  sql += ") AS k(lo, hi) CROSS JOIN LATERAL (SELECT ";
  sql += kColumns;
  sql += " FROM offer_records WHERE offer_id >= k.lo AND offer_id < k.hi OFFSET 0) o";
  return sql;
}

}  // namespace

Result<OfferWriteCounts> SqlDatabase::ReplaceOfferBatch(const Scope& scope,
                                                        const OfferBatch& batch) {
  Result<std::vector<uint32_t>> order = store_internal::CheckReplaceOffers(scope, batch);
  if (!order.ok()) return order.status();
  const std::unordered_set<std::string_view> promotions(scope.promotion_ids.begin(),
                                                        scope.promotion_ids.end());
  const std::unordered_set<std::string_view> products(scope.product_ids.begin(),
                                                      scope.product_ids.end());
  OfferWriteCounts counts;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    counts = {};
    // Every stored offer of the scope's promotions (and products), live or not, read in one
    // pass: a first publication then costs no lookup per offer, and the offers left over
    // are the ones to tombstone.
    // A promotion's offers are the offer_id range [promotion "~", promotion "\x7f"): '~' is
    // 0x7e and appears in no id. With products, each product's offer and its later stretches
    // (its id + "~" + start), the range [id, id "~\x7f") less the ids it merely prefixes
    // ("P1" of "P10"); with stores too, only their rows (a burst of stock changes touches a
    // few stores of each product).
    std::vector<StoredOfferState> stored;
    constexpr const char* kStateColumns =
        "SELECT seq, offer_id, store_id, content_hash, version, deleted, variant, availability "
        "FROM offer_records ";
    Result<Statement> by_promotion =
        conn.Prepare(std::string(kStateColumns) + "WHERE offer_id >= ? AND offer_id < ?");
    if (!by_promotion.ok()) return by_promotion.status();
    Result<Statement> by_key = conn.Prepare(
        std::string(kStateColumns) + "WHERE offer_id >= ? AND offer_id < ? AND store_id = ?");
    if (!by_key.ok()) return by_key.status();
    // Appends the rows of `s` whose offer is one of `wanted` (every row when it is empty)
    // or a stretch of it.
    auto load = [&](Statement& s, const std::unordered_set<std::string_view>& wanted) {
      for (;;) {
        Result<bool> row = s.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        std::string offer_id = s.Text(1);
        if (!wanted.empty()) {
          const size_t promotion_end = offer_id.find('~');
          const size_t first_end = offer_id.find('~', promotion_end + 1);
          if (!wanted.contains(std::string_view(offer_id).substr(0, first_end))) continue;
        }
        stored.push_back(StoredOfferState{s.Int(0), std::move(offer_id), s.Text(2), s.Text(3),
                                          s.Int(4), s.Int(5) != 0, false, s.Int(6),
                                          StoredAvailability(s.Text(7))});
      }
      s.Reset();
      return Status::Ok();
    };
    // The offers of the scope's products, each with its stretches: on PostgreSQL 64 first
    // offer ids per statement (a round trip each cost more than an assembly's writes), on
    // SQLite one, which its B-tree answers fastest.
    const size_t ids_per_read = conn.dialect() == store_internal::SqlDialect::kPostgres ? 64 : 1;
    std::vector<std::string> offer_ids;
    for (std::string_view promotion : promotions) {
      if (products.empty()) {
        const std::string begin = std::string(promotion) + "~";
        const std::string end = std::string(promotion) + "\x7f";
        by_promotion->Bind(1, begin);
        by_promotion->Bind(2, end);
        VITRINE_RETURN_IF_ERROR(load(*by_promotion, {}));
        continue;
      }
      for (std::string_view product : products) {
        offer_ids.push_back(std::string(promotion) + "~" + std::string(product));
      }
    }
    for (size_t done = 0; done < offer_ids.size();) {
      const size_t count = std::bit_floor(std::min(ids_per_read, offer_ids.size() - done));
      std::unordered_set<std::string_view> wanted;
      std::vector<std::string> ends;
      ends.reserve(count);
      for (size_t i = 0; i < count; ++i) {
        wanted.insert(offer_ids[done + i]);
        ends.push_back(offer_ids[done + i] + "~\x7f");
      }
      if (!scope.store_ids.empty()) {
        for (size_t i = 0; i < count; ++i) {
          for (const std::string& store_id : scope.store_ids) {
            by_key->BindStatic(1, offer_ids[done + i]);
            by_key->BindStatic(2, ends[i]);
            by_key->BindStatic(3, store_id);
            VITRINE_RETURN_IF_ERROR(load(*by_key, {offer_ids[done + i]}));
          }
        }
        done += count;
        continue;
      }
      Result<Statement> by_offers = conn.Prepare(StoredOffersOfRangesSql(count, conn.dialect()));
      if (!by_offers.ok()) return by_offers.status();
      for (size_t i = 0; i < count; ++i) {
        by_offers->BindStatic(static_cast<int>(2 * i + 1), offer_ids[done + i]);
        by_offers->BindStatic(static_cast<int>(2 * i + 2), ends[i]);
      }
      VITRINE_RETURN_IF_ERROR(load(*by_offers, wanted));
      done += count;
    }
    std::sort(stored.begin(), stored.end(),
              [](const StoredOfferState& a, const StoredOfferState& b) {
                return KeyLess(a, b.offer_id, b.store_id);
              });

    Result<std::string> last =
        conn.QueryText("SELECT value FROM counters WHERE name = 'offer_seq'");
    if (!last.ok()) return last.status();
    const int64_t first_seq = std::stoll(*last) + 1;
    int64_t next_seq = first_seq;

    Result<Statement> point = conn.Prepare(
        "SELECT seq, content_hash, version, deleted, variant, availability FROM offer_records "
        "WHERE offer_id = ? AND store_id = ?");
    if (!point.ok()) return point.status();
    Result<Statement> insert = conn.Prepare(kInsertOfferSql);
    if (!insert.ok()) return insert.status();
    Result<Statement> update = conn.Prepare(kUpdateOfferSql);
    if (!update.ok()) return update.status();

    size_t cursor = 0;  // into `stored`, which is in the same order as `order`
    VariantIds variants(conn, batch);
    OfferCountDeltas count_deltas(conn);
    std::vector<int> variant_group(batch.variants.size(), -1);
    // Whether a variant's offers belong to the scope, looked up once per variant: -1 unknown.
    std::vector<int8_t> variant_in_scope(batch.variants.size(), -1);
    std::string hash;
    for (const uint32_t index : *order) {
      const OfferBatch::StoreOffer& s = batch.offers[index];
      const PublishedOffer& o = batch.variants[s.variant].content;
      hash = s.content_hash.empty() ? StoreContentHash(variants.Hash(s.variant), s.store_id,
                                                       s.stock_quantity, s.availability)
                                    : s.content_hash;
      // The stored row with this key, if any: from the scope's rows when the offer belongs
      // to the scope (which then holds every row of its key), else looked up.
      std::optional<StoredOfferState> found;
      int8_t& in_scope = variant_in_scope[s.variant];
      if (in_scope < 0) {
        in_scope = promotions.contains(o.promotion_id) &&
                   (products.empty() || products.contains(o.product_id));
      }
      if (in_scope) {
        while (cursor < stored.size() && KeyLess(stored[cursor], o.offer_id, s.store_id)) {
          ++cursor;
        }
        if (cursor < stored.size() && stored[cursor].offer_id == o.offer_id &&
            stored[cursor].store_id == s.store_id) {
          stored[cursor].given = true;
          found = stored[cursor];
        }
      } else {
        Statement& p = *point;
        p.BindStatic(1, o.offer_id);
        p.BindStatic(2, s.store_id);
        Result<bool> row = p.Step();
        if (!row.ok()) return row.status();
        if (*row) {
          found = StoredOfferState{p.Int(0),  "",       "",
                                   p.Text(1), p.Int(2), p.Int(3) != 0,
                                   true,      p.Int(4), StoredAvailability(p.Text(5))};
        }
        p.Reset();
      }
      if (found && !found->deleted && found->content_hash == hash) {
        ++counts.unchanged;
        continue;
      }
      Result<int64_t> variant = variants.Id(s.variant);
      if (!variant.ok()) return variant.status();
      Statement& w = found ? *update : *insert;
      w.Bind(1, next_seq++);
      w.BindStatic(2, o.offer_id);
      w.BindStatic(3, s.store_id);
      w.Bind(4, *variant);
      w.Bind(5, s.stock_quantity);
      w.BindStatic(6, AvailabilityName(s.availability));
      w.BindStatic(7, hash);
      w.Bind(8, found ? found->version + 1 : int64_t{1});
      if (found) w.Bind(9, found->seq);
      Status run = w.RunDeferred();
      w.Reset();
      if (!run.ok()) {
        return run.WithContext("offer \"" + o.offer_id + "\" of store \"" + s.store_id + "\"");
      }
      ++(!found || found->deleted ? counts.inserted : counts.updated);
      if (found && !found->deleted) {
        Result<int> before = count_deltas.GroupOfVariant(found->variant);
        if (!before.ok()) return before.status();
        count_deltas.Add(s.store_id, *before, found->availability, -1);
      }
      int& group = variant_group[s.variant];
      if (group < 0) group = count_deltas.GroupOf(o.campaign_id, o.channels);
      count_deltas.Add(s.store_id, group, s.availability, +1);
    }
    variants_added_since_prune_ += variants.added();

    Result<Statement> tombstone =
        conn.Prepare("UPDATE offer_records SET seq = ?, deleted = 1 WHERE seq = ?");
    if (!tombstone.ok()) return tombstone.status();
    for (const StoredOfferState& s : stored) {
      if (s.given || s.deleted ||
          (!scope.store_ids.empty() && std::find(scope.store_ids.begin(), scope.store_ids.end(),
                                                 s.store_id) == scope.store_ids.end())) {
        continue;
      }
      tombstone->Bind(1, next_seq++);
      tombstone->Bind(2, s.seq);
      VITRINE_RETURN_IF_ERROR(tombstone->RunDeferred());
      tombstone->Reset();
      ++counts.deleted;
      Result<int> group = count_deltas.GroupOfVariant(s.variant);
      if (!group.ok()) return group.status();
      count_deltas.Add(s.store_id, *group, s.availability, -1);
    }
    VITRINE_RETURN_IF_ERROR(count_deltas.Flush());

    // Variants no row uses any more (replaced prices, retracted promotions) are deleted
    // now and then: the scan of every row costs about what writing 200,000 rows does.
    if (variants_added_since_prune_ > kPruneVariantsAfter) {
      VITRINE_RETURN_IF_ERROR(conn.Exec(
          "DELETE FROM offer_variants WHERE id NOT IN (SELECT variant FROM offer_records)"));
      variants_added_since_prune_ = 0;
    }
    if (next_seq == first_seq) return Status::Ok();
    Result<Statement> advance =
        conn.Prepare("UPDATE counters SET value = ? WHERE name = 'offer_seq'");
    if (!advance.ok()) return advance.status();
    advance->Bind(1, next_seq - 1);
    VITRINE_RETURN_IF_ERROR(advance->Run());
    return store_internal::NotifyNodes(conn);
  }));
  return counts;
}

namespace {

// PostgreSQL's read of the live offers (and stretches) that UpdateOfferStock patches, for
// many updates per statement; rows this call rewrites are kept up to date, so a later
// update of the same offer sees the earlier one.
class LiveStretches {
 public:
  struct Row {
    int64_t seq;
    int64_t quantity;
    std::string availability;
    std::string hash;
    int64_t variant;
  };

  // Reads the rows of updates[from, from + 64) (fewer at the end); returns the position
  // after the last update read.
  Result<size_t> Read(store_internal::SqlConnection& conn,
                      std::span<const OfferStockUpdate> updates, size_t from) {
    const size_t count = std::bit_floor(std::min<size_t>(kUpdatesPerRead, updates.size() - from));
    // One probe of the per-store index per update (see StoredOffersOfRangesSql).
    std::string sql =
        "SELECT o.seq, o.stock_quantity, o.availability, v.variant_hash, "
        "o.offer_id, o.variant, o.store_id FROM (VALUES ";
    for (size_t i = 0; i < count; ++i) sql += i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)";
    sql +=
        ") AS k(s, lo, hi) CROSS JOIN LATERAL (SELECT seq, stock_quantity, availability, "
        "offer_id, variant, store_id FROM offer_records WHERE store_id = k.s AND offer_id >= "
        "k.lo AND offer_id < k.hi AND deleted = 0 OFFSET 0) o JOIN offer_variants v ON v.id = "
        "o.variant";
    Result<store_internal::Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    std::vector<std::string> ends;
    ends.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      const OfferStockUpdate& u = updates[from + i];
      ends.push_back(u.offer_id + "~\x7f");
      s->BindStatic(static_cast<int>(3 * i + 1), u.store_id);
      s->BindStatic(static_cast<int>(3 * i + 2), u.offer_id);
      s->BindStatic(static_cast<int>(3 * i + 3), ends.back());
    }
    for (;;) {
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      rows_[Key(s->Text(6), s->Text(4))] =
          Row{s->Int(0), s->Int(1), s->Text(2), s->Text(3), s->Int(5)};
    }
    return from + count;
  }

  // The rows of `u`'s offer and its stretches in its store.
  std::vector<Row*> Of(const OfferStockUpdate& u) {
    std::vector<Row*> found;
    const std::string first = Key(u.store_id, u.offer_id);
    for (auto it = rows_.lower_bound(first); it != rows_.end(); ++it) {
      const std::string_view offer_id = std::string_view(it->first).substr(u.store_id.size() + 1);
      if (!it->first.starts_with(first.substr(0, u.store_id.size() + 1)) ||
          !offer_id.starts_with(u.offer_id)) {
        break;
      }
      if (IsStretchOf(offer_id, u.offer_id)) found.push_back(&it->second);
    }
    return found;
  }

  // The row whose seq was `old_seq` now has `new_seq` and `u`'s stock.
  void Written(const OfferStockUpdate& u, int64_t old_seq, int64_t new_seq,
               std::string availability) {
    for (Row* row : Of(u)) {
      if (row->seq != old_seq) continue;
      row->seq = new_seq;
      row->quantity = u.stock_quantity;
      row->availability = std::move(availability);
      return;
    }
  }

 private:
  static constexpr size_t kUpdatesPerRead = 64;
  static std::string Key(std::string_view store, std::string_view offer) {
    std::string key(store);
    key += '\0';
    key += offer;
    return key;
  }
  std::map<std::string, Row> rows_;  // by store and offer id
};

}  // namespace

Result<OfferWriteCounts> SqlDatabase::UpdateOfferStock(std::span<const OfferStockUpdate> updates) {
  OfferWriteCounts counts;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    counts = {};
    // The offer and its later stretches ("~" + start), through the per-store index: the
    // range [id, id + "~\x7f") holds them, and only rarely an id it prefixes ("P1" of
    // "P10"), which IsStretchOf leaves out.
    Result<Statement> read = conn.Prepare(
        "SELECT o.seq, o.stock_quantity, o.availability, v.variant_hash, o.offer_id, o.variant "
        "FROM offer_records o JOIN offer_variants v ON v.id = o.variant "
        "WHERE o.store_id = ?2 AND o.offer_id >= ?1 AND o.offer_id < ?3 "
        "AND o.deleted = 0");
    if (!read.ok()) return read.status();
    Result<Statement> write = conn.Prepare(
        "UPDATE offer_records SET seq = ?, stock_quantity = ?, availability = ?, "
        "content_hash = ?, version = version + 1 WHERE seq = ?");
    if (!write.ok()) return write.status();
    Result<std::string> last =
        conn.QueryText("SELECT value FROM counters WHERE name = 'offer_seq'");
    if (!last.ok()) return last.status();
    int64_t seq = std::stoll(*last);
    struct Live {
      int64_t seq;
      bool same;
      std::string hash;
      int64_t variant;
      Availability availability;
    };
    OfferCountDeltas count_deltas(conn);
    // On PostgreSQL the live offers of 64 updates are read by one statement (a round trip
    // each would cost more than the writes, which go in pipeline mode); SQLite reads each
    // update's where it writes them.
    const bool postgres = conn.dialect() == store_internal::SqlDialect::kPostgres;
    LiveStretches prefetched;
    size_t prefetched_until = 0;
    std::vector<Live> live;
    for (size_t position = 0; position < updates.size(); ++position) {
      const OfferStockUpdate& u = updates[position];
      const std::string_view availability = AvailabilityName(u.availability);
      live.clear();
      auto add = [&](int64_t row_seq, int64_t quantity, std::string_view stored_availability,
                     std::string hash, int64_t variant) {
        live.push_back({row_seq,
                        quantity == u.stock_quantity && stored_availability == availability,
                        std::move(hash), variant, StoredAvailability(stored_availability)});
      };
      if (postgres) {
        if (position == prefetched_until) {
          Result<size_t> read = prefetched.Read(conn, updates, position);
          if (!read.ok()) return read.status();
          prefetched_until = *read;
        }
        for (LiveStretches::Row* row : prefetched.Of(u)) {
          add(row->seq, row->quantity, row->availability, row->hash, row->variant);
        }
      } else {
        const std::string stretches_end = u.offer_id + "~\x7f";
        read->BindStatic(1, u.offer_id);
        read->BindStatic(2, u.store_id);
        read->BindStatic(3, stretches_end);
        for (;;) {
          Result<bool> row = read->Step();
          if (!row.ok()) return row.status();
          if (!*row) break;
          if (!IsStretchOf(read->Text(4), u.offer_id)) continue;
          add(read->Int(0), read->Int(1), read->Text(2), read->Text(3), read->Int(5));
        }
        read->Reset();
      }
      for (const Live& offer : live) {
        if (offer.same) {
          ++counts.unchanged;
          continue;
        }
        const std::string hash =
            StoreContentHash(offer.hash, u.store_id, u.stock_quantity, u.availability);
        write->Bind(1, ++seq);
        write->Bind(2, u.stock_quantity);
        write->BindStatic(3, availability);
        write->BindStatic(4, hash);
        write->Bind(5, offer.seq);
        Status run = write->RunDeferred();
        write->Reset();
        if (postgres) prefetched.Written(u, offer.seq, seq, std::string(availability));
        if (!run.ok()) {
          return run.WithContext("offer \"" + u.offer_id + "\" of store \"" + u.store_id + "\"");
        }
        ++counts.updated;
        if (offer.availability != u.availability) {
          Result<int> group = count_deltas.GroupOfVariant(offer.variant);
          if (!group.ok()) return group.status();
          count_deltas.Add(u.store_id, *group, offer.availability, -1);
          count_deltas.Add(u.store_id, *group, u.availability, +1);
        }
      }
    }
    if (counts.updated == 0) return Status::Ok();
    VITRINE_RETURN_IF_ERROR(count_deltas.Flush());
    Result<Statement> advance =
        conn.Prepare("UPDATE counters SET value = ? WHERE name = 'offer_seq'");
    if (!advance.ok()) return advance.status();
    advance->Bind(1, seq);
    VITRINE_RETURN_IF_ERROR(advance->Run());
    return store_internal::NotifyNodes(conn);
  }));
  return counts;
}

Result<std::optional<PublishedOffer>> SqlDatabase::GetOffer(std::string_view offer_id,
                                                            std::string_view store_id) {
  std::optional<PublishedOffer> offer;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    static const std::string kSql = "SELECT " + OfferColumns() +
                                    " FROM offers WHERE offer_id = ? AND store_id = ? "
                                    "AND deleted = 0";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->Bind(1, offer_id);
    s->Bind(2, store_id);
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    Result<PublishedOffer> o = ReadOffer(*s);
    if (!o.ok()) return o.status();
    offer = std::move(o).value();
    return Status::Ok();
  }));
  return offer;
}

Result<Page<PublishedOffer>> SqlDatabase::ListOffers(const OfferQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckOfferQuery(query));
  std::optional<store_internal::OfferCursor> after;
  if (!query.after.empty()) after = *store_internal::ParseOfferCursor(query.after);
  const std::string channel = "," + query.channel + ",";
  const std::string subtree_begin = query.category + " > ";
  const std::string subtree_end = query.category + " >!";  // '!' follows ' '

  std::string sql = "SELECT " + OfferColumns() + " FROM offers WHERE deleted = 0";
  if (!query.store_id.empty()) sql += " AND store_id = ?";
  if (!query.channel.empty()) sql += " AND instr(channels, ?) > 0";
  if (!query.campaign_id.empty()) sql += " AND campaign_id = ?";
  // No index by product: the view derives product_id from offer_id, so the test costs no
  // read of the offer's content, and with store= the range stays on offers_by_store.
  if (!query.product_id.empty()) sql += " AND product_id = ?";
  if (!query.category.empty()) sql += " AND (category = ? OR (category >= ? AND category < ?))";
  if (query.at) sql += " AND valid_from <= ? AND valid_until > ?";
  if (!query.availability.empty()) {
    sql += " AND availability IN (?";
    for (size_t i = 1; i < query.availability.size(); ++i) sql += ", ?";
    sql += ")";
  }
  if (after) {
    if (query.store_id.empty()) {
      sql += " AND (offer_id, store_id) > (?, ?)";
    } else {
      // With one store, (offer_id, store_id) > (a, s) is a bound on offer_id alone, which
      // keeps the range on offers_by_store.
      sql += query.store_id > after->store_id ? " AND offer_id >= ?" : " AND offer_id > ?";
    }
  }
  sql += " ORDER BY offer_id, store_id LIMIT ?";

  Page<PublishedOffer> page;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    int index = 0;
    if (!query.store_id.empty()) s->BindStatic(++index, query.store_id);
    if (!query.channel.empty()) s->BindStatic(++index, channel);
    if (!query.campaign_id.empty()) s->BindStatic(++index, query.campaign_id);
    if (!query.product_id.empty()) s->BindStatic(++index, query.product_id);
    if (!query.category.empty()) {
      s->BindStatic(++index, query.category);
      s->BindStatic(++index, subtree_begin);
      s->BindStatic(++index, subtree_end);
    }
    if (query.at) {
      s->Bind(++index, ToUnixSeconds(*query.at));
      s->Bind(++index, ToUnixSeconds(*query.at));
    }
    for (Availability a : query.availability) s->BindStatic(++index, AvailabilityName(a));
    if (after) {
      s->BindStatic(++index, after->offer_id);
      if (query.store_id.empty()) s->BindStatic(++index, after->store_id);
    }
    s->Bind(++index, static_cast<int64_t>(query.limit) + 1);
    return CollectPage<PublishedOffer>(*s, query.limit, ReadOffer, store_internal::OfferKey, page);
  }));
  return page;
}

Result<std::vector<OfferChange>> SqlDatabase::ListChanges(int64_t since, int limit,
                                                          std::string_view channel) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckLimit(limit));
  const std::string needle = "," + std::string(channel) + ",";
  std::string sql = "SELECT " + OfferColumns() + " FROM offers WHERE seq > ?";
  if (!channel.empty()) sql += " AND instr(channels, ?) > 0";
  sql += " ORDER BY seq LIMIT ?";
  std::vector<OfferChange> changes;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    int index = 0;
    s->Bind(++index, since);
    if (!channel.empty()) s->BindStatic(++index, needle);
    s->Bind(++index, static_cast<int64_t>(limit));
    for (;;) {
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      OfferChange change;
      change.seq = s->Int(0);
      change.offer_id = s->Text(1);
      change.store_id = s->Text(2);
      change.deleted = s->Int(kOfferColumnCount - 1) != 0;
      if (!change.deleted) {
        Result<PublishedOffer> o = ReadOffer(*s);
        if (!o.ok()) return o.status();
        change.offer = std::move(o).value();
      }
      changes.push_back(std::move(change));
    }
  }));
  return changes;
}

Status SqlDatabase::RecordAssemblyRun(const AssemblyRun& run) {
  return Write([&](Connection& conn) -> Status {
    Result<Statement> add =
        conn.Prepare("INSERT INTO assembly_runs(at, duration_ms, offers_written) VALUES (?, ?, ?)");
    if (!add.ok()) return add.status();
    add->Bind(1, ToUnixSeconds(run.at));
    add->Bind(2, static_cast<int64_t>(run.duration.count()));
    add->Bind(3, run.offers_written);
    VITRINE_RETURN_IF_ERROR(add->Run());
    // AUTOINCREMENT keeps counting after the old rows go, so the count of runs stays exact.
    Result<Statement> prune = conn.Prepare("DELETE FROM assembly_runs WHERE at < ?");
    if (!prune.ok()) return prune.status();
    prune->Bind(1, ToUnixSeconds(run.at) - 24 * 3600);
    VITRINE_RETURN_IF_ERROR(prune->Run());
    if (run.offers_written == 0) return Status::Ok();
    // A counter, not a query over the runs: it outlives their pruning.
    Result<Statement> published = conn.Prepare(
        "INSERT INTO counters(name, value) VALUES ('offers_published_at', ?) "
        "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
    if (!published.ok()) return published.status();
    published->Bind(1, ToUnixSeconds(run.at));
    return published->Run();
  });
}

Result<std::optional<Instant>> SqlDatabase::LastPublishedAt() {
  std::optional<Instant> at;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s =
        conn.Prepare("SELECT value FROM counters WHERE name = 'offers_published_at'");
    if (!s.ok()) return s.status();
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (*row) at = FromUnixSeconds(s->Int(0));
    return Status::Ok();
  }));
  return at;
}

Result<int64_t> SqlDatabase::AssemblyRunCount() {
  int64_t runs = 0;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<std::string> value = conn.QueryText("SELECT coalesce(max(id), 0) FROM assembly_runs");
    if (!value.ok()) return value.status();
    runs = std::stoll(*value);
    return Status::Ok();
  }));
  return runs;
}

Result<OfferFigures> SqlDatabase::ReadOfferFigures(Instant since) {
  OfferFigures figures;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    figures = {};
    Result<Statement> counts = conn.Prepare(
        "SELECT store_id, campaign_id, channels, availability, offers FROM offer_counts "
        "WHERE offers > 0");
    if (!counts.ok()) return counts.status();
    std::string channels_text;
    std::vector<std::string> channels;
    for (;;) {
      Result<bool> row = counts->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      // Channel lists are few: parse each distinct one once.
      if (std::string text = counts->Text(2); text != channels_text) {
        channels = store_internal::ParseChannelsText(text);
        channels_text = std::move(text);
      }
      figures.counts.push_back({counts->Text(0), counts->Text(1), channels,
                                StoredAvailability(counts->Text(3)), counts->Int(4)});
    }
    Result<Statement> minutes = conn.Prepare(
        "SELECT at / 60, sum(offers_written) FROM assembly_runs WHERE at >= ? "
        "GROUP BY at / 60 HAVING sum(offers_written) > 0 ORDER BY 1");
    if (!minutes.ok()) return minutes.status();
    minutes->Bind(1, ToUnixSeconds(since));
    for (;;) {
      Result<bool> row = minutes->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      figures.written_per_minute.emplace_back(FromUnixSeconds(minutes->Int(0) * 60),
                                              minutes->Int(1));
    }
    // Ids are never reused and the newest run is never pruned: its id counts the runs.
    Result<Statement> last = conn.Prepare(
        "SELECT at, duration_ms, offers_written, id FROM assembly_runs ORDER BY id DESC LIMIT 1");
    if (!last.ok()) return last.status();
    Result<bool> row = last->Step();
    if (!row.ok()) return row.status();
    if (*row) {
      figures.last_run = AssemblyRun{FromUnixSeconds(last->Int(0)),
                                     std::chrono::milliseconds(last->Int(1)), last->Int(2)};
      figures.runs = last->Int(3);
    }
    return Status::Ok();
  }));
  return figures;
}

Result<int64_t> SqlDatabase::LastSeq() {
  int64_t seq = 0;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<std::string> value =
        conn.QueryText("SELECT value FROM counters WHERE name = 'offer_seq'");
    if (!value.ok()) return value.status();
    seq = std::stoll(*value);
    return Status::Ok();
  }));
  return seq;
}

// ---------------------------------------------------------------------------------------------
// Streaming reads for the feeds: one statement stepped to the end on one reader connection,
// so the visit sees one consistent snapshot and memory stays constant.

namespace {

struct OfferScanSql {
  std::string where;  // " WHERE deleted = 0 AND ..."
  std::string channel_needle;
};

OfferScanSql ScanWhere(const OfferScan& scan) {
  OfferScanSql q;
  q.where = " WHERE deleted = 0";
  if (!scan.store_id.empty()) q.where += " AND store_id = ?";
  if (!scan.channel.empty()) q.where += " AND instr(channels, ?) > 0";
  if (!scan.campaign_id.empty()) q.where += " AND campaign_id = ?";
  if (scan.ending_after) q.where += " AND valid_until > ?";
  q.channel_needle = "," + scan.channel + ",";
  return q;
}

// A scan reads every page once, so it runs through a small page cache: it neither grows the
// connection by its whole cache size nor evicts the pages other reads keep hot. The
// connection's own size is restored afterwards. (PostgreSQL's buffers are the server's.)
class SmallScanCache {
 public:
  explicit SmallScanCache(SqlConnection& conn) : conn_(conn) {
    if (conn_.dialect() != store_internal::SqlDialect::kSqlite) return;
    Result<std::string> size = conn_.QueryText("PRAGMA cache_size");
    if (size.ok() && conn_.Exec("PRAGMA cache_size=-1024").ok()) before_ = *size;
  }
  ~SmallScanCache() {
    if (!before_.empty()) (void)conn_.Exec(("PRAGMA cache_size=" + before_).c_str());
  }
  SmallScanCache(const SmallScanCache&) = delete;
  SmallScanCache& operator=(const SmallScanCache&) = delete;

 private:
  SqlConnection& conn_;
  std::string before_;
};

void BindScan(Statement& s, const OfferScan& scan, const OfferScanSql& q) {
  int index = 0;
  if (!scan.store_id.empty()) s.BindStatic(++index, scan.store_id);
  if (!scan.channel.empty()) s.BindStatic(++index, q.channel_needle);
  if (!scan.campaign_id.empty()) s.BindStatic(++index, scan.campaign_id);
  if (scan.ending_after) s.Bind(++index, ToUnixSeconds(*scan.ending_after));
}

}  // namespace

Status SqlDatabase::ScanOffers(const OfferScan& scan,
                               const std::function<Status(const PublishedOffer&)>& visit) {
  const OfferScanSql q = ScanWhere(scan);
  const std::string sql = "SELECT " + OfferColumns() + " FROM offers" + q.where +
                          (scan.by_key ? " ORDER BY offer_id, store_id" : " ORDER BY seq");
  return Read([&](Connection& conn) -> Status {
    SmallScanCache cache(conn);
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    BindScan(*s, scan, q);
    for (;;) {
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      Result<PublishedOffer> offer = ReadOffer(*s);
      if (!offer.ok()) return offer.status();
      VITRINE_RETURN_IF_ERROR(visit(*offer));
    }
  });
}

Status SqlDatabase::ScanInventory(const OfferScan& scan,
                                  const std::function<Status(const OfferInventoryRow&)>& visit) {
  const OfferScanSql q = ScanWhere(scan);
  const std::string sql =
      "SELECT product_id, store_id, timezone, valid_from, valid_until, currency, regular_minor, "
      "shelf_minor, stock_quantity, availability FROM offers" +
      q.where + (scan.by_key ? " ORDER BY offer_id, store_id" : " ORDER BY seq");
  return Read([&](Connection& conn) -> Status {
    SmallScanCache cache(conn);
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    BindScan(*s, scan, q);
    // Currency and availability repeat on almost every row: parse each spelling once.
    std::string currency_text, availability_text;
    Currency currency;
    Availability availability = Availability::kOutOfStock;
    std::string product_id, store_id, timezone;
    for (;;) {
      Result<bool> step = s->Step();
      if (!step.ok()) return step.status();
      if (!*step) return Status::Ok();
      product_id = s->Text(0);
      store_id = s->Text(1);
      timezone = s->Text(2);
      std::string text = s->Text(5);
      if (text != currency_text) {
        Result<Currency> c = Currency::Parse(text);
        if (!c.ok()) return c.status().WithContext("offer of store " + store_id);
        currency = *c;
        currency_text = std::move(text);
      }
      text = s->Text(9);
      if (text != availability_text) {
        std::optional<Availability> a = store_internal::ParseAvailability(text);
        if (!a) return Status::Internal("unknown availability \"" + text + "\" in the database");
        availability = *a;
        availability_text = std::move(text);
      }
      OfferInventoryRow row;
      row.product_id = product_id;
      row.store_id = store_id;
      row.timezone = timezone;
      row.validity = {FromUnixSeconds(s->Int(3)), FromUnixSeconds(s->Int(4))};
      row.regular_price = Money(s->Int(6), currency);
      row.shelf_price = Money(s->Int(7), currency);
      row.stock_quantity = s->Int(8);
      row.availability = availability;
      VITRINE_RETURN_IF_ERROR(visit(row));
    }
  });
}

}  // namespace vitrine
