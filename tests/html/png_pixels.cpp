#include "html/png_pixels.h"

#include <zlib.h>

#include <cstdlib>
#include <cstring>

#include "util/text.h"

namespace culprit::testing {
namespace {

std::uint32_t be32(const std::string& s, std::size_t at) {
  auto b = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i]));
  };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

int paeth(int a, int b, int c) {
  int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

std::optional<Image> fail(std::string* error, const std::string& why) {
  if (error) *error = why;
  return std::nullopt;
}

}  // namespace

std::optional<Image> decode_png(const std::filesystem::path& path, std::string* error) {
  std::string data = read_file(path);
  if (data.size() < 8 || data.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0)
    return fail(error, "not a PNG");
  Image img;
  int channels = 0;
  std::string idat;
  for (std::size_t at = 8; at + 12 <= data.size();) {
    std::uint32_t len = be32(data, at);
    std::string type = data.substr(at + 4, 4);
    if (at + 12 + len > data.size()) return fail(error, "truncated chunk " + type);
    if (type == "IHDR") {
      img.width = static_cast<int>(be32(data, at + 8));
      img.height = static_cast<int>(be32(data, at + 12));
      int depth = static_cast<unsigned char>(data[at + 16]);
      int colour = static_cast<unsigned char>(data[at + 17]);
      int interlace = static_cast<unsigned char>(data[at + 20]);
      channels = colour == 2 ? 3 : colour == 6 ? 4 : 0;
      if (depth != 8 || channels == 0 || interlace != 0)
        return fail(error, "unsupported PNG format");
    } else if (type == "IDAT") {
      idat.append(data, at + 8, len);
    } else if (type == "IEND") {
      break;
    }
    at += 12 + len;
  }
  if (channels == 0 || img.width <= 0 || img.height <= 0) return fail(error, "no IHDR");
  std::size_t stride = static_cast<std::size_t>(img.width) * channels;
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) !=
          Z_OK ||
      raw_len != raw.size())
    return fail(error, "bad image data");
  std::vector<std::uint8_t> prev(stride, 0), cur(stride);
  img.rgb.resize(static_cast<std::size_t>(img.width) * img.height * 3);
  for (int y = 0; y < img.height; ++y) {
    const std::uint8_t* line = raw.data() + y * (stride + 1);
    int filter = line[0];
    for (std::size_t i = 0; i < stride; ++i) {
      int a = i >= static_cast<std::size_t>(channels) ? cur[i - channels] : 0;
      int b = prev[i];
      int c = i >= static_cast<std::size_t>(channels) ? prev[i - channels] : 0;
      int pred = filter == 0   ? 0
                 : filter == 1 ? a
                 : filter == 2 ? b
                 : filter == 3 ? (a + b) / 2
                               : paeth(a, b, c);
      if (filter > 4) return fail(error, "bad filter");
      cur[i] = static_cast<std::uint8_t>(line[1 + i] + pred);
    }
    for (int x = 0; x < img.width; ++x)
      std::memcpy(&img.rgb[(static_cast<std::size_t>(y) * img.width + x) * 3], &cur[x * channels],
                  3);
    std::swap(prev, cur);
  }
  return img;
}

}  // namespace culprit::testing
