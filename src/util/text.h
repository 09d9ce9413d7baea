// Small string and formatting helpers shared by all modules.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace culprit {

std::vector<std::string_view> split_lines(std::string_view text);
// Every line including the (possibly empty) text after the last newline:
// "a\n" gives {"a", ""}, so line counts match positions in the text.
std::vector<std::string_view> split_lines_exact(std::string_view text);
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
// "3h50m51s" as syzbot prints durations.
std::string format_duration(double seconds);
std::string read_file(const std::filesystem::path& path);  // throws UserError if unreadable
void write_file_atomic(const std::filesystem::path& path, std::string_view data);
std::string shell_quote(std::string_view s);

}  // namespace culprit
