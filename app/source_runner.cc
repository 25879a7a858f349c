#include "app/source_runner.h"

#include <system_error>

#include <nlohmann/json.hpp>

#include "app/change_follower.h"
#include "catalog/import.h"

namespace vitrine {
namespace {

constexpr char kSourcesLease[] = "sources";
constexpr std::chrono::seconds kSourcesLeaseTtl{30};

}  // namespace

SourceRunner::SourceRunner(Database& db, SourceFetch fetch, SourceRunnerOptions options)
    : db_(db),
      fetch_(std::move(fetch)),
      options_(std::move(options)),
      holder_(options_.holder.empty() ? ProcessHolderName() : options_.holder) {}

SourceRunner::~SourceRunner() { Stop(); }

Instant SourceRunner::Now() const {
  return (options_.clock ? *options_.clock : SystemClock::Instance()).Now();
}

void SourceRunner::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      Result<int> ran = RunDue();
      if (!ran.ok() && options_.log) {
        options_.log(
            nlohmann::json{{"type", "source_schedule"}, {"error", ran.status().ToString()}}.dump());
      }
      lock.lock();
      wake_.wait_for(lock, options_.poll, [this] { return stopping_; });
    }
  });
}

void SourceRunner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  (void)db_.changes().ReleaseLease(kSourcesLease, holder_);
}

Result<int> SourceRunner::RunDue() {
  const Instant now = Now();
  Result<bool> leader = db_.changes().TryLease(kSourcesLease, holder_, now, kSourcesLeaseTtl);
  if (!leader.ok()) return leader.status();
  if (!*leader) return 0;
  Result<std::vector<Source>> sources = db_.outbound().ListSources();
  if (!sources.ok()) return sources.status();
  int ran = 0;
  for (const Source& s : *sources) {
    if (!s.enabled || s.interval_seconds <= 0 || s.next_run_at > now) continue;
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
      if (!running_.insert(s.id).second) continue;
    }
    Result<SourceRun> run = RunLocked(s, "schedule");
    {
      std::lock_guard lock(mu_);
      running_.erase(s.id);
    }
    if (!run.ok()) return run.status();
    ++ran;
  }
  return ran;
}

Result<SourceRun> SourceRunner::Run(const std::string& source_id, const std::string& trigger) {
  Result<std::optional<Source>> source = db_.outbound().GetSource(source_id);
  if (!source.ok()) return source.status();
  if (!*source) return Status::NotFound("no source \"" + source_id + "\"");
  {
    std::lock_guard lock(mu_);
    if (!running_.insert(source_id).second) {
      return Status::FailedPrecondition("source \"" + source_id + "\" is running already");
    }
  }
  Result<SourceRun> run = RunLocked(**source, trigger);
  std::lock_guard lock(mu_);
  running_.erase(source_id);
  return run;
}

Result<SourceRun> SourceRunner::RunLocked(const Source& source, const std::string& trigger) {
  SourceRun run;
  run.source_id = source.id;
  run.trigger = trigger;
  run.started_at = Now();
  SourceState state{source.etag, source.last_modified, source.remote_mtime, source.remote_size,
                    source.next_run_at};
  // The next scheduled run counts from this one, whatever becomes of it.
  if (source.interval_seconds > 0) {
    state.next_run_at = run.started_at + std::chrono::seconds(source.interval_seconds);
  }

  std::error_code ec;
  std::filesystem::create_directories(options_.work_dir, ec);
  const std::filesystem::path file = options_.work_dir / (source.id + "." + source.format);
  Result<SourceFile> fetched = fetch_(source, file);
  if (!fetched.ok()) {
    run.outcome = "failed";
    run.error = fetched.status().message();
  } else {
    run.http_status = fetched->http_status;
    run.bytes = fetched->bytes;
    if (fetched->not_modified) {
      run.outcome = "not_modified";
    } else {
      ImportOptions import;
      import.clock = options_.clock;
      import.format = *ParseImportFormat(source.format);
      import.batch_size = source.kind == "stock" ? 200'000 : 10'000;
      const ImportKind kind = *ParseImportKind(source.kind);
      Result<ImportReport> report = ImportFile(db_.catalog(), kind, file, import);
      if (!report.ok()) {
        run.outcome = "failed";
        run.error = "import: " + report.status().message();
      } else {
        run.report = report->ToJson().dump();
        if (!report->committed) {
          run.outcome = "refused";
          run.error = report->errors.empty()
                          ? "nothing could be imported"
                          : "line " + std::to_string(report->errors.front().line) +
                                (report->errors.front().field.empty()
                                     ? ""
                                     : ", " + report->errors.front().field) +
                                ": " + report->errors.front().reason;
        } else {
          run.outcome = "imported";
          state.etag = fetched->etag;
          state.last_modified = fetched->last_modified;
          state.remote_mtime = fetched->remote_mtime;
          state.remote_size = fetched->remote_size;
          AuditEntry audit;
          audit.at = Now();
          audit.actor = "source:" + source.id;
          audit.action = "import";
          audit.entity = source.kind;
          audit.after = report->ToJson();
          if (Result<int64_t> seq = db_.audit().Append(audit); !seq.ok()) return seq.status();
        }
      }
    }
  }
  std::filesystem::remove(file, ec);
  run.finished_at = Now();
  Result<int64_t> id = Status::Internal("not recorded");
  VITRINE_RETURN_IF_ERROR(db_.Transaction([&]() -> Status {
    id = db_.outbound().RecordSourceRun(run);
    if (!id.ok()) return id.status();
    return db_.outbound().SetSourceState(source.id, state);
  }));
  run.id = *id;
  if (options_.log) {
    options_.log(nlohmann::json{
        {"type", "source_run"},
        {"source", source.id},
        {"trigger", trigger},
        {"outcome", run.outcome},
        {"bytes", run.bytes},
        {"error",
         run.error}}.dump());
  }
  if (run.outcome == "imported" && options_.imported) options_.imported();
  return run;
}

}  // namespace vitrine
