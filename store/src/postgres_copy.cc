// CopySqliteToPostgres: a hub moving from its SQLite file to PostgreSQL. Every table goes
// across whole with COPY (PostgreSQL's bulk path), in one transaction.
#include <sqlite3.h>

#include "pg_connection.h"
#include "sqlite_connection.h"
#include "sqlite_migrations.h"
#include "store/migrations.h"
#include "store/postgres_database.h"
#include "text_folding.h"

namespace vitrine {

namespace {

using store_internal::PgConnection;
using store_internal::SqliteConnection;

// Tables in an order that satisfies their foreign keys. Leases are not copied: they belong
// to the processes that held them.
constexpr const char* kTables[] = {"price_zones",
                                   "products",
                                   "stores",
                                   "prices",
                                   "stock",
                                   "users",
                                   "api_tokens",
                                   "sessions",
                                   "audit_log",
                                   "campaigns",
                                   "promotions",
                                   "counters",
                                   "offer_texts",
                                   "offer_variants",
                                   "offer_records",
                                   "change_log",
                                   "change_consumers",
                                   "campaign_revisions",
                                   "campaign_revision_promotions",
                                   "feed_pulls",
                                   "feed_pull_latest",
                                   "offer_counts",
                                   "assembly_runs",
                                   "destinations",
                                   "deliveries",
                                   "delivery_attempts",
                                   "sources",
                                   "source_runs"};

// Identity columns, whose sequences must continue after the copied ids.
constexpr std::pair<const char*, const char*> kIdentities[] = {
    {"products", "doc_id"},   {"audit_log", "seq"}, {"offer_texts", "id"},
    {"offer_variants", "id"}, {"change_log", "id"}, {"feed_pulls", "seq"},
    {"assembly_runs", "id"},  {"deliveries", "id"}, {"source_runs", "id"}};

// `text` escaped for COPY's text format.
void AppendCopyField(std::string& out, const char* text, int size) {
  for (int i = 0; i < size; ++i) {
    const char c = text[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

Status PgResultStatus(PgConnection& pg, PGresult* result, ExecStatusType wanted,
                      const std::string& context) {
  Status status = PQresultStatus(result) == wanted ? Status::Ok() : pg.ResultError(result, context);
  PQclear(result);
  return status;
}

// Copies `table` with COPY; the products also get their search words. Returns the rows.
Result<int64_t> CopyTable(SqliteConnection& lite, PgConnection& pg, const std::string& table) {
  std::vector<std::string> columns;
  {
    Result<store_internal::Statement> info = lite.Prepare("SELECT name FROM pragma_table_info(?)");
    if (!info.ok()) return info.status();
    info->Bind(1, table);
    for (;;) {
      Result<bool> row = info->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      columns.push_back(info->Text(0));
    }
  }
  const bool products = table == "products";
  int title = -1, brand = -1, description = -1;
  std::string list;
  for (size_t i = 0; i < columns.size(); ++i) {
    list += (i == 0 ? "" : ", ") + columns[i];
    if (columns[i] == "title") title = static_cast<int>(i);
    if (columns[i] == "brand") brand = static_cast<int>(i);
    if (columns[i] == "description") description = static_cast<int>(i);
  }
  const std::string target = products ? list + ", search_words" : list;
  // The migration's own counter rows make way for the copied ones.
  if (table == "counters") VITRINE_RETURN_IF_ERROR(pg.Exec("DELETE FROM counters"));
  PGresult* started = PQexec(pg.raw(), ("COPY " + table + " (" + target + ") FROM STDIN").c_str());
  VITRINE_RETURN_IF_ERROR(PgResultStatus(pg, started, PGRES_COPY_IN, "copy " + table));

  sqlite3_stmt* select = nullptr;
  const std::string sql = "SELECT " + list + " FROM " + table;
  if (sqlite3_prepare_v2(lite.db(), sql.c_str(), -1, &select, nullptr) != SQLITE_OK) {
    PQputCopyEnd(pg.raw(), "source unreadable");
    PQclear(PQgetResult(pg.raw()));
    return store_internal::SqliteError(lite.db(), sql);
  }
  int64_t rows = 0;
  std::string chunk;
  Status status = Status::Ok();
  int rc;
  while ((rc = sqlite3_step(select)) == SQLITE_ROW) {
    for (int c = 0; c < static_cast<int>(columns.size()); ++c) {
      if (c > 0) chunk += '\t';
      if (sqlite3_column_type(select, c) == SQLITE_NULL) {
        chunk += "\\N";
        continue;
      }
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select, c));
      AppendCopyField(chunk, text, sqlite3_column_bytes(select, c));
    }
    if (products) {
      std::string words;
      for (int c : {title, brand, description}) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select, c));
        for (const std::string& token : store_internal::SearchTokens(text ? text : "")) {
          words += ' ';
          words += token;
        }
      }
      chunk += '\t';
      AppendCopyField(chunk, words.data(), static_cast<int>(words.size()));
    }
    chunk += '\n';
    ++rows;
    if (chunk.size() >= (1 << 20)) {
      if (PQputCopyData(pg.raw(), chunk.data(), static_cast<int>(chunk.size())) != 1) break;
      chunk.clear();
    }
  }
  if (rc != SQLITE_DONE) status = store_internal::SqliteError(lite.db(), sql);
  sqlite3_finalize(select);
  if (!chunk.empty()) PQputCopyData(pg.raw(), chunk.data(), static_cast<int>(chunk.size()));
  PQputCopyEnd(pg.raw(), status.ok() ? nullptr : "source unreadable");
  Status copied = PgResultStatus(pg, PQgetResult(pg.raw()), PGRES_COMMAND_OK, "copy " + table);
  while (PGresult* extra = PQgetResult(pg.raw())) PQclear(extra);
  if (!status.ok()) return status;
  if (!copied.ok()) return copied;
  return rows;
}

}  // namespace

Result<std::vector<std::pair<std::string, int64_t>>> CopySqliteToPostgres(
    const std::string& sqlite_path, const std::string& url) {
  Result<std::unique_ptr<SqliteConnection>> lite =
      SqliteConnection::Open(sqlite_path, SQLITE_OPEN_READONLY, 5000);
  if (!lite.ok()) return lite.status();
  Result<int> version = CurrentSchemaVersion((*lite)->db());
  if (!version.ok()) return version.status();
  if (*version != LatestSchemaVersion()) {
    return Status::FailedPrecondition(
        sqlite_path + " is at schema version " + std::to_string(*version) + ", not " +
        std::to_string(LatestSchemaVersion()) + ": run `vitrine migrate` on it first");
  }
  Result<int> migrated = MigratePostgres(url);
  if (!migrated.ok()) return migrated.status();
  Result<std::unique_ptr<PgConnection>> pg = PgConnection::Open(url);
  if (!pg.ok()) return pg.status();
  PgConnection& conn = **pg;

  // One read snapshot of the file, one transaction on the server: all or nothing.
  VITRINE_RETURN_IF_ERROR((*lite)->Exec("BEGIN"));
  VITRINE_RETURN_IF_ERROR(conn.Exec("BEGIN; SELECT pg_advisory_xact_lock(33329996108492389)"));
  auto fail = [&](Status status) -> Result<std::vector<std::pair<std::string, int64_t>>> {
    (void)conn.Exec("ROLLBACK");
    return status.WithContext("copy " + sqlite_path + " to " + store_internal::RedactConninfo(url));
  };
  for (const char* table : {"products", "stores", "campaigns", "offer_records", "audit_log"}) {
    Result<std::string> any =
        conn.QueryText(std::string("SELECT count(*) FROM (SELECT 1 FROM ") + table + " LIMIT 1) t");
    if (!any.ok()) return fail(any.status());
    if (*any != "0") {
      return fail(Status::FailedPrecondition(
          std::string("the PostgreSQL database already holds data (table ") + table +
          "); copy into an empty database"));
    }
  }
  std::vector<std::pair<std::string, int64_t>> copied;
  for (const char* table : kTables) {
    Result<int64_t> rows = CopyTable(**lite, conn, table);
    if (!rows.ok()) return fail(rows.status());
    copied.emplace_back(table, *rows);
  }
  for (const auto& [table, column] : kIdentities) {
    const std::string sql = std::string("SELECT setval(pg_get_serial_sequence('") + table + "', '" +
                            column + "'), coalesce(max(" + column + "), 0) + 1, false) " + "FROM " +
                            table;
    if (Status s = conn.Exec(sql.c_str()); !s.ok()) return fail(s);
  }
  if (Status s = conn.Exec("ANALYZE"); !s.ok()) return fail(s);
  if (Status s = conn.Exec("COMMIT"); !s.ok()) return fail(s);
  return copied;
}

}  // namespace vitrine
