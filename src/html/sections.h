// The parts of the report page below the verdict; each returns HTML with
// every piece of outside text escaped.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "html/report_data.h"

namespace culprit::html {

std::string steps_table(const ReportData& data);
std::string crash_report_section(const ReportData& data);
// Confidence, candidates with probabilities and verification checks, as far
// as the result has them.
std::string checks_section(const ReportData& data);
// --minimize-config: options kept of those that differed, builds spent,
// the config's hash and a link to it, the options kept.
std::string config_section(const ReportData& data);
std::string log_section(const ReportData& data);
// A JSON value as readable text (strings bare, numbers short, objects compact).
std::string json_text(const nlohmann::json& v);

}  // namespace culprit::html
