// SourceRunner: pulls a source's file (an ERP or PIM export on an HTTP(S) or SFTP server)
// and lands it through the normal importer, so the change log, the published offers and the
// feeds follow as for `vitrine import`.
//
// A run asks for the file with the validators of the previous one (ETag, Last-Modified; on
// SFTP, the file's mtime and size): an unchanged file is a "not_modified" run that imports
// nothing. A fetched file is imported in default mode (valid rows land, bad rows are listed
// with their line and field); a file the importer cannot use at all (wrong columns for the
// kind, empty, not the format) is "refused" and lands nothing. Every run is recorded with
// its report, and audited as an import by "source:<id>". The validators are kept only after
// an import that landed, so a refused or failed file is fetched again next time.
//
// Scheduled runs: the process holding the "sources" lease runs every enabled source whose
// interval has come, one at a time. A source runs once at a time, whoever asks (a manual run
// during a scheduled one is FailedPrecondition). Thread-safe.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "catalog/outbound.h"
#include "common/status.h"
#include "common/time.h"
#include "store/database.h"

namespace vitrine {

// What a fetch brought.
struct SourceFile {
  bool not_modified = false;  // the validators still hold: nothing was written
  int http_status = 0;        // 0 for SFTP
  int64_t bytes = 0;
  // The new validators, to send next time.
  std::string etag;
  std::string last_modified;
  int64_t remote_mtime = 0;
  int64_t remote_size = 0;
};

// Fetches `source` into the file `into` (created or replaced), conditionally on its stored
// validators. A failed Status says why (refused address, timeout, 404, authentication...).
using SourceFetch =
    std::function<Result<SourceFile>(const Source& source, const std::filesystem::path& into)>;

struct SourceRunnerOptions {
  const Clock* clock = nullptr;  // nullptr: the system clock
  // Where fetched files wait for their import; removed after. Required.
  std::filesystem::path work_dir;
  std::chrono::milliseconds poll{1000};
  std::string holder;  // default: "host:pid:random"
  // Called after an import landed rows: the change follower may read the log now.
  std::function<void()> imported;
  // One JSON line per run. Optional.
  std::function<void(const std::string&)> log;
};

class SourceRunner {
 public:
  SourceRunner(Database& db, SourceFetch fetch, SourceRunnerOptions options);
  ~SourceRunner();
  SourceRunner(const SourceRunner&) = delete;
  SourceRunner& operator=(const SourceRunner&) = delete;

  // Fetches and imports `source_id` now; returns the run as recorded. NotFound;
  // FailedPrecondition when the source is running already.
  Result<SourceRun> Run(const std::string& source_id, const std::string& trigger);
  // Runs every enabled source that is due, when this process holds the lease; returns how
  // many ran.
  Result<int> RunDue();

  void Start();
  void Stop();

 private:
  Result<SourceRun> RunLocked(const Source& source, const std::string& trigger);
  Instant Now() const;

  Database& db_;
  const SourceFetch fetch_;
  const SourceRunnerOptions options_;
  const std::string holder_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::set<std::string> running_;  // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  std::thread thread_;
};

}  // namespace vitrine
