#include "store/kept_mail.h"

#include <algorithm>
#include <charconv>

namespace culprit::store {
namespace {

// "culprit.<id>.<time>.<rest>.eml" -> id and time; false for other files.
bool parse_name(const std::string& name, std::int64_t& id, std::int64_t& time) {
  constexpr std::string_view kStart = "culprit.", kEnd = ".eml";
  if (name.size() <= kStart.size() + kEnd.size() || !name.starts_with(kStart) ||
      !name.ends_with(kEnd))
    return false;
  const char* p = name.data() + kStart.size();
  const char* end = name.data() + name.size();
  auto r = std::from_chars(p, end, id);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != '.') return false;
  r = std::from_chars(r.ptr + 1, end, time);
  return r.ec == std::errc() && r.ptr != end && *r.ptr == '.';
}

}  // namespace

std::filesystem::path mail_outbox_dir(const std::filesystem::path& state_dir) {
  return state_dir / "email" / "outbox";
}

std::filesystem::path mail_sent_dir(const std::filesystem::path& state_dir) {
  return state_dir / "email" / "sent";
}

std::string mail_id_prefix(std::int64_t bisection_id) {
  return "culprit." + std::to_string(bisection_id) + ".";
}

std::vector<KeptMail> kept_mail(const std::filesystem::path& state_dir, std::int64_t bisection_id) {
  std::vector<KeptMail> out;
  for (bool sent : {false, true}) {
    std::error_code ec;
    auto dir = sent ? mail_sent_dir(state_dir) : mail_outbox_dir(state_dir);
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      std::int64_t id = 0, time = 0;
      if (!entry.is_regular_file(ec) || !parse_name(entry.path().filename().string(), id, time))
        continue;
      if (bisection_id >= 0 && id != bisection_id) continue;
      out.push_back({entry.path(), sent, time});
    }
  }
  std::sort(out.begin(), out.end(), [](const KeptMail& a, const KeptMail& b) {
    return a.composed != b.composed ? a.composed < b.composed : a.path < b.path;
  });
  return out;
}

std::optional<KeptMail> newest_kept_mail(const std::filesystem::path& state_dir,
                                         std::int64_t bisection_id) {
  auto all = kept_mail(state_dir, bisection_id);
  if (all.empty()) return std::nullopt;
  return all.back();
}

}  // namespace culprit::store
