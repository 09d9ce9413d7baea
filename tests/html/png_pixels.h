// Just enough of a PNG decoder for tests to look at a screenshot: 8-bit RGB
// or RGBA, non-interlaced (what Chromium writes).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace culprit::testing {

struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3
  struct Pixel {
    int r, g, b;
  };
  Pixel at(int x, int y) const {
    auto p = (static_cast<std::size_t>(y) * width + x) * 3;
    return {rgb[p], rgb[p + 1], rgb[p + 2]};
  }
};

// Nothing (with `error` set) when the file is not a PNG this can decode.
std::optional<Image> decode_png(const std::filesystem::path& path, std::string* error = nullptr);

}  // namespace culprit::testing
