// The audit log: who changed what, when, and the entity before and after.
//
// Every write through the hub appends one entry, in the same transaction as the write when
// the backend is the same (call Append inside CatalogRepository::Transaction()), so the log
// and the data never disagree. Entries are never changed or deleted. Implementations are
// safe to call from several threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace vitrine {

struct AuditEntry {
  int64_t seq = 0;  // assigned by Append, increasing
  Instant at{};
  std::string actor;       // "user:alice@example.com", "token:tok_1a2b...", "cli"
  std::string action;      // "create", "update", "delete", "import", "token.create", ...
  std::string entity;      // "product", "store", "price", "stock", "user", "token"...
  std::string entity_id;   // the entity's key; for an import, the import kind
  nlohmann::json before;   // null when the entity did not exist
  nlohmann::json after;    // null after a delete; the report for an import
  std::string request_id;  // ties the entry to the access log line
};

struct AuditQuery {
  std::string entity;      // empty: all
  std::string entity_id;   // empty: all
  int64_t before_seq = 0;  // newest first; 0: from the newest; else only seq < before_seq
  int limit = 100;         // 1..1000
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Appends `entry` (its seq is ignored) and returns the seq it was given. InvalidArgument
  // when before or after holds a string that is not UTF-8 (it could not be kept as JSON).
  virtual Result<int64_t> Append(const AuditEntry& entry) = 0;
  // Newest first. InvalidArgument for a limit outside 1..1000 or a negative before_seq.
  virtual Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) = 0;
};

nlohmann::json ToJson(const AuditEntry& entry);

}  // namespace vitrine
