#include "store/sqlite_database.h"

#include <algorithm>
#include <bit>
#include <condition_variable>
#include <exception>
#include <unordered_set>
#include <vector>

#include "change_keys.h"
#include "query_keys.h"
#include "sqlite_change_log.h"
#include "sqlite_connection.h"
#include "sqlite_migrations.h"
#include "store/migrations.h"
#include "text_folding.h"
#include "wal_checkpointer.h"

namespace vitrine {

namespace store_internal {

// Reader connections, opened on first demand and reused. Thread-safe.
class ReaderPool {
 public:
  ReaderPool(std::string path, int max_open, int busy_timeout_ms, int cache_kib)
      : path_(std::move(path)),
        max_open_(max_open),
        busy_timeout_ms_(busy_timeout_ms),
        cache_kib_(cache_kib) {}

  // A connection for this thread's exclusive use until Release(); waits while all are lent.
  Result<std::unique_ptr<SqliteConnection>> Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_open_; });
    if (!idle_.empty()) {
      std::unique_ptr<SqliteConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
    lock.unlock();
    Result<std::unique_ptr<SqliteConnection>> conn = OpenReader();
    if (!conn.ok()) {
      lock.lock();
      --open_;
      cv_.notify_one();
    }
    return conn;
  }

  void Release(std::unique_ptr<SqliteConnection> conn) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

 private:
  Result<std::unique_ptr<SqliteConnection>> OpenReader() {
    Result<std::unique_ptr<SqliteConnection>> conn =
        SqliteConnection::Open(path_, SQLITE_OPEN_READWRITE, busy_timeout_ms_);
    if (!conn.ok()) return conn;
    // Read-write so the connection can map the WAL index; query_only keeps it a reader.
    const std::string pragmas =
        "PRAGMA query_only=ON; PRAGMA cache_size=-" + std::to_string(cache_kib_);
    VITRINE_RETURN_IF_ERROR((*conn)->Exec(pragmas.c_str()));
    return conn;
  }

  const std::string path_;
  const int max_open_;
  const int busy_timeout_ms_;
  const int cache_kib_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;  // guarded by mu_
  int open_ = 0;                                         // guarded by mu_
};

}  // namespace store_internal

namespace {

using store_internal::ChangedKeys;
using store_internal::LogChange;
using store_internal::SqliteConnection;
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

// Runs `fn`, turning an escaping exception into a Status: nothing throws across the
// repository boundary.
Status Guarded(const std::function<Status()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("catalog store: ") + e.what());
  } catch (...) {
    return Status::Internal("catalog store: unknown exception");
  }
}

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

Result<bool> Exists(SqliteConnection& conn, const std::string& sql, std::string_view key) {
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

SqliteDatabase::SqliteDatabase(std::string path, std::unique_ptr<Connection> writer,
                               std::unique_ptr<store_internal::ReaderPool> readers,
                               std::unique_ptr<store_internal::WalCheckpointer> checkpointer)
    : path_(std::move(path)),
      readers_(std::move(readers)),
      writer_(std::move(writer)),
      checkpointer_(std::move(checkpointer)) {}

SqliteDatabase::~SqliteDatabase() = default;

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path,
                                                             SqliteOptions options) {
  if (options.reader_connections < 1) {
    return Status::InvalidArgument("SqliteOptions.reader_connections must be at least 1");
  }
  const int busy_ms = static_cast<int>(options.busy_timeout.count());
  Result<std::unique_ptr<Connection>> writer =
      SqliteConnection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, busy_ms);
  if (!writer.ok()) return writer.status();
  Connection& w = **writer;

  Result<std::string> mode = w.QueryText("PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.status().WithContext("open " + path);
  if (*mode != "wal") {
    return Status::IoError("open " + path + ": cannot switch to WAL mode (journal mode is \"" +
                           *mode + "\")");
  }
  // temp_store=MEMORY keeps statement journals in memory. With the default (a file), the
  // journal of a transaction spills to a temporary file once one statement outgrows 64 KiB
  // (a search-index flush does) and every later statement of the transaction then pays a
  // write system call per page it touches: 14 per product in a bulk import.
  // journal_size_limit: a bulk write leaves a log of hundreds of megabytes (see
  // WalCheckpointer); it is cut back to 64 MiB when the log restarts.
  // synchronous=FULL syncs the log at every commit; NORMAL only before a checkpoint, so a
  // power cut could take back commits already acknowledged (see Durability).
  const char* synchronous = options.durability == Durability::kPowerLoss ? "FULL" : "NORMAL";
  const std::string pragmas = std::string("PRAGMA synchronous=") + synchronous +
                              "; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
                              "PRAGMA journal_size_limit=67108864; PRAGMA cache_size=-" +
                              std::to_string(options.cache_kib);
  VITRINE_RETURN_IF_ERROR(w.Exec(pragmas.c_str()));

  Result<int> version = CurrentSchemaVersion(w.db());
  if (!version.ok()) return version.status().WithContext("open " + path);
  if (*version > LatestSchemaVersion()) {
    return Status::FailedPrecondition(
        "open " + path + ": the database schema is at version " + std::to_string(*version) +
        ", newer than this binary knows (" + std::to_string(LatestSchemaVersion()) +
        "); use a newer vitrine");
  }
  if (*version < LatestSchemaVersion()) {
    if (!options.migrate) {
      return Status::FailedPrecondition("open " + path + ": the database schema is at version " +
                                        std::to_string(*version) + ", behind this binary's " +
                                        std::to_string(LatestSchemaVersion()) +
                                        "; run `vitrine migrate`");
    }
    Result<int> applied = Migrate(w.db());
    if (!applied.ok()) return applied.status().WithContext("open " + path);
  }
  auto readers = std::make_unique<store_internal::ReaderPool>(path, options.reader_connections,
                                                              busy_ms, options.cache_kib);
  Result<std::unique_ptr<store_internal::WalCheckpointer>> checkpointer =
      store_internal::WalCheckpointer::Attach(path, w.db());
  if (!checkpointer.ok()) return checkpointer.status().WithContext("open " + path);
  return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(
      path, std::move(writer).value(), std::move(readers), std::move(checkpointer).value()));
}

Result<int> SqliteDatabase::SchemaVersion() {
  Result<int> version = 0;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    version = CurrentSchemaVersion(conn.db());
    return version.status();
  }));
  return version;
}

Status SqliteDatabase::Write(const std::function<Status(Connection&)>& write) {
  Connection& w = *writer_;
  if (InTransactionOnThisThread()) {
    // A savepoint keeps this call all-or-nothing inside the caller's transaction.
    VITRINE_RETURN_IF_ERROR(w.Run("SAVEPOINT put"));
    Status status = Guarded([&] { return write(w); });
    if (!status.ok()) (void)w.Run("ROLLBACK TO put");
    Status released = w.Run("RELEASE put");
    return status.ok() ? released : status;
  }
  std::lock_guard lock(writer_mu_);
  VITRINE_RETURN_IF_ERROR(w.Run("BEGIN IMMEDIATE"));
  Status status = Guarded([&] { return write(w); });
  if (status.ok()) {
    status = w.Run("COMMIT");
    if (status.ok()) return status;
  }
  (void)w.Run("ROLLBACK");
  return status;
}

namespace {
// The reader of the ReadSnapshot() this thread is in, and whose database it reads.
struct ThreadSnapshot {
  const void* database = nullptr;
  store_internal::SqliteConnection* reader = nullptr;
};
thread_local ThreadSnapshot this_thread_snapshot;
}  // namespace

Status SqliteDatabase::ReadSnapshot(const std::function<Status()>& body) {
  if (InTransactionOnThisThread() || this_thread_snapshot.database == this) return Guarded(body);
  // Another database's snapshot on this thread is set aside for the body's length.
  const ThreadSnapshot outer = this_thread_snapshot;
  Result<std::unique_ptr<Connection>> conn = readers_->Acquire();
  if (!conn.ok()) return conn.status();
  Status status = (*conn)->Run("BEGIN");
  if (status.ok()) {
    this_thread_snapshot = {this, conn->get()};
    status = Guarded(body);
    this_thread_snapshot = outer;
    // A read transaction has nothing to keep: COMMIT only ends it.
    Status ended = (*conn)->Run("COMMIT");
    if (!ended.ok()) (void)(*conn)->Run("ROLLBACK");
  }
  readers_->Release(std::move(conn).value());
  return status;
}

Status SqliteDatabase::Read(const std::function<Status(Connection&)>& read) {
  if (InTransactionOnThisThread()) return Guarded([&] { return read(*writer_); });
  if (this_thread_snapshot.database == this) {
    return Guarded([&] { return read(*this_thread_snapshot.reader); });
  }
  Result<std::unique_ptr<Connection>> conn = readers_->Acquire();
  if (!conn.ok()) return conn.status();
  Status status = Guarded([&] { return read(**conn); });
  readers_->Release(std::move(conn).value());
  return status;
}

Status SqliteDatabase::Transaction(const std::function<Status()>& body) {
  if (InTransactionOnThisThread()) return Guarded(body);  // join the outer transaction
  std::lock_guard lock(writer_mu_);
  VITRINE_RETURN_IF_ERROR(writer_->Run("BEGIN IMMEDIATE"));
  writer_owner_.store(std::this_thread::get_id());
  Status status = Guarded(body);
  writer_owner_.store(std::thread::id());
  if (status.ok()) {
    status = writer_->Run("COMMIT");
    if (status.ok()) return status;
  }
  (void)writer_->Run("ROLLBACK");
  return status;
}

// ---------------------------------------------------------------------------------------------
// Products

namespace {

// The product upsert, for `rows` products at once: one statement per chunk of rows rather
// than per row, which binds and steps far less for the six B-trees of a product. The search
// index is not touched here (see IndexProductTexts).
std::string ProductUpsertSql(int rows) {
  std::string sql =
      "INSERT INTO products(id, gtin, title, brand, brand_key, description, category, "
      "google_category, net_quantity_per_item_milli_base, net_quantity_pack_count, "
      "net_quantity_unit, unit_pricing_base_per_item_milli_base, "
      "unit_pricing_base_pack_count, unit_pricing_base_unit, image_url, perishable, "
      "attributes, updated_at) VALUES ";
  for (int i = 0; i < rows; ++i) {
    sql += i == 0 ? "" : ",";
    sql += "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
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
  return sql;
}
constexpr int kProductParams = 18;
// Rows per upsert statement: 256 x 18 parameters stays far below SQLite's limit of 32766.
// Shorter runs use the powers of two below it, so at most 9 statement shapes are cached.
constexpr size_t kProductsPerStatement = 256;

// A product waiting in PutProducts for its multi-row upsert, with the columns computed
// from it (the statement binds them without copying).
struct PendingProduct {
  const Product* product;
  std::string brand_key;
  std::string attributes;
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
Status IndexProductTexts(SqliteConnection& conn, int64_t doc_id_before,
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

void BindProduct(Statement& u, int base, const PendingProduct& row, int64_t now) {
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
}

}  // namespace

Result<std::vector<WriteOutcome>> SqliteDatabase::PutProducts(std::span<const Product> products,
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
        Result<Statement> upsert = conn.Prepare(ProductUpsertSql(static_cast<int>(rows)));
        if (!upsert.ok()) return upsert.status();
        for (size_t i = 0; i < rows; ++i) {
          BindProduct(*upsert, static_cast<int>(i) * kProductParams, pending[done + i],
                      now_seconds);
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
      pending.push_back({&p, store_internal::FoldCase(p.brand), std::move(attributes)});
      pending_ids.insert(p.id);
      outcomes.push_back(*found ? WriteOutcome::kUpdated : WriteOutcome::kInserted);
      if (pending.size() == kProductsPerStatement) VITRINE_RETURN_IF_ERROR(flush());
    }
    VITRINE_RETURN_IF_ERROR(flush());
    if (any_written) VITRINE_RETURN_IF_ERROR(IndexProductTexts(conn, doc_id_before, stale));
    return LogChange(
        conn, ChangeKind::kProducts,
        ChangedKeys(products, std::span(outcomes), [](const Product& p) { return p.id; }));
  }));
  return outcomes;
}

Result<std::optional<Product>> SqliteDatabase::GetProduct(std::string_view id) {
  std::optional<Product> product;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    static const std::string kSql =
        std::string("SELECT ") + kProductColumns + " FROM products WHERE id = ?";
    return store_internal::LookUp<Product>(conn, kSql, id, ReadProduct, product);
  }));
  return product;
}

Result<bool> SqliteDatabase::DeleteProduct(std::string_view id) {
  Result<bool> deleted = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    // Prices and stock go with it: ON DELETE CASCADE.
    deleted = store_internal::DeleteByKey(conn, "DELETE FROM products WHERE id = ?", id);
    if (!deleted.ok() || !*deleted) return deleted.status();
    return LogChange(conn, ChangeKind::kProducts, {std::string(id)});
  }));
  return deleted;
}

Result<Page<Product>> SqliteDatabase::ListProducts(const ProductQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckLimit(query.limit));
  // The SQL depends only on which filters are present (and the number of words), so the
  // statement cache holds a handful of shapes.
  std::string sql = std::string("SELECT ") + kProductColumns + " FROM products WHERE 1";
  if (!query.after.empty()) sql += " AND id > ?";
  if (!query.category.empty()) {
    // The category itself, or one below it: "X > ..." is the byte range ["X > ", "X >!").
    sql += " AND (category = ? OR (category >= ? AND category < ?))";
  }
  if (!query.brand.empty()) sql += " AND brand_key = ?";
  if (!query.gtin.empty()) sql += " AND gtin = ?";
  struct Word {
    std::string text;
    std::string match;  // FTS5 query: every token as a prefix; empty when it has no token
  };
  std::vector<Word> words;
  for (std::string_view w : store_internal::QueryWords(query.text)) {
    Word word{std::string(w), ""};
    for (const std::string& token : store_internal::SearchTokens(w)) {
      if (!word.match.empty()) word.match += " AND ";
      word.match += "\"" + token + "\"*";  // tokens never hold '"': it separates tokens
    }
    sql += word.match.empty() ? " AND (id = ? COLLATE NOCASE OR gtin = ?)"
                              : " AND (id = ? COLLATE NOCASE OR gtin = ? OR doc_id IN "
                                "(SELECT rowid FROM products_fts WHERE products_fts MATCH ?))";
    words.push_back(std::move(word));
  }
  sql += " ORDER BY id LIMIT ?";

  Page<Product> page;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    Binder bind(*s);
    if (!query.after.empty()) bind(std::string_view(query.after));
    if (!query.category.empty()) {
      bind(std::string_view(query.category))(query.category + " > ")(query.category + " >!");
    }
    if (!query.brand.empty()) bind(store_internal::FoldCase(query.brand));
    if (!query.gtin.empty()) bind(std::string_view(query.gtin));
    for (const Word& w : words) {
      bind(std::string_view(w.text))(std::string_view(w.text));
      if (!w.match.empty()) bind(std::string_view(w.match));
    }
    bind(static_cast<int64_t>(query.limit) + 1);
    return CollectPage<Product>(
        *s, query.limit, ReadProduct, [](const Product& p) { return p.id; }, page);
  }));
  return page;
}

Result<std::vector<std::string>> SqliteDatabase::ListProductIds() {
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

Result<std::vector<WriteOutcome>> SqliteDatabase::PutStores(std::span<const Store> stores,
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
    Result<Statement> zone = conn.Prepare(
        "INSERT OR IGNORE INTO price_zones(id, name) "
        "VALUES (?1, ?1)");
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

Result<std::optional<Store>> SqliteDatabase::GetStore(std::string_view id) {
  std::optional<Store> store;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) {
    static const std::string kSql =
        std::string("SELECT ") + kStoreColumns + " FROM stores WHERE id = ?";
    return store_internal::LookUp<Store>(conn, kSql, id, ReadStore, store);
  }));
  return store;
}

Result<bool> SqliteDatabase::DeleteStore(std::string_view id) {
  Result<bool> deleted = false;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) -> Status {
    // Store-level prices and stock go with it: ON DELETE CASCADE.
    deleted = store_internal::DeleteByKey(conn, "DELETE FROM stores WHERE id = ?", id);
    if (!deleted.ok() || !*deleted) return deleted.status();
    return LogChange(conn, ChangeKind::kStores, {std::string(id)});
  }));
  return deleted;
}

Result<Page<Store>> SqliteDatabase::ListStores(const StoreQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckLimit(query.limit));
  std::string sql = std::string("SELECT ") + kStoreColumns + " FROM stores WHERE 1";
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

Result<std::vector<Store>> SqliteDatabase::ListAllStores() {
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

Result<std::vector<PriceZone>> SqliteDatabase::ListPriceZones() {
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

Result<std::vector<WriteOutcome>> SqliteDatabase::PutPrices(std::span<const Price> prices) {
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

    for (const Price& p : prices) {
      // References are checked explicitly (the foreign keys stay as a safety net) so the
      // error names the key that is missing.
      Result<bool> product = Exists(conn, "SELECT 1 FROM products WHERE id = ?", p.product_id);
      if (!product.ok()) return product.status();
      if (!*product) {
        return Status::FailedPrecondition("price for unknown product \"" + p.product_id + "\"");
      }
      if (p.level == PriceLevel::kZone) {
        Result<bool> zone = Exists(conn, "SELECT 1 FROM price_zones WHERE id = ?", p.level_id);
        if (!zone.ok()) return zone.status();
        if (!*zone) {
          return Status::FailedPrecondition("price of product \"" + p.product_id +
                                            "\" for unknown price zone \"" + p.level_id + "\"");
        }
      } else if (p.level == PriceLevel::kStore) {
        Result<bool> store = Exists(conn, "SELECT 1 FROM stores WHERE id = ?", p.level_id);
        if (!store.ok()) return store.status();
        if (!*store) {
          return Status::FailedPrecondition("price of product \"" + p.product_id +
                                            "\" for unknown store \"" + p.level_id + "\"");
        }
      }
      const auto level = static_cast<int64_t>(p.level);
      const std::string currency = p.amount.currency().code();
      const int64_t from = ToUnixSeconds(p.effective_from);

      Statement& f = *in_force;
      f.BindStatic(1, p.product_id);
      f.Bind(2, level);
      f.BindStatic(3, p.level_id);
      f.Bind(4, from);
      Result<bool> found = f.Step();
      if (!found.ok()) return found.status();
      const bool has_current = *found;
      const bool same_amount =
          has_current && f.Int(0) == p.amount.minor_units() && f.Text(1) == currency;
      const bool same_instant = has_current && f.Int(2) == from;
      f.Reset();
      if (same_amount) {
        outcomes.push_back(WriteOutcome::kUnchanged);
        continue;
      }
      Statement& w = same_instant ? *update : *insert;
      if (same_instant) {
        w.Bind(1, p.amount.minor_units());
        w.BindStatic(2, currency);
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
        w.BindStatic(7, currency);
        w.Bind(8, from);
      }
      Status run = w.Run();
      w.Reset();
      if (!run.ok()) return run.WithContext("price of product \"" + p.product_id + "\"");
      outcomes.push_back(same_instant ? WriteOutcome::kUpdated : WriteOutcome::kInserted);
    }
    return LogChange(
        conn, ChangeKind::kProducts,
        ChangedKeys(prices, std::span(outcomes), [](const Price& p) { return p.product_id; }));
  }));
  return outcomes;
}

Result<std::vector<Price>> SqliteDatabase::ListPriceHistory(std::string_view product_id) {
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

Result<Page<Price>> SqliteDatabase::ListPrices(const PriceQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckLimit(query.limit));
  std::optional<store_internal::PriceCursor> after;
  if (!query.after.empty()) {
    Result<store_internal::PriceCursor> cursor = store_internal::ParsePriceCursor(query.after);
    if (!cursor.ok()) return cursor.status();
    after = std::move(cursor).value();
  }
  VITRINE_RETURN_IF_ERROR(store_internal::CheckPriceInstant(query.at));
  const Instant at = query.at;
  // With a single max() aggregate, SQLite takes the other columns from the row holding the
  // maximum: the entry in force at `at` for each series.
  std::string sql = std::string("SELECT product_id, level, level_id, amount_minor, currency, ") +
                    "max(effective_from) FROM prices WHERE effective_from <= ?";
  if (!query.product_id.empty()) sql += " AND product_id = ?";
  if (query.level) sql += " AND level = ?";
  if (!query.level_id.empty()) sql += " AND level_id = ?";
  if (after) sql += " AND (product_id, level, level_id) > (?, ?, ?)";
  sql += " GROUP BY product_id, level, level_id ORDER BY product_id, level, level_id LIMIT ?";

  Page<Price> page;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
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
Status MissingStockReference(SqliteConnection& conn, std::span<const StockLevel> levels) {
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

}  // namespace

Result<std::vector<WriteOutcome>> SqliteDatabase::PutStock(std::span<const StockLevel> levels) {
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
    for (const uint32_t index : order) {
      const StockLevel& s = levels[index];
      const int64_t measured_at = ToUnixSeconds(s.measured_at);
      Statement& f = *select;
      f.BindStatic(1, s.product_id);
      f.BindStatic(2, s.store_id);
      Result<bool> found = f.Step();
      if (!found.ok()) return found.status();
      // A stale level (measured before the stored one) or the same quantity changes nothing.
      const bool changed = !*found || (measured_at >= f.Int(1) && s.quantity != f.Int(0));
      f.Reset();
      if (!changed) continue;
      Statement& w = *found ? *update : *insert;
      if (*found) {
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
      if (!run.ok()) {
        const int code = sqlite3_extended_errcode(conn.db());
        w.Reset();
        if (code != SQLITE_CONSTRAINT_FOREIGNKEY) return run;
        return MissingStockReference(conn, levels);
      }
      w.Reset();
      outcomes[index] = *found ? WriteOutcome::kUpdated : WriteOutcome::kInserted;
    }
    return LogChange(conn, ChangeKind::kStock,
                     ChangedKeys(levels, std::span(outcomes), [](const StockLevel& s) {
                       return StockChangeKey(s.product_id, s.store_id);
                     }));
  }));
  return outcomes;
}

Result<std::optional<StockLevel>> SqliteDatabase::GetStock(std::string_view product_id,
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

Result<Page<StockLevel>> SqliteDatabase::ListStock(const StockQuery& query) {
  VITRINE_RETURN_IF_ERROR(store_internal::CheckLimit(query.limit));
  std::optional<store_internal::StockCursor> after;
  if (!query.after.empty()) {
    Result<store_internal::StockCursor> cursor = store_internal::ParseStockCursor(query.after);
    if (!cursor.ok()) return cursor.status();
    after = std::move(cursor).value();
  }
  std::string sql = "SELECT product_id, store_id, quantity, measured_at FROM stock WHERE 1";
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

Result<CatalogCounts> SqliteDatabase::Counts() {
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
