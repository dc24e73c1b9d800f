// A small Prometheus text-format (0.0.4) registry: counters, gauges and
// histograms with labels. Thread-safe; updates are lock-free atomics, so
// cache the child references on the hot path:
//
//   staticship::metrics::Registry registry;
//   auto& requests = registry.AddCounter("gateway_requests_total",
//                                        "Requests by route and status class");
//   staticship::metrics::Counter& ok =
//       requests.WithLabels({{"route", "/api"}, {"code", "2xx"}});  // cache me
//   ok.Inc();
//   auto& latency = registry.AddHistogram("gateway_request_seconds", "...",
//                                         staticship::metrics::DefaultBuckets());
//   latency.WithLabels({{"route", "/api"}}).Observe(0.0123);
//   std::string body = registry.Render();  // serve with kContentType
//
// Children live as long as the registry; references stay valid. Family
// names must be unique; AddX with an existing name returns that family.
#ifndef STATICSHIP_COMMON_METRICS_METRICS_H_
#define STATICSHIP_COMMON_METRICS_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace staticship::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4";

using Labels = std::vector<std::pair<std::string, std::string>>;

// Prometheus client defaults, in seconds.
std::vector<double> DefaultBuckets();

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double v);
  // Cumulative counts per bound (last is +Inf), sum and count.
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

namespace internal {
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help)
      : name_(std::move(name)), help_(std::move(help)) {}
  virtual ~FamilyBase() = default;
  virtual void Render(std::string* out) const = 0;
  const std::string& name() const { return name_; }

 protected:
  std::string name_;
  std::string help_;
  mutable std::mutex mu_;
};
}  // namespace internal

template <typename T>
class Family : public internal::FamilyBase {
 public:
  Family(std::string name, std::string help, std::string type,
         std::vector<double> bounds = {})
      : FamilyBase(std::move(name), std::move(help)),
        type_(std::move(type)),
        bounds_(std::move(bounds)) {}

  // Creates the child on first use; label order is kept as given.
  T& WithLabels(const Labels& labels);
  void Render(std::string* out) const override;

 private:
  std::string type_;
  std::vector<double> bounds_;
  std::map<Labels, std::unique_ptr<T>> children_;
};

class Registry {
 public:
  Family<Counter>& AddCounter(std::string name, std::string help);
  Family<Gauge>& AddGauge(std::string name, std::string help);
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<double> bounds);
  // All families in registration order.
  std::string Render() const;

 private:
  template <typename T>
  Family<T>& Add(std::string name, std::string help, std::string type,
                 std::vector<double> bounds);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<internal::FamilyBase>> families_;
};

// Helpers exposed for tests.
std::string FormatValue(double v);
std::string EscapeLabelValue(std::string_view v);

}  // namespace staticship::metrics

#endif  // STATICSHIP_COMMON_METRICS_METRICS_H_
