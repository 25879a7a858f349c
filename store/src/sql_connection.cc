#include "sql_connection.h"

namespace vitrine::store_internal {

Status Statement::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

Status StatementImpl::RunDeferred() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

Status SqlConnection::Run(const std::string& sql) {
  Result<Statement> statement = Prepare(sql);
  if (!statement.ok()) return statement.status();
  return statement->Run();
}

Result<std::string> SqlConnection::QueryText(const std::string& sql) {
  Result<Statement> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  Result<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return *row ? stmt->Text(0) : std::string();
}

Result<bool> DeleteByKey(SqlConnection& conn, const std::string& sql, std::string_view key) {
  Result<Statement> s = conn.Prepare(sql);
  if (!s.ok()) return s.status();
  s->Bind(1, key);
  VITRINE_RETURN_IF_ERROR(s->Run());
  return conn.Changes() > 0;
}

}  // namespace vitrine::store_internal
