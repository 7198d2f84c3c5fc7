// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/settings.hpp — private. Every LIFECYCLE_* environment
// variable and test-program flag in one table, the one wording of the warning
// a value that cannot be read gets, and the parsers of the process-wide
// settings that the registry reads once, when it is created.
//
// A value that cannot be read is never fatal: one line on stderr,
//   lifecycle: ignoring LIFECYCLE_CAPTURE='everything': expected off, site or stack; using stack
// then the default, the value escaped (detail/text_escape.hpp). Includes C
// headers, <string_view> and text_escape.hpp.
#ifndef LIFECYCLE_DETAIL_SETTINGS_HPP
#define LIFECYCLE_DETAIL_SETTINGS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/text_escape.hpp>
#include <lifecycle/levels.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Every setting lifecycle reads; the order of `settings_table`.
enum class setting_id : unsigned {
    capture,
    stack_depth,
    unwind,
    sample,
    break_on,
    ownership,
    report_at_exit,
    report_file,
    exit_code,
    source_root,
    detect_leaks, // test integrations from here on (a flag and a variable each)
    max_leaks,
    max_weight,
    max_live,
    leak_grace_ms,
    self_test,
};

struct setting_info {
    const char* variable; ///< the environment variable
    const char* flag;     ///< the test-program flag without "--", or nullptr
    const char* accepts;  ///< what a value may be, as the warning says it
};

inline constexpr setting_info settings_table[] = {
    {"LIFECYCLE_CAPTURE", nullptr, "off, site or stack"},
    {"LIFECYCLE_STACK_DEPTH", nullptr, "a whole number from 1 to 128"},
    {"LIFECYCLE_UNWIND", nullptr, "fast or precise"},
    {"LIFECYCLE_SAMPLE", nullptr, "a whole number from 1 to 1000000"},
    {"LIFECYCLE_BREAK_ON", nullptr, "an ordinal as reports print it, such as 1:52"},
    {"LIFECYCLE_OWNERSHIP", nullptr, "ignore, warn-once, warn or abort"},
    {"LIFECYCLE_REPORT_AT_EXIT", nullptr, "0 or 1"},
    {"LIFECYCLE_REPORT_FILE", nullptr, "a file path (one JSON line is appended per report)"},
    {"LIFECYCLE_EXIT_CODE", nullptr, "a whole number from 1 to 255 (the exit status when the at-exit report is not empty)"},
    {"LIFECYCLE_SOURCE_ROOT", nullptr, "an absolute directory (text reports show paths relative to it)"},
    {"LIFECYCLE_DETECT_LEAKS", "lifecycle-detect-leaks", "1, 0, true, false, yes, no, on or off"},
    {"LIFECYCLE_MAX_LEAKS", "lifecycle-max-leaks", "a whole number (0 or more)"},
    {"LIFECYCLE_MAX_WEIGHT", "lifecycle-max-weight", "a number of bytes, optionally with K, M or G (KiB, MiB, GiB)"},
    {"LIFECYCLE_MAX_LIVE", "lifecycle-max-live", "N (every kind) or kind=N[,kind=N...]"},
    {"LIFECYCLE_LEAK_GRACE_MS", "lifecycle-leak-grace-ms", "a whole number of milliseconds from 0 to 600000"},
    {"LIFECYCLE_SELF_TEST", "lifecycle-self-test", "1, 0, true, false, yes, no, on or off"},
};

constexpr const setting_info& setting_of(setting_id id) noexcept { return settings_table[static_cast<unsigned>(id)]; }

/// The value of a setting's variable; nullptr when unset or empty.
inline const char* setting_value(setting_id id) noexcept {
    const char* v = std::getenv(setting_of(id).variable);
    return v != nullptr && *v != '\0' ? v : nullptr;
}

/// Effects: the one warning for a value that cannot be read. `name` is the
/// variable or "--flag"; `used` is what is used instead. Nothing when `out`
/// is null.
inline void warn_ignored(std::FILE* out, std::string_view name, std::string_view value, const char* accepts,
                         std::string_view used) noexcept {
    if (out == nullptr) return;
    // The value is user input: escaped, so that it cannot forge a line; no allocation.
    char shown[text_word_buffer], instead[text_word_buffer];
    std::fprintf(out, "lifecycle: ignoring %.*s='%s': expected %s; using %s\n", static_cast<int>(name.size()), name.data(),
                 text_word_into(shown, sizeof shown, value), accepts, text_word_into(instead, sizeof instead, used));
}

inline void warn_ignored(std::FILE* out, setting_id id, std::string_view value, std::string_view used) noexcept {
    warn_ignored(out, setting_of(id).variable, value, setting_of(id).accepts, used);
}

// ---- values -------------------------------------------------------------------

constexpr const char* capture_name(capture c) noexcept {
    switch (c) {
    case capture::off: return "off";
    case capture::site: return "site";
    case capture::stack: return "stack";
    }
    return "?";
}

constexpr const char* unwind_name(unwind u) noexcept { return u == unwind::fast ? "fast" : "precise"; }

/// The unwinder creation stacks use by default: the fast one where there is one.
inline constexpr unwind default_unwind = LIFECYCLE_DETAIL_FAST_UNWIND ? unwind::fast : unwind::precise;

constexpr const char* ownership_level_name(ownership_level m) noexcept {
    switch (m) {
    case ownership_level::ignore: return "ignore";
    case ownership_level::warn_once: return "warn-once";
    case ownership_level::warn: return "warn";
    case ownership_level::abort: return "abort";
    }
    return "?";
}

/// Reads a whole number from `low` to `high`. Returns: false if `v` is not one.
inline bool read_whole(std::string_view v, std::uint64_t low, std::uint64_t high, std::uint64_t& out) noexcept {
    if (v.empty() || v.size() > 18) return false;
    std::uint64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n < low || n > high) return false;
    out = n;
    return true;
}

// The parsers: an unset (null or empty) value gives `fallback` silently; a
// value that cannot be read gives `fallback` and the warning on `warn`.

inline capture parse_capture(const char* value, capture fallback, std::FILE* warn) noexcept {
    if (value == nullptr || *value == '\0') return fallback;
    const std::string_view v(value);
    for (capture c : {capture::off, capture::site, capture::stack})
        if (v == capture_name(c)) return c;
    warn_ignored(warn, setting_id::capture, v, capture_name(fallback));
    return fallback;
}

/// `fast` is read as `precise` where there is no fast unwinder (no warning:
/// the setting is right, the architecture has only the one).
inline unwind parse_unwind(const char* value, unwind fallback, std::FILE* warn) noexcept {
    if (value == nullptr || *value == '\0') return fallback;
    const std::string_view v(value);
    if (v == "precise") return unwind::precise;
    if (v == "fast") return default_unwind;
    warn_ignored(warn, setting_id::unwind, v, unwind_name(fallback));
    return fallback;
}

inline unsigned parse_whole_setting(const char* value, setting_id id, unsigned low, unsigned high, unsigned fallback,
                                    std::FILE* warn) noexcept {
    if (value == nullptr || *value == '\0') return fallback;
    std::uint64_t n = 0;
    if (read_whole(value, low, high, n)) return static_cast<unsigned>(n);
    char used[24];
    std::snprintf(used, sizeof used, "%u", fallback);
    warn_ignored(warn, id, value, used);
    return fallback;
}

inline unsigned parse_depth(const char* value, unsigned fallback, std::FILE* warn) noexcept {
    return parse_whole_setting(value, setting_id::stack_depth, 1, 128, fallback, warn);
}

inline unsigned parse_sample(const char* value, unsigned fallback, std::FILE* warn) noexcept {
    return parse_whole_setting(value, setting_id::sample, 1, 1000000, fallback, warn);
}

inline constexpr unsigned ordinal_shard_shift = 40;

/// Parses an ordinal as reports print it, "S:N" (shard S, sequence N), or
/// "N" for "1:N". Returns: 0 (none) for an unset value or one it cannot read
/// (with the warning, naming `variable`).
inline std::uint64_t parse_ordinal(const char* value, const char* variable, std::FILE* warn) noexcept {
    if (value == nullptr || *value == '\0') return 0;
    const std::string_view v(value);
    const std::size_t colon = v.find(':');
    std::uint64_t shard = 1, seq = 0;
    bool ok = colon == std::string_view::npos
                  ? read_whole(v, 1, (std::uint64_t(1) << ordinal_shard_shift) - 1, seq)
                  : read_whole(v.substr(0, colon), 1, (std::uint64_t(1) << 23) - 1, shard) &&
                        read_whole(v.substr(colon + 1), 1, (std::uint64_t(1) << ordinal_shard_shift) - 1, seq);
    if (ok) return (shard << ordinal_shard_shift) | seq;
    warn_ignored(warn, variable, v, setting_of(setting_id::break_on).accepts, "none (no break)");
    return 0;
}

inline ownership_level parse_ownership(const char* value, ownership_level fallback, std::FILE* warn) noexcept {
    if (value == nullptr || *value == '\0') return fallback;
    const std::string_view v(value);
    for (ownership_level m : {ownership_level::ignore, ownership_level::warn_once, ownership_level::warn, ownership_level::abort})
        if (v == ownership_level_name(m)) return m;
    if (v == "warn_once") return ownership_level::warn_once;
    warn_ignored(warn, setting_id::ownership, v, ownership_level_name(fallback));
    return fallback;
}

inline bool parse_switch(const char* value, setting_id id, std::FILE* warn) noexcept {
    if (value == nullptr || *value == '\0') return false;
    const std::string_view v(value);
    if (v == "1") return true;
    if (v != "0") warn_ignored(warn, id, v, "0");
    return false;
}

/// Returns: the exit status LIFECYCLE_EXIT_CODE asks for when the at-exit
/// report is not empty (1 to 255); 0: the program's own.
inline int parse_exit_code(const char* value, std::FILE* warn) noexcept {
    if (value == nullptr || *value == '\0') return 0;
    std::uint64_t n = 0;
    if (read_whole(value, 1, 255, n)) return static_cast<int>(n);
    warn_ignored(warn, setting_id::exit_code, value, "none (the program's own exit status)");
    return 0;
}

/// The process-wide settings, read from the environment once (when the
/// registry is created); code may change them later (set_capture, ...).
struct process_settings {
    capture tier = capture::stack;
    unsigned depth = 32;
    unwind unwinder = default_unwind;
    unsigned sample = 1;
    std::uint64_t break_on = 0;
    ownership_level ownership = ownership_level::warn_once;
    bool report_at_exit = false;
    int exit_code = 0; // read again at exit (detail::report_open_at_exit); here for the warning
};

/// Returns: the settings from the environment; warnings go to `warn`.
inline process_settings read_process_settings(std::FILE* warn) noexcept {
    process_settings s;
#ifdef NDEBUG
    s.tier = capture::site;
#endif
    s.tier = parse_capture(setting_value(setting_id::capture), s.tier, warn);
    s.depth = parse_depth(setting_value(setting_id::stack_depth), s.depth, warn);
    s.unwinder = parse_unwind(setting_value(setting_id::unwind), s.unwinder, warn);
    s.sample = parse_sample(setting_value(setting_id::sample), s.sample, warn);
    s.break_on = parse_ordinal(setting_value(setting_id::break_on), setting_of(setting_id::break_on).variable, warn);
    s.ownership = parse_ownership(setting_value(setting_id::ownership), s.ownership, warn);
    s.report_at_exit = parse_switch(setting_value(setting_id::report_at_exit), setting_id::report_at_exit, warn);
    s.exit_code = parse_exit_code(setting_value(setting_id::exit_code), warn);
    return s;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_SETTINGS_HPP
