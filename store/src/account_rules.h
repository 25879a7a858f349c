// Rules of AccountRepository and AuditLog that every backend applies in the same way: the
// TouchToken throttle, the audit query checks and how audit JSON becomes text. Pure
// functions; thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "catalog/audit.h"
#include "common/status.h"
#include "common/time.h"

namespace vitrine::store_internal {

// A token use is recorded only when the recorded one is at least this much older.
inline constexpr std::chrono::seconds kTokenTouchInterval{60};

// Whether TouchToken at `at` must write, given the token's recorded last use.
bool TouchIsDue(const std::optional<Instant>& last_used_at, Instant at);

// InvalidArgument for a limit outside 1..1000 or a negative before_seq.
Status CheckAuditQuery(const AuditQuery& query);

// `value` as compact JSON text, or nullopt for a JSON null. InvalidArgument when a string
// inside is not UTF-8, which JSON text cannot hold.
Result<std::optional<std::string>> AuditJsonText(const nlohmann::json& value);

}  // namespace vitrine::store_internal
