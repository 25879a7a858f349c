#include "server/metrics.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

namespace vitrine {
namespace {

// Label values escape backslash, double quote and newline (exposition format 0.0.4).
std::string EscapeLabel(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

int64_t ResidentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

int64_t OpenFds() {
  std::error_code ec;
  int64_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  // The iterator's own descriptor is listed too.
  return n > 0 ? n - 1 : 0;
}

}  // namespace

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

Metrics::Counter& Metrics::CounterFor(std::string_view route, std::string_view method, int code) {
  auto key = std::make_tuple(route, method, code);
  {
    std::shared_lock lock(mu_);
    auto it = requests_.find(key);
    if (it != requests_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto [it, inserted] =
      requests_.try_emplace(CounterKey(std::string(route), std::string(method), code), nullptr);
  if (inserted) it->second = std::make_unique<Counter>();
  return *it->second;
}

Metrics::Histogram& Metrics::HistogramFor(std::string_view route) {
  {
    std::shared_lock lock(mu_);
    auto it = durations_.find(route);
    if (it != durations_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto [it, inserted] = durations_.try_emplace(std::string(route), nullptr);
  if (inserted) it->second = std::make_unique<Histogram>();
  return *it->second;
}

void Metrics::RecordRequest(std::string_view route, std::string_view method, int code,
                            std::chrono::nanoseconds duration) {
  CounterFor(route, method, code).value.fetch_add(1, std::memory_order_relaxed);
  Histogram& h = HistogramFor(route);
  const double seconds = std::chrono::duration<double>(duration).count();
  for (size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) {
      h.buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  h.count.fetch_add(1, std::memory_order_relaxed);
  h.sum_ns.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, duration.count())),
                     std::memory_order_relaxed);
}

void Metrics::AddCollector(std::function<std::string()> render) {
  std::unique_lock lock(mu_);
  collectors_.push_back(std::move(render));
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  out.reserve(4096);
  std::shared_lock lock(mu_);

  out += "# HELP vitrine_http_requests_total HTTP requests answered, by route, method and code.\n";
  out += "# TYPE vitrine_http_requests_total counter\n";
  for (const auto& [key, counter] : requests_) {
    const auto& [route, method, code] = key;
    out += "vitrine_http_requests_total{route=\"" + EscapeLabel(route) + "\",method=\"" +
           EscapeLabel(method) + "\",code=\"" + std::to_string(code) + "\"} " +
           std::to_string(counter->value.load(std::memory_order_relaxed)) + "\n";
  }

  out +=
      "# HELP vitrine_http_request_duration_seconds Time from a request's arrival to its "
      "response being queued, by route.\n";
  out += "# TYPE vitrine_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : durations_) {
    const std::string label = "route=\"" + EscapeLabel(route) + "\"";
    // Read count first: buckets incremented meanwhile can only make them larger, and
    // Prometheus tolerates +Inf >= the last bucket.
    uint64_t count = h->count.load(std::memory_order_relaxed);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kDurationBuckets.size(); ++i) {
      cumulative += h->buckets[i].load(std::memory_order_relaxed);
      out += "vitrine_http_request_duration_seconds_bucket{" + label + ",le=\"" +
             FormatDouble(kDurationBuckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    count = std::max(count, cumulative);
    out += "vitrine_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(count) + "\n";
    out += "vitrine_http_request_duration_seconds_sum{" + label + "} " +
           FormatDouble(static_cast<double>(h->sum_ns.load(std::memory_order_relaxed)) / 1e9) +
           "\n";
    out += "vitrine_http_request_duration_seconds_count{" + label + "} " + std::to_string(count) +
           "\n";
  }
  const std::vector<std::function<std::string()>> collectors = collectors_;
  lock.unlock();
  for (const auto& render : collectors) out += render();

  out += "# HELP vitrine_http_requests_in_flight Requests being handled now.\n";
  out += "# TYPE vitrine_http_requests_in_flight gauge\n";
  out += "vitrine_http_requests_in_flight " + std::to_string(in_flight()) + "\n";
  out += "# HELP vitrine_store_errors_total Repository calls that failed.\n";
  out += "# TYPE vitrine_store_errors_total counter\n";
  out += "vitrine_store_errors_total " +
         std::to_string(store_errors_.load(std::memory_order_relaxed)) + "\n";
  out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n";
  out += "# TYPE process_resident_memory_bytes gauge\n";
  out += "process_resident_memory_bytes " + std::to_string(ResidentMemoryBytes()) + "\n";
  out += "# HELP process_open_fds Number of open file descriptors.\n";
  out += "# TYPE process_open_fds gauge\n";
  out += "process_open_fds " + std::to_string(OpenFds()) + "\n";
  return out;
}

}  // namespace vitrine
