// Catalogue routes: products, stores, prices, stock, price history and imports.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "api_routes.h"
#include "api_support.h"
#include "catalog/field_error.h"
#include "product_pages.h"
#include "server/json_body.h"

namespace vitrine::api {
namespace {

constexpr size_t kMaxFilterBytes = 200;

std::optional<HttpResponse> CheckFilterLength(const HttpRequest& request,
                                              std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (auto value = request.Query(name); value && value->size() > kMaxFilterBytes) {
      return BadParameter(name, "is longer than 200 bytes");
    }
  }
  return std::nullopt;
}

HttpResponse ListOrFailure(const Status& status) {
  if (status.code() == StatusCode::kInvalidArgument) return HttpResponse::FromStatus(status);
  return StoreFailure(status);
}

std::optional<double> ParseDouble(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// Reads a JSON body that is an object, or (when `allow_array`) an array of objects, each
// with only the import columns of `kind`. Returns the rows as an array.
std::optional<nlohmann::json> ReadRows(const HttpRequest& request, ImportKind kind,
                                       bool allow_array, std::optional<HttpResponse>* problem) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) {
    *problem =
        HttpResponse::FromStatus(body.status(), {{"body", std::nullopt, body.status().message()}});
    return std::nullopt;
  }
  nlohmann::json rows = body->is_array() && allow_array ? *body : nlohmann::json::array({*body});
  if (rows.empty()) {
    *problem = HttpResponse::Problem(400, "Invalid body", "the array holds no rows",
                                     {{"body", std::nullopt, "the array holds no rows"}});
    return std::nullopt;
  }
  if (rows.size() > 100000) {
    *problem = HttpResponse::Problem(413, "Too many rows",
                                     "at most 100,000 rows per request; use the imports route",
                                     {{"body", std::nullopt, "more than 100,000 rows"}});
    return std::nullopt;
  }
  for (const auto& row : rows) {
    if (auto rejected = RejectUnknownColumns(row, kind)) {
      *problem = std::move(rejected);
      return std::nullopt;
    }
  }
  return rows;
}

class CatalogRoutes {
 public:
  CatalogRoutes(const ApiServices& services, std::shared_ptr<StoreDirectory> stores)
      : s_(services), stores_(std::move(stores)), pages_(std::make_shared<ProductPages>()) {}

  HttpResponse ListProducts(const HttpRequest& request) const {
    std::optional<HttpResponse> problem =
        CheckFilterLength(request, {"q", "category", "brand", "gtin"});
    ProductQuery query;
    query.text = request.Query("q").value_or("");
    query.category = request.Query("category").value_or("");
    query.brand = request.Query("brand").value_or("");
    query.gtin = request.Query("gtin").value_or("");
    if (!problem) query.after = CursorKey(request, "products", &problem);
    if (!problem) {
      if (auto limit = ParseLimit(request, &problem)) query.limit = *limit;
    }
    if (problem) return *problem;
    auto page = s_.catalog->ListProducts(query);
    if (!page.ok()) return ListOrFailure(page.status());
    nlohmann::json items = nlohmann::json::array();
    for (const Product& p : page->items) items.push_back(ToJson(p));
    return HttpResponse::Json(200, PageJson(std::move(items), "products", page->next_after));
  }

  HttpResponse GetProduct(const HttpRequest& request) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    const std::string_view id = request.PathParam("id");
    if (auto page = pages_->Find(id)) {
      return HttpResponse::Text(200, *page, "application/json");
    }
    const uint64_t generation = pages_->Generation();
    auto product = s_.catalog->GetProduct(id);
    if (!product.ok()) return StoreFailure(product.status());
    if (!product->has_value()) return EntityNotFound("product", id);
    HttpResponse response = HttpResponse::Json(200, ToJson(**product));
    pages_->Keep(id, response.body, generation);
    return response;
  }

  HttpResponse PutProduct(const HttpRequest& request) const {
    HttpResponse response =
        PutEntity(request, ImportKind::kProducts, "product", [this](std::string_view id) {
          auto p = s_.catalog->GetProduct(id);
          return p.ok() && p->has_value() ? ToJson(**p) : nlohmann::json();
        });
    if (response.status < 300) Changed({std::string(request.PathParam("id"))});
    return response;
  }

  HttpResponse DeleteProduct(const HttpRequest& request) const {
    // After the delete: a read that loaded the product before it cannot keep it any more,
    // its generation is past.
    struct ForgetAfter {
      ProductPages& pages;
      std::string_view id;
      ~ForgetAfter() { pages.Forget(id); }
    } forget_after{*pages_, request.PathParam("id")};
    return DeleteAudited(
        request, s_, "product",
        [this](const std::string& id) -> Result<nlohmann::json> {
          auto p = s_.catalog->GetProduct(id);
          if (!p.ok()) return p.status();
          return p->has_value() ? ToJson(**p) : nlohmann::json();
        },
        [this](const std::string& id) { return s_.catalog->DeleteProduct(id); });
  }

  HttpResponse PriceHistory(const HttpRequest& request) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    const std::string product_id(request.PathParam("id"));
    auto product = s_.catalog->GetProduct(product_id);
    if (!product.ok()) return StoreFailure(product.status());
    if (!product->has_value()) return EntityNotFound("product", product_id);
    std::optional<Store> store;
    if (auto store_id = request.Query("store")) {
      if (!field_rules::IsValidId(*store_id)) return BadParameter("store", "is not a store id");
      auto found = s_.catalog->GetStore(*store_id);
      if (!found.ok()) return StoreFailure(found.status());
      if (!found->has_value()) return EntityNotFound("store", *store_id);
      store = **found;
    }
    auto history = s_.catalog->ListPriceHistory(product_id);
    if (!history.ok()) return StoreFailure(history.status());
    nlohmann::json entries = nlohmann::json::array();
    for (const Price& p : *history) entries.push_back(ToJson(p));
    nlohmann::json out = {{"product_id", product_id},
                          {"store_id", store ? nlohmann::json(store->id) : nlohmann::json()},
                          {"entries", std::move(entries)}};
    if (store) {
      nlohmann::json applied = nlohmann::json::array();
      for (const AppliedPrice& a : AppliedPriceTimeline(*history, *store)) {
        applied.push_back(
            {{"from", FormatUtc(a.from)},
             {"until",
              a.until == Instant::max() ? nlohmann::json() : nlohmann::json(FormatUtc(a.until))},
             {"price", a.amount.ToFeedString()},
             {"amount_minor", a.amount.minor_units()},
             {"currency", a.amount.currency().code()},
             {"level", PriceLevelName(a.level)}});
      }
      out["applied"] = std::move(applied);
    }
    return HttpResponse::Json(200, out);
  }

  HttpResponse ListStores(const HttpRequest& request) const {
    std::optional<HttpResponse> problem = CheckFilterLength(request, {"zone", "near"});
    if (problem) return *problem;
    const auto limit = ParseLimit(request, &problem);
    if (problem) return *problem;
    const std::string zone(request.Query("zone").value_or(""));
    if (!zone.empty() && !field_rules::IsValidId(zone)) {
      return BadParameter("zone", "is not a price zone id");
    }
    if (auto near = request.Query("near")) return ListStoresNear(request, *near, zone, *limit);
    if (request.Query("radius_km")) return BadParameter("radius_km", "needs near=lat,lon");
    StoreQuery query;
    query.zone = zone;
    query.limit = *limit;
    query.after = CursorKey(request, "stores", &problem);
    if (problem) return *problem;
    auto page = s_.catalog->ListStores(query);
    if (!page.ok()) return ListOrFailure(page.status());
    nlohmann::json items = nlohmann::json::array();
    for (const Store& st : page->items) items.push_back(ToJson(st));
    return HttpResponse::Json(200, PageJson(std::move(items), "stores", page->next_after));
  }

  HttpResponse GetStore(const HttpRequest& request) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    auto store = s_.catalog->GetStore(request.PathParam("id"));
    if (!store.ok()) return StoreFailure(store.status());
    if (!store->has_value()) return EntityNotFound("store", request.PathParam("id"));
    return HttpResponse::Json(200, ToJson(**store));
  }

  HttpResponse PutStore(const HttpRequest& request) const {
    HttpResponse response =
        PutEntity(request, ImportKind::kStores, "store", [this](std::string_view id) {
          auto st = s_.catalog->GetStore(id);
          return st.ok() && st->has_value() ? ToJson(**st) : nlohmann::json();
        });
    stores_->Invalidate();  // after the write: a reload now sees it
    if (response.status < 300) Changed({});
    return response;
  }

  HttpResponse DeleteStore(const HttpRequest& request) const {
    HttpResponse response = DeleteAudited(
        request, s_, "store",
        [this](const std::string& id) -> Result<nlohmann::json> {
          auto st = s_.catalog->GetStore(id);
          if (!st.ok()) return st.status();
          return st->has_value() ? ToJson(**st) : nlohmann::json();
        },
        [this](const std::string& id) { return s_.catalog->DeleteStore(id); });
    stores_->Invalidate();
    if (response.status < 300) Changed({});
    return response;
  }

  HttpResponse ListPrices(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    PriceQuery query;
    query.product_id = request.Query("product").value_or("");
    if (!query.product_id.empty() && !field_rules::IsValidId(query.product_id)) {
      return BadParameter("product", "is not a product id");
    }
    if (auto level = request.Query("level")) {
      auto parsed = ParsePriceLevel(*level);
      if (!parsed || level->empty()) {
        return BadParameter("level", "must be national, zone or store");
      }
      query.level = *parsed;
    }
    query.level_id = request.Query("level_id").value_or("");
    if (!query.level_id.empty() && (!query.level || !field_rules::IsValidId(query.level_id))) {
      return BadParameter("level_id", "needs level=zone or level=store and a valid id");
    }
    query.at = s_.clock->Now();
    if (auto at = request.Query("at")) {
      auto parsed = ParseInstant(*at);
      if (!parsed.ok()) return BadParameter("at", parsed.status().message());
      query.at = *parsed;
    }
    query.after = CursorKey(request, "prices", &problem);
    if (!problem) {
      if (auto limit = ParseLimit(request, &problem)) query.limit = *limit;
    }
    if (problem) return *problem;
    auto page = s_.catalog->ListPrices(query);
    if (!page.ok()) return ListOrFailure(page.status());
    nlohmann::json items = nlohmann::json::array();
    for (const Price& p : page->items) items.push_back(ToJson(p));
    return HttpResponse::Json(200, PageJson(std::move(items), "prices", page->next_after));
  }

  HttpResponse ListStock(const HttpRequest& request) const {
    std::optional<HttpResponse> problem;
    StockQuery query;
    query.product_id = request.Query("product").value_or("");
    query.store_id = request.Query("store").value_or("");
    if (!query.product_id.empty() && !field_rules::IsValidId(query.product_id)) {
      return BadParameter("product", "is not a product id");
    }
    if (!query.store_id.empty() && !field_rules::IsValidId(query.store_id)) {
      return BadParameter("store", "is not a store id");
    }
    query.after = CursorKey(request, "stock", &problem);
    if (!problem) {
      if (auto limit = ParseLimit(request, &problem)) query.limit = *limit;
    }
    if (problem) return *problem;
    auto page = s_.catalog->ListStock(query);
    if (!page.ok()) return ListOrFailure(page.status());
    nlohmann::json items = nlohmann::json::array();
    for (const StockLevel& level : page->items) items.push_back(ToJson(level));
    return HttpResponse::Json(200, PageJson(std::move(items), "stock", page->next_after));
  }

  // PUT /prices and PUT /stock: an array of rows, all or nothing.
  HttpResponse PutRows(const HttpRequest& request, ImportKind kind) const {
    std::optional<HttpResponse> problem;
    auto rows = ReadRows(request, kind, /*allow_array=*/true, &problem);
    if (!rows) return *problem;
    JsonLanding landing =
        LandJsonRows(s_, request, kind, *rows, "write", std::string(ImportKindName(kind)), "",
                     nlohmann::json(), nullptr);
    if (landing.problem) return *landing.problem;
    std::vector<std::string> products;
    for (const auto& row : *rows) {
      if (auto it = row.find("product_id"); it != row.end() && it->is_string()) {
        products.push_back(it->get<std::string>());
      }
    }
    Changed(std::move(products));
    return HttpResponse::Json(200, landing.report.ToJson());
  }

  HttpResponse PostImport(const HttpRequest& request) const {
    const auto kind = ParseImportKind(request.PathParam("kind"));
    if (!kind) return BadParameter("kind", "must be products, stores, prices or stock");
    ImportOptions options;
    options.clock = s_.clock;
    if (auto strict = request.Query("strict")) {
      if (*strict != "true" && *strict != "false") {
        return BadParameter("strict", "must be true or false");
      }
      options.strict = *strict == "true";
    }
    if (auto format = request.Query("format")) {
      auto parsed = ParseImportFormat(*format);
      if (!parsed) return BadParameter("format", "must be auto, csv, json or ndjson");
      options.format = *parsed;
    }
    std::istringstream in(request.body);
    auto report = Import(*s_.catalog, *kind, in, options);
    if (*kind == ImportKind::kStores) stores_->Invalidate();
    if (!report.ok()) {
      if (report.status().code() == StatusCode::kInvalidArgument) {
        return HttpResponse::FromStatus(report.status());
      }
      return StoreFailure(report.status());
    }
    if (report->inserted + report->updated > 0) {
      Changed({});  // the change log names what landed; the pages of any product may be stale
      // One entry per import: its report says what landed. Row-level before/after of a
      // million-row file would make the log the biggest table of the database.
      auto seq = s_.audit->Append(AuditFor(request, *s_.clock, "import",
                                           std::string(ImportKindName(*kind)), "", nlohmann::json(),
                                           report->ToJson()));
      if (!seq.ok()) return StoreFailure(seq.status());
    }
    if (!report->committed) {
      HttpResponse problem = HttpResponse::Problem(422, "Nothing imported",
                                                   std::to_string(report->rejected) + " of " +
                                                       std::to_string(report->rows_read) +
                                                       " rows rejected; nothing was written",
                                                   ProblemsFrom(*report));
      (*problem.problem)["report"] = report->ToJson();
      return problem;
    }
    return HttpResponse::Json(200, report->ToJson());
  }

  // Forgets what these change-log entries changed in the caches of this process.
  void Forget(const std::vector<ChangeEntry>& entries) const {
    for (const ChangeEntry& entry : entries) {
      if (entry.kind == ChangeKind::kStores || entry.kind == ChangeKind::kAll)
        stores_->Invalidate();
      if (entry.kind == ChangeKind::kAll) pages_->Forget();
      if (entry.kind != ChangeKind::kProducts) continue;
      for (const std::string& id : entry.keys) pages_->Forget(id);
    }
  }

 private:
  // After a write of these products (empty: any): their kept pages go at once, since the
  // change follower tells the observers only a moment later; the writes themselves are in
  // the change log, and the offers follow it.
  void Changed(std::vector<std::string> product_ids) const {
    if (product_ids.empty()) pages_->Forget();
    for (const std::string& id : product_ids) pages_->Forget(id);
    if (s_.changes_written) s_.changes_written();
  }

  HttpResponse PutEntity(const HttpRequest& request, ImportKind kind, const char* entity,
                         const std::function<nlohmann::json(std::string_view)>& load) const {
    if (auto bad = CheckPathId(request, "id")) return *bad;
    const std::string id(request.PathParam("id"));
    std::optional<HttpResponse> problem;
    auto rows = ReadRows(request, kind, /*allow_array=*/false, &problem);
    if (!rows) return *problem;
    nlohmann::json& row = (*rows)[0];
    if (row.contains("id") && row["id"] != id) {
      return BadParameter("id", "in the body differs from the id in the path");
    }
    row["id"] = id;
    const nlohmann::json before = load(id);
    JsonLanding landing =
        LandJsonRows(s_, request, kind, *rows, before.is_null() ? "create" : "update", entity, id,
                     before, [&] { return load(id); });
    if (landing.problem) return *landing.problem;
    return HttpResponse::Json(before.is_null() ? 201 : 200, load(id));
  }

  HttpResponse ListStoresNear(const HttpRequest& request, std::string_view near,
                              const std::string& zone, int limit) const {
    const size_t comma = near.find(',');
    const auto lat =
        comma == std::string_view::npos ? std::nullopt : ParseDouble(near.substr(0, comma));
    const auto lon =
        comma == std::string_view::npos ? std::nullopt : ParseDouble(near.substr(comma + 1));
    if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
      return BadParameter("near", "must be lat,lon in decimal degrees, e.g. 45.76,4.84");
    }
    double radius = 10;
    if (auto text = request.Query("radius_km")) {
      auto parsed = ParseDouble(*text);
      if (!parsed || *parsed <= 0 || *parsed > 1000) {
        return BadParameter("radius_km", "must be a number of kilometres above 0, at most 1000");
      }
      radius = *parsed;
    }
    std::optional<HttpResponse> problem;
    const std::string offset_key = CursorKey(request, "stores-near", &problem);
    if (problem) return *problem;
    size_t offset = 0;
    if (!offset_key.empty()) {
      auto [end, ec] =
          std::from_chars(offset_key.data(), offset_key.data() + offset_key.size(), offset);
      if (ec != std::errc()) return BadParameter("cursor", "is not a cursor of this list");
    }
    auto nearby = stores_->Near(
        *lat, *lon, radius, [&](const Store& st) { return zone.empty() || st.price_zone == zone; });
    if (!nearby.ok()) return StoreFailure(nearby.status());
    // The page is put together from each store's JSON, encoded once per snapshot.
    const auto& hits = nearby->hits;
    std::string items;
    for (size_t i = offset; i < hits.size() && i < offset + limit; ++i) {
      if (i > offset) items += ',';
      items += hits[i].json->before_distance;
      items += StoreSnapshot::DistanceText(hits[i].distance_km);
      items += hits[i].json->after_distance;
    }
    const std::string next =
        offset + limit < hits.size() ? std::to_string(offset + limit) : std::string();
    return HttpResponse::Text(200, PageJsonText(items, "stores-near", next), "application/json");
  }

  const ApiServices& s_;
  std::shared_ptr<StoreDirectory> stores_;
  std::shared_ptr<ProductPages> pages_;  // shared: handlers are const
};

}  // namespace

Status AddCatalogRoutes(HttpServer& server, const ApiServices& services,
                        std::shared_ptr<StoreDirectory> stores) {
  auto routes = std::make_shared<CatalogRoutes>(services, std::move(stores));
  if (services.observe_changes) {
    // Writes of other processes (a `vitrine import`, another node) reach the caches too.
    std::weak_ptr<CatalogRoutes> weak = routes;
    services.observe_changes([weak](const std::vector<ChangeEntry>& entries) {
      if (auto kept = weak.lock()) kept->Forget(entries);
    });
  }
  auto bind = [routes](auto method) { return Handler(routes, method); };
  const std::vector<std::string> json_body = {"application/json"};
  const std::vector<std::string> import_body = {
      "text/csv", "application/json", "application/x-ndjson", "application/ndjson", "text/plain"};
  std::vector<Route> table = {
      {"GET",
       "/api/v1/products",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CatalogRoutes::ListProducts),
       {"q", "category", "brand", "gtin", "cursor", "limit"}},
      {"GET",
       "/api/v1/products/{id}",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CatalogRoutes::GetProduct)},
      {"PUT", "/api/v1/products/{id}", Role::kEditor, false, json_body, "",
       bind(&CatalogRoutes::PutProduct)},
      {"DELETE",
       "/api/v1/products/{id}",
       Role::kEditor,
       false,
       {},
       "",
       bind(&CatalogRoutes::DeleteProduct)},
      {"GET",
       "/api/v1/products/{id}/price-history",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CatalogRoutes::PriceHistory),
       {"store"}},
      {"GET",
       "/api/v1/stores",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CatalogRoutes::ListStores),
       {"near", "radius_km", "zone", "cursor", "limit"}},
      {"GET", "/api/v1/stores/{id}", Role::kViewer, false, {}, "", bind(&CatalogRoutes::GetStore)},
      {"PUT", "/api/v1/stores/{id}", Role::kEditor, false, json_body, "",
       bind(&CatalogRoutes::PutStore)},
      {"DELETE",
       "/api/v1/stores/{id}",
       Role::kEditor,
       false,
       {},
       "",
       bind(&CatalogRoutes::DeleteStore)},
      {"GET",
       "/api/v1/prices",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CatalogRoutes::ListPrices),
       {"product", "level", "level_id", "at", "cursor", "limit"}},
      {"PUT", "/api/v1/prices", Role::kEditor, false, json_body, "",
       [routes](const HttpRequest& r) { return routes->PutRows(r, ImportKind::kPrices); }},
      {"GET",
       "/api/v1/stock",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CatalogRoutes::ListStock),
       {"product", "store", "cursor", "limit"}},
      {"PUT", "/api/v1/stock", Role::kEditor, false, json_body, "",
       [routes](const HttpRequest& r) { return routes->PutRows(r, ImportKind::kStock); }},
      {"POST",
       "/api/v1/imports/{kind}",
       Role::kEditor,
       false,
       import_body,
       "",
       bind(&CatalogRoutes::PostImport),
       {"strict", "format"}},
  };
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api
