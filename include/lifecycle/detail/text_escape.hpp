// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/text_escape.hpp — private. User-given words in a text
// output (labels, scope, test and thread names, a traits' kind name, close
// call and identity domain, an exception's what(), the value of a setting,
// paths the OS gives): control characters and bytes that
// are not UTF-8 written as escapes, so that a label holding "\n" or a
// terminal escape cannot forge a line or repaint the screen, and a label cut
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

/// Effects: appends `s` to `out`, each control character (C0, DEL, and the
/// C1 controls U+0080-U+009F, which terminals obey too) as "\n", "\r", "\t"
/// or "\xNN" a byte, and each byte that does not belong to a well-formed
/// UTF-8 sequence as "\xNN"; when `s` is longer than `limit` bytes, only its
/// whole characters within the first `limit` bytes and "...(N bytes cut)".
/// Throws: std::bad_alloc.
LIFECYCLE_DETAIL_COLD void append_text_word(std::string& out, std::string_view s, std::size_t limit = text_word_limit);

/// Returns: `s` as append_text_word writes it. Throws: std::bad_alloc.
inline std::string text_word(std::string_view s, std::size_t limit = text_word_limit) {
    std::string out;
    append_text_word(out, s, limit);
    return out;
}

/// Effects: appends " '<label>'", the label as append_text_word writes it;
/// nothing for an empty label. Throws: std::bad_alloc.
inline void append_label(std::string& out, std::string_view label) {
    if (label.empty()) return;
    out += " '";
    append_text_word(out, label); // a label's "\n" must not start a line of its own
    out += '\'';
}

/// A buffer that holds any word text_word_into() writes with the default limit.
inline constexpr std::size_t text_word_buffer = 4 * text_word_limit + 40;

/// Effects: writes `s` as append_text_word writes it into `buf`, NUL-ended:
/// the pieces of it that fit in `size` - 1 bytes (never part of an escape or
/// of a character). For warnings that must not allocate. Returns: `buf`.
LIFECYCLE_DETAIL_COLD const char* text_word_into(char* buf, std::size_t size, std::string_view s,
                                                 std::size_t limit = text_word_limit) noexcept;

} // namespace detail
LIFECYCLE_END_NAMESPACE

#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <charconv>
#    include <cstring>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

// Returns: the length of the well-formed UTF-8 sequence at the start of `s`
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), 0 if
// there is none.
inline std::size_t utf8_sequence(std::string_view s) noexcept {
    const auto b = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xbf; // the allowed range of the second byte
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else
        return 0;
    if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
    for (std::size_t i = 2; i < n; ++i)
        if (b(i) < 0x80 || b(i) > 0xbf) return 0;
    return n;
}

// The one escaper: `emit(bytes, n)` receives the escaped word piece by piece.
template <class Emit>
void escape_text_word(std::string_view s, std::size_t limit, Emit&& emit) {
    static const char hex[] = "0123456789abcdef";
    const bool cut = s.size() > limit;
    std::size_t i = 0, run = 0; // run: where the bytes not yet emitted begin
    auto escape_byte = [&](unsigned char c) {
        char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
        if (c == '\n') e[1] = 'n';
        else if (c == '\r') e[1] = 'r';
        else if (c == '\t') e[1] = 't';
        emit(e, e[1] == 'x' ? 4 : 2);
    };
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = utf8_sequence(s.substr(i));
        const std::size_t width = n == 0 ? 1 : n;
        if (cut && i + width > limit) break; // never half a character
        const bool control = c < 0x20 || c == 0x7f || (c == 0xc2 && n == 2 && static_cast<unsigned char>(s[i + 1]) < 0xa0);
        if (n != 0 && !control) {
            i += n;
            continue;
        }
        if (i > run) emit(s.data() + run, i - run);
        for (std::size_t k = 0; k < width; ++k) escape_byte(static_cast<unsigned char>(s[i + k]));
        i += width;
        run = i;
    }
    if (i > run) emit(s.data() + run, i - run);
    if (i < s.size()) {
        char count[40] = "...("; // one piece: a buffer too short drops it whole
        char* end = std::to_chars(count + 4, count + 24, s.size() - i).ptr;
        std::memcpy(end, " bytes cut)", 11);
        emit(count, static_cast<std::size_t>(end + 11 - count));
    }
}

LIFECYCLE_DETAIL_COLD void append_text_word(std::string& out, std::string_view s, std::size_t limit) {
    escape_text_word(s, limit, [&out](const char* bytes, std::size_t n) { out.append(bytes, n); });
}

LIFECYCLE_DETAIL_COLD const char* text_word_into(char* buf, std::size_t size, std::string_view s, std::size_t limit) noexcept {
    if (size == 0) return buf;
    std::size_t used = 0;
    bool full = false;
    escape_text_word(s, limit, [&](const char* bytes, std::size_t n) {
        full = full || n > size - 1 - used; // the pieces that fit whole: never half an escape or a character
        if (full) return;
        for (std::size_t k = 0; k < n; ++k) buf[used++] = bytes[k];
    });
    buf[used] = '\0';
    return buf;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_TEXT_ESCAPE_HPP
