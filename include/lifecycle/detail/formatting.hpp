// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/formatting.hpp — private. The words and numbers of
// reports: sizes, durations, ordinals and plurals for text; JSON strings that
// are valid UTF-8 whatever the bytes; decimals that no locale changes.
#ifndef LIFECYCLE_DETAIL_FORMATTING_HPP
#define LIFECYCLE_DETAIL_FORMATTING_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/text_escape.hpp> // utf8_sequence

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// "512 B", "1.5 KiB", ...
LIFECYCLE_DETAIL_COLD std::string human_bytes(std::uint64_t b);
/// "120 ms", "2.5 s", "3 min", "1.2 h".
LIFECYCLE_DETAIL_COLD std::string human_seconds(double s);
/// "shard:n" of a record's ordinal.
LIFECYCLE_DETAIL_COLD std::string format_ordinal(std::uint64_t o);
/// Sorted ordinals `o[0..n)` per shard, runs collapsed: "1:9-1:12, 2:3"; the
/// first `max_runs` runs, then "and N more" (ordinals).
LIFECYCLE_DETAIL_COLD std::string format_ordinal_runs(const std::uint64_t* o, std::size_t n, std::size_t max_runs = 4);
/// "1 group", "2 groups".
LIFECYCLE_DETAIL_COLD std::string plural(std::size_t n, const char* one, const char* many);
/// `v` with `decimals` digits after a '.', whatever the locale.
LIFECYCLE_DETAIL_COLD std::string fixed_decimal(double v, int decimals);
/// Appends `s` to `out` as a quoted JSON string.
LIFECYCLE_DETAIL_COLD void json_string(std::string& out, std::string_view s);
/// Appends `s[0..n)` to `out` as a JSON array of strings.
LIFECYCLE_DETAIL_COLD void json_strings(std::string& out, const std::string* s, std::size_t n);

/// Returns: the part of `path` after its last '/'.
inline std::string_view base_name(std::string_view path) {
    auto slash = path.find_last_of('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <cmath>
#    include <cstdio>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

LIFECYCLE_DETAIL_COLD std::string human_bytes(std::uint64_t b) {
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(b);
    int u = 0;
    for (; v >= 1024 && u < 4; ++u) v /= 1024;
    char buf[32];
    if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
    else return fixed_decimal(v, 1) + " " + units[u];
    return buf;
}

LIFECYCLE_DETAIL_COLD std::string human_seconds(double s) {
    if (s < 1) return fixed_decimal(s * 1000, 0) + " ms";
    if (s < 120) return fixed_decimal(s, 1) + " s";
    if (s < 7200) return fixed_decimal(s / 60, 0) + " min";
    return fixed_decimal(s / 3600, 1) + " h";
}

// printf's %f writes the locale's decimal point (a program that called
// setlocale(LC_ALL, "de_DE.UTF-8") got "0,000" in its JSON): digits from integers only.
LIFECYCLE_DETAIL_COLD std::string fixed_decimal(double v, int decimals) {
    if (!(v == v)) return "0";
    std::uint64_t scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    const bool negative = v < 0;
    const double scaled = std::fabs(v) * static_cast<double>(scale) + 0.5;
    const std::uint64_t units = scaled >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(scaled);
    std::string out = negative && units != 0 ? "-" : "";
    out += std::to_string(units / scale);
    if (decimals > 0) {
        std::string frac = std::to_string(units % scale);
        out += '.' + std::string(static_cast<std::size_t>(decimals) - frac.size(), '0') + frac;
    }
    return out;
}

LIFECYCLE_DETAIL_COLD std::string format_ordinal(std::uint64_t o) {
    return std::to_string(o >> 40) + ":" + std::to_string(o & ((std::uint64_t(1) << 40) - 1));
}

// "1:9 .. 2:7" read as a range across shards, which ordinals are not: each
// shard numbers its own records.
LIFECYCLE_DETAIL_COLD std::string format_ordinal_runs(const std::uint64_t* o, std::size_t n, std::size_t max_runs) {
    std::string out;
    std::size_t runs = 0, i = 0;
    while (i < n && runs < max_runs) {
        std::size_t j = i;
        while (j + 1 < n && o[j + 1] == o[j] + 1 && (o[j + 1] >> 40) == (o[i] >> 40)) ++j;
        out += (runs++ ? ", " : "") + format_ordinal(o[i]);
        if (j > i) out += "-" + format_ordinal(o[j]);
        i = j + 1;
    }
    if (i < n) out += " and " + std::to_string(n - i) + " more";
    return out;
}

LIFECYCLE_DETAIL_COLD std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Any bytes in, valid UTF-8 out: a byte that starts no well-formed sequence
// becomes U+FFFD; control characters (and DEL) are escaped.
LIFECYCLE_DETAIL_COLD void json_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        const std::size_t n = utf8_sequence(s.substr(i));
        if (n == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        if (n > 1) {
            out.append(s.data() + i, n);
            i += n;
            continue;
        }
        ++i;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

LIFECYCLE_DETAIL_COLD void json_strings(std::string& out, const std::string* s, std::size_t n) {
    out += '[';
    for (std::size_t i = 0; i < n; ++i) {
        if (i) out += ',';
        json_string(out, s[i]);
    }
    out += ']';
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_FORMATTING_HPP
