// SQLite-only behaviour of SqliteDatabase: migrations, persistence, WAL, schema-version checks
// and concurrent readers beside a writer.
#include "store/sqlite_database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "store/migrations.h"
#include "temp_dir.h"

namespace vitrine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Instant T(int64_t seconds) { return FromUnixSeconds(1'700'000'000 + seconds); }

// Runs one query on its own connection and returns the first column of every row.
std::vector<std::string> Query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "open " << path;
    sqlite3_close(db);
    return rows;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  } else {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      rows.push_back(text ? text : "NULL");
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::unique_ptr<SqliteDatabase> OpenOrDie(const std::string& path, SqliteOptions options = {}) {
  auto opened = SqliteDatabase::Open(path, options);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

Product MakeProduct(std::string id) {
  Product p;
  p.id = std::move(id);
  p.title = "Produit " + p.id;
  return p;
}

Store MakeStore(std::string id) {
  Store s;
  s.id = std::move(id);
  s.name = "Magasin";
  s.price_zone = "Z";
  return s;
}

TEST(SqliteMigrationsTest, AreRecordedOnceAndIdempotent) {
  testing::TempDir dir;
  const std::string path = dir.File("m.db");
  EXPECT_EQ(CurrentSchemaVersion(path).value(), 0);  // missing file

  Result<int> applied = Migrate(path);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, static_cast<int>(CatalogMigrations().size()));
  EXPECT_EQ(CurrentSchemaVersion(path).value(), LatestSchemaVersion());

  Result<int> again = Migrate(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);

  const auto versions = Query(path, "SELECT version FROM schema_migrations ORDER BY version");
  ASSERT_EQ(versions.size(), CatalogMigrations().size());
  for (size_t i = 0; i < versions.size(); ++i) {
    EXPECT_EQ(versions[i], std::to_string(CatalogMigrations()[i].version));
  }
  EXPECT_EQ(Query(path,
                  "SELECT count(*) FROM schema_migrations WHERE name = '' OR "
                  "applied_at < 1600000000")[0],
            "0");
  // Versions are consecutive from 1, so "newer than the binary" is well defined.
  for (size_t i = 0; i < CatalogMigrations().size(); ++i) {
    EXPECT_EQ(CatalogMigrations()[i].version, static_cast<int>(i) + 1);
  }
  // A catalogue opened on a migrated file applies nothing and works.
  auto catalog = OpenOrDie(path);
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->SchemaVersion().value(), LatestSchemaVersion());
}

TEST(SqliteDatabaseTest, OpenMigratesANewDatabaseByDefault) {
  testing::TempDir dir;
  auto catalog = OpenOrDie(dir.File("new.db"));
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->SchemaVersion().value(), LatestSchemaVersion());
  EXPECT_EQ(Query(dir.File("new.db"), "SELECT count(*) FROM schema_migrations")[0],
            std::to_string(LatestSchemaVersion()));
}

TEST(SqliteDatabaseTest, OpenWithoutMigrateRefusesASchemaBehind) {
  testing::TempDir dir;
  SqliteOptions options;
  options.migrate = false;
  auto opened = SqliteDatabase::Open(dir.File("behind.db"), options);
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(opened.status().message(), HasSubstr("vitrine migrate"));

  ASSERT_TRUE(Migrate(dir.File("behind.db")).ok());
  EXPECT_TRUE(SqliteDatabase::Open(dir.File("behind.db"), options).ok());
}

TEST(SqliteDatabaseTest, RefusesADatabaseNewerThanTheBinary) {
  testing::TempDir dir;
  const std::string path = dir.File("newer.db");
  ASSERT_TRUE(Migrate(path).ok());
  const int future = LatestSchemaVersion() + 1;
  Query(path, "INSERT INTO schema_migrations VALUES (" + std::to_string(future) +
                  ", 'from the future', 1900000000) RETURNING version");
  ASSERT_EQ(CurrentSchemaVersion(path).value(), future);

  auto opened = SqliteDatabase::Open(path);
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(opened.status().message(), HasSubstr("newer"));
  EXPECT_EQ(Migrate(path).status().code(), StatusCode::kFailedPrecondition);
}

TEST(SqliteDatabaseTest, RefusesAFileThatIsNotADatabase) {
  testing::TempDir dir;
  std::ofstream(dir.File("junk.db")) << "this is not a database, just some text long enough";
  auto opened = SqliteDatabase::Open(dir.File("junk.db"));
  EXPECT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kIoError);
}

TEST(SqliteDatabaseTest, ReopeningKeepsTheData) {
  testing::TempDir dir;
  const std::string path = dir.File("keep.db");
  {
    auto catalog = OpenOrDie(path);
    ASSERT_NE(catalog, nullptr);
    ASSERT_TRUE(catalog->PutProducts(std::vector{MakeProduct("P1")}, T(1)).ok());
    ASSERT_TRUE(catalog->PutStores(std::vector{MakeStore("S1")}, T(1)).ok());
    ASSERT_TRUE(catalog->PutStock(std::vector<StockLevel>{{"P1", "S1", 9, T(2)}}).ok());
  }
  auto catalog = OpenOrDie(path);
  ASSERT_NE(catalog, nullptr);
  auto product = catalog->GetProduct("P1");
  ASSERT_TRUE(product.ok() && product->has_value());
  EXPECT_EQ((*product)->updated_at, T(1));
  EXPECT_EQ(catalog->GetStock("P1", "S1")->value().quantity, 9);
  // The search index survived too.
  ProductQuery q;
  q.text = "produit";
  EXPECT_EQ(catalog->ListProducts(q)->items.size(), 1u);
}

TEST(SqliteDatabaseTest, RunsInWalModeWithForeignKeys) {
  testing::TempDir dir;
  const std::string path = dir.File("wal.db");
  auto catalog = OpenOrDie(path);
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(Query(path, "PRAGMA journal_mode")[0], "wal");
  // The foreign keys are declared so the cascade does not depend on application code.
  EXPECT_EQ(Query(path, "SELECT count(*) FROM pragma_foreign_key_list('stock')")[0], "2");
}

TEST(SqliteDatabaseTest, ABigWriteIsCheckpointedInTheBackground) {
  testing::TempDir dir;
  const std::string path = dir.File("checkpointed.db");
  auto catalog = OpenOrDie(path);
  ASSERT_NE(catalog, nullptr);
  const auto db_bytes = [&] { return std::filesystem::file_size(path); };
  const auto before = db_bytes();
  // One offer in 40,000 stores: several thousand log pages, well past the 1,000 that wake the
  // checkpointing thread and far below the bound that checkpoints in the commit itself.
  OfferBatch batch;
  PublishedOffer content;
  content.offer_id = "PR1~P1";
  content.promotion_id = "PR1";
  content.product_id = "P1";
  content.campaign_id = "C1";
  content.timezone = "Europe/Paris";
  content.mechanic = "percent_off";
  content.regular_price = content.shelf_price = content.effective_unit_price = Money::Euros(199);
  batch.variants.push_back({content, ""});
  for (int i = 0; i < 40'000; ++i) {
    batch.offers.push_back({0, "S" + std::to_string(100'000 + i), i, Availability::kInStock, ""});
  }
  ASSERT_TRUE(catalog->ReplaceOfferBatch({{"PR1"}, {}, {}}, batch).ok());
  // The rows reach the database file only through a checkpoint, and nothing else runs one.
  for (int waited = 0; waited < 100 && db_bytes() < before + 2'000'000; ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GT(db_bytes(), before + 2'000'000);
}

TEST(SqliteDatabaseTest, SearchIndexFollowsUpdatesAndDeletes) {
  testing::TempDir dir;
  auto catalog = OpenOrDie(dir.File("fts.db"));
  ASSERT_NE(catalog, nullptr);
  Product p = MakeProduct("P1");
  p.title = "Confiture de fraises";
  ASSERT_TRUE(catalog->PutProducts(std::vector{p}, T(1)).ok());
  p.title = "Confiture d'abricots";
  ASSERT_TRUE(catalog->PutProducts(std::vector{p}, T(2)).ok());
  ProductQuery q;
  q.text = "fraise";
  EXPECT_TRUE(catalog->ListProducts(q)->items.empty());
  q.text = "abricot";
  EXPECT_EQ(catalog->ListProducts(q)->items.size(), 1u);
  ASSERT_TRUE(catalog->DeleteProduct("P1").ok());
  EXPECT_TRUE(catalog->ListProducts(q)->items.empty());
  EXPECT_EQ(Query(dir.File("fts.db"),
                  "SELECT count(*) FROM products_fts WHERE products_fts MATCH 'abricot*'")[0],
            "0");
}

// PutProducts brings the search index up to date once per call: a call mixing new rows, rows
// whose texts change (one of them twice), rows whose other fields change and unchanged rows
// leaves the index exactly in step with the table, as FTS5's own check against the content
// table confirms, and a search finds every product by its latest texts only.
TEST(SqliteDatabaseTest, SearchIndexFollowsEveryRowOfOneCall) {
  testing::TempDir dir;
  const std::string path = dir.File("fts-batch.db");
  auto catalog = OpenOrDie(path);
  ASSERT_NE(catalog, nullptr);
  std::vector<Product> first;
  for (const char* id : {"A", "B", "C", "D"}) first.push_back(MakeProduct(id));
  first[0].title = "Confiture de fraises";
  first[1].brand = "Bonne Maman";
  first[2].description = "Biscuits au beurre";
  ASSERT_TRUE(catalog->PutProducts(first, T(1)).ok());

  std::vector<Product> second = first;
  second[0].title = "Confiture de cerises";  // text changed
  second[1].category = "Epicerie > Sucre";   // other field changed: the index keeps "bonne"
  second[2].description = "Galettes";        // text changed, then again below
  Product c_again = second[2];
  c_again.description = "Palets bretons";
  second.push_back(c_again);
  Product e = MakeProduct("E");  // new, then changed in the same call
  e.title = "Miel de lavande";
  second.push_back(e);
  e.title = "Miel de sapin";
  second.push_back(e);
  auto outcomes = catalog->PutProducts(second, T(2));
  ASSERT_TRUE(outcomes.ok()) << outcomes.status().ToString();
  EXPECT_THAT(*outcomes, ::testing::ElementsAre(WriteOutcome::kUpdated, WriteOutcome::kUpdated,
                                                WriteOutcome::kUpdated, WriteOutcome::kUnchanged,
                                                WriteOutcome::kUpdated, WriteOutcome::kInserted,
                                                WriteOutcome::kUpdated));

  const auto search = [&](std::string text) {
    ProductQuery q;
    q.text = std::move(text);
    auto page = catalog->ListProducts(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const Product& p : page->items) ids.push_back(p.id);
    }
    return ids;
  };
  EXPECT_THAT(search("fraise"), ::testing::IsEmpty());
  EXPECT_THAT(search("cerise"), ::testing::ElementsAre("A"));
  EXPECT_THAT(search("bonne maman"), ::testing::ElementsAre("B"));
  EXPECT_THAT(search("biscuits"), ::testing::IsEmpty());
  EXPECT_THAT(search("galettes"), ::testing::IsEmpty());
  EXPECT_THAT(search("palets"), ::testing::ElementsAre("C"));
  EXPECT_THAT(search("lavande"), ::testing::IsEmpty());
  EXPECT_THAT(search("sapin"), ::testing::ElementsAre("E"));
  EXPECT_THAT(search("produit"), ::testing::ElementsAre("B", "C", "D"));
  // Fails with SQLITE_CORRUPT_VTAB when the index holds a term the table does not, or lacks one.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  EXPECT_EQ(
      sqlite3_exec(db, "INSERT INTO products_fts(products_fts, rank) VALUES ('integrity-check', 1)",
                   nullptr, nullptr, nullptr),
      SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  ASSERT_TRUE(catalog->DeleteProduct("C").ok());
  EXPECT_THAT(search("palets"), ::testing::IsEmpty());
}

// A writer lands whole batches in which every level has the same quantity; readers on other
// threads must only ever see a batch whole (no torn reads) and never get an error.
TEST(SqliteDatabaseTest, ConcurrentReadersSeeWholeBatchesWhileAWriterWrites) {
  testing::TempDir dir;
  SqliteOptions options;
  options.reader_connections = 3;
  auto catalog = OpenOrDie(dir.File("concurrent.db"), options);
  ASSERT_NE(catalog, nullptr);
  constexpr int kProducts = 100;
  constexpr int kStores = 5;
  std::vector<Product> products;
  for (int i = 0; i < kProducts; ++i) products.push_back(MakeProduct("P" + std::to_string(i)));
  std::vector<Store> stores;
  for (int i = 0; i < kStores; ++i) stores.push_back(MakeStore("S" + std::to_string(i)));
  ASSERT_TRUE(catalog->PutProducts(products, T(0)).ok());
  ASSERT_TRUE(catalog->PutStores(stores, T(0)).ok());

  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  constexpr int kBatches = 60;

  std::thread writer([&] {
    for (int batch = 1; batch <= kBatches; ++batch) {
      std::vector<StockLevel> levels;
      for (const Product& p : products) {
        for (const Store& s : stores) levels.push_back({p.id, s.id, batch, T(batch)});
      }
      if (!catalog->PutStock(levels).ok()) ++errors;
    }
    done = true;
  });
  // A second writer thread takes the same writer connection in turn.
  std::thread product_writer([&] {
    for (int i = 0; i < 40; ++i) {
      Product p = MakeProduct("X" + std::to_string(i));
      Status s =
          catalog->Transaction([&] { return catalog->PutProducts(std::vector{p}, T(i)).status(); });
      if (!s.ok()) ++errors;
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        StockQuery q;
        q.limit = 1000;
        auto page = catalog->ListStock(q);
        if (!page.ok()) {
          ++errors;
          continue;
        }
        const auto& items = page->items;
        if (!items.empty()) {
          if (items.size() != kProducts * kStores) ++torn;
          for (const StockLevel& l : items) {
            if (l.quantity != items.front().quantity) {
              ++torn;
              break;
            }
          }
        }
        if (!catalog->Counts().ok()) ++errors;
        ++reads;
      }
    });
  }
  writer.join();
  product_writer.join();
  for (std::thread& t : readers) t.join();

  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  auto final_level = catalog->GetStock("P0", "S0");
  ASSERT_TRUE(final_level.ok() && final_level->has_value());
  EXPECT_EQ((*final_level)->quantity, kBatches);
  EXPECT_EQ(catalog->Counts()->products, kProducts + 40);
}

TEST(SqliteDatabaseTest, RejectsAnEmptyReaderPool) {
  testing::TempDir dir;
  SqliteOptions options;
  options.reader_connections = 0;
  EXPECT_EQ(SqliteDatabase::Open(dir.File("x.db"), options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SqliteDatabaseTest, OpeningAVersionOneDatabaseAddsAccountsAndKeepsTheCatalogue) {
  testing::TempDir dir;
  const std::string path = dir.File("v1.db");
  {
    // A database as a binary that knew only migration 1 left it, with one product.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const std::string v1 = std::string(CatalogMigrations()[0].sql) +
                           "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                           "name TEXT NOT NULL, applied_at INTEGER NOT NULL);"
                           "INSERT INTO schema_migrations VALUES (1, 'catalog', 1700000000);"
                           "INSERT INTO products(id, title, brand, brand_key, description, "
                           "category, google_category, image_url, perishable, attributes, "
                           "updated_at) VALUES ('P1', 'Produit', '', '', '', '', '', '', 0, "
                           "'{}', 1700000001);";
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_free(error);
    sqlite3_close(db);
  }
  ASSERT_EQ(CurrentSchemaVersion(path).value(), 1);

  auto catalog = OpenOrDie(path);
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->SchemaVersion().value(), LatestSchemaVersion());
  EXPECT_TRUE(catalog->GetProduct("P1")->has_value());
  // The search index, rebuilt without positions by version 11, still finds the product.
  EXPECT_THAT(Query(path, "SELECT sql FROM sqlite_master WHERE name = 'products_fts'")[0],
              ::testing::HasSubstr("detail=none"));
  EXPECT_EQ(Query(path, "SELECT count(*) FROM products_fts WHERE products_fts MATCH 'produit'")[0],
            "1");
  ProductQuery q;
  q.text = "produ";
  EXPECT_EQ(catalog->ListProducts(q)->items.size(), 1u);
  User user;
  user.id = "alice@example.com";
  user.role = Role::kAdmin;
  ASSERT_TRUE(catalog->PutUser(user).ok());
  EXPECT_EQ(catalog->GetUser("alice@example.com")->value().role, Role::kAdmin);
  auto seq = catalog->Append({0, T(1), "cli", "migrate", "schema", "2", nullptr, nullptr, ""});
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(*seq, 1);
}

TEST(SqliteDatabaseTest, OpeningAVersionSixDatabaseFindsEachCampaignsCreatorInTheAuditLog) {
  testing::TempDir dir;
  const std::string path = dir.File("v6.db");
  {
    // A database as a binary that knew migrations 1 to 6 left it: a campaign whose creation
    // was audited, and one whose was not.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string v6 =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at INTEGER NOT NULL);";
    for (const SchemaMigration& m : CatalogMigrations().first(6)) {
      v6 += std::string(m.sql) + "INSERT INTO schema_migrations VALUES (" +
            std::to_string(m.version) + ", 'm', 1700000000);";
    }
    for (const char* id : {"C00000001", "C00000002"}) {
      v6 += std::string("INSERT INTO campaigns VALUES ('") + id +
            "', 'Noël', '', 0, 604800, '[\"google\"]', '{\"kind\":\"all\",\"ids\":[]}', "
            "'{\"brand_kit\":\"\",\"template_by_format\":{}}', 'approved', 3, 1700000000, "
            "1700000000);";
    }
    v6 +=
        "INSERT INTO audit_log(at, actor, action, entity, entity_id, before_json, after_json, "
        "request_id) VALUES (1700000000, 'user:marion@example.com', 'create', 'campaign', "
        "'C00000001', NULL, '{}', ''), (1700000001, 'user:paul@example.com', 'update', "
        "'campaign', 'C00000001', '{}', '{}', '');";
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, v6.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_free(error);
    sqlite3_close(db);
  }
  auto catalog = OpenOrDie(path);
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->SchemaVersion().value(), LatestSchemaVersion());
  auto audited = catalog->GetCampaign("C00000001");
  ASSERT_TRUE(audited.ok()) << audited.status().ToString();
  ASSERT_TRUE(audited->has_value());
  EXPECT_EQ((*audited)->created_by, "user:marion@example.com");
  EXPECT_TRUE((*audited)->edited_by.empty());
  EXPECT_FALSE((*audited)->last_review.has_value());
  auto unknown = catalog->GetCampaign("C00000002");
  ASSERT_TRUE(unknown.ok() && unknown->has_value());
  EXPECT_EQ((*unknown)->created_by, "");
  EXPECT_FALSE(catalog->GetRevision("C00000001")->has_value());
}

TEST(SqliteDatabaseTest, OpeningAVersionThreeDatabaseKeepsItsOffersInNarrowRows) {
  testing::TempDir dir;
  const std::string path = dir.File("v3.db");
  {
    // A database as a binary that knew migrations 1 to 3 left it: one live offer, one
    // tombstone, in the wide rows of version 3.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string v3 =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at INTEGER NOT NULL);";
    for (const SchemaMigration& m : CatalogMigrations().first(3)) {
      v3 += std::string(m.sql) + "INSERT INTO schema_migrations VALUES (" +
            std::to_string(m.version) + ", 'm', 1700000000);";
    }
    const std::string columns =
        "INSERT INTO offers(seq, offer_id, store_id, campaign_id, promotion_id, product_id, "
        "category, channels, valid_from, valid_until, timezone, currency, regular_minor, "
        "shelf_minor, effective_unit_minor, unit_price_minor, unit_pricing_base, reference_minor, "
        "discount_percent, mechanic, mechanic_parameters, loyalty_credit_minor, badge, headline, "
        "legal, stock_quantity, availability, content_hash, version, deleted) VALUES ";
    v3 += columns +
          "(7, 'PR1~P1', 'S1', 'C1', 'PR1', 'P1', 'Épicerie > Chocolat', ',google,meta,', "
          "1700000000, 1700600000, 'Europe/Paris', 'EUR', 299, 199, 199, 796, '1 kg', 299, 33, "
          "'percent_off', '{\"percent\":33}', NULL, '-33%', 'Chocolat à 1,99 €', "
          "'Offre valable du 15 au 21 janvier.', 12, 'in_stock', '00ff00ff00ff00ff', 2, 0);" +
          columns +
          "(8, 'PR1~P2', 'S1', 'C1', 'PR1', 'P2', 'Épicerie', ',google,', 1700000000, "
          "1700600000, 'Europe/Paris', 'EUR', 100, 80, 80, NULL, '', NULL, NULL, 'percent_off', "
          "'{\"percent\":20}', NULL, '-20%', '', '', 0, 'out_of_stock', 'ab', 1, 1);"
          "UPDATE counters SET value = 8 WHERE name = 'offer_seq';";
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, v3.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_free(error);
    sqlite3_close(db);
  }
  ASSERT_EQ(CurrentSchemaVersion(path).value(), 3);

  auto catalog = OpenOrDie(path);
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->SchemaVersion().value(), LatestSchemaVersion());
  auto offer = catalog->GetOffer("PR1~P1", "S1");
  ASSERT_TRUE(offer.ok()) << offer.status().ToString();
  ASSERT_TRUE(offer->has_value());
  const PublishedOffer& o = **offer;
  EXPECT_EQ(o.seq, 7);
  EXPECT_EQ(o.promotion_id, "PR1");
  EXPECT_EQ(o.product_id, "P1");
  EXPECT_EQ(o.category, "Épicerie > Chocolat");
  EXPECT_EQ(o.channels, (std::vector<std::string>{"google", "meta"}));
  EXPECT_EQ(o.shelf_price, Money::Euros(199));
  EXPECT_EQ(o.unit_price, Money::Euros(796));
  EXPECT_EQ(o.mechanic_parameters, nlohmann::json({{"percent", 33}}));
  EXPECT_EQ(o.headline, "Chocolat à 1,99 €");
  EXPECT_EQ(o.legal, "Offre valable du 15 au 21 janvier.");
  EXPECT_EQ(o.availability, Availability::kInStock);
  EXPECT_EQ(o.content_hash, "00ff00ff00ff00ff");
  EXPECT_EQ(o.version, 2);
  EXPECT_FALSE(catalog->GetOffer("PR1~P2", "S1")->has_value());  // still a tombstone
  auto changes = catalog->ListChanges(0, 10, "google");
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_TRUE((*changes)[1].deleted);
  EXPECT_EQ(catalog->LastSeq().value(), 8);
  // Each text is stored once, whatever the number of rows using it.
  EXPECT_EQ(Query(path, "SELECT count(*) FROM offer_texts WHERE text = 'percent_off'"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(Query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'offers_by_promotion'"),
            std::vector<std::string>{"0"});
}

TEST(SqliteDatabaseTest, AccountTablesHaveTheirIndexes) {
  testing::TempDir dir;
  const std::string path = dir.File("idx.db");
  ASSERT_NE(OpenOrDie(path), nullptr);
  // The unique index is what turns a reused secret into AlreadyExists rather than two tokens.
  EXPECT_EQ(Query(path,
                  "SELECT \"unique\" FROM pragma_index_list('api_tokens') "
                  "WHERE name = 'api_tokens_by_secret_hash'"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(Query(path, "SELECT name FROM pragma_index_info('sessions_by_expiry')"),
            std::vector<std::string>{"expires_at"});
  EXPECT_EQ(Query(path, "SELECT name FROM pragma_index_info('audit_by_entity') ORDER BY seqno"),
            (std::vector<std::string>{"entity", "entity_id", "seq"}));
  // "The history of this entity, newest first" walks the index, with no sort step.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(
                db,
                "EXPLAIN QUERY PLAN SELECT seq, actor, after_json FROM audit_log WHERE entity = ? "
                "AND entity_id = ? AND seq < ? ORDER BY seq DESC LIMIT 10",
                -1, &stmt, nullptr),
            SQLITE_OK);
  std::string plan;  // the detail column of every step
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
    plan += "\n";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  EXPECT_THAT(plan, HasSubstr("INDEX audit_by_entity (entity=? AND entity_id=? AND seq<?)"));
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE")));
}

TEST(SqliteDatabaseTest, ThrottledTouchTokenNeedsNoWriteLock) {
  testing::TempDir dir;
  const std::string path = dir.File("touch.db");
  SqliteOptions options;
  options.busy_timeout = std::chrono::milliseconds(50);
  auto catalog = OpenOrDie(path, options);
  ASSERT_NE(catalog, nullptr);
  ApiToken token;
  token.id = "tok_1";
  token.secret_hash = "hash-1";
  ASSERT_TRUE(catalog->CreateToken(token).ok());
  ASSERT_TRUE(catalog->TouchToken("tok_1", T(100)).ok());

  // Another process holds the write lock, as a long import would.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  // Within the minute: answered from a read, so the request is not held up.
  EXPECT_TRUE(catalog->TouchToken("tok_1", T(130)).ok());
  // Due: it must write, and waits for the lock like any write.
  EXPECT_EQ(catalog->TouchToken("tok_1", T(200)).code(), StatusCode::kUnavailable);
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);

  EXPECT_TRUE(catalog->TouchToken("tok_1", T(200)).ok());
  EXPECT_EQ(catalog->GetToken("tok_1")->value().last_used_at, std::optional<Instant>(T(200)));
}

}  // namespace
}  // namespace vitrine
