#include "build/compiler_table.h"

#include <toml++/toml.h>

#include <sstream>

#include "util/error.h"

namespace culprit::build {
namespace {

// Kernels before 4.19 and before 5.10 stop building with gcc 11+ (new
// warnings under -Werror in tools and objtool, removed options); Debian 12's
// own gcc (12) builds 5.10 and later.
constexpr std::string_view kBuiltinTable = R"(
default = "gcc"

[[range]]
below = "4.19"
compiler = "gcc-8"

[[range]]
from = "4.19"
below = "5.10"
compiler = "gcc-10"
)";

std::optional<KernelVersion> version_field(const toml::table& t, const char* key,
                                           const std::string& where) {
  auto node = t[key];
  if (!node) return std::nullopt;
  std::string text;
  if (auto s = node.value<std::string>())
    text = *s;
  else if (auto d = node.value<double>())
    throw UserError(where + ": " + key +
                    " must be a string such as \"5.10\" (a number loses its zeros)");
  else
    throw UserError(where + ": " + key + " must be a string such as \"5.10\"");
  auto v = KernelVersion::parse(text);
  if (!v)
    throw UserError(where + ": " + key + " = \"" + text +
                    "\" is not a kernel version such as \"5.10\"");
  return v;
}

}  // namespace

CompilerTable CompilerTable::parse(std::string_view text, const std::string& origin) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& pos = e.source().begin;
    throw UserError(origin + ":" + std::to_string(pos.line) + ": " + std::string(e.description()));
  }
  CompilerTable table;
  if (auto d = doc["default"]) {
    auto s = d.value<std::string>();
    if (!s || s->empty())
      throw UserError(origin + ": default must be a compiler name such as \"gcc\"");
    table.default_ = *s;
  }
  if (auto ranges = doc["range"]) {
    auto* array = ranges.as_array();
    if (!array) throw UserError(origin + ": range must be written as [[range]] tables");
    int n = 0;
    for (auto& node : *array) {
      std::string where = origin + ": range " + std::to_string(++n);
      auto* t = node.as_table();
      if (!t) throw UserError(where + " is not a table");
      Range r;
      r.from = version_field(*t, "from", where);
      r.below = version_field(*t, "below", where);
      auto cc = (*t)["compiler"].value<std::string>();
      if (!cc || cc->empty()) throw UserError(where + " has no compiler");
      r.compiler = *cc;
      if (r.from && r.below && *r.below <= *r.from)
        throw UserError(where + ": below must be above from");
      table.ranges_.push_back(std::move(r));
    }
  }
  for (auto&& [key, value] : doc)
    if (key != "default" && key != "range")
      throw UserError(origin + ": unknown key '" + std::string(key.str()) +
                      "' (expected default and [[range]])");
  return table;
}

CompilerTable CompilerTable::builtin() { return parse(kBuiltinTable, "culprit's compiler table"); }

std::string CompilerTable::compiler_for(const std::optional<KernelVersion>& version) const {
  if (version)
    for (const auto& r : ranges_)
      if ((!r.from || *version >= *r.from) && (!r.below || *version < *r.below)) return r.compiler;
  return default_;
}

std::string CompilerTable::key() const {
  std::ostringstream out;
  out << "default=" << default_;
  for (const auto& r : ranges_)
    out << ";[" << (r.from ? r.from->str() : "") << "," << (r.below ? r.below->str() : "")
        << ")=" << r.compiler;
  return out.str();
}

}  // namespace culprit::build
