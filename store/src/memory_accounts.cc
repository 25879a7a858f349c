// MemoryDatabase as AccountRepository and AuditLog. Everything lives in State, under the same
// mutex as the catalogue, so Transaction() covers accounts and audit entries too and its
// rollback restores them with the rest.
#include <algorithm>

#include "account_rules.h"
#include "store/memory_database.h"

namespace vitrine {

using store_internal::AuditJsonText;
using store_internal::CheckAuditQuery;
using store_internal::TouchIsDue;

// ---------------------------------------------------------------------------------------------
// Users

Status MemoryDatabase::PutUser(const User& user) {
  Lock lock(*this);
  state_.users.insert_or_assign(user.id, user);
  return Status::Ok();
}

Result<std::optional<User>> MemoryDatabase::GetUser(std::string_view id) {
  Lock lock(*this);
  auto it = state_.users.find(id);
  if (it == state_.users.end()) return std::optional<User>();
  return std::optional<User>(it->second);
}

Result<std::vector<User>> MemoryDatabase::ListUsers() {
  Lock lock(*this);
  std::vector<User> users;
  users.reserve(state_.users.size());
  for (const auto& [id, user] : state_.users) users.push_back(user);
  return users;
}

// ---------------------------------------------------------------------------------------------
// API tokens

Status MemoryDatabase::CreateToken(const ApiToken& token) {
  Lock lock(*this);
  if (state_.tokens.contains(token.id)) {
    return Status::AlreadyExists("token \"" + token.id + "\" already exists");
  }
  if (state_.token_ids_by_secret_hash.contains(token.secret_hash)) {
    return Status::AlreadyExists("another token has the secret hash of token \"" + token.id + "\"");
  }
  state_.tokens.emplace(token.id, token);
  state_.token_ids_by_secret_hash.emplace(token.secret_hash, token.id);
  return Status::Ok();
}

Result<std::optional<ApiToken>> MemoryDatabase::FindTokenBySecretHash(std::string_view hash) {
  Lock lock(*this);
  auto id = state_.token_ids_by_secret_hash.find(hash);
  if (id == state_.token_ids_by_secret_hash.end()) return std::optional<ApiToken>();
  return std::optional<ApiToken>(state_.tokens.at(id->second));
}

Result<std::optional<ApiToken>> MemoryDatabase::GetToken(std::string_view id) {
  Lock lock(*this);
  auto it = state_.tokens.find(id);
  if (it == state_.tokens.end()) return std::optional<ApiToken>();
  return std::optional<ApiToken>(it->second);
}

Result<std::vector<ApiToken>> MemoryDatabase::ListTokens() {
  Lock lock(*this);
  std::vector<ApiToken> tokens;
  tokens.reserve(state_.tokens.size());
  for (const auto& [id, token] : state_.tokens) tokens.push_back(token);
  return tokens;
}

Result<bool> MemoryDatabase::RevokeToken(std::string_view id, Instant at) {
  Lock lock(*this);
  auto it = state_.tokens.find(id);
  if (it == state_.tokens.end() || it->second.revoked_at) return false;
  it->second.revoked_at = at;
  return true;
}

Status MemoryDatabase::TouchToken(std::string_view id, Instant at) {
  Lock lock(*this);
  auto it = state_.tokens.find(id);
  if (it == state_.tokens.end()) {
    return Status::NotFound("token \"" + std::string(id) + "\" does not exist");
  }
  if (TouchIsDue(it->second.last_used_at, at)) it->second.last_used_at = at;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Sessions

Status MemoryDatabase::CreateSession(const Session& session) {
  Lock lock(*this);
  // An expired session with the same id hash is purged below, as SQLite does, not a clash.
  auto existing = state_.sessions.find(session.id_hash);
  if (existing != state_.sessions.end() && existing->second.expires_at > session.created_at) {
    return Status::AlreadyExists("a session with this id hash already exists");
  }
  std::erase_if(state_.sessions,
                [&](const auto& entry) { return entry.second.expires_at <= session.created_at; });
  state_.sessions.emplace(session.id_hash, session);
  return Status::Ok();
}

Result<std::optional<Session>> MemoryDatabase::FindSession(std::string_view id_hash, Instant now) {
  Lock lock(*this);
  auto it = state_.sessions.find(id_hash);
  if (it == state_.sessions.end() || now >= it->second.expires_at) {
    return std::optional<Session>();
  }
  return std::optional<Session>(it->second);
}

Status MemoryDatabase::DeleteSession(std::string_view id_hash) {
  Lock lock(*this);
  auto it = state_.sessions.find(id_hash);
  if (it != state_.sessions.end()) state_.sessions.erase(it);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Audit log

Result<int64_t> MemoryDatabase::Append(const AuditEntry& entry) {
  // Refused for the same JSON as the SQLite backend refuses, though memory could hold it.
  for (const nlohmann::json* value : {&entry.before, &entry.after}) {
    Result<std::optional<std::string>> text = AuditJsonText(*value);
    if (!text.ok()) return text.status();
  }
  Lock lock(*this);
  AuditEntry& stored = state_.audit.emplace_back(entry);
  stored.seq = static_cast<int64_t>(state_.audit.size());
  return stored.seq;
}

Result<std::vector<AuditEntry>> MemoryDatabase::ListAudit(const AuditQuery& query) {
  VITRINE_RETURN_IF_ERROR(CheckAuditQuery(query));
  Lock lock(*this);
  std::vector<AuditEntry> entries;
  // Entry i has seq i + 1, so only the first before_seq - 1 entries are older than it.
  size_t end = state_.audit.size();
  if (query.before_seq > 0) {
    end = std::min(end, static_cast<size_t>(query.before_seq - 1));
  }
  for (size_t i = end; i-- > 0 && static_cast<int>(entries.size()) < query.limit;) {
    const AuditEntry& e = state_.audit[i];
    if (!query.entity.empty() && e.entity != query.entity) continue;
    if (!query.entity_id.empty() && e.entity_id != query.entity_id) continue;
    entries.push_back(e);
  }
  return entries;
}

Result<int64_t> MemoryDatabase::RecordPull(const FeedPull& pull) {
  VITRINE_RETURN_IF_ERROR(CheckFeedPull(pull));
  Lock lock(*this);
  FeedPull& stored = state_.pulls.emplace_back(pull);
  stored.seq = static_cast<int64_t>(state_.pulls.size());
  state_.latest_pulls[{pull.feed, pull.platform}] = state_.pulls.size() - 1;
  return stored.seq;
}

Result<std::vector<FeedPull>> MemoryDatabase::ListPulls(const FeedPullQuery& query) {
  VITRINE_RETURN_IF_ERROR(CheckFeedPullQuery(query));
  Lock lock(*this);
  std::vector<FeedPull> pulls;
  // Pull i has seq i + 1, as the audit entries.
  size_t end = state_.pulls.size();
  if (query.before_seq > 0) end = std::min(end, static_cast<size_t>(query.before_seq - 1));
  for (size_t i = end; i-- > 0 && static_cast<int>(pulls.size()) < query.limit;) {
    const FeedPull& p = state_.pulls[i];
    if (!query.feed.empty() && p.feed != query.feed) continue;
    if (!query.platform.empty() && p.platform != query.platform) continue;
    pulls.push_back(p);
  }
  return pulls;
}

Result<std::vector<FeedPull>> MemoryDatabase::LatestPulls() {
  Lock lock(*this);
  std::vector<FeedPull> pulls;
  for (const auto& [key, index] : state_.latest_pulls) pulls.push_back(state_.pulls[index]);
  return pulls;
}

}  // namespace vitrine
