#include "common/metrics/metrics.h"

#include <cmath>
#include <cstdio>

namespace staticship::metrics {
namespace {

void AtomicAdd(std::atomic<double>& a, double d) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + d, std::memory_order_relaxed)) {
  }
}

std::string EscapeHelp(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendLabels(const Labels& labels, const char* extra_name,
                  const std::string& extra_value, std::string* out) {
  if (labels.empty() && extra_name == nullptr) return;
  out->push_back('{');
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out->push_back(',');
    first = false;
    out->append(k);
    out->append("=\"");
    out->append(EscapeLabelValue(v));
    out->push_back('"');
  }
  if (extra_name != nullptr) {
    if (!first) out->push_back(',');
    out->append(extra_name);
    out->append("=\"");
    out->append(extra_value);
    out->push_back('"');
  }
  out->push_back('}');
}

void AppendHeader(const std::string& name, const std::string& help,
                  const std::string& type, std::string* out) {
  out->append("# HELP " + name + " " + EscapeHelp(help) + "\n");
  out->append("# TYPE " + name + " " + type + "\n");
}

}  // namespace

std::vector<double> DefaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.15g", v);
  }
  return buf;
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Gauge::Add(double d) { AtomicAdd(value_, d); }

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

template <typename T>
T& Family<T>::WithLabels(const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = children_.find(labels);
  if (it != children_.end()) return *it->second;
  std::unique_ptr<T> child;
  if constexpr (std::is_same_v<T, Histogram>) {
    child = std::make_unique<Histogram>(bounds_);
  } else {
    child = std::make_unique<T>();
  }
  T& ref = *child;
  children_.emplace(labels, std::move(child));
  return ref;
}

template <>
void Family<Counter>::Render(std::string* out) const {
  AppendHeader(name_, help_, type_, out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [labels, c] : children_) {
    out->append(name_);
    AppendLabels(labels, nullptr, "", out);
    out->append(" " + std::to_string(c->value()) + "\n");
  }
}

template <>
void Family<Gauge>::Render(std::string* out) const {
  AppendHeader(name_, help_, type_, out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [labels, g] : children_) {
    out->append(name_);
    AppendLabels(labels, nullptr, "", out);
    out->append(" " + FormatValue(g->value()) + "\n");
  }
}

template <>
void Family<Histogram>::Render(std::string* out) const {
  AppendHeader(name_, help_, type_, out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [labels, h] : children_) {
    std::vector<uint64_t> counts = h->CumulativeCounts();
    // Read count from the buckets so that +Inf == _count in one scrape.
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      out->append(name_ + "_bucket");
      AppendLabels(labels, "le",
                   i < bounds_.size() ? FormatValue(bounds_[i]) : "+Inf", out);
      out->append(" " + std::to_string(counts[i]) + "\n");
    }
    out->append(name_ + "_sum");
    AppendLabels(labels, nullptr, "", out);
    out->append(" " + FormatValue(h->sum()) + "\n");
    out->append(name_ + "_count");
    AppendLabels(labels, nullptr, "", out);
    out->append(" " + std::to_string(counts.back()) + "\n");
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <typename T>
Family<T>& Registry::Add(std::string name, std::string help, std::string type,
                         std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : families_) {
    if (f->name() == name) {
      if (auto* same = dynamic_cast<Family<T>*>(f.get())) return *same;
    }
  }
  auto family = std::make_unique<Family<T>>(std::move(name), std::move(help),
                                            std::move(type), std::move(bounds));
  Family<T>& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help) {
  return Add<Counter>(std::move(name), std::move(help), "counter", {});
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help) {
  return Add<Gauge>(std::move(name), std::move(help), "gauge", {});
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<double> bounds) {
  return Add<Histogram>(std::move(name), std::move(help), "histogram",
                        std::move(bounds));
}

std::string Registry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& f : families_) f->Render(&out);
  return out;
}

}  // namespace staticship::metrics
