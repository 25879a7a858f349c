#include "store/sql_database.h"

#include <algorithm>
#include <bit>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "change_keys.h"
#include "query_keys.h"
#include "sql_change_log.h"
#include "sql_connection.h"
#include "store/migrations.h"
#include "text_folding.h"

namespace vitrine {

namespace {

using store_internal::ChangedKeys;
using store_internal::LogChange;
using store_internal::SqlConnection;
using store_internal::SqlDialect;
using store_internal::Statement;

constexpr char kProductColumns[] =
    "id, gtin, title, brand, description, category, google_category, "
    "net_quantity_per_item_milli_base, net_quantity_pack_count, net_quantity_unit, "
    "unit_pricing_base_per_item_milli_base, unit_pricing_base_pack_count, "
    "unit_pricing_base_unit, image_url, perishable, attributes, updated_at";

constexpr char kStoreColumns[] =
    "id, name, banner, address, postal_code, city, country, lat, lon, timezone, price_zone, "
    "services, updated_at";

constexpr char kPriceColumns[] =
    "product_id, level, level_id, amount_minor, currency, effective_from";

Result<Unit> UnitFromSymbol(std::string_view symbol) {
  for (Unit u : {Unit::kMilligram, Unit::kGram, Unit::kKilogram, Unit::kMillilitre,
                 Unit::kCentilitre, Unit::kLitre, Unit::kPiece}) {
    if (UnitSymbol(u) == symbol) return u;
  }
  return Status::Internal("unknown unit \"" + std::string(symbol) + "\" in the database");
}

// Reads a Quantity stored as (per_item_milli_base, pack_count, unit) at `column`.
Result<std::optional<Quantity>> ReadQuantity(const Statement& s, int column) {
  if (s.IsNull(column)) return std::optional<Quantity>();
  const int64_t per_item = s.Int(column);
  Result<Unit> unit = UnitFromSymbol(s.Text(column + 2));
  if (!unit.ok()) return unit.status();
  const Quantity q = Quantity::Of(per_item * 1000 / MilliBasePerUnit(*unit), *unit,
                                  static_cast<int>(s.Int(column + 1)));
  if (q.per_item_milli_base() != per_item) {
    return Status::Internal("stored quantity " + std::to_string(per_item) + " " +
                            std::string(UnitSymbol(*unit)) + " cannot be rebuilt exactly");
  }
  return std::optional<Quantity>(q);
}

void BindQuantity(Statement& s, int index, const std::optional<Quantity>& q) {
  if (!q) {
    s.BindNull(index);
    s.BindNull(index + 1);
    s.BindNull(index + 2);
    return;
  }
  s.Bind(index, q->per_item_milli_base());
  s.Bind(index + 1, static_cast<int64_t>(q->pack_count()));
  s.Bind(index + 2, UnitSymbol(q->unit()));
}

// Reads the kProductColumns of the current row.
Result<Product> ReadProduct(const Statement& s) {
  Product p;
  p.id = s.Text(0);
  if (!s.IsNull(1)) {
    Result<Gtin> gtin = Gtin::Parse(s.Text(1));
    if (!gtin.ok()) return gtin.status().WithContext("product " + p.id + " in the database");
    p.gtin = *gtin;
  }
  p.title = s.Text(2);
  p.brand = s.Text(3);
  p.description = s.Text(4);
  p.category = s.Text(5);
  p.google_category = s.Text(6);
  Result<std::optional<Quantity>> net = ReadQuantity(s, 7);
  if (!net.ok()) return net.status();
  p.net_quantity = *net;
  Result<std::optional<Quantity>> base = ReadQuantity(s, 10);
  if (!base.ok()) return base.status();
  p.unit_pricing_base = *base;
  p.image_url = s.Text(13);
  p.perishable = s.Int(14) != 0;
  p.attributes = nlohmann::json::parse(s.Text(15));
  p.updated_at = FromUnixSeconds(s.Int(16));
  return p;
}

Result<Store> ReadStore(const Statement& s) {
  Store st;
  st.id = s.Text(0);
  st.name = s.Text(1);
  st.banner = s.Text(2);
  st.address = s.Text(3);
  st.postal_code = s.Text(4);
  st.city = s.Text(5);
  st.country = s.Text(6);
  st.lat = s.Double(7);
  st.lon = s.Double(8);
  st.timezone = s.Text(9);
  st.price_zone = s.Text(10);  // NULL reads as ""
  st.services = nlohmann::json::parse(s.Text(11)).get<std::vector<std::string>>();
  st.updated_at = FromUnixSeconds(s.Int(12));
  return st;
}

// Reads the kPriceColumns starting at `column` (the last one may be an aggregate).
Result<Price> ReadPrice(const Statement& s) {
  Price p;
  p.product_id = s.Text(0);
  p.level = static_cast<PriceLevel>(s.Int(1));
  p.level_id = s.Text(2);
  Result<Currency> currency = Currency::Parse(s.Text(4));
  if (!currency.ok()) return currency.status().WithContext("price in the database");
  p.amount = Money(s.Int(3), *currency);
  p.effective_from = FromUnixSeconds(s.Int(5));
  return p;
}

StockLevel ReadStock(const Statement& s) {
  return {s.Text(0), s.Text(1), s.Int(2), FromUnixSeconds(s.Int(3))};
}

// A positional binder for statements whose SQL is assembled from the query's filters.
class Binder {
 public:
  explicit Binder(Statement& s) : s_(s) {}
  template <typename V>
  Binder& operator()(V value) {
    s_.Bind(++index_, value);
    return *this;
  }

 private:
  Statement& s_;
  int index_ = 0;
};

Result<bool> Exists(SqlConnection& conn, const std::string& sql, std::string_view key) {
  Result<Statement> s = conn.Prepare(sql);
  if (!s.ok()) return s.status();
  s->Bind(1, key);
  return s->Step();
}

std::string AttributesText(const Product& p) {
  // Strict: invalid UTF-8 inside the attributes throws, and the caller reports it.
  return p.attributes.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Products

namespace {

// The product upsert, for `rows` products at once: one statement per chunk of rows rather
// than per row, which binds and steps far less for the six B-trees of a product. On SQLite
// the search index is not touched here (see IndexProductTexts); on PostgreSQL the row's
// search_words are its 19th parameter.
std::string ProductUpsertSql(int rows, SqlDialect dialect) {
  const bool words = dialect == SqlDialect::kPostgres;
  std::string sql =
      "INSERT INTO products(id, gtin, title, brand, brand_key, description, category, "
      "google_category, net_quantity_per_item_milli_base, net_quantity_pack_count, "
      "net_quantity_unit, unit_pricing_base_per_item_milli_base, "
      "unit_pricing_base_pack_count, unit_pricing_base_unit, image_url, perishable, "
      "attributes, updated_at";
  sql += words ? ", search_words) VALUES " : ") VALUES ";
  for (int i = 0; i < rows; ++i) {
    sql += i == 0 ? "" : ",";
    sql +=
        words ? "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  }
  sql +=
      " ON CONFLICT(id) DO UPDATE SET gtin = excluded.gtin, title = excluded.title, "
      "brand = excluded.brand, brand_key = excluded.brand_key, "
      "description = excluded.description, category = excluded.category, "
      "google_category = excluded.google_category, "
      "net_quantity_per_item_milli_base = excluded.net_quantity_per_item_milli_base, "
      "net_quantity_pack_count = excluded.net_quantity_pack_count, "
      "net_quantity_unit = excluded.net_quantity_unit, "
      "unit_pricing_base_per_item_milli_base = "
      "excluded.unit_pricing_base_per_item_milli_base, "
      "unit_pricing_base_pack_count = excluded.unit_pricing_base_pack_count, "
      "unit_pricing_base_unit = excluded.unit_pricing_base_unit, "
      "image_url = excluded.image_url, perishable = excluded.perishable, "
      "attributes = excluded.attributes, updated_at = excluded.updated_at";
  if (words) sql += ", search_words = excluded.search_words";
  return sql;
}
constexpr int kProductParams = 18;

// The search tokens of a product's title, brand and description, each after a space, so
// that `LIKE '% tok%'` finds the products with a token starting with "tok" (PostgreSQL).
std::string SearchWords(const Product& p) {
  std::string words;
  for (const std::string* text : {&p.title, &p.brand, &p.description}) {
    for (const std::string& token : store_internal::SearchTokens(*text)) {
      words += ' ';
      words += token;
    }
  }
  return words;
}
// Rows per upsert statement: 256 x 18 parameters stays far below SQLite's limit of 32766.
// Shorter runs use the powers of two below it, so at most 9 statement shapes are cached.
constexpr size_t kProductsPerStatement = 256;

// A product waiting in PutProducts for its multi-row upsert, with the columns computed
// from it (the statement binds them without copying).
struct PendingProduct {
  const Product* product;
  std::string brand_key;
  std::string attributes;
  std::string search_words;  // PostgreSQL only
};

// The texts of a product as the search index holds them, to take them out of it again.
struct IndexedTexts {
  int64_t doc_id;
  std::string title;
  std::string brand;
  std::string description;
};

// Brings products_fts in step with the products written by one PutProducts transaction, in
// two statements whatever the number of rows: the texts of `stale` (rows whose title, brand or
// description changed) leave the index, then the rows inserted since `doc_id_before` and the
// rows of `stale` enter it with their new texts. FTS5 writes its pending terms to a new
// segment at every statement savepoint, so the per-row triggers this replaces cost more than
// the rest of the row (one segment, then merges, per 256-row upsert statement); here an
// import batch leaves one segment.
Status IndexProductTexts(SqlConnection& conn, int64_t doc_id_before,
                         const std::vector<IndexedTexts>& stale) {
  nlohmann::json stale_ids = nlohmann::json::array();
  if (!stale.empty()) {
    nlohmann::json old_texts = nlohmann::json::array();
    for (const IndexedTexts& t : stale) {
      stale_ids.push_back(t.doc_id);
      old_texts.push_back({t.doc_id, t.title, t.brand, t.description});
    }
    Result<Statement> remove = conn.Prepare(
        "INSERT INTO products_fts(products_fts, rowid, title, brand, description) "
        "SELECT 'delete', value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)");
    if (!remove.ok()) return remove.status();
    const std::string text = old_texts.dump();
    remove->BindStatic(1, text);
    VITRINE_RETURN_IF_ERROR(remove->Run().WithContext("take changed products out of the search"));
  }
  Result<Statement> add = conn.Prepare(
      "INSERT INTO products_fts(rowid, title, brand, description) "
      "SELECT doc_id, title, brand, description FROM products WHERE doc_id > ?1 "
      "UNION ALL SELECT doc_id, title, brand, description FROM products "
      "WHERE doc_id IN (SELECT value FROM json_each(?2))");
  if (!add.ok()) return add.status();
  const std::string ids = stale_ids.dump();
  add->Bind(1, doc_id_before);
  add->BindStatic(2, ids);
  return add->Run().WithContext("add products to the search");
}

void BindProduct(Statement& u, int base, const PendingProduct& row, int64_t now,
                 SqlDialect dialect) {
  const Product& p = *row.product;
  u.BindStatic(base + 1, p.id);
  if (p.gtin) {
    u.BindStatic(base + 2, p.gtin->digits());
  } else {
    u.BindNull(base + 2);
  }
  u.BindStatic(base + 3, p.title);
  u.BindStatic(base + 4, p.brand);
  u.BindStatic(base + 5, row.brand_key);
  u.BindStatic(base + 6, p.description);
  u.BindStatic(base + 7, p.category);
  u.BindStatic(base + 8, p.google_category);
  BindQuantity(u, base + 9, p.net_quantity);
  BindQuantity(u, base + 12, p.unit_pricing_base);
  u.BindStatic(base + 15, p.image_url);
  u.Bind(base + 16, static_cast<int64_t>(p.perishable ? 1 : 0));
  u.BindStatic(base + 17, row.attributes);
  u.Bind(base + 18, now);
  if (dialect == SqlDialect::kPostgres) u.BindStatic(base + 19, row.search_words);
}

}  // namespace

Result<std::vector<WriteOutcome>> SqlDatabase::PutProducts(std::span<const Product> products,
                                                           Instant now) {
  std::vector<WriteOutcome> outcomes;
  outcomes.reserve(products.size());
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    // doc_id comes after the kProductColumns that ReadProduct reads.
    static const std::string kSelect =
        std::string("SELECT ") + kProductColumns + ", doc_id FROM products WHERE id = ?";
    constexpr int kDocIdColumn = 17;
    Result<Statement> select = conn.Prepare(kSelect);
    if (!select.ok()) return select.status();
    const int64_t now_seconds = ToUnixSeconds(now);
    // A new row's doc_id is above every doc_id before it (INTEGER PRIMARY KEY without
    // AUTOINCREMENT takes max + 1), so the rows this call inserts are those above this one.
    Result<std::string> max_doc_id =
        conn.QueryText("SELECT coalesce(max(doc_id), 0) FROM products");
    if (!max_doc_id.ok()) return max_doc_id.status();
    const int64_t doc_id_before = std::stoll(*max_doc_id);
    // Updated rows whose indexed texts change, with the texts the index holds (only the first
    // time a row changes in this call: the index is brought up to date once, at the end).
    std::vector<IndexedTexts> stale;
    std::unordered_set<int64_t> stale_doc_ids;
    bool any_written = false;

    // Products to write, in input order; flushed when full, at the end, and before a
    // product whose id is already pending is looked up (it must see the first write).
    std::vector<PendingProduct> pending;
    pending.reserve(std::min(products.size(), kProductsPerStatement));
    std::unordered_set<std::string_view> pending_ids;
    auto flush = [&]() -> Status {
      size_t done = 0;
      while (done < pending.size()) {
        const size_t rows = std::bit_floor(pending.size() - done);
        Result<Statement> upsert =
            conn.Prepare(ProductUpsertSql(static_cast<int>(rows), conn.dialect()));
        if (!upsert.ok()) return upsert.status();
        const int params = kProductParams + (conn.dialect() == SqlDialect::kPostgres ? 1 : 0);
        for (size_t i = 0; i < rows; ++i) {
          BindProduct(*upsert, static_cast<int>(i) * params, pending[done + i], now_seconds,
                      conn.dialect());
        }
        Status run = upsert->Run();
        if (!run.ok()) {
          const std::string& first = pending[done].product->id;
          return rows == 1 ? run.WithContext("product \"" + first + "\"")
                           : run.WithContext("products \"" + first + "\" to \"" +
                                             pending[done + rows - 1].product->id + "\"");
        }
        done += rows;
      }
      pending.clear();
      pending_ids.clear();
      return Status::Ok();
    };

    // Files mostly list products in id order and a catalogue mostly grows at its end: a
    // product whose id sorts after every id of the table and of this call cannot be stored
    // yet, so it is inserted without a look-up. The unique index on id compares bytes
    // (BINARY), as std::string does; "" (an empty table) sorts before every valid id.
    Result<std::string> max_id = conn.QueryText("SELECT max(id) FROM products");
    if (!max_id.ok()) return max_id.status();
    std::string highest_id = std::move(max_id).value();

    for (const Product& p : products) {
      Result<bool> found = false;
      if (p.id > highest_id) {
        highest_id = p.id;
      } else {
        if (pending_ids.contains(p.id)) VITRINE_RETURN_IF_ERROR(flush());
        select->BindStatic(1, p.id);
        found = select->Step();
        if (!found.ok()) return found.status();
      }
      if (*found) {
        Result<Product> stored = ReadProduct(*select);
        if (!stored.ok()) return stored.status();
        if (stored->SameContentAs(p)) {
          select->Reset();
          outcomes.push_back(WriteOutcome::kUnchanged);
          continue;
        }
        const int64_t doc_id = select->Int(kDocIdColumn);
        if ((stored->title != p.title || stored->brand != p.brand ||
             stored->description != p.description) &&
            doc_id <= doc_id_before && stale_doc_ids.insert(doc_id).second) {
          stale.push_back({doc_id, std::move(stored->title), std::move(stored->brand),
                           std::move(stored->description)});
        }
      }
      select->Reset();
      any_written = true;
      std::string attributes;
      try {
        attributes = AttributesText(p);
      } catch (const nlohmann::json::exception& e) {
        return Status::InvalidArgument("product \"" + p.id + "\": attributes: " + e.what());
      }
      pending.push_back({&p, store_internal::FoldCase(p.brand), std::move(attributes),
                         conn.dialect() == SqlDialect::kPostgres ? SearchWords(p) : ""});
      pending_ids.insert(p.id);
      outcomes.push_back(*found ? WriteOutcome::kUpdated : WriteOutcome::kInserted);
      if (pending.size() == kProductsPerStatement) VITRINE_RETURN_IF_ERROR(flush());
    }
    VITRINE_RETURN_IF_ERROR(flush());
    if (any_written && conn.dialect() == SqlDialect::kSqlite) {
      VITRINE_RETURN_IF_ERROR(IndexProductTexts(conn, doc_id_before, stale));
    }
    return LogChange(
        conn, ChangeKind::kProducts,
        ChangedKeys(products, std::span(outcomes), [](const Product& p) { return p.id; }));
  }));
  return outcomes;
}

Result<std::optional<Product>> SqlDatabase::GetProduct(std::string_view id) {
  std::optional<Product> product;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    static const std::string kSql =
        std::string("SELECT ") + kProductColumns + " FROM products WHERE id = ?";
    return store_internal::LookUp<Product>(conn, kSql, id, ReadProduct, product);
  }));
  return product;
}

Result<bool> SqlDatabase::DeleteProduct(std::string_view id) {
  Result<bool> deleted = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    // Prices and stock go with it: ON DELETE CASCADE.
    deleted = store_internal::DeleteByKey(conn, "DELETE FROM products WHERE id = ?", id);
    if (!deleted.ok() || !*deleted) return deleted.status();
    return LogChange(conn, ChangeKind::kProducts, {std::string(id)});
  }));
  return deleted;
}

Result<Page<Product>> SqlDatabase::ListProducts(const ProductQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckLimit(query.limit));
  // The SQL depends only on which filters are present (and the number of words), so the
  // statement cache holds a handful of shapes.
  std::string sql = std::string("SELECT ") + kProductColumns + " FROM products WHERE true";
  if (!query.after.empty()) sql += " AND id > ?";
  if (!query.category.empty()) {
    // The category itself, or one below it: "X > ..." is the byte range ["X > ", "X >!").
    sql += " AND (category = ? OR (category >= ? AND category < ?))";
  }
  if (!query.brand.empty()) sql += " AND brand_key = ?";
  if (!query.gtin.empty()) sql += " AND gtin = ?";
  // A word matches a product by its id (any case), its GTIN, or when each of its tokens
  // starts a token of the product's texts.
  struct Word {
    std::string text;
    std::vector<std::string> tokens;
  };
  std::vector<Word> words;
  for (std::string_view w : store_internal::QueryWords(query.text)) {
    words.push_back({std::string(w), store_internal::SearchTokens(w)});
  }

  Page<Product> page;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    const bool postgres = conn.dialect() == SqlDialect::kPostgres;
    std::vector<std::string> matches;  // one bound text per word with tokens
    for (const Word& word : words) {
      if (word.tokens.empty()) {
        sql += postgres ? " AND (lower(id) = lower(?) OR gtin = ?)"
                        : " AND (id = ? COLLATE NOCASE OR gtin = ?)";
        continue;
      }
      std::string match;
      if (postgres) {
        // Tokens hold only letters and digits, never LIKE's '%' or '_'.
        sql += " AND (lower(id) = lower(?) OR gtin = ? OR (";
        for (size_t i = 0; i < word.tokens.size(); ++i) {
          sql += i == 0 ? "search_words LIKE ?" : " AND search_words LIKE ?";
        }
        sql += "))";
      } else {
        sql +=
            " AND (id = ? COLLATE NOCASE OR gtin = ? OR doc_id IN "
            "(SELECT rowid FROM products_fts WHERE products_fts MATCH ?))";
        // FTS5 query: every token as a prefix; tokens never hold '"': it separates them.
        for (const std::string& token : word.tokens) {
          if (!match.empty()) match += " AND ";
          match += "\"" + token + "\"*";
        }
      }
      matches.push_back(std::move(match));
    }
    sql += " ORDER BY id LIMIT ?";
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    Binder bind(*s);
    if (!query.after.empty()) bind(std::string_view(query.after));
    if (!query.category.empty()) {
      bind(std::string_view(query.category))(query.category + " > ")(query.category + " >!");
    }
    if (!query.brand.empty()) bind(store_internal::FoldCase(query.brand));
    if (!query.gtin.empty()) bind(std::string_view(query.gtin));
    size_t next_match = 0;
    for (const Word& w : words) {
      bind(std::string_view(w.text))(std::string_view(w.text));
      if (w.tokens.empty()) continue;
      const std::string& match = matches[next_match++];
      if (!postgres) {
        bind(std::string_view(match));
        continue;
      }
      for (const std::string& token : w.tokens) bind("% " + token + "%");
    }
    bind(static_cast<int64_t>(query.limit) + 1);
    return CollectPage<Product>(
        *s, query.limit, ReadProduct, [](const Product& p) { return p.id; }, page);
  }));
  return page;
}

Result<std::vector<std::string>> SqlDatabase::ListProductIds() {
  std::vector<std::string> ids;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare("SELECT id FROM products ORDER BY id");
    if (!s.ok()) return s.status();
    for (;;) {
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      ids.push_back(s->Text(0));
    }
  }));
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Stores and price zones

Result<std::vector<WriteOutcome>> SqlDatabase::PutStores(std::span<const Store> stores,
                                                         Instant now) {
  std::vector<WriteOutcome> outcomes;
  outcomes.reserve(stores.size());
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    static const std::string kSelect =
        std::string("SELECT ") + kStoreColumns + " FROM stores WHERE id = ?";
    static const std::string kUpsert =
        "INSERT INTO stores(id, name, banner, address, postal_code, city, country, lat, lon, "
        "timezone, price_zone, services, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, banner = excluded.banner, "
        "address = excluded.address, postal_code = excluded.postal_code, "
        "city = excluded.city, country = excluded.country, lat = excluded.lat, "
        "lon = excluded.lon, timezone = excluded.timezone, price_zone = excluded.price_zone, "
        "services = excluded.services, updated_at = excluded.updated_at";
    Result<Statement> zone =
        conn.Prepare("INSERT INTO price_zones(id, name) VALUES (?1, ?1) ON CONFLICT DO NOTHING");
    if (!zone.ok()) return zone.status();
    Result<Statement> select = conn.Prepare(kSelect);
    if (!select.ok()) return select.status();
    Result<Statement> upsert = conn.Prepare(kUpsert);
    if (!upsert.ok()) return upsert.status();
    for (const Store& st : stores) {
      if (!st.price_zone.empty()) {
        zone->BindStatic(1, st.price_zone);
        Status run = zone->Run();
        zone->Reset();
        VITRINE_RETURN_IF_ERROR(run);
      }
      select->BindStatic(1, st.id);
      Result<bool> found = select->Step();
      if (!found.ok()) return found.status();
      if (*found) {
        Result<Store> stored = ReadStore(*select);
        if (!stored.ok()) return stored.status();
        if (stored->SameContentAs(st)) {
          select->Reset();
          outcomes.push_back(WriteOutcome::kUnchanged);
          continue;
        }
      }
      select->Reset();
      const std::string services = nlohmann::json(st.services).dump();
      Statement& u = *upsert;
      u.BindStatic(1, st.id);
      u.BindStatic(2, st.name);
      u.BindStatic(3, st.banner);
      u.BindStatic(4, st.address);
      u.BindStatic(5, st.postal_code);
      u.BindStatic(6, st.city);
      u.BindStatic(7, st.country);
      u.Bind(8, st.lat);
      u.Bind(9, st.lon);
      u.BindStatic(10, st.timezone);
      if (st.price_zone.empty()) {
        u.BindNull(11);
      } else {
        u.BindStatic(11, st.price_zone);
      }
      u.BindStatic(12, services);
      u.Bind(13, ToUnixSeconds(now));
      Status run = u.Run();
      u.Reset();
      if (!run.ok()) return run.WithContext("store \"" + st.id + "\"");
      outcomes.push_back(*found ? WriteOutcome::kUpdated : WriteOutcome::kInserted);
    }
    return LogChange(conn, ChangeKind::kStores,
                     ChangedKeys(stores, std::span(outcomes), [](const Store& s) { return s.id; }));
  }));
  return outcomes;
}

Result<std::optional<Store>> SqlDatabase::GetStore(std::string_view id) {
  std::optional<Store> store;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    static const std::string kSql =
        std::string("SELECT ") + kStoreColumns + " FROM stores WHERE id = ?";
    return store_internal::LookUp<Store>(conn, kSql, id, ReadStore, store);
  }));
  return store;
}

Result<bool> SqlDatabase::DeleteStore(std::string_view id) {
  Result<bool> deleted = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    // Store-level prices and stock go with it: ON DELETE CASCADE.
    deleted = store_internal::DeleteByKey(conn, "DELETE FROM stores WHERE id = ?", id);
    if (!deleted.ok() || !*deleted) return deleted.status();
    return LogChange(conn, ChangeKind::kStores, {std::string(id)});
  }));
  return deleted;
}

Result<Page<Store>> SqlDatabase::ListStores(const StoreQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckLimit(query.limit));
  std::string sql = std::string("SELECT ") + kStoreColumns + " FROM stores WHERE true";
  if (!query.zone.empty()) sql += " AND price_zone = ?";
  if (!query.after.empty()) sql += " AND id > ?";
  sql += " ORDER BY id LIMIT ?";
  Page<Store> page;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    Binder bind(*s);
    if (!query.zone.empty()) bind(std::string_view(query.zone));
    if (!query.after.empty()) bind(std::string_view(query.after));
    bind(static_cast<int64_t>(query.limit) + 1);
    return CollectPage<Store>(
        *s, query.limit, ReadStore, [](const Store& st) { return st.id; }, page);
  }));
  return page;
}

Result<std::vector<Store>> SqlDatabase::ListAllStores() {
  std::vector<Store> stores;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    static const std::string kSql =
        std::string("SELECT ") + kStoreColumns + " FROM stores ORDER BY id";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    for (;;) {
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      Result<Store> st = ReadStore(*s);
      if (!st.ok()) return st.status();
      stores.push_back(std::move(st).value());
    }
  }));
  return stores;
}

Result<std::vector<PriceZone>> SqlDatabase::ListPriceZones() {
  std::vector<PriceZone> zones;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare("SELECT id, name FROM price_zones ORDER BY id");
    if (!s.ok()) return s.status();
    for (;;) {
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      zones.push_back({s->Text(0), s->Text(1)});
    }
  }));
  return zones;
}

// ---------------------------------------------------------------------------------------------
// Prices

namespace {

// The price of a key (product, level, level id) in force at an instant: amount, currency and
// since when.
struct PriceInForce {
  int64_t amount_minor = 0;
  std::string currency;
  int64_t effective_from = 0;
};

// What writing `p` does given the price in force at its instant: nothing when it says the
// same, an update when one starts at the same instant, else a new row of the history.
WriteOutcome PriceOutcome(const Price& p, const std::optional<PriceInForce>& current) {
  if (current && current->amount_minor == p.amount.minor_units() &&
      current->currency == p.amount.currency().code()) {
    return WriteOutcome::kUnchanged;
  }
  return current && current->effective_from == ToUnixSeconds(p.effective_from)
             ? WriteOutcome::kUpdated
             : WriteOutcome::kInserted;
}

// The error for a price whose product, zone or store does not exist, as `exists` tells.
using IdExists = std::function<Result<bool>(std::string_view table, const std::string& id)>;
Status MissingPriceReference(const Price& p, const IdExists& exists) {
  Result<bool> product = exists("products", p.product_id);
  if (!product.ok()) return product.status();
  if (!*product) {
    return Status::FailedPrecondition("price for unknown product \"" + p.product_id + "\"");
  }
  if (p.level == PriceLevel::kNational) return Status::Ok();
  const bool zone = p.level == PriceLevel::kZone;
  Result<bool> level = exists(zone ? "price_zones" : "stores", p.level_id);
  if (!level.ok()) return level.status();
  if (*level) return Status::Ok();
  return Status::FailedPrecondition("price of product \"" + p.product_id + "\" for unknown " +
                                    (zone ? "price zone" : "store") + " \"" + p.level_id + "\"");
}

// Writes `p` as `outcome` says (kInserted or kUpdated) with the call's prepared statements.
Status WritePrice(Statement& insert, Statement& update, const Price& p, WriteOutcome outcome,
                  bool deferred) {
  const int64_t level = static_cast<int64_t>(p.level);
  const std::string currency = p.amount.currency().code();
  const int64_t from = ToUnixSeconds(p.effective_from);
  Statement& w = outcome == WriteOutcome::kUpdated ? update : insert;
  if (outcome == WriteOutcome::kUpdated) {
    w.Bind(1, p.amount.minor_units());
    w.Bind(2, currency);
    w.BindStatic(3, p.product_id);
    w.Bind(4, level);
    w.BindStatic(5, p.level_id);
    w.Bind(6, from);
  } else {
    w.BindStatic(1, p.product_id);
    w.Bind(2, level);
    w.BindStatic(3, p.level_id);
    if (p.level == PriceLevel::kZone) {
      w.BindStatic(4, p.level_id);
    } else {
      w.BindNull(4);
    }
    if (p.level == PriceLevel::kStore) {
      w.BindStatic(5, p.level_id);
    } else {
      w.BindNull(5);
    }
    w.Bind(6, p.amount.minor_units());
    w.Bind(7, currency);
    w.Bind(8, from);
  }
  Status run = deferred ? w.RunDeferred() : w.Run();
  w.Reset();
  return run.ok() ? run : run.WithContext("price of product \"" + p.product_id + "\"");
}

std::string PriceKey(const Price& p) {
  std::string key = p.product_id;
  key += '\0';
  key += static_cast<char>('0' + static_cast<int>(p.level));
  key += p.level_id;
  return key;
}

constexpr size_t kPricesPerRead = 256;

// PostgreSQL: of `ids`, those `table` lacks, 256 keys per statement.
Result<std::unordered_set<std::string>> MissingIds(SqlConnection& conn, std::string_view table,
                                                   const std::vector<std::string>& ids) {
  std::unordered_set<std::string> missing;
  for (size_t done = 0; done < ids.size();) {
    const size_t count = std::bit_floor(std::min(kPricesPerRead, ids.size() - done));
    std::string sql = "SELECT k.id FROM (VALUES ";
    for (size_t i = 0; i < count; ++i) sql += i == 0 ? "(?)" : ", (?)";
    // An index probe per key (LIMIT keeps the planner from a hash join over the table).
    sql += ") AS k(id) LEFT JOIN LATERAL (SELECT 1 AS found FROM ";
    sql += table;
    sql += " t WHERE t.id = k.id LIMIT 1) f ON true WHERE f.found IS NULL";
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    for (size_t i = 0; i < count; ++i) s->BindStatic(static_cast<int>(i + 1), ids[done + i]);
    for (;;) {
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      missing.insert(s->Text(0));
    }
    done += count;
  }
  return missing;
}

// PostgreSQL: the stored price in force at each of prices[from, from + 256) (fewer at the
// end), one probe of the history's index per price; returns the position after the last.
Result<size_t> ReadPricesInForce(SqlConnection& conn, std::span<const Price> prices, size_t from,
                                 std::vector<std::optional<PriceInForce>>& in_force) {
  const size_t count = std::bit_floor(std::min(kPricesPerRead, prices.size() - from));
  std::string sql = "SELECT k.i, l.amount_minor, l.currency, l.effective_from FROM (VALUES ";
  for (size_t i = 0; i < count; ++i) sql += i == 0 ? "(?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?)";
  sql +=
      ") AS k(i, p, lv, li, f) CROSS JOIN LATERAL (SELECT amount_minor, currency, "
      "effective_from FROM prices WHERE product_id = k.p AND level = k.lv AND level_id = k.li "
      "AND effective_from <= k.f ORDER BY effective_from DESC LIMIT 1) l";
  Result<Statement> s = conn.Prepare(sql);
  if (!s.ok()) return s.status();
  for (size_t i = 0; i < count; ++i) {
    const Price& p = prices[from + i];
    const int base = static_cast<int>(5 * i);
    s->Bind(base + 1, static_cast<int64_t>(from + i));
    s->BindStatic(base + 2, p.product_id);
    s->Bind(base + 3, static_cast<int64_t>(p.level));
    s->BindStatic(base + 4, p.level_id);
    s->Bind(base + 5, ToUnixSeconds(p.effective_from));
  }
  for (;;) {
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    in_force[static_cast<size_t>(s->Int(0))] = PriceInForce{s->Int(1), s->Text(2), s->Int(3)};
  }
  return from + count;
}

}  // namespace

Result<std::vector<WriteOutcome>> SqlDatabase::PutPrices(std::span<const Price> prices) {
  std::vector<WriteOutcome> outcomes;
  outcomes.reserve(prices.size());
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    Result<Statement> in_force = conn.Prepare(
        "SELECT amount_minor, currency, effective_from FROM prices WHERE product_id = ? AND "
        "level = ? AND level_id = ? AND effective_from <= ? ORDER BY effective_from DESC "
        "LIMIT 1");
    if (!in_force.ok()) return in_force.status();
    Result<Statement> update = conn.Prepare(
        "UPDATE prices SET amount_minor = ?, currency = ? WHERE product_id = ? AND level = ? "
        "AND level_id = ? AND effective_from = ?");
    if (!update.ok()) return update.status();
    Result<Statement> insert = conn.Prepare(
        "INSERT INTO prices(product_id, level, level_id, zone_id, store_id, amount_minor, "
        "currency, effective_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!insert.ok()) return insert.status();
    // On PostgreSQL, where each statement is a round trip, the references are checked for the
    // whole call at once, the prices in force read 256 at a time and the writes pipelined;
    // SQLite looks each up where it writes it.
    const bool postgres = conn.dialect() == SqlDialect::kPostgres;
    std::unordered_map<std::string, std::unordered_set<std::string>> missing;  // by table
    std::vector<std::optional<PriceInForce>> stored_in_force;
    // This call's writes by key and instant: a later price of the call reads them, which the
    // stored ones read ahead of the writes do not hold.
    std::unordered_map<std::string, std::map<int64_t, PriceInForce>> written;
    size_t prefetched = 0;  // stored_in_force holds prices[0, prefetched)
    if (postgres) {
      std::map<std::string_view, std::vector<std::string>> ids;  // table → distinct ids
      std::unordered_set<std::string> seen;
      for (const Price& p : prices) {
        if (seen.insert("p" + p.product_id).second) ids["products"].push_back(p.product_id);
        if (p.level == PriceLevel::kZone && seen.insert("z" + p.level_id).second) {
          ids["price_zones"].push_back(p.level_id);
        } else if (p.level == PriceLevel::kStore && seen.insert("s" + p.level_id).second) {
          ids["stores"].push_back(p.level_id);
        }
      }
      for (const auto& [table, keys] : ids) {
        auto absent = MissingIds(conn, table, keys);
        if (!absent.ok()) return absent.status();
        missing[std::string(table)] = std::move(absent).value();
      }
      stored_in_force.resize(prices.size());
    }

    for (size_t i = 0; i < prices.size(); ++i) {
      const Price& p = prices[i];
      // References are checked explicitly (the foreign keys stay as a safety net) so the
      // error names the key that is missing.
      Status referenced =
          MissingPriceReference(p, [&](std::string_view table, const std::string& id) {
            if (postgres) return Result<bool>(!missing[std::string(table)].contains(id));
            return Exists(conn, "SELECT 1 FROM " + std::string(table) + " WHERE id = ?", id);
          });
      if (!referenced.ok()) return referenced;

      const int64_t from = ToUnixSeconds(p.effective_from);
      std::optional<PriceInForce> current;
      if (postgres) {
        if (i == prefetched) {
          auto read = ReadPricesInForce(conn, prices, i, stored_in_force);
          if (!read.ok()) return read.status();
          prefetched = *read;
        }
        current = stored_in_force[i];
        auto key = written.find(PriceKey(p));
        if (key != written.end()) {
          auto after = key->second.upper_bound(from);
          if (after != key->second.begin() &&
              (!current || std::prev(after)->first >= current->effective_from)) {
            current = std::prev(after)->second;
          }
        }
      } else {
        Statement& f = *in_force;
        f.BindStatic(1, p.product_id);
        f.Bind(2, static_cast<int64_t>(p.level));
        f.BindStatic(3, p.level_id);
        f.Bind(4, from);
        Result<bool> found = f.Step();
        if (!found.ok()) return found.status();
        if (*found) current = PriceInForce{f.Int(0), f.Text(1), f.Int(2)};
        f.Reset();
      }
      const WriteOutcome outcome = PriceOutcome(p, current);
      outcomes.push_back(outcome);
      if (outcome == WriteOutcome::kUnchanged) continue;
      VITRINE_RETURN_IF_ERROR(WritePrice(*insert, *update, p, outcome, postgres));
      if (postgres) {
        written[PriceKey(p)][from] =
            PriceInForce{p.amount.minor_units(), std::string(p.amount.currency().code()), from};
      }
    }
    VITRINE_RETURN_IF_ERROR(conn.FlushDeferred());
    return LogChange(
        conn, ChangeKind::kProducts,
        ChangedKeys(prices, std::span(outcomes), [](const Price& p) { return p.product_id; }));
  }));
  return outcomes;
}

Result<std::vector<Price>> SqlDatabase::ListPriceHistory(std::string_view product_id) {
  std::vector<Price> history;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    static const std::string kSql = std::string("SELECT ") + kPriceColumns +
                                    " FROM prices WHERE product_id = ? "
                                    "ORDER BY effective_from, level, level_id";
    Result<Statement> s = conn.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->Bind(1, product_id);
    for (;;) {
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      Result<Price> p = ReadPrice(*s);
      if (!p.ok()) return p.status();
      history.push_back(std::move(p).value());
    }
  }));
  return history;
}

Result<Page<Price>> SqlDatabase::ListPrices(const PriceQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckLimit(query.limit));
  std::optional<store_internal::PriceCursor> after;
  if (!query.after.empty()) {
    Result<store_internal::PriceCursor> cursor = store_internal::ParsePriceCursor(query.after);
    if (!cursor.ok()) return cursor.status();
    after = std::move(cursor).value();
  }
  VITRINE_RETURN_IF_ERROR(store_internal::CheckPriceInstant(query.at));
  const Instant at = query.at;
  std::string filters;
  if (!query.product_id.empty()) filters += " AND product_id = ?";
  if (query.level) filters += " AND level = ?";
  if (!query.level_id.empty()) filters += " AND level_id = ?";
  if (after) filters += " AND (product_id, level, level_id) > (?, ?, ?)";

  Page<Price> page;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    // The entry in force at `at` for each series: with a single max() aggregate, SQLite takes
    // the other columns from the row holding the maximum; PostgreSQL says it with DISTINCT ON.
    const std::string sql =
        conn.dialect() == SqlDialect::kSqlite
            ? std::string(
                  "SELECT product_id, level, level_id, amount_minor, currency, "
                  "max(effective_from) FROM prices WHERE effective_from <= ?") +
                  filters +
                  " GROUP BY product_id, level, level_id ORDER BY product_id, level, level_id "
                  "LIMIT ?"
            : std::string("SELECT DISTINCT ON (product_id, level, level_id) ") + kPriceColumns +
                  " FROM prices WHERE effective_from <= ?" + filters +
                  " ORDER BY product_id, level, level_id, effective_from DESC LIMIT ?";
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    Binder bind(*s);
    bind(ToUnixSeconds(at));
    if (!query.product_id.empty()) bind(std::string_view(query.product_id));
    if (query.level) bind(static_cast<int64_t>(*query.level));
    if (!query.level_id.empty()) bind(std::string_view(query.level_id));
    if (after) {
      bind(std::string_view(after->product_id))(static_cast<int64_t>(after->level))(
          std::string_view(after->level_id));
    }
    bind(static_cast<int64_t>(query.limit) + 1);
    return CollectPage<Price>(*s, query.limit, ReadPrice, store_internal::PriceKey, page);
  }));
  return page;
}

// ---------------------------------------------------------------------------------------------
// Stock

namespace {

// After a foreign key stopped a stock write: the error for the first of `levels`, in input
// order (the write went in key order), that names an unknown product or store.
Status MissingStockReference(SqlConnection& conn, std::span<const StockLevel> levels) {
  for (const StockLevel& s : levels) {
    Result<bool> product = Exists(conn, "SELECT 1 FROM products WHERE id = ?", s.product_id);
    if (!product.ok()) return product.status();
    if (!*product) {
      return Status::FailedPrecondition("stock for unknown product \"" + s.product_id +
                                        "\" (store \"" + s.store_id + "\")");
    }
    Result<bool> store = Exists(conn, "SELECT 1 FROM stores WHERE id = ?", s.store_id);
    if (!store.ok()) return store.status();
    if (!*store) {
      return Status::FailedPrecondition("stock for unknown store \"" + s.store_id +
                                        "\" (product \"" + s.product_id + "\")");
    }
  }
  return Status::Internal("a stock write broke a foreign key, yet every product and store exists");
}

// A stock write that failed: a level naming an unknown product or store is reported by
// name; any other failure as it is.
Status StockWriteFailed(SqlConnection& conn, std::span<const StockLevel> levels, Status failed) {
  if (conn.LastConstraint() != store_internal::SqlConstraint::kForeignKey) return failed;
  VITRINE_RETURN_IF_ERROR(conn.RecoverFromFailedStatement());
  return MissingStockReference(conn, levels);
}

// The stored levels of a PutStock call's keys, read for 256 keys per statement.
class StoredStockLevels {
 public:
  // (product id, store id) of the i-th key.
  using KeyAt = std::function<std::pair<std::string_view, std::string_view>(size_t i)>;

  // Reads the levels of keys [from, from + 256) of `count` (fewer at the end); returns the
  // position after the last key read.
  Result<size_t> Read(SqlConnection& conn, size_t count, const KeyAt& key_at, size_t from) {
    const size_t keys = std::min<size_t>(kKeysPerRead, count - from);
    const size_t rows = std::bit_floor(keys);  // a handful of statement shapes
    // One probe of the primary key per key: LIMIT keeps the planner from turning the join
    // into a hash join over a scan of the whole table, which it prefers for a few hundred
    // keys (4 ms a statement at 140,000 levels, against 1 ms for the probes).
    std::string sql = "SELECT k.p, k.s, l.quantity, l.measured_at FROM (VALUES ";
    for (size_t i = 0; i < rows; ++i) sql += i == 0 ? "(?, ?)" : ", (?, ?)";
    sql +=
        ") AS k(p, s) CROSS JOIN LATERAL (SELECT quantity, measured_at FROM stock "
        "WHERE product_id = k.p AND store_id = k.s LIMIT 1) l";
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    for (size_t i = 0; i < rows; ++i) {
      const auto [product_id, store_id] = key_at(from + i);
      s->BindStatic(static_cast<int>(2 * i + 1), product_id);
      s->BindStatic(static_cast<int>(2 * i + 2), store_id);
    }
    for (;;) {
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      levels_[Key(s->Text(0), s->Text(1))] = {s->Int(2), s->Int(3)};
    }
    return from + rows;
  }

  // The stored quantity and measurement instant (Unix seconds) of a key read.
  std::optional<std::pair<int64_t, int64_t>> Find(std::string_view product_id,
                                                  std::string_view store_id) const {
    auto it = levels_.find(Key(product_id, store_id));
    if (it == levels_.end()) return std::nullopt;
    return it->second;
  }

  // A level this call writes: a later repeat of its key compares with it.
  void Remember(const StockLevel& s, int64_t measured_at) {
    levels_[Key(s.product_id, s.store_id)] = {s.quantity, measured_at};
  }

 private:
  static constexpr size_t kKeysPerRead = 256;
  static std::string Key(std::string_view product, std::string_view store) {
    std::string key(product);
    key += '\0';
    key += store;
    return key;
  }
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> levels_;
};

// PostgreSQL's stock writes, a few hundred rows per statement: one statement per row costs
// PostgreSQL more than the row itself, even pipelined. Levels come in key order, so a key
// written twice in one call is pending at the end of the list and the later write folds into
// it. Flushed before the next read of stored levels, which must see them.
class PendingStockWrites {
 public:
  void Add(const StockLevel& s, int64_t measured_at, bool update) {
    std::vector<Row>& rows = update ? updates_ : inserts_;
    for (std::vector<Row>* list : {&inserts_, &updates_}) {
      if (!list->empty() && list->back().product == s.product_id &&
          list->back().store == s.store_id) {
        list->back().quantity = s.quantity;
        list->back().measured_at = measured_at;
        return;
      }
    }
    rows.push_back({s.product_id, s.store_id, s.quantity, measured_at});
  }

  Status Flush(SqlConnection& conn) {
    VITRINE_RETURN_IF_ERROR(Send(conn, inserts_,
                                 "INSERT INTO stock(product_id, store_id, quantity, measured_at) "
                                 "VALUES ",
                                 ""));
    return Send(conn, updates_,
                "UPDATE stock SET quantity = v.q, measured_at = v.m, revision = revision + 1 "
                "FROM (VALUES ",
                ") AS v(p, s, q, m) WHERE stock.product_id = v.p AND stock.store_id = v.s");
  }

 private:
  struct Row {
    std::string_view product;
    std::string_view store;
    int64_t quantity;
    int64_t measured_at;
  };

  static Status Send(SqlConnection& conn, std::vector<Row>& rows, const char* head,
                     const char* tail) {
    for (size_t done = 0; done < rows.size();) {
      const size_t count = std::bit_floor(rows.size() - done);  // a handful of shapes
      std::string sql = head;
      for (size_t i = 0; i < count; ++i) sql += i == 0 ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)";
      sql += tail;
      Result<Statement> w = conn.Prepare(sql);
      if (!w.ok()) return w.status();
      for (size_t i = 0; i < count; ++i) {
        const Row& row = rows[done + i];
        const int base = static_cast<int>(4 * i);
        w->BindStatic(base + 1, row.product);
        w->BindStatic(base + 2, row.store);
        w->Bind(base + 3, row.quantity);
        w->Bind(base + 4, row.measured_at);
      }
      VITRINE_RETURN_IF_ERROR(w->RunDeferred());
      done += count;
    }
    rows.clear();
    return Status::Ok();
  }

  std::vector<Row> inserts_;
  std::vector<Row> updates_;
};

}  // namespace

Result<std::vector<WriteOutcome>> SqlDatabase::PutStock(std::span<const StockLevel> levels) {
  // Levels are applied in key order, not input order: a stock file lists a store's products
  // while the table is keyed by product first, so in input order every row lands on another
  // page of the B-tree, and each page is read, copied to the WAL and checkpointed again for
  // each batch that touches it (a million rows took 20 s). The stable sort keeps repeats of
  // one key in input order; outcomes are reported in input order.
  std::vector<uint32_t> order(levels.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    // Byte order, like SQLite's BINARY collation.
    if (const int c = levels[a].product_id.compare(levels[b].product_id); c != 0) return c < 0;
    return levels[a].store_id < levels[b].store_id;
  });
  std::vector<WriteOutcome> outcomes(levels.size(), WriteOutcome::kUnchanged);
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    // The outcome comes from reading the stored level, and only new and changed levels are
    // written: an UPSERT ... RETURNING decides the same in one statement but costs half as
    // much again per row (SQLite materialises the returned rows).
    Result<Statement> select = conn.Prepare(
        "SELECT quantity, measured_at FROM stock WHERE product_id = ? AND store_id = ?");
    if (!select.ok()) return select.status();
    Result<Statement> insert = conn.Prepare(
        "INSERT INTO stock(product_id, store_id, quantity, measured_at) VALUES (?, ?, ?, ?)");
    if (!insert.ok()) return insert.status();
    Result<Statement> update = conn.Prepare(
        "UPDATE stock SET quantity = ?, measured_at = ?, revision = revision + 1 "
        "WHERE product_id = ? AND store_id = ?");
    if (!update.ok()) return update.status();
    // On PostgreSQL, where each statement is a round trip, the stored levels are read a
    // chunk of keys at a time and written a chunk of rows per statement (PendingStockWrites)
    // in pipeline mode; SQLite reads and writes each level in place, which is what its page
    // cache is fastest at.
    const bool postgres = conn.dialect() == SqlDialect::kPostgres;
    StoredStockLevels stored;
    PendingStockWrites pending;
    size_t prefetched = 0;  // levels of order[0, prefetched) are in `stored`
    for (size_t position = 0; position < order.size(); ++position) {
      const uint32_t index = order[position];
      const StockLevel& s = levels[index];
      const int64_t measured_at = ToUnixSeconds(s.measured_at);
      std::optional<std::pair<int64_t, int64_t>> current;  // quantity, measured_at
      if (postgres) {
        if (position == prefetched) {
          // (A write sent before this read may fail here.)
          if (Status sent = pending.Flush(conn); !sent.ok()) {
            return StockWriteFailed(conn, levels, sent);
          }
          Result<size_t> read = stored.Read(
              conn, order.size(),
              [&](size_t i) {
                const StockLevel& level = levels[order[i]];
                return std::pair<std::string_view, std::string_view>(level.product_id,
                                                                     level.store_id);
              },
              position);
          if (!read.ok()) return StockWriteFailed(conn, levels, read.status());
          prefetched = *read;
        }
        current = stored.Find(s.product_id, s.store_id);
      } else {
        Statement& f = *select;
        f.BindStatic(1, s.product_id);
        f.BindStatic(2, s.store_id);
        Result<bool> found = f.Step();
        if (!found.ok()) return found.status();
        if (*found) current = {f.Int(0), f.Int(1)};
        f.Reset();
      }
      // A stale level (measured before the stored one) or the same quantity changes nothing.
      const bool changed =
          !current || (measured_at >= current->second && s.quantity != current->first);
      if (!changed) continue;
      const bool found = current.has_value();
      outcomes[index] = found ? WriteOutcome::kUpdated : WriteOutcome::kInserted;
      if (postgres) {
        stored.Remember(s, measured_at);
        pending.Add(s, measured_at, found);
        continue;
      }
      Statement& w = found ? *update : *insert;
      if (found) {
        w.Bind(1, s.quantity);
        w.Bind(2, measured_at);
        w.BindStatic(3, s.product_id);
        w.BindStatic(4, s.store_id);
      } else {
        w.BindStatic(1, s.product_id);
        w.BindStatic(2, s.store_id);
        w.Bind(3, s.quantity);
        w.Bind(4, measured_at);
      }
      Status run = w.Run();
      w.Reset();
      if (!run.ok()) return StockWriteFailed(conn, levels, run);
    }
    Status sent = pending.Flush(conn);
    if (sent.ok()) sent = conn.FlushDeferred();
    if (!sent.ok()) return StockWriteFailed(conn, levels, sent);
    return LogChange(conn, ChangeKind::kStock,
                     ChangedKeys(levels, std::span(outcomes), [](const StockLevel& s) {
                       return StockChangeKey(s.product_id, s.store_id);
                     }));
  }));
  return outcomes;
}

Result<std::optional<StockLevel>> SqlDatabase::GetStock(std::string_view product_id,
                                                        std::string_view store_id) {
  std::optional<StockLevel> level;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(
        "SELECT product_id, store_id, quantity, measured_at FROM stock "
        "WHERE product_id = ? AND store_id = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, product_id);
    s->Bind(2, store_id);
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (*row) level = ReadStock(*s);
    return Status::Ok();
  }));
  return level;
}

Result<std::vector<std::optional<StockLevel>>> SqlDatabase::GetStockLevels(
    std::span<const std::pair<std::string, std::string>> keys) {
  std::vector<std::optional<StockLevel>> levels(keys.size());
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    auto level_of = [&](size_t i, int64_t quantity, int64_t measured_at) {
      levels[i] = StockLevel{keys[i].first, keys[i].second, quantity, FromUnixSeconds(measured_at)};
    };
    if (conn.dialect() == SqlDialect::kPostgres) {
      // 256 keys per round trip, as PutStock reads them.
      StoredStockLevels stored;
      const StoredStockLevels::KeyAt key_at = [&](size_t i) {
        return std::pair<std::string_view, std::string_view>(keys[i].first, keys[i].second);
      };
      for (size_t done = 0; done < keys.size();) {
        Result<size_t> read = stored.Read(conn, keys.size(), key_at, done);
        if (!read.ok()) return read.status();
        done = *read;
      }
      for (size_t i = 0; i < keys.size(); ++i) {
        if (auto found = stored.Find(keys[i].first, keys[i].second)) {
          level_of(i, found->first, found->second);
        }
      }
      return Status::Ok();
    }
    Result<Statement> s = conn.Prepare(
        "SELECT quantity, measured_at FROM stock WHERE product_id = ? AND store_id = ?");
    if (!s.ok()) return s.status();
    for (size_t i = 0; i < keys.size(); ++i) {
      s->BindStatic(1, keys[i].first);
      s->BindStatic(2, keys[i].second);
      Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (*row) level_of(i, s->Int(0), s->Int(1));
      s->Reset();
    }
    return Status::Ok();
  }));
  return levels;
}

Result<Page<StockLevel>> SqlDatabase::ListStock(const StockQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckLimit(query.limit));
  std::optional<store_internal::StockCursor> after;
  if (!query.after.empty()) {
    Result<store_internal::StockCursor> cursor = store_internal::ParseStockCursor(query.after);
    if (!cursor.ok()) return cursor.status();
    after = std::move(cursor).value();
  }
  std::string sql = "SELECT product_id, store_id, quantity, measured_at FROM stock WHERE true";
  if (!query.product_id.empty()) sql += " AND product_id = ?";
  if (!query.store_id.empty()) sql += " AND store_id = ?";
  if (after) sql += " AND (product_id, store_id) > (?, ?)";
  sql += " ORDER BY product_id, store_id LIMIT ?";
  Page<StockLevel> page;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    Binder bind(*s);
    if (!query.product_id.empty()) bind(std::string_view(query.product_id));
    if (!query.store_id.empty()) bind(std::string_view(query.store_id));
    if (after) bind(std::string_view(after->product_id))(std::string_view(after->store_id));
    bind(static_cast<int64_t>(query.limit) + 1);
    return CollectPage<StockLevel>(
        *s, query.limit, [](const Statement& st) -> Result<StockLevel> { return ReadStock(st); },
        store_internal::StockKey, page);
  }));
  return page;
}

Result<CatalogCounts> SqlDatabase::Counts() {
  CatalogCounts counts;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    // One statement, so the five counts come from one snapshot.
    Result<Statement> s = conn.Prepare(
        "SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM stores), "
        "(SELECT count(*) FROM price_zones), (SELECT count(*) FROM prices), "
        "(SELECT count(*) FROM stock)");
    if (!s.ok()) return s.status();
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    counts = {s->Int(0), s->Int(1), s->Int(2), s->Int(3), s->Int(4)};
    return Status::Ok();
  }));
  return counts;
}

}  // namespace vitrine
