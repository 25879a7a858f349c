// Metrics: the counters behind GET /metrics, rendered in the Prometheus text format 0.0.4.
//
// Series:
//   vitrine_http_requests_total{route,method,code}        counter
//   vitrine_http_request_duration_seconds{route}          histogram (_bucket, _sum, _count)
//   vitrine_http_requests_in_flight                       gauge
//   vitrine_store_errors_total                            counter, bumped by other modules
//   process_resident_memory_bytes, process_open_fds       gauges read from /proc at render
// Every method is thread-safe. Recording is cheap: an existing series costs a shared lock
// and a few relaxed atomic adds; only the first request of a new series takes the
// exclusive lock.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace vitrine {

class Metrics {
 public:
  // Upper bounds of the duration histogram, in seconds (+Inf is implied).
  static constexpr std::array<double, 12> kDurationBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                              0.25,  0.5,   1,    2.5,   5,    10};

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Counts one finished request. `route` is the route's name (its pattern), never the raw
  // path, so the number of series stays bounded.
  void RecordRequest(std::string_view route, std::string_view method, int code,
                     std::chrono::nanoseconds duration);
  void RequestStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void RequestFinished() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

  // For modules that see a repository call fail (IoError, Unavailable...).
  void IncrementStoreErrors(uint64_t count = 1) {
    store_errors_.fetch_add(count, std::memory_order_relaxed);
  }

  // Series kept elsewhere in the server (feed pulls): `render` returns whole exposition
  // lines (HELP, TYPE and samples), appended on every scrape; called from any thread.
  void AddCollector(std::function<std::string()> render);

  // The whole exposition, ending with a newline.
  std::string RenderPrometheus() const;

 private:
  struct Counter {
    std::atomic<uint64_t> value{0};
  };
  struct Histogram {
    std::array<std::atomic<uint64_t>, kDurationBuckets.size()> buckets{};  // not cumulative
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_ns{0};
  };
  using CounterKey = std::tuple<std::string, std::string, int>;  // route, method, code

  Counter& CounterFor(std::string_view route, std::string_view method, int code);
  Histogram& HistogramFor(std::string_view route);

  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint64_t> store_errors_{0};

  mutable std::shared_mutex mu_;
  // Values are never removed, so references handed out stay valid.
  // Compares keys as views, so a request's counter is found without copying its route.
  struct CounterKeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return View(a) < View(b);
    }
    template <typename K>
    static std::tuple<std::string_view, std::string_view, int> View(const K& k) {
      return {std::get<0>(k), std::get<1>(k), std::get<2>(k)};
    }
  };
  std::map<CounterKey, std::unique_ptr<Counter>, CounterKeyLess> requests_;   // guarded by mu_
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> durations_;  // guarded by mu_
  std::vector<std::function<std::string()>> collectors_;                      // guarded by mu_
};

}  // namespace vitrine
