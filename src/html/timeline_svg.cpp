#include "html/timeline_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "html/candidates.h"
#include "html/escape.h"

namespace culprit::html {
namespace {

constexpr double kWidth = 1100;
constexpr double kLeft = 150;  // room for the step labels
constexpr double kRight = 14;
constexpr double kAxisY = 70;
constexpr double kRowH = 17;
constexpr std::size_t kPlainStretch = 12;  // longer untested stretches are compressed
// More branch links than this would only draw a tangle: then none are drawn.
constexpr std::size_t kMaxArcs = 80;

// Width weight of an untested stretch: linear up to kPlainStretch commits,
// logarithmic beyond, so a 5000-commit gap does not swamp the picture.
double stretch_weight(std::size_t count) {
  if (count <= kPlainStretch) return static_cast<double>(count);
  return kPlainStretch + 8 * std::log2(static_cast<double>(count) / kPlainStretch);
}

const char* verdict_colour(const std::string& verdict) {
  if (verdict == "good") return "#2e7d32";
  if (verdict == "bad") return "#c62828";
  if (verdict == "skip") return "#9e9e9e";
  return "#1565c0";
}

std::string num(double v) { return fmt::format("{:.1f}", v); }

}  // namespace

TimelineLayout layout_timeline(const std::vector<bool>& tested, double x0, double x1) {
  TimelineLayout out;
  const std::size_t n = tested.size();
  out.x.assign(n, 0);
  out.half.assign(n, 0);
  if (n == 0) return out;
  std::size_t tested_count = 0;
  double weights = 0;
  for (std::size_t i = 0; i < n;) {
    if (tested[i]) {
      ++tested_count;
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < n && !tested[j]) ++j;
    out.stretches.push_back({i, j - i, 0, 0, j - i > kPlainStretch});
    weights += stretch_weight(j - i);
    i = j;
  }
  const double width = x1 - x0;
  double unit = width / (static_cast<double>(tested_count) + weights);
  double tested_w = std::max(unit, 22.0);
  if (tested_count * tested_w > 0.85 * width)
    tested_w = 0.85 * width / static_cast<double>(tested_count);
  if (weights == 0) tested_w = width / static_cast<double>(tested_count);
  double stretch_unit = weights > 0 ? (width - tested_count * tested_w) / weights : 0;
  out.tested_width = tested_w;
  double x = x0;
  std::size_t s = 0;
  for (std::size_t i = 0; i < n;) {
    if (tested[i]) {
      out.x[i] = x + tested_w / 2;
      out.half[i] = tested_w / 2;
      x += tested_w;
      ++i;
      continue;
    }
    auto& st = out.stretches[s++];
    double w = stretch_weight(st.count) * stretch_unit;
    st.x0 = x;
    st.x1 = x + w;
    double step = w / static_cast<double>(st.count);
    for (std::size_t k = 0; k < st.count; ++k) {
      out.x[i + k] = x + (k + 0.5) * step;
      out.half[i + k] = step / 2;
    }
    x += w;
    i += st.count;
  }
  return out;
}

std::string timeline_svg(const ReportData& data) {
  const auto& commits = data.timeline.commits;
  const std::size_t n = commits.size();
  if (n == 0) return {};
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < n; ++i) index.emplace(commits[i].hash, i);
  std::vector<bool> tested(n, false);
  std::vector<std::size_t> step_node(data.steps.size(), n);
  for (std::size_t k = 0; k < data.steps.size(); ++k)
    if (auto it = index.find(data.steps[k].hash); it != index.end()) {
      tested[it->second] = true;
      step_node[k] = it->second;
    }
  std::string answer;
  if (data.result.is_object() && data.result.value("verdict", "") == "found" &&
      data.result.contains("commits") && data.result["commits"].is_array() &&
      !data.result["commits"].empty())
    answer = data.result["commits"][0].value("hash", "");

  auto lay = layout_timeline(tested, kLeft, kWidth - kRight);
  auto bands = candidates_per_step(data.timeline, data.steps, data.fix);
  const double bands_y = kAxisY + 58;
  const double height = bands_y + static_cast<double>(data.steps.size()) * kRowH + 46;

  std::string s;
  s += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 {} {}\" "
      "width=\"{}\" "
      "height=\"{}\" role=\"img\" aria-label=\"bisection timeline\" font-family=\"sans-serif\">\n",
      kWidth, num(height), kWidth, num(height));
  s += "<defs><pattern id=\"gap\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
       "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eceff1\"/>"
       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b0bec5\" "
       "stroke-width=\"2\"/></pattern></defs>\n";
  s += fmt::format("<text x=\"{}\" y=\"14\" font-size=\"11\" fill=\"#555\">older</text>\n", kLeft);
  s += fmt::format(
      "<text x=\"{}\" y=\"14\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">newer</text>\n",
      kWidth - kRight);
  s += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">{} "
      "commit{}</text>\n",
      kLeft - 10, num(kAxisY + 4), n, n == 1 ? "" : "s");

  // The axis: untested stretches as ticks, or a hatched bar when compressed.
  s += fmt::format(
      "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#78909c\" stroke-width=\"1.5\"/>\n",
      kLeft, kAxisY, kWidth - kRight, kAxisY);
  for (const auto& st : lay.stretches) {
    double w = st.x1 - st.x0;
    double spacing = w / static_cast<double>(st.count);
    if (st.compressed || spacing < 4) {
      s += fmt::format(
          "<rect class=\"gap\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"10\" fill=\"url(#gap)\" "
          "stroke=\"#90a4ae\" "
          "stroke-width=\"0.5\"><title>{} untested commits</title></rect>\n",
          num(st.x0 + 1), num(kAxisY - 5), num(std::max(1.0, w - 2)), st.count);
      if (st.compressed) {
        std::string label =
            w >= 70 ? fmt::format("{} commits", st.count) : fmt::format("{}", st.count);
        if (w >= 18)
          s += fmt::format(
              "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#546e7a\" "
              "text-anchor=\"middle\">{}</text>\n",
              num((st.x0 + st.x1) / 2), num(kAxisY + 20), label);
      }
    } else {
      for (std::size_t k = 0; k < st.count; ++k)
        s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#90a4ae\"/>\n",
                         num(lay.x[st.first + k]), num(kAxisY - 4), num(kAxisY + 4));
    }
  }

  // Branches and merges: a parent that is not the commit just before is
  // linked by an arc over the axis (the fork of a branch, and the mainline
  // side of a merge), so merged branches show as lenses.
  std::vector<std::pair<std::size_t, std::size_t>> links;
  for (std::size_t i = 0; i < n; ++i)
    for (auto p : commits[i].parents)
      if (p + 1 != i && p < i) links.emplace_back(p, i);
  if (links.size() <= kMaxArcs)
    for (auto [p, i] : links) {
      double x0 = lay.x[p], x1 = lay.x[i];
      double h = std::min(26.0, 6 + (x1 - x0) * 0.12);
      s += fmt::format(
          "<path class=\"link\" d=\"M{} {} Q{} {} {} {}\" fill=\"none\" stroke=\"#90a4ae\" "
          "stroke-width=\"1.2\"/>\n",
          num(x0), kAxisY, num((x0 + x1) / 2), num(kAxisY - 2 * h), num(x1), kAxisY);
    }

  // Guides from each tested commit down to its band row.
  for (std::size_t k = 0; k < data.steps.size(); ++k) {
    if (step_node[k] == n) continue;
    double x = lay.x[step_node[k]];
    s += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\" stroke-opacity=\"0.35\" "
        "stroke-dasharray=\"2 3\"/>\n",
        num(x), num(kAxisY + 10), num(bands_y + k * kRowH + kRowH / 2),
        verdict_colour(data.steps[k].verdict));
  }

  // Tested commits: a disc in the verdict's colour with the test order number.
  double r = std::clamp(lay.tested_width / 2 - 1.5, 3.0, 9.5);
  for (std::size_t k = 0; k < data.steps.size(); ++k) {
    if (step_node[k] == n) continue;
    const auto& st = data.steps[k];
    double x = lay.x[step_node[k]];
    bool is_answer = st.hash == answer;
    if (is_answer)
      s += fmt::format(
          "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"none\" stroke=\"#111\" "
          "stroke-width=\"2\"/>\n",
          num(x), kAxisY, num(r + 4));
    s += fmt::format("<g class=\"tested {}\"><title>#{} {} {} {}</title>", escape(st.verdict),
                     k + 1, escape(st.verdict), short_hash(st.hash), escape(st.title));
    s += fmt::format(
        "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"1\"/>",
        num(x), kAxisY, num(r), verdict_colour(st.verdict));
    if (r >= 6.5)
      s += fmt::format(
          "<text x=\"{}\" y=\"{}\" font-size=\"{}\" font-weight=\"bold\" fill=\"#fff\" "
          "text-anchor=\"middle\">{}</text>",
          num(x), num(kAxisY + 3.5), k + 1 >= 10 ? 9 : 10, k + 1);
    s += "</g>\n";
    if (!st.tags.empty())
      s += fmt::format(
          "<text x=\"{0}\" y=\"{1}\" font-size=\"10\" fill=\"#37474f\" transform=\"rotate(-35 {0} "
          "{1})\">{2}</text>\n",
          num(x + 2), num(kAxisY - r - 5), escape(st.tags.front()));
    if (is_answer)
      s += fmt::format(
          "<text x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"bold\" fill=\"#111\" "
          "text-anchor=\"middle\">{}</text>\n",
          num(x), num(kAxisY + r + 34), data.fix ? "fix" : "culprit");
  }

  // One band per step: the candidates left after its verdict.
  s += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">step · "
      "left</text>\n",
      kLeft - 10, num(bands_y - 6));
  for (std::size_t k = 0; k < data.steps.size(); ++k) {
    const auto& st = data.steps[k];
    double y = bands_y + k * kRowH;
    std::size_t left = std::count(bands[k].begin(), bands[k].end(), true);
    bool last = k + 1 == data.steps.size();
    s += fmt::format("<g class=\"band\"><title>after step {}: {} candidate{}</title>", k + 1, left,
                     left == 1 ? "" : "s");
    s += fmt::format(
        "<text x=\"8\" y=\"{}\" font-size=\"11\" fill=\"{}\" font-weight=\"bold\">#{} {}</text>",
        num(y + 12), verdict_colour(st.verdict), k + 1, escape(st.verdict));
    s += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#333\" text-anchor=\"end\">{}</text>",
        kLeft - 10, num(y + 12), left);
    for (std::size_t i = 0; i < n;) {
      if (!bands[k][i]) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j + 1 < n && bands[k][j + 1]) ++j;
      double x0 = lay.x[i] - lay.half[i], x1 = lay.x[j] + lay.half[j];
      if (x1 - x0 < 3) {
        double mid = (x0 + x1) / 2;
        x0 = mid - 1.5;
        x1 = mid + 1.5;
      }
      s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"{}\"/>",
                       num(x0), num(y + 3), num(x1 - x0), num(kRowH - 5),
                       last ? "#ffb300" : "#90caf9");
      i = j + 1;
    }
    if (step_node[k] != n)
      s += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"/>",
                       num(lay.x[step_node[k]]), num(y + kRowH / 2 + 0.5),
                       verdict_colour(st.verdict));
    s += "</g>\n";
  }

  // Legend.
  double ly = height - 16;
  double lx = kLeft;
  for (const char* v : {"good", "bad", "skip", "pending"}) {
    if (std::string(v) == "pending" &&
        std::none_of(data.steps.begin(), data.steps.end(),
                     [](const StepInfo& st) { return st.verdict == "pending"; }))
      continue;
    s += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"6\" fill=\"{}\"/>", num(lx + 6), num(ly - 4),
                     verdict_colour(v));
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#333\">{}</text>\n",
                     num(lx + 16), num(ly), v);
    lx += 70;
  }
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"10\" rx=\"2\" fill=\"#90caf9\"/>",
                   num(lx), num(ly - 9));
  s += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#333\">candidates left after the "
      "step</text>\n",
      num(lx + 28), num(ly));
  lx += 220;
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"10\" fill=\"url(#gap)\"/>",
                   num(lx), num(ly - 9));
  s += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#333\">untested commits (long stretches "
      "compressed)</text>\n",
      num(lx + 28), num(ly));
  s += "</svg>\n";
  return s;
}

}  // namespace culprit::html
