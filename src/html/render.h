// The HTML report: one self-contained page (inline CSS and SVG, no scripts,
// no network) that opens from a mail attachment and prints.
#pragma once

#include <string>

#include "html/report_data.h"

namespace culprit::html {

std::string render_report(const ReportData& data);

}  // namespace culprit::html
