// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/fingerprint.hpp — private. The fingerprint of a leak
// group, the key by which CI tells a known leak from a new one across
// builds and edits, and the source lines it reads.
#ifndef LIFECYCLE_DETAIL_FINGERPRINT_HPP
#define LIFECYCLE_DETAIL_FINGERPRINT_HPP

#include <lifecycle/config.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// The creating lines of one report's groups, whitespace removed, read once per file.
struct source_lines {
    /// One source file, read at most once.
    struct file {
        std::string path;
        bool readable = false;
        std::vector<std::string> lines; // whitespace removed
    };
    std::vector<file> files;
    LIFECYCLE_DETAIL_COLD const file& of(const std::string& path);
};

/// A fingerprint that survives unrelated edits (SARIF's line hashes do the
/// same): kind, file name (not its directory: build paths differ), function,
/// and the creating line's text without whitespace, with how many lines above
/// it in the file read the same; the line number when the source is not
/// readable at report time. Inserting lines above a leak keeps it; editing
/// the creating line changes it.
LIFECYCLE_DETAIL_COLD std::uint64_t fingerprint(std::string_view kind, std::string_view file, std::string_view function,
                                               unsigned line, source_lines* cache = nullptr);

} // namespace detail
LIFECYCLE_END_NAMESPACE

#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <lifecycle/detail/formatting.hpp>

#    include <algorithm>
#    include <cstdio>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

LIFECYCLE_DETAIL_COLD const source_lines::file& source_lines::of(const std::string& path) {
    for (const file& f : files)
        if (f.path == path) return f;
    file f;
    f.path = path;
    if (std::FILE* in = path.empty() ? nullptr : std::fopen(path.c_str(), "rb")) {
        std::string line;
        std::size_t total = 0;
        int c;
        while ((c = std::getc(in)) != EOF && total < (std::size_t(64) << 20)) {
            ++total;
            if (c == '\n') {
                f.lines.push_back(std::move(line));
                line.clear();
            } else if (c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f') {
                line += static_cast<char>(c);
            }
        }
        f.lines.push_back(std::move(line));
        f.readable = std::ferror(in) == 0;
        std::fclose(in);
    }
    files.push_back(std::move(f));
    return files.back();
}

LIFECYCLE_DETAIL_COLD std::uint64_t fingerprint(std::string_view kind, std::string_view file, std::string_view function,
                                               unsigned line, source_lines* cache) {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::string_view s) {
        for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        h = (h ^ 0xff) * 1099511628211ull;
    };
    mix(kind);
    mix(base_name(file));
    mix(function);
    source_lines own;
    const source_lines::file& src = (cache ? *cache : own).of(line != 0 ? std::string(file) : std::string());
    if (src.readable && line <= src.lines.size()) {
        const std::string& text = src.lines[line - 1];
        const auto earlier = std::count(src.lines.begin(), src.lines.begin() + static_cast<std::ptrdiff_t>(line - 1), text);
        mix("=" + text);
        mix(std::to_string(earlier));
    } else {
        mix("#" + std::to_string(line));
    }
    return h;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_FINGERPRINT_HPP
