// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/site_text.hpp — private. The one way a source site is
// written in every message and report: "function (file:line)", or "an
// unknown site" when none was captured (a destructor, capture off, a build
// without line information).
#ifndef LIFECYCLE_DETAIL_SITE_TEXT_HPP
#define LIFECYCLE_DETAIL_SITE_TEXT_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/source_site.hpp>

#include <string>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

inline constexpr const char* unknown_site_text = "an unknown site";

/// Effects: appends `s` to `out`. Throws: std::bad_alloc.
inline void append_site(std::string& out, const source_site& s) {
    if (!s.known()) {
        out += unknown_site_text;
        return;
    }
    out += s.function;
    out += " (";
    out += s.file;
    out += ':';
    out += std::to_string(s.line);
    out += ')';
}

/// Returns: `s` as text. Throws: std::bad_alloc.
inline std::string site_text(const source_site& s) {
    std::string out;
    append_site(out, s);
    return out;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_SITE_TEXT_HPP
