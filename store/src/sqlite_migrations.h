// The migrations of store/migrations.h on a connection SqliteDatabase opened. `db` must not
// be inside a transaction.
#pragma once

#include <sqlite3.h>

#include "common/status.h"

namespace vitrine {

Result<int> CurrentSchemaVersion(sqlite3* db);
Result<int> Migrate(sqlite3* db);

}  // namespace vitrine
