#include "account_rules.h"

#include "query_keys.h"

namespace vitrine::store_internal {

bool TouchIsDue(const std::optional<Instant>& last_used_at, Instant at) {
  return !last_used_at || at - *last_used_at >= kTokenTouchInterval;
}

Status CheckAuditQuery(const AuditQuery& query) {
  VITRINE_RETURN_IF_ERROR(CheckLimit(query.limit));
  if (query.before_seq < 0) {
    return Status::InvalidArgument("before_seq must not be negative, got " +
                                   std::to_string(query.before_seq));
  }
  return Status::Ok();
}

Result<std::optional<std::string>> AuditJsonText(const nlohmann::json& value) {
  if (value.is_null()) return std::optional<std::string>();
  try {
    // Strict: a string that is not UTF-8 throws instead of being stored mangled.
    return std::optional<std::string>(
        value.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict));
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("audit entry JSON: ") + e.what());
  }
}

}  // namespace vitrine::store_internal
