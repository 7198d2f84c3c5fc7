// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/text_escape.hpp — private. User-given words in a text
// report (labels, scope and thread names, paths the OS gives): control
// characters written as escapes, so that a label holding "\n" or a terminal
// escape cannot forge a report line or repaint the screen, and a label cut
// to its first 200 bytes, so that a 10,000-character label does not bury
// the report. The JSON keeps every byte (formatting.hpp's json_string).
#ifndef LIFECYCLE_DETAIL_TEXT_ESCAPE_HPP
#define LIFECYCLE_DETAIL_TEXT_ESCAPE_HPP

#include <lifecycle/config.hpp>

#include <cstddef>
#include <string>
#include <string_view>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Bytes of a user-given word a text report shows; the rest is counted.
inline constexpr std::size_t text_word_limit = 200;

/// Effects: appends `s` to `out`, each control character (below 0x20, and
/// DEL) as "\n", "\r", "\t" or "\xNN"; when `s` is longer than `limit`
/// bytes, only its first `limit` (backed off to the start of a UTF-8
/// sequence) and "...(N bytes cut)". Throws: std::bad_alloc.
LIFECYCLE_DETAIL_COLD void append_text_word(std::string& out, std::string_view s, std::size_t limit = text_word_limit);

/// Returns: `s` as append_text_word writes it. Throws: std::bad_alloc.
inline std::string text_word(std::string_view s, std::size_t limit = text_word_limit) {
    std::string out;
    append_text_word(out, s, limit);
    return out;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#if LIFECYCLE_DETAIL_DEFINE_COLD
LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

LIFECYCLE_DETAIL_COLD void append_text_word(std::string& out, std::string_view s, std::size_t limit) {
    std::size_t shown = s.size();
    if (shown > limit) {
        shown = limit;
        // Never half a multi-byte character: back off over continuation bytes.
        while (shown > 0 && (static_cast<unsigned char>(s[shown]) & 0xc0) == 0x80) --shown;
    }
    static const char hex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    if (shown < s.size()) {
        out += "...(";
        out += std::to_string(s.size() - shown);
        out += " bytes cut)";
    }
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_TEXT_ESCAPE_HPP
