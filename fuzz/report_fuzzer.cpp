// libFuzzer entry: any bytes through the crash report parser. It must not
// crash, and what it returns must describe a range of the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "report/crash_report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view log(reinterpret_cast<const char*>(data), size);
  auto r = culprit::report::find_crash(log);
  if (r && (r->start > r->end || r->end > size || r->title.empty() || r->title.size() > 120))
    std::abort();
  return 0;
}
