// The change-log rows of SqlDatabase (SQLite schema version 6), written by every catalogue
// write inside its own transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/change_log.h"
#include "common/status.h"
#include "sql_connection.h"

namespace vitrine::store_internal {

// Appends an entry of `kind` with `keys` (sorted and distinct) on `conn`, which must be in a
// write transaction, and returns its id; appends nothing and returns 0 when `keys` is empty
// and `kind` is not kAll.
Result<int64_t> InsertChange(SqlConnection& conn, ChangeKind kind,
                             const std::vector<std::string>& keys);

// On PostgreSQL, tells the other hub nodes (their ChangeListener) at commit that the change
// log or the offers moved; notifications of one transaction are folded into one. Nothing on
// SQLite, whose other processes poll the file.
Status NotifyNodes(SqlConnection& conn);

inline Status LogChange(SqlConnection& conn, ChangeKind kind,
                        const std::vector<std::string>& keys) {
  return InsertChange(conn, kind, keys).status();
}

}  // namespace vitrine::store_internal
