// The PostgreSQL schema's forward-only migrations. Version 1 is SQLite's schema version 14
// in PostgreSQL's words: bigint for INTEGER, byte-ordered text (COLLATE "C", as SQLite and
// std::string compare) and identity columns for SQLite's rowid keys. Product search uses
// products.search_words (the folded tokens, each after a space) instead of FTS5.
#pragma once

#include <span>

namespace vitrine::store_internal {

struct PgMigration {
  int version;
  const char* sql;
};

std::span<const PgMigration> PgMigrations();

}  // namespace vitrine::store_internal
