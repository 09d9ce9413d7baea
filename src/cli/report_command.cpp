// culprit report [FILE|-] [--json]: the first crash in a console log.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "report/crash_report.h"
#include "util/error.h"
#include "util/text.h"

namespace culprit::cli {

int report_command(const Args& args) {
  bool json = false;
  std::string file;
  for (const auto& a : args) {
    if (a == "--json") {
      json = true;
    } else if (a == "--help" || a == "-h") {
      std::puts(
          "usage: culprit report [FILE|-] [--json]\n"
          "Prints the title of the first crash in a console log; exit 0 crash, 1 none, 2 error.");
      return 0;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      throw UserError("report: unknown option " + a);
    } else if (file.empty()) {
      file = a;
    } else {
      throw UserError("report: more than one input file given");
    }
  }
  std::string log;
  if (file.empty() || file == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    log = ss.str();
  } else {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
      throw UserError("report: " + file + " is a directory");
    log = read_file(file);
  }
  auto crash = report::find_crash(log);
  if (!crash) {
    if (json) std::puts("null");
    return 1;
  }
  if (json) {
    nlohmann::json j{{"title", crash->title}, {"alt_titles", crash->alt_titles},
                     {"type", crash->type},   {"corrupted", crash->corrupted},
                     {"frame", crash->frame}, {"report", crash->report},
                     {"start", crash->start}, {"end", crash->end}};
    std::puts(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::puts(crash->title.c_str());
  }
  return 0;
}

}  // namespace culprit::cli
