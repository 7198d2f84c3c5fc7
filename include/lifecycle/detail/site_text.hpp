// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/site_text.hpp — private. The one way a source site is
// written in every message and report: "function (file:line)", or "an
// unknown site" when none was captured (a destructor, capture off, a build
// without line information).
#ifndef LIFECYCLE_DETAIL_SITE_TEXT_HPP
#define LIFECYCLE_DETAIL_SITE_TEXT_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/text_escape.hpp>
#include <lifecycle/source_site.hpp>

#include <cstddef>
#include <string>
#include <string_view>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

inline constexpr const char* unknown_site_text = "an unknown site";

/// Effects: appends "function (file:line)", `file` as the caller shows it (a
/// report: relative to its source root), or "an unknown site" when `line` is
/// 0. Function and file are escaped as a report's words are, never cut: a
/// path is bytes, and a directory named in Latin-1 is not UTF-8.
/// Throws: std::bad_alloc.
inline void append_site(std::string& out, std::string_view function, std::string_view file, unsigned line) {
    if (line == 0) {
        out += unknown_site_text;
        return;
    }
    append_text_word(out, function, static_cast<std::size_t>(-1));
    out += " (";
    append_text_word(out, file, static_cast<std::size_t>(-1));
    out += ':';
    out += std::to_string(line);
    out += ')';
}

/// Effects: appends `s` as the three-part append_site writes it. Throws: std::bad_alloc.
inline void append_site(std::string& out, const source_site& s) { append_site(out, s.function, s.file, s.line); }

/// Returns: `s` as text. Throws: std::bad_alloc.
inline std::string site_text(const source_site& s) {
    std::string out;
    append_site(out, s);
    return out;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_SITE_TEXT_HPP
