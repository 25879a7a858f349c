// OutboundRepository: what the hub owes the outside world and what it pulls from it, kept in
// the database so that a restart loses nothing.
//
//   - Destinations: a webhook receiver, or a place a feed file is pushed to (HTTP PUT/POST,
//     SFTP). Their configuration changes with optimistic versions; their progress (the offer
//     change-feed seq and audit seq already planned, the feed version last enqueued) and
//     their health (failing since, disabled and why) change without bumping the version.
//   - Deliveries: the outbox. One row per message owed to one destination; its message id
//     (the `webhook-id`) never changes across retries and replays. A delivery is claimed
//     with a lease (ClaimDueDeliveries), so that a process that dies mid-delivery leaves it
//     to be claimed again once the lease expires: at least once, with the same message id.
//     A destination has at most one delivery in flight, and its deliveries go out in id
//     order. Every attempt is kept (time, status, duration, error, response excerpt).
//   - Sources: a URL of products, stores, prices or stock fetched on a schedule; their
//     validators (ETag, Last-Modified, SFTP mtime and size) and every run's report.
//
// Secrets are never stored in clear: `secret_sealed` holds what the caller sealed (the
// repository neither reads nor returns it to the API), `credential_file` names a file.
// Implementations live in store/ and are safe to call from several threads; calls made on a
// thread inside Database::Transaction() join it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace vitrine {

enum class DestinationKind : uint8_t {
  kWebhook = 1,   // signed JSON POSTs of offer changes, campaign transitions, feed versions
  kHttpPush = 2,  // a feed file PUT or POSTed to a URL
  kSftpPush = 3,  // a feed file uploaded over SFTP (tmp name, then renamed)
};
// "webhook", "http_push", "sftp_push".
std::string_view DestinationKindName(DestinationKind kind);
std::optional<DestinationKind> ParseDestinationKind(std::string_view name);

struct Destination {
  std::string id;  // "dst_" + random, given by the caller
  DestinationKind kind = DestinationKind::kWebhook;
  std::string name;  // for people: "Bonial leaflet webhook"
  std::string url;   // https://…, http://…, sftp://host:port/dir/file.xml

  // Webhooks: the event types sent ("offer.changed", "campaign.transitioned",
  // "feed.regenerated"); empty means all. Offer changes are sent in batches, at most one
  // every `batch_seconds`, each with the changes since the previous one.
  std::vector<std::string> events;
  std::vector<std::string> channels;      // only offers on these channels; empty: all
  std::vector<std::string> campaign_ids;  // only offers of these campaigns; empty: all
  std::vector<std::string> store_ids;     // only offers in these stores; empty: all
  int batch_seconds = 5;

  // Pushes: the feed as its URL names it under /feeds/ ("google/products.xml?store=S001"),
  // the HTTP method ("PUT" or "POST"), and a schedule: pushed when it changes, and also every
  // `schedule_seconds` when > 0.
  std::string feed;
  std::string method;
  int64_t schedule_seconds = 0;

  // Credentials. A webhook's `whsec_` secret, or a push's password or private key, sealed
  // by the caller; or the path of a file holding the password or key. Never returned.
  std::string username;
  std::string secret_sealed;
  std::string credential_file;
  std::string host_key_sha256;  // SFTP: the server's host key pin (base64 SHA-256)

  // Disabled after failing without a single success for this long.
  int64_t disable_after_seconds = 5 * 24 * 3600;

  // Health: set by the delivery worker, not by the configuration.
  bool enabled = true;
  std::string disabled_reason;           // why it was disabled; empty when enabled
  std::optional<Instant> failing_since;  // the first failure since the last success

  // Progress of the planner: what has already been turned into deliveries.
  int64_t offer_seq = 0;        // offer change-feed seq planned up to
  int64_t audit_seq = 0;        // audit seq planned up to (campaign transitions)
  std::string feed_etag;        // the feed version last enqueued (pushes, feed events)
  Instant next_batch_at{};      // no offer batch before this instant
  Instant last_delivered_at{};  // the last success; epoch when none

  Instant created_at{};
  Instant updated_at{};
  int version = 1;  // bumped by UpdateDestination only
};

// The planner's progress and the worker's view of health, written without a version check.
struct DestinationProgress {
  int64_t offer_seq = 0;
  int64_t audit_seq = 0;
  std::string feed_etag;
  Instant next_batch_at{};
};
struct DestinationHealth {
  bool enabled = true;
  std::string disabled_reason;
  std::optional<Instant> failing_since;
  Instant last_delivered_at{};
};

enum class DeliveryState : uint8_t {
  kPending = 1,    // waiting for next_at
  kInflight = 2,   // claimed by lease_owner until lease_until
  kDelivered = 3,  // a 2xx (or the file uploaded)
  kFailed = 4,     // retries exhausted, or a permanent refusal
  kCancelled = 5,  // its destination was deleted, or a newer push superseded it
};
// "pending", "inflight", "delivered", "failed", "cancelled".
std::string_view DeliveryStateName(DeliveryState state);
std::optional<DeliveryState> ParseDeliveryState(std::string_view name);

struct Delivery {
  int64_t id = 0;  // given by EnqueueDelivery, increasing
  std::string destination_id;
  std::string message_id;  // "msg_…": the webhook-id, the same on every attempt and replay
  std::string event_type;  // "offer.changed", "campaign.transitioned", "feed.regenerated",
                           // "feed.push", "ping"
  std::string payload;     // the webhook body (JSON); for a push, the feed's ETag
  int64_t seq_from = 0;    // offer or audit seq range carried (0 when none)
  int64_t seq_to = 0;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;  // attempts made so far
  Instant next_at{};
  Instant lease_until{};
  std::string lease_owner;
  int last_status = 0;  // HTTP status of the last attempt; 0 when none answered
  std::string last_error;
  Instant created_at{};
  std::optional<Instant> delivered_at;
};

struct DeliveryAttempt {
  int64_t delivery_id = 0;
  int attempt = 0;  // 1-based
  Instant started_at{};
  int64_t duration_ms = 0;
  int http_status = 0;           // 0 when nothing answered
  std::string error;             // empty on success
  std::string response_excerpt;  // at most 1 KiB of the answer, control characters escaped
  bool replay = false;           // made after a replay was asked for
};

// How an attempt ends a claimed delivery.
struct DeliveryOutcome {
  DeliveryAttempt attempt;
  DeliveryState next_state = DeliveryState::kDelivered;  // kDelivered, kPending or kFailed
  Instant next_at{};                                     // when kPending
};

struct DeliveryQuery {
  std::string destination_id;          // required
  std::optional<DeliveryState> state;  // empty: all
  int64_t before_id = 0;               // newest first; 0: from the newest
  int limit = 100;                     // 1..1000
};

struct Source {
  std::string id;                // "src_" + random, given by the caller
  std::string name;              // "ERP nightly prices"
  std::string kind;              // "products", "stores", "prices", "stock"
  std::string format;            // "csv", "json", "ndjson"
  std::string url;               // https://…, http://…, sftp://host:port/path
  int64_t interval_seconds = 0;  // fetched every so often; 0: only when run by hand
  std::string username;
  std::string secret_sealed;
  std::string credential_file;
  std::string host_key_sha256;
  bool enabled = true;
  // Validators of the last fetched file, sent back as a conditional request.
  std::string etag;
  std::string last_modified;
  int64_t remote_mtime = 0;  // SFTP
  int64_t remote_size = 0;   // SFTP
  Instant next_run_at{};
  Instant created_at{};
  Instant updated_at{};
  int version = 1;  // bumped by UpdateSource only
};

struct SourceState {
  std::string etag;
  std::string last_modified;
  int64_t remote_mtime = 0;
  int64_t remote_size = 0;
  Instant next_run_at{};
};

struct SourceRun {
  int64_t id = 0;  // given by RecordSourceRun, increasing
  std::string source_id;
  std::string trigger;  // "schedule" or "manual"
  Instant started_at{};
  Instant finished_at{};
  // "imported", "not_modified", "failed" (fetch or import error), "refused" (bad file)
  std::string outcome;
  int http_status = 0;
  int64_t bytes = 0;
  std::string error;
  std::string report;  // the importer's report, JSON text; empty when nothing was imported
};

class OutboundRepository {
 public:
  virtual ~OutboundRepository() = default;

  // Destinations. AlreadyExists for a taken id; InvalidArgument for an empty id or url.
  virtual Result<Destination> CreateDestination(Destination destination, Instant now) = 0;
  virtual Result<std::optional<Destination>> GetDestination(std::string_view id) = 0;
  // Ordered by id.
  virtual Result<std::vector<Destination>> ListDestinations() = 0;
  // Replaces the configuration fields (not progress nor health: they are kept) when the
  // stored version is `expected_version`; returns it with version + 1. NotFound;
  // FailedPrecondition when the version differs.
  virtual Result<Destination> UpdateDestination(const Destination& destination,
                                                int expected_version, Instant now) = 0;
  // Deletes it and cancels its pending and in-flight deliveries, in one transaction. False
  // when there was none.
  virtual Result<bool> DeleteDestination(std::string_view id) = 0;
  virtual Status SetDestinationProgress(std::string_view id,
                                        const DestinationProgress& progress) = 0;
  virtual Status SetDestinationHealth(std::string_view id, const DestinationHealth& health) = 0;

  // Deliveries. Appends `delivery` as pending (its id, state, attempts and lease are
  // ignored) and returns its id. With `supersede`, the destination's pending deliveries of
  // the same event type are cancelled first (only the newest feed version is pushed).
  // AlreadyExists for a message id already queued.
  virtual Result<int64_t> EnqueueDelivery(const Delivery& delivery, bool supersede) = 0;
  // Claims up to `limit` deliveries due at `now` (pending with next_at <= now, or in flight
  // with an expired lease) of enabled destinations: at most one per destination, the
  // oldest, and none for a destination whose delivery is in flight under a live lease. Each
  // becomes in flight for `owner` until `lease_until`, its attempts counted + 1.
  virtual Result<std::vector<Delivery>> ClaimDueDeliveries(Instant now, int limit,
                                                           std::string_view owner,
                                                           Instant lease_until) = 0;
  // Records the attempt and moves the delivery to the outcome's state, when `owner` still
  // holds its lease (else FailedPrecondition: another process took it over, and its
  // attempt is the one that counts).
  virtual Status CompleteDelivery(int64_t delivery_id, std::string_view owner,
                                  const DeliveryOutcome& outcome) = 0;
  virtual Result<std::optional<Delivery>> GetDelivery(int64_t id) = 0;
  virtual Result<std::vector<Delivery>> ListDeliveries(const DeliveryQuery& query) = 0;
  // Oldest first.
  virtual Result<std::vector<DeliveryAttempt>> ListDeliveryAttempts(int64_t delivery_id) = 0;
  // Makes a delivered, failed or pending delivery due again at `now`, with the same message
  // id; its next attempt is marked a replay. NotFound; FailedPrecondition when it is in
  // flight or cancelled.
  virtual Result<Delivery> ReplayDelivery(int64_t id, Instant now) = 0;
  // How many deliveries are pending or in flight (the /metrics gauge).
  virtual Result<int64_t> CountOwedDeliveries() = 0;

  // Sources. Same conventions as destinations.
  virtual Result<Source> CreateSource(Source source, Instant now) = 0;
  virtual Result<std::optional<Source>> GetSource(std::string_view id) = 0;
  virtual Result<std::vector<Source>> ListSources() = 0;
  virtual Result<Source> UpdateSource(const Source& source, int expected_version, Instant now) = 0;
  // Deletes it and its runs.
  virtual Result<bool> DeleteSource(std::string_view id) = 0;
  virtual Status SetSourceState(std::string_view id, const SourceState& state) = 0;
  // Appends `run` (its id is ignored) and returns its id.
  virtual Result<int64_t> RecordSourceRun(const SourceRun& run) = 0;
  // Newest first; before_id 0: from the newest. InvalidArgument for a limit outside 1..1000.
  virtual Result<std::vector<SourceRun>> ListSourceRuns(std::string_view source_id,
                                                        int64_t before_id, int limit) = 0;
};

}  // namespace vitrine
