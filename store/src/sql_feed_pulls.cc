// SqlDatabase as FeedPullLog: the tables of schema version 12. A pull is one insert into
// the log and one upsert of its (feed, platform) row, in one write.
#include "sql_connection.h"
#include "store/sql_database.h"

namespace vitrine {
namespace {

using store_internal::Statement;

constexpr char kPullColumns[] =
    "p.seq, p.at, p.feed, p.platform, p.actor, p.status, p.bytes, p.etag, p.saw_latest";

FeedPull ReadPull(const Statement& s) {
  FeedPull p;
  p.seq = s.Int(0);
  p.at = FromUnixSeconds(s.Int(1));
  p.feed = s.Text(2);
  p.platform = s.Text(3);
  p.actor = s.Text(4);
  p.status = static_cast<int>(s.Int(5));
  p.bytes = s.Int(6);
  p.etag = s.Text(7);
  p.saw_latest = s.Int(8) != 0;
  return p;
}

// Appends `pull` and makes it the newest of its (feed, platform); sets `*seq`.
constexpr char kInsertPullSql[] =
    "INSERT INTO feed_pulls(at, feed, platform, actor, status, bytes, etag, saw_latest) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

void BindPull(Statement& s, const FeedPull& pull) {
  s.Bind(1, ToUnixSeconds(pull.at));
  s.BindStatic(2, pull.feed);
  s.BindStatic(3, pull.platform);
  s.BindStatic(4, pull.actor);
  s.Bind(5, static_cast<int64_t>(pull.status));
  s.Bind(6, pull.bytes);
  s.BindStatic(7, pull.etag);
  s.Bind(8, static_cast<int64_t>(pull.saw_latest ? 1 : 0));
}

Status InsertPull(store_internal::SqlConnection& conn, const FeedPull& pull, int64_t* seq) {
  {
    Result<Statement> s = conn.Prepare(std::string(kInsertPullSql) + " RETURNING seq");
    if (!s.ok()) return s.status();
    BindPull(*s, pull);
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Internal("feed pull insert returned no seq");
    *seq = s->Int(0);
    VITRINE_RETURN_IF_ERROR(s->Run());
  }
  Result<Statement> latest = conn.Prepare(
      "INSERT INTO feed_pull_latest(feed, platform, seq) VALUES (?, ?, ?) "
      "ON CONFLICT(feed, platform) DO UPDATE SET seq = excluded.seq");
  if (!latest.ok()) return latest.status();
  latest->BindStatic(1, pull.feed);
  latest->BindStatic(2, pull.platform);
  latest->Bind(3, *seq);
  return latest->Run();
}

}  // namespace

Result<int64_t> SqlDatabase::RecordPull(const FeedPull& pull) {
  VITRINE_RETURN_IF_ERROR(CheckFeedPull(pull));
  int64_t seq = 0;
  VITRINE_RETURN_IF_ERROR(Write([&](Connection& conn) { return InsertPull(conn, pull, &seq); }));
  return seq;
}

Status SqlDatabase::RecordPulls(std::span<const FeedPull> pulls) {
  for (const FeedPull& pull : pulls) VITRINE_RETURN_IF_ERROR(CheckFeedPull(pull));
  if (pulls.empty()) return Status::Ok();
  // A busy second of pulls is thousands of rows: they are inserted without reading anything
  // back (in one round trip per 256 on PostgreSQL), then the latest pull of each feed and
  // platform is set by one statement. Writes are serialised, so the rows above `before` are
  // this call's.
  return Write([&](Connection& conn) -> Status {
    Result<std::string> before = conn.QueryText("SELECT coalesce(max(seq), 0) FROM feed_pulls");
    if (!before.ok()) return before.status();
    Result<Statement> insert = conn.Prepare(kInsertPullSql);
    if (!insert.ok()) return insert.status();
    for (const FeedPull& pull : pulls) {
      BindPull(*insert, pull);
      Status run = insert->RunDeferred();
      insert->Reset();
      VITRINE_RETURN_IF_ERROR(run);
    }
    Result<Statement> latest = conn.Prepare(
        "INSERT INTO feed_pull_latest(feed, platform, seq) "
        "SELECT feed, platform, max(seq) FROM feed_pulls WHERE seq > ? GROUP BY feed, platform "
        "ON CONFLICT(feed, platform) DO UPDATE SET seq = excluded.seq");
    if (!latest.ok()) return latest.status();
    latest->Bind(1, static_cast<int64_t>(std::stoll(*before)));
    return latest->Run();
  });
}

Result<std::vector<FeedPull>> SqlDatabase::ListPulls(const FeedPullQuery& query) {
  VITRINE_RETURN_IF_ERROR(CheckFeedPullQuery(query));
  std::string sql = std::string("SELECT ") + kPullColumns + " FROM feed_pulls p WHERE true";
  if (!query.feed.empty()) sql += " AND p.feed = ?";
  if (!query.platform.empty()) sql += " AND p.platform = ?";
  if (query.before_seq > 0) sql += " AND p.seq < ?";
  sql += " ORDER BY p.seq DESC LIMIT ?";
  std::vector<FeedPull> pulls;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(sql);
    if (!s.ok()) return s.status();
    int index = 0;
    if (!query.feed.empty()) s->Bind(++index, std::string_view(query.feed));
    if (!query.platform.empty()) s->Bind(++index, std::string_view(query.platform));
    if (query.before_seq > 0) s->Bind(++index, query.before_seq);
    s->Bind(++index, static_cast<int64_t>(query.limit));
    return CollectAll<FeedPull>(
        *s, [](const Statement& st) -> Result<FeedPull> { return ReadPull(st); }, pulls);
  }));
  return pulls;
}

Result<std::vector<FeedPull>> SqlDatabase::LatestPulls() {
  std::vector<FeedPull> pulls;
  VITRINE_RETURN_IF_ERROR(Read([&](Connection& conn) -> Status {
    Result<Statement> s = conn.Prepare(std::string("SELECT ") + kPullColumns +
                                       " FROM feed_pull_latest l JOIN feed_pulls p ON p.seq = "
                                       "l.seq ORDER BY l.feed, l.platform");
    if (!s.ok()) return s.status();
    return CollectAll<FeedPull>(
        *s, [](const Statement& st) -> Result<FeedPull> { return ReadPull(st); }, pulls);
  }));
  return pulls;
}

}  // namespace vitrine
