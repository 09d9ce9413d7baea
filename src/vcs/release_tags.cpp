#include "vcs/release_tags.h"

#include <algorithm>
#include <charconv>

namespace culprit::vcs {
namespace {

// Parses a non-negative decimal at the front of `s`, advancing it.
bool take_number(std::string_view& s, int& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr == s.data() || out < 0) return false;
  if (s.size() > 1 && s[0] == '0' && ptr - s.data() > 1) return false;  // no leading zeros
  s.remove_prefix(ptr - s.data());
  return true;
}

}  // namespace

std::optional<ReleaseVersion> ReleaseVersion::parse(std::string_view tag) {
  if (tag.size() < 4 || tag[0] != 'v') return std::nullopt;
  tag.remove_prefix(1);
  ReleaseVersion v;
  if (!take_number(tag, v.major) || tag.empty() || tag[0] != '.') return std::nullopt;
  tag.remove_prefix(1);
  if (!take_number(tag, v.minor)) return std::nullopt;
  if (!tag.empty() && tag[0] == '.') {
    tag.remove_prefix(1);
    if (!take_number(tag, v.patch)) return std::nullopt;
    v.has_patch = true;
  }
  if (!tag.empty() && !v.has_patch && tag.substr(0, 3) == "-rc") {
    tag.remove_prefix(3);
    if (!take_number(tag, v.rc) || v.rc == 0) return std::nullopt;
  }
  if (!tag.empty()) return std::nullopt;
  return v;
}

std::strong_ordering ReleaseVersion::operator<=>(const ReleaseVersion& o) const {
  if (auto c = major <=> o.major; c != 0) return c;
  if (auto c = minor <=> o.minor; c != 0) return c;
  // An -rc comes before the final release; both come before x.y.1.
  int my_rc = rc == 0 ? 1 << 30 : rc, other_rc = o.rc == 0 ? 1 << 30 : o.rc;
  if (auto c = my_rc <=> other_rc; c != 0) return c;
  return patch <=> o.patch;
}

std::vector<Release> all_releases(const Repository& repo, bool include_rc) {
  std::vector<Release> out;
  for (const auto& [name, hash] : repo.tags()) {
    auto v = ReleaseVersion::parse(name);
    if (!v || (v->is_rc() && !include_rc)) continue;
    out.push_back({name, hash, *v});
  }
  std::sort(out.begin(), out.end(), [](const Release& a, const Release& b) { return a.version > b.version; });
  return out;
}

std::vector<Release> releases_before(const Repository& repo, const std::string& commit) {
  std::vector<Release> out;
  for (auto& r : all_releases(repo, false))
    if (r.hash != commit && repo.is_ancestor(r.hash, commit)) out.push_back(std::move(r));
  return out;
}

std::vector<Release> release_walk(const std::vector<Release>& newest_first) {
  std::vector<Release> subs, majors;
  for (const auto& r : newest_first) (r.version.has_patch ? subs : majors).push_back(r);
  std::vector<Release> picked;
  // The two newest sub-releases (stable updates), and the middle one of a
  // long series, so that a regression inside a stable series is bracketed.
  for (size_t i = 0; i < subs.size() && i < 2; ++i) picked.push_back(subs[i]);
  if (subs.size() > 5) picked.push_back(subs[subs.size() / 2]);
  // Then releases with a growing step: recent ones are likelier to be where
  // the bug came in, old ones are cheap to skip over.
  for (size_t i = 0; i < majors.size(); ++i) {
    size_t step = i < 3 ? 1 : i < 11 ? 2 : 3;
    if (i % step == 0 || i + 1 == majors.size()) picked.push_back(majors[i]);
  }
  // Never stop above the oldest release.
  if (!subs.empty() && majors.empty() && picked.back().tag != subs.back().tag) picked.push_back(subs.back());
  std::sort(picked.begin(), picked.end(), [](const Release& a, const Release& b) { return a.version > b.version; });
  return picked;
}

}  // namespace culprit::vcs
