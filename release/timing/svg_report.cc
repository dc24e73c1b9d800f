#include "release/timing/svg_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include "release/timing/comparison.h"
#include "release/timing/xml_escape.h"

namespace staticship::timing {
namespace {

constexpr char kDynamicColour[] = "#d95f02";
constexpr char kStaticColour[] = "#1b7fb3";
constexpr int kColumns = 3;
constexpr int kPanelHeight = 300;
constexpr int kPlotTop = 56;  // inside a panel: title and reduction above
constexpr int kPlotHeight = 180;
constexpr int kAxisLeft = 64;
constexpr int kGroupWidth = 96;
constexpr int kBarWidth = 34;
constexpr int kHeader = 92;

struct Panel {
  std::string title;
  std::string subtitle;
  std::string unit;
  double scale = 1;  // divide raw values by this to get `unit`
  std::vector<std::string> services;
  std::vector<std::optional<double>> dynamic_values;
  std::vector<std::optional<double>> static_values;
};

std::string Num(const char* format, double value) {
  char text[48];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// Tick labels carry only as many decimals as the step needs.
std::string TickLabel(double tick, double step) {
  if (std::fabs(step - std::round(step)) < 1e-9) return Num("%.0f", tick);
  if (std::fabs(step * 10 - std::round(step * 10)) < 1e-9) {
    return Num("%.1f", tick);
  }
  return Num("%.2f", tick);
}

std::string Short(double value) {
  if (value == 0) return "0";
  if (value >= 100) return Num("%.0f", value);
  if (value >= 10) return Num("%.1f", value);
  return Num("%.2f", value);
}

void ChooseUnit(Panel& panel, bool is_size, double max_raw) {
  if (is_size) {
    panel.unit = max_raw >= 1024 * 1024 ? "MiB" : "KiB";
    panel.scale = max_raw >= 1024 * 1024 ? 1024.0 * 1024 : 1024;
  } else {
    panel.unit = max_raw >= 1000 ? "s" : "ms";
    panel.scale = max_raw >= 1000 ? 1000 : 1;
  }
}

// One panel per comparison row that has at least one measured side.
std::vector<Panel> BuildPanels(const std::vector<TimingRecord>& records) {
  std::vector<ServiceComparison> services;
  for (const std::string& s : ServicesIn(records)) {
    services.push_back(CompareService(records, s));
  }
  std::vector<Panel> panels;
  if (services.empty()) return panels;
  const ServiceComparison total = CompareTotal(services);
  auto add = [&](auto member, size_t row_index) {
    const ComparisonRow& first = (services.front().*member)[row_index];
    if (first.is_count) return;
    Panel panel;
    // The long label of the deploy row does not fit above a panel.
    panel.title = first.label.substr(0, first.label.find(" (push"));
    double max_raw = 0;
    for (const ServiceComparison& c : services) {
      const ComparisonRow& row = (c.*member)[row_index];
      panel.services.push_back(c.service);
      panel.dynamic_values.push_back(row.dynamic_value);
      panel.static_values.push_back(row.static_value);
      max_raw = std::max({max_raw, row.dynamic_value.value_or(0),
                          row.static_value.value_or(0)});
    }
    const bool any = std::any_of(
        services.begin(), services.end(), [&](const ServiceComparison& c) {
          return (c.*member)[row_index].dynamic_value ||
                 (c.*member)[row_index].static_value;
        });
    if (!any) return;
    ChooseUnit(panel, first.is_size, max_raw);
    const ComparisonRow& summed = (total.*member)[row_index];
    if (const auto pct = ReductionPct(summed)) {
      panel.subtitle = (*pct >= 0 ? "static " + Num("%.1f", *pct) + "% " +
                                        (first.is_size ? "smaller" : "faster")
                                  : "static " + Num("%.1f", -*pct) + "% " +
                                        (first.is_size ? "larger" : "slower")) +
                       (services.size() > 1 ? " (all services)" : "");
    } else {
      panel.subtitle = "no static/dynamic pair measured";
    }
    if (summed.claim) {
      panel.subtitle +=
          "; write-up claims " + Num("%.0f", summed.claim->reduction_pct) + "%";
    }
    panels.push_back(std::move(panel));
  };
  for (size_t i = 0; i < services.front().durations.size(); ++i) {
    add(&ServiceComparison::durations, i);
  }
  for (size_t i = 0; i < services.front().sizes.size(); ++i) {
    add(&ServiceComparison::sizes, i);
  }
  return panels;
}

void DrawBar(std::ostringstream& out, double x, std::optional<double> raw,
             const Panel& panel, const Axis& axis, double base_y,
             const char* colour) {
  if (!raw) {
    out << "<text x=\"" << x + kBarWidth / 2.0 << "\" y=\"" << base_y - 4
        << "\" class=\"value\">n/a</text>\n";
    return;
  }
  const double value = *raw / panel.scale;
  const double height = value / axis.max * kPlotHeight;
  out << "<rect x=\"" << x << "\" y=\"" << Num("%.1f", base_y - height)
      << "\" width=\"" << kBarWidth << "\" height=\"" << Num("%.1f", height)
      << "\" fill=\"" << colour << "\"/>\n"
      << "<text x=\"" << x + kBarWidth / 2.0 << "\" y=\""
      << Num("%.1f", base_y - height - 4) << "\" class=\"value\">"
      << Short(value) << "</text>\n";
}

void DrawPanel(std::ostringstream& out, const Panel& panel, double left,
               double top, double width) {
  double max_value = 0;
  for (size_t i = 0; i < panel.services.size(); ++i) {
    max_value =
        std::max({max_value, panel.dynamic_values[i].value_or(0) / panel.scale,
                  panel.static_values[i].value_or(0) / panel.scale});
  }
  const Axis axis = NiceAxis(max_value);
  const double plot_left = left + kAxisLeft;
  const double base_y = top + kPlotTop + kPlotHeight;
  out << "<g>\n<text x=\"" << left + width / 2 << "\" y=\"" << top + 18
      << "\" class=\"panel\">" << XmlEscape(panel.title) << "</text>\n"
      << "<text x=\"" << left + width / 2 << "\" y=\"" << top + 36
      << "\" class=\"sub\">" << XmlEscape(panel.subtitle) << "</text>\n";
  for (double tick = 0; tick <= axis.max + axis.step / 2; tick += axis.step) {
    const double y = base_y - tick / axis.max * kPlotHeight;
    out << "<line x1=\"" << plot_left << "\" x2=\"" << left + width - 10
        << "\" y1=\"" << Num("%.1f", y) << "\" y2=\"" << Num("%.1f", y)
        << "\" class=\"grid\"/>\n"
        << "<text x=\"" << plot_left - 6 << "\" y=\"" << Num("%.1f", y + 4)
        << "\" class=\"tick\">" << TickLabel(tick, axis.step) << "</text>\n";
  }
  out << "<line x1=\"" << plot_left << "\" x2=\"" << plot_left << "\" y1=\""
      << top + kPlotTop << "\" y2=\"" << base_y << "\" class=\"axis\"/>\n"
      << "<line x1=\"" << plot_left << "\" x2=\"" << left + width - 10
      << "\" y1=\"" << base_y << "\" y2=\"" << base_y << "\" class=\"axis\"/>\n"
      << "<text transform=\"translate(" << left + 16 << ","
      << top + kPlotTop + kPlotHeight / 2 << ") rotate(-90)\" class=\"label\">"
      << (panel.unit == "s" || panel.unit == "ms" ? "duration, " : "size, ")
      << panel.unit << "</text>\n";
  for (size_t i = 0; i < panel.services.size(); ++i) {
    const double group_left = plot_left + 12 + i * kGroupWidth;
    DrawBar(out, group_left, panel.dynamic_values[i], panel, axis, base_y,
            kDynamicColour);
    DrawBar(out, group_left + kBarWidth + 4, panel.static_values[i], panel,
            axis, base_y, kStaticColour);
    out << "<text x=\"" << group_left + kBarWidth + 2 << "\" y=\""
        << base_y + 18 << "\" class=\"service\">"
        << XmlEscape(panel.services[i]) << "</text>\n";
  }
  out << "<text x=\"" << plot_left + (width - kAxisLeft) / 2 << "\" y=\""
      << base_y + 38 << "\" class=\"label\">service</text>\n</g>\n";
}

}  // namespace

Axis NiceAxis(double data_max) {
  if (!(data_max > 0)) return Axis{1, 0.2};
  const double magnitude = std::pow(10, std::floor(std::log10(data_max / 5)));
  for (double factor : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    const double step = factor * magnitude;
    if (step * 5 >= data_max * 1.08) {  // 8% headroom for the value labels
      return Axis{std::ceil(data_max * 1.08 / step) * step, step};
    }
  }
  return Axis{data_max * 1.08, data_max * 1.08 / 5};
}

std::string SvgReport(const TimingRun& run) {
  const std::vector<Panel> panels = BuildPanels(run.records);
  size_t services = 1;
  for (const Panel& p : panels)
    services = std::max(services, p.services.size());
  const double panel_width =
      std::max(360.0, kAxisLeft + 24.0 + services * kGroupWidth);
  const int columns = std::max<int>(
      1, std::min<int>(kColumns, static_cast<int>(panels.size())));
  const int rows = static_cast<int>((panels.size() + columns - 1) / columns);
  const double width = std::max(640.0, columns * panel_width + 20);
  const double height = kHeader + std::max(1, rows) * kPanelHeight + 10;

  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
      << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " "
      << height << "\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n"
      << "<style>"
         ".title{font-size:20px;font-weight:bold;text-anchor:middle}"
         ".sub{font-size:12px;fill:#444;text-anchor:middle}"
         ".panel{font-size:15px;font-weight:bold;text-anchor:middle}"
         ".value{font-size:11px;text-anchor:middle}"
         ".tick{font-size:11px;text-anchor:end;fill:#444}"
         ".label{font-size:12px;text-anchor:middle;fill:#222}"
         ".service{font-size:12px;text-anchor:middle}"
         ".legend{font-size:13px}"
         ".grid{stroke:#e3e3e3;stroke-width:1}"
         ".axis{stroke:#333;stroke-width:1}"
         "</style>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << width / 2 << "\" y=\"30\" class=\"title\">"
      << "staticship: static against dynamic</text>\n"
      << "<text x=\"" << width / 2 << "\" y=\"52\" class=\"sub\">"
      << XmlEscape(run.date + ", commit " + run.git_commit.substr(0, 12) +
                   ", " + std::to_string(run.host_cpus) + " CPUs")
      << "</text>\n"
      << "<rect x=\"" << width / 2 - 110 << "\" y=\"64\" width=\"14\" "
      << "height=\"14\" fill=\"" << kDynamicColour << "\"/>\n"
      << "<text x=\"" << width / 2 - 90 << "\" y=\"76\" class=\"legend\">"
      << "dynamic</text>\n"
      << "<rect x=\"" << width / 2 + 10 << "\" y=\"64\" width=\"14\" "
      << "height=\"14\" fill=\"" << kStaticColour << "\"/>\n"
      << "<text x=\"" << width / 2 + 30 << "\" y=\"76\" class=\"legend\">"
      << "static</text>\n";
  if (panels.empty()) {
    out << "<text x=\"" << width / 2 << "\" y=\"" << kHeader + 40
        << "\" class=\"panel\">no records</text>\n";
  }
  for (size_t i = 0; i < panels.size(); ++i) {
    const double left = 10 + (i % columns) * panel_width;
    const double top = kHeader + (i / columns) * kPanelHeight;
    DrawPanel(out, panels[i], left, top, panel_width);
  }
  out << "</svg>\n";
  return out.str();
}

}  // namespace staticship::timing
