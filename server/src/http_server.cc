// The Pistache adapter of the HTTP facade: the one file that knows Pistache 0.0.5.
//
// Pistache 0.0.5 provides the listening socket, one epoll event loop per worker thread that
// reads connections, and its write queue. Everything between the bytes read and the bytes
// written is ours, because its own layers misbehave under load or abuse (see
// ARCHITECTURE.md §5):
// - Http::Handler::onInput drops bytes that follow a complete request in the same read
//   (no pipelining), answers Connection: close to HTTP/1.1 requests without a Connection
//   header, reserves a declared Content-Length before any limit. VitrineHandler replaces
//   onInput: it frames requests itself (head scan, Content-Length body), answers several
//   requests of one read in order, and refuses bytes that cannot be HTTP at once.
// - Http::serveFile hands an open file to the write queue, which closes it only when the
//   whole file was written: a client that hangs up mid-download leaks the descriptor for
//   good. Its raw-buffer path copies the whole unsent rest of a body on every partial
//   write. We write responses ourselves: straight to the socket while it takes them, then
//   in chunks of kChunkBytes through the queue (one chunk copied at a time) until it does
//   again. Small files are read into shared immutable buffers (FileBodies); a large one is
//   sent with sendfile(2) from a descriptor its response owns and closes.
// - The transport's timeouts hang on a parser we no longer feed, and its 408 queues behind
//   a stalled write. ConnectionWatch enforces header, body, keep-alive and send timeouts
//   instead; Pistache's own are set beyond reach.
// - The listener retries accept(2) at once when it fails with EMFILE, spinning a core for
//   as long as descriptors are exhausted; it has no hook. We keep live connections below
//   the descriptor limit (max_connections), closing the oldest idle one or answering 503
//   past it, so accept never meets EMFILE.
// - Response headers must be typed Header objects in ResponseWriter; we write heads
//   ourselves, so any header name goes.
#include "server/http_server.h"

#include <dirent.h>
#include <fcntl.h>
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/net.h>
#include <pistache/peer.h>
#include <pistache/stream.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/text.h"
#include "dispatcher.h"

namespace vitrine {
namespace {

namespace P = Pistache;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kConnectionData = "vitrine.connection";
// Bytes handed to Pistache's write queue at a time once the socket is full: the most a
// connection holds in memory of its own beyond the shared body.
constexpr size_t kChunkBytes = 32 * 1024;
// How long a connection that got its final response may stay before it is closed hard.
constexpr auto kLinger = std::chrono::seconds(1);
// Beyond reach: Pistache's own timeouts must never fire (ours do the work).
constexpr auto kNever = std::chrono::hours(24 * 365 * 10);

// The request line and header fields, as read by us.
struct RequestHead {
  std::string method;
  std::string target;
  bool http11 = true;
  HeaderMap headers;
  bool keep_alive = true;
  std::optional<size_t> content_length;
  bool expect_continue = false;
};

// An open file, closed when the holder goes (with its response, on completion, error or
// disconnection alike).
class FileHandle {
 public:
  FileHandle() = default;
  explicit FileHandle(int fd) : fd_(fd) {}
  FileHandle(FileHandle&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FileHandle& operator=(FileHandle&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~FileHandle() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// The body of a file response: the whole file in a shared immutable buffer, or, for a file
// too large to keep in memory, the open file read a window at a time.
struct FileBody {
  std::shared_ptr<const std::string> bytes;
  FileHandle file;
  size_t size = 0;
};

// Reads files to send and keeps the recent ones in shared immutable buffers, up to a budget
// of bytes; a file of kSendFileBytes or more (or over a quarter of the budget) is left open
// for its response instead: sent with sendfile, read in windows when queued. A
// file is known by path, size, modification time and inode, so a snapshot replaced under
// the same name is read again. Thread-safe.
class FileBodies {
 public:
  static constexpr size_t kSendFileBytes = 512 * 1024;

  explicit FileBodies(size_t budget) : budget_(budget) {}

  // The file at `path`; NotFound when it is not there or not a regular file.
  Result<FileBody> Get(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return Status::NotFound("file to send is not there: " + path);
    }
    const Identity id = IdentityOf(st);
    {
      std::lock_guard lock(mu_);
      auto it = entries_.find(path);
      if (it != entries_.end() && it->second.id == id) {
        lru_.splice(lru_.begin(), lru_, it->second.position);
        return FileBody{it->second.body, FileHandle(), it->second.body->size()};
      }
    }
    FileHandle file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.get() < 0 || ::fstat(file.get(), &st) != 0) {
      return Status::NotFound("file to send is not there: " + path);
    }
    FileBody out;
    out.size = static_cast<size_t>(st.st_size);
    // Large files (feeds) are sent from the descriptor with sendfile; small ones (creatives)
    // from memory, where a response costs no open().
    if (out.size > budget_ / 4 || out.size >= kSendFileBytes) {
      out.file = std::move(file);
      return out;
    }
    std::string content(out.size, '\0');
    size_t got = 0;
    while (got < content.size()) {
      ssize_t n = ::read(file.get(), content.data() + got, content.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    // A file that shrank while read is sent as read; Content-Length follows the buffer.
    content.resize(got);
    out.size = got;
    out.bytes = std::make_shared<const std::string>(std::move(content));
    Insert(path, IdentityOf(st), out.bytes);
    return out;
  }

 private:
  struct Identity {
    size_t size;
    time_t mtime_sec;
    long mtime_nsec;
    ino_t inode;
    friend bool operator==(const Identity&, const Identity&) = default;
  };
  struct Entry {
    Identity id;
    std::shared_ptr<const std::string> body;
    std::list<std::string>::iterator position;
  };
  static Identity IdentityOf(const struct stat& st) {
    return {static_cast<size_t>(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ino};
  }

  void Insert(const std::string& path, Identity id, std::shared_ptr<const std::string> body) {
    std::lock_guard lock(mu_);
    Erase(path);
    // Files replaced or removed since they were cached (an older feed snapshot) go first.
    for (auto it = lru_.begin(); it != lru_.end();) {
      const std::string& cached = *it++;
      struct stat st {};
      if (::stat(cached.c_str(), &st) != 0 || !(IdentityOf(st) == entries_.at(cached).id)) {
        Erase(std::string(cached));
      }
    }
    while (!lru_.empty() && total_ + body->size() > budget_) Erase(std::string(lru_.back()));
    lru_.push_front(path);
    total_ += body->size();
    entries_[path] = {id, std::move(body), lru_.begin()};
  }

  void Erase(const std::string& path) {
    auto it = entries_.find(path);
    if (it == entries_.end()) return;
    total_ -= it->second.body->size();
    lru_.erase(it->second.position);
    entries_.erase(it);
  }

  const size_t budget_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
  std::list<std::string> lru_;                      // most recent first; guarded by mu_
  size_t total_ = 0;                                // guarded by mu_
};

// How much of a large file a connection reads at a time.
constexpr size_t kFileWindowBytes = 256 * 1024;

// A response being written: its head, then its body.
struct Outgoing {
  std::string head;
  std::shared_ptr<const std::string> body;  // the body in memory, or null
  FileHandle file;                          // or a large file, read a window at a time
  size_t body_size = 0;
  std::string window;  // bytes of `file` from window_at
  size_t window_at = 0;
  size_t sent = 0;  // bytes of head + body written or queued
  bool close_after = false;
  size_t total() const { return head.size() + body_size; }

  // The body from `offset` on, as far as is at hand; empty with errno set when the file
  // cannot be read.
  std::string_view BodyFrom(size_t offset) {
    if (body) return std::string_view(*body).substr(offset);
    if (file.get() < 0 || offset >= body_size) return {};
    if (offset < window_at || offset >= window_at + window.size()) {
      window.resize(std::min(kFileWindowBytes, body_size - offset));
      size_t got = 0;
      while (got < window.size()) {
        ssize_t n = ::pread(file.get(), window.data() + got, window.size() - got,
                            static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          if (n == 0) errno = EIO;  // the file shrank under us
          window.clear();
          return {};
        }
        got += static_cast<size_t>(n);
      }
      window_at = offset;
    }
    return std::string_view(window).substr(offset - window_at);
  }
};

enum class Phase {
  kHead,     // reading a request head (a new connection starts here)
  kBody,     // head read, body still arriving
  kSending,  // a response is being written; input waits in `in`
  kIdle,     // kept alive between requests
  kClosing,  // the final response is out (or the client is refused); input is discarded
};

// One connection. Lives in the peer's data and in the registry. Its worker thread and
// ConnectionWatch both touch it, under `mu`.
struct ConnectionState : std::enable_shared_from_this<ConnectionState> {
  std::mutex mu;
  const int fd;
  const std::string remote;
  explicit ConnectionState(int f, std::string r) : fd(f), remote(std::move(r)) {}

  // Set when Pistache reports the disconnection, before it closes the descriptor: after
  // that `fd` may name another socket and must not be touched.
  bool closed = false;
  Phase phase = Phase::kHead;
  std::string in;                         // bytes received and not yet consumed
  size_t head_size = 0;                   // > 0 once the head of the current request is parsed
  size_t scanned = 0;                     // bytes of `in` checked for a complete, well-formed head
  size_t fields = 0;                      // header lines seen so far
  size_t line_end = std::string::npos;    // where the request line ends, once seen
  size_t method_end = std::string::npos;  // where the method ends, once seen
  RequestHead parsed;
  bool continue_sent = false;
  SteadyClock::time_point since;  // start of the phase's clock (request start, idle start,
                                  // last write progress, closing start)
  std::optional<Outgoing> out;
  bool send_buffer_bounded = false;
  size_t registry_index = 0;  // guarded by the registry's mutex

  void NextRequest() {
    head_size = 0;
    scanned = 0;
    fields = 0;
    line_end = std::string::npos;
    method_end = std::string::npos;
    parsed = RequestHead();
    continue_sent = false;
  }
};

// Every live connection, for the connection cap, the timeouts and Stop. Lock order: the
// registry's mutex, then (try_lock only) a connection's.
struct ConnectionRegistry {
  std::mutex mu;
  std::vector<std::shared_ptr<ConnectionState>> connections;  // guarded by mu
  std::atomic<int> sending{0};  // connections with a response being written

  void Add(const std::shared_ptr<ConnectionState>& c) {
    std::lock_guard lock(mu);
    c->registry_index = connections.size();
    connections.push_back(c);
  }
  void Remove(const std::shared_ptr<ConnectionState>& c) {
    std::lock_guard lock(mu);
    size_t i = c->registry_index;
    if (i >= connections.size() || connections[i] != c) return;
    connections[i] = std::move(connections.back());
    connections[i]->registry_index = i;
    connections.pop_back();
  }
  size_t size() {
    std::lock_guard lock(mu);
    return connections.size();
  }
};

bool IsPistacheMethod(std::string_view m) {
  for (std::string_view known :
       {"OPTIONS", "GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT"}) {
    if (m == known) return true;
  }
  return false;
}

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (EqualsIgnoreCase(TrimAscii(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// RFC 9110 tchar: the characters of a method or a header name.
bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// Checks head bytes as they arrive, so that what cannot be HTTP/1.x (a bare LF, TLS or
// other binary bytes, a method that is not a token) is refused at once instead of holding
// the connection until the header timeout. Checks in[from, end); `line_end` and
// `method_end` carry what earlier calls found (npos until then), so a head that dribbles in
// is checked once, not once per read.
std::optional<std::string> CheckHeadBytes(std::string_view in, size_t from, size_t end,
                                          size_t& line_end, size_t& method_end) {
  for (size_t i = from; i < end; ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '\n') {
      if (i == 0 || in[i - 1] != '\r') return "A line ends with a bare LF; HTTP needs CRLF.";
      if (line_end == std::string_view::npos) line_end = i;
      continue;
    }
    if (c == '\r') {
      if (i + 1 < in.size() && in[i + 1] != '\n') return "A CR is not followed by LF.";
      continue;
    }
    if (line_end == std::string_view::npos) {
      if (c < 0x20 || c >= 0x7f) return "The request line holds bytes that are not HTTP.";
      if (method_end == std::string_view::npos) {
        if (c == ' ') {
          method_end = i;
        } else if (!IsTokenChar(c)) {
          return "The request method is not a token.";
        } else if (i >= 32) {
          return "The request method is too long.";
        }
      }
    } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return "A header field holds a control character.";
    }
  }
  return std::nullopt;
}

// Parses "METHOD target HTTP/1.x" from the first line of `head`, if it is there.
bool ParseRequestLine(std::string_view head, RequestHead& out) {
  size_t eol = head.find("\r\n");
  if (eol == std::string_view::npos) return false;
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  out.method = std::string(line.substr(0, sp1));
  out.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
  out.http11 = version == "HTTP/1.1";
  return !out.method.empty() && !out.target.empty() && out.target.find(' ') == std::string::npos;
}

// Parses a complete head (ending with an empty line). On failure returns the problem.
std::optional<HttpResponse> ParseHead(std::string_view head, const ServerOptions& options,
                                      RequestHead& out) {
  if (!ParseRequestLine(head, out)) {
    return HttpResponse::Problem(400, "Bad Request", "Malformed request line.");
  }
  size_t pos = head.find("\r\n") + 2;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) break;
    size_t colon = line.find(':');
    bool name_ok = colon != std::string_view::npos && colon > 0;
    for (size_t i = 0; name_ok && i < colon; ++i) {
      name_ok = IsTokenChar(static_cast<unsigned char>(line[i]));
    }
    if (!name_ok) {
      return HttpResponse::Problem(400, "Bad Request",
                                   "Malformed header field: " + std::string(line.substr(0, 64)));
    }
    out.headers.Add(std::string(line.substr(0, colon)),
                    std::string(TrimAscii(line.substr(colon + 1))));
  }
  if (out.headers.Has("Transfer-Encoding")) {
    return HttpResponse::Problem(411, "Length Required",
                                 "Send the request body with a Content-Length; chunked request "
                                 "bodies are not accepted.");
  }
  for (std::string_view value : out.headers.GetAll("Content-Length")) {
    size_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || value.empty() ||
        (out.content_length && *out.content_length != n)) {
      return HttpResponse::Problem(400, "Bad Request", "Invalid Content-Length.");
    }
    out.content_length = n;
  }
  if (out.content_length && *out.content_length > options.max_body_bytes) {
    return HttpResponse::Problem(413, "Content Too Large",
                                 "The request body is " + std::to_string(*out.content_length) +
                                     " bytes; the limit is " +
                                     std::to_string(options.max_body_bytes) + " bytes.");
  }
  if (!IsPistacheMethod(out.method)) {
    return HttpResponse::Problem(501, "Not Implemented",
                                 "Method " + out.method + " is not supported.");
  }
  auto connection = out.headers.Get("Connection");
  out.keep_alive = out.http11 ? !(connection && HasToken(*connection, "close"))
                              : (connection && HasToken(*connection, "keep-alive"));
  auto expect = out.headers.Get("Expect");
  out.expect_continue = expect && EqualsIgnoreCase(TrimAscii(*expect), "100-continue");
  return std::nullopt;
}

// Writes what the socket takes without blocking; the count written, or -1 with errno.
ssize_t SendSome(int fd, std::string_view a, std::string_view b = {}, int flags = 0) {
  iovec iov[2];
  int n = 0;
  if (!a.empty()) iov[n++] = {const_cast<char*>(a.data()), a.size()};
  if (!b.empty()) iov[n++] = {const_cast<char*>(b.data()), b.size()};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = static_cast<size_t>(n);
  for (;;) {
    ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT | flags);
    if (w < 0 && errno == EINTR) continue;
    return w;
  }
}

// Sends up to `count` bytes of `file` from `offset` without blocking (the socket is
// non-blocking); the count sent, 0 when the file ends early, or -1 with errno.
ssize_t SendFileSome(int socket, int file, size_t offset, size_t count) {
  off_t at = static_cast<off_t>(offset);
  for (;;) {
    ssize_t w = ::sendfile(socket, file, &at, count);
    if (w < 0 && errno == EINTR) continue;
    return w;
  }
}

// The status line and header fields of a response; `body_size` goes to Content-Length.
std::string ResponseHead(const HttpResponse& r, bool http11, bool keep_alive, size_t body_size) {
  std::string head;
  head.reserve(256 + r.headers.size() * 48);
  head += http11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  head += std::to_string(r.status);
  head += ' ';
  head += StatusReason(r.status);
  head += keep_alive ? "\r\nConnection: Keep-Alive\r\n" : "\r\nConnection: Close\r\n";
  std::vector<std::pair<std::string_view, std::string>> merged;
  for (const auto& [name, value] : r.headers.fields()) {
    // The facade owns message framing.
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
        EqualsIgnoreCase(name, "Content-Type") || EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    // Each Set-Cookie is its own field (RFC 6265 §3); other repeats are joined.
    auto same = EqualsIgnoreCase(name, "Set-Cookie")
                    ? merged.end()
                    : std::find_if(merged.begin(), merged.end(), [&field = name](const auto& m) {
                        return EqualsIgnoreCase(m.first, field);
                      });
    if (same == merged.end()) {
      merged.emplace_back(name, value);
    } else {
      same->second += ", " + value;
    }
  }
  for (const auto& [name, value] : merged) {
    head += name;
    head += ": ";
    // A value never carries a line break onto the wire (response splitting).
    for (char c : value) head += (c == '\r' || c == '\n') ? ' ' : c;
    head += "\r\n";
  }
  const bool bodiless = r.status == 204 || r.status == 304 || r.status < 200;
  if (!r.content_type.empty() && !bodiless) {
    head += "Content-Type: ";
    head += r.content_type;
    head += "\r\n";
  }
  if (!bodiless) {
    head += "Content-Length: ";
    head += std::to_string(body_size);
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

// Descriptors open in this process now.
int OpenDescriptors() {
  int n = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (::readdir(dir) != nullptr) ++n;
    ::closedir(dir);
    n -= 3;  // ".", ".." and the directory's own descriptor
  }
  return n;
}

// The connection cap when the options leave it to us: half of the descriptors left under
// the limit once those open now and a reserve of 32 (event loops, database, files) are
// counted, since a connection sending a large file holds two.
size_t DerivedMaxConnections() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 100000;
  const long soft = static_cast<long>(std::min<rlim_t>(limit.rlim_cur, 1 << 20));
  return static_cast<size_t>(std::max(8L, (soft - OpenDescriptors() - 32) / 2));
}

class VitrineHandler final : public P::Http::Handler {
 public:
  HTTP_PROTOTYPE(VitrineHandler)

  VitrineHandler(std::shared_ptr<Dispatcher> dispatcher,
                 std::shared_ptr<ConnectionRegistry> registry, std::shared_ptr<FileBodies> files,
                 size_t max_connections)
      : dispatcher_(std::move(dispatcher)),
        registry_(std::move(registry)),
        files_(std::move(files)),
        max_connections_(max_connections) {}

  // Pistache calls onRequest only from Http::Handler::onInput, which this class replaces;
  // should a later Pistache call it anyway, answer rather than crash.
  void onRequest(const P::Http::Request& /*request*/, P::Http::ResponseWriter response) override {
    dispatcher_->LogError("", "Pistache called onRequest directly; the request was dropped");
    response.send(P::Http::Code::Internal_Server_Error);
  }

  void onConnection(const std::shared_ptr<P::Tcp::Peer>& peer) override {
    // The transport's idle check asks every peer for its parser (what the base class's
    // private onConnection would do); it is never fed.
    peer->putData(ParserData, std::make_shared<P::Http::RequestParser>(64));
    auto conn = std::make_shared<ConnectionState>(peer->fd(), peer->address().host());
    conn->since = SteadyClock::now();
    peer->putData(kConnectionData, conn);
    // Counted before this one joins: at the cap, make room or refuse.
    const bool room = registry_->size() < max_connections_ || EvictOldestIdle();
    registry_->Add(conn);
    if (!room) {
      std::lock_guard lock(conn->mu);
      HttpResponse busy =
          HttpResponse::Problem(503, "Service Unavailable",
                                "The server holds as many connections as it can; retry shortly.");
      busy.headers.Set("Retry-After", "1");
      Exchange ex = dispatcher_->Reject("", "", HeaderMap(), std::move(busy), conn->since);
      const std::string head = ResponseHead(ex.response, true, false, ex.response.body.size());
      dispatcher_->Finish(ex, 503, ex.response.body.size(), conn->remote);
      (void)SendSome(conn->fd, head, ex.response.body);
      ::shutdown(conn->fd, SHUT_WR);
      conn->phase = Phase::kClosing;
    }
  }

  void onDisconnection(const std::shared_ptr<P::Tcp::Peer>& peer) override {
    auto conn = StateOf(peer);
    if (!conn) return;
    {
      std::lock_guard lock(conn->mu);
      conn->closed = true;
      if (conn->out) registry_->sending.fetch_sub(1);
      conn->out.reset();
      conn->in.clear();
    }
    registry_->Remove(conn);
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<P::Tcp::Peer>& peer) override {
    auto conn = StateOf(peer);
    if (!conn) return;
    std::lock_guard lock(conn->mu);
    if (conn->closed || conn->phase == Phase::kClosing) return;
    try {
      const ServerOptions& options = dispatcher_->options();
      // Input that waits behind a response is bounded like a request (otherwise Process
      // applies the head and body limits as it frames).
      if (conn->phase == Phase::kSending &&
          conn->in.size() + len > options.max_header_bytes + options.max_body_bytes + 4) {
        dispatcher_->LogError(
            "", "dropped a client that sent too much ahead of its responses: " + conn->remote);
        return Abort(*conn);
      }
      conn->in.append(buffer, len);
      Process(*conn);
    } catch (const std::exception& e) {
      // Framing failed in a way we did not foresee: the stream is unusable.
      dispatcher_->LogError("", std::string("connection dropped: ") + e.what());
      Abort(*conn);
    }
  }

 private:
  static std::shared_ptr<ConnectionState> StateOf(const std::shared_ptr<P::Tcp::Peer>& peer) {
    return std::static_pointer_cast<ConnectionState>(peer->tryGetData(kConnectionData));
  }

  // Closes one idle connection (kept alive, or new and silent), the one idle longest, to
  // make room for a new one. Any worker may own it: its mutex and `closed` make the
  // shutdown safe. False when no connection is idle.
  bool EvictOldestIdle() {
    std::lock_guard lock(registry_->mu);
    std::shared_ptr<ConnectionState> oldest;
    for (const auto& c : registry_->connections) {
      std::unique_lock cl(c->mu, std::try_to_lock);
      if (!cl.owns_lock() || c->closed) continue;
      const bool idle = c->phase == Phase::kIdle || c->phase == Phase::kClosing ||
                        (c->phase == Phase::kHead && c->in.empty());
      if (idle && (!oldest || c->since < oldest->since)) oldest = c;
    }
    if (!oldest) return false;
    std::unique_lock cl(oldest->mu, std::try_to_lock);
    if (!cl.owns_lock() || oldest->closed) return false;
    ::shutdown(oldest->fd, SHUT_RDWR);
    oldest->phase = Phase::kClosing;
    return true;
  }

  // Frames and answers every complete request in `in`, in order. Stops while a response
  // is still being written: the next one waits for it.
  void Process(ConnectionState& conn) {
    const ServerOptions& options = dispatcher_->options();
    while (!conn.in.empty() && conn.phase != Phase::kSending && conn.phase != Phase::kClosing) {
      if (conn.phase == Phase::kIdle) {
        conn.phase = Phase::kHead;
        conn.since = SteadyClock::now();
      }
      if (conn.head_size == 0) {
        const size_t limit = std::min(conn.in.size(), options.max_header_bytes + 4);
        size_t end = conn.in.find("\r\n\r\n", conn.scanned >= 3 ? conn.scanned - 3 : 0);
        const size_t check_to = end == std::string::npos ? limit : std::min(end + 4, limit);
        if (auto wrong =
                CheckHeadBytes(conn.in, conn.scanned, check_to, conn.line_end, conn.method_end)) {
          ParseRequestLine(conn.in, conn.parsed);
          return RejectAndClose(conn, HttpResponse::Problem(400, "Bad Request", *wrong));
        }
        for (size_t i = conn.scanned; i < check_to; ++i) conn.fields += conn.in[i] == '\n';
        conn.scanned = check_to;
        // Lines so far minus the request line and the empty line that ends the head.
        const size_t fields = conn.fields - (conn.fields > 0) - (end != std::string::npos);
        if (fields > options.max_header_fields) {
          ParseRequestLine(conn.in, conn.parsed);
          return RejectAndClose(
              conn, HttpResponse::Problem(431, "Request Header Fields Too Large",
                                          "The request has more than " +
                                              std::to_string(options.max_header_fields) +
                                              " header fields."));
        }
        if (end == std::string::npos || end + 4 > options.max_header_bytes) {
          if (conn.in.size() > options.max_header_bytes) {
            ParseRequestLine(conn.in, conn.parsed);
            return RejectAndClose(
                conn,
                HttpResponse::Problem(431, "Request Header Fields Too Large",
                                      "The request line and headers exceed " +
                                          std::to_string(options.max_header_bytes) + " bytes."));
          }
          return;  // wait for the rest of the head
        }
        if (auto problem =
                ParseHead(std::string_view(conn.in).substr(0, end + 4), options, conn.parsed)) {
          return RejectAndClose(conn, std::move(*problem));
        }
        conn.head_size = end + 4;
        if (dispatcher_->draining()) conn.parsed.keep_alive = false;
        if (conn.parsed.content_length.value_or(0) > 0) conn.phase = Phase::kBody;
      }
      const size_t body_size = conn.parsed.content_length.value_or(0);
      if (conn.in.size() < conn.head_size + body_size) {
        if (conn.parsed.expect_continue && !conn.continue_sent) {
          conn.continue_sent = true;
          (void)SendSome(conn.fd, "HTTP/1.1 100 Continue\r\n\r\n");
        }
        return;  // wait for the rest of the body
      }
      IncomingRequest request;
      request.method = std::move(conn.parsed.method);
      request.target = std::move(conn.parsed.target);
      request.headers = std::move(conn.parsed.headers);
      request.body = conn.in.substr(conn.head_size, body_size);
      request.remote_address = conn.remote;
      const bool http11 = conn.parsed.http11;
      bool keep_alive = conn.parsed.keep_alive;
      const auto started = conn.since;
      if (conn.in.size() == conn.head_size + body_size) {
        conn.in.clear();
      } else {
        conn.in.erase(0, conn.head_size + body_size);
      }
      conn.NextRequest();

      dispatcher_->Begin();
      struct EndGuard {
        Dispatcher* d;
        ~EndGuard() { d->End(); }
      } guard{dispatcher_.get()};
      Exchange exchange = dispatcher_->Dispatch(std::move(request), started);
      if (dispatcher_->draining()) keep_alive = false;
      Send(conn, std::move(exchange), keep_alive, http11);
    }
  }

  void RejectAndClose(ConnectionState& conn, HttpResponse problem) {
    dispatcher_->Begin();
    struct EndGuard {
      Dispatcher* d;
      ~EndGuard() { d->End(); }
    } guard{dispatcher_.get()};
    Exchange exchange = dispatcher_->Reject(conn.parsed.method, conn.parsed.target,
                                            conn.parsed.headers, std::move(problem), conn.since);
    conn.in.clear();
    Send(conn, std::move(exchange), /*keep_alive=*/false, conn.parsed.http11);
  }

  // Closes the connection now; Pistache sees the end of the stream and lets it go.
  void Abort(ConnectionState& conn) {
    if (conn.out) registry_->sending.fetch_sub(1);
    conn.out.reset();
    ::shutdown(conn.fd, SHUT_RDWR);
    conn.phase = Phase::kClosing;
    conn.since = SteadyClock::now();
    conn.in.clear();
  }

  void Send(ConnectionState& conn, Exchange ex, bool keep_alive, bool http11) {
    HttpResponse& r = ex.response;
    FileBody body;
    if (r.file_path) {
      auto file = files_->Get(*r.file_path);
      if (!file.ok()) {
        dispatcher_->LogError(ex.request_id, file.status().message());
        r = HttpResponse::Problem(404, "Not Found", "The requested file is not available.");
        dispatcher_->Finalize(ex);
      } else {
        body = std::move(*file);
      }
    }
    if (!r.file_path && !r.body.empty()) {
      body.size = r.body.size();
      body.bytes = std::make_shared<const std::string>(std::move(r.body));
    }
    const bool bodiless = ex.head || r.status == 204 || r.status == 304 || r.status < 200;
    dispatcher_->Finish(ex, r.status, bodiless ? 0 : body.size, conn.remote);

    Outgoing out;
    out.head = ResponseHead(r, http11, keep_alive, body.size);
    if (!bodiless) {
      out.body = std::move(body.bytes);
      out.file = std::move(body.file);
      out.body_size = body.size;
    }
    out.close_after = !keep_alive;
    conn.out = std::move(out);
    conn.phase = Phase::kSending;
    conn.since = SteadyClock::now();
    registry_->sending.fetch_add(1);
    Pump(conn);
  }

  // Writes the response straight to the socket while it takes bytes; when it is full,
  // queues one chunk with Pistache, whose completion (on this worker thread) pumps again.
  void Pump(ConnectionState& conn) {
    Outgoing& o = *conn.out;
    while (o.sent < o.total()) {
      std::string_view head_rest, body_rest;
      if (o.sent < o.head.size()) head_rest = std::string_view(o.head).substr(o.sent);
      ssize_t w;
      if (o.file.get() >= 0) {
        // A file on disk goes from the page cache to the socket (sendfile): a large feed is
        // not copied through this process.
        w = head_rest.empty()
                ? SendFileSome(conn.fd, o.file.get(), o.sent - o.head.size(), o.total() - o.sent)
                : SendSome(conn.fd, head_rest, {}, MSG_MORE);
        if (w == 0) {
          dispatcher_->LogError("", "the file being sent shrank under the server");
          return Abort(conn);
        }
      } else {
        if (o.body_size > 0 && o.sent + head_rest.size() < o.total()) {
          body_rest = o.BodyFrom(o.sent + head_rest.size() - o.head.size());
          if (body_rest.empty()) {
            dispatcher_->LogError(
                "", std::string("cannot read the file being sent: ") + std::strerror(errno));
            return Abort(conn);
          }
        }
        w = SendSome(conn.fd, head_rest, body_rest);
      }
      if (w > 0) {
        o.sent += static_cast<size_t>(w);
        conn.since = SteadyClock::now();
        continue;
      }
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return QueueChunk(conn);
      // The client went away; Pistache reports the disconnection next.
      return Abort(conn);
    }
    const bool close_after = o.close_after;
    conn.out.reset();
    registry_->sending.fetch_sub(1);
    conn.since = SteadyClock::now();
    if (close_after) {
      // Half-close: the client reads to the end of the stream, then closes its side.
      ::shutdown(conn.fd, SHUT_WR);
      conn.phase = Phase::kClosing;
      conn.in.clear();
      return;
    }
    conn.phase = Phase::kIdle;
    Process(conn);  // requests pipelined behind this one
  }

  void QueueChunk(ConnectionState& conn) {
    const ServerOptions& options = dispatcher_->options();
    if (!conn.send_buffer_bounded) {
      // A client slower than the socket: cap what the kernel buffers for it.
      conn.send_buffer_bounded = true;
      int size = static_cast<int>(options.send_buffer_bytes);
      ::setsockopt(conn.fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
    Outgoing& o = *conn.out;
    std::string chunk;
    const size_t len = std::min(kChunkBytes, o.total() - o.sent);
    chunk.reserve(len);
    size_t from = o.sent;
    if (from < o.head.size()) {
      const size_t take = std::min(len, o.head.size() - from);
      chunk.append(o.head, from, take);
      from += take;
    }
    while (chunk.size() < len) {
      std::string_view part = o.BodyFrom(from - o.head.size());
      if (part.empty()) {
        dispatcher_->LogError(
            "", std::string("cannot read the file being sent: ") + std::strerror(errno));
        return Abort(conn);
      }
      part = part.substr(0, len - chunk.size());
      chunk.append(part);
      from += part.size();
    }
    o.sent += len;
    std::weak_ptr<ConnectionState> weak = conn.weak_from_this();
    // The completion runs on this worker thread, from the transport that owns this handler.
    VitrineHandler* handler = this;
    transport()
        ->asyncWrite(conn.fd, P::RawBuffer(std::move(chunk), len))
        .then(
            [weak, handler](ssize_t) {
              auto c = weak.lock();
              if (!c) return;
              std::lock_guard lock(c->mu);
              if (c->closed || !c->out) return;
              c->since = SteadyClock::now();
              handler->Pump(*c);
            },
            [weak](std::exception_ptr) {
              auto c = weak.lock();
              if (!c) return;
              std::lock_guard lock(c->mu);
              if (!c->closed) ::shutdown(c->fd, SHUT_RDWR);
            });
  }

  std::shared_ptr<Dispatcher> dispatcher_;
  std::shared_ptr<ConnectionRegistry> registry_;
  std::shared_ptr<FileBodies> files_;
  const size_t max_connections_;
};

// Enforces the timeouts of every connection from one thread, every kWatchTick: header and
// body timeouts (408 problem, then close), keep-alive (close), send timeout (a client that
// took no byte for that long is dropped) and the linger of a closing connection.
class ConnectionWatch {
 public:
  static constexpr auto kWatchTick = std::chrono::milliseconds(100);

  ConnectionWatch(std::shared_ptr<Dispatcher> dispatcher,
                  std::shared_ptr<ConnectionRegistry> registry)
      : dispatcher_(std::move(dispatcher)), registry_(std::move(registry)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~ConnectionWatch() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      wake_.wait_for(lock, kWatchTick);
      if (stop_) break;
      lock.unlock();
      Tick();
      lock.lock();
    }
  }

  void Tick() {
    const ServerOptions& o = dispatcher_->options();
    const auto now = SteadyClock::now();
    std::lock_guard lock(registry_->mu);
    for (const auto& c : registry_->connections) {
      // A connection its worker is busy with is not idle; look again next tick.
      std::unique_lock cl(c->mu, std::try_to_lock);
      if (!cl.owns_lock() || c->closed) continue;
      const auto age = now - c->since;
      switch (c->phase) {
        case Phase::kHead:
          if (age > o.header_timeout) Expire(*c);
          break;
        case Phase::kBody:
          if (age > o.body_timeout) Expire(*c);
          break;
        case Phase::kIdle:
          if (age > o.keepalive_timeout) Close(*c);
          break;
        case Phase::kSending:
          if (age > o.send_timeout) {
            dispatcher_->LogError(
                "", "dropped a client that took no response bytes for " +
                        std::to_string(
                            std::chrono::duration_cast<std::chrono::milliseconds>(age).count()) +
                        " ms: " + c->remote);
            Close(*c);
          }
          break;
        case Phase::kClosing:
          if (age > kLinger) ::shutdown(c->fd, SHUT_RDWR);
          break;
      }
    }
  }

  // The request did not arrive in time: 408, then close.
  void Expire(ConnectionState& c) {
    HttpResponse problem = HttpResponse::Problem(
        408, "Request Timeout", "The request did not arrive within the time allowed.");
    Exchange ex = dispatcher_->Reject(c.parsed.method, c.parsed.target, c.parsed.headers,
                                      std::move(problem), c.since);
    dispatcher_->Finish(ex, 408, ex.response.body.size(), c.remote);
    const std::string head =
        ResponseHead(ex.response, c.parsed.http11, false, ex.response.body.size());
    (void)SendSome(c.fd, head, ex.response.body);
    ::shutdown(c.fd, SHUT_WR);
    c.phase = Phase::kClosing;
    c.since = SteadyClock::now();
    c.in.clear();
  }

  static void Close(ConnectionState& c) {
    ::shutdown(c.fd, SHUT_RDWR);
    c.phase = Phase::kClosing;
    c.since = SteadyClock::now();
  }

  const std::shared_ptr<Dispatcher> dispatcher_;
  const std::shared_ptr<ConnectionRegistry> registry_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// Blocks SIGTERM and SIGINT in the calling thread for its lifetime, then restores the mask.
class ScopedSignalBlock {
 public:
  ScopedSignalBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &saved_);
  }
  ~ScopedSignalBlock() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

 private:
  sigset_t saved_;
};

}  // namespace

struct HttpServer::Impl {
  Metrics metrics;
  Router router;  // moved into the dispatcher by Start
  std::vector<HttpServer::RouteInfo> route_infos;
  Dispatcher::Hooks hooks;
  std::shared_ptr<Dispatcher> dispatcher;
  std::shared_ptr<ConnectionRegistry> registry;
  std::unique_ptr<P::Http::Endpoint> endpoint;
  std::unique_ptr<ConnectionWatch> watch;
  std::atomic<int> port{0};
  bool started = false;
};

HttpServer::HttpServer() : impl_(std::make_shared<Impl>()) {
  Impl* impl = impl_.get();
  auto builtin = [&](std::string pattern, RouteHandler handler) {
    Route route;
    route.method = "GET";
    route.pattern = std::move(pattern);
    route.required_role = Role::kPublic;
    route.handler = std::move(handler);
    impl->route_infos.push_back({route.method, route.pattern, route.required_role, false, {}});
    Status added = impl->router.Add(std::move(route));
    assert(added.ok() && "built-in routes are well-formed and distinct");
    (void)added;
  };
  builtin("/healthz", [](const HttpRequest&) {
    return HttpResponse::Json(200, {{"status", "ok"}});
  });
  builtin("/readyz", [impl](const HttpRequest&) {
    Status ready = impl->hooks.readiness ? impl->hooks.readiness() : Status::Ok();
    if (ready.ok()) return HttpResponse::Json(200, {{"status", "ready"}});
    return HttpResponse::Problem(503, "Service Unavailable", "Not ready: " + ready.ToString());
  });
  builtin("/metrics", [impl](const HttpRequest&) {
    return HttpResponse::Text(200, impl->metrics.RenderPrometheus(),
                              "text/plain; version=0.0.4; charset=utf-8");
  });
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::AddRoute(Route route) {
  if (impl_->started) return Status::FailedPrecondition("routes must be added before Start");
  RouteInfo info{route.method, route.pattern, route.required_role, route.platform_allowed,
                 route.query_params};
  VITRINE_RETURN_IF_ERROR(impl_->router.Add(std::move(route)));
  impl_->route_infos.push_back(std::move(info));
  return Status::Ok();
}

std::vector<HttpServer::RouteInfo> HttpServer::routes() const { return impl_->route_infos; }

void HttpServer::SetAuthenticator(std::shared_ptr<Authenticator> authenticator) {
  impl_->hooks.authenticator = std::move(authenticator);
}

void HttpServer::SetRateLimiter(std::shared_ptr<RateLimiter> limiter) {
  impl_->hooks.rate_limiter = std::move(limiter);
}

void HttpServer::SetReadinessCheck(std::function<Status()> check) {
  impl_->hooks.readiness = std::move(check);
}

Metrics& HttpServer::metrics() { return impl_->metrics; }

int HttpServer::port() const { return impl_->port.load(); }

Status HttpServer::Start(const ServerOptions& options) {
  if (impl_->started) return Status::FailedPrecondition("the server was already started");
  if (options.threads < 1) return Status::InvalidArgument("threads must be at least 1");
  if (options.max_body_bytes == 0 || options.max_header_bytes < 256) {
    return Status::InvalidArgument("max_body_bytes must be > 0 and max_header_bytes >= 256");
  }
  if (options.header_timeout.count() <= 0 || options.body_timeout.count() <= 0 ||
      options.keepalive_timeout.count() <= 0) {
    return Status::InvalidArgument("timeouts must be positive");
  }
  if (options.send_timeout.count() <= 0 || options.send_buffer_bytes < 4096 ||
      options.max_header_fields == 0) {
    return Status::InvalidArgument(
        "send_timeout must be positive, send_buffer_bytes >= 4096, max_header_fields > 0");
  }
  impl_->started = true;
  // Every write passes MSG_NOSIGNAL; this guards any other write to a closed socket.
  ::signal(SIGPIPE, SIG_IGN);
  // Connections are descriptors: use all the process may have.
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  const size_t max_connections =
      options.max_connections > 0 ? options.max_connections : DerivedMaxConnections();

  impl_->dispatcher =
      std::make_shared<Dispatcher>(options, std::move(impl_->router), impl_->hooks, impl_->metrics);
  impl_->registry = std::make_shared<ConnectionRegistry>();
  auto files = std::make_shared<FileBodies>(options.file_cache_bytes);
  try {
    P::Address address(options.address, P::Port(options.port));
    auto endpoint = std::make_unique<P::Http::Endpoint>(address);
    auto opts = P::Http::Endpoint::options()
                    .threads(options.threads)
                    .threadsName("vitrine-http")
                    .flags(P::Tcp::Options::ReuseAddr | P::Tcp::Options::NoDelay)
                    // Requests are framed by VitrineHandler; Pistache's parser stays unfed.
                    .maxRequestSize(4096)
                    // ConnectionWatch enforces the timeouts.
                    .headerTimeout(kNever)
                    .bodyTimeout(kNever)
                    .keepaliveTimeout(kNever);
    // Threads created meanwhile inherit the mask: SIGTERM/SIGINT must reach
    // WaitForShutdownSignal, not a worker.
    ScopedSignalBlock block;
    endpoint->init(opts);
    endpoint->setHandler(std::make_shared<VitrineHandler>(impl_->dispatcher, impl_->registry, files,
                                                          max_connections));
    endpoint->serveThreaded();
    impl_->port.store(static_cast<uint16_t>(endpoint->getPort()));
    impl_->endpoint = std::move(endpoint);
    impl_->watch = std::make_unique<ConnectionWatch>(impl_->dispatcher, impl_->registry);
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot serve on " + options.address + ":" +
                               std::to_string(options.port) + ": " + e.what());
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!impl_->endpoint) return;
  Dispatcher& d = *impl_->dispatcher;
  d.StartDraining();
  const auto deadline = SteadyClock::now() + d.options().drain_timeout;
  while (SteadyClock::now() < deadline && (d.active() > 0 || impl_->registry->sending.load() > 0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (d.active() > 0 || impl_->registry->sending.load() > 0) {
    d.LogError("", "stopping with requests still in flight after the drain timeout");
  }
  impl_->watch.reset();
  impl_->endpoint->shutdown();
  // Destroying the endpoint closes the listening socket and every connection.
  impl_->endpoint.reset();
  impl_->port.store(0);
}

}  // namespace vitrine
