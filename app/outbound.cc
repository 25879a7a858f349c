#include "app/outbound.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <fstream>

#include "adapters/address_guard.h"
#include "adapters/fetcher.h"
#include "adapters/sender.h"
#include "adapters/sftp.h"
#include "adapters/webhook_signature.h"
#include "server/credentials.h"

namespace vitrine {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct UrlParts {
  std::string scheme;
  std::string host;  // without brackets
  int port = 0;      // 0: the scheme's default
  std::string path;  // from the first '/' after the authority
};

Result<UrlParts> SplitUrl(std::string_view url) {
  UrlParts parts;
  const size_t colon = url.find("://");
  if (colon == std::string_view::npos) return Status::InvalidArgument("is not an absolute URL");
  parts.scheme = std::string(url.substr(0, colon));
  std::string_view rest = url.substr(colon + 3);
  const size_t slash = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, slash);
  parts.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument(
        "holds credentials: give them in username and password (they are stored sealed), "
        "never in the URL");
  }
  std::string_view host = authority;
  std::string_view port;
  if (host.starts_with('[')) {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("has an unclosed '['");
    port = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!port.empty() && !port.starts_with(':')) return Status::InvalidArgument("has a bad port");
    if (!port.empty()) port.remove_prefix(1);
  } else if (const size_t c = host.rfind(':'); c != std::string_view::npos) {
    port = host.substr(c + 1);
    host = host.substr(0, c);
  }
  if (host.empty()) return Status::InvalidArgument("has no host");
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), parts.port);
    if (ec != std::errc() || end != port.data() + port.size() || parts.port < 1 ||
        parts.port > 65535) {
      return Status::InvalidArgument("has a bad port");
    }
  }
  parts.host = std::string(host);
  return parts;
}

// A literal IPv4 or IPv6 host judged by the guard now (a name is judged at connection).
// IPv4 is read as inet_aton and libcurl read it, in every spelling ("2130706433", "127.1",
// "0x7f.0.0.1", "0177.0.0.1"), not only the dotted quad inet_pton knows: those are
// addresses too, and a URL naming one of the hub's own network is refused here rather than
// accepted and then refused at every connection.
Status CheckLiteralHost(const std::string& host, bool allow_loopback) {
  sockaddr_storage storage{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_aton(host.c_str(), &v4->sin_addr) != 0) {
    v4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
  } else {
    return Status::Ok();
  }
  const AddressClass c = ClassifyAddress(reinterpret_cast<const sockaddr*>(&storage));
  if (c == AddressClass::kPublic) return Status::Ok();
  if (allow_loopback && c == AddressClass::kLoopback) return Status::Ok();
  const std::string text = AddressText(reinterpret_cast<const sockaddr*>(&storage));
  return Status::InvalidArgument("names " + host + (text == host ? "" : " (" + text + ")") +
                                 ", a " + std::string(AddressClassName(c)) +
                                 " address: the hub connects to public addresses only");
}

// "password:<p>" or "key:<PEM>", as the routes seal them.
struct Credential {
  std::string password;
  std::string private_key;
};

Result<Credential> ReadCredential(const SecretBox& secrets, const std::string& sealed,
                                  const std::string& file) {
  Credential c;
  std::string text;
  if (!sealed.empty()) {
    Result<std::string> opened = secrets.Open(sealed);
    if (!opened.ok()) return opened.status();
    text = std::move(*opened);
  } else if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status::IoError("cannot read the credential file " + file);
    text.assign(std::istreambuf_iterator<char>(in), {});
    // A file holds the key, or the password on its first line.
    if (text.find("PRIVATE KEY-----") != std::string::npos) {
      c.private_key = std::move(text);
    } else {
      c.password = text.substr(0, text.find('\n'));
    }
    return c;
  } else {
    return c;
  }
  if (text.starts_with("password:")) {
    c.password = text.substr(9);
  } else if (text.starts_with("key:")) {
    c.private_key = text.substr(4);
  } else {
    return Status::InvalidArgument("the stored credential is not a password or a key");
  }
  return c;
}

// A private key in a file of mode 0600 for the length of one connection.
class KeyFile {
 public:
  static Result<std::unique_ptr<KeyFile>> Write(const std::filesystem::path& dir,
                                                const std::string& key) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::string path = (dir / ("key-" + RandomHex(8))).string();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Status::IoError("cannot write a key file in " + dir.string());
    const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
    ::close(fd);
    auto file = std::unique_ptr<KeyFile>(new KeyFile(std::move(path)));
    if (!written) return Status::IoError("cannot write a key file in " + dir.string());
    return file;
  }
  ~KeyFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  explicit KeyFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// An sftp:// URL's path as the file name it stands for: RFC 3986 percent-encodes a path, and
// CheckOutboundUrl refuses a raw space, so "/offer%20feeds/x.xml" is how a URL names the
// folder "offer feeds" (SftpClient encodes the name again for libcurl).
Result<std::string> DecodePath(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out += path[i];
      continue;
    }
    int value = 0;
    const char* begin = path.data() + i + 1;
    if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(begin[0])) ||
        !std::isxdigit(static_cast<unsigned char>(begin[1])) ||
        std::from_chars(begin, begin + 2, value, 16).ptr != begin + 2 || value == 0) {
      return Status::InvalidArgument("has a bad percent-encoding in its path");
    }
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

Result<SftpEndpoint> SftpEndpointFor(const std::string& url, const std::string& user,
                                     const Credential& credential, const std::string& pin,
                                     const OutboundConfig& config, std::string* remote_path) {
  Result<UrlParts> parts = SplitUrl(url);
  if (!parts.ok()) return Status::InvalidArgument("the URL " + parts.status().message());
  SftpEndpoint endpoint;
  endpoint.host = parts->host;
  endpoint.port = parts->port == 0 ? 22 : parts->port;
  endpoint.user = user;
  endpoint.password = credential.password;
  endpoint.host_key_sha256 = pin;
  endpoint.allow_loopback = config.allow_loopback;
  Result<std::string> path = DecodePath(parts->path);
  if (!path.ok()) return Status::InvalidArgument("the URL " + path.status().message());
  *remote_path = path->empty() ? "/" : *std::move(path);
  return endpoint;
}

TransportResult FromSend(const Result<SendResult>& sent, bool push) {
  TransportResult r;
  if (!sent.ok()) {
    r.error = sent.status().message();
    r.permanent = true;  // nothing could be attempted: the configuration is at fault
    return r;
  }
  r.http_status = static_cast<int>(sent->status);
  r.response_excerpt = sent->response_excerpt;
  r.retry_after = sent->retry_after;
  if (!sent->transport.ok()) {
    r.error = sent->transport.message();
    return r;
  }
  if (sent->succeeded()) return r;
  r.error = "the receiver answered " + std::to_string(sent->status);
  if (sent->status >= 300 && sent->status < 400) r.error += " (redirects are not followed)";
  r.gone = sent->status == 410;
  if (push) {
    const long s = sent->status;
    r.permanent = s == 400 || s == 401 || s == 403 || s == 404 || s == 413;
  }
  return r;
}

TransportResult Failure(const Status& status, bool permanent) {
  TransportResult r;
  r.error = status.message();
  r.permanent = permanent;
  return r;
}

bool IsPermanentSftp(const Status& status) {
  const StatusCode c = status.code();
  return c == StatusCode::kInvalidArgument || c == StatusCode::kPermissionDenied ||
         c == StatusCode::kUnauthenticated;
}

}  // namespace

Status CheckOutboundUrl(std::string_view url, bool allow_loopback) {
  if (url.size() > 2000) return Status::InvalidArgument("is longer than 2000 bytes");
  Result<UrlParts> parts = SplitUrl(url);
  if (!parts.ok()) return parts.status();
  if (parts->scheme != "http" && parts->scheme != "https" && parts->scheme != "sftp") {
    return Status::InvalidArgument("must be http://, https:// or sftp://, not " + parts->scheme +
                                   "://");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Status::InvalidArgument("holds a space or a control character");
    }
  }
  return CheckLiteralHost(parts->host, allow_loopback);
}

DeliveryTransport MakeDeliveryTransport(const SecretBox& secrets, const OutboundConfig& config) {
  SendOptions send_options;
  send_options.allow_loopback = config.allow_loopback;
  auto sender = std::make_shared<HttpSender>(send_options);
  const Clock* clock = config.clock ? config.clock : &SystemClock::Instance();
  return [&secrets, config, sender, clock](const Destination& d,
                                           const Delivery& delivery) -> TransportResult {
    if (d.kind == DestinationKind::kWebhook) {
      Result<std::string> secret = secrets.Open(d.secret_sealed);
      if (!secret.ok()) return Failure(secret.status(), true);
      const int64_t timestamp = ToUnixSeconds(clock->Now());
      Result<std::string> signature =
          SignWebhook(*secret, delivery.message_id, timestamp, delivery.payload);
      if (!signature.ok()) return Failure(signature.status(), true);
      OutboundRequest request;
      request.url = d.url;
      request.method = HttpMethod::kPost;
      request.body = delivery.payload;
      request.headers = {{"webhook-id", delivery.message_id},
                         {"webhook-timestamp", std::to_string(timestamp)},
                         {"webhook-signature", *signature}};
      return FromSend(sender->Send(request), /*push=*/false);
    }
    // A push sends the feed as it is now: a newer version than the one planned is better.
    if (!config.feeds) return Failure(Status::Unavailable("no feeds on this node"), false);
    Result<FeedKey> key = ParseFeedName(d.feed);
    if (!key.ok()) return Failure(key.status(), true);
    Result<FeedSnapshot> snapshot = config.feeds->Get(*key);
    if (!snapshot.ok()) {
      return Failure(snapshot.status(), snapshot.status().code() == StatusCode::kNotFound);
    }
    Result<Credential> credential = ReadCredential(secrets, d.secret_sealed, d.credential_file);
    if (!credential.ok()) return Failure(credential.status(), true);
    if (d.kind == DestinationKind::kHttpPush) {
      OutboundRequest request;
      request.url = d.url;
      request.method = d.method == "POST" ? HttpMethod::kPost : HttpMethod::kPut;
      request.body_file = snapshot->path;
      request.content_type = std::string(InfoOf(key->format).content_type);
      request.basic_auth_user = d.username;
      request.basic_auth_password = credential->password;
      request.total_timeout = std::chrono::minutes(5);
      request.headers = {{"X-Vitrine-Feed", d.feed}, {"X-Vitrine-Feed-ETag", snapshot->etag}};
      return FromSend(sender->Send(request), /*push=*/true);
    }
    std::string remote_path;
    Result<SftpEndpoint> endpoint =
        SftpEndpointFor(d.url, d.username, *credential, d.host_key_sha256, config, &remote_path);
    if (!endpoint.ok()) return Failure(endpoint.status(), true);
    std::unique_ptr<KeyFile> key_file;
    if (!credential->private_key.empty()) {
      auto written = KeyFile::Write(config.work_dir, credential->private_key);
      if (!written.ok()) return Failure(written.status(), false);
      key_file = std::move(*written);
      endpoint->private_key_file = key_file->path();
    }
    const Status uploaded = SftpClient(*endpoint).Upload(snapshot->path, remote_path);
    if (!uploaded.ok()) return Failure(uploaded, IsPermanentSftp(uploaded));
    TransportResult ok;
    ok.response_excerpt =
        "uploaded " + std::to_string(snapshot->bytes) + " bytes to " + remote_path;
    return ok;
  };
}

SourceFetch MakeSourceFetch(const SecretBox& secrets, const OutboundConfig& config) {
  FetchOptions fetch_options;
  fetch_options.allow_loopback = config.allow_loopback;
  fetch_options.max_body_bytes = config.max_source_bytes;
  fetch_options.total_timeout = std::chrono::minutes(10);
  fetch_options.max_redirects = 3;
  auto fetcher = std::make_shared<SafeFetcher>(fetch_options);
  return [&secrets, config, fetcher](const Source& source,
                                     const std::filesystem::path& into) -> Result<SourceFile> {
    SourceFile file;
    if (!source.url.starts_with("sftp://")) {
      if (!source.username.empty()) {
        return Status::InvalidArgument(
            "HTTP sources authenticate by the URL's own token, not a user: basic auth is for "
            "pushes");
      }
      Result<FetchedResponse> got =
          fetcher->Get(source.url, CacheValidators{source.etag, source.last_modified});
      if (!got.ok()) return got.status();
      file.http_status = static_cast<int>(got->status);
      if (got->not_modified) {
        file.not_modified = true;
        return file;
      }
      if (got->status < 200 || got->status >= 300) {
        return Status::Unavailable("the server answered " + std::to_string(got->status));
      }
      std::ofstream out(into, std::ios::binary | std::ios::trunc);
      out.write(got->body.data(), static_cast<std::streamsize>(got->body.size()));
      if (!out.flush()) return Status::IoError("cannot write " + into.string());
      file.bytes = static_cast<int64_t>(got->body.size());
      file.etag = got->etag;
      file.last_modified = got->last_modified;
      return file;
    }
    Result<Credential> credential =
        ReadCredential(secrets, source.secret_sealed, source.credential_file);
    if (!credential.ok()) return credential.status();
    std::string remote_path;
    Result<SftpEndpoint> endpoint = SftpEndpointFor(source.url, source.username, *credential,
                                                    source.host_key_sha256, config, &remote_path);
    if (!endpoint.ok()) return endpoint.status();
    std::unique_ptr<KeyFile> key_file;
    if (!credential->private_key.empty()) {
      auto written = KeyFile::Write(config.work_dir, credential->private_key);
      if (!written.ok()) return written.status();
      key_file = std::move(*written);
      endpoint->private_key_file = key_file->path();
    }
    SftpClient client(*endpoint);
    // SFTP has no conditional GET: the file's (mtime, size) say whether it changed.
    Result<RemoteFileInfo> info = client.Stat(remote_path);
    if (!info.ok()) return info.status();
    if (info->mtime == source.remote_mtime && info->size == source.remote_size) {
      file.not_modified = true;
      return file;
    }
    Result<RemoteFileInfo> got =
        client.Download(remote_path, into.string(), config.max_source_bytes);
    if (!got.ok()) return got.status();
    file.bytes =
        got->size >= 0 ? got->size : static_cast<int64_t>(std::filesystem::file_size(into));
    file.remote_mtime = info->mtime;
    file.remote_size = info->size;
    return file;
  };
}

Result<std::unique_ptr<Outbound>> Outbound::Open(Database& db, OutboundConfig config) {
  Result<SecretBox> secrets = LoadOrCreateKeyFile(config.key_file.string());
  if (!secrets.ok()) return secrets.status();
  return std::unique_ptr<Outbound>(new Outbound(db, std::move(config), std::move(*secrets)));
}

Outbound::Outbound(Database& db, OutboundConfig config, SecretBox secrets)
    : db_(db), config_(std::move(config)), secrets_(std::move(secrets)) {
  DeliveryPlannerOptions planner_options;
  planner_options.clock = config_.clock;
  planner_options.hub_url = config_.hub_url;
  if (config_.feeds) {
    planner_options.feed_version =
        [feeds = config_.feeds](const std::string& name) -> Result<FeedVersion> {
      Result<FeedKey> key = ParseFeedName(name);
      if (!key.ok()) return key.status();
      Result<FeedSnapshot> snapshot = feeds->Get(*key);
      if (!snapshot.ok()) return snapshot.status();
      return FeedVersion{snapshot->etag, snapshot->modified};
    };
  }
  planner_ = std::make_unique<DeliveryPlanner>(db_, planner_options);
  DeliveryWorkerOptions worker_options;
  worker_options.clock = config_.clock;
  worker_options.workers = config_.workers;
  worker_options.poll = config_.poll;
  worker_options.lease = config_.lease;
  worker_options.log = config_.log;
  worker_ = std::make_unique<DeliveryWorker>(
      db_, planner_.get(), MakeDeliveryTransport(secrets_, config_), worker_options);
  SourceRunnerOptions source_options;
  source_options.clock = config_.clock;
  source_options.work_dir = config_.work_dir;
  source_options.imported = config_.imported;
  source_options.log = config_.log;
  sources_ =
      std::make_unique<SourceRunner>(db_, MakeSourceFetch(secrets_, config_), source_options);
}

Outbound::~Outbound() { Stop(); }

void Outbound::Start() {
  worker_->Start();
  sources_->Start();
}

void Outbound::Stop() {
  sources_->Stop();
  worker_->Stop();
}

void Outbound::Wire(ApiServices& services) {
  services.outbound = &db_.outbound();
  services.check_outbound_url = [loopback = config_.allow_loopback](std::string_view url) {
    return CheckOutboundUrl(url, loopback);
  };
  services.seal_secret = [this](std::string_view secret) { return secrets_.Seal(secret); };
  services.new_webhook_secret = [] { return NewWebhookSecret(); };
  services.outbound_written = [this] { worker_->Wake(); };
  services.run_source = [this](const std::string& id) { return sources_->Run(id, "manual"); };
}

}  // namespace vitrine
