#include <system_error>

#include "maintainers/lookup.h"
#include "util/text.h"

namespace culprit::maintainers {

SourceTree source_tree_on_disk(const std::filesystem::path& top) {
  namespace fs = std::filesystem;
  SourceTree tree;
  tree.is_directory = [top](const std::string& path) {
    std::error_code ec;
    return fs::is_directory(top / path, ec);
  };
  tree.read = [top](const std::string& path) -> std::optional<std::string> {
    std::error_code ec;
    if (!fs::is_regular_file(top / path, ec)) return std::nullopt;
    return read_file(top / path);
  };
  return tree;
}

}  // namespace culprit::maintainers
