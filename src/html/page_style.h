// The report's style sheet, inlined into every page (no network): plain
// colours that print well, tables that do not split rows across pages.
#pragma once

namespace culprit::html {

inline constexpr const char* kPageStyle = R"css(
body { font-family: -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1b1b1b;
       margin: 24px auto; max-width: 1120px; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
.sub { color: #555; font-size: 13px; }
.banner { padding: 8px 12px; border-radius: 4px; margin: 12px 0; font-weight: bold; }
.banner.running { background: #e3f2fd; border: 1px solid #64b5f6; }
.banner.interrupted, .banner.aborted { background: #fff3e0; border: 1px solid #ffb74d; }
.verdict { border: 2px solid #888; border-radius: 6px; padding: 12px 16px; margin: 14px 0; }
.verdict.found { border-color: #c62828; background: #fff8f8; }
.verdict.fix-found { border-color: #2e7d32; background: #f6fbf6; }
.verdict.inconclusive, .verdict.not-reproduced { border-color: #f9a825; background: #fffdf3; }
.verdict.crash-on-oldest, .verdict.not-fixed { border-color: #6d4c41; background: #fbf8f6; }
.verdict .what { font-size: 14px; text-transform: uppercase; letter-spacing: .04em; color: #444; }
.verdict .title { font-size: 20px; font-weight: bold; margin: 4px 0; word-break: break-word; }
.hash { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; user-select: all; }
.meta { font-size: 13px; color: #333; }
.meta td { padding: 1px 10px 1px 0; vertical-align: top; }
.warn { color: #b71c1c; font-weight: bold; }
.badge { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px; background: #eceff1;
         color: #37474f; margin-left: 4px; vertical-align: middle; }
.figures { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0; }
.figures div { border: 1px solid #ddd; border-radius: 4px; padding: 4px 10px; font-size: 13px; }
.figures b { display: block; font-size: 17px; }
svg.timeline { width: 100%; height: auto; max-width: 1100px; }
table.steps, table.data { border-collapse: collapse; width: 100%; font-size: 12.5px; }
table.data { width: auto; min-width: 420px; }
table.steps th, table.steps td, table.data th, table.data td { border-bottom: 1px solid #e0e0e0;
         padding: 3px 6px; text-align: left; vertical-align: top; }
table.steps th, table.data th { background: #f5f5f5; }
tr { break-inside: avoid; page-break-inside: avoid; }
table.steps th:nth-child(2) { width: 40%; } table.steps th:nth-child(4) { width: 18%; }
table.steps th:nth-child(5) { width: 30%; }
td.v { font-weight: bold; white-space: nowrap; }
td.v.good { color: #2e7d32; } td.v.bad { color: #c62828; } td.v.skip { color: #757575; }
td.v.pending { color: #1565c0; }
td.n { text-align: right; white-space: nowrap; }
.runs { color: #444; }
.runs li { margin: 0; }
ul.runs { margin: 0; padding-left: 16px; }
pre { background: #fafafa; border: 1px solid #e0e0e0; padding: 8px; font-size: 12px; overflow-x: auto;
      white-space: pre-wrap; word-break: break-all; }
.bar { display: inline-block; height: 9px; background: #ffb300; vertical-align: middle; margin-right: 6px; }
details summary { cursor: pointer; color: #1565c0; }
footer { margin-top: 30px; font-size: 11px; color: #777; }
@media print {
  body { margin: 0; max-width: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .verdict, svg.timeline { break-inside: avoid; page-break-inside: avoid; }
  details { display: none; }
}
)css";

}  // namespace culprit::html
